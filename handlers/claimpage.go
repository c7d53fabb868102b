package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"claimgrade/claimreview"
	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/readertext"
	"claimgrade/store"
)

// The public claim page (DESIGN "Partners", "What readers see"): the
// fact-check page a publisher links to and the url of the claim's
// ClaimReview. It is written in the claim's language (?lang= de, it, en or
// fr overrides it; English for a language without a catalogue) from the
// readertext catalogues, in this order: the claim and the therapy's name in
// the page's language; any retracted evidence or withdrawn grade, in words;
// the verdict sentence with what its certainty is about; every flag on the
// claim in one sentence; the appearances; "How we searched"; the linked
// findings with their summary-of-findings rows (toSummaryOfFindings, as GET
// /api/v1/questions/{id}/summary builds them). It embeds the ClaimReview
// that GET /api/v1/claims/{id}/claimreview serves, byte for byte. Like the
// exports it reads only graded findings' grades, never an assessment.

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

// pageSearch is one documented evidence search as "How we searched" shows
// it (DESIGN "Evidence searches"): the database's name, the exact query,
// the day, the hits and how many were screened, the studies it led to and
// the editor's note. The view is filled from the claim detail's searches
// (pageSearchOf) once claims carry them.
type pageSearch struct {
	Database   string
	Query      string
	SearchedOn string
	// Hits and Screened are counts in the page's language, "" when not
	// recorded.
	Hits     string
	Screened string
	Sources  []pageSearchSource
	Note     string
}

// pageSearchSource is a study a search led to.
type pageSearchSource struct {
	ID    int64
	Title string
}

// pageSearchOf writes one search for the page in the page's language.
func pageSearchOf(t *readertext.Text, database, query string, searchedAt time.Time, hits, screened *int64,
	sources []pageSearchSource, note string) pageSearch {
	count := func(n *int64) string {
		if n == nil {
			return ""
		}
		return t.Int(*n)
	}
	return pageSearch{Database: t.DatabaseLabel(database), Query: query, SearchedOn: t.Date(searchedAt), Hits: count(hits),
		Screened: count(screened), Sources: sources, Note: note}
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
	Rows       []pageRow
	Footnotes  []summaryFootnote
}

// claimPageView is what the page template reads.
type claimPageView struct {
	// L writes the page's texts in its language.
	L *readertext.Text
	// Lang is the page's language (<html lang>); ClaimLang the claim's
	// own (BCP 47), for its verbatim text.
	Lang      readertext.Lang
	ClaimLang string
	ID        int64
	Version   int64
	Canonical string
	Text      string
	TextEn    string
	// Therapy is the therapy's name in the page's language.
	Therapy string
	Rated   bool
	Rating  grading.Rating
	// Verdict is the verdict sentence (rating_summary, in the page's
	// language), VerdictLabel the rating's name it opens with and
	// VerdictRest the rest of it; Basis is what its certainty is about.
	Verdict           string
	VerdictLabel      string
	VerdictRest       string
	Basis             string
	Certainty         grading.Certainty
	Editor            bool
	OverrideRationale string
	Explanation       string
	// RatedAt is the day of the rating (RFC 3339 date) and RatedOn the
	// same day in the page's language.
	RatedAt string
	RatedOn string
	// Notices say at the top, in words, that evidence the claim rests on
	// was retracted or that a grade was withdrawn.
	Notices []string
	// Flags are the claim's flags, one sentence each.
	Flags       []string
	Appearances []pageAppearance
	// Searches are the claim's documented evidence searches ("How we
	// searched"), newest first.
	Searches  []pageSearch
	Tables    []pageTable
	Publisher claimreview.Publisher
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
// order) and builds each question's summary-of-findings table from them,
// its texts in language t.
func toPageTables(findings []models.ClaimFinding, t *readertext.Text) []pageTable {
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
		sof := toSummaryOfFindings(*byQuestion[q], t)
		tp := pageTable{QuestionID: q, Title: sof.Title, Footnotes: sof.Footnotes}
		for _, r := range sof.Rows {
			tp.Rows = append(tp.Rows, pageRow{summaryRow: r, Stance: stances[r.FindingID]})
		}
		tables = append(tables, tp)
	}
	return tables
}

// therapyName is the therapy's name in language l: its first alias in
// that language, else its name (the catalogue's names are English, so an
// English page shows the name).
func therapyName(th models.Therapy, l readertext.Lang) string {
	if l != readertext.English {
		for _, a := range th.Aliases {
			if readertext.Of(a.Language) == l && readertext.Of(a.Language) != readertext.English {
				return a.Alias
			}
		}
	}
	return th.Name
}

// pageNotices are the notices at the top of the page, in words: the grades
// withdrawn because the evidence the claim rested on was retracted (each
// linked finding's, else VerdictFacts.Withdrawn), then every retracted source of the linked
// findings (once each, in link order), with its retraction note.
func pageNotices(t *readertext.Text, d store.ClaimDetail, facts grading.VerdictFacts) []string {
	var out []string
	// Each linked finding whose grade was withdrawn, with the reason and
	// the day; the rating's facts name them when the grades are not at
	// hand.
	for _, cf := range d.Findings {
		if g := cf.Finding.Grade; g != nil && g.WithdrawnAt != nil {
			out = append(out, t.WithdrawnGrade(cf.FindingID, deref(g.WithdrawnReason), *g.WithdrawnAt))
		}
	}
	if len(out) == 0 && len(facts.Withdrawn) > 0 {
		out = append(out, t.Withdrawn(facts.Withdrawn))
	}
	seen := map[int64]bool{}
	for _, cf := range d.Findings {
		for _, fs := range cf.Finding.Sources {
			src := fs.Source
			if !src.Retracted || seen[src.ID] {
				continue
			}
			seen[src.ID] = true
			out = append(out, t.Retracted(src.Title, deref(src.Year), deref(src.RetractionNote)))
		}
	}
	return out
}

// pageFlags are the claim's flags, one plain sentence each, in the order
// of the flag vocabulary (absolute wording is shown whether or not the
// claim is rated).
func pageFlags(t *readertext.Text, flags []models.ClaimFlag, basis grading.CertaintyBasis, linked int) []string {
	has := map[grading.Flag]bool{}
	for _, f := range flags {
		has[f.Flag] = true
	}
	var out []string
	for _, f := range grading.AllFlags() {
		if has[f] {
			if f == grading.FlagUngraded && linked == 0 {
				// "Part of the linked evidence is not graded yet" says
				// nothing when no evidence is linked: unsupported says it.
				continue
			}
			out = append(out, t.FlagAbout(f, basis))
		}
	}
	return out
}

func (h *Handler) claimPageView(d store.ClaimDetail, th models.Therapy, lang readertext.Lang, ld []byte,
	led map[int64]models.Source) (claimPageView, error) {
	cl := d.Claim
	t := readertext.For(lang)
	verdict := verdictOf(cl)
	v := claimPageView{L: t, Lang: lang, ClaimLang: cl.Language, ID: cl.ID, Version: cl.Version,
		Canonical: h.opts.PublicBaseURL + "/claims/" + strconv.FormatInt(cl.ID, 10), Text: cl.Text, TextEn: deref(cl.TextEn),
		Therapy: therapyName(th, lang), Rating: cl.Rating, Verdict: t.Verdict(verdict), Certainty: deref(cl.Certainty),
		Basis:  t.Basis(deref(cl.Certainty), deref(cl.CertaintyBasis), verdict.Facts.Attribution),
		Editor: cl.RatingSource == grading.SourceEditor, OverrideRationale: deref(cl.OverrideRationale),
		Explanation: cl.RatingExplanation, Notices: pageNotices(t, d, verdict.Facts), Flags: pageFlags(t, cl.Flags, deref(cl.CertaintyBasis), len(d.Findings)),
		Tables: toPageTables(d.Findings, t), Publisher: h.publisher()}
	if readertext.Of(cl.Language) == readertext.English || v.TextEn == cl.Text {
		v.TextEn = "" // nothing to translate
	}
	v.Rated = cl.Rating != grading.RatingNotRated
	if cl.RatedAt != nil && v.Rated {
		v.RatedAt, v.RatedOn = cl.RatedAt.UTC().Format(time.DateOnly), t.Date(*cl.RatedAt)
	}
	// The sentence opens with the rating's name, which the page sets as
	// its badge.
	v.VerdictLabel, v.VerdictRest = t.RatingName(cl.Rating), v.Verdict
	if rest, ok := strings.CutPrefix(v.Verdict, v.VerdictLabel); ok {
		v.VerdictRest = rest
	} else {
		v.VerdictLabel = ""
	}
	// "How we searched": the claim detail's searches, newest first.
	for _, s := range d.Searches {
		var sources []pageSearchSource
		for _, id := range s.SourceIDs() {
			if src, ok := led[id]; ok {
				sources = append(sources, pageSearchSource{ID: id, Title: src.Title})
			}
		}
		hits, screened := s.Hits, s.Screened
		v.Searches = append(v.Searches, pageSearchOf(t, string(s.Database), s.Query, s.SearchedAt, &hits, &screened, sources, deref(s.Note)))
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
// and questions, searches), the therapy whose name it shows (its version
// covers its aliases), the studies the searches led to and the page's
// language.
func claimPageTag(d store.ClaimDetail, th models.Therapy, lang readertext.Lang, led map[int64]models.Source) string {
	return documentTag(d.Claim.Version, func(h hash.Hash) {
		fmt.Fprintf(h, "claim page %s therapy %d %d\n%s", lang, th.ID, th.Version, claimTag(d))
		ids := slices.Sorted(maps.Keys(led))
		for _, id := range ids {
			fmt.Fprintf(h, "\nsearched source %d %d", id, led[id].Version)
		}
	})
}

// claimPageCSP allows the page its own inline style sheet only. The
// JSON-LD script element is a data block, not a script, so script-src
// stays 'none'.
const claimPageCSP = summaryPageCSP

// ClaimPage returns the public fact-check page of a claim.
//
//	@Summary		The public fact-check page of a claim (HTML)
//	@Description	Server-rendered HTML, no JavaScript, outside /api/v1, written in the claim's language (de, it, en or fr; English for any other) unless `lang` asks for another of the four (`<html lang>` is the page's language; the claim's verbatim text keeps its own). In order: the claim and the therapy's name in the page's language; retracted evidence and withdrawn grades, in words; the verdict sentence (the claim detail's rating_summary) with what its certainty is about ("certainty of the evidence: low", or for case evidence "harm documented, attribution probable (occurrence certainty: moderate)"), the rating source (rules or an editor's override, with its rationale) and date; every flag on the claim in one plain sentence (absolute wording whether or not the claim is rated); the appearances; "How we searched" (the documented evidence searches); the linked findings with their stance and summary-of-findings rows (as GET /api/v1/questions/{id}/summary builds them, in the page's language) with footnotes for each downgrade and upgrade; the rules' English explanation for reviewers. A rated claim's page embeds its ClaimReview as `<script type="application/ld+json">`, byte for byte the document GET /api/v1/claims/{id}/claimreview serves; an unrated claim's page says it is not yet rated and has none. `<link rel="canonical">` is `{PUBLIC_BASE_URL}/claims/{id}`. The ETag covers the claim, its therapy, its appearances, its linked findings with their grades, and the page's language. HEAD answers the same headers.
//	@Description
//	@Description	Errors are problem+json: 400 for an unknown lang or query parameter; 404 for an unknown id or one that is not an id, and for every claim when PUBLIC_READ=false (a browser sends no API key, so the page is not served at all); 410 for an archived claim.
//	@ID				getClaimPage
//	@Tags			pages
//	@Produce		html
//	@Param			id				path		int		true	"Claim id"
//	@Param			lang			query		string	false	"The page's language (default: the claim's)"	Enums(en, de, it, fr)
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
	if !ok || !onlyQuery(c, "lang") {
		return
	}
	lang, given, ok := langQuery(c)
	if !ok {
		return
	}
	st := h.storeFor(c)
	d, err := st.GetClaim(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	if !given {
		lang = readertext.Of(d.Claim.Language)
	}
	th, err := st.GetTherapy(c.Request.Context(), d.Claim.Therapy.Slug)
	if err != nil {
		writeError(c, h.log, fmt.Errorf("the therapy of claim %d: %w", id, err))
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
	// The titles of the studies the claim's searches led to ("How we
	// searched"), in one statement.
	var ids []int64
	for _, s := range d.Searches {
		ids = append(ids, s.SourceIDs()...)
	}
	led, err := st.SourcesByID(c.Request.Context(), ids)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	tag := claimPageTag(d, th, lang, led)
	c.Header("ETag", tag)
	if matchesETag(c.GetHeader("If-None-Match"), tag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		c.Abort()
		return
	}
	v, err := h.claimPageView(d, th, lang, ld, led)
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
