package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
)

// cleanURL refuses a request whose query string does not parse (400: bad
// percent-encoding or a ';' separator), and one whose path (404) or query
// (400), once decoded, holds a NUL character or bytes that are not UTF-8. No resource and no filter
// value can contain them, and PostgreSQL cannot even compare text with
// them: passed on, they would make a 500 out of bad input. (JSON bodies are
// checked in handlers.bindJSON.)
func cleanURL() gin.HandlerFunc {
	bad := func(s string) bool { return strings.ContainsRune(s, 0) || !utf8.ValidString(s) }
	return func(c *gin.Context) {
		if bad(c.Request.URL.Path) {
			handlers.Fail(c, http.StatusNotFound, handlers.TypeNotFound, "no resource has a path with a NUL character or bytes that are not UTF-8")
			return
		}
		query, err := url.ParseQuery(c.Request.URL.RawQuery)
		if err != nil {
			// URL.Query drops the pairs it cannot decode: a bad cursor
			// would silently become the first page.
			handlers.WriteProblem(c, handlers.Problem{Type: handlers.TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
				Detail: "the query string does not parse: " + queryParseReason(err),
				Errors: []handlers.FieldProblem{{Field: "query", Message: "must be name=value pairs joined by &, percent-encoded (%XX with two hex digits)"}}})
			return
		}
		for k, vs := range query {
			if bad(k) {
				handlers.Fail(c, http.StatusBadRequest, handlers.TypeMalformed, "a query parameter name contains a NUL character or is not UTF-8")
				return
			}
			for _, v := range vs {
				if bad(v) {
					field := k
					if field == "" {
						field = "query"
					}
					handlers.WriteProblem(c, handlers.Problem{Type: handlers.TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
						Detail: "invalid query parameter " + strconv.Quote(k),
						Errors: []handlers.FieldProblem{{Field: field, Message: "must be UTF-8 text without NUL characters"}}})
					return
				}
			}
		}
	}
}

// queryParseReason says what is wrong with a query string, without echoing
// Go's error text verbatim.
func queryParseReason(err error) string {
	var esc url.EscapeError
	if errors.As(err, &esc) {
		return fmt.Sprintf("invalid percent-encoding %q", string(esc))
	}
	return "use & between parameters, not ;"
}

// Query limits: no filter can make a query that holds a connection for
// long (a repeated flag is one more subquery; a long q one more pattern to
// match on every row).
const (
	// MaxQueryValues is how many different values one query parameter may
	// have (flag is the one that repeats; it has fewer words than this).
	MaxQueryValues = 10
	// MaxSearchLength is the longest q, in characters.
	MaxSearchLength = 200
)

// limitQuery de-duplicates repeated values of a query parameter (flag=a&
// flag=a is flag=a), and refuses with a 400 naming the limit a parameter
// with more than MaxQueryValues different values or a q longer than
// MaxSearchLength characters. It runs after cleanURL, so the query parses.
func limitQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.RawQuery == "" {
			return
		}
		query := c.Request.URL.Query()
		changed := false
		for k, vs := range query {
			if len(vs) < 2 {
				continue
			}
			seen := make(map[string]bool, len(vs))
			distinct := vs[:0:0]
			for _, v := range vs {
				if !seen[v] {
					seen[v] = true
					distinct = append(distinct, v)
				}
			}
			if len(distinct) > MaxQueryValues {
				handlers.WriteProblem(c, handlers.Problem{Type: handlers.TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
					Detail: fmt.Sprintf("too many values of %q: at most %d different values", k, MaxQueryValues),
					Errors: []handlers.FieldProblem{{Field: k, Message: fmt.Sprintf("may be given at most %d different values (repeats are ignored)", MaxQueryValues)}}})
				return
			}
			if len(distinct) != len(vs) {
				query[k] = distinct
				changed = true
			}
		}
		for _, q := range query["q"] {
			if n := utf8.RuneCountInString(q); n > MaxSearchLength {
				handlers.WriteProblem(c, handlers.Problem{Type: handlers.TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
					Detail: fmt.Sprintf("q is %d characters long: at most %d", n, MaxSearchLength),
					Errors: []handlers.FieldProblem{{Field: "q", Message: fmt.Sprintf("must be at most %d characters", MaxSearchLength)}}})
				return
			}
		}
		if changed {
			c.Request.URL.RawQuery = query.Encode()
		}
	}
}
