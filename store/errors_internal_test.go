package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// TestClassify: every way a database connection is lost is ErrUnavailable
// (a 503 with Retry-After), and nothing else is.
func TestClassify(t *testing.T) {
	pg := func(code, msg string) error { return &pgconn.PgError{Severity: "FATAL", Code: code, Message: msg} }
	wrap := func(err error) error { return fmt.Errorf("create claim: %w", err) }
	opErr := func(err error) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: err}}
	}
	tests := []struct {
		name string
		err  error
		want error // nil: passes through unclassified
	}{
		{"admin shutdown 57P01", pg("57P01", "terminating connection due to administrator command"), ErrUnavailable},
		{"crash shutdown 57P02", pg("57P02", "terminating connection because of crash of another server process"), ErrUnavailable},
		{"cannot connect now 57P03", pg("57P03", "the database system is starting up"), ErrUnavailable},
		{"connection exception 08006", pg("08006", "connection failure"), ErrUnavailable},
		{"connection does not exist 08003", pg("08003", "connection does not exist"), ErrUnavailable},
		{"too many connections 53300", pg("53300", "sorry, too many clients already"), ErrUnavailable},
		{"statement timeout 57014", pg("57014", "canceling statement due to statement timeout"), ErrUnavailable},
		{"idle in transaction timeout 25P03", pg("25P03", "terminating connection due to idle-in-transaction timeout"), ErrUnavailable},
		{"deadlock 40P01", pg("40P01", "deadlock detected"), ErrUnavailable},
		{"driver: bad connection", wrap(driver.ErrBadConn), ErrUnavailable},
		{"sql: connection is already closed", wrap(sql.ErrConnDone), ErrUnavailable},
		{"sql: transaction has already been committed or rolled back", wrap(sql.ErrTxDone), ErrUnavailable},
		{"connection refused", wrap(opErr(syscall.ECONNREFUSED)), ErrUnavailable},
		{"connection reset", wrap(opErr(syscall.ECONNRESET)), ErrUnavailable},
		{"broken pipe", wrap(opErr(syscall.EPIPE)), ErrUnavailable},
		{"bare ECONNRESET", syscall.ECONNRESET, ErrUnavailable},
		{"io.EOF from the driver", fmt.Errorf("failed to receive message: %w", io.EOF), ErrUnavailable},
		{"unexpected EOF", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), ErrUnavailable},
		{"closed network connection", wrap(net.ErrClosed), ErrUnavailable},
		{"pgx conn closed (text only)", errors.New("conn closed"), ErrUnavailable},
		{"connect error", &pgconn.ConnectError{Config: &pgconn.Config{}}, ErrUnavailable},
		{"deadline", wrap(context.DeadlineExceeded), ErrUnavailable},
		{"canceled", wrap(context.Canceled), ErrUnavailable},
		{"sqlite busy", errors.New("database is locked (5) (SQLITE_BUSY)"), ErrUnavailable},
		{"already unavailable", fmt.Errorf("ping: %w", ErrUnavailable), ErrUnavailable},
		{"unique violation", pg("23505", "duplicate key value violates unique constraint"), ErrConflict},
		{"gorm duplicate", gorm.ErrDuplicatedKey, ErrConflict},
		{"not found", gorm.ErrRecordNotFound, ErrNotFound},
		{"syntax error", pg("42601", "syntax error"), nil},
		{"undefined table", pg("42P01", `relation "audit_events" does not exist`), nil},
		{"check violation", pg("23514", "new row violates check constraint"), nil},
		{"plain error", errors.New("invalid vocabulary value"), nil},
	}
	for _, tt := range tests {
		got := classify(tt.err)
		for _, sentinel := range []error{ErrUnavailable, ErrConflict, ErrNotFound} {
			if is := errors.Is(got, sentinel); is != (sentinel == tt.want) {
				t.Errorf("%s: errors.Is(classify(%v), %v) = %v, want %v", tt.name, tt.err, sentinel, is, !is)
			}
		}
		if !errors.Is(got, tt.err) {
			t.Errorf("%s: classify(%v) = %v lost the cause", tt.name, tt.err, got)
		}
	}
}

// TestTxError: a failed commit is unavailable (retry), whatever its cause;
// a failed begin is what its cause is.
func TestTxError(t *testing.T) {
	commit := &TxError{Commit: true, Err: errors.New("commit unexpectedly resulted in rollback")}
	if !errors.Is(commit, ErrUnavailable) {
		t.Errorf("errors.Is(%v, ErrUnavailable) = false, want true", commit)
	}
	begin := &TxError{Err: errors.New("syntax error")}
	if errors.Is(begin, ErrUnavailable) {
		t.Errorf("errors.Is(%v, ErrUnavailable) = true, want false", begin)
	}
	if lost := (&TxError{Err: classify(driver.ErrBadConn)}); !errors.Is(lost, ErrUnavailable) {
		t.Errorf("errors.Is(%v, ErrUnavailable) = false, want true", lost)
	}
}
