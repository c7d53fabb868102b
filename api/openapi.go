package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/swaggo/swag"

	"claimgrade/docs"
)

// docInstance is the name under which the served Swagger 2.0 document is
// registered with swag, for gin-swagger's /swagger/doc.json.
const docInstance = "claimgrade-served"

// securityScheme is the API key scheme declared in main.go.
const securityScheme = "ApiKeyAuth"

// servedDocument is swag's generated document (docs/) completed with what
// holds for whole classes of operations, so that no annotation can forget
// it: public reads take an optional key, and every /api/v1 operation
// documents the statuses the middleware answers before any handler runs.
// /swagger/doc.json serves it and /openapi.json is its OpenAPI 3
// conversion, so the two documents agree. It is computed once: the
// generated document does not change while the process runs.
var servedDocument = sync.OnceValues(func() ([]byte, error) {
	var doc openapi2.T
	if err := json.Unmarshal([]byte(docs.SwaggerInfo.ReadDoc()), &doc); err != nil {
		return nil, fmt.Errorf("read swagger document: %w", err)
	}
	optionalKey(&doc)
	middlewareStatuses(&doc)
	raw, err := json.Marshal(&doc)
	if err != nil {
		return nil, err
	}
	swag.Register(docInstance, servedDoc(raw))
	return raw, nil
})

type servedDoc []byte

func (d servedDoc) ReadDoc() string { return string(d) }

// optionalKey declares the API key on every /api/v1 operation that has no
// security requirement of its own (the public reads) as optional: either
// no key or the key. With PUBLIC_READ=false these reads need a key, and
// Swagger UI sends the key only to operations that declare it.
func optionalKey(doc *openapi2.T) {
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		for _, op := range item.Operations() {
			if op.Security == nil || len(*op.Security) == 0 {
				op.Security = &openapi2.SecurityRequirements{{}, {securityScheme: []string{}}}
			}
		}
	}
}

// middlewareStatuses are the statuses any /api/v1 operation can answer
// before (or around) its handler: a query string that does not parse or
// holds NUL (hygiene.go), a key that does not authenticate (sent to any
// route, public reads included), a declared body over the limit, the rate
// limit, an unexpected error and an unavailable database.
var middlewareStatuses = func() func(*openapi2.T) {
	statuses := map[int]string{
		http.StatusBadRequest:            "Malformed request: a query string that does not parse, an unknown parameter or malformed input",
		http.StatusUnauthorized:          "The API key sent is missing where required, malformed, unknown or revoked",
		http.StatusRequestEntityTooLarge: "The request body exceeds the limit",
		http.StatusTooManyRequests:       "Rate limit exceeded; Retry-After says when to retry",
		http.StatusInternalServerError:   "Unexpected error; quote the request id when reporting it",
		http.StatusServiceUnavailable:    "The database is unavailable; Retry-After says when to retry",
	}
	return func(doc *openapi2.T) {
		problem := &openapi2.SchemaRef{Ref: "#/definitions/Problem"}
		for path, item := range doc.Paths {
			if !strings.HasPrefix(path, "/api/v1/") {
				continue
			}
			for _, op := range item.Operations() {
				if op.Responses == nil {
					op.Responses = openapi2.NewResponsesWithCapacity(len(statuses))
				}
				for status, desc := range statuses {
					code := strconv.Itoa(status)
					if op.Responses.Value(code) == nil {
						op.Responses.Set(code, &openapi2.Response{Description: desc, Schema: problem})
					}
				}
			}
		}
	}
}()
