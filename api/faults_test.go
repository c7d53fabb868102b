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
