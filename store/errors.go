package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"claimgrade/grading"
)

// Sentinel errors. Handlers map them to HTTP statuses with errors.Is/As.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrInvalid      = errors.New("invalid")
	ErrPrecondition = errors.New("precondition failed")
	ErrGone         = errors.New("gone")
	ErrUnavailable  = errors.New("database unavailable")
	ErrForbidden    = errors.New("forbidden")
)

// NotFoundError names what was not found.
type NotFoundError struct {
	Resource string
	Key      string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %s not found", e.Resource, e.Key) }

// Is makes errors.Is(err, ErrNotFound) hold.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

func notFound(resource string, key any) error {
	return &NotFoundError{Resource: resource, Key: fmt.Sprint(key)}
}

// ConflictError says what the write collides with. ExistingID is the id of
// the resource already holding a unique value, when there is one.
type ConflictError struct {
	Message    string
	Resource   string
	ExistingID int64
}

func (e *ConflictError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// FieldError is one invalid field, named as in the JSON body.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of one input.
type ValidationError struct {
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// problems collects field errors; err returns nil when there are none.
type problems []FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// validate adds a field problem when a vocabulary value does not validate
// (the type's own Validate says what is allowed).
func (p *problems) validate(field string, v interface{ Validate() error }) {
	err := v.Validate()
	if err == nil {
		return
	}
	var ve *grading.VocabularyError
	if errors.As(err, &ve) {
		p.add(field, "%s", ve.Message())
		return
	}
	p.add(field, "%s", err.Error())
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// PreconditionError says the client's version is not the current one.
type PreconditionError struct {
	Current int64
}

func (e *PreconditionError) Error() string {
	return fmt.Sprintf("the resource has changed: current version is %d", e.Current)
}

// Is makes errors.Is(err, ErrPrecondition) hold.
func (e *PreconditionError) Is(target error) bool { return target == ErrPrecondition }

// ErrPreconditionRequired is an update of an existing resource without
// the version it is based on (HTTP: no If-Match, 428).
var ErrPreconditionRequired = errors.New("precondition required")

// PreconditionRequiredError says an update named no version; Current is the
// resource's current version.
type PreconditionRequiredError struct {
	Resource string
	Current  int64
}

func (e *PreconditionRequiredError) Error() string {
	return fmt.Sprintf("%s exists at version %d: name the version the change is based on", e.Resource, e.Current)
}

// Is makes errors.Is(err, ErrPreconditionRequired) hold.
func (e *PreconditionRequiredError) Is(target error) bool { return target == ErrPreconditionRequired }

// TxError is a transaction that could not begin (Commit false) or whose
// commit failed (Commit true). A failed commit is ErrUnavailable whatever
// the driver said (a retry may succeed), and its Outcome says what became
// of the transaction: CommitAborted, nothing was stored; CommitUnknown
// (also ErrCommitOutcomeUnknown), it may have committed. (A commit found
// to have committed is no error.) A failed begin is whatever classify made
// of its cause.
type TxError struct {
	Commit  bool
	Outcome CommitOutcome
	Err     error
}

func (e *TxError) Error() string {
	if e.Commit {
		return fmt.Sprintf("commit (outcome %s): %s", e.Outcome, e.Err.Error())
	}
	return "begin transaction: " + e.Err.Error()
}

func (e *TxError) Unwrap() error { return e.Err }

// Is makes a failed commit ErrUnavailable, and one whose outcome is
// unknown ErrCommitOutcomeUnknown.
func (e *TxError) Is(target error) bool {
	return e.Commit && (target == ErrUnavailable || target == ErrCommitOutcomeUnknown && e.Outcome == CommitUnknown)
}

// classify turns driver errors into the store's sentinels where one fits:
// missing rows into ErrNotFound, unique violations into ErrConflict, and a
// database that cannot be reached, a connection lost on the way or a query
// past its deadline into ErrUnavailable (lostConnection). Other errors pass
// through unchanged. It is the one place that knows what a lost connection
// looks like.
func classify(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case isNotFound(err):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case errors.Is(err, ErrUnavailable):
		return err
	case lostConnection(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

// unavailableCodes are the SQLSTATEs of a database that is going away, has
// dropped the session or cannot take it now; class 08 (connection
// exception) is matched by prefix.
var unavailableCodes = map[string]bool{
	"57014": true, // query_canceled (statement timeout, cancel request)
	"57P01": true, // admin_shutdown: "terminating connection due to administrator command"
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now (starting up, shutting down)
	"57P05": true, // idle_session_timeout
	"25P03": true, // idle_in_transaction_session_timeout
	"53300": true, // too_many_connections
	"40P01": true, // deadlock_detected: the victim may simply retry
	"40001": true, // serialization_failure: likewise
}

// lostConnection reports whether err says that the database could not be
// reached or that the connection (or the transaction on it) was lost: a
// retry may succeed, so the client gets 503 with Retry-After, never 500.
func lostConnection(err error) bool {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, driver.ErrBadConn), // "driver: bad connection"
		errors.Is(err, sql.ErrConnDone),   // "sql: connection is already closed"
		errors.Is(err, sql.ErrTxDone),     // the transaction ended under us: lost connection or deadline
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return true
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var opErr *net.OpError
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.As(err, &opErr) || pgconn.Timeout(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || unavailableCodes[pgErr.Code]
	}
	// Errors that reach us only as text: pgx's "conn closed" and the SQLite
	// driver's lock errors.
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection reset by peer", "connection refused", "broken pipe",
		"unexpected EOF", "database is locked", "SQLITE_BUSY", "sql: database is closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// IsUnavailable reports whether err means the database could not be used
// for now: ErrUnavailable, or a lost connection that reached the caller
// without passing classify. The HTTP error table asks this, so that a lost
// connection is a 503 wherever it surfaces.
func IsUnavailable(err error) bool {
	return errors.Is(err, ErrUnavailable) || lostConnection(err)
}
