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
	ID       int64   `json:"id" example:"5"`
	Therapy  string  `json:"therapy" example:"mesotherapy"`
	Text     string  `json:"text" example:"Die Behandlung ist nahezu schmerzfrei."`
	Language string  `json:"language" example:"de"`
	TextEn   *string `json:"text_en" extensions:"x-nullable" example:"The treatment is almost painless."`
	// A restatement under 75 characters (ClaimReview's claimReviewed); "" when not set.
	Summary   string            `json:"summary" example:"Mesotherapy injections are almost painless"`
	ClaimType grading.ClaimType `json:"claim_type" example:"safety"`
	// What the wording asserts, which the rating rules read (docs/ratings.md).
	Assertion grading.Assertion `json:"assertion" example:"frequency"`
	// The number a frequency claim states, a proportion: 0.75 for "in 75% of cases", 0.001 for "rarely" (the top of the SmPC band rare); null for every other claim.
	ClaimedValue *float64 `json:"claimed_value" extensions:"x-nullable" example:"0.01"`
	// How claimed_value is stated: point ("in 75% of cases"), at_most ("rarely", "almost painless"), at_least ("in most cases"); null without a value.
	ClaimedBound *grading.ClaimedBound `json:"claimed_bound" extensions:"x-nullable" example:"at_most"`
	Hedge        grading.Hedge         `json:"hedge" example:"none"`
	// Whether the wording is true to the graded findings it links: accurate, overstated, unproven, false, or not_rated. The rules, with a worked example per row, are in docs/ratings.md (https://github.com/claimgrade/claimgrade/blob/main/docs/ratings.md).
	Rating grading.Rating `json:"rating" example:"unproven"`
	// rule: computed by the rules; editor: an editor's override (rating_override in the detail).
	RatingSource grading.RatingSource `json:"rating_source" example:"rule"`
	// The certainty of the finding the rating rests on; null when the rules rate nothing.
	Certainty *grading.Certainty `json:"certainty" extensions:"x-nullable" example:"low"`
	// What certainty is about: evidence (the GRADE certainty of the evidence for the effect or frequency) or occurrence (case evidence that the harm can occur at all, which says nothing of how often); null with certainty.
	CertaintyBasis  *grading.CertaintyBasis `json:"certainty_basis" extensions:"x-nullable" example:"evidence"`
	Flags           []grading.Flag          `json:"flags" example:"unsupported,low_certainty"`
	SupportCount    int                     `json:"support_count" example:"1"`
	RefuteCount     int                     `json:"refute_count" example:"0"`
	AppearanceCount int                     `json:"appearance_count" example:"1"`
	Version         int64                   `json:"version" example:"3"`
	CreatedAt       time.Time               `json:"created_at"`
	UpdatedAt       time.Time               `json:"updated_at"`
} //	@name	Claim

type ratingOverrideResponse struct {
	Rating    grading.Rating `json:"rating" example:"overstated"`
	Rationale string         `json:"rationale" example:"The trial's pain scores exclude the first injection session."`
	DecidedBy string         `json:"decided_by" example:"demo-editor"`
	DecidedAt time.Time      `json:"decided_at"`
	// The wording or the linked findings changed after the override was set: it still stands, flagged stale_grade, until an editor sets it again or removes it.
	Stale bool `json:"stale" example:"false"`
} //	@name	RatingOverride

type claimDetailResponse struct {
	claimResponse
	// The rule and the findings behind the rating, in English words (engine text, for reviewers; readers get rating_summary).
	RatingExplanation string `json:"rating_explanation" example:"unproven (absence_zero_events) on finding 3 ..."`
	// The id of the rule that decided the rating (a row of docs/ratings.md): e.g. effect_below_threshold, no_graded_finding, editor_override.
	RatingReason grading.RatingRule `json:"rating_reason" example:"bound_within"`
	// The verdict in one plain sentence in the claim's language (de, it, en, fr; English for any other), written from the deciding rule and the numbers it read through message catalogues (readertext/locales). It opens with the rating's name and closes with what the certainty is about. Under an editor's override it says that an editor rated the claim and quotes the editor's rationale as written.
	RatingSummary string `json:"rating_summary" example:"Überzogen: Die Studien zeigen einen Nutzen, der aber kleiner ist als der kleinste für Patienten spürbare Unterschied (MD 0,56 niedriger, 95-%-KI 1,08 niedriger bis 0,04 niedriger; kleinster spürbarer Unterschied: MD 1; geringe Vertrauenswürdigkeit der Evidenz)."`
	// The editor's override, null while the rules decide.
	RatingOverride *ratingOverrideResponse `json:"rating_override" extensions:"x-nullable"`
	// Where the claim appears, each with its source.
	Appearances []appearanceResponse `json:"appearances"`
	// The findings linked to the claim, each with its stance, note and the finding embedded (question, effect, certainty, grade).
	Findings []claimFindingResponse `json:"findings"`
	// How the claim's evidence was searched: every documented search, newest first (by searched_at, then id).
	Searches []searchResponse `json:"searches"`
} //	@name	ClaimDetail

type claimList struct {
	Data       []claimResponse `json:"data"`
	NextCursor *string         `json:"next_cursor" extensions:"x-nullable"`
} //	@name	ClaimList

type createClaimRequest struct {
	// Slug or alias of the therapy.
	Therapy  string  `json:"therapy" example:"Mesotherapie"`
	Text     string  `json:"text" example:"Die Behandlung ist nahezu schmerzfrei."`
	Language string  `json:"language" example:"de"`
	TextEn   *string `json:"text_en,omitempty" example:"The treatment is almost painless."`
	// At most 74 characters.
	Summary   *string           `json:"summary,omitempty" example:"Mesotherapy injections are almost painless"`
	ClaimType grading.ClaimType `json:"claim_type" example:"safety"`
	// Default other (nothing the rules check).
	Assertion grading.Assertion `json:"assertion,omitempty" example:"absence"`
	// frequency only: a proportion in [0, 1], with claimed_bound; null otherwise. A bounded absence ("rarely": 0.001, "almost painless") is a frequency with claimed_bound at_most; a literal absence ("no risk") states none.
	ClaimedValue *float64 `json:"claimed_value,omitempty" example:"0.01"`
	// Required with claimed_value: point, at_most or at_least.
	ClaimedBound *grading.ClaimedBound `json:"claimed_bound,omitempty" example:"at_most"`
	// Default none.
	Hedge grading.Hedge `json:"hedge,omitempty" example:"none"`
} //	@name	ClaimCreate

type patchClaimRequest struct {
	Therapy   *string            `json:"therapy,omitempty" example:"mesotherapy"`
	Text      *string            `json:"text,omitempty"`
	Language  *string            `json:"language,omitempty"`
	TextEn    *string            `json:"text_en,omitempty" example:"The treatment is almost painless."`
	Summary   *string            `json:"summary,omitempty"`
	ClaimType *grading.ClaimType `json:"claim_type,omitempty"`
	Assertion *grading.Assertion `json:"assertion,omitempty"`
	// null clears it.
	ClaimedValue Nullable[float64] `json:"claimed_value,omitempty" swaggertype:"number" extensions:"x-nullable"`
	// null clears it (with claimed_value).
	ClaimedBound Nullable[grading.ClaimedBound] `json:"claimed_bound,omitempty" swaggertype:"string" enums:"point,at_most,at_least" extensions:"x-nullable"`
	Hedge        *grading.Hedge                 `json:"hedge,omitempty"`
} //	@name	ClaimPatch

func toClaimResponse(c models.Claim) claimResponse {
	r := claimResponse{ID: c.ID, Therapy: c.Therapy.Slug, Text: c.Text, Language: c.Language, TextEn: c.TextEn,
		Summary: c.Summary, ClaimType: c.ClaimType, Assertion: c.Assertion, ClaimedValue: c.ClaimedValue, ClaimedBound: c.ClaimedBound,
		Hedge: c.Hedge, Rating: c.Rating, RatingSource: c.RatingSource, Certainty: c.Certainty, CertaintyBasis: c.CertaintyBasis,
		Flags: make([]grading.Flag, 0, len(c.Flags)), SupportCount: c.SupportCount, RefuteCount: c.RefuteCount,
		AppearanceCount: c.AppearanceCount, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, f := range c.Flags {
		r.Flags = append(r.Flags, f.Flag)
	}
	slices.Sort(r.Flags)
	return r
}

func toRatingOverride(c models.Claim) *ratingOverrideResponse {
	if c.OverrideRating == nil {
		return nil
	}
	o := &ratingOverrideResponse{Rating: *c.OverrideRating, Stale: overrideStale(c)}
	if c.OverrideRationale != nil {
		o.Rationale = *c.OverrideRationale
	}
	if c.OverrideBy != nil {
		o.DecidedBy = *c.OverrideBy
	}
	if c.OverrideAt != nil {
		o.DecidedAt = *c.OverrideAt
	}
	return o
}

func toClaimDetail(d store.ClaimDetail) claimDetailResponse {
	r := claimDetailResponse{claimResponse: toClaimResponse(d.Claim), RatingExplanation: d.Claim.RatingExplanation,
		RatingReason: grading.RatingRule(d.Claim.RatingReason), RatingSummary: ratingSummaryOf(d.Claim),
		RatingOverride: toRatingOverride(d.Claim), Appearances: make([]appearanceResponse, len(d.Appearances)),
		Findings: make([]claimFindingResponse, len(d.Findings)), Searches: make([]searchResponse, len(d.Searches))}
	for i, sr := range d.Searches {
		r.Searches[i] = toSearchResponse(sr)
	}
	for i, cf := range d.Findings {
		r.Findings[i] = toClaimFindingResponse(cf)
	}
	for i, l := range d.Appearances {
		r.Appearances[i] = toAppearanceResponse(l)
	}
	return r
}

// ListClaims lists claims.
//
//	@Summary		List claims
//	@Description	Live (not archived) claims by id, keyset-paginated, with their derived rating, certainty and flags. Every filter is index-backed; `flag` may repeat and all given flags must hold.
//	@ID				listClaims
//	@Tags			claims
//	@Produce		json
//	@Param			therapy		query		string				false	"Therapy slug or alias"
//	@Param			flag		query		[]grading.Flag		false	"Flag that must hold (repeatable)"	collectionFormat(multi)
//	@Param			rating		query		grading.Rating		false	"Rating of the wording"
//	@Param			certainty	query		grading.Certainty	false	"Certainty the rating rests on"
//	@Param			language	query		string				false	"BCP 47 language of the claim's text"
//	@Param			claim_type	query		grading.ClaimType	false	"Claim type"
//	@Param			assertion	query		grading.Assertion	false	"What the wording asserts"
//	@Param			q			query		string				false	"Case- and accent-insensitive text in text, text_en or summary"
//	@Param			limit		query		int					false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor		query		string				false	"next_cursor of the previous page"
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
	if !checkQuery(c, "therapy", "flag", "rating", "certainty", "language", "claim_type", "assertion", "q") {
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
	fp = parseFilter(c, fp, "rating", grading.ParseRating, &f.Rating)
	fp = parseFilter(c, fp, "assertion", grading.ParseAssertion, &f.Assertion)
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

// GetClaim returns a claim with its rating, appearances and findings.
//
//	@Summary		Get a claim with its rating, appearances and findings
//	@Description	Embeds the rating's explanation, the editor's override (or null), every appearance with its source, and every linked finding with its stance, question, effect, certainty and grade. Archived claims answer 410. The ETag ("<version>-<digest>") changes whenever anything the document shows changes (an appearance, its source, a linked finding with its question, sources and grade, the flags); PATCH and DELETE accept it, or the claim's own "<version>", as If-Match.
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
//	@Description	The claim starts not_rated, unsupported and ungraded; record where it appears and link findings to it next. Derived fields (rating, certainty, flags, counts) cannot be written (400); a claimed_value its assertion does not allow is a 422.
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
		Language: req.Language, TextEn: req.TextEn, Summary: req.Summary, ClaimType: req.ClaimType, Assertion: req.Assertion,
		ClaimedValue: req.ClaimedValue, ClaimedBound: req.ClaimedBound, Hedge: req.Hedge})
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
//	@Description	An empty string clears text_en or summary, null clears claimed_value. The rating is re-derived in the same transaction. Derived fields cannot be written (400).
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
		Language: req.Language, TextEn: req.TextEn, Summary: req.Summary, ClaimType: req.ClaimType, Assertion: req.Assertion,
		ClaimedValue: store.Nullable[float64](req.ClaimedValue), ClaimedBound: store.Nullable[grading.ClaimedBound](req.ClaimedBound),
		Hedge: req.Hedge})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, cl.Version, toClaimResponse(cl))
}

// ArchiveClaim archives a claim.
//
//	@Summary		Archive a claim
//	@Description	Hides the claim from lists and reads (410 afterwards); its appearances, finding links and history are kept. If-Match is optional here; when sent it must name a version (428 for *).
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
