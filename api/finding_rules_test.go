package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"claimgrade/api"
	"claimgrade/internal/fhircheck"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// The finding-level rules of issue 18 through the HTTP API, on both
// backends: bounded adjudication, case evidence, the event rate's sample,
// the relative effect of a large effect, and the withdrawal of a grade
// whose level-setting sources are all retracted. Each defect the issue
// names has a test here that fails on the code before it.

// newRulesEnv is newReviewEnv with webhooks allowed to reach loopback.
func newRulesEnv(t *testing.T, st *store.Store, required int) *reviewEnv {
	t.Helper()
	e := &reviewEnv{outcomeEnv: &outcomeEnv{&reprEnv{t: t, s: testenv.NewServer(t, st, func(c *api.Config) {
		c.RequiredReviews, c.WebhookAllowPrivate = required, true
	})}}}
	e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
		"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}}}}).Want(t, 201)
	key, _, err := st.CreateKey(context.Background(), store.System("test"), "reviewer-2", models.RoleReviewer)
	if err != nil {
		t.Fatal(err)
	}
	e.r2 = key
	return e
}

// adjudicate sends an adjudication with the finding's current ETag.
func (e *reviewEnv) adjudicate(f int64, role string, body map[string]any) *testenv.Response {
	e.t.Helper()
	_, tag := e.get(f)
	return e.s.Do(testenv.Request{Method: "PUT", Path: e.path(f, "/grade"), Role: role, Body: body, Headers: map[string]string{"If-Match": tag}})
}

// problemOf asserts a problem of this status and type and returns its
// errors as "field code" strings.
func problemOf(t *testing.T, res *testenv.Response, status int, code string) []string {
	t.Helper()
	p := res.Problem(t, status)
	if p["type"] != "/problems/"+code {
		t.Errorf("type = %v, want /problems/%s: %v", p["type"], code, p["errors"])
	}
	var out []string
	for _, e := range p["errors"].([]any) {
		m := e.(map[string]any)
		if m["message"] == "" {
			t.Errorf("problem %v has no message", m)
		}
		out = append(out, fmt.Sprintf("%v %v", m["field"], m["code"]))
	}
	return out
}

// errorMessage is the message of the problem's error on field.
func errorMessage(t *testing.T, res *testenv.Response, field string) string {
	t.Helper()
	for _, e := range res.JSON(t)["errors"].([]any) {
		if m := e.(map[string]any); m["field"] == field {
			return m["message"].(string)
		}
	}
	t.Errorf("no error on %s: %s", field, res.Body)
	return ""
}

var allNotSerious = map[string]any{"rationale": "Nothing serious: high."}

// TestAdjudicationSettlesOnlyADisagreement is the first case: an
// editor "adjudicated" a finding nobody had assessed and made it high (and
// re-graded a stale grade the same way). Adjudication needs an open
// reviewer_disagreement: 409 adjudication_not_needed otherwise, and
// nothing is written.
func TestAdjudicationSettlesOnlyADisagreement(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newRulesEnv(t, st, 2)
		f, _ := e.rctFinding()
		notNeeded := func(what string) {
			t.Helper()
			res := e.adjudicate(f, "editor", allNotSerious)
			if got := problemOf(t, res, http.StatusConflict, "adjudication_not_needed"); !slices.Equal(got, []string{"assessments adjudication_not_needed"}) {
				t.Errorf("%s: errors %v", what, got)
			}
			if doc, _ := e.get(f); doc["grade"] != nil && doc["grade"].(map[string]any)["method"] == "adjudicated" {
				t.Errorf("%s: an adjudicated grade was written: %v", what, doc["grade"])
			}
		}
		notNeeded("nobody assessed it")
		if n := testenv.Count(t, st, "finding_grades", "finding_id = ?", f); n != 0 {
			t.Errorf("%d grades after a refused adjudication", n)
		}
		if n := testenv.Count(t, st, "audit_events", "action = ?", "finding_grade.adjudicated"); n != 0 {
			t.Errorf("%d adjudication events after a refusal", n)
		}
		e.put(f, "reviewer", seriousRoB, "").Want(t, 201)
		notNeeded("one draft")
		e.submit(f, "reviewer")
		notNeeded("one of REQUIRED_REVIEWS=2 submitted")
		e.put(f, e.r2, seriousRoB, "").Want(t, 201)
		if g := e.submit(f, e.r2)["grade"].(map[string]any); g["method"] != "consensus" {
			t.Fatalf("agreeing reviewers: grade %v", g)
		}
		notNeeded("the submissions agree: consensus")
		// A stale grade is re-graded by a new round, not by an adjudication.
		doc, tag := e.get(f)
		e.s.Do(testenv.Request{Method: "PATCH", Path: e.path(f, ""), Role: "editor", Body: map[string]any{"estimate": -1.0},
			Headers: map[string]string{"If-Match": tag}}).Want(t, 200)
		if doc, _ = e.get(f); !slices.Contains(flagsOf(doc), "stale_grade") {
			t.Fatalf("flags %v, want stale_grade", doc["flags"])
		}
		notNeeded("a stale grade")
	})
}

// TestAdjudicationWithinTheReviewersRange is the second case: two
// reviewers gave moderate, and the editor set every domain to not_serious
// to make it high. Each judgement, and the certainty it reaches, must lie
// within the range the submitted assessments gave: 422
// outside_reviewer_range naming each field and the range.
func TestAdjudicationWithinTheReviewersRange(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newRulesEnv(t, st, 2)
		f, _ := e.rctFinding()
		// Moderate both: one rates risk of bias down, the other imprecision.
		e.put(f, "reviewer", seriousRoB, "").Want(t, 201)
		e.submit(f, "reviewer")
		e.put(f, e.r2, map[string]any{"imprecision": "serious", "reasons": map[string]any{"imprecision": "One small trial."},
			"rationale": "Imprecise."}, "").Want(t, 201)
		if sub := e.submit(f, e.r2); sub["certainty"] != "moderate" || sub["grade"] != nil {
			t.Fatalf("second reviewer: certainty %v grade %v", sub["certainty"], sub["grade"])
		}
		doc, _ := e.get(f)
		if !slices.Equal(testenv.Strings(doc["disagreements"]), []string{"risk_of_bias", "imprecision"}) {
			t.Fatalf("disagreements %v", doc["disagreements"])
		}
		res := e.adjudicate(f, "editor", allNotSerious)
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "outside_reviewer_range"); !slices.Equal(got, []string{"certainty outside_reviewer_range"}) {
			t.Errorf("all not_serious: %v", got)
		}
		if m := errorMessage(t, res, "certainty"); !strings.HasPrefix(m, "certainty must be moderate, the only value the submitted assessments gave (this adjudication reaches high") {
			t.Errorf("message %q", m)
		}
		// Harsher than either reviewer, in a domain and overall.
		res = e.adjudicate(f, "editor", map[string]any{"risk_of_bias": "very_serious", "imprecision": "serious",
			"reasons": map[string]any{"risk_of_bias": "x", "imprecision": "y"}, "rationale": "Harsher."})
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "outside_reviewer_range"); !slices.Equal(got,
			[]string{"risk_of_bias outside_reviewer_range", "certainty outside_reviewer_range"}) {
			t.Errorf("harsher: %v", got)
		}
		if m := errorMessage(t, res, "risk_of_bias"); m != "risk_of_bias must lie between not_serious and serious, the range the submitted assessments gave" {
			t.Errorf("message %q", m)
		}
		// Nothing was written; the disagreement stands.
		if doc, _ := e.get(f); doc["grade"] != nil || !slices.Contains(flagsOf(doc), "reviewer_disagreement") {
			t.Errorf("after refusals: grade %v flags %v", doc["grade"], doc["flags"])
		}
		// Within the range: one reviewer's view, with its reason.
		doc = e.adjudicate(f, "editor", map[string]any{"risk_of_bias": "serious", "reasons": map[string]any{"risk_of_bias": "Open label."},
			"rationale": "Blinding was absent; the sample is adequate."}).Want(t, 200)
		g := doc["grade"].(map[string]any)
		if g["method"] != "adjudicated" || g["certainty"] != "moderate" || doc["certainty"] != "moderate" || len(g["assessment_ids"].([]any)) != 2 {
			t.Errorf("adjudicated grade %v", g)
		}
		if slices.Contains(flagsOf(doc), "reviewer_disagreement") {
			t.Errorf("flags %v", doc["flags"])
		}
	})
}

// caseFinding is case evidence: a harm without comparator whose finding has
// no measure, resting on a case report.
func (e *reviewEnv) caseFinding() int64 {
	e.t.Helper()
	q := e.question(map[string]any{"comparator": nil, "comparator_kind": "none", "outcome": "injection-site abscess (non-tuberculous mycobacteria)",
		"outcome_kind": "harm", "timepoint": "weeks after the sessions"})
	f := id(e.finding(q, map[string]any{"summary": "A culture-proven abscess at the injection sites after mesotherapy."}))
	e.attach(f, e.src(map[string]any{"kind": "case_report", "title": "Mycobacterial abscess after mesotherapy: a case report"}), nil)
	return f
}

func caseAssessment(attribution, indirectness string) map[string]any {
	body := map[string]any{"attribution": attribution, "indirectness": indirectness,
		"reasons":   map[string]any{"attribution": "Onset two weeks after the injections, lesions at the injection sites, culture-proven; no rechallenge."},
		"rationale": "A culture-proven case."}
	if indirectness != "not_serious" {
		body["reasons"].(map[string]any)["indirectness"] = "An aesthetic clinic and another product."
	}
	return body
}

// TestCaseEvidence: "can cause X" could not rest on a case report (a case
// report cannot estimate a rate, so it could not be graded). Case evidence
// is judged for its WHO-UMC attribution and indirectness by the same dual
// review, and its grade carries an occurrence certainty, never a GRADE
// certainty.
func TestCaseEvidence(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newRulesEnv(t, st, 2)
		f := e.caseFinding()
		// Only attribution and indirectness: every other domain, even
		// neutral, is refused by name; attribution is required.
		res := e.put(f, "reviewer", map[string]any{"risk_of_bias": "not_serious", "imprecision": "serious", "sample": "selected", "rob_tool": "robins_i",
			"large_effect": "none", "relative_effect": 0.4, "attribution": "probable", "reasons": map[string]any{"attribution": "Culture-proven."}}, "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "not_applicable_to_case_evidence"); !slices.Equal(got, []string{
			"risk_of_bias not_applicable_to_case_evidence", "imprecision not_applicable_to_case_evidence", "large_effect not_applicable_to_case_evidence",
			"rob_tool not_applicable_to_case_evidence", "sample not_applicable_to_case_evidence", "relative_effect not_applicable_to_case_evidence"}) {
			t.Errorf("GRADE domains on case evidence: %v", got)
		}
		res = e.put(f, "reviewer", map[string]any{"rationale": "No attribution."}, "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "attribution_required"); !slices.Equal(got, []string{"attribution attribution_required"}) {
			t.Errorf("no attribution: %v", got)
		}
		res = e.put(f, "reviewer", map[string]any{"attribution": "probable", "rationale": "No reason."}, "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "reason_required"); !slices.Equal(got, []string{"reasons.attribution reason_required"}) {
			t.Errorf("no reason: %v", got)
		}
		res = e.put(f, "reviewer", map[string]any{"attribution": "unassessed", "reasons": map[string]any{"attribution": "x"}}, "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "invalid_value"); !slices.Equal(got, []string{"attribution invalid_value"}) {
			t.Errorf("unassessed: %v", got)
		}
		if n := testenv.Count(t, st, "finding_assessments", "finding_id = ?", f); n != 0 {
			t.Fatalf("%d assessments written by refused PUTs", n)
		}
		// Attribution on anything but case evidence.
		rct, _ := e.rctFinding()
		res = e.put(rct, "reviewer", map[string]any{"attribution": "certain", "reasons": map[string]any{"attribution": "x"}}, "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "attribution_not_applicable"); !slices.Equal(got, []string{
			"attribution attribution_not_applicable", "reasons.attribution invalid_value"}) {
			t.Errorf("attribution on a comparative finding: %v", got)
		}

		// Two reviewers who disagree: probable and direct (moderate), certain
		// and indirect (moderate).
		a := e.put(f, "reviewer", caseAssessment("probable", "not_serious"), "").Want(t, 201)
		if a["certainty"] != nil || a["occurrence_certainty"] != "moderate" {
			t.Errorf("assessment: certainty %v occurrence_certainty %v", a["certainty"], a["occurrence_certainty"])
		}
		j := a["judgements"].(map[string]any)
		if j["attribution"] != "probable" || j["indirectness"] != "not_serious" || j["risk_of_bias"] != nil || j["large_effect"] != nil ||
			j["dose_response"] != nil || j["sample"] != nil {
			t.Errorf("judgements %v: only attribution and indirectness", j)
		}
		d := a["derivation"].(map[string]any)
		if d["case_evidence"] != true || d["start"] != "moderate" || d["result"] != "moderate" || len(d["steps"].([]any)) != 1 ||
			!strings.Contains(d["summary"].(string), "certainty that the harm can occur (not how often)") {
			t.Errorf("derivation %v", d)
		}
		e.submit(f, "reviewer")
		e.put(f, e.r2, caseAssessment("certain", "serious"), "").Want(t, 201)
		e.submit(f, e.r2)
		doc, _ := e.get(f)
		if !slices.Contains(flagsOf(doc), "reviewer_disagreement") || !slices.Equal(testenv.Strings(doc["disagreements"]), []string{"attribution", "indirectness"}) {
			t.Fatalf("flags %v disagreements %v", doc["flags"], doc["disagreements"])
		}
		// Adjudication within the range: attribution certain is within
		// [probable, certain]; with indirectness not serious it would reach
		// high, which neither reviewer reached.
		res = e.adjudicate(f, "editor", caseAssessment("certain", "not_serious"))
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "outside_reviewer_range"); !slices.Equal(got, []string{"occurrence_certainty outside_reviewer_range"}) {
			t.Errorf("case evidence adjudicated to high: %v", got)
		}
		res = e.adjudicate(f, "editor", caseAssessment("possible", "serious"))
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "outside_reviewer_range"); !slices.Equal(got, []string{
			"attribution outside_reviewer_range", "occurrence_certainty outside_reviewer_range"}) {
			t.Errorf("an attribution neither gave: %v", got)
		}
		doc = e.adjudicate(f, "editor", merge(caseAssessment("certain", "serious"), map[string]any{"rationale": "Culture-proven with a typical latency."})).Want(t, 200)
		g := doc["grade"].(map[string]any)
		if doc["certainty"] != nil || doc["occurrence_certainty"] != "moderate" || g["certainty"] != nil || g["occurrence_certainty"] != "moderate" ||
			g["attribution"] != "certain" || g["withdrawn_at"] != nil || g["method"] != "adjudicated" {
			t.Errorf("finding certainty %v occurrence %v, grade %v", doc["certainty"], doc["occurrence_certainty"], g)
		}
		if flags := flagsOf(doc); len(flags) != 0 {
			t.Errorf("flags %v, want none (graded, moderate)", flags)
		}

		// The summary of findings prints no GRADE certainty for it.
		row := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/questions/%v/summary", doc["question"].(map[string]any)["id"])}).
			Want(t, 200)["rows"].([]any)[0].(map[string]any)
		if row["certainty"] != nil || row["occurrence_certainty"] != "moderate" || row["attribution"] != "certain" ||
			row["certainty_text"] != "harm documented, attribution certain (occurrence certainty: moderate)" || row["statement_kind"] != "case" ||
			!strings.HasPrefix(row["statement"].(string), "Cases have been documented (attribution: certain; moderate certainty that the harm can occur)") {
			t.Errorf("summary row %v", row)
		}
		// FHIR: the certainty says what it is about, and the export is R5.
		ev := fhirJSON(t, e.fhir(f, ""))
		c := ev["certainty"].([]any)[0].(map[string]any)
		if typ := c["type"].(map[string]any); typ["coding"] != nil || !strings.HasPrefix(typ["text"].(string), "Certainty that the harm can occur") {
			t.Errorf("FHIR certainty type %v: text only, never the GRADE Overall code", typ)
		}
		if r := c["rating"].(map[string]any); codingOf(r) != "http://hl7.org/fhir/certainty-rating|moderate" || r["text"] != "moderate certainty that the harm can occur" {
			t.Errorf("FHIR rating %v", r)
		}
		if !strings.Contains(c["description"].(string), "not a GRADE rating") || len(c["subcomponent"].([]any)) != 2 {
			t.Errorf("FHIR certainty %v", c)
		}
		fhircheck.Valid(t, fhircheck.Doc{Name: "case-evidence Evidence", Type: fhircheck.Evidence, JSON: e.fhir(f, "").Body},
			fhircheck.Doc{Name: "case-evidence Bundle", Type: fhircheck.Bundle, JSON: e.fhir(f, "?format=bundle").Body})
		// The agreement statistics count its attribution.
		ag := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/agreement"}).Want(t, 200)
		if at := ag["domains"].(map[string]any)["attribution"].(map[string]any); at["n"] != float64(1) || at["percent_agreement"] != float64(0) {
			t.Errorf("agreement on attribution %v", at)
		}
	})
}

// TestEventRateSample: outbreak clusters started high as event rates. An
// event rate graded from designs states its sample: representative starts
// high, selected (an outbreak or cluster investigation, a convenience
// sample) starts low (Iorio 2015; GRADE 28).
func TestEventRateSample(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newRulesEnv(t, st, 2)
		q := e.question(map[string]any{"comparator": nil, "comparator_kind": "none", "outcome": "injection-site infection", "outcome_kind": "harm"})
		f := id(e.finding(q, map[string]any{"measure": "proportion", "events": 17, "participants": 77, "summary": "17 of 77 patients of one clinic."}))
		e.attach(f, e.src(map[string]any{"kind": "case_series", "title": "An outbreak of mycobacterial infection after mesotherapy"}), nil)
		res := e.put(f, "reviewer", noConcerns, "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "sample_required"); !slices.Equal(got, []string{"sample sample_required"}) {
			t.Errorf("no sample: %v", got)
		}
		res = e.put(f, "reviewer", merge(noConcerns, map[string]any{"sample": "random"}), "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "invalid_value"); !slices.Equal(got, []string{"sample invalid_value"}) {
			t.Errorf("bad sample: %v", got)
		}
		// The outbreak cluster: a selected sample starts low.
		a := e.put(f, "reviewer", merge(noConcerns, map[string]any{"sample": "selected", "rationale": "An outbreak investigation."}), "").Want(t, 201)
		d := a["derivation"].(map[string]any)
		if a["certainty"] != "low" || d["start"] != "low" || d["sample"] != "selected" || a["judgements"].(map[string]any)["sample"] != "selected" {
			t.Errorf("selected sample: certainty %v derivation %v", a["certainty"], d)
		}
		e.submit(f, "reviewer")
		// A representative sample starts high: a different start.
		e.put(f, e.r2, merge(noConcerns, map[string]any{"sample": "representative"}), "").Want(t, 201)
		e.submit(f, e.r2)
		if doc, _ := e.get(f); !slices.Equal(testenv.Strings(doc["disagreements"]), []string{"start"}) {
			t.Errorf("disagreements %v, want the start", doc["disagreements"])
		}
		// Sample on a comparative finding is refused.
		rct, _ := e.rctFinding()
		res = e.put(rct, "reviewer", merge(noConcerns, map[string]any{"sample": "representative"}), "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "sample_not_applicable"); !slices.Equal(got, []string{"sample sample_not_applicable"}) {
			t.Errorf("sample on a comparative finding: %v", got)
		}
	})
}

// TestLargeEffectNeedsRelativeEffect: a large effect on a difference
// measure was accepted with any text as its reason ("big"). It needs
// relative_effect, checked by GRADE 9's thresholds.
func TestLargeEffectNeedsRelativeEffect(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newRulesEnv(t, st, 2)
		// Non-randomised comparative evidence without downgrades: the only
		// kind that may be rated up (GRADE 9, 18).
		q := e.question(map[string]any{"comparator": "no treatment", "comparator_kind": "inactive"})
		f := id(e.finding(q, map[string]any{"measure": "mean_difference", "estimate": -4.1, "ci_low": -5.0, "ci_high": -3.2}))
		e.attach(f, e.src(map[string]any{"kind": "cohort", "title": "A cohort"}), nil)
		big := map[string]any{"large_effect": "large", "reasons": map[string]any{"large_effect": "big"}, "rationale": "Big effect."}
		res := e.put(f, "reviewer", big, "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "relative_effect_required"); !slices.Equal(got, []string{"relative_effect relative_effect_required"}) {
			t.Errorf(`large effect with "big": %v`, got)
		}
		res = e.put(f, "reviewer", merge(big, map[string]any{"relative_effect": 0.8}), "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "large_effect_unsupported"); !slices.Equal(got, []string{"large_effect large_effect_unsupported"}) {
			t.Errorf("relative effect 0.8: %v", got)
		}
		res = e.put(f, "reviewer", merge(noConcerns, map[string]any{"relative_effect": 0.4}), "")
		if got := problemOf(t, res, http.StatusUnprocessableEntity, "relative_effect_not_applicable"); !slices.Equal(got, []string{"relative_effect relative_effect_not_applicable"}) {
			t.Errorf("relative effect without a large effect: %v", got)
		}
		a := e.put(f, "reviewer", merge(big, map[string]any{"relative_effect": 0.4, "reasons": map[string]any{"large_effect": "Pain fell to 40% of the untreated group's."}}), "").Want(t, 201)
		if a["certainty"] != "moderate" || a["judgements"].(map[string]any)["relative_effect"] != 0.4 || a["derivation"].(map[string]any)["relative_effect"] != 0.4 {
			t.Errorf("relative effect 0.4: certainty %v judgements %v", a["certainty"], a["judgements"])
		}
	})
}

// TestRetractionWithdraws: with its only trial retracted, a claim stayed
// "Accurate, high", merely flagged. The grade is withdrawn (kept in
// history), the finding's certainty null, flagged ungraded and
// retracted_evidence; the claim is re-derived in the same transaction; an
// audit event, in the history, the changes feed and the outbox, says so.
// Reversing the retraction reinstates it.
func TestRetractionWithdraws(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newRulesEnv(t, st, 1)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		defer rcv.Close()
		wh := testenv.ID(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/webhooks", Role: "admin",
			Body: map[string]any{"url": rcv.URL + "/events", "event_types": []string{"finding.graded"}}}).Want(t, http.StatusCreated))
		q := e.question(map[string]any{"comparator": "placebo", "comparator_kind": "inactive"})
		f := id(e.finding(q, map[string]any{"measure": "mean_difference", "estimate": -2.0, "ci_low": -2.8, "ci_high": -1.2, "threshold": 1.0}))
		trial := e.src(map[string]any{"title": "The only trial"})
		e.attach(f, trial, nil)
		e.put(f, "reviewer", noConcerns, "").Want(t, 201)
		e.submit(f, "reviewer")
		claim := testenv.ID(e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
			"text": "Mesotherapy relieves back pain.", "language": "en", "claim_type": "efficacy", "assertion": "effect"}}).Want(t, 201))
		e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", claim), Role: "editor",
			Body: map[string]any{"finding_id": f, "stance": "supports"}}).Want(t, 201)
		// Rated on the trial's high-certainty grade (whatever the verdict).
		c := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claim)}).Want(t, 200)
		rated := c["rating"]
		if rated == "not_rated" || c["certainty"] != "high" {
			t.Fatalf("before: claim %v %v", c["rating"], c["certainty"])
		}
		setRetracted := func(retracted bool) {
			t.Helper()
			path := fmt.Sprintf("/api/v1/sources/%d", trial)
			cur := e.s.Do(testenv.Request{Method: "GET", Path: path})
			body := map[string]any{"retracted": retracted}
			if retracted {
				body["retraction_note"] = "Data fabricated."
			}
			e.s.Do(testenv.Request{Method: "PATCH", Path: path, Role: "editor", Body: body, Headers: map[string]string{"If-Match": cur.Header.Get("ETag")}}).Want(t, 200)
		}
		setRetracted(true)
		doc, _ := e.get(f)
		g := doc["grade"].(map[string]any)
		wantReason := fmt.Sprintf("every level-setting source is retracted: source %d (rct)", trial)
		if doc["certainty"] != nil || g["withdrawn_at"] == nil || g["withdrawn_reason"] != wantReason || g["certainty"] != "high" {
			t.Errorf("after the retraction: certainty %v grade %v", doc["certainty"], g)
		}
		if flags := flagsOf(doc); !slices.Equal(flags, []string{"retracted_evidence", "ungraded"}) {
			t.Errorf("flags %v, want retracted_evidence and ungraded", flags)
		}
		c = e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claim)}).Want(t, 200)
		if c["rating"] != "not_rated" || c["certainty"] != nil || !slices.Contains(testenv.Strings(c["flags"]), "retracted_evidence") {
			t.Errorf("claim after the retraction: %v %v %v", c["rating"], c["certainty"], c["flags"])
		}
		// In the finding's history, the changes feed and the outbox.
		actions := func() []string {
			var out []string
			for _, ev := range e.s.Do(testenv.Request{Method: "GET", Path: e.path(f, "/history?limit=200"), Role: "editor"}).Want(t, 200)["data"].([]any) {
				out = append(out, ev.(map[string]any)["action"].(string))
			}
			return out
		}
		if h := actions(); !slices.Contains(h, "finding_grade.withdrawn") {
			t.Errorf("history %v lacks finding_grade.withdrawn", h)
		}
		var fed []string
		for _, ch := range e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes?limit=200"}).Want(t, 200)["data"].([]any) {
			fed = append(fed, ch.(map[string]any)["action"].(string))
		}
		if !slices.Contains(fed, "finding_grade.withdrawn") {
			t.Errorf("changes feed %v lacks finding_grade.withdrawn", fed)
		}
		events := func() []string {
			var out []string
			for _, d := range e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/webhooks/%d/deliveries", wh), Role: "admin"}).Want(t, 200)["data"].([]any) {
				out = append(out, d.(map[string]any)["event_type"].(string))
			}
			return out
		}
		if got := events(); len(got) != 2 { // the single reviewer's grade, then its withdrawal
			t.Errorf("finding.graded deliveries %v, want the grade and its withdrawal", got)
		}
		// Reversed: derived both ways.
		setRetracted(false)
		doc, _ = e.get(f)
		g = doc["grade"].(map[string]any)
		if doc["certainty"] != "high" || g["withdrawn_at"] != nil || g["withdrawn_reason"] != nil || len(flagsOf(doc)) != 0 {
			t.Errorf("after the reversal: certainty %v grade %v flags %v", doc["certainty"], g, doc["flags"])
		}
		if h := actions(); !slices.Contains(h, "finding_grade.reinstated") {
			t.Errorf("history %v lacks finding_grade.reinstated", h)
		}
		if got := events(); len(got) != 3 {
			t.Errorf("finding.graded deliveries %v, want the reinstatement too", got)
		}
		c = e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", claim)}).Want(t, 200)
		if c["rating"] != rated || c["certainty"] != "high" {
			t.Errorf("claim after the reversal: %v %v, want %v high again", c["rating"], c["certainty"], rated)
		}
		// With a level-setting source left, the grade is stale, not withdrawn.
		second := e.src(map[string]any{"title": "A second trial"})
		e.attach(f, second, nil)
		var version float64
		for _, a := range e.s.Do(testenv.Request{Method: "GET", Path: e.path(f, "/assessments"), Role: "reviewer"}).Want(t, 200)["data"].([]any) {
			version = a.(map[string]any)["version"].(float64)
		}
		e.put(f, "reviewer", noConcerns, fmt.Sprintf(`"%d"`, int(version))).Want(t, 200)
		e.submit(f, "reviewer")
		setRetracted(true)
		doc, _ = e.get(f)
		if g := doc["grade"].(map[string]any); g["withdrawn_at"] != nil || doc["certainty"] != "high" ||
			!slices.Equal(flagsOf(doc), []string{"retracted_evidence", "stale_grade"}) {
			t.Errorf("one of two trials retracted: certainty %v grade %v flags %v", doc["certainty"], g, doc["flags"])
		}
	})
}
