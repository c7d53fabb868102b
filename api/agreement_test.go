package api_test

import (
	"math"
	"strings"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

func TestAgreementFromFirstSubmissions(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2)
		report := func(query string, want int) map[string]any {
			t.Helper()
			return e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/agreement" + query}).Want(t, want)
		}
		stat := func(r map[string]any, path ...string) map[string]any {
			m := r
			for _, p := range path {
				m = m[p].(map[string]any)
			}
			return m
		}
		// The empty report.
		empty := report("", 200)
		if empty["findings"].(float64) != 0 || empty["therapy"] != nil {
			t.Fatalf("empty report: %v", empty)
		}
		if c := stat(empty, "certainty"); c["n"].(float64) != 0 || c["percent_agreement"] != nil || c["kappa"] != nil {
			t.Errorf("empty certainty: %v", c)
		}

		// F1 both serious risk of bias (moderate); F2 serious vs none, then
		// reviewer-2 revises to serious (their first submission, none and
		// high, still counts); F3 both no concerns (high). "reviewer" always
		// submits first, so is rater 1.
		both := func(a, b map[string]any) int64 {
			f, _ := e.rctFinding()
			e.put(f, "reviewer", a, "").Want(t, 201)
			e.submit(f, "reviewer")
			e.put(f, e.r2, b, "").Want(t, 201)
			e.submit(f, e.r2)
			return f
		}
		both(seriousRoB, seriousRoB)
		f2 := both(seriousRoB, noConcerns)
		if rev := e.put(f2, e.r2, seriousRoB, `"2"`).Want(t, 200); rev["status"] != "revised" {
			t.Fatalf("revision: %v", rev["status"])
		}
		both(noConcerns, noConcerns)
		// A draft never counts: one submission and one draft.
		f4, _ := e.rctFinding()
		e.put(f4, "reviewer", seriousRoB, "").Want(t, 201)
		e.submit(f4, "reviewer")
		e.put(f4, e.r2, noConcerns, "").Want(t, 201)

		r := report("", 200)
		if r["findings"].(float64) != 3 {
			t.Fatalf("findings = %v, want 3", r["findings"])
		}
		// By hand, risk of bias on its four-point scale: pairs (1,1), (1,0),
		// (0,0); po = (1 + 2/3 + 1)/3 = 8/9; marginals rater 1 (1/3, 2/3),
		// rater 2 (2/3, 1/3); pe = 22/27; kappa = (8/9 - 22/27)/(5/27) = 0.4.
		// Certainty (moderate,moderate), (moderate,high), (high,high): the same
		// table one level up.
		for _, path := range [][]string{{"domains", "risk_of_bias"}, {"certainty"}} {
			s := stat(r, path...)
			if s["n"].(float64) != 3 || s["ratings"].(float64) != 6 || s["statistic"] != "cohen_weighted_linear" {
				t.Errorf("%v: %v", path, s)
			}
			if p, _ := s["percent_agreement"].(float64); math.Abs(p-200.0/3) > 1e-9 {
				t.Errorf("%v percent = %v, want 66.67", path, s["percent_agreement"])
			}
			if k, ok := s["kappa"].(float64); !ok || math.Abs(k-0.4) > 1e-9 {
				t.Errorf("%v kappa = %v, want 0.4", path, s["kappa"])
			}
		}
		// Every rating alike: 100% and kappa undefined (the kappa paradox's
		// limit).
		for _, path := range [][]string{{"domains", "inconsistency"}, {"domains", "dose_response"}, {"start"}} {
			s := stat(r, path...)
			if s["percent_agreement"] != 100.0 || s["kappa"] != nil || s["n"].(float64) != 3 {
				t.Errorf("%v: %v", path, s)
			}
		}

		// The therapy filter: by alias, another therapy without findings, and
		// an unknown one (404, like /flags).
		if m := report("?therapy=Mesotherapie", 200); m["therapy"] != "mesotherapy" || m["findings"].(float64) != 3 {
			t.Errorf("mesotherapy: %v %v", m["therapy"], m["findings"])
		}
		e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "infusion-therapy", "name": "Infusion therapy"}}).Want(t, 201)
		if m := report("?therapy=infusion-therapy", 200); m["therapy"] != "infusion-therapy" || m["findings"].(float64) != 0 ||
			stat(m, "domains", "risk_of_bias")["n"].(float64) != 0 {
			t.Errorf("infusion-therapy: %v", m)
		}
		report("?therapy=nope", 404)
		report("?flag=x", 400)

		// One query for the submissions (plus the therapy lookup).
		counter := testenv.CountQueries(t, st)
		n, sqls := counter.Count(func() { report("", 200) })
		if n != 1 {
			t.Errorf("agreement ran %d queries: %v", n, sqls)
		}
	})
}

// TestAgreementOnlySettledRounds: agreement never shows a round of review
// that is not settled (its judgements are still blinded: with one pair,
// percent agreement would tell a reviewer whether the other chose the
// same); it counts the first judgements of each round, not revisions; and
// a finding re-graded by a new round after its grade went stale counts
// once per round, none lost.
func TestAgreementOnlySettledRounds(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2)
		report := func(role string) (map[string]any, string) {
			t.Helper()
			res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/agreement", Role: role})
			return res.Want(t, 200), string(res.Body)
		}
		stat := func(r map[string]any, path ...string) map[string]any {
			m := r
			for _, p := range path {
				m = m[p].(map[string]any)
			}
			return m
		}
		scales := [][]string{{"start"}, {"certainty"}}
		for _, d := range []string{"risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias",
			"large_effect", "dose_response", "plausible_confounding", "attribution"} {
			scales = append(scales, []string{"domains", d})
		}
		nothing := func(what string) {
			t.Helper()
			for _, role := range []string{"", "reader", "reviewer", e.r2} {
				r, raw := report(role)
				if r["findings"].(float64) != 0 || r["rounds"].(float64) != 0 {
					t.Errorf("%s, as %q: findings %v rounds %v, want 0", what, role, r["findings"], r["rounds"])
				}
				for _, p := range scales {
					if s := stat(r, p...); s["n"].(float64) != 0 || s["ratings"].(float64) != 0 || s["percent_agreement"] != nil || s["kappa"] != nil {
						t.Errorf("%s, as %q: %v = %v", what, role, p, s)
					}
				}
				// Undefined is null, never 0 or NaN.
				if strings.Count(raw, `"kappa":null`) != len(scales) || strings.Count(raw, `"percent_agreement":null`) != len(scales) {
					t.Errorf("%s: undefined statistics are not null: %s", what, raw)
				}
			}
		}
		f, _ := e.rctFinding()
		// Round 1: reviewer chooses serious risk of bias, reviewer-2 none;
		// both submitted, the disagreement pending.
		e.put(f, "reviewer", seriousRoB, "").Want(t, 201)
		e.submit(f, "reviewer")
		nothing("one submission")
		e.put(f, e.r2, noConcerns, "").Want(t, 201)
		e.submit(f, e.r2)
		if n := testenv.Count(t, st, "finding_first_submissions", "finding_id = ?", f); n != 2 {
			t.Fatalf("first submissions stored: %d, want 2", n)
		}
		nothing("two submissions, disagreement pending")

		// reviewer-2 revises to serious: consensus settles the round. The
		// first judgements (serious, not_serious) count, not the revision.
		if rev := e.put(f, e.r2, seriousRoB, `"2"`).Want(t, 200); rev["status"] != "revised" {
			t.Fatalf("revision: %v", rev["status"])
		}
		r, _ := report("")
		if r["findings"].(float64) != 1 || r["rounds"].(float64) != 1 {
			t.Fatalf("after consensus: findings %v rounds %v, want 1 and 1", r["findings"], r["rounds"])
		}
		for _, p := range [][]string{{"domains", "risk_of_bias"}, {"certainty"}} {
			if s := stat(r, p...); s["n"].(float64) != 1 || s["ratings"].(float64) != 2 || s["percent_agreement"] != 0.0 {
				t.Errorf("round 1 %v = %v; want n 1, 2 ratings, 0%% (the first judgements differ)", p, s)
			}
		}
		if s := stat(r, "domains", "inconsistency"); s["n"].(float64) != 1 || s["percent_agreement"] != 100.0 || s["kappa"] != nil {
			t.Errorf("round 1 inconsistency = %v; want 100%% and kappa null", s)
		}

		// The estimate changes: the grade is stale. Round 2: both reopen and
		// submit, the other way round; pending, it adds nothing.
		res := e.s.Do(testenv.Request{Method: "GET", Path: e.path(f, "")})
		e.s.Do(testenv.Request{Method: "PATCH", Path: e.path(f, ""), Role: "editor", Body: map[string]any{"estimate": -1.0},
			Headers: map[string]string{"If-Match": res.Header.Get("ETag")}}).Want(t, 200)
		if d := e.put(f, "reviewer", noConcerns, `"2"`).Want(t, 200); d["status"] != "draft" {
			t.Fatalf("reopened: %v", d["status"])
		}
		e.submit(f, "reviewer")
		e.put(f, e.r2, seriousRoB, `"3"`).Want(t, 200)
		e.submit(f, e.r2)
		for round, want := range map[int]int64{1: 2, 2: 2} {
			if n := testenv.Count(t, st, "finding_first_submissions", "finding_id = ? AND round = ?", f, round); n != want {
				t.Errorf("round %d first submissions: %d, want %d", round, n, want)
			}
		}
		r, _ = report("reviewer")
		if r["rounds"].(float64) != 1 || stat(r, "domains", "risk_of_bias")["n"].(float64) != 1 {
			t.Errorf("round 2 pending: rounds %v risk_of_bias %v; want round 1 only", r["rounds"], stat(r, "domains", "risk_of_bias"))
		}

		// An editor adjudicates round 2: both rounds count, one finding.
		_, tag := e.get(f)
		e.s.Do(testenv.Request{Method: "PUT", Path: e.path(f, "/grade"), Role: "admin", Headers: map[string]string{"If-Match": tag},
			Body: map[string]any{"risk_of_bias": "serious", "reasons": map[string]any{"risk_of_bias": "Open label."}, "rationale": "Blinding was absent."}}).Want(t, 200)
		r, _ = report("")
		if r["findings"].(float64) != 1 || r["rounds"].(float64) != 2 {
			t.Fatalf("after adjudication: findings %v rounds %v, want 1 and 2", r["findings"], r["rounds"])
		}
		// By hand, risk of bias: (serious, not_serious) then (not_serious,
		// serious): po = 2/3 (a one-step disagreement weighs 2/3 on four
		// points), both raters' marginals (1/2, 1/2), pe = (1 + 2/3 + 2/3 +
		// 1)/4 = 5/6, kappa = (2/3 - 5/6)/(1/6) = -1.
		for _, p := range [][]string{{"domains", "risk_of_bias"}, {"certainty"}} {
			s := stat(r, p...)
			if s["n"].(float64) != 2 || s["ratings"].(float64) != 4 || s["percent_agreement"] != 0.0 || s["statistic"] != "cohen_weighted_linear" {
				t.Errorf("both rounds %v = %v", p, s)
			}
			if k, ok := s["kappa"].(float64); !ok || math.Abs(k+1) > 1e-9 {
				t.Errorf("both rounds %v kappa = %v, want -1", p, s["kappa"])
			}
		}
	})
}
