package store_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"claimgrade/internal/faultproxy"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// proxiedPostgres opens a migrated PostgreSQL store whose connections go
// through a fault proxy, and a direct one; it skips without
// TEST_DATABASE_URL.
func proxiedPostgres(t *testing.T, resolve time.Duration) (proxied, direct *store.Store, proxy *faultproxy.Proxy) {
	t.Helper()
	var pg *testenv.Backend
	for _, b := range testenv.Backends() {
		if b.Name == store.Postgres {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("TEST_DATABASE_URL is not set: a COMMIT can lose its connection only on PostgreSQL")
	}
	ctx := context.Background()
	dbURL := testenv.URL(t, *pg)
	direct, err := store.Open(ctx, dbURL, store.Options{MaxOpenConns: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	if _, err := direct.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	proxy, err = faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	u.Host = proxy.Addr()
	proxied, err = store.Open(ctx, u.String(), store.Options{MaxOpenConns: 4, CommitResolveTimeout: resolve}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxied.Close() })
	return proxied, direct, proxy
}

// TestCommitResolved: InTx resolves a COMMIT that lost its connection by
// asking PostgreSQL (txid_status) on a fresh connection. Committed (the
// answer was lost): nil, and the row is there. Aborted (the COMMIT never
// reached the server): a TxError with CommitAborted, ErrUnavailable but
// not ErrCommitOutcomeUnknown, and no row. Held (a partition: the server's
// transaction stays open, in progress): after a second the server process
// running that transaction is terminated, which aborts it, so the answer is
// still certain. A transaction that wrote nothing has nothing to resolve.
func TestCommitResolved(t *testing.T) {
	st, direct, proxy := proxiedPostgres(t, 5*time.Second)
	ctx := context.Background()
	insert := func(slug string) error {
		return st.InTx(ctx, func(tx *store.Store) error {
			_, err := tx.CreateTherapy(ctx, store.System("test"), store.TherapyInput{Slug: slug, Name: slug})
			return err
		})
	}
	tests := []struct {
		fault   faultproxy.CommitFault
		slug    string
		outcome store.CommitOutcome // "" for nil: committed
	}{
		{faultproxy.CutAfterCommit, "after", ""},
		{faultproxy.CutBeforeCommit, "before", store.CommitAborted},
		{faultproxy.HoldCommit, "held", store.CommitAborted},
	}
	for _, tt := range tests {
		proxy.OnCommit(func() faultproxy.CommitFault { return tt.fault })
		start := time.Now()
		err := insert(tt.slug)
		took := time.Since(start)
		proxy.OnCommit(nil)
		var te *store.TxError
		switch {
		case tt.outcome == "" && err != nil:
			t.Errorf("fault %d: InTx = %v, want nil (committed)", tt.fault, err)
		case tt.outcome != "" && (!errors.As(err, &te) || te.Outcome != tt.outcome || !errors.Is(err, store.ErrUnavailable) ||
			errors.Is(err, store.ErrCommitOutcomeUnknown)):
			t.Errorf("fault %d: InTx = %v, want a TxError with outcome %s", tt.fault, err, tt.outcome)
		}
		want := int64(0)
		if tt.outcome == "" {
			want = 1
		}
		if n := testenv.Count(t, direct, "therapies", "slug = ?", tt.slug); n != want {
			t.Errorf("fault %d: %d rows stored, want %d", tt.fault, n, want)
		}
		t.Logf("fault %d: resolved in %v: %v", tt.fault, took.Round(time.Millisecond), err)
	}
	// Nothing written, nothing to resolve: a failed COMMIT of a read is
	// aborted at once.
	proxy.OnCommit(func() faultproxy.CommitFault { return faultproxy.CutAfterCommit })
	err := st.InTx(ctx, func(tx *store.Store) error { _, err := tx.IsEmpty(ctx); return err })
	proxy.OnCommit(nil)
	var te *store.TxError
	if !errors.As(err, &te) || te.Outcome != store.CommitAborted {
		t.Errorf("read-only InTx with a lost COMMIT = %v, want CommitAborted", err)
	}
}

// TestCommitUnknown: when no fresh connection can reach the server within
// CommitResolveTimeout, the outcome is CommitUnknown (ErrCommitOutcomeUnknown
// and ErrUnavailable), though here the write did commit.
func TestCommitUnknown(t *testing.T) {
	st, direct, proxy := proxiedPostgres(t, 500*time.Millisecond)
	ctx := context.Background()
	proxy.OnCommit(func() faultproxy.CommitFault { proxy.Refuse(true); return faultproxy.CutAfterCommit })
	err := st.InTx(ctx, func(tx *store.Store) error {
		_, err := tx.CreateTherapy(ctx, store.System("test"), store.TherapyInput{Slug: "unknown", Name: "Unknown"})
		return err
	})
	proxy.OnCommit(nil)
	proxy.Refuse(false)
	var te *store.TxError
	if !errors.As(err, &te) || te.Outcome != store.CommitUnknown || !errors.Is(err, store.ErrCommitOutcomeUnknown) || !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("InTx with the server unreachable after a lost COMMIT = %v, want CommitUnknown", err)
	}
	if n := testenv.Count(t, direct, "therapies", "slug = 'unknown'"); n != 1 {
		t.Errorf("%d rows, want 1 (the COMMIT did reach the server)", n)
	}
}
