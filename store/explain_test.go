package store_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// capturePageQuery records the statement ListClaims runs for its page (the
// query on claims with a LIMIT), with its arguments, so that the test
// explains exactly what the store sends.
type capturedQuery struct {
	mu   sync.Mutex
	sql  string
	vars []any
}

func capturePageQuery(t *testing.T, st *store.Store) *capturedQuery {
	t.Helper()
	c := &capturedQuery{}
	err := st.DB().Callback().Query().After("gorm:query").Register("claimgrade_test:capture", func(db *gorm.DB) {
		sql := db.Statement.SQL.String()
		if db.Statement.Table == "claims" && strings.Contains(sql, "LIMIT") {
			c.mu.Lock()
			c.sql, c.vars = sql, slices.Clone(db.Statement.Vars)
			c.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	claimsIndexRE = regexp.MustCompile(`(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) claims_\w+`)
	flagsPKRE     = regexp.MustCompile(`(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) claim_flags_pkey`)
)

// TestExplainClaimPages checks on PostgreSQL that filtered keyset pages of
// claims are index scans (DESIGN.md, Performance design): the planner,
// given statistics for 2,000 claims, reads an index on claims, and a flag
// filter reads claim_flags by its primary key (flag, claim_id).
func TestExplainClaimPages(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		if !testenv.Postgres(st) {
			t.Skip("EXPLAIN plans are checked on PostgreSQL only")
		}
		ctx := context.Background()
		ids := bulkClaims(t, st, 2000)
		if err := st.DB().Exec("ANALYZE claims; ANALYZE claim_flags").Error; err != nil {
			t.Fatal(err)
		}
		sqlDB, err := st.DB().DB()
		if err != nil {
			t.Fatal(err)
		}
		captured := capturePageQuery(t, st)
		after := store.Page{Limit: 50, After: ids[1000]}
		tests := []struct {
			name      string
			filter    store.ClaimFilter
			flagIndex bool // the plan must read claim_flags_pkey
		}{
			{"rating after a cursor", store.ClaimFilter{Rating: "accurate", Page: after}, false},
			{"assertion", store.ClaimFilter{Assertion: "effect", Page: after}, false},
			{"certainty", store.ClaimFilter{Certainty: "moderate", Page: after}, false},
			{"therapy", store.ClaimFilter{Therapy: "infusion-therapy", Page: after}, false},
			{"claim type", store.ClaimFilter{ClaimType: "mechanism", Page: after}, false},
			{"no filter, deep page", store.ClaimFilter{Page: store.Page{Limit: 50, After: ids[1900]}}, false},
			{"flag", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Page: after}, true},
			{"flag and rating", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Rating: "accurate", Page: store.Page{Limit: 50}}, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				captured.mu.Lock()
				captured.sql = ""
				captured.mu.Unlock()
				rows, _, err := st.ListClaims(ctx, tt.filter)
				if err != nil {
					t.Fatalf("ListClaims: %v", err)
				}
				if len(rows) == 0 {
					t.Fatalf("ListClaims(%s) found nothing: the plan of an empty page proves little", tt.name)
				}
				captured.mu.Lock()
				sql, vars := captured.sql, captured.vars
				captured.mu.Unlock()
				if sql == "" {
					t.Fatalf("no page query on claims was captured")
				}
				res, err := sqlDB.QueryContext(ctx, "EXPLAIN "+sql, vars...)
				if err != nil {
					t.Fatalf("EXPLAIN %s: %v", sql, err)
				}
				var lines []string
				for res.Next() {
					var line string
					if err := res.Scan(&line); err != nil {
						t.Fatal(err)
					}
					lines = append(lines, line)
				}
				res.Close()
				plan := strings.Join(lines, "\n")
				t.Logf("%s\n%s", sql, plan)
				if !claimsIndexRE.MatchString(plan) || strings.Contains(plan, "Seq Scan on claims") {
					t.Errorf("EXPLAIN of the %s page reads no claims_* index (or scans claims sequentially):\n%s\n%s", tt.name, sql, plan)
				}
				if tt.flagIndex && (!flagsPKRE.MatchString(plan) || strings.Contains(plan, "Seq Scan on claim_flags")) {
					t.Errorf("EXPLAIN of the %s page does not read claim_flags by its primary key:\n%s\n%s", tt.name, sql, plan)
				}
			})
		}
	})
}
