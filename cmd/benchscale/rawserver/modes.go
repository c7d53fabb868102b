package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// timeModes (MODES=1) times the benchmarked statements in each way pgx can
// send them, one execution at a time on one connection (so each figure is
// a round trip plus PostgreSQL's parse, plan and execution, without
// queueing), and prints a table: p50 over 500 executions after 100, and,
// for a named statement, how many generic and custom plans PostgreSQL made
// for it (pg_prepared_statements). It shows what a cached plan saves and
// which statements PostgreSQL keeps planning for their values: the
// README's "Query plans" figures.
func timeModes(ctx context.Context, u *url.URL) error {
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return err
	}
	// As the benchmark picks them: a cursor 90% into the claims, a claim
	// with two graded findings.
	var n, deep, detail int64
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM claims").Scan(&n); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, "SELECT id FROM claims ORDER BY id OFFSET $1 LIMIT 1", n*9/10).Scan(&deep); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, `SELECT cf.claim_id FROM claim_findings cf JOIN findings f ON f.id = cf.finding_id
		GROUP BY cf.claim_id HAVING COUNT(*) = 2 AND bool_and(f.grade_id IS NOT NULL) ORDER BY cf.claim_id LIMIT 1 OFFSET $1`, n/20).Scan(&detail); err != nil {
		return err
	}
	conn.Close(ctx)
	page := func(flags []string, q string, after int64, flagWords, limitParam bool) (string, []any) {
		return listSQL(flags, q, after, 50, flagWords, limitParam)
	}
	unsupported := []string{"unsupported"}
	type statement struct {
		name string
		sql  string
		args []any
	}
	var stmts []statement
	for _, st := range []struct {
		name                  string
		flags                 []string
		q                     string
		after                 int64
		flagWords, limitParam bool
	}{
		{"list, LIMIT 51", nil, "", 0, false, false},
		{"list, LIMIT $1", nil, "", 0, false, true},
		{"deep (cursor $1), LIMIT 51", nil, "", deep, false, false},
		{"flag = $1", unsupported, "", 0, false, false},
		{"flag = 'unsupported'", unsupported, "", 0, true, false},
		{"deep flag = $1", unsupported, "", deep, false, false},
		{"deep flag = 'unsupported'", unsupported, "", deep, true, false},
		{"q", nil, "mésothérapie", 0, false, false},
	} {
		sql, args := page(st.flags, st.q, st.after, st.flagWords, st.limitParam)
		stmts = append(stmts, statement{st.name, sql, args})
	}
	stmts = append(stmts, statement{"claim document (id $1)", detailSQL, []any{detail}})
	modes := []struct {
		name  string
		mode  pgx.QueryExecMode
		plans string // plan_cache_mode
	}{
		{"named, auto", pgx.QueryExecModeCacheStatement, "auto"},
		{"named, force_custom_plan", pgx.QueryExecModeCacheStatement, "force_custom_plan"},
		{"unnamed (cache_describe)", pgx.QueryExecModeCacheDescribe, "auto"},
		{"simple protocol", pgx.QueryExecModeSimpleProtocol, "auto"},
	}
	fmt.Printf("%d claims; p50 ms of one execution at a time (500 after 100); named: generic/custom plans made\n\n", n)
	fmt.Print("| statement |")
	for _, m := range modes {
		fmt.Printf(" %s |", m.name)
	}
	fmt.Print("\n|---|")
	for range modes {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, st := range stmts {
		fmt.Printf("| %s |", st.name)
		for _, m := range modes {
			cu := *u
			q := cu.Query()
			q.Set("plan_cache_mode", m.plans)
			cu.RawQuery = q.Encode()
			c, err := pgx.Connect(ctx, cu.String())
			if err != nil {
				return err
			}
			lat := make([]time.Duration, 0, 500)
			for i := range 600 {
				t := time.Now()
				rows, err := c.Query(ctx, st.sql, append([]any{m.mode}, st.args...)...)
				if err != nil {
					c.Close(ctx)
					return fmt.Errorf("%s, %s: %w", st.name, m.name, err)
				}
				for rows.Next() {
				}
				if err := rows.Err(); err != nil {
					c.Close(ctx)
					return fmt.Errorf("%s, %s: %w", st.name, m.name, err)
				}
				if i >= 100 {
					lat = append(lat, time.Since(t))
				}
			}
			slices.Sort(lat)
			cell := fmt.Sprintf("%.3f", float64(lat[len(lat)/2].Microseconds())/1000)
			if m.mode == pgx.QueryExecModeCacheStatement {
				var generic, custom int64
				if err := c.QueryRow(ctx, "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
					pgx.QueryExecModeCacheDescribe, st.sql).Scan(&generic, &custom); err != nil {
					c.Close(ctx)
					return fmt.Errorf("%s, %s: pg_prepared_statements: %w", st.name, m.name, err)
				}
				cell += fmt.Sprintf(" (%d/%d)", generic, custom)
			}
			fmt.Printf(" %s |", cell)
			c.Close(ctx)
		}
		fmt.Println()
	}
	return nil
}
