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
	// For a 410 of the changes feed: the feed's current epoch and head (its last committed seq). After resynchronising from an export, follow the feed with after=<head>&epoch=<epoch>.
	Epoch string `json:"epoch,omitempty" example:"ep_5f0c3e7a9b2d4c61a8e0f1b2c3d4e5f6"`
	Head  *int64 `json:"head,omitempty" example:"40"`
} //	@name	Problem

// FieldProblem says what is wrong with one field of the input.
type FieldProblem struct {
	Field   string `json:"field" example:"doi"`
	Message string `json:"message" example:"must be a DOI such as 10.1155/2011/317183"`
	// The line of an imported file the problem is on (1-based), for POST /api/v1/import.
	Line int `json:"line,omitempty" example:"12"`
	// The GRADE rule the field breaks, for a refusal by the grading rules (e.g. reason_required).
	Code string `json:"code,omitempty" example:"reason_required"`
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
	// A changes feed position of another epoch (an import or restore
	// started a new one), or beyond the feed's head.
	TypeFeedEpochChanged = "/problems/feed-epoch-changed"
	TypeCursorBeyondHead = "/problems/cursor-beyond-head"
	// The connection to the database was lost during a write's COMMIT and
	// the server could not find out whether it committed.
	TypeCommitOutcomeUnknown = "/problems/commit-outcome-unknown"
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

// errorStatus is one row of the error table: the errors that match it
// (errors.Is with a sentinel, or errors.As with a typed error) and the
// status and problem type they answer.
type errorStatus struct {
	match  func(error) bool
	status int
	typ    string
	title  string
	// problem fills in the detail (and the headers) from the error.
	problem func(c *gin.Context, err error, p *Problem)
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func as[T error]() func(error) bool {
	return func(err error) bool {
		var t T
		return errors.As(err, &t)
	}
}

// errorTable is the one table of error statuses, shared by the handlers
// (writeError) and the middleware (WriteError): the store's, the engine's
// and the HTTP edge's errors, in the order they are matched. An error that
// matches no row is a 500 whose details go to the log, never to the client.
var errorTable = []errorStatus{
	// An import refused, with the line and field of every problem: 409
	// when its records are already catalogued, 422 when the file is
	// invalid.
	{match: importConflict, status: http.StatusConflict, typ: TypeConflict, title: "Already imported", problem: importProblem},
	{match: as[*store.ImportError](), status: http.StatusUnprocessableEntity, typ: TypeValidation, title: "Invalid import", problem: importProblem},
	{match: as[*store.ValidationError](), status: http.StatusUnprocessableEntity, typ: TypeValidation, title: "Invalid input",
		problem: func(_ *gin.Context, err error, p *Problem) {
			var ve *store.ValidationError
			errors.As(err, &ve)
			p.Errors = toFieldProblems(ve.Problems)
			p.Detail = validationDetail(p.Errors)
		}},
	{match: as[*grading.ValidationError](), status: http.StatusUnprocessableEntity, typ: TypeValidation, title: "Invalid input",
		problem: func(_ *gin.Context, err error, p *Problem) {
			var ge *grading.ValidationError
			errors.As(err, &ge)
			p.Errors = make([]FieldProblem, len(ge.Problems))
			for i, fe := range ge.Problems {
				p.Errors[i] = FieldProblem{Field: fe.Field, Message: fe.Message}
			}
			p.Detail = validationDetail(p.Errors)
		}},
	// An adjudication of a finding without an open reviewer_disagreement:
	// the finding's state, not the input, is what forbids it (409).
	{match: ruleCoded(grading.CodeAdjudicationNotNeeded), status: http.StatusConflict, typ: TypeConflict, title: "Nothing to adjudicate",
		problem: func(c *gin.Context, err error, p *Problem) {
			ruleProblem(c, err, p)
			p.Detail = p.Errors[0].Message
		}},
	// A refusal of the finding-level GRADE rules: the type names the rule
	// (the first problem's), each error its field and code.
	{match: as[*grading.RuleError](), status: http.StatusUnprocessableEntity, typ: TypeValidation, title: "Refused by the GRADE rules",
		problem: ruleProblem},
	{match: is(store.ErrNotFound), status: http.StatusNotFound, typ: TypeNotFound,
		problem: func(_ *gin.Context, err error, p *Problem) {
			p.Detail = "not found"
			var nfe *store.NotFoundError
			if errors.As(err, &nfe) {
				p.Detail = nfe.Error()
			}
		}},
	// Before ErrGone: a feed position that is not one of the current feed.
	{match: as[*store.FeedPositionError](), status: http.StatusGone, typ: TypeFeedEpochChanged, title: "Feed position gone",
		problem: feedPositionProblem},
	{match: is(store.ErrGone), status: http.StatusGone, typ: TypeGone,
		problem: func(_ *gin.Context, err error, p *Problem) { p.Detail = err.Error() }},
	// Before ErrConflict: a key in use is a conflict of its own kind.
	{match: is(store.ErrIdempotencyInProgress), status: http.StatusConflict, typ: TypeIdempotencyInProgress,
		problem: func(c *gin.Context, _ error, p *Problem) {
			c.Header("Retry-After", "1")
			p.Detail = "a request with this Idempotency-Key is in progress; retry when it has finished"
		}},
	{match: is(store.ErrIdempotencyMismatch), status: http.StatusUnprocessableEntity, typ: TypeIdempotency,
		problem: func(_ *gin.Context, _ error, p *Problem) {
			p.Detail = "this Idempotency-Key was used with a different request (method, path or body): use a new key for a new request"
		}},
	{match: is(store.ErrConflict), status: http.StatusConflict, typ: TypeConflict,
		problem: func(_ *gin.Context, err error, p *Problem) {
			p.Detail = "the request conflicts with the current state of the resource"
			var ce *store.ConflictError
			if errors.As(err, &ce) {
				p.Detail = ce.Message
				if ce.ExistingID != 0 {
					p.ExistingID = &ce.ExistingID
				}
			}
		}},
	{match: is(store.ErrPrecondition), status: http.StatusPreconditionFailed, typ: TypePrecondition,
		problem: func(c *gin.Context, err error, p *Problem) {
			p.Detail = "If-Match does not match the current version: read the resource again and reapply your change"
			var pe *store.PreconditionError
			if errors.As(err, &pe) {
				c.Header("ETag", etag(pe.Current))
				p.Detail = fmt.Sprintf("If-Match does not match the current version (ETag %s): read the resource again and reapply your change", etag(pe.Current))
			}
			var de *documentPreconditionError
			if errors.As(err, &de) {
				c.Header("ETag", de.current)
				p.Detail = fmt.Sprintf("If-Match does not match the current document (ETag %s): something it shows has changed; read it again and reapply your change", de.current)
			}
		}},
	{match: is(store.ErrPreconditionRequired), status: http.StatusPreconditionRequired, typ: TypeIfMatchRequired,
		problem: func(c *gin.Context, err error, p *Problem) {
			p.Detail = "send If-Match with the ETag you last read, so that a concurrent change is never overwritten"
			var pre *store.PreconditionRequiredError
			if errors.As(err, &pre) {
				c.Header("ETag", etag(pre.Current))
				p.Detail = fmt.Sprintf("the %s exists: send If-Match with its ETag %s so that a concurrent change is never overwritten", pre.Resource, etag(pre.Current))
			}
		}},
	{match: is(store.ErrUnauthenticated), status: http.StatusUnauthorized, typ: TypeUnauthenticated,
		problem: func(c *gin.Context, _ error, p *Problem) {
			c.Header("WWW-Authenticate", `Bearer realm="claimgrade"`)
			p.Detail = "a valid API key is required: send Authorization: Bearer <key>"
		}},
	{match: is(store.ErrForbidden), status: http.StatusForbidden, typ: TypeForbidden,
		problem: func(_ *gin.Context, err error, p *Problem) { p.Detail = err.Error() }},
	{match: as[*http.MaxBytesError](), status: http.StatusRequestEntityTooLarge, typ: TypeTooLarge,
		problem: func(_ *gin.Context, err error, p *Problem) {
			var me *http.MaxBytesError
			errors.As(err, &me)
			p.Detail = fmt.Sprintf("the request body exceeds %d bytes", me.Limit)
		}},
	// Before IsUnavailable: a write whose COMMIT lost its connection and
	// whose outcome the server could not learn (store.CommitUnknown) may be
	// stored, so it is not "nothing was stored".
	{match: is(store.ErrCommitOutcomeUnknown), status: http.StatusServiceUnavailable, typ: TypeCommitOutcomeUnknown, title: "Outcome unknown",
		problem: func(c *gin.Context, _ error, p *Problem) {
			c.Header("Retry-After", strconv.Itoa(RetryAfterSeconds))
			p.Detail = "the connection to the database was lost while this write was committing, and the server could not find out " +
				"whether it was stored: retry with the same Idempotency-Key (the stored response is replayed if it was stored); " +
				"without one, read the resource first, since a blind retry may store it twice"
		}},
	// Every other 503: the database could not be used, and a write was not
	// stored (it rolled back, or its lost COMMIT was found aborted).
	{match: store.IsUnavailable, status: http.StatusServiceUnavailable, typ: TypeUnavailable,
		problem: func(c *gin.Context, _ error, p *Problem) {
			c.Header("Retry-After", strconv.Itoa(RetryAfterSeconds))
			p.Detail = "the database is unavailable; retry later"
			if writeMethod(c.Request.Method) {
				p.Detail = "the database is unavailable and nothing was stored; retry later"
			}
		}},
}

// ruleCoded matches a refusal of the GRADE rules whose code is code.
func ruleCoded(code grading.RuleCode) func(error) bool {
	return func(err error) bool {
		var re *grading.RuleError
		return errors.As(err, &re) && re.Code == code
	}
}

// ruleProblem names the rule in the problem's type (the first problem's
// code) and lists each problem with its field and code.
func ruleProblem(_ *gin.Context, err error, p *Problem) {
	var re *grading.RuleError
	errors.As(err, &re)
	p.Type = "/problems/" + string(re.Code)
	p.Errors = make([]FieldProblem, len(re.Problems))
	for i, rp := range re.Problems {
		p.Errors[i] = FieldProblem{Field: rp.Field, Message: rp.Message, Code: string(rp.Code)}
	}
	p.Detail = validationDetail(p.Errors)
}

// feedPositionProblem tells a partner whose changes feed position does not
// apply how to resynchronise: from an export, then from the head.
func feedPositionProblem(_ *gin.Context, err error, p *Problem) {
	var fe *store.FeedPositionError
	errors.As(err, &fe)
	p.Epoch, p.Head = fe.Epoch, &fe.Head
	resync := fmt.Sprintf("resynchronise from GET /api/v1/export, then follow the feed with after=%d&epoch=%s", fe.Head, fe.Epoch)
	switch fe.Problem {
	case store.EpochChanged:
		p.Detail = fmt.Sprintf("your position is in epoch %s of the changes feed, which is now in epoch %s (an import or a restore started it, "+
			"or the position comes from another database): its seqs no longer describe the catalogue; %s", fe.GivenEpoch, fe.Epoch, resync)
		p.Errors = []FieldProblem{{Field: "epoch", Message: "is not the feed's current epoch " + fe.Epoch}}
	default:
		p.Type = TypeCursorBeyondHead
		p.Detail = fmt.Sprintf("seq %d is beyond the last change of this feed (seq %d, epoch %s), so it was not issued by this database's feed "+
			"(a restored database numbers its changes anew); %s", fe.After, fe.Head, fe.Epoch, resync)
	}
}

func importConflict(err error) bool {
	var ie *store.ImportError
	return errors.As(err, &ie) && ie.Conflict
}

// importProblem lists an import's problems, each with its line and field.
func importProblem(_ *gin.Context, err error, p *Problem) {
	var ie *store.ImportError
	errors.As(err, &ie)
	p.Errors = make([]FieldProblem, len(ie.Problems))
	for i, lp := range ie.Problems {
		p.Errors[i] = FieldProblem{Line: lp.Line, Field: lp.Field, Message: lp.Message}
	}
	switch {
	case ie.Truncated:
		p.Detail = fmt.Sprintf("more than %d problems in the file (the first %d are listed); nothing was imported",
			store.MaxImportProblems, len(ie.Problems))
	case len(ie.Problems) == 1:
		p.Detail = "1 problem in the file; nothing was imported"
	default:
		p.Detail = fmt.Sprintf("%d problems in the file; nothing was imported", len(ie.Problems))
	}
}

// lookupError finds err's row in the error table.
func lookupError(err error) (errorStatus, bool) {
	for _, row := range errorTable {
		if row.match(err) {
			return row, true
		}
	}
	return errorStatus{}, false
}

// StatusOf is the status the error table gives err: 500 when it has no row.
func StatusOf(err error) int {
	if row, ok := lookupError(err); ok {
		return row.status
	}
	return http.StatusInternalServerError
}

// WriteError writes err as a problem, by the error table; the middleware
// uses it as the handlers do. An unavailable database is logged as a
// warning (unless log is nil: the caller logs); an error the table does
// not know is logged once with the request id and answered 500 with a
// generic message.
func WriteError(c *gin.Context, log *slog.Logger, err error) {
	row, ok := lookupError(err)
	if !ok {
		if log == nil {
			log = slog.Default()
		}
		log.Error("internal error", "request_id", c.GetString(RequestIDKey), "method", c.Request.Method, "path", c.FullPath(), "err", err)
		Fail(c, http.StatusInternalServerError, TypeInternal, "an unexpected error occurred; quote the request id when reporting it")
		return
	}
	if row.status == http.StatusServiceUnavailable && log != nil {
		log.Warn("database unavailable", "request_id", c.GetString(RequestIDKey), "err", err)
	}
	p := Problem{Type: row.typ, Title: row.title, Status: row.status}
	row.problem(c, err, &p)
	WriteProblem(c, p)
}

// writeError is WriteError for the handlers.
func writeError(c *gin.Context, log *slog.Logger, err error) { WriteError(c, log, err) }

// documentPreconditionError is an If-Match that names a composite ETag
// (a document with what it embeds) other than the current one.
type documentPreconditionError struct{ current string }

func (e *documentPreconditionError) Error() string {
	return "If-Match names another state of the document; current ETag " + e.current
}

func (e *documentPreconditionError) Is(target error) bool { return target == store.ErrPrecondition }

// writeMethod reports whether method changes something.
func writeMethod(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
}

// Unavailable answers 503 with Retry-After.
func Unavailable(c *gin.Context) { WriteError(c, nil, store.ErrUnavailable) }

// RetryAfterSeconds is the Retry-After of a 503.
const RetryAfterSeconds = 5

// Unauthenticated answers 401: the same answer for a missing, malformed,
// mistyped, unknown or revoked key.
func Unauthenticated(c *gin.Context) { WriteError(c, nil, store.ErrUnauthenticated) }

func writeValidation(c *gin.Context, fp []FieldProblem) {
	WriteProblem(c, Problem{Type: TypeValidation, Title: "Invalid input", Status: http.StatusUnprocessableEntity, Detail: validationDetail(fp), Errors: fp})
}

func validationDetail(fp []FieldProblem) string {
	if len(fp) == 1 {
		return "1 field is invalid"
	}
	return fmt.Sprintf("%d fields are invalid", len(fp))
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
