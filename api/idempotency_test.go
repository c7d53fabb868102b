package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

func secKeyID(t *testing.T, st *store.Store, user string) int64 {
	t.Helper()
	var k models.APIKey
	if err := st.DB().Joins("JOIN users ON users.id = api_keys.user_id").Where("users.name = ?", user).Take(&k).Error; err != nil {
		t.Fatalf("key of %s: %v", user, err)
	}
	return k.ID
}

func TestIdempotencyReplay(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		body := `{"kind":"rct","title":"Mesotherapy versus Systemic Therapy","doi":"10.1155/2011/317183"}`
		post := func(role, key, body string) *testenv.Response {
			return s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: role, Body: body,
				Headers: map[string]string{"Idempotency-Key": key}})
		}
		first := post("editor", "retry-1", body)
		if first.Status != http.StatusCreated || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first: %d replayed=%q %s", first.Status, first.Header.Get("Idempotent-Replayed"), first.Body)
		}
		for i := range 2 {
			again := post("editor", "retry-1", body)
			if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay %d: %d replayed=%q %s", i, again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
			}
			if !bytes.Equal(again.Body, first.Body) {
				t.Errorf("replayed body differs:\n%s\n%s", again.Body, first.Body)
			}
			for _, h := range []string{"Location", "ETag", "Content-Type"} {
				if again.Header.Get(h) != first.Header.Get(h) {
					t.Errorf("replayed %s = %q, want %q", h, again.Header.Get(h), first.Header.Get(h))
				}
			}
		}
		if n := testenv.Count(t, st, "sources", ""); n != 1 {
			t.Errorf("%d sources after a request and two replays, want 1", n)
		}
		if n := testenv.Count(t, st, "idempotency_keys", ""); n != 1 {
			t.Errorf("%d idempotency records, want 1", n)
		}

		// The same key with another body (or path) is a 422; nothing runs.
		res := post("editor", "retry-1", strings.Replace(body, "Systemic", "Oral", 1))
		if p := res.Problem(t, http.StatusUnprocessableEntity); p["type"] != "/problems/idempotency-key-reused" {
			t.Errorf("reused key: type %v", p["type"])
		}
		res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: body,
			Headers: map[string]string{"Idempotency-Key": "retry-1"}})
		res.Problem(t, http.StatusUnprocessableEntity)

		// Keys belong to the API key: another caller's same key is its own.
		res = post("admin", "retry-1", body)
		if p := res.Problem(t, http.StatusConflict); p["existing_id"] == nil {
			t.Errorf("admin's request did not run (want the duplicate-DOI 409 naming the source): %s", res.Body)
		}

		// A 4xx is an answer too, and is replayed.
		bad := `{"kind":"rct"}`
		first = post("editor", "retry-422", bad)
		first.Problem(t, http.StatusUnprocessableEntity)
		again := post("editor", "retry-422", bad)
		again.Problem(t, http.StatusUnprocessableEntity)
		if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.Body, first.Body) ||
			!strings.HasPrefix(again.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("4xx replay: replayed=%q content-type %q body %s", again.Header.Get("Idempotent-Replayed"), again.Header.Get("Content-Type"), again.Body)
		}

		// Without the header, POSTs are not idempotent.
		res = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: `{"kind":"news","title":"Infusions for back pain"}`})
		res2 := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: `{"kind":"news","title":"Infusions for back pain"}`})
		if res.Status != http.StatusCreated || res2.Status != http.StatusCreated || res.Header.Get("Location") == res2.Header.Get("Location") {
			t.Errorf("two POSTs without a key: %d %s, %d %s; want two sources", res.Status, res.Header.Get("Location"), res2.Status, res2.Header.Get("Location"))
		}
	})
}

func TestIdempotencyKeySyntax(t *testing.T) {
	st := testenv.Open(t, testenv.Backends()[0])
	s := testenv.NewServer(t, st)
	tests := []struct {
		name, key string
		status    int
	}{
		{"empty", "", http.StatusBadRequest},
		{"too long", strings.Repeat("k", 256), http.StatusBadRequest},
		{"control character", "abc\x01def", http.StatusBadRequest},
		{"DEL", "abc\x7f", http.StatusBadRequest},
		{"not ASCII", "clé", http.StatusBadRequest},
		{"longest", strings.Repeat("k", 255), http.StatusCreated},
		{"one character", "k", http.StatusCreated},
		{"printable with spaces", `a b!"#$%&'()*+,-./:;<=>?@[\]^_{|}~`, http.StatusCreated},
	}
	for i, tt := range tests {
		res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor",
			Body:    map[string]any{"slug": fmt.Sprintf("therapy-%d", i), "name": "Therapy"},
			Headers: map[string]string{"Idempotency-Key": tt.key}})
		if res.Status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, res.Status, tt.status, res.Body)
		}
		if tt.status == http.StatusBadRequest {
			if p := res.JSON(t); p["type"] != "/problems/malformed-request" {
				t.Errorf("%s: type %v", tt.name, p["type"])
			}
		}
	}
	// Two Idempotency-Key headers are ambiguous.
	res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: `{"slug":"x","name":"X"}`,
		Lines: [][2]string{{"Idempotency-Key", "a"}, {"Idempotency-Key", "b"}}})
	if res.Status != http.StatusBadRequest {
		t.Errorf("two Idempotency-Key headers: %d, want 400", res.Status)
	}
	// Other methods ignore the header.
	res = s.Do(testenv.Request{Method: "GET", Path: "/api/v1/therapies", Headers: map[string]string{"Idempotency-Key": "\x01"}})
	if res.Status != http.StatusOK {
		t.Errorf("GET with a bad Idempotency-Key: %d, want 200 (ignored)", res.Status)
	}
}

// sourceFingerprint is the request fingerprint the middleware computes:
// SHA-256 of method, path and body.
func secSourceFingerprint(body string) string {
	h := sha256.Sum256([]byte("POST\n/api/v1/sources\n" + body))
	return hex.EncodeToString(h[:])
}

func TestIdempotencyInProgress(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		ctx := context.Background()
		body := `{"kind":"cohort","title":"IV paracetamol versus oral"}`
		post := func(key string) *testenv.Response {
			return s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: body,
				Headers: map[string]string{"Idempotency-Key": key}})
		}
		editor := secKeyID(t, st, "editor")
		if testenv.Postgres(st) {
			// A request with this key is running: its transaction holds the
			// key. (On SQLite it holds the write lock, and a second request
			// waits for it instead: TestIdempotencyConcurrent.)
			err := st.InTx(ctx, func(tx *store.Store) error {
				if rec, err := tx.ClaimIdempotencyKey(ctx, editor, "slow-1", secSourceFingerprint(body)); rec != nil || err != nil {
					t.Fatalf("ClaimIdempotencyKey = %v, %v", rec, err)
				}
				p := post("slow-1").Problem(t, http.StatusConflict)
				if p["type"] != "/problems/idempotency-key-in-progress" || !strings.Contains(p["detail"].(string), "in progress") {
					t.Errorf("in progress: %v", p)
				}
				return tx.RecordIdempotentResponse(ctx, editor, "slow-1", secSourceFingerprint(body), store.IdempotentResponse{Status: 201,
					ContentType: "application/json; charset=utf-8", Location: "/api/v1/sources/77", Body: []byte(`{"id":77}`)})
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := testenv.Count(t, st, "sources", ""); n != 0 {
				t.Errorf("the second request ran: %d sources", n)
			}
			// Once the first has committed, retries replay it.
			s.Validate = false // the stored body is a stand-in, not a Source
			res := post("slow-1")
			s.Validate = true
			if res.Status != 201 || string(res.Body) != `{"id":77}` || res.Header.Get("Location") != "/api/v1/sources/77" {
				t.Errorf("after completion: %d %s %s", res.Status, res.Header.Get("Location"), res.Body)
			}
		}

		// A request that dies before its commit (crash, lost connection)
		// leaves nothing: the retry runs at once, no key is stuck.
		errCrash := errors.New("crash")
		err := st.InTx(ctx, func(tx *store.Store) error {
			if _, err := tx.ClaimIdempotencyKey(ctx, editor, "crashed-1", secSourceFingerprint(body)); err != nil {
				t.Fatal(err)
			}
			return errCrash
		})
		if !errors.Is(err, errCrash) {
			t.Fatalf("InTx = %v", err)
		}
		res := post("crashed-1")
		if res.Status != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("after a crash: %d replayed=%q %s", res.Status, res.Header.Get("Idempotent-Replayed"), res.Body)
		}
		// A pending row that an earlier version committed is forgotten too.
		if err := st.DB().Exec("INSERT INTO idempotency_keys (api_key_id, idem_key, fingerprint, created_at) VALUES (?, ?, ?, ?)",
			editor, "legacy-1", secSourceFingerprint(body), time.Now().UTC()).Error; err != nil {
			t.Fatal(err)
		}
		res = post("legacy-1")
		if res.Status != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("legacy pending key: %d replayed=%q %s", res.Status, res.Header.Get("Idempotent-Replayed"), res.Body)
		}
		if n := testenv.Count(t, st, "sources", ""); n != 2 {
			t.Errorf("%d sources, want 2", n)
		}
		// Claiming a key outside a transaction is a programming error.
		if _, err := st.ClaimIdempotencyKey(ctx, editor, "no-tx", "x"); err == nil {
			t.Error("ClaimIdempotencyKey outside a transaction: no error")
		}
	})
}

func TestIdempotencyConcurrent(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		body := `{"kind":"rct","title":"Concurrent retries","pmid":"12345678"}`
		const n = 8
		responses := s.Race(n, func(int) testenv.Request {
			return testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: body,
				Headers: map[string]string{"Idempotency-Key": "burst-1"}}
		})
		ran := 0
		for i, res := range responses {
			switch {
			case res.Status == http.StatusCreated && res.Header.Get("Idempotent-Replayed") == "":
				ran++
			case res.Status == http.StatusCreated, res.Status == http.StatusConflict && strings.Contains(string(res.Body), "in progress"):
			default:
				t.Errorf("request %d: %d %s", i, res.Status, res.Body)
			}
		}
		if ran != 1 {
			t.Errorf("%d of %d concurrent requests with one key ran, want exactly 1", ran, n)
		}
		if c := testenv.Count(t, st, "sources", ""); c != 1 {
			t.Errorf("%d sources, want 1", c)
		}
	})
}

func TestIdempotencyServerErrorReleasesKey(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		body := `{"kind":"guideline","title":"NICE NG59 low back pain"}`
		post := func() *testenv.Response {
			return s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: body,
				Headers: map[string]string{"Idempotency-Key": "flaky-1"}})
		}
		// Break the write (its audit event cannot be recorded): a 500.
		if err := st.DB().Exec("ALTER TABLE audit_events RENAME TO audit_events_away").Error; err != nil {
			t.Fatal(err)
		}
		s.Validate = false // a 500 is a bug, and so not in the OpenAPI document
		res := post()
		s.Validate = true
		res.Problem(t, http.StatusInternalServerError)
		if n := testenv.Count(t, st, "idempotency_keys", ""); n != 0 {
			t.Errorf("a 500 left %d idempotency records, want none (rolled back)", n)
		}
		if err := st.DB().Exec("ALTER TABLE audit_events_away RENAME TO audit_events").Error; err != nil {
			t.Fatal(err)
		}
		// The retry runs.
		res = post()
		if res.Status != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("retry after 500: %d replayed=%q %s", res.Status, res.Header.Get("Idempotent-Replayed"), res.Body)
		}
		if n := testenv.Count(t, st, "sources", ""); n != 1 {
			t.Errorf("%d sources, want 1", n)
		}
	})
}

func TestIdempotencyExpiry(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		post := func(key, title string) *testenv.Response {
			return s.Do(testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor",
				Body: map[string]any{"kind": "case_series", "title": title}, Headers: map[string]string{"Idempotency-Key": key}})
		}
		if res := post("old-1", "Old"); res.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", res.Status, res.Body)
		}
		if res := post("old-2", "Older"); res.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", res.Status, res.Body)
		}
		st.DB().Table("idempotency_keys").Where("1 = 1").Update("created_at", time.Now().UTC().Add(-store.IdempotencyTTL-time.Minute))
		// An expired key is forgotten: the same request runs again.
		res := post("old-1", "Old")
		if res.Status != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("after expiry: %d replayed=%q", res.Status, res.Header.Get("Idempotent-Replayed"))
		}
		if n := testenv.Count(t, st, "sources", ""); n != 3 {
			t.Errorf("%d sources, want 3", n)
		}
		// Expired records are purged on the way, the other key's too.
		if n := testenv.Count(t, st, "idempotency_keys", ""); n != 1 {
			t.Errorf("%d idempotency records after expiry, want 1 (the new one)", n)
		}
	})
}

// TestIdempotencyDocumented: every POST that honours Idempotency-Key (all
// but createKey and createWebhook, which return a secret) says so in the OpenAPI document, with the answers it can
// give: 400 (bad key), 409 (in progress), 422 (reused).
func TestIdempotencyDocumented(t *testing.T) {
	doc, _ := testenv.Spec(t)
	n := 0
	for path, item := range doc.Paths.Map() {
		op := item.Post
		if op == nil || !strings.HasPrefix(path, "/api/v1/") || op.OperationID == "createKey" || op.OperationID == "createWebhook" {
			continue
		}
		n++
		if p := op.Parameters.GetByInAndName("header", "Idempotency-Key"); p == nil {
			t.Errorf("%s (POST %s) does not document the Idempotency-Key header", op.OperationID, path)
		}
		for _, code := range []int{400, 409, 422} {
			if op.Responses.Status(code) == nil {
				t.Errorf("%s (POST %s) does not document %d", op.OperationID, path, code)
			}
		}
	}
	if n < 4 {
		t.Errorf("only %d idempotent POST operations found", n)
	}
}
