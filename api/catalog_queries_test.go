package api_test

import (
	"fmt"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestCatalogQueryCounts proves through the router, authentication
// included, that list pages and claim details cost a constant number of
// queries: a page of 50 claims (each with 2 flags) the same as a page of
// 5, a claim with 20 links the same as a claim with 1.
func TestCatalogQueryCounts(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		var claims []int64
		for i := range 60 {
			claims = append(claims, testenv.ID(e.claim(map[string]any{"text": fmt.Sprintf("Behauptung %d", i)})))
		}
		if n := testenv.Count(e.t, e.st, "claim_flags", ""); n != 120 {
			t.Fatalf("claim_flags = %d, want 2 per claim (120)", n)
		}
		one, twenty := claims[0], claims[1]
		var firstFinding, lastFinding int64
		// twenty: 15 findings (each on its own trial) and 5 appearances; one:
		// one of each.
		question := testenv.ID(e.create("/api/v1/questions", map[string]any{"therapy": "mesotherapy", "population": "adults",
			"intervention": "mesotherapy", "comparator": "placebo", "comparator_kind": "inactive", "outcome": "pain", "timepoint": "4 weeks", "outcome_kind": "benefit", "direction": "higher_is_better"}))
		for i := range 20 {
			targets := []int64{twenty}
			if i == 0 || i == 3 {
				targets = append(targets, one)
			}
			if i%4 == 3 {
				src := testenv.ID(e.source(map[string]any{"kind": "news", "title": fmt.Sprintf("News %d", i)}))
				for _, c := range targets {
					e.appearance(c, src)
				}
				continue
			}
			src := testenv.ID(e.source(map[string]any{"title": fmt.Sprintf("Trial %d", i), "pmid": fmt.Sprint(1000 + i)}))
			f := testenv.ID(e.create("/api/v1/findings", map[string]any{"question_id": question, "summary": fmt.Sprintf("Trial %d", i)}))
			if firstFinding == 0 {
				firstFinding = f
			}
			lastFinding = f
			e.create(fmt.Sprintf("/api/v1/findings/%d/sources", f), map[string]any{"source_id": src})
			for _, c := range targets {
				e.linkFinding(c, f, "supports")
			}
		}
		// Evidence searches: 6 on twenty (each led to a source), 1 on one.
		for i := range 7 {
			target := twenty
			if i == 6 {
				target = one
			}
			src := testenv.ID(e.source(map[string]any{"title": fmt.Sprintf("Found %d", i), "pmid": fmt.Sprint(2000 + i)}))
			e.create(fmt.Sprintf("/api/v1/claims/%d/searches", target), map[string]any{"database": "pubmed", "query": fmt.Sprintf("query %d", i),
				"searched_at": "2026-11-03T00:00:00Z", "hits": 5, "screened": 5, "source_ids": []int64{src}})
		}
		e.s.
			// The first use of a key stamps its last_used_at (an UPDATE, at
			// most once per interval); use it once before measuring.
			Do(testenv.Request{Method: "GET", Path: "/api/v1/me", Role: "reader"})
		counter := testenv.CountQueries(t, st)
		measure := func(path, role string) int {
			t.Helper()
			var res *testenv.Response
			got, _ := counter.Count(func() { res = e.s.Do(testenv.Request{Method: "GET", Path: path, Role: role}) })
			if res.Status != 200 {
				t.Fatalf("GET %s = %d %s", path, res.Status, res.Body)
			}
			return got
		}
		tests := []struct {
			name         string
			small, large string
			max          int
		}{
			// A page of claims, with their therapies and flags, is one
			// statement; a therapy filter adds the look-up of its id.
			{"claims page", "/api/v1/claims?limit=5", "/api/v1/claims?limit=50", 1},
			{"filtered claims page", "/api/v1/claims?limit=5&therapy=Mesotherapie&flag=ungraded&q=behauptung", "/api/v1/claims?limit=50&therapy=Mesotherapie&flag=ungraded&q=behauptung", 2},
			// A claim document (appearances, sources, includes, finding links
			// and each finding's question, flags, grade and sources, evidence
			// searches and the sources they led to) and a finding
			// document are one statement each (store/documents.go).
			{"claim detail", fmt.Sprintf("/api/v1/claims/%d", one), fmt.Sprintf("/api/v1/claims/%d", twenty), 1},
			{"finding detail", fmt.Sprintf("/api/v1/findings/%d", firstFinding), fmt.Sprintf("/api/v1/findings/%d", lastFinding), 1},
			{"appearances page", fmt.Sprintf("/api/v1/claims/%d/appearances", one), fmt.Sprintf("/api/v1/claims/%d/appearances", twenty), 4},
			// The claim's row, the searches, the sources they led to.
			{"searches page", fmt.Sprintf("/api/v1/claims/%d/searches", one), fmt.Sprintf("/api/v1/claims/%d/searches", twenty), 3},
			{"sources page", "/api/v1/sources?limit=5", "/api/v1/sources?limit=20", 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, role := range []string{"", "reader"} {
					small, large := measure(tt.small, role), measure(tt.large, role)
					t.Logf("%s %s (%s): %d queries small, %d large", st.Dialect(), tt.name, map[string]string{"": "anonymous", "reader": "with a key"}[role], small, large)
					if small != large {
						t.Errorf("%s as %q: %d queries for %s, %d for %s; want equal", tt.name, role, small, tt.small, large, tt.large)
					}
					// A key costs one look-up of the key and its user.
					if max := tt.max + map[string]int{"": 0, "reader": 2}[role]; large > max {
						t.Errorf("%s as %q: %d queries, want <= %d", tt.name, role, large, max)
					}
				}
			})
		}
	})
}
