package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"claimgrade/api"
	"claimgrade/models"
	"claimgrade/store"
)

// Server is the real router over a test database, with one API key per
// role.
type Server struct {
	T       testing.TB
	Store   *store.Store
	Handler http.Handler
	Config  api.Config
	// Keys by role: "reader", "reviewer", "editor", "admin"; users are named
	// after their role.
	Keys map[string]string
	// Validate responses against the OpenAPI document (on by default).
	Validate bool
}

var (
	specOnce sync.Once
	spec     *openapi3.T
	router   routers.Router
	specErr  error
)

// Spec is the served OpenAPI 3 document, parsed and validated once.
func Spec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		// Server-rendered pages (text/html) are validated as strings.
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		// The bulk export and import: NDJSON, documented as a string.
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
		raw, err := api.OpenAPI3()
		if err != nil {
			specErr = err
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(raw)
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = err
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://example.com/"}}
		router, specErr = gorillamux.NewRouter(doc)
		spec = doc
	})
	if specErr != nil {
		t.Fatalf("OpenAPI document: %v", specErr)
	}
	return spec, router
}

// NewServer builds the API over st with the default configuration, changed
// by configure when given, and issues one key per role.
func NewServer(t testing.TB, st *store.Store, configure ...func(*api.Config)) *Server {
	t.Helper()
	return NewServerLog(t, st, slog.New(slog.DiscardHandler), configure...)
}

// NewServerLog is NewServer with the server logging to log.
func NewServerLog(t testing.TB, st *store.Store, log *slog.Logger, configure ...func(*api.Config)) *Server {
	t.Helper()
	cfg, err := api.LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.RateLimitKey, cfg.RateLimitAnon = 1_000_000, 1_000_000
	for _, f := range configure {
		f(&cfg)
	}
	h, err := api.NewServer(cfg, st, log)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	s := &Server{T: t, Store: st, Handler: h, Config: cfg, Keys: map[string]string{}, Validate: true}
	for _, role := range models.Roles() {
		key, _, err := st.CreateKey(context.Background(), store.System("test"), string(role), role)
		if err != nil {
			t.Fatalf("create %s key: %v", role, err)
		}
		s.Keys[string(role)] = key
	}
	return s
}

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map (or fails the test).
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response: %v\n%s", err, r.Body)
	}
}

// Request is one call: Role picks the key ("" = anonymous), Body is
// marshalled to JSON unless it is already []byte or a string.
type Request struct {
	Method  string
	Path    string
	Role    string
	Body    any
	Headers map[string]string
	// Lines are header lines added after Headers, for a header sent more
	// than once.
	Lines [][2]string
	// Chunked sends the body without a Content-Length.
	Chunked bool
}

// Do sends a request through the router and validates the response
// against the OpenAPI document.
func (s *Server) Do(r Request) *Response {
	s.T.Helper()
	var body io.Reader
	var raw []byte
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			s.T.Fatalf("marshal body: %v", err)
		}
	}
	if raw != nil {
		body = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Role != "" {
		key, ok := s.Keys[r.Role]
		if !ok {
			key = r.Role // a literal key
		}
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	for _, l := range r.Lines {
		req.Header.Add(l[0], l[1])
	}
	if r.Chunked {
		req.ContentLength = -1
	}
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	res := &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if s.Validate {
		s.validate(req, raw, res)
	}
	return res
}

// validate checks a response against the operation it answers, and that
// every error is problem+json.
func (s *Server) validate(req *http.Request, reqBody []byte, res *Response) {
	s.T.Helper()
	if res.Status >= 400 {
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			s.T.Errorf("%s %s: status %d with Content-Type %q, want application/problem+json", req.Method, req.URL, res.Status, ct)
		}
	}
	if req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "" {
		return // a CORS preflight is not an operation of the document
	}
	_, rt := Spec(s.T)
	vreq := req.Clone(context.Background())
	vreq.URL.Scheme, vreq.URL.Host, vreq.Host = "http", "example.com", "example.com"
	if reqBody != nil {
		vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	route, params, err := rt.FindRoute(vreq)
	if err != nil {
		if strings.HasPrefix(req.URL.Path, "/api/") && res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
			s.T.Errorf("%s %s answered %d but is not in the OpenAPI document: %v", req.Method, req.URL.Path, res.Status, err)
		}
		return
	}
	// A documented operation the router does not serve (a removed route) is
	// a failure of whatever test calls it, never a pass on a documented 404.
	if res.Status == http.StatusNotFound || res.Status == http.StatusMethodNotAllowed {
		var p struct{ Type, Detail string }
		_ = json.Unmarshal(res.Body, &p)
		if p.Type == "/problems/method-not-allowed" || strings.HasPrefix(p.Detail, "no route ") {
			s.T.Errorf("%s %s is operation %s of the OpenAPI document, but the server has no such route: %s",
				req.Method, req.URL.Path, route.Operation.OperationID, res.Body)
			return
		}
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: res.Status,
		Header: res.Header,
		Body:   io.NopCloser(bytes.NewReader(res.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if res.Header.Get("Content-Encoding") != "" || res.Status == http.StatusNotModified || res.Status == http.StatusNoContent {
		input.Options.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		s.T.Errorf("%s %s: response %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL, res.Status, err, truncate(res.Body))
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// Problem decodes a problem body, failing the test when the response is not
// one with this status.
func (r *Response) Problem(t testing.TB, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
	m := r.JSON(t)
	for _, k := range []string{"type", "title", "status", "detail"} {
		if _, ok := m[k]; !ok {
			t.Errorf("problem lacks %q: %s", k, r.Body)
		}
	}
	if int(m["status"].(float64)) != status {
		t.Errorf("problem status = %v, want %d", m["status"], status)
	}
	return m
}

// HeaderList reads a comma-separated list header (all its lines) as its
// trimmed elements.
func HeaderList(h http.Header, name string) []string {
	var out []string
	for _, line := range h.Values(name) {
		for _, v := range strings.Split(line, ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// HeaderNames reads a header that lists header names (such as
// Access-Control-Expose-Headers), in canonical spelling: names are
// case-insensitive.
func HeaderNames(h http.Header, name string) []string {
	return Canonical(HeaderList(h, name)...)
}

// Canonical spells header names canonically, for comparing with
// HeaderNames.
func Canonical(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = http.CanonicalHeaderKey(n)
	}
	return out
}
