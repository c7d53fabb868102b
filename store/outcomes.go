package store

import (
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
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
	return q.Preload(prefix+"Question.Therapy").Preload(prefix+"Flags", orderFlags).
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

// refreshFindingFlags recomputes the flags of findingIDs
// (grading.FindingFlags) inside the caller's transaction, in id order and
// chunks of rederiveChunk, set-based like rederive: each chunk is locked,
// then read, and only findings whose flags change are written (flags
// replaced, version bumped, a finding.flagged event recorded with cause).
func (s *Store) refreshFindingFlags(tx *gorm.DB, a Actor, findingIDs []int64, cause string) error {
	ids := slices.Clone(findingIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		n := min(len(ids), rederiveChunk)
		if err := s.refreshFindingFlagsChunk(tx, a, ids[:n], cause); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (s *Store) refreshFindingFlagsChunk(tx *gorm.DB, a Actor, ids []int64, cause string) error {
	var locked []int64
	if err := s.forUpdate(tx.Model(&models.Finding{})).Where("id IN ?", ids).Order("id").Pluck("id", &locked).Error; err != nil {
		return fmt.Errorf("lock findings: %w", classify(err))
	}
	// A finding rests on a retracted source when one of its sources is
	// retracted, or is a review that includes a retracted source.
	var retracted []int64
	if err := tx.Raw(`SELECT DISTINCT fs.finding_id FROM finding_sources fs JOIN sources s ON s.id = fs.source_id
		WHERE fs.finding_id IN ? AND (s.retracted = ? OR EXISTS (
			SELECT 1 FROM source_includes si JOIN sources t ON t.id = si.source_id WHERE si.review_id = fs.source_id AND t.retracted = ?))`,
		locked, true, true).Scan(&retracted).Error; err != nil {
		return fmt.Errorf("find findings on retracted sources: %w", classify(err))
	}
	var oldFlags []models.FindingFlag
	if err := tx.Where("finding_id IN ?", locked).Find(&oldFlags).Error; err != nil {
		return fmt.Errorf("read finding flags: %w", classify(err))
	}
	had := map[int64][]grading.Flag{}
	for _, f := range oldFlags {
		had[f.FindingID] = append(had[f.FindingID], f.Flag)
	}
	t := now()
	var changed []int64
	var rows []models.FindingFlag
	var events []models.AuditEvent
	for _, id := range locked {
		flags := grading.FindingFlags(slices.Contains(retracted, id))
		old := had[id]
		slices.Sort(old)
		if slices.Equal(old, flags) {
			continue
		}
		changed = append(changed, id)
		for _, f := range flags {
			rows = append(rows, models.FindingFlag{Flag: f, FindingID: id})
		}
		ev := actorEvent(a, "finding.flagged", "finding", id, t)
		fid := id
		ev.FindingID = &fid
		ev.Before = snapshot(models.FlagsSnapshot{Flags: nonNil(old)})
		ev.After = snapshot(models.FlagsSnapshot{Flags: flags, Cause: cause})
		events = append(events, ev)
	}
	if len(changed) == 0 {
		return nil
	}
	if err := tx.Where("finding_id IN ?", changed).Delete(&models.FindingFlag{}).Error; err != nil {
		return fmt.Errorf("clear finding flags: %w", classify(err))
	}
	if err := tx.CreateInBatches(rows, 500).Error; err != nil {
		return fmt.Errorf("write finding flags: %w", classify(err))
	}
	if err := tx.Model(&models.Finding{}).Where("id IN ?", changed).
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": t}).Error; err != nil {
		return fmt.Errorf("bump finding versions: %w", classify(err))
	}
	if err := tx.CreateInBatches(events, 200).Error; err != nil {
		return fmt.Errorf("record finding flag events: %w", classify(err))
	}
	return nil
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
