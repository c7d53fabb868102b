package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/store"
)

type findingSourceResponse struct {
	ID        int64 `json:"id" example:"12"`
	FindingID int64 `json:"finding_id" example:"3"`
	SourceID  int64 `json:"source_id" example:"7"`
	// The passage that bears on the question.
	Excerpt *string `json:"excerpt" extensions:"x-nullable"`
	// Page, table or section.
	Locator *string `json:"locator" extensions:"x-nullable" example:"Results, table 2"`
	Note    *string `json:"note" extensions:"x-nullable"`
	// A review's or guideline's own rating of this outcome.
	ReportedCertainty *grading.Certainty `json:"reported_certainty" extensions:"x-nullable"`
	// The threshold the source rated imprecision against for reported_certainty, on the finding's estimate scale; null when it states none. Imprecision may be rated down again only when the finding's threshold differs from it (one of the two null counts as differing, both null as equal).
	ReportedThreshold *float64 `json:"reported_threshold" extensions:"x-nullable" example:"1.25"`
	// For a mixed review: the one design its estimate is restricted to.
	DesignSubset *grading.IncludedDesign `json:"design_subset" extensions:"x-nullable"`
	Version      int64                   `json:"version" example:"1"`
	CreatedAt    time.Time               `json:"created_at"`
	UpdatedAt    time.Time               `json:"updated_at"`
	Source       sourceResponse          `json:"source"`
} //	@name	FindingSource

type findingResponse struct {
	ID       int64                   `json:"id" example:"3"`
	Question questionResponse        `json:"question"`
	Sources  []findingSourceResponse `json:"sources"`
	// The effect measure; null without an estimate.
	Measure  *grading.EffectMeasure `json:"measure" extensions:"x-nullable" example:"mean_difference"`
	Estimate *float64               `json:"estimate" extensions:"x-nullable" example:"-1.2"`
	// 95% confidence interval.
	CILow        *float64 `json:"ci_low" extensions:"x-nullable" example:"-2.1"`
	CIHigh       *float64 `json:"ci_high" extensions:"x-nullable" example:"-0.3"`
	Events       *int64   `json:"events" extensions:"x-nullable"`
	Participants *int64   `json:"participants" extensions:"x-nullable" example:"84"`
	Studies      *int64   `json:"studies" extensions:"x-nullable" example:"1"`
	// The smallest effect that matters, on the estimate's scale (a ratio > 1 for ratio measures, a magnitude > 0 for differences).
	Threshold *float64 `json:"threshold" extensions:"x-nullable" example:"1"`
	// The risk of the outcome in the comparator group, a proportion quoted from the source (risk, odds and hazard ratios only), from which the summary of findings computes the absolute effect per 1,000 (GRADE 12); null when the source gives none: no baseline is ever assumed.
	ComparatorRisk *float64 `json:"comparator_risk" extensions:"x-nullable" example:"0.2"`
	// WHO-UMC causality as recorded for a harm without comparator (the reviewers' agreed attribution of case evidence is grade.attribution).
	Attribution *grading.Attribution `json:"attribution" extensions:"x-nullable"`
	Summary     string               `json:"summary" example:"One small open-label trial: pain fell slightly more than with oral drugs."`
	// Derived: the GRADE certainty of the current grade; null until graded, while the grade is withdrawn, and for case evidence (a harm without comparator and without a measure), which has occurrence_certainty instead.
	Certainty *grading.Certainty `json:"certainty" extensions:"x-nullable"`
	// Derived, case evidence only: the certainty that the harm can occur at all (from the agreed WHO-UMC attribution, lowered for indirectness), never how often; null otherwise and while the grade is withdrawn.
	OccurrenceCertainty *grading.Certainty `json:"occurrence_certainty" extensions:"x-nullable"`
	Flags               []grading.Flag     `json:"flags" example:"ungraded"`
	// The start ("start") and domains on which the submitted assessments differ while unsettled; empty otherwise.
	Disagreements []string `json:"disagreements" example:"risk_of_bias"`
	// The current grade (kept as history); null while ungraded. A stale grade stays, flagged stale_grade; a withdrawn one stays with withdrawn_at, flagged ungraded.
	Grade *findingGradeResponse `json:"grade" extensions:"x-nullable"`
	// How the current grade's certainty was reached; null while ungraded.
	Derivation *certaintyDerivation `json:"derivation" extensions:"x-nullable"`
	Version    int64                `json:"version" example:"2"`
	CreatedAt  time.Time            `json:"created_at"`
	UpdatedAt  time.Time            `json:"updated_at"`
} //	@name	Finding

type findingList struct {
	Data       []findingResponse `json:"data"`
	NextCursor *string           `json:"next_cursor" extensions:"x-nullable"`
} //	@name	FindingList

type createFindingRequest struct {
	QuestionID   int64                  `json:"question_id" minimum:"1" example:"4"`
	Measure      *grading.EffectMeasure `json:"measure,omitempty" example:"mean_difference"`
	Estimate     *float64               `json:"estimate,omitempty" example:"-1.2"`
	CILow        *float64               `json:"ci_low,omitempty" example:"-2.1"`
	CIHigh       *float64               `json:"ci_high,omitempty" example:"-0.3"`
	Events       *int64                 `json:"events,omitempty" minimum:"0" maximum:"100000000"`
	Participants *int64                 `json:"participants,omitempty" minimum:"1" maximum:"100000000" example:"84"`
	Studies      *int64                 `json:"studies,omitempty" minimum:"1" maximum:"100000" example:"1"`
	Threshold    *float64               `json:"threshold,omitempty" example:"1"`
	// Only with a risk, odds or hazard ratio: the comparator group's risk quoted from the source, in (0, 1).
	ComparatorRisk *float64             `json:"comparator_risk,omitempty" example:"0.2"`
	Attribution    *grading.Attribution `json:"attribution,omitempty"`
	Summary        string               `json:"summary" example:"One small open-label trial: pain fell slightly more than with oral drugs."`
} //	@name	FindingCreate

type patchFindingRequest struct {
	QuestionID *int64 `json:"question_id,omitempty" minimum:"1"`
	// null clears; so for every nullable field below.
	Measure        Nullable[grading.EffectMeasure] `json:"measure,omitempty" swaggertype:"string" extensions:"x-nullable"`
	Estimate       Nullable[float64]               `json:"estimate,omitempty" swaggertype:"number" extensions:"x-nullable"`
	CILow          Nullable[float64]               `json:"ci_low,omitempty" swaggertype:"number" extensions:"x-nullable"`
	CIHigh         Nullable[float64]               `json:"ci_high,omitempty" swaggertype:"number" extensions:"x-nullable"`
	Events         Nullable[int64]                 `json:"events,omitempty" swaggertype:"integer" minimum:"0" maximum:"100000000" extensions:"x-nullable"`
	Participants   Nullable[int64]                 `json:"participants,omitempty" swaggertype:"integer" minimum:"1" maximum:"100000000" extensions:"x-nullable"`
	Studies        Nullable[int64]                 `json:"studies,omitempty" swaggertype:"integer" minimum:"1" maximum:"100000" extensions:"x-nullable"`
	Threshold      Nullable[float64]               `json:"threshold,omitempty" swaggertype:"number" extensions:"x-nullable"`
	ComparatorRisk Nullable[float64]               `json:"comparator_risk,omitempty" swaggertype:"number" extensions:"x-nullable"`
	Attribution    Nullable[grading.Attribution]   `json:"attribution,omitempty" swaggertype:"string" extensions:"x-nullable"`
	Summary        *string                         `json:"summary,omitempty"`
} //	@name	FindingPatch

type createFindingSourceRequest struct {
	SourceID int64   `json:"source_id" minimum:"1" example:"7"`
	Excerpt  *string `json:"excerpt,omitempty"`
	Locator  *string `json:"locator,omitempty" example:"Results, table 2"`
	Note     *string `json:"note,omitempty"`
	// Only for a systematic_review, meta_analysis or guideline source.
	ReportedCertainty *grading.Certainty `json:"reported_certainty,omitempty"`
	// Only with reported_certainty: the threshold the source rated imprecision against, on the finding's estimate scale (the finding's threshold rules).
	ReportedThreshold *float64 `json:"reported_threshold,omitempty" example:"1.25"`
	// Only for a review whose included_design is mixed.
	DesignSubset *grading.IncludedDesign `json:"design_subset,omitempty"`
} //	@name	FindingSourceCreate

type patchFindingSourceRequest struct {
	Excerpt           *string                          `json:"excerpt,omitempty"`
	Locator           *string                          `json:"locator,omitempty"`
	Note              *string                          `json:"note,omitempty"`
	ReportedCertainty Nullable[grading.Certainty]      `json:"reported_certainty,omitempty" swaggertype:"string" extensions:"x-nullable"`
	ReportedThreshold Nullable[float64]                `json:"reported_threshold,omitempty" swaggertype:"number" extensions:"x-nullable"`
	DesignSubset      Nullable[grading.IncludedDesign] `json:"design_subset,omitempty" swaggertype:"string" extensions:"x-nullable"`
} //	@name	FindingSourcePatch

func toFindingSourceResponse(fs models.FindingSource) findingSourceResponse {
	return findingSourceResponse{ID: fs.ID, FindingID: fs.FindingID, SourceID: fs.SourceID, Excerpt: fs.Excerpt, Locator: fs.Locator,
		Note: fs.Note, ReportedCertainty: fs.ReportedCertainty, ReportedThreshold: fs.ReportedThreshold, DesignSubset: fs.DesignSubset, Version: fs.Version,
		CreatedAt: fs.CreatedAt, UpdatedAt: fs.UpdatedAt, Source: toSourceResponse(fs.Source)}
}

func toFindingResponse(f models.Finding) findingResponse {
	r := findingResponse{ID: f.ID, Question: toQuestionResponse(f.Question), Sources: make([]findingSourceResponse, len(f.Sources)),
		Measure: f.Measure, Estimate: f.Estimate, CILow: f.CILow, CIHigh: f.CIHigh, Events: f.Events, Participants: f.Participants,
		Studies: f.Studies, Threshold: f.Threshold, ComparatorRisk: f.ComparatorRisk, Attribution: f.Attribution, Summary: f.Summary, Certainty: f.Certainty,
		OccurrenceCertainty: f.OccurrenceCertainty, Flags: f.FlagNames(), Disagreements: nonNilSlice(f.Disagreements), Grade: toFindingGradeResponse(f.Grade),
		Version: f.Version, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
	for i, fs := range f.Sources {
		r.Sources[i] = toFindingSourceResponse(fs)
	}
	if f.Grade != nil {
		d := toCertaintyDerivation(f.Grade.Derivation)
		r.Derivation = &d
	}
	return r
}

// ListFindings lists findings.
//
//	@Summary		List findings
//	@Description	Bodies of evidence, one per question, by id, keyset-paginated, each with its question and sources embedded. Every filter is index-backed; `flag` may repeat (repeats are ignored) and all given flags must hold.
//	@ID				listFindings
//	@Tags			findings
//	@Produce		json
//	@Param			question	query		int					false	"Question id"
//	@Param			therapy		query		string				false	"Therapy slug or alias (of the question)"
//	@Param			flag		query		[]grading.Flag		false	"Flag that must hold (repeatable)"	collectionFormat(multi)
//	@Param			certainty	query		grading.Certainty	false	"Certainty"
//	@Param			limit		query		int					false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor		query		string				false	"next_cursor of the previous page"
//	@Success		200			{object}	findingList
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Header			all			{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all			{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all			{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/findings [get]
func (h *Handler) ListFindings(c *gin.Context) {
	if !checkQuery(c, "question", "therapy", "flag", "certainty") {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	f := store.FindingFilter{Therapy: c.Query("therapy"), Page: page}
	var fp []FieldProblem
	if v, set := c.GetQuery("question"); set {
		id, ok := ParseID(v)
		if !ok {
			fp = append(fp, FieldProblem{Field: "question", Message: "must be a question id: a positive integer in decimal digits"})
		}
		f.Question = id
	}
	seen := map[grading.Flag]bool{}
	for _, flag := range c.QueryArray("flag") {
		v, err := grading.ParseFlag(flag)
		fp = appendVocabProblem(fp, "flag", err)
		if err == nil && !seen[v] {
			seen[v] = true
			f.Flags = append(f.Flags, v)
		}
	}
	fp = parseFilter(c, fp, "certainty", grading.ParseCertainty, &f.Certainty)
	if len(fp) > 0 {
		badRequest(c, "invalid filter", fp...)
		return
	}
	rows, next, err := h.storeFor(c).ListFindings(c.Request.Context(), f)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := findingList{Data: make([]findingResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, fi := range rows {
		body.Data[i] = toFindingResponse(fi)
	}
	writeList(c, body, next)
}

// GetFinding returns a finding with its question and sources.
//
//	@Summary		Get a finding with its question and sources
//	@Description	The ETag ("<version>-<digest>") changes whenever anything the document shows changes (the question, an attached source or its attachment, the flags); PATCH accepts it, or the finding's own "<version>", as If-Match.
//	@ID				getFinding
//	@Tags			findings
//	@Produce		json
//	@Param			id				path		int		true	"Finding id"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	findingResponse
//	@Success		304
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/findings/{id} [get]
func (h *Handler) GetFinding(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !onlyQuery(c) {
		return
	}
	f, err := h.storeFor(c).GetFinding(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeTagged(c, http.StatusOK, findingTag(f), toFindingResponse(f))
}

// CreateFinding creates a finding.
//
//	@Summary		Create a finding
//	@Description	The body of evidence for one question, with the effect where one exists. Rules (422, every field at once): measure is required with an estimate, CI, events or threshold; ci_low ≤ estimate ≤ ci_high; ratio measures are > 0; a proportion lies in [0, 1]; events ≤ participants, and events only with proportion or incidence; threshold is on the estimate's scale (a ratio > 1 for ratio measures, its inverse applying to a decrease; a magnitude > 0 for differences); attribution only for a harm question without comparator. The finding starts ungraded; attach sources next.
//	@ID				createFinding
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			Idempotency-Key	header		string					false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createFindingRequest	true	"The finding"
//	@Success		201				{object}	findingResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		409				{object}	Problem	"A request with the same Idempotency-Key is in progress"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/findings [post]
func (h *Handler) CreateFinding(c *gin.Context) {
	var req createFindingRequest
	if !bindJSON(c, &req) {
		return
	}
	f, err := h.storeFor(c).CreateFinding(c.Request.Context(), actor(c), store.FindingInput{QuestionID: req.QuestionID, Measure: req.Measure,
		Estimate: req.Estimate, CILow: req.CILow, CIHigh: req.CIHigh, Events: req.Events, Participants: req.Participants,
		Studies: req.Studies, Threshold: req.Threshold, ComparatorRisk: req.ComparatorRisk, Attribution: req.Attribution, Summary: req.Summary})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/findings/%d", f.ID))
	writeTagged(c, http.StatusCreated, findingTag(f), toFindingResponse(f))
}

// PatchFinding changes a finding.
//
//	@Summary		Change a finding
//	@Description	The effect and summary, or the question it answers; null clears a nullable field. The same rules as on creation (422).
//	@ID				patchFinding
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int					true	"Finding id"
//	@Param			If-Match	header		string				true	"ETag of the finding document (GET) or of the finding (\"<version>\") the change is based on"
//	@Param			body		body		patchFindingRequest	true	"Fields to change"
//	@Success		200			{object}	findingResponse
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/findings/{id} [patch]
func (h *Handler) PatchFinding(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, tag, ok := ifMatchDocument(c, false)
	if !ok {
		return
	}
	var req patchFindingRequest
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
	f, err := h.storeFor(c).UpdateFinding(c.Request.Context(), actor(c), id, version, store.FindingPatch{QuestionID: req.QuestionID,
		Measure: store.Nullable[grading.EffectMeasure](req.Measure), Estimate: store.Nullable[float64](req.Estimate),
		CILow: store.Nullable[float64](req.CILow), CIHigh: store.Nullable[float64](req.CIHigh),
		Events: store.Nullable[int64](req.Events), Participants: store.Nullable[int64](req.Participants),
		Studies: store.Nullable[int64](req.Studies), Threshold: store.Nullable[float64](req.Threshold),
		ComparatorRisk: store.Nullable[float64](req.ComparatorRisk),
		Attribution:    store.Nullable[grading.Attribution](req.Attribution), Summary: req.Summary})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeTagged(c, http.StatusOK, findingTag(f), toFindingResponse(f))
}

// AttachFindingSource attaches a source to a finding.
//
//	@Summary		Attach a source to a finding
//	@Description	One attachment per finding and source (409); it is addressed by the source's id. web_article, news and other sources are never attachable (422); reported_certainty only for a systematic_review, meta_analysis or guideline (422); reported_threshold (the threshold that rating judged imprecision against) only with reported_certainty and on the finding's estimate scale, so the finding needs a measure (422); design_subset only for a review whose included_design is mixed (422). Recomputes the finding's flags (retracted_evidence).
//	@ID				attachFindingSource
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id				path		int							true	"Finding id"
//	@Param			Idempotency-Key	header		string						false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createFindingSourceRequest	true	"The attachment"
//	@Success		201				{object}	findingSourceResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/findings/{id}/sources [post]
func (h *Handler) AttachFindingSource(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req createFindingSourceRequest
	if !bindJSON(c, &req) {
		return
	}
	fs, err := h.storeFor(c).AttachSource(c.Request.Context(), actor(c), id, store.FindingSourceInput{SourceID: req.SourceID,
		Excerpt: req.Excerpt, Locator: req.Locator, Note: req.Note, ReportedCertainty: req.ReportedCertainty, ReportedThreshold: req.ReportedThreshold, DesignSubset: req.DesignSubset})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/findings/%d/sources/%d", id, fs.SourceID))
	writeResource(c, http.StatusCreated, fs.Version, toFindingSourceResponse(fs))
}

// PatchFindingSource changes an attachment.
//
//	@Summary		Change a finding's source attachment
//	@Description	Excerpt, locator, note (an empty string clears), reported_certainty, reported_threshold and design_subset (null clears), under the same rules as on attaching (clearing reported_certainty needs reported_threshold cleared too). A change of reported_certainty or reported_threshold makes the finding's grade stale.
//	@ID				patchFindingSource
//	@Tags			findings
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int							true	"Finding id"
//	@Param			sid			path		int							true	"Source id"
//	@Param			If-Match	header		string						true	"ETag of the attachment's version the change is based on"
//	@Param			body		body		patchFindingSourceRequest	true	"Fields to change"
//	@Success		200			{object}	findingSourceResponse
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/findings/{id}/sources/{sid} [patch]
func (h *Handler) PatchFindingSource(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	sid, ok := pathID(c, "sid")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req patchFindingSourceRequest
	if !bindJSON(c, &req) {
		return
	}
	fs, err := h.storeFor(c).UpdateFindingSource(c.Request.Context(), actor(c), id, sid, version, store.FindingSourcePatch{Excerpt: req.Excerpt,
		Locator: req.Locator, Note: req.Note, ReportedCertainty: store.Nullable[grading.Certainty](req.ReportedCertainty),
		ReportedThreshold: store.Nullable[float64](req.ReportedThreshold), DesignSubset: store.Nullable[grading.IncludedDesign](req.DesignSubset)})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, fs.Version, toFindingSourceResponse(fs))
}

// DetachFindingSource removes a source from a finding.
//
//	@Summary		Detach a source from a finding
//	@Description	Recomputes the finding's flags. If-Match is optional.
//	@ID				detachFindingSource
//	@Tags			findings
//	@Security		ApiKeyAuth
//	@Param			id			path	int		true	"Finding id"
//	@Param			sid			path	int		true	"Source id"
//	@Param			If-Match	header	string	false	"ETag of the attachment's version being removed"
//	@Success		204
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		412	{object}	Problem
//	@Failure		428	{object}	Problem	"If-Match: * names no version"
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/api/v1/findings/{id}/sources/{sid} [delete]
func (h *Handler) DetachFindingSource(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	sid, ok := pathID(c, "sid")
	if !ok {
		return
	}
	version, ok := optionalIfMatch(c)
	if !ok {
		return
	}
	if err := h.storeFor(c).DetachSource(c.Request.Context(), actor(c), id, sid, version); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// FindingHistory lists a finding's audit trail.
//
//	@Summary		List a finding's history
//	@Description	Every recorded change of the finding, its source attachments and its claim links, and every change of its flags, newest first, keyset-paginated, each before and after in the API's shape of its resource: Finding for finding.created and finding.updated, {flags, cause} for finding.flagged, FindingSource for finding_source events, ClaimFinding for claim_finding events, FindingAssessment for finding_assessment events (created, updated, submitted, revised, reopened), FindingGrade for finding_grade.decided, finding_grade.adjudicated, finding_grade.withdrawn (every level-setting source retracted) and finding_grade.reinstated (the retraction reversed). Blinding covers the trail: until the finding's grade exists, its finding_assessment events (who assessed it, and when) are shown to editors and admins only, and to anyone else a flags change an assessment caused names its actor "blinded"; the contents (before and after) of finding_assessment events are shown to editors and admins only, also once graded.
//	@ID				findingHistory
//	@Tags			findings
//	@Produce		json
//	@Param			id		path		int		true	"Finding id"
//	@Param			limit	query		int		false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	historyList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Header			all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/findings/{id}/history [get]
func (h *Handler) FindingHistory(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	events, next, err := h.reviewFor(c).FindingHistory(c.Request.Context(), actor(c), id, page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := historyList{Data: make([]historyEvent, len(events)), NextCursor: cursorPtr(next)}
	for i, e := range events {
		body.Data[i] = toHistoryEvent(e)
	}
	writeList(c, body, next)
}
