package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// FindingSourceInput attaches a source to a finding.
type FindingSourceInput struct {
	SourceID          int64
	Excerpt           *string
	Locator           *string
	Note              *string
	ReportedCertainty *grading.Certainty
	ReportedThreshold *float64
	DesignSubset      *grading.IncludedDesign
}

// FindingSourcePatch changes an attachment; nil text fields stay (a
// pointer to "" clears), the others are cleared with Set and a nil Value.
type FindingSourcePatch struct {
	Excerpt           *string
	Locator           *string
	Note              *string
	ReportedCertainty Nullable[grading.Certainty]
	ReportedThreshold Nullable[float64]
	DesignSubset      Nullable[grading.IncludedDesign]
}

// validateFindingSource checks an attachment against its source and the
// measure of its finding: web_article, news and other are never
// attachable; reported_certainty is a review's or guideline's own rating
// (GRADE 32/34), and reported_threshold the threshold it judged imprecision
// against, given only with it and on the finding's estimate scale
// (reportedThresholdProblem); design_subset names the one design a mixed
// review's estimate is restricted to (GRADE 24).
func validateFindingSource(fs *models.FindingSource, src *models.Source, measure *grading.EffectMeasure) error {
	var p problems
	fs.Excerpt, fs.Locator, fs.Note = optional(fs.Excerpt), optional(fs.Locator), optional(fs.Note)
	if src != nil && !grading.EvidenceAllowed(src.Kind) {
		p.add("source_id", "a %s source is never evidence of a finding (it can be an appearance of a claim)", src.Kind)
	}
	if fs.ReportedCertainty != nil {
		switch {
		case fs.ReportedCertainty.Validate() != nil:
			p.validate("reported_certainty", *fs.ReportedCertainty)
		case src != nil && !grading.MayReportCertainty(src.Kind):
			p.add("reported_certainty", "only a systematic_review, meta_analysis or guideline states its own certainty for an outcome; this source is a %s", src.Kind)
		}
	}
	if fs.ReportedThreshold != nil {
		switch {
		case fs.ReportedCertainty == nil:
			p.add("reported_threshold", "is the threshold the source used for its reported_certainty: give reported_certainty too (or clear both)")
		default:
			if msg := reportedThresholdProblem(measure, *fs.ReportedThreshold); msg != "" {
				p.add("reported_threshold", "%s", msg)
			}
		}
	}
	if fs.DesignSubset != nil {
		switch {
		case fs.DesignSubset.Validate() != nil:
			p.validate("design_subset", *fs.DesignSubset)
		case *fs.DesignSubset == grading.IncludedMixed:
			p.add("design_subset", "names the one design the review's estimate is restricted to: randomised, non_randomised or non_comparative")
		case src != nil && (src.IncludedDesign == nil || *src.IncludedDesign != grading.IncludedMixed):
			p.add("design_subset", "is only for a review whose included_design is mixed")
		}
	}
	if fs.Excerpt != nil {
		checkText(&p, "excerpt", *fs.Excerpt, false, 10000)
	}
	if fs.Locator != nil {
		checkText(&p, "locator", *fs.Locator, false, 200)
	}
	if fs.Note != nil {
		checkText(&p, "note", *fs.Note, false, 4000)
	}
	return p.err()
}

// reportedThresholdProblem says why t cannot be a reported threshold for a
// finding with this measure, "" when it can: it is on the finding's
// estimate scale, so the finding needs a measure, and it obeys the same
// rules as the finding's own threshold (grading.ThresholdProblem).
func reportedThresholdProblem(measure *grading.EffectMeasure, t float64) string {
	if measure == nil || measure.Validate() != nil {
		return "is on the finding's estimate scale, and the finding has no measure: set the finding's measure first"
	}
	if msg := grading.ThresholdProblem(*measure, t); msg != "" {
		return fmt.Sprintf("%s (the finding's measure is %s)", msg, *measure)
	}
	return ""
}

// findingSourceRow reads the attachment of source sourceID to a finding
// (an attachment is addressed by its source, unique per finding).
func (s *Store) findingSourceRow(tx *gorm.DB, findingID, sourceID int64) (models.FindingSource, error) {
	var fs models.FindingSource
	err := tx.Preload("Source.Includes").Where("finding_id = ? AND source_id = ?", findingID, sourceID).Take(&fs).Error
	if isNotFound(err) {
		return fs, notFound("source", fmt.Sprintf("%d attached to finding %d", sourceID, findingID))
	}
	if err != nil {
		return fs, fmt.Errorf("find source %d of finding %d: %w", sourceID, findingID, classify(err))
	}
	return fs, nil
}

// AttachSource attaches a source to a finding and recomputes the
// finding's flags.
func (s *Store) AttachSource(ctx context.Context, a Actor, findingID int64, in FindingSourceInput) (models.FindingSource, error) {
	fs := models.FindingSource{FindingID: findingID, SourceID: in.SourceID, Excerpt: in.Excerpt, Locator: in.Locator, Note: in.Note,
		ReportedCertainty: in.ReportedCertainty, ReportedThreshold: in.ReportedThreshold, DesignSubset: in.DesignSubset, Version: 1}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		f, err := s.lockFinding(tx, findingID)
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
		var verr error
		if srcErr != nil {
			verr = validateFindingSource(&fs, nil, f.Measure)
			return mergeProblems(srcErr, verr)
		}
		if verr = validateFindingSource(&fs, &src, f.Measure); verr != nil {
			return verr
		}
		var existing models.FindingSource
		err = tx.Where("finding_id = ? AND source_id = ?", findingID, in.SourceID).Take(&existing).Error
		if err == nil {
			return &ConflictError{Message: fmt.Sprintf("finding source %d already attaches source %d to finding %d", existing.ID, in.SourceID, findingID),
				Resource: "finding source", ExistingID: existing.ID}
		}
		if !isNotFound(err) {
			return fmt.Errorf("check duplicate finding source: %w", classify(err))
		}
		if err := tx.Omit("Source").Create(&fs).Error; err != nil {
			if errors.Is(classify(err), ErrConflict) {
				return &ConflictError{Message: fmt.Sprintf("source %d is already attached to finding %d", in.SourceID, findingID), Resource: "finding source"}
			}
			return fmt.Errorf("create finding source: %w", classify(err))
		}
		fs.Source = src
		if err := auditOutcome(tx, a, "finding_source.created", "finding_source", fs.ID, nil, &findingID, nil, models.SnapshotOfFindingSource(fs)); err != nil {
			return err
		}
		return s.refreshFindingFlags(tx, a, []int64{findingID}, "finding_source.created")
	})
	return fs, err
}

// UpdateFindingSource applies a patch to the attachment of source sourceID
// if version is its current one.
func (s *Store) UpdateFindingSource(ctx context.Context, a Actor, findingID, sourceID, version int64, patch FindingSourcePatch) (models.FindingSource, error) {
	var fs models.FindingSource
	err := s.tx(ctx, func(tx *gorm.DB) error {
		f, err := s.lockFinding(tx, findingID)
		if err != nil {
			return err
		}
		if fs, err = s.findingSourceRow(tx, findingID, sourceID); err != nil {
			return err
		}
		id := fs.ID
		if fs.Version != version {
			return &PreconditionError{Current: fs.Version}
		}
		before := models.SnapshotOfFindingSource(fs)
		for dst, v := range map[**string]*string{&fs.Excerpt: patch.Excerpt, &fs.Locator: patch.Locator, &fs.Note: patch.Note} {
			if v != nil {
				*dst = v
			}
		}
		patch.ReportedCertainty.apply(&fs.ReportedCertainty)
		patch.ReportedThreshold.apply(&fs.ReportedThreshold)
		patch.DesignSubset.apply(&fs.DesignSubset)
		if err := validateFindingSource(&fs, &fs.Source, f.Measure); err != nil {
			return err
		}
		fs.Version++
		fs.UpdatedAt = now()
		// Every write of an attachment locks its finding first and the
		// version was checked: nothing can have moved it.
		if err := tx.Model(&models.FindingSource{}).Where("id = ?", id).Updates(map[string]any{
			"excerpt": fs.Excerpt, "locator": fs.Locator, "note": fs.Note, "reported_certainty": fs.ReportedCertainty,
			"reported_threshold": fs.ReportedThreshold, "design_subset": fs.DesignSubset, "version": fs.Version, "updated_at": fs.UpdatedAt,
		}).Error; err != nil {
			return fmt.Errorf("update finding source %d: %w", id, classify(err))
		}
		if err := auditOutcome(tx, a, "finding_source.updated", "finding_source", id, nil, &findingID, before, models.SnapshotOfFindingSource(fs)); err != nil {
			return err
		}
		// reported_certainty, reported_threshold and design_subset are part
		// of what a grade rests on.
		return s.refreshFindingFlags(tx, a, []int64{findingID}, "finding_source.updated")
	})
	return fs, err
}

// DetachSource removes source sourceID from a finding and recomputes the
// finding's flags. version 0 skips the version check.
func (s *Store) DetachSource(ctx context.Context, a Actor, findingID, sourceID, version int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockFinding(tx, findingID); err != nil {
			return err
		}
		fs, err := s.findingSourceRow(tx, findingID, sourceID)
		if err != nil {
			return err
		}
		id := fs.ID
		if version != 0 && fs.Version != version {
			return &PreconditionError{Current: fs.Version}
		}
		if err := tx.Delete(&models.FindingSource{}, id).Error; err != nil {
			return fmt.Errorf("delete finding source %d: %w", id, classify(err))
		}
		if err := auditOutcome(tx, a, "finding_source.deleted", "finding_source", id, nil, &findingID, models.SnapshotOfFindingSource(fs), nil); err != nil {
			return err
		}
		return s.refreshFindingFlags(tx, a, []int64{findingID}, "finding_source.deleted")
	})
}
