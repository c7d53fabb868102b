package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// generateClaims inserts n claims in one statement (generate_series on
// PostgreSQL, a recursive CTE on SQLite), far faster than bulkClaims: every
// other claim says "schmerzfrei" (a common word), one in 1,000 names the
// "Mésothérapie" (accented), one in 100,000 the "Kryolipolyse" (rare). Its
// search_text is what store folding writes for these texts (only é and ä
// are not ASCII); checkGenerated verifies a sample.
func generateClaims(tb testing.TB, st *store.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	t, err := st.GetTherapy(ctx, "mesotherapy")
	if err != nil {
		if t, err = st.CreateTherapy(ctx, store.System("bench"), store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy"}); err != nil {
			tb.Fatal(err)
		}
	}
	series := "generate_series(1, ?) AS s(i)"
	with, cast := "", "i::text"
	if !testenv.Postgres(st) {
		with, series, cast = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) ", "s", "CAST(i AS TEXT)"
	}
	sql := `INSERT INTO claims (therapy_id, text, language, claim_type, search_text, rating, version, created_at, updated_at)
` + with + `SELECT ?, x, 'de', 'efficacy', lower(replace(replace(x, 'é', 'e'), 'ä', 'a')), 'not_rated', 1, ?, ?
FROM (SELECT 'Behauptung ' || ` + cast + ` ||
        CASE WHEN i % 2 = 0 THEN ': die Behandlung ist nahezu schmerzfrei' ELSE ': die Wirkung hält lange an' END ||
        CASE WHEN i % 1000 = 0 THEN ', laut Studie zur Mésothérapie' ELSE '' END ||
        CASE WHEN i % 100000 = 7 THEN ', wie die Kryolipolyse' ELSE '' END AS x
      FROM ` + series + `) AS g`
	now := time.Now().UTC().Truncate(time.Microsecond)
	args := []any{t.ID, now, now, n}
	if !testenv.Postgres(st) {
		args = []any{n, t.ID, now, now}
	}
	if err := st.DB().WithContext(ctx).Exec(sql, args...).Error; err != nil {
		tb.Fatalf("generate %d claims: %v", n, err)
	}
	if testenv.Postgres(st) {
		if err := st.DB().Exec("ANALYZE claims").Error; err != nil {
			tb.Fatal(err)
		}
	}
	var sample []struct{ Text, SearchText string }
	if err := st.DB().Raw("SELECT text, search_text FROM claims WHERE text LIKE '%é%' OR text LIKE '%ä%' ORDER BY id LIMIT 20").Scan(&sample).Error; err != nil {
		tb.Fatal(err)
	}
	for _, r := range sample {
		if f := store.Fold(r.Text); f != r.SearchText {
			tb.Fatalf("generated search_text %q, but the store folds %q to %q", r.SearchText, r.Text, f)
		}
	}
}

// TestSearchScale measures ListClaims with q before and after the trigram
// index. It loads CLAIMGRADE_BENCH_N claims (default 1,000,000 on
// PostgreSQL, 100,000 on SQLite) and runs only with CLAIMGRADE_BENCH=1:
//
//	CLAIMGRADE_BENCH=1 TEST_DATABASE_URL=postgres://... go test ./store -run TestSearchScale -v -timeout 30m
func TestSearchScale(t *testing.T) {
	if os.Getenv("CLAIMGRADE_BENCH") != "1" {
		t.Skip("set CLAIMGRADE_BENCH=1 to load a million claims and time q")
	}
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		n := 100_000
		if testenv.Postgres(st) {
			n = 1_000_000
		}
		if v, err := strconv.Atoi(os.Getenv("CLAIMGRADE_BENCH_N")); err == nil && v > 0 {
			n = v
		}
		start := time.Now()
		generateClaims(t, st, n)
		t.Logf("%s: loaded %d claims in %s", st.Dialect(), n, time.Since(start).Round(time.Millisecond))
		queries := []string{"kryolipolyse", "schmerzfrei", "mésothérapie", "Behandlung ist nahezu", "xyzzy"}
		measure := func(label string, runs int) {
			for _, q := range queries {
				var d []time.Duration
				found := 0
				for range runs {
					s := time.Now()
					rows, _, err := st.ListClaims(ctx, store.ClaimFilter{Q: q, Page: store.Page{Limit: 50}})
					if err != nil {
						t.Fatal(err)
					}
					d = append(d, time.Since(s))
					found = len(rows)
				}
				slices.Sort(d)
				p := func(f float64) string {
					return fmt.Sprintf("%.1f", float64(d[int(f*float64(len(d)-1))])/float64(time.Millisecond))
				}
				t.Logf("%s %s n=%d q=%-22q page=%2d  p50=%s ms  p95=%s ms  (%d runs)", st.Dialect(), label, n, q, found, p(0.5), p(0.95), runs)
			}
		}
		defer func() {
			// The one-off refold of MigrateUp over this table, from what the
			// code before accent folding wrote (lower-cased text: every other
			// claim holds "hält").
			if t.Failed() {
				return
			}
			if err := st.DB().Exec("UPDATE claims SET search_text = lower(text)").Error; err != nil {
				t.Fatal(err)
			}
			if err := st.DB().Exec("UPDATE search_fold SET version = 0").Error; err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if _, err := st.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: MigrateUp refolded %d claims in %s", st.Dialect(), n, time.Since(start).Round(time.Millisecond))
			if rows, _, err := st.ListClaims(ctx, store.ClaimFilter{Q: "Wirkung halt"}); err != nil || len(rows) == 0 {
				t.Errorf("after the refold q=\"Wirkung halt\" found %d, %v", len(rows), err)
			}
		}()
		if testenv.Postgres(st) {
			if err := st.DB().Exec("DROP INDEX claims_search_trgm").Error; err != nil {
				t.Fatal(err)
			}
			measure("no index  ", 10)
			start = time.Now()
			if err := st.DB().Exec("CREATE INDEX claims_search_trgm ON claims USING gin (search_text public.gin_trgm_ops) WHERE archived_at IS NULL").Error; err != nil {
				t.Fatal(err)
			}
			if err := st.DB().Exec("ANALYZE claims").Error; err != nil {
				t.Fatal(err)
			}
			t.Logf("built claims_search_trgm in %s", time.Since(start).Round(time.Millisecond))
			measure("trgm index", 100)
			return
		}
		measure("fts5 index", 100)
		store.DisableFTS(st)
		measure("LIKE only ", 10)
	})
}
