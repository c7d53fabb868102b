package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/review"
)

// findingJudgementsRequest is a full set of GRADE judgements on a
// finding's body of evidence. For an assessment, a concern left out is
// not_serious, large_effect left out is none and the booleans false; for
// case evidence only attribution and indirectness are judged, and every
// other judgement must be left out.
type findingAssessmentRequest struct {
	// Risk of bias; not_serious, serious, very_serious or extremely_serious (-3 with ROBINS-I). Default not_serious. Left out for case evidence.
	RiskOfBias *grading.Concern `json:"risk_of_bias,omitempty" example:"serious"`
	// Inconsistency: not_serious, serious or very_serious. Default not_serious. Left out for case evidence.
	Inconsistency *grading.Concern `json:"inconsistency,omitempty" example:"not_serious"`
	// Indirectness: not_serious, serious or very_serious. Default not_serious. Case evidence too (another product, dose or setting).
	Indirectness *grading.Concern `json:"indirectness,omitempty" example:"not_serious"`
	// Imprecision: not_serious to extremely_serious. Default not_serious. Left out for case evidence.
	Imprecision *grading.Concern `json:"imprecision,omitempty" example:"not_serious"`
	// Publication bias: not_serious or serious. Default not_serious. Left out for case evidence.
	PublicationBias *grading.Concern `json:"publication_bias,omitempty" example:"not_serious"`
	// Upgrade for a large effect (non-randomised comparative evidence without downgrades only). Default none.
	LargeEffect *grading.Effect `json:"large_effect,omitempty" example:"none"`
	// Upgrade for a dose-response gradient (as large_effect). Default false.
	DoseResponse bool `json:"dose_response,omitempty" example:"false"`
	// Upgrade when plausible confounding would reduce the effect (as large_effect). Default false.
	PlausibleConfounding bool `json:"plausible_confounding,omitempty" example:"false"`
	// robins_i for non-randomised comparative evidence assessed with ROBINS-I: the start is then high.
	RobTool *grading.RobTool `json:"rob_tool,omitempty"`
	// Event rates (comparator_kind none, with a measure) graded from designs only, and required there: representative (consecutive or population-based enrolment) starts high, selected (an outbreak or cluster investigation, a convenience sample) starts low (Iorio, BMJ 2015; GRADE 28).
	Sample *grading.Sample `json:"sample,omitempty" example:"representative"`
	// With a large_effect other than none on a difference measure (or without a ratio estimate), required: the ratio you derived from the source (e.g. 0.4), checked like a ratio estimate (large >= 2 or <= 0.5, very_large >= 5 or <= 0.2; GRADE 9).
	RelativeEffect *float64 `json:"relative_effect,omitempty" example:"0.4"`
	// Case evidence only (a harm without comparator whose finding has no measure), and required there: the WHO-UMC causality of the documented cases, certain, probable, possible or unlikely, with its reason.
	Attribution *grading.Attribution `json:"attribution,omitempty" example:"probable"`
	// Domain name (or attribution) → reason: required for every judgement other than not_serious, none and false, and for attribution (the summary-of-findings footnotes).
	Reasons map[string]string `json:"reasons,omitempty"`
	// Why, in a sentence or two.
	Rationale string `json:"rationale,omitempty" example:"Single open-label trial."`
} //	@name	FindingAssessmentWrite

// findingGradeRequest is an editor's adjudication: the same judgements as
// an assessment, a rationale required.
type findingGradeRequest struct {
	findingAssessmentRequest
} //	@name	FindingGradeWrite

// input is the request as the review takes it: what was left out stays
// empty, and the review fills it in by the kind of finding
// (grading.CompleteJudgements), so that a domain sent for case evidence is
// refused rather than defaulted.
func (r findingAssessmentRequest) input() review.FindingAssessmentInput {
	j := grading.DomainJudgements{
		RiskOfBias: orDefault(r.RiskOfBias, ""), Inconsistency: orDefault(r.Inconsistency, ""),
		Indirectness: orDefault(r.Indirectness, ""), Imprecision: orDefault(r.Imprecision, ""),
		PublicationBias: orDefault(r.PublicationBias, ""), LargeEffect: orDefault(r.LargeEffect, ""),
		DoseResponse: r.DoseResponse, PlausibleConfounding: r.PlausibleConfounding, RobTool: orDefault(r.RobTool, ""),
		Sample: orDefault(r.Sample, ""), RelativeEffect: r.RelativeEffect, Attribution: orDefault(r.Attribution, ""),
		Reasons: r.Reasons,
	}
	if j.Reasons == nil {
		j.Reasons = map[string]string{}
	}
	return review.FindingAssessmentInput{Judgements: j, Rationale: r.Rationale}
}

// judgementsResponse is a full set of GRADE judgements. Case evidence is
// judged for attribution and indirectness only: every other domain is null
// there.
type judgementsResponse struct {
	// null for case evidence.
	RiskOfBias *grading.Concern `json:"risk_of_bias" extensions:"x-nullable" example:"serious"`
	// null for case evidence.
	Inconsistency *grading.Concern `json:"inconsistency" extensions:"x-nullable" example:"not_serious"`
	Indirectness  grading.Concern  `json:"indirectness" example:"not_serious"`
	// null for case evidence.
	Imprecision *grading.Concern `json:"imprecision" extensions:"x-nullable" example:"not_serious"`
	// null for case evidence.
	PublicationBias *grading.Concern `json:"publication_bias" extensions:"x-nullable" example:"not_serious"`
	// null for case evidence.
	LargeEffect *grading.Effect `json:"large_effect" extensions:"x-nullable" example:"none"`
	// null for case evidence.
	DoseResponse *bool `json:"dose_response" extensions:"x-nullable" example:"false"`
	// null for case evidence.
	PlausibleConfounding *bool `json:"plausible_confounding" extensions:"x-nullable" example:"false"`
	// robins_i, or null.
	RobTool *grading.RobTool `json:"rob_tool" extensions:"x-nullable"`
	// An event rate's sample: representative (starts high) or selected (starts low); null elsewhere.
	Sample *grading.Sample `json:"sample" extensions:"x-nullable"`
	// The ratio a large effect on a difference measure was checked against (GRADE 9); null elsewhere.
	RelativeEffect *float64 `json:"relative_effect" extensions:"x-nullable" example:"0.4"`
	// Case evidence: the WHO-UMC attribution (certain, probable, possible, unlikely); null elsewhere.
	Attribution *grading.Attribution `json:"attribution" extensions:"x-nullable" example:"probable"`
} //	@name	Judgements

func toJudgements(j grading.DomainJudgements) judgementsResponse {
	s := models.SnapshotOfJudgements(j) // the one conversion, shared with the history snapshots
	return judgementsResponse{RiskOfBias: s.RiskOfBias, Inconsistency: s.Inconsistency, Indirectness: s.Indirectness,
		Imprecision: s.Imprecision, PublicationBias: s.PublicationBias, LargeEffect: s.LargeEffect, DoseResponse: s.DoseResponse,
		PlausibleConfounding: s.PlausibleConfounding, RobTool: s.RobTool, Sample: s.Sample, RelativeEffect: s.RelativeEffect,
		Attribution: s.Attribution}
}

func reasonsOf(j grading.DomainJudgements) map[string]string {
	if j.Reasons == nil {
		return map[string]string{}
	}
	return j.Reasons
}

type certaintyStep struct {
	Domain    grading.Domain `json:"domain" example:"risk_of_bias"`
	Judgement string         `json:"judgement" example:"serious"`
	Change    int            `json:"change" example:"-1"`
	// The running certainty after this step, clamped to [very_low, high].
	After  grading.Certainty `json:"after" example:"moderate"`
	Reason string            `json:"reason,omitempty" example:"Open-label, outcome self-reported."`
	// FHIR R5 certainty-type code of the domain.
	FHIRType string `json:"fhir_type" example:"RiskOfBias"`
} //	@name	CertaintyStep

type contextSource struct {
	SourceID int64  `json:"source_id" example:"9"`
	Why      string `json:"why" example:"narrative_review never sets a level"`
} //	@name	ContextSource

// certaintyDerivation explains a finding's certainty.
type certaintyDerivation struct {
	Start       grading.Certainty `json:"start" example:"high"`
	StartReason string            `json:"start_reason"`
	// randomised, non_randomised or non_comparative; absent for a guideline's reported certainty.
	DesignClass grading.DesignClass `json:"design_class,omitempty"`
	EventRate   bool                `json:"event_rate" example:"false"`
	RobTool     grading.RobTool     `json:"rob_tool,omitempty"`
	// An event rate's sample, which decided the start.
	Sample grading.Sample `json:"sample,omitempty"`
	// True for case evidence: the result is the certainty that the harm can occur (not how often), starting from the attribution.
	CaseEvidence bool `json:"case_evidence,omitempty"`
	// Case evidence: the WHO-UMC attribution the start comes from.
	Attribution grading.Attribution `json:"attribution,omitempty"`
	// The ratio a large effect on a difference measure was checked against (GRADE 9).
	RelativeEffect *float64 `json:"relative_effect,omitempty"`
	// The source whose reported_certainty is the start; absent when the start is a design level.
	ReportedBy   int64           `json:"reported_by,omitempty"`
	LevelSetting []int64         `json:"level_setting"`
	Overlapped   []int64         `json:"overlapped"`
	Context      []contextSource `json:"context"`
	// The eight domains in order.
	Steps []certaintyStep `json:"steps"`
	// start + changes before the clamp (very_low = 1 ... high = 4).
	Total   int               `json:"total" example:"3"`
	Result  grading.Certainty `json:"result" example:"moderate"`
	Clamped bool              `json:"clamped" example:"false"`
	Summary string            `json:"summary" example:"high (sources 3) -1 risk of bias (serious) = moderate"`
	// The adjudicating editor; absent for an assessment or a consensus.
	AdjudicatedBy string `json:"adjudicated_by,omitempty"`
	Rationale     string `json:"rationale,omitempty"`
} //	@name	CertaintyDerivation

func toCertaintyDerivation(d grading.CertaintyDerivation) certaintyDerivation {
	r := certaintyDerivation{Start: d.Start, StartReason: d.StartReason, DesignClass: d.DesignClass, EventRate: d.EventRate,
		RobTool: d.RobTool, Sample: d.Sample, CaseEvidence: d.CaseEvidence, Attribution: d.Attribution, RelativeEffect: d.RelativeEffect,
		ReportedBy: d.ReportedBy, LevelSetting: nonNilSlice(d.LevelSetting), Overlapped: nonNilSlice(d.Overlapped),
		Context: []contextSource{}, Steps: []certaintyStep{}, Total: d.Total, Result: d.Result, Clamped: d.Clamped,
		Summary: d.Summary(), AdjudicatedBy: d.AdjudicatedBy, Rationale: d.Rationale}
	for _, c := range d.Context {
		r.Context = append(r.Context, contextSource{SourceID: c.SourceID, Why: c.Why})
	}
	for _, s := range d.Steps {
		r.Steps = append(r.Steps, certaintyStep{Domain: grading.Domain(s.Domain), Judgement: s.Judgement, Change: s.Change,
			After: s.After, Reason: s.Reason, FHIRType: s.FHIRType})
	}
	return r
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type findingAssessmentResponse struct {
	ID        int64 `json:"id" example:"4"`
	FindingID int64 `json:"finding_id" example:"3"`
	// Name of the reviewer.
	Reviewer string `json:"reviewer" example:"reviewer"`
	// draft (changeable), submitted (frozen), revised (changed once after the submissions disagreed).
	Status     grading.AssessmentStatus `json:"status" example:"draft"`
	Judgements judgementsResponse       `json:"judgements"`
	// Domain name → reason.
	Reasons   map[string]string `json:"reasons"`
	Rationale string            `json:"rationale" example:"Single open-label trial."`
	// Computed by the server (GRADE rules) from the finding's body of evidence and the judgements; null for case evidence.
	Certainty *grading.Certainty `json:"certainty" extensions:"x-nullable" example:"moderate"`
	// Case evidence: the certainty that the harm can occur (not how often), from the attribution and indirectness; null otherwise.
	OccurrenceCertainty *grading.Certainty  `json:"occurrence_certainty" extensions:"x-nullable" example:"low"`
	Derivation          certaintyDerivation `json:"derivation"`
	// The ETag of the assessment is this version.
	Version     int64      `json:"version" example:"1"`
	SubmittedAt *time.Time `json:"submitted_at" extensions:"x-nullable"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
} //	@name	FindingAssessment

type findingGradeResponse struct {
	// The GRADE certainty; null for case evidence (see occurrence_certainty). Kept as decided when the grade is withdrawn (the finding's certainty is then null).
	Certainty *grading.Certainty `json:"certainty" extensions:"x-nullable" example:"low"`
	// Case evidence: the certainty that the harm can occur (not a GRADE rating of how often); null otherwise.
	OccurrenceCertainty *grading.Certainty `json:"occurrence_certainty" extensions:"x-nullable" example:"moderate"`
	// Case evidence: the attribution (WHO-UMC) the reviewers agreed on; null otherwise.
	Attribution *grading.Attribution `json:"attribution" extensions:"x-nullable" example:"probable"`
	// When the grade was withdrawn because every source that set its level is retracted; null while it stands.
	WithdrawnAt *time.Time `json:"withdrawn_at" extensions:"x-nullable"`
	// Why it was withdrawn, naming the retracted sources; null while it stands.
	WithdrawnReason *string            `json:"withdrawn_reason" extensions:"x-nullable" example:"every level-setting source is retracted: source 12 (rct)"`
	Judgements      judgementsResponse `json:"judgements"`
	// Domain name → reason (the reviewers' distinct reasons joined by "; " for a consensus).
	Reasons map[string]string `json:"reasons"`
	// consensus, adjudicated or single_reviewer.
	Method    grading.Method `json:"method" example:"consensus"`
	Rationale string         `json:"rationale"`
	// The editor, or the reviewers whose agreement made the grade.
	DecidedBy string    `json:"decided_by" example:"reviewer, reviewer-2"`
	DecidedAt time.Time `json:"decided_at"`
	// Ids of the submitted assessments the grade rests on.
	AssessmentIDs []int64 `json:"assessment_ids"`
} //	@name	FindingGrade

func toFindingGradeResponse(g *models.FindingGrade) *findingGradeResponse {
	if g == nil {
		return nil
	}
	return &findingGradeResponse{Certainty: g.Certainty, OccurrenceCertainty: g.OccurrenceCertainty, Attribution: g.Attribution,
		WithdrawnAt: g.WithdrawnAt, WithdrawnReason: g.WithdrawnReason, Judgements: toJudgements(g.Judgements), Reasons: reasonsOf(g.Judgements),
		Method: g.Method, Rationale: g.Rationale, DecidedBy: g.DecidedBy, DecidedAt: g.DecidedAt, AssessmentIDs: nonNilSlice(g.AssessmentIDs)}
}

type findingAssessmentSubmitResponse struct {
	findingAssessmentResponse
	// The grade this submission completed (consensus, or single_reviewer when REQUIRED_REVIEWS=1); null when it made none.
	Grade *findingGradeResponse `json:"grade" extensions:"x-nullable"`
} //	@name	FindingAssessmentSubmission

type findingAssessmentList struct {
	Data []findingAssessmentResponse `json:"data"`
	// Always null: one assessment per reviewer, all in one page.
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
} //	@name	FindingAssessmentList

func toFindingAssessmentResponse(as models.FindingAssessment) findingAssessmentResponse {
	return findingAssessmentResponse{ID: as.ID, FindingID: as.FindingID, Reviewer: as.Reviewer.Name, Status: as.Status,
		Judgements: toJudgements(as.Judgements), Reasons: reasonsOf(as.Judgements), Rationale: as.Rationale, Certainty: as.Certainty,
		OccurrenceCertainty: as.Derivation.OccurrenceCertainty().Ptr(), Derivation: toCertaintyDerivation(as.Derivation), Version: as.Version, SubmittedAt: as.SubmittedAt,
		CreatedAt: as.CreatedAt, UpdatedAt: as.UpdatedAt}
}

// ListFindingAssessments lists a finding's assessments, blinded.
//
//	@Summary		List a finding's assessments (blinded)
//	@Description	Reviewers see only their own assessment until they have submitted it; afterwards they also see every submitted (or revised) assessment of the finding, never other reviewers' drafts. Editors and admins see all, drafts included. Readers and anonymous callers get 403. Ordered by id; one page (next_cursor is always null).
//	@ID				listFindingAssessments
//	@Tags			findings
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id	path		int	true	"Finding id"
//	@Success		200	{object}	findingAssessmentList
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/findings/{id}/assessments [get]
func (h *Handler) ListFindingAssessments(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !onlyQuery(c) {
		return
	}
	rows, err := h.reviewFor(c).ListFindingAssessments(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := findingAssessmentList{Data: make([]findingAssessmentResponse, len(rows))}
	for i, as := range rows {
		body.Data[i] = toFindingAssessmentResponse(as)
	}
	writeList(c, body, "")
}

// PutFindingAssessment creates or changes the caller's assessment of a
// finding.
//
//	@Summary		Create or change my assessment of a finding
//	@Description	Your GRADE judgement of the finding's body of evidence. Without If-Match it creates your draft (201); once it exists, send If-Match with its ETag (428 without, 412 when stale). PUT replaces the whole judgement: a concern left out is not_serious, large_effect none, the booleans false. The server checks it by the GRADE rules against the finding's sources, effect and question now and computes the certainty with its derivation; a refusal is a 422 whose type names the rule (/problems/ungradable, split_by_design, upgrade_requires_no_downgrade, upgrade_not_applicable, reported_certainty_not_allowed, downgrade_not_allowed, reason_required, ...) and whose errors name each field with its code. An event rate (comparator_kind none, with a measure) graded from designs needs sample (representative starts high, selected low: sample_required; sample_not_applicable elsewhere). A large_effect on a difference measure (or without a ratio estimate) needs relative_effect, checked by GRADE 9's thresholds (relative_effect_required, large_effect_unsupported; relative_effect_not_applicable elsewhere). Case evidence (a harm question without comparator whose finding has no measure) is judged for attribution (WHO-UMC certain, probable, possible or unlikely, with its reason: attribution_required) and indirectness only: every other domain, rob_tool, sample and relative_effect is not_applicable_to_case_evidence, attribution anywhere else attribution_not_applicable; its certainty is null and occurrence_certainty says how certain it is that the harm can occur (certain high, probable moderate, possible low, unlikely very low, one level lower per step of indirectness). On a finding that uses a source's reported_certainty, only indirectness may be rated down, and imprecision only when the finding's threshold differs from the source's reported_threshold (one null differs, both null do not; GRADE 32, 34). A submitted assessment is frozen (409), except: while REQUIRED_REVIEWS submitted assessments disagree, each reviewer may revise theirs once (status revised; the round's first submission is kept unchanged for the agreement statistics; the consensus runs again), and when the finding's grade has gone stale, an assessment of the earlier round reopens as a draft for a new round (whose first submission is kept beside the earlier round's).
//	@ID				putMyFindingAssessment
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int							true	"Finding id"
//	@Param			If-Match	header		string						false	"ETag of your assessment; required once it exists"
//	@Param			body		body		findingAssessmentRequest	true	"Your judgement"
//	@Success		200			{object}	findingAssessmentResponse	"Assessment changed"
//	@Success		201			{object}	findingAssessmentResponse	"Draft created"
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/findings/{id}/assessments/me [put]
func (h *Handler) PutFindingAssessment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := optionalIfMatch(c)
	if !ok {
		return
	}
	var req findingAssessmentRequest
	if !bindJSON(c, &req) {
		return
	}
	as, created, err := h.reviewFor(c).PutFindingAssessment(c.Request.Context(), actor(c), id, version, req.input(), h.opts.RequiredReviews)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeResource(c, status, as.Version, toFindingAssessmentResponse(as))
}

// SubmitFindingAssessment submits the caller's draft.
//
//	@Summary		Submit my assessment of a finding
//	@Description	Freezes your draft after checking it again by the GRADE rules against the finding as it is now (422 naming the rule if it no longer holds). When REQUIRED_REVIEWS (default 2) assessments are submitted and agree on the start and every domain, they make the finding's grade (method consensus; single_reviewer when REQUIRED_REVIEWS=1), returned in `grade`; when they differ, the finding shows reviewer_disagreement with the differing domains in `disagreements`, until each reviewer revises once (PUT .../assessments/me) or an editor adjudicates (PUT .../grade). After submitting you can see the other reviewers' submitted assessments. The submission is kept, once and unchanged, as your first submission of the finding's current round of review (GET /agreement reads it once the round is settled by a grade). 404 without a draft, 409 when already submitted.
//	@ID				submitMyFindingAssessment
//	@Tags			findings
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id				path		int		true	"Finding id"
//	@Param			Idempotency-Key	header		string	false	"Retry-safe key: the same key and body replay the first response"
//	@Success		200				{object}	findingAssessmentSubmitResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/findings/{id}/assessments/me/submit [post]
func (h *Handler) SubmitFindingAssessment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	as, grade, err := h.reviewFor(c).SubmitFindingAssessment(c.Request.Context(), actor(c), id, h.opts.RequiredReviews)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, as.Version, findingAssessmentSubmitResponse{findingAssessmentResponse: toFindingAssessmentResponse(as),
		Grade: toFindingGradeResponse(grade)})
}

// AdjudicateFinding records an editor's grade of a finding.
//
//	@Summary		Adjudicate a finding's grade
//	@Description	An editor who did not assess the finding settles a reviewer_disagreement with a full set of domain judgements, their reasons and a rationale, checked by the same GRADE rules as an assessment (never a free certainty; 422 naming the rule, editor_assessed when you assessed it). Adjudication settles a disagreement and nothing else: a finding that shows no reviewer_disagreement (nobody assessed it, fewer than REQUIRED_REVIEWS submitted assessments, or they agree) is a 409 /problems/adjudication_not_needed, and each judgement must lie within the range the submitted assessments of the current round gave (the start as derived, each downgrade domain and large_effect between the lowest and highest given, dose_response and plausible_confounding a value given, attribution for case evidence on unlikely < possible < probable < certain): otherwise 422 /problems/outside_reviewer_range naming each field and its range. A stale grade is re-graded by a new round of review (reviewers reopen their assessments with PUT .../assessments/me), not by an adjudication. Requires If-Match with the finding's ETag or "<version>" (428 without, 412 when stale). Returns the finding with its new grade (method adjudicated), certainty and flags.
//	@ID				adjudicateFinding
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int					true	"Finding id"
//	@Param			If-Match	header		string				true	"ETag of the finding document (GET) or \"<version>\""
//	@Param			body		body		findingGradeRequest	true	"The adjudication"
//	@Success		200			{object}	findingResponse
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem	"adjudication_not_needed: the finding shows no reviewer_disagreement"
//	@Failure		412			{object}	Problem
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/findings/{id}/grade [put]
func (h *Handler) AdjudicateFinding(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, tag, ok := ifMatchDocument(c, false)
	if !ok {
		return
	}
	var req findingGradeRequest
	if !bindJSON(c, &req) {
		return
	}
	if tag != "" {
		cur, err := h.storeFor(c).GetFinding(c.Request.Context(), id)
		if err == nil {
			err = checkDocument(tag, findingTag(cur))
		}
		if err != nil {
			writeError(c, h.log, err)
			return
		}
	}
	f, err := h.reviewFor(c).AdjudicateFinding(c.Request.Context(), actor(c), id, version, req.input(), h.opts.RequiredReviews)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeTagged(c, http.StatusOK, findingTag(f), toFindingResponse(f))
}
