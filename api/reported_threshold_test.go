package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestReportedThresholdDecidesImprecision: a finding that uses a review's
// reported_certainty may be rated down for imprecision only when its
// threshold differs from the one the review used (GRADE 32, 34). The
// review's threshold is validated (only with reported_certainty, on the
// finding's scale), shown, kept in history and makes a grade stale.
func TestReportedThresholdDecidesImprecision(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 1)
		q := e.question(nil)
		f := id(e.finding(q, map[string]any{"measure": "risk_ratio", "estimate": 0.8, "ci_low": 0.6, "ci_high": 1.05, "threshold": 1.25}))
		rev := e.src(map[string]any{"kind": "systematic_review", "included_design": "randomised"})
		sources := e.path(f, "/sources")
		one := e.path(f, fmt.Sprintf("/sources/%d", rev))

		// Refusals, every field at once, changing nothing.
		for _, tt := range []struct {
			name string
			body map[string]any
			want []string
		}{
			{"without reported_certainty", map[string]any{"source_id": rev, "reported_threshold": 1.25}, []string{"reported_threshold"}},
			{"off the ratio scale", map[string]any{"source_id": rev, "reported_certainty": "high", "reported_threshold": 0.8}, []string{"reported_threshold"}},
			{"no ratio at all", map[string]any{"source_id": rev, "reported_certainty": "high", "reported_threshold": -1}, []string{"reported_threshold"}},
		} {
			if diff := cmp.Diff(tt.want, e.problemFields(422, "POST", sources, tt.body)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
		noMeasure := id(e.finding(q, nil))
		if diff := cmp.Diff([]string{"reported_threshold"}, e.problemFields(422, "POST", e.path(noMeasure, "/sources"),
			map[string]any{"source_id": rev, "reported_certainty": "high", "reported_threshold": 1.25})); diff != "" {
			t.Errorf("on a finding without a measure (-want +got):\n%s", diff)
		}
		if n := testenv.Count(t, st, "finding_sources", "source_id = ?", rev); n != 0 {
			t.Fatalf("refused attachments stored: %d", n)
		}

		// The review rated imprecision against the finding's own threshold:
		// rating it down again is refused with the rule's code.
		fs := e.attach(f, rev, map[string]any{"reported_certainty": "high", "reported_threshold": 1.25})
		if fs["reported_threshold"] != 1.25 || fs["reported_certainty"] != "high" {
			t.Fatalf("attachment = %v", fs)
		}
		if doc, _ := e.get(f); doc["sources"].([]any)[0].(map[string]any)["reported_threshold"] != 1.25 {
			t.Errorf("finding sources = %v", doc["sources"])
		}
		imprecise := map[string]any{"imprecision": "serious", "reasons": map[string]any{"imprecision": "The CI crosses 1.1, the panel's threshold."},
			"rationale": "The review's own rating, less one level for imprecision."}
		ruleProblem(t, e.put(f, "reviewer", imprecise, ""), "downgrade_not_allowed", "imprecision")
		if n := testenv.Count(t, st, "finding_assessments", "finding_id = ?", f); n != 0 {
			t.Fatalf("a refused assessment was stored")
		}

		// Clearing reported_certainty alone would leave the threshold
		// orphaned: refused.
		if diff := cmp.Diff([]string{"reported_threshold"}, e.problemFields(422, "PATCH", one,
			map[string]any{"reported_certainty": nil}, "If-Match", `"1"`)); diff != "" {
			t.Errorf("clearing reported_certainty alone (-want +got):\n%s", diff)
		}
		// The review used another threshold: accepted.
		e.s.Do(testenv.Request{Method: "PATCH", Path: one, Role: "editor", Headers: map[string]string{"If-Match": `"1"`},
			Body: map[string]any{"reported_threshold": 1.1}}).Want(t, 200)
		d := e.put(f, "reviewer", imprecise, "").Want(t, 201)
		if d["certainty"] != "moderate" {
			t.Errorf("high less one for imprecision = %v", d["certainty"])
		}
		if sub := e.submit(f, "reviewer"); sub["grade"] == nil {
			t.Fatalf("single review made no grade")
		}

		// The finding's measure cannot leave the review's threshold off its
		// scale.
		_, tag := e.get(f)
		if diff := cmp.Diff([]string{"measure"}, e.problemFields(422, "PATCH", e.path(f, ""),
			map[string]any{"measure": "proportion", "estimate": 0.5, "ci_low": 0.4, "ci_high": 0.6, "threshold": 0.1}, "If-Match", tag)); diff != "" {
			t.Errorf("measure change (-want +got):\n%s", diff)
		}

		// A change of the review's threshold makes the grade stale and is in
		// the finding's history, before and after.
		e.s.Do(testenv.Request{Method: "PATCH", Path: one, Role: "editor", Headers: map[string]string{"If-Match": `"2"`},
			Body: map[string]any{"reported_threshold": 1.5}}).Want(t, 200)
		doc, _ := e.get(f)
		if !slices.Contains(flagsOf(doc), "stale_grade") {
			t.Errorf("after reported_threshold changed: flags %v", doc["flags"])
		}
		var seen []any
		for _, ev := range e.s.Do(testenv.Request{Method: "GET", Path: e.path(f, "/history?limit=200")}).Want(t, 200)["data"].([]any) {
			m := ev.(map[string]any)
			if m["action"] == "finding_source.updated" {
				seen = append(seen, []any{m["before"].(map[string]any)["reported_threshold"], m["after"].(map[string]any)["reported_threshold"]})
			}
		}
		if diff := cmp.Diff([]any{[]any{1.1, 1.5}, []any{1.25, 1.1}}, seen); diff != "" {
			t.Errorf("history of reported_threshold, newest first (-want +got):\n%s", diff)
		}

		// Both cleared: the body is rated from the review's design again.
		e.s.Do(testenv.Request{Method: "PATCH", Path: one, Role: "editor", Headers: map[string]string{"If-Match": `"3"`},
			Body: map[string]any{"reported_certainty": nil, "reported_threshold": nil}}).Want(t, 200)
	})
}
