package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/review"
)

// assessmentRequest is a reviewer's GRADE judgement. PUT replaces the whole
// draft: a concern left out is not_serious, large_effect left out is none,
// the booleans false and the rationale empty. The certainty is computed by
// the server; sending it (or any other derived field) is a 400.
type assessmentRequest struct {
	// Risk of bias of the body of evidence; default not_serious.
	RiskOfBias *grading.Concern `json:"risk_of_bias,omitempty" example:"serious"`
	// Inconsistency of results across studies; default not_serious.
	Inconsistency *grading.Concern `json:"inconsistency,omitempty" example:"not_serious"`
	// Indirectness (population, intervention or outcome differ from the claim); default not_serious.
	Indirectness *grading.Concern `json:"indirectness,omitempty" example:"not_serious"`
	// Imprecision (few events, wide confidence intervals); default not_serious.
	Imprecision *grading.Concern `json:"imprecision,omitempty" example:"not_serious"`
	// Publication bias; default not_serious.
	PublicationBias *grading.Concern `json:"publication_bias,omitempty" example:"not_serious"`
	// Upgrade for a large effect (observational evidence only); default none.
	LargeEffect *grading.Effect `json:"large_effect,omitempty" example:"none"`
	// Upgrade for a dose-response gradient (observational evidence only); default false.
	DoseResponse bool `json:"dose_response,omitempty" example:"false"`
	// Upgrade when plausible confounding would reduce the effect (observational evidence only); default false.
	PlausibleConfounding bool `json:"plausible_confounding,omitempty" example:"false"`
	// What the evidence says about the claim: supported needs a supporting evidence link, refuted a refuting one.
	Verdict grading.Verdict `json:"verdict" example:"supported"`
	// Why: required when any domain is downgraded or upgraded.
	Rationale string `json:"rationale,omitempty" example:"Single RCT without blinding of outcome assessors."`
} //	@name	AssessmentWrite

type assessmentResponse struct {
	ID      int64 `json:"id" example:"4"`
	ClaimID int64 `json:"claim_id" example:"5"`
	// Name of the reviewer.
	Reviewer string `json:"reviewer" example:"reviewer"`
	// A draft can be changed; a submitted assessment is frozen.
	Status grading.AssessmentStatus `json:"status" example:"draft"`
	// Computed by the server from the evidence and the judgements; null without usable evidence.
	Certainty            *grading.Certainty `json:"certainty" extensions:"x-nullable" example:"moderate"`
	RiskOfBias           grading.Concern    `json:"risk_of_bias" example:"serious"`
	Inconsistency        grading.Concern    `json:"inconsistency" example:"not_serious"`
	Indirectness         grading.Concern    `json:"indirectness" example:"not_serious"`
	Imprecision          grading.Concern    `json:"imprecision" example:"not_serious"`
	PublicationBias      grading.Concern    `json:"publication_bias" example:"not_serious"`
	LargeEffect          grading.Effect     `json:"large_effect" example:"none"`
	DoseResponse         bool               `json:"dose_response" example:"false"`
	PlausibleConfounding bool               `json:"plausible_confounding" example:"false"`
	Verdict              grading.Verdict    `json:"verdict" example:"supported"`
	Rationale            string             `json:"rationale" example:"Single RCT without blinding of outcome assessors."`
	// How the certainty was reached from the evidence linked when the assessment was last saved or submitted.
	Derivation derivationResponse `json:"derivation"`
	// The ETag of the assessment is this version.
	Version     int64      `json:"version" example:"1"`
	SubmittedAt *time.Time `json:"submitted_at" extensions:"x-nullable"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
} //	@name	Assessment

type assessmentSubmitResponse struct {
	assessmentResponse
	// The grade this submission completed by consensus; null when it made none (fewer submissions than REQUIRED_REVIEWS, a disagreement, or a current grade already in place).
	Grade *gradeResponse `json:"grade" extensions:"x-nullable"`
} //	@name	AssessmentSubmission

type assessmentList struct {
	Data []assessmentResponse `json:"data"`
	// Always null: a claim has at most one assessment per reviewer, all in one page.
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
} //	@name	AssessmentList

func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func (r assessmentRequest) input() review.AssessmentInput {
	concern := grading.NotSerious
	return review.AssessmentInput{
		RiskOfBias: orDefault(r.RiskOfBias, concern), Inconsistency: orDefault(r.Inconsistency, concern),
		Indirectness: orDefault(r.Indirectness, concern), Imprecision: orDefault(r.Imprecision, concern),
		PublicationBias: orDefault(r.PublicationBias, concern), LargeEffect: orDefault(r.LargeEffect, grading.NoLargeEffect),
		DoseResponse: r.DoseResponse, PlausibleConfounding: r.PlausibleConfounding, Verdict: r.Verdict, Rationale: r.Rationale,
	}
}

func toAssessmentResponse(as models.Assessment) (assessmentResponse, error) {
	d := as.Derivation
	return assessmentResponse{ID: as.ID, ClaimID: as.ClaimID, Reviewer: as.Reviewer.Name, Status: as.Status, Certainty: as.Certainty,
		RiskOfBias: as.RiskOfBias, Inconsistency: as.Inconsistency, Indirectness: as.Indirectness, Imprecision: as.Imprecision,
		PublicationBias: as.PublicationBias, LargeEffect: as.LargeEffect, DoseResponse: as.DoseResponse,
		PlausibleConfounding: as.PlausibleConfounding, Verdict: as.Verdict, Rationale: as.Rationale,
		Derivation: toDerivationResponse(d, true), Version: as.Version, SubmittedAt: as.SubmittedAt,
		CreatedAt: as.CreatedAt, UpdatedAt: as.UpdatedAt}, nil
}

// PutAssessment creates or updates the caller's draft assessment.
//
//	@Summary		Create or update my draft assessment of a claim
//	@Description	Records your GRADE judgement of the claim's evidence as a draft. Without If-Match it creates your draft (201); once a draft exists, send If-Match with its ETag to replace it (200; 428 without If-Match, 412 when stale). PUT replaces the whole draft: a concern left out is not_serious, large_effect left out is none, dose_response and plausible_confounding false. The server computes the certainty from the best evidence linked now (rct, systematic_review, meta_analysis, guideline start high; cohort, case_control, cross_sectional low; the rest very low; a link's reported_certainty replaces its design level) minus downgrades plus upgrades, and returns its derivation. 422 when upgrades are used on evidence that starts moderate or high, when the verdict is supported without a supporting link (refuted without a refuting one), or when anything moves the certainty without a rationale. Sending certainty or another derived field is a 400. Submitted assessments are frozen (409).
//	@ID				putMyAssessment
//	@Tags			assessments
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int					true	"Claim id"
//	@Param			If-Match	header		string				false	"ETag of your draft; required once it exists"
//	@Param			body		body		assessmentRequest	true	"Your judgement"
//	@Success		200			{object}	assessmentResponse	"Draft updated"
//	@Success		201			{object}	assessmentResponse	"Draft created"
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem
//	@Failure		410			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/claims/{id}/assessments/me [put]
func (h *Handler) PutAssessment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := optionalIfMatch(c)
	if !ok {
		return
	}
	var req assessmentRequest
	if !bindJSON(c, &req) {
		return
	}
	as, created, err := h.reviewFor(c).PutAssessment(c.Request.Context(), actor(c), id, version, req.input())
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body, err := toAssessmentResponse(as)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeResource(c, status, as.Version, body)
}

// SubmitAssessment submits the caller's draft.
//
//	@Summary		Submit my assessment of a claim
//	@Description	Freezes your draft (it cannot change afterwards) after checking it again against the evidence linked now (422 if a link it relied on changed). When REQUIRED_REVIEWS submitted assessments (default 2) agree on certainty and verdict, and the claim has no current grade, they become the claim's grade (method consensus), returned in `grade`; when they differ the claim is flagged reviewer_disagreement until an editor adjudicates. After submitting you can see the other reviewers' submitted assessments. 404 when you have no draft, 409 when it is already submitted.
//	@ID				submitMyAssessment
//	@Tags			assessments
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id				path		int		true	"Claim id"
//	@Param			Idempotency-Key	header		string	false	"Retry-safe key: the same key and body replay the first response"
//	@Success		200				{object}	assessmentSubmitResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		410				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/claims/{id}/assessments/me/submit [post]
func (h *Handler) SubmitAssessment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	as, grade, err := h.reviewFor(c).SubmitAssessment(c.Request.Context(), actor(c), id, h.opts.RequiredReviews)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body, err := toAssessmentResponse(as)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, as.Version, assessmentSubmitResponse{assessmentResponse: body, Grade: toGradeResponse(grade)})
}

// ListAssessments lists a claim's assessments, blinded.
//
//	@Summary		List a claim's assessments (blinded)
//	@Description	Reviewers see only their own assessment until they have submitted it; afterwards they also see every submitted assessment of the claim (never other reviewers' drafts). Editors and admins see all, drafts included. Ordered by id; one page (next_cursor is always null).
//	@ID				listAssessments
//	@Tags			assessments
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id	path		int	true	"Claim id"
//	@Success		200	{object}	assessmentList
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		410	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/claims/{id}/assessments [get]
func (h *Handler) ListAssessments(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !onlyQuery(c) {
		return
	}
	rows, err := h.reviewFor(c).ListAssessments(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := assessmentList{Data: make([]assessmentResponse, len(rows))}
	for i, as := range rows {
		if body.Data[i], err = toAssessmentResponse(as); err != nil {
			writeError(c, h.log, err)
			return
		}
	}
	writeList(c, body, "")
}
