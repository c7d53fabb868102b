package api

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/handlers"
	"claimgrade/models"
)

// TestAnonymousLimits: a request without a key gets the shorter deadline
// and one of share slots; one that finds no slot before its deadline is a
// 503 with Retry-After; a keyed request is never held back.
func TestAnonymousLimits(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	const timeout = 200 * time.Millisecond
	release := make(chan struct{})
	r := gin.New()
	r.Use(func(c *gin.Context) {
		if c.GetHeader("Authorization") != "" {
			handlers.SetPrincipal(c, handlers.Principal{User: models.User{Name: "editor", Role: models.RoleEditor}, KeyID: 1})
		}
	}, anonymousLimits(timeout, 1))
	var deadline time.Duration
	r.GET("/slow", func(c *gin.Context) {
		d, _ := c.Request.Context().Deadline()
		deadline = time.Until(d)
		<-release
		c.Status(http.StatusOK)
	})
	r.GET("/fast", func(c *gin.Context) { c.Status(http.StatusOK) })
	do := func(path string, keyed bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if keyed {
			req.Header.Set("Authorization", "Bearer x")
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var slow *httptest.ResponseRecorder
	go func() { defer wg.Done(); slow = do("/slow", false) }()
	time.Sleep(50 * time.Millisecond) // the slow request holds the only slot
	start := time.Now()
	if w := do("/fast", false); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("anonymous request without a slot: %d Retry-After %q, want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	if waited := time.Since(start); waited > 2*timeout {
		t.Errorf("refused after %v, want within about %v", waited, timeout)
	}
	if w := do("/fast", true); w.Code != http.StatusOK {
		t.Errorf("keyed request while anonymous slots are full: %d, want 200", w.Code)
	}
	close(release)
	wg.Wait()
	if slow.Code != http.StatusOK || deadline > timeout || deadline <= 0 {
		t.Errorf("slow anonymous request: %d with a deadline %v away, want 200 and at most %v", slow.Code, deadline, timeout)
	}
	if w := do("/fast", false); w.Code != http.StatusOK {
		t.Errorf("anonymous request after the slot freed: %d, want 200", w.Code)
	}
}
