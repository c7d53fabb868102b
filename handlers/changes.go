package handlers

import (
	"fmt"
	"math"
	"time"

	"github.com/gin-gonic/gin"
)

type changeResponse struct {
	// Position in the feed: increasing in commit order. Resume with after=<the last seq you saw>.
	Seq int64 `json:"seq" example:"42"`
	// Kind of record that changed: claim, link, source, therapy, question, finding, finding_source, claim_finding, grade, dataset (a demo dataset load).
	Entity string `json:"entity" example:"claim"`
	// Id of the record that changed.
	ID int64 `json:"id" example:"5"`
	// What happened, as in the audit trail (<entity>.<verb>).
	Action string    `json:"action" example:"claim.updated"`
	At     time.Time `json:"at" example:"2026-01-02T15:04:05Z"`
} //	@name	Change

type changeList struct {
	// The feed's epoch: an opaque id of the database's lineage, in which the seqs are positions. Keep it with the last seq you processed and send both back (epoch=, after=); an import or restore starts a new epoch, and a position of another epoch is a 410.
	Epoch      string           `json:"epoch" example:"ep_5f0c3e7a9b2d4c61a8e0f1b2c3d4e5f6"`
	Data       []changeResponse `json:"data"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
} //	@name	ChangeList

// maxEpochLength bounds the epoch parameter (the server's are 35
// characters).
const maxEpochLength = 64

// ListChanges lists committed changes in commit order.
//
//	@Summary		List committed changes (the changes feed)
//	@Description	Every committed change of the catalogue (entity, id, action, at) in order of `seq`, which follows commit order on every database. A client that stores the last `seq` it processed and asks again with `after=<that seq>` sees every change exactly once, even while concurrent writers commit: no change can later appear below a seq already served. The feed carries no content (fetch the record for that); API keys, users and (blinded) assessments are left out. `next_cursor` is set when more rows are ready; on the last page, poll again with `after` set to the last `seq`.
//	@Description	Every page carries the feed's `epoch`, the id of the database's lineage: store it with your position and send it back as `epoch=`. An import or a restore starts a new epoch. A position that does not belong to the current feed is a 410 problem, never an empty page: `/problems/feed-epoch-changed` when `epoch` names another lineage, `/problems/cursor-beyond-head` when `after` (or `cursor`) is past the last committed seq (an `after` equal to it is the normal position of a client that has caught up). Both mean: resynchronise from `GET /api/v1/export`, then follow the feed from the problem's `head` with its `epoch`.
//	@ID				listChanges
//	@Tags			changes
//	@Produce		json
//	@Param			after	query		int		false	"Return changes with a seq above this one"														minimum(0)	default(0)
//	@Param			epoch	query		string	false	"The epoch of the page your position comes from; another epoch than the current one is a 410"	maxLength(64)
//	@Param			limit	query		int		false	"Page size (1-200)"																				minimum(1)	maximum(200)	default(50)
//	@Param			cursor	query		string	false	"next_cursor of the previous page (instead of after)"
//	@Success		200		{object}	changeList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		410		{object}	Problem	"The position is not one of the current feed (another epoch, or beyond the head): resynchronise from an export"
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Header			all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/changes [get]
func (h *Handler) ListChanges(c *gin.Context) {
	if !checkQuery(c, "after", "epoch") {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	after, set, ok := queryInt(c, "after", 0, math.MaxInt64, "must be a seq: an integer of 0 or more, in decimal digits")
	if !ok {
		return
	}
	if set {
		if c.Query("cursor") != "" {
			badRequest(c, "after and cursor both given", FieldProblem{Field: "after", Message: "give either after or cursor, not both"})
			return
		}
		page.After = after
	}
	epoch, set := c.GetQuery("epoch")
	if set && !validEpoch(epoch) {
		badRequest(c, "invalid epoch", FieldProblem{Field: "epoch",
			Message: fmt.Sprintf("must be the epoch of a page of this feed: 1 to %d letters, digits, _ or -", maxEpochLength)})
		return
	}
	feed, err := h.storeFor(c).Changes(c.Request.Context(), page, epoch)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := changeList{Epoch: feed.Epoch, Data: make([]changeResponse, len(feed.Rows)), NextCursor: cursorPtr(feed.Next)}
	for i, ch := range feed.Rows {
		body.Data[i] = changeResponse{Seq: ch.Seq, Entity: ch.Entity, ID: ch.EntityID, Action: ch.Action, At: ch.At.UTC()}
	}
	// The next page's link continues from the cursor, in this page's
	// epoch (so that following it fails with a 410 rather than reading on
	// across an import); drop after so that the link does not carry both.
	if feed.Next != "" {
		q := c.Request.URL.Query()
		q.Del("after")
		q.Set("epoch", feed.Epoch)
		c.Request.URL.RawQuery = q.Encode()
	}
	writeList(c, body, feed.Next)
}

// validEpoch: 1 to maxEpochLength letters, digits, underscores or hyphens.
func validEpoch(s string) bool {
	if len(s) == 0 || len(s) > maxEpochLength {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
