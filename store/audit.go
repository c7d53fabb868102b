package store

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// Actor is who makes a change, and in which request. Every write method
// takes one and records it in the audit trail in the same transaction.
type Actor struct {
	UserID    int64
	Name      string
	Role      models.Role
	RequestID string
}

// System is the actor of changes made by the server itself (seeding,
// first-start bootstrap, command-line tools).
func System(name string) Actor { return Actor{Name: name, Role: models.RoleAdmin} }

// audit records one write. before and after are snapshots (nil for none).
func audit(tx *gorm.DB, a Actor, action, entity string, entityID int64, claimID *int64, before, after any) error {
	ev := models.AuditEvent{
		ActorName: a.Name,
		Action:    action,
		Entity:    entity,
		EntityID:  entityID,
		ClaimID:   claimID,
		Before:    snapshot(before),
		After:     snapshot(after),
		CreatedAt: now(),
	}
	if a.UserID != 0 {
		ev.ActorID = &a.UserID
	}
	if a.RequestID != "" {
		ev.RequestID = &a.RequestID
	}
	if ev.ActorName == "" {
		ev.ActorName = "anonymous"
	}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("record audit event %s %s %d: %w", action, entity, entityID, classify(err))
	}
	return nil
}

func snapshot(v any) *string {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		s := fmt.Sprintf("%q", fmt.Sprint(v))
		return &s
	}
	s := string(b)
	return &s
}

// retiredEntities are the records of the claim-level review, removed by
// migration 00008 (GRADE grades findings, not claims). Their audit events
// stay in the table, but a claim's history no longer serves them: their
// snapshots have no schema in the API any more.
var retiredEntities = []string{"assessment", "grade"}

// History lists a claim's audit events, newest first.
func (s *Store) History(ctx context.Context, claimID int64, p Page) ([]models.AuditEvent, string, error) {
	if _, err := s.claimRow(s.db.WithContext(ctx), claimID, true); err != nil {
		return nil, "", err
	}
	q := s.db.WithContext(ctx).Where("claim_id = ? AND entity NOT IN ?", claimID, retiredEntities)
	if p.After > 0 {
		q = q.Where("id < ?", p.After)
	}
	var events []models.AuditEvent
	if err := q.Order("id DESC").Limit(p.limit() + 1).Find(&events).Error; err != nil {
		return nil, "", fmt.Errorf("list history of claim %d: %w", claimID, classify(err))
	}
	events, cursor := trim(events, p, func(e models.AuditEvent) int64 { return e.ID })
	for i := range events {
		e := &events[i]
		var err error
		if e.Before, err = legacySnapshot(s.db.WithContext(ctx), e.Entity, e.Before); err != nil {
			return nil, "", fmt.Errorf("history event %d: %w", e.ID, err)
		}
		if e.After, err = legacySnapshot(s.db.WithContext(ctx), e.Entity, e.After); err != nil {
			return nil, "", fmt.Errorf("history event %d: %w", e.ID, err)
		}
	}
	return events, cursor, nil
}

// RecordEvent records an event that no other store method writes (such as
// loading the demo dataset) in the audit trail.
func (s *Store) RecordEvent(ctx context.Context, a Actor, action, entity string, entityID int64, after any) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return audit(tx, a, action, entity, entityID, nil, nil, after) })
}

// HasEvent reports whether an event with this action, entity and id was
// recorded.
func (s *Store) HasEvent(ctx context.Context, action, entity string, entityID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.AuditEvent{}).
		Where("action = ? AND entity = ? AND entity_id = ?", action, entity, entityID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("find %s event: %w", action, classify(err))
	}
	return n > 0, nil
}

// claimSnapshot is c as the API shows it, with its therapy's slug and its
// current flags read in tx.
func claimSnapshot(tx *gorm.DB, c models.Claim) (models.ClaimSnapshot, error) {
	var slug string
	if err := tx.Model(&models.Therapy{}).Where("id = ?", c.TherapyID).Pluck("slug", &slug).Error; err != nil {
		return models.ClaimSnapshot{}, fmt.Errorf("read therapy %d of claim %d: %w", c.TherapyID, c.ID, classify(err))
	}
	var flags []grading.Flag
	if err := tx.Model(&models.ClaimFlag{}).Where("claim_id = ?", c.ID).Pluck("flag", &flags).Error; err != nil {
		return models.ClaimSnapshot{}, fmt.Errorf("read flags of claim %d: %w", c.ID, classify(err))
	}
	return models.SnapshotOfClaim(c, slug, flags), nil
}

// legacySnapshot converts a snapshot recorded before snapshots had the
// API's shapes (a JSON-encoded storage row: therapy_id, evidence_revision,
// reviewer_id...) into the snapshot type of its entity. What the row did
// not record is read from the referenced records as they are now (the
// therapy's slug, the link's source, the reviewer's name); the flags of a
// claim row and the derivation of an assessment row were not recorded and
// come back empty. Snapshots already in the API's shapes are returned as
// they are.
func legacySnapshot(db *gorm.DB, entity string, raw *string) (*string, error) {
	if raw == nil {
		return nil, nil
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal([]byte(*raw), &keys) != nil {
		return raw, nil
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	var out any
	switch {
	case entity == "claim" && has("therapy_id"):
		var c models.Claim
		if err := json.Unmarshal([]byte(*raw), &c); err != nil {
			return nil, fmt.Errorf("read stored claim snapshot: %w", err)
		}
		var slug string
		if err := db.Model(&models.Therapy{}).Where("id = ?", c.TherapyID).Pluck("slug", &slug).Error; err != nil {
			return nil, fmt.Errorf("read therapy %d: %w", c.TherapyID, classify(err))
		}
		out = models.SnapshotOfClaim(c, slug, nil)
	case entity == "link" && !has("source"):
		var l models.Link
		if err := json.Unmarshal([]byte(*raw), &l); err != nil {
			return nil, fmt.Errorf("read stored link snapshot: %w", err)
		}
		if err := db.Take(&l.Source, l.SourceID).Error; err != nil && !isNotFound(err) {
			return nil, fmt.Errorf("read source %d: %w", l.SourceID, classify(err))
		}
		out = models.SnapshotOfAppearance(l)
	default:
		return raw, nil
	}
	return snapshot(out), nil
}
