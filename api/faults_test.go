package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"claimgrade/internal/faultproxy"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestFaultInjection drives a retrying writer through a proxy that cuts,
// resets, delays and refuses the server's PostgreSQL connections, and then
// counts: every acknowledged write is stored once, no Idempotency-Key is
// stuck, and no response was a 500.
func TestFaultInjection(t *testing.T) {
	var pg *testenv.Backend
	for _, b := range testenv.Backends() {
		if b.Name == store.Postgres {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("TEST_DATABASE_URL is not set: fault injection runs against PostgreSQL")
	}
	ctx := context.Background()
	dbURL := testenv.URL(t, *pg)
	direct, err := store.Open(ctx, dbURL, store.Options{MaxOpenConns: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	proxy, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	u.Host = proxy.Addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	proxied, err := store.Open(ctx, u.String(), store.Options{MaxOpenConns: 8, MaxIdleConns: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer proxied.Close()
	s := testenv.NewServer(t, proxied)
	auth := "Bearer " + s.Keys["editor"]

	const writes, workers = 300, 6
	var (
		statusMu sync.Mutex
		statuses = map[int]int{}
		acked    = make([]int64, writes) // id each write was acknowledged with
		attempts atomic.Int64
		replays  atomic.Int64 // retries answered from a committed record
		acks     atomic.Int64 // 201s so far: the chaos paces itself by them
	)
	post := func(i int) (int, int64, bool) {
		body := fmt.Sprintf(`{"kind":"news","title":"fault-%03d"}`, i)
		req := httptest.NewRequest("POST", "/api/v1/sources", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("fault-%03d", i))
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, req)
		var created struct {
			ID int64 `json:"id"`
		}
		if w.Code == http.StatusCreated {
			acks.Add(1)
			if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil {
				t.Errorf("write %d: 201 with body %s", i, w.Body)
			}
		}
		return w.Code, created.ID, w.Header().Get("Idempotent-Replayed") == "true"
	}

	// Chaos: cut, reset, delay and refuse the server's connections in turn
	// until the writers are done. Each fault waits for the server to have
	// acknowledged a write since the previous one: the faults then keep
	// landing on requests in flight, at the pace the machine allows, instead
	// of outrunning a slow connection set-up. (A fixed 40 ms schedule
	// live-locked on a loaded CI machine, where opening a PostgreSQL
	// connection took longer than the gap between two faults: all 60,300
	// attempts were 503s.)
	done := make(chan struct{})
	var chaos sync.WaitGroup
	var cuts, resets, delays, refusals, dropped int
	chaos.Add(1)
	go func() {
		defer chaos.Done()
		for round := 0; ; round++ {
			since := acks.Load()
			for acks.Load() == since {
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			switch round % 4 {
			case 0:
				cuts++
				dropped += proxy.Cut()
			case 1:
				resets++
				dropped += proxy.Reset()
			case 2:
				delays++
				proxy.SetDelay(20 * time.Millisecond)
				time.Sleep(100 * time.Millisecond)
				proxy.SetDelay(0)
			case 3:
				refusals++
				proxy.Refuse(true)
				dropped += proxy.Reset()
				time.Sleep(100 * time.Millisecond)
				proxy.Refuse(false)
			}
		}
	}()

	var next atomic.Int64
	var wg sync.WaitGroup
	gaveUp := atomic.Int64{}
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= writes {
					return
				}
				for try := 0; ; try++ {
					attempts.Add(1)
					code, id, replayed := post(i)
					if replayed {
						replays.Add(1)
					}
					statusMu.Lock()
					statuses[code]++
					statusMu.Unlock()
					if code == http.StatusCreated {
						acked[i] = id
						break
					}
					if try == 200 {
						gaveUp.Add(1)
						break
					}
					time.Sleep(time.Duration(10+try%5*10) * time.Millisecond) // a well-behaved client backs off
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	chaos.Wait()
	proxy.SetDelay(0)
	proxy.Refuse(false)
	elapsed := time.Since(start)

	// Count what the database holds, through a connection the proxy never
	// touched.
	type row struct {
		Title string
		N     int
		MinID int64
	}
	var rows []row
	if err := direct.DB().Raw("SELECT title, COUNT(*) AS n, MIN(id) AS min_id FROM sources GROUP BY title").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	stored := map[string]row{}
	duplicates := 0
	for _, r := range rows {
		stored[r.Title] = r
		duplicates += r.N - 1
	}
	missing, wrongID, ackedCount := 0, 0, 0
	for i, id := range acked {
		if id == 0 {
			continue
		}
		ackedCount++
		r, ok := stored[fmt.Sprintf("fault-%03d", i)]
		switch {
		case !ok:
			missing++
		case r.MinID != id:
			wrongID++
		}
	}
	// Every key answers now: a replay of the acknowledged write. The first
	// request after the faults may still meet a connection the proxy cut
	// and get a 503, which a client retries; a key stuck "in progress"
	// (409) or a 500 is a failure.
	stuck := 0
	for i := range writes {
		code, id, replayed := post(i)
		for try := 0; code == http.StatusServiceUnavailable && try < 5; try++ {
			time.Sleep(50 * time.Millisecond)
			code, id, replayed = post(i)
		}
		if code != http.StatusCreated || (acked[i] != 0 && (!replayed || id != acked[i])) {
			stuck++
			t.Errorf("key fault-%03d after the faults: %d replayed=%v id %d, acknowledged %d", i, code, replayed, id, acked[i])
		}
	}
	var pending int64
	direct.DB().Raw("SELECT COUNT(*) FROM idempotency_keys WHERE status IS NULL").Scan(&pending)

	t.Logf("fault injection: %d writes by %d workers in %v, %d attempts; faults: %d cuts, %d resets, %d delays, %d refusals, %d connections dropped",
		writes, workers, elapsed.Round(time.Millisecond), attempts.Load(), cuts, resets, delays, refusals, dropped)
	t.Logf("fault injection: responses by status %v, %d of the 201s replays of a committed write", statuses, replays.Load())
	t.Logf("fault injection: acknowledged %d, missing %d, wrong id %d, duplicates %d, keys stuck %d, pending records %d, gave up %d, 500s %d",
		ackedCount, missing, wrongID, duplicates, stuck, pending, gaveUp.Load(), statuses[http.StatusInternalServerError])
	if ackedCount != writes || missing != 0 || wrongID != 0 || duplicates != 0 || stuck != 0 || pending != 0 || statuses[http.StatusInternalServerError] != 0 {
		t.Errorf("want all %d acknowledged, 0 missing, 0 wrong ids, 0 duplicates, 0 stuck, 0 pending, 0 500s", writes)
	}
	if dropped == 0 || statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("the faults did not bite: %d connections dropped, %d 503s", dropped, statuses[http.StatusServiceUnavailable])
	}
	for code := range statuses {
		if code != http.StatusCreated && code != http.StatusServiceUnavailable && code != http.StatusConflict {
			t.Errorf("%d responses of %d: want only 201, 503 and 409 (in progress)", statuses[code], code)
		}
	}
}

// commitCutEnv is a server whose store reaches PostgreSQL through a fault
// proxy, and a direct store that counts what was stored.
type commitCutEnv struct {
	direct *store.Store
	proxy  *faultproxy.Proxy
	s      *testenv.Server
}

func newCommitCutEnv(t *testing.T, resolve time.Duration) *commitCutEnv {
	t.Helper()
	var pg *testenv.Backend
	for _, b := range testenv.Backends() {
		if b.Name == store.Postgres {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("TEST_DATABASE_URL is not set: a COMMIT can lose its connection only on PostgreSQL")
	}
	ctx := context.Background()
	dbURL := testenv.URL(t, *pg)
	direct, err := store.Open(ctx, dbURL, store.Options{MaxOpenConns: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	if _, err := direct.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	proxy, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	u.Host = proxy.Addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	proxied, err := store.Open(ctx, u.String(), store.Options{MaxOpenConns: 8, MaxIdleConns: 8, CommitResolveTimeout: resolve}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxied.Close() })
	return &commitCutEnv{direct: direct, proxy: proxy, s: testenv.NewServer(t, proxied)}
}

// post creates a source titled title, with an Idempotency-Key when key is
// not empty.
func (e *commitCutEnv) post(title, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/api/v1/sources", strings.NewReader(fmt.Sprintf(`{"kind":"news","title":%q}`, title)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.s.Keys["editor"])
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	w := httptest.NewRecorder()
	e.s.Handler.ServeHTTP(w, req)
	return w
}

// stored counts the sources titled title.
func (e *commitCutEnv) stored(t *testing.T, title string) int64 {
	t.Helper()
	var n int64
	if err := e.direct.DB().Raw("SELECT COUNT(*) FROM sources WHERE title = ?", title).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func problemType(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var p struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return p.Type
}

// TestCommitCutWithoutKey reproduces issue 21's "a 503 after a failed
// COMMIT usually means the write was stored": the proxy cuts the server's
// connection exactly at COMMIT, one COMMIT in four after the server has
// committed (its answer never arrives) and one in four before the server
// gets it, while 3 clients WITHOUT an Idempotency-Key make 120 writes and
// retry only what the server says was not stored. The server asks
// PostgreSQL what became of each transaction whose COMMIT lost its
// connection (txid_status on a fresh connection): a committed one is
// answered 201 as if nothing happened, an aborted one is a 503 "nothing
// was stored" (checked against the database at once), and none is
// unknown while PostgreSQL is reachable. So every write is stored once: 0
// duplicates, 0 missing. Before, every cut COMMIT was a 503 "unavailable",
// and the clients' retries of the committed ones were duplicates.
func TestCommitCutWithoutKey(t *testing.T) {
	e := newCommitCutEnv(t, 5*time.Second)
	const writes, workers = 120, 3
	var commits, cutAfter, cutBefore atomic.Int64
	e.proxy.OnCommit(func() faultproxy.CommitFault {
		switch commits.Add(1) % 4 {
		case 1:
			cutAfter.Add(1)
			return faultproxy.CutAfterCommit
		case 3:
			cutBefore.Add(1)
			return faultproxy.CutBeforeCommit
		}
		return faultproxy.PassCommit
	})
	var (
		mu                                    sync.Mutex
		statuses                              = map[string]int{}
		acked                                 = make([]int64, writes)
		attempts, nothingStored, falseNothing atomic.Int64
		unknown, other                        atomic.Int64
		next                                  atomic.Int64
		wg                                    sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= writes {
					return
				}
				title := fmt.Sprintf("commit-%03d", i)
				for try := 0; try < 50; try++ {
					attempts.Add(1)
					w := e.post(title, "")
					typ := ""
					if w.Code != http.StatusCreated {
						typ = problemType(t, w)
					}
					mu.Lock()
					statuses[fmt.Sprintf("%d %s", w.Code, typ)]++
					mu.Unlock()
					if w.Code == http.StatusCreated {
						var created struct {
							ID int64 `json:"id"`
						}
						json.Unmarshal(w.Body.Bytes(), &created)
						acked[i] = created.ID
						break
					}
					if w.Code == http.StatusServiceUnavailable && typ == "/problems/unavailable" {
						// The server says nothing was stored: so it must be.
						nothingStored.Add(1)
						if n := e.stored(t, title); n != 0 {
							falseNothing.Add(1)
							t.Errorf("write %d: 503 %q, but %d rows are stored", i, w.Body, n)
						}
						continue // a retry is safe
					}
					if w.Code == http.StatusServiceUnavailable && typ == "/problems/commit-outcome-unknown" {
						unknown.Add(1) // no key: a blind retry could store it twice
					} else {
						other.Add(1)
						t.Errorf("write %d: %d %s", i, w.Code, w.Body)
					}
					break
				}
			}
		})
	}
	wg.Wait()
	e.proxy.OnCommit(nil)
	elapsed := time.Since(start)

	var rows []struct {
		Title string
		N     int64
		MinID int64
	}
	if err := e.direct.DB().Raw("SELECT title, COUNT(*) AS n, MIN(id) AS min_id FROM sources WHERE title LIKE 'commit-%' GROUP BY title").
		Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]int64{}
	duplicates := int64(0)
	for _, r := range rows {
		byTitle[r.Title] = r.MinID
		duplicates += r.N - 1
	}
	ackedN, missing, wrongID := 0, 0, 0
	for i, id := range acked {
		if id == 0 {
			continue
		}
		ackedN++
		switch minID, ok := byTitle[fmt.Sprintf("commit-%03d", i)]; {
		case !ok:
			missing++
		case minID != id:
			wrongID++
		}
	}
	t.Logf("commit cuts: %d writes by %d clients without Idempotency-Key in %v, %d attempts; %d COMMITs seen, %d cut after the server committed, %d cut before it got them",
		writes, workers, elapsed.Round(time.Millisecond), attempts.Load(), commits.Load(), cutAfter.Load(), cutBefore.Load())
	t.Logf("commit cuts: responses %v; %d acknowledged (%d of them after a COMMIT cut once committed), %d stored rows, %d duplicates, %d missing, %d wrong ids; %d \"nothing was stored\" 503s, %d of them false; %d outcome unknown",
		statuses, ackedN, cutAfter.Load(), len(rows), duplicates, missing, wrongID, nothingStored.Load(), falseNothing.Load(), unknown.Load())
	if ackedN != writes || duplicates != 0 || missing != 0 || wrongID != 0 || falseNothing.Load() != 0 || unknown.Load() != 0 || other.Load() != 0 {
		t.Errorf("want all %d writes acknowledged and stored once, and no false \"nothing was stored\", no unknown outcome, nothing else", writes)
	}
	if cutAfter.Load() == 0 || cutBefore.Load() == 0 || nothingStored.Load() != cutBefore.Load() {
		t.Errorf("want both kinds of cut, and one \"nothing was stored\" 503 per COMMIT cut before the server: %d after, %d before, %d 503s",
			cutAfter.Load(), cutBefore.Load(), nothingStored.Load())
	}
}

// TestCommitCutWithKey: a keyed write whose COMMIT lost its answer after
// the server committed is answered 201, and its Idempotency-Key record is
// stored with it (a retry replays it). When the server cannot be reached
// to resolve the outcome (new connections refused until the resolution
// window ends), the answer is a 503 commit-outcome-unknown; the retry with
// the same key, once the database is back, replays the committed write:
// one row.
func TestCommitCutWithKey(t *testing.T) {
	e := newCommitCutEnv(t, time.Second)
	cut := func(refuse bool) {
		var once atomic.Bool
		e.proxy.OnCommit(func() faultproxy.CommitFault {
			if !once.CompareAndSwap(false, true) {
				return faultproxy.PassCommit
			}
			if refuse {
				e.proxy.Refuse(true)
			}
			return faultproxy.CutAfterCommit
		})
	}

	cut(false)
	first := e.post("keyed-committed", "k-committed")
	e.proxy.OnCommit(nil)
	if first.Code != http.StatusCreated || first.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("write whose COMMIT answer was lost = %d %s, want 201 (resolved as committed)", first.Code, first.Body)
	}
	replay := e.post("keyed-committed", "k-committed")
	if replay.Code != http.StatusCreated || replay.Header().Get("Idempotent-Replayed") != "true" || replay.Body.String() != first.Body.String() {
		t.Errorf("retry with the key = %d replayed=%q %s, want the replay of %s", replay.Code, replay.Header().Get("Idempotent-Replayed"), replay.Body, first.Body)
	}

	cut(true)
	unknown := e.post("keyed-unknown", "k-unknown")
	e.proxy.OnCommit(nil)
	e.proxy.Refuse(false)
	if unknown.Code != http.StatusServiceUnavailable || problemType(t, unknown) != "/problems/commit-outcome-unknown" ||
		unknown.Header().Get("Retry-After") == "" || !strings.Contains(unknown.Body.String(), "same Idempotency-Key") {
		t.Fatalf("write whose outcome could not be resolved = %d %s, want 503 commit-outcome-unknown with Retry-After", unknown.Code, unknown.Body)
	}
	var retry *httptest.ResponseRecorder
	for try := 0; try < 10; try++ {
		if retry = e.post("keyed-unknown", "k-unknown"); retry.Code != http.StatusServiceUnavailable {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if retry.Code != http.StatusCreated || retry.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry with the same key = %d replayed=%q %s, want the committed write replayed", retry.Code, retry.Header().Get("Idempotent-Replayed"), retry.Body)
	}
	for _, title := range []string{"keyed-committed", "keyed-unknown"} {
		if n := e.stored(t, title); n != 1 {
			t.Errorf("%s: %d rows, want 1", title, n)
		}
	}
}
