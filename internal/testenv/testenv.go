// Package testenv gives tests a fresh database on every backend (SQLite
// always, PostgreSQL when TEST_DATABASE_URL is set) and an HTTP client that
// goes through the real router and validates every response against the
// served OpenAPI 3 document.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema set-up

	"claimgrade/store"
)

// Backend is a database engine tests run on.
type Backend struct {
	Name string // "sqlite" or "postgres"
	url  string // for postgres: the server URL from TEST_DATABASE_URL
}

// Backends lists SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.
func Backends() []Backend {
	b := []Backend{{Name: store.SQLite}}
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		b = append(b, Backend{Name: store.Postgres, url: u})
	}
	return b
}

// EachBackend runs fn as a subtest per backend, each on a fresh, migrated
// database.
func EachBackend(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, Open(t, b))
		})
	}
}

// Open makes a fresh, migrated database on b, removed when t ends.
func Open(t testing.TB, b Backend) *store.Store {
	t.Helper()
	dbURL := URL(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.Open(ctx, dbURL, store.Options{MaxOpenConns: 8, MaxIdleConns: 4}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.MigrateUp(ctx); err != nil {
		t.Fatalf("migrate %s: %v", b.Name, err)
	}
	return st
}

// URL makes a fresh, empty database on b and returns its DATABASE_URL: an
// SQLite file in a temp dir, or a new PostgreSQL schema (dropped at the end)
// selected through search_path.
func URL(t testing.TB, b Backend) string {
	t.Helper()
	if b.Name == store.SQLite {
		return filepath.Join(t.TempDir(), "test.db")
	}
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	schema := "t_" + hex.EncodeToString(buf)
	admin, err := sql.Open("pgx", b.url)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close()
	// pg_trgm (00006_search) lives in public, created once: created by a
	// migration inside a test schema, it would go when that schema is
	// dropped, with the indexes of every other test schema using it.
	if _, err := admin.Exec("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"); err != nil {
		// Another test process may have created it meanwhile.
		var n int
		if admin.QueryRow("SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_trgm'").Scan(&n); n == 0 {
			t.Fatalf("create extension pg_trgm: %v", err)
		}
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", b.url)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(b.url)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres reports whether st is a PostgreSQL store.
func Postgres(st *store.Store) bool { return strings.EqualFold(st.Dialect(), store.Postgres) }
