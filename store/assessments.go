package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// Reviewing a claim: each reviewer keeps one assessment per claim, a draft
// until submitted, then frozen. Submitting may complete a consensus, which
// becomes the claim's grade; editors adjudicate where reviewers disagree (or
// re-grade whenever they see fit). Every write re-derives the claim in its
// own transaction and is recorded in the audit trail.

// AssessmentInput is a reviewer's GRADE judgement: every field must hold a
// valid value (the HTTP layer fills in the documented defaults).
type AssessmentInput struct {
	RiskOfBias, Inconsistency, Indirectness, Imprecision, PublicationBias grading.Concern
	LargeEffect                                                           grading.Effect
	DoseResponse, PlausibleConfounding                                    bool
	Verdict                                                               grading.Verdict
	Rationale                                                             string
}

// GradeInput is an editor's adjudicated grade. A nil Certainty means none
// (allowed only with verdict insufficient and no usable evidence).
type GradeInput struct {
	Certainty *grading.Certainty
	Verdict   grading.Verdict
	Rationale string
}

// MaxRationale bounds a rationale, in characters.
const MaxRationale = 4000

func (in AssessmentInput) judgement() grading.Judgement {
	return grading.Judgement{
		RiskOfBias: in.RiskOfBias, Inconsistency: in.Inconsistency, Indirectness: in.Indirectness,
		Imprecision: in.Imprecision, PublicationBias: in.PublicationBias, LargeEffect: in.LargeEffect,
		DoseResponse: in.DoseResponse, PlausibleConfounding: in.PlausibleConfounding,
		Verdict: in.Verdict, Rationale: in.Rationale,
	}
}

// inputOf is the judgement an assessment holds.
func inputOf(as models.Assessment) AssessmentInput {
	return AssessmentInput{RiskOfBias: as.RiskOfBias, Inconsistency: as.Inconsistency, Indirectness: as.Indirectness,
		Imprecision: as.Imprecision, PublicationBias: as.PublicationBias, LargeEffect: as.LargeEffect,
		DoseResponse: as.DoseResponse, PlausibleConfounding: as.PlausibleConfounding, Verdict: as.Verdict, Rationale: as.Rationale}
}

// assessAgainst validates a judgement against evidence and returns the
// certainty (nil without usable evidence) and the derivation.
func assessAgainst(evidence []grading.Evidence, in AssessmentInput) (*grading.Certainty, grading.Derivation, error) {
	d, err := grading.Assess(evidence, in.judgement())
	p := engineFieldProblems(err)
	checkText(&p, "rationale", in.Rationale, false, MaxRationale)
	if err := p.err(); err != nil {
		return nil, grading.Derivation{}, err
	}
	return d.Result.Ptr(), d, nil
}

// mayReview checks that a is a user who may assess claims.
func mayReview(a Actor) error {
	if !a.Role.AtLeast(models.RoleReviewer) {
		return fmt.Errorf("%w: assessing claims needs the reviewer role", ErrForbidden)
	}
	if a.UserID == 0 {
		return fmt.Errorf("%w: assessments are made by a user, not by %q", ErrForbidden, a.Name)
	}
	return nil
}

// ownAssessment reads the assessment of reviewerID on a claim; nil when
// there is none.
func ownAssessment(tx *gorm.DB, claimID, reviewerID int64) (*models.Assessment, error) {
	var rows []models.Assessment
	if err := tx.Where("claim_id = ? AND reviewer_id = ?", claimID, reviewerID).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("find assessment of user %d on claim %d: %w", reviewerID, claimID, classify(err))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// withReviewer loads the reviewer of an assessment after a write.
func (s *Store) withReviewer(ctx context.Context, as models.Assessment) (models.Assessment, error) {
	var out models.Assessment
	if err := s.db.WithContext(ctx).Preload("Reviewer").Take(&out, as.ID).Error; err != nil {
		return as, fmt.Errorf("read assessment %d: %w", as.ID, classify(err))
	}
	return out, nil
}

// PutAssessment creates the caller's draft on a claim (version 0) or
// updates it (version = the draft's current version). An existing draft
// with version 0 is a *PreconditionRequiredError, a stale version a
// *PreconditionError, a submitted assessment a *ConflictError. The
// certainty and its derivation are computed by grading.Assess against the
// claim's current evidence links; rule violations are a *ValidationError.
// created reports whether the draft is new.
func (s *Store) PutAssessment(ctx context.Context, a Actor, claimID, version int64, in AssessmentInput) (models.Assessment, bool, error) {
	if err := mayReview(a); err != nil {
		return models.Assessment{}, false, err
	}
	var as models.Assessment
	created := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		existing, err := ownAssessment(tx, claimID, a.UserID)
		if err != nil {
			return err
		}
		switch {
		case existing == nil && version != 0:
			return &PreconditionError{Current: 0}
		case existing != nil && existing.Status == grading.StatusSubmitted:
			return &ConflictError{Message: fmt.Sprintf("assessment %d was submitted on %s and is frozen; submitted assessments cannot change",
				existing.ID, existing.SubmittedAt.Format("2006-01-02")), Resource: "assessment", ExistingID: existing.ID}
		case existing != nil && version == 0:
			return &PreconditionRequiredError{Resource: fmt.Sprintf("draft assessment %d", existing.ID), Current: existing.Version}
		case existing != nil && version != existing.Version:
			return &PreconditionError{Current: existing.Version}
		}
		evidence, err := claimEvidence(tx, claimID)
		if err != nil {
			return err
		}
		in.Rationale = strings.TrimSpace(in.Rationale)
		certainty, derivation, err := assessAgainst(evidence, in)
		if err != nil {
			return err
		}
		t := now()
		if existing == nil {
			created = true
			as = models.Assessment{ClaimID: claimID, ReviewerID: a.UserID, Status: grading.StatusDraft, Version: 1, CreatedAt: t}
		} else {
			as = *existing
		}
		before := as
		as.RiskOfBias, as.Inconsistency, as.Indirectness = in.RiskOfBias, in.Inconsistency, in.Indirectness
		as.Imprecision, as.PublicationBias, as.LargeEffect = in.Imprecision, in.PublicationBias, in.LargeEffect
		as.DoseResponse, as.PlausibleConfounding = in.DoseResponse, in.PlausibleConfounding
		as.Verdict, as.Rationale = in.Verdict, in.Rationale
		as.Certainty, as.Derivation, as.UpdatedAt = certainty, derivation, t
		if created {
			if err := tx.Omit("Reviewer").Create(&as).Error; err != nil {
				if isErr(classify(err), ErrConflict) {
					return &ConflictError{Message: fmt.Sprintf("%s already has an assessment of claim %d", a.Name, claimID), Resource: "assessment"}
				}
				return fmt.Errorf("create assessment: %w", classify(err))
			}
			return audit(tx, a, "assessment.created", "assessment", as.ID, &claimID, nil, models.SnapshotOfAssessment(as, a.Name))
		}
		as.Version++
		// A struct update (not a map) so that the derivation goes through its
		// JSON serializer; Select writes the listed columns even when zero.
		res := tx.Model(&models.Assessment{}).Where("id = ? AND version = ?", as.ID, version).
			Select("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias", "large_effect",
				"dose_response", "plausible_confounding", "verdict", "rationale", "certainty", "derivation", "version", "updated_at").
			Updates(&as)
		if res.Error != nil {
			return fmt.Errorf("update assessment %d: %w", as.ID, classify(res.Error))
		}
		if res.RowsAffected == 0 {
			return &PreconditionError{Current: version + 1}
		}
		return audit(tx, a, "assessment.updated", "assessment", as.ID, &claimID, models.SnapshotOfAssessment(before, a.Name), models.SnapshotOfAssessment(as, a.Name))
	})
	if err != nil {
		return models.Assessment{}, false, err
	}
	as, err = s.withReviewer(ctx, as)
	return as, created, err
}

// SubmitAssessment freezes the caller's draft after validating it again
// against the claim's current evidence (its certainty and derivation are
// recomputed). In the same transaction, with the claim locked, it asks
// grading.Consensus whether the claim's submitted assessments now agree
// (required of them at least); if they do, and the claim has no grade or
// only one decided on older evidence, it records a consensus grade. Then it
// re-derives the claim. The grade is nil when none was made.
func (s *Store) SubmitAssessment(ctx context.Context, a Actor, claimID int64, required int) (models.Assessment, *models.Grade, error) {
	if err := mayReview(a); err != nil {
		return models.Assessment{}, nil, err
	}
	var as models.Assessment
	var grade *models.Grade
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.lockClaim(tx, claimID)
		if err != nil {
			return err
		}
		own, err := ownAssessment(tx, claimID, a.UserID)
		if err != nil {
			return err
		}
		if own == nil {
			return notFound("assessment", fmt.Sprintf("of %s on claim %d (PUT a draft first)", a.Name, claimID))
		}
		if own.Status == grading.StatusSubmitted {
			return &ConflictError{Message: fmt.Sprintf("assessment %d was already submitted on %s", own.ID, own.SubmittedAt.Format("2006-01-02")),
				Resource: "assessment", ExistingID: own.ID}
		}
		evidence, err := claimEvidence(tx, claimID)
		if err != nil {
			return err
		}
		certainty, derivation, err := assessAgainst(evidence, inputOf(*own))
		if err != nil {
			return err
		}
		before := *own
		as = *own
		t := now()
		as.Status, as.SubmittedAt, as.Certainty, as.Derivation = grading.StatusSubmitted, &t, certainty, derivation
		as.Version++
		as.UpdatedAt = t
		res := tx.Model(&models.Assessment{}).Where("id = ? AND status = ?", as.ID, grading.StatusDraft).
			Select("status", "submitted_at", "certainty", "derivation", "version", "updated_at").Updates(&as)
		if res.Error != nil {
			return fmt.Errorf("submit assessment %d: %w", as.ID, classify(res.Error))
		}
		if res.RowsAffected == 0 {
			return &ConflictError{Message: fmt.Sprintf("assessment %d was already submitted", as.ID), Resource: "assessment", ExistingID: as.ID}
		}
		if err := audit(tx, a, "assessment.submitted", "assessment", as.ID, &claimID, models.SnapshotOfAssessment(before, a.Name), models.SnapshotOfAssessment(as, a.Name)); err != nil {
			return err
		}
		if grade, err = s.consensusGrade(tx, a, c, required); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "assessment.submitted")
	})
	if err != nil {
		return models.Assessment{}, nil, err
	}
	as, err = s.withReviewer(ctx, as)
	return as, grade, err
}

// consensusGrade records a consensus grade when the claim's submitted
// assessments agree (grading.Consensus) and the claim has no grade, or
// only one decided on older evidence: a later agreeing submission neither
// duplicates a current grade nor overrides an editor's adjudication.
func (s *Store) consensusGrade(tx *gorm.DB, a Actor, c models.Claim, required int) (*models.Grade, error) {
	var submitted []models.Assessment
	if err := tx.Preload("Reviewer").Where("claim_id = ? AND status = ?", c.ID, grading.StatusSubmitted).
		Order("id").Find(&submitted).Error; err != nil {
		return nil, fmt.Errorf("read submitted assessments of claim %d: %w", c.ID, classify(err))
	}
	outcomes := make([]grading.Outcome, len(submitted))
	for i, as := range submitted {
		outcomes[i] = grading.Outcome{Verdict: as.Verdict, Certainty: grading.Deref(as.Certainty)}
	}
	decided, _ := grading.Consensus(outcomes, required)
	if decided == nil {
		return nil, nil
	}
	current, err := s.currentGrades(tx, []int64{c.ID})
	if err != nil {
		return nil, err
	}
	if g := current[c.ID]; g != nil && g.EvidenceRevision >= c.EvidenceRevision {
		return nil, nil
	}
	ids := make([]int64, len(submitted))
	names := make([]string, len(submitted))
	parts := make([]string, len(submitted))
	for i, as := range submitted {
		ids[i], names[i] = as.ID, as.Reviewer.Name
		parts[i] = fmt.Sprintf("#%d by %s", as.ID, as.Reviewer.Name)
	}
	d := submitted[0].Derivation
	certainty := "no certainty"
	if decided.Certainty != grading.None {
		certainty = strings.ReplaceAll(decided.Certainty.String(), "_", " ")
	}
	g := models.Grade{
		ClaimID:   c.ID,
		Certainty: decided.Certainty.Ptr(),
		Verdict:   decided.Verdict,
		Method:    grading.MethodConsensus,
		Rationale: fmt.Sprintf("Consensus of %d submitted assessments (%s): %s, %s. %s.",
			len(submitted), strings.Join(parts, ", "), certainty, decided.Verdict, d.Summary()),
		DecidedBy:        strings.Join(names, ", "),
		DecidedAt:        now(),
		EvidenceRevision: c.EvidenceRevision,
		AssessmentIDs:    ids,
		Derivation:       submitted[0].Derivation,
	}
	if err := tx.Create(&g).Error; err != nil {
		return nil, fmt.Errorf("record consensus grade of claim %d: %w", c.ID, classify(err))
	}
	if err := audit(tx, a, "grade.decided", "grade", g.ID, &g.ClaimID, nil, models.SnapshotOfGrade(g)); err != nil {
		return nil, err
	}
	return &g, nil
}

// ListAssessments lists a claim's assessments by id, reviewers preloaded,
// blinded: a reviewer sees only their own until they have submitted it,
// then every submitted one too. Editors and admins see all, drafts
// included. Readers and anonymous callers get ErrForbidden.
func (s *Store) ListAssessments(ctx context.Context, a Actor, claimID int64) ([]models.Assessment, error) {
	if !a.Role.AtLeast(models.RoleReviewer) {
		return nil, fmt.Errorf("%w: assessments are visible to reviewers, editors and admins", ErrForbidden)
	}
	db := s.db.WithContext(ctx)
	if _, err := s.claimRow(db, claimID, false); err != nil {
		return nil, err
	}
	q := db.Preload("Reviewer").Where("claim_id = ?", claimID)
	if !a.Role.AtLeast(models.RoleEditor) {
		own, err := ownAssessment(db, claimID, a.UserID)
		if err != nil {
			return nil, err
		}
		if own != nil && own.Status == grading.StatusSubmitted {
			q = q.Where("reviewer_id = ? OR status = ?", a.UserID, grading.StatusSubmitted)
		} else {
			q = q.Where("reviewer_id = ?", a.UserID)
		}
	}
	rows := []models.Assessment{}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list assessments of claim %d: %w", claimID, classify(err))
	}
	return rows, nil
}

// Adjudicate records an editor's final grade of a claim (method
// adjudicated) and re-derives the claim, in one transaction. The rules are
// grading.Adjudicate's: a rationale, a verdict the evidence allows, and a
// certainty (null only with verdict insufficient and no usable evidence).
// It is allowed with or without a disagreement, for example to re-grade a
// stale grade. The grade rests on the claim's submitted assessments.
func (s *Store) Adjudicate(ctx context.Context, a Actor, claimID int64, in GradeInput) (models.Grade, error) {
	if !a.Role.AtLeast(models.RoleEditor) {
		return models.Grade{}, fmt.Errorf("%w: adjudicating a grade needs the editor role", ErrForbidden)
	}
	var g models.Grade
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.lockClaim(tx, claimID)
		if err != nil {
			return err
		}
		evidence, err := claimEvidence(tx, claimID)
		if err != nil {
			return err
		}
		dec := grading.Decision{Certainty: grading.Deref(in.Certainty), Verdict: in.Verdict, Rationale: strings.TrimSpace(in.Rationale), Editor: a.Name}
		d, err := grading.Adjudicate(evidence, dec)
		p := engineFieldProblems(err)
		checkText(&p, "rationale", dec.Rationale, false, MaxRationale)
		if err := p.err(); err != nil {
			return err
		}
		var submitted []int64
		if err := tx.Model(&models.Assessment{}).Where("claim_id = ? AND status = ?", claimID, grading.StatusSubmitted).
			Order("id").Pluck("id", &submitted).Error; err != nil {
			return fmt.Errorf("read submitted assessments of claim %d: %w", claimID, classify(err))
		}
		if submitted == nil {
			submitted = []int64{}
		}
		current, err := s.currentGrades(tx, []int64{claimID})
		if err != nil {
			return err
		}
		g = models.Grade{ClaimID: claimID, Certainty: dec.Certainty.Ptr(), Verdict: in.Verdict,
			Method: grading.MethodAdjudicated, Rationale: dec.Rationale, DecidedBy: a.Name, DecidedAt: now(),
			EvidenceRevision: c.EvidenceRevision, AssessmentIDs: submitted, Derivation: d}
		if a.UserID != 0 {
			g.DecidedByID = &a.UserID
		}
		if err := tx.Create(&g).Error; err != nil {
			return fmt.Errorf("record adjudicated grade of claim %d: %w", claimID, classify(err))
		}
		var before any
		if prev := current[claimID]; prev != nil {
			before = prev
		}
		if err := audit(tx, a, "grade.adjudicated", "grade", g.ID, &claimID, models.SnapshotOfGrade(before), models.SnapshotOfGrade(g)); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "grade.adjudicated")
	})
	return g, err
}

// engineFieldProblems returns the field problems of the engine's
// validation error (none for nil).
func engineFieldProblems(err error) problems {
	var out problems
	if ge, ok := err.(*grading.ValidationError); ok {
		for _, fe := range ge.Problems {
			out = append(out, FieldError{Field: fe.Field, Message: fe.Message})
		}
	}
	return out
}

// FlagCounts counts live claims per flag, every flag present (0 when no
// claim carries it), optionally for one therapy (a slug or alias; an
// unknown one is ErrNotFound). The counts are one GROUP BY over the flag
// index.
func (s *Store) FlagCounts(ctx context.Context, therapy string) (map[string]int64, error) {
	db := s.db.WithContext(ctx)
	q := db.Table("claim_flags").Select("claim_flags.flag AS flag, COUNT(*) AS n").
		Joins("JOIN claims ON claims.id = claim_flags.claim_id").Where("claims.archived_at IS NULL")
	if therapy != "" {
		t, err := s.therapyByKey(db, therapy)
		if err != nil {
			return nil, err
		}
		q = q.Where("claims.therapy_id = ?", t.ID)
	}
	var rows []struct {
		Flag grading.Flag
		N    int64
	}
	if err := q.Group("claim_flags.flag").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count flags: %w", classify(err))
	}
	counts := make(map[string]int64, len(grading.AllFlags()))
	for _, f := range grading.AllFlags() {
		counts[string(f)] = 0
	}
	for _, r := range rows {
		counts[string(r.Flag)] = r.N
	}
	return counts, nil
}

// ClaimHistory is History as a caller may see it: the content (before and
// after) of assessment events is shown to editors and admins only, so that
// the public trail does not undo the reviewers' blinding. Who acted and
// when stays visible to all.
func (s *Store) ClaimHistory(ctx context.Context, a Actor, claimID int64, p Page) ([]models.AuditEvent, string, error) {
	events, next, err := s.History(ctx, claimID, p)
	if err != nil || a.Role.AtLeast(models.RoleEditor) {
		return events, next, err
	}
	for i := range events {
		if events[i].Entity == "assessment" {
			events[i].Before, events[i].After = nil, nil
		}
	}
	return events, next, nil
}
