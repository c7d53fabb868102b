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
	e.must(e.do("POST", "/api/v1/therapies", "editor", map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"description": "Intradermal micro-injections.", "aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}}}), 201)
	e.must(e.do("POST", "/api/v1/therapies", "editor", map[string]any{"slug": "infusion-therapy", "name": "Infusion therapy",
		"description": "Intravenous drips.", "aliases": []map[string]string{{"alias": "Infusionstherapie", "language": "de"}}}), 201)
	return e
}

func (e *gradingEnv) do(method, path, role string, body any, headers ...string) *testenv.Response {
	e.t.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return e.s.Do(testenv.Request{Method: method, Path: path, Role: role, Body: body, Headers: h})
}

// must fails the test unless res has status, and returns its JSON body.
func (e *gradingEnv) must(res *testenv.Response, status int) map[string]any {
	e.t.Helper()
	if res.Status != status {
		e.t.Fatalf("status = %d, want %d; body: %s", res.Status, status, res.Body)
	}
	if len(res.Body) == 0 {
		return nil
	}
	return res.JSON(e.t)
}

func (e *gradingEnv) claim(therapy string) int64 {
	e.t.Helper()
	e.n++
	return gID(e.must(e.do("POST", "/api/v1/claims", "editor", map[string]any{"therapy": therapy,
		"text": fmt.Sprintf("Claim %d: the treatment relieves back pain.", e.n), "language": "en", "claim_type": "efficacy"}), 201))
}

func (e *gradingEnv) source(kind string) int64 {
	e.t.Helper()
	e.n++
	return gID(e.must(e.do("POST", "/api/v1/sources", "editor", map[string]any{"kind": kind, "title": fmt.Sprintf("Study %d", e.n)}), 201))
}

func (e *gradingEnv) link(claimID, sourceID int64, stance string) int64 {
	e.t.Helper()
	return gID(e.must(e.do("POST", fmt.Sprintf("/api/v1/claims/%d/links", claimID), "editor",
		map[string]any{"source_id": sourceID, "role": "evidence", "stance": stance}), 201))
}

// evidenceClaim is a claim with one evidence link of kind and stance.
func (e *gradingEnv) evidenceClaim(kind, stance string) (claimID, sourceID, linkID int64) {
	e.t.Helper()
	claimID, sourceID = e.claim("mesotherapy"), e.source(kind)
	return claimID, sourceID, e.link(claimID, sourceID, stance)
}

func (e *gradingEnv) put(claimID int64, role string, body any, headers ...string) *testenv.Response {
	e.t.Helper()
	return e.do("PUT", fmt.Sprintf("/api/v1/claims/%d/assessments/me", claimID), role, body, headers...)
}

func (e *gradingEnv) submit(claimID int64, role string) *testenv.Response {
	e.t.Helper()
	return e.do("POST", fmt.Sprintf("/api/v1/claims/%d/assessments/me/submit", claimID), role, nil)
}

// assess puts and submits an assessment, returning the submit body.
func (e *gradingEnv) assess(claimID int64, role string, body map[string]any) map[string]any {
	e.t.Helper()
	e.must(e.put(claimID, role, body), 201)
	return e.must(e.submit(claimID, role), 200)
}

func (e *gradingEnv) getClaim(claimID int64) map[string]any {
	e.t.Helper()
	return e.must(e.do("GET", fmt.Sprintf("/api/v1/claims/%d", claimID), "", nil), 200)
}

func (e *gradingEnv) adjudicate(claimID int64, role string, body any) *testenv.Response {
	e.t.Helper()
	return e.do("PUT", fmt.Sprintf("/api/v1/claims/%d/grade", claimID), role, body)
}

func (e *gradingEnv) count(table, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.st.DB().Table(table).Where(where, args...).Count(&n).Error; err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func gID(m map[string]any) int64 { return int64(m["id"].(float64)) }

func gFlags(c map[string]any) []string {
	var out []string
	for _, f := range c["flags"].([]any) {
		out = append(out, f.(string))
	}
	return out
}

func gFields(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, fe := range errs {
		out = append(out, fe.(map[string]any)["field"].(string))
	}
	return out
}

func gListIDs(t *testing.T, body map[string]any) []int64 {
	t.Helper()
	var ids []int64
	for _, r := range body["data"].([]any) {
		ids = append(ids, gID(r.(map[string]any)))
	}
	return ids
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
				a := e.must(res, http.StatusCreated)
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
				if got := gFields(p); !slices.Equal(got, tt.fields) {
					t.Errorf("problem fields = %v, want %v (%v)", got, tt.fields, p)
				}
			})
		}
		if n := e.count("assessments", "1 = 1"); n != 0 {
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
		e.put(claimID, "reviewer", rob, "If-Match", `"3"`).Problem(t, 412) // no draft yet
		e.must(e.put(claimID, "reviewer", rob), 201)
		p := e.put(claimID, "reviewer", map[string]any{"verdict": "supported"}).Problem(t, 428)
		if p["type"] != "/problems/precondition-required" {
			t.Errorf("428 type = %v", p["type"])
		}
		e.put(claimID, "reviewer", map[string]any{"verdict": "supported"}, "If-Match", `"7"`).Problem(t, 412)
		res := e.put(claimID, "reviewer", map[string]any{"verdict": "supported"}, "If-Match", `"1"`)
		a := e.must(res, 200)
		if a["certainty"] != "high" || a["risk_of_bias"] != "not_serious" || a["version"].(float64) != 2 || res.Header.Get("ETag") != `"2"` {
			t.Errorf("updated draft = certainty %v rob %v version %v ETag %s, want high not_serious 2 \"2\"",
				a["certainty"], a["risk_of_bias"], a["version"], res.Header.Get("ETag"))
		}
		e.put(claimID, "reviewer", rob, "If-Match", `"1"`).Problem(t, 412)
		e.submit(claimID, "reviewer-nobody").Problem(t, 401)
		e.submit(claimID, e.r2).Problem(t, 404) // reviewer-2 has no draft
		sub := e.must(e.submit(claimID, "reviewer"), 200)
		if sub["status"] != "submitted" || sub["submitted_at"] == nil || sub["grade"] != nil || sub["version"].(float64) != 3 {
			t.Errorf("submitted = %v, want status submitted, submitted_at set, grade null, version 3", sub)
		}
		e.submit(claimID, "reviewer").Problem(t, 409)
		e.put(claimID, "reviewer", rob, "If-Match", `"3"`).Problem(t, 409)
		e.put(claimID, "reviewer", rob).Problem(t, 409)
		if n := e.count("assessments", "claim_id = ? AND status = ?", claimID, "submitted"); n != 1 {
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
			res := e.do("GET", fmt.Sprintf("/api/v1/claims/%d/assessments", claimID), role, nil)
			body := e.must(res, 200)
			if body["next_cursor"] != nil {
				t.Errorf("next_cursor = %v, want null", body["next_cursor"])
			}
			return gListIDs(t, body)
		}
		a1 := gID(e.must(e.put(claimID, "reviewer", rob), 201))
		if got := list(e.r2); len(got) != 0 {
			t.Errorf("reviewer-2 without an assessment sees %v, want nothing", got)
		}
		e.must(e.submit(claimID, "reviewer"), 200)
		if got := list(e.r2); len(got) != 0 {
			t.Errorf("reviewer-2 sees %v of reviewer 1's submission before submitting, want nothing", got)
		}
		a2 := gID(e.must(e.put(claimID, e.r2, map[string]any{"verdict": "supported"}), 201))
		if got := list(e.r2); !slices.Equal(got, []int64{a2}) {
			t.Errorf("reviewer-2 with a draft sees %v, want only their own %d", got, a2)
		}
		a3 := gID(e.must(e.put(claimID, e.r3, map[string]any{"verdict": "supported"}), 201))
		// History: the contents of assessment events are hidden from reviewers.
		for _, ev := range e.must(e.do("GET", fmt.Sprintf("/api/v1/claims/%d/history", claimID), e.r2, nil), 200)["data"].([]any) {
			m := ev.(map[string]any)
			if m["entity"] == "assessment" && (m["before"] != nil || m["after"] != nil) {
				t.Errorf("reviewer-2 reads the content of %v %v in the history", m["action"], m["entity_id"])
			}
		}
		if got := list("reviewer"); !slices.Equal(got, []int64{a1}) {
			t.Errorf("reviewer 1 (submitted) sees %v, want only %d: drafts of others stay hidden", got, a1)
		}
		e.must(e.submit(claimID, e.r2), 200)
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
		body := e.must(e.do("GET", fmt.Sprintf("/api/v1/claims/%d/assessments", claimID), "editor", nil), 200)
		first := body["data"].([]any)[0].(map[string]any)
		if first["reviewer"] != "reviewer" || first["certainty"] != "moderate" || first["derivation"].(map[string]any)["result"] != "moderate" {
			t.Errorf("listed assessment = %v", first)
		}
		e.do("GET", fmt.Sprintf("/api/v1/claims/%d/assessments", claimID), "reader", nil).Problem(t, 403)
		e.do("GET", fmt.Sprintf("/api/v1/claims/%d/assessments", claimID), "", nil).Problem(t, 401)
		e.do("GET", "/api/v1/claims/999999/assessments", "editor", nil).Problem(t, 404)
		e.do("GET", fmt.Sprintf("/api/v1/claims/%d/assessments?limit=5", claimID), "editor", nil).Problem(t, 400)
		for _, ev := range e.must(e.do("GET", fmt.Sprintf("/api/v1/claims/%d/history", claimID), "editor", nil), 200)["data"].([]any) {
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
		if c["verdict"] != "ungraded" || c["certainty"] != nil || !slices.Equal(gFlags(c), []string{"ungraded"}) {
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
		if r := g["rationale"].(string); !strings.Contains(r, fmt.Sprintf("#%d by reviewer", gID(first))) || !strings.Contains(r, "moderate") {
			t.Errorf("generated rationale %q does not name the assessments and the outcome", r)
		}
		c = e.getClaim(claimID)
		if c["verdict"] != "supported" || c["certainty"] != "moderate" || len(gFlags(c)) != 0 {
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
		if n := e.count("grades", "claim_id = ?", claimID); n != 1 {
			t.Errorf("%d grades, want 1", n)
		}
		// low_certainty for a low or very low consensus.
		low, _, _ := e.evidenceClaim("cohort", "supports")
		for _, role := range []string{"reviewer", e.r2} {
			e.assess(low, role, map[string]any{"verdict": "supported"})
		}
		c = e.getClaim(low)
		if c["certainty"] != "low" || !slices.Equal(gFlags(c), []string{"low_certainty"}) {
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
		if !slices.Equal(gFlags(c), []string{"reviewer_disagreement", "ungraded"}) || c["verdict"] != "ungraded" {
			t.Errorf("disagreement claim = verdict %v flags %v, want ungraded [reviewer_disagreement ungraded]", c["verdict"], c["flags"])
		}
		good := map[string]any{"certainty": "low", "verdict": "supported", "rationale": "Small unblinded RCT: two levels down."}
		e.adjudicate(claimID, "reviewer", good).Problem(t, 403)
		e.adjudicate(claimID, "", good).Problem(t, 401)
		p := e.adjudicate(claimID, "editor", map[string]any{"certainty": "low", "verdict": "supported"}).Problem(t, 422)
		if got := gFields(p); !slices.Equal(got, []string{"rationale"}) {
			t.Errorf("adjudication without rationale: fields %v, want [rationale]", got)
		}
		p = e.adjudicate(claimID, "editor", map[string]any{"verdict": "refuted", "rationale": "r"}).Problem(t, 422)
		if got := gFields(p); !slices.Equal(got, []string{"certainty", "verdict"}) {
			t.Errorf("adjudication without certainty, refuted without refutation: fields %v, want [certainty verdict]", got)
		}
		p = e.adjudicate(claimID, "editor", map[string]any{"certainty": "sure", "verdict": "supported", "rationale": "r"}).Problem(t, 422)
		if got := gFields(p); !slices.Equal(got, []string{"certainty"}) {
			t.Errorf("adjudication with an unknown certainty: fields %v, want [certainty]", got)
		}
		e.adjudicate(claimID, "editor", map[string]any{"certainty": "low", "verdict": "supported", "rationale": "r", "method": "consensus"}).Problem(t, 400)
		if n := e.count("grades", "claim_id = ?", claimID); n != 0 {
			t.Fatalf("%d grades after rejected adjudications, want 0", n)
		}
		g := e.must(e.adjudicate(claimID, "editor", good), 200)
		if g["method"] != "adjudicated" || g["certainty"] != "low" || g["decided_by"] != "editor" || g["rationale"] != good["rationale"] ||
			len(g["assessment_ids"].([]any)) != 2 || gID(g) == 0 {
			t.Errorf("adjudicated grade = %v", g)
		}
		c = e.getClaim(claimID)
		if c["verdict"] != "supported" || c["certainty"] != "low" || !slices.Equal(gFlags(c), []string{"low_certainty"}) {
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
		if got := gFields(p); !slices.Equal(got, []string{"verdict"}) {
			t.Errorf("supported on refuting evidence: fields %v, want [verdict]", got)
		}
		// No usable evidence: certainty null with verdict insufficient.
		bare := e.claim("mesotherapy")
		e.adjudicate(bare, "editor", map[string]any{"certainty": "low", "verdict": "insufficient", "rationale": "r"}).Problem(t, 422)
		g = e.must(e.adjudicate(bare, "editor", map[string]any{"certainty": nil, "verdict": "insufficient", "rationale": "Nothing links."}), 200)
		if g["certainty"] != nil || g["verdict"] != "insufficient" {
			t.Errorf("grade without evidence = %v", g)
		}
		if c := e.getClaim(bare); c["verdict"] != "insufficient" || !slices.Equal(gFlags(c), []string{"unsupported"}) {
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
		if f := gFlags(e.getClaim(claimID)); len(f) != 0 {
			t.Fatalf("graded claim flags = %v, want none", f)
		}
		extra := e.source("cohort")
		linkID := e.link(claimID, extra, "supports")
		if f := gFlags(e.getClaim(claimID)); !slices.Equal(f, []string{"stale_grade"}) {
			t.Errorf("flags after adding evidence = %v, want [stale_grade]", f)
		}
		e.must(e.adjudicate(claimID, "editor", map[string]any{"certainty": "moderate", "verdict": "supported", "rationale": "The cohort changes nothing."}), 200)
		if f := gFlags(e.getClaim(claimID)); len(f) != 0 {
			t.Errorf("flags after re-grading = %v, want none", f)
		}
		e.must(e.do("DELETE", fmt.Sprintf("/api/v1/claims/%d/links/%d", claimID, linkID), "editor", nil), 204)
		if f := gFlags(e.getClaim(claimID)); !slices.Equal(f, []string{"stale_grade"}) {
			t.Errorf("flags after removing evidence = %v, want [stale_grade]", f)
		}
		// Retracting the RCT flags the claim; it no longer counts as support.
		src := e.do("GET", fmt.Sprintf("/api/v1/sources/%d", sourceID), "", nil)
		e.must(src, 200)
		res := e.do("PATCH", fmt.Sprintf("/api/v1/sources/%d", sourceID), "editor",
			map[string]any{"retracted": true, "retraction_note": "Data fabrication."}, "If-Match", src.Header.Get("ETag"))
		e.must(res, 200)
		c := e.getClaim(claimID)
		if f := gFlags(c); !slices.Contains(f, "retracted_evidence") || !slices.Contains(f, "unsupported") {
			t.Errorf("flags after retraction = %v, want retracted_evidence and unsupported among them", f)
		}
		e.must(e.do("PATCH", fmt.Sprintf("/api/v1/sources/%d", sourceID), "editor",
			map[string]any{"retracted": false, "retraction_note": ""}, "If-Match", res.Header.Get("ETag")), 200)
		if f := gFlags(e.getClaim(claimID)); !slices.Equal(f, []string{"stale_grade"}) {
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
		e.must(e.adjudicate(claimID, "editor", map[string]any{"certainty": "moderate", "verdict": "supported", "rationale": "One level down."}), 200)
		other, _, _ := e.evidenceClaim("rct", "supports")
		e.assess(other, "reviewer", rob)
		e.assess(other, e.r2, rob)

		body := e.must(e.do("GET", fmt.Sprintf("/api/v1/claims/%d/history", claimID), "editor", nil), 200)
		var actions, actors []string
		var prev int64
		for i, ev := range body["data"].([]any) {
			m := ev.(map[string]any)
			if id := gID(m); i > 0 && id >= prev {
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
		body = e.must(e.do("GET", fmt.Sprintf("/api/v1/claims/%d/history", other), "", nil), 200)
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
			res := e.do("GET", path, "editor", nil)
			page := e.must(res, 200)
			paged = append(paged, gListIDs(t, page)...)
			path = ""
			if next, ok := page["next_cursor"].(string); ok {
				path = fmt.Sprintf("/api/v1/claims/%d/history?limit=3&cursor=%s", claimID, next)
				if res.Header.Get("Link") == "" {
					t.Errorf("page with a next_cursor has no Link header")
				}
			}
		}
		all := gListIDs(t, e.must(e.do("GET", fmt.Sprintf("/api/v1/claims/%d/history?limit=200", claimID), "editor", nil), 200))
		if !slices.Equal(paged, all) || len(all) < 8 {
			t.Errorf("paged history %v, want %v", paged, all)
		}
		e.do("GET", "/api/v1/claims/999999/history", "", nil).Problem(t, 404)
		e.do("GET", fmt.Sprintf("/api/v1/claims/%d/history?cursor=nope", claimID), "", nil).Problem(t, 400)
	})
}

func TestGradingFlagCounts(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newGradingEnv(t, st)
		zero := map[string]any{"unsupported": 0.0, "contradicted": 0.0, "low_certainty": 0.0, "ungraded": 0.0,
			"stale_grade": 0.0, "retracted_evidence": 0.0, "reviewer_disagreement": 0.0}
		body := e.must(e.do("GET", "/api/v1/flags", "", nil), 200)
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
		e.must(e.do("DELETE", fmt.Sprintf("/api/v1/claims/%d", archived), "editor", nil), 204)
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
			body := e.must(e.do("GET", "/api/v1/flags"+tt.query, "", nil), 200)
			if body["therapy"] != tt.therapy || fmt.Sprint(body["counts"]) != fmt.Sprint(tt.counts) {
				t.Errorf("GET /flags%s = %v, want therapy %v counts %v", tt.query, body, tt.therapy, tt.counts)
			}
			// Each count matches the claims list filtered by that flag.
			for flag, n := range body["counts"].(map[string]any) {
				q := "?limit=200&flag=" + flag
				if tt.therapy != nil {
					q += "&therapy=" + tt.therapy.(string)
				}
				if got := len(e.must(e.do("GET", "/api/v1/claims"+q, "", nil), 200)["data"].([]any)); float64(got) != n {
					t.Errorf("/flags%s counts %s = %v, but /claims%s lists %d", tt.query, flag, n, q, got)
				}
			}
		}
		e.do("GET", "/api/v1/flags?therapy=acupuncture", "", nil).Problem(t, 404)
		e.do("GET", "/api/v1/flags?flag=unsupported", "", nil).Problem(t, 400)
	})
}
