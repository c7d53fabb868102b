package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"claimgrade/bulk"
	"claimgrade/store"
)

// importCount counts what an import created and what it matched to records
// already in the catalogue.
type importCount struct {
	Created int `json:"created" example:"65"`
	// Records found in the catalogue instead of created: therapies by slug, sources by DOI or PMID.
	Matched int `json:"matched" example:"0"`
} //	@name	ImportCount

type importCounts struct {
	Therapies importCount `json:"therapies"`
	Sources   importCount `json:"sources"`
	Questions importCount `json:"questions"`
	Findings  importCount `json:"findings"`
	Claims    importCount `json:"claims"`
} //	@name	ImportCounts

type importResponse struct {
	// True when nothing was written (dry_run=true): the counts say what the import would do.
	DryRun bool `json:"dry_run" example:"false"`
	// True when the catalogue was empty: the file's ids were kept. Otherwise new ids were assigned and references remapped.
	Restore bool         `json:"restore" example:"true"`
	Counts  importCounts `json:"counts"`
} //	@name	ImportResult

func toImportResponse(r store.ImportResult) importResponse {
	c := func(n store.ImportCount) importCount { return importCount{Created: n.Created, Matched: n.Matched} }
	return importResponse{DryRun: r.DryRun, Restore: r.Restore, Counts: importCounts{Therapies: c(r.Therapies),
		Sources: c(r.Sources), Questions: c(r.Questions), Findings: c(r.Findings), Claims: c(r.Claims)}}
}

// Export streams the catalogue as NDJSON.
//
//	@Summary		Export the catalogue (NDJSON)
//	@Description	The whole catalogue as claimgrade-ndjson version 2 (`application/x-ndjson`, one JSON object a line), streamed in constant memory: first `{"type":"header","format":"claimgrade-ndjson","version":2}`, then `{"type":"therapy"|"source"|"question"|"finding"|"claim","data":{...}}` lines in that order and by id, last `{"type":"end","counts":{...}}` (a stream without it was cut short). Therapies are named by slug; the other records carry their id, and references between lines (a finding's question and sources, a review's includes, a claim's appearances and findings, a grade's assessments) use those ids. Findings embed their sources, the submitted assessments of graded findings (never drafts, never an ungraded finding's blinded assessments), every grade (with whether it is stale) and their derived certainty and flags; claims embed appearances, finding links with stance, an editor's override and their derived rating, certainty, counts and flags. Archived claims, users, API keys, webhooks, idempotency records and the audit trail are never exported. No value changes between two exports of the same catalogue (no export time, no updated_at or version), so they are byte-identical. The README describes every line type.
//	@ID				exportCatalogue
//	@Tags			bulk
//	@Produce		application/x-ndjson
//	@Success		200	{string}	string	"NDJSON, one object a line"	example({"type":"header","format":"claimgrade-ndjson","version":2})
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/export [get]
func (h *Handler) Export(c *gin.Context) {
	if !onlyQuery(c) {
		return
	}
	// Check that the database answers before the 200 is sent: once the
	// stream has begun, an error can only cut it short (no end line).
	st := h.storeFor(c)
	if err := st.Ping(c.Request.Context()); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Content-Type", bulk.MediaType)
	c.Header("Content-Disposition", `attachment; filename="claimgrade.ndjson"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := st.ExportNDJSON(c.Request.Context(), c.Writer, c.Writer.Flush); err != nil {
		// The status is sent: log it; the missing end line tells the client.
		h.log.Error("export cut short", "request_id", c.GetString(RequestIDKey), "err", err)
		_ = c.Error(err)
	}
}

// Import adds an NDJSON file to the catalogue.
//
//	@Summary		Import NDJSON into the catalogue (all or nothing)
//	@Description	Takes a claimgrade-ndjson file as GET /api/v1/export writes it (`Content-Type: application/x-ndjson`), at most IMPORT_MAX_BYTES (default 1 GiB; the body is spooled to a temporary file, not held in memory). The whole file is validated first: every problem is reported with its `line` (1-based) and `field` (e.g. `data.kind`, `data.sources[0].source`) in a 422, up to 100 problems (the detail says when there were more). Then it is written in one transaction: any error writes nothing. Into an empty catalogue the file's ids are kept (`restore: true`: a backup restored keeps its URLs); otherwise new ids are assigned and references remapped. A source whose DOI or PMID is already catalogued is matched to that source instead of being created, a therapy whose slug exists is matched (counts `matched`). A question with the same therapy and PICO as a catalogued one, or a live claim with the same therapy, language, text and text_en, is a 409 listing the lines: importing the same file twice never doubles the catalogue. Derived values in the file (`derived`) are ignored: ratings, certainties, counts and flags are derived again by the rules. Each imported record is recorded in the audit trail (and the changes feed) as `<entity>.imported`, the import as one `catalogue.imported` event with the counts. `dry_run=true` runs every check and every write and then rolls them back: the counts say what the import would do.
//	@ID				importCatalogue
//	@Tags			bulk
//	@Accept			application/x-ndjson
//	@Produce		json
//	@Security		ApiKeyAuth
//	@Param			dry_run			query		bool	false	"Validate and count, write nothing"	default(false)
//	@Param			Idempotency-Key	header		string	false	"Retry-safe key: the same key and body replay the first response"
//	@Param			body			body		string	true	"claimgrade-ndjson, one JSON object a line"
//	@Success		200				{object}	importResponse
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Failure		429				{object}	Problem
//	@Failure		503				{object}	Problem
//	@Router			/api/v1/import [post]
func (h *Handler) Import(c *gin.Context) {
	if !onlyQuery(c, "dry_run") {
		return
	}
	dryRun, _, ok := queryBool(c, "dry_run")
	if !ok {
		return
	}
	if ct := c.ContentType(); ct != bulk.MediaType && ct != "application/jsonl" {
		Fail(c, http.StatusUnsupportedMediaType, TypeMediaType, "send the body as Content-Type: "+bulk.MediaType)
		return
	}
	res, err := h.storeFor(c).ImportNDJSON(c.Request.Context(), actor(c), c.Request.Body, store.ImportOptions{DryRun: dryRun})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, toImportResponse(res))
}
