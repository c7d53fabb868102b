package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
	"claimgrade/store"
)

// idempotencyHeader is the request header that makes a POST retry-safe.
const idempotencyHeader = "Idempotency-Key"

// idempotent makes a POST sent with an Idempotency-Key safe to retry: the
// first request with a key runs and its response is kept for 24 hours; a
// retry with the same key and the same request (method, path and body)
// gets that response again, with Idempotent-Replayed: true, and writes
// nothing; the same key with another request is a 422, and a retry that
// comes while the first request still runs is a 409. Keys belong to the API
// key that sent them. A response of 500 or more is not kept: the key is
// released and a retry runs again. Other methods, and POSTs without the
// header, pass through.
//
// It must run after authentication and the role check, so that it knows
// the API key and never records a request the caller may not make.
//
// Crash window: the store writes the resource and commits in its own
// transaction; the response is recorded afterwards, in another statement.
// If the process dies (or the database fails) between the two, the key
// stays pending: retries get 409 until the record is taken for abandoned
// (store.IdempotencyPendingTimeout), and the retry after that runs the
// request again, which may create the resource a second time. Closing the
// window would take the store's write and the record in one transaction,
// which the store's methods do not offer; the window is a few milliseconds
// wide and needs a crash inside it.
func idempotent(st *store.Store, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, sent := c.Request.Header[idempotencyHeader]
		if c.Request.Method != http.MethodPost || !sent {
			c.Next()
			return
		}
		if len(values) != 1 || !validIdempotencyKey(values[0]) {
			handlers.WriteProblem(c, handlers.Problem{Type: handlers.TypeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
				Detail: "invalid Idempotency-Key header",
				Errors: []handlers.FieldProblem{{Field: idempotencyHeader, Message: "must be one header of 1 to 255 printable ASCII characters"}}})
			return
		}
		key := values[0]
		p, ok := handlers.CurrentPrincipal(c)
		if !ok {
			// Writes need a key: the role check has refused this already.
			c.Next()
			return
		}
		body, ok := readBody(c)
		if !ok {
			return
		}
		rec, replay, err := st.BeginIdempotent(c.Request.Context(), p.KeyID, key, fingerprint(c.Request, body))
		switch {
		case err != nil:
			// Mismatch 422, in progress 409, unavailable 503, else 500:
			// the error table decides, as for the handlers.
			handlers.WriteError(c, log, err)
			return
		case replay:
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
			return
		}

		w := &capturingWriter{ResponseWriter: c.Writer}
		c.Writer = w
		finished := false
		defer func() {
			// The record outlives the request: a client that hangs up must
			// not leave its key pending.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 5*time.Second)
			defer cancel()
			status := w.Status()
			if !finished || status >= 500 {
				if err := st.ReleaseIdempotent(ctx, rec.ID); err != nil {
					log.Error("release idempotency key", "request_id", c.GetString(handlers.RequestIDKey), "err", err)
				}
				return
			}
			h := w.Header()
			err := st.CompleteIdempotent(ctx, rec.ID, store.IdempotentResponse{Status: status, ContentType: h.Get("Content-Type"),
				Location: h.Get("Location"), ETag: h.Get("ETag"), Body: w.body.Bytes()})
			if err != nil {
				log.Error("record idempotent response", "request_id", c.GetString(handlers.RequestIDKey), "err", err)
			}
		}()
		c.Next()
		finished = true // false when a handler panicked: the key is released
	}
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

// readBody reads the whole body (the body limit still applies) and puts it
// back for the handler.
func readBody(c *gin.Context) ([]byte, bool) {
	if c.Request.Body == nil {
		return nil, true
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if handlers.StatusOf(err) == http.StatusRequestEntityTooLarge {
			handlers.WriteError(c, nil, err)
		} else {
			handlers.Fail(c, http.StatusBadRequest, handlers.TypeMalformed, "the request body could not be read")
		}
		return nil, false
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

// fingerprint identifies a request: SHA-256 of its method, path (with the
// query) and body.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", r.Method, r.URL.RequestURI())
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// capturingWriter keeps a copy of the response body.
type capturingWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *capturingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *capturingWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
