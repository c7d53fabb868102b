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

type questionResponse struct {
	ID      int64  `json:"id" example:"4"`
	Therapy string `json:"therapy" example:"mesotherapy"`
	// P: who.
	Population string `json:"population" example:"adults with acute low back pain"`
	// I: drug, route, dose, setting as text.
	Intervention string `json:"intervention" example:"intradermal lidocaine, 3 weekly sessions, outpatient"`
	// C: null for a question without comparator.
	Comparator     *string                `json:"comparator" extensions:"x-nullable" example:"oral diclofenac 150 mg daily"`
	ComparatorKind grading.ComparatorKind `json:"comparator_kind" example:"active"`
	// O: what is measured.
	Outcome     string              `json:"outcome" example:"pain on a 0-10 visual analogue scale"`
	Timepoint   string              `json:"timepoint" example:"6 months"`
	OutcomeKind grading.OutcomeKind `json:"outcome_kind" example:"benefit"`
	// Which way the outcome's scale improves: an estimate is stored as its
	// source reports it (intervention minus, or over, comparator) and read
	// in this direction. Pain intensity is lower_is_better.
	Direction grading.Direction `json:"direction" example:"lower_is_better"`
	Version   int64             `json:"version" example:"1"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
} //	@name	Question

type questionList struct {
	Data       []questionResponse `json:"data"`
	NextCursor *string            `json:"next_cursor" extensions:"x-nullable"`
} //	@name	QuestionList

type createQuestionRequest struct {
	// Slug or alias of the therapy.
	Therapy      string `json:"therapy" example:"Mesotherapie"`
	Population   string `json:"population" example:"adults with acute low back pain"`
	Intervention string `json:"intervention" example:"intradermal lidocaine, 3 weekly sessions, outpatient"`
	// Required unless comparator_kind is none, where it must be null.
	Comparator     *string                `json:"comparator,omitempty" example:"oral diclofenac 150 mg daily"`
	ComparatorKind grading.ComparatorKind `json:"comparator_kind" example:"active"`
	Outcome        string                 `json:"outcome" example:"pain on a 0-10 visual analogue scale"`
	Timepoint      string                 `json:"timepoint" example:"6 months"`
	OutcomeKind    grading.OutcomeKind    `json:"outcome_kind" example:"benefit"`
	// Which way the outcome's scale improves; required, never defaulted
	// (pain intensity and adverse events: lower_is_better; a rate of
	// responders: higher_is_better).
	Direction grading.Direction `json:"direction" example:"lower_is_better"`
} //	@name	QuestionCreate

type patchQuestionRequest struct {
	Therapy      *string `json:"therapy,omitempty" example:"mesotherapy"`
	Population   *string `json:"population,omitempty"`
	Intervention *string `json:"intervention,omitempty"`
	// A comparator, or null (or "") to clear it.
	Comparator     Nullable[string]        `json:"comparator,omitempty" swaggertype:"string" extensions:"x-nullable"`
	ComparatorKind *grading.ComparatorKind `json:"comparator_kind,omitempty"`
	Outcome        *string                 `json:"outcome,omitempty"`
	Timepoint      *string                 `json:"timepoint,omitempty"`
	OutcomeKind    *grading.OutcomeKind    `json:"outcome_kind,omitempty"`
	Direction      *grading.Direction      `json:"direction,omitempty"`
} //	@name	QuestionPatch

func toQuestionResponse(q models.Question) questionResponse {
	return questionResponse{ID: q.ID, Therapy: q.Therapy.Slug, Population: q.Population, Intervention: q.Intervention,
		Comparator: q.Comparator, ComparatorKind: q.ComparatorKind, Outcome: q.Outcome, Timepoint: q.Timepoint,
		OutcomeKind: q.OutcomeKind, Direction: q.Direction, Version: q.Version, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
}

// ListQuestions lists questions.
//
//	@Summary		List questions
//	@Description	PICO questions (one outcome each) by id, keyset-paginated. Every filter is index-backed.
//	@ID				listQuestions
//	@Tags			questions
//	@Produce		json
//	@Param			therapy			query		string				false	"Therapy slug or alias"
//	@Param			outcome_kind	query		grading.OutcomeKind	false	"Benefit or harm"
//	@Param			limit			query		int					false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor			query		string				false	"next_cursor of the previous page"
//	@Success		200				{object}	questionList
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Header			all				{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all				{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all				{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/questions [get]
func (h *Handler) ListQuestions(c *gin.Context) {
	if !checkQuery(c, "therapy", "outcome_kind") {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	f := store.QuestionFilter{Therapy: c.Query("therapy"), Page: page}
	if fp := parseFilter(c, nil, "outcome_kind", grading.ParseOutcomeKind, &f.OutcomeKind); len(fp) > 0 {
		badRequest(c, "invalid filter", fp...)
		return
	}
	rows, next, err := h.storeFor(c).ListQuestions(c.Request.Context(), f)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := questionList{Data: make([]questionResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, q := range rows {
		body.Data[i] = toQuestionResponse(q)
	}
	writeList(c, body, next)
}

// GetQuestion returns a question.
//
//	@Summary	Get a question
//	@ID			getQuestion
//	@Tags		questions
//	@Produce	json
//	@Param		id				path		int		true	"Question id"
//	@Param		If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success	200				{object}	questionResponse
//	@Success	304
//	@Failure	401	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	429	{object}	Problem
//	@Failure	503	{object}	Problem
//	@Header		all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header		all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header		all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router		/api/v1/questions/{id} [get]
func (h *Handler) GetQuestion(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !onlyQuery(c) {
		return
	}
	q, err := h.storeFor(c).GetQuestion(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, q.Version, toQuestionResponse(q))
}

// CreateQuestion creates a question.
//
//	@Summary		Create a question
//	@Description	One outcome of one PICO question: population, intervention (drug, route, dose, setting as text), comparator with its kind (none: no comparator, how often does it happen; inactive: placebo, sham, no treatment, add-on to usual care; active: another treatment), outcome, timepoint and whether the outcome is a benefit or a harm. Every invalid field is reported (422).
//	@ID				createQuestion
//	@Tags			questions
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			Idempotency-Key	header		string					false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createQuestionRequest	true	"The question"
//	@Success		201				{object}	questionResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		409				{object}	Problem	"A request with the same Idempotency-Key is in progress"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/questions [post]
func (h *Handler) CreateQuestion(c *gin.Context) {
	var req createQuestionRequest
	if !bindJSON(c, &req) {
		return
	}
	q, err := h.storeFor(c).CreateQuestion(c.Request.Context(), actor(c), store.QuestionInput{Therapy: req.Therapy, Population: req.Population,
		Intervention: req.Intervention, Comparator: req.Comparator, ComparatorKind: req.ComparatorKind, Outcome: req.Outcome,
		Timepoint: req.Timepoint, OutcomeKind: req.OutcomeKind, Direction: req.Direction})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/questions/%d", q.ID))
	writeResource(c, http.StatusCreated, q.Version, toQuestionResponse(q))
}

// PatchQuestion changes a question.
//
//	@Summary		Change a question
//	@Description	A change of the PICO, timepoint, outcome kind or direction changes the ETag of every finding that answers the question. A change that would leave a finding's attribution on something other than a harm without comparator is a 422.
//	@ID				patchQuestion
//	@Tags			questions
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int						true	"Question id"
//	@Param			If-Match	header		string					true	"ETag of the version the change is based on"
//	@Param			body		body		patchQuestionRequest	true	"Fields to change"
//	@Success		200			{object}	questionResponse
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
//	@Router			/api/v1/questions/{id} [patch]
func (h *Handler) PatchQuestion(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req patchQuestionRequest
	if !bindJSON(c, &req) {
		return
	}
	q, err := h.storeFor(c).UpdateQuestion(c.Request.Context(), actor(c), id, version, store.QuestionPatch{Therapy: req.Therapy,
		Population: req.Population, Intervention: req.Intervention, Comparator: store.Nullable[string](req.Comparator),
		ComparatorKind: req.ComparatorKind, Outcome: req.Outcome, Timepoint: req.Timepoint, OutcomeKind: req.OutcomeKind,
		Direction: req.Direction})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, q.Version, toQuestionResponse(q))
}
