package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Job is one claimed delivery: where it goes, how it is signed, and the
// event it carries.
type Job struct {
	DeliveryID int64
	WebhookID  int64
	URL        string
	Secret     string
	// Attempts is how many attempts were made before this one.
	Attempts int
	Event    Event
}

// MessageID is the webhook-id of a delivery: the same on every attempt, so
// that a receiver that saw it already can ignore a repeat.
func (j Job) MessageID() string { return "msg_" + strconv.FormatInt(j.DeliveryID, 10) }

// Outcome is the result of one attempt and where it leaves the delivery.
type Outcome struct {
	DeliveryID int64
	At         time.Time
	// StatusCode is the receiver's HTTP status; 0 when none came.
	StatusCode int
	// Error says why no response came (refused address, timeout...).
	Error    string
	Duration time.Duration
	// State is the delivery's state after the attempt; NextAttemptAt is set
	// when it stays pending.
	State         State
	NextAttemptAt *time.Time
}

// ErrLeaseLost is returned by Outbox.Finish when the delivery is no longer
// claimed by that lease: the lease ran out and another dispatcher claimed
// the delivery, or the webhook was deleted.
var ErrLeaseLost = errors.New("delivery no longer held by this lease")

// Outbox is the durable queue of deliveries (the store implements it).
type Outbox interface {
	// Claim takes up to limit deliveries that are pending and due at now,
	// marks them with lease and makes them due again only at leaseUntil,
	// so that no other dispatcher takes them meanwhile, and one that
	// crashes gives them back when the lease runs out. It takes a delivery
	// only when no earlier delivery (by seq) to the same webhook about the
	// same Subject is pending, so deliveries about one subject are sent in
	// order, one at a time.
	Claim(ctx context.Context, now time.Time, limit int, lease string, leaseUntil time.Time) ([]Job, error)
	// Finish records an attempt of a delivery claimed with lease and moves
	// the delivery to o.State (ErrLeaseLost when the lease is gone).
	Finish(ctx context.Context, lease string, o Outcome) error
}

// Options tune a dispatcher. Zero values take the defaults.
type Options struct {
	Policy Policy
	// MaxAttempts is how many attempts a delivery gets before it fails
	// (WEBHOOK_MAX_ATTEMPTS; default 12).
	MaxAttempts int
	// PollInterval is how often the outbox is polled when idle
	// (WEBHOOK_POLL_INTERVAL; default 2s).
	PollInterval time.Duration
	// Timeout bounds one attempt, connection to last byte (default 10s).
	Timeout time.Duration
	// Lease is how long a claimed delivery stays away from other
	// dispatchers; it must exceed Timeout (default 2m).
	Lease time.Duration
	// Batch is how many deliveries one poll claims and sends at once
	// (default 16).
	Batch int
	// BaseDelay and MaxDelay shape the backoff: BaseDelay·2^(n-1) after the
	// n-th failed attempt, at most MaxDelay, with jitter (defaults 5s, 1h).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Now is the clock of scheduling and signing (default time.Now).
	Now func() time.Time
	// Jitter returns a number in [0, 1) (default math/rand).
	Jitter func() float64
}

// Defaults of Options.
const (
	DefaultMaxAttempts  = 12
	DefaultPollInterval = 2 * time.Second
	DefaultTimeout      = 10 * time.Second
	DefaultLease        = 2 * time.Minute
	DefaultBatch        = 16
	DefaultBaseDelay    = 5 * time.Second
	DefaultMaxDelay     = time.Hour
)

func (o Options) withDefaults() Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	def(&o.PollInterval, DefaultPollInterval)
	def(&o.Timeout, DefaultTimeout)
	def(&o.Lease, DefaultLease)
	def(&o.BaseDelay, DefaultBaseDelay)
	def(&o.MaxDelay, DefaultMaxDelay)
	if o.Lease <= o.Timeout {
		o.Lease = o.Timeout + time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = mrand.Float64
	}
	return o
}

// Backoff is the wait after the n-th failed attempt (n ≥ 1): base·2^(n-1),
// capped at max, of which the upper half is jittered ("equal jitter"), so
// that receivers recovering from an outage are not hit by every retry at
// once, and no wait is shorter than half its step.
func Backoff(n int, base, max time.Duration, jitter float64) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(jitter*float64(d/2))
}

// Dispatcher sends the deliveries of the outbox: at least once, signed,
// with exponential backoff, across restarts (all its state is in the
// outbox), and with several replicas each delivery is sent by one of them
// at a time (Outbox.Claim). Per webhook, the deliveries about one subject
// go in seq order, one at a time: Outbox.Claim holds a later one back
// while an earlier one is pending, so a poll never sends two about one
// subject.
type Dispatcher struct {
	out    Outbox
	opts   Options
	log    *slog.Logger
	client *http.Client
}

// NewDispatcher makes a dispatcher over out.
func NewDispatcher(out Outbox, opts Options, log *slog.Logger) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	transport := &http.Transport{
		// No proxy: the address checked must be the receiver's.
		Proxy:                 nil,
		DialContext:           opts.Policy.Dialer(opts.Timeout).DialContext,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          32,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		// A redirect is not a delivery: the 3xx is recorded and retried.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Dispatcher{out: out, opts: opts, log: log, client: client}
}

// Run polls and sends until ctx ends, then waits for the attempts in
// flight (each bounded by Timeout) and returns.
func (d *Dispatcher) Run(ctx context.Context) {
	tick := time.NewTicker(d.opts.PollInterval)
	defer tick.Stop()
	defer d.client.CloseIdleConnections()
	for {
		n, err := d.Poll(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("webhook poll failed", "error", err.Error())
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil && n > 0 {
			// More may be due: the rest of a backlog, or the next delivery
			// about a subject whose earlier one this poll finished (one
			// delivery per webhook and subject is sent at a time).
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Poll claims the deliveries due now (one batch), sends them concurrently
// and records the outcomes; it returns how many it claimed. Attempts
// already started finish even when ctx ends.
func (d *Dispatcher) Poll(ctx context.Context) (int, error) {
	now := d.opts.Now()
	lease, err := newLease()
	if err != nil {
		return 0, err
	}
	jobs, err := d.out.Claim(ctx, now, d.opts.Batch, lease, now.Add(d.opts.Lease))
	if err != nil {
		return 0, fmt.Errorf("claim deliveries: %w", err)
	}
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, job := range jobs {
		wg.Go(func() {
			o := d.attempt(ctx, job)
			fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := d.out.Finish(fctx, lease, o); err != nil {
				errs[i] = fmt.Errorf("delivery %d: %w", job.DeliveryID, err)
			}
		})
	}
	wg.Wait()
	return len(jobs), errors.Join(errs...)
}

func newLease() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make lease: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// attempt sends a job once and says where that leaves the delivery.
func (d *Dispatcher) attempt(ctx context.Context, job Job) Outcome {
	at := d.opts.Now()
	o := Outcome{DeliveryID: job.DeliveryID, At: at}
	start := time.Now()
	o.StatusCode, o.Error = d.send(ctx, job, at)
	o.Duration = time.Since(start)
	n := job.Attempts + 1
	switch {
	case o.StatusCode >= 200 && o.StatusCode < 300:
		o.State = Delivered
	case n >= d.opts.MaxAttempts:
		o.State = Failed
	default:
		o.State = Pending
		next := at.Add(Backoff(n, d.opts.BaseDelay, d.opts.MaxDelay, d.opts.Jitter()))
		o.NextAttemptAt = &next
	}
	level := slog.LevelDebug
	if o.State != Delivered {
		level = slog.LevelWarn
	}
	d.log.Log(ctx, level, "webhook attempt", "delivery", job.DeliveryID, "webhook", job.WebhookID, "attempt", n,
		"status", o.StatusCode, "error", o.Error, "state", string(o.State))
	return o
}

// send posts the signed event; it returns the status code, or the reason
// no response came.
func (d *Dispatcher) send(ctx context.Context, job Job, at time.Time) (int, string) {
	body, err := job.Event.Body()
	if err != nil {
		return 0, "encode event: " + err.Error()
	}
	u, err := url.Parse(job.URL)
	if err != nil {
		return 0, "invalid URL"
	}
	// The registration rules apply at every attempt (the configuration may
	// have changed since); the address is checked when dialling.
	if err := d.opts.Policy.checkScheme(u); err != nil {
		return 0, "url " + err.Error()
	}
	sig, err := Sign(job.Secret, job.MessageID(), at, body)
	if err != nil {
		return 0, err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "build request: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "claimgrade-webhooks/1")
	req.Header.Set(HeaderID, job.MessageID())
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	res, err := d.client.Do(req)
	if err != nil {
		return 0, describe(err)
	}
	defer res.Body.Close()
	// Read a bounded part of the body, so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, ""
}

// describe shortens a client error to its cause (the URL is already known).
func describe(err error) string {
	var blocked *BlockedAddressError
	if errors.As(err, &blocked) {
		return blocked.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timed out: " + ue.Err.Error()
		}
		return ue.Err.Error()
	}
	return err.Error()
}
