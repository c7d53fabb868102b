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
		// fixture makes a claim with one supporting RCT, graded by an editor.
		fixture := func(i int) (claimID, sourceID int64) {
			claimID = testenv.ID(do("POST", "/api/v1/claims", "editor", map[string]any{"therapy": "mesotherapy",
				"text": fmt.Sprintf("Claim %d relieves pain.", i), "language": "en", "claim_type": "efficacy"}))
			sourceID = testenv.ID(do("POST", "/api/v1/sources", "editor", map[string]any{"kind": "rct", "title": fmt.Sprintf("Trial %d", i)}))
			do("POST", fmt.Sprintf("/api/v1/claims/%d/links", claimID), "editor", map[string]any{"source_id": sourceID, "role": "evidence", "stance": "supports"})
			do("PUT", fmt.Sprintf("/api/v1/claims/%d/assessments/me", claimID), "reviewer", map[string]any{"verdict": "supported"})
			do("PUT", fmt.Sprintf("/api/v1/claims/%d/grade", claimID), "editor", map[string]any{"certainty": "high", "verdict": "supported", "rationale": "One RCT."})
			return claimID, sourceID
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
			{"claim verdict", "UPDATE claims SET verdict = 'maybe_true' WHERE id = {claim}", "maybe_true", "/api/v1/claims/{claim}", ""},
			{"flag", "INSERT INTO claim_flags (flag, claim_id) VALUES ('dubious', {claim})", "dubious", "/api/v1/claims/{claim}", ""},
			{"source kind", "UPDATE sources SET kind = 'blog_post' WHERE id = {source}", "blog_post", "/api/v1/sources/{source}", ""},
			{"link stance", "UPDATE links SET stance = 'agrees' WHERE claim_id = {claim} AND role = 'evidence'", "agrees", "/api/v1/claims/{claim}", ""},
			{"grade derivation", `UPDATE grades SET derivation = '{"format":9}' WHERE claim_id = {claim}`, "format", "/api/v1/claims/{claim}", ""},
			{"grade certainty", "UPDATE grades SET certainty = 'very-low' WHERE claim_id = {claim}", "very-low", "/api/v1/claims/{claim}", ""},
			{"assessment concern", "UPDATE assessments SET risk_of_bias = 'grave' WHERE claim_id = {claim}", "grave", "/api/v1/claims/{claim}/assessments", "editor"},
			{"user role", "UPDATE users SET role = 'superuser' WHERE name = 'reviewer'", "superuser", "/api/v1/claims/{claim}/assessments", "editor"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				claimID, sourceID := fixture(i)
				ids := strings.NewReplacer("{claim}", fmt.Sprint(claimID), "{source}", fmt.Sprint(sourceID))
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
