package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/review"
)

// gradeRequest is an editor's adjudicated grade.
type gradeRequest struct {
	// The final certainty; null (or left out) only with verdict insufficient when no usable evidence is linked.
	Certainty *grading.Certainty `json:"certainty,omitempty" extensions:"x-nullable" example:"low"`
	// supported needs a supporting evidence link, refuted a refuting one.
	Verdict grading.Verdict `json:"verdict" example:"supported"`
	// Why this certainty and verdict; required.
	Rationale string `json:"rationale" example:"Reviewers split on imprecision; the single small RCT warrants two downgrades."`
} //	@name	GradeWrite

type gradeDecisionResponse struct {
	ID      int64 `json:"id" example:"7"`
	ClaimID int64 `json:"claim_id" example:"5"`
	gradeResponse
	// For an adjudicated grade: the start of the evidence linked at the time and the editor's certainty, without domain steps.
	Derivation derivationResponse `json:"derivation"`
} //	@name	GradeDecision

type historyEvent struct {
	ID int64 `json:"id" example:"42"`
	// What happened, e.g. claim.created, link.created, assessment.submitted, grade.decided, grade.adjudicated, claim.flagged.
	Action string `json:"action" example:"assessment.submitted"`
	// The kind of record that changed.
	Entity   string `json:"entity" example:"assessment"`
	EntityID int64  `json:"entity_id" example:"4"`
	// Name of the user (or system process) that made the change.
	Actor     string    `json:"actor" example:"reviewer"`
	RequestID *string   `json:"request_id" extensions:"x-nullable" example:"4b9c1a0e7f2d4c55"`
	CreatedAt time.Time `json:"created_at"`
	// The record before the change, in the API's shape of its entity (a Claim, Link, Assessment or GradeDecision; a claim's flags for claim.flagged); null for a creation. Assessment contents are shown to editors and admins only.
	Before json.RawMessage `json:"before" swaggertype:"object" extensions:"x-nullable"`
	// The record after the change, in the API's shape of its entity (a Claim, Link, Assessment or GradeDecision; a claim's flags and the cause for claim.flagged; archived_at for claim.archived); null for a deletion. Assessment contents are shown to editors and admins only.
	After json.RawMessage `json:"after" swaggertype:"object" extensions:"x-nullable"`
} //	@name	HistoryEvent

type historyList struct {
	Data       []historyEvent `json:"data"`
	NextCursor *string        `json:"next_cursor" extensions:"x-nullable"`
} //	@name	HistoryList

// flagCounts holds every flag, 0 when no claim carries it.
type flagCounts struct {
	Unsupported          int64 `json:"unsupported" example:"3"`
	Contradicted         int64 `json:"contradicted" example:"1"`
	LowCertainty         int64 `json:"low_certainty" example:"2"`
	Ungraded             int64 `json:"ungraded" example:"5"`
	StaleGrade           int64 `json:"stale_grade" example:"0"`
	RetractedEvidence    int64 `json:"retracted_evidence" example:"0"`
	ReviewerDisagreement int64 `json:"reviewer_disagreement" example:"1"`
} //	@name	FlagCounts

type flagsResponse struct {
	// The therapy's slug when the counts are for one therapy; null for all claims.
	Therapy *string    `json:"therapy" extensions:"x-nullable" example:"mesotherapy"`
	Counts  flagCounts `json:"counts"`
} //	@name	FlagSummary

func toFlagCounts(m map[string]int64) flagCounts {
	return flagCounts{
		Unsupported: m[string(grading.FlagUnsupported)], Contradicted: m[string(grading.FlagContradicted)],
		LowCertainty: m[string(grading.FlagLowCertainty)], Ungraded: m[string(grading.FlagUngraded)],
		StaleGrade: m[string(grading.FlagStaleGrade)], RetractedEvidence: m[string(grading.FlagRetractedEvidence)],
		ReviewerDisagreement: m[string(grading.FlagReviewerDisagreement)],
	}
}

// snapshotJSON is a stored before/after snapshot as a JSON object, or
// null.
func snapshotJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	raw := bytes.TrimSpace([]byte(*s))
	if len(raw) > 0 && raw[0] == '{' && json.Valid(raw) {
		return raw
	}
	wrapped, _ := json.Marshal(map[string]any{"value": json.RawMessage(raw)})
	if !json.Valid(raw) {
		wrapped, _ = json.Marshal(map[string]string{"value": *s})
	}
	return wrapped
}

func toHistoryEvent(e models.AuditEvent) historyEvent {
	return historyEvent{ID: e.ID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, Actor: e.ActorName,
		RequestID: e.RequestID, CreatedAt: e.CreatedAt, Before: snapshotJSON(e.Before), After: snapshotJSON(e.After)}
}

// AdjudicateGrade records an editor's final grade of a claim.
//
//	@Summary		Adjudicate a claim's grade
//	@Description	Sets the claim's final certainty and verdict (method adjudicated), for example where reviewers disagree (this clears reviewer_disagreement), or to re-grade a stale grade after the evidence changed (this clears stale_grade). The rationale is required; supported needs a supporting evidence link and refuted a refuting one; certainty may be null only with verdict insufficient when no usable evidence is linked (422 otherwise). The grade is kept in the claim's history; the claim's verdict, certainty and flags are re-derived at once.
//	@ID				adjudicateGrade
//	@Tags			grades
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id		path		int				true	"Claim id"
//	@Param			body	body		gradeRequest	true	"The final grade"
//	@Success		200		{object}	gradeDecisionResponse
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		410		{object}	Problem
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Router			/api/v1/claims/{id}/grade [put]
func (h *Handler) AdjudicateGrade(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req gradeRequest
	if !bindJSON(c, &req) {
		return
	}
	g, err := h.reviewFor(c).Adjudicate(c.Request.Context(), actor(c), id, review.GradeInput{Certainty: req.Certainty,
		Verdict: req.Verdict, Rationale: req.Rationale})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, gradeDecisionResponse{ID: g.ID, ClaimID: g.ClaimID, gradeResponse: *toGradeResponse(&g),
		Derivation: toDerivationResponse(g.Derivation, true)})
}

// ClaimHistory lists a claim's audit trail.
//
//	@Summary		List a claim's history
//	@Description	Every recorded change of the claim, its links, assessments and grades, and every change of its flags, newest first, keyset-paginated: who did it (actor), when, in which request, and the record before and after, each in the API's shape of its resource (never a storage row): Claim for claim.created and claim.updated, {flags, cause} for claim.flagged, {archived_at} for claim.archived, Link (its source embedded) for link events, Assessment for assessment events, GradeDecision for grade events. Archived claims keep their history. The contents of assessment events are shown to editors and admins only, so that the trail does not reveal a reviewer's judgement to other reviewers before they submit.
//	@ID				claimHistory
//	@Tags			claims
//	@Produce		json
//	@Param			id		path		int		true	"Claim id"
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
//	@Router			/api/v1/claims/{id}/history [get]
func (h *Handler) ClaimHistory(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	events, next, err := h.reviewFor(c).ClaimHistory(c.Request.Context(), actor(c), id, page)
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

// FlagCounts counts live claims per flag.
//
//	@Summary		Count claims per flag
//	@Description	How many live (not archived) claims carry each flag: every flag is present, 0 when no claim carries it. With therapy (a slug or any alias), only that therapy's claims; an unknown therapy is a 404. Use GET /api/v1/claims?flag=... to list the claims behind a count.
//	@ID				flagCounts
//	@Tags			claims
//	@Produce		json
//	@Param			therapy	query		string	false	"Therapy slug or alias"
//	@Success		200		{object}	flagsResponse
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Header			all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/flags [get]
func (h *Handler) FlagCounts(c *gin.Context) {
	if !onlyQuery(c, "therapy") {
		return
	}
	ctx := c.Request.Context()
	var body flagsResponse
	key := c.Query("therapy")
	if key != "" {
		t, err := h.storeFor(c).GetTherapy(ctx, key)
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		body.Therapy, key = &t.Slug, t.Slug
	}
	counts, err := h.storeFor(c).FlagCounts(ctx, key)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body.Counts = toFlagCounts(counts)
	c.JSON(http.StatusOK, body)
}
