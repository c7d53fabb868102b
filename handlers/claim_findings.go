package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/store"
)

type claimFindingResponse struct {
	ID        int64 `json:"id" example:"21"`
	ClaimID   int64 `json:"claim_id" example:"5"`
	FindingID int64 `json:"finding_id" example:"3"`
	// How the finding bears on the claim's wording.
	Stance grading.Stance `json:"stance" example:"refutes"`
	// Why the stance: the editor's note.
	Note      *string         `json:"note" extensions:"x-nullable"`
	Version   int64           `json:"version" example:"1"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	Finding   findingResponse `json:"finding"`
} //	@name	ClaimFinding

type createClaimFindingRequest struct {
	FindingID int64          `json:"finding_id" minimum:"1" example:"3"`
	Stance    grading.Stance `json:"stance" example:"refutes"`
	Note      *string        `json:"note,omitempty" example:"Pain fell equally in both arms."`
} //	@name	ClaimFindingCreate

type patchClaimFindingRequest struct {
	Stance *grading.Stance `json:"stance,omitempty" example:"mixed"`
	// An empty string clears the note.
	Note *string `json:"note,omitempty"`
} //	@name	ClaimFindingPatch

func toClaimFindingResponse(cf models.ClaimFinding) claimFindingResponse {
	return claimFindingResponse{ID: cf.ID, ClaimID: cf.ClaimID, FindingID: cf.FindingID, Stance: cf.Stance, Note: cf.Note,
		Version: cf.Version, CreatedAt: cf.CreatedAt, UpdatedAt: cf.UpdatedAt, Finding: toFindingResponse(cf.Finding)}
}

// LinkClaimFinding links a finding to a claim.
//
//	@Summary		Link a finding to a claim
//	@Description	The finding bears on the claim with a stance (supports, refutes, mixed, neutral) and an optional note. One link per claim and finding (409); it is addressed by the finding's id. The claim's verdict and grade stay claim-level for now.
//	@ID				linkClaimFinding
//	@Tags			claims
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id				path		int							true	"Claim id"
//	@Param			Idempotency-Key	header		string						false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createClaimFindingRequest	true	"The link"
//	@Success		201				{object}	claimFindingResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		410				{object}	Problem
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/claims/{id}/findings [post]
func (h *Handler) LinkClaimFinding(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req createClaimFindingRequest
	if !bindJSON(c, &req) {
		return
	}
	cf, err := h.storeFor(c).LinkFinding(c.Request.Context(), actor(c), id, store.ClaimFindingInput{FindingID: req.FindingID, Stance: req.Stance, Note: req.Note})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/claims/%d/findings/%d", id, cf.FindingID))
	writeResource(c, http.StatusCreated, cf.Version, toClaimFindingResponse(cf))
}

// PatchClaimFinding changes a claim-finding link.
//
//	@Summary		Change a claim's link to a finding
//	@Description	Stance and note; the finding is permanent (delete and re-link instead).
//	@ID				patchClaimFinding
//	@Tags			claims
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int							true	"Claim id"
//	@Param			fid			path		int							true	"Finding id"
//	@Param			If-Match	header		string						true	"ETag of the link's version the change is based on"
//	@Param			body		body		patchClaimFindingRequest	true	"Fields to change"
//	@Success		200			{object}	claimFindingResponse
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
//	@Router			/api/v1/claims/{id}/findings/{fid} [patch]
func (h *Handler) PatchClaimFinding(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	fid, ok := pathID(c, "fid")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req patchClaimFindingRequest
	if !bindJSON(c, &req) {
		return
	}
	cf, err := h.storeFor(c).UpdateClaimFinding(c.Request.Context(), actor(c), id, fid, version, store.ClaimFindingPatch{Stance: req.Stance, Note: req.Note})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, cf.Version, toClaimFindingResponse(cf))
}

// UnlinkClaimFinding removes a claim-finding link.
//
//	@Summary		Remove a claim's link to a finding
//	@Description	If-Match is optional.
//	@ID				unlinkClaimFinding
//	@Tags			claims
//	@Security		ApiKeyAuth
//	@Param			id			path	int		true	"Claim id"
//	@Param			fid			path	int		true	"Finding id"
//	@Param			If-Match	header	string	false	"ETag of the link's version being removed"
//	@Success		204
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		410	{object}	Problem
//	@Failure		412	{object}	Problem
//	@Failure		428	{object}	Problem	"If-Match: * names no version"
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/api/v1/claims/{id}/findings/{fid} [delete]
func (h *Handler) UnlinkClaimFinding(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	fid, ok := pathID(c, "fid")
	if !ok {
		return
	}
	version, ok := optionalIfMatch(c)
	if !ok {
		return
	}
	if err := h.storeFor(c).UnlinkFinding(c.Request.Context(), actor(c), id, fid, version); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
