package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/models"
	"claimgrade/store"
)

type aliasBody struct {
	Alias    string `json:"alias" example:"Mesotherapie"`
	Language string `json:"language,omitempty" example:"de"`
} //	@name	Alias

type therapyResponse struct {
	ID          int64       `json:"id" example:"1"`
	Slug        string      `json:"slug" example:"mesotherapy"`
	Name        string      `json:"name" example:"Mesotherapy"`
	Description string      `json:"description" example:"Intradermal micro-injections of drugs near the painful area."`
	Aliases     []aliasBody `json:"aliases"`
	Version     int64       `json:"version" example:"1"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
} //	@name	Therapy

type therapyList struct {
	Data       []therapyResponse `json:"data"`
	NextCursor *string           `json:"next_cursor" extensions:"x-nullable"`
} //	@name	TherapyList

type createTherapyRequest struct {
	Slug        string      `json:"slug" example:"mesotherapy"`
	Name        string      `json:"name" example:"Mesotherapy"`
	Description string      `json:"description,omitempty" example:"Intradermal micro-injections of drugs near the painful area."`
	Aliases     []aliasBody `json:"aliases,omitempty"`
} //	@name	TherapyCreate

type patchTherapyRequest struct {
	Name        *string      `json:"name,omitempty" example:"Mesotherapy"`
	Description *string      `json:"description,omitempty"`
	Aliases     *[]aliasBody `json:"aliases,omitempty"`
} //	@name	TherapyPatch

func toTherapyResponse(t models.Therapy) therapyResponse {
	r := therapyResponse{ID: t.ID, Slug: t.Slug, Name: t.Name, Description: t.Description, Aliases: []aliasBody{},
		Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	for _, a := range t.Aliases {
		r.Aliases = append(r.Aliases, aliasBody{Alias: a.Alias, Language: a.Language})
	}
	return r
}

func toAliasInputs(in []aliasBody) []store.AliasInput {
	out := make([]store.AliasInput, len(in))
	for i, a := range in {
		out[i] = store.AliasInput{Alias: a.Alias, Language: a.Language}
	}
	return out
}

// ListTherapies lists therapies.
//
//	@Summary		List therapies
//	@Description	Therapies with their aliases in several languages, by id, keyset-paginated.
//	@ID				listTherapies
//	@Tags			therapies
//	@Produce		json
//	@Param			limit	query		int		false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	therapyList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Header			all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/therapies [get]
func (h *Handler) ListTherapies(c *gin.Context) {
	if !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	rows, next, err := h.storeFor(c).ListTherapies(c.Request.Context(), page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := therapyList{Data: make([]therapyResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, t := range rows {
		body.Data[i] = toTherapyResponse(t)
	}
	writeList(c, body, next)
}

// GetTherapy returns one therapy.
//
//	@Summary		Get a therapy by slug or alias
//	@Description	Any alias finds the therapy, in any case: mesotherapy, Mesotherapie, mésothérapie.
//	@ID				getTherapy
//	@Tags			therapies
//	@Produce		json
//	@Param			slug			path		string	true	"Slug or alias"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	therapyResponse
//	@Success		304
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/therapies/{slug} [get]
func (h *Handler) GetTherapy(c *gin.Context) {
	t, err := h.storeFor(c).GetTherapy(c.Request.Context(), c.Param("slug"))
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, t.Version, toTherapyResponse(t))
}

// CreateTherapy creates a therapy.
//
//	@Summary	Create a therapy
//	@ID			createTherapy
//	@Tags		therapies
//	@Accept		json
//	@Produce	json
//	@Security	ApiKeyAuth
//	@Param		Idempotency-Key	header		string					false	"Retry-safe key: the same key and body replay the first response"
//	@Param		body			body		createTherapyRequest	true	"The therapy"
//	@Success	201				{object}	therapyResponse
//	@Failure	400				{object}	Problem
//	@Failure	401				{object}	Problem
//	@Failure	403				{object}	Problem
//	@Failure	409				{object}	Problem
//	@Failure	413				{object}	Problem
//	@Failure	415				{object}	Problem
//	@Failure	422				{object}	Problem
//	@Failure	429				{object}	Problem
//	@Failure	503				{object}	Problem
//	@Router		/api/v1/therapies [post]
func (h *Handler) CreateTherapy(c *gin.Context) {
	var req createTherapyRequest
	if !bindJSON(c, &req) {
		return
	}
	t, err := h.storeFor(c).CreateTherapy(c.Request.Context(), actor(c), store.TherapyInput{
		Slug: req.Slug, Name: req.Name, Description: req.Description, Aliases: toAliasInputs(req.Aliases)})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", "/api/v1/therapies/"+t.Slug)
	writeResource(c, http.StatusCreated, t.Version, toTherapyResponse(t))
}

// PatchTherapy changes a therapy.
//
//	@Summary		Change a therapy
//	@Description	Name, description and aliases (a given list replaces the old one). The slug is permanent.
//	@ID				patchTherapy
//	@Tags			therapies
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			slug		path		string				true	"Slug or alias"
//	@Param			If-Match	header		string				true	"ETag of the version the change is based on"
//	@Param			body		body		patchTherapyRequest	true	"Fields to change"
//	@Success		200			{object}	therapyResponse
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
//	@Router			/api/v1/therapies/{slug} [patch]
func (h *Handler) PatchTherapy(c *gin.Context) {
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req patchTherapyRequest
	if !bindJSON(c, &req) {
		return
	}
	patch := store.TherapyPatch{Name: req.Name, Description: req.Description}
	if req.Aliases != nil {
		a := toAliasInputs(*req.Aliases)
		patch.Aliases = &a
	}
	t, err := h.storeFor(c).UpdateTherapy(c.Request.Context(), actor(c), c.Param("slug"), version, patch)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, t.Version, toTherapyResponse(t))
}
