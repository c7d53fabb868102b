// Package handlers holds the HTTP handlers of claimgrade: each binds and
// validates its input, calls the store, converts the result to a response
// type and writes it. No SQL and no grading rules live here.
package handlers

import (
	"log/slog"

	"github.com/gin-gonic/gin"

	"claimgrade/review"
	"claimgrade/store"
	"claimgrade/webhook"
)

// Options are the settings handlers need.
type Options struct {
	// RequiredReviews is how many agreeing submitted assessments make a
	// consensus grade (REQUIRED_REVIEWS, validated by api.LoadConfig).
	RequiredReviews int
	// WebhookPolicy says which webhook URLs may be registered
	// (WEBHOOK_ALLOW_PRIVATE).
	WebhookPolicy webhook.Policy
	// PublicBaseURL is PUBLIC_BASE_URL: exports name their local code
	// systems under it.
	PublicBaseURL string
	// PublisherName and PublisherURL are the author of the ClaimReviews
	// (PUBLISHER_NAME, PUBLISHER_URL).
	PublisherName string
	PublisherURL  string
}

// Handler serves the API's endpoints.
type Handler struct {
	// root is the store outside any request transaction: handlers reach
	// the store through storeFor(c), which joins a write request's
	// transaction (api/transaction.go), never through root directly.
	root *store.Store
	log  *slog.Logger
	opts Options
}

// New makes the handlers.
func New(st *store.Store, log *slog.Logger, opts Options) *Handler {
	return &Handler{root: st, log: log, opts: opts}
}

// reviewFor is the review workflow on the request's store (storeFor): a
// write request's workflow joins the request's transaction, so that its
// Idempotency-Key record commits with it.
func (h *Handler) reviewFor(c *gin.Context) *review.Reviews { return review.New(h.storeFor(c)) }
