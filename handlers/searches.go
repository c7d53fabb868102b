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

type searchResponse struct {
	ID      int64 `json:"id" example:"4"`
	ClaimID int64 `json:"claim_id" example:"27"`
	// Where the search was run.
	Database grading.SearchDatabase `json:"database" example:"pubmed"`
	// The search exactly as it was run.
	Query string `json:"query" example:"mesotherapy AND (asthma OR \"cystic fibrosis\")"`
	// When the search was run.
	SearchedAt time.Time `json:"searched_at" example:"2026-11-03T00:00:00Z"`
	// How many records the search returned (0 to 1,000,000,000).
	Hits int64 `json:"hits" example:"12" minimum:"0" maximum:"1000000000"`
	// How many of them were screened (0 to hits).
	Screened int64 `json:"screened" example:"3" minimum:"0" maximum:"1000000000"`
	// The ids of the catalogued sources the search led to, ascending; [] when nothing was includable.
	SourceIDs []int64 `json:"source_ids"`
	// Why nothing was includable (or anything else about the search); null when not given.
	Note    *string `json:"note" extensions:"x-nullable" example:"No trial or case series of intradermal micro-vaccination in asthma or cystic fibrosis; the hits were about allergen immunotherapy."`
	Version int64   `json:"version" example:"1"`
	// The name of the editor who recorded the search.
	CreatedBy string    `json:"created_by" example:"erin"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
} //	@name	EvidenceSearch

type searchList struct {
	Data       []searchResponse `json:"data"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
} //	@name	EvidenceSearchList

type createSearchRequest struct {
	Database grading.SearchDatabase `json:"database" example:"pubmed"`
	// Exactly as it was run, at most 10,000 characters.
	Query string `json:"query" example:"mesotherapy AND (asthma OR \"cystic fibrosis\")"`
	// When the search was run (RFC 3339), not in the future.
	SearchedAt *time.Time `json:"searched_at" swaggertype:"string" format:"date-time" example:"2026-11-03T00:00:00Z"`
	// Records returned, 0 to 1,000,000,000.
	Hits *int64 `json:"hits" swaggertype:"integer" example:"12" minimum:"0" maximum:"1000000000"`
	// Records screened, 0 to hits.
	Screened *int64 `json:"screened" swaggertype:"integer" example:"3" minimum:"0" maximum:"1000000000"`
	// Ids of catalogued sources the search led to (at most 100, each once).
	SourceIDs []int64 `json:"source_ids,omitempty" minimum:"1"`
	// Why nothing was includable; required when source_ids is empty. At most 4,000 characters.
	Note *string `json:"note,omitempty" example:"No trial or case series of intradermal micro-vaccination in asthma or cystic fibrosis; the hits were about allergen immunotherapy."`
} //	@name	EvidenceSearchCreate

type patchSearchRequest struct {
	Database *grading.SearchDatabase `json:"database,omitempty"`
	Query    *string                 `json:"query,omitempty"`
	// Not in the future.
	SearchedAt *time.Time `json:"searched_at,omitempty" swaggertype:"string" format:"date-time"`
	Hits       *int64     `json:"hits,omitempty" minimum:"0" maximum:"1000000000"`
	Screened   *int64     `json:"screened,omitempty" minimum:"0" maximum:"1000000000"`
	// Replaces the list; [] empties it (a note is then required).
	SourceIDs *[]int64 `json:"source_ids,omitempty" swaggertype:"array,integer" minimum:"1"`
	// An empty string clears the note (allowed only while source_ids is not empty).
	Note *string `json:"note,omitempty"`
} //	@name	EvidenceSearchPatch

func toSearchResponse(s models.EvidenceSearch) searchResponse {
	return searchResponse{ID: s.ID, ClaimID: s.ClaimID, Database: s.Database, Query: s.Query, SearchedAt: s.SearchedAt.UTC(),
		Hits: s.Hits, Screened: s.Screened, SourceIDs: s.SourceIDs(), Note: s.Note, Version: s.Version, CreatedBy: s.CreatedBy,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// ListSearches lists the evidence searches recorded for a claim.
//
//	@Summary		List a claim's evidence searches
//	@Description	Every search recorded for the claim's evidence, in the order they were recorded (by id); the claim's detail embeds them newest first. Archived claims: 410.
//	@ID				listSearches
//	@Tags			searches
//	@Produce		json
//	@Param			id		path		int		true	"Claim id"
//	@Param			limit	query		int		false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	searchList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		410		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Header			all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/claims/{id}/searches [get]
func (h *Handler) ListSearches(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	rows, next, err := h.storeFor(c).ListSearches(c.Request.Context(), id, page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := searchList{Data: make([]searchResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, r := range rows {
		body.Data[i] = toSearchResponse(r)
	}
	writeList(c, body, next)
}

// GetSearch returns one evidence search of a claim.
//
//	@Summary	Get an evidence search
//	@ID			getSearch
//	@Tags		searches
//	@Produce	json
//	@Param		id				path		int		true	"Claim id"
//	@Param		sid				path		int		true	"Search id"
//	@Param		If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success	200				{object}	searchResponse
//	@Success	304
//	@Failure	400	{object}	Problem
//	@Failure	401	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Failure	410	{object}	Problem
//	@Failure	429	{object}	Problem
//	@Failure	503	{object}	Problem
//	@Header		all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header		all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header		all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router		/api/v1/claims/{id}/searches/{sid} [get]
func (h *Handler) GetSearch(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	sid, ok := pathID(c, "sid")
	if !ok || !onlyQuery(c) {
		return
	}
	r, err := h.storeFor(c).GetSearch(c.Request.Context(), id, sid)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, r.Version, toSearchResponse(r))
}

// CreateSearch records a search made for a claim's evidence.
//
//	@Summary		Record an evidence search
//	@Description	One search for the claim's evidence, reported as PRISMA-S asks: the database, the query exactly as it was run, when (not in the future), how many records it returned and how many were screened (screened ≤ hits), the catalogued sources it led to (each must exist: a 422 names source_ids[i]) and a note on why nothing was includable (required when source_ids is empty). Every invalid field is reported at once (422). The claim is re-derived in the same transaction: with no usable graded finding it becomes unproven (no_evidence_found); a newest search older than SEARCH_STALE_AFTER flags it stale_grade. At most 100 searches per claim (409). Archived claims: 410.
//	@ID				createSearch
//	@Tags			searches
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id				path		int					true	"Claim id"
//	@Param			Idempotency-Key	header		string				false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createSearchRequest	true	"The search"
//	@Success		201				{object}	searchResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		410				{object}	Problem
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/claims/{id}/searches [post]
func (h *Handler) CreateSearch(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req createSearchRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := h.storeFor(c).CreateSearch(c.Request.Context(), actor(c), id, store.SearchInput{Database: req.Database, Query: req.Query,
		SearchedAt: req.SearchedAt, Hits: req.Hits, Screened: req.Screened, SourceIDs: req.SourceIDs, Note: req.Note})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/claims/%d/searches/%d", id, r.ID))
	writeResource(c, http.StatusCreated, r.Version, toSearchResponse(r))
}

// PatchSearch changes an evidence search.
//
//	@Summary		Change an evidence search
//	@Description	Any field; source_ids replaces the list. The result is checked as a new search is (422 naming every invalid field), and the claim is re-derived.
//	@ID				patchSearch
//	@Tags			searches
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int					true	"Claim id"
//	@Param			sid			path		int					true	"Search id"
//	@Param			If-Match	header		string				true	"ETag of the version the change is based on"
//	@Param			body		body		patchSearchRequest	true	"Fields to change"
//	@Success		200			{object}	searchResponse
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
//	@Router			/api/v1/claims/{id}/searches/{sid} [patch]
func (h *Handler) PatchSearch(c *gin.Context) {
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
	var req patchSearchRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := h.storeFor(c).UpdateSearch(c.Request.Context(), actor(c), id, sid, version, store.SearchPatch{Database: req.Database,
		Query: req.Query, SearchedAt: req.SearchedAt, Hits: req.Hits, Screened: req.Screened, SourceIDs: req.SourceIDs, Note: req.Note})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, r.Version, toSearchResponse(r))
}

// DeleteSearch removes an evidence search.
//
//	@Summary		Remove an evidence search
//	@Description	Needs If-Match with the search's ETag (a removed search can change the claim's rating back to not_rated): 428 without it, 412 on a stale one. The claim is re-derived; the search stays in the claim's history.
//	@ID				deleteSearch
//	@Tags			searches
//	@Security		ApiKeyAuth
//	@Param			id			path	int		true	"Claim id"
//	@Param			sid			path	int		true	"Search id"
//	@Param			If-Match	header	string	true	"ETag of the version being removed"
//	@Success		204
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		410	{object}	Problem
//	@Failure		412	{object}	Problem
//	@Failure		428	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/api/v1/claims/{id}/searches/{sid} [delete]
func (h *Handler) DeleteSearch(c *gin.Context) {
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
	if err := h.storeFor(c).DeleteSearch(c.Request.Context(), actor(c), id, sid, version); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
