package api_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// rateHeaders reads the X-RateLimit headers, failing when one is missing
// or not an integer.
func secRateHeaders(t *testing.T, what string, res *testenv.Response) (limit, remaining, reset int) {
	t.Helper()
	read := func(name string) int {
		v := res.Header.Get(name)
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("%s: %s = %q, want a non-negative integer (status %d)", what, name, v, res.Status)
		}
		return n
	}
	return read("X-RateLimit-Limit"), read("X-RateLimit-Remaining"), read("X-RateLimit-Reset")
}

func TestRateLimits(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st, func(c *api.Config) { c.RateLimitKey, c.RateLimitAnon = 5, 3 })

		// Anonymous clients share their IP's bucket of 3 (a token every 20 s);
		// every response counts and carries the headers, errors included.
		anonymous := []struct {
			name   string
			req    testenv.Request
			status int
		}{
			{"list", testenv.Request{Method: "GET", Path: "/api/v1/claims"}, http.StatusOK},
			{"missing claim", testenv.Request{Method: "GET", Path: "/api/v1/claims/999999"}, http.StatusNotFound},
			{"unknown route", testenv.Request{Method: "GET", Path: "/api/v1/no-such-thing"}, http.StatusNotFound},
		}
		for i, tt := range anonymous {
			res := s.Do(tt.req)
			if res.Status != tt.status {
				t.Fatalf("anonymous %s: status %d, want %d: %s", tt.name, res.Status, tt.status, res.Body)
			}
			limit, remaining, reset := secRateHeaders(t, "anonymous "+tt.name, res)
			if limit != 3 || remaining != 2-i || reset < 20*(i+1)-1 || reset > 20*(i+1) {
				t.Errorf("anonymous %s: limit %d remaining %d reset %d, want 3, %d, %d", tt.name, limit, remaining, reset, 2-i, 20*(i+1))
			}
		}
		res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims"})
		p := res.Problem(t, http.StatusTooManyRequests)
		if p["type"] != "/problems/rate-limited" {
			t.Errorf("429 type = %v", p["type"])
		}
		if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 19 || ra > 20 {
			t.Errorf("Retry-After = %q, want 20 (seconds until one token)", res.Header.Get("Retry-After"))
		}
		if _, remaining, reset := secRateHeaders(t, "429", res); remaining != 0 || reset < 59 || reset > 60 {
			t.Errorf("429: remaining %d reset %d, want 0 and 60", remaining, reset)
		}
		// A key that does not authenticate counts against the IP too, but
		// is a 401 all the same (never a 429 that would tell it apart).
		res = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims", Role: "cg_notakey"})
		res.Problem(t, http.StatusUnauthorized)
		if _, remaining, _ := secRateHeaders(t, "bad key", res); remaining != 0 {
			t.Errorf("bad key: remaining %d, want 0", remaining)
		}

		// Each key has its own bucket of 5 (a token every 12 s), apart from
		// the IP's.
		keyed := []struct {
			name   string
			req    testenv.Request
			status int
		}{
			{"me", testenv.Request{Method: "GET", Path: "/api/v1/me", Role: "editor"}, http.StatusOK},
			{"invalid body", testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{}}, http.StatusUnprocessableEntity},
			{"wrong method", testenv.Request{Method: "PUT", Path: "/api/v1/claims", Role: "editor"}, http.StatusMethodNotAllowed},
			{"admin only", testenv.Request{Method: "GET", Path: "/api/v1/keys", Role: "editor"}, http.StatusForbidden},
			{"list", testenv.Request{Method: "GET", Path: "/api/v1/claims", Role: "editor"}, http.StatusOK},
		}
		for i, tt := range keyed {
			res := s.Do(tt.req)
			if res.Status != tt.status {
				t.Fatalf("editor %s: status %d, want %d: %s", tt.name, res.Status, tt.status, res.Body)
			}
			if limit, remaining, _ := secRateHeaders(t, "editor "+tt.name, res); limit != 5 || remaining != 4-i {
				t.Errorf("editor %s: limit %d remaining %d, want 5 and %d", tt.name, limit, remaining, 4-i)
			}
		}
		res = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/me", Role: "editor"})
		res.Problem(t, http.StatusTooManyRequests)
		if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 11 || ra > 12 {
			t.Errorf("editor Retry-After = %q, want 12", res.Header.Get("Retry-After"))
		}
		// Nothing is written past the limit.
		res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor",
			Body: map[string]any{"slug": "cupping", "name": "Cupping"}})
		res.Problem(t, http.StatusTooManyRequests)
		var n int64
		st.DB().Table("therapies").Where("slug = ?", "cupping").Count(&n)
		if n != 0 {
			t.Errorf("a rate-limited POST created %d therapies", n)
		}
		// Another key is unaffected.
		res = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/me", Role: "reader"})
		if _, remaining, _ := secRateHeaders(t, "reader", res); res.Status != http.StatusOK || remaining != 4 {
			t.Errorf("reader: status %d remaining %d, want 200 and 4", res.Status, remaining)
		}

		// Paths outside /api/v1 are neither limited nor labelled.
		for range 5 {
			res = s.Do(testenv.Request{Method: "GET", Path: "/healthz"})
			if res.Status != http.StatusOK || res.Header.Get("X-RateLimit-Limit") != "" {
				t.Fatalf("/healthz: status %d, X-RateLimit-Limit %q; want 200 and none", res.Status, res.Header.Get("X-RateLimit-Limit"))
			}
		}
	})
}

func TestRateLimitRefills(t *testing.T) {
	st := testenv.Open(t, testenv.Backends()[0])
	// 60 a minute: a token a second.
	s := testenv.NewServer(t, st, func(c *api.Config) { c.RateLimitAnon = 60 })
	for i := range 60 {
		if res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies"}); res.Status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies"})
	res.Problem(t, http.StatusTooManyRequests)
	if ra := res.Header.Get("Retry-After"); ra != "1" {
		t.Fatalf("Retry-After = %q, want 1", ra)
	}
	time.Sleep(1100 * time.Millisecond)
	res = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies"})
	if res.Status != http.StatusOK {
		t.Fatalf("after Retry-After: %d %s", res.Status, res.Body)
	}
	if _, remaining, _ := secRateHeaders(t, "after refill", res); remaining != 0 {
		t.Errorf("remaining after one refilled token = %d, want 0", remaining)
	}
}
