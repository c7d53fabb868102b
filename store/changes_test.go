package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// readAllChanges pages through the whole feed after seq from.
func readAllChanges(t *testing.T, st *store.Store, from int64, limit int) []models.Change {
	t.Helper()
	var out []models.Change
	after := from
	for {
		page, err := st.Changes(context.Background(), store.Page{After: after, Limit: limit}, "")
		if err != nil {
			t.Fatal(err)
		}
		rows, next := page.Rows, page.Next
		out = append(out, rows...)
		if len(rows) > 0 {
			after = rows[len(rows)-1].Seq
		}
		if next == "" {
			return out
		}
		if c, err := store.DecodeCursor(next); err != nil || c != after {
			t.Fatalf("next cursor %q decodes to %d, %v; want the last seq %d", next, c, err, after)
		}
	}
}

// TestChangesOrderAndResume: every audited write appears once, in seq
// order, private entities left out; a rolled-back write leaves nothing; a
// reader resuming from any seq sees exactly the rest.
func TestChangesOrderAndResume(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a := store.System("test")
		var want []string
		for i := range 7 {
			th, err := st.CreateTherapy(ctx, a, store.TherapyInput{Slug: fmt.Sprintf("t%d", i), Name: fmt.Sprintf("T %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, fmt.Sprintf("therapy.created therapy %d", th.ID))
			name := fmt.Sprintf("Renamed %d", i)
			if _, err := st.UpdateTherapy(ctx, a, th.Slug, th.Version, store.TherapyPatch{Name: &name}); err != nil {
				t.Fatal(err)
			}
			want = append(want, fmt.Sprintf("therapy.updated therapy %d", th.ID))
		}
		// Private entities and rolled-back writes never show.
		if err := st.RecordEvent(ctx, a, "assessment.updated", "assessment", 1, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CreateKey(ctx, a, "k", models.RoleEditor); err != nil {
			t.Fatal(err)
		}
		rollback := errors.New("roll back")
		err := st.InTx(ctx, func(tx *store.Store) error {
			if _, err := tx.CreateTherapy(ctx, a, store.TherapyInput{Slug: "gone", Name: "Gone"}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("InTx: %v", err)
		}
		th, err := st.CreateTherapy(ctx, a, store.TherapyInput{Slug: "last", Name: "Last"})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("therapy.created therapy %d", th.ID))

		all := readAllChanges(t, st, 0, 3)
		var got []string
		for i, c := range all {
			got = append(got, fmt.Sprintf("%s %s %d", c.Action, c.Entity, c.EntityID))
			if i > 0 && c.Seq <= all[i-1].Seq {
				t.Fatalf("seq %d after %d", c.Seq, all[i-1].Seq)
			}
			if c.At.IsZero() {
				t.Fatalf("change %d has no time", c.Seq)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("feed:\n%v\nwant:\n%v", got, want)
		}
		for i := range all {
			rest := readAllChanges(t, st, all[i].Seq, 4)
			if len(rest) != len(all)-i-1 || (len(rest) > 0 && rest[0].Seq != all[i+1].Seq) {
				t.Fatalf("resuming after seq %d gave %d changes, want %d", all[i].Seq, len(rest), len(all)-i-1)
			}
		}
		t.Logf("%d changes, resumed from each of them", len(all))
	})
}

// TestChangesConcurrentWritersNeverSkip: writers that write early and
// commit late, in random order, while a poller follows the feed. The poller
// must see every change exactly once and in increasing seq order, and the
// seqs it saw must be exactly the committed ones. On PostgreSQL the test
// also counts how often audit_events ids (a plain sequence taken at write
// time) became visible out of order, which is what a feed numbered at
// write time would have skipped: it shows that the race was provoked.
func TestChangesConcurrentWritersNeverSkip(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		a := store.System("test")
		writers, perWriter, maxDelay := 8, 12, 25*time.Millisecond
		if !testenv.Postgres(st) {
			// SQLite runs one writer at a time: keep the total short.
			writers, perWriter, maxDelay = 4, 6, 5*time.Millisecond
		}
		cur, err := st.FeedEpoch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		epoch := cur.Epoch
		var wg sync.WaitGroup
		var writeErr atomic.Value
		var done atomic.Bool
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWriter {
					err := st.InTx(ctx, func(tx *store.Store) error {
						th, err := tx.CreateTherapy(ctx, a, store.TherapyInput{Slug: fmt.Sprintf("w%d-%d", w, i), Name: "x"})
						if err != nil {
							return err
						}
						// The audit row (and its id) exists now; commit late.
						time.Sleep(time.Duration(rand.Int64N(int64(maxDelay))))
						name := "y"
						_, err = tx.UpdateTherapy(ctx, a, th.Slug, th.Version, store.TherapyPatch{Name: &name})
						return err
					})
					if err != nil {
						writeErr.Store(err)
						return
					}
				}
			}()
		}

		seen := map[int64]int{}
		var last int64
		polls, naiveSkips := 0, 0
		var naiveLast int64
		naiveSeen := map[int64]bool{}
		poll := func() {
			polls++
			// The position is always the last seq served, so it is never
			// beyond the head while writers commit (a 410 here would be a
			// false "cursor beyond head").
			page, err := st.Changes(ctx, store.Page{After: last, Limit: 7}, epoch)
			rows := page.Rows
			if err != nil {
				t.Error(err)
				return
			}
			for _, c := range rows {
				if c.Seq <= last {
					t.Errorf("seq %d served after %d", c.Seq, last)
				}
				seen[c.Seq]++
				last = c.Seq
			}
			if testenv.Postgres(st) {
				// A naive feed: audit_events by id, resuming after the
				// largest id seen.
				var ids []int64
				st.DB().WithContext(ctx).Model(&models.AuditEvent{}).Where("id > ? AND entity = 'therapy'", naiveLast).
					Order("id").Limit(7).Pluck("id", &ids)
				for _, id := range ids {
					naiveSeen[id] = true
					naiveLast = id
				}
			}
		}
		go func() { wg.Wait(); done.Store(true) }()
		for !done.Load() {
			poll()
			time.Sleep(time.Millisecond)
		}
		for range 1000 { // drain
			before := len(seen)
			poll()
			if len(seen) == before {
				break
			}
		}
		if err, _ := writeErr.Load().(error); err != nil {
			t.Fatalf("writer: %v", err)
		}

		var committed []int64
		if err := st.DB().Model(&models.Change{}).Where("entity = 'therapy'").Order("seq").Pluck("seq", &committed).Error; err != nil {
			t.Fatal(err)
		}
		if want := writers * perWriter * 2; len(committed) != want {
			t.Fatalf("%d committed changes, want %d", len(committed), want)
		}
		for _, s := range committed {
			if seen[s] != 1 {
				t.Errorf("seq %d seen %d times by the poller, want once", s, seen[s])
			}
		}
		if len(seen) != len(committed) {
			t.Errorf("poller saw %d seqs, %d committed", len(seen), len(committed))
		}
		if testenv.Postgres(st) {
			var all []int64
			st.DB().Model(&models.AuditEvent{}).Where("entity = 'therapy'").Pluck("id", &all)
			for _, id := range all {
				if !naiveSeen[id] {
					naiveSkips++
				}
			}
		}
		t.Logf("%d writers x %d transactions (2 changes each): %d changes committed, %d seen by the poller in %d polls, none skipped or repeated; a feed by audit id would have skipped %d",
			writers, perWriter, len(committed), len(seen), polls, naiveSkips)
	})
}

// TestFeedEpochs: a database starts in its own epoch; StartFeedEpoch runs
// only inside a transaction and its epoch commits with it (a rolled-back
// one leaves the epoch as it was); a position of an earlier epoch, or
// beyond the head, is a FeedPositionError (ErrGone) naming the current
// epoch and head; the head itself is a valid position.
func TestFeedEpochs(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		first, err := st.FeedEpoch(ctx)
		if err != nil || first.Reason != models.EpochCreated || len(first.Epoch) != 35 {
			t.Fatalf("FeedEpoch of a new database = %+v, %v; want a created ep_<32 hex>", first, err)
		}
		if _, err := st.StartFeedEpoch(ctx, models.EpochImport); err == nil {
			t.Error("StartFeedEpoch outside a transaction succeeded")
		}
		rollback := errors.New("roll back")
		err = st.InTx(ctx, func(tx *store.Store) error {
			if _, err := tx.StartFeedEpoch(ctx, models.EpochImport); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("InTx = %v", err)
		}
		if e, _ := st.FeedEpoch(ctx); e.Epoch != first.Epoch {
			t.Fatalf("a rolled-back StartFeedEpoch left epoch %s", e.Epoch)
		}
		if _, err := st.CreateTherapy(ctx, store.System("test"), store.TherapyInput{Slug: "t", Name: "T"}); err != nil {
			t.Fatal(err)
		}
		var next string
		err = st.InTx(ctx, func(tx *store.Store) error {
			next, err = tx.StartFeedEpoch(ctx, models.EpochImport)
			return err
		})
		if err != nil || next == first.Epoch {
			t.Fatalf("StartFeedEpoch = %s, %v; want a new epoch", next, err)
		}
		all := readAllChanges(t, st, 0, 50)
		head := all[len(all)-1].Seq
		page, err := st.Changes(ctx, store.Page{After: head}, next)
		if err != nil || page.Epoch != next || len(page.Rows) != 0 {
			t.Errorf("Changes at the head = %+v, %v; want an empty page in epoch %s", page, err, next)
		}
		tests := []struct {
			after   int64
			epoch   string
			problem store.FeedPositionProblem
		}{
			{0, first.Epoch, store.EpochChanged},
			{head + 1, next, store.BeyondHead},
			{head + 1, "", store.BeyondHead},
			{head + 1, first.Epoch, store.EpochChanged},
		}
		for _, tt := range tests {
			_, err := st.Changes(ctx, store.Page{After: tt.after}, tt.epoch)
			var fe *store.FeedPositionError
			if !errors.As(err, &fe) || !errors.Is(err, store.ErrGone) || fe.Problem != tt.problem || fe.Epoch != next || fe.Head != head {
				t.Errorf("Changes(after %d, epoch %q) = %v (%+v), want %s with epoch %s and head %d", tt.after, tt.epoch, err, fe, tt.problem, next, head)
			}
		}
	})
}
