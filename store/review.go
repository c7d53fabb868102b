package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// ReviewTx is one store transaction of the review workflow (package
// review): the loads, writes and locks it needs, and nothing that decides.
type ReviewTx struct {
	s  *Store
	db *gorm.DB
}

// Review runs fn in one transaction; it commits when fn returns nil.
func (s *Store) Review(ctx context.Context, fn func(tx *ReviewTx) error) error {
	return s.tx(ctx, func(db *gorm.DB) error { return fn(&ReviewTx{s: s, db: db}) })
}

// Audit records one write in the audit trail.
func (t *ReviewTx) Audit(a Actor, action, entity string, entityID int64, claimID *int64, before, after any) error {
	return audit(t.db, a, action, entity, entityID, claimID, before, after)
}

// Now is the store's clock (UTC, microseconds: what both databases keep).
func Now() time.Time { return now() }
