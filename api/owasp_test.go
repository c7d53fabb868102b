package api_test

// OWASP API Security Top 10 (2023), the items that apply to this API:
//
//	API1 broken object level authorisation   TestOWASPObjectLevelAuthorization
//	API2 broken authentication               TestOWASPAuthentication
//	API3 broken object property level auth.  TestOWASPPropertyLevelAuthorization
//	API4 unrestricted resource consumption   TestOWASPResourceConsumption (+ ratelimit_test.go)
//	API5 broken function level authorisation TestRoleMatrix (security_test.go)
//	API8 security misconfiguration           TestOWASPMisconfiguration, TestOWASPCORS
//	API9 improper inventory management       TestInventory (security_test.go)
//
// Not applicable: API6 (no sensitive business flows to automate beyond what
// the rate limits cover), API7 (the server fetches no URLs), API10 (it
// consumes no third-party APIs).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"claimgrade/api"
	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// secSeedClaim makes a therapy, a claim and a finding resting on an RCT
// that supports it, and returns the claim's and the finding's ids.
func secSeedClaim(t *testing.T, s *testenv.Server) int64 {
	t.Helper()
	claimID, _ := secSeed(t, s)
	return claimID
}

func secSeed(t *testing.T, s *testenv.Server) (claimID, findingID int64) {
	t.Helper()
	s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{
		"slug": "infusion-therapy", "name": "Infusion therapy", "description": "Intravenous drips.",
		"aliases": []map[string]string{{"alias": "Infusionstherapie", "language": "de"}}}}).Want(t, http.StatusCreated)
	claimID = testenv.ID(s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{
		"therapy": "Infusionstherapie", "text": "Infusionen wirken schneller als Tabletten.", "language": "de",
		"text_en": "Infusions work faster than tablets.", "summary": "Infusions work faster than tablets", "claim_type": "comparative",
		"assertion": "effect"}}).Want(t, http.StatusCreated))
	sourceID := testenv.ID(s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{
		"kind": "rct", "title": "Intravenous versus oral paracetamol for acute pain", "year": 2019}}).Want(t, http.StatusCreated))
	questionID := testenv.ID(s.Do(testenv.Request{Method: "POST", Path: "/api/v1/questions", Role: "editor", Body: map[string]any{
		"therapy": "infusion-therapy", "population": "adults with acute pain", "intervention": "intravenous paracetamol 1 g",
		"comparator": "oral paracetamol 1 g", "comparator_kind": "active", "outcome": "pain relief", "timepoint": "30 minutes",
		"outcome_kind": "benefit", "direction": "higher_is_better"}}).Want(t, http.StatusCreated))
	findingID = testenv.ID(s.Do(testenv.Request{Method: "POST", Path: "/api/v1/findings", Role: "editor", Body: map[string]any{
		"question_id": questionID, "summary": "One trial."}}).Want(t, http.StatusCreated))
	s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/findings/%d/sources", findingID), Role: "editor",
		Body: map[string]any{"source_id": sourceID}}).Want(t, http.StatusCreated)
	s.Do(testenv.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/claims/%d/findings", claimID), Role: "editor",
		Body: map[string]any{"finding_id": findingID, "stance": "supports"}}).Want(t, http.StatusCreated)
	return claimID, findingID
}

// secNewKey issues a key for a new user with role.
func secNewKey(t *testing.T, st *store.Store, name string, role models.Role) string {
	t.Helper()
	key, _, err := st.CreateKey(context.Background(), store.System("test"), name, role)
	if err != nil {
		t.Fatalf("create key %s: %v", name, err)
	}
	return key
}

// API1: a reviewer can neither read nor change another reviewer's draft
// assessment of a finding. The only write path is .../assessments/me, which
// is keyed by the caller, and no route takes an assessment id.
func TestOWASPObjectLevelAuthorization(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		_, findingID := secSeed(t, s)
		other := secNewKey(t, st, "reviewer-b", models.RoleReviewer)
		base := fmt.Sprintf("/api/v1/findings/%d/assessments", findingID)
		secret := "Reviewer A's private reasoning: unblinded outcome assessors."

		res := s.Do(testenv.Request{Method: "PUT", Path: base + "/me", Role: "reviewer",
			Body: map[string]any{"risk_of_bias": "serious", "reasons": map[string]string{"risk_of_bias": secret}, "rationale": secret}})
		draft := res.Want(t, http.StatusCreated)
		draftID := testenv.ID(draft)
		var before models.FindingAssessment
		if err := st.DB().Take(&before, draftID).Error; err != nil {
			t.Fatal(err)
		}

		// Reading: neither the list nor the history shows B anything of A's draft.
		for _, path := range []string{base, fmt.Sprintf("/api/v1/findings/%d/history", findingID)} {
			res := s.Do(testenv.Request{Method: "GET", Path: path, Role: other})
			res.Want(t, http.StatusOK)
			if bytes.Contains(res.Body, []byte("private reasoning")) {
				t.Errorf("reviewer B reads A's draft in GET %s: %s", path, res.Body)
			}
		}
		if res := s.Do(testenv.Request{Method: "GET", Path: base, Role: other}); strings.Contains(string(res.Body), fmt.Sprintf(`"id":%d`, draftID)) {
			t.Errorf("reviewer B's list names A's draft %d: %s", draftID, res.Body)
		}
		// No route addresses an assessment by id, whatever the method.
		for _, method := range []string{"GET", "PUT", "PATCH", "DELETE", "POST"} {
			res := s.Do(testenv.Request{Method: method, Path: fmt.Sprintf("%s/%d", base, draftID), Role: other,
				Body: map[string]any{"risk_of_bias": "very_serious"}})
			if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s/%d as reviewer B: %d, want 404 or 405", method, base, draftID, res.Status)
			}
		}
		// Writing: B's PUT with A's ETag, and B's submit, touch only B's own
		// (absent) assessment.
		res = s.Do(testenv.Request{Method: "PUT", Path: base + "/me", Role: other,
			Body: map[string]any{"rationale": "B"}, Headers: map[string]string{"If-Match": `"1"`}})
		if res.Status < 400 {
			t.Errorf("reviewer B's PUT with A's ETag: %d, want a 4xx (B has no draft)", res.Status)
		}
		if res := s.Do(testenv.Request{Method: "POST", Path: base + "/me/submit", Role: other}); res.Status != http.StatusNotFound {
			t.Errorf("reviewer B's submit without a draft: %d, want 404", res.Status)
		}
		var after models.FindingAssessment
		if err := st.DB().Take(&after, draftID).Error; err != nil {
			t.Fatal(err)
		}
		if after.Version != before.Version || after.Status != grading.StatusDraft || after.Rationale != secret || after.ReviewerID != before.ReviewerID {
			t.Errorf("A's draft changed: before %+v after %+v", before, after)
		}
		// B's own draft is B's, and A still sees exactly A's.
		s.Do(testenv.Request{Method: "PUT", Path: base + "/me", Role: other, Body: map[string]any{"rationale": "B"}}).Want(t, http.StatusCreated)
		if err := st.DB().Take(&after, draftID).Error; err != nil || after.Rationale != secret || after.Version != before.Version {
			t.Errorf("B's own PUT changed A's draft: %+v (%v)", after, err)
		}
		list := s.Do(testenv.Request{Method: "GET", Path: base, Role: "reviewer"}).Want(t, http.StatusOK)["data"].([]any)
		if len(list) != 1 || testenv.ID(list[0].(map[string]any)) != draftID {
			t.Errorf("reviewer A lists %v, want only the own draft %d", list, draftID)
		}
	})
}

// API2: a missing, malformed, mistyped, unknown or revoked key, or another
// scheme, gets one and the same 401, on protected and public routes alike.
func TestOWASPAuthentication(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		reader := s.Keys["reader"]
		// One character of the checksum changed: rejected without a look-up.
		mistyped := reader[:len(reader)-1] + "0"
		if mistyped == reader {
			mistyped = reader[:len(reader)-1] + "1"
		}
		if store.WellFormedKey(mistyped) {
			t.Fatalf("WellFormedKey accepts a mistyped checksum")
		}
		unknown, err := store.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if !store.WellFormedKey(unknown) {
			t.Fatalf("GenerateKey made a key WellFormedKey rejects: %s", unknown)
		}
		// A key revoked through the API.
		created := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin",
			Body: map[string]any{"name": "soon-revoked", "role": "editor"}}).Want(t,
			http.StatusCreated)
		revoked := created["key"].(string)
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/me", Role: revoked}).Want(t, http.StatusOK)
		s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/keys/%d", testenv.ID(created)), Role: "admin"}).Want(t, http.StatusNoContent)

		tests := []struct {
			name, authorization string
		}{
			{"missing", ""},
			{"malformed", "Bearer not-a-key"},
			{"empty bearer", "Bearer "},
			{"prefix only", "Bearer cg_"},
			{"mistyped checksum", "Bearer " + mistyped},
			{"truncated", "Bearer " + reader[:len(reader)-2]},
			{"unknown", "Bearer " + unknown},
			{"revoked", "Bearer " + revoked},
			{"basic scheme", "Basic cmVhZGVyOnNlY3JldA=="},
			{"key as basic password", "Basic " + reader},
			{"hash of a key", "Bearer 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"},
			{"sql in key", "Bearer cg_' OR '1'='1"},
		}
		var want string
		for _, path := range []string{"/api/v1/me", "/api/v1/keys", "/api/v1/claims"} {
			for _, tt := range tests {
				if tt.authorization == "" && path == "/api/v1/claims" {
					continue // public read: no key is fine
				}
				h := map[string]string{}
				if tt.authorization != "" {
					h["Authorization"] = tt.authorization
				}
				res := s.Do(testenv.Request{Method: "GET", Path: path, Headers: h})
				p := res.Problem(t, http.StatusUnauthorized)
				if p["request_id"] != res.Header.Get("X-Request-ID") {
					t.Errorf("%s: request_id %v, header %q", tt.name, p["request_id"], res.Header.Get("X-Request-ID"))
				}
				if res.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s: no WWW-Authenticate", tt.name, path)
				}
				delete(p, "request_id")
				got := fmt.Sprint(p)
				if want == "" {
					want = got
				} else if got != want {
					t.Errorf("%s on %s: 401 body %s differs from %s", tt.name, path, got, want)
				}
			}
		}
		// The scheme is case-insensitive and the bare key works (Swagger UI).
		for _, h := range []string{"bearer " + reader, "BEARER " + reader, reader} {
			if res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/me", Headers: map[string]string{"Authorization": h}}); res.Status != http.StatusOK {
				t.Errorf("Authorization %q…: %d, want 200", h[:10], res.Status)
			}
		}
	})
}

// API3: derived and server-set fields cannot be written (400, nothing
// changes), and no response carries a hash, a secret or internal columns.
func TestOWASPPropertyLevelAuthorization(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		claimID := secSeedClaim(t, s)
		claimPath := fmt.Sprintf("/api/v1/claims/%d", claimID)
		var before models.Claim
		if err := st.DB().Take(&before, claimID).Error; err != nil {
			t.Fatal(err)
		}
		claims := testenv.Count(t, st, "claims", "")
		derived := map[string]any{"rating": "accurate", "rating_source": "editor", "certainty": "high", "flags": []string{}, "support_count": 9,
			"refute_count": 0, "appearance_count": 3, "version": 42, "id": 1, "created_at": "2020-01-01T00:00:00Z"}
		create := map[string]any{"therapy": "infusion-therapy", "text": "Keine Wechselwirkungen.", "language": "de", "claim_type": "safety"}
		for field, value := range derived {
			body := map[string]any{field: value}
			for k, v := range create {
				body[k] = v
			}
			res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: body})
			p := res.Problem(t, http.StatusBadRequest)
			if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != field {
				t.Errorf("POST with %s: errors %v, want one naming %s", field, p["errors"], field)
			}
			res = s.Do(testenv.Request{Method: "PATCH", Path: claimPath, Role: "editor", Body: map[string]any{field: value, "summary": "changed"},
				Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, before.Version)}})
			res.Problem(t, http.StatusBadRequest)
		}
		if n := testenv.Count(t, st, "claims", ""); n != claims {
			t.Errorf("%d claims after the refused POSTs, want %d", n, claims)
		}
		var after models.Claim
		if err := st.DB().Take(&after, claimID).Error; err != nil {
			t.Fatal(err)
		}
		if after.Version != before.Version || after.Rating != before.Rating || after.Certainty != nil ||
			after.SupportCount != before.SupportCount || after.Summary != before.Summary || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("claim changed by refused PATCHes: before %+v after %+v", before, after)
		}
		// Other resources: sources, keys (a client cannot pick its secret,
		// hash or user id), assessments (certainty is computed).
		refused := []testenv.Request{
			{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "rct", "title": "T", "id": 7}},
			{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "rct", "title": "T", "search_text": "x"}},
			{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "x", "role": "reader", "key": s.Keys["admin"]}},
			{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "x", "role": "reader", "hash": "00"}},
			{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "x", "role": "reader", "user_id": 1}},
			{Method: "PUT", Path: "/api/v1/findings/1/assessments/me", Role: "reviewer", Body: map[string]any{"rationale": "r", "certainty": "high"}},
			{Method: "PUT", Path: "/api/v1/findings/1/assessments/me", Role: "reviewer", Body: map[string]any{"rationale": "r", "status": "submitted"}},
			{Method: "PUT", Path: "/api/v1/findings/1/assessments/me", Role: "reviewer", Body: map[string]any{"rationale": "r", "reviewer": "admin"}},
			{Method: "PUT", Path: claimPath + "/rating", Role: "editor", Body: map[string]any{"rating": "false", "rationale": "r", "rating_source": "rule"},
				Headers: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, before.Version)}},
		}
		sources, keys, assessments := testenv.Count(t, st, "sources", ""), testenv.Count(t, st, "api_keys", ""), testenv.Count(t, st, "finding_assessments", "")
		for _, req := range refused {
			res := s.Do(req)
			if res.Status == http.StatusNotFound && strings.Contains(string(res.Body), "no route") {
				continue // route not served yet
			}
			res.Problem(t, http.StatusBadRequest)
		}
		if testenv.Count(t, st, "sources", "") != sources || testenv.Count(t, st, "api_keys", "") != keys || testenv.Count(t, st, "finding_assessments", "") != assessments {
			t.Errorf("a refused request wrote something")
		}

		// Responses: no hash, no search_text, no secret.
		s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "listed", "role": "reader"}}).Want(t, http.StatusCreated)
		paths := []string{"/api/v1/claims", claimPath, claimPath + "/appearances", claimPath + "/history", "/api/v1/sources", "/api/v1/sources/1",
			"/api/v1/therapies", "/api/v1/therapies/infusion-therapy", "/api/v1/flags", "/api/v1/me", "/api/v1/keys", "/api/v1/keys/1"}
		for _, path := range paths {
			res := s.Do(testenv.Request{Method: "GET", Path: path, Role: "admin"})
			if res.Status != http.StatusOK {
				t.Errorf("GET %s: %d %s", path, res.Status, res.Body)
				continue
			}
			for _, leak := range []string{`"hash"`, `"search_text"`, `"secret"`, `"key":`, `"derivation_json"`, `"api_key_id"`} {
				if bytes.Contains(res.Body, []byte(leak)) {
					t.Errorf("GET %s shows %s: %s", path, leak, res.Body)
				}
			}
			for role, key := range s.Keys {
				if bytes.Contains(res.Body, []byte(key[10:])) {
					t.Errorf("GET %s shows (part of) the %s key", path, role)
				}
			}
		}
	})
}

// API4: page sizes, bodies and request rates are bounded.
func TestOWASPResourceConsumption(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st, func(c *api.Config) { c.MaxBodyBytes = 4096 })
		for _, q := range []string{"limit=201", "limit=1000000", "limit=0", "limit=-1", "limit=abc", "limit=1e3"} {
			for _, path := range []string{"/api/v1/claims", "/api/v1/sources", "/api/v1/therapies", "/api/v1/keys"} {
				res := s.Do(testenv.Request{Method: "GET", Path: path + "?" + q, Role: "admin"})
				p := res.Problem(t, http.StatusBadRequest)
				if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "limit" {
					t.Errorf("GET %s?%s: errors %v, want one naming limit", path, q, p["errors"])
				}
			}
		}
		if res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims?limit=200"}); res.Status != http.StatusOK {
			t.Errorf("limit=200: %d, want 200", res.Status)
		}

		big := `{"kind":"rct","title":"` + strings.Repeat("x", 5000) + `"}`
		sources := testenv.Count(t, st, "sources", "")
		// Declared length over the cap, and an undeclared (chunked) one,
		// with and without an Idempotency-Key.
		for _, idem := range []string{"", "big-1"} {
			headers := map[string]string{}
			if idem != "" {
				headers["Idempotency-Key"] = idem
			}
			s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: big, Headers: headers}).
				Problem(t, http.StatusRequestEntityTooLarge)
			s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: big, Headers: headers, Chunked: true}).
				Problem(t, http.StatusRequestEntityTooLarge)
		}
		if n := testenv.Count(t, st, "sources", ""); n != sources {
			t.Errorf("an oversized body created a source")
		}
		if n := testenv.Count(t, st, "idempotency_keys", ""); n != 0 {
			t.Errorf("an oversized body left %d idempotency records", n)
		}

		// Request rate: see also ratelimit_test.go.
		limited := testenv.NewServer(t, st, func(c *api.Config) { c.RateLimitKey = 2 })
		for i := range 3 {
			res := limited.Do(testenv.Request{Method: "GET", Path: "/api/v1/sources", Role: "reader"})
			if want := []int{200, 200, 429}[i]; res.Status != want {
				t.Errorf("request %d at 2 a minute: %d, want %d", i+1, res.Status, want)
			}
		}
	})
}

// secInternals are words an error body must never contain: they would
// tell an attacker about the stack, the driver or the schema.
var secInternals = []string{"gorm", "pgx", "pgconn", "postgres", "sqlite", "SQLSTATE", "SELECT", "INSERT", "UPDATE ", "DELETE FROM",
	"goroutine", ".go:", "runtime.", "panic", "no such table", "relation ", "constraint", "duplicate key", "UNIQUE",
	"claim_flags", "audit_events", "database is closed", "sql:"}

func secCheckNoInternals(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, w := range secInternals {
		if bytes.Contains(bytes.ToLower(body), bytes.ToLower([]byte(w))) {
			t.Errorf("%s: the body mentions %q: %s", what, w, body)
		}
	}
}

// API8: errors say what the client needs and nothing about the server.
func TestOWASPMisconfiguration(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		claimID := secSeedClaim(t, s)

		// Client errors, including unique violations.
		dup := map[string]any{"kind": "rct", "title": "T", "doi": "10.1000/xyz123"}
		s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: dup}).Want(t, http.StatusCreated)
		for _, req := range []testenv.Request{
			{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: dup},
			{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "infusion-therapy", "name": "Again"}},
			{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: `{"text": "unterminated`},
			{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: `{"text": 12}`},
			{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: `[1,2]`},
			{Method: "GET", Path: "/api/v1/claims?cursor=%27%20OR%201=1%20--"},
			{Method: "GET", Path: "/api/v1/claims?q=%27%3B%20DROP%20TABLE%20claims%3B--"},
			{Method: "GET", Path: "/api/v1/claims/1%27%20OR%201=1"},
			{Method: "GET", Path: "/api/v1/claims/99999999999999999999999"},
			{Method: "GET", Path: "/api/v1/nothing-here"},
			{Method: "PUT", Path: "/api/v1/claims"},
		} {
			res := s.Do(req)
			if res.Status < 400 || res.Status >= 500 {
				if req.Method == "GET" && res.Status == 200 {
					continue // the injection attempt is just text to match
				}
				t.Errorf("%s %s: %d, want a 4xx", req.Method, req.Path, res.Status)
			}
			secCheckNoInternals(t, req.Method+" "+req.Path, res.Body)
		}
		if n := testenv.Count(t, st, "claims", ""); n != 1 {
			t.Errorf("%d claims, want 1: the injection attempt did something", n)
		}

		// A 500: a table the queries need is gone. The body is generic.
		s.Validate = false // a 500 is a bug, and so not in the OpenAPI document
		if err := st.DB().Exec("DROP TABLE claim_flags").Error; err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/v1/claims", fmt.Sprintf("/api/v1/claims/%d", claimID)} {
			res := s.Do(testenv.Request{Method: "GET", Path: path, Headers: map[string]string{"X-Request-ID": "owasp-500"}})
			p := res.Problem(t, http.StatusInternalServerError)
			if p["type"] != "/problems/internal" || p["request_id"] != "owasp-500" {
				t.Errorf("500 problem = %v", p)
			}
			secCheckNoInternals(t, "500 on GET "+path, res.Body)
		}

		// A 503: the database is closed. With and without a key (the key
		// look-up fails first).
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		for _, role := range []string{"", "reader"} {
			res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/sources", Role: role})
			p := res.Problem(t, http.StatusServiceUnavailable)
			if p["type"] != "/problems/unavailable" || res.Header.Get("Retry-After") == "" {
				t.Errorf("503 as %q = %v, Retry-After %q", role, p, res.Header.Get("Retry-After"))
			}
			secCheckNoInternals(t, "503", res.Body)
		}
		res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "rct", "title": "T"},
			Headers: map[string]string{"Idempotency-Key": "closed-1"}})
		if res.Status != http.StatusServiceUnavailable {
			t.Errorf("POST on a closed database: %d, want 503", res.Status)
		}
		secCheckNoInternals(t, "503 on POST", res.Body)

		// Every response says nosniff; none says which server it is.
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Server") != "" || res.Header.Get("X-Powered-By") != "" {
			t.Errorf("headers: %v", res.Header)
		}
	})
}

// API8: a panic is a 500 problem that says nothing more, logged once with
// the request id and the stack.
func TestOWASPRecovery(t *testing.T) {
	st := testenv.Open(t, testenv.Backends()[0])
	var logs bytes.Buffer
	s := testenv.NewServerLog(t, st, slog.New(slog.NewJSONHandler(&logs, nil)))
	// A route outside /api/v1, and so outside the OpenAPI document, added
	// after the server's middleware as every route is.
	s.Handler.(*gin.Engine).GET("/panics", func(*gin.Context) { panic("secret-internal-state") })

	res := s.Do(testenv.Request{Method: "GET", Path: "/panics", Headers: map[string]string{"X-Request-ID": "recover-1"}})
	p := res.Problem(t, http.StatusInternalServerError)
	if p["type"] != "/problems/internal" || p["request_id"] != "recover-1" {
		t.Errorf("500 problem = %v", p)
	}
	secCheckNoInternals(t, "recovered panic", res.Body)
	if bytes.Contains(res.Body, []byte("secret-internal-state")) {
		t.Errorf("the panic value reached the client: %s", res.Body)
	}

	var panics []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "panic" {
			panics = append(panics, rec)
		}
	}
	if len(panics) != 1 {
		t.Fatalf("%d panic records, want 1:\n%s", len(panics), logs.String())
	}
	rec := panics[0]
	if rec["request_id"] != "recover-1" || rec["panic"] != "secret-internal-state" ||
		!strings.Contains(fmt.Sprint(rec["stack"]), "TestOWASPRecovery") {
		t.Errorf("panic record = %v, want the request id, the value and a stack through the handler", rec)
	}
}

// API8: CORS answers configured origins only.
func TestOWASPCORS(t *testing.T) {
	st := testenv.Open(t, testenv.Backends()[0])
	s := testenv.NewServer(t, st, func(c *api.Config) { c.CORSOrigins = []string{"https://app.example.org"} })
	send := func(method, origin string, headers map[string]string) *testenv.Response {
		h := map[string]string{"Origin": origin}
		for k, v := range headers {
			h[k] = v
		}
		return s.Do(testenv.Request{Method: method, Path: "/api/v1/claims", Headers: h})
	}
	res := send("GET", "https://app.example.org", nil)
	if res.Status != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example.org" ||
		!slices.Contains(res.Header.Values("Vary"), "Origin") ||
		!slices.Contains(testenv.HeaderNames(res.Header, "Access-Control-Expose-Headers"), "X-Ratelimit-Remaining") {
		t.Errorf("allowed origin: %d %v", res.Status, res.Header)
	}
	if res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("credentials allowed: keys are bearer tokens, never cookies")
	}
	for _, origin := range []string{"https://evil.example", "https://app.example.org.evil.example", "null", "https://APP.example.org"} {
		res := send("GET", origin, nil)
		if got := res.Header.Get("Access-Control-Allow-Origin"); res.Status != 200 || got != "" {
			t.Errorf("origin %s: %d, Access-Control-Allow-Origin %q, want 200 and none", origin, res.Status, got)
		}
	}
	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Authorization, Content-Type, Idempotency-Key"}
	res = send("OPTIONS", "https://app.example.org", preflight)
	allowHeaders := testenv.HeaderNames(res.Header, "Access-Control-Allow-Headers")
	if res.Status != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example.org" ||
		!slices.Contains(testenv.HeaderList(res.Header, "Access-Control-Allow-Methods"), "POST") ||
		!slices.Contains(allowHeaders, "Authorization") || !slices.Contains(allowHeaders, "Idempotency-Key") || !slices.Contains(allowHeaders, "If-Match") {
		t.Errorf("preflight from an allowed origin: %d %v", res.Status, res.Header)
	}
	res = send("OPTIONS", "https://evil.example", preflight)
	res.Problem(t, http.StatusForbidden)
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", res.Status, res.Header)
	}
}

// API8: CORS_ORIGINS=* admits any real origin, echoing it, but never the
// opaque origin "null" that sandboxed frames and file:// pages send: a
// server that answers it admits every such page.
func TestOWASPCORSAnyOrigin(t *testing.T) {
	st := testenv.Open(t, testenv.Backends()[0])
	s := testenv.NewServer(t, st, func(c *api.Config) { c.CORSOrigins = []string{"*"} })
	preflight := map[string]string{"Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "Authorization, If-Match"}
	tests := []struct {
		name, method, origin string
		headers              map[string]string
		status               int
		allow                string
	}{
		{"any origin", "GET", "https://anyone.example", nil, http.StatusOK, "https://anyone.example"},
		{"any origin's preflight", "OPTIONS", "https://anyone.example", preflight, http.StatusNoContent, "https://anyone.example"},
		{"null", "GET", "null", nil, http.StatusOK, ""},
		{"null preflight", "OPTIONS", "null", preflight, http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		h := map[string]string{"Origin": tt.origin}
		for k, v := range tt.headers {
			h[k] = v
		}
		res := s.Do(testenv.Request{Method: tt.method, Path: "/api/v1/claims", Headers: h})
		if res.Status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, res.Status, tt.status, res.Body)
		}
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != tt.allow {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", tt.name, got, tt.allow)
		}
		if tt.allow == "" && (res.Header.Get("Access-Control-Allow-Methods") != "" || res.Header.Get("Access-Control-Expose-Headers") != "") {
			t.Errorf("%s: CORS headers for a refused origin: %v", tt.name, res.Header)
		}
	}
}

// TestOWASPHostileInput: text PostgreSQL cannot hold (NUL, bytes that are
// not UTF-8) and values too long for a unique index are refused as bad
// input on both databases, never a 500. (The fuzz targets in handlers run
// on SQLite only, which accepts all of these.)
func TestOWASPHostileInput(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		claimID := secSeedClaim(t, s)
		claim := fmt.Sprintf("/api/v1/claims/%d", claimID)
		long := strings.Repeat("q7Zx", 2500) // 10 000 characters that do not compress
		nul := `a\u0000b`
		tests := []testenv.Request{
			{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: `{"therapy":"infusion-therapy","text":"` + nul + `","language":"en","claim_type":"other"}`},
			{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: `{"therapy":"` + nul + `","text":"t","language":"en","claim_type":"other"}`},
			{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: `{"kind":"rct","title":"` + nul + `"}`},
			{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: `{"kind":"rct","title":"t","doi":"10.1000/` + long + `"}`},
			{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: `{"kind":"rct","title":"t","pmid":"1` + strings.Repeat("9", 5000) + `"}`},
			{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: `{"slug":"x","name":"` + nul + `"}`},
			{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: `{"slug":"` + long + `","name":"n"}`},
			{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: `{"slug":"y","name":"n","aliases":[{"alias":"` + long + `","language":"de"}]}`},
			{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: `{"slug":"z","name":"n","aliases":[{"alias":"` + nul + `","language":"de"}]}`},
			{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: `{"name":"` + nul + `","role":"reader"}`},
			{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: `{"name":"` + long + `","role":"reader"}`},
			{Method: "PATCH", Path: claim, Role: "editor", Body: `{"summary":"` + nul + `"}`, Headers: map[string]string{"If-Match": `"1"`}},
			{Method: "PUT", Path: "/api/v1/findings/1/assessments/me", Role: "reviewer", Body: `{"risk_of_bias":"serious","rationale":"` + nul + `"}`},
			{Method: "POST", Path: claim + "/appearances", Role: "editor", Body: `{"source_id":1,"excerpt":"` + nul + `"}`},
			{Method: "PUT", Path: claim + "/rating", Role: "editor", Body: `{"rating":"false","rationale":"` + nul + `"}`, Headers: map[string]string{"If-Match": `"1"`}},
			{Method: "GET", Path: "/api/v1/claims?q=a%00b"},
			{Method: "GET", Path: "/api/v1/claims?therapy=a%00b"},
			{Method: "GET", Path: "/api/v1/claims?therapy=%ff%fe"},
			{Method: "GET", Path: "/api/v1/claims?language=%c3%28"},
			{Method: "GET", Path: "/api/v1/claims?q=" + long},
			{Method: "GET", Path: "/api/v1/sources?doi=10.1000/a%00b"},
			{Method: "GET", Path: "/api/v1/sources?pmid=%ff"},
			{Method: "GET", Path: "/api/v1/sources?q=%00"},
			{Method: "GET", Path: "/api/v1/flags?therapy=%00"},
			{Method: "GET", Path: "/api/v1/therapies/a%00b"},
			{Method: "GET", Path: "/api/v1/therapies/%ff"},
			{Method: "GET", Path: "/api/v1/therapies/" + long},
			{Method: "GET", Path: "/api/v1/claims?%00=1"},
		}
		for _, req := range tests {
			res := s.Do(req)
			if res.Status < 400 && req.Method == "GET" {
				continue // a filter that matches nothing is fine
			}
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("%s %.60s: %d, want a 4xx: %.200s", req.Method, req.Path, res.Status, res.Body)
				continue
			}
			secCheckNoInternals(t, req.Method+" "+req.Path[:min(len(req.Path), 60)], res.Body)
		}
	})
}
