package handlers

import (
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
	Data       []changeResponse `json:"data"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
} //	@name	ChangeList

// ListChanges lists committed changes in commit order.
//
//	@Summary		List committed changes (the changes feed)
//	@Description	Every committed change of the catalogue (entity, id, action, at) in order of `seq`, which follows commit order on every database. A client that stores the last `seq` it processed and asks again with `after=<that seq>` sees every change exactly once, even while concurrent writers commit: no change can later appear below a seq already served. The feed carries no content (fetch the record for that); API keys, users and (blinded) assessments are left out. `next_cursor` is set when more rows are ready; on the last page, poll again with `after` set to the last `seq`.
//	@ID				listChanges
//	@Tags			changes
//	@Produce		json
//	@Param			after	query		int		false	"Return changes with a seq above this one"	minimum(0)	default(0)
//	@Param			limit	query		int		false	"Page size (1-200)"							minimum(1)	maximum(200)	default(50)
//	@Param			cursor	query		string	false	"next_cursor of the previous page (instead of after)"
//	@Success		200		{object}	changeList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Failure		503		{object}	Problem
//	@Header			all		{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all		{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all		{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/changes [get]
func (h *Handler) ListChanges(c *gin.Context) {
	if !checkQuery(c, "after") {
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
	rows, next, err := h.storeFor(c).Changes(c.Request.Context(), page)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := changeList{Data: make([]changeResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, ch := range rows {
		body.Data[i] = changeResponse{Seq: ch.Seq, Entity: ch.Entity, ID: ch.EntityID, Action: ch.Action, At: ch.At.UTC()}
	}
	// The next page's link continues from the cursor; drop after so that
	// the link does not carry both.
	if next != "" {
		q := c.Request.URL.Query()
		q.Del("after")
		c.Request.URL.RawQuery = q.Encode()
	}
	writeList(c, body, next)
}
