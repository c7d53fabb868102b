package store

import (
	"context"
	"fmt"
	"slices"

	"claimgrade/grading"
	"claimgrade/models"
)

// FindingExport is a finding as the FHIR exports show it: its document and
// the assessments an export may show.
type FindingExport struct {
	Finding models.Finding
	// Assessments are, for a graded finding, the submitted (or revised)
	// assessments its current grade rests on (the grade's assessment ids),
	// by id; none for an ungraded finding. A draft, or a submission that
	// counts in a new round of review not yet decided, is never read: an
	// export never reveals a blinded assessment (DESIGN "Blinding").
	Assessments []models.FindingAssessment
}

// FindingExports reads the findings ids name, in that order, for the FHIR
// exports, in a constant number of queries; a missing one is ErrNotFound.
func (s *Store) FindingExports(ctx context.Context, ids ...int64) ([]FindingExport, error) {
	db := s.db.WithContext(ctx)
	var rows []models.Finding
	if err := preloadFinding(db, "").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read findings for export: %w", classify(err))
	}
	byID := make(map[int64]int, len(rows))
	var shown []int64
	for i, f := range rows {
		byID[f.ID] = i
		if f.Grade != nil {
			shown = append(shown, f.Grade.AssessmentIDs...)
		}
	}
	var assessments []models.FindingAssessment
	if len(shown) > 0 {
		if err := db.Where("id IN ? AND status IN ?", shown, []grading.AssessmentStatus{grading.StatusSubmitted, grading.StatusRevised}).
			Order("id").Find(&assessments).Error; err != nil {
			return nil, fmt.Errorf("read assessments for export: %w", classify(err))
		}
	}
	out := make([]FindingExport, len(ids))
	for i, id := range ids {
		j, ok := byID[id]
		if !ok {
			return nil, notFound("finding", id)
		}
		out[i].Finding = rows[j]
		g := rows[j].Grade
		for _, as := range assessments {
			if g != nil && as.FindingID == id && slices.Contains(g.AssessmentIDs, as.ID) {
				out[i].Assessments = append(out[i].Assessments, as)
			}
		}
	}
	return out, nil
}
