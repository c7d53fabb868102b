package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestQueryLimits: anonymous input cannot make a query that holds a
// connection: repeated filter values are de-duplicated and capped, q is
// length-capped, each with a 400 that names the limit.
func TestQueryLimits(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		secSeedClaim(t, s)
		// 3,000 repeats of one flag are one filter: a quick, correct answer.
		start := time.Now()
		res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?" + strings.Repeat("flag=ungraded&", 3000) + "limit=5"})
		res.Want(t, http.StatusOK)
		if n := len(res.JSON(t)["data"].([]any)); n != 1 {
			t.Errorf("3,000 repeats of flag=ungraded: %d claims, want 1", n)
		}
		t.Logf("3,000 repeated flags answered in %v", time.Since(start))
		// Two flags, repeated, still both hold.
		res = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?" + strings.Repeat("flag=ungraded&flag=unsupported&", 500)})
		res.Want(t, http.StatusOK)

		var many []string
		for i := range api.MaxQueryValues + 1 {
			many = append(many, fmt.Sprintf("flag=f%d", i))
		}
		tests := []struct {
			name, query, field, limit string
		}{
			{"too many different flags", strings.Join(many, "&"), "flag", fmt.Sprint(api.MaxQueryValues)},
			{"q too long", "q=" + strings.Repeat("é", api.MaxSearchLength+1), "q", fmt.Sprint(api.MaxSearchLength)},
			{"50,001 characters of q", "q=" + strings.Repeat("%25", 50001), "q", fmt.Sprint(api.MaxSearchLength)},
		}
		for _, tt := range tests {
			for _, path := range []string{"/api/v1/claims", "/api/v1/sources"} {
				if tt.field == "flag" && path == "/api/v1/sources" {
					continue
				}
				p := s.Do(testenv.Request{Method: "GET", Path: path + "?" + tt.query}).Problem(t, http.StatusBadRequest)
				errs, _ := p["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["field"] != tt.field || !strings.Contains(fmt.Sprint(p["detail"]), tt.limit) {
					t.Errorf("%s on %s: %v, want one error on %s and a detail naming %s", tt.name, path, p, tt.field, tt.limit)
				}
			}
		}
		// At the limit, q works (accents count as one character each).
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?q=" + url.QueryEscape(strings.Repeat("é", api.MaxSearchLength))}).Want(t, http.StatusOK)
	})
}

// TestControlCharacters: text fields refuse control characters other than
// tab and newline (422 naming the field and the character); tab and
// newline are kept.
func TestControlCharacters(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		secSeedClaim(t, s)
		tests := []struct {
			name, text string
			ok         bool
			char       string
		}{
			{"tab and newline", `line one\n\tline two`, true, ""},
			{"carriage return", `line one\r\nline two`, false, "U+000D"},
			{"escape", `\u001b[31mred`, false, "U+001B"},
			{"NUL", `a\u0000b`, false, "NUL"},
			{"DEL", "a\u007fb", false, "U+007F"},
			{"C1 next line", `a\u0085b`, false, "U+0085"},
			{"other Unicode", `Schmerzfrei — 75 % ✓`, true, ""},
		}
		for _, tt := range tests {
			res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor",
				Body: `{"kind":"news","title":"` + tt.text + `"}`})
			if tt.ok {
				res.Want(t, http.StatusCreated)
				continue
			}
			p := res.Problem(t, http.StatusUnprocessableEntity)
			errs, _ := p["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["field"] != "title" || !strings.Contains(fmt.Sprint(errs[0]), tt.char) {
				t.Errorf("%s: %v, want one error on title naming %s", tt.name, p, tt.char)
			}
		}
		if n := testenv.Count(t, st, "sources", "title LIKE ?", "%line two"); n != 1 {
			t.Errorf("%d sources kept the tab and newline, want 1", n)
		}
	})
}
