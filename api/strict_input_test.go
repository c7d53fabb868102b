package api_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// routePath is a request path for a gin route: every parameter 1, Swagger
// UI's file index.html.
func routePath(route string) string {
	route = strings.Replace(route, "*any", "index.html", 1)
	return regexp.MustCompile(`:[a-z]+`).ReplaceAllString(route, "1")
}

// queryProblem asserts a 400 problem whose one error names field.
func queryProblem(t *testing.T, what string, res *testenv.Response, field string) {
	t.Helper()
	if res.Status != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("%s = %d %s %.300s, want a 400 problem naming %s", what, res.Status, res.Header.Get("Content-Type"), res.Body, field)
		return
	}
	if got := testenv.ProblemFields(res.JSON(t)); !slices.Equal(got, []string{field}) {
		t.Errorf("%s: problem fields %v, want [%s]", what, got, field)
	}
}

// TestEveryRouteRefusesUnknownQuery walks every route of api/routes.go
// (the router's own list, so that a route added later is walked too): a
// query parameter its operation does not document is a 400 problem naming
// it, and a documented parameter that is not a list, given twice, is a 400
// naming it, on every route, the pages, Swagger UI, /metrics and the
// CodeSystem included.
func TestEveryRouteRefusesUnknownQuery(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		doc, _ := testenv.Spec(t)
		routes := s.Handler.(*gin.Engine).Routes()
		if len(routes) < 60 {
			t.Fatalf("%d routes, want every route of api/routes.go", len(routes))
		}
		for _, r := range routes {
			path := routePath(r.Path)
			res := s.Do(testenv.Request{Method: r.Method, Path: path + "?zz_unknown=1", Role: "admin"})
			queryProblem(t, r.Method+" "+path+"?zz_unknown=1", res, "zz_unknown")
			res = s.Do(testenv.Request{Method: r.Method, Path: path + "?zz_unknown=1&limit=1", Role: "admin"})
			if res.Status != http.StatusBadRequest {
				t.Errorf("%s %s?zz_unknown=1&limit=1 = %d, want 400", r.Method, path, res.Status)
			}

			op := doc.Paths.Find(strings.NewReplacer(":id", "{id}", ":aid", "{aid}", ":fid", "{fid}", ":sid", "{sid}", ":slug", "{slug}").Replace(r.Path))
			if op == nil || op.GetOperation(r.Method) == nil {
				continue
			}
			for _, p := range op.GetOperation(r.Method).Parameters {
				if p.Value.In != "query" || p.Value.Schema.Value.Type.Is("array") {
					continue
				}
				name := p.Value.Name
				q := url.Values{name: {"1", "1"}}.Encode()
				queryProblem(t, r.Method+" "+path+"?"+q, s.Do(testenv.Request{Method: r.Method, Path: path + "?" + q, Role: "admin"}), name)
			}
		}
		// A list parameter may repeat (its repeats are de-duplicated).
		if res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?flag=ungraded&flag=ungraded"}); res.Status != http.StatusOK {
			t.Errorf("flag twice = %d %s, want 200", res.Status, res.Body)
		}
	})
}

// documentedQueryParams lists every documented query parameter of type t
// with the operation's path and method.
func documentedQueryParams(doc *openapi3.T, typ string) [][3]string {
	var out [][3]string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value.In == "query" && p.Value.Schema.Value.Type.Is(typ) {
					out = append(out, [3]string{method, path, p.Value.Name})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b [3]string) int { return strings.Compare(a[1]+a[0]+a[2], b[1]+b[0]+b[2]) })
	return out
}

// TestQueryNumbersAreStrict: every documented integer query parameter of
// every operation (limit, after, question) takes decimal digits only: a
// sign, a leading zero, a fraction, an exponent, a space, an empty value
// or a number beyond int64 is a 400 naming the parameter; every boolean
// one takes true or false only.
func TestQueryNumbersAreStrict(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		doc, _ := testenv.Spec(t)
		request := func(method, path, q string) *testenv.Response {
			path = regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(path, "1")
			r := testenv.Request{Method: strings.ToUpper(method), Path: path + "?" + q, Role: "admin"}
			if r.Method == "POST" {
				r.Body, r.Headers = "", map[string]string{"Content-Type": "application/x-ndjson"}
			}
			return s.Do(r)
		}
		ints := documentedQueryParams(doc, "integer")
		if len(ints) < 10 {
			t.Fatalf("%d integer query parameters documented, want every limit, after and question", len(ints))
		}
		for _, p := range ints {
			for _, v := range []string{"+1", "01", "007", "1.0", "1e2", " 1", "1 ", "", "0x1", "١", "99999999999999999999", "-1"} {
				q := url.Values{p[2]: {v}}.Encode()
				queryProblem(t, fmt.Sprintf("%s %s?%s", p[0], p[1], q), request(p[0], p[1], q), p[2])
			}
		}
		bools := documentedQueryParams(doc, "boolean")
		if len(bools) < 2 {
			t.Fatalf("%d boolean query parameters documented, want retracted and dry_run", len(bools))
		}
		for _, p := range bools {
			for _, v := range []string{"1", "TRUE", "True", "t", "yes", ""} {
				q := url.Values{p[2]: {v}}.Encode()
				queryProblem(t, fmt.Sprintf("%s %s?%s", p[0], p[1], q), request(p[0], p[1], q), p[2])
			}
		}
		// The spellings that are numbers work (a position beyond the
		// feed's head is a 410 telling the partner to resynchronise, not a
		// 400 about its spelling).
		for q, want := range map[string]int{"limit=1": http.StatusOK, "limit=200": http.StatusOK, "after=0": http.StatusOK,
			"after=9223372036854775807": http.StatusGone} {
			if res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes?" + q}); res.Status != want {
				t.Errorf("GET /api/v1/changes?%s = %d %s, want %d", q, res.Status, res.Body, want)
			}
		}
	})
}

// TestSwaggerUnknownFileIsProblem: under /swagger/ only Swagger UI's files
// exist; anything else is the API's 404 problem, not gin-swagger's plain
// text (nor index.html served for a path that merely ends in it).
func TestSwaggerUnknownFileIsProblem(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		for _, path := range []string{"/swagger/nope", "/swagger/", "/swagger/x/index.html", "/swagger/index.html/x", "/swagger/doc.jsonx"} {
			res := s.Do(testenv.Request{Method: "GET", Path: path})
			p := res.Problem(t, http.StatusNotFound)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || p["type"] != "/problems/not-found" {
				t.Errorf("GET %s = %s %v, want a not-found problem", path, res.Header.Get("Content-Type"), p)
			}
		}
		for path, ct := range map[string]string{"/swagger/index.html": "text/html", "/swagger/doc.json": "application/json",
			"/swagger/swagger-ui-bundle.js": "application/javascript", "/swagger/favicon-32x32.png": "image/png"} {
			if res := s.Do(testenv.Request{Method: "GET", Path: path}); res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), ct) {
				t.Errorf("GET %s = %d %q, want 200 %s", path, res.Status, res.Header.Get("Content-Type"), ct)
			}
		}
	})
}

// integerFields lists the integer members of a request body schema (array
// items included) by path, with their schemas.
func integerFields(prefix string, s *openapi3.Schema, out map[string]*openapi3.Schema) {
	if s == nil {
		return
	}
	switch {
	case s.Type.Is("integer"):
		out[prefix] = s
	case s.Type.Is("array") && s.Items != nil:
		integerFields(prefix+"[]", s.Items.Value, out)
	}
	for name, p := range s.Properties {
		integerFields(strings.TrimPrefix(prefix+"."+name, "."), p.Value, out)
	}
	for _, x := range slices.Concat(s.AllOf, s.OneOf, s.AnyOf) {
		integerFields(prefix, x.Value, out)
	}
}

// TestBodyIntegersAreBounded: every integer member of every JSON request
// body the document describes has a documented minimum, and every one that
// is not an id a maximum; the server holds to them with a problem naming
// the field (2^63-1 studies is a 422, not a finding).
func TestBodyIntegersAreBounded(t *testing.T) {
	doc, _ := testenv.Spec(t)
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
				continue
			}
			fields := map[string]*openapi3.Schema{}
			integerFields("", op.RequestBody.Value.Content.Get("application/json").Schema.Value, fields)
			for name, s := range fields {
				n++
				if s.Min == nil {
					t.Errorf("%s %s: %s has no minimum", method, path, name)
				}
				if s.Max == nil && !strings.HasSuffix(name, "_id") && name != "includes[]" && name != "source_ids[]" {
					t.Errorf("%s %s: %s has no maximum", method, path, name)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("%d integer body fields found, want the findings' counts, the sources' years and the ids", n)
	}

	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2)
		q := e.question(nil)
		base := map[string]any{"question_id": q, "summary": "Pooled.", "measure": "proportion", "estimate": 0.5}
		for _, tt := range []struct {
			field string
			value any
		}{
			{"studies", int64(math.MaxInt64)},
			{"studies", 100_001},
			{"participants", 100_000_001},
			{"events", 100_000_001},
		} {
			body := merge(base, map[string]any{tt.field: tt.value})
			if tt.field == "events" {
				body["participants"] = 100_000_000
			}
			got := e.problemFields(http.StatusUnprocessableEntity, "POST", "/api/v1/findings", body)
			if !slices.Contains(got, tt.field) {
				t.Errorf("POST finding with %s=%v: fields %v, want %s", tt.field, tt.value, got, tt.field)
			}
		}
		f := id(e.finding(q, map[string]any{"measure": "proportion", "estimate": 0.5, "participants": 100_000_000, "events": 3, "studies": 100_000}))
		_, tag := e.get(f)
		res := e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/findings/%d", f), Role: "editor",
			Body: map[string]any{"studies": int64(math.MaxInt64)}, Headers: map[string]string{"If-Match": tag}})
		if got := testenv.ProblemFields(res.Problem(t, http.StatusUnprocessableEntity)); !slices.Equal(got, []string{"studies"}) {
			t.Errorf("PATCH studies=2^63-1: fields %v", got)
		}
		if got := e.problemFields(http.StatusUnprocessableEntity, "POST", "/api/v1/sources", map[string]any{"kind": "rct", "title": "T", "year": 10000}); !slices.Equal(got, []string{"year"}) {
			t.Errorf("POST source year=10000: fields %v", got)
		}
	})
}
