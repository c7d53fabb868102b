// Package store owns every database access of claimgrade: opening the
// database, applying the SQL migrations, and the queries and transactions
// behind each endpoint. It returns models and the sentinel errors in
// errors.go; it knows nothing of HTTP.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"claimgrade/migrations"
)

// Dialects the store speaks.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Options tune the connection pool.
type Options struct {
	MaxOpenConns int
	// MaxIdleConns 0 keeps as many idle connections as MaxOpenConns: a
	// smaller idle pool closes connections after a burst only to open them
	// again on the next one (each a PostgreSQL backend start-up).
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
	// SQLLog logs every statement at debug level when set.
	SQLLog bool
	// CommitResolveTimeout bounds how long a COMMIT whose connection was
	// lost is resolved (txid_status) before its outcome is called unknown
	// (0: DefaultCommitResolveTimeout).
	CommitResolveTimeout time.Duration
}

// DefaultOptions is a pool that stays well below PostgreSQL's default
// max_connections (100) even with a few replicas; idle connections are
// kept up to the open limit (ConnMaxIdleTime closes them after a quiet
// spell).
func DefaultOptions() Options {
	return Options{MaxOpenConns: 20, MaxIdleConns: 20, ConnMaxLifetime: 30 * time.Minute, ConnMaxIdleTime: 5 * time.Minute}
}

// Store is the database of claimgrade.
type Store struct {
	db      *gorm.DB
	dialect string
	log     *slog.Logger
	// dsn is the connection string, for the fresh connections that resolve
	// a lost COMMIT (never logged: it may hold a password).
	dsn                  string
	commitResolveTimeout time.Duration
	// inTx is set on a store bound to one transaction (InTx).
	inTx bool
	// modePerStatement: parseURL chose pgx's query exec modes, so
	// queryRows picks one per statement (stmtPlan); false when
	// DATABASE_URL sets default_query_exec_mode itself.
	modePerStatement bool
	// noFTS makes SQLite searches skip the FTS5 index (benchmarks compare).
	noFTS bool
	// requiredReviews is REQUIRED_REVIEWS (SetRequiredReviews).
	requiredReviews int
	// searchStaleAfter is SEARCH_STALE_AFTER (SetSearchStaleAfter).
	searchStaleAfter time.Duration
}

// Open connects to databaseURL: a postgres:// or postgresql:// URL, or an
// SQLite file path (optionally prefixed by sqlite: or file:). An empty URL
// means the SQLite file claimgrade.db in the working directory. Open does
// not migrate; call Migrate.
func Open(ctx context.Context, databaseURL string, opts Options, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dialect, dsn, modePerStatement, err := parseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	var dialector gorm.Dialector
	if dialect == Postgres {
		dialector = postgres.Open(dsn)
	} else {
		dialector = sqlite.Open(dsn)
	}
	gl := logger.Discard
	if opts.SQLLog {
		// Statements are logged with their placeholders, never their
		// arguments: arguments carry secrets (webhook signing secrets, API
		// key hashes) and would put them in the log (issue 21).
		gl = logger.NewSlogLogger(log, logger.Config{LogLevel: logger.Info, IgnoreRecordNotFoundError: true, ParameterizedQueries: true})
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 gl,
		NowFunc:                now,
		TranslateError:         true,
		SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, classify(err))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if opts.MaxOpenConns > 0 {
		sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	}
	if idle := cmp.Or(opts.MaxIdleConns, opts.MaxOpenConns); idle > 0 {
		sqlDB.SetMaxIdleConns(idle)
	}
	sqlDB.SetConnMaxLifetime(opts.ConnMaxLifetime)
	sqlDB.SetConnMaxIdleTime(opts.ConnMaxIdleTime)
	s := &Store{db: db, dialect: dialect, log: log, dsn: dsn, modePerStatement: modePerStatement,
		commitResolveTimeout: cmp.Or(opts.CommitResolveTimeout, DefaultCommitResolveTimeout)}
	if err := s.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// init sets gorm's trace recorder to drop arguments. gorm's Scan
// (Raw(...).Scan) traces its statement through that recorder, which
// interpolates the arguments unless its package-level filter
// (logger.RecorderParamsFilter, gorm's hook for this) drops them; the
// logger's own ParameterizedQueries does not reach it. Nothing in
// claimgrade wants arguments in a trace, so it is set once for the
// process, before any goroutine can read it.
func init() { logger.RecorderParamsFilter = withoutParams }

// withoutParams is a gorm ParamsFilter that keeps the statement and drops
// its arguments.
func withoutParams(_ context.Context, sql string, _ ...any) (string, []any) { return sql, nil }

// loggedSQL is how a statement appears in the SQL log: with its
// placeholders and without its arguments, when the logger filters them
// (ParameterizedQueries).
func (s *Store) loggedSQL(ctx context.Context, query string, args []any) string {
	if f, ok := s.db.Logger.(gorm.ParamsFilter); ok {
		query, args = f.ParamsFilter(ctx, query, args...)
	}
	return s.db.Dialector.Explain(query, args...)
}

// now is the clock of every stored time: UTC, at the microsecond precision
// that PostgreSQL keeps, so what is written reads back equal.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// parseURL returns the dialect and the driver's DSN of a DATABASE_URL, and
// whether the store chose pgx's query exec modes (modePerStatement).
//
// On PostgreSQL, plans are chosen per statement (stmtPlan, issue 24).
// PostgreSQL keeps a plan only for a named prepared statement: after five
// executions (plan_cache_mode auto) it may switch to a generic plan that
// ignores the values, which is right for a statement whose plan does not
// depend on them (a page of claims after a cursor, a claim document by
// id), and wrong for one whose plan does: the generic plan of
// search_text LIKE $1 never uses the trigram index (q took 280 ms instead
// of 1 ms at 1M claims), that of a flag filter walked claim_flags' claim
// index for 884 ms. So pgx runs statements as its unnamed statement by
// default (default_query_exec_mode=cache_describe: one round trip, planned
// for its values every time, as gorm's statements were when connections
// set plan_cache_mode=force_custom_plan), and queryRows names and caches
// only the statements marked cachedPlan. plan_cache_mode is set to auto
// (PostgreSQL's default) so that a server configured otherwise does not
// change the choice. A DATABASE_URL that sets either parameter keeps it;
// one that sets default_query_exec_mode also turns the per-statement
// choice off (every statement in that mode: simple_protocol, say, behind a
// connection pooler that keeps no prepared statements).
func parseURL(raw string) (dialect, dsn string, modePerStatement bool, err error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", false, fmt.Errorf("DATABASE_URL: %w", err)
		}
		q := u.Query()
		if !q.Has("plan_cache_mode") {
			q.Set("plan_cache_mode", "auto")
		}
		if !q.Has("default_query_exec_mode") {
			q.Set("default_query_exec_mode", "cache_describe")
			modePerStatement = true
		}
		u.RawQuery = q.Encode()
		return Postgres, u.String(), modePerStatement, nil
	case strings.Contains(raw, "://"):
		return "", "", false, fmt.Errorf("DATABASE_URL: unsupported scheme in %q (use postgres://... or an SQLite file path)", redact(raw))
	}
	path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "file:")
	if path == "" {
		path = "claimgrade.db"
	}
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	// WAL lets readers run beside the writer; immediate transactions take
	// the write lock up front so that two writers queue on busy_timeout
	// instead of failing with SQLITE_BUSY on lock upgrade. (No _time_format:
	// glebarez/go-sqlite v1.21 stops reading parameters after it, which
	// would silently drop _txlock.)
	params := "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if query != "" {
		params += "&" + query
	}
	return SQLite, "file:" + path + "?" + params, false, nil
}

// redact hides a password in a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Dialect is Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// DB exposes the root gorm handle for tests and tools; application code goes
// through the Store's methods.
func (s *Store) DB() *gorm.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", classify(err))
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

func (s *Store) provider() (*goose.Provider, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations.FS, s.dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, sqlDB, sub)
}

// MigrateUp applies every pending migration, each in its own transaction.
func (s *Store) MigrateUp(ctx context.Context) ([]string, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	var applied []string
	caseEvidence := false
	for _, r := range results {
		applied = append(applied, r.Source.Path)
		caseEvidence = caseEvidence || r.Source.Version == caseEvidenceMigration
	}
	if err != nil {
		return applied, fmt.Errorf("migrate up: %w", err)
	}
	if err := s.refoldSearchText(ctx); err != nil {
		return applied, fmt.Errorf("migrate up: %w", err)
	}
	if caseEvidence {
		if err := s.refreshUnfingerprintedGrades(ctx); err != nil {
			return applied, fmt.Errorf("migrate up: %w", err)
		}
	}
	if err := s.deriveUnreasoned(ctx); err != nil {
		return applied, fmt.Errorf("migrate up: %w", err)
	}
	return applied, nil
}

// MigrateDown rolls back the newest applied migration.
func (s *Store) MigrateDown(ctx context.Context) (string, error) {
	p, err := s.provider()
	if err != nil {
		return "", err
	}
	r, err := p.Down(ctx)
	if err != nil {
		return "", fmt.Errorf("migrate down: %w", err)
	}
	return r.Source.Path, nil
}

// MigrationStatus is one migration and when it was applied.
type MigrationStatus struct {
	Version   int64
	Path      string
	Applied   bool
	AppliedAt time.Time
}

// MigrationStatuses lists every known migration.
func (s *Store) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, m := range st {
		out = append(out, MigrationStatus{Version: m.Source.Version, Path: m.Source.Path, Applied: m.State == goose.StateApplied, AppliedAt: m.AppliedAt})
	}
	return out, nil
}

// tx runs fn in a transaction under ctx (a savepoint when s is bound to a
// transaction); a failed COMMIT is resolved (transaction).
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.transaction(ctx, fn)
}

// forUpdate locks the selected rows until the transaction ends on
// PostgreSQL. SQLite needs nothing: its transactions are immediate, so one
// writer holds the database at a time.
func (s *Store) forUpdate(q *gorm.DB) *gorm.DB {
	if s.dialect == Postgres {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// likePattern turns user text into a LIKE pattern matching it anywhere,
// folded like searchText, with LIKE's wildcards escaped (used with
// ESCAPE '\').
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(fold(q)) + "%"
}

// searchText is what q filters match: the parts folded (see fold), one per
// line, so that matching is case- and accent-insensitive for every script on
// both databases.
func searchText(parts ...*string) string {
	var b strings.Builder
	for _, p := range parts {
		if p != nil && *p != "" {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(fold(*p))
		}
	}
	return b.String()
}

var errNoRows = sql.ErrNoRows

func isNotFound(err error) bool {
	return errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, errNoRows)
}

// InTx runs fn with a store bound to one transaction: every store method
// called on it joins that transaction (their own transactions become
// savepoints), so a multi-step load, or a whole write request, commits or
// rolls back as a whole. fn's error is returned as it is and rolls back;
// so does a panic. A transaction that cannot begin returns a *TxError
// (errors.Is ErrUnavailable when the database was lost). A COMMIT that
// fails is resolved (see transaction): nil when the transaction committed
// after all (only its answer was lost), else a *TxError whose Outcome says
// whether nothing was stored (CommitAborted) or that cannot be known
// (CommitUnknown, errors.Is ErrCommitOutcomeUnknown). Called on a store
// that is already bound, fn runs in a savepoint.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	var fnErr error
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		bound := *s
		bound.db, bound.inTx = tx, true
		fnErr = fn(&bound)
		return fnErr
	})
	var te *TxError
	switch {
	case err == nil:
		return nil
	case fnErr != nil:
		return fnErr
	case errors.As(err, &te):
		return err
	}
	return &TxError{Err: classify(err)} // BEGIN failed
}

// InTransaction reports whether s is bound to a transaction.
func (s *Store) InTransaction() bool { return s.inTx }

// IsEmpty reports whether the database holds no therapy and no claim.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Raw("SELECT (SELECT COUNT(*) FROM therapies) + (SELECT COUNT(*) FROM claims)").Scan(&n).Error; err != nil {
		return false, fmt.Errorf("count rows: %w", classify(err))
	}
	return n == 0, nil
}

// SearchText is the search_text the store writes for a claim (text,
// text_en, summary) or a source (title, authors, container), for bulk
// loaders that write rows themselves.
func SearchText(parts ...*string) string { return searchText(parts...) }
