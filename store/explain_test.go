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
	capture := func(db *gorm.DB) {
		sql := db.Statement.SQL.String()
		if strings.HasPrefix(sql, "SELECT claims.id") && strings.Contains(sql, "LIMIT") {
			c.mu.Lock()
			c.sql, c.vars = sql, slices.Clone(db.Statement.Vars)
			c.mu.Unlock()
		}
	}
	// A page is read by Find (query callbacks) or Rows (row callbacks).
	cbs := st.DB().Callback()
	for _, err := range []error{
		cbs.Query().After("gorm:query").Register("claimgrade_test:capture", capture),
		cbs.Row().After("gorm:row").Register("claimgrade_test:capture", capture),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

var (
	claimsIndexRE = regexp.MustCompile(`(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) claims_\w+`)
	flagsPKRE     = regexp.MustCompile(`(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (using|on) claim_flags_pkey`)
	// The cursor bounds the read of claim_flags itself (the semi-join starts
	// at the cursor), not only the claims it is joined with.
	flagsCursorRE = regexp.MustCompile(`Index Cond: [^\n]*\bclaim_id > `)
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
			// the plan must read claim_flags from the cursor on
			flagCursor bool
		}{
			{"rating after a cursor", store.ClaimFilter{Rating: "accurate", Page: after}, false, false},
			{"assertion", store.ClaimFilter{Assertion: "effect", Page: after}, false, false},
			{"certainty", store.ClaimFilter{Certainty: "moderate", Page: after}, false, false},
			{"therapy", store.ClaimFilter{Therapy: "infusion-therapy", Page: after}, false, false},
			{"claim type", store.ClaimFilter{ClaimType: "mechanism", Page: after}, false, false},
			{"no filter, deep page", store.ClaimFilter{Page: store.Page{Limit: 50, After: ids[1900]}}, false, false},
			{"flag", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Page: after}, true, true},
			{"flag and rating", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Rating: "accurate", Page: store.Page{Limit: 50}}, true, false},
			{"rare flag, deep cursor", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Page: store.Page{Limit: 50, After: ids[1500]}}, true, true},
			{"common flag, deep cursor", store.ClaimFilter{Flags: []grading.Flag{"unsupported"}, Page: store.Page{Limit: 50, After: ids[1500]}}, false, true},
			{"two flags, deep cursor", store.ClaimFilter{Flags: []grading.Flag{"contradicted", "ungraded"}, Page: store.Page{Limit: 50, After: ids[1500]}}, false, true},
			{"flag and q, deep cursor", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Q: "schmerzfrei", Page: store.Page{Limit: 50, After: ids[1500]}}, false, true},
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
				if tt.flagIndex && !flagsPKRE.MatchString(plan) {
					t.Errorf("EXPLAIN of the %s page does not read claim_flags by its primary key:\n%s\n%s", tt.name, sql, plan)
				}
				if len(tt.filter.Flags) > 0 && strings.Contains(plan, "Seq Scan on claim_flags") {
					t.Errorf("EXPLAIN of the %s page scans claim_flags sequentially:\n%s\n%s", tt.name, sql, plan)
				}
				if tt.flagCursor && !flagsCursorRE.MatchString(plan) {
					t.Errorf("EXPLAIN of the %s page reads claim_flags from its first entry, not from the cursor:\n%s\n%s", tt.name, sql, plan)
				}
			})
		}
	})
}

var (
	sqliteFlagProbeRE = regexp.MustCompile(`SEARCH ff EXISTS USING COVERING INDEX sqlite_autoindex_claim_flags_1 \(flag=\? AND claim_id=\?\)`)
	sqliteClaimsScan  = regexp.MustCompile(`(?m)SCAN claims( |$)`)
)

// TestExplainClaimPagesSQLite checks on SQLite that a flag filter is an
// EXISTS probe of claim_flags' primary key per claim of the page's range:
// the claims are read in id order from the cursor (an index or the FTS
// table), nothing is sorted, and no flag's claim ids are gathered into a
// temporary b-tree first; the flags shown are one correlated look-up per
// claim on claim_flags_claim_id.
func TestExplainClaimPagesSQLite(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		if testenv.Postgres(st) {
			t.Skip("the SQLite query plan")
		}
		ctx := context.Background()
		ids := bulkClaims(t, st, 2000)
		if err := st.DB().Exec("ANALYZE").Error; err != nil {
			t.Fatal(err)
		}
		sqlDB, err := st.DB().DB()
		if err != nil {
			t.Fatal(err)
		}
		captured := capturePageQuery(t, st)
		deep := store.Page{Limit: 50, After: ids[1500]}
		for _, tt := range []struct {
			name   string
			filter store.ClaimFilter
		}{
			{"no filter", store.ClaimFilter{Page: deep}},
			{"common flag, deep cursor", store.ClaimFilter{Flags: []grading.Flag{"unsupported"}, Page: deep}},
			{"rare flag, deep cursor", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Page: deep}},
			{"two flags", store.ClaimFilter{Flags: []grading.Flag{"contradicted", "ungraded"}, Page: store.Page{Limit: 50}}},
			{"flag and rating", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Rating: "accurate", Page: deep}},
			{"flag and q", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Q: "schmerzfrei", Page: deep}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				captured.mu.Lock()
				captured.sql = ""
				captured.mu.Unlock()
				rows, _, err := st.ListClaims(ctx, tt.filter)
				if err != nil || len(rows) == 0 {
					t.Fatalf("ListClaims(%s) = %d rows, %v; an empty page proves little", tt.name, len(rows), err)
				}
				captured.mu.Lock()
				sql, vars := captured.sql, captured.vars
				captured.mu.Unlock()
				if sql == "" {
					t.Fatalf("no page query on claims was captured")
				}
				res, err := sqlDB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+sql, vars...)
				if err != nil {
					t.Fatalf("EXPLAIN QUERY PLAN %s: %v", sql, err)
				}
				var lines []string
				for res.Next() {
					var id, parent, unused int
					var detail string
					if err := res.Scan(&id, &parent, &unused, &detail); err != nil {
						t.Fatal(err)
					}
					lines = append(lines, detail)
				}
				res.Close()
				plan := strings.Join(lines, "\n")
				t.Logf("%s\n%s", sql, plan)
				// A first page may walk claims in rowid (id) order from the start;
				// a page after a cursor must start at the cursor.
				if tt.filter.Page.After > 0 && sqliteClaimsScan.MatchString(plan) {
					t.Errorf("the %s page scans claims from the first row, not from the cursor:\n%s", tt.name, plan)
				}
				if strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "LIST SUBQUERY") {
					t.Errorf("the %s page sorts, or gathers a subquery's rows first:\n%s", tt.name, plan)
				}
				if got, want := len(sqliteFlagProbeRE.FindAllString(plan, -1)), len(tt.filter.Flags); got != want {
					t.Errorf("the %s page probes claim_flags' primary key %d times, want once per flag (%d):\n%s", tt.name, got, want, plan)
				}
				if !strings.Contains(plan, "SEARCH cf USING INDEX claim_flags_claim_id (claim_id=?)") {
					t.Errorf("the %s page does not read each claim's flags by claim_flags_claim_id:\n%s", tt.name, plan)
				}
			})
		}
	})
}
