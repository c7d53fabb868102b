package faultproxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"claimgrade/internal/testenv"
)

// echo serves a line echo on 127.0.0.1.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn) error {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return err
	}
	_, err := bufio.NewReader(c).ReadString('\n')
	return err
}

func TestProxy(t *testing.T) {
	p, err := Start(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Forwards.
	c := dial()
	if err := roundTrip(c); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	// Cut closes it.
	if n := p.Cut(); n != 1 {
		t.Errorf("Cut() = %d, want 1", n)
	}
	if err := roundTrip(c); err == nil {
		t.Error("round trip after Cut: no error")
	}
	// Reset aborts it.
	c = dial()
	if err := roundTrip(c); err != nil {
		t.Fatal(err)
	}
	if n := p.Reset(); n != 1 {
		t.Errorf("Reset() = %d, want 1", n)
	}
	if err := roundTrip(c); err == nil {
		t.Error("round trip after Reset: no error")
	}
	// Delay slows it.
	p.SetDelay(100 * time.Millisecond)
	c = dial()
	start := time.Now()
	if err := roundTrip(c); err != nil || time.Since(start) < 200*time.Millisecond {
		t.Errorf("delayed round trip: %v in %v, want at least 200ms (both ways)", err, time.Since(start))
	}
	p.SetDelay(0)
	// Refuse fails new connections.
	p.Refuse(true)
	// The reset can reach the client during the dial itself or on the first
	// round trip, depending on scheduling: either is a refusal.
	if c, err := net.Dial("tcp", p.Addr()); err == nil {
		if err := roundTrip(c); err == nil {
			t.Error("round trip while refusing: no error")
		}
	}
	p.Refuse(false)
	if err := roundTrip(dial()); err != nil {
		t.Errorf("after refusing: %v", err)
	}
}

// TestCommitFaults (PostgreSQL): through the proxy, a COMMIT cut before it
// is forwarded leaves nothing, and one cut after it leaves the row
// committed while the client gets an error; other statements pass, and so
// do COMMITs the hook lets through.
func TestCommitFaults(t *testing.T) {
	var pg *testenv.Backend
	for _, b := range testenv.Backends() {
		if b.Name == "postgres" {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	ctx := context.Background()
	dbURL := testenv.URL(t, *pg)
	direct, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close(ctx)
	if _, err := direct.Exec(ctx, "CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	p, err := Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	u.Host = p.Addr()
	if q := u.Query(); q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
		u.RawQuery = q.Encode()
	}
	var commits atomic.Int64
	fault := PassCommit
	p.OnCommit(func() CommitFault { commits.Add(1); return fault })
	insert := func(id int) error {
		conn, err := pgx.Connect(ctx, u.String())
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ($1)", id); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	stored := func(id int) bool {
		var n int
		// The server may take a moment to notice a cut connection and end
		// its transaction; the row never appears in the meantime.
		time.Sleep(50 * time.Millisecond)
		if err := direct.QueryRow(ctx, "SELECT COUNT(*) FROM t WHERE id = $1", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	tests := []struct {
		fault  CommitFault
		failed bool
		stored bool
	}{
		{PassCommit, false, true},
		{CutBeforeCommit, true, false},
		{CutAfterCommit, true, true},
	}
	for i, tt := range tests {
		fault = tt.fault
		err := insert(i + 1)
		if (err != nil) != tt.failed || stored(i+1) != tt.stored {
			t.Errorf("fault %d: commit error %v, stored %v; want failed %v, stored %v", tt.fault, err, stored(i+1), tt.failed, tt.stored)
		}
	}
	if commits.Load() != int64(len(tests)) {
		t.Errorf("the hook saw %d COMMITs, want %d", commits.Load(), len(tests))
	}
	for _, q := range []string{"commit", "COMMIT;", " End Transaction ;", "commit work\x00"} {
		if !isCommit([]byte(q + "\x00")) {
			t.Errorf("isCommit(%q) = false", q)
		}
	}
	for _, q := range []string{"SELECT 'commit'", "rollback", "commit prepared 'x'"} {
		if isCommit([]byte(q + "\x00")) {
			t.Errorf("isCommit(%q) = true", q)
		}
	}
}
