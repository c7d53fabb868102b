package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/models"
)

type healthResponse struct {
	Status string `json:"status" example:"ok"`
} //	@name	Health

// Healthz says the process is alive.
//
//	@Summary	Liveness
//	@ID			healthz
//	@Tags		system
//	@Produce	json
//	@Success	200	{object}	healthResponse
//	@Failure	400	{object}	Problem	"A query string: this operation takes no parameters"
//	@Router		/healthz [get]
func (h *Handler) Healthz(c *gin.Context) {
	c.JSON(http.StatusOK, healthResponse{Status: "ok"})
}

// Readyz says whether the database answers.
//
//	@Summary	Readiness: the database answers
//	@ID			readyz
//	@Tags		system
//	@Produce	json
//	@Success	200	{object}	healthResponse
//	@Failure	400	{object}	Problem	"A query string: this operation takes no parameters"
//	@Failure	503	{object}	Problem
//	@Router		/readyz [get]
func (h *Handler) Readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := h.storeFor(c).Ping(ctx); err != nil {
		h.log.Warn("not ready", "err", err)
		Unavailable(c)
		return
	}
	c.JSON(http.StatusOK, healthResponse{Status: "ok"})
}

type userResponse struct {
	ID   int64       `json:"id" example:"2"`
	Name string      `json:"name" example:"demo-reviewer-a"`
	Role models.Role `json:"role" example:"reviewer"`
} //	@name	User

// Me returns the caller.
//
//	@Summary	The caller's user and role
//	@ID			getMe
//	@Tags		keys
//	@Produce	json
//	@Security	ApiKeyAuth
//	@Success	200	{object}	userResponse
//	@Failure	401	{object}	Problem
//	@Failure	429	{object}	Problem
//	@Failure	503	{object}	Problem
//	@Header		all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header		all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header		all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router		/api/v1/me [get]
func (h *Handler) Me(c *gin.Context) {
	p, ok := CurrentPrincipal(c)
	if !ok {
		Unauthenticated(c)
		return
	}
	c.JSON(http.StatusOK, userResponse{ID: p.User.ID, Name: p.User.Name, Role: p.User.Role})
}
