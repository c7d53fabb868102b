package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
	"claimgrade/store"
)

// idempotencyHeader is the request header that makes a POST retry-safe.
const idempotencyHeader = "Idempotency-Key"

// An Idempotency-Key makes a POST safe to retry. The first request with a
// key runs and its response is kept for 24 hours; a retry with the same key
// and the same request (method, path and body) gets that response again,
// with Idempotent-Replayed: true, and writes nothing; the same key with
// another request is a 422, and a retry that comes while the first request
// still runs is a 409 (on SQLite it waits for the first and replays it).
// Keys belong to the API key that sent them. POSTs without the header, and
// other methods, are not idempotent.
//
// The guarantee: the key is claimed, the write runs and the response is
// recorded in one database transaction (transactional, and
// store.ClaimIdempotencyKey), and the response is sent only after that
// transaction committed. So after any failure (a lost connection, a failed
// commit, a crash, a 5xx) a retry finds either the committed write with its
// recorded response, which it replays, or nothing at all, and then runs for
// the first time: a request never runs twice, and no key is ever left "in
// progress" (that state exists only inside the uncommitted transaction). A
// response of 500 or more is not recorded: it rolls back, and a retry runs
// again.

// idempotencyKey is a POST's Idempotency-Key with what identifies its
// request.
type idempotencyKey struct {
	apiKeyID    int64
	key         string
	fingerprint string
}

// readIdempotencyKey reads the header of a POST whose body has been read.
// It returns nil when no key was sent (or the request is anonymous, which
// the role check has refused already), and false after writing a 400 for a
// malformed key.
func readIdempotencyKey(c *gin.Context, fp string) (*idempotencyKey, bool) {
	values, sent := c.Request.Header[idempotencyHeader]
	if !sent {
		return nil, true
	}
	if len(values) != 1 || !validIdempotencyKey(values[0]) {
		handlers.WriteProblem(c, handlers.Problem{Type: handlers.TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: "invalid Idempotency-Key header",
			Errors: []handlers.FieldProblem{{Field: idempotencyHeader, Message: "must be one header of 1 to 255 printable ASCII characters"}}})
		return nil, false
	}
	p, ok := handlers.CurrentPrincipal(c)
	if !ok {
		return nil, true
	}
	return &idempotencyKey{apiKeyID: p.KeyID, key: values[0], fingerprint: fp}, true
}

// claim claims the key in tx. It returns true when it has answered: with the
// recorded response (a replay), or with an error (422 mismatch, 409 in
// progress, 503 unavailable).
func (k *idempotencyKey) claim(c *gin.Context, tx *store.Store, log *slog.Logger) (bool, error) {
	rec, err := tx.ClaimIdempotencyKey(c.Request.Context(), k.apiKeyID, k.key, k.fingerprint)
	switch {
	case err != nil:
		handlers.WriteError(c, log, err)
		return true, err
	case rec == nil:
		return false, nil
	}
	h := c.Writer.Header()
	if rec.Location != nil {
		h.Set("Location", *rec.Location)
	}
	if rec.ETag != nil {
		h.Set("ETag", *rec.ETag)
	}
	h.Set("Idempotent-Replayed", "true")
	ct := "application/json"
	if rec.ContentType != nil {
		ct = *rec.ContentType
	}
	c.Data(*rec.Status, ct, rec.Body)
	c.Abort()
	return true, nil
}

// record stores the buffered response in tx, beside the write.
func (k *idempotencyKey) record(ctx context.Context, tx *store.Store, w *bufferedWriter) error {
	h := w.Header()
	return tx.RecordIdempotentResponse(ctx, k.apiKeyID, k.key, k.fingerprint, store.IdempotentResponse{Status: w.Status(),
		ContentType: h.Get("Content-Type"), Location: h.Get("Location"), ETag: h.Get("ETag"), Body: bytes.Clone(w.body.Bytes())})
}

// validIdempotencyKey: 1 to 255 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// spooledPaths are the routes whose body goes to a temporary file, not to
// memory: the import's body may be as large as IMPORT_MAX_BYTES.
var spooledPaths = map[string]bool{"/api/v1/import": true}

// readBody reads the whole body (the body limit still applies), puts it
// back for the handler and returns the request's fingerprint (method,
// path with query, and body). The body is kept in memory, or for the
// routes of spooledPaths in a file of the temporary directory that the
// handler reads as the body (an *os.File, which it may seek). done removes
// that file; call it once the handler is done.
func readBody(c *gin.Context) (fp string, done func(), ok bool) {
	done = func() {}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", c.Request.Method, c.Request.URL.RequestURI())
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		return hex.EncodeToString(h.Sum(nil)), done, true
	}
	fail := func(err error) {
		if handlers.StatusOf(err) == http.StatusRequestEntityTooLarge {
			handlers.WriteError(c, nil, err)
		} else {
			handlers.Fail(c, http.StatusBadRequest, handlers.TypeMalformed, "the request body could not be read")
		}
	}
	if !spooledPaths[c.FullPath()] {
		var body bytes.Buffer
		if _, err := io.Copy(io.MultiWriter(&body, h), c.Request.Body); err != nil {
			fail(err)
			return "", done, false
		}
		c.Request.Body = io.NopCloser(&body)
		return hex.EncodeToString(h.Sum(nil)), done, true
	}
	f, err := os.CreateTemp("", "claimgrade-body-*")
	if err != nil {
		handlers.WriteError(c, nil, fmt.Errorf("spool the request body: %w", err))
		return "", done, false
	}
	done = func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	_, err = io.Copy(io.MultiWriter(f, h), c.Request.Body)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		done()
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == f.Name() {
			handlers.WriteError(c, nil, fmt.Errorf("spool the request body: %w", err))
		} else {
			fail(err)
		}
		return "", func() {}, false
	}
	c.Request.Body = f
	return hex.EncodeToString(h.Sum(nil)), done, true
}
