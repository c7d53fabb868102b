package store_test

import (
	"context"
	"net/url"
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
