package api

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files"
	ginSwagger "github.com/swaggo/gin-swagger"

	"claimgrade/handlers"
	"claimgrade/models"
	"claimgrade/store"
)

// addRoutes is the table of contents of the API: every route, and the
// middleware that guards it.
func addRoutes(r *gin.Engine, cfg Config, st *store.Store, h *handlers.Handler, openapi3 []byte, queries map[string]queryParams,
	metrics gin.HandlerFunc, log *slog.Logger) {
	// Every /api/v1 request, matched to a route or not, is authenticated
	// (when it sends a key; a bad key is a 401) and then counted against its
	// key's or its client IP's rate limit (ratelimit.go); a path or query
	// holding NUL or non-UTF-8 text is refused, a query parameter the route's
	// operation does not document or a single-valued one given twice is
	// refused (query.go), repeated values of a list are de-duplicated and
	// capped and q is length-capped (hygiene.go); a request without a key
	// gets a shorter deadline and a bounded share of the pool
	// (middleware.go). These come first so that every route below gets them.
	// Every route outside /api/v1 gets cleanURL and strictQuery from its group.
	limits := newRateLimiter(cfg.RateLimitKey, cfg.RateLimitAnon, time.Now, maxBuckets, bucketIdle)
	anonymous := anonymousLimits(cfg.AnonymousTimeout, cfg.AnonymousConcurrency)
	query := strictQuery(queries)
	r.Use(apiOnly(authenticate(st, log, limits.rejected)), apiOnly(limits.limit()), apiOnly(cleanURL()), apiOnly(query),
		apiOnly(limitQuery()), apiOnly(anonymous))

	system := r.Group("", cleanURL(), query)
	system.GET("/healthz", h.Healthz)
	system.GET("/readyz", h.Readyz)
	system.GET("/metrics", metrics)
	system.GET("/openapi.json", func(c *gin.Context) { c.Data(200, "application/json", openapi3) })
	system.GET("/swagger/*any", swaggerUI(ginSwagger.WrapHandler(swaggerFiles.Handler, ginSwagger.InstanceName(docInstance),
		ginSwagger.PersistAuthorization(true))))

	// The claim-rating CodeSystem at its canonical URL (fhir.ClaimRatingSystem):
	// public whatever PUBLIC_READ says (a vocabulary, no catalogue data),
	// under the client IP's rate limit.
	terminology := r.Group("", limits.limit(), cleanURL(), query)
	terminology.GET("/fhir/CodeSystem/claim-rating", h.GetClaimRatingCodeSystem)

	// The public fact-check page of a claim (outside /api/v1: browsers
	// send no key). It is anonymous traffic: the client IP's rate limit,
	// the anonymous deadline and pool share (the same slots as the API's
	// anonymous reads), and a NUL-free, UTF-8 URL. With PUBLIC_READ=false
	// it does not exist (404).
	page := r.Group("", publicPage(cfg.PublicRead), limits.limit(), cleanURL(), query, limitQuery(), anonymous)
	page.GET("/claims/:id", h.ClaimPage)
	page.HEAD("/claims/:id", h.ClaimPage)

	// Every write (POST, PUT, PATCH, DELETE) runs in one transaction that
	// commits before the response is sent (transaction.go). POSTs of the
	// reviewer and editor groups honour Idempotency-Key inside that
	// transaction (idempotency.go); the admin group does not, since
	// replaying a new key would mean storing its secret.
	v1 := r.Group("/api/v1")
	read := v1.Group("", requireRead(cfg.PublicRead))
	reader := v1.Group("", requireRole(models.RoleReader))
	reviewer := v1.Group("", requireRole(models.RoleReviewer), transactional(st, log, true))
	editor := v1.Group("", requireRole(models.RoleEditor), transactional(st, log, true))
	admin := v1.Group("", requireRole(models.RoleAdmin), transactional(st, log, false))

	reader.GET("/me", h.Me)

	read.GET("/therapies", h.ListTherapies)
	read.GET("/therapies/:slug", h.GetTherapy)
	editor.POST("/therapies", h.CreateTherapy)
	editor.PATCH("/therapies/:slug", h.PatchTherapy)

	read.GET("/claims", h.ListClaims)
	read.GET("/claims/:id", h.GetClaim)
	editor.POST("/claims", h.CreateClaim)
	editor.PATCH("/claims/:id", h.PatchClaim)
	editor.DELETE("/claims/:id", h.ArchiveClaim)

	read.GET("/claims/:id/appearances", h.ListAppearances)
	editor.POST("/claims/:id/appearances", h.CreateAppearance)
	editor.PATCH("/claims/:id/appearances/:aid", h.PatchAppearance)
	editor.DELETE("/claims/:id/appearances/:aid", h.DeleteAppearance)

	read.GET("/claims/:id/searches", h.ListSearches)
	read.GET("/claims/:id/searches/:sid", h.GetSearch)
	editor.POST("/claims/:id/searches", h.CreateSearch)
	editor.PATCH("/claims/:id/searches/:sid", h.PatchSearch)
	editor.DELETE("/claims/:id/searches/:sid", h.DeleteSearch)

	editor.POST("/claims/:id/findings", h.LinkClaimFinding)
	editor.PATCH("/claims/:id/findings/:fid", h.PatchClaimFinding)
	editor.DELETE("/claims/:id/findings/:fid", h.UnlinkClaimFinding)

	read.GET("/claims/:id/fhir", h.GetClaimFHIR)
	read.GET("/claims/:id/claimreview", h.GetClaimReview)
	read.GET("/claimreview", h.ListClaimReviews)
	editor.PUT("/claims/:id/rating", h.PutRating)
	editor.DELETE("/claims/:id/rating", h.DeleteRating)
	read.GET("/claims/:id/history", h.ClaimHistory)
	read.GET("/flags", h.FlagCounts)
	read.GET("/agreement", h.Agreement)

	read.GET("/questions", h.ListQuestions)
	read.GET("/questions/:id", h.GetQuestion)
	editor.POST("/questions", h.CreateQuestion)
	editor.PATCH("/questions/:id", h.PatchQuestion)
	read.GET("/questions/:id/summary", h.QuestionSummary)

	read.GET("/findings", h.ListFindings)
	read.GET("/findings/:id", h.GetFinding)
	editor.POST("/findings", h.CreateFinding)
	editor.PATCH("/findings/:id", h.PatchFinding)
	editor.POST("/findings/:id/sources", h.AttachFindingSource)
	editor.PATCH("/findings/:id/sources/:sid", h.PatchFindingSource)
	editor.DELETE("/findings/:id/sources/:sid", h.DetachFindingSource)
	read.GET("/findings/:id/history", h.FindingHistory)
	read.GET("/findings/:id/fhir", h.GetFindingFHIR)
	reviewer.GET("/findings/:id/assessments", h.ListFindingAssessments)
	reviewer.PUT("/findings/:id/assessments/me", h.PutFindingAssessment)
	reviewer.POST("/findings/:id/assessments/me/submit", h.SubmitFindingAssessment)
	editor.PUT("/findings/:id/grade", h.AdjudicateFinding)

	read.GET("/changes", h.ListChanges)
	read.GET("/export", h.Export)
	editor.POST("/import", h.Import)

	read.GET("/sources", h.ListSources)
	read.GET("/sources/:id", h.GetSource)
	editor.POST("/sources", h.CreateSource)
	editor.PATCH("/sources/:id", h.PatchSource)

	admin.GET("/keys", h.ListKeys)
	admin.GET("/keys/:id", h.GetKey)
	admin.POST("/keys", h.CreateKey)
	admin.DELETE("/keys/:id", h.RevokeKey)

	admin.GET("/webhooks", h.ListWebhooks)
	admin.GET("/webhooks/:id", h.GetWebhook)
	admin.POST("/webhooks", h.CreateWebhook)
	admin.DELETE("/webhooks/:id", h.DeleteWebhook)
	admin.GET("/webhooks/:id/deliveries", h.ListWebhookDeliveries)
}
