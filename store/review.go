package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
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

// LockClaim locks a live claim until the transaction ends.
func (t *ReviewTx) LockClaim(id int64) (models.Claim, error) { return t.s.lockClaim(t.db, id) }

// Claim reads a live claim without locking it.
func (t *ReviewTx) Claim(id int64) (models.Claim, error) { return t.s.claimRow(t.db, id, false) }

// ClaimEvidence reads a claim's evidence links as the engine sees them.
func (t *ReviewTx) ClaimEvidence(claimID int64) ([]grading.Evidence, error) {
	return claimEvidence(t.db, claimID)
}

// OwnAssessment reads reviewerID's assessment of a claim; nil when none.
func (t *ReviewTx) OwnAssessment(claimID, reviewerID int64) (*models.Assessment, error) {
	return ownAssessment(t.db, claimID, reviewerID)
}

// SubmittedAssessments reads a claim's submitted assessments by id,
// reviewers preloaded.
func (t *ReviewTx) SubmittedAssessments(claimID int64) ([]models.Assessment, error) {
	var rows []models.Assessment
	if err := t.db.Preload("Reviewer").Where("claim_id = ? AND status = ?", claimID, grading.StatusSubmitted).
		Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read submitted assessments of claim %d: %w", claimID, classify(err))
	}
	return rows, nil
}

// AssessmentScope selects which of a claim's assessments Assessments reads.
type AssessmentScope struct {
	All         bool  // every assessment, drafts included
	ReviewerID  int64 // else: this reviewer's own ...
	OrSubmitted bool  // ... and, if set, every submitted one
}

// Assessments reads a claim's assessments in scope by id, reviewers
// preloaded; never nil.
func (t *ReviewTx) Assessments(claimID int64, sc AssessmentScope) ([]models.Assessment, error) {
	q := t.db.Preload("Reviewer").Where("claim_id = ?", claimID)
	switch {
	case sc.All:
	case sc.OrSubmitted:
		q = q.Where("reviewer_id = ? OR status = ?", sc.ReviewerID, grading.StatusSubmitted)
	default:
		q = q.Where("reviewer_id = ?", sc.ReviewerID)
	}
	rows := []models.Assessment{}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list assessments of claim %d: %w", claimID, classify(err))
	}
	return rows, nil
}

// Assessment reads one assessment, its reviewer preloaded.
func (t *ReviewTx) Assessment(id int64) (models.Assessment, error) {
	var out models.Assessment
	if err := t.db.Preload("Reviewer").Take(&out, id).Error; err != nil {
		return out, fmt.Errorf("read assessment %d: %w", id, classify(err))
	}
	return out, nil
}

// InsertAssessment creates as; a second assessment of the same reviewer
// on the claim is ErrConflict.
func (t *ReviewTx) InsertAssessment(as *models.Assessment) error {
	if err := t.db.Omit("Reviewer").Create(as).Error; err != nil {
		return fmt.Errorf("create assessment: %w", classify(err))
	}
	return nil
}

// UpdateDraft writes a draft's judgement, certainty, derivation, version
// and time if its stored version is still version; false when it is not.
func (t *ReviewTx) UpdateDraft(as *models.Assessment, version int64) (bool, error) {
	// A struct update (not a map) so that the derivation goes through its
	// JSON serializer; Select writes the listed columns even when zero.
	res := t.db.Model(&models.Assessment{}).Where("id = ? AND version = ?", as.ID, version).
		Select("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias", "large_effect",
			"dose_response", "plausible_confounding", "verdict", "rationale", "certainty", "derivation", "version", "updated_at").
		Updates(as)
	if res.Error != nil {
		return false, fmt.Errorf("update assessment %d: %w", as.ID, classify(res.Error))
	}
	return res.RowsAffected > 0, nil
}

// MarkSubmitted writes a submission (status, time, certainty, derivation,
// version) if the assessment is still a draft; false when it is not.
func (t *ReviewTx) MarkSubmitted(as *models.Assessment) (bool, error) {
	res := t.db.Model(&models.Assessment{}).Where("id = ? AND status = ?", as.ID, grading.StatusDraft).
		Select("status", "submitted_at", "certainty", "derivation", "version", "updated_at").Updates(as)
	if res.Error != nil {
		return false, fmt.Errorf("submit assessment %d: %w", as.ID, classify(res.Error))
	}
	return res.RowsAffected > 0, nil
}

// InsertGrade records a grade.
func (t *ReviewTx) InsertGrade(g *models.Grade) error {
	if err := t.db.Create(g).Error; err != nil {
		return fmt.Errorf("record %s grade of claim %d: %w", g.Method, g.ClaimID, classify(err))
	}
	return nil
}

// CurrentGrade reads a claim's newest grade; nil when it has none.
func (t *ReviewTx) CurrentGrade(claimID int64) (*models.Grade, error) {
	g, err := t.s.currentGrades(t.db, []int64{claimID})
	if err != nil {
		return nil, err
	}
	return g[claimID], nil
}

// Audit records one write in the audit trail.
func (t *ReviewTx) Audit(a Actor, action, entity string, entityID int64, claimID *int64, before, after any) error {
	return audit(t.db, a, action, entity, entityID, claimID, before, after)
}

// Rederive recomputes the derived fields and flags of claims.
func (t *ReviewTx) Rederive(a Actor, claimIDs []int64, cause string) error {
	return t.s.rederive(t.db, a, claimIDs, cause)
}

// Now is the store's clock (UTC, microseconds: what both databases keep).
func Now() time.Time { return now() }
