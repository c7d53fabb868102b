package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

func TestKeysAPI(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)

		// Issue: 201, the secret once, a Location that resolves.
		res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "partner-sync", "role": "reader"}})
		created := res.Want(t, http.StatusCreated)
		secret, _ := created["key"].(string)
		if !store.WellFormedKey(secret) || !strings.HasPrefix(secret, created["prefix"].(string)) {
			t.Fatalf("created key %q with prefix %v is not a well-formed key", secret, created["prefix"])
		}
		if created["name"] != "partner-sync" || created["user"] != "partner-sync" || created["role"] != "reader" ||
			created["revoked_at"] != nil || created["last_used_at"] != nil {
			t.Errorf("created = %v", created)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control of the secret = %q, want no-store", cc)
		}
		id := testenv.ID(created)
		if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/keys/%d", id) {
			t.Errorf("Location = %q", loc)
		}
		got := s.Do(testenv.Request{Method: "GET", Path: res.Header.Get("Location"), Role: "admin"}).Want(t, http.StatusOK)
		if _, ok := got["key"]; ok || got["prefix"] != created["prefix"] {
			t.Errorf("GET the key = %v: the secret is shown once only", got)
		}

		// The key works, with its role.
		me := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/me", Role: secret}).Want(t, http.StatusOK)
		if me["name"] != "partner-sync" || me["role"] != "reader" {
			t.Errorf("me = %v", me)
		}
		s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: secret, Body: map[string]any{}}).Problem(t, http.StatusForbidden)

		// List: every key, with last_used_at, never a secret or hash.
		list := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/keys?limit=2", Role: "admin"}).Want(t, http.StatusOK)
		if n := len(list["data"].([]any)); n != 2 || list["next_cursor"] == nil {
			t.Errorf("first page of 2: %d keys, next_cursor %v", n, list["next_cursor"])
		}
		var all []map[string]any
		for cursor := ""; ; {
			path := "/api/v1/keys?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			page := s.Do(testenv.Request{Method: "GET", Path: path, Role: "admin"}).Want(t, http.StatusOK)
			for _, k := range page["data"].([]any) {
				all = append(all, k.(map[string]any))
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(all) != 5 {
			t.Fatalf("listed %d keys, want 5 (4 roles + partner-sync)", len(all))
		}
		for _, k := range all {
			for _, field := range []string{"key", "hash", "secret"} {
				if _, ok := k[field]; ok {
					t.Errorf("listed key has %q: %v", field, k)
				}
			}
			if k["name"] == "partner-sync" && k["last_used_at"] == nil {
				t.Errorf("partner-sync was used but last_used_at is null")
			}
		}

		// Revoke: 204, then the key is refused; revoking again is a 204 too.
		for range 2 {
			s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/keys/%d", id), Role: "admin"}).Want(t, http.StatusNoContent)
		}
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/me", Role: secret}).Problem(t, http.StatusUnauthorized)
		got = s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/keys/%d", id), Role: "admin"}).Want(t, http.StatusOK)
		if got["revoked_at"] == nil {
			t.Errorf("revoked key lists revoked_at null: %v", got)
		}
		// A second key for the same user, same role: fine. Another role: 409.
		s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "partner-sync", "role": "reader"}}).Want(t, http.StatusCreated)
		p := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "partner-sync", "role": "admin"}}).Problem(t, http.StatusConflict)
		if p["existing_id"] == nil {
			t.Errorf("409 without existing_id: %v", p)
		}

		// Bad input.
		p = s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": " ", "role": "superuser"}}).Problem(t, http.StatusUnprocessableEntity)
		if errs := p["errors"].([]any); len(errs) != 2 {
			t.Errorf("errors = %v, want name and role", errs)
		}
		s.Do(testenv.Request{Method: "DELETE", Path: "/api/v1/keys/999999", Role: "admin"}).Problem(t, http.StatusNotFound)
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/keys/abc", Role: "admin"}).Problem(t, http.StatusNotFound)
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/keys?role=admin", Role: "admin"}).Problem(t, http.StatusBadRequest)
		// An Idempotency-Key is not honoured here (it would store the
		// secret): two requests, two keys.
		a := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "ci", "role": "reader"},
			Headers: map[string]string{"Idempotency-Key": "ci-1"}}).Want(t,
			http.StatusCreated)
		b := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": "ci", "role": "reader"},
			Headers: map[string]string{"Idempotency-Key": "ci-1"}}).Want(t,
			http.StatusCreated)
		if a["key"] == b["key"] || testenv.Count(t, st, "idempotency_keys", "") != 0 {
			t.Errorf("POST /keys with an Idempotency-Key replayed or stored a response")
		}
	})
}

// TestSecretsNeverStored issues keys every way there is, uses them, and
// dumps every column of every row of every table as text: no secret (nor
// its random part) is anywhere; its SHA-256 is.
func TestSecretsNeverStored(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		secrets := map[string]string{}
		for role, key := range s.Keys {
			secrets["store "+role] = key
		}
		cli, _, err := st.CreateKey(context.Background(), store.System("cli"), "cli-user", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		secrets["cli"] = cli
		for i, role := range models.Roles() {
			res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/keys", Role: "admin", Body: map[string]any{"name": fmt.Sprintf("api-%d", i), "role": role},
				Headers: map[string]string{"Idempotency-Key": fmt.Sprintf("k-%d", i), "X-Request-ID": "issue-" + string(role)}})
			secrets["api "+string(role)] = res.Want(t, http.StatusCreated)["key"].(string)
		}
		// Use every key for a read and a write, and revoke one.
		for name, key := range secrets {
			if res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/me", Role: key}); res.Status != http.StatusOK {
				t.Fatalf("%s key: %d", name, res.Status)
			}
			s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: key, Body: map[string]any{"slug": "t-" + key[3:9], "name": "T"},
				Headers: map[string]string{"Idempotency-Key": "w-" + key[3:9]}})
		}
		s.Do(testenv.Request{Method: "DELETE", Path: "/api/v1/keys/1", Role: "admin"}).Want(t, http.StatusNoContent)

		dump := secDumpDatabase(t, st)
		if !strings.Contains(dump, "api_keys") || !strings.Contains(dump, "audit_events") || !strings.Contains(dump, "idempotency_keys") {
			t.Fatalf("the dump misses tables: %.300s", dump)
		}
		for name, key := range secrets {
			if strings.Contains(dump, key) || strings.Contains(dump, key[3:25]) {
				t.Errorf("the %s key (or its random part) is stored in the database", name)
			}
			h := sha256.Sum256([]byte(key))
			if !strings.Contains(dump, hex.EncodeToString(h[:])) {
				t.Errorf("the SHA-256 of the %s key is not stored", name)
			}
		}
	})
}

// secDumpDatabase renders every column of every row of every table as text
// (byte columns also in hex).
func secDumpDatabase(t *testing.T, st *store.Store) string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if testenv.Postgres(st) {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	var tables []string
	if err := st.DB().Raw(q).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("found only tables %v", tables)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := st.DB().Raw(fmt.Sprintf(`SELECT * FROM "%s"`, table)).Rows()
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "== %s %v\n", table, cols)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			for i, v := range vals {
				switch v := v.(type) {
				case []byte:
					fmt.Fprintf(&b, "%s=%s|%s\t", cols[i], v, hex.EncodeToString(v))
				case time.Time:
					fmt.Fprintf(&b, "%s=%s\t", cols[i], v.Format(time.RFC3339Nano))
				default:
					fmt.Fprintf(&b, "%s=%v\t", cols[i], v)
				}
			}
			b.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}
