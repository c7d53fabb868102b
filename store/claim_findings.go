package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// ClaimFindingInput links a finding to a claim.
type ClaimFindingInput struct {
	FindingID int64
	Stance    grading.Stance
	Note      *string
}

// ClaimFindingPatch changes a claim-finding link; nil fields stay, a
// pointer to "" clears the note.
type ClaimFindingPatch struct {
	Stance *grading.Stance
	Note   *string
}

func validateClaimFinding(cf *models.ClaimFinding) error {
	var p problems
	cf.Note = optional(cf.Note)
	if cf.Stance == "" {
		p.add("stance", "is required: %s", strings.Join(grading.Strings(grading.Stances()), ", "))
	} else {
		p.validate("stance", cf.Stance)
	}
	if cf.Note != nil {
		checkText(&p, "note", *cf.Note, false, 4000)
	}
	return p.err()
}

// claimFindingDocument reads the link of a claim to finding findingID (a
// link is addressed by its finding, unique per claim), with the finding as
// its document shows it.
func (s *Store) claimFindingDocument(tx *gorm.DB, claimID, findingID int64) (models.ClaimFinding, error) {
	var cf models.ClaimFinding
	err := preloadFinding(tx.Preload("Finding"), "Finding.").Where("claim_id = ? AND finding_id = ?", claimID, findingID).Take(&cf).Error
	if isNotFound(err) {
		return cf, notFound("finding", fmt.Sprintf("%d linked to claim %d", findingID, claimID))
	}
	if err != nil {
		return cf, fmt.Errorf("find finding %d of claim %d: %w", findingID, claimID, classify(err))
	}
	return cf, nil
}

// claimFindings reads the finding links of a claim, findings embedded, in
// a constant number of queries.
func (s *Store) claimFindings(db *gorm.DB, claimID int64) ([]models.ClaimFinding, error) {
	var rows []models.ClaimFinding
	if err := preloadFinding(db.Preload("Finding"), "Finding.").Where("claim_id = ?", claimID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list findings of claim %d: %w", claimID, classify(err))
	}
	return rows, nil
}

// LinkFinding links a finding to a live claim with a stance.
func (s *Store) LinkFinding(ctx context.Context, a Actor, claimID int64, in ClaimFindingInput) (models.ClaimFinding, error) {
	cf := models.ClaimFinding{ClaimID: claimID, FindingID: in.FindingID, Stance: in.Stance, Note: in.Note, Version: 1}
	var out models.ClaimFinding
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		verr := validateClaimFinding(&cf)
		var n int64
		if err := tx.Model(&models.Finding{}).Where("id = ?", in.FindingID).Count(&n).Error; err != nil {
			return fmt.Errorf("find finding %d: %w", in.FindingID, classify(err))
		}
		if n == 0 {
			return mergeProblems(&ValidationError{Problems: []FieldError{{Field: "finding_id", Message: fmt.Sprintf("no finding has id %d", in.FindingID)}}}, verr)
		}
		if verr != nil {
			return verr
		}
		var existing models.ClaimFinding
		err := tx.Where("claim_id = ? AND finding_id = ?", claimID, in.FindingID).Take(&existing).Error
		if err == nil {
			return &ConflictError{Message: fmt.Sprintf("claim finding %d already links finding %d to claim %d", existing.ID, in.FindingID, claimID),
				Resource: "claim finding", ExistingID: existing.ID}
		}
		if !isNotFound(err) {
			return fmt.Errorf("check duplicate claim finding: %w", classify(err))
		}
		if err := tx.Omit("Finding").Create(&cf).Error; err != nil {
			if errors.Is(classify(err), ErrConflict) {
				return &ConflictError{Message: fmt.Sprintf("finding %d is already linked to claim %d", in.FindingID, claimID), Resource: "claim finding"}
			}
			return fmt.Errorf("create claim finding: %w", classify(err))
		}
		if out, err = s.claimFindingDocument(tx, claimID, cf.FindingID); err != nil {
			return err
		}
		if err := auditOutcome(tx, a, "claim_finding.created", "claim_finding", cf.ID, &claimID, &cf.FindingID, nil, models.SnapshotOfClaimFinding(out)); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "claim_finding.created")
	})
	return out, err
}

// UpdateClaimFinding applies a patch to the link of a claim to finding
// findingID if version is the link's current one.
func (s *Store) UpdateClaimFinding(ctx context.Context, a Actor, claimID, findingID, version int64, patch ClaimFindingPatch) (models.ClaimFinding, error) {
	var cf models.ClaimFinding
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		var err error
		if cf, err = s.claimFindingDocument(tx, claimID, findingID); err != nil {
			return err
		}
		id := cf.ID
		if cf.Version != version {
			return &PreconditionError{Current: cf.Version}
		}
		before := models.SnapshotOfClaimFinding(cf)
		if patch.Stance != nil {
			cf.Stance = *patch.Stance
		}
		if patch.Note != nil {
			cf.Note = patch.Note
		}
		if err := validateClaimFinding(&cf); err != nil {
			return err
		}
		cf.Version++
		cf.UpdatedAt = now()
		// Every write of a claim's links locks the claim first and the version
		// was checked: nothing can have moved it.
		if err := tx.Model(&models.ClaimFinding{}).Where("id = ?", id).Updates(map[string]any{
			"stance": cf.Stance, "note": cf.Note, "version": cf.Version, "updated_at": cf.UpdatedAt,
		}).Error; err != nil {
			return fmt.Errorf("update claim finding %d: %w", id, classify(err))
		}
		if err := auditOutcome(tx, a, "claim_finding.updated", "claim_finding", id, &claimID, &cf.FindingID, before, models.SnapshotOfClaimFinding(cf)); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "claim_finding.updated")
	})
	return cf, err
}

// UnlinkFinding removes the link of a claim to finding findingID. version
// 0 skips the version check.
func (s *Store) UnlinkFinding(ctx context.Context, a Actor, claimID, findingID, version int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		cf, err := s.claimFindingDocument(tx, claimID, findingID)
		if err != nil {
			return err
		}
		id := cf.ID
		if version != 0 && cf.Version != version {
			return &PreconditionError{Current: cf.Version}
		}
		if err := tx.Delete(&models.ClaimFinding{}, id).Error; err != nil {
			return fmt.Errorf("delete claim finding %d: %w", id, classify(err))
		}
		if err := auditOutcome(tx, a, "claim_finding.deleted", "claim_finding", id, &claimID, &cf.FindingID, models.SnapshotOfClaimFinding(cf), nil); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "claim_finding.deleted")
	})
}
