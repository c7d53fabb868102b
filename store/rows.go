package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// rowScanner is what a hot read scans a row from: *sql.Rows, or pgx.Rows
// when queryRows reads through pgx itself.
type rowScanner interface {
	Scan(dest ...any) error
}

// stmtPlan says how PostgreSQL plans a statement that queryRows runs
// through pgx (issue 24). Planning is not free: a claim document took
// 1.4-1.5 ms to plan and 1.0 ms to run at a million claims when every
// statement was planned again at each request.
type stmtPlan int

const (
	// perValue: planned for the values of each execution, because the best
	// plan depends on them (a flag's or a rating's share of the claims, a
	// q's trigram matches). It runs as pgx's unnamed statement
	// (QueryExecModeCacheDescribe: Parse, Bind and Execute in one round
	// trip, only the parameter and result types cached by pgx), which
	// PostgreSQL plans with the values it is bound to, every time. Every
	// statement gorm sends runs so too (parseURL), as when connections
	// forced custom plans.
	perValue stmtPlan = iota
	// cachedPlan: the plan does not depend on the values (a primary key, a
	// keyset cursor on the id; anything else the plan would depend on is
	// written into the SQL as a validated literal, the page size one of a
	// few fixed sizes), so the statement runs as a named prepared statement
	// of pgx's per-connection statement cache (QueryExecModeCacheStatement),
	// and PostgreSQL (plan_cache_mode auto) keeps reusing its generic plan
	// after the first five executions instead of planning each request.
	// TestPlanChoices proves the generic plans of these statements read
	// indexes only, from the key or the cursor.
	cachedPlan
)

// queryRows runs the SELECT that q builds and calls scan once per row; on
// PostgreSQL, plan says whether its plan may be cached (stmtPlan).
//
// gorm builds the statement (and its callbacks and logger see it, as for
// any other); on PostgreSQL, when q runs on the pool itself (not in a
// transaction), the statement then runs through pgx on a connection
// borrowed from the same database/sql pool (sql.Conn.Raw), and pgx scans
// the rows straight into the destination. The database/sql path
// (driver.Value per column, then convertAssign) and gorm's reflection cost
// about a quarter of a list request's CPU under load (issue 13). SQLite,
// and a query inside a transaction, read through database/sql (gorm's
// statements: planned per value on PostgreSQL).
func (s *Store) queryRows(ctx context.Context, q *gorm.DB, plan stmtPlan, scan func(rowScanner) error) error {
	pool, onPool := q.Statement.ConnPool.(*sql.DB)
	if s.dialect != Postgres || !onPool {
		rs, err := q.Rows()
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			if err := scan(rs); err != nil {
				return err
			}
		}
		return rs.Err()
	}
	// DryRun: gorm builds the statement and runs its callbacks, but sends
	// nothing; the statement is traced below, with its real duration.
	built := q.Session(&gorm.Session{DryRun: true, Logger: logger.Discard}).Find(&[]struct{}{})
	if built.Error != nil {
		return built.Error
	}
	query, args := built.Statement.SQL.String(), built.Statement.Vars
	begin := time.Now()
	var rows int64
	counted := func(rs rowScanner) error { rows++; return scan(rs) }
	// As database/sql does with pgx's stdlib driver (driver.ErrBadConn), a
	// statement that failed before anything was sent (pgconn.SafeToRetry: a
	// connection found closed) is tried again on another connection; the
	// failed connection is closed rather than returned to the pool.
	var err error
	for attempt := 1; ; attempt++ {
		err = s.queryPgx(ctx, pool, query, s.execMode(plan), args, counted)
		if attempt < 3 && pgconn.SafeToRetry(err) {
			continue
		}
		break
	}
	s.db.Logger.Trace(ctx, begin, func() (string, int64) { return s.loggedSQL(ctx, query, args), rows }, err)
	return err
}

// execMode is how pgx runs a statement planned as plan: nil (the
// connection's default) when DATABASE_URL chose a default_query_exec_mode
// itself (e.g. simple_protocol behind a pooler that keeps no prepared
// statements), then every statement runs in that mode.
func (s *Store) execMode(plan stmtPlan) []any {
	switch {
	case !s.modePerStatement:
		return nil
	case plan == cachedPlan:
		return []any{pgx.QueryExecModeCacheStatement}
	}
	return []any{pgx.QueryExecModeCacheDescribe}
}

// queryPgx runs query on a connection of pool through pgx itself; mode is
// nil or a pgx.QueryExecMode that precedes the arguments.
func (s *Store) queryPgx(ctx context.Context, pool *sql.DB, query string, mode, args []any, scan func(rowScanner) error) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("queryRows: driver connection is %T, not pgx", driverConn)
		}
		rows, err := c.Conn().Query(ctx, query, append(mode, args...)...)
		if err != nil {
			if pgconn.SafeToRetry(err) || c.Conn().IsClosed() {
				// database/sql closes a connection released with ErrBadConn.
				return fmt.Errorf("%w (%w)", err, driver.ErrBadConn)
			}
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// sqlCond is a condition of a hand-written WHERE with its arguments.
type sqlCond struct {
	sql  string
	args []any
}

// joinConds ANDs conds, each in parentheses.
func joinConds(conds []sqlCond) (string, []any) {
	var b strings.Builder
	var args []any
	for i, c := range conds {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteByte('(')
		b.WriteString(c.sql)
		b.WriteByte(')')
		args = append(args, c.args...)
	}
	return b.String(), args
}

// sqlWord is a vocabulary word as an SQL string literal, for a statement
// whose plan is cached per word (stmtPlan). Callers pass validated words
// only (lower-case letters and underscores); quotes are doubled all the
// same.
func sqlWord(w string) string { return "'" + strings.ReplaceAll(w, "'", "''") + "'" }

// rawStatement is db.Raw(query, args...) for a statement written with the
// dialect's own placeholders ($1 on PostgreSQL, ? on SQLite), so that gorm
// need not rewrite it: gorm's Raw copies the SQL a byte at a time looking
// for ? placeholders, about 4% of a claim request's CPU for the claim
// document's 6 kB. gorm's callbacks and logger see it as any Raw.
func rawStatement(db *gorm.DB, query string, args ...any) *gorm.DB {
	tx := db.Raw("")
	tx.Statement.SQL.WriteString(query)
	tx.Statement.Vars = append(tx.Statement.Vars, args...)
	return tx
}
