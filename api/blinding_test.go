package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// historyOf lists a finding's history events as role sees them, oldest
// first, as "action by actor".
func historyOf(e *reviewEnv, findingID int64, role string) []string {
	e.t.Helper()
	var out []string
	for _, ev := range e.s.Do(testenv.Request{Method: "GET", Path: e.path(findingID, "/history?limit=200"), Role: role}).Want(e.t, 200)["data"].([]any) {
		m := ev.(map[string]any)
		if m["entity"] == "finding_assessment" && role != "editor" && role != "admin" && (m["before"] != nil || m["after"] != nil) {
			e.t.Errorf("%s sees the content of %v", role, m)
		}
		out = append(out, fmt.Sprintf("%v by %v", m["action"], m["actor"]))
	}
	slices.Reverse(out)
	return out
}

func assessmentEvents(events []string) []string {
	var out []string
	for _, ev := range events {
		if strings.HasPrefix(ev, "finding_assessment.") {
			out = append(out, ev)
		}
	}
	return out
}

// TestFindingHistoryBlindsAssessmentMetadata: until a finding's grade
// exists, its history shows who assessed it and when to editors and admins
// only: to anyone else (anonymous, readers, the reviewers themselves) the
// assessment events are absent, not just emptied, and a flags change an
// assessment caused does not name its actor. No other public read (the
// changes feed, the claim's history, FHIR, the export, webhooks) shows
// them either. Once graded, the events are shown, their contents still to
// editors only.
func TestFindingHistoryBlindsAssessmentMetadata(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2, func(c *api.Config) { c.WebhookAllowPrivate = true })
		e.s.Keys["reviewer-2"] = e.r2
		hook := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/webhooks", Role: "admin",
			Body: map[string]any{"url": "http://127.0.0.1:9/hook", "event_types": []string{"claim.rated", "claim.flags_changed", "finding.graded"}}}).Want(t, 201)
		f, _ := e.rctFinding()
		claim := e.s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
			"text": "Mesotherapie lindert Rückenschmerzen.", "language": "de", "claim_type": "efficacy"}}).Want(t, 201)
		e.s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", id(claim)), Role: "editor",
			Body: map[string]any{"finding_id": f, "stance": "supports"}}).Want(t, 201)
		seq := int64(0)
		for _, c := range e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes?limit=200"}).Want(t, 200)["data"].([]any) {
			seq = max(seq, int64(c.(map[string]any)["seq"].(float64)))
		}
		deliveries := func() []any {
			return e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/webhooks/%d/deliveries?limit=200", id(hook)), Role: "admin"}).Want(t, 200)["data"].([]any)
		}
		before := len(deliveries()) // the claim's creation

		// reviewer drafts, revises the draft and submits; reviewer-2 has not
		// submitted (a draft only).
		e.put(f, "reviewer", seriousRoB, "").Want(t, 201)
		e.put(f, "reviewer", seriousRoB, `"1"`).Want(t, 200)
		e.submit(f, "reviewer")
		e.put(f, e.r2, noConcerns, "").Want(t, 201)

		wantEditor := []string{"finding_assessment.created by reviewer", "finding_assessment.updated by reviewer",
			"finding_assessment.submitted by reviewer", "finding_assessment.created by reviewer-2"}
		for _, role := range []string{"editor", "admin"} {
			if got := assessmentEvents(historyOf(e, f, role)); !slices.Equal(got, wantEditor) {
				t.Errorf("%s sees assessment events %v, want %v", role, got, wantEditor)
			}
		}
		for _, role := range []string{"", "reader", "reviewer", "reviewer-2"} {
			got := historyOf(e, f, role)
			if len(assessmentEvents(got)) != 0 {
				t.Errorf("%q sees the assessment events of an ungraded finding: %v", role, got)
			}
			for _, ev := range got {
				if strings.HasSuffix(ev, " by reviewer") || strings.HasSuffix(ev, " by reviewer-2") {
					t.Errorf("%q sees an event naming a reviewer: %s", role, ev)
				}
			}
		}
		leaks := func(when string) {
			t.Helper()
			for _, c := range e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/changes?after=%d&limit=200", seq)}).Want(t, 200)["data"].([]any) {
				if entity := c.(map[string]any)["entity"]; entity != "finding" && entity != "claim" {
					t.Errorf("%s: the changes feed shows %v", when, c)
				}
			}
			for _, ev := range e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/history?limit=200", id(claim))}).Want(t, 200)["data"].([]any) {
				if m := ev.(map[string]any); strings.HasPrefix(m["action"].(string), "finding_assessment") || m["actor"] == "reviewer" || m["actor"] == "reviewer-2" {
					t.Errorf("%s: the claim's history shows %v", when, m)
				}
			}
			for _, path := range []string{e.path(f, "/fhir?format=bundle"), fmt.Sprintf("/api/v1/claims/%d/fhir", id(claim)), "/api/v1/export"} {
				res := e.s.Do(testenv.Request{Method: "GET", Path: path})
				if res.Status != http.StatusOK && res.Status != http.StatusNotFound {
					t.Fatalf("%s: GET %s = %d %s", when, path, res.Status, res.Body)
				}
				for _, leak := range []string{"ArtifactAssessment\",\"id\":\"finding-assessment", `"reviewer"`, `"reviewer-2"`, "submitted_at"} {
					if bytes.Contains(res.Body, []byte(leak)) {
						t.Errorf("%s: GET %s shows %s", when, path, leak)
					}
				}
			}
			if d := deliveries(); len(d) != before {
				t.Errorf("%s: the assessments made webhook deliveries: %v", when, d[before:])
			}
		}
		leaks("one submission, one draft")

		// reviewer-2 submits and disagrees: still ungraded. The flags change
		// is public, its author is not.
		if sub := e.submit(f, e.r2); sub["grade"] != nil {
			t.Fatalf("a disagreement made a grade: %v", sub["grade"])
		}
		if got := historyOf(e, f, "editor"); !slices.Contains(got, "finding.flagged by reviewer-2") {
			t.Errorf("editor: %v, want finding.flagged by reviewer-2", got)
		}
		public := historyOf(e, f, "")
		if len(assessmentEvents(public)) != 0 || !slices.Contains(public, "finding.flagged by blinded") || slices.Contains(public, "finding.flagged by reviewer-2") {
			t.Errorf("public history of a disagreement: %v, want finding.flagged by blinded and no assessment event", public)
		}
		leaks("two submissions that disagree")

		// Revised into consensus: the grade exists, and with it who assessed
		// and when (never what, to non-editors).
		e.put(f, e.r2, seriousRoB, `"2"`).Want(t, 200)
		doc, _ := e.get(f)
		if doc["grade"] == nil {
			t.Fatalf("no grade after the revision: %v", doc)
		}
		graded := append(slices.Clone(wantEditor), "finding_assessment.submitted by reviewer-2", "finding_assessment.revised by reviewer-2")
		for _, role := range []string{"", "reader", "reviewer"} {
			if got := assessmentEvents(historyOf(e, f, role)); !slices.Equal(got, graded) {
				t.Errorf("%q sees assessment events %v once graded, want %v", role, got, graded)
			}
			if got := historyOf(e, f, role); !slices.Contains(got, "finding.flagged by reviewer-2") {
				t.Errorf("%q: %v, want the flags change's actor once graded", role, got)
			}
		}
	})
}
