package sweep_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
	"claimgrade/sweep"
)

// fakeStore records the sweeps asked of it and answers with the counts
// given, one per call, then 0.
type fakeStore struct {
	mu      sync.Mutex
	calls   []time.Time
	limits  []int
	answers []int
	err     error
	called  chan struct{}
}

func (f *fakeStore) SweepStaleSearches(ctx context.Context, now time.Time, limit int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, now)
	f.limits = append(f.limits, limit)
	n := 0
	if len(f.answers) > 0 {
		n, f.answers = f.answers[0], f.answers[1:]
	}
	select {
	case f.called <- struct{}{}:
	default:
	}
	return n, f.err
}

// TestSweeperRun: a tick at once; after a full batch the next comes after
// Pause, after a partial one after Interval; each at the injected clock
// with the batch as its limit; Run returns when its context ends.
func TestSweeperRun(t *testing.T) {
	clock := time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	f := &fakeStore{answers: []int{3, 3, 1}, called: make(chan struct{}, 10)}
	s := sweep.New(f, sweep.Options{Batch: 3, Pause: time.Millisecond, Interval: time.Hour, Now: func() time.Time { return clock }}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	for range 3 {
		select {
		case <-f.called:
		case <-time.After(10 * time.Second):
			t.Fatal("the sweeper did not tick again after a full batch")
		}
	}
	// The third tick had a partial batch: the next waits an hour.
	select {
	case <-f.called:
		t.Fatal("the sweeper ticked again right after a partial batch")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) != 3 || !slices.Equal(f.limits, []int{3, 3, 3}) {
		t.Fatalf("calls %v limits %v, want 3 ticks of 3", f.calls, f.limits)
	}
	for _, at := range f.calls {
		if !at.Equal(clock) {
			t.Errorf("a tick at %v, want the injected clock %v", at, clock)
		}
	}
}

// TestSweeperRunFailure: a failed tick is retried after Interval, not in a
// tight loop, and Run still stops with its context.
func TestSweeperRunFailure(t *testing.T) {
	f := &fakeStore{answers: []int{5}, err: errors.New("database unavailable"), called: make(chan struct{}, 10)}
	s := sweep.New(f, sweep.Options{Batch: 5, Pause: time.Millisecond, Interval: time.Hour}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	<-f.called
	select {
	case <-f.called:
		t.Fatal("a failed tick was retried at once")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	<-done
}

// TestSweeperOnTheStore: the sweeper over the real store, its clock set
// three years ahead, flags the claim whose only search is now older than
// the default limit (two years), on both databases.
func TestSweeperOnTheStore(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.CreateTherapy(ctx, store.System("test"), store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy"}); err != nil {
			t.Fatal(err)
		}
		c, err := st.CreateClaim(ctx, store.System("test"), store.ClaimInput{Therapy: "mesotherapy", Text: "Micro-vaccination helps in asthma.",
			Language: "en", ClaimType: grading.ClaimIndication, Assertion: grading.AssertEffect, Hedge: grading.HedgeMay})
		if err != nil {
			t.Fatal(err)
		}
		at, hits, screened, note := time.Now().Add(-time.Hour), int64(12), int64(3), "Nothing includable."
		if _, err := st.CreateSearch(ctx, store.System("test"), c.ID, store.SearchInput{Database: grading.DatabasePubMed,
			Query: "mesotherapy asthma", SearchedAt: &at, Hits: &hits, Screened: &screened, Note: &note}); err != nil {
			t.Fatal(err)
		}
		flags := func() []grading.Flag {
			var out []grading.Flag
			if err := st.DB().Model(&models.ClaimFlag{}).Where("claim_id = ?", c.ID).Order("flag").Pluck("flag", &out).Error; err != nil {
				t.Fatal(err)
			}
			return out
		}
		now := time.Now()
		s := sweep.New(st, sweep.Options{Now: func() time.Time { return now }}, nil)
		if n, err := s.Tick(ctx); err != nil || n != 0 || slices.Contains(flags(), grading.FlagStaleGrade) {
			t.Fatalf("Tick now = %d, %v, flags %v; want nothing to do", n, err, flags())
		}
		now = now.AddDate(3, 0, 0)
		if n, err := s.Tick(ctx); err != nil || n != 1 || !slices.Contains(flags(), grading.FlagStaleGrade) {
			t.Fatalf("Tick three years on = %d, %v, flags %v; want the claim flagged stale_grade", n, err, flags())
		}
		var c2 models.Claim
		if err := st.DB().Take(&c2, c.ID).Error; err != nil {
			t.Fatal(err)
		}
		if !c2.SearchStale || !strings.Contains(c2.RatingExplanation, "(no_evidence_found)") {
			t.Errorf("claim after the sweep: search_stale %v, %s", c2.SearchStale, c2.RatingExplanation)
		}
	})
}
