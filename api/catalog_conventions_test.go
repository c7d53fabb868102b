package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

var catalogLinkNextRE = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// catalogPage is one page of a walk through a list.
type catalogPage struct {
	ids        []int64
	nextCursor any    // the body's next_cursor: a string or nil
	link       string // the URL in the Link header, "" when absent
}

// walk follows Link headers from path to the last page (at most 20 pages).
func (e *catalogEnv) walk(path string) []catalogPage {
	e.t.Helper()
	var pages []catalogPage
	for path != "" && len(pages) < 20 {
		res := e.s.Do(testenv.Request{Method: "GET", Path: path})
		if res.Status != http.StatusOK {
			e.t.Fatalf("GET %s = %d %s", path, res.Status, res.Body)
		}
		p := catalogPage{ids: testenv.ListIDs(e.t, res.Want(e.t, 200)), nextCursor: res.JSON(e.t)["next_cursor"]}
		if h := res.Header.Get("Link"); h != "" {
			m := catalogLinkNextRE.FindStringSubmatch(h)
			if m == nil {
				e.t.Fatalf("GET %s: Link = %q, want <url>; rel=\"next\"", path, h)
			}
			p.link = m[1]
		}
		pages = append(pages, p)
		path = p.link
	}
	return pages
}

func TestCatalogPagination(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		var german, english []int64
		for i := range 7 {
			german = append(german, testenv.ID(e.claim(map[string]any{"text": fmt.Sprintf("Behauptung %d", i)})))
			if i%2 == 0 {
				english = append(english, testenv.ID(e.claim(map[string]any{"text": fmt.Sprintf("Claim %d", i), "language": "en"})))
			}
		}
		all := slices.Sorted(slices.Values(append(slices.Clone(german), english...)))
		var sources []int64
		for i := range 5 {
			sources = append(sources, testenv.ID(e.source(map[string]any{"title": fmt.Sprintf("Trial %d", i)})))
		}
		e.therapy("infusion-therapy", "Infusion therapy")
		e.therapy("acupuncture", "Acupuncture")

		tests := []struct {
			name  string
			path  string
			sizes []int
			want  []int64
			keep  map[string]string // query parameters every Link must carry
		}{
			{name: "claims filtered by language", path: "/api/v1/claims?language=de&limit=3", sizes: []int{3, 3, 1}, want: german, keep: map[string]string{"language": "de", "limit": "3"}},
			{name: "claims filtered by therapy alias", path: "/api/v1/claims?therapy=Mesotherapie&limit=4", sizes: []int{4, 4, 3}, want: all, keep: map[string]string{"therapy": "Mesotherapie", "limit": "4"}},
			{name: "claims with several filters", path: "/api/v1/claims?flag=ungraded&flag=unsupported&language=en&limit=1", sizes: []int{1, 1, 1, 1}, want: english,
				keep: map[string]string{"language": "en", "limit": "1"}},
			{name: "claims, a page exactly full", path: "/api/v1/claims?language=de&limit=7", sizes: []int{7}, want: german},
			{name: "claims, default limit", path: "/api/v1/claims", sizes: []int{len(all)}, want: all},
			{name: "sources", path: "/api/v1/sources?limit=2", sizes: []int{2, 2, 1}, want: sources, keep: map[string]string{"limit": "2"}},
			{name: "therapies", path: "/api/v1/therapies?limit=2", sizes: []int{2, 1}, keep: map[string]string{"limit": "2"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				pages := e.walk(tt.path)
				var sizes []int
				var got []int64
				for i, p := range pages {
					sizes = append(sizes, len(p.ids))
					got = append(got, p.ids...)
					last := i == len(pages)-1
					if last != (p.nextCursor == nil) || last != (p.link == "") {
						t.Errorf("page %d of %d: next_cursor = %v, Link = %q; want both absent exactly on the last page", i+1, len(pages), p.nextCursor, p.link)
					}
					if last {
						continue
					}
					u, err := url.Parse(p.link)
					if err != nil {
						t.Fatalf("Link URL %q: %v", p.link, err)
					}
					if u.Path != strings.SplitN(tt.path, "?", 2)[0] {
						t.Errorf("Link path = %q, want %q", u.Path, strings.SplitN(tt.path, "?", 2)[0])
					}
					if c := u.Query().Get("cursor"); c != p.nextCursor {
						t.Errorf("Link cursor = %q, want next_cursor %v", c, p.nextCursor)
					}
					for k, v := range tt.keep {
						if got := u.Query().Get(k); got != v {
							t.Errorf("Link %q: %s = %q, want %q (filters must carry over)", p.link, k, got, v)
						}
					}
					if strings.Contains(tt.path, "flag=") {
						if diff := cmp.Diff([]string{"ungraded", "unsupported"}, u.Query()["flag"]); diff != "" {
							t.Errorf("Link %q: repeated flag filter (-want +got):\n%s", p.link, diff)
						}
					}
					// The cursor in the body continues the same list as the Link.
					start, _ := url.Parse(tt.path)
					q := start.Query()
					q.Set("cursor", fmt.Sprint(p.nextCursor))
					viaCursor := testenv.ListIDs(t, e.s.Do(testenv.Request{Method: "GET", Path: u.Path + "?" + q.Encode()}).Want(t, 200))
					if diff := cmp.Diff(pages[i+1].ids, viaCursor); diff != "" {
						t.Errorf("page %d via next_cursor differs from via Link (-link +cursor):\n%s", i+2, diff)
					}
				}
				if diff := cmp.Diff(tt.sizes, sizes); diff != "" {
					t.Errorf("GET %s page sizes (-want +got):\n%s", tt.path, diff)
				}
				if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
					t.Errorf("GET %s ids = %v, want ascending without duplicates", tt.path, got)
				}
				if tt.want != nil {
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("GET %s ids over all pages (-want +got):\n%s", tt.path, diff)
					}
				}
			})
		}
	})
}

func TestCatalogETags(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		meso := e.mesotherapy()
		claim := e.claim(nil)
		src := e.source(map[string]any{"doi": "10.1155/2011/317183"})
		c, s := testenv.ID(claim), testenv.ID(src)
		article := testenv.ID(e.source(map[string]any{"kind": "web_article", "title": "Blog"}))
		second := testenv.ID(e.source(map[string]any{"kind": "news", "title": "News"}))
		e.appearance(c, article)
		var linkID int64
		if err := st.DB().Table("links").Select("id").Where("claim_id = ?", c).Scan(&linkID).Error; err != nil {
			t.Fatal(err)
		}

		dbVersion := func(table string, id int64) string {
			var v int64
			if err := st.DB().Table(table).Select("version").Where("id = ?", id).Scan(&v).Error; err != nil {
				t.Fatalf("read version: %v", err)
			}
			return strconv.Quote(strconv.FormatInt(v, 10))
		}
		tests := []struct {
			name      string
			get       string // the resource's URL
			table     string
			id        int64
			patchPath string
			patch     map[string]any
			document  bool // the GET embeds other records
		}{
			{name: "claim", document: true, get: fmt.Sprintf("/api/v1/claims/%d", c), table: "claims", id: c, patchPath: fmt.Sprintf("/api/v1/claims/%d", c), patch: map[string]any{"summary": "Injections barely hurt"}},
			{name: "source", document: true, get: fmt.Sprintf("/api/v1/sources/%d", s), table: "sources", id: s, patchPath: fmt.Sprintf("/api/v1/sources/%d", s), patch: map[string]any{"year": 2011}},
			{name: "therapy", get: "/api/v1/therapies/mesotherapy", table: "therapies", id: testenv.ID(meso), patchPath: "/api/v1/therapies/Mesotherapie", patch: map[string]any{"description": "Micro-injections."}},
			{name: "appearance", table: "links", id: linkID, patchPath: fmt.Sprintf("/api/v1/claims/%d/appearances/%d", c, linkID), patch: map[string]any{"locator": "paragraph 2"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tag := dbVersion(tt.table, tt.id)
				if tt.get != "" {
					res := e.s.Do(testenv.Request{Method: "GET", Path: tt.get})
					// A claim's and a source's GET is a document that embeds
					// other records: its ETag is "<version>-<digest>"
					// (etag_test.go checks the digest); PATCH takes it.
					if got := res.Header.Get("ETag"); tt.document && strings.HasPrefix(got, strings.TrimSuffix(tag, `"`)+"-") {
						tag = got
					}
					if res.Status != 200 || res.Header.Get("ETag") != tag {
						t.Fatalf("GET %s = %d ETag %q, want 200 ETag %s", tt.get, res.Status, res.Header.Get("ETag"), tag)
					}
					if v := res.JSON(t)["version"]; !strings.HasPrefix(tag, fmt.Sprintf(`"%v`, v)) {
						t.Errorf("GET %s version = %v, want it to match ETag %s", tt.get, v, tag)
					}
					for _, inm := range []string{tag, "W/" + tag, `"999", ` + tag, "*"} {
						res := e.s.Do(testenv.Request{Method: "GET", Path: tt.get, Headers: map[string]string{"If-None-Match": inm}})
						if res.Status != http.StatusNotModified || len(res.Body) != 0 || res.Header.Get("ETag") != tag {
							t.Errorf("GET %s If-None-Match %s = %d ETag %q body %q, want 304, ETag %s, empty body", tt.get, inm, res.Status, res.Header.Get("ETag"), res.Body, tag)
						}
					}
					if res := e.s.Do(testenv.Request{Method: "GET", Path: tt.get, Headers: map[string]string{"If-None-Match": `"999"`}}); res.Status != 200 || len(res.Body) == 0 {
						t.Errorf("GET %s with a stale If-None-Match = %d, want 200 with a body", tt.get, res.Status)
					}
				}
				res := e.s.Do(testenv.Request{Method: "PATCH", Path: tt.patchPath, Role: "editor", Body: tt.patch, Headers: map[string]string{"If-Match": tag}})
				if res.Status != 200 {
					t.Fatalf("PATCH %s = %d %s", tt.patchPath, res.Status, res.Body)
				}
				newTag := dbVersion(tt.table, tt.id)
				if newTag == tag || res.Header.Get("ETag") != newTag {
					t.Errorf("PATCH %s: ETag %q, version before %s and in the DB after %s; want a new ETag equal to the DB version", tt.patchPath, res.Header.Get("ETag"), tag, newTag)
				}
				if tt.get != "" {
					if res := e.s.Do(testenv.Request{Method: "GET", Path: tt.get, Headers: map[string]string{"If-None-Match": tag}}); res.Status != 200 {
						t.Errorf("GET %s If-None-Match with the old ETag = %d, want 200", tt.get, res.Status)
					}
				}
				// The old ETag no longer writes.
				if res := e.s.Do(testenv.Request{Method: "PATCH", Path: tt.patchPath, Role: "editor", Body: tt.patch, Headers: map[string]string{"If-Match": tag}}); res.Status != http.StatusPreconditionFailed {
					t.Errorf("PATCH %s with the old ETag = %d, want 412", tt.patchPath, res.Status)
				}
			})
		}

		t.Run("POST", func(t *testing.T) {
			for _, tt := range []struct {
				path, table string
				body        map[string]any
			}{
				{"/api/v1/claims", "claims", map[string]any{"therapy": "mesotherapy", "text": "Wirkt sofort.", "language": "de", "claim_type": "efficacy"}},
				{"/api/v1/sources", "sources", map[string]any{"kind": "cohort", "title": "Cohort"}},
				{"/api/v1/therapies", "therapies", map[string]any{"slug": "ozone-therapy", "name": "Ozone therapy"}},
				{fmt.Sprintf("/api/v1/claims/%d/appearances", c), "links", map[string]any{"source_id": second}},
			} {
				res := e.s.Do(testenv.Request{Method: "POST", Path: tt.path, Role: "editor", Body: tt.body})
				if res.Status != http.StatusCreated {
					t.Fatalf("POST %s = %d %s", tt.path, res.Status, res.Body)
				}
				id := testenv.ID(res.JSON(t))
				if want := dbVersion(tt.table, id); res.Header.Get("ETag") != want {
					t.Errorf("POST %s: ETag = %q, want %s (the stored version)", tt.path, res.Header.Get("ETag"), want)
				}
				if res.Header.Get("Location") == "" {
					t.Errorf("POST %s: no Location header", tt.path)
				}
			}
		})
	})
}

func TestCatalogRequestID(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
		tests := []struct {
			name   string
			method string
			path   string
			role   string
			body   any
			sent   string // "" sends none
			want   string // "" wants a generated id
			status int
		}{
			{name: "honoured", method: "GET", path: "/api/v1/claims", sent: "req-abc-123", want: "req-abc-123", status: 200},
			{name: "honoured on a 404", method: "GET", path: "/api/v1/claims/999", sent: "trace-42", want: "trace-42", status: 404},
			{name: "honoured on an unknown route", method: "GET", path: "/api/v1/nope", sent: "trace-43", want: "trace-43", status: 404},
			{name: "honoured on a write", method: "POST", path: "/api/v1/claims", role: "editor", sent: "write-1", want: "write-1", status: 201,
				body: map[string]any{"therapy": "mesotherapy", "text": "Hilft sofort.", "language": "de", "claim_type": "efficacy"}},
			{name: "generated", method: "GET", path: "/api/v1/claims", status: 200},
			{name: "generated on a 400", method: "GET", path: "/api/v1/claims?limit=0", status: 400},
			{name: "generated on a 401", method: "POST", path: "/api/v1/claims", role: "cg_not-a-key", body: map[string]any{}, status: 401},
			{name: "generated on a 405", method: "PUT", path: "/api/v1/claims", body: map[string]any{}, status: 405},
			{name: "replaced when it has spaces", method: "GET", path: "/healthz", sent: "a b", status: 200},
			{name: "replaced when too long", method: "GET", path: "/healthz", sent: strings.Repeat("x", 129), status: 200},
		}
		seen := map[string]bool{}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var h map[string]string
				if tt.sent != "" {
					h = map[string]string{"X-Request-ID": tt.sent}
				}
				res := e.s.Do(testenv.Request{Method: tt.method, Path: tt.path, Role: tt.role, Body: tt.body, Headers: h})
				if res.Status != tt.status {
					t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, res.Status, res.Body, tt.status)
				}
				got := res.Header.Get("X-Request-ID")
				switch {
				case tt.want != "" && got != tt.want:
					t.Errorf("X-Request-ID = %q, want %q", got, tt.want)
				case tt.want == "" && !hex16.MatchString(got):
					t.Errorf("X-Request-ID = %q, want 16 generated hex digits", got)
				case tt.want == "" && seen[got]:
					t.Errorf("X-Request-ID %q generated twice", got)
				}
				seen[got] = true
				if res.Status >= 400 {
					if p := res.JSON(t); p["request_id"] != got {
						t.Errorf("problem request_id = %v, want the X-Request-ID %q", p["request_id"], got)
					}
				}
				if tt.method == "POST" && res.Status == 201 {
					id := testenv.ID(res.JSON(t))
					if n := testenv.Count(e.t, e.st, "audit_events", "entity = ? AND entity_id = ? AND request_id = ?", "claim", id, got); n == 0 {
						t.Errorf("no audit event of claim %d records request id %q", id, got)
					}
				}
			})
		}
	})
}

func TestCatalogCORS(t *testing.T) {
	cfgFromEnv, err := api.LoadConfig(func(k string) string {
		if k == "CORS_ORIGINS" {
			return "https://app.example, https://admin.example"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"https://app.example", "https://admin.example"}, cfgFromEnv.CORSOrigins); diff != "" {
		t.Fatalf("LoadConfig CORS_ORIGINS (-want +got):\n%s", diff)
	}
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st, func(c *api.Config) { c.CORSOrigins = cfgFromEnv.CORSOrigins })
		tests := []struct {
			name      string
			method    string
			origin    string
			preflight bool
			status    int
			allowed   bool
		}{
			{name: "allowed origin", method: "GET", origin: "https://app.example", status: 200, allowed: true},
			{name: "second allowed origin", method: "GET", origin: "https://admin.example", status: 200, allowed: true},
			{name: "allowed preflight", method: "OPTIONS", origin: "https://app.example", preflight: true, status: 204, allowed: true},
			{name: "foreign origin", method: "GET", origin: "https://evil.example", status: 200},
			{name: "origin differing in scheme", method: "GET", origin: "http://app.example", status: 200},
			{name: "foreign preflight", method: "OPTIONS", origin: "https://evil.example", preflight: true, status: 403},
			{name: "no origin", method: "GET", status: 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := map[string]string{}
				if tt.origin != "" {
					h["Origin"] = tt.origin
				}
				if tt.preflight {
					h["Access-Control-Request-Method"] = "PATCH"
					h["Access-Control-Request-Headers"] = "authorization, content-type, if-match"
				}
				res := e.s.Do(testenv.Request{Method: tt.method, Path: "/api/v1/claims", Headers: h})
				if res.Status != tt.status {
					t.Fatalf("%s with Origin %q = %d %s, want %d", tt.method, tt.origin, res.Status, res.Body, tt.status)
				}
				acao := res.Header.Get("Access-Control-Allow-Origin")
				if want := map[bool]string{true: tt.origin}[tt.allowed]; acao != want {
					t.Errorf("Access-Control-Allow-Origin = %q, want %q", acao, want)
				}
				if !slices.Contains(res.Header.Values("Vary"), "Origin") {
					t.Errorf("Vary = %q, want it to include Origin", res.Header.Values("Vary"))
				}
				// Browsers read the exposed headers from the actual response,
				// never from a preflight; header names are case-insensitive.
				expose := testenv.HeaderNames(res.Header, "Access-Control-Expose-Headers")
				if tt.allowed && !tt.preflight {
					want := testenv.Canonical("ETag", "Link", "Location", "Retry-After", "X-Request-ID",
						"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
					if diff := cmp.Diff(want, expose); diff != "" {
						t.Errorf("Access-Control-Expose-Headers (-want +got):\n%s", diff)
					}
				} else if len(expose) != 0 {
					t.Errorf("%s got Access-Control-Expose-Headers %q", tt.name, expose)
				}
				if tt.preflight && tt.allowed {
					methods := testenv.HeaderList(res.Header, "Access-Control-Allow-Methods")
					for _, m := range []string{"GET", "POST", "PATCH", "DELETE", "PUT"} {
						if !slices.Contains(methods, m) {
							t.Errorf("Access-Control-Allow-Methods = %q, want %s", methods, m)
						}
					}
					want := testenv.Canonical("Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "X-Request-ID")
					if diff := cmp.Diff(want, testenv.HeaderNames(res.Header, "Access-Control-Allow-Headers")); diff != "" {
						t.Errorf("Access-Control-Allow-Headers (-want +got):\n%s", diff)
					}
					if len(res.Body) != 0 {
						t.Errorf("preflight body = %q, want empty", res.Body)
					}
				}
			})
		}
	})
}

func TestCatalogGzip(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		var ids []int64
		for i := range 60 {
			ids = append(ids, testenv.ID(e.claim(map[string]any{"text": fmt.Sprintf("Die Behandlung %d ist nahezu schmerzfrei und hilft bei Rückenschmerzen.", i),
				"text_en": "The treatment is almost painless and helps with back pain."})))
		}
		plain := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?limit=200"})
		if plain.Status != 200 || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("GET without Accept-Encoding = %d, Content-Encoding %q; want 200 uncompressed", plain.Status, plain.Header.Get("Content-Encoding"))
		}
		res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?limit=200", Headers: map[string]string{"Accept-Encoding": "gzip"}})
		if res.Status != 200 || res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET with Accept-Encoding: gzip = %d, Content-Encoding %q; want 200 gzip", res.Status, res.Header.Get("Content-Encoding"))
		}
		if !slices.Contains(res.Header.Values("Vary"), "Accept-Encoding") {
			t.Errorf("Vary = %q, want Accept-Encoding", res.Header.Values("Vary"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gunzip: %v", err)
		}
		if len(res.Body) >= len(body) {
			t.Errorf("compressed %d bytes >= plain %d bytes", len(res.Body), len(body))
		}
		var list struct {
			Data []struct {
				ID int64 `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatalf("gunzipped body is not JSON: %v", err)
		}
		var got []int64
		for _, d := range list.Data {
			got = append(got, d.ID)
		}
		if diff := cmp.Diff(ids, got); diff != "" {
			t.Errorf("gunzipped list ids (-want +got):\n%s", diff)
		}
		if !bytes.Equal(body, plain.Body) {
			t.Errorf("gunzipped body differs from the plain body")
		}

		// Over a real connection, a 304 and a 204 stay bodiless when the
		// client accepts gzip (as every browser does).
		srv := httptest.NewServer(e.s.Handler)
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		send := func(method, path string, h ...string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			for i := 0; i+1 < len(h); i += 2 {
				req.Header.Set(h[i], h[i+1])
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatalf("%s %s: read body: %v", method, path, err)
			}
			return res, b
		}
		claimPath := fmt.Sprintf("/api/v1/claims/%d", ids[0])
		first, _ := send("GET", claimPath)
		if first.StatusCode != 200 || first.Header.Get("ETag") == "" {
			t.Fatalf("GET %s = %d ETag %q", claimPath, first.StatusCode, first.Header.Get("ETag"))
		}
		if res, b := send("GET", claimPath, "If-None-Match", first.Header.Get("ETag")); res.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("GET %s If-None-Match over HTTP with gzip = %d with %d body bytes, want 304 and none", claimPath, res.StatusCode, len(b))
		}
		if res, b := send("DELETE", claimPath, "Authorization", "Bearer "+e.s.Keys["editor"]); res.StatusCode != http.StatusNoContent || len(b) != 0 {
			t.Errorf("DELETE %s over HTTP with gzip = %d with %d body bytes, want 204 and none", claimPath, res.StatusCode, len(b))
		}
	})
}

func TestCatalogHealthAndUnavailable(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		claim := e.claim(nil)
		for _, path := range []string{"/healthz", "/readyz"} {
			res := e.s.Do(testenv.Request{Method: "GET", Path: path})
			if res.Status != 200 || res.JSON(t)["status"] != "ok" {
				t.Errorf("GET %s = %d %s, want 200 {status: ok}", path, res.Status, res.Body)
			}
		}
		if err := st.Close(); err != nil {
			t.Fatalf("close store: %v", err)
		}
		tests := []struct {
			name   string
			method string
			path   string
			role   string
			body   any
			status int
		}{
			{name: "liveness still answers", method: "GET", path: "/healthz", status: 200},
			{name: "readiness", method: "GET", path: "/readyz", status: 503},
			{name: "list claims", method: "GET", path: "/api/v1/claims", status: 503},
			{name: "get claim", method: "GET", path: fmt.Sprintf("/api/v1/claims/%d", testenv.ID(claim)), status: 503},
			{name: "get therapy", method: "GET", path: "/api/v1/therapies/mesotherapy", status: 503},
			{name: "list sources", method: "GET", path: "/api/v1/sources?kind=rct", status: 503},
			{name: "read with a key", method: "GET", path: "/api/v1/claims", role: "reader", status: 503},
			{name: "write", method: "POST", path: "/api/v1/sources", role: "editor", body: map[string]any{"kind": "rct", "title": "T"}, status: 503},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				done := make(chan *testenv.Response, 1)
				go func() {
					done <- e.s.Do(testenv.Request{Method: tt.method, Path: tt.path, Role: tt.role, Body: tt.body})
				}()
				var res *testenv.Response
				select {
				case res = <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("%s %s with the database closed did not answer within 10s", tt.method, tt.path)
				}
				if tt.status != 503 {
					if res.Status != tt.status {
						t.Errorf("%s %s = %d, want %d", tt.method, tt.path, res.Status, tt.status)
					}
					return
				}
				p := catalogCheckProblem(t, res, http.StatusServiceUnavailable)
				if p["type"] != "/problems/unavailable" {
					t.Errorf("type = %v, want /problems/unavailable", p["type"])
				}
				if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra <= 0 {
					t.Errorf("Retry-After = %q, want a positive number of seconds", res.Header.Get("Retry-After"))
				}
			})
		}
	})
}

func TestCatalogDocs(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		res := e.s.Do(testenv.Request{Method: "GET", Path: "/swagger/index.html"})
		if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !bytes.Contains(res.Body, []byte("swagger-ui")) {
			t.Errorf("GET /swagger/index.html = %d %q, want 200 HTML with Swagger UI", res.Status, res.Header.Get("Content-Type"))
		}
		for _, tt := range []struct {
			path, key, prefix string
		}{
			{"/swagger/doc.json", "swagger", "2.0"}, // Swagger 2.0, as DESIGN.md says
			{"/openapi.json", "openapi", "3."},
		} {
			res := e.s.Do(testenv.Request{Method: "GET", Path: tt.path})
			if res.Status != 200 {
				t.Errorf("GET %s = %d, want 200", tt.path, res.Status)
				continue
			}
			var doc struct {
				Version string                               `json:"-"`
				Paths   map[string]map[string]map[string]any `json:"paths"`
			}
			m := res.JSON(t)
			if v, _ := m[tt.key].(string); !strings.HasPrefix(v, tt.prefix) {
				t.Errorf("GET %s: %s = %v, want %s...", tt.path, tt.key, m[tt.key], tt.prefix)
			}
			res.Decode(t, &doc)
			for _, p := range []string{"/api/v1/claims", "/api/v1/claims/{id}", "/api/v1/claims/{id}/appearances", "/api/v1/claims/{id}/appearances/{aid}", "/api/v1/claims/{id}/rating",
				"/api/v1/sources", "/api/v1/sources/{id}", "/api/v1/therapies", "/api/v1/therapies/{slug}", "/healthz", "/readyz"} {
				ops, ok := doc.Paths[p]
				if !ok {
					t.Errorf("GET %s: no path %s", tt.path, p)
				}
				for method, op := range ops {
					if method == "parameters" {
						continue
					}
					if id, _ := op["operationId"].(string); id == "" {
						t.Errorf("GET %s: %s %s has no operationId", tt.path, method, p)
					}
				}
			}
		}
	})
}
