package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestRunCommands(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := env(map[string]string{"DATABASE_URL": testenv.URL(t, b), "LOG_LEVEL": "error"})
			call := func(args ...string) (string, error) {
				var out, errOut bytes.Buffer
				err := run(ctx, append([]string{"claimgrade"}, args...), e, &out, &errOut)
				return out.String(), err
			}

			out, err := call("migrate", "up")
			if err != nil || !strings.Contains(out, "applied 00001_catalog.sql") {
				t.Fatalf("migrate up = %q, %v; want the migrations applied", out, err)
			}
			out, err = call("migrate", "status")
			if err != nil || strings.Contains(out, "pending") || !strings.Contains(out, "applied") {
				t.Errorf("migrate status = %q, %v; want every migration applied", out, err)
			}

			out, err = call("keys", "create", "--name", "alice", "--role", "reviewer")
			if err != nil {
				t.Fatalf("keys create: %v", err)
			}
			key := lastLine(out)
			if !store.WellFormedKey(key) {
				t.Errorf("keys create printed %q last, want the key alone", key)
			}
			if _, err := call("keys", "create", "--name", "bob", "--role", "overlord"); err == nil {
				t.Errorf("keys create with an unknown role succeeded")
			}
			out, err = call("keys", "list")
			if err != nil || !strings.Contains(out, "alice\treviewer\tactive") || strings.Contains(out, key) {
				t.Errorf("keys list = %q, %v; want alice's key listed without its secret", out, err)
			}
			id := strings.Fields(out)[0]
			if out, err = call("keys", "revoke", id); err != nil || !strings.Contains(out, "revoked key "+id) {
				t.Errorf("keys revoke %s = %q, %v", id, out, err)
			}
			if out, _ = call("keys", "list"); !strings.Contains(out, "alice\treviewer\trevoked") {
				t.Errorf("keys list after revoke = %q, want alice's key revoked", out)
			}

			if out, err = call("seed"); err != nil || !strings.Contains(out, "loaded demo dataset v2: 2 therapies") {
				t.Errorf("seed = %q, %v", out, err)
			}
			if out, err = call("seed"); err != nil || !strings.Contains(out, "already loaded; nothing changed") {
				t.Errorf("second seed = %q, %v; want nothing changed", out, err)
			}

			if _, err := call("frobnicate"); err == nil || !strings.Contains(err.Error(), "usage") {
				t.Errorf("unknown command: err = %v, want usage", err)
			}
			if _, err := call("migrate", "sideways"); err == nil {
				t.Errorf("migrate sideways succeeded")
			}
		})
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"claimgrade"}, env(map[string]string{"PUBLIC_READ": "maybe", "REQUIRED_REVIEWS": "0"}), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "PUBLIC_READ") || !strings.Contains(err.Error(), "REQUIRED_REVIEWS") {
		t.Errorf("run with bad config = %v, want both bad variables named", err)
	}
}

// TestRunServe starts the real server on a free port, with the demo
// dataset seeded and the first admin key printed, and stops it the way
// SIGTERM does.
func TestRunServe(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out, errOut syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"claimgrade", "serve"}, env(map[string]string{"DATABASE_URL": testenv.URL(t, b), "ADDR": addr}), &out, &errOut)
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
					t.Fatalf("server not ready: %v\nstderr: %s", err, errOut.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
			key := lastLine(out.String())
			if !store.WellFormedKey(key) {
				t.Errorf("first start printed %q last, want the bootstrap admin key", key)
			}
			req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 200 {
				t.Errorf("GET /api/v1/me with the bootstrap key = %v, %v", res, err)
			} else {
				res.Body.Close()
			}
			res, err = http.Get(base + "/api/v1/claims?language=fr&limit=200")
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("GET claims = %v, %v", res, err)
			}
			res.Body.Close()
			if !strings.Contains(errOut.String(), "loaded demo dataset v2") || !strings.Contains(errOut.String(), "/swagger/index.html") {
				t.Errorf("log lacks the seeding and the Swagger UI address:\n%s", errOut.String())
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run after shutdown = %v, want nil", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("server did not shut down within 20 s")
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
