package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"claimgrade/internal/faultproxy"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestPgxReadSurvivesResetConnections: when PostgreSQL has reset the
// pool's idle connections (a restart, a failover, a proxy's idle timeout),
// the next page of claims is still served. database/sql retries a
// statement that failed before it was sent (pgx's stdlib driver answers
// driver.ErrBadConn); queryRows' pgx path does the same on another
// connection.
func TestPgxReadSurvivesResetConnections(t *testing.T) {
	var pg *testenv.Backend
	for _, b := range testenv.Backends() {
		if b.Name == store.Postgres {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("TEST_DATABASE_URL is not set: the reset runs against PostgreSQL")
	}
	ctx := context.Background()
	dbURL := testenv.URL(t, *pg)
	direct, err := store.Open(ctx, dbURL, store.Options{MaxOpenConns: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	seedQueryClaims(t, direct, 3)
	u, _ := url.Parse(dbURL)
	proxy, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	u.Host = proxy.Addr()
	proxied, err := store.Open(ctx, u.String(), store.Options{MaxOpenConns: 2, MaxIdleConns: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer proxied.Close()
	for round := range 3 {
		rows, _, err := proxied.ListClaims(ctx, store.ClaimFilter{})
		if err != nil || len(rows) != 3 {
			t.Fatalf("round %d: ListClaims = %d claims, %v; want 3", round, len(rows), err)
		}
		if _, err := proxied.GetClaim(ctx, rows[0].ID); err != nil {
			t.Fatalf("round %d: GetClaim: %v", round, err)
		}
		n := proxy.Reset()
		if n == 0 {
			t.Fatalf("round %d: no connection to reset; the pool kept none idle", round)
		}
		time.Sleep(50 * time.Millisecond) // the RST reaches the pool's sockets
	}
}

// TestSQLLogShowsPgxReads: with the SQL log on (LOG_LEVEL=debug), a page
// of claims is logged once with its placeholders and never its arguments
// (arguments may be secrets), whichever path read it, and on PostgreSQL
// (pgx) with the rows it returned.
func TestSQLLogShowsPgxReads(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dbURL := testenv.URL(t, b)
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			st, err := store.Open(ctx, dbURL, store.Options{SQLLog: true}, log)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			seedQueryClaims(t, st, 3)
			buf.Reset()
			if _, _, err := st.ListClaims(ctx, store.ClaimFilter{Language: "de"}); err != nil {
				t.Fatal(err)
			}
			var logged []map[string]any
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				var rec struct {
					Trace map[string]any `json:"trace"`
				}
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if sql, _ := rec.Trace["sql"].(string); strings.HasPrefix(sql, "SELECT claims.id") {
					logged = append(logged, rec.Trace)
				}
			}
			if len(logged) != 1 {
				t.Fatalf("the page was logged %d times, want once:\n%s", len(logged), buf.String())
			}
			sql := logged[0]["sql"].(string)
			if !strings.Contains(sql, "claims.language = $1") && !strings.Contains(sql, "claims.language = ?") ||
				strings.Contains(buf.String(), `'de'`) || strings.Contains(buf.String(), `\"de\"`) {
				t.Errorf("logged %v; want the statement with its placeholder, without its argument", logged[0])
			}
			// The pgx path logs after the scan, so it knows the rows; gorm's
			// Rows() (database/sql) logs before any is read, without a count.
			if testenv.Postgres(st) && logged[0]["rows"] != float64(3) {
				t.Errorf("logged %v; want rows 3", logged[0])
			}
		})
	}
}
