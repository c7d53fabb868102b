package api_test

import (
	"fmt"
	"net/http"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

func catalogStatuses(rs []*testenv.Response) []int {
	var s []int
	for _, r := range rs {
		s = append(s, r.Status)
	}
	sort.Ints(s)
	return s
}

// TestCatalogConcurrentWrites: writers racing on one version or one unique
// value get one success and clean 412/409 answers, never a 500, and the
// database holds exactly one change.
func TestCatalogConcurrentWrites(t *testing.T) {
	const n = 6
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claim := e.claim(nil)
		c := testenv.ID(claim)
		etag := fmt.Sprintf(`"%v"`, claim["version"])

		t.Run("PATCH with the same If-Match", func(t *testing.T) {
			rs := e.s.Race(n, func(i int) testenv.Request {
				return testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d", c), Role: "editor",
					Body: map[string]any{"summary": fmt.Sprintf("summary %d", i)}, Headers: map[string]string{"If-Match": etag}}
			})
			want := []int{200}
			for range n - 1 {
				want = append(want, 412)
			}
			if diff := cmp.Diff(want, catalogStatuses(rs)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if got := testenv.Count(e.t, e.st, "audit_events", "claim_id = ? AND action = ?", c, "claim.updated"); got != 1 {
				t.Errorf("claim.updated events = %d, want 1", got)
			}
		})

		t.Run("POST the same DOI", func(t *testing.T) {
			rs := e.s.Race(n, func(i int) testenv.Request {
				doi := "10.1155/2011/317183"
				if i%2 == 1 {
					doi = "https://doi.org/10.1155/2011/317183"
				}
				return testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor",
					Body: map[string]any{"kind": "rct", "title": fmt.Sprintf("Copy %d", i), "doi": doi}}
			})
			want := []int{201}
			for range n - 1 {
				want = append(want, 409)
			}
			if diff := cmp.Diff(want, catalogStatuses(rs)); diff != "" {
				for _, r := range rs {
					t.Logf("%d %s", r.Status, r.Body)
				}
				t.Fatalf("statuses (-want +got):\n%s", diff)
			}
			var created int64
			for _, r := range rs {
				if r.Status == http.StatusCreated {
					created = testenv.ID(r.JSON(t))
				}
			}
			for _, r := range rs {
				if r.Status == http.StatusConflict {
					if p := r.JSON(t); int64(p["existing_id"].(float64)) != created {
						t.Errorf("409 existing_id = %v, want %d", p["existing_id"], created)
					}
				}
			}
			if got := testenv.Count(e.t, e.st, "sources", "doi = ?", "10.1155/2011/317183"); got != 1 {
				t.Errorf("sources with the DOI = %d, want 1", got)
			}
		})

		t.Run("PATCH different sources to the same PMID", func(t *testing.T) {
			var ids []int64
			for i := range n {
				ids = append(ids, testenv.ID(e.source(map[string]any{"title": fmt.Sprintf("Trial %d", i)})))
			}
			rs := e.s.Race(n, func(i int) testenv.Request {
				return testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", ids[i]), Role: "editor",
					Body: map[string]any{"pmid": "20953425"}, Headers: map[string]string{"If-Match": `"1"`}}
			})
			want := []int{200}
			for range n - 1 {
				want = append(want, 409)
			}
			if diff := cmp.Diff(want, catalogStatuses(rs)); diff != "" {
				for _, r := range rs {
					t.Logf("%d %s", r.Status, r.Body)
				}
				t.Fatalf("statuses (-want +got):\n%s", diff)
			}
			var winner int64
			for _, r := range rs {
				if r.Status == http.StatusOK {
					winner = testenv.ID(r.JSON(t))
				}
			}
			for _, r := range rs {
				if r.Status == http.StatusConflict {
					if p := r.JSON(t); int64(p["existing_id"].(float64)) != winner {
						t.Errorf("409 existing_id = %v, want %d", p["existing_id"], winner)
					}
				}
			}
			if got := testenv.Count(e.t, e.st, "sources", "pmid = ?", "20953425"); got != 1 {
				t.Errorf("sources with the PMID = %d, want 1", got)
			}
		})

		t.Run("POST the same finding link", func(t *testing.T) {
			q := testenv.ID(e.create("/api/v1/questions", map[string]any{"therapy": "mesotherapy", "population": "adults", "intervention": "mesotherapy",
				"comparator": "placebo", "comparator_kind": "inactive", "outcome": "pain", "timepoint": "4 weeks", "outcome_kind": "benefit", "direction": "higher_is_better"}))
			f := testenv.ID(e.create("/api/v1/findings", map[string]any{"question_id": q, "summary": "One trial."}))
			rs := e.s.Race(n, func(int) testenv.Request {
				return testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", c), Role: "editor",
					Body: map[string]any{"finding_id": f, "stance": "supports"}}
			})
			want := []int{201}
			for range n - 1 {
				want = append(want, 409)
			}
			if diff := cmp.Diff(want, catalogStatuses(rs)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if got := testenv.Count(e.t, e.st, "claim_findings", "claim_id = ? AND finding_id = ?", c, f); got != 1 {
				t.Errorf("claim findings = %d, want 1", got)
			}
			var support int
			st.DB().Table("claims").Select("support_count").Where("id = ?", c).Scan(&support)
			if support != 1 {
				t.Errorf("support_count = %d, want 1", support)
			}
		})

		t.Run("POST the same therapy alias", func(t *testing.T) {
			rs := e.s.Race(n, func(i int) testenv.Request {
				return testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor",
					Body: map[string]any{"slug": fmt.Sprintf("cupping-%d", i), "name": "Cupping", "aliases": []map[string]string{{"alias": "Schröpfen"}}}}
			})
			want := []int{201}
			for range n - 1 {
				want = append(want, 409)
			}
			if diff := cmp.Diff(want, catalogStatuses(rs)); diff != "" {
				for _, r := range rs {
					t.Logf("%d %s", r.Status, r.Body)
				}
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if got := testenv.Count(e.t, e.st, "therapy_aliases", "alias_key = ?", "schröpfen"); got != 1 {
				t.Errorf("aliases schröpfen = %d, want 1", got)
			}
		})
	})
}
