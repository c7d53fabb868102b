package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// QuestionInput creates a question. Therapy is a slug or an alias.
type QuestionInput struct {
	Therapy        string
	Population     string
	Intervention   string
	Comparator     *string
	ComparatorKind grading.ComparatorKind
	Outcome        string
	Timepoint      string
	OutcomeKind    grading.OutcomeKind
	Direction      grading.Direction
}

// QuestionPatch changes a question; nil fields stay. Comparator is cleared
// with Set and a nil Value (or an empty string).
type QuestionPatch struct {
	Therapy        *string
	Population     *string
	Intervention   *string
	Comparator     Nullable[string]
	ComparatorKind *grading.ComparatorKind
	Outcome        *string
	Timepoint      *string
	OutcomeKind    *grading.OutcomeKind
	Direction      *grading.Direction
}

// QuestionFilter selects questions; zero fields do not filter.
type QuestionFilter struct {
	Therapy     string
	OutcomeKind grading.OutcomeKind
	Page        Page
}

// validateQuestion trims q and reports every problem: the PICO texts are
// required, and a comparator is named exactly when comparator_kind is not
// none.
func validateQuestion(q *models.Question) error {
	var p problems
	q.Population, q.Intervention = strings.TrimSpace(q.Population), strings.TrimSpace(q.Intervention)
	q.Outcome, q.Timepoint = strings.TrimSpace(q.Outcome), strings.TrimSpace(q.Timepoint)
	q.Comparator = optional(q.Comparator)
	checkText(&p, "population", q.Population, true, 1000)
	checkText(&p, "intervention", q.Intervention, true, 1000)
	if q.Comparator != nil {
		checkText(&p, "comparator", *q.Comparator, false, 1000)
	}
	if err := q.ComparatorKind.Validate(); err != nil {
		p.validate("comparator_kind", q.ComparatorKind)
	} else if q.ComparatorKind == grading.ComparatorNone && q.Comparator != nil {
		p.add("comparator", "must be null when comparator_kind is none (a question without comparator)")
	} else if q.ComparatorKind != grading.ComparatorNone && q.Comparator == nil {
		p.add("comparator", "is required when comparator_kind is %s: name what the intervention is compared with", q.ComparatorKind)
	}
	checkText(&p, "outcome", q.Outcome, true, 500)
	checkText(&p, "timepoint", q.Timepoint, true, 200)
	p.validate("outcome_kind", q.OutcomeKind)
	if q.Direction == "" {
		// Never defaulted: a benefit measured as pain intensity is
		// lower_is_better, a responder rate higher_is_better.
		p.add("direction", "is required: which way the outcome's scale improves, %s (pain intensity: lower_is_better)",
			strings.Join(grading.Strings(grading.Directions()), " or "))
	} else {
		p.validate("direction", q.Direction)
	}
	return p.err()
}

// CreateQuestion stores a new question and records it.
func (s *Store) CreateQuestion(ctx context.Context, a Actor, in QuestionInput) (models.Question, error) {
	q := models.Question{Population: in.Population, Intervention: in.Intervention, Comparator: in.Comparator,
		ComparatorKind: in.ComparatorKind, Outcome: in.Outcome, Timepoint: in.Timepoint, OutcomeKind: in.OutcomeKind,
		Direction: in.Direction, Version: 1}
	verr := validateQuestion(&q)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.resolveTherapy(tx, in.Therapy)
		if err != nil {
			return mergeProblems(err, verr)
		}
		if verr != nil {
			return verr
		}
		q.TherapyID, q.Therapy = t.ID, t
		if err := tx.Omit("Therapy").Create(&q).Error; err != nil {
			return fmt.Errorf("create question: %w", classify(err))
		}
		return auditOutcome(tx, a, "question.created", "question", q.ID, nil, nil, nil, models.SnapshotOfQuestion(q))
	})
	return q, err
}

func (s *Store) questionRow(db *gorm.DB, id int64) (models.Question, error) {
	var q models.Question
	if err := db.Preload("Therapy").Take(&q, id).Error; err != nil {
		if isNotFound(err) {
			return q, notFound("question", id)
		}
		return q, fmt.Errorf("find question %d: %w", id, classify(err))
	}
	return q, nil
}

// GetQuestion returns a question with its therapy.
func (s *Store) GetQuestion(ctx context.Context, id int64) (models.Question, error) {
	return s.questionRow(s.db.WithContext(ctx), id)
}

// ListQuestions lists questions by id: one query for the page and one for
// the therapies.
func (s *Store) ListQuestions(ctx context.Context, f QuestionFilter) ([]models.Question, string, error) {
	db := s.db.WithContext(ctx)
	q := db.Preload("Therapy")
	if f.Therapy != "" {
		t, err := s.therapyByKey(db, f.Therapy)
		if isErr(err, ErrNotFound) {
			return []models.Question{}, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		q = q.Where("therapy_id = ?", t.ID)
	}
	if f.OutcomeKind != "" {
		q = q.Where("outcome_kind = ?", f.OutcomeKind)
	}
	if f.Page.After > 0 {
		q = q.Where("id > ?", f.Page.After)
	}
	var rows []models.Question
	if err := q.Order("id").Limit(f.Page.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list questions: %w", classify(err))
	}
	rows, cursor := trim(rows, f.Page, func(q models.Question) int64 { return q.ID })
	return rows, cursor, nil
}

// UpdateQuestion applies a patch if version is the question's current one.
// A change that would leave a finding of the question with an attribution
// (only for a harm without comparator) is refused.
func (s *Store) UpdateQuestion(ctx context.Context, a Actor, id, version int64, patch QuestionPatch) (models.Question, error) {
	var q models.Question
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if q, err = s.questionRow(s.forUpdate(tx), id); err != nil {
			return err
		}
		if q.Version != version {
			return &PreconditionError{Current: q.Version}
		}
		before := q
		for dst, v := range map[*string]*string{&q.Population: patch.Population, &q.Intervention: patch.Intervention,
			&q.Outcome: patch.Outcome, &q.Timepoint: patch.Timepoint} {
			if v != nil {
				*dst = *v
			}
		}
		patch.Comparator.apply(&q.Comparator)
		if patch.ComparatorKind != nil {
			q.ComparatorKind = *patch.ComparatorKind
		}
		if patch.OutcomeKind != nil {
			q.OutcomeKind = *patch.OutcomeKind
		}
		if patch.Direction != nil {
			q.Direction = *patch.Direction
		}
		verr := validateQuestion(&q)
		if patch.Therapy != nil {
			t, err := s.resolveTherapy(tx, *patch.Therapy)
			if err != nil {
				return mergeProblems(err, verr)
			}
			q.TherapyID, q.Therapy = t.ID, t
		}
		if verr != nil {
			return verr
		}
		if q.OutcomeKind != grading.OutcomeHarm || q.ComparatorKind != grading.ComparatorNone {
			var n int64
			if err := tx.Model(&models.Finding{}).Where("question_id = ? AND attribution IS NOT NULL", id).Count(&n).Error; err != nil {
				return fmt.Errorf("count attributed findings of question %d: %w", id, classify(err))
			}
			if n > 0 {
				msg := fmt.Sprintf("%d finding(s) of this question state an attribution, which only a harm without comparator has: clear it first", n)
				return &ValidationError{Problems: []FieldError{{Field: "outcome_kind", Message: msg}, {Field: "comparator_kind", Message: msg}}}
			}
		}
		q.Version++
		q.UpdatedAt = now()
		// Locked and version-checked above: nothing can have moved it.
		if err := tx.Model(&models.Question{}).Where("id = ?", id).Updates(map[string]any{
			"therapy_id": q.TherapyID, "population": q.Population, "intervention": q.Intervention, "comparator": q.Comparator,
			"comparator_kind": q.ComparatorKind, "outcome": q.Outcome, "timepoint": q.Timepoint, "outcome_kind": q.OutcomeKind,
			"direction": q.Direction, "version": q.Version, "updated_at": q.UpdatedAt,
		}).Error; err != nil {
			return fmt.Errorf("update question %d: %w", id, classify(err))
		}
		if err := auditOutcome(tx, a, "question.updated", "question", id, nil, nil, models.SnapshotOfQuestion(before), models.SnapshotOfQuestion(q)); err != nil {
			return err
		}
		// The PICO, timepoint, outcome_kind or direction may have changed:
		// the grades of the question's findings may have gone stale, and
		// the ratings that orient their estimates may change.
		findingIDs, err := findingsOfQuestion(tx, id)
		if err != nil {
			return err
		}
		return s.refreshFindingFlags(tx, a, findingIDs, "question.updated")
	})
	return q, err
}
