package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"claimgrade/models"
)

// The outcome model (questions, findings, the sources a finding rests on,
// claim-finding links): what its stores share.

// Nullable is a patch field that tells "leave it" (Set false) from "clear
// it" (Set, Value nil) and a new value.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// apply sets *dst when the field was sent.
func (n Nullable[T]) apply(dst **T) {
	if n.Set {
		*dst = n.Value
	}
}

func orderID(db *gorm.DB) *gorm.DB { return db.Order("id") }

// preloadFinding preloads what a finding document shows (its question and
// therapy, flags, and sources with each source and its includes) under
// prefix ("" for a finding, "Finding." through a claim link): a constant
// number of queries for any number of findings.
func preloadFinding(q *gorm.DB, prefix string) *gorm.DB {
	return q.Preload(prefix+"Question.Therapy").Preload(prefix+"Flags", orderFlags).Preload(prefix+"Grade").
		Preload(prefix+"Sources", orderID).Preload(prefix + "Sources.Source.Includes")
}

// auditOutcome is audit for the outcome model's records: the event also
// names the finding it belongs to, so that the finding's history finds it.
func auditOutcome(tx *gorm.DB, a Actor, action, entity string, entityID int64, claimID, findingID *int64, before, after any) error {
	ev := actorEvent(a, action, entity, entityID, now())
	ev.ClaimID, ev.FindingID = claimID, findingID
	ev.Before, ev.After = snapshot(before), snapshot(after)
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("record audit event %s %s %d: %w", action, entity, entityID, classify(err))
	}
	return nil
}

func actorEvent(a Actor, action, entity string, entityID int64, t time.Time) models.AuditEvent {
	ev := models.AuditEvent{ActorName: a.Name, Action: action, Entity: entity, EntityID: entityID, CreatedAt: t}
	if a.UserID != 0 {
		ev.ActorID = &a.UserID
	}
	if a.RequestID != "" {
		ev.RequestID = &a.RequestID
	}
	if ev.ActorName == "" {
		ev.ActorName = "anonymous"
	}
	return ev
}

// findingsOfSources lists the findings that rest on any of sourceIDs,
// directly or through a review that includes one of them.
func findingsOfSources(tx *gorm.DB, sourceID int64) ([]int64, error) {
	var ids []int64
	err := tx.Raw(`SELECT DISTINCT finding_id FROM finding_sources WHERE source_id = ?
		OR source_id IN (SELECT review_id FROM source_includes WHERE source_id = ?)`, sourceID, sourceID).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("find findings of source %d: %w", sourceID, classify(err))
	}
	return ids, nil
}
