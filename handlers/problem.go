package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/store"
)

// Problem is an RFC 9457 problem details body; every error response of the
// API is one, with the media type application/problem+json.
type Problem struct {
	// A URI reference naming the kind of problem; the README lists them.
	Type   string `json:"type" example:"/problems/validation"`
	Title  string `json:"title" example:"Invalid input"`
	Status int    `json:"status" example:"422"`
	Detail string `json:"detail" example:"2 fields are invalid"`
	// The request id, also in the X-Request-ID header and the server log.
	RequestID string `json:"request_id,omitempty" example:"4b9c1a0e7f2d4c55"`
	// Per-field problems, for validation errors.
	Errors []FieldProblem `json:"errors,omitempty"`
	// The id of the resource a 409 conflict is about.
	ExistingID *int64 `json:"existing_id,omitempty" example:"12"`
} //	@name	Problem

// FieldProblem says what is wrong with one field of the input.
type FieldProblem struct {
	Field   string `json:"field" example:"doi"`
	Message string `json:"message" example:"must be a DOI such as 10.1155/2011/317183"`
} //	@name	FieldProblem

// ProblemContentType is the media type of error bodies.
const ProblemContentType = "application/problem+json"

// Problem types, relative to the API's origin.
const (
	TypeValidation      = "/problems/validation"
	TypeMalformed       = "/problems/malformed-request"
	TypeNotFound        = "/problems/not-found"
	TypeGone            = "/problems/gone"
	TypeConflict        = "/problems/conflict"
	TypePrecondition    = "/problems/precondition-failed"
	TypeIfMatchRequired = "/problems/precondition-required"
	TypeUnauthenticated = "/problems/unauthenticated"
	TypeForbidden       = "/problems/forbidden"
	TypeUnavailable     = "/problems/unavailable"
	TypeInternal        = "/problems/internal"
	TypeTooLarge        = "/problems/request-too-large"
	TypeMethod          = "/problems/method-not-allowed"
	TypeRateLimited     = "/problems/rate-limited"
	TypeMediaType       = "/problems/unsupported-media-type"
	TypeNotAcceptable   = "/problems/not-acceptable"
	TypeIdempotency     = "/problems/idempotency-key-reused"
	// A request with the same Idempotency-Key is still running.
	TypeIdempotencyInProgress = "/problems/idempotency-key-in-progress"
)

// WriteProblem aborts the request with a problem body.
func WriteProblem(c *gin.Context, p Problem) {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.RequestID = c.GetString(RequestIDKey)
	c.Header("Content-Type", ProblemContentType)
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(p.Status, p)
}

// Fail writes a problem of one status and type.
func Fail(c *gin.Context, status int, typ, detail string) {
	WriteProblem(c, Problem{Type: typ, Status: status, Detail: detail})
}

// writeError maps the store's and the engine's errors to problems: the one
// table of error statuses. Anything it does not know is a 500 whose details
// go to the log, never to the client.
func writeError(c *gin.Context, log *slog.Logger, err error) {
	var (
		ve  *store.ValidationError
		ge  *grading.ValidationError
		ce  *store.ConflictError
		pe  *store.PreconditionError
		pre *store.PreconditionRequiredError
		nfe *store.NotFoundError
	)
	switch {
	case errors.As(err, &ve):
		writeValidation(c, toFieldProblems(ve.Problems))
	case errors.As(err, &ge):
		fp := make([]FieldProblem, len(ge.Problems))
		for i, p := range ge.Problems {
			fp[i] = FieldProblem{Field: p.Field, Message: p.Message}
		}
		writeValidation(c, fp)
	case errors.As(err, &nfe):
		Fail(c, http.StatusNotFound, TypeNotFound, nfe.Error())
	case errors.Is(err, store.ErrNotFound):
		Fail(c, http.StatusNotFound, TypeNotFound, "not found")
	case errors.Is(err, store.ErrGone):
		Fail(c, http.StatusGone, TypeGone, err.Error())
	case errors.As(err, &ce):
		p := Problem{Type: TypeConflict, Status: http.StatusConflict, Detail: ce.Message}
		if ce.ExistingID != 0 {
			p.ExistingID = &ce.ExistingID
		}
		WriteProblem(c, p)
	case errors.Is(err, store.ErrConflict):
		Fail(c, http.StatusConflict, TypeConflict, "the request conflicts with the current state of the resource")
	case errors.As(err, &pe):
		c.Header("ETag", etag(pe.Current))
		Fail(c, http.StatusPreconditionFailed, TypePrecondition,
			fmt.Sprintf("If-Match does not match the current version (ETag %s): read the resource again and reapply your change", etag(pe.Current)))
	case errors.As(err, &pre):
		c.Header("ETag", etag(pre.Current))
		Fail(c, http.StatusPreconditionRequired, TypeIfMatchRequired,
			fmt.Sprintf("the %s exists: send If-Match with its ETag %s so that a concurrent change is never overwritten", pre.Resource, etag(pre.Current)))
	case errors.Is(err, store.ErrUnauthenticated):
		Unauthenticated(c)
	case errors.Is(err, store.ErrForbidden):
		Fail(c, http.StatusForbidden, TypeForbidden, err.Error())
	case errors.Is(err, store.ErrUnavailable):
		log.Warn("database unavailable", "request_id", c.GetString(RequestIDKey), "err", err)
		Unavailable(c)
	default:
		log.Error("internal error", "request_id", c.GetString(RequestIDKey), "method", c.Request.Method, "path", c.FullPath(), "err", err)
		Fail(c, http.StatusInternalServerError, TypeInternal, "an unexpected error occurred; quote the request id when reporting it")
	}
}

// Unavailable answers 503 with Retry-After.
func Unavailable(c *gin.Context) {
	c.Header("Retry-After", strconv.Itoa(RetryAfterSeconds))
	Fail(c, http.StatusServiceUnavailable, TypeUnavailable, "the database is unavailable; retry later")
}

// RetryAfterSeconds is the Retry-After of a 503.
const RetryAfterSeconds = 5

// Unauthenticated answers 401: the same answer for a missing, malformed,
// mistyped, unknown or revoked key.
func Unauthenticated(c *gin.Context) {
	c.Header("WWW-Authenticate", `Bearer realm="claimgrade"`)
	Fail(c, http.StatusUnauthorized, TypeUnauthenticated, "a valid API key is required: send Authorization: Bearer <key>")
}

func writeValidation(c *gin.Context, fp []FieldProblem) {
	detail := "1 field is invalid"
	if len(fp) != 1 {
		detail = fmt.Sprintf("%d fields are invalid", len(fp))
	}
	WriteProblem(c, Problem{Type: TypeValidation, Title: "Invalid input", Status: http.StatusUnprocessableEntity, Detail: detail, Errors: fp})
}

func toFieldProblems(in []store.FieldError) []FieldProblem {
	out := make([]FieldProblem, len(in))
	for i, p := range in {
		out[i] = FieldProblem{Field: p.Field, Message: p.Message}
	}
	return out
}

// badRequest answers 400 for input that is not well-formed (as opposed to
// 422 for well-formed input that breaks a rule).
func badRequest(c *gin.Context, detail string, fp ...FieldProblem) {
	WriteProblem(c, Problem{Type: TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: detail, Errors: fp})
}
