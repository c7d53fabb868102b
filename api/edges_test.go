package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// TestStatusesAreDocumented walks every /api/v1 route and sends it what
// the middleware and the shared request checks answer before a handler's
// own logic: a query string that does not parse, a bad key, a path id that
// is not digits, a body over the limit, the wrong role, If-Match: *, a
// non-JSON body. The test client validates each response against the
// OpenAPI document, status included, so a status the server answers but
// the document does not list fails here.
func TestStatusesAreDocumented(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		// The import has a cap of its own (IMPORT_MAX_BYTES), small here so
		// that a body over it stays cheap to send.
		s := testenv.NewServer(t, st, func(c *api.Config) { c.ImportMaxBytes = 64 << 10 })
		e := &reprEnv{t: t, s: s}
		f := newReprFixture(e)
		engine, ok := s.Handler.(*gin.Engine)
		if !ok {
			t.Fatalf("the server is a %T, not a *gin.Engine", s.Handler)
		}
		path := func(route string, badID bool) string {
			var parts []string
			for _, seg := range strings.Split(route, "/") {
				switch {
				case badID && strings.HasPrefix(seg, ":") && seg != ":slug":
					seg = "+1"
				case seg == ":slug":
					seg = "mesotherapy"
				case seg == ":aid":
					seg = fmt.Sprint(f.appears)
				case seg == ":fid":
					seg = fmt.Sprint(f.finding)
				case seg == ":sid":
					seg = fmt.Sprint(f.rct)
				case seg == ":id" && strings.HasPrefix(route, "/api/v1/findings"):
					seg = fmt.Sprint(f.finding)
				case seg == ":id" && strings.HasPrefix(route, "/api/v1/questions"):
					seg = fmt.Sprint(f.question)
				case seg == ":id" && strings.HasPrefix(route, "/api/v1/sources"):
					seg = fmt.Sprint(f.rct)
				case seg == ":id" && (strings.HasPrefix(route, "/api/v1/keys") || strings.HasPrefix(route, "/api/v1/webhooks")):
					seg = "999999" // never revoke a test key
				case seg == ":id":
					seg = fmt.Sprint(f.claim)
				}
				parts = append(parts, seg)
			}
			return strings.Join(parts, "/")
		}
		role := func(r gin.RouteInfo) string {
			switch {
			case r.Method == "GET" && !strings.HasPrefix(r.Path, "/api/v1/keys") && !strings.HasPrefix(r.Path, "/api/v1/webhooks") && !strings.Contains(r.Path, "assessments"):
				return ""
			case strings.HasPrefix(r.Path, "/api/v1/keys"), strings.HasPrefix(r.Path, "/api/v1/webhooks"):
				return "admin"
			case strings.Contains(r.Path, "assessments"):
				return "reviewer"
			}
			return "editor"
		}
		walked := 0
		for _, r := range engine.Routes() {
			if !strings.HasPrefix(r.Path, "/api/v1/") {
				continue
			}
			walked++
			t.Run(r.Method+" "+r.Path, func(t *testing.T) {
				p := path(r.Path, false)
				if res := s.Do(testenv.Request{Method: r.Method, Path: p + "?cursor=%%%x", Role: role(r)}); res.Status != http.StatusBadRequest {
					t.Errorf("bad percent-encoding: %d, want 400", res.Status)
				}
				if res := s.Do(testenv.Request{Method: r.Method, Path: p, Role: "cg_not_a_key"}); res.Status != http.StatusUnauthorized {
					t.Errorf("bad key: %d, want 401", res.Status)
				}
				if strings.Contains(r.Path, "/:id") || strings.Contains(r.Path, ":link_id") {
					if res := s.Do(testenv.Request{Method: r.Method, Path: path(r.Path, true), Role: role(r)}); res.Status != http.StatusNotFound {
						t.Errorf("signed id: %d, want 404", res.Status)
					}
				}
				limit := s.Config.MaxBodyBytes
				if r.Path == "/api/v1/import" {
					limit = s.Config.ImportMaxBytes
				}
				big := bytes.Repeat([]byte(" "), int(limit)+1)
				if res := s.Do(testenv.Request{Method: r.Method, Path: p, Role: role(r), Body: big}); res.Status != http.StatusRequestEntityTooLarge {
					t.Errorf("body over the limit: %d, want 413", res.Status)
				}
				if role(r) != "" {
					s.Do(testenv.Request{Method: r.Method, Path: p, Role: "reader"})
				}
				if r.Method != "GET" {
					s.Do(testenv.Request{Method: r.Method, Path: p, Role: role(r), Headers: map[string]string{"If-Match": "*"}})
					s.Do(testenv.Request{Method: r.Method, Path: p, Role: role(r), Body: "x=1",
						Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "If-Match": "*"}})
				}
			})
		}
		if walked < 20 {
			t.Errorf("walked %d /api/v1 routes, want them all", walked)
		}
	})
}

// TestPathIDs: an id is decimal digits without sign or leading zero.
func TestPathIDs(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := &reprEnv{t: t, s: testenv.NewServer(t, st)}
		f := newReprFixture(e)
		for _, bad := range []string{"+1", "-1", "01", "0", "1.0", "1e0", "0x1", "%201", "99999999999999999999"} {
			e.s.Do(testenv.Request{Method: "DELETE", Path: "/api/v1/keys/" + bad, Role: "admin"}).Problem(t, http.StatusNotFound)
			e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims/" + strings.Replace(bad, "1", fmt.Sprint(f.claim), 1)}).Problem(t, http.StatusNotFound)
		}
		if k := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/keys/1", Role: "admin"}).Want(e.t, 200); k["revoked_at"] != nil {
			t.Errorf("key 1 after DELETE /api/v1/keys/+1: revoked_at = %v, want null", k["revoked_at"])
		}
		e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", f.claim)}).Want(e.t, 200)
	})
}

// TestQueryMustParse: a query string with bad percent-encoding is a 400,
// never a silently dropped parameter.
func TestQueryMustParse(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := &reprEnv{t: t, s: testenv.NewServer(t, st)}
		newReprFixture(e)
		for _, q := range []string{"cursor=%%%x", "cursor=%zz", "q=%", "limit=1;cursor=x", "%=1"} {
			p := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?" + q}).Problem(t, http.StatusBadRequest)
			if diff := cmp.Diff([]string{"query"}, testenv.ProblemFields(p)); diff != "" {
				t.Errorf("GET /api/v1/claims?%s: error fields (-want +got):\n%s", q, diff)
			}
		}
		if res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?q=%C3%BC%20x&limit=5"}); res.Status != 200 {
			t.Errorf("well-encoded query = %d, want 200", res.Status)
		}
	})
}

// TestUnexpectedAuthenticationError: a key look-up that fails for a reason
// the error table does not know is logged with the request id and answered
// 500, not passed off as an unavailable database.
func TestUnexpectedAuthenticationError(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		cfg, err := api.LoadConfig(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		h, err := api.NewServer(cfg, st, slog.New(slog.NewJSONHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := st.CreateKey(context.Background(), store.System("test"), "editor", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		drop := "DROP TABLE api_keys"
		if testenv.Postgres(st) {
			drop += " CASCADE"
		}
		if err := st.DB().Exec(drop).Error; err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/api/v1/claims", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-Request-ID", "auth-broken-1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusInternalServerError || rec.Header().Get("Retry-After") != "" {
			t.Errorf("GET with a key while the key table is gone = %d (Retry-After %q), want 500 without Retry-After; body %s",
				rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		if strings.Contains(rec.Body.String(), "api_keys") {
			t.Errorf("the 500 leaks the database error: %s", rec.Body)
		}
		var logged bool
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "internal error" && m["request_id"] == "auth-broken-1" &&
				m["level"] == "ERROR" && strings.Contains(fmt.Sprint(m["err"]), "api_keys") {
				logged = true
			}
		}
		if !logged {
			t.Errorf("no ERROR line with the request id and the cause in the log:\n%s", logs.String())
		}
	})
}

// TestUnknownMembers: every unknown member is reported by its path, nested
// ones too, and names match exactly (encoding/json alone would take "Text"
// for "text").
func TestUnknownMembers(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := &reprEnv{t: t, s: testenv.NewServer(t, st)}
		newReprFixture(e)
		tests := []struct {
			name, path string
			body       any
			want       []string
		}{
			{"nested alias member", "/api/v1/therapies", map[string]any{"slug": "ozone", "name": "Ozone",
				"aliases": []map[string]any{{"alias": "Ozon"}, {"alias": "ozono", "lang": "it"}}}, []string{"aliases[1].lang"}},
			{"case variant", "/api/v1/claims", map[string]any{"therapy": "mesotherapy", "Text": "x y z", "language": "de", "claim_type": "safety"}, []string{"Text"}},
			{"every unknown member", "/api/v1/sources", map[string]any{"kind": "rct", "title": "T", "journal": "J", "verdict": "supported"}, []string{"journal", "verdict"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := e.count("SELECT count(*) FROM therapies") + e.count("SELECT count(*) FROM claims") + e.count("SELECT count(*) FROM sources")
				p := e.s.Do(testenv.Request{Method: "POST", Path: tt.path, Role: "editor", Body: tt.body}).Problem(t, http.StatusBadRequest)
				got := testenv.ProblemFields(p)
				slices.Sort(got)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("POST %s: error fields (-want +got):\n%s", tt.path, diff)
				}
				if after := e.count("SELECT count(*) FROM therapies") + e.count("SELECT count(*) FROM claims") + e.count("SELECT count(*) FROM sources"); after != before {
					t.Errorf("POST %s refused but the database changed", tt.path)
				}
			})
		}
	})
}

func (e *reprEnv) count(query string) int64 {
	e.t.Helper()
	var n int64
	if err := e.s.Store.DB().Raw(query).Scan(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestPublicReadsDeclareOptionalKey: in both served documents, the public
// reads take the key as optional and everything else requires it, so that
// Swagger UI sends the key to reads when PUBLIC_READ=false.
func TestPublicReadsDeclareOptionalKey(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st, func(c *api.Config) { c.PublicRead = false })
		for _, doc := range []string{"/swagger/doc.json", "/openapi.json"} {
			res := s.Do(testenv.Request{Method: "GET", Path: doc})
			var d struct {
				Paths map[string]map[string]struct {
					OperationID string                `json:"operationId"`
					Security    []map[string][]string `json:"security"`
				} `json:"paths"`
			}
			res.Decode(t, &d)
			optional := []map[string][]string{{}, {"ApiKeyAuth": {}}}
			required := []map[string][]string{{"ApiKeyAuth": {}}}
			n := 0
			for path, ops := range d.Paths {
				if !strings.HasPrefix(path, "/api/v1/") {
					continue
				}
				for method, op := range ops {
					want := required
					if method == "get" && !strings.HasPrefix(path, "/api/v1/keys") && !strings.HasPrefix(path, "/api/v1/webhooks") && path != "/api/v1/me" && !strings.Contains(path, "assessments") {
						want, n = optional, n+1
					}
					if diff := cmp.Diff(want, op.Security); diff != "" {
						t.Errorf("%s %s %s security (-want +got):\n%s", doc, method, path, diff)
					}
				}
			}
			if n < 9 {
				t.Errorf("%s: %d public reads, want at least 9", doc, n)
			}
		}
		// The reads the document calls optional do need the key here.
		if res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims"}); res.Status != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/claims without a key, PUBLIC_READ=false = %d, want 401", res.Status)
		}
		if res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims", Role: "reader"}); res.Status != http.StatusOK {
			t.Errorf("GET /api/v1/claims with a key, PUBLIC_READ=false = %d, want 200", res.Status)
		}
	})
}
