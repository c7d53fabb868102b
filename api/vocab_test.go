package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestPlantedBadStoredValues: a value in the database that is not in its
// vocabulary (a hand edit, a bad migration, another writer) is an error
// that surfaces: the read answers 500, logged once at ERROR with the request
// id, and never shows the reader a silent default such as "no certainty".
func TestPlantedBadStoredValues(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		var logs bytes.Buffer
		s := testenv.NewServerLog(t, st, slog.New(slog.NewJSONHandler(&logs, nil)))
		do := func(method, path, role string, body any) map[string]any {
			t.Helper()
			res := s.Do(testenv.Request{Method: method, Path: path, Role: role, Body: body})
			if res.Status >= 300 {
				t.Fatalf("%s %s = %d: %s", method, path, res.Status, res.Body)
			}
			return res.JSON(t)
		}
		do("POST", "/api/v1/therapies", "editor", map[string]any{"slug": "mesotherapy", "name": "Mesotherapy"})
		// fixture makes a claim linked to a finding that rests on an RCT, with
		// a reviewer's draft assessment of the finding.
		fixture := func(i int) (claimID, sourceID, findingID int64) {
			claimID = testenv.ID(do("POST", "/api/v1/claims", "editor", map[string]any{"therapy": "mesotherapy",
				"text": fmt.Sprintf("Claim %d relieves pain.", i), "language": "en", "claim_type": "efficacy", "assertion": "effect"}))
			sourceID = testenv.ID(do("POST", "/api/v1/sources", "editor", map[string]any{"kind": "rct", "title": fmt.Sprintf("Trial %d", i)}))
			question := testenv.ID(do("POST", "/api/v1/questions", "editor", map[string]any{"therapy": "mesotherapy", "population": "adults",
				"intervention": "mesotherapy", "comparator": "placebo", "comparator_kind": "inactive", "outcome": "pain", "timepoint": "4 weeks", "outcome_kind": "benefit", "direction": "higher_is_better"}))
			findingID = testenv.ID(do("POST", "/api/v1/findings", "editor", map[string]any{"question_id": question, "summary": "One trial."}))
			do("POST", fmt.Sprintf("/api/v1/findings/%d/sources", findingID), "editor", map[string]any{"source_id": sourceID})
			do("POST", fmt.Sprintf("/api/v1/claims/%d/findings", claimID), "editor", map[string]any{"finding_id": findingID, "stance": "supports"})
			do("PUT", fmt.Sprintf("/api/v1/findings/%d/assessments/me", findingID), "reviewer", map[string]any{"rationale": "One trial."})
			return claimID, sourceID, findingID
		}
		// Each case plants into a claim of its own; the list case comes first
		// and the user role last, since they would see the others' values.
		tests := []struct {
			name  string
			plant string // SQL with {claim} and {source} for the fixture's ids
			bad   string // the planted value, which must not leak
			path  string // the read, likewise
			role  string
		}{
			{"claim certainty in a list", "UPDATE claims SET certainty = 'medium' WHERE id = {claim}", "medium", "/api/v1/claims?limit=200", ""},
			{"claim rating", "UPDATE claims SET rating = 'maybe_true' WHERE id = {claim}", "maybe_true", "/api/v1/claims/{claim}", ""},
			{"claim assertion", "UPDATE claims SET assertion = 'promise' WHERE id = {claim}", "promise", "/api/v1/claims/{claim}", ""},
			{"flag", "INSERT INTO claim_flags (flag, claim_id) VALUES ('dubious', {claim})", "dubious", "/api/v1/claims/{claim}", ""},
			{"source kind", "UPDATE sources SET kind = 'blog_post' WHERE id = {source}", "blog_post", "/api/v1/sources/{source}", ""},
			{"claim-finding stance", "UPDATE claim_findings SET stance = 'agrees' WHERE claim_id = {claim}", "agrees", "/api/v1/claims/{claim}", ""},
			{"finding certainty", "UPDATE findings SET certainty = 'very-low' WHERE id = {finding}", "very-low", "/api/v1/claims/{claim}", ""},
			{"assessment concern", `UPDATE finding_assessments SET judgements = replace(judgements, '"risk_of_bias":"not_serious"', '"risk_of_bias":"grave"') WHERE finding_id = {finding}`, "grave", "/api/v1/findings/{finding}/assessments", "editor"},
			{"user role", "UPDATE users SET role = 'superuser' WHERE name = 'reviewer'", "superuser", "/api/v1/findings/{finding}/assessments", "editor"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				claimID, sourceID, findingID := fixture(i)
				ids := strings.NewReplacer("{claim}", fmt.Sprint(claimID), "{source}", fmt.Sprint(sourceID), "{finding}", fmt.Sprint(findingID))
				if err := st.DB().Exec(ids.Replace(tt.plant)).Error; err != nil {
					t.Fatalf("plant: %v", err)
				}
				reqID := fmt.Sprintf("planted-%d", i)
				logs.Reset()
				res := s.Do(testenv.Request{Method: "GET", Path: ids.Replace(tt.path), Role: tt.role,
					Headers: map[string]string{"X-Request-ID": reqID}})
				if res.Status != http.StatusInternalServerError {
					t.Fatalf("GET after planting %q = %d, want 500; body %s", tt.bad, res.Status, res.Body)
				}
				if strings.Contains(string(res.Body), tt.bad) {
					t.Errorf("the 500 leaks the stored value %q: %s", tt.bad, res.Body)
				}
				errors := 0
				for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
					var m map[string]any
					// The access log line of the 500 is not the cause; the
					// cause is logged once, with the request id.
					if json.Unmarshal([]byte(line), &m) == nil && m["level"] == "ERROR" && m["msg"] != "request" {
						if m["request_id"] != reqID || !strings.Contains(fmt.Sprint(m["err"]), tt.bad) {
							t.Errorf("ERROR line without the request id %s and the cause %q: %s", reqID, tt.bad, line)
						}
						errors++
					}
				}
				if errors != 1 {
					t.Errorf("%d ERROR lines with the cause of one bad value, want exactly 1:\n%s", errors, logs.String())
				}
			})
		}
	})
}
