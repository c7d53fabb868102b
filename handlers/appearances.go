package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/models"
	"claimgrade/store"
)

type appearanceResponse struct {
	ID       int64 `json:"id" example:"9"`
	ClaimID  int64 `json:"claim_id" example:"5"`
	SourceID int64 `json:"source_id" example:"3"`
	// The claim's words as the article prints them.
	Excerpt *string `json:"excerpt" extensions:"x-nullable" example:"Die Behandlung ist nahezu schmerzfrei."`
	// Where in the article: section, paragraph.
	Locator *string `json:"locator" extensions:"x-nullable" example:"Section \"Ablauf\", paragraph 2"`
	// The article's address where known.
	URL *string `json:"url" extensions:"x-nullable" example:"https://example.org/mesotherapie"`
	// When the article was read.
	RetrievedAt *time.Time     `json:"retrieved_at" extensions:"x-nullable"`
	Note        *string        `json:"note" extensions:"x-nullable"`
	Version     int64          `json:"version" example:"1"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Source      sourceResponse `json:"source"`
} //	@name	Appearance

type appearanceList struct {
	Data       []appearanceResponse `json:"data"`
	NextCursor *string              `json:"next_cursor" extensions:"x-nullable"`
} //	@name	AppearanceList

type createAppearanceRequest struct {
	// A web_article, news or other source.
	SourceID    int64      `json:"source_id" minimum:"1" example:"3"`
	Excerpt     *string    `json:"excerpt,omitempty" example:"Die Behandlung ist nahezu schmerzfrei."`
	Locator     *string    `json:"locator,omitempty" example:"Section \"Ablauf\", paragraph 2"`
	URL         *string    `json:"url,omitempty" example:"https://example.org/mesotherapie"`
	RetrievedAt *time.Time `json:"retrieved_at,omitempty"`
	Note        *string    `json:"note,omitempty"`
} //	@name	AppearanceCreate

type patchAppearanceRequest struct {
	Excerpt *string `json:"excerpt,omitempty"`
	Locator *string `json:"locator,omitempty"`
	URL     *string `json:"url,omitempty"`
	// null clears it.
	RetrievedAt Nullable[time.Time] `json:"retrieved_at,omitempty" swaggertype:"string" format:"date-time" extensions:"x-nullable"`
	Note        *string             `json:"note,omitempty"`
} //	@name	AppearancePatch

func toAppearanceResponse(l models.Link) appearanceResponse {
	return appearanceResponse{ID: l.ID, ClaimID: l.ClaimID, SourceID: l.SourceID, Excerpt: l.Excerpt, Locator: l.Locator,
		URL: l.URL, RetrievedAt: l.RetrievedAt, Note: l.Note, Version: l.Version,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, Source: toSourceResponse(l.Source)}
}

// nonNilIDs makes a nil id list an empty one, so that JSON shows [].
func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// ListAppearances lists where a claim appears.
//
//	@Summary	List a claim's appearances
//	@ID			listAppearances
//	@Tags		appearances
//	@Produce	json
//	@Param		id		path		int		true	"Claim id"
//	@Param		limit	query		int		false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	appearanceList
//	@Failure	400		{object}	Problem
//	@Failure	401		{object}	Problem
//	@Failure	404		{object}	Problem
//	@Failure	410		{object}	Problem
//	@Failure	429		{object}	Problem
//	@Failure	503		{object}	Problem
//	@Header		all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header		all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header		all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router		/api/v1/claims/{id}/appearances [get]
func (h *Handler) ListAppearances(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	rows, next, err := h.storeFor(c).ListAppearances(c.Request.Context(), id, page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := appearanceList{Data: make([]appearanceResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, l := range rows {
		body.Data[i] = toAppearanceResponse(l)
	}
	writeList(c, body, next)
}

// CreateAppearance records where a claim appears.
//
//	@Summary		Record where a claim appears
//	@Description	The source is the web_article, news item or other page that makes the claim (a study, review or guideline is evidence: attach it to a finding instead, 422). One appearance per claim and source (409). Updates the claim's appearance_count.
//	@ID				createAppearance
//	@Tags			appearances
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id				path		int						true	"Claim id"
//	@Param			Idempotency-Key	header		string					false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createAppearanceRequest	true	"The appearance"
//	@Success		201				{object}	appearanceResponse
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
//	@Router			/api/v1/claims/{id}/appearances [post]
func (h *Handler) CreateAppearance(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req createAppearanceRequest
	if !bindJSON(c, &req) {
		return
	}
	l, err := h.storeFor(c).CreateAppearance(c.Request.Context(), actor(c), id, store.AppearanceInput{SourceID: req.SourceID,
		Excerpt: req.Excerpt, Locator: req.Locator, URL: req.URL, RetrievedAt: req.RetrievedAt, Note: req.Note})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/claims/%d/appearances/%d", id, l.ID))
	writeResource(c, http.StatusCreated, l.Version, toAppearanceResponse(l))
}

// PatchAppearance changes an appearance.
//
//	@Summary		Change an appearance
//	@Description	Excerpt, locator, URL, retrieval time and note; the source is permanent (delete and record again instead). An empty string clears a text, null clears retrieved_at.
//	@ID				patchAppearance
//	@Tags			appearances
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int						true	"Claim id"
//	@Param			aid			path		int						true	"Appearance id"
//	@Param			If-Match	header		string					true	"ETag of the version the change is based on"
//	@Param			body		body		patchAppearanceRequest	true	"Fields to change"
//	@Success		200			{object}	appearanceResponse
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
//	@Router			/api/v1/claims/{id}/appearances/{aid} [patch]
func (h *Handler) PatchAppearance(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	aid, ok := pathID(c, "aid")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req patchAppearanceRequest
	if !bindJSON(c, &req) {
		return
	}
	l, err := h.storeFor(c).UpdateAppearance(c.Request.Context(), actor(c), id, aid, version, store.AppearancePatch{
		Excerpt: req.Excerpt, Locator: req.Locator, URL: req.URL, RetrievedAt: store.Nullable[time.Time](req.RetrievedAt), Note: req.Note})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, l.Version, toAppearanceResponse(l))
}

// DeleteAppearance removes an appearance.
//
//	@Summary		Remove an appearance
//	@Description	Updates the claim's appearance_count. If-Match is optional.
//	@ID				deleteAppearance
//	@Tags			appearances
//	@Security		ApiKeyAuth
//	@Param			id			path	int		true	"Claim id"
//	@Param			aid			path	int		true	"Appearance id"
//	@Param			If-Match	header	string	false	"ETag of the version being removed"
//	@Success		204
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		410	{object}	Problem
//	@Failure		412	{object}	Problem
//	@Failure		428	{object}	Problem	"If-Match: * names no version"
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/api/v1/claims/{id}/appearances/{aid} [delete]
func (h *Handler) DeleteAppearance(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	aid, ok := pathID(c, "aid")
	if !ok {
		return
	}
	version, ok := optionalIfMatch(c)
	if !ok {
		return
	}
	if err := h.storeFor(c).DeleteAppearance(c.Request.Context(), actor(c), id, aid, version); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
