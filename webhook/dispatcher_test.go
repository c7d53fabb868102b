package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
	"claimgrade/webhook"
)

// clock is an injectable clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC()} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is an HTTP server on 127.0.0.1 that records every request and
// answers as respond says (nil: 204).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	respond func(n int, w http.ResponseWriter) // n counts requests from 1
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body})
		n, respond := len(r.got), r.respond
		r.mu.Unlock()
		if respond == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		respond(n, w)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// verify checks a request's signature with the Standard Webhooks reference
// library (an implementation independent of webhook.Sign).
func verify(t *testing.T, secret string, r received, checkTime bool) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	verifyFn := wh.VerifyIgnoringTimestamp
	if checkTime {
		verifyFn = wh.Verify
	}
	if err := verifyFn(r.body, r.header); err != nil {
		t.Errorf("signature of %s does not verify: %v", r.header.Get("webhook-id"), err)
	}
	// A tampered body does not verify.
	if err := wh.VerifyIgnoringTimestamp(append([]byte(" "), r.body...), r.header); err == nil {
		t.Errorf("a tampered body verified")
	}
}

func register(t *testing.T, st *store.Store, url string, types ...webhook.EventType) models.Webhook {
	t.Helper()
	w, err := st.CreateWebhook(context.Background(), store.System("test"), store.WebhookInput{URL: url, EventTypes: types},
		webhook.Policy{AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func record(t *testing.T, st *store.Store, action, entity string, id int64, after any) {
	t.Helper()
	if err := st.RecordEvent(context.Background(), store.System("test"), action, entity, id, after); err != nil {
		t.Fatal(err)
	}
}

func poll(t *testing.T, d *webhook.Dispatcher) int {
	t.Helper()
	n, err := d.Poll(context.Background())
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return n
}

func onlyDelivery(t *testing.T, st *store.Store, w models.Webhook) models.WebhookDelivery {
	t.Helper()
	rows, _, err := st.ListDeliveries(context.Background(), w.ID, store.Page{})
	if err != nil || len(rows) != 1 {
		t.Fatalf("deliveries of webhook %d = %+v, %v; want one", w.ID, rows, err)
	}
	return rows[0]
}

// TestDispatcherDelivers: one event, sent once, signed (verified by the
// reference library), with the documented headers and payload.
func TestDispatcherDelivers(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		rcv := newReceiver(t)
		w := register(t, st, rcv.URL+"/hook", webhook.ClaimRated, webhook.SourceRetracted)
		record(t, st, "claim.rated", "claim", 7, map[string]any{"rating": "false"})
		record(t, st, "claim.updated", "claim", 7, nil) // raises nothing
		d := webhook.NewDispatcher(st.Outbox(), webhook.Options{Policy: webhook.Policy{AllowPrivate: true}}, nil)
		if n := poll(t, d); n != 1 {
			t.Fatalf("first poll sent %d, want 1", n)
		}
		if n := poll(t, d); n != 0 {
			t.Fatalf("second poll sent %d, want 0", n)
		}
		got := rcv.requests()
		if len(got) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(got))
		}
		r := got[0]
		verify(t, w.Secret, r, true)
		del := onlyDelivery(t, st, w)
		if id := r.header.Get("webhook-id"); id != fmt.Sprintf("msg_%d", del.ID) {
			t.Errorf("webhook-id = %q, want msg_%d", id, del.ID)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		var payload struct {
			Type      string `json:"type"`
			Timestamp string `json:"timestamp"`
			Data      struct {
				Entity  string          `json:"entity"`
				ID      int64           `json:"id"`
				Action  string          `json:"action"`
				AuditID int64           `json:"audit_id"`
				Seq     *int64          `json:"seq"`
				Before  json.RawMessage `json:"before"`
				After   json.RawMessage `json:"after"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.body, &payload); err != nil {
			t.Fatal(err)
		}
		if _, err := time.Parse(time.RFC3339, payload.Timestamp); err != nil {
			t.Errorf("timestamp %q is not RFC 3339: %v", payload.Timestamp, err)
		}
		if payload.Type != "claim.rated" || payload.Data.Entity != "claim" || payload.Data.ID != 7 || payload.Data.Action != "claim.rated" ||
			payload.Data.AuditID != del.AuditID || payload.Data.Seq == nil || string(payload.Data.After) != `{"rating":"false"}` ||
			string(payload.Data.Before) != "null" {
			t.Errorf("payload = %s", r.body)
		}
		if del.State != webhook.Delivered || len(del.Attempts) != 1 || *del.Attempts[0].StatusCode != 204 {
			t.Errorf("delivery = %+v", del)
		}
	})
}

// TestDispatcherRetries: the receiver is down (the connection drops), then
// failing (503), then slow (past the timeout), then up. Each failure is
// recorded and retried after an exponential, jittered backoff measured on
// the injected clock (nothing is sent before it is due); every attempt
// carries the same webhook-id and body and a valid signature; the fourth
// attempt delivers.
func TestDispatcherRetries(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		rcv := newReceiver(t)
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		rcv.respond = func(n int, w http.ResponseWriter) {
			switch n {
			case 1: // down: the connection closes without a response
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			case 2:
				w.WriteHeader(http.StatusServiceUnavailable)
			case 3: // slow: answers after the dispatcher gave up
				select {
				case <-release:
				case <-time.After(2 * time.Second):
				}
				w.WriteHeader(http.StatusOK)
			default:
				w.WriteHeader(http.StatusOK)
			}
		}
		w := register(t, st, rcv.URL, webhook.SourceRetracted)
		record(t, st, "source.retracted", "source", 3, map[string]any{"retracted": true})
		clk := newClock()
		d := webhook.NewDispatcher(st.Outbox(), webhook.Options{Policy: webhook.Policy{AllowPrivate: true},
			Timeout: 300 * time.Millisecond, Now: clk.Now, Jitter: func() float64 { return 0.5 }}, nil)
		// Steps of 5s, 10s, 20s with jitter 0.5: waits of 3.75s, 7.5s, 15s.
		waits := []time.Duration{3750 * time.Millisecond, 7500 * time.Millisecond, 15 * time.Second}
		for i, wait := range waits {
			at := clk.Now()
			if n := poll(t, d); n != 1 {
				t.Fatalf("attempt %d: poll sent %d, want 1", i+1, n)
			}
			del := onlyDelivery(t, st, w)
			if del.State != webhook.Pending || del.AttemptCount != i+1 || del.NextAttemptAt == nil || !del.NextAttemptAt.Equal(at.Add(wait).Truncate(time.Microsecond)) {
				t.Fatalf("after attempt %d: %+v, want pending, next at +%v", i+1, del, wait)
			}
			clk.Advance(wait - time.Millisecond)
			if n := poll(t, d); n != 0 {
				t.Fatalf("a delivery was sent %v before it was due", time.Millisecond)
			}
			clk.Advance(time.Millisecond)
		}
		if n := poll(t, d); n != 1 {
			t.Fatalf("fourth attempt: poll sent %d", n)
		}
		del := onlyDelivery(t, st, w)
		if del.State != webhook.Delivered || del.NextAttemptAt != nil || len(del.Attempts) != 4 {
			t.Fatalf("delivery = %+v, want delivered after 4 attempts", del)
		}
		a := del.Attempts
		if a[0].StatusCode != nil || a[0].Error == nil || a[1].StatusCode == nil || *a[1].StatusCode != 503 ||
			a[2].StatusCode != nil || a[2].Error == nil || !strings.Contains(*a[2].Error, "timed out") || a[2].DurationMS < 250 ||
			a[3].StatusCode == nil || *a[3].StatusCode != 200 || a[3].Error != nil {
			for _, x := range a {
				t.Logf("attempt at %v: status %v error %v in %dms", x.At, deref(x.StatusCode), deref(x.Error), x.DurationMS)
			}
			t.Fatalf("attempts do not record down, 503, timeout, 200")
		}
		got := rcv.requests()
		if len(got) != 4 {
			t.Fatalf("receiver got %d requests, want 4", len(got))
		}
		for i, r := range got {
			verify(t, w.Secret, r, false)
			if r.header.Get("webhook-id") != got[0].header.Get("webhook-id") || string(r.body) != string(got[0].body) {
				t.Errorf("attempt %d: id %s body %s differ from the first attempt's", i+1, r.header.Get("webhook-id"), r.body)
			}
			if ts := r.header.Get("webhook-timestamp"); ts != fmt.Sprint(a[i].At.Unix()) {
				t.Errorf("attempt %d: webhook-timestamp %s, want the attempt's time %d", i+1, ts, a[i].At.Unix())
			}
		}
	})
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestDispatcherGivesUp: after MaxAttempts failed attempts the delivery is
// failed and never tried again.
func TestDispatcherGivesUp(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		rcv := newReceiver(t)
		rcv.respond = func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }
		w := register(t, st, rcv.URL, webhook.ClaimFlagsChanged)
		record(t, st, "claim.flagged", "claim", 1, nil)
		clk := newClock()
		d := webhook.NewDispatcher(st.Outbox(), webhook.Options{Policy: webhook.Policy{AllowPrivate: true}, MaxAttempts: 3, Now: clk.Now}, nil)
		for range 10 {
			poll(t, d)
			clk.Advance(time.Hour)
		}
		del := onlyDelivery(t, st, w)
		if del.State != webhook.Failed || del.AttemptCount != 3 || del.NextAttemptAt != nil || len(rcv.requests()) != 3 {
			t.Fatalf("delivery = %+v after %d requests, want failed after 3", del, len(rcv.requests()))
		}
	})
}

// crashing is an outbox whose Finish never lands: a dispatcher that dies
// after sending and before recording it.
type crashing struct{ webhook.Outbox }

func (crashing) Finish(context.Context, string, webhook.Outcome) error { return errors.New("crashed") }

// TestDispatcherRestart: the outbox outlives dispatchers. Work enqueued
// while none runs is sent by the next one; a delivery claimed by a
// dispatcher that died is sent again by another once the lease runs out,
// and the receiver, which de-duplicates by webhook-id, processes it once.
func TestDispatcherRestart(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		rcv := newReceiver(t)
		w := register(t, st, rcv.URL, webhook.FindingGraded)
		record(t, st, "finding_grade.decided", "finding_grade", 1, nil)
		record(t, st, "finding_grade.adjudicated", "finding_grade", 2, nil)
		clk := newClock()
		opts := webhook.Options{Policy: webhook.Policy{AllowPrivate: true}, Now: clk.Now, Lease: time.Minute, Timeout: time.Second}

		// The first dispatcher sends both and dies before recording.
		if n, err := webhook.NewDispatcher(crashing{st.Outbox()}, opts, nil).Poll(context.Background()); n != 2 || err == nil {
			t.Fatalf("dying dispatcher claimed %d (%v), want 2 and its crash", n, err)
		}
		record(t, st, "finding_grade.decided", "finding_grade", 3, nil) // enqueued while none runs

		// The next one sends the new event at once, the others after the lease.
		next := webhook.NewDispatcher(st.Outbox(), opts, nil)
		clk.Advance(time.Second) // past the new event's time (the real clock's)
		if n := poll(t, next); n != 1 {
			t.Fatalf("restarted dispatcher sent %d during the lease, want 1 (the new event)", n)
		}
		clk.Advance(time.Minute - time.Second)
		if n := poll(t, next); n != 2 {
			t.Fatalf("after the lease the restarted dispatcher sent %d, want 2", n)
		}
		rows, _, err := st.ListDeliveries(context.Background(), w.ID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, del := range rows {
			if del.State != webhook.Delivered {
				t.Errorf("delivery %d is %s", del.ID, del.State)
			}
		}
		// At least once: 5 requests for 3 deliveries; a receiver that keeps
		// the webhook-ids it has processed handles each event once.
		seen := map[string]bool{}
		processed := 0
		got := rcv.requests()
		for _, r := range got {
			verify(t, w.Secret, r, true)
			if id := r.header.Get("webhook-id"); !seen[id] {
				seen[id] = true
				processed++
			}
		}
		t.Logf("%d requests, %d distinct webhook-ids processed", len(got), processed)
		if len(got) != 5 || processed != 3 {
			t.Errorf("receiver got %d requests with %d distinct ids, want 5 and 3", len(got), processed)
		}
	})
}

// TestDispatcherRefusesPrivateAddresses: without WEBHOOK_ALLOW_PRIVATE the
// dispatcher checks the address it connects to, after resolution: a URL
// whose host now resolves to loopback (localhost here, as a rebound DNS
// name would) is refused without a request, and the refusal is recorded.
func TestDispatcherRefusesPrivateAddresses(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		rcv := newReceiver(t)
		port := rcv.URL[strings.LastIndex(rcv.URL, ":")+1:]
		// Registered while private addresses were allowed; the server now
		// runs without (http would be refused too, so this is https).
		w := register(t, st, "https://localhost:"+port+"/hook", webhook.SourceRetracted)
		record(t, st, "source.retracted", "source", 1, nil)
		d := webhook.NewDispatcher(st.Outbox(), webhook.Options{}, nil)
		if n := poll(t, d); n != 1 {
			t.Fatalf("poll sent %d", n)
		}
		del := onlyDelivery(t, st, w)
		if len(rcv.requests()) != 0 {
			t.Errorf("the receiver on loopback got %d requests", len(rcv.requests()))
		}
		if del.State != webhook.Pending || len(del.Attempts) != 1 || del.Attempts[0].Error == nil ||
			!strings.Contains(*del.Attempts[0].Error, "loopback address") {
			t.Errorf("delivery = %+v, want a pending delivery whose attempt was refused as loopback", del)
		}
	})
}

// TestTwoDispatchersSendOnce: two dispatchers (two replicas) poll the same
// outbox concurrently; with a healthy receiver every delivery arrives
// exactly once (on PostgreSQL, FOR UPDATE SKIP LOCKED gives each claim a
// disjoint set of rows).
func TestTwoDispatchersSendOnce(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		const events = 300
		var mu sync.Mutex
		count := map[string]int{}
		var requests atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			mu.Lock()
			count[r.Header.Get("webhook-id")]++
			mu.Unlock()
			time.Sleep(time.Millisecond) // a receiver doing a little work
			w.WriteHeader(http.StatusOK)
		}))
		defer srv.Close()
		w := register(t, st, srv.URL, webhook.ClaimFlagsChanged)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		opts := webhook.Options{Policy: webhook.Policy{AllowPrivate: true}, PollInterval: 5 * time.Millisecond, Batch: 8}
		var wg sync.WaitGroup
		var claimed [2]atomic.Int64
		for i := range 2 {
			d := webhook.NewDispatcher(counting{st.Outbox(), &claimed[i]}, opts, nil)
			wg.Go(func() { d.Run(ctx) })
		}
		// Events arrive while both dispatchers poll.
		for i := range events {
			record(t, st, "claim.flagged", "claim", int64(i+1), nil)
		}
		deadline := time.Now().Add(60 * time.Second)
		for testenv.Count(t, st, "webhook_deliveries", "state = 'delivered'") < events && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // any duplicate in flight lands
		cancel()
		wg.Wait()
		dupes := 0
		for _, n := range count {
			if n != 1 {
				dupes++
			}
		}
		t.Logf("%s: %d events, %d requests, %d distinct webhook-ids, %d sent more than once; claimed by dispatcher 1: %d, 2: %d",
			st.Dialect(), events, requests.Load(), len(count), dupes, claimed[0].Load(), claimed[1].Load())
		if len(count) != events || requests.Load() != events || dupes != 0 {
			t.Errorf("want each of %d deliveries sent exactly once", events)
		}
		if n := testenv.Count(t, st, "webhook_attempts", ""); n != events {
			t.Errorf("%d attempts recorded, want %d", n, events)
		}
		if d := onlyState(t, st, w); d != webhook.Delivered {
			t.Errorf("deliveries are %s, want all delivered", d)
		}
	})
}

// counting counts the deliveries a dispatcher claims.
type counting struct {
	webhook.Outbox
	n *atomic.Int64
}

func (c counting) Claim(ctx context.Context, now time.Time, limit int, lease string, until time.Time) ([]webhook.Job, error) {
	jobs, err := c.Outbox.Claim(ctx, now, limit, lease, until)
	c.n.Add(int64(len(jobs)))
	return jobs, err
}

// onlyState is the one state all of w's deliveries are in ("mixed" when
// they differ).
func onlyState(t *testing.T, st *store.Store, w models.Webhook) webhook.State {
	t.Helper()
	var states []webhook.State
	if err := st.DB().Model(&models.WebhookDelivery{}).Where("webhook_id = ?", w.ID).Distinct().Pluck("state", &states).Error; err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 {
		return "mixed"
	}
	return states[0]
}

// arrival is one request a receiver got, as the order tests read it.
type arrival struct {
	msgID   string
	subject string // entity:id of data
	seq     int64
	action  string
}

func readArrival(t *testing.T, r received) arrival {
	t.Helper()
	var p struct {
		Data struct {
			Entity string `json:"entity"`
			ID     int64  `json:"id"`
			Action string `json:"action"`
			Seq    *int64 `json:"seq"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil || p.Data.Seq == nil {
		t.Fatalf("payload %s: %v (or no seq)", r.body, err)
	}
	return arrival{msgID: r.header.Get("webhook-id"), subject: fmt.Sprintf("%s:%d", p.Data.Entity, p.Data.ID), seq: *p.Data.Seq, action: p.Data.Action}
}

// outOfOrder lists, per subject, the arrivals whose seq is below one that
// arrived before them about the same subject (a retry repeats its seq and
// is in order).
func outOfOrder(arrivals []arrival) []string {
	last := map[string]int64{}
	var bad []string
	for i, a := range arrivals {
		if prev, ok := last[a.subject]; ok && a.seq < prev {
			bad = append(bad, fmt.Sprintf("arrival %d: %s seq %d after seq %d", i+1, a.subject, a.seq, prev))
		}
		last[a.subject] = max(last[a.subject], a.seq)
	}
	return bad
}

// pollUntilIdle polls until a poll claims nothing and returns how many
// polls claimed something.
func pollUntilIdle(t *testing.T, d *webhook.Dispatcher) int {
	t.Helper()
	busy := 0
	for range 100 {
		if poll(t, d) == 0 {
			return busy
		}
		busy++
	}
	t.Fatal("the dispatcher still had work after 100 polls")
	return busy
}

// TestDispatcherOrderPerSubject reproduces issue 21: after a receiver
// failed once, its deliveries arrived out of order, even for one claim (a
// later claim.rated overtook the override before it). Here the receiver
// answers 500 to the first request about claim 10; claim 10 then changes
// three more times, interleaved with claim 11's changes. Claim 10's later
// deliveries wait while its first one is retrying, and arrive after it in
// seq order; claim 11's are not held up: all delivered before claim 10's
// retry is due. (Before the fix the dispatcher sent claim 10's later
// deliveries in the same poll, and the retry arrived last.)
func TestDispatcherOrderPerSubject(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		rcv := newReceiver(t)
		var failedOnce atomic.Bool
		rcv.respond = func(n int, w http.ResponseWriter) {
			a := readArrival(t, rcv.requests()[n-1])
			if a.subject == "claim:10" && failedOnce.CompareAndSwap(false, true) {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
		w := register(t, st, rcv.URL, webhook.ClaimRated, webhook.ClaimFlagsChanged)
		record(t, st, "claim.rated", "claim", 10, map[string]any{"rating": "overstated"})
		record(t, st, "claim.rated", "claim", 11, map[string]any{"rating": "accurate"})
		record(t, st, "claim.flagged", "claim", 10, map[string]any{"flags": []string{"stale_grade"}})
		record(t, st, "claim.flagged", "claim", 11, map[string]any{"flags": []string{}})
		record(t, st, "claim.rated", "claim", 10, map[string]any{"rating": "false", "rating_source": "editor"})
		record(t, st, "claim.rated", "claim", 11, map[string]any{"rating": "overstated"})
		record(t, st, "claim.rated", "claim", 10, map[string]any{"rating": "overstated", "rating_source": "rule"})
		clk := newClock()
		d := webhook.NewDispatcher(st.Outbox(), webhook.Options{Policy: webhook.Policy{AllowPrivate: true}, Now: clk.Now,
			Jitter: func() float64 { return 0.5 }}, nil)

		pollUntilIdle(t, d)
		// Claim 10's first delivery failed and waits for its retry (3.75 s);
		// claim 11 went on meanwhile.
		sent := map[string]int{}
		for _, r := range rcv.requests() {
			sent[readArrival(t, r).subject]++
		}
		if sent["claim:10"] != 1 {
			t.Errorf("while claim 10's first delivery waited for its retry, %d requests about claim 10 were sent, want only that first one",
				sent["claim:10"])
		}
		if sent["claim:11"] != 3 {
			t.Errorf("while claim 10 retried, claim 11 got %d of its 3 deliveries: held up", sent["claim:11"])
		}
		clk.Advance(time.Hour)
		pollUntilIdle(t, d)

		got := rcv.requests()
		var arrivals []arrival
		for _, r := range got {
			verify(t, w.Secret, r, false)
			arrivals = append(arrivals, readArrival(t, r))
		}
		for _, a := range arrivals {
			t.Logf("%s %s seq %d %s", a.msgID, a.subject, a.seq, a.action)
		}
		if bad := outOfOrder(arrivals); len(bad) > 0 {
			t.Errorf("deliveries arrived out of seq order: %v", bad)
		}
		if len(got) != 8 {
			t.Errorf("receiver got %d requests, want 8 (7 deliveries, one retried)", len(got))
		}
		if s := onlyState(t, st, w); s != webhook.Delivered {
			t.Errorf("deliveries are %s, want all delivered", s)
		}
	})
}

// TestDispatcherOrderAfterFailure: a delivery that exhausts its attempts
// is marked failed, and then the later deliveries about its subject go
// (in order); none is sent while it is still retrying.
func TestDispatcherOrderAfterFailure(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		rcv := newReceiver(t)
		var poisoned atomic.Value // the webhook-id the receiver always refuses
		rcv.respond = func(n int, w http.ResponseWriter) {
			r := rcv.requests()[n-1]
			poisoned.CompareAndSwap(nil, r.header.Get("webhook-id"))
			if poisoned.Load() == r.header.Get("webhook-id") {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusOK)
		}
		w := register(t, st, rcv.URL, webhook.SourceRetracted)
		for range 3 {
			record(t, st, "source.retracted", "source", 4, map[string]any{"retracted": true})
		}
		clk := newClock()
		d := webhook.NewDispatcher(st.Outbox(), webhook.Options{Policy: webhook.Policy{AllowPrivate: true}, Now: clk.Now, MaxAttempts: 3}, nil)
		for attempt := 1; attempt <= 3; attempt++ {
			pollUntilIdle(t, d)
			if attempt < 3 {
				if n := len(rcv.requests()); n != attempt {
					t.Fatalf("after attempt %d of the first delivery the receiver got %d requests: a later one was sent while it retried", attempt, n)
				}
			}
			clk.Advance(time.Hour)
		}
		rows, _, err := st.ListDeliveries(context.Background(), w.ID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		states := map[webhook.State]int{}
		for _, r := range rows {
			states[r.State]++
		}
		var arrivals []arrival
		for _, r := range rcv.requests() {
			arrivals = append(arrivals, readArrival(t, r))
		}
		if bad := outOfOrder(arrivals); len(bad) > 0 || len(arrivals) != 5 || states[webhook.Failed] != 1 || states[webhook.Delivered] != 2 {
			t.Errorf("arrivals %+v (out of order: %v), states %v; want the first delivery 3 times then failed, then the other two delivered in order",
				arrivals, bad, states)
		}
	})
}

// TestTwoDispatchersKeepOrder: two dispatchers (two replicas) run on one
// outbox while four writers record 120 changes about 6 claims and the
// receiver refuses a quarter of the requests at random. Per claim, the
// arrivals are in seq order (a retry repeats its seq), never two at once,
// and every delivery ends delivered. Before the fix, with the same random
// refusals, the later deliveries overtook every refused one.
func TestTwoDispatchersKeepOrder(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		const claims, perClaim, writers = 6, 20, 4
		var (
			mu         sync.Mutex
			arrivals   []arrival
			inFlight   = map[string]int{}
			overlaps   int
			refused    int
			rng        = mrand.New(mrand.NewPCG(21, 21))
			requests   atomic.Int64
			deliveredN = map[string]bool{}
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			body, _ := io.ReadAll(r.Body)
			a := readArrival(t, received{header: r.Header, body: body})
			mu.Lock()
			arrivals = append(arrivals, a)
			inFlight[a.subject]++
			if inFlight[a.subject] > 1 {
				overlaps++
			}
			refuse := rng.IntN(4) == 0
			if refuse {
				refused++
			} else {
				deliveredN[a.msgID] = true
			}
			mu.Unlock()
			time.Sleep(time.Millisecond) // a receiver doing a little work
			mu.Lock()
			inFlight[a.subject]--
			mu.Unlock()
			if refuse {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusOK)
		}))
		defer srv.Close()
		w := register(t, st, srv.URL, webhook.ClaimRated, webhook.ClaimFlagsChanged)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		opts := webhook.Options{Policy: webhook.Policy{AllowPrivate: true}, PollInterval: 5 * time.Millisecond, Batch: 4,
			BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond, MaxAttempts: 100}
		var wg sync.WaitGroup
		var claimed [2]atomic.Int64
		for i := range 2 {
			d := webhook.NewDispatcher(counting{st.Outbox(), &claimed[i]}, opts, nil)
			wg.Go(func() { d.Run(ctx) })
		}
		// Four writers commit changes about the six claims concurrently,
		// while both dispatchers poll.
		var writing sync.WaitGroup
		for wr := range writers {
			writing.Go(func() {
				for i := wr; i < claims*perClaim; i += writers {
					action := "claim.rated"
					if i%3 == 0 {
						action = "claim.flagged"
					}
					record(t, st, action, "claim", int64(100+i%claims), map[string]any{"n": i})
				}
			})
		}
		writing.Wait()
		deadline := time.Now().Add(90 * time.Second)
		for testenv.Count(t, st, "webhook_deliveries", "state = 'delivered'") < claims*perClaim && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()

		mu.Lock()
		defer mu.Unlock()
		bad := outOfOrder(arrivals)
		perSubject := map[string]int{}
		for _, a := range arrivals {
			perSubject[a.subject]++
		}
		t.Logf("%s: %d changes about %d claims, %d requests (%d refused), claimed by dispatcher 1: %d, 2: %d; %d out of order, %d overlapping",
			st.Dialect(), claims*perClaim, claims, requests.Load(), refused, claimed[0].Load(), claimed[1].Load(), len(bad), overlaps)
		if len(bad) > 0 {
			t.Errorf("%d arrivals out of seq order, e.g. %v", len(bad), bad[:min(len(bad), 5)])
		}
		if overlaps > 0 {
			t.Errorf("%d requests arrived while another about the same claim was in flight", overlaps)
		}
		if n := testenv.Count(t, st, "webhook_deliveries", "state = 'delivered'"); n != claims*perClaim || len(deliveredN) != claims*perClaim {
			t.Errorf("%d deliveries delivered (%d distinct ids acknowledged), want %d", n, len(deliveredN), claims*perClaim)
		}
		if refused == 0 || claimed[0].Load() == 0 || claimed[1].Load() == 0 {
			t.Errorf("the test did not exercise retries and both dispatchers: %d refused, claimed %d and %d",
				refused, claimed[0].Load(), claimed[1].Load())
		}
		if s := onlyState(t, st, w); s != webhook.Delivered {
			t.Errorf("deliveries are %s, want all delivered", s)
		}
	})
}
