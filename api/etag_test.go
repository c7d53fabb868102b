package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// reprEnv drives the API for the representation tests.
type reprEnv struct {
	t *testing.T
	s *testenv.Server
}

// version is the If-Match of a resource read as JSON.
func version(m map[string]any) string { return fmt.Sprintf(`"%v"`, m["version"]) }

func id(m map[string]any) int64 { return int64(m["id"].(float64)) }

// reprFixture: a claim with an evidence link to an RCT and an appearance in
// a web article.
type reprFixture struct {
	claim, rct, article int64
	evidence, appears   int64
}

func newReprFixture(e *reprEnv) reprFixture {
	e.t.Helper()
	e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}}}}).Want(e.t, 201)
	var f reprFixture
	f.claim = id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
		"text": "Die Behandlung lindert Rückenschmerzen.", "language": "de", "claim_type": "efficacy"}}).Want(e.t, 201))
	f.rct = id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "rct", "title": "A randomised trial"}}).Want(e.t, 201))
	f.article = id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "web_article", "title": "Mesotherapie bei Rückenschmerzen"}}).Want(e.t, 201))
	f.evidence = id(e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", f.claim), Role: "editor", Body: map[string]any{"source_id": f.rct, "role": "evidence", "stance": "supports", "excerpt": "Pain fell by 2 points.", "note": "Primary outcome."}}).Want(e.t, 201))
	f.appears = id(e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", f.claim), Role: "editor", Body: map[string]any{"source_id": f.article, "role": "appearance", "excerpt": "Die Behandlung lindert Rückenschmerzen."}}).Want(e.t, 201))
	return f
}

func (f reprFixture) claimPath() string { return fmt.Sprintf("/api/v1/claims/%d", f.claim) }
func (f reprFixture) linkPath(l int64) string {
	return fmt.Sprintf("/api/v1/claims/%d/links/%d", f.claim, l)
}
func sourcePath(s int64) string { return fmt.Sprintf("/api/v1/sources/%d", s) }

// patchLink changes a link under its own version.
func (e *reprEnv) patchLink(f reprFixture, link int64, body map[string]any) {
	e.t.Helper()
	var v string
	for _, l := range e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Want(e.t, 200)["links"].([]any) {
		if l := l.(map[string]any); id(l) == link {
			v = version(l)
		}
	}
	e.s.Do(testenv.Request{Method: "PATCH", Path: f.linkPath(link), Role: "editor", Body: body, Headers: map[string]string{"If-Match": v}}).Want(e.t, 200)
}

func (e *reprEnv) patchSource(s int64, body map[string]any) {
	e.t.Helper()
	e.s.Do(testenv.Request{Method: "PATCH", Path: sourcePath(s), Role: "editor", Body: body, Headers: map[string]string{"If-Match": version(e.s.Do(testenv.Request{Method: "GET", Path: sourcePath(s)}).Want(e.t, 200))}}).Want(e.t, 200)
}

// TestDocumentETags changes each part a document embeds, one at a time,
// and checks that the document's ETag changes, so that a client holding
// the old one gets the new document (200), never a 304.
func TestDocumentETags(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := &reprEnv{t: t, s: testenv.NewServer(t, st)}
		f := newReprFixture(e)
		other := id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
			"text": "Mesotherapie wirkt sofort.", "language": "de", "claim_type": "efficacy"}}).Want(e.t, 201))
		grade := func(rationale string) {
			e.s.Do(testenv.Request{Method: "PUT", Path: f.claimPath() + "/grade", Role: "editor", Body: map[string]any{"certainty": "low", "verdict": "supported", "rationale": rationale}}).Want(e.t, 200)
		}

		tests := []struct {
			name   string
			doc    string // the document's path
			change func()
		}{
			{"claim: evidence excerpt", f.claimPath(), func() { e.patchLink(f, f.evidence, map[string]any{"excerpt": "Pain fell by 3 points."}) }},
			{"claim: appearance excerpt", f.claimPath(), func() { e.patchLink(f, f.appears, map[string]any{"excerpt": "Lindert Schmerzen."}) }},
			{"claim: link locator", f.claimPath(), func() { e.patchLink(f, f.evidence, map[string]any{"locator": "Table 2"}) }},
			{"claim: link note", f.claimPath(), func() { e.patchLink(f, f.evidence, map[string]any{"note": "Secondary outcome."}) }},
			{"claim: link stance", f.claimPath(), func() { e.patchLink(f, f.evidence, map[string]any{"stance": "mixed"}) }},
			{"claim: link stance back", f.claimPath(), func() { e.patchLink(f, f.evidence, map[string]any{"stance": "supports"}) }},
			{"claim: embedded source title", f.claimPath(), func() { e.patchSource(f.rct, map[string]any{"title": "A randomised controlled trial"}) }},
			{"claim: embedded appearance source title", f.claimPath(), func() { e.patchSource(f.article, map[string]any{"title": "Mesotherapie"}) }},
			{"claim: embedded source authors", f.claimPath(), func() { e.patchSource(f.rct, map[string]any{"authors": "Costantino C"}) }},
			{"claim: grade", f.claimPath(), func() { grade("One small RCT.") }},
			{"claim: new grade, same certainty and verdict", f.claimPath(), func() { grade("One small RCT, re-read.") }},
			{"claim: embedded source retracted (flags)", f.claimPath(), func() {
				e.patchSource(f.rct, map[string]any{"retracted": true, "retraction_note": "Fabricated."})
			}},
			{"claim: new link", f.claimPath(), func() {
				cohort := id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "cohort", "title": "A cohort"}}).Want(e.t, 201))
				e.s.Do(testenv.Request{Method: "POST", Path: f.claimPath() + "/links", Role: "editor", Body: map[string]any{"source_id": cohort, "role": "evidence", "stance": "neutral"}}).Want(e.t, 201)
			}},
			{"claim: link removed", f.claimPath(), func() {
				e.s.Do(testenv.Request{Method: "DELETE", Path: f.linkPath(f.appears), Role: "editor"}).Want(e.t, 204)
			}},
			{"claim: own text", f.claimPath(), func() {
				e.s.Do(testenv.Request{Method: "PATCH", Path: f.claimPath(), Role: "editor", Body: map[string]any{"text_en": "It relieves back pain."}, Headers: map[string]string{"If-Match": version(e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Want(e.t, 200))}}).Want(e.t, 200)
			}},

			{"source: linking claim text", sourcePath(f.rct), func() {
				e.s.Do(testenv.Request{Method: "PATCH", Path: f.claimPath(), Role: "editor", Body: map[string]any{"text": "Lindert Rückenschmerzen."}, Headers: map[string]string{"If-Match": version(e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Want(e.t, 200))}}).Want(e.t, 200)
			}},
			{"source: link stance", sourcePath(f.rct), func() { e.patchLink(f, f.evidence, map[string]any{"stance": "refutes"}) }},
			{"source: link excerpt", sourcePath(f.rct), func() { e.patchLink(f, f.evidence, map[string]any{"excerpt": "No difference."}) }},
			{"source: new linking claim", sourcePath(f.rct), func() {
				e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", other), Role: "editor", Body: map[string]any{"source_id": f.rct, "role": "evidence", "stance": "supports"}}).Want(e.t, 201)
			}},
			{"source: linking claim archived", sourcePath(f.rct), func() {
				e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", other), Role: "editor"}).Want(e.t, 204)
			}},
			{"source: own title", sourcePath(f.rct), func() { e.patchSource(f.rct, map[string]any{"title": "An RCT"}) }},

			{"therapy: aliases", "/api/v1/therapies/mesotherapy", func() {
				e.s.Do(testenv.Request{Method: "PATCH", Path: "/api/v1/therapies/mesotherapy", Role: "editor", Body: map[string]any{"aliases": []map[string]string{{"alias": "mesoterapia", "language": "it"}}}, Headers: map[string]string{"If-Match": version(e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies/mesotherapy"}).Want(e.t, 200))}}).Want(e.t, 200)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.t = t
				before := e.s.Do(testenv.Request{Method: "GET", Path: tt.doc})
				old := before.Header.Get("ETag")
				if before.Status != 200 || old == "" {
					t.Fatalf("GET %s = %d ETag %q", tt.doc, before.Status, old)
				}
				if res := e.s.Do(testenv.Request{Method: "GET", Path: tt.doc, Headers: map[string]string{"If-None-Match": old}}); res.Status != http.StatusNotModified {
					t.Fatalf("GET %s If-None-Match its own ETag = %d, want 304", tt.doc, res.Status)
				}
				tt.change()
				res := e.s.Do(testenv.Request{Method: "GET", Path: tt.doc, Headers: map[string]string{"If-None-Match": old}})
				if res.Status != http.StatusOK || len(res.Body) == 0 {
					t.Fatalf("after the change, GET %s If-None-Match the old ETag %s = %d, want 200 with the new document", tt.doc, old, res.Status)
				}
				if now := res.Header.Get("ETag"); now == old || now == "" {
					t.Errorf("after the change, GET %s ETag = %q, was %q: want a new one", tt.doc, now, old)
				}
			})
		}
	})
}

// TestDocumentIfMatch: updates accept the document's current ETag and the
// resource's own version, and refuse a document ETag that an embedded
// change made stale.
func TestDocumentIfMatch(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := &reprEnv{t: t, s: testenv.NewServer(t, st)}
		f := newReprFixture(e)
		tests := []struct {
			name     string
			doc      string
			patch    map[string]any
			embedded func() // changes something the document embeds, not the resource itself
		}{
			{"claim", f.claimPath(), map[string]any{"outcome": "pain"},
				func() { e.patchLink(f, f.evidence, map[string]any{"excerpt": "Changed."}) }},
			{"source", sourcePath(f.rct), map[string]any{"year": 2011},
				func() { e.patchLink(f, f.evidence, map[string]any{"stance": "mixed"}) }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.t = t
				get := func() (string, string) {
					res := e.s.Do(testenv.Request{Method: "GET", Path: tt.doc})
					return res.Header.Get("ETag"), version(res.JSON(t))
				}
				tag, _ := get()
				res := e.s.Do(testenv.Request{Method: "PATCH", Path: tt.doc, Role: "editor", Body: tt.patch, Headers: map[string]string{"If-Match": tag}})
				if res.Status != 200 {
					t.Fatalf("PATCH %s If-Match the current document ETag %s = %d %s, want 200", tt.doc, tag, res.Status, res.Body)
				}
				if res := e.s.Do(testenv.Request{Method: "PATCH", Path: tt.doc, Role: "editor", Body: tt.patch, Headers: map[string]string{"If-Match": tag}}); res.Status != http.StatusPreconditionFailed {
					t.Errorf("PATCH %s with the ETag from before its own change = %d, want 412", tt.doc, res.Status)
				}

				stale, _ := get()
				tt.embedded()
				current, own := get()
				if current == stale {
					t.Fatalf("the embedded change left the ETag at %s", stale)
				}
				res = e.s.Do(testenv.Request{Method: "PATCH", Path: tt.doc, Role: "editor", Body: tt.patch, Headers: map[string]string{"If-Match": stale}})
				res.Problem(t, http.StatusPreconditionFailed)
				if got := res.Header.Get("ETag"); got != current {
					t.Errorf("412 ETag = %q, want the current document's %s", got, current)
				}
				if res := e.s.Do(testenv.Request{Method: "PATCH", Path: tt.doc, Role: "editor", Body: tt.patch, Headers: map[string]string{"If-Match": `"1-00000000000000zz"`}}); res.Status != http.StatusPreconditionFailed {
					t.Errorf("PATCH %s with a malformed document ETag = %d, want 412", tt.doc, res.Status)
				}
				// The resource's own version, as write responses and the
				// version field give it, still writes.
				if res := e.s.Do(testenv.Request{Method: "PATCH", Path: tt.doc, Role: "editor", Body: tt.patch, Headers: map[string]string{"If-Match": own}}); res.Status != 200 {
					t.Errorf("PATCH %s If-Match the resource's version %s = %d %s, want 200", tt.doc, own, res.Status, res.Body)
				}
			})
		}
		t.Run("archive with a stale document ETag", func(t *testing.T) {
			e.t = t
			stale := e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Header.Get("ETag")
			e.patchLink(f, f.appears, map[string]any{"locator": "Absatz 2"})
			e.s.Do(testenv.Request{Method: "DELETE", Path: f.claimPath(), Role: "editor", Headers: map[string]string{"If-Match": stale}}).Problem(t, http.StatusPreconditionFailed)
			current := e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Header.Get("ETag")
			e.s.Do(testenv.Request{Method: "DELETE", Path: f.claimPath(), Role: "editor", Headers: map[string]string{"If-Match": current}}).Want(e.t, 204)
		})
	})
}
