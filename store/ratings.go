package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// An editor may override the rules' rating of a claim with a rationale
// (DESIGN "Claim ratings"). The override stores the evidence basis it was
// set against; when the wording or the linked findings change, the basis
// differs, and the override still stands but is stale (stale_grade flag,
// said in the explanation) until an editor sets it again or removes it.

// RatingOverrideInput is an editor's rating of a claim.
type RatingOverrideInput struct {
	Rating    grading.Rating
	Rationale string
}

// maxRationale bounds an override's rationale, in characters.
const maxRationale = 4000

// SetRatingOverride sets (or replaces) the editor's rating of a live claim
// if version is its current one, and re-derives it in the same transaction.
func (s *Store) SetRatingOverride(ctx context.Context, a Actor, id, version int64, in RatingOverrideInput) (models.Claim, error) {
	var p problems
	if in.Rating == "" {
		p.add("rating", "is required: %s", strings.Join(grading.Strings(grading.Ratings()), ", "))
	} else {
		p.validate("rating", in.Rating)
	}
	in.Rationale = strings.TrimSpace(in.Rationale)
	checkText(&p, "rationale", in.Rationale, true, maxRationale)
	if err := p.err(); err != nil {
		return models.Claim{}, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.lockClaim(tx, id)
		if err != nil {
			return err
		}
		if c.Version != version {
			return &PreconditionError{Current: c.Version}
		}
		rows, err := linkedFindings(tx, []int64{id})
		if err != nil {
			return err
		}
		searches, err := claimSearches(tx, []int64{id})
		if err != nil {
			return err
		}
		st := claimState(c, claimInputs{findings: rows, searches: searches[id]})
		linked := make([]grading.LinkedFinding, len(st.Findings))
		for i, f := range st.Findings {
			linked[i] = f.LinkedFinding
		}
		basis := grading.EvidenceBasis(st.Wording, linked, st.Searches)
		before := models.SnapshotOfRating(c)
		t := now()
		by := a.Name
		if err := tx.Model(&models.Claim{}).Where("id = ?", id).Updates(map[string]any{
			"override_rating": in.Rating, "override_rationale": in.Rationale, "override_by": by, "override_at": t,
			"override_basis": basis, "version": gorm.Expr("version + 1"), "updated_at": t,
		}).Error; err != nil {
			return fmt.Errorf("set rating override of claim %d: %w", id, classify(err))
		}
		c.OverrideRating, c.OverrideRationale, c.OverrideBy, c.OverrideAt = &in.Rating, &in.Rationale, &by, &t
		if err := audit(tx, a, "claim.override_set", "claim", id, &id, before, models.SnapshotOfRating(c)); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{id}, "claim.override_set")
	})
	if err != nil {
		return models.Claim{}, err
	}
	return s.claimWithFlags(ctx, id)
}

// ClearRatingOverride removes the editor's rating of a live claim (the
// rules decide again) if version is its current one. A claim without an
// override is a *NotFound of the override.
func (s *Store) ClearRatingOverride(ctx context.Context, a Actor, id, version int64) (models.Claim, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.lockClaim(tx, id)
		if err != nil {
			return err
		}
		if c.Version != version {
			return &PreconditionError{Current: c.Version}
		}
		if c.OverrideRating == nil {
			return notFound("rating override", fmt.Sprintf("of claim %d", id))
		}
		before := models.SnapshotOfRating(c)
		t := now()
		if err := tx.Model(&models.Claim{}).Where("id = ?", id).Updates(map[string]any{
			"override_rating": nil, "override_rationale": nil, "override_by": nil, "override_at": nil,
			"override_basis": nil, "version": gorm.Expr("version + 1"), "updated_at": t,
		}).Error; err != nil {
			return fmt.Errorf("clear rating override of claim %d: %w", id, classify(err))
		}
		c.OverrideRating, c.OverrideRationale, c.OverrideBy, c.OverrideAt = nil, nil, nil, nil
		if err := audit(tx, a, "claim.override_removed", "claim", id, &id, before, models.SnapshotOfRating(c)); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{id}, "claim.override_removed")
	})
	if err != nil {
		return models.Claim{}, err
	}
	return s.claimWithFlags(ctx, id)
}
