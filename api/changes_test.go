package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// feedPage is one page of GET /api/v1/changes.
type feedPage struct {
	Epoch string `json:"epoch"`
	Data  []struct {
		Seq    int64  `json:"seq"`
		Entity string `json:"entity"`
		ID     int64  `json:"id"`
		Action string `json:"action"`
		At     string `json:"at"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// TestChangesFeed: the feed lists the catalogue's writes in order, pages by
// cursor (body and Link header) and resumes by after, leaves out keys and
// users, checks its parameters, and honours PUBLIC_READ.
func TestChangesFeed(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st) // creates keys and users: never in the feed
		therapy := testenv.ID(s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor",
			Body: map[string]any{"slug": "mesotherapy", "name": "Mesotherapy"}}).Want(t, 201))
		created := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor",
			Body: map[string]any{"therapy": "mesotherapy", "text": "Nahezu schmerzfrei.", "language": "de", "claim_type": "efficacy"}})
		claim := testenv.ID(created.Want(t, 201))
		s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d", claim), Role: "editor",
			Body: map[string]any{"text": "Fast schmerzfrei."}, Headers: map[string]string{"If-Match": created.Header.Get("ETag")}}).Want(t, 200)
		s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", claim), Role: "editor"}).Want(t, 204)
		// A refused write (a 4xx rolls back) leaves nothing in the feed.
		s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor",
			Body: map[string]any{"slug": "mesotherapy", "name": "Again"}}).Want(t, 409)

		// Every audited write of the catalogue, in the order made (one
		// writer here, so audit order is commit order).
		var events []models.AuditEvent
		if err := st.DB().Where("entity NOT IN ?", []string{"api_key", "user"}).Order("id").Find(&events).Error; err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, ev := range events {
			want = append(want, fmt.Sprintf("%s %d %s", ev.Entity, ev.EntityID, ev.Action))
		}
		for _, w := range []string{fmt.Sprintf("therapy %d therapy.created", therapy), fmt.Sprintf("claim %d claim.created", claim),
			fmt.Sprintf("claim %d claim.updated", claim), fmt.Sprintf("claim %d claim.archived", claim)} {
			if !slices.Contains(want, w) {
				t.Fatalf("audit trail %v lacks %q", want, w)
			}
		}
		// Page through anonymously, two at a time, following the Link header.
		var got []string
		var seqs []int64
		path := "/api/v1/changes?limit=2"
		for pages := 0; path != ""; pages++ {
			if pages > 10 {
				t.Fatal("the feed does not end")
			}
			res := s.Do(testenv.Request{Method: "GET", Path: path})
			var p feedPage
			res.Want(t, 200)
			res.Decode(t, &p)
			for _, c := range p.Data {
				got = append(got, fmt.Sprintf("%s %d %s", c.Entity, c.ID, c.Action))
				if len(seqs) > 0 && c.Seq <= seqs[len(seqs)-1] {
					t.Fatalf("seq %d after %d", c.Seq, seqs[len(seqs)-1])
				}
				if !strings.HasSuffix(c.At, "Z") {
					t.Errorf("at %q is not UTC", c.At)
				}
				seqs = append(seqs, c.Seq)
			}
			path = ""
			if p.NextCursor != nil {
				link := res.Header.Get("Link")
				u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`))
				if err != nil || u.Query().Get("cursor") != *p.NextCursor || u.Query().Get("limit") != "2" {
					t.Fatalf("Link %q does not continue from next_cursor %q", link, *p.NextCursor)
				}
				path = u.String()
			} else if res.Header.Get("Link") != "" {
				t.Errorf("last page has a Link header %q", res.Header.Get("Link"))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("feed:\n%v\nwant:\n%v", got, want)
		}

		// Resuming after each seq gives exactly the changes after it.
		for i, seq := range seqs {
			var p feedPage
			s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/changes?after=%d", seq)}).Decode(t, &p)
			if len(p.Data) != len(seqs)-i-1 || (len(p.Data) > 0 && p.Data[0].Seq != seqs[i+1]) || p.NextCursor != nil {
				t.Fatalf("after=%d: %d changes, want %d", seq, len(p.Data), len(seqs)-i-1)
			}
		}
		// A write after the client caught up shows up on its next poll.
		s.Do(testenv.Request{Method: "POST", Path: "/api/v1/therapies", Role: "editor",
			Body: map[string]any{"slug": "cupping", "name": "Cupping"}}).Want(t, 201)
		var p feedPage
		s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/changes?after=%d", seqs[len(seqs)-1])}).Decode(t, &p)
		if len(p.Data) != 1 || p.Data[0].Action != "therapy.created" {
			t.Fatalf("poll after the last seq: %+v, want the new therapy", p.Data)
		}
		t.Logf("%d changes paged 2 at a time, resumed from each seq, then 1 new change polled", len(seqs))

		for _, q := range []string{"after=-1", "after=x", "limit=0", "limit=201", "cursor=bogus", "since=1",
			"after=1&cursor=" + store.EncodeCursor(1)} {
			s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes?" + q}).Problem(t, 400)
		}

		private := testenv.NewServer(t, st, func(c *api.Config) { c.PublicRead = false })
		private.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes"}).Problem(t, 401)
		private.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes", Role: "reader"}).Want(t, 200)
	})
}

// readFeed pages through the whole feed from after=0 and returns the
// epoch and the last seq, as a partner stores them.
func readFeed(t *testing.T, s *testenv.Server) (string, int64) {
	t.Helper()
	epoch, last := "", int64(0)
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("the feed does not end")
		}
		var p feedPage
		s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/changes?after=%d&limit=200", last)}).Decode(t, &p)
		if p.Epoch == "" || (epoch != "" && p.Epoch != epoch) {
			t.Fatalf("page epoch %q after %q", p.Epoch, epoch)
		}
		epoch = p.Epoch
		if len(p.Data) > 0 {
			last = p.Data[len(p.Data)-1].Seq
		}
		if p.NextCursor == nil {
			return epoch, last
		}
	}
}

// TestChangesFeedEpochs reproduces issue 21's restore: a partner stored
// its position (epoch and seq) in the feed of a catalogue, which was then
// exported and imported into an empty database. There the stored seq is
// beyond the head: before, an empty 200 (the partner missed every change
// until the numbers caught up); now a 410 telling it to resynchronise, with
// the new epoch and head; with the stored epoch sent too, the epoch is the
// problem. A position equal to the head is fine; the import started a new
// epoch in the restored database too, so even a position below the head of
// the epoch before the import is refused; a refused import or a dry run
// keeps the epoch.
func TestChangesFeedEpochs(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			src := testenv.Open(t, b)
			// The demo is graded through the review workflow: its feed has
			// far more changes (about 570) than the restore, which records
			// one change a record (about 260).
			seedDemoAPI(t, src)
			srcServer := testenv.NewServer(t, src)
			oldEpoch, stored := readFeed(t, srcServer)
			export := exportHTTP(t, srcServer)

			dst := testenv.Open(t, b)
			s := testenv.NewServer(t, dst)
			before, err := dst.FeedEpoch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if before.Epoch == oldEpoch || before.Reason != models.EpochCreated {
				t.Fatalf("a new database's epoch = %+v, want its own lineage (not %s), created", before, oldEpoch)
			}
			if res := importHTTP(s, export, "?dry_run=true"); res.Status != http.StatusOK {
				t.Fatalf("dry run = %d %s", res.Status, res.Body)
			}
			if e, _ := dst.FeedEpoch(ctx); e.Epoch != before.Epoch {
				t.Errorf("a dry run started epoch %s", e.Epoch)
			}
			if res := importHTTP(s, export, ""); res.Status != http.StatusOK {
				t.Fatalf("import = %d %s", res.Status, res.Body)
			}
			restored, err := dst.FeedEpoch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			newEpoch, head := readFeed(t, s)
			t.Logf("partner stored seq %d in epoch %s; the restored feed is in epoch %s (before the import %s), head %d",
				stored, oldEpoch, newEpoch, before.Epoch, head)
			if newEpoch != restored.Epoch || restored.Reason != models.EpochImport || newEpoch == oldEpoch || newEpoch == before.Epoch {
				t.Fatalf("after the import the feed is in epoch %s (%+v), want a new one", newEpoch, restored)
			}
			if head >= stored {
				t.Fatalf("the restored feed's head %d is not below the stored position %d: the test needs more history", head, stored)
			}

			wantGone := func(query, typ string) map[string]any {
				t.Helper()
				p := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes?" + query}).Problem(t, http.StatusGone)
				if p["type"] != typ || p["epoch"] != newEpoch || p["head"] != float64(head) ||
					!strings.Contains(p["detail"].(string), "/api/v1/export") {
					t.Errorf("%s = %v, want %s with epoch %s and head %d, pointing to the export", query, p, typ, newEpoch, head)
				}
				return p
			}
			// The partner resumes where it was, as before the restore.
			wantGone(fmt.Sprintf("after=%d", stored), "/problems/cursor-beyond-head")
			wantGone("cursor="+store.EncodeCursor(stored), "/problems/cursor-beyond-head")
			wantGone(fmt.Sprintf("after=%d&epoch=%s", stored, oldEpoch), "/problems/feed-epoch-changed")
			// Another lineage is refused even where its seqs exist here.
			p := wantGone("after=1&epoch="+oldEpoch, "/problems/feed-epoch-changed")
			if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "epoch" {
				t.Errorf("problem errors = %v, want the epoch field", p["errors"])
			}
			wantGone("after=0&epoch="+before.Epoch, "/problems/feed-epoch-changed")
			wantGone(fmt.Sprintf("after=%d&epoch=%s", head+1, newEpoch), "/problems/cursor-beyond-head")

			// Resynchronised: the position the problem names is fine.
			var page feedPage
			s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/changes?after=%d&epoch=%s", head, newEpoch)}).Want(t, 200)
			s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/changes?after=%d&epoch=%s", head, newEpoch)}).Decode(t, &page)
			if len(page.Data) != 0 || page.Epoch != newEpoch {
				t.Errorf("at the head: %+v, want an empty page in epoch %s", page, newEpoch)
			}
			// The Link of a page carries its epoch.
			res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes?limit=1"})
			res.Want(t, 200)
			if link := res.Header.Get("Link"); !strings.Contains(link, "epoch="+newEpoch) {
				t.Errorf("Link %q lacks the page's epoch", link)
			}

			// A refused import keeps the epoch (it commits with the import).
			importHTTP(s, export, "").Problem(t, http.StatusConflict)
			if e, _ := dst.FeedEpoch(ctx); e.Epoch != newEpoch {
				t.Errorf("a refused import started epoch %s", e.Epoch)
			}
			for _, q := range []string{"epoch=", "epoch=ep!", "epoch=" + strings.Repeat("e", 65)} {
				s.Do(testenv.Request{Method: "GET", Path: "/api/v1/changes?" + q}).Problem(t, http.StatusBadRequest)
			}
		})
	}
}
