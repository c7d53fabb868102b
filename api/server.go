package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
	"claimgrade/store"
)

// NewServer builds the HTTP handler of the API over st.
func NewServer(cfg Config, st *store.Store, log *slog.Logger) (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	openapi3, err := OpenAPI3()
	if err != nil {
		return nil, err
	}
	// The Swagger 2.0 document /swagger/doc.json serves (registered with
	// swag), and the query parameters of each route it documents.
	raw, err := servedDocument()
	if err != nil {
		return nil, err
	}
	var served openapi2.T
	if err := json.Unmarshal(raw, &served); err != nil {
		return nil, fmt.Errorf("read swagger document: %w", err)
	}
	m, err := newMetrics(st)
	if err != nil {
		return nil, err
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RemoveExtraSlash = false
	// Behind a proxy, set the trusted proxies explicitly; by default the
	// client IP is the peer address (rate limits key on it).
	if err := r.SetTrustedProxies(nil); err != nil {
		return nil, err
	}
	r.Use(requestID(), recovery(log), accessLog(log), m.observe(), securityHeaders(), corsPolicy(cfg.CORSOrigins),
		gzip.Gzip(gzip.DefaultCompression, gzip.WithExcludedPathsRegexs([]string{`^/swagger/.*\.(png|ico)$`})),
		bodyLimit(cfg.MaxBodyBytes, cfg.ImportMaxBytes), deadline(cfg.RequestTimeout, cfg.BulkTimeout))
	r.NoRoute(func(c *gin.Context) {
		detail := fmt.Sprintf("no route %s %s", c.Request.Method, c.Request.URL.Path)
		if strings.HasPrefix(c.Request.URL.Path, "/api/v1/api/v1") {
			// A client whose base URL ends in /api/v1 (/openapi.json's
			// paths are absolute).
			detail += ": the path repeats /api/v1; a client's base URL is the server's origin, since every path in /openapi.json starts with /api/v1"
		}
		handlers.Fail(c, http.StatusNotFound, handlers.TypeNotFound, detail)
	})
	r.NoMethod(func(c *gin.Context) {
		handlers.Fail(c, http.StatusMethodNotAllowed, handlers.TypeMethod,
			fmt.Sprintf("%s is not allowed here; allowed: %s", c.Request.Method, c.Writer.Header().Get("Allow")))
	})
	st.SetRequiredReviews(cfg.RequiredReviews)
	st.SetSearchStaleAfter(cfg.SearchStaleAfter)
	h := handlers.New(st, log, handlers.Options{RequiredReviews: cfg.RequiredReviews, WebhookPolicy: cfg.WebhookPolicy(),
		PublicBaseURL: cfg.PublicBaseURL,
		PublisherName: cfg.PublisherName, PublisherURL: cfg.PublisherURL})
	addRoutes(r, cfg, st, h, openapi3, documentedQueries(&served), m.handler(), log)
	return r, nil
}

// OpenAPI3 is the OpenAPI 3 document of /openapi.json: the conversion of
// the base document (openapi.go) completed with what Swagger 2.0 cannot
// say.
func OpenAPI3() ([]byte, error) {
	v2, err := decodeBase()
	if err != nil {
		return nil, err
	}
	v3, err := openapi2conv.ToV3(v2)
	if err != nil {
		return nil, fmt.Errorf("convert swagger document to OpenAPI 3: %w", err)
	}
	problemMediaType(v3)
	htmlMediaType(v3)
	rateLimitHeaders(v3)
	if err := historySnapshots(v3); err != nil {
		return nil, err
	}
	if err := openAPI3Unions(v3); err != nil {
		return nil, err
	}
	if err := closePartnerSchemas(v3); err != nil {
		return nil, err
	}
	originServer(v3)
	return json.Marshal(v3)
}

// originServer says, in the document's one server, that its paths are
// absolute: the API's own start with /api/v1, and the health probes, the
// fact-check pages and the claim-rating CodeSystem are outside it, so a
// client's base URL is the origin (https://host), never https://host/api/v1.
func originServer(doc *openapi3.T) {
	doc.Servers = openapi3.Servers{{URL: "/", Description: "The origin of the server. Every path in this document is absolute " +
		"(the API's own paths start with /api/v1): a generated client's base URL is the origin, e.g. https://claims.example.org, not https://claims.example.org/api/v1."}}
}

// htmlMediaType declares a text/html success body (a server-rendered page,
// e.g. ?format=html of a question's summary of findings) as a string:
// Swagger 2.0 gives every media type of an operation the one JSON schema.
func htmlMediaType(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code, ref := range op.Responses.Map() {
				if len(code) != 3 || code[0] != '2' || ref.Value == nil {
					continue
				}
				if mt := ref.Value.Content.Get("text/html"); mt != nil {
					mt.Schema = openapi3.NewStringSchema().NewRef()
				}
			}
		}
	}
}

// problemMediaType declares every error response as
// application/problem+json, which Swagger 2.0 (one media type list per
// operation) cannot say but OpenAPI 3 can.
func problemMediaType(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code, ref := range op.Responses.Map() {
				if len(code) != 3 || code[0] < '4' || ref.Value == nil {
					continue
				}
				// Whatever the operation produces (application/json,
				// application/fhir+json, ...), its errors are problems.
				for _, mt := range ref.Value.Content {
					ref.Value.Content = openapi3.Content{handlers.ProblemContentType: mt}
					break
				}
			}
		}
	}
}
