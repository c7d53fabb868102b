package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
	"claimgrade/models"
	"claimgrade/store"
)

// requestID honours a sane X-Request-ID or makes one, and echoes it.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !saneRequestID(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(handlers.RequestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []any{"method", c.Request.Method, "path", c.Request.URL.Path, "route", c.FullPath(), "status", status,
			"bytes", c.Writer.Size(), "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"request_id", c.GetString(handlers.RequestIDKey), "client_ip", c.ClientIP()}
		if p, ok := handlers.CurrentPrincipal(c); ok {
			attrs = append(attrs, "user", p.User.Name)
		}
		log.Log(c.Request.Context(), level, "request", attrs...)
	}
}

// recovery turns a panic into a 500 problem through gin.CustomRecovery and
// logs it once, with the request id and the stack, never sending either to
// the client. (gin's own log line is switched off: it would be a second,
// unstructured record of the same panic.)
func recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, v any) {
		log.Error("panic", "request_id", c.GetString(handlers.RequestIDKey), "method", c.Request.Method,
			"path", c.Request.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if c.Writer.Written() {
			c.Abort() // the status is out; the client sees a cut-short body
			return
		}
		handlers.Fail(c, http.StatusInternalServerError, handlers.TypeInternal, "an unexpected error occurred; quote the request id when reporting it")
	})
}

// bulkPaths are the routes of the bulk export and import: they move the
// whole catalogue, so they get BulkTimeout, and the import ImportMaxBytes.
var bulkPaths = map[string]bool{"/api/v1/export": true, "/api/v1/import": true}

// bodyLimit caps request bodies: a declared length over the cap is refused
// at once, an undeclared one fails when reading passes the cap. The import
// route's cap is importMax.
func bodyLimit(defaultMax, importMax int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		max := defaultMax
		if c.FullPath() == "/api/v1/import" {
			max = importMax
		}
		if c.Request.ContentLength > max {
			handlers.WriteError(c, nil, &http.MaxBytesError{Limit: max})
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}

// deadline bounds every request, and so every query it runs: by d, or by
// bulk for the bulk export and import.
func deadline(d, bulk time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := d
		if bulkPaths[c.FullPath()] {
			limit = bulk
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), limit)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// anonymousLimits bounds what a request without an API key may take: its
// deadline is the shorter AnonymousTimeout (every query it runs is
// cancelled then), and at most share of them run at once, so that
// anonymous traffic can hold at most that share of the connection pool and
// never starve keyed clients. A request that finds no free slot before its
// deadline is a 503 with Retry-After. Requests with a valid key pass.
func anonymousLimits(timeout time.Duration, share int) gin.HandlerFunc {
	slots := make(chan struct{}, share)
	return func(c *gin.Context) {
		if _, ok := handlers.CurrentPrincipal(c); ok {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			c.Next()
		case <-ctx.Done():
			handlers.Unavailable(c)
		}
	}
}

// corsExposed are the response headers a browser client may read.
var corsExposed = []string{"ETag", "Link", "Location", "Retry-After", "X-Request-ID",
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}

// corsAllowed are the request headers a browser client may send.
var corsAllowed = []string{"Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "X-Request-ID"}

// corsPolicy allows the configured origins ("*" allows any) to call the API
// from a browser, preflights included, through gin-contrib/cors. Two
// things are ours:
//   - "*" never admits the opaque origin "null" (sandboxed frames, file://
//     pages, some redirects): answering it would admit any such page, so
//     an allowed origin is always a real one, echoed back.
//   - A request from an origin that is not allowed is served as if it had
//     sent no Origin (the browser then withholds the response from the
//     page); only its preflight is refused, with a 403 problem like every
//     other error (the library would answer a bare 403 to both).
func corsPolicy(origins []string) gin.HandlerFunc {
	anyOrigin := slices.Contains(origins, "*")
	allowed := func(o string) bool { return o != "null" && (anyOrigin || slices.Contains(origins, o)) }
	allow := cors.New(cors.Config{
		AllowOriginFunc: allowed,
		AllowMethods:    []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
		AllowHeaders:    corsAllowed,
		ExposeHeaders:   corsExposed,
		MaxAge:          10 * time.Minute,
	})
	return func(c *gin.Context) {
		c.Writer.Header().Add("Vary", "Origin")
		if origin := c.GetHeader("Origin"); origin != "" && !allowed(origin) {
			if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
				handlers.Fail(c, http.StatusForbidden, handlers.TypeForbidden, "origin not allowed by CORS_ORIGINS")
			}
			return
		}
		allow(c)
	}
}

// authenticate reads the API key, when one is sent, and records the caller.
// A key that does not authenticate is a 401 even on public routes: a client
// that means to be someone is told at once that it is not. onReject, when
// set, runs before a rejection is written (the rate limiter counts it).
// Statuses come from the error table: an unknown key is a 401, an
// unavailable database a 503, and anything unexpected is logged and a 500.
func authenticate(st *store.Store, log *slog.Logger, onReject func(*gin.Context)) gin.HandlerFunc {
	return func(c *gin.Context) {
		key, sent := bearer(c.GetHeader("Authorization"))
		if !sent {
			c.Next()
			return
		}
		user, k, err := st.Authenticate(c.Request.Context(), key)
		if err != nil {
			if onReject != nil {
				onReject(c)
			}
			handlers.WriteError(c, log, err)
			return
		}
		handlers.SetPrincipal(c, handlers.Principal{User: user, KeyID: k.ID})
		c.Next()
	}
}

// bearer extracts the key from "Bearer <key>" (or a bare key, which is what
// Swagger UI's API-key dialog sends when the user omits the scheme).
func bearer(h string) (string, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return "", false
	}
	if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(rest), true
	}
	return h, true
}

// requireRole lets through callers whose role includes min.
func requireRole(min models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := handlers.CurrentPrincipal(c)
		if !ok {
			handlers.Unauthenticated(c)
			return
		}
		if !p.User.Role.AtLeast(min) {
			handlers.WriteError(c, nil, fmt.Errorf("%w: this operation needs the %s role; your key has %s", store.ErrForbidden, min, p.User.Role))
			return
		}
		c.Next()
	}
}

// requireRead guards reads: open to all when PUBLIC_READ is true, else any
// valid key.
func requireRead(public bool) gin.HandlerFunc {
	if public {
		return func(c *gin.Context) { c.Next() }
	}
	return requireRole(models.RoleReader)
}

// publicPage guards the server-rendered public pages: with PUBLIC_READ=false
// they answer 404 (problem+json), since a browser sends no API key and the
// pages hold nothing a key could unlock.
func publicPage(public bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !public {
			handlers.Fail(c, http.StatusNotFound, handlers.TypeNotFound,
				"no public page: this server does not publish its claims (PUBLIC_READ=false)")
			return
		}
		c.Next()
	}
}

// securityHeaders sets headers every response should carry.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-cache")
		}
		c.Next()
	}
}
