package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"claimgrade/handlers"
)

// Rate limits are token buckets (golang.org/x/time/rate) held in memory, one
// per API key (for requests that authenticate) or per client IP (for
// anonymous requests and for requests whose key does not authenticate). A
// bucket holds a minute's worth of requests (RATE_LIMIT_PER_KEY or
// RATE_LIMIT_ANONYMOUS) and refills continuously at that rate, so a client
// may burst up to its limit and then goes at the sustained rate.
//
// Every /api/v1 response carries
//
//	X-RateLimit-Limit      the bucket's size: requests per minute
//	X-RateLimit-Remaining  whole requests left now
//	X-RateLimit-Reset      seconds until the bucket is full again (a delta, as
//	                       Retry-After, not an epoch time)
//
// and a request that finds its bucket empty is a 429 problem with
// Retry-After (seconds until one request is allowed again).
//
// The limits hold per process: behind a load balancer with n replicas a
// client gets up to n times its limit.

// maxBuckets bounds the limiter's memory: past it the least recently used
// bucket is dropped, which forgives that client's debt.
const maxBuckets = 100_000

// bucketIdle is how long a bucket is kept after its last request. An empty
// bucket is full again a minute later, and an absent bucket is a full one,
// so dropping it then changes nothing.
const bucketIdle = time.Minute

type rateLimiter struct {
	perKey, perAnon int
	now             func() time.Time

	mu      sync.Mutex // makes finding or adding a bucket one step
	buckets *expirable.LRU[string, *rate.Limiter]
}

// newRateLimiter makes a limiter allowing perKey requests a minute to each
// API key and perAnon to each anonymous client IP, timed by now, holding at
// most max buckets, each for idle after its last request.
func newRateLimiter(perKey, perAnon int, now func() time.Time, max int, idle time.Duration) *rateLimiter {
	return &rateLimiter{perKey: perKey, perAnon: perAnon, now: now,
		buckets: expirable.NewLRU[string, *rate.Limiter](max, nil, idle)}
}

// decision is the outcome of one request against its bucket.
type decision struct {
	allowed    bool
	limit      int
	remaining  int
	reset      int // seconds until full
	retryAfter int // seconds until one request is allowed, when !allowed
}

// take spends one token of bucket id (of size limit), if there is one.
func (l *rateLimiter) take(id string, limit int) decision {
	t := l.now()
	l.mu.Lock()
	b, ok := l.buckets.Get(id)
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(limit)/60), limit)
	}
	l.buckets.Add(id, b) // (re)starts its idle time
	l.mu.Unlock()

	perSecond := float64(b.Limit())
	d := decision{limit: limit, allowed: b.AllowN(t, 1)}
	tokens := b.TokensAt(t)
	if !d.allowed {
		d.retryAfter = ceilSeconds((1 - tokens) / perSecond)
	}
	d.remaining = int(math.Floor(tokens))
	d.reset = ceilSeconds((float64(limit) - tokens) / perSecond)
	return d
}

// size is how many buckets are held (for tests).
func (l *rateLimiter) size() int { return l.buckets.Len() }

func ceilSeconds(s float64) int {
	if s <= 0 {
		return 0
	}
	// Tolerate float noise: 2.0000000001 s is 2 s, not 3.
	return int(math.Ceil(s - 1e-9))
}

// charge counts the request against its caller's bucket (the key's when it
// authenticated, else the client IP's) and sets the X-RateLimit headers.
func (l *rateLimiter) charge(c *gin.Context) decision {
	id, limit := "ip:"+c.ClientIP(), l.perAnon
	if p, ok := handlers.CurrentPrincipal(c); ok {
		id, limit = "key:"+strconv.FormatInt(p.KeyID, 10), l.perKey
	}
	d := l.take(id, limit)
	h := c.Writer.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.Itoa(d.reset))
	return d
}

// limit is the middleware: it runs after authentication and answers 429
// when the caller's bucket is empty.
func (l *rateLimiter) limit() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := l.charge(c)
		if !d.allowed {
			c.Header("Retry-After", strconv.Itoa(d.retryAfter))
			handlers.Fail(c, http.StatusTooManyRequests, handlers.TypeRateLimited,
				fmt.Sprintf("rate limit of %d requests per minute exceeded; retry in %d s", d.limit, d.retryAfter))
			return
		}
		c.Next()
	}
}

// rejected is authenticate's hook for a key that does not authenticate: the
// attempt counts against the client IP (so guessing keys is throttled like
// any anonymous traffic) and the 401 carries the headers, but it stays a
// 401 even when the IP's bucket is empty: a bad key is never told anything
// but that it is bad.
func (l *rateLimiter) rejected(c *gin.Context) { l.charge(c) }

// apiOnly runs h for requests under /api/v1 only (matched to a route or
// not) and lets every other request through untouched.
func apiOnly(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if p := c.Request.URL.Path; p == "/api/v1" || strings.HasPrefix(p, "/api/v1/") {
			h(c)
		}
	}
}

// rateLimitHeaders documents the X-RateLimit headers on every response of
// every /api/v1 operation of the OpenAPI 3 document, and Retry-After on its
// 429s. (In the Swagger 2.0 document, swag's @Header annotations carry them
// on the list and get operations only; here no operation can forget them.)
func rateLimitHeaders(doc *openapi3.T) {
	integer := func(desc string) *openapi3.HeaderRef {
		return &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: desc, Schema: openapi3.NewIntegerSchema().NewRef()}}}
	}
	headers := map[string]*openapi3.HeaderRef{
		"X-RateLimit-Limit":     integer("Requests allowed per minute"),
		"X-RateLimit-Remaining": integer("Requests left in the current window"),
		"X-RateLimit-Reset":     integer("Seconds until the limit is fully restored"),
	}
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		for _, op := range item.Operations() {
			for code, ref := range op.Responses.Map() {
				if ref.Value == nil {
					continue
				}
				if ref.Value.Headers == nil {
					ref.Value.Headers = openapi3.Headers{}
				}
				for name, h := range headers {
					if _, ok := ref.Value.Headers[name]; !ok {
						ref.Value.Headers[name] = h
					}
				}
				if _, ok := ref.Value.Headers["Retry-After"]; !ok && code == "429" {
					ref.Value.Headers["Retry-After"] = integer("Seconds until a request is allowed again")
				}
			}
		}
	}
}
