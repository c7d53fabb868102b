package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/models"
	"claimgrade/store"
	"claimgrade/webhook"
)

type webhookResponse struct {
	ID int64 `json:"id" example:"3"`
	// Where deliveries are POSTed.
	URL string `json:"url" example:"https://partner.example.org/claimgrade/events"`
	// The event types delivered, sorted.
	EventTypes  []webhook.EventType `json:"event_types" example:"claim.rated,source.retracted"`
	Description string              `json:"description" example:"Fact-check desk: rating changes and retractions"`
	CreatedAt   time.Time           `json:"created_at"`
} //	@name	Webhook

type createdWebhookResponse struct {
	webhookResponse
	// The signing secret (whsec_ and the base64 of the HMAC key): verify the
	// webhook-signature header of each delivery with it. It is shown only in
	// this response and cannot be read again.
	Secret string `json:"secret" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4bCqVJnIYWQ="`
} //	@name	CreatedWebhook

type webhookList struct {
	Data       []webhookResponse `json:"data"`
	NextCursor *string           `json:"next_cursor" extensions:"x-nullable"`
} //	@name	WebhookList

type createWebhookRequest struct {
	// An https URL whose host resolves to public addresses only (http, and
	// loopback or private addresses, only when the server runs with
	// WEBHOOK_ALLOW_PRIVATE=true).
	URL string `json:"url" example:"https://partner.example.org/claimgrade/events"`
	// One or more of claim.rated, claim.flags_changed, finding.graded,
	// source.retracted.
	EventTypes  []webhook.EventType `json:"event_types" example:"claim.rated,source.retracted"`
	Description string              `json:"description,omitempty" example:"Fact-check desk: rating changes and retractions" maxLength:"500"`
} //	@name	WebhookCreate

type attemptResponse struct {
	// When the attempt started.
	At time.Time `json:"at"`
	// The receiver's HTTP status; null when no response came.
	StatusCode *int `json:"status_code" extensions:"x-nullable" example:"503"`
	// Why no response came (refused address, timeout, connection error); null when one came.
	Error *string `json:"error" extensions:"x-nullable" example:"timed out: context deadline exceeded"`
	// How long the attempt took, in milliseconds.
	DurationMS int64 `json:"duration_ms" example:"182"`
} //	@name	WebhookAttempt

type deliveryResponse struct {
	ID int64 `json:"id" example:"812"`
	// The webhook-id header of every attempt (receivers de-duplicate by it).
	MessageID string            `json:"message_id" example:"msg_812"`
	EventType webhook.EventType `json:"event_type" example:"claim.rated"`
	// The audit event that raised it.
	AuditID int64 `json:"audit_id" example:"40512"`
	// pending until the receiver answers 2xx (delivered) or every attempt failed (failed).
	State webhook.State `json:"state" example:"pending"`
	// When the next attempt is due, while pending.
	NextAttemptAt *time.Time        `json:"next_attempt_at" extensions:"x-nullable"`
	Attempts      []attemptResponse `json:"attempts"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
} //	@name	WebhookDelivery

type deliveryList struct {
	Data       []deliveryResponse `json:"data"`
	NextCursor *string            `json:"next_cursor" extensions:"x-nullable"`
} //	@name	WebhookDeliveryList

func toWebhookResponse(w models.Webhook) webhookResponse {
	return webhookResponse{ID: w.ID, URL: w.URL, EventTypes: w.Types(), Description: w.Description, CreatedAt: w.CreatedAt}
}

func toDeliveryResponse(d models.WebhookDelivery) deliveryResponse {
	out := deliveryResponse{ID: d.ID, MessageID: webhook.Job{DeliveryID: d.ID}.MessageID(), EventType: d.EventType, AuditID: d.AuditID,
		State: d.State, Attempts: make([]attemptResponse, len(d.Attempts)), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.State == webhook.Pending {
		out.NextAttemptAt = d.NextAttemptAt
	}
	for i, a := range d.Attempts {
		out.Attempts[i] = attemptResponse{At: a.At, StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.DurationMS}
	}
	return out
}

// ListWebhooks lists webhooks.
//
//	@Summary		List webhooks
//	@Description	Every registered webhook by id, keyset-paginated: its URL, event types and description; never its secret. Admin only.
//	@ID				listWebhooks
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			limit	query		int		false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	webhookList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Router			/api/v1/webhooks [get]
func (h *Handler) ListWebhooks(c *gin.Context) {
	if !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	rows, next, err := h.storeFor(c).ListWebhooks(c.Request.Context(), page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := webhookList{Data: make([]webhookResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, w := range rows {
		body.Data[i] = toWebhookResponse(w)
	}
	writeList(c, body, next)
}

// GetWebhook returns one webhook.
//
//	@Summary		Get a webhook
//	@Description	A webhook's URL, event types and description; never its secret. Admin only.
//	@ID				getWebhook
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id	path		int	true	"Webhook id"
//	@Success		200	{object}	webhookResponse
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/api/v1/webhooks/{id} [get]
func (h *Handler) GetWebhook(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	w, err := h.storeFor(c).GetWebhook(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, toWebhookResponse(w))
}

// CreateWebhook registers a webhook.
//
//	@Summary		Register a webhook
//	@Description	Registers an https URL to receive the given event types: claim.rated (a claim's rating changed), claim.flags_changed (its flags changed), finding.graded (a finding's grade was decided or adjudicated), source.retracted (a source was marked retracted). Each event is POSTed as JSON {type, timestamp, data: {entity, id, action, audit_id, seq, claim_id, finding_id, before, after}}, signed per the Standard Webhooks specification (headers webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">), and retried with exponential backoff until the receiver answers 2xx. The URL's host is resolved now, and a URL that reaches a private, loopback, link-local or unspecified address is refused (422), as is every connection to one at delivery time, unless the server runs with WEBHOOK_ALLOW_PRIVATE=true. The signing secret is in the secret field of this response only. Admin only; Idempotency-Key is not honoured (replaying would mean storing the secret).
//	@ID				createWebhook
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			body	body		createWebhookRequest	true	"The receiver and its event types"
//	@Success		201		{object}	createdWebhookResponse
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Router			/api/v1/webhooks [post]
func (h *Handler) CreateWebhook(c *gin.Context) {
	var req createWebhookRequest
	if !bindJSON(c, &req) {
		return
	}
	in := store.WebhookInput{URL: req.URL, EventTypes: req.EventTypes, Description: req.Description}
	w, err := h.storeFor(c).CreateWebhook(c.Request.Context(), actor(c), in, h.opts.WebhookPolicy)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/webhooks/%d", w.ID))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, createdWebhookResponse{webhookResponse: toWebhookResponse(w), Secret: w.Secret})
}

// DeleteWebhook removes a webhook.
//
//	@Summary		Delete a webhook
//	@Description	Removes the webhook with its deliveries and their attempts: nothing more is sent to it. Admin only.
//	@ID				deleteWebhook
//	@Tags			webhooks
//	@Security		ApiKeyAuth
//	@Param			id	path	int	true	"Webhook id"
//	@Success		204
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/api/v1/webhooks/{id} [delete]
func (h *Handler) DeleteWebhook(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := h.storeFor(c).DeleteWebhook(c.Request.Context(), actor(c), id); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ListWebhookDeliveries lists a webhook's deliveries with their attempts.
//
//	@Summary		List a webhook's deliveries
//	@Description	The webhook's deliveries, newest first, keyset-paginated, each with its state (pending, delivered, failed), when its next attempt is due while pending, and every attempt made: when, the receiver's status code or why none came, and how long it took. Admin only.
//	@ID				listWebhookDeliveries
//	@Tags			webhooks
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id		path		int		true	"Webhook id"
//	@Param			limit	query		int		false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	deliveryList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Router			/api/v1/webhooks/{id}/deliveries [get]
func (h *Handler) ListWebhookDeliveries(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if !checkQuery(c) {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	rows, next, err := h.storeFor(c).ListDeliveries(c.Request.Context(), id, page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := deliveryList{Data: make([]deliveryResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, d := range rows {
		body.Data[i] = toDeliveryResponse(d)
	}
	writeList(c, body, next)
}
