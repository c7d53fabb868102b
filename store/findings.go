package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// FindingInput creates a finding: the question it answers and, where one
// exists, the effect.
type FindingInput struct {
	QuestionID   int64
	Measure      *grading.EffectMeasure
	Estimate     *float64
	CILow        *float64
	CIHigh       *float64
	Events       *int64
	Participants *int64
	Studies      *int64
	Threshold    *float64
	// ComparatorRisk is the comparator group's risk quoted from the source
	// (ratios only; GRADE 12).
	ComparatorRisk *float64
	Attribution    *grading.Attribution
	Summary        string
}

// FindingPatch changes a finding; fields not Set stay, Set with a nil
// Value clears.
type FindingPatch struct {
	QuestionID     *int64
	Measure        Nullable[grading.EffectMeasure]
	Estimate       Nullable[float64]
	CILow          Nullable[float64]
	CIHigh         Nullable[float64]
	Events         Nullable[int64]
	Participants   Nullable[int64]
	Studies        Nullable[int64]
	Threshold      Nullable[float64]
	ComparatorRisk Nullable[float64]
	Attribution    Nullable[grading.Attribution]
	Summary        *string
}

// FindingFilter selects findings; zero fields do not filter. Every flag in
// Flags must hold.
type FindingFilter struct {
	Question  int64
	Therapy   string
	Flags     []grading.Flag
	Certainty grading.Certainty
	Page      Page
}

// validateFinding checks a finding's effect against its question
// (grading.CheckEffect), its summary, and that the thresholds its sources'
// reported certainties used (f.Sources, when loaded) stay on its measure's
// scale, every problem at once.
func validateFinding(f *models.Finding, q models.Question) error {
	var p problems
	f.Summary = strings.TrimSpace(f.Summary)
	checkText(&p, "summary", f.Summary, true, 4000)
	effect := grading.CheckEffect(grading.EffectInput{Measure: f.Measure, Estimate: f.Estimate, CILow: f.CILow,
		CIHigh: f.CIHigh, Events: f.Events, Participants: f.Participants, Studies: f.Studies, Threshold: f.Threshold,
		Attribution: f.Attribution, ComparatorRisk: f.ComparatorRisk, OutcomeKind: q.OutcomeKind, ComparatorKind: q.ComparatorKind})
	for _, fe := range effect {
		p.add(fe.Field, "%s", fe.Message)
	}
	measureOK := true
	for _, fe := range effect {
		measureOK = measureOK && fe.Field != "measure"
	}
	for _, fs := range f.Sources {
		if fs.ReportedThreshold == nil || !measureOK {
			continue
		}
		if msg := reportedThresholdProblem(f.Measure, *fs.ReportedThreshold); msg != "" {
			p.add("measure", "source %d's reported_threshold %v %s: change or clear it first", fs.SourceID, *fs.ReportedThreshold, msg)
		}
	}
	return p.err()
}

// questionOf finds the question a finding input names, as a field problem
// when it does not exist.
func (s *Store) questionOf(tx *gorm.DB, id int64) (models.Question, error) {
	q, err := s.questionRow(tx, id)
	if isErr(err, ErrNotFound) {
		return q, &ValidationError{Problems: []FieldError{{Field: "question_id", Message: fmt.Sprintf("no question has id %d", id)}}}
	}
	return q, err
}

// findingDocument reads a finding as its document shows it: question and
// therapy, flags, sources with their sources and includes.
func (s *Store) findingDocument(db *gorm.DB, id int64) (models.Finding, error) {
	var f models.Finding
	if err := preloadFinding(db, "").Take(&f, id).Error; err != nil {
		if isNotFound(err) {
			return f, notFound("finding", id)
		}
		return f, fmt.Errorf("find finding %d: %w", id, classify(err))
	}
	return f, nil
}

// lockFinding reads and locks a finding row for the rest of the
// transaction.
func (s *Store) lockFinding(tx *gorm.DB, id int64) (models.Finding, error) {
	var f models.Finding
	if err := s.forUpdate(tx).Take(&f, id).Error; err != nil {
		if isNotFound(err) {
			return f, notFound("finding", id)
		}
		return f, fmt.Errorf("find finding %d: %w", id, classify(err))
	}
	return f, nil
}

// CreateFinding stores a new finding, raises its flags and records it.
func (s *Store) CreateFinding(ctx context.Context, a Actor, in FindingInput) (models.Finding, error) {
	f := models.Finding{QuestionID: in.QuestionID, Measure: in.Measure, Estimate: in.Estimate, CILow: in.CILow, CIHigh: in.CIHigh,
		Events: in.Events, Participants: in.Participants, Studies: in.Studies, Threshold: in.Threshold, ComparatorRisk: in.ComparatorRisk,
		Attribution: in.Attribution, Summary: in.Summary, Version: 1}
	var out models.Finding
	err := s.tx(ctx, func(tx *gorm.DB) error {
		q, err := s.questionOf(tx, in.QuestionID)
		verr := validateFinding(&f, q) // against the zero question when it is missing: the effect's own rules still apply
		if err != nil {
			return mergeProblems(err, verr)
		}
		if verr != nil {
			return verr
		}
		if err := tx.Omit("Question", "Flags", "Sources", "Grade").Create(&f).Error; err != nil {
			return fmt.Errorf("create finding: %w", classify(err))
		}
		f.Question = q
		if err := auditOutcome(tx, a, "finding.created", "finding", f.ID, nil, &f.ID, nil, models.SnapshotOfFinding(f)); err != nil {
			return err
		}
		if err := s.refreshFindingFlags(tx, a, []int64{f.ID}, "finding.created"); err != nil {
			return err
		}
		out, err = s.findingDocument(tx, f.ID)
		return err
	})
	return out, err
}

// GetFinding returns a finding as its document shows it, in one statement
// (findingDocumentOne).
func (s *Store) GetFinding(ctx context.Context, id int64) (models.Finding, error) {
	return s.findingDocumentOne(ctx, s.db.WithContext(ctx), id)
}

// ListFindings lists findings by id, each as its document shows it: a
// constant number of queries whatever the page size.
func (s *Store) ListFindings(ctx context.Context, f FindingFilter) ([]models.Finding, string, error) {
	db := s.db.WithContext(ctx)
	q := preloadFinding(db, "")
	if f.Question != 0 {
		q = q.Where("question_id = ?", f.Question)
	}
	if f.Therapy != "" {
		t, err := s.therapyByKey(db, f.Therapy)
		if isErr(err, ErrNotFound) {
			return []models.Finding{}, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		q = q.Where("question_id IN (SELECT id FROM questions WHERE therapy_id = ?)", t.ID)
	}
	for _, flag := range f.Flags {
		q = q.Where("id IN (SELECT finding_id FROM finding_flags WHERE flag = ?)", flag)
	}
	if f.Certainty != "" {
		q = q.Where("certainty = ?", f.Certainty)
	}
	if f.Page.After > 0 {
		q = q.Where("id > ?", f.Page.After)
	}
	var rows []models.Finding
	if err := q.Order("id").Limit(f.Page.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list findings: %w", classify(err))
	}
	rows, cursor := trim(rows, f.Page, func(f models.Finding) int64 { return f.ID })
	return rows, cursor, nil
}

// UpdateFinding applies a patch if version is the finding's current one.
func (s *Store) UpdateFinding(ctx context.Context, a Actor, id, version int64, patch FindingPatch) (models.Finding, error) {
	var out models.Finding
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockFinding(tx, id); err != nil {
			return err
		}
		f, err := s.findingDocument(tx, id)
		if err != nil {
			return err
		}
		if f.Version != version {
			return &PreconditionError{Current: f.Version}
		}
		before := models.SnapshotOfFinding(f)
		patch.Measure.apply(&f.Measure)
		patch.Estimate.apply(&f.Estimate)
		patch.CILow.apply(&f.CILow)
		patch.CIHigh.apply(&f.CIHigh)
		patch.Events.apply(&f.Events)
		patch.Participants.apply(&f.Participants)
		patch.Studies.apply(&f.Studies)
		patch.Threshold.apply(&f.Threshold)
		patch.ComparatorRisk.apply(&f.ComparatorRisk)
		patch.Attribution.apply(&f.Attribution)
		if patch.Summary != nil {
			f.Summary = *patch.Summary
		}
		q := f.Question
		var qerr error
		if patch.QuestionID != nil && *patch.QuestionID != f.QuestionID {
			q, qerr = s.questionOf(tx, *patch.QuestionID)
			if qerr == nil {
				f.QuestionID, f.Question = q.ID, q
			}
		}
		verr := validateFinding(&f, q)
		if qerr != nil {
			return mergeProblems(qerr, verr)
		}
		if verr != nil {
			return verr
		}
		f.Version++
		f.UpdatedAt = now()
		// Locked and version-checked above: nothing can have moved it.
		if err := tx.Model(&models.Finding{}).Where("id = ?", id).Updates(map[string]any{
			"question_id": f.QuestionID, "measure": f.Measure, "estimate": f.Estimate, "ci_low": f.CILow, "ci_high": f.CIHigh,
			"events": f.Events, "participants": f.Participants, "studies": f.Studies, "threshold": f.Threshold,
			"comparator_risk": f.ComparatorRisk, "attribution": f.Attribution, "summary": f.Summary, "version": f.Version, "updated_at": f.UpdatedAt,
		}).Error; err != nil {
			return fmt.Errorf("update finding %d: %w", id, classify(err))
		}
		if err := auditOutcome(tx, a, "finding.updated", "finding", id, nil, &id, before, models.SnapshotOfFinding(f)); err != nil {
			return err
		}
		// The effect, the threshold or the question may have changed: a
		// grade may have gone stale.
		if err := s.refreshFindingFlags(tx, a, []int64{id}, "finding.updated"); err != nil {
			return err
		}
		out, err = s.findingDocument(tx, id)
		return err
	})
	return out, err
}

// FindingHistoryPage is a page of a finding's history, newest first.
type FindingHistoryPage struct {
	Events []models.AuditEvent
	// Next is the cursor of the next page ("" on the last one).
	Next string
	// Graded says whether the finding had a grade when it was read.
	Graded bool
}

// FindingHistory lists the audit events of a finding (its own, its
// sources', its claim links' and its review's), newest first. With
// hideUngradedAssessments, while the finding has no grade its assessment
// events (entity finding_assessment) are left out of the pages.
func (s *Store) FindingHistory(ctx context.Context, findingID int64, p Page, hideUngradedAssessments bool) (FindingHistoryPage, error) {
	db := s.db.WithContext(ctx)
	var f []models.Finding
	if err := db.Select("id", "grade_id").Where("id = ?", findingID).Limit(1).Find(&f).Error; err != nil {
		return FindingHistoryPage{}, fmt.Errorf("find finding %d: %w", findingID, classify(err))
	}
	if len(f) == 0 {
		return FindingHistoryPage{}, notFound("finding", findingID)
	}
	out := FindingHistoryPage{Graded: f[0].GradeID != nil}
	q := db.Where("finding_id = ?", findingID)
	if hideUngradedAssessments && !out.Graded {
		q = q.Where("entity <> ?", "finding_assessment")
	}
	if p.After > 0 {
		q = q.Where("id < ?", p.After)
	}
	var events []models.AuditEvent
	if err := q.Order("id DESC").Limit(p.limit() + 1).Find(&events).Error; err != nil {
		return FindingHistoryPage{}, fmt.Errorf("list history of finding %d: %w", findingID, classify(err))
	}
	out.Events, out.Next = trim(events, p, func(e models.AuditEvent) int64 { return e.ID })
	return out, nil
}
