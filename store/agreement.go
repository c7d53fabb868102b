package store

import (
	"context"
	"fmt"
	"slices"

	"claimgrade/grading"
	"claimgrade/models"
)

// FirstSubmissions returns the first submissions of every finding that has
// at least two submitted (submitted or revised) assessments, one slice per
// finding in submission order (the first submitter first), findings by id:
// the input of grading.AgreementOf. therapyID, when not 0, keeps only the
// findings whose question is about that therapy. Drafts never count, nor
// does an assessment reopened as a draft after its grade went stale (its
// kept first submission graded an older body). It runs one query.
func (s *Store) FirstSubmissions(ctx context.Context, therapyID int64) ([][]grading.FindingAssessment, error) {
	submitted := []grading.AssessmentStatus{grading.StatusSubmitted, grading.StatusRevised}
	q := s.db.WithContext(ctx).Model(&models.FindingAssessment{}).
		Select("finding_assessments.id", "finding_assessments.finding_id", "finding_assessments.first_submission").
		Where("finding_assessments.status IN ? AND finding_assessments.first_submission IS NOT NULL", submitted).
		// The subquery as text: gorm builds a *gorm.DB subquery by running
		// the query callbacks dry, which the tests' query counter would count.
		Where(`finding_assessments.finding_id IN (SELECT finding_id FROM finding_assessments
			WHERE status IN ? AND first_submission IS NOT NULL GROUP BY finding_id HAVING COUNT(*) >= 2)`, submitted)
	if therapyID != 0 {
		q = q.Joins("JOIN findings ON findings.id = finding_assessments.finding_id").
			Joins("JOIN questions ON questions.id = findings.question_id").
			Where("questions.therapy_id = ?", therapyID)
	}
	var rows []models.FindingAssessment
	if err := q.Order("finding_assessments.finding_id, finding_assessments.id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load first submissions: %w", classify(err))
	}
	var out [][]grading.FindingAssessment
	for i := 0; i < len(rows); {
		j := i
		var group []models.FindingAssessment
		for ; j < len(rows) && rows[j].FindingID == rows[i].FindingID; j++ {
			if rows[j].FirstSubmission != nil { // not a stored JSON null
				group = append(group, rows[j])
			}
		}
		i = j
		if len(group) < 2 {
			continue
		}
		slices.SortStableFunc(group, func(a, b models.FindingAssessment) int {
			return a.FirstSubmission.SubmittedAt.Compare(b.FirstSubmission.SubmittedAt)
		})
		f := make([]grading.FindingAssessment, len(group))
		for k, r := range group {
			fs := r.FirstSubmission
			f[k] = grading.FindingAssessment{Judgements: fs.Judgements, Start: fs.Start, Certainty: fs.Certainty, SubmittedAt: fs.SubmittedAt}
		}
		out = append(out, f)
	}
	return out, nil
}
