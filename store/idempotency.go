package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"claimgrade/models"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered. Older records
// are ignored and purged.
const IdempotencyTTL = 24 * time.Hour

// purgeBatch bounds how many expired records one request purges.
const purgeBatch = 100

// Errors of ClaimIdempotencyKey.
var (
	// ErrIdempotencyInProgress: another request with the same key is running.
	ErrIdempotencyInProgress = errors.New("a request with this Idempotency-Key is in progress")
	// ErrIdempotencyMismatch: the key was used with another request (method,
	// path or body).
	ErrIdempotencyMismatch = errors.New("this Idempotency-Key was used with a different request")
	// errNotInTx: the idempotency methods need a transaction-bound store.
	errNotInTx = errors.New("idempotency keys are claimed inside the request's transaction (Store.InTx)")
)

// ClaimIdempotencyKey claims idemKey, for a request of the API key apiKeyID
// whose fingerprint (a hash of method, path and body) is given, inside the
// transaction s is bound to (InTx); the request's writes and
// RecordIdempotentResponse then run in that same transaction, so the key
// and the write commit together or not at all. Nothing about the key is
// visible to others before the commit, and a crash, a rollback or a lost
// connection leaves nothing behind: there is no "pending" state to get
// stuck in.
//
//   - The first request with the key gets (nil, nil): it runs.
//   - A later request with the same fingerprint gets the committed record:
//     it must answer with the stored response (a replay).
//   - A request with another fingerprint gets ErrIdempotencyMismatch.
//   - A request that comes while another transaction holds the key gets
//     ErrIdempotencyInProgress. On PostgreSQL the key is a transaction-level
//     advisory lock taken with pg_try_advisory_xact_lock, so the second
//     request is refused at once instead of waiting; on SQLite every write
//     transaction holds the database's write lock from its start, so the
//     second request waits for the first to commit and then replays it.
//
// A few expired records are purged on the way, skipping rows another
// transaction holds.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, apiKeyID int64, idemKey, fingerprint string) (*models.IdempotencyRecord, error) {
	if !s.inTx {
		return nil, errNotInTx
	}
	db := s.db.WithContext(ctx)
	if s.dialect == Postgres {
		var locked bool
		if err := db.Raw("SELECT pg_try_advisory_xact_lock(?)", idempotencyLockID(apiKeyID, idemKey)).Scan(&locked).Error; err != nil {
			return nil, fmt.Errorf("lock idempotency key: %w", classify(err))
		}
		if !locked {
			return nil, ErrIdempotencyInProgress
		}
	}
	expired := now().Add(-IdempotencyTTL)
	purge := "DELETE FROM idempotency_keys WHERE id IN (SELECT id FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)"
	if s.dialect == Postgres {
		purge = "DELETE FROM idempotency_keys WHERE id IN (SELECT id FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED)"
	}
	if err := db.Exec(purge, expired, purgeBatch).Error; err != nil {
		return nil, fmt.Errorf("purge idempotency keys: %w", classify(err))
	}
	var cur models.IdempotencyRecord
	err := db.Where("api_key_id = ? AND idem_key = ?", apiKeyID, idemKey).Take(&cur).Error
	switch {
	case isNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("find idempotency key: %w", classify(err))
	case cur.Status == nil || cur.CreatedAt.Before(expired):
		// Expired (beyond the purge batch), or a pending row written by a
		// version that recorded keys before the write: forget it and run.
		if err := db.Delete(&models.IdempotencyRecord{}, cur.ID).Error; err != nil {
			return nil, fmt.Errorf("forget idempotency key: %w", classify(err))
		}
		return nil, nil
	case cur.Fingerprint != fingerprint:
		return &cur, ErrIdempotencyMismatch
	}
	return &cur, nil
}

// idempotencyLockID is the advisory lock of one (API key, Idempotency-Key):
// the first 8 bytes of a SHA-256 over both. Two pairs that share an id
// (1 in 2^64) merely wait for each other.
func idempotencyLockID(apiKeyID int64, idemKey string) int64 {
	h := sha256.New()
	fmt.Fprintf(h, "idempotency\x00%d\x00%s", apiKeyID, idemKey)
	return int64(binary.BigEndian.Uint64(h.Sum(nil)[:8]))
}

// IdempotentResponse is what a request answered, kept for replay.
type IdempotentResponse struct {
	Status      int
	ContentType string
	Location    string
	ETag        string
	Body        []byte
}

// RecordIdempotentResponse stores the response of the request that claimed
// idemKey (ClaimIdempotencyKey), in the same transaction.
func (s *Store) RecordIdempotentResponse(ctx context.Context, apiKeyID int64, idemKey, fingerprint string, r IdempotentResponse) error {
	if !s.inTx {
		return errNotInTx
	}
	t := now()
	rec := models.IdempotencyRecord{APIKeyID: apiKeyID, IdemKey: idemKey, Fingerprint: fingerprint, Status: &r.Status,
		ContentType: nullable(r.ContentType), Location: nullable(r.Location), ETag: nullable(r.ETag), Body: r.Body,
		CreatedAt: t, CompletedAt: &t}
	if err := s.db.WithContext(ctx).Create(&rec).Error; err != nil {
		return fmt.Errorf("record idempotent response: %w", classify(err))
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
