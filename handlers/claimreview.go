package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/claimreview"
	"claimgrade/store"
)

// LDJSONContentType is the media type of the ClaimReview exports.
const LDJSONContentType = "application/ld+json"

// claimReviewInput converts a claim read with its appearances and
// findings for the ClaimReview mapping.
func claimReviewInput(d store.ClaimDetail) claimreview.Claim {
	cl := d.Claim
	in := claimreview.Claim{ID: cl.ID, Text: cl.Text, Summary: cl.Summary, Language: cl.Language, Rating: cl.Rating,
		Certainty: deref(cl.Certainty), Basis: deref(cl.CertaintyBasis), Verdict: verdictOf(cl), CreatedAt: cl.CreatedAt, RatedAt: cl.RatedAt}
	for _, a := range d.Appearances {
		u := deref(a.URL)
		if u == "" {
			u = deref(a.Source.URL)
		}
		in.Appearances = append(in.Appearances, claimreview.Appearance{URL: u, Headline: a.Source.Title,
			Year: deref(a.Source.Year), Container: deref(a.Source.Container)})
	}
	for _, cf := range d.Findings {
		for _, fs := range cf.Finding.Sources {
			in.Citations = append(in.Citations, claimreview.Source{Title: fs.Source.Title, DOI: deref(fs.Source.DOI), URL: deref(fs.Source.URL)})
		}
	}
	return in
}

func (h *Handler) publisher() claimreview.Publisher {
	return claimreview.Publisher{Name: h.opts.PublisherName, URL: h.opts.PublisherURL}
}

// claimReviewOf maps a claim to its ClaimReview.
func (h *Handler) claimReviewOf(d store.ClaimDetail) (claimreview.ClaimReview, error) {
	return claimreview.Review(claimReviewInput(d), h.opts.PublicBaseURL, h.publisher())
}

// ldBytes encodes a JSON-LD document as the exports send it. The public
// claim page embeds these same bytes: encoding/json escapes <, > and &, so
// they are safe inside a script element.
func ldBytes(v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode JSON-LD: %w", err)
	}
	return body, nil
}

func (h *Handler) writeLD(c *gin.Context, v any) {
	body, err := ldBytes(v)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeBodyTagged(c, LDJSONContentType, body)
}

// GetClaimReview returns a rated claim as schema.org ClaimReview.
//
//	@Summary		Get a claim's ClaimReview (schema.org JSON-LD)
//	@Description	The claim's rating as a schema.org `ClaimReview` in `application/ld+json` (mapping in docs/claimreview.md): `url` is the public fact-check page `{PUBLIC_BASE_URL}/claims/{id}`, `claimReviewed` the claim's summary (else its text), `datePublished` the day the claim was recorded, `dateModified` when it was last rated, `author` the fact-checker (PUBLISHER_NAME, PUBLISHER_URL), `reviewRating` a `Rating` (accurate 5, overstated 3, false 1, bestRating 5, worstRating 1; unproven has no number, only alternateName "Unproven"), whose `alternateName` (the rating with the certainty it rests on, e.g. "Overstated (low-certainty evidence)") and `description` (the verdict sentence, as rating_summary) are in the claim's language, `itemReviewed` a `Claim` with its appearances as CreativeWorks, and the sources of the linked findings as ScholarlyArticle `citation`s. A claim rated not_rated has no review: 404, saying so.
//	@ID				getClaimReview
//	@Tags			claims
//	@Produce		application/ld+json
//	@Param			id				path		int		true	"Claim id"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy (a digest of the body)"
//	@Success		200				{object}	claimreview.ClaimReview
//	@Success		304
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		410	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/claims/{id}/claimreview [get]
func (h *Handler) GetClaimReview(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !onlyQuery(c) {
		return
	}
	d, err := h.storeFor(c).GetClaim(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	r, err := h.claimReviewOf(d)
	if errors.Is(err, claimreview.ErrNotRated) {
		Fail(c, http.StatusNotFound, TypeNotFound, fmt.Sprintf("claim %d is not rated (rating not_rated: no graded finding decides it), and only rated claims are exported as ClaimReview", id))
		return
	}
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	h.writeLD(c, r)
}

// ListClaimReviews returns the feed of ClaimReviews.
//
//	@Summary		List ClaimReviews (schema.org DataFeed)
//	@Description	The rated claims (not not_rated, not archived) in id order as a schema.org `DataFeed` in `application/ld+json`, each a `DataFeedItem` with `dateModified` (when the claim was last rated) and the `item`, its ClaimReview (as GET /api/v1/claims/{id}/claimreview, without its own @context). Keyset-paged: when there is more, the `Link` header (rel="next") carries the next page's cursor. `updated_since` (RFC 3339) keeps the claims changed or rated at or after that instant.
//	@ID				listClaimReviews
//	@Tags			claims
//	@Produce		application/ld+json
//	@Param			updated_since	query		string	false	"RFC 3339 instant: only claims changed or rated since"	format(date-time)
//	@Param			limit			query		int		false	"Page size (1-200)"										minimum(1)	maximum(200)	default(50)
//	@Param			cursor			query		string	false	"Cursor from the previous page's Link header"
//	@Success		200				{object}	claimreview.DataFeed
//	@Header			200				{string}	Link	"The next page, rel=\"next\", when there is one"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Header			all				{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all				{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all				{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/claimreview [get]
func (h *Handler) ListClaimReviews(c *gin.Context) {
	if !checkQuery(c, "updated_since") {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	var since *time.Time
	if v, set := c.GetQuery("updated_since"); set {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			badRequest(c, "invalid updated_since", FieldProblem{Field: "updated_since", Message: "must be an RFC 3339 instant such as 2026-01-02T15:04:05Z"})
			return
		}
		since = &t
	}
	rows, next, err := h.storeFor(c).RatedClaims(c.Request.Context(), page, since)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	reviews := make([]claimreview.ClaimReview, 0, len(rows))
	for _, d := range rows {
		r, err := h.claimReviewOf(d)
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		reviews = append(reviews, r)
	}
	feed := claimreview.Feed(reviews, h.opts.PublicBaseURL+"/api/v1/claimreview", h.publisher())
	if next != "" {
		u := c.Request.URL
		q := u.Query()
		q.Set("cursor", next)
		c.Header("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, u.Path, q.Encode()))
	}
	h.writeLD(c, feed)
}
