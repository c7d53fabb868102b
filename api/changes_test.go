package api_test

import (
	"fmt"
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
	Data []struct {
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
