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

// LinkInput links a source to a claim.
type LinkInput struct {
	SourceID          int64
	Role              grading.LinkRole
	Stance            *grading.Stance
	Excerpt           *string
	Locator           *string
	ReportedCertainty *grading.Certainty
	Note              *string
}

// LinkPatch changes a link; nil fields stay, a pointer to "" clears.
type LinkPatch struct {
	Stance            *grading.Stance
	Excerpt           *string
	Locator           *string
	ReportedCertainty *grading.Certainty
	Note              *string
}

func validateLink(l *models.Link, src *models.Source) error {
	var p problems
	l.Stance, l.Excerpt, l.Locator = optional(l.Stance), optional(l.Excerpt), optional(l.Locator)
	l.ReportedCertainty, l.Note = optional(l.ReportedCertainty), optional(l.Note)
	switch l.Role {
	case grading.RoleAppearance:
		if l.Stance != nil {
			p.add("stance", "only evidence links take a stance; an appearance is where the claim is made")
		}
		if l.ReportedCertainty != nil {
			p.add("reported_certainty", "only evidence links take a reported certainty")
		}
	case grading.RoleEvidence:
		if l.Stance == nil {
			p.add("stance", "is required for evidence: %s", strings.Join(grading.Strings(grading.Stances()), ", "))
		} else {
			p.validate("stance", *l.Stance)
		}
		if l.ReportedCertainty != nil {
			p.validate("reported_certainty", *l.ReportedCertainty)
		}
		if src != nil && !grading.EvidenceAllowed(src.Kind) {
			p.add("role", "a %s source can only be an appearance, never evidence", src.Kind)
		}
	default:
		p.validate("role", l.Role)
	}
	if l.Excerpt != nil {
		checkText(&p, "excerpt", *l.Excerpt, false, 10000)
	}
	if l.Locator != nil {
		checkText(&p, "locator", *l.Locator, false, 200)
	}
	if l.Note != nil {
		checkText(&p, "note", *l.Note, false, 4000)
	}
	return p.err()
}

// ListLinks lists the links of a live claim by id, sources embedded.
func (s *Store) ListLinks(ctx context.Context, claimID int64, p Page) ([]models.Link, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.claimRow(db, claimID, false); err != nil {
		return nil, "", err
	}
	q := db.Preload("Source.Includes").Where("claim_id = ?", claimID)
	if p.After > 0 {
		q = q.Where("id > ?", p.After)
	}
	var rows []models.Link
	if err := q.Order("id").Limit(p.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list links of claim %d: %w", claimID, classify(err))
	}
	rows, cursor := trim(rows, p, func(l models.Link) int64 { return l.ID })
	return rows, cursor, nil
}

// CreateLink links a source to a claim and re-derives the claim.
func (s *Store) CreateLink(ctx context.Context, a Actor, claimID int64, in LinkInput) (models.Link, error) {
	l := models.Link{ClaimID: claimID, SourceID: in.SourceID, Role: in.Role, Stance: in.Stance, Excerpt: in.Excerpt,
		Locator: in.Locator, ReportedCertainty: in.ReportedCertainty, Note: in.Note, Version: 1}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.lockClaim(tx, claimID)
		if err != nil {
			return err
		}
		var src models.Source
		var srcErr error
		if err := tx.Preload("Includes").Take(&src, in.SourceID).Error; err != nil {
			if !isNotFound(err) {
				return fmt.Errorf("find source %d: %w", in.SourceID, classify(err))
			}
			srcErr = &ValidationError{Problems: []FieldError{{Field: "source_id", Message: fmt.Sprintf("no source has id %d", in.SourceID)}}}
		}
		verr := validateLink(&l, &src)
		if srcErr != nil {
			return mergeProblems(srcErr, verr)
		}
		if verr != nil {
			return verr
		}
		var existing models.Link
		err = tx.Where("claim_id = ? AND source_id = ? AND role = ?", claimID, in.SourceID, in.Role).Take(&existing).Error
		if err == nil {
			return &ConflictError{Message: fmt.Sprintf("link %d already ties source %d to claim %d as %s", existing.ID, in.SourceID, claimID, in.Role), Resource: "link", ExistingID: existing.ID}
		}
		if !isNotFound(err) {
			return fmt.Errorf("check duplicate link: %w", classify(err))
		}
		if err := tx.Omit("Source").Create(&l).Error; err != nil {
			if errors.Is(classify(err), ErrConflict) {
				return &ConflictError{Message: fmt.Sprintf("source %d is already linked to claim %d as %s", in.SourceID, claimID, in.Role), Resource: "link"}
			}
			return fmt.Errorf("create link: %w", classify(err))
		}
		l.Source = src
		if err := audit(tx, a, "link.created", "link", l.ID, &claimID, nil, models.SnapshotOfLink(l)); err != nil {
			return err
		}
		if l.Role == grading.RoleEvidence {
			if err := bumpEvidence(tx, c.ID); err != nil {
				return err
			}
		}
		return s.rederive(tx, a, []int64{claimID}, "link.created")
	})
	return l, err
}

// bumpEvidence counts one more change to a claim's evidence; a grade older
// than the change is stale.
func bumpEvidence(tx *gorm.DB, claimID int64) error {
	if err := tx.Model(&models.Claim{}).Where("id = ?", claimID).
		Update("evidence_revision", gorm.Expr("evidence_revision + 1")).Error; err != nil {
		return fmt.Errorf("count evidence change of claim %d: %w", claimID, classify(err))
	}
	return nil
}

func (s *Store) linkRow(tx *gorm.DB, claimID, linkID int64) (models.Link, error) {
	var l models.Link
	err := tx.Preload("Source.Includes").Where("claim_id = ?", claimID).Take(&l, linkID).Error
	if isNotFound(err) {
		return l, notFound("link", fmt.Sprintf("%d of claim %d", linkID, claimID))
	}
	if err != nil {
		return l, fmt.Errorf("find link %d: %w", linkID, classify(err))
	}
	return l, nil
}

// UpdateLink applies a patch if version is current and re-derives the claim.
func (s *Store) UpdateLink(ctx context.Context, a Actor, claimID, linkID, version int64, patch LinkPatch) (models.Link, error) {
	var l models.Link
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		var err error
		if l, err = s.linkRow(tx, claimID, linkID); err != nil {
			return err
		}
		if l.Version != version {
			return &PreconditionError{Current: l.Version}
		}
		before := l
		for dst, v := range map[**string]*string{&l.Excerpt: patch.Excerpt, &l.Locator: patch.Locator, &l.Note: patch.Note} {
			if v != nil {
				*dst = v
			}
		}
		if patch.Stance != nil {
			l.Stance = patch.Stance
		}
		if patch.ReportedCertainty != nil {
			l.ReportedCertainty = patch.ReportedCertainty
		}
		if err := validateLink(&l, &l.Source); err != nil {
			return err
		}
		l.Version++
		l.UpdatedAt = now()
		// Every write of a link locks its claim first (lockClaim above) and the
		// link's version was checked: nothing can have moved it.
		res := tx.Model(&models.Link{}).Where("id = ?", linkID).Updates(map[string]any{
			"stance": l.Stance, "excerpt": l.Excerpt, "locator": l.Locator, "reported_certainty": l.ReportedCertainty,
			"note": l.Note, "version": l.Version, "updated_at": l.UpdatedAt,
		})
		if res.Error != nil {
			return fmt.Errorf("update link %d: %w", linkID, classify(res.Error))
		}
		if err := audit(tx, a, "link.updated", "link", linkID, &claimID, models.SnapshotOfLink(before), models.SnapshotOfLink(l)); err != nil {
			return err
		}
		if l.Role == grading.RoleEvidence && (!samePtr(before.Stance, l.Stance) || !samePtr(before.ReportedCertainty, l.ReportedCertainty)) {
			if err := bumpEvidence(tx, claimID); err != nil {
				return err
			}
		}
		return s.rederive(tx, a, []int64{claimID}, "link.updated")
	})
	return l, err
}

// DeleteLink removes a link and re-derives the claim. version 0 skips the
// version check.
func (s *Store) DeleteLink(ctx context.Context, a Actor, claimID, linkID, version int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		l, err := s.linkRow(tx, claimID, linkID)
		if err != nil {
			return err
		}
		if version != 0 && l.Version != version {
			return &PreconditionError{Current: l.Version}
		}
		if err := tx.Delete(&models.Link{}, linkID).Error; err != nil {
			return fmt.Errorf("delete link %d: %w", linkID, classify(err))
		}
		if err := audit(tx, a, "link.deleted", "link", linkID, &claimID, models.SnapshotOfLink(l), nil); err != nil {
			return err
		}
		if l.Role == grading.RoleEvidence {
			if err := bumpEvidence(tx, claimID); err != nil {
				return err
			}
		}
		return s.rederive(tx, a, []int64{claimID}, "link.deleted")
	})
}
