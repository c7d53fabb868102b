package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
)

// swaggerUIFiles are the files Swagger UI is made of under /swagger/: the
// ones gin-swagger serves and swaggo/files holds.
var swaggerUIFiles = map[string]bool{
	"index.html": true, "index.css": true, "swagger-initializer.js": true, "doc.json": true,
	"favicon-16x16.png": true, "favicon-32x32.png": true, "oauth2-redirect.html": true,
	"swagger-ui.css": true, "swagger-ui.css.map": true, "swagger-ui.js": true, "swagger-ui.js.map": true,
	"swagger-ui-bundle.js": true, "swagger-ui-bundle.js.map": true,
	"swagger-ui-standalone-preset.js": true, "swagger-ui-standalone-preset.js.map": true,
}

// swaggerUI serves Swagger UI's files through next (gin-swagger) and
// answers anything else under /swagger/ as every unknown path is answered:
// a 404 problem, never gin-swagger's plain-text one (gin-swagger matches
// a file name anywhere in the request URI, so /swagger/x/index.html would
// be served as index.html).
func swaggerUI(next gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		name := strings.TrimPrefix(c.Param("any"), "/")
		if !swaggerUIFiles[name] {
			handlers.Fail(c, http.StatusNotFound, handlers.TypeNotFound,
				"no route GET "+c.Request.URL.Path+": Swagger UI is at /swagger/index.html")
			return
		}
		next(c)
	}
}
