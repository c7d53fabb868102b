package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// The claim-rating rules of issue 18, through the HTTP API on both
// databases: estimates stored as their source reports them and oriented by
// the question's direction; frequencies with a claimed bound; an arm's rate
// inside a comparative question read as context, never as the therapy's
// frequency; the rule id and what the certainty is about on every claim.

// catalogProblemFields checks a problem answer and returns the fields its
// errors name, in order.
func catalogProblemFields(t *testing.T, res *testenv.Response, status int) []string {
	t.Helper()
	p := catalogCheckProblem(t, res, status)
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		out = append(out, fmt.Sprint(e.(map[string]any)["field"]))
	}
	return out
}

// ruleClaim creates a claim with the wording fields, links the findings as
// supports and returns the claim's detail.
func (e *catalogEnv) ruleClaim(fields map[string]any, findings ...int64) map[string]any {
	e.t.Helper()
	c := e.claim(fields)
	id := testenv.ID(c)
	for _, f := range findings {
		e.linkFinding(id, f, "supports")
	}
	return e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(e.t, 200)
}

// wantRating checks a claim detail's rating, rule id and certainty basis.
func wantRating(t *testing.T, what string, d map[string]any, rating, reason string, basis any) {
	t.Helper()
	if d["rating"] != rating || d["rating_reason"] != reason || d["certainty_basis"] != basis {
		t.Errorf("%s: rating %v (%v), certainty %v about %v; want %s (%s) about %v\n%v", what, d["rating"], d["rating_reason"],
			d["certainty"], d["certainty_basis"], rating, reason, basis, d["rating_explanation"])
	}
}

func TestRulesEstimatesInTheOutcomesDirection(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		painQ := map[string]any{"outcome": "pain intensity (VAS 0-10)", "direction": "lower_is_better"}
		// A pain score 1.5 points lower with the therapy, as the trial
		// reports it (intervention minus placebo), threshold 1 point.
		lower := e.gradedFinding(painQ, map[string]any{"measure": "mean_difference", "estimate": -1.5, "ci_low": -2.5, "ci_high": -0.5, "threshold": 1})
		higher := e.gradedFinding(painQ, map[string]any{"measure": "mean_difference", "estimate": 1.5, "ci_low": 0.5, "ci_high": 2.5, "threshold": 1})
		works := map[string]any{"claim_type": "efficacy", "assertion": "effect", "text": "Mesotherapie lindert Rückenschmerzen."}

		d := e.ruleClaim(works, lower)
		wantRating(t, "pain 1.5 lower", d, "accurate", "effect_important", "evidence")
		if d["certainty"] != "high" {
			t.Errorf("certainty = %v, want high", d["certainty"])
		}
		if !strings.Contains(fmt.Sprint(d["rating_explanation"]), "mean difference -1.5 (95% CI -2.5 to -0.5; lower is better) favours the therapy") {
			t.Errorf("explanation does not read the estimate in its direction: %v", d["rating_explanation"])
		}
		f := d["findings"].([]any)[0].(map[string]any)["finding"].(map[string]any)
		if f["estimate"] != -1.5 || f["question"].(map[string]any)["direction"] != "lower_is_better" {
			t.Errorf("the finding shows estimate %v on a %v question, want -1.5 as reported on lower_is_better", f["estimate"], f["question"].(map[string]any)["direction"])
		}
		wantRating(t, "pain 1.5 higher", e.ruleClaim(works, higher), "false", "effect_not_shown", "evidence")

		// Turning the scale round re-rates the claim and makes the grade,
		// which rested on the question as it was, stale.
		qid := testenv.ID(f["question"].(map[string]any))
		q := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/questions/%d", qid)}).Want(t, 200)
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/questions/%d", qid), Role: "editor",
			Body: map[string]any{"direction": "higher_is_better"}, Headers: map[string]string{"If-Match": fmt.Sprintf(`"%v"`, q["version"])}}).Want(t, 200)
		after := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", testenv.ID(d))}).Want(t, 200)
		wantRating(t, "after the direction was turned", after, "false", "effect_not_shown", "evidence")
		if flags := fmt.Sprint(after["flags"]); !strings.Contains(flags, "stale_grade") {
			t.Errorf("flags after the direction changed = %v, want stale_grade", flags)
		}
	})
}

func TestRulesFrequencyBounds(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		harmRate := map[string]any{"outcome": "infection at the injection site", "outcome_kind": "harm", "direction": "lower_is_better",
			"comparator": nil, "comparator_kind": "none"}
		// No infection in 10,000 treated patients: the exact one-sided 95%
		// upper bound is 0.03%.
		none := e.gradedFinding(harmRate, map[string]any{"measure": "proportion", "events": 0, "participants": 10000})
		safety := func(value float64, bound string) map[string]any {
			return map[string]any{"claim_type": "safety", "assertion": "frequency", "claimed_value": value, "claimed_bound": bound}
		}
		// "rarely" is at most 1 in 1,000: the interval lies within it (it was
		// compared as a point and rated false).
		wantRating(t, "rarely", e.ruleClaim(safety(0.001, "at_most"), none), "accurate", "bound_within", "evidence")
		// "very rare" is below 1 in 10,000: an interval reaching 0.03% does
		// not show it (it was rated accurate).
		wantRating(t, "very rare", e.ruleClaim(safety(0.0001, "at_most"), none), "unproven", "bound_straddles", "evidence")
		// "in 5% of cases" as a point lies above the interval, on the side
		// that does not flatter the therapy.
		wantRating(t, "in 5% of cases", e.ruleClaim(safety(0.05, "point"), none), "false", "frequency_unflattering", "evidence")
		// "at least 1 in 10" of a harm the data keep below 0.03%.
		wantRating(t, "at least 10%", e.ruleClaim(safety(0.1, "at_least"), none), "false", "bound_contradicted", "evidence")
	})
}

func TestRulesArmRateIsNoFrequency(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		// 52 of 100 patients improved in the mesotherapy arm of a trial
		// against oral drugs: an arm's rate, not how often the therapy works.
		arm := e.gradedFinding(map[string]any{"outcome": "clear improvement", "direction": "higher_is_better", "comparator": "oral drugs",
			"comparator_kind": "active"}, map[string]any{"measure": "proportion", "estimate": 0.52, "ci_low": 0.42, "ci_high": 0.62})
		d := e.ruleClaim(map[string]any{"claim_type": "efficacy", "assertion": "frequency", "claimed_value": 0.5, "claimed_bound": "point",
			"text": "Die Behandlung wirkt in der Hälfte der Fälle."}, arm)
		wantRating(t, "an arm's rate", d, "not_rated", "no_matching_finding", nil)
		if !strings.Contains(fmt.Sprint(d["rating_explanation"]), "context_not_rate") {
			t.Errorf("explanation does not say the arm's rate is context: %v", d["rating_explanation"])
		}
	})
}

func TestRulesWordingRefusals(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		tests := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"a bounded absence is a frequency", map[string]any{"assertion": "absence", "claimed_value": 0.01}, "claimed_value"},
			{"a frequency's value needs its bound", map[string]any{"assertion": "frequency", "claimed_value": 0.75}, "claimed_bound"},
			{"a bound needs its value", map[string]any{"assertion": "frequency", "claimed_bound": "at_most"}, "claimed_value"},
			{"an effect states no bound", map[string]any{"assertion": "effect", "claimed_bound": "point"}, "claimed_bound"},
			{"an unknown bound", map[string]any{"assertion": "frequency", "claimed_value": 0.5, "claimed_bound": "about"}, "claimed_bound"},
		}
		for _, tt := range tests {
			before := e.dbState()
			body := map[string]any{"therapy": "mesotherapy", "text": "Die Behandlung ist nahezu schmerzfrei.", "language": "de", "claim_type": "safety"}
			for k, v := range tt.body {
				body[k] = v
			}
			res := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: body})
			if got := catalogProblemFields(t, res, http.StatusUnprocessableEntity); !strings.Contains(strings.Join(got, ","), tt.field) {
				t.Errorf("%s: problems on %v, want %s", tt.name, got, tt.field)
			}
			if after := e.dbState(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("%s: a refused POST changed the database", tt.name)
			}
		}
		for _, q := range []map[string]any{{"direction": nil}, {"direction": "up"}} {
			body := map[string]any{"therapy": "mesotherapy", "population": "adults", "intervention": "mesotherapy", "comparator": "placebo",
				"comparator_kind": "inactive", "outcome": "pain", "timepoint": "4 weeks", "outcome_kind": "benefit"}
			for k, v := range q {
				if v != nil {
					body[k] = v
				}
			}
			res := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/questions", Role: "editor", Body: body})
			if got := catalogProblemFields(t, res, http.StatusUnprocessableEntity); strings.Join(got, ",") != "direction" {
				t.Errorf("question %v: problems on %v, want direction", q, got)
			}
		}
	})
}

// rulesClaim creates a claim with the wording fields and links finding f
// as supports; it returns the claim's id.
func (e *reviewEnv) rulesClaim(fields map[string]any, f int64) int64 {
	e.t.Helper()
	body := map[string]any{"therapy": "mesotherapy", "text": "Mesotherapy can cause abscesses.", "language": "en", "claim_type": "safety"}
	for k, v := range fields {
		body[k] = v
	}
	c := testenv.ID(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: body}).Want(e.t, 201))
	e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", c), Role: "editor",
		Body: map[string]any{"finding_id": f, "stance": "supports"}}).Want(e.t, 201)
	return c
}

func (e *reviewEnv) claimDetail(id int64) map[string]any {
	e.t.Helper()
	return e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(e.t, 200)
}

// "Can cause X" rests on case evidence: a culture-proven case report graded
// for its attribution makes the claim accurate, with the certainty that the
// harm can occur (not a GRADE rating of how often); a possible attribution
// leaves it unproven; a claim of how often ("rarely") reads case evidence
// as context.
func TestRulesOccurrenceOnCaseEvidence(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newRulesEnv(t, st, 1)
		certain := e.caseFinding()
		e.put(certain, "reviewer", caseAssessment("certain", "not_serious"), "").Want(t, 201)
		e.submit(certain, "reviewer")
		possible := e.caseFinding()
		e.put(possible, "reviewer", caseAssessment("possible", "not_serious"), "").Want(t, 201)
		e.submit(possible, "reviewer")

		canCause := map[string]any{"assertion": "occurrence", "hedge": "may"}
		d := e.claimDetail(e.rulesClaim(canCause, certain))
		wantRating(t, "attribution certain", d, "accurate", "occurrence_attributable", "occurrence")
		if d["certainty"] != "high" || strings.Contains(fmt.Sprint(d["flags"]), "ungraded") {
			t.Errorf("certainty %v flags %v, want the occurrence certainty high and graded", d["certainty"], d["flags"])
		}
		if x := fmt.Sprint(d["rating_explanation"]); !strings.Contains(x, "occurrence certainty high") || !strings.Contains(x, "how often is unknown") {
			t.Errorf("explanation does not say what the certainty is about: %s", x)
		}
		d = e.claimDetail(e.rulesClaim(canCause, possible))
		wantRating(t, "attribution possible", d, "unproven", "occurrence_not_attributed", "occurrence")
		d = e.claimDetail(e.rulesClaim(map[string]any{"assertion": "frequency", "claimed_value": 0.001, "claimed_bound": "at_most",
			"text": "Abscesses occur rarely."}, certain))
		wantRating(t, "rarely, on case evidence", d, "not_rated", "no_matching_finding", nil)
	})
}

// A claim rated on one trial is not rated once the trial is retracted (its
// grade withdrawn), and says why; with a documented search it is unproven
// and still says why.
func TestRulesRetractionWithdraws(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newRulesEnv(t, st, 1)
		q := e.question(map[string]any{"comparator": "placebo", "comparator_kind": "inactive", "outcome": "pain intensity (VAS 0-10)",
			"direction": "lower_is_better"})
		f := id(e.finding(q, map[string]any{"measure": "mean_difference", "estimate": -2.0, "ci_low": -2.8, "ci_high": -1.2, "threshold": 1.0}))
		trial := e.src(map[string]any{"title": "The only trial"})
		e.attach(f, trial, nil)
		e.put(f, "reviewer", noConcerns, "").Want(t, 201)
		e.submit(f, "reviewer")
		works := map[string]any{"assertion": "effect", "claim_type": "efficacy", "text": "Mesotherapy relieves back pain."}
		plain := e.rulesClaim(works, f)
		searched := e.rulesClaim(works, f)
		e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/searches", searched), Role: "editor",
			Body: map[string]any{"database": "pubmed", "query": "mesotherapy AND low back pain", "searched_at": "2026-11-03T10:00:00Z",
				"hits": 12, "screened": 12, "source_ids": []int64{}, "note": "Only the retracted trial was found."}}).Want(t, 201)
		wantRating(t, "before the retraction", e.claimDetail(plain), "accurate", "effect_important", "evidence")

		path := fmt.Sprintf("/api/v1/sources/%d", trial)
		cur := e.s.Do(testenv.Request{Method: "GET", Path: path})
		e.s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: map[string]any{"retracted": true, "retraction_note": "Data fabricated."},
			Headers: map[string]string{"If-Match": cur.Header.Get("ETag")}}).Want(t, 200)

		d := e.claimDetail(plain)
		wantRating(t, "after the retraction", d, "not_rated", "not_yet_searched", nil)
		want := fmt.Sprintf("The evidence it rested on was retracted: the grade of finding %d was withdrawn.", f)
		if x := fmt.Sprint(d["rating_explanation"]); !strings.Contains(x, want) || !strings.Contains(x, "context_withdrawn") {
			t.Errorf("explanation does not say the evidence was retracted: %s", x)
		}
		for _, flag := range []string{"retracted_evidence", "ungraded", "unsupported"} {
			if !strings.Contains(fmt.Sprint(d["flags"]), flag) {
				t.Errorf("flags %v, want %s", d["flags"], flag)
			}
		}
		d = e.claimDetail(searched)
		wantRating(t, "searched, after the retraction", d, "unproven", "no_evidence_found", nil)
		if x := fmt.Sprint(d["rating_explanation"]); !strings.Contains(x, want) {
			t.Errorf("explanation does not say the evidence was retracted: %s", x)
		}
	})
}
