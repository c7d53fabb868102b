package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/claimreview"
	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/store"
)

// The public claim page (DESIGN "Partners"): the fact-check page a
// publisher links to and the url of the claim's ClaimReview. It shows the
// claim in its own language, its appearances, its rating, the linked
// findings with their summary-of-findings rows (toSummaryOfFindings, as
// GET /api/v1/questions/{id}/summary builds them) and embeds the
// ClaimReview that GET /api/v1/claims/{id}/claimreview serves, byte for
// byte. Like the exports it reads only graded findings' grades, never an
// assessment.

// claimPage is the page template: html/template escapes every text; the
// JSON-LD goes in as template.JS (see claimReviewScript).
var claimPage = template.Must(template.New("claim.html").Funcs(template.FuncMap{
	"symbols": grading.CertaintySymbols,
	"value":   deref[grading.Certainty],
}).ParseFS(templateFS, "templates/claim.html"))

// pageAppearance is an article the claim appears in.
type pageAppearance struct {
	Title     string
	URL       string
	Publisher string
	Year      int
}

// pageRow is a summary-of-findings row with the stance of its finding's
// link to the claim.
type pageRow struct {
	summaryRow
	Stance grading.Stance
}

// pageTable is the summary-of-findings table of one question, restricted
// to the findings linked to the claim.
type pageTable struct {
	QuestionID int64
	Title      string
	Therapy    string
	Rows       []pageRow
	Footnotes  []summaryFootnote
}

// claimPageView is what the page template reads.
type claimPageView struct {
	T                 pageText
	Lang              string
	ID                int64
	Version           int64
	Canonical         string
	Text              string
	TextEn            string
	Therapy           string
	Rated             bool
	Rating            grading.Rating
	Certainty         grading.Certainty
	Editor            bool
	OverrideRationale string
	Explanation       string
	RatedAt           string
	Appearances       []pageAppearance
	Tables            []pageTable
	Publisher         claimreview.Publisher
	// ClaimReview is the JSON-LD, nil for a claim that is not rated.
	ClaimReview template.JS
}

// claimReviewScript returns the ClaimReview bytes for the page's script
// element. They are the API's bytes: encoding/json writes <, > and & as
// \u003c, \u003e and \u0026 (and U+2028, U+2029 escaped), so no text in the
// document can close the element or open a comment; a document holding
// one anyway is refused rather than embedded.
func claimReviewScript(doc []byte) (template.JS, error) {
	if bytes.ContainsAny(doc, "<>&") {
		return "", errors.New("the ClaimReview JSON holds an unescaped <, > or &")
	}
	return template.JS(doc), nil
}

// toPageTables groups the claim's linked findings by question (in link
// order) and builds each question's summary-of-findings table from them.
func toPageTables(findings []models.ClaimFinding) []pageTable {
	var order []int64
	byQuestion := map[int64]*store.QuestionSummary{}
	stances := map[int64]grading.Stance{}
	for _, cf := range findings {
		f := cf.Finding
		stances[f.ID] = cf.Stance
		s, ok := byQuestion[f.QuestionID]
		if !ok {
			s = &store.QuestionSummary{Question: f.Question}
			byQuestion[f.QuestionID] = s
			order = append(order, f.QuestionID)
		}
		s.Findings = append(s.Findings, f)
	}
	tables := make([]pageTable, 0, len(order))
	for _, q := range order {
		s := byQuestion[q]
		sof := toSummaryOfFindings(*s)
		t := pageTable{QuestionID: q, Title: sof.Title, Therapy: s.Question.Therapy.Name, Footnotes: sof.Footnotes}
		for _, r := range sof.Rows {
			t.Rows = append(t.Rows, pageRow{summaryRow: r, Stance: stances[r.FindingID]})
		}
		tables = append(tables, t)
	}
	return tables
}

func (h *Handler) claimPageView(d store.ClaimDetail, ld []byte) (claimPageView, error) {
	cl := d.Claim
	v := claimPageView{T: textFor(cl.Language), Lang: cl.Language, ID: cl.ID, Version: cl.Version,
		Canonical: h.opts.PublicBaseURL + "/claims/" + strconv.FormatInt(cl.ID, 10), Text: cl.Text, TextEn: deref(cl.TextEn),
		Therapy: cl.Therapy.Name, Rating: cl.Rating, Certainty: deref(cl.Certainty), Editor: cl.RatingSource == grading.SourceEditor,
		OverrideRationale: deref(cl.OverrideRationale), Explanation: cl.RatingExplanation, Tables: toPageTables(d.Findings),
		Publisher: h.publisher()}
	if primary, _, _ := strings.Cut(strings.ToLower(cl.Language), "-"); primary == "en" || v.TextEn == cl.Text {
		v.TextEn = "" // nothing to translate
	}
	v.Rated = cl.Rating != grading.RatingNotRated
	if cl.RatedAt != nil {
		v.RatedAt = cl.RatedAt.UTC().Format(time.DateOnly)
	}
	for _, a := range d.Appearances {
		u := deref(a.URL)
		if u == "" {
			u = deref(a.Source.URL)
		}
		v.Appearances = append(v.Appearances, pageAppearance{Title: a.Source.Title, URL: u, Publisher: deref(a.Source.Container),
			Year: deref(a.Source.Year)})
	}
	if ld != nil {
		js, err := claimReviewScript(ld)
		if err != nil {
			return v, fmt.Errorf("claim %d: %w", cl.ID, err)
		}
		v.ClaimReview = js
	}
	return v, nil
}

// claimPageTag covers what the page shows: the claim and everything
// claimTag covers (appearances, linked findings with their flags, grades
// and questions).
func claimPageTag(d store.ClaimDetail) string {
	return documentTag(d.Claim.Version, func(h hash.Hash) {
		fmt.Fprintf(h, "claim page\n%s", claimTag(d))
	})
}

// claimPageCSP allows the page its own inline style sheet only. The
// JSON-LD script element is a data block, not a script, so script-src
// stays 'none'.
const claimPageCSP = summaryPageCSP

// ClaimPage returns the public fact-check page of a claim.
//
//	@Summary		The public fact-check page of a claim (HTML)
//	@Description	Server-rendered HTML, no JavaScript, outside /api/v1: the claim verbatim in its language (`<html lang>` is the claim's language; labels in en, de, it or fr, English otherwise), its appearances, its rating with explanation, rating source (rules or an editor's override, with its rationale) and date, and the linked findings with their stance and summary-of-findings rows (as GET /api/v1/questions/{id}/summary builds them) with footnotes for each downgrade and upgrade. A rated claim's page embeds its ClaimReview as `<script type="application/ld+json">`, byte for byte the document GET /api/v1/claims/{id}/claimreview serves; an unrated claim's page says it is not yet rated and has none. `<link rel="canonical">` is `{PUBLIC_BASE_URL}/claims/{id}`. The ETag covers the claim, its appearances and its linked findings with their grades. HEAD answers the same headers.
//	@Description
//	@Description	Errors are problem+json: 404 for an unknown id or one that is not an id, and for every claim when PUBLIC_READ=false (a browser sends no API key, so the page is not served at all); 410 for an archived claim.
//	@ID				getClaimPage
//	@Tags			pages
//	@Produce		html
//	@Param			id				path		int		true	"Claim id"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{string}	string	"The page"
//	@Success		304
//	@Failure		400	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		410	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Router			/claims/{id} [get]
func (h *Handler) ClaimPage(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !onlyQuery(c) {
		return
	}
	d, err := h.storeFor(c).GetClaim(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	var ld []byte
	r, err := h.claimReviewOf(d)
	switch {
	case errors.Is(err, claimreview.ErrNotRated):
	case err != nil:
		writeError(c, h.log, err)
		return
	default:
		if ld, err = ldBytes(r); err != nil {
			writeError(c, h.log, err)
			return
		}
	}
	tag := claimPageTag(d)
	c.Header("ETag", tag)
	if matchesETag(c.GetHeader("If-None-Match"), tag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		c.Abort()
		return
	}
	v, err := h.claimPageView(d, ld)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	// Rendered in full before anything is written, so that a template
	// failure is a 500 problem, never half a page.
	var page bytes.Buffer
	if err := claimPage.Execute(&page, v); err != nil {
		writeError(c, h.log, fmt.Errorf("render the page of claim %d: %w", id, err))
		return
	}
	c.Header("Content-Security-Policy", claimPageCSP)
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, htmlContentType, page.Bytes())
}
