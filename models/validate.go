package models

import (
	"fmt"

	"gorm.io/gorm"

	"claimgrade/grading"
)

// Judgements are stored as JSON, which a vocabulary's Scan does not see: a
// row whose judgements do not parse is refused as it is read, so that no
// read answers with a value outside the vocabulary (the handler logs the
// cause and answers 500).

// AfterFind validates the stored judgements of an assessment.
func (a *FindingAssessment) AfterFind(*gorm.DB) error {
	if notSelected(a.Judgements) {
		return nil // not selected
	}
	if err := a.Judgements.Validate(); err != nil {
		return fmt.Errorf("finding assessment %d: stored %w", a.ID, err)
	}
	return nil
}

// AfterFind validates the stored judgements of a grade.
func (g *FindingGrade) AfterFind(*gorm.DB) error {
	if notSelected(g.Judgements) {
		return nil // not selected
	}
	if err := g.Judgements.Validate(); err != nil {
		return fmt.Errorf("finding grade %d: stored %w", g.ID, err)
	}
	return nil
}

// notSelected reports judgements left at their zero value: a query that
// did not select the column (a stored row always holds every domain).
func notSelected(j grading.DomainJudgements) bool {
	return j.RiskOfBias == "" && j.Inconsistency == "" && j.Indirectness == "" && j.Imprecision == "" &&
		j.PublicationBias == "" && j.LargeEffect == ""
}
