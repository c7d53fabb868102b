package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/store"
)

type ratingOverrideRequest struct {
	Rating grading.Rating `json:"rating" example:"overstated"`
	// Why the editor rates otherwise than the rules; required.
	Rationale string `json:"rationale" example:"The trial's pain scores exclude the first injection session."`
} //	@name	RatingOverrideWrite

// PutRating sets an editor's rating of a claim.
//
//	@Summary		Override a claim's rating
//	@Description	An editor's rating replaces the rules' (rating_source editor) with a rationale; the rules' verdict stays in rating_explanation and the change is kept in the claim's history (claim.override_set, claim.rated). When the wording or the linked findings change later, the override still stands but is marked stale (rating_override.stale, flag stale_grade) until an editor sets it again or removes it. Needs If-Match with the claim's ETag or version.
//	@ID				putClaimRating
//	@Tags			claims
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int						true	"Claim id"
//	@Param			If-Match	header		string					true	"ETag of the claim document (GET) or of the claim (\"<version>\") the override is based on"
//	@Param			body		body		ratingOverrideRequest	true	"The editor's rating"
//	@Success		200			{object}	claimDetailResponse
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		410			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/claims/{id}/rating [put]
func (h *Handler) PutRating(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, tag, ok := ifMatchDocument(c, false)
	if !ok {
		return
	}
	var req ratingOverrideRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := h.checkClaimDocument(c, id, tag); err != nil {
		writeError(c, h.log, err)
		return
	}
	if _, err := h.storeFor(c).SetRatingOverride(c.Request.Context(), actor(c), id, version,
		storeOverride(req)); err != nil {
		writeError(c, h.log, err)
		return
	}
	h.writeClaimDetail(c, id)
}

// DeleteRating removes an editor's rating of a claim.
//
//	@Summary		Return a claim's rating to the rules
//	@Description	Removes the editor's override (404 when there is none); the rules' rating applies again at once. Needs If-Match with the claim's ETag or version.
//	@ID				deleteClaimRating
//	@Tags			claims
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int		true	"Claim id"
//	@Param			If-Match	header		string	true	"ETag of the claim document (GET) or of the claim (\"<version>\")"
//	@Success		200			{object}	claimDetailResponse
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		410			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/claims/{id}/rating [delete]
func (h *Handler) DeleteRating(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, tag, ok := ifMatchDocument(c, false)
	if !ok {
		return
	}
	if err := h.checkClaimDocument(c, id, tag); err != nil {
		writeError(c, h.log, err)
		return
	}
	if _, err := h.storeFor(c).ClearRatingOverride(c.Request.Context(), actor(c), id, version); err != nil {
		writeError(c, h.log, err)
		return
	}
	h.writeClaimDetail(c, id)
}

// writeClaimDetail answers with the claim's document as it is now (inside
// the write's transaction), with its ETag.
func (h *Handler) writeClaimDetail(c *gin.Context, id int64) {
	d, err := h.storeFor(c).GetClaim(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeTagged(c, http.StatusOK, claimTag(d), toClaimDetail(d))
}

func storeOverride(r ratingOverrideRequest) store.RatingOverrideInput {
	return store.RatingOverrideInput{Rating: r.Rating, Rationale: r.Rationale}
}
