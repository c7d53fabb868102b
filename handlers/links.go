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

type linkResponse struct {
	ID       int64            `json:"id" example:"9"`
	ClaimID  int64            `json:"claim_id" example:"5"`
	SourceID int64            `json:"source_id" example:"3"`
	Role     grading.LinkRole `json:"role" example:"evidence"`
	// Evidence only: how the source bears on the claim.
	Stance *grading.Stance `json:"stance" extensions:"x-nullable" example:"supports"`
	// The quoted passage.
	Excerpt *string `json:"excerpt" extensions:"x-nullable"`
	// Page or section.
	Locator *string `json:"locator" extensions:"x-nullable" example:"Results, table 2"`
	// Evidence only: the certainty the source itself states; replaces its design level.
	ReportedCertainty *grading.Certainty `json:"reported_certainty" extensions:"x-nullable"`
	// Why the stance: the editor's note.
	Note      *string        `json:"note" extensions:"x-nullable"`
	Version   int64          `json:"version" example:"1"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	Source    sourceResponse `json:"source"`
} //	@name	Link

type linkList struct {
	Data       []linkResponse `json:"data"`
	NextCursor *string        `json:"next_cursor" extensions:"x-nullable"`
} //	@name	LinkList

type createLinkRequest struct {
	SourceID int64            `json:"source_id" example:"3"`
	Role     grading.LinkRole `json:"role" example:"evidence"`
	// Required for evidence, forbidden for appearances.
	Stance            *grading.Stance    `json:"stance,omitempty" example:"supports"`
	Excerpt           *string            `json:"excerpt,omitempty"`
	Locator           *string            `json:"locator,omitempty" example:"Results"`
	ReportedCertainty *grading.Certainty `json:"reported_certainty,omitempty"`
	Note              *string            `json:"note,omitempty" example:"Pain fell equally in both arms: no support for superiority."`
} //	@name	LinkCreate

type patchLinkRequest struct {
	Stance            *grading.Stance    `json:"stance,omitempty" example:"mixed"`
	Excerpt           *string            `json:"excerpt,omitempty"`
	Locator           *string            `json:"locator,omitempty"`
	ReportedCertainty *grading.Certainty `json:"reported_certainty,omitempty"`
	Note              *string            `json:"note,omitempty"`
} //	@name	LinkPatch

func toLinkResponse(l models.Link) linkResponse {
	return linkResponse{ID: l.ID, ClaimID: l.ClaimID, SourceID: l.SourceID, Role: l.Role, Stance: l.Stance, Excerpt: l.Excerpt,
		Locator: l.Locator, ReportedCertainty: l.ReportedCertainty, Note: l.Note, Version: l.Version,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, Source: toSourceResponse(l.Source)}
}

// nonNilIDs makes a nil id list an empty one, so that JSON shows [].
func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// ListLinks lists a claim's links.
//
//	@Summary	List a claim's links
//	@ID			listLinks
//	@Tags		links
//	@Produce	json
//	@Param		id		path		int		true	"Claim id"
//	@Param		limit	query		int		false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	linkList
//	@Failure	400		{object}	Problem
//	@Failure	401		{object}	Problem
//	@Failure	404		{object}	Problem
//	@Failure	410		{object}	Problem
//	@Failure	429		{object}	Problem
//	@Failure	503		{object}	Problem
//	@Header		all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header		all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header		all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router		/api/v1/claims/{id}/links [get]
func (h *Handler) ListLinks(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	rows, next, err := h.storeFor(c).ListLinks(c.Request.Context(), id, page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := linkList{Data: make([]linkResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, l := range rows {
		body.Data[i] = toLinkResponse(l)
	}
	writeList(c, body, next)
}

// CreateLink links a source to a claim.
//
//	@Summary		Link a source to a claim
//	@Description	role appearance: the claim is made in the source (web_article, news...). role evidence: the source bears on the claim, with a stance. web_article, news and other sources can only be appearances (422). One link per claim, source and role (409). Re-derives the claim's verdict and flags; an evidence change after a final grade raises stale_grade.
//	@ID				createLink
//	@Tags			links
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id				path		int					true	"Claim id"
//	@Param			Idempotency-Key	header		string				false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createLinkRequest	true	"The link"
//	@Success		201				{object}	linkResponse
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
//	@Router			/api/v1/claims/{id}/links [post]
func (h *Handler) CreateLink(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req createLinkRequest
	if !bindJSON(c, &req) {
		return
	}
	l, err := h.storeFor(c).CreateLink(c.Request.Context(), actor(c), id, store.LinkInput{SourceID: req.SourceID, Role: req.Role,
		Stance: req.Stance, Excerpt: req.Excerpt, Locator: req.Locator, ReportedCertainty: req.ReportedCertainty, Note: req.Note})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/claims/%d/links/%d", id, l.ID))
	writeResource(c, http.StatusCreated, l.Version, toLinkResponse(l))
}

// PatchLink changes a link.
//
//	@Summary		Change a link
//	@Description	Stance, excerpt, locator, reported certainty and note; role and source are permanent (delete and re-link instead). An empty string clears a field.
//	@ID				patchLink
//	@Tags			links
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int					true	"Claim id"
//	@Param			link_id		path		int					true	"Link id"
//	@Param			If-Match	header		string				true	"ETag of the version the change is based on"
//	@Param			body		body		patchLinkRequest	true	"Fields to change"
//	@Success		200			{object}	linkResponse
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
//	@Router			/api/v1/claims/{id}/links/{link_id} [patch]
func (h *Handler) PatchLink(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	linkID, ok := pathID(c, "link_id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req patchLinkRequest
	if !bindJSON(c, &req) {
		return
	}
	l, err := h.storeFor(c).UpdateLink(c.Request.Context(), actor(c), id, linkID, version, store.LinkPatch{Stance: req.Stance,
		Excerpt: req.Excerpt, Locator: req.Locator, ReportedCertainty: req.ReportedCertainty, Note: req.Note})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, l.Version, toLinkResponse(l))
}

// DeleteLink removes a link.
//
//	@Summary		Remove a link
//	@Description	Re-derives the claim; removing evidence after a final grade raises stale_grade. If-Match is optional.
//	@ID				deleteLink
//	@Tags			links
//	@Security		ApiKeyAuth
//	@Param			id			path	int		true	"Claim id"
//	@Param			link_id		path	int		true	"Link id"
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
//	@Router			/api/v1/claims/{id}/links/{link_id} [delete]
func (h *Handler) DeleteLink(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	linkID, ok := pathID(c, "link_id")
	if !ok {
		return
	}
	version, ok := optionalIfMatch(c)
	if !ok {
		return
	}
	if err := h.storeFor(c).DeleteLink(c.Request.Context(), actor(c), id, linkID, version); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
