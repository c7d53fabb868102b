package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"claimgrade/internal/testenv"
)

// TestDebugLogHoldsNoSecrets reproduces issue 21's "debug logs print
// webhook secrets": the real server runs with LOG_LEVEL=debug (so the SQL
// of every statement is logged) and its log goes to a buffer; the test
// creates API keys and webhooks through the API, uses every key, and has
// deliveries sent to both webhooks (signed with their secrets). Then no
// secret appears anywhere in the log: not a key, not a webhook secret (nor
// its base64 part), not the SHA-256 hash a key is stored as. Before, the
// SQL log interpolated the arguments: the INSERT of a webhook carried its
// whsec_ secret, and every authentication the key's hash.
func TestDebugLogHoldsNoSecrets(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			var mu sync.Mutex
			hits := map[string]int{}
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				mu.Lock()
				hits[r.URL.Path]++
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			defer rcv.Close()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out, logBuf syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"claimgrade", "serve"}, env(map[string]string{"DATABASE_URL": testenv.URL(t, b), "ADDR": addr,
					"LOG_LEVEL": "debug", "WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_POLL_INTERVAL": "100ms"}), &out, &logBuf)
			}()
			base := "http://" + addr
			deadline := time.Now().Add(60 * time.Second)
			for {
				res, err := http.Get(base + "/readyz")
				if err == nil {
					res.Body.Close()
					if res.StatusCode == 200 {
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("server not ready: %v", err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			call := func(method, path, key string, body any, headers ...string) (int, http.Header, map[string]any) {
				t.Helper()
				var rd io.Reader
				if body != nil {
					b, _ := json.Marshal(body)
					rd = bytes.NewReader(b)
				}
				req, _ := http.NewRequest(method, base+path, rd)
				req.Header.Set("Authorization", "Bearer "+key)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				for i := 0; i+1 < len(headers); i += 2 {
					req.Header.Set(headers[i], headers[i+1])
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				defer res.Body.Close()
				var m map[string]any
				json.NewDecoder(res.Body).Decode(&m)
				return res.StatusCode, res.Header, m
			}

			admin := lastLine(out.String())
			secrets := []string{admin}
			keys := []string{admin}
			for _, role := range []string{"editor", "reader"} {
				code, _, m := call("POST", "/api/v1/keys", admin, map[string]any{"name": "log-" + role, "role": role})
				key, _ := m["key"].(string)
				if code != http.StatusCreated || key == "" {
					t.Fatalf("POST /api/v1/keys = %d %v", code, m)
				}
				secrets, keys = append(secrets, key), append(keys, key)
			}
			editor := keys[1]
			for _, path := range []string{"/a", "/b"} {
				code, _, m := call("POST", "/api/v1/webhooks", admin, map[string]any{"url": rcv.URL + path,
					"event_types": []string{"claim.rated", "claim.flags_changed", "finding.graded", "source.retracted"}})
				secret, _ := m["secret"].(string)
				if code != http.StatusCreated || !strings.HasPrefix(secret, "whsec_") {
					t.Fatalf("POST /api/v1/webhooks = %d %v", code, m)
				}
				secrets = append(secrets, secret, strings.TrimPrefix(secret, "whsec_"))
			}
			for _, key := range keys {
				if code, _, _ := call("GET", "/api/v1/me", key, nil); code != http.StatusOK {
					t.Fatalf("GET /api/v1/me = %d", code)
				}
			}
			// An editor's override rates claim 1: claim.rated to both webhooks.
			code, h, claim := call("GET", "/api/v1/claims/1", editor, nil)
			if code != http.StatusOK {
				t.Fatalf("GET /api/v1/claims/1 = %d", code)
			}
			rating := "false"
			if claim["rating"] == "false" {
				rating = "accurate"
			}
			if code, _, m := call("PUT", "/api/v1/claims/1/rating", editor, map[string]any{"rating": rating, "rationale": "log test"},
				"If-Match", h.Get("ETag")); code != http.StatusOK {
				t.Fatalf("PUT rating = %d %v", code, m)
			}
			for {
				mu.Lock()
				a, b := hits["/a"], hits["/b"]
				mu.Unlock()
				if a > 0 && b > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("deliveries did not arrive: /a %d, /b %d", a, b)
				}
				time.Sleep(50 * time.Millisecond)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("run: %v", err)
			}

			log := logBuf.String()
			for _, key := range keys {
				h := sha256.Sum256([]byte(key))
				secrets = append(secrets, hex.EncodeToString(h[:]), base64.StdEncoding.EncodeToString(h[:]), string(h[:]))
			}
			leaks := 0
			for _, s := range secrets {
				if n := strings.Count(log, s); n > 0 {
					leaks++
					t.Errorf("the debug log holds the secret %.12s… %d times", s, n)
				}
			}
			// The log did trace the statements that carried them.
			statements := 0
			for _, want := range []string{`INSERT INTO \W*webhooks\W* \(`, `INSERT INTO \W*api_keys\W* \(`, `hash = `, `UPDATE webhook_deliveries SET lease`} {
				if !regexp.MustCompile(want).MatchString(log) {
					t.Errorf("the debug log has no SQL trace containing %s: was the SQL log on?", want)
				} else {
					statements++
				}
			}
			t.Logf("%s: %d bytes of debug log, %d lines; %d secrets and hashes looked for, %d found; the traces of the %d statements that carry them are there",
				b.Name, len(log), strings.Count(log, "\n"), len(secrets), leaks, statements)
			if got := fmt.Sprint(hits); !strings.Contains(got, "/a") {
				t.Errorf("receiver hits %s", got)
			}
		})
	}
}
