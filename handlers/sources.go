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

type sourceResponse struct {
	ID        int64              `json:"id" example:"3"`
	Kind      grading.SourceKind `json:"kind" example:"rct"`
	Title     string             `json:"title" example:"Mesotherapy versus Systemic Therapy in the Treatment of Acute Low Back Pain: A Randomized Trial"`
	Authors   *string            `json:"authors" extensions:"x-nullable" example:"Costantino C, Marangio E, Coruzzi G"`
	Year      *int               `json:"year" extensions:"x-nullable" example:"2011"`
	Container *string            `json:"container" extensions:"x-nullable" example:"Evidence-Based Complementary and Alternative Medicine"`
	DOI       *string            `json:"doi" extensions:"x-nullable" example:"10.1155/2011/317183"`
	PMID      *string            `json:"pmid" extensions:"x-nullable" example:"20953425"`
	URL       *string            `json:"url" extensions:"x-nullable"`
	Language  *string            `json:"language" extensions:"x-nullable" example:"en"`
	// For a systematic_review or meta_analysis: the design of the studies it pools; null otherwise.
	IncludedDesign *grading.IncludedDesign `json:"included_design" extensions:"x-nullable" example:"randomised"`
	// Ids of the catalogued sources a review pools (empty for other kinds).
	Includes       []int64   `json:"includes"`
	Retracted      bool      `json:"retracted" example:"false"`
	RetractionNote *string   `json:"retraction_note" extensions:"x-nullable"`
	Version        int64     `json:"version" example:"1"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
} //	@name	Source

type sourceClaimLink struct {
	// The appearance that records the claim in this source.
	AppearanceID int64        `json:"appearance_id" example:"7"`
	Claim        claimSummary `json:"claim"`
} //	@name	SourceClaimLink

type claimSummary struct {
	ID       int64          `json:"id" example:"5"`
	Therapy  string         `json:"therapy" example:"mesotherapy"`
	Text     string         `json:"text" example:"Die Behandlung ist nahezu schmerzfrei."`
	Language string         `json:"language" example:"de"`
	Rating   grading.Rating `json:"rating" example:"unproven"`
} //	@name	ClaimSummary

type sourceDetailResponse struct {
	sourceResponse
	// Claims that appear in this source (at most 500), oldest first. (The findings a study, review or guideline is evidence for are listed by GET /api/v1/findings.)
	Claims []sourceClaimLink `json:"claims"`
} //	@name	SourceDetail

type sourceList struct {
	Data       []sourceResponse `json:"data"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
} //	@name	SourceList

type createSourceRequest struct {
	Kind    grading.SourceKind `json:"kind" example:"rct"`
	Title   string             `json:"title" example:"Mesotherapy versus Systemic Therapy in the Treatment of Acute Low Back Pain: A Randomized Trial"`
	Authors *string            `json:"authors,omitempty" example:"Costantino C, Marangio E, Coruzzi G"`
	// The year of publication, from 1500 to next year (the maximum below is only the format's).
	Year           *int    `json:"year,omitempty" minimum:"1500" maximum:"9999" example:"2011"`
	Container      *string `json:"container,omitempty" example:"Evidence-Based Complementary and Alternative Medicine"`
	DOI            *string `json:"doi,omitempty" example:"https://doi.org/10.1155/2011/317183"`
	PMID           *string `json:"pmid,omitempty" example:"20953425"`
	URL            *string `json:"url,omitempty"`
	Language       *string `json:"language,omitempty" example:"en"`
	Retracted      bool    `json:"retracted,omitempty" example:"false"`
	RetractionNote *string `json:"retraction_note,omitempty"`
	// Required for a systematic_review or meta_analysis, forbidden otherwise.
	IncludedDesign *grading.IncludedDesign `json:"included_design,omitempty" example:"randomised"`
	// Reviews only: ids of catalogued sources the review pools (not itself; not web_article, news or other).
	Includes []int64 `json:"includes,omitempty" minimum:"1"`
} //	@name	SourceCreate

type patchSourceRequest struct {
	Kind    *grading.SourceKind `json:"kind,omitempty"`
	Title   *string             `json:"title,omitempty"`
	Authors *string             `json:"authors,omitempty"`
	// The year of publication, from 1500 to next year (the maximum below is only the format's), or null to clear it.
	Year           Nullable[int] `json:"year,omitempty" swaggertype:"integer" minimum:"1500" maximum:"9999" extensions:"x-nullable" example:"2011"`
	Container      *string       `json:"container,omitempty"`
	DOI            *string       `json:"doi,omitempty"`
	PMID           *string       `json:"pmid,omitempty"`
	URL            *string       `json:"url,omitempty"`
	Language       *string       `json:"language,omitempty"`
	Retracted      *bool         `json:"retracted,omitempty" example:"true"`
	RetractionNote *string       `json:"retraction_note,omitempty" example:"Retracted by the journal for data fabrication."`
	// An included design, or null to clear it (when the kind stops being a review).
	IncludedDesign Nullable[grading.IncludedDesign] `json:"included_design,omitempty" swaggertype:"string" extensions:"x-nullable"`
	// Replaces the included sources; [] clears them.
	Includes *[]int64 `json:"includes,omitempty" minimum:"1"`
} //	@name	SourcePatch

func toSourceResponse(s models.Source) sourceResponse {
	return sourceResponse{ID: s.ID, Kind: s.Kind, Title: s.Title, Authors: s.Authors, Year: s.Year, Container: s.Container,
		DOI: s.DOI, PMID: s.PMID, URL: s.URL, Language: s.Language, IncludedDesign: s.IncludedDesign, Includes: s.IncludeIDs(),
		Retracted: s.Retracted, RetractionNote: s.RetractionNote, Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func toClaimSummary(c models.Claim) claimSummary {
	return claimSummary{ID: c.ID, Therapy: c.Therapy.Slug, Text: c.Text, Language: c.Language, Rating: c.Rating}
}

// ListSources lists sources.
//
//	@Summary		List sources
//	@Description	Studies, reviews, guidelines and web articles, by id, keyset-paginated. `doi` is normalised before matching, so https://doi.org/10.1155/... finds 10.1155/....
//	@ID				listSources
//	@Tags			sources
//	@Produce		json
//	@Param			kind		query		grading.SourceKind	false	"Source kind"
//	@Param			q			query		string				false	"Case-insensitive text in title, authors or container"
//	@Param			doi			query		string				false	"DOI (any case, with or without https://doi.org/)"
//	@Param			pmid		query		string				false	"PubMed id"
//	@Param			retracted	query		bool				false	"Only retracted (true) or only not retracted (false)"
//	@Param			limit		query		int					false	"Page size (1-200)"	minimum(1)	maximum(200)	default(50)
//	@Param			cursor		query		string				false	"next_cursor of the previous page"
//	@Success		200			{object}	sourceList
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Header			all			{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all			{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all			{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/sources [get]
func (h *Handler) ListSources(c *gin.Context) {
	if !checkQuery(c, "kind", "q", "doi", "pmid", "retracted") {
		return
	}
	page, ok := parsePage(c)
	if !ok {
		return
	}
	f := store.SourceFilter{Q: c.Query("q"), DOI: c.Query("doi"), PMID: c.Query("pmid"), Page: page}
	retracted, set, ok := queryBool(c, "retracted")
	if !ok {
		return
	}
	if set {
		f.Retracted = &retracted
	}
	if fp := parseFilter(c, nil, "kind", grading.ParseSourceKind, &f.Kind); len(fp) > 0 {
		badRequest(c, "invalid kind filter", fp...)
		return
	}
	rows, next, err := h.storeFor(c).ListSources(c.Request.Context(), f)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := sourceList{Data: make([]sourceResponse, len(rows)), NextCursor: cursorPtr(next)}
	for i, s := range rows {
		body.Data[i] = toSourceResponse(s)
	}
	writeList(c, body, next)
}

// GetSource returns a source with the claims that link it.
//
//	@Summary		Get a source and the claims that link it
//	@Description	The ETag ("<version>-<digest>") changes whenever anything the document shows changes (a link to the source, a linking claim); PATCH accepts it, or the source's own "<version>", as If-Match.
//	@ID				getSource
//	@Tags			sources
//	@Produce		json
//	@Param			id				path		int		true	"Source id"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	sourceDetailResponse
//	@Success		304
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/sources/{id} [get]
func (h *Handler) GetSource(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	d, err := h.storeFor(c).GetSource(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	body := sourceDetailResponse{sourceResponse: toSourceResponse(d.Source), Claims: make([]sourceClaimLink, len(d.Links))}
	for i, l := range d.Links {
		body.Claims[i] = sourceClaimLink{AppearanceID: l.Link.ID, Claim: toClaimSummary(l.Claim)}
	}
	writeTagged(c, http.StatusOK, sourceTag(d), body)
}

// CreateSource creates a source.
//
//	@Summary		Create a source
//	@Description	The DOI is normalised (lower case, no https://doi.org/ prefix). A DOI or PMID that another source holds is a 409 naming that source in existing_id. A systematic_review or meta_analysis states included_design (randomised, non_randomised, non_comparative, mixed; 422 without it) and may list the catalogued sources it pools in includes; other kinds take neither (422).
//	@ID				createSource
//	@Tags			sources
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			Idempotency-Key	header		string				false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		createSourceRequest	true	"The source"
//	@Success		201				{object}	sourceResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/sources [post]
func (h *Handler) CreateSource(c *gin.Context) {
	var req createSourceRequest
	if !bindJSON(c, &req) {
		return
	}
	s, err := h.storeFor(c).CreateSource(c.Request.Context(), actor(c), store.SourceInput{Kind: req.Kind, Title: req.Title,
		Authors: req.Authors, Year: req.Year, Container: req.Container, DOI: req.DOI, PMID: req.PMID, URL: req.URL,
		Language: req.Language, Retracted: req.Retracted, RetractionNote: req.RetractionNote, IncludedDesign: req.IncludedDesign,
		Includes: req.Includes})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/sources/%d", s.ID))
	writeResource(c, http.StatusCreated, s.Version, toSourceResponse(s))
}

// PatchSource changes a source.
//
//	@Summary		Change or retract a source
//	@Description	Retracting (retracted: true) or un-retracting re-flags every claim that links the source as evidence, and every finding that rests on it directly or through a review that includes it (retracted_evidence), in the same transaction; so does changing a review's includes. An empty string clears an optional text field. A kind or included_design that the source's uses no longer allow (attached to findings, included by reviews, a reported certainty or design subset in use) is a 422.
//	@ID				patchSource
//	@Tags			sources
//	@Accept			json
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			id			path		int					true	"Source id"
//	@Param			If-Match	header		string				true	"ETag of the source document (GET) or of the source (\"<version>\") the change is based on"
//	@Param			body		body		patchSourceRequest	true	"Fields to change"
//	@Success		200			{object}	sourceResponse
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Failure		428			{object}	Problem
//	@Failure		429			{object}	Problem
//	@Failure		503			{object}	Problem
//	@Router			/api/v1/sources/{id} [patch]
func (h *Handler) PatchSource(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, tag, ok := ifMatchDocument(c, false)
	if !ok {
		return
	}
	var req patchSourceRequest
	if !bindJSON(c, &req) {
		return
	}
	if tag != "" {
		d, err := h.storeFor(c).GetSource(c.Request.Context(), id)
		if err == nil {
			err = checkDocument(tag, sourceTag(d))
		}
		if err != nil {
			writeError(c, h.log, err)
			return
		}
	}
	s, err := h.storeFor(c).UpdateSource(c.Request.Context(), actor(c), id, version, store.SourcePatch{Kind: req.Kind, Title: req.Title,
		Authors: req.Authors, Year: req.Year.Value, ClearYear: req.Year.Set && req.Year.Value == nil, Container: req.Container,
		DOI: req.DOI, PMID: req.PMID, URL: req.URL, Language: req.Language, Retracted: req.Retracted, RetractionNote: req.RetractionNote,
		IncludedDesign: store.Nullable[grading.IncludedDesign](req.IncludedDesign), Includes: req.Includes})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	writeResource(c, http.StatusOK, s.Version, toSourceResponse(s))
}
