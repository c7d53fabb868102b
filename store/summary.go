package store

import (
	"context"
	"fmt"

	"claimgrade/models"
)

// QuestionSummary is what the summary-of-findings table of a question
// shows: the question with its therapy, and each of its findings (by id)
// with its flags and its current grade. Assessments are never read, so a
// draft or unsubmitted assessment cannot reach the table.
type QuestionSummary struct {
	Question models.Question
	Findings []models.Finding
}

// QuestionSummary reads a question's summary-of-findings table in five
// statements whatever the number of findings: the question, its therapy,
// the findings, their flags and their current grades. An unknown question
// is ErrNotFound.
func (s *Store) QuestionSummary(ctx context.Context, id int64) (QuestionSummary, error) {
	db := s.db.WithContext(ctx)
	var out QuestionSummary
	q, err := s.questionRow(db, id)
	if err != nil {
		return out, err
	}
	out.Question = q
	if err := db.Preload("Flags", orderFlags).Preload("Grade").Where("question_id = ?", id).Order("id").
		Find(&out.Findings).Error; err != nil {
		return out, fmt.Errorf("list findings of question %d: %w", id, classify(err))
	}
	for i := range out.Findings {
		out.Findings[i].Question = q
	}
	return out, nil
}
