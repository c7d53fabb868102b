package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// CommitOutcome is what became of a transaction whose COMMIT failed.
type CommitOutcome string

// The outcomes of a failed COMMIT.
const (
	// CommitCommitted: the COMMIT reached the server and the transaction
	// committed; only its acknowledgement was lost.
	CommitCommitted CommitOutcome = "committed"
	// CommitAborted: the transaction did not commit; nothing it wrote is
	// stored.
	CommitAborted CommitOutcome = "aborted"
	// CommitUnknown: the server could not be asked in time (it was
	// unreachable, or the transaction was still running): the transaction
	// may or may not have committed.
	CommitUnknown CommitOutcome = "unknown"
)

// ErrCommitOutcomeUnknown is a failed COMMIT whose outcome could not be
// found out (a *TxError with Outcome CommitUnknown): the write may be
// stored. It is ErrUnavailable too.
var ErrCommitOutcomeUnknown = errors.New("the outcome of the commit is unknown")

// DefaultCommitResolveTimeout is how long a lost COMMIT is resolved for
// (Options.CommitResolveTimeout).
const DefaultCommitResolveTimeout = 5 * time.Second

// xact is what a PostgreSQL transaction says about itself just before its
// COMMIT: its id (NULL when it wrote nothing, so none was assigned) and
// the server process that runs it.
type xact struct {
	XID *int64
	PID int64
}

// transaction runs fn in a transaction under ctx; on a store bound to a
// transaction, in a savepoint. fn's error (and a failed BEGIN) is returned
// as it is, and rolls back.
//
// At the top level, a COMMIT that fails returns a *TxError whose Outcome
// says what became of the transaction, because a COMMIT that got no answer
// (the connection was lost on the way) may well have committed: the
// client must not be told "nothing was stored" then (issue 21: 51 of 56
// such 503s had committed). On PostgreSQL the transaction's id is read
// just before the COMMIT (txid_current_if_assigned, with the backend's
// pid), and when the COMMIT fails the server is asked on a fresh
// connection what became of that id (txid_status; resolveCommit). A
// transaction that committed returns nil, as if the acknowledgement had
// arrived; one that aborted, or wrote nothing, is CommitAborted; one
// whose fate could not be learnt within CommitResolveTimeout (the server
// restarting, unreachable) is CommitUnknown. SQLite runs in the process,
// with no connection to lose: a COMMIT that fails there rolled back
// (CommitAborted).
func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.inTx {
		return s.db.WithContext(ctx).Transaction(fn)
	}
	var (
		fnErr      error
		committing bool
		x          xact
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if fnErr = fn(tx); fnErr != nil {
			return fnErr
		}
		if s.dialect == Postgres {
			// Transaction bookkeeping, like BEGIN and COMMIT: run on the
			// transaction's connection itself, past gorm's callbacks and
			// SQL log, so that statement counts stay the request's own.
			row := tx.Statement.ConnPool.QueryRowContext(ctx, "SELECT txid_current_if_assigned(), pg_backend_pid()")
			if err := row.Scan(&x.XID, &x.PID); err != nil {
				// The COMMIT was never sent: the transaction rolls back
				// (or ends with its lost connection).
				return &TxError{Commit: true, Outcome: CommitAborted, Err: fmt.Errorf("read the transaction id: %w", classify(err))}
			}
		}
		committing = true
		return nil
	})
	switch {
	case err == nil:
		return nil
	case !committing:
		return err // fn's error, a failed BEGIN, or the TxError above
	}
	outcome := CommitAborted
	if s.dialect == Postgres {
		outcome = s.resolveCommit(ctx, x)
	}
	if outcome == CommitCommitted {
		s.log.Warn("the COMMIT got no answer, but the transaction committed (txid_status): answering as committed",
			"xid", *x.XID, "err", err.Error())
		return nil
	}
	s.log.Warn("COMMIT failed", "outcome", string(outcome), "err", err.Error())
	return &TxError{Commit: true, Outcome: outcome, Err: classify(err)}
}

// resolveCommit finds out what became of transaction x, whose COMMIT
// failed, by asking PostgreSQL on fresh connections (the pool's may all be
// gone with the one that failed): txid_status says committed, aborted or
// in progress. It asks again, with a growing pause, while the server
// cannot be reached (a restart) or the transaction is still in progress
// (its backend has not yet noticed the lost connection, or is finishing
// the commit), for at most CommitResolveTimeout; after a second of "in
// progress" it terminates that backend (only while it still runs
// transaction x), which ends the transaction one way or the other, and
// asks again. A transaction that wrote nothing (no id) has nothing to
// store: CommitAborted.
func (s *Store) resolveCommit(ctx context.Context, x xact) CommitOutcome {
	if x.XID == nil {
		return CommitAborted
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.commitResolveTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		return CommitUnknown
	}
	start := time.Now()
	terminated := false
	pause := 20 * time.Millisecond
	for {
		status, err := txidStatus(ctx, cfg, *x.XID)
		switch {
		case err == nil && status == "committed":
			return CommitCommitted
		case err == nil && status == "aborted":
			return CommitAborted
		case err == nil && status == "in progress" && !terminated && time.Since(start) > time.Second:
			terminated = terminateXact(ctx, cfg, x) == nil
		case err != nil:
			s.log.Debug("resolving a lost COMMIT: the server did not answer yet", "xid", *x.XID, "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return CommitUnknown
		case <-time.After(pause):
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// txidStatus asks the server, on a new connection, what became of xid:
// committed, aborted or in progress ("" when it no longer knows: the id is
// too old).
func txidStatus(ctx context.Context, cfg *pgx.ConnConfig, xid int64) (string, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var status *string
	if err := conn.QueryRow(ctx, "SELECT txid_status($1)", xid).Scan(&status); err != nil {
		return "", err
	}
	if status == nil {
		return "", nil
	}
	return *status, nil
}

// terminateXact ends the backend x.PID if it still runs transaction x
// (pg_stat_activity's backend_xid is the low 32 bits of the txid), so that
// a pid reused by another backend is never touched.
func terminateXact(ctx context.Context, cfg *pgx.ConnConfig, x xact) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE pid = $1 AND backend_xid::text::bigint = $2`, x.PID, *x.XID%(1<<32))
	return err
}
