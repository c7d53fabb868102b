package api

import (
	"container/list"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
)

// Rate limits are token buckets held in memory, one per API key (for
// requests that authenticate) or per client IP (for anonymous requests and
// for requests whose key does not authenticate). A bucket holds a minute's
// worth of requests (RATE_LIMIT_PER_KEY or RATE_LIMIT_ANONYMOUS) and refills
// continuously at that rate, so a client may burst up to its limit and then
// goes at the sustained rate.
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

// maxBuckets bounds the limiter's memory. Buckets that have refilled
// completely are dropped first (an absent bucket is a full one, so this
// changes nothing); only when that is not enough is the least recently used
// bucket dropped, which forgives that client's debt.
const maxBuckets = 100_000

// sweepPerRequest bounds the work each request spends dropping idle buckets.
const sweepPerRequest = 4

type rateLimiter struct {
	perKey, perAnon int
	now             func() time.Time
	max             int

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	lru     *list.List               // front: most recently used
}

type bucket struct {
	id     string
	size   float64
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// rate is the bucket's refill rate in tokens per second.
func (b *bucket) rate() float64 { return b.size / 60 }

// refill brings tokens up to date at t.
func (b *bucket) refill(t time.Time) {
	if d := t.Sub(b.at).Seconds(); d > 0 {
		b.tokens = math.Min(b.size, b.tokens+d*b.rate())
	}
	b.at = t
}

// full reports whether the bucket would be full at t.
func (b *bucket) full(t time.Time) bool {
	return b.tokens+t.Sub(b.at).Seconds()*b.rate() >= b.size
}

// newRateLimiter makes a limiter allowing perKey requests a minute to each
// API key and perAnon to each anonymous client IP, timed by now.
func newRateLimiter(perKey, perAnon int, now func() time.Time) *rateLimiter {
	return &rateLimiter{perKey: perKey, perAnon: perAnon, now: now, max: maxBuckets,
		buckets: map[string]*list.Element{}, lru: list.New()}
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
	defer l.mu.Unlock()
	l.sweep(t)
	var b *bucket
	if e, ok := l.buckets[id]; ok {
		b = e.Value.(*bucket)
		l.lru.MoveToFront(e)
		b.refill(t)
	} else {
		for len(l.buckets) >= l.max {
			l.drop(l.lru.Back())
		}
		b = &bucket{id: id, size: float64(limit), tokens: float64(limit), at: t}
		l.buckets[id] = l.lru.PushFront(b)
	}
	d := decision{limit: limit}
	if b.tokens >= 1 {
		b.tokens--
		d.allowed = true
	} else {
		d.retryAfter = ceilSeconds((1 - b.tokens) / b.rate())
	}
	d.remaining = int(math.Floor(b.tokens))
	d.reset = ceilSeconds((b.size - b.tokens) / b.rate())
	return d
}

// sweep drops a few of the least recently used buckets that have refilled
// completely by t.
func (l *rateLimiter) sweep(t time.Time) {
	for range sweepPerRequest {
		e := l.lru.Back()
		if e == nil || !e.Value.(*bucket).full(t) {
			return
		}
		l.drop(e)
	}
}

func (l *rateLimiter) drop(e *list.Element) {
	l.lru.Remove(e)
	delete(l.buckets, e.Value.(*bucket).id)
}

// size is how many buckets are held (for tests).
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

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
