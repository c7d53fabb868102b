package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"claimgrade/store"
)

// sqliteTables are the tables the generator fills, in the order they are
// copied to SQLite (foreign keys are checked at commit).
var sqliteTables = []string{"therapies", "users", "sources", "questions", "findings", "finding_sources", "finding_grades",
	"finding_flags", "claims", "claim_flags", "links", "claim_findings"}

// runSQLite is `make bench-scale SQLITE=1`: the dataset (100,000 claims;
// CLAIMS=n) is generated on PostgreSQL as usual, copied table by table into
// a new migrated SQLite file in one transaction, a sample is verified
// against the rules there, and claimgrade on that file is measured on the
// plain and the flag-filtered list (claimgrade only: the raw server speaks
// PostgreSQL), in interleaved rounds.
func runSQLite(ctx context.Context, n int, admin string, conns, rounds int, duration time.Duration) error {
	name := fmt.Sprintf("cg_scale_sqlite_%d", n)
	dbURL, err := withDatabase(admin, name)
	if err != nil {
		return err
	}
	ac, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect %s: %w", admin, err)
	}
	defer ac.Close(ctx)
	if _, err := ac.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := ac.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	defer ac.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")

	t0 := time.Now()
	pg, err := store.Open(ctx, dbURL, store.DefaultOptions(), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer pg.Close()
	if _, err := pg.MigrateUp(ctx); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if err := generate(ctx, pg, dbURL, conn, n, logf); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "benchscale-sqlite-")
	if err != nil {
		return err
	}
	if os.Getenv("KEEP") != "1" {
		defer os.RemoveAll(dir)
	}
	path := filepath.Join(dir, "claimgrade.db")
	lite, err := store.Open(ctx, path, store.DefaultOptions(), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer lite.Close()
	if _, err := lite.MigrateUp(ctx); err != nil {
		return err
	}
	t1 := time.Now()
	rowsCopied, err := copyToSQLite(ctx, conn, lite)
	if err != nil {
		return err
	}
	info, _ := os.Stat(path)
	logf("copied %d rows to SQLite %s (%d MB) in %s", rowsCopied, path, info.Size()>>20, time.Since(t1).Round(time.Millisecond))
	if err := verify(ctx, lite, n, 200); err != nil {
		return err
	}
	genTime := time.Since(t0)
	logf("SQLite dataset of %d claims in %s; 200 sampled claims match the rules (store.VerifyDerived on SQLite)", n, genTime.Round(time.Millisecond))
	lite.Close()

	if err := build("bin/claimgrade", "."); err != nil {
		return err
	}
	cg, err := start("claimgrade", "bin/claimgrade", "", []string{"DATABASE_URL=" + path, "SEED=false",
		"LOG_LEVEL=error", "RATE_LIMIT_ANONYMOUS=100000000"})
	if err != nil {
		return err
	}
	defer cg.stop()
	endpoints := []struct{ name, path string }{
		{"list", "/api/v1/claims?limit=50"},
		{"flag", "/api/v1/claims?limit=50&flag=unsupported"},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns * 2, DisableCompression: true}, Timeout: 30 * time.Second}
	for _, e := range endpoints {
		b, err := get(client, cg.base+e.path)
		if err != nil {
			return err
		}
		logf("%-4s %s: %d bytes", e.name, e.path, len(b))
	}
	results := map[string][]result{}
	for r := range rounds {
		for _, e := range endpoints {
			res := load(client, cg.base+e.path, conns, duration)
			results[e.name] = append(results[e.name], res)
			logf("round %d %-4s claimgrade %8.0f req/s p50 %6.2f ms p99 %6.2f ms errors %d", r+1, e.name, res.rps, ms(res.p50), ms(res.p99), res.errors)
		}
	}
	var rs []float64
	for i := range results["list"] {
		rs = append(rs, results["flag"][i].rps/results["list"][i].rps)
	}
	fmt.Printf("\nSQLite, %d claims (generated and copied in %s), claimgrade only, %d connections, %d rounds of %s, interleaved\n\n", n,
		genTime.Round(time.Second), conns, rounds, duration)
	fmt.Println("| endpoint | claimgrade req/s | p50 ms | p99 ms |")
	fmt.Println("|---|---|---|---|")
	for _, e := range endpoints {
		a := best(results[e.name])
		fmt.Printf("| %s | %.0f | %.2f | %.2f |\n", e.name, a.rps, ms(a.p50), ms(a.p99))
	}
	fmt.Printf("\nRSS peak (VmHWM): claimgrade %d MB\n", cg.hwm()/1024)
	fmt.Printf("sqlite ratios flag/list=%.2f\n", median(rs))
	return nil
}

// copyToSQLite copies sqliteTables from PostgreSQL into the migrated SQLite
// store, every column by name, in one transaction with foreign keys
// checked at its commit (findings and their grades refer to each other).
func copyToSQLite(ctx context.Context, conn *pgx.Conn, lite *store.Store) (int, error) {
	db, err := lite.DB().DB()
	if err != nil {
		return 0, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
		return 0, err
	}
	total := 0
	for _, table := range sqliteTables {
		// The migrations and the store's bootstrap may have written rows
		// (a system user, say): the copy replaces them.
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return 0, fmt.Errorf("clear %s: %w", table, err)
		}
		rows, err := conn.Query(ctx, "SELECT * FROM "+pgx.Identifier{table}.Sanitize()+" ORDER BY 1")
		if err != nil {
			return 0, err
		}
		var cols []string
		for _, f := range rows.FieldDescriptions() {
			cols = append(cols, `"`+f.Name+`"`)
		}
		per := max(1, 30000/len(cols))
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		var args []any
		batch := 0
		flush := func() error {
			if batch == 0 {
				return nil
			}
			sql := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", batch), ", ")
			if _, err := tx.ExecContext(ctx, sql, args...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			total += batch
			args, batch = args[:0], 0
			return nil
		}
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				rows.Close()
				return 0, err
			}
			args = append(args, v...)
			batch++
			if batch == per {
				if err := flush(); err != nil {
					rows.Close()
					return 0, err
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if err := flush(); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return 0, err
	}
	return total, nil
}
