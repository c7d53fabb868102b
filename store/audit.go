package store

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

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

// History lists a claim's audit events, newest first.
func (s *Store) History(ctx context.Context, claimID int64, p Page) ([]models.AuditEvent, string, error) {
	if _, err := s.claimRow(s.db.WithContext(ctx), claimID, true); err != nil {
		return nil, "", err
	}
	q := s.db.WithContext(ctx).Where("claim_id = ?", claimID)
	if p.After > 0 {
		q = q.Where("id < ?", p.After)
	}
	var events []models.AuditEvent
	if err := q.Order("id DESC").Limit(p.limit() + 1).Find(&events).Error; err != nil {
		return nil, "", fmt.Errorf("list history of claim %d: %w", claimID, classify(err))
	}
	events, cursor := trim(events, p, func(e models.AuditEvent) int64 { return e.ID })
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
