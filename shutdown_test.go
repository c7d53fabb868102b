package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"claimgrade/store"
)

// TestGracefulShutdown stops a loaded server with SIGTERM: requests in
// flight finish (one still uploading its body completes after the signal),
// new connections are refused, every acknowledged write is stored, nothing
// answers 5xx, and the process exits within SHUTDOWN_TIMEOUT even though a
// stalled client never finishes its request.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	const grace = 3 * time.Second
	dbURL := filepath.Join(dir, "shutdown.db")
	vars := map[string]string{"DATABASE_URL": dbURL, "SEED": "false", "LOG_LEVEL": "info",
		"RATE_LIMIT_PER_KEY": "1000000", "SHUTDOWN_TIMEOUT": grace.String()}
	command(t, bin, vars, "migrate", "up")
	key := lastLine(command(t, bin, vars, "keys", "create", "--name", "editor", "--role", "editor"))
	p := startServe(t, bin, vars)
	addr := strings.TrimPrefix(p.base, "http://")

	// rawPost opens a connection, makes sure the server has accepted it (a
	// first request on it is answered), then sends a POST whose body stops
	// after half; finish sends the rest and reads the status.
	rawPost := func(title string) (finish func() (int, error), conn net.Conn) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		rd := bufio.NewReader(conn)
		fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatalf("first request on the connection: %v", err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		body := fmt.Sprintf(`{"kind":"news","title":%q}`, title)
		fmt.Fprintf(conn, "POST /api/v1/sources HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			key, len(body), body[:len(body)/2])
		return func() (int, error) {
			defer conn.Close()
			if _, err := conn.Write([]byte(body[len(body)/2:])); err != nil {
				return 0, err
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			res, err := http.ReadResponse(rd, nil)
			if err != nil {
				return 0, err
			}
			res.Body.Close()
			return res.StatusCode, nil
		}, conn
	}

	// Load: writers on keep-alive connections until the server goes away.
	var (
		mu       sync.Mutex
		acked    []string
		statuses = map[int]int{}
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				title := fmt.Sprintf("load-%d-%d", w, i)
				req, _ := http.NewRequest("POST", p.base+"/api/v1/sources", strings.NewReader(fmt.Sprintf(`{"kind":"news","title":%q}`, title)))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					time.Sleep(10 * time.Millisecond) // refused or closed: the server is stopping
					continue
				}
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				if res.StatusCode == http.StatusCreated {
					acked = append(acked, title)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	inFlight, _ := rawPost("in-flight")
	_, stalled := rawPost("stalled") // never finishes
	time.Sleep(100 * time.Millisecond)

	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	// New connections are refused.
	refused := false
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		refused = true
	} else {
		c.Close()
	}
	// The request in flight finishes.
	status, err := inFlight()
	stop.Store(true)
	var exitErr error
	select {
	case exitErr = <-p.done:
	case <-time.After(grace + 5*time.Second):
		t.Fatalf("the process did not exit within %v of SIGTERM", grace+5*time.Second)
	}
	exited := time.Since(signalled)
	wg.Wait()

	st, err2 := store.Open(context.Background(), dbURL, store.Options{}, nil)
	if err2 != nil {
		t.Fatal(err2)
	}
	defer st.Close()
	var titles []string
	st.DB().Raw("SELECT title FROM sources").Scan(&titles)
	storedTitles := map[string]bool{}
	for _, ti := range titles {
		storedTitles[ti] = true
	}
	missing := 0
	for _, ti := range acked {
		if !storedTitles[ti] {
			missing++
		}
	}
	serverErrors := 0
	for code, n := range statuses {
		if code >= 500 {
			serverErrors += n
		}
	}
	t.Logf("graceful shutdown: %d writes acknowledged under load (%v), %d missing, %d 5xx; in-flight request: %d %v (stored %v); new connection refused: %v; exit %v after SIGTERM (grace %v): %v",
		len(acked), statuses, missing, serverErrors, status, err, storedTitles["in-flight"], refused, exited.Round(10*time.Millisecond), grace, exitErr)
	if status != http.StatusCreated || !storedTitles["in-flight"] {
		t.Errorf("the request in flight at SIGTERM: %d %v, stored %v; want 201 and stored", status, err, storedTitles["in-flight"])
	}
	if !refused {
		t.Error("a new connection after SIGTERM was accepted")
	}
	if missing != 0 || serverErrors != 0 || len(acked) == 0 {
		t.Errorf("%d acknowledged writes missing, %d 5xx of %d acknowledged: want 0, 0 and some", missing, serverErrors, len(acked))
	}
	if exited > grace+time.Second {
		t.Errorf("exited %v after SIGTERM, want within the grace period %v (and a second)", exited, grace)
	}
	stalled.Close()
	if exitErr == nil || !strings.Contains(p.stderr.String(), "grace period") {
		t.Errorf("exit %v with the stalled request cut; want a failure that names the grace period:\n%s", exitErr, p.stderr.String())
	}
	if storedTitles["stalled"] {
		t.Error("the stalled request was stored")
	}
	if !strings.Contains(p.stderr.String(), "shutting down") {
		t.Errorf("no shutdown in the log:\n%s", p.stderr.String())
	}
}
