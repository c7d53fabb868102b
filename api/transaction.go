package api

import (
	"bytes"
	"errors"
	"log/slog"
	"maps"
	"net/http"

	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
	"claimgrade/store"
)

// writeMethods are the methods that change something.
var writeMethods = map[string]bool{http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true}

// errRespond ends a request transaction with a rollback, keeping the
// response that was written (an error, or a replay).
var errRespond = errors.New("roll back and send the response")

// transactional runs every write request (POST, PUT, PATCH, DELETE) in one
// database transaction and answers only after it has committed:
//
//   - The request body is read whole first (the body limit applies), so a
//     slow client never holds a transaction open.
//   - The handlers get a store bound to the transaction (handlers.SetStore):
//     each store method joins it, its own transactions becoming savepoints,
//     and every read that builds the response sees what the request wrote.
//   - The response is kept in a buffer. A status below 400 commits, and the
//     response is sent once the commit succeeded. A COMMIT whose connection
//     was lost is resolved by the store (store.InTx asks PostgreSQL what
//     became of the transaction): committed, the buffered response is sent
//     as if the acknowledgement had arrived; aborted, a 503 "nothing was
//     stored" and the buffered response is dropped, so no client is told
//     of a write that is not stored; unknown, a 503 commit-outcome-unknown
//     telling the client to retry with the same Idempotency-Key. A status
//     of 400 or more rolls back (nothing a refused request did is kept),
//     and a panic does too.
//   - With idem set, a POST that sends Idempotency-Key claims the key inside
//     the transaction and records its response there (idempotency.go): the
//     key and the write commit together or not at all. A 4xx is recorded
//     too (a retry gets the same refusal); what the refused request did is
//     rolled back to a savepoint first. A 5xx is not recorded: it rolls
//     back, and a retry runs again.
//
// It runs after authentication and the role check, so that no transaction
// is opened for a request that may not write.
func transactional(st *store.Store, log *slog.Logger, idem bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !writeMethods[c.Request.Method] {
			c.Next()
			return
		}
		fp, done, ok := readBody(c)
		if !ok {
			return
		}
		defer done()
		var key *idempotencyKey
		if idem && c.Request.Method == http.MethodPost {
			if key, ok = readIdempotencyKey(c, fp); !ok {
				return
			}
		}
		orig := c.Writer
		buf := newBufferedWriter(orig)
		c.Writer = buf
		// On a panic the recovery middleware answers on the real writer.
		defer func() { c.Writer = orig }()
		ctx := c.Request.Context()
		committing := false
		err := st.InTx(ctx, func(tx *store.Store) error {
			if key != nil {
				if replayed, err := key.claim(c, tx, log); err != nil || replayed {
					return errRespond
				}
			}
			run := func(tx *store.Store) error {
				handlers.SetStore(c, tx)
				c.Next()
				if buf.Status() >= 400 {
					return errRespond
				}
				return nil
			}
			var err error
			if key == nil {
				err = run(tx)
			} else {
				// In a savepoint, so that a refused request (4xx), whose
				// response is kept for replay, leaves nothing else behind.
				err = tx.InTx(ctx, run)
			}
			switch {
			case errors.Is(err, errRespond) && (key == nil || buf.Status() >= 500):
				return errRespond
			case err != nil && !errors.Is(err, errRespond):
				return err
			}
			if key != nil {
				if err := key.record(ctx, tx, buf); err != nil {
					return err
				}
			}
			committing = true
			return nil
		})
		c.Writer = orig
		switch {
		case err == nil, errors.Is(err, errRespond):
			buf.flush()
		case committing:
			// The store resolved the failed COMMIT: aborted (nothing was
			// stored) or unknown; one that committed returned nil above.
			log.Error("commit failed: the response was not sent", "request_id", c.GetString(handlers.RequestIDKey),
				"status", buf.Status(), "err", err)
			handlers.WriteError(c, log, errors.Join(store.ErrUnavailable, err))
		default:
			// The transaction did not begin, or recording the response
			// failed: nothing is stored.
			handlers.WriteError(c, log, err)
		}
		c.Abort()
	}
}

// bufferedWriter holds a response (status, headers, body) until the
// transaction it reports on has committed.
type bufferedWriter struct {
	gin.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func newBufferedWriter(w gin.ResponseWriter) *bufferedWriter {
	return &bufferedWriter{ResponseWriter: w, header: w.Header().Clone(), status: http.StatusOK}
}

func (w *bufferedWriter) Header() http.Header { return w.header }

func (w *bufferedWriter) WriteHeader(code int) {
	if code > 0 && !w.wrote {
		w.status = code
	}
}

func (w *bufferedWriter) WriteHeaderNow() { w.wrote = true }

func (w *bufferedWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.body.Write(b)
}

func (w *bufferedWriter) WriteString(s string) (int, error) {
	w.wrote = true
	return w.body.WriteString(s)
}

func (w *bufferedWriter) Status() int { return w.status }

func (w *bufferedWriter) Size() int {
	if !w.wrote {
		return -1
	}
	return w.body.Len()
}

func (w *bufferedWriter) Written() bool { return w.wrote }

// Flush does nothing: nothing leaves before the commit.
func (w *bufferedWriter) Flush() {}

// flush sends the buffered response on the real writer.
func (w *bufferedWriter) flush() {
	h := w.ResponseWriter.Header()
	maps.DeleteFunc(h, func(k string, _ []string) bool { _, kept := w.header[k]; return !kept })
	maps.Copy(h, w.header)
	w.ResponseWriter.WriteHeader(w.status)
	if w.body.Len() > 0 {
		_, _ = w.ResponseWriter.Write(w.body.Bytes())
	} else {
		w.ResponseWriter.WriteHeaderNow()
	}
}
