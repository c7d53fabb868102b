package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"claimgrade/models"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered. Older records
// are ignored and purged.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyPendingTimeout is how long a record may stay pending before it
// is taken for abandoned (the process that ran its request died between
// starting it and recording its response) and a retry may run the request
// again. It is well above any request's deadline.
const IdempotencyPendingTimeout = 5 * time.Minute

// Errors of BeginIdempotent.
var (
	// ErrIdempotencyInProgress: another request with the same key is running.
	ErrIdempotencyInProgress = errors.New("a request with this Idempotency-Key is in progress")
	// ErrIdempotencyMismatch: the key was used with another request (method,
	// path or body).
	ErrIdempotencyMismatch = errors.New("this Idempotency-Key was used with a different request")
)

// BeginIdempotent claims idemKey for a request of the API key apiKeyID whose
// fingerprint (a hash of method, path and body) is given.
//
//   - The first request with the key gets a new pending record and
//     replay=false: it must run and then call CompleteIdempotent, or
//     ReleaseIdempotent when it failed in a way a retry may fix.
//   - A later request with the same fingerprint gets the completed record
//     and replay=true: it must answer with the stored response.
//   - A request with another fingerprint gets ErrIdempotencyMismatch; one
//     that comes while the first still runs gets ErrIdempotencyInProgress.
//
// The pending record is inserted (and committed) before the request runs, so
// the unique (api_key_id, idem_key) decides which of two concurrent requests
// runs. Expired records are purged on the way.
func (s *Store) BeginIdempotent(ctx context.Context, apiKeyID int64, idemKey, fingerprint string) (rec models.IdempotencyRecord, replay bool, err error) {
	db := s.db.WithContext(ctx)
	t := now()
	expired := t.Add(-IdempotencyTTL)
	if err := db.Where("created_at < ?", expired).Delete(&models.IdempotencyRecord{}).Error; err != nil {
		return rec, false, fmt.Errorf("purge idempotency keys: %w", classify(err))
	}
	// A few rounds at most: a record can vanish (released, or purged) or be
	// taken over between the insert that lost and the read that follows it.
	for range 3 {
		rec = models.IdempotencyRecord{APIKeyID: apiKeyID, IdemKey: idemKey, Fingerprint: fingerprint, CreatedAt: t}
		res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&rec)
		if res.Error != nil {
			return rec, false, fmt.Errorf("record idempotency key: %w", classify(res.Error))
		}
		if res.RowsAffected == 1 {
			return rec, false, nil
		}
		var cur models.IdempotencyRecord
		err := db.Where("api_key_id = ? AND idem_key = ?", apiKeyID, idemKey).Take(&cur).Error
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return rec, false, fmt.Errorf("find idempotency key: %w", classify(err))
		}
		switch {
		case cur.CreatedAt.Before(expired):
			if err := db.Where("id = ? AND created_at < ?", cur.ID, expired).Delete(&models.IdempotencyRecord{}).Error; err != nil {
				return rec, false, fmt.Errorf("purge idempotency key: %w", classify(err))
			}
			continue
		case cur.Fingerprint != fingerprint:
			return cur, false, ErrIdempotencyMismatch
		case cur.Status != nil:
			return cur, true, nil
		case cur.CreatedAt.Before(t.Add(-IdempotencyPendingTimeout)):
			res := db.Model(&models.IdempotencyRecord{}).
				Where("id = ? AND status IS NULL AND created_at < ?", cur.ID, t.Add(-IdempotencyPendingTimeout)).
				Update("created_at", t)
			if res.Error != nil {
				return rec, false, fmt.Errorf("take over idempotency key: %w", classify(res.Error))
			}
			if res.RowsAffected == 1 {
				cur.CreatedAt = t
				return cur, false, nil
			}
			continue
		default:
			return cur, false, ErrIdempotencyInProgress
		}
	}
	return rec, false, ErrIdempotencyInProgress
}

// IdempotentResponse is what a completed request answered, kept for replay.
type IdempotentResponse struct {
	Status      int
	ContentType string
	Location    string
	ETag        string
	Body        []byte
}

// CompleteIdempotent records the response of the request that holds the
// pending record id.
func (s *Store) CompleteIdempotent(ctx context.Context, id int64, r IdempotentResponse) error {
	t := now()
	err := s.db.WithContext(ctx).Model(&models.IdempotencyRecord{}).Where("id = ? AND status IS NULL", id).
		Updates(map[string]any{"status": r.Status, "content_type": nullable(r.ContentType), "location": nullable(r.Location),
			"etag": nullable(r.ETag), "body": r.Body, "completed_at": t}).Error
	if err != nil {
		return fmt.Errorf("complete idempotency key %d: %w", id, classify(err))
	}
	return nil
}

// ReleaseIdempotent forgets the pending record id, so that the key can be
// used again (the request failed in a way a retry may fix).
func (s *Store) ReleaseIdempotent(ctx context.Context, id int64) error {
	err := s.db.WithContext(ctx).Where("id = ? AND status IS NULL", id).Delete(&models.IdempotencyRecord{}).Error
	if err != nil {
		return fmt.Errorf("release idempotency key %d: %w", id, classify(err))
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
