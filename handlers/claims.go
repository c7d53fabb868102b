package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/store"
)

type claimResponse struct {
	ID        int64             `json:"id" example:"5"`
	Therapy   string            `json:"therapy" example:"mesotherapy"`
	Text      string            `json:"text" example:"Die Behandlung ist nahezu schmerzfrei."`
	Language  string            `json:"language" example:"de"`
	TextEn    *string           `json:"text_en" extensions:"x-nullable" example:"The treatment is almost painless."`
	Condition *string           `json:"condition" extensions:"x-nullable" example:"low back pain"`
	Outcome   *string           `json:"outcome" extensions:"x-nullable" example:"procedural pain"`
	ClaimType grading.ClaimType `json:"claim_type" example:"safety"`
	// The final grade's verdict; without one, unsupported (no supporting evidence) or ungraded.
	Verdict grading.ClaimVerdict `json:"verdict" example:"unsupported"`
	// The final grade's certainty, null while ungraded.
	Certainty       *grading.Certainty `json:"certainty" extensions:"x-nullable" example:"moderate"`
	Flags           []grading.Flag     `json:"flags" example:"unsupported,ungraded"`
	SupportCount    int                `json:"support_count" example:"0"`
	RefuteCount     int                `json:"refute_count" example:"0"`
	AppearanceCount int                `json:"appearance_count" example:"1"`
	Version         int64              `json:"version" example:"3"`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
} //	@name	Claim

type claimDetailResponse struct {
	claimResponse
	// Appearances and evidence, each with its source.
	Links []linkResponse `json:"links"`
	// The findings linked to the claim, each with its stance, note and the finding embedded.
	Findings []claimFindingResponse `json:"findings"`
	// The current final grade, null while ungraded.
	Grade      *gradeResponse     `json:"grade" extensions:"x-nullable"`
	Derivation derivationResponse `json:"derivation"`
} //	@name	ClaimDetail

type claimList struct {
	Data       []claimResponse `json:"data"`
	NextCursor *string         `json:"next_cursor" extensions:"x-nullable"`
} //	@name	ClaimList

type createClaimRequest struct {
	// Slug or alias of the therapy.
	Therapy   string            `json:"therapy" example:"Mesotherapie"`
	Text      string            `json:"text" example:"Die Behandlung ist nahezu schmerzfrei."`
	Language  string            `json:"language" example:"de"`
	TextEn    *string           `json:"text_en,omitempty" example:"The treatment is almost painless."`
	Condition *string           `json:"condition,omitempty" example:"low back pain"`
	Outcome   *string           `json:"outcome,omitempty" example:"procedural pain"`
	ClaimType grading.ClaimType `json:"claim_type" example:"safety"`
} //	@name	ClaimCreate

type patchClaimRequest struct {
	Therapy   *string            `json:"therapy,omitempty" example:"mesotherapy"`
	Text      *string            `json:"text,omitempty"`
	Language  *string            `json:"language,omitempty"`
	TextEn    *string            `json:"text_en,omitempty" example:"The treatment is almost painless."`
	Condition *string            `json:"condition,omitempty"`
	Outcome   *string            `json:"outcome,omitempty"`
	ClaimType *grading.ClaimType `json:"claim_type,omitempty"`
} //	@name	ClaimPatch

type gradeResponse struct {
	Certainty *grading.Certainty `json:"certainty" extensions:"x-nullable" example:"moderate"`
	Verdict   grading.Verdict    `json:"verdict" example:"supported"`
	Method    grading.Method     `json:"method" example:"consensus"`
	Rationale string             `json:"rationale" example:"Two RCTs at some risk of bias; downgraded once."`
	// Name of the editor, or of the reviewers whose agreement made the grade.
	DecidedBy string    `json:"decided_by" example:"demo-reviewer-a, demo-reviewer-b"`
	DecidedAt time.Time `json:"decided_at"`
	// Ids of the assessments the grade rests on.
	AssessmentIDs []int64 `json:"assessment_ids"`
} //	@name	Grade

type derivationStep struct {
	Domain    grading.Domain `json:"domain" example:"risk_of_bias"`
	Judgement string         `json:"judgement" example:"serious"`
	Change    int            `json:"change" example:"-1"`
	// Certainty after this step.
	After *grading.Certainty `json:"after" extensions:"x-nullable" example:"moderate"`
	// FHIR R5 certainty-type code of the domain.
	FHIRType string `json:"fhir_type" example:"RiskOfBias"`
} //	@name	DerivationStep

type derivationResponse struct {
	// Starting certainty from the best linked evidence; null without evidence.
	Start         *grading.Certainty `json:"start" extensions:"x-nullable" example:"high"`
	StartSourceID *int64             `json:"start_source_id" extensions:"x-nullable" example:"3"`
	StartLinkID   *int64             `json:"start_link_id" extensions:"x-nullable" example:"9"`
	StartReason   string             `json:"start_reason" example:"rct (design level high), source 3"`
	// GRADE domains in order, with each step's change; empty while ungraded.
	Steps []derivationStep `json:"steps"`
	// The resulting certainty; null while ungraded or without evidence.
	Result  *grading.Certainty `json:"result" extensions:"x-nullable" example:"moderate"`
	Clamped bool               `json:"clamped" example:"false"`
	Summary string             `json:"summary" example:"high (rct, source 3) -1 risk of bias (serious) = moderate"`
} //	@name	Derivation

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func toDerivationResponse(d grading.Derivation, graded bool) derivationResponse {
	r := derivationResponse{Start: d.Start.Ptr(), StartSourceID: idPtr(d.StartSourceID), StartLinkID: idPtr(d.StartLinkID),
		StartReason: d.StartReason, Steps: []derivationStep{}, Clamped: d.Clamped}
	for _, s := range d.Steps {
		r.Steps = append(r.Steps, derivationStep{Domain: grading.Domain(s.Domain), Judgement: s.Judgement, Change: s.Change, After: s.After.Ptr(), FHIRType: s.FHIRType})
	}
	if graded {
		r.Result = d.Result.Ptr()
		r.Summary = d.Summary()
	} else {
		r.Summary = "ungraded: no usable evidence linked"
		if d.Start != grading.None {
			r.Summary = fmt.Sprintf("ungraded: certainty would start at %s from %s", d.Start, d.StartReason)
		}
	}
	return r
}

func toClaimResponse(c models.Claim) claimResponse {
	r := claimResponse{ID: c.ID, Therapy: c.Therapy.Slug, Text: c.Text, Language: c.Language, TextEn: c.TextEn,
		Condition: c.Condition, Outcome: c.Outcome, ClaimType: c.ClaimType, Verdict: c.Verdict, Certainty: c.Certainty,
		Flags: make([]grading.Flag, 0, len(c.Flags)), SupportCount: c.SupportCount, RefuteCount: c.RefuteCount,
		AppearanceCount: c.AppearanceCount, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, f := range c.Flags {
		r.Flags = append(r.Flags, f.Flag)
	}
	slices.Sort(r.Flags)
	return r
}

func toGradeResponse(g *models.Grade) *gradeResponse {
	if g == nil {
		return nil
	}
	return &gradeResponse{Certainty: g.Certainty, Verdict: g.Verdict, Method: g.Method, Rationale: g.Rationale,
		DecidedBy: g.DecidedBy, DecidedAt: g.DecidedAt, AssessmentIDs: nonNilIDs(g.AssessmentIDs)}
}

func toClaimDetail(d store.ClaimDetail) claimDetailResponse {
	r := claimDetailResponse{claimResponse: toClaimResponse(d.Claim), Links: make([]linkResponse, len(d.Links)),
		Findings: make([]claimFindingResponse, len(d.Findings)),
		Grade:    toGradeResponse(d.Grade), Derivation: toDerivationResponse(d.Derivation, d.Grade != nil)}
	for i, cf := range d.Findings {
		r.Findings[i] = toClaimFindingResponse(cf)
	}
	for i, l := range d.Links {
		r.Links[i] = toLinkResponse(l)
	}
	return r
}

// ListClaims lists claims.
//
//	@Summary		List claims
//	@Description	Live (not archived) claims by id, keyset-paginated, with their derived verdict, certainty and flags. Every filter is index-backed; `flag` may repeat and all given flags must hold.
//	@ID				listClaims
//	@Tags			claims
//	@Produce		json
//	@Param			therapy		query		string					false	"Therapy slug or alias"
//	@Param			flag		query		[]grading.Flag			false	"Flag that must hold (repeatable)"	collectionFormat(multi)
//	@Param			verdict		query		grading.ClaimVerdict	false	"Public verdict"
//	@Param			certainty	query		grading.Certainty		false	"Final certainty"
//	@Param			language	query		string					false	"BCP 47 language of the claim's text"
//	@Param			claim_type	query		grading.ClaimType		false	"Claim type"
//	@Param			q			query		string					false	"Case-insensitive text in text or text_en"
//	@Param			limit		query		int						false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor		query		string					false	"next_cursor of the previous page"
//	@Success		200			{object}	claimList
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Header			all			{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all			{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all			{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/claims [get]
func (h *Handler) ListClaims(c *gin.Context) {
	if !checkQuery(c, "therapy", "flag", "verdict", "certainty", "language", "claim_type", "q") {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	f := store.ClaimFilter{Therapy: c.Query("therapy"), Language: c.Query("language"), Q: c.Query("q"), Page: page}
	var fp []FieldProblem
	for _, flag := range c.QueryArray("flag") {
		v, err := grading.ParseFlag(flag)
		fp = appendVocabProblem(fp, "flag", err)
		f.Flags = append(f.Flags, v)
	}
	fp = parseFilter(c, fp, "verdict", grading.ParsePublicVerdict, &f.Verdict)
	fp = parseFilter(c, fp, "certainty", grading.ParseCertainty, &f.Certainty)
	fp = parseFilter(c, fp, "claim_type", grading.ParseClaimType, &f.ClaimType)
	if len(fp) > 0 {
		badRequest(c, "invalid filter", fp...)
		return
	}
	rows, next, err := h.storeFor(c).ListClaims(c.Request.Context(), f)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := claimList{Data: make([]claimResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, cl := range rows {
		body.Data[i] = toClaimResponse(cl)
	}
	writeList(c, body, next)
}

// GetClaim returns a claim with its links, grade and derivation.
//
//	@Summary		Get a claim with its evidence, grade and derivation
//	@Description	Embeds every link with its source, the current final grade (or null) and the derivation of the certainty: the starting level and the source that set it, each GRADE domain's step, and the result. Archived claims answer 410. The ETag ("<version>-<digest>") changes whenever anything the document shows changes (a link, a linked source, a linked finding with its question and sources, the grade, the flags); PATCH and DELETE accept it, or the claim's own "<version>", as If-Match.
//	@ID				getClaim
//	@Tags			claims
//	@Produce		json
//	@Param			id				path		int		true	"Claim id"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	claimDetailResponse
//	@Success		304
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		410	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/claims/{id} [get]
func (h *Handler) GetClaim(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	d, err := h.storeFor(c).GetClaim(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeTagged(c, http.StatusOK, claimTag(d), toClaimDetail(d))
}

// CreateClaim creates a claim.
//
//	@Summary		Create a claim
//	@Description	The claim starts unsupported and ungraded; link sources to it next. Derived fields (verdict, certainty, flags, counts) cannot be written.
//	@ID				createClaim
//	@Tags			claims
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			Idempotency-Key	header		string				false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createClaimRequest	true	"The claim"
//	@Success		201				{object}	claimResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/claims [post]
func (h *Handler) CreateClaim(c *gin.Context) {
	var req createClaimRequest
	if !bindJSON(c, &req) {
		return
	}
	cl, err := h.storeFor(c).CreateClaim(c.Request.Context(), actor(c), store.ClaimInput{Therapy: req.Therapy, Text: req.Text,
		Language: req.Language, TextEn: req.TextEn, Condition: req.Condition, Outcome: req.Outcome, ClaimType: req.ClaimType})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/claims/%d", cl.ID))
	writeResource(c, http.StatusCreated, cl.Version, toClaimResponse(cl))
}

// PatchClaim changes a claim.
//
//	@Summary		Change a claim
//	@Description	An empty string clears text_en, condition or outcome. Derived fields cannot be written (400).
//	@ID				patchClaim
//	@Tags			claims
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int					true	"Claim id"
//	@Param			If-Match	header		string				true	"ETag of the claim document (GET) or of the claim (\"<version>\") the change is based on"
//	@Param			body		body		patchClaimRequest	true	"Fields to change"
//	@Success		200			{object}	claimResponse
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		410			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/claims/{id} [patch]
func (h *Handler) PatchClaim(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, tag, ok := ifMatchDocument(c, false)
	if !ok {
		return
	}
	var req patchClaimRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := h.checkClaimDocument(c, id, tag); err != nil {
		writeError(c, h.log, err)
		return
	}
	cl, err := h.storeFor(c).UpdateClaim(c.Request.Context(), actor(c), id, version, store.ClaimPatch{Therapy: req.Therapy, Text: req.Text,
		Language: req.Language, TextEn: req.TextEn, Condition: req.Condition, Outcome: req.Outcome, ClaimType: req.ClaimType})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, cl.Version, toClaimResponse(cl))
}

// ArchiveClaim archives a claim.
//
//	@Summary		Archive a claim
//	@Description	Hides the claim from lists and reads (410 afterwards); its links, assessments, grades and history are kept. If-Match is optional here; when sent it must name a version (428 for *).
//	@ID				archiveClaim
//	@Tags			claims
//	@Security		ApiKeyAuth
//	@Param			id			path	int		true	"Claim id"
//	@Param			If-Match	header	string	false	"ETag of the claim document (GET) or of the claim (\"<version>\") being archived"
//	@Success		204
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		410	{object}	Problem
//	@Failure		412	{object}	Problem
//	@Failure		428	{object}	Problem	"If-Match: * names no version"
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/api/v1/claims/{id} [delete]
func (h *Handler) ArchiveClaim(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, tag, ok := ifMatchDocument(c, true)
	if !ok {
		return
	}
	if err := h.checkClaimDocument(c, id, tag); err != nil {
		writeError(c, h.log, err)
		return
	}
	if err := h.storeFor(c).ArchiveClaim(c.Request.Context(), actor(c), id, version); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// checkClaimDocument checks an If-Match that names the claim's document
// ETag against the document as it is now.
func (h *Handler) checkClaimDocument(c *gin.Context, id int64, tag string) error {
	if tag == "" {
		return nil
	}
	d, err := h.storeFor(c).GetClaim(c.Request.Context(), id)
	if err != nil {
		return err
	}
	return checkDocument(tag, claimTag(d))
}
