package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"claimgrade/fhir"
	"claimgrade/models"
	"claimgrade/store"
)

// FHIRContentType is the media type of the FHIR exports: FHIR JSON, R5
// (the fhirVersion parameter of FHIR R5's http.html).
const FHIRContentType = "application/fhir+json; fhirVersion=5.0"

// fhirEvidenceOrBundle documents the answer of GET
// /api/v1/findings/{id}/fhir: an Evidence, or a Bundle with format=bundle.
// The served OpenAPI documents describe it as the union of its field types,
// told apart by resourceType (api/openapi.go); it is never written.
type fhirEvidenceOrBundle struct {
	Evidence *fhir.Evidence
	Bundle   *fhir.Bundle
} //	@name	FHIREvidenceOrBundle

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// toFHIRSource converts a source for the FHIR mappings.
func toFHIRSource(s models.Source) fhir.Source {
	return fhir.Source{ID: s.ID, Title: s.Title, Authors: deref(s.Authors), Year: deref(s.Year), Container: deref(s.Container),
		DOI: deref(s.DOI), PMID: deref(s.PMID), URL: deref(s.URL), Retracted: s.Retracted, RetractionNote: deref(s.RetractionNote)}
}

// toFHIRFinding converts a finding read for export (store.FindingExports)
// for the FHIR mappings. The assessments carry their reviewers' ids only,
// which the mapping turns into pseudonyms.
func toFHIRFinding(e store.FindingExport) fhir.Finding {
	f := e.Finding
	q := f.Question
	out := fhir.Finding{ID: f.ID, Question: fhir.Question{Population: q.Population, Intervention: q.Intervention,
		Comparator: deref(q.Comparator), Outcome: q.Outcome, Timepoint: q.Timepoint}, Measure: deref(f.Measure),
		Estimate: f.Estimate, CILow: f.CILow, CIHigh: f.CIHigh, Events: f.Events, Participants: f.Participants, Studies: f.Studies,
		Summary: f.Summary}
	if g := f.Grade; g != nil {
		out.Grade = &fhir.Grade{Certainty: deref(g.Certainty), OccurrenceCertainty: deref(g.OccurrenceCertainty), Attribution: deref(g.Attribution),
			Start: g.Derivation.Start, StartReason: g.Derivation.StartReason, Judgements: g.Judgements, Method: g.Method,
			Withdrawn: g.WithdrawnAt != nil, WithdrawnReason: deref(g.WithdrawnReason)}
	}
	for _, fs := range f.Sources {
		out.Sources = append(out.Sources, toFHIRSource(fs.Source))
	}
	for _, as := range e.Assessments {
		out.Assessments = append(out.Assessments, fhir.Assessment{ID: as.ID, ReviewerID: as.ReviewerID, Status: as.Status,
			Judgements: as.Judgements, Start: as.Derivation.Start, Certainty: as.Derivation.Result, Rationale: as.Rationale,
			SubmittedAt: deref(as.SubmittedAt)})
	}
	return out
}

// writeFHIR writes a FHIR resource as application/fhir+json.
func (h *Handler) writeFHIR(c *gin.Context, r fhir.Resource) {
	body, err := json.Marshal(r)
	if err != nil {
		writeError(c, h.log, fmt.Errorf("encode FHIR %s: %w", r.ResourceType(), err))
		return
	}
	writeBodyTagged(c, FHIRContentType, body)
}

// GetFindingFHIR returns a finding as FHIR R5.
//
//	@Summary		Get a finding as FHIR R5 Evidence
//	@Description	The finding as an HL7 FHIR R5 (5.0.0) `Evidence` in `application/fhir+json`: `variableDefinition` (population, exposure, referenceExposure when the question has a comparator, measuredVariable; `variableRole` from http://terminology.hl7.org/CodeSystem/variable-role), the `statistic` (statisticType from http://terminology.hl7.org/CodeSystem/statistic-type, the estimate, numberOfEvents, sampleSize, the 95% CI as an attributeEstimate of type C53324), for a graded finding the `certainty` (Overall and one subcomponent per GRADE domain, coded in http://hl7.org/fhir/certainty-type and http://hl7.org/fhir/certainty-rating, reasons as notes; an ungraded finding has none), and a `relatedArtifact` of type citation per source. `format=bundle` returns instead a `Bundle` of type collection with the Evidence, a `Citation` per source and, for a graded finding only, an `ArtifactAssessment` per submitted assessment its grade rests on, by a pseudonymous author ("Reviewer 1"); drafts are never exported. The body is FHIR's shape (see hl7.org/fhir/R5), not this API's.
//	@ID				getFindingFhir
//	@Tags			findings
//	@Produce		application/fhir+json
//	@Param			id				path		int		true	"Finding id"
//	@Param			format			query		string	false	"evidence (default) or bundle"	Enums(evidence, bundle)
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy (a digest of the body)"
//	@Success		200				{object}	fhirEvidenceOrBundle
//	@Success		304
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/findings/{id}/fhir [get]
func (h *Handler) GetFindingFHIR(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !onlyQuery(c, "format") {
		return
	}
	format := c.DefaultQuery("format", "evidence")
	if format != "evidence" && format != "bundle" {
		badRequest(c, fmt.Sprintf("unknown format %q", format), FieldProblem{Field: "format", Message: "must be evidence or bundle"})
		return
	}
	rows, err := h.storeFor(c).FindingExports(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	f := toFHIRFinding(rows[0])
	if format == "bundle" {
		b, err := fhir.FindingBundle(f)
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		h.writeFHIR(c, b)
		return
	}
	ev, err := fhir.EvidenceOf(f)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	h.writeFHIR(c, ev)
}

// GetClaimFHIR returns a claim's rating and its evidence as a FHIR R5 Bundle.
//
//	@Summary		Get a claim as a FHIR R5 Bundle
//	@Description	A `Bundle` of type collection (unique fullUrl per entry, every reference resolving inside it): the `Evidence` of each linked finding, a `Citation` per source (the findings' sources and the article the claim appears in first), an `ArtifactAssessment` per submitted assessment of a graded finding (pseudonymous authors; drafts and assessments of ungraded findings are never exported), and the claim's own rating as an `ArtifactAssessment` on the article's Citation: a `comment` with the verbatim claim (its language as a classifier) and a `rating` classified in the local CodeSystem {PUBLIC_BASE_URL}/fhir/CodeSystem/claim-rating, with the rating explanation and a `justification` relatedArtifact per Evidence. A claim that appears nowhere has no article to assess: 404. The body is FHIR's shape (see hl7.org/fhir/R5), not this API's.
//	@ID				getClaimFhir
//	@Tags			claims
//	@Produce		application/fhir+json
//	@Param			id				path		int		true	"Claim id"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy (a digest of the body)"
//	@Success		200				{object}	fhir.Bundle
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
//	@Router			/api/v1/claims/{id}/fhir [get]
func (h *Handler) GetClaimFHIR(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !checkQuery(c) {
		return
	}
	ctx := c.Request.Context()
	d, err := h.storeFor(c).GetClaim(ctx, id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	if len(d.Appearances) == 0 {
		Fail(c, http.StatusNotFound, TypeNotFound, fmt.Sprintf("claim %d appears in no article: its FHIR rating is an ArtifactAssessment on the article's Citation, so there is nothing to export until an appearance is recorded", id))
		return
	}
	ids := make([]int64, len(d.Findings))
	for i, cf := range d.Findings {
		ids[i] = cf.FindingID
	}
	var findings []fhir.Finding
	if len(ids) > 0 {
		rows, err := h.storeFor(c).FindingExports(ctx, ids...)
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		for _, r := range rows {
			findings = append(findings, toFHIRFinding(r))
		}
	}
	b, err := fhir.ClaimBundle(fhir.Claim{ID: d.Claim.ID, Text: d.Claim.Text, Language: d.Claim.Language, Rating: d.Claim.Rating,
		RatingExplanation: d.Claim.RatingExplanation, Article: toFHIRSource(d.Appearances[0].Source), Findings: findings,
		BaseURL: h.opts.PublicBaseURL})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	h.writeFHIR(c, b)
}

// GetClaimRatingCodeSystem serves the claim-rating CodeSystem at its
// canonical URL.
//
//	@Summary		The claim-rating CodeSystem (FHIR R5)
//	@Description	The local CodeSystem that classifies a claim's rating in the FHIR exports (GET /api/v1/claims/{id}/fhir), as an HL7 FHIR R5 `CodeSystem` in `application/fhir+json`, served at its canonical URL {PUBLIC_BASE_URL}/fhir/CodeSystem/claim-rating (outside /api/v1, public whatever PUBLIC_READ says: it holds the vocabulary, no catalogue data). `status` active, `content` complete, case-sensitive codes: every claim rating (accurate, overstated, unproven, false, not_rated) with its display and definition.
//	@ID				getClaimRatingCodeSystem
//	@Tags			fhir
//	@Produce		application/fhir+json
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy (a digest of the body)"
//	@Success		200				{object}	fhir.CodeSystem
//	@Success		304
//	@Failure		400	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Router			/fhir/CodeSystem/claim-rating [get]
func (h *Handler) GetClaimRatingCodeSystem(c *gin.Context) {
	cs, err := fhir.ClaimRatingCodeSystem(h.opts.PublicBaseURL, h.opts.PublisherName)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	h.writeFHIR(c, cs)
}
