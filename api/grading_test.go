package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// gradingEnv is a server with a therapy and two more reviewer keys
// ("reviewer" is the first reviewer; r2 and r3 are literal keys of the
// users reviewer-2 and reviewer-3).
type gradingEnv struct {
	t      *testing.T
	s      *testenv.Server
	st     *store.Store
	r2, r3 string
	n      int
}

func newGradingEnv(t *testing.T, st *store.Store) *gradingEnv {
	t.Helper()
	e := &gradingEnv{t: t, s: testenv.NewServer(t, st), st: st}
	for _, name := range []string{"reviewer-2", "reviewer-3"} {
		key, _, err := st.CreateKey(context.Background(), store.System("test"), name, models.RoleReviewer)
		if err != nil {
			t.Fatalf("create key %s: %v", name, err)
		}
		if name == "reviewer-2" {
			e.r2 = key
		} else {
			e.r3 = key
		}
	}
	e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"description": "Intradermal micro-injections.", "aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}}}}).Want(e.t, 201)
	e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "infusion-therapy", "name": "Infusion therapy",
		"description": "Intravenous drips.", "aliases": []map[string]string{{"alias": "Infusionstherapie", "language": "de"}}}}).Want(e.t, 201)
	return e
}

func (e *gradingEnv) claim(therapy string) int64 {
	e.t.Helper()
	e.n++
	return testenv.ID(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": therapy,
		"text": fmt.Sprintf("Claim %d: the treatment relieves back pain.", e.n), "language": "en", "claim_type": "efficacy"}}).Want(e.t, 201))
}

func (e *gradingEnv) source(kind string) int64 {
	e.t.Helper()
	e.n++
	return testenv.ID(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": kind, "title": fmt.Sprintf("Study %d", e.n)}}).Want(e.t, 201))
}

func (e *gradingEnv) link(claimID, sourceID int64, stance string) int64 {
	e.t.Helper()
	return testenv.ID(e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/links", claimID), Role: "editor", Body: map[string]any{"source_id": sourceID, "role": "evidence", "stance": stance}}).Want(e.t, 201))
}

// evidenceClaim is a claim with one evidence link of kind and stance.
func (e *gradingEnv) evidenceClaim(kind, stance string) (claimID, sourceID, linkID int64) {
	e.t.Helper()
	claimID, sourceID = e.claim("mesotherapy"), e.source(kind)
	return claimID, sourceID, e.link(claimID, sourceID, stance)
}

// put writes role's draft assessment of the claim.
func (e *gradingEnv) put(claimID int64, role string, body any) *testenv.Response {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/claims/%d/assessments/me", claimID), Role: role, Body: body})
}

// putIfMatch is put of the draft with version etag.
func (e *gradingEnv) putIfMatch(claimID int64, role string, body any, etag string) *testenv.Response {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/claims/%d/assessments/me", claimID), Role: role, Body: body,
		Headers: map[string]string{"If-Match": etag}})
}

func (e *gradingEnv) submit(claimID int64, role string) *testenv.Response {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/assessments/me/submit", claimID), Role: role})
}

// assess puts and submits an assessment, returning the submit body.
func (e *gradingEnv) assess(claimID int64, role string, body map[string]any) map[string]any {
	e.t.Helper()
	e.put(claimID, role, body).Want(e.t, 201)
	return e.submit(claimID, role).Want(e.t, 200)
}

func (e *gradingEnv) getClaim(claimID int64) map[string]any {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claimID)}).Want(e.t, 200)
}

func (e *gradingEnv) adjudicate(claimID int64, role string, body any) *testenv.Response {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/claims/%d/grade", claimID), Role: role, Body: body})
}

// rob is a judgement with a serious risk of bias: one level down.
var rob = map[string]any{"risk_of_bias": "serious", "verdict": "supported", "rationale": "Outcome assessors were not blinded."}

func TestGradingHandbookExamples(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		tests := []struct {
			name      string
			kind      string
			body      map[string]any
			start     string
			certainty string
			summary   string
		}{
			{"RCT with serious risk of bias", "rct", rob, "high", "moderate", "high (rct, source %d) -1 risk of bias (serious) = moderate"},
			{"cohort with a large effect", "cohort", map[string]any{"large_effect": "large", "verdict": "supported", "rationale": "RR 0.2 across cohorts."},
				"low", "moderate", "low (cohort, source %d) +1 large effect (large) = moderate"},
			{"cohort with serious imprecision", "cohort", map[string]any{"imprecision": "serious", "verdict": "supported", "rationale": "Few events."},
				"low", "very_low", "low (cohort, source %d) -1 imprecision (serious) = very low"},
			{"defaults change nothing", "rct", map[string]any{"verdict": "supported"}, "high", "high", "high (rct, source %d) = high"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				claimID, sourceID, linkID := e.evidenceClaim(tt.kind, "supports")
				res := e.put(claimID, "reviewer", tt.body)
				a := res.Want(e.t, http.StatusCreated)
				if a["certainty"] != tt.certainty || a["status"] != "draft" || a["reviewer"] != "reviewer" || a["version"].(float64) != 1 {
					t.Errorf("PUT %v = certainty %v status %v reviewer %v version %v, want %s draft reviewer 1",
						tt.body, a["certainty"], a["status"], a["reviewer"], a["version"], tt.certainty)
				}
				if got := res.Header.Get("ETag"); got != `"1"` {
					t.Errorf("ETag = %q, want \"1\"", got)
				}
				for _, f := range []string{"inconsistency", "indirectness", "publication_bias"} {
					if a[f] != "not_serious" {
						t.Errorf("%s = %v, want the default not_serious", f, a[f])
					}
				}
				if a["large_effect"] != tt.body["large_effect"] && !(tt.body["large_effect"] == nil && a["large_effect"] == "none") {
					t.Errorf("large_effect = %v, want %v (default none)", a["large_effect"], tt.body["large_effect"])
				}
				d := a["derivation"].(map[string]any)
				if d["start"] != tt.start || d["result"] != tt.certainty || int64(d["start_source_id"].(float64)) != sourceID ||
					int64(d["start_link_id"].(float64)) != linkID || len(d["steps"].([]any)) != 8 {
					t.Errorf("derivation = %v, want start %s from source %d link %d, 8 steps, result %s", d, tt.start, sourceID, linkID, tt.certainty)
				}
				if want := fmt.Sprintf(tt.summary, sourceID); d["summary"] != want {
					t.Errorf("summary = %q, want %q", d["summary"], want)
				}
			})
		}
	})
}

func TestGradingRejectsBadAssessments(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		rctClaim, _, _ := e.evidenceClaim("rct", "supports")
		refutedClaim, _, _ := e.evidenceClaim("rct", "refutes")
		tests := []struct {
			name   string
			claim  int64
			body   any
			status int
			fields []string
		}{
			{"upgrade on RCT evidence", rctClaim, map[string]any{"large_effect": "large", "verdict": "supported", "rationale": "big"}, 422, []string{"large_effect"}},
			{"dose response on RCT evidence", rctClaim, map[string]any{"dose_response": true, "verdict": "supported", "rationale": "r"}, 422, []string{"dose_response"}},
			{"supported without supporting evidence", refutedClaim, map[string]any{"verdict": "supported"}, 422, []string{"verdict"}},
			{"refuted without refuting evidence", rctClaim, map[string]any{"verdict": "refuted"}, 422, []string{"verdict"}},
			{"downgraded without rationale", rctClaim, map[string]any{"risk_of_bias": "serious", "verdict": "supported"}, 422, []string{"rationale"}},
			{"unknown concern", rctClaim, map[string]any{"imprecision": "minor", "verdict": "supported"}, 422, []string{"imprecision"}},
			{"explicit empty concern", rctClaim, map[string]any{"indirectness": "", "verdict": "supported"}, 422, []string{"indirectness"}},
			{"missing verdict", rctClaim, map[string]any{}, 422, []string{"verdict"}},
			{"client-sent certainty", rctClaim, map[string]any{"verdict": "supported", "certainty": "high"}, 400, []string{"certainty"}},
			{"client-sent status", rctClaim, map[string]any{"verdict": "supported", "status": "submitted"}, 400, []string{"status"}},
			{"wrong type", rctClaim, map[string]any{"verdict": "supported", "dose_response": "yes"}, 400, []string{"dose_response"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := e.put(tt.claim, "reviewer", tt.body).Problem(t, tt.status)
				if got := testenv.ProblemFields(p); !slices.Equal(got, tt.fields) {
					t.Errorf("problem fields = %v, want %v (%v)", got, tt.fields, p)
				}
			})
		}
		if n := testenv.Count(e.t, e.st, "assessments", "1 = 1"); n != 0 {
			t.Errorf("%d assessments stored after rejected PUTs, want 0", n)
		}
		p := e.put(refutedClaim, "reviewer", map[string]any{"verdict": "supported"}).Problem(t, 422)
		if msg := p["errors"].([]any)[0].(map[string]any)["message"].(string); !strings.Contains(msg, "supports") {
			t.Errorf("verdict message %q does not say what is missing", msg)
		}
		e.put(999999, "reviewer", rob).Problem(t, 404)
		e.put(rctClaim, "reader", rob).Problem(t, 403)
		e.put(rctClaim, "", rob).Problem(t, 401)
	})
}

func TestGradingDraftVersions(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		claimID, _, _ := e.evidenceClaim("rct", "supports")
		e.putIfMatch(claimID, "reviewer", rob, `"3"`).Problem(t, 412) // no draft yet
		e.put(claimID, "reviewer", rob).Want(e.t, 201)
		p := e.put(claimID, "reviewer", map[string]any{"verdict": "supported"}).Problem(t, 428)
		if p["type"] != "/problems/precondition-required" {
			t.Errorf("428 type = %v", p["type"])
		}
		e.putIfMatch(claimID, "reviewer", map[string]any{"verdict": "supported"}, `"7"`).Problem(t, 412)
		res := e.putIfMatch(claimID, "reviewer", map[string]any{"verdict": "supported"}, `"1"`)
		a := res.Want(e.t, 200)
		if a["certainty"] != "high" || a["risk_of_bias"] != "not_serious" || a["version"].(float64) != 2 || res.Header.Get("ETag") != `"2"` {
			t.Errorf("updated draft = certainty %v rob %v version %v ETag %s, want high not_serious 2 \"2\"",
				a["certainty"], a["risk_of_bias"], a["version"], res.Header.Get("ETag"))
		}
		e.putIfMatch(claimID, "reviewer", rob, `"1"`).Problem(t, 412)
		e.submit(claimID, "reviewer-nobody").Problem(t, 401)
		e.submit(claimID, e.r2).Problem(t, 404) // reviewer-2 has no draft
		sub := e.submit(claimID, "reviewer").Want(e.t, 200)
		if sub["status"] != "submitted" || sub["submitted_at"] == nil || sub["grade"] != nil || sub["version"].(float64) != 3 {
			t.Errorf("submitted = %v, want status submitted, submitted_at set, grade null, version 3", sub)
		}
		e.submit(claimID, "reviewer").Problem(t, 409)
		e.putIfMatch(claimID, "reviewer", rob, `"3"`).Problem(t, 409)
		e.put(claimID, "reviewer", rob).Problem(t, 409)
		if n := testenv.Count(e.t, e.st, "assessments", "claim_id = ? AND status = ?", claimID, "submitted"); n != 1 {
			t.Errorf("%d submitted assessments, want 1", n)
		}
	})
}

func TestGradingBlinding(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		claimID, _, _ := e.evidenceClaim("rct", "supports")
		list := func(role string) []int64 {
			t.Helper()
			res := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/assessments", claimID), Role: role})
			body := res.Want(e.t, 200)
			if body["next_cursor"] != nil {
				t.Errorf("next_cursor = %v, want null", body["next_cursor"])
			}
			return testenv.ListIDs(t, body)
		}
		a1 := testenv.ID(e.put(claimID, "reviewer", rob).Want(e.t, 201))
		if got := list(e.r2); len(got) != 0 {
			t.Errorf("reviewer-2 without an assessment sees %v, want nothing", got)
		}
		e.submit(claimID, "reviewer").Want(e.t, 200)
		if got := list(e.r2); len(got) != 0 {
			t.Errorf("reviewer-2 sees %v of reviewer 1's submission before submitting, want nothing", got)
		}
		a2 := testenv.ID(e.put(claimID, e.r2, map[string]any{"verdict": "supported"}).Want(e.t, 201))
		if got := list(e.r2); !slices.Equal(got, []int64{a2}) {
			t.Errorf("reviewer-2 with a draft sees %v, want only their own %d", got, a2)
		}
		a3 := testenv.ID(e.put(claimID, e.r3, map[string]any{"verdict": "supported"}).Want(e.t, 201))
		// History: the contents of assessment events are hidden from reviewers.
		for _, ev := range e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/history", claimID), Role: e.r2}).Want(e.t, 200)["data"].([]any) {
			m := ev.(map[string]any)
			if m["entity"] == "assessment" && (m["before"] != nil || m["after"] != nil) {
				t.Errorf("reviewer-2 reads the content of %v %v in the history", m["action"], m["entity_id"])
			}
		}
		if got := list("reviewer"); !slices.Equal(got, []int64{a1}) {
			t.Errorf("reviewer 1 (submitted) sees %v, want only %d: drafts of others stay hidden", got, a1)
		}
		e.submit(claimID, e.r2).Want(e.t, 200)
		if got := list(e.r2); !slices.Equal(got, []int64{a1, a2}) {
			t.Errorf("reviewer-2 after submitting sees %v, want %v", got, []int64{a1, a2})
		}
		if got := list("reviewer"); !slices.Equal(got, []int64{a1, a2}) {
			t.Errorf("reviewer 1 sees %v, want %v", got, []int64{a1, a2})
		}
		for _, role := range []string{"editor", "admin"} {
			if got := list(role); !slices.Equal(got, []int64{a1, a2, a3}) {
				t.Errorf("%s sees %v, want all %v", role, got, []int64{a1, a2, a3})
			}
		}
		body := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/assessments", claimID), Role: "editor"}).Want(e.t, 200)
		first := body["data"].([]any)[0].(map[string]any)
		if first["reviewer"] != "reviewer" || first["certainty"] != "moderate" || first["derivation"].(map[string]any)["result"] != "moderate" {
			t.Errorf("listed assessment = %v", first)
		}
		e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/assessments", claimID), Role: "reader"}).Problem(t, 403)
		e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/assessments", claimID)}).Problem(t, 401)
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims/999999/assessments", Role: "editor"}).Problem(t, 404)
		e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/assessments?limit=5", claimID), Role: "editor"}).Problem(t, 400)
		for _, ev := range e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/history", claimID), Role: "editor"}).Want(e.t, 200)["data"].([]any) {
			m := ev.(map[string]any)
			if m["action"] == "assessment.created" && m["after"] == nil {
				t.Errorf("the editor cannot read %v %v in the history", m["action"], m["entity_id"])
			}
		}
	})
}

func TestGradingConsensus(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		claimID, sourceID, _ := e.evidenceClaim("rct", "supports")
		first := e.assess(claimID, "reviewer", rob)
		if first["grade"] != nil {
			t.Errorf("one submission made a grade: %v", first["grade"])
		}
		c := e.getClaim(claimID)
		if c["verdict"] != "ungraded" || c["certainty"] != nil || !slices.Equal(testenv.Strings(c["flags"]), []string{"ungraded"}) {
			t.Errorf("claim after one submission = verdict %v certainty %v flags %v", c["verdict"], c["certainty"], c["flags"])
		}
		second := e.assess(claimID, e.r2, rob)
		g, ok := second["grade"].(map[string]any)
		if !ok {
			t.Fatalf("agreeing submissions made no grade: %v", second)
		}
		ids := []any{first["id"], second["id"]}
		if g["method"] != "consensus" || g["certainty"] != "moderate" || g["verdict"] != "supported" ||
			g["decided_by"] != "reviewer, reviewer-2" || fmt.Sprint(g["assessment_ids"]) != fmt.Sprint(ids) {
			t.Errorf("consensus grade = %v", g)
		}
		if r := g["rationale"].(string); !strings.Contains(r, fmt.Sprintf("#%d by reviewer", testenv.ID(first))) || !strings.Contains(r, "moderate") {
			t.Errorf("generated rationale %q does not name the assessments and the outcome", r)
		}
		c = e.getClaim(claimID)
		if c["verdict"] != "supported" || c["certainty"] != "moderate" || len(testenv.Strings(c["flags"])) != 0 {
			t.Errorf("graded claim = verdict %v certainty %v flags %v, want supported moderate []", c["verdict"], c["certainty"], c["flags"])
		}
		cg := c["grade"].(map[string]any)
		if cg["method"] != "consensus" || cg["certainty"] != "moderate" {
			t.Errorf("embedded grade = %v", cg)
		}
		d := c["derivation"].(map[string]any)
		want := fmt.Sprintf("high (rct, source %d) -1 risk of bias (serious) = moderate", sourceID)
		if d["result"] != "moderate" || d["summary"] != want || len(d["steps"].([]any)) != 8 {
			t.Errorf("claim derivation = %v, want the consensus derivation %q", d, want)
		}
		// A third agreeing reviewer joins without a second grade.
		third := e.assess(claimID, e.r3, rob)
		if third["grade"] != nil {
			t.Errorf("a third agreeing submission made another grade: %v", third["grade"])
		}
		if n := testenv.Count(e.t, e.st, "grades", "claim_id = ?", claimID); n != 1 {
			t.Errorf("%d grades, want 1", n)
		}
		// low_certainty for a low or very low consensus.
		low, _, _ := e.evidenceClaim("cohort", "supports")
		for _, role := range []string{"reviewer", e.r2} {
			e.assess(low, role, map[string]any{"verdict": "supported"})
		}
		c = e.getClaim(low)
		if c["certainty"] != "low" || !slices.Equal(testenv.Strings(c["flags"]), []string{"low_certainty"}) {
			t.Errorf("low consensus claim = certainty %v flags %v, want low [low_certainty]", c["certainty"], c["flags"])
		}
	})
}

func TestGradingDisagreementAndAdjudication(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		claimID, sourceID, _ := e.evidenceClaim("rct", "supports")
		e.assess(claimID, "reviewer", rob)
		sub := e.assess(claimID, e.r2, map[string]any{"verdict": "supported"})
		if sub["grade"] != nil {
			t.Errorf("disagreeing submissions made a grade: %v", sub["grade"])
		}
		c := e.getClaim(claimID)
		if !slices.Equal(testenv.Strings(c["flags"]), []string{"reviewer_disagreement", "ungraded"}) || c["verdict"] != "ungraded" {
			t.Errorf("disagreement claim = verdict %v flags %v, want ungraded [reviewer_disagreement ungraded]", c["verdict"], c["flags"])
		}
		good := map[string]any{"certainty": "low", "verdict": "supported", "rationale": "Small unblinded RCT: two levels down."}
		e.adjudicate(claimID, "reviewer", good).Problem(t, 403)
		e.adjudicate(claimID, "", good).Problem(t, 401)
		p := e.adjudicate(claimID, "editor", map[string]any{"certainty": "low", "verdict": "supported"}).Problem(t, 422)
		if got := testenv.ProblemFields(p); !slices.Equal(got, []string{"rationale"}) {
			t.Errorf("adjudication without rationale: fields %v, want [rationale]", got)
		}
		p = e.adjudicate(claimID, "editor", map[string]any{"verdict": "refuted", "rationale": "r"}).Problem(t, 422)
		if got := testenv.ProblemFields(p); !slices.Equal(got, []string{"certainty", "verdict"}) {
			t.Errorf("adjudication without certainty, refuted without refutation: fields %v, want [certainty verdict]", got)
		}
		p = e.adjudicate(claimID, "editor", map[string]any{"certainty": "sure", "verdict": "supported", "rationale": "r"}).Problem(t, 422)
		if got := testenv.ProblemFields(p); !slices.Equal(got, []string{"certainty"}) {
			t.Errorf("adjudication with an unknown certainty: fields %v, want [certainty]", got)
		}
		e.adjudicate(claimID, "editor", map[string]any{"certainty": "low", "verdict": "supported", "rationale": "r", "method": "consensus"}).Problem(t, 400)
		if n := testenv.Count(e.t, e.st, "grades", "claim_id = ?", claimID); n != 0 {
			t.Fatalf("%d grades after rejected adjudications, want 0", n)
		}
		g := e.adjudicate(claimID, "editor", good).Want(e.t, 200)
		if g["method"] != "adjudicated" || g["certainty"] != "low" || g["decided_by"] != "editor" || g["rationale"] != good["rationale"] ||
			len(g["assessment_ids"].([]any)) != 2 || testenv.ID(g) == 0 {
			t.Errorf("adjudicated grade = %v", g)
		}
		c = e.getClaim(claimID)
		if c["verdict"] != "supported" || c["certainty"] != "low" || !slices.Equal(testenv.Strings(c["flags"]), []string{"low_certainty"}) {
			t.Errorf("adjudicated claim = verdict %v certainty %v flags %v, want supported low [low_certainty]", c["verdict"], c["certainty"], c["flags"])
		}
		if cg := c["grade"].(map[string]any); cg["method"] != "adjudicated" || cg["decided_by"] != "editor" {
			t.Errorf("embedded grade = %v", cg)
		}
		d := c["derivation"].(map[string]any)
		want := fmt.Sprintf("low, adjudicated by editor (evidence starts high: rct, source %d)", sourceID)
		if d["summary"] != want || d["result"] != "low" || d["start"] != "high" || len(d["steps"].([]any)) != 0 {
			t.Errorf("adjudicated derivation = %v, want summary %q, no steps", d, want)
		}
		// Supported without supporting evidence: 422 for the editor too.
		refuted, _, _ := e.evidenceClaim("rct", "refutes")
		p = e.adjudicate(refuted, "editor", map[string]any{"certainty": "moderate", "verdict": "supported", "rationale": "r"}).Problem(t, 422)
		if got := testenv.ProblemFields(p); !slices.Equal(got, []string{"verdict"}) {
			t.Errorf("supported on refuting evidence: fields %v, want [verdict]", got)
		}
		// No usable evidence: certainty null with verdict insufficient.
		bare := e.claim("mesotherapy")
		e.adjudicate(bare, "editor", map[string]any{"certainty": "low", "verdict": "insufficient", "rationale": "r"}).Problem(t, 422)
		g = e.adjudicate(bare, "editor", map[string]any{"certainty": nil, "verdict": "insufficient", "rationale": "Nothing links."}).Want(e.t, 200)
		if g["certainty"] != nil || g["verdict"] != "insufficient" {
			t.Errorf("grade without evidence = %v", g)
		}
		if c := e.getClaim(bare); c["verdict"] != "insufficient" || !slices.Equal(testenv.Strings(c["flags"]), []string{"unsupported"}) {
			t.Errorf("claim graded insufficient = verdict %v flags %v, want insufficient [unsupported]", c["verdict"], c["flags"])
		}
	})
}

func TestGradingStaleGradeAndRetraction(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		claimID, sourceID, _ := e.evidenceClaim("rct", "supports")
		e.assess(claimID, "reviewer", rob)
		e.assess(claimID, e.r2, rob)
		if f := testenv.Strings(e.getClaim(claimID)["flags"]); len(f) != 0 {
			t.Fatalf("graded claim flags = %v, want none", f)
		}
		extra := e.source("cohort")
		linkID := e.link(claimID, extra, "supports")
		if f := testenv.Strings(e.getClaim(claimID)["flags"]); !slices.Equal(f, []string{"stale_grade"}) {
			t.Errorf("flags after adding evidence = %v, want [stale_grade]", f)
		}
		e.adjudicate(claimID, "editor", map[string]any{"certainty": "moderate", "verdict": "supported", "rationale": "The cohort changes nothing."}).Want(e.t, 200)
		if f := testenv.Strings(e.getClaim(claimID)["flags"]); len(f) != 0 {
			t.Errorf("flags after re-grading = %v, want none", f)
		}
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d/links/%d", claimID, linkID), Role: "editor"}).Want(e.t, 204)
		if f := testenv.Strings(e.getClaim(claimID)["flags"]); !slices.Equal(f, []string{"stale_grade"}) {
			t.Errorf("flags after removing evidence = %v, want [stale_grade]", f)
		}
		// Retracting the RCT flags the claim; it no longer counts as support.
		src := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/sources/%d", sourceID)})
		src.Want(e.t, 200)
		res := e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", sourceID), Role: "editor", Body: map[string]any{"retracted": true, "retraction_note": "Data fabrication."}, Headers: map[string]string{"If-Match": src.Header.Get("ETag")}})
		res.Want(e.t, 200)
		c := e.getClaim(claimID)
		if f := testenv.Strings(c["flags"]); !slices.Contains(f, "retracted_evidence") || !slices.Contains(f, "unsupported") {
			t.Errorf("flags after retraction = %v, want retracted_evidence and unsupported among them", f)
		}
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", sourceID), Role: "editor", Body: map[string]any{"retracted": false, "retraction_note": ""}, Headers: map[string]string{"If-Match": res.Header.Get("ETag")}}).Want(e.t, 200)
		if f := testenv.Strings(e.getClaim(claimID)["flags"]); !slices.Equal(f, []string{"stale_grade"}) {
			t.Errorf("flags after un-retracting = %v, want [stale_grade]", f)
		}
	})
}

func TestGradingHistory(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		claimID, _, _ := e.evidenceClaim("rct", "supports")
		e.assess(claimID, "reviewer", rob)
		e.assess(claimID, e.r2, map[string]any{"verdict": "supported"})
		e.adjudicate(claimID, "editor", map[string]any{"certainty": "moderate", "verdict": "supported", "rationale": "One level down."}).Want(e.t, 200)
		other, _, _ := e.evidenceClaim("rct", "supports")
		e.assess(other, "reviewer", rob)
		e.assess(other, e.r2, rob)

		body := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/history", claimID), Role: "editor"}).Want(e.t, 200)
		var actions, actors []string
		var prev int64
		for i, ev := range body["data"].([]any) {
			m := ev.(map[string]any)
			if id := testenv.ID(m); i > 0 && id >= prev {
				t.Errorf("event %d (id %d) is not older than the one before (%d)", i, id, prev)
			} else {
				prev = id
			}
			actions = append(actions, m["action"].(string))
			actors = append(actors, fmt.Sprintf("%s:%s", m["action"], m["actor"]))
		}
		for _, want := range []string{"grade.adjudicated:editor", "assessment.submitted:reviewer-2", "assessment.created:reviewer-2",
			"assessment.submitted:reviewer", "assessment.created:reviewer", "claim.flagged:editor", "link.created:editor", "claim.created:editor"} {
			if !slices.Contains(actors, want) {
				t.Errorf("history lacks %s: %v", want, actors)
			}
		}
		if actions[0] != "claim.flagged" || actions[1] != "grade.adjudicated" || actions[len(actions)-1] != "claim.created" {
			t.Errorf("history order = %v, want the adjudication's flag change first and claim.created last", actions)
		}
		if i, j := slices.Index(actions, "assessment.submitted"), slices.Index(actions, "assessment.created"); i > j {
			t.Errorf("history order = %v: the newest event comes first", actions)
		}
		body = e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/history", other)}).Want(e.t, 200)
		var decided map[string]any
		for _, ev := range body["data"].([]any) {
			if m := ev.(map[string]any); m["action"] == "grade.decided" {
				decided = m
			}
		}
		if decided == nil || decided["entity"] != "grade" || decided["before"] != nil ||
			decided["after"].(map[string]any)["method"] != "consensus" || decided["actor"] != "reviewer-2" {
			t.Errorf("grade.decided event = %v", decided)
		}
		// Keyset pages, newest first, following next_cursor.
		var paged []int64
		path := fmt.Sprintf("/api/v1/claims/%d/history?limit=3", claimID)
		for pages := 0; path != "" && pages < 20; pages++ {
			res := e.s.Do(testenv.Request{Method: "GET", Path: path, Role: "editor"})
			page := res.Want(e.t, 200)
			paged = append(paged, testenv.ListIDs(t, page)...)
			path = ""
			if next, ok := page["next_cursor"].(string); ok {
				path = fmt.Sprintf("/api/v1/claims/%d/history?limit=3&cursor=%s", claimID, next)
				if res.Header.Get("Link") == "" {
					t.Errorf("page with a next_cursor has no Link header")
				}
			}
		}
		all := testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/history?limit=200", claimID), Role: "editor"}).Want(e.t, 200))
		if !slices.Equal(paged, all) || len(all) < 8 {
			t.Errorf("paged history %v, want %v", paged, all)
		}
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims/999999/history"}).Problem(t, 404)
		e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/history?cursor=nope", claimID)}).Problem(t, 400)
	})
}

func TestGradingFlagCounts(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		zero := map[string]any{"unsupported": 0.0, "contradicted": 0.0, "low_certainty": 0.0, "ungraded": 0.0,
			"stale_grade": 0.0, "retracted_evidence": 0.0, "reviewer_disagreement": 0.0}
		body := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/flags"}).Want(e.t, 200)
		if body["therapy"] != nil || fmt.Sprint(body["counts"]) != fmt.Sprint(zero) {
			t.Errorf("flags of an empty catalog = %v, want every flag at 0", body)
		}
		e.claim("mesotherapy")                               // unsupported, ungraded
		contested, _, _ := e.evidenceClaim("rct", "refutes") // unsupported, contradicted, ungraded
		graded, _, _ := e.evidenceClaim("cohort", "supports")
		e.assess(graded, "reviewer", map[string]any{"verdict": "supported"})
		e.assess(graded, e.r2, map[string]any{"verdict": "supported"}) // low_certainty
		split, _, _ := e.evidenceClaim("rct", "supports")
		e.assess(split, "reviewer", rob)
		e.assess(split, e.r2, map[string]any{"verdict": "supported"}) // reviewer_disagreement, ungraded
		infusion := e.claim("infusion-therapy")                       // unsupported, ungraded
		archived := e.claim("infusion-therapy")
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", archived), Role: "editor"}).Want(e.t, 204)
		_, _ = contested, infusion

		want := func(pairs ...any) map[string]any {
			m := map[string]any{}
			for k, v := range zero {
				m[k] = v
			}
			for i := 0; i < len(pairs); i += 2 {
				m[pairs[i].(string)] = float64(pairs[i+1].(int))
			}
			return m
		}
		tests := []struct {
			query   string
			therapy any
			counts  map[string]any
		}{
			{"", nil, want("unsupported", 3, "contradicted", 1, "low_certainty", 1, "ungraded", 4, "reviewer_disagreement", 1)},
			{"?therapy=mesotherapy", "mesotherapy", want("unsupported", 2, "contradicted", 1, "low_certainty", 1, "ungraded", 3, "reviewer_disagreement", 1)},
			{"?therapy=Infusionstherapie", "infusion-therapy", want("unsupported", 1, "ungraded", 1)},
		}
		for _, tt := range tests {
			body := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/flags" + tt.query}).Want(e.t, 200)
			if body["therapy"] != tt.therapy || fmt.Sprint(body["counts"]) != fmt.Sprint(tt.counts) {
				t.Errorf("GET /flags%s = %v, want therapy %v counts %v", tt.query, body, tt.therapy, tt.counts)
			}
			// Each count matches the claims list filtered by that flag.
			for flag, n := range body["counts"].(map[string]any) {
				q := "?limit=200&flag=" + flag
				if tt.therapy != nil {
					q += "&therapy=" + tt.therapy.(string)
				}
				if got := len(e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims" + q}).Want(e.t, 200)["data"].([]any)); float64(got) != n {
					t.Errorf("/flags%s counts %s = %v, but /claims%s lists %d", tt.query, flag, n, q, got)
				}
			}
		}
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/flags?therapy=acupuncture"}).Problem(t, 404)
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/flags?flag=unsupported"}).Problem(t, 400)
	})
}
