// Package sweep runs the periodic re-derivation that time alone makes
// necessary: a claim whose newest evidence search ages past
// SEARCH_STALE_AFTER must carry stale_grade, though nothing was written.
// The rule is pure (grading.SearchStale gets the time and the limit); the
// store finds the claims whose stored staleness no longer holds and
// re-derives them (store.SweepStaleSearches); this package only decides
// when, like the webhook dispatcher's loop: started by serve, stopped with
// it, its clock injectable for tests.
package sweep

import (
	"context"
	"log/slog"
	"time"
)

// Store re-derives, at now, up to limit claims whose search staleness no
// longer holds, and says how many it re-derived.
type Store interface {
	SweepStaleSearches(ctx context.Context, now time.Time, limit int) (int, error)
}

// Options tune a Sweeper. Zero values take the defaults.
type Options struct {
	// Interval is the wait between two ticks when the last one had less
	// than a full batch to do (default 10 minutes: a search ages by days).
	Interval time.Duration
	// Pause is the wait after a full batch, so that a backlog (a raised
	// or lowered limit, a server down for a long time) is worked off in
	// bounded transactions without holding a connection all the while
	// (default 1s).
	Pause time.Duration
	// Batch bounds the claims one tick re-derives, in one transaction
	// (default 500).
	Batch int
	// Now is the clock the searches' age is measured by (default
	// time.Now).
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultInterval = 10 * time.Minute
	DefaultPause    = time.Second
	DefaultBatch    = 500
)

// Sweeper re-derives, tick by tick, the claims whose newest evidence search
// crossed the staleness limit.
type Sweeper struct {
	st   Store
	opts Options
	log  *slog.Logger
}

// New returns a sweeper over st.
func New(st Store, opts Options, log *slog.Logger) *Sweeper {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Pause <= 0 {
		opts.Pause = DefaultPause
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sweeper{st: st, opts: opts, log: log}
}

// Tick re-derives at most one batch of claims, at the sweeper's clock, and
// says how many.
func (s *Sweeper) Tick(ctx context.Context) (int, error) {
	return s.st.SweepStaleSearches(ctx, s.opts.Now(), s.opts.Batch)
}

// Run ticks until ctx is done: at once, then after Pause when a tick had a
// full batch (more may be waiting), else after Interval. A failed tick is
// logged and tried again after Interval; a tick in flight when ctx ends is
// cancelled with it (its transaction rolls back, and the next start does
// its work).
func (s *Sweeper) Run(ctx context.Context) {
	for {
		n, err := s.Tick(ctx)
		wait := s.opts.Interval
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			s.log.Warn("search sweep failed; trying again later", "error", err.Error(), "retry_in", wait.String())
		case n > 0:
			s.log.Info("search sweep re-derived claims whose searches aged", "claims", n)
			if n >= s.opts.Batch {
				wait = s.opts.Pause
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
