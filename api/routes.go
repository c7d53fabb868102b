package api

import (
	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files"
	ginSwagger "github.com/swaggo/gin-swagger"

	"claimgrade/handlers"
	"claimgrade/models"
	"claimgrade/store"
)

// addRoutes is the table of contents of the API: every route, and the
// middleware that guards it.
func addRoutes(r *gin.Engine, cfg Config, st *store.Store, h *handlers.Handler, openapi3 []byte, metrics gin.HandlerFunc) {
	r.GET("/healthz", h.Healthz)
	r.GET("/readyz", h.Readyz)
	r.GET("/metrics", metrics)
	r.GET("/openapi.json", func(c *gin.Context) { c.Data(200, "application/json", openapi3) })
	r.GET("/swagger/*any", ginSwagger.WrapHandler(swaggerFiles.Handler, ginSwagger.PersistAuthorization(true)))

	v1 := r.Group("/api/v1", authenticate(st))
	read := v1.Group("", requireRead(cfg.PublicRead))
	reader := v1.Group("", requireRole(models.RoleReader))
	editor := v1.Group("", requireRole(models.RoleEditor))

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

	read.GET("/claims/:id/links", h.ListLinks)
	editor.POST("/claims/:id/links", h.CreateLink)
	editor.PATCH("/claims/:id/links/:link_id", h.PatchLink)
	editor.DELETE("/claims/:id/links/:link_id", h.DeleteLink)

	read.GET("/sources", h.ListSources)
	read.GET("/sources/:id", h.GetSource)
	editor.POST("/sources", h.CreateSource)
	editor.PATCH("/sources/:id", h.PatchSource)
}
