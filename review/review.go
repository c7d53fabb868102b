// Package review is the review workflow: who may assess a claim, drafts and
// submissions, the blinding of assessments, consensus grades and editors'
// adjudication, and when a claim is re-derived. It decides; the store
// loads, writes and locks, and every operation runs in one store
// transaction.
package review

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/store"
)

// Reviews runs the workflow on a store.
type Reviews struct {
	st *store.Store
}

// New returns the workflow on st (which may be bound to a transaction by
// store.InTx: each operation then joins it).
func New(st *store.Store) *Reviews { return &Reviews{st: st} }

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

// validation turns the engine's validation error and the rationale's
// length into a *store.ValidationError (nil when there is no problem).
func validation(engineErr error, rationale string) error {
	var p []store.FieldError
	var ge *grading.ValidationError
	if errors.As(engineErr, &ge) {
		for _, fe := range ge.Problems {
			p = append(p, store.FieldError{Field: fe.Field, Message: fe.Message})
		}
	}
	if len([]rune(rationale)) > MaxRationale {
		p = append(p, store.FieldError{Field: "rationale", Message: fmt.Sprintf("must be at most %d characters", MaxRationale)})
	}
	if len(p) == 0 {
		return nil
	}
	return &store.ValidationError{Problems: p}
}

// assessAgainst validates a judgement against evidence and returns the
// certainty (nil without usable evidence) and the derivation.
func assessAgainst(evidence []grading.Evidence, in AssessmentInput) (*grading.Certainty, grading.Derivation, error) {
	d, err := grading.Assess(evidence, in.judgement())
	if err := validation(err, in.Rationale); err != nil {
		return nil, grading.Derivation{}, err
	}
	return d.Result.Ptr(), d, nil
}

// mayReview checks that a is a user who may assess claims.
func mayReview(a store.Actor) error {
	if !a.Role.AtLeast(models.RoleReviewer) {
		return fmt.Errorf("%w: assessing claims needs the reviewer role", store.ErrForbidden)
	}
	if a.UserID == 0 {
		return fmt.Errorf("%w: assessments are made by a user, not by %q", store.ErrForbidden, a.Name)
	}
	return nil
}

// PutAssessment creates the caller's draft on a claim (version 0) or
// updates it (version = the draft's current version). An existing draft
// with version 0 is a *store.PreconditionRequiredError, a stale version a
// *store.PreconditionError, a submitted assessment a *store.ConflictError.
// The certainty and its derivation are computed by grading.Assess against
// the claim's current evidence links; rule violations are a
// *store.ValidationError. created reports whether the draft is new.
func (r *Reviews) PutAssessment(ctx context.Context, a store.Actor, claimID, version int64, in AssessmentInput) (models.Assessment, bool, error) {
	if err := mayReview(a); err != nil {
		return models.Assessment{}, false, err
	}
	var as models.Assessment
	created := false
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		if _, err := tx.LockClaim(claimID); err != nil {
			return err
		}
		existing, err := tx.OwnAssessment(claimID, a.UserID)
		if err != nil {
			return err
		}
		switch {
		case existing == nil && version != 0:
			return &store.PreconditionError{Current: 0}
		case existing != nil && existing.Status == grading.StatusSubmitted:
			return &store.ConflictError{Message: fmt.Sprintf("assessment %d was submitted on %s and is frozen; submitted assessments cannot change",
				existing.ID, existing.SubmittedAt.Format("2006-01-02")), Resource: "assessment", ExistingID: existing.ID}
		case existing != nil && version == 0:
			return &store.PreconditionRequiredError{Resource: fmt.Sprintf("draft assessment %d", existing.ID), Current: existing.Version}
		case existing != nil && version != existing.Version:
			return &store.PreconditionError{Current: existing.Version}
		}
		evidence, err := tx.ClaimEvidence(claimID)
		if err != nil {
			return err
		}
		in.Rationale = strings.TrimSpace(in.Rationale)
		certainty, derivation, err := assessAgainst(evidence, in)
		if err != nil {
			return err
		}
		t := store.Now()
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
			if err := tx.InsertAssessment(&as); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return &store.ConflictError{Message: fmt.Sprintf("%s already has an assessment of claim %d", a.Name, claimID), Resource: "assessment"}
				}
				return err
			}
			return tx.Audit(a, "assessment.created", "assessment", as.ID, &claimID, nil, models.SnapshotOfAssessment(as, a.Name))
		}
		as.Version++
		ok, err := tx.UpdateDraft(&as, version)
		if err != nil {
			return err
		}
		if !ok {
			return &store.PreconditionError{Current: version + 1}
		}
		return tx.Audit(a, "assessment.updated", "assessment", as.ID, &claimID, models.SnapshotOfAssessment(before, a.Name), models.SnapshotOfAssessment(as, a.Name))
	})
	if err != nil {
		return models.Assessment{}, false, err
	}
	as, err = r.withReviewer(ctx, as)
	return as, created, err
}

// withReviewer loads the reviewer of an assessment after a write.
func (r *Reviews) withReviewer(ctx context.Context, as models.Assessment) (models.Assessment, error) {
	out := as
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		var err error
		out, err = tx.Assessment(as.ID)
		return err
	})
	if err != nil {
		return as, err
	}
	return out, nil
}

// SubmitAssessment freezes the caller's draft after validating it again
// against the claim's current evidence (its certainty and derivation are
// recomputed). In the same transaction, with the claim locked, it asks
// grading.Consensus whether the claim's submitted assessments now agree
// (required of them at least); if they do, and the claim has no grade or
// only one decided on older evidence, it records a consensus grade. Then it
// re-derives the claim. The grade is nil when none was made.
func (r *Reviews) SubmitAssessment(ctx context.Context, a store.Actor, claimID int64, required int) (models.Assessment, *models.Grade, error) {
	if err := mayReview(a); err != nil {
		return models.Assessment{}, nil, err
	}
	var as models.Assessment
	var grade *models.Grade
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		c, err := tx.LockClaim(claimID)
		if err != nil {
			return err
		}
		own, err := tx.OwnAssessment(claimID, a.UserID)
		if err != nil {
			return err
		}
		if own == nil {
			return &store.NotFoundError{Resource: "assessment", Key: fmt.Sprintf("of %s on claim %d (PUT a draft first)", a.Name, claimID)}
		}
		if own.Status == grading.StatusSubmitted {
			return &store.ConflictError{Message: fmt.Sprintf("assessment %d was already submitted on %s", own.ID, own.SubmittedAt.Format("2006-01-02")),
				Resource: "assessment", ExistingID: own.ID}
		}
		evidence, err := tx.ClaimEvidence(claimID)
		if err != nil {
			return err
		}
		certainty, derivation, err := assessAgainst(evidence, inputOf(*own))
		if err != nil {
			return err
		}
		before := *own
		as = *own
		t := store.Now()
		as.Status, as.SubmittedAt, as.Certainty, as.Derivation = grading.StatusSubmitted, &t, certainty, derivation
		as.Version++
		as.UpdatedAt = t
		ok, err := tx.MarkSubmitted(&as)
		if err != nil {
			return err
		}
		if !ok {
			return &store.ConflictError{Message: fmt.Sprintf("assessment %d was already submitted", as.ID), Resource: "assessment", ExistingID: as.ID}
		}
		if err := tx.Audit(a, "assessment.submitted", "assessment", as.ID, &claimID, models.SnapshotOfAssessment(before, a.Name), models.SnapshotOfAssessment(as, a.Name)); err != nil {
			return err
		}
		if grade, err = consensusGrade(tx, a, c, required); err != nil {
			return err
		}
		return tx.Rederive(a, []int64{claimID}, "assessment.submitted")
	})
	if err != nil {
		return models.Assessment{}, nil, err
	}
	as, err = r.withReviewer(ctx, as)
	return as, grade, err
}

// consensusGrade records a consensus grade when the claim's submitted
// assessments agree (grading.Consensus) and the claim has no grade, or
// only one decided on older evidence: a later agreeing submission neither
// duplicates a current grade nor overrides an editor's adjudication.
func consensusGrade(tx *store.ReviewTx, a store.Actor, c models.Claim, required int) (*models.Grade, error) {
	submitted, err := tx.SubmittedAssessments(c.ID)
	if err != nil {
		return nil, err
	}
	outcomes := make([]grading.Outcome, len(submitted))
	for i, as := range submitted {
		outcomes[i] = grading.Outcome{Verdict: as.Verdict, Certainty: grading.Deref(as.Certainty)}
	}
	decided, _ := grading.Consensus(outcomes, required)
	if decided == nil {
		return nil, nil
	}
	current, err := tx.CurrentGrade(c.ID)
	if err != nil {
		return nil, err
	}
	if current != nil && current.EvidenceRevision >= c.EvidenceRevision {
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
		DecidedAt:        store.Now(),
		EvidenceRevision: c.EvidenceRevision,
		AssessmentIDs:    ids,
		Derivation:       submitted[0].Derivation,
	}
	if err := tx.InsertGrade(&g); err != nil {
		return nil, err
	}
	if err := tx.Audit(a, "grade.decided", "grade", g.ID, &g.ClaimID, nil, models.SnapshotOfGrade(g)); err != nil {
		return nil, err
	}
	return &g, nil
}

// ListAssessments lists a claim's assessments by id, reviewers preloaded,
// blinded: a reviewer sees only their own until they have submitted it,
// then every submitted one too. Editors and admins see all, drafts
// included. Readers and anonymous callers get store.ErrForbidden.
func (r *Reviews) ListAssessments(ctx context.Context, a store.Actor, claimID int64) ([]models.Assessment, error) {
	if !a.Role.AtLeast(models.RoleReviewer) {
		return nil, fmt.Errorf("%w: assessments are visible to reviewers, editors and admins", store.ErrForbidden)
	}
	var rows []models.Assessment
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		if _, err := tx.Claim(claimID); err != nil {
			return err
		}
		scope := store.AssessmentScope{All: a.Role.AtLeast(models.RoleEditor), ReviewerID: a.UserID}
		if !scope.All {
			own, err := tx.OwnAssessment(claimID, a.UserID)
			if err != nil {
				return err
			}
			scope.OrSubmitted = own != nil && own.Status == grading.StatusSubmitted
		}
		var err error
		rows, err = tx.Assessments(claimID, scope)
		return err
	})
	return rows, err
}

// Adjudicate records an editor's final grade of a claim (method
// adjudicated) and re-derives the claim, in one transaction. The rules are
// grading.Adjudicate's: a rationale, a verdict the evidence allows, and a
// certainty (null only with verdict insufficient and no usable evidence).
// It is allowed with or without a disagreement, for example to re-grade a
// stale grade. The grade rests on the claim's submitted assessments.
func (r *Reviews) Adjudicate(ctx context.Context, a store.Actor, claimID int64, in GradeInput) (models.Grade, error) {
	if !a.Role.AtLeast(models.RoleEditor) {
		return models.Grade{}, fmt.Errorf("%w: adjudicating a grade needs the editor role", store.ErrForbidden)
	}
	var g models.Grade
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		c, err := tx.LockClaim(claimID)
		if err != nil {
			return err
		}
		evidence, err := tx.ClaimEvidence(claimID)
		if err != nil {
			return err
		}
		dec := grading.Decision{Certainty: grading.Deref(in.Certainty), Verdict: in.Verdict, Rationale: strings.TrimSpace(in.Rationale), Editor: a.Name}
		d, err := grading.Adjudicate(evidence, dec)
		if err := validation(err, dec.Rationale); err != nil {
			return err
		}
		submitted, err := tx.SubmittedAssessments(claimID)
		if err != nil {
			return err
		}
		ids := make([]int64, len(submitted))
		for i, as := range submitted {
			ids[i] = as.ID
		}
		current, err := tx.CurrentGrade(claimID)
		if err != nil {
			return err
		}
		g = models.Grade{ClaimID: claimID, Certainty: dec.Certainty.Ptr(), Verdict: in.Verdict,
			Method: grading.MethodAdjudicated, Rationale: dec.Rationale, DecidedBy: a.Name, DecidedAt: store.Now(),
			EvidenceRevision: c.EvidenceRevision, AssessmentIDs: ids, Derivation: d}
		if a.UserID != 0 {
			g.DecidedByID = &a.UserID
		}
		if err := tx.InsertGrade(&g); err != nil {
			return err
		}
		var before any
		if current != nil {
			before = current
		}
		if err := tx.Audit(a, "grade.adjudicated", "grade", g.ID, &claimID, models.SnapshotOfGrade(before), models.SnapshotOfGrade(g)); err != nil {
			return err
		}
		return tx.Rederive(a, []int64{claimID}, "grade.adjudicated")
	})
	return g, err
}

// ClaimHistory is History as a caller may see it: the content (before and
// after) of assessment events is shown to editors and admins only, so that
// the public trail does not undo the reviewers' blinding. Who acted and
// when stays visible to all.
func (r *Reviews) ClaimHistory(ctx context.Context, a store.Actor, claimID int64, p store.Page) ([]models.AuditEvent, string, error) {
	events, next, err := r.st.History(ctx, claimID, p)
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
