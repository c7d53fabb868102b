package api_test

import (
	"math"
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
