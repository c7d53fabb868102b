package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/models"
)

type keyResponse struct {
	ID int64 `json:"id" example:"4"`
	// Name of the key (the name of its user).
	Name string `json:"name" example:"partner-pubmed-sync"`
	// Name of the user the key belongs to.
	User string      `json:"user" example:"partner-pubmed-sync"`
	Role models.Role `json:"role" example:"reader"`
	// The first characters of the key, to tell keys apart; never the secret.
	Prefix     string     `json:"prefix" example:"cg_3J9xQ2a"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" extensions:"x-nullable"`
	RevokedAt  *time.Time `json:"revoked_at" extensions:"x-nullable"`
} //	@name	APIKey

type createdKeyResponse struct {
	keyResponse
	// The secret: send it as Authorization: Bearer <key>. It is shown only in
	// this response and cannot be read again.
	Key string `json:"key" example:"cg_3J9xQ2aLw8Zt5kR1mN7pVb0Yc4Ud6E"`
} //	@name	CreatedAPIKey

type keyList struct {
	Data       []keyResponse `json:"data"`
	NextCursor *string       `json:"next_cursor" extensions:"x-nullable"`
} //	@name	APIKeyList

type createKeyRequest struct {
	// Name of the user the key is for; a new name creates the user.
	Name string      `json:"name" example:"partner-pubmed-sync"`
	Role models.Role `json:"role" example:"reader"`
} //	@name	APIKeyCreate

func toKeyResponse(k models.APIKey) keyResponse {
	return keyResponse{ID: k.ID, Name: k.Name, User: k.User.Name, Role: k.User.Role, Prefix: k.Prefix,
		CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

// ListKeys lists API keys.
//
//	@Summary		List API keys
//	@Description	Every key, revoked ones included, by id, keyset-paginated: its name, user, role, prefix and when it was created, last used and revoked. Never a secret or a hash. Admin only.
//	@ID				listKeys
//	@Tags			keys
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			limit	query		int		false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	keyList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Header			all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/keys [get]
func (h *Handler) ListKeys(c *gin.Context) {
	if !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	rows, next, err := h.storeFor(c).ListKeys(c.Request.Context(), page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := keyList{Data: make([]keyResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, k := range rows {
		body.Data[i] = toKeyResponse(k)
	}
	writeList(c, body, next)
}

// GetKey returns one API key.
//
//	@Summary		Get an API key
//	@Description	A key's name, user, role, prefix and times; never its secret or hash. Admin only.
//	@ID				getKey
//	@Tags			keys
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id	path		int	true	"Key id"
//	@Success		200	{object}	keyResponse
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/keys/{id} [get]
func (h *Handler) GetKey(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	k, err := h.storeFor(c).GetKey(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, toKeyResponse(k))
}

// CreateKey issues an API key.
//
//	@Summary		Issue an API key
//	@Description	Issues a key for the user called name, creating the user with role when the name is new (a name that exists with another role is a 409). The secret is in the key field of this response only: it is stored as a SHA-256 hash and can never be shown again. Admin only. Idempotency-Key is not honoured here: replaying the response would mean storing the secret.
//	@ID				createKey
//	@Tags			keys
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			body	body		createKeyRequest	true	"Who the key is for"
//	@Success		201		{object}	createdKeyResponse
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		409		{object}	Problem
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Router			/api/v1/keys [post]
func (h *Handler) CreateKey(c *gin.Context) {
	var req createKeyRequest
	if !bindJSON(c, &req) {
		return
	}
	secret, k, err := h.storeFor(c).CreateKey(c.Request.Context(), actor(c), req.Name, req.Role)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/keys/%d", k.ID))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, createdKeyResponse{keyResponse: toKeyResponse(k), Key: secret})
}

// RevokeKey revokes an API key.
//
//	@Summary		Revoke an API key
//	@Description	The key's next request gets 401. Revoking a revoked key changes nothing (204 again). The key stays listed, with revoked_at. Admin only.
//	@ID				revokeKey
//	@Tags			keys
//	@Security		ApiKeyAuth
//	@Param			id	path	int	true	"Key id"
//	@Success		204
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/api/v1/keys/{id} [delete]
func (h *Handler) RevokeKey(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if _, err := h.storeFor(c).RevokeKey(c.Request.Context(), actor(c), id); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
