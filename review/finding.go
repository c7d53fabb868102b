package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/store"
)

// The finding-level review (DESIGN "Consensus", "Stale", "Blinding"): one
// assessment per reviewer per finding, checked by grading.GradeBody against
// the finding's body of evidence; a grade by consensus (or single_reviewer)
// when REQUIRED_REVIEWS submissions agree on the start and every domain
// (grading.FindingConsensus), else reviewer_disagreement until each
// reviewer revises once or an editor adjudicates (grading.AdjudicateBody:
// only that open disagreement, within the range the submissions gave).
// A grade rests on grading.Body.Fingerprint; when the body changes the
// grade is stale, and a new round of review re-grades it: reviewers reopen
// their assessments (an adjudication settles that round only if its
// submissions disagree). Case evidence is reviewed the same way, for its
// attribution and indirectness; its grade carries an occurrence certainty
// instead of a GRADE certainty.

// FindingAssessmentInput is a reviewer's or an editor's full set of GRADE
// judgements on a finding (reasons included) and the rationale.
type FindingAssessmentInput struct {
	Judgements grading.DomainJudgements
	Rationale  string
}

// ruleError returns the engine's refusal (a *grading.RuleError) with a
// problem for an over-long rationale added; nil when there is none.
func ruleError(engineErr error, rationale string) error {
	var re *grading.RuleError
	if engineErr != nil && !errors.As(engineErr, &re) {
		return engineErr
	}
	if len([]rune(rationale)) > MaxRationale {
		p := grading.RuleProblem{Field: "rationale", Code: grading.CodeInvalidValue, Message: fmt.Sprintf("must be at most %d characters", MaxRationale)}
		if re == nil {
			re = &grading.RuleError{Code: p.Code}
		}
		re.Problems = append(re.Problems, p)
	}
	if re == nil {
		return nil
	}
	return re
}

// gradeAgainst checks judgements (completed by
// grading.CompleteJudgements) against a body and returns the derivation
// (its Result is the certainty, or for case evidence the occurrence
// certainty).
func gradeAgainst(body grading.Body, in FindingAssessmentInput) (grading.CertaintyDerivation, error) {
	d, err := grading.GradeBody(body, in.Judgements)
	if err := ruleError(err, in.Rationale); err != nil {
		return grading.CertaintyDerivation{}, err
	}
	return d, nil
}

// findingRound is the review state of a locked finding: its body, current
// grade (nil when ungraded, Stale against the body now) and the
// submissions that count in the current round.
type findingRound struct {
	Finding models.Finding
	Body    grading.Body
	Grade   *models.FindingGrade
	Stale   bool
	All     []models.FindingAssessment
	Counted []models.FindingAssessment
}

func loadRound(tx *store.ReviewTx, findingID int64) (findingRound, error) {
	var r findingRound
	var err error
	if r.Finding, err = tx.LockFinding(findingID); err != nil {
		return r, err
	}
	if r.Body, err = tx.FindingBody(findingID); err != nil {
		return r, err
	}
	if r.Grade, err = tx.CurrentFindingGrade(r.Finding); err != nil {
		return r, err
	}
	r.Stale = r.Grade != nil && grading.GradeIsStale(r.Grade.Fingerprint, r.Body)
	if r.All, err = tx.FindingAssessments(findingID, store.AssessmentScope{All: true}); err != nil {
		return r, err
	}
	r.Counted = store.CountedSubmissions(r.All, r.Grade)
	return r, nil
}

func reviews(as []models.FindingAssessment) []grading.FindingAssessment {
	out := make([]grading.FindingAssessment, len(as))
	for i, a := range as {
		out[i] = a.Review()
	}
	return out
}

// disagreementOpen reports whether the round's submissions (at least
// REQUIRED_REVIEWS, and two) differ.
func (r findingRound) disagreementOpen(required int) bool {
	return len(r.Counted) >= max(required, 2) && len(grading.Disagreements(reviews(r.Counted))) > 0
}

func (r findingRound) counts(id int64) bool {
	for _, as := range r.Counted {
		if as.ID == id {
			return true
		}
	}
	return false
}

// PutFindingAssessment creates the caller's draft on a finding (version 0)
// or changes their assessment (version = its current version): a draft is
// replaced; a submitted assessment is revised once while the round's
// submissions disagree (status revised, the round's first submission kept
// as it was, the consensus run again); a submitted assessment of an earlier
// round whose grade went stale is reopened as a draft (a new round of
// review: its next submission is that round's first, and the earlier
// round's stays). An
// existing assessment with version 0 is a *store.PreconditionRequiredError,
// a stale version a *store.PreconditionError, any other change of a
// submitted assessment a *store.ConflictError. The judgements are checked
// by grading.GradeBody against the finding's body now (a
// *grading.RuleError). created reports whether the draft is new.
func (r *Reviews) PutFindingAssessment(ctx context.Context, a store.Actor, findingID, version int64, in FindingAssessmentInput, required int) (models.FindingAssessment, bool, error) {
	if err := mayReview(a); err != nil {
		return models.FindingAssessment{}, false, err
	}
	var as models.FindingAssessment
	created := false
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		round, err := loadRound(tx, findingID)
		if err != nil {
			return err
		}
		existing, err := tx.OwnFindingAssessment(findingID, a.UserID)
		if err != nil {
			return err
		}
		switch {
		case existing == nil && version != 0:
			return &store.PreconditionError{Current: 0}
		case existing != nil && version == 0:
			return &store.PreconditionRequiredError{Resource: fmt.Sprintf("assessment %d", existing.ID), Current: existing.Version}
		case existing != nil && version != existing.Version:
			return &store.PreconditionError{Current: existing.Version}
		}
		revise, reopen := false, false
		if existing != nil && existing.Submitted() {
			inRound := round.counts(existing.ID)
			switch {
			case !inRound && round.Stale:
				reopen = true
			case inRound && existing.Status == grading.StatusSubmitted && round.disagreementOpen(required):
				revise = true
			case existing.Status == grading.StatusRevised:
				return &store.ConflictError{Message: fmt.Sprintf("assessment %d was already revised once and is frozen", existing.ID),
					Resource: "assessment", ExistingID: existing.ID}
			default:
				return &store.ConflictError{Message: fmt.Sprintf("assessment %d was submitted on %s and is frozen: it can be revised once only while the submitted assessments disagree, and reopened when the finding's grade has gone stale",
					existing.ID, existing.SubmittedAt.Format("2006-01-02")), Resource: "assessment", ExistingID: existing.ID}
			}
		}
		in.Rationale = strings.TrimSpace(in.Rationale)
		in.Judgements = grading.CompleteJudgements(round.Body, in.Judgements)
		d, err := gradeAgainst(round.Body, in)
		if err != nil {
			return err
		}
		t := store.Now()
		if existing == nil {
			created = true
			as = models.FindingAssessment{FindingID: findingID, ReviewerID: a.UserID, Status: grading.StatusDraft, Version: 1, CreatedAt: t}
		} else {
			as = *existing
		}
		before := as
		as.Judgements, as.Rationale, as.Certainty, as.Derivation, as.UpdatedAt = in.Judgements, in.Rationale, d.GradeCertainty().Ptr(), d, t
		action := "finding_assessment.updated"
		switch {
		case reopen:
			as.Status, as.SubmittedAt = grading.StatusDraft, nil
			action = "finding_assessment.reopened"
		case revise:
			as.Status, as.SubmittedAt = grading.StatusRevised, &t
			action = "finding_assessment.revised"
		}
		if created {
			if err := tx.InsertFindingAssessment(&as); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return &store.ConflictError{Message: fmt.Sprintf("%s already has an assessment of finding %d", a.Name, findingID), Resource: "assessment"}
				}
				return err
			}
			return tx.AuditFinding(a, "finding_assessment.created", "finding_assessment", as.ID, findingID, nil,
				models.SnapshotOfFindingAssessment(as, a.Name))
		}
		as.Version++
		ok, err := tx.UpdateFindingAssessment(&as, version)
		if err != nil {
			return err
		}
		if !ok {
			return &store.PreconditionError{Current: version + 1}
		}
		if err := tx.AuditFinding(a, action, "finding_assessment", as.ID, findingID, models.SnapshotOfFindingAssessment(before, a.Name),
			models.SnapshotOfFindingAssessment(as, a.Name)); err != nil {
			return err
		}
		if !revise && !reopen {
			return nil
		}
		if revise {
			if _, err := findingConsensus(tx, a, findingID, required); err != nil {
				return err
			}
		}
		return tx.RefreshFinding(a, findingID, action)
	})
	if err != nil {
		return models.FindingAssessment{}, false, err
	}
	as, err = r.findingAssessment(ctx, as)
	return as, created, err
}

// findingAssessment reloads an assessment (its reviewer) after a write.
func (r *Reviews) findingAssessment(ctx context.Context, as models.FindingAssessment) (models.FindingAssessment, error) {
	out := as
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		var err error
		out, err = tx.FindingAssessment(as.ID)
		return err
	})
	if err != nil {
		return as, err
	}
	return out, nil
}

// SubmitFindingAssessment freezes the caller's draft after checking it
// again with grading.GradeBody against the finding's body now (its
// certainty and derivation are recomputed) and keeps it as the first
// submission of the finding's current round of review
// (store.ReviewTx.RecordFirstSubmission: write-once).
// In the same transaction, with the finding locked, it runs the consensus
// (findingConsensus) and recomputes the finding's certainty, disagreements
// and flags. The grade is nil when none was made.
func (r *Reviews) SubmitFindingAssessment(ctx context.Context, a store.Actor, findingID int64, required int) (models.FindingAssessment, *models.FindingGrade, error) {
	if err := mayReview(a); err != nil {
		return models.FindingAssessment{}, nil, err
	}
	var as models.FindingAssessment
	var grade *models.FindingGrade
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		round, err := loadRound(tx, findingID)
		if err != nil {
			return err
		}
		own, err := tx.OwnFindingAssessment(findingID, a.UserID)
		if err != nil {
			return err
		}
		if own == nil {
			return &store.NotFoundError{Resource: "assessment", Key: fmt.Sprintf("of %s on finding %d (PUT a draft first)", a.Name, findingID)}
		}
		if own.Submitted() {
			return &store.ConflictError{Message: fmt.Sprintf("assessment %d was already submitted on %s", own.ID, own.SubmittedAt.Format("2006-01-02")),
				Resource: "assessment", ExistingID: own.ID}
		}
		d, err := gradeAgainst(round.Body, FindingAssessmentInput{Judgements: grading.CompleteJudgements(round.Body, own.Judgements), Rationale: own.Rationale})
		if err != nil {
			return err
		}
		before := *own
		as = *own
		t := store.Now()
		as.Status, as.SubmittedAt, as.Certainty, as.Derivation, as.UpdatedAt = grading.StatusSubmitted, &t, d.GradeCertainty().Ptr(), d, t
		as.Version++
		ok, err := tx.UpdateFindingAssessment(&as, own.Version)
		if err != nil {
			return err
		}
		if !ok {
			return &store.ConflictError{Message: fmt.Sprintf("assessment %d changed while it was submitted", as.ID), Resource: "assessment", ExistingID: as.ID}
		}
		// The first submission of this round, kept for the agreement
		// statistics: written once, never touched by a revision, and a
		// reopened assessment submitted in a later round adds its own.
		n, err := tx.ReviewRound(findingID)
		if err != nil {
			return err
		}
		if err := tx.RecordFirstSubmission(&models.FindingFirstSubmission{FindingID: findingID, AssessmentID: as.ID, Round: n,
			Judgements: as.Judgements, Start: d.Start, Certainty: d.Result, SubmittedAt: t}); err != nil {
			return err
		}
		if err := tx.AuditFinding(a, "finding_assessment.submitted", "finding_assessment", as.ID, findingID,
			models.SnapshotOfFindingAssessment(before, a.Name), models.SnapshotOfFindingAssessment(as, a.Name)); err != nil {
			return err
		}
		if grade, err = findingConsensus(tx, a, findingID, required); err != nil {
			return err
		}
		return tx.RefreshFinding(a, findingID, "finding_assessment.submitted")
	})
	if err != nil {
		return models.FindingAssessment{}, nil, err
	}
	as, err = r.findingAssessment(ctx, as)
	return as, grade, err
}

// findingConsensus records a grade when the round's submissions agree
// (grading.FindingConsensus: method consensus, or single_reviewer when
// required is 1) and the finding has no grade or only a stale one: a
// later agreeing submission neither duplicates a current grade nor
// overrides an editor's adjudication. The grade's derivation is the agreed
// judgements (with every reviewer's reasons) graded against the body now.
func findingConsensus(tx *store.ReviewTx, a store.Actor, findingID int64, required int) (*models.FindingGrade, error) {
	round, err := loadRound(tx, findingID)
	if err != nil {
		return nil, err
	}
	if round.Grade != nil && !round.Stale {
		return nil, nil
	}
	outcome := grading.FindingConsensus(reviews(round.Counted), required)
	if !outcome.Decided {
		return nil, nil
	}
	d, err := grading.GradeBody(round.Body, outcome.Judgements)
	if err != nil {
		return nil, err // each submission passed GradeBody against this body: cannot happen
	}
	ids := make([]int64, len(round.Counted))
	names := make([]string, len(round.Counted))
	parts := make([]string, len(round.Counted))
	for i, as := range round.Counted {
		ids[i], names[i] = as.ID, as.Reviewer.Name
		parts[i] = fmt.Sprintf("#%d by %s", as.ID, as.Reviewer.Name)
	}
	what := "Consensus"
	if outcome.Method == grading.MethodSingleReviewer {
		what = "Single review"
	}
	g := models.FindingGrade{FindingID: findingID, Certainty: d.GradeCertainty().Ptr(), OccurrenceCertainty: d.OccurrenceCertainty().Ptr(),
		Attribution: attributionOf(d), Judgements: outcome.Judgements, Method: outcome.Method,
		Rationale: fmt.Sprintf("%s of %d submitted assessment(s) (%s): %s.", what, len(round.Counted), strings.Join(parts, ", "), d.Summary()),
		DecidedBy: strings.Join(names, ", "),
		DecidedAt: store.Now(), AssessmentIDs: ids, Fingerprint: round.Body.Fingerprint(), Derivation: d}
	if err := tx.InsertFindingGrade(&g); err != nil {
		return nil, err
	}
	if err := tx.AuditFinding(a, "finding_grade.decided", "finding_grade", g.ID, findingID, models.SnapshotOfFindingGrade(round.Grade),
		models.SnapshotOfFindingGrade(&g)); err != nil {
		return nil, err
	}
	return &g, nil
}

// ListFindingAssessments lists a finding's assessments by id, blinded like
// a claim's: a reviewer sees only their own until they have submitted it,
// then every submitted (or revised) one too; editors and admins see all,
// drafts included; readers and anonymous callers get store.ErrForbidden.
func (r *Reviews) ListFindingAssessments(ctx context.Context, a store.Actor, findingID int64) ([]models.FindingAssessment, error) {
	if !a.Role.AtLeast(models.RoleReviewer) {
		return nil, fmt.Errorf("%w: assessments are visible to reviewers, editors and admins", store.ErrForbidden)
	}
	var rows []models.FindingAssessment
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		if _, err := tx.Finding(findingID); err != nil {
			return err
		}
		scope := store.AssessmentScope{All: a.Role.AtLeast(models.RoleEditor), ReviewerID: a.UserID}
		if !scope.All {
			own, err := tx.OwnFindingAssessment(findingID, a.UserID)
			if err != nil {
				return err
			}
			scope.OrSubmitted = own != nil && own.Submitted()
		}
		var err error
		rows, err = tx.FindingAssessments(findingID, scope)
		return err
	})
	return rows, err
}

// attributionOf is the agreed attribution of a case-evidence derivation;
// nil for any other.
func attributionOf(d grading.CertaintyDerivation) *grading.Attribution {
	if !d.CaseEvidence {
		return nil
	}
	a := d.Attribution
	return &a
}

// AdjudicateFinding records an editor's grade of a finding (method
// adjudicated) if version is the finding's current one (else a
// *store.PreconditionError): a full set of domain judgements with reasons
// and a rationale, checked by grading.AdjudicateBody. It settles the
// disagreement of the current round's submitted assessments, and nothing
// else: a finding without an open reviewer_disagreement is refused
// (adjudication_not_needed, which the API answers with 409: nobody
// assessed it, fewer than REQUIRED_REVIEWS submitted, or they agree; a
// stale grade is re-graded by a new round of review), and so is a
// judgement outside the range those submissions gave
// (outside_reviewer_range), or an editor who assessed the finding
// (editor_assessed). It returns the finding with its new grade, certainty
// and flags.
func (r *Reviews) AdjudicateFinding(ctx context.Context, a store.Actor, findingID, version int64, in FindingAssessmentInput, required int) (models.Finding, error) {
	if !a.Role.AtLeast(models.RoleEditor) {
		return models.Finding{}, fmt.Errorf("%w: adjudicating a grade needs the editor role", store.ErrForbidden)
	}
	var out models.Finding
	err := r.st.Review(ctx, func(tx *store.ReviewTx) error {
		round, err := loadRound(tx, findingID)
		if err != nil {
			return err
		}
		if round.Finding.Version != version {
			return &store.PreconditionError{Current: round.Finding.Version}
		}
		in.Rationale = strings.TrimSpace(in.Rationale)
		in.Judgements = grading.CompleteJudgements(round.Body, in.Judgements)
		assessors := make([]string, len(round.All))
		for i, as := range round.All {
			assessors[i] = as.Reviewer.Name
		}
		d, err := grading.AdjudicateBody(round.Body, grading.Adjudication{Editor: a.Name, Judgements: in.Judgements,
			Rationale: in.Rationale, Assessors: assessors, Submitted: reviews(round.Counted), RequiredReviews: required})
		if err := ruleError(err, in.Rationale); err != nil {
			return err
		}
		// The grade rests on the submissions of the round it settles.
		ids := make([]int64, len(round.Counted))
		for i, as := range round.Counted {
			ids[i] = as.ID
		}
		g := models.FindingGrade{FindingID: findingID, Certainty: d.GradeCertainty().Ptr(), OccurrenceCertainty: d.OccurrenceCertainty().Ptr(),
			Attribution: attributionOf(d), Judgements: in.Judgements, Method: grading.MethodAdjudicated,
			Rationale: in.Rationale, DecidedBy: a.Name, DecidedAt: store.Now(), AssessmentIDs: nonNilIDs(ids),
			Fingerprint: round.Body.Fingerprint(), Derivation: d}
		if a.UserID != 0 {
			g.DecidedByID = &a.UserID
		}
		if err := tx.InsertFindingGrade(&g); err != nil {
			return err
		}
		if err := tx.AuditFinding(a, "finding_grade.adjudicated", "finding_grade", g.ID, findingID, models.SnapshotOfFindingGrade(round.Grade),
			models.SnapshotOfFindingGrade(&g)); err != nil {
			return err
		}
		if err := tx.RefreshFinding(a, findingID, "finding_grade.adjudicated"); err != nil {
			return err
		}
		out, err = tx.Finding(findingID)
		return err
	})
	return out, err
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// FindingHistory is the finding's history as a caller may see it
// (DESIGN "Security": blinding covers metadata). Editors and admins see
// every event. Others never see the content (before and after) of an
// assessment event; and until the finding's grade exists they do not see
// its assessment events at all (who assessed it and when), nor who caused
// an event by an assessment (a flags change when the submissions
// disagree: its actor and request id are withheld, "blinded").
func (r *Reviews) FindingHistory(ctx context.Context, a store.Actor, findingID int64, p store.Page) ([]models.AuditEvent, string, error) {
	editor := a.Role.AtLeast(models.RoleEditor)
	page, err := r.st.FindingHistory(ctx, findingID, p, !editor)
	if err != nil || editor {
		return page.Events, page.Next, err
	}
	for i := range page.Events {
		e := &page.Events[i]
		if e.Entity == "finding_assessment" {
			e.Before, e.After = nil, nil
		}
		if !page.Graded && causedByAssessment(e) {
			e.ActorName, e.ActorID, e.RequestID = BlindedActor, nil, nil
		}
	}
	return page.Events, page.Next, nil
}

// BlindedActor is the actor a caller below editor is shown for an event an
// assessment of an ungraded finding caused.
const BlindedActor = "blinded"

// causedByAssessment reports whether an event records a change an
// assessment caused: its after snapshot names a finding_assessment action
// as its cause (finding.flagged after a submission or a revision).
func causedByAssessment(e *models.AuditEvent) bool {
	if e.After == nil {
		return false
	}
	var after struct {
		Cause string `json:"cause"`
	}
	return json.Unmarshal([]byte(*e.After), &after) == nil && strings.HasPrefix(after.Cause, "finding_assessment.")
}
