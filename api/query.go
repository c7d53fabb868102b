package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
)

// queryParams are the query parameters one operation takes: name → whether
// it may be given more than once (a list such as flag).
type queryParams map[string]bool

// documentedQueries reads the query parameters of every operation of the
// served document, keyed by method and gin route ("GET /api/v1/claims/:id"):
// the document is the one list of what each route takes.
func documentedQueries(doc *openapi2.T) map[string]queryParams {
	out := map[string]queryParams{}
	for path, item := range doc.Paths {
		route := ginRoute(path)
		for method, op := range item.Operations() {
			params := queryParams{}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p != nil && p.In == "query" {
					params[p.Name] = p.Type != nil && p.Type.Is("array")
				}
			}
			out[method+" "+route] = params
		}
	}
	return out
}

// ginRoute turns a document path (/claims/{id}) into gin's (/claims/:id).
func ginRoute(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = ":" + p[1:len(p)-1]
		}
	}
	return strings.Join(parts, "/")
}

// strictQuery refuses (400, naming the parameter) a query parameter that
// the route's operation does not document, and a parameter given more than
// once that is not a list: a misspelt filter is an error rather than a
// silently unfiltered answer, and limit=5&limit=500 has no meaning to
// guess. A route the document does not describe (/metrics, /openapi.json,
// /swagger/..., HEAD of a documented GET takes the GET's) takes no
// parameters. A parameter without a name ("=x") says nothing and is
// ignored. It runs after cleanURL, which refuses a query that does not
// parse; the handlers parse the values.
func strictQuery(known map[string]queryParams) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.RawQuery == "" || c.FullPath() == "" {
			return // nothing to check, or no route: 404 or 405 follows
		}
		method := c.Request.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		params := known[method+" "+c.FullPath()]
		query := c.Request.URL.Query()
		names := make([]string, 0, len(query))
		for k := range query {
			names = append(names, k)
		}
		slices.Sort(names) // the first problem found is the same every time
		for _, k := range names {
			list, ok := params[k]
			switch {
			case k == "":
			case !ok:
				msg := "this endpoint takes no query parameters"
				if len(params) > 0 {
					msg = "is not a parameter of this endpoint; known: " + strings.Join(sortedNames(params), ", ")
				}
				handlers.WriteProblem(c, handlers.Problem{Type: handlers.TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
					Detail: fmt.Sprintf("unknown query parameter %q", k), Errors: []handlers.FieldProblem{{Field: k, Message: msg}}})
				return
			case !list && len(query[k]) > 1:
				handlers.WriteProblem(c, handlers.Problem{Type: handlers.TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
					Detail: fmt.Sprintf("query parameter %q is given %d times", k, len(query[k])),
					Errors: []handlers.FieldProblem{{Field: k, Message: "must be given at most once"}}})
				return
			}
		}
	}
}

func sortedNames(params queryParams) []string {
	out := make([]string, 0, len(params))
	for k := range params {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
