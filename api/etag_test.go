package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// reprEnv drives the API for the representation tests.
type reprEnv struct {
	t *testing.T
	s *testenv.Server
}

// reviewer2 issues (once per call) a key for a second reviewer.
func (e *reprEnv) reviewer2(st *store.Store) string {
	e.t.Helper()
	key, _, err := st.CreateKey(context.Background(), store.System("test"), fmt.Sprintf("reviewer-%d", time.Now().UnixNano()), models.RoleReviewer)
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}

// version is the If-Match of a resource read as JSON.
func version(m map[string]any) string { return fmt.Sprintf(`"%v"`, m["version"]) }

func id(m map[string]any) int64 { return int64(m["id"].(float64)) }

// reprFixture: a claim linked (supports) to a finding that rests on an
// RCT, and appearing in a web article.
type reprFixture struct {
	claim, rct, article, question, finding int64
	appears                                int64
}

func newReprFixture(e *reprEnv) reprFixture {
	e.t.Helper()
	e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}}}}).Want(e.t, 201)
	var f reprFixture
	f.claim = id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
		"text": "Die Behandlung lindert Rückenschmerzen.", "language": "de", "claim_type": "efficacy", "assertion": "effect"}}).Want(e.t, 201))
	f.rct = id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "rct", "title": "A randomised trial"}}).Want(e.t, 201))
	f.article = id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "web_article", "title": "Mesotherapie bei Rückenschmerzen"}}).Want(e.t, 201))
	f.question = id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/questions", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
		"population": "adults with low back pain", "intervention": "mesotherapy", "comparator": "placebo", "comparator_kind": "inactive",
		"outcome": "pain (VAS 0-10)", "timepoint": "4 weeks", "outcome_kind": "benefit", "direction": "higher_is_better"}}).Want(e.t, 201))
	f.finding = id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/findings", Role: "editor", Body: map[string]any{"question_id": f.question,
		"summary": "One trial.", "measure": "mean_difference", "estimate": 2.0, "ci_low": 1.0, "ci_high": 3.0, "threshold": 1.0}}).Want(e.t, 201))
	e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/findings/%d/sources", f.finding), Role: "editor", Body: map[string]any{"source_id": f.rct,
		"excerpt": "Pain fell by 2 points."}}).Want(e.t, 201)
	e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", f.claim), Role: "editor", Body: map[string]any{"finding_id": f.finding,
		"stance": "supports", "note": "Primary outcome."}}).Want(e.t, 201)
	f.appears = id(e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", f.claim), Role: "editor", Body: map[string]any{"source_id": f.article, "excerpt": "Die Behandlung lindert Rückenschmerzen."}}).Want(e.t, 201))
	return f
}

func (f reprFixture) claimPath() string { return fmt.Sprintf("/api/v1/claims/%d", f.claim) }
func (f reprFixture) appearancePath() string {
	return fmt.Sprintf("/api/v1/claims/%d/appearances/%d", f.claim, f.appears)
}
func (f reprFixture) claimFindingPath() string {
	return fmt.Sprintf("/api/v1/claims/%d/findings/%d", f.claim, f.finding)
}
func sourcePath(s int64) string { return fmt.Sprintf("/api/v1/sources/%d", s) }

// patchAppearance changes the fixture's appearance under its own version.
func (e *reprEnv) patchAppearance(f reprFixture, body map[string]any) {
	e.t.Helper()
	var v string
	for _, l := range e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Want(e.t, 200)["appearances"].([]any) {
		if l := l.(map[string]any); id(l) == f.appears {
			v = version(l)
		}
	}
	e.s.Do(testenv.Request{Method: "PATCH", Path: f.appearancePath(), Role: "editor", Body: body, Headers: map[string]string{"If-Match": v}}).Want(e.t, 200)
}

// patchClaimFinding changes the fixture's claim-finding link under its own
// version.
func (e *reprEnv) patchClaimFinding(f reprFixture, body map[string]any) {
	e.t.Helper()
	var v string
	for _, l := range e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Want(e.t, 200)["findings"].([]any) {
		if l := l.(map[string]any); int64(l["finding_id"].(float64)) == f.finding {
			v = version(l)
		}
	}
	e.s.Do(testenv.Request{Method: "PATCH", Path: f.claimFindingPath(), Role: "editor", Body: body, Headers: map[string]string{"If-Match": v}}).Want(e.t, 200)
}

// patchPath changes any versioned resource under the version its GET shows.
func (e *reprEnv) patchPath(path string, body map[string]any) {
	e.t.Helper()
	e.s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: body, Headers: map[string]string{"If-Match": version(e.s.Do(testenv.Request{Method: "GET", Path: path}).Want(e.t, 200))}}).Want(e.t, 200)
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
		e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", other), Role: "editor", Body: map[string]any{"source_id": f.article}}).Want(e.t, 201)
		grade := func() {
			// Two reviewers agree that nothing is serious: a consensus grade.
			for _, role := range []string{"reviewer", e.reviewer2(st)} {
				e.s.Do(testenv.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/findings/%d/assessments/me", f.finding), Role: role,
					Body: map[string]any{"rationale": "Nothing serious."}}).Want(e.t, 201)
				e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/findings/%d/assessments/me/submit", f.finding), Role: role}).Want(e.t, 200)
			}
		}
		findingPath := fmt.Sprintf("/api/v1/findings/%d", f.finding)

		tests := []struct {
			name   string
			doc    string // the document's path
			change func()
		}{
			{"claim: appearance excerpt", f.claimPath(), func() { e.patchAppearance(f, map[string]any{"excerpt": "Lindert Schmerzen."}) }},
			{"claim: appearance locator", f.claimPath(), func() { e.patchAppearance(f, map[string]any{"locator": "Absatz 2"}) }},
			{"claim: appearance url", f.claimPath(), func() { e.patchAppearance(f, map[string]any{"url": "https://example.org/meso"}) }},
			{"claim: finding link note", f.claimPath(), func() { e.patchClaimFinding(f, map[string]any{"note": "Secondary outcome."}) }},
			{"claim: finding link stance (and rating)", f.claimPath(), func() { e.patchClaimFinding(f, map[string]any{"stance": "mixed"}) }},
			{"claim: finding link stance back", f.claimPath(), func() { e.patchClaimFinding(f, map[string]any{"stance": "supports"}) }},
			{"claim: embedded finding summary", f.claimPath(), func() { e.patchPath(findingPath, map[string]any{"summary": "One trial of 80."}) }},
			{"claim: embedded question", f.claimPath(), func() {
				e.patchPath(fmt.Sprintf("/api/v1/questions/%d", f.question), map[string]any{"timepoint": "6 weeks"})
			}},
			{"claim: finding's source title", f.claimPath(), func() { e.patchSource(f.rct, map[string]any{"title": "A randomised controlled trial"}) }},
			{"claim: appearance source title", f.claimPath(), func() { e.patchSource(f.article, map[string]any{"title": "Mesotherapie"}) }},
			{"claim: finding graded (rating)", f.claimPath(), grade},
			{"claim: finding's source retracted (flags)", f.claimPath(), func() {
				e.patchSource(f.rct, map[string]any{"retracted": true, "retraction_note": "Fabricated."})
			}},
			{"claim: new finding link", f.claimPath(), func() {
				other := id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/findings", Role: "editor", Body: map[string]any{"question_id": f.question, "summary": "Another."}}).Want(e.t, 201))
				e.s.Do(testenv.Request{Method: "POST", Path: f.claimPath() + "/findings", Role: "editor", Body: map[string]any{"finding_id": other, "stance": "neutral"}}).Want(e.t, 201)
			}},
			{"claim: appearance removed", f.claimPath(), func() {
				e.s.Do(testenv.Request{Method: "DELETE", Path: f.appearancePath(), Role: "editor"}).Want(e.t, 204)
			}},
			{"claim: own text", f.claimPath(), func() {
				e.s.Do(testenv.Request{Method: "PATCH", Path: f.claimPath(), Role: "editor", Body: map[string]any{"text_en": "It relieves back pain."}, Headers: map[string]string{"If-Match": version(e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Want(e.t, 200))}}).Want(e.t, 200)
			}},

			{"source: appearing claim text", sourcePath(f.article), func() {
				e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d", other), Role: "editor", Body: map[string]any{"text": "Wirkt sofort, sagt der Artikel."}, Headers: map[string]string{"If-Match": version(e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", other)}).Want(e.t, 200))}}).Want(e.t, 200)
			}},
			{"source: new appearing claim", sourcePath(f.article), func() {
				third := id(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
					"text": "Mesotherapie ist sicher.", "language": "de", "claim_type": "safety"}}).Want(e.t, 201))
				e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", third), Role: "editor", Body: map[string]any{"source_id": f.article}}).Want(e.t, 201)
			}},
			{"source: appearing claim archived", sourcePath(f.article), func() {
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
			{"claim", f.claimPath(), map[string]any{"summary": "Relieves back pain"},
				func() { e.patchAppearance(f, map[string]any{"excerpt": "Changed."}) }},
			{"source", sourcePath(f.article), map[string]any{"year": 2011},
				func() {
					e.patchPath(f.claimPath(), map[string]any{"text": "Die Behandlung lindert Schmerzen."})
				}},
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
			e.patchAppearance(f, map[string]any{"locator": "Absatz 2"})
			e.s.Do(testenv.Request{Method: "DELETE", Path: f.claimPath(), Role: "editor", Headers: map[string]string{"If-Match": stale}}).Problem(t, http.StatusPreconditionFailed)
			current := e.s.Do(testenv.Request{Method: "GET", Path: f.claimPath()}).Header.Get("ETag")
			e.s.Do(testenv.Request{Method: "DELETE", Path: f.claimPath(), Role: "editor", Headers: map[string]string{"If-Match": current}}).Want(e.t, 204)
		})
	})
}
