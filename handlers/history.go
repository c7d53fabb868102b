package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
)

type historyEvent struct {
	ID int64 `json:"id" example:"42"`
	// What happened, e.g. claim.created, appearance.created, claim_finding.created, claim.rated, claim.flagged, claim.override_set.
	Action string `json:"action" example:"claim.rated"`
	// The kind of record that changed.
	Entity   string `json:"entity" example:"claim"`
	EntityID int64  `json:"entity_id" example:"4"`
	// Name of the user (or system process) that made the change.
	Actor     string    `json:"actor" example:"reviewer"`
	RequestID *string   `json:"request_id" extensions:"x-nullable" example:"4b9c1a0e7f2d4c55"`
	CreatedAt time.Time `json:"created_at"`
	// The record before the change, in the API's shape of its entity (a Claim, Appearance, ClaimFinding, EvidenceSearch, FindingAssessment or FindingGrade; a claim's flags for claim.flagged, its rating for claim.rated and the override events); null for a creation. Assessment contents are shown to editors and admins only.
	Before json.RawMessage `json:"before" swaggertype:"object" extensions:"x-nullable"`
	// The record after the change, in the API's shape of its entity (a Claim, Appearance, ClaimFinding, EvidenceSearch, FindingAssessment or FindingGrade; a claim's flags and the cause for claim.flagged; its rating and the cause for claim.rated; archived_at for claim.archived); null for a deletion. Assessment contents are shown to editors and admins only.
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
	InaccurateWording    int64 `json:"inaccurate_wording" example:"2"`
	AbsoluteWording      int64 `json:"absolute_wording" example:"1"`
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
		InaccurateWording: m[string(grading.FlagInaccurateWording)], AbsoluteWording: m[string(grading.FlagAbsoluteWording)],
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

// ClaimHistory lists a claim's audit trail.
//
//	@Summary		List a claim's history
//	@Description	Every recorded change of the claim, its appearances and finding links, and every change of its flags and rating, newest first, keyset-paginated: who did it (actor), when, in which request, and the record before and after, each in the API's shape of its resource (never a storage row): Claim for claim.created and claim.updated, {flags, cause} for claim.flagged, {rating, rating_source, certainty, rating_explanation, override, cause} for claim.rated, claim.override_set and claim.override_removed, {archived_at} for claim.archived, Appearance (its source embedded) for appearance events, ClaimFinding for claim_finding events, EvidenceSearch for evidence_search events (evidence_search.created, .updated, .deleted, .imported; a claim.rated or claim.flagged with cause evidence_search.stale was made by the periodic sweep when the claim's newest search aged past SEARCH_STALE_AFTER). Archived claims keep their history. Events of the retired claim-level review (entity assessment) are shown without contents except to editors and admins.
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
	events, next, err := h.storeFor(c).History(c.Request.Context(), id, page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	if !actor(c).Role.AtLeast(models.RoleEditor) {
		for i := range events {
			if events[i].Entity == "assessment" {
				events[i].Before, events[i].After = nil, nil
			}
		}
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

func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
