package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// reviewEnv drives the finding-level review through the real router:
// "reviewer" and r2 (user reviewer-2) assess; "editor" and "admin" are
// editors.
type reviewEnv struct {
	*outcomeEnv
	r2 string
}

func newReviewEnv(t *testing.T, st *store.Store, required int, configure ...func(*api.Config)) *reviewEnv {
	t.Helper()
	configure = append([]func(*api.Config){func(c *api.Config) { c.RequiredReviews = required }}, configure...)
	e := &reviewEnv{outcomeEnv: &outcomeEnv{&reprEnv{t: t, s: testenv.NewServer(t, st, configure...)}}}
	e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}}}}).Want(t, 201)
	key, _, err := st.CreateKey(context.Background(), store.System("test"), "reviewer-2", models.RoleReviewer)
	if err != nil {
		t.Fatal(err)
	}
	e.r2 = key
	return e
}

// rctFinding is a finding (mean difference with a CI) resting on one new
// RCT; it returns the finding's and the source's ids.
func (e *reviewEnv) rctFinding() (int64, int64) {
	e.t.Helper()
	q := e.question(nil)
	f := id(e.finding(q, map[string]any{"measure": "mean_difference", "estimate": -1.2, "ci_low": -2.1, "ci_high": -0.3}))
	src := e.src(nil)
	e.attach(f, src, nil)
	return f, src
}

func (e *reviewEnv) path(findingID int64, tail string) string {
	return fmt.Sprintf("/api/v1/findings/%d%s", findingID, tail)
}

func (e *reviewEnv) put(findingID int64, role string, body any, ifMatch string) *testenv.Response {
	e.t.Helper()
	h := map[string]string{}
	if ifMatch != "" {
		h["If-Match"] = ifMatch
	}
	return e.s.Do(testenv.Request{Method: "PUT", Path: e.path(findingID, "/assessments/me"), Role: role, Body: body, Headers: h})
}

func (e *reviewEnv) submit(findingID int64, role string) map[string]any {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "POST", Path: e.path(findingID, "/assessments/me/submit"), Role: role}).Want(e.t, 200)
}

func (e *reviewEnv) get(findingID int64) (map[string]any, string) {
	e.t.Helper()
	res := e.s.Do(testenv.Request{Method: "GET", Path: e.path(findingID, "")})
	return res.Want(e.t, 200), res.Header.Get("ETag")
}

func (e *reviewEnv) listed(findingID int64, role string) []string {
	e.t.Helper()
	var out []string
	for _, a := range e.s.Do(testenv.Request{Method: "GET", Path: e.path(findingID, "/assessments"), Role: role}).Want(e.t, 200)["data"].([]any) {
		m := a.(map[string]any)
		out = append(out, fmt.Sprintf("%v:%v", m["reviewer"], m["status"]))
	}
	return out
}

var seriousRoB = map[string]any{"risk_of_bias": "serious", "reasons": map[string]any{"risk_of_bias": "Open label, self-reported pain."},
	"rationale": "One open-label trial."}

var noConcerns = map[string]any{"rationale": "One well-conducted trial."}

// ruleProblem asserts a 422 whose type names code and whose errors name
// field with that code.
func ruleProblem(t *testing.T, res *testenv.Response, code, field string) {
	t.Helper()
	p := res.Problem(t, http.StatusUnprocessableEntity)
	if p["type"] != "/problems/"+code {
		t.Errorf("type = %v, want /problems/%s (%v)", p["type"], code, p["errors"])
	}
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		if m["field"] == field && m["code"] == code {
			return
		}
	}
	t.Errorf("no error on %s with code %s: %v", field, code, errs)
}

func TestFindingDualReviewConsensus(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2)
		f, _ := e.rctFinding()
		d := e.put(f, "reviewer", seriousRoB, "").Want(t, 201)
		if d["certainty"] != "moderate" || d["status"] != "draft" {
			t.Fatalf("draft: %v %v", d["certainty"], d["status"])
		}
		if d["derivation"].(map[string]any)["start"] != "high" {
			t.Errorf("derivation start = %v", d["derivation"].(map[string]any)["start"])
		}
		// A second PUT needs If-Match.
		e.put(f, "reviewer", seriousRoB, "").Problem(t, 428)
		e.put(f, "reviewer", seriousRoB, `"9"`).Problem(t, 412)
		e.put(f, "reviewer", seriousRoB, `"1"`).Want(t, 200)
		// Blinding: nobody but the author (and editors) sees a draft, and the
		// public changes feed does not even say that one was written.
		if got := e.listed(f, e.r2); len(got) != 0 {
			t.Errorf("reviewer-2 sees %v before assessing", got)
		}
		for _, c := range e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes?limit=200"}).Want(t, 200)["data"].([]any) {
			if entity := c.(map[string]any)["entity"]; entity == "finding_assessment" || entity == "assessment" {
				t.Errorf("the changes feed shows a blinded assessment: %v", c)
			}
		}
		e.s.Do(testenv.Request{Method: "GET", Path: e.path(f, "/assessments"), Role: "reader"}).Problem(t, 403)
		e.s.Do(testenv.Request{Method: "GET", Path: e.path(f, "/assessments")}).Problem(t, 401)
		if sub := e.submit(f, "reviewer"); sub["grade"] != nil || sub["status"] != "submitted" {
			t.Fatalf("first submission: grade %v status %v", sub["grade"], sub["status"])
		}
		e.put(f, e.r2, merge(seriousRoB, map[string]any{"reasons": map[string]any{"risk_of_bias": "No blinding."}}), "").Want(t, 201)
		if got := e.listed(f, e.r2); !slices.Equal(got, []string{"reviewer-2:draft"}) {
			t.Errorf("reviewer-2 with a draft sees %v; want only their own", got)
		}
		if got := e.listed(f, "reviewer"); !slices.Equal(got, []string{"reviewer:submitted"}) {
			t.Errorf("reviewer sees %v; other drafts must stay hidden", got)
		}
		if got := e.listed(f, "editor"); len(got) != 2 {
			t.Errorf("editor sees %v; want both", got)
		}
		sub := e.submit(f, e.r2)
		g, _ := sub["grade"].(map[string]any)
		if g == nil || g["method"] != "consensus" || g["certainty"] != "moderate" {
			t.Fatalf("second submission: grade %v", sub["grade"])
		}
		if r := g["reasons"].(map[string]any)["risk_of_bias"]; r != "Open label, self-reported pain.; No blinding." {
			t.Errorf("grade reasons = %v", r)
		}
		if got := e.listed(f, e.r2); len(got) != 2 {
			t.Errorf("after submitting reviewer-2 sees %v; want both", got)
		}
		doc, _ := e.get(f)
		if doc["certainty"] != "moderate" || len(flagsOf(doc)) != 0 || len(testenv.Strings(doc["disagreements"])) != 0 {
			t.Errorf("finding: certainty %v flags %v disagreements %v", doc["certainty"], doc["flags"], doc["disagreements"])
		}
		if doc["grade"].(map[string]any)["method"] != "consensus" || doc["derivation"].(map[string]any)["result"] != "moderate" {
			t.Errorf("finding grade %v derivation %v", doc["grade"], doc["derivation"])
		}
		// Frozen now: no disagreement to revise, nothing stale.
		e.put(f, "reviewer", noConcerns, `"3"`).Problem(t, 409)
		e.s.Do(testenv.Request{Method: "POST", Path: e.path(f, "/assessments/me/submit"), Role: "reviewer"}).Problem(t, 409)
		// The history hides assessment contents from non-editors.
		for _, ev := range e.s.Do(testenv.Request{Method: "GET", Path: e.path(f, "/history?limit=200")}).Want(t, 200)["data"].([]any) {
			m := ev.(map[string]any)
			if m["entity"] == "finding_assessment" && (m["before"] != nil || m["after"] != nil) {
				t.Errorf("public history shows assessment content: %v", m)
			}
		}
	})
}

func TestFindingDisagreementReviseOrAdjudicate(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2)
		disagree := func() int64 {
			f, _ := e.rctFinding()
			e.put(f, "reviewer", seriousRoB, "").Want(t, 201)
			e.submit(f, "reviewer")
			e.put(f, e.r2, noConcerns, "").Want(t, 201)
			if sub := e.submit(f, e.r2); sub["grade"] != nil {
				t.Fatalf("a disagreement made a grade: %v", sub["grade"])
			}
			doc, _ := e.get(f)
			if !slices.Contains(flagsOf(doc), "reviewer_disagreement") || !slices.Equal(testenv.Strings(doc["disagreements"]), []string{"risk_of_bias"}) {
				t.Fatalf("flags %v disagreements %v", doc["flags"], doc["disagreements"])
			}
			return f
		}
		// Revise once → consensus.
		f := disagree()
		rev := e.put(f, e.r2, seriousRoB, `"2"`).Want(t, 200)
		if rev["status"] != "revised" {
			t.Errorf("revision status = %v", rev["status"])
		}
		doc, _ := e.get(f)
		if g, _ := doc["grade"].(map[string]any); g == nil || g["method"] != "consensus" || slices.Contains(flagsOf(doc), "reviewer_disagreement") {
			t.Errorf("after the revision: grade %v flags %v", doc["grade"], doc["flags"])
		}
		e.put(f, e.r2, noConcerns, `"3"`).Problem(t, 409) // once only
		if first := testenv.Count(t, st, "finding_first_submissions", "finding_id = ? AND round = 1", f); first != 2 {
			t.Errorf("first submissions kept: %d", first)
		}

		// Adjudication: the editor who assessed it may not; If-Match is required.
		f = disagree()
		e.put(f, "editor", noConcerns, "").Want(t, 201)
		adj := map[string]any{"risk_of_bias": "serious", "reasons": map[string]any{"risk_of_bias": "Open label."}, "rationale": "Blinding was absent: one level."}
		_, tag := e.get(f)
		grade := func(role string, body any, ifMatch string) *testenv.Response {
			h := map[string]string{}
			if ifMatch != "" {
				h["If-Match"] = ifMatch
			}
			return e.s.Do(testenv.Request{Method: "PUT", Path: e.path(f, "/grade"), Role: role, Body: body, Headers: h})
		}
		ruleProblem(t, grade("editor", adj, tag), "editor_assessed", "editor")
		grade("admin", adj, "").Problem(t, 428)
		grade("admin", adj, `"1"`).Problem(t, 412)
		ruleProblem(t, grade("admin", map[string]any{"risk_of_bias": "serious", "rationale": "x"}, tag), "reason_required", "reasons.risk_of_bias")
		ruleProblem(t, grade("admin", map[string]any{"risk_of_bias": "serious", "reasons": map[string]any{"risk_of_bias": "Open label."}}, tag),
			"reason_required", "rationale")
		doc = grade("admin", adj, tag).Want(t, 200)
		g := doc["grade"].(map[string]any)
		if g["method"] != "adjudicated" || g["certainty"] != "moderate" || g["decided_by"] != "admin" || doc["certainty"] != "moderate" {
			t.Errorf("adjudicated grade %v certainty %v", g, doc["certainty"])
		}
		if slices.Contains(flagsOf(doc), "reviewer_disagreement") || len(testenv.Strings(doc["disagreements"])) != 0 {
			t.Errorf("after adjudication: flags %v disagreements %v", doc["flags"], doc["disagreements"])
		}
		if doc["derivation"].(map[string]any)["adjudicated_by"] != "admin" {
			t.Errorf("derivation %v", doc["derivation"])
		}
	})
}

func TestFindingGradeRefusals(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2)
		q := e.question(nil)
		newFinding := func(kinds ...string) (int64, []int64) {
			f := id(e.finding(q, nil))
			var srcs []int64
			for _, k := range kinds {
				body := map[string]any{"kind": k}
				if k == "systematic_review" {
					body["included_design"] = "randomised"
				}
				s := e.src(body)
				srcs = append(srcs, s)
				e.attach(f, s, nil)
			}
			return f, srcs
		}
		f, _ := newFinding("narrative_review")
		ruleProblem(t, e.put(f, "reviewer", noConcerns, ""), "ungradable", "sources")
		f, _ = newFinding("rct", "cohort")
		ruleProblem(t, e.put(f, "reviewer", noConcerns, ""), "split_by_design", "sources")
		f, _ = newFinding("cohort")
		ruleProblem(t, e.put(f, "reviewer", map[string]any{"risk_of_bias": "serious", "large_effect": "large",
			"reasons": map[string]any{"risk_of_bias": "Confounding.", "large_effect": "RR 3."}}, ""), "upgrade_requires_no_downgrade", "large_effect")
		f, _ = newFinding("rct")
		ruleProblem(t, e.put(f, "reviewer", map[string]any{"dose_response": true, "reasons": map[string]any{"dose_response": "Gradient."}}, ""),
			"upgrade_not_applicable", "dose_response")
		ruleProblem(t, e.put(f, "reviewer", map[string]any{"imprecision": "serious"}, ""), "reason_required", "reasons.imprecision")
		// The store refuses reported_certainty on an RCT at attach and patch
		// time; a row that holds one anyway (an older import, a manual fix)
		// is still refused by the engine, naming the field.
		f, srcs := newFinding("rct")
		if err := st.DB().Exec("UPDATE finding_sources SET reported_certainty = 'moderate' WHERE finding_id = ? AND source_id = ?", f, srcs[0]).Error; err != nil {
			t.Fatal(err)
		}
		ruleProblem(t, e.put(f, "reviewer", noConcerns, ""), "reported_certainty_not_allowed", "sources[0].reported_certainty")
	})
}

func TestFindingGradeGoesStaleAndClears(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 1)
		graded := func() (int64, int64) {
			f, src := e.rctFinding()
			e.put(f, "reviewer", noConcerns, "").Want(t, 201)
			sub := e.submit(f, "reviewer")
			if g, _ := sub["grade"].(map[string]any); g == nil || g["method"] != "single_reviewer" {
				t.Fatalf("REQUIRED_REVIEWS=1: grade %v", sub["grade"])
			}
			return f, src
		}
		stale := func(f int64, want bool, what string) {
			t.Helper()
			doc, _ := e.get(f)
			if got := slices.Contains(flagsOf(doc), "stale_grade"); got != want {
				t.Errorf("%s: stale_grade = %v, want %v (flags %v)", what, got, want, doc["flags"])
			}
			if doc["grade"] == nil {
				t.Errorf("%s: a stale grade stays visible", what)
			}
		}
		patch := func(path string, body any) {
			t.Helper()
			res := e.s.Do(testenv.Request{Method: "GET", Path: path})
			res.Want(t, 200)
			e.s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: body,
				Headers: map[string]string{"If-Match": res.Header.Get("ETag")}}).Want(t, 200)
		}
		// A stale grade is re-graded by a new round of review: the reviewer
		// reopens the assessment and submits it again (issue 18: not by an
		// adjudication, which settles a disagreement only).
		regrade := func(f int64) {
			t.Helper()
			var version float64
			for _, a := range e.s.Do(testenv.Request{Method: "GET", Path: e.path(f, "/assessments"), Role: "reviewer"}).Want(t, 200)["data"].([]any) {
				version = a.(map[string]any)["version"].(float64)
			}
			if d := e.put(f, "reviewer", noConcerns, fmt.Sprintf(`"%d"`, int(version))).Want(t, 200); d["status"] != "draft" {
				t.Fatalf("reopened status = %v", d["status"])
			}
			if g, _ := e.submit(f, "reviewer")["grade"].(map[string]any); g == nil || g["method"] != "single_reviewer" {
				t.Fatalf("the new round made no grade: %v", g)
			}
		}
		adjudicateNow := regrade
		changes := []struct {
			name   string
			change func(f, src int64)
		}{
			{"a source attached", func(f, _ int64) { e.attach(f, e.src(nil), nil) }},
			{"the source's kind", func(_, src int64) { patch(fmt.Sprintf("/api/v1/sources/%d", src), map[string]any{"kind": "cohort"}) }},
			{"the estimate", func(f, _ int64) { patch(e.path(f, ""), map[string]any{"estimate": -1.0}) }},
			{"the CI", func(f, _ int64) { patch(e.path(f, ""), map[string]any{"ci_high": -0.5}) }},
			{"the threshold", func(f, _ int64) { patch(e.path(f, ""), map[string]any{"threshold": 1}) }},
			{"the question's population", func(f, _ int64) {
				doc, _ := e.get(f)
				patch(fmt.Sprintf("/api/v1/questions/%v", doc["question"].(map[string]any)["id"]), map[string]any{"population": "adults over 65"})
			}},
			{"the question's timepoint", func(f, _ int64) {
				doc, _ := e.get(f)
				patch(fmt.Sprintf("/api/v1/questions/%v", doc["question"].(map[string]any)["id"]), map[string]any{"timepoint": "12 weeks"})
			}},
			{"the question's outcome_kind", func(f, _ int64) {
				doc, _ := e.get(f)
				patch(fmt.Sprintf("/api/v1/questions/%v", doc["question"].(map[string]any)["id"]), map[string]any{"outcome_kind": "harm"})
			}},
			{"a source detached", func(f, _ int64) {
				other := e.src(nil)
				e.attach(f, other, nil)
				adjudicateNow(f)
				e.s.Do(testenv.Request{Method: "DELETE", Path: e.path(f, fmt.Sprintf("/sources/%d", other)), Role: "editor"}).Want(t, 204)
			}},
		}
		for _, c := range changes {
			f, src := graded()
			patch(e.path(f, ""), map[string]any{"summary": "Reworded."}) // not something a grade rests on
			stale(f, false, "summary")
			c.change(f, src)
			stale(f, true, c.name)
			// An adjudication does not re-grade it (409: nothing to settle).
			_, tag := e.get(f)
			p := e.s.Do(testenv.Request{Method: "PUT", Path: e.path(f, "/grade"), Role: "admin", Headers: map[string]string{"If-Match": tag},
				Body: map[string]any{"rationale": "Re-graded on the changed body."}}).Problem(t, http.StatusConflict)
			if p["type"] != "/problems/adjudication_not_needed" {
				t.Errorf("%s: adjudicating a stale grade: %v", c.name, p)
			}
			regrade(f)
			stale(f, false, c.name+", re-graded by a new round")
		}
		// Retraction of one of two trials: stale and retracted_evidence.
		f, src := graded()
		e.attach(f, e.src(nil), nil)
		regrade(f)
		patch(fmt.Sprintf("/api/v1/sources/%d", src), map[string]any{"retracted": true, "retraction_note": "Data fabricated."})
		stale(f, true, "retraction")
		// A review's includes.
		f, _ = e.rctFinding()
		rev := e.src(map[string]any{"kind": "systematic_review", "included_design": "randomised"})
		e.attach(f, rev, nil)
		e.put(f, "reviewer", noConcerns, "").Want(t, 201)
		e.submit(f, "reviewer")
		stale(f, false, "graded with a review")
		patch(fmt.Sprintf("/api/v1/sources/%d", rev), map[string]any{"includes": []int64{e.src(nil)}})
		stale(f, true, "the review's includes")
		// Retraction of a source that a linked review includes.
		f, _ = e.rctFinding()
		inc := e.src(nil)
		rev = e.src(map[string]any{"kind": "systematic_review", "included_design": "randomised", "includes": []int64{inc}})
		e.attach(f, rev, nil)
		e.put(f, "reviewer", noConcerns, "").Want(t, 201)
		e.submit(f, "reviewer")
		stale(f, false, "graded with a review that includes a trial")
		patch(fmt.Sprintf("/api/v1/sources/%d", inc), map[string]any{"retracted": true, "retraction_note": "Retracted."})
		stale(f, true, "retraction of an included trial")
		if doc, _ := e.get(f); !slices.Contains(flagsOf(doc), "retracted_evidence") {
			t.Errorf("retracted include: flags %v", doc["flags"])
		}
		// A link's reported_certainty.
		f, _ = e.rctFinding()
		rev = e.src(map[string]any{"kind": "systematic_review", "included_design": "randomised"})
		e.attach(f, rev, nil)
		e.put(f, "reviewer", noConcerns, "").Want(t, 201)
		e.submit(f, "reviewer")
		e.s.Do(testenv.Request{Method: "PATCH", Path: e.path(f, fmt.Sprintf("/sources/%d", rev)), Role: "editor",
			Headers: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"reported_certainty": "low"}}).Want(t, 200)
		stale(f, true, "a link's reported_certainty")
		// Re-grading by a new round of review: the reviewer reopens, resubmits.
		f, src = graded()
		patch(e.path(f, ""), map[string]any{"estimate": -0.9})
		stale(f, true, "estimate before a new round")
		d := e.put(f, "reviewer", seriousRoB, `"2"`).Want(t, 200)
		if d["status"] != "draft" {
			t.Fatalf("reopened status = %v", d["status"])
		}
		sub := e.submit(f, "reviewer")
		if g, _ := sub["grade"].(map[string]any); g == nil || g["certainty"] != "moderate" {
			t.Errorf("new round grade %v", sub["grade"])
		}
		stale(f, false, "re-graded by a new round")
		doc, _ := e.get(f)
		if doc["certainty"] != "moderate" || strings.Join(flagsOf(doc), ",") != "" {
			t.Errorf("after the new round: certainty %v flags %v", doc["certainty"], doc["flags"])
		}
		_ = src
	})
}
