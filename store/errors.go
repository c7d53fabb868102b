package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"

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

// classify turns driver errors into the store's sentinels where one fits:
// missing rows into ErrNotFound, unique violations into ErrConflict, and a
// database that cannot be reached (or a query past its deadline) into
// ErrUnavailable. Other errors pass through unchanged.
func classify(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case isNotFound(err):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, driver.ErrBadConn):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case pgErr.Code == "57014", // query_canceled (statement timeout)
			strings.HasPrefix(pgErr.Code, "08"),          // connection exceptions
			pgErr.Code == "53300",                        // too_many_connections
			pgErr.Code == "57P01", pgErr.Code == "57P03": // admin shutdown, cannot connect now
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	msg := err.Error()
	if strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		strings.Contains(msg, "sql: database is closed") {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
