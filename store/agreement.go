package store

import (
	"context"
	"fmt"

	"claimgrade/grading"
	"claimgrade/models"
)

// AgreementRound is one settled round of review of a finding with at least
// two first submissions: one subject of the agreement statistics.
type AgreementRound struct {
	FindingID int64
	Round     int
	// The first submissions of the round, the first submitter first.
	Submissions []grading.FindingAssessment
}

// SettledFirstSubmissions returns the first submissions of every settled
// round of review that has at least two, findings by id, rounds in order:
// the input of grading.AgreementOf. A round is settled once the finding has
// a grade decided after its submissions (as many grades as the round's
// number): until then its judgements are blinded (DESIGN "Blinding": public
// reads show assessments only of graded findings), and even an aggregate
// over one pending finding would tell a reviewer whether the other chose
// the same. A revision after unblinding never counts, nor do drafts (they
// have no first submission); a finding re-graded after its grade went
// stale counts once per round. therapyID, when not 0, keeps only the
// findings whose question is about that therapy. It runs one query.
func (s *Store) SettledFirstSubmissions(ctx context.Context, therapyID int64) ([]AgreementRound, error) {
	q := s.db.WithContext(ctx).Model(&models.FindingFirstSubmission{}).
		Select("finding_first_submissions.*").
		// The settling grades as a text subquery: gorm builds a *gorm.DB
		// subquery by running the query callbacks dry, which the tests'
		// query counter would count.
		Joins(`JOIN (SELECT finding_id, COUNT(*) AS grades FROM finding_grades GROUP BY finding_id) settled
			ON settled.finding_id = finding_first_submissions.finding_id AND finding_first_submissions.round <= settled.grades`)
	if therapyID != 0 {
		q = q.Joins("JOIN findings ON findings.id = finding_first_submissions.finding_id").
			Joins("JOIN questions ON questions.id = findings.question_id").
			Where("questions.therapy_id = ?", therapyID)
	}
	var rows []models.FindingFirstSubmission
	if err := q.Order("finding_first_submissions.finding_id, finding_first_submissions.round, " +
		"finding_first_submissions.submitted_at, finding_first_submissions.id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load first submissions: %w", classify(err))
	}
	var out []AgreementRound
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].FindingID == rows[i].FindingID && rows[j].Round == rows[i].Round {
			j++
		}
		if j-i >= 2 {
			r := AgreementRound{FindingID: rows[i].FindingID, Round: rows[i].Round, Submissions: make([]grading.FindingAssessment, j-i)}
			for k, fs := range rows[i:j] {
				r.Submissions[k] = grading.FindingAssessment{Judgements: fs.Judgements, Start: fs.Start, Certainty: fs.Certainty,
					SubmittedAt: fs.SubmittedAt}
			}
			out = append(out, r)
		}
		i = j
	}
	return out, nil
}
