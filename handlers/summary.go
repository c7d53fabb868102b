package handlers

import (
	"bytes"
	"embed"
	"fmt"
	"hash"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"claimgrade/grading"
	"claimgrade/models"
	"claimgrade/store"
)

// The summary-of-findings table of a question (GRADE handbook, Summary of
// Findings tables; Cochrane Handbook 6.4, chapter 14; GRADE 12, Guyatt
// 2013; GRADE 26, Santesso 2020): grading.BuildSoF builds it, this file
// writes it as JSON or as a printable HTML page.

type summaryEffect struct {
	// null without an effect estimate.
	Measure  *grading.EffectMeasure `json:"measure" extensions:"x-nullable" example:"risk_ratio"`
	Estimate *float64               `json:"estimate" extensions:"x-nullable" example:"0.5"`
	// 95% confidence interval.
	CILow  *float64 `json:"ci_low" extensions:"x-nullable" example:"0.3"`
	CIHigh *float64 `json:"ci_high" extensions:"x-nullable" example:"0.8"`
	// For a proportion or incidence.
	Events       *int64 `json:"events" extensions:"x-nullable"`
	Participants *int64 `json:"participants" extensions:"x-nullable"`
	// The effect as the table's "effect (95% CI)" column shows it.
	Text string `json:"text" example:"RR 0.5 (95% CI 0.3 to 0.8)"`
} //	@name	SummaryOfFindingsEffect

type summaryAbsolute struct {
	// per_1000: a proportion as events per 1,000 participants; difference_per_1000: a risk difference as more or fewer per 1,000; difference: a mean or standardised mean difference; not_estimable: nothing stored allows it (text says why; a ratio measure gives "not estimable: no comparator risk recorded").
	Kind grading.AbsoluteKind `json:"kind" example:"per_1000"`
	// Per 1,000 participants (one decimal) for the per-1,000 kinds, on the measure's scale for a difference; null when not estimable.
	Estimate *float64 `json:"estimate" extensions:"x-nullable" example:"250"`
	Low      *float64 `json:"low" extensions:"x-nullable" example:"181.1"`
	High     *float64 `json:"high" extensions:"x-nullable" example:"334.4"`
	// True when the interval is the Wilson 95% interval of events/participants, because no CI is stored.
	WilsonCI bool   `json:"wilson_ci" example:"true"`
	Text     string `json:"text" example:"250 per 1,000 (Wilson 95% CI 181 to 334)"`
} //	@name	SummaryOfFindingsAbsoluteEffect

type summaryRow struct {
	FindingID int64  `json:"finding_id" example:"3"`
	Outcome   string `json:"outcome" example:"pain on a 0-10 visual analogue scale"`
	Timepoint string `json:"timepoint" example:"6 months"`
	// Participants and studies of the finding.
	Participants *int64 `json:"participants" extensions:"x-nullable" example:"84"`
	Studies      *int64 `json:"studies" extensions:"x-nullable" example:"1"`
	// The design class of the evidence, from the current grade's derivation; null while ungraded.
	Design *grading.DesignClass `json:"design" extensions:"x-nullable" example:"randomised"`
	// "№ of participants (studies)".
	ParticipantsText string          `json:"participants_text" example:"84 (1 RCT)"`
	Effect           summaryEffect   `json:"effect"`
	AbsoluteEffect   summaryAbsolute `json:"absolute_effect"`
	// The current grade's certainty; null while ungraded, while the grade is withdrawn, and for case evidence. Drafts and unsubmitted assessments never count.
	Certainty *grading.Certainty `json:"certainty" extensions:"x-nullable" example:"moderate"`
	// Case evidence: the certainty that the harm can occur (not a GRADE rating of how often); null otherwise.
	OccurrenceCertainty *grading.Certainty `json:"occurrence_certainty" extensions:"x-nullable" example:"low"`
	// Case evidence: the agreed WHO-UMC attribution; null otherwise.
	Attribution *grading.Attribution `json:"attribution" extensions:"x-nullable" example:"probable"`
	// GRADE symbols and level, "not graded", "withdrawn: <why>", or for case evidence "occurrence certainty: <level> (whether the harm can occur, not how often)".
	CertaintyText string `json:"certainty_text" example:"⊕⊕⊕◯ Moderate"`
	// How the current grade was decided; null while ungraded.
	Method *grading.Method `json:"method" extensions:"x-nullable" example:"consensus"`
	// The current grade's derivation in one line; null while ungraded.
	Derivation *string `json:"derivation" extensions:"x-nullable" example:"high (sources 7) -1 risk of bias (serious) = moderate"`
	// Plain-language statement in GRADE 26 wording (results in / likely results in / may result in / the evidence is very uncertain about), then the finding's summary.
	Statement string `json:"statement" example:"Intradermal lidocaine likely results in the effect on pain summarised here (moderate-certainty evidence): Pain fell slightly more than with oral drugs."`
	// The finding's flags (stale_grade, reviewer_disagreement, retracted_evidence ... ).
	Flags []grading.Flag `json:"flags" example:"stale_grade"`
	// What the row's stale_grade, reviewer_disagreement and retracted_evidence flags mean.
	Notes []string `json:"notes"`
	// Numbers of the footnotes (in footnotes) that explain this row's downgrades and upgrades.
	Footnotes []int `json:"footnotes" example:"1"`
} //	@name	SummaryOfFindingsRow

type summaryFootnote struct {
	Number    int            `json:"number" example:"1"`
	FindingID int64          `json:"finding_id" example:"3"`
	Domain    grading.Domain `json:"domain" example:"risk_of_bias"`
	Judgement string         `json:"judgement" example:"serious"`
	// Levels: negative rates down, positive rates up.
	Change int    `json:"change" example:"-1"`
	Text   string `json:"text" example:"Risk of bias: rated down one level (serious). Open label, self-reported pain."`
} //	@name	SummaryOfFindingsFootnote

type summaryOfFindings struct {
	// "<Intervention> compared with <comparator> for <population>" (GRADEpro's title), or for a question without comparator "<Intervention> for <population>: how often <outcome> occurs".
	Title string `json:"title" example:"Intradermal lidocaine compared with oral diclofenac for adults with acute low back pain"`
	// The PICO header: population, intervention (drug, route, dose, setting), comparator, outcome, timepoint.
	Question questionResponse `json:"question"`
	// One row per finding of the question, by finding id.
	Rows []summaryRow `json:"rows"`
	// One per downgrade or upgrade of a row's current grade, numbered through the table.
	Footnotes []summaryFootnote `json:"footnotes"`
} //	@name	SummaryOfFindings

// sofFinding is f as grading.BuildSoF reads it: the effect, summary, flags
// and the current grade only.
func sofFinding(f models.Finding) grading.SoFFinding {
	out := grading.SoFFinding{ID: f.ID, Summary: f.Summary, Flags: f.FlagNames(),
		Effect: grading.EffectEstimate{Estimate: f.Estimate, CILow: f.CILow, CIHigh: f.CIHigh, Events: f.Events,
			Participants: f.Participants, Studies: f.Studies, Threshold: f.Threshold}}
	if f.Measure != nil {
		out.Effect.Measure = *f.Measure
	}
	if g := f.Grade; g != nil {
		out.Grade = &grading.SoFGrade{Certainty: grading.Deref(g.Certainty), Method: g.Method, Derivation: g.Derivation,
			OccurrenceCertainty: grading.Deref(g.OccurrenceCertainty), Withdrawn: g.WithdrawnAt != nil, WithdrawnReason: deref(g.WithdrawnReason)}
		if g.Attribution != nil {
			out.Grade.Attribution = *g.Attribution
		}
	}
	return out
}

func sofQuestion(q models.Question) grading.Question {
	return grading.Question{Population: q.Population, Intervention: q.Intervention, Comparator: q.Comparator,
		ComparatorKind: q.ComparatorKind, Outcome: q.Outcome, Timepoint: q.Timepoint, OutcomeKind: q.OutcomeKind}
}

func nonEmpty[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func toSummaryOfFindings(s store.QuestionSummary) summaryOfFindings {
	findings := make([]grading.SoFFinding, len(s.Findings))
	for i, f := range s.Findings {
		findings[i] = sofFinding(f)
	}
	t := grading.BuildSoF(sofQuestion(s.Question), findings)
	out := summaryOfFindings{Title: t.Title, Question: toQuestionResponse(s.Question), Rows: make([]summaryRow, len(t.Rows)),
		Footnotes: make([]summaryFootnote, len(t.Footnotes))}
	for i, r := range t.Rows {
		out.Rows[i] = summaryRow{FindingID: r.FindingID, Outcome: r.Outcome, Timepoint: r.Timepoint, Participants: r.Participants,
			Studies: r.Studies, Design: nonEmpty(r.Design), ParticipantsText: r.ParticipantsText,
			Effect: summaryEffect{Measure: nonEmpty(r.Effect.Measure), Estimate: r.Effect.Estimate, CILow: r.Effect.CILow,
				CIHigh: r.Effect.CIHigh, Events: r.Effect.Events, Participants: r.Effect.Participants, Text: r.EffectText},
			AbsoluteEffect: summaryAbsolute{Kind: r.Absolute.Kind, Estimate: r.Absolute.Estimate, Low: r.Absolute.Low,
				High: r.Absolute.High, WilsonCI: r.Absolute.WilsonCI, Text: r.Absolute.Text},
			Certainty: r.Certainty.Ptr(), OccurrenceCertainty: r.OccurrenceCertainty.Ptr(), Attribution: nonEmpty(r.Attribution),
			CertaintyText: r.CertaintyText, Method: nonEmpty(r.Method), Derivation: nonEmpty(r.Derivation),
			Statement: r.Statement, Flags: nonNilSlice(r.Flags), Notes: nonNilSlice(r.Notes), Footnotes: nonNilSlice(r.Footnotes)}
	}
	for i, n := range t.Footnotes {
		out.Footnotes[i] = summaryFootnote{Number: n.Number, FindingID: n.FindingID, Domain: n.Domain, Judgement: n.Judgement,
			Change: n.Change, Text: n.Text}
	}
	return out
}

// summaryTag covers the question and its therapy, each finding (its
// version, flags and current grade) and the representation: the JSON and
// the HTML page are two representations with two tags.
func summaryTag(s store.QuestionSummary, format string) string {
	return documentTag(s.Question.Version, func(h hash.Hash) {
		fmt.Fprintf(h, "summary %s question %d %d therapy %d %d", format, s.Question.ID, s.Question.Version,
			s.Question.Therapy.ID, s.Question.Therapy.Version)
		for _, f := range s.Findings {
			h.Write([]byte("\n"))
			findingDigest(h, f)
		}
	})
}

//go:embed templates/*.html
var templateFS embed.FS

// summaryPage is the printable summary-of-findings page: the table in
// html/template (so every text is escaped), with print CSS and no script.
var summaryPage = template.Must(template.New("summary.html").Funcs(template.FuncMap{
	"definition": grading.CertaintyDefinition,
	"symbols":    grading.CertaintySymbols,
	"label":      grading.CertaintyLabel,
}).ParseFS(templateFS, "templates/summary.html"))

// summaryPageData is what the page template reads.
type summaryPageData struct {
	Therapy     string
	Table       summaryOfFindings
	Certainties []grading.Certainty
}

// htmlContentType is the media type of the server-rendered pages.
const htmlContentType = "text/html; charset=utf-8"

// summaryPageCSP allows the page nothing but its own inline style sheet:
// no script, no image, no frame, no form.
const summaryPageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// QuestionSummary returns the summary-of-findings table of a question.
//
//	@Summary		Get the summary-of-findings table of a question
//	@Description	The GRADE summary-of-findings table of one question (GRADE handbook, Summary of Findings tables; Cochrane Handbook chapter 14): the PICO header, then one row per finding (by id) with outcome and timepoint, participants (studies), the effect (95% CI), the anticipated absolute effect, the certainty of the current grade (null and "not graded" while ungraded; drafts and unsubmitted assessments never count), a plain-language statement in GRADE 26 wording, the row's flags (stale_grade, reviewer_disagreement, retracted_evidence) and the numbers of its footnotes; each footnote explains one downgrade or upgrade with the reviewers' reason.
//	@Description
//	@Description	Absolute effects are computed only from stored data, never from an invented baseline: a proportion is events per 1,000 (its CI × 1,000, or the Wilson 95% CI of events/participants when none is stored); a risk difference is more or fewer per 1,000; a mean or standardised mean difference is shown as higher or lower; a ratio measure (risk, odds, hazard ratio) is "not estimable: no comparator risk recorded"; an incidence is not estimable (no person-time unit is stored).
//	@Description
//	@Description	`format=html` returns the same table as a printable HTML page (text/html; server-rendered, no JavaScript); the default, `format=json`, the JSON document. The ETag covers the question, its therapy, each finding, its flags and current grade, and the format.
//	@ID				getQuestionSummary
//	@Tags			questions
//	@Produce		json
//	@Produce		html
//	@Param			id				path		int		true	"Question id"
//	@Param			format			query		string	false	"json (default) or html"	Enums(json, html)
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	summaryOfFindings
//	@Success		304
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Failure		503	{object}	Problem
//	@Header			all	{integer}	X-RateLimit-Limit		"Requests allowed per minute"
//	@Header			all	{integer}	X-RateLimit-Remaining	"Requests left in the current window"
//	@Header			all	{integer}	X-RateLimit-Reset		"Seconds until the limit is fully restored"
//	@Router			/api/v1/questions/{id}/summary [get]
func (h *Handler) QuestionSummary(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok || !onlyQuery(c, "format") {
		return
	}
	format := "json"
	if v, given := c.GetQuery("format"); given {
		if v != "json" && v != "html" {
			badRequest(c, fmt.Sprintf("unknown format %q", v), FieldProblem{Field: "format", Message: "must be json or html"})
			return
		}
		format = v
	}
	s, err := h.storeFor(c).QuestionSummary(c.Request.Context(), id)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	table := toSummaryOfFindings(s)
	tag := summaryTag(s, format)
	if format == "json" {
		writeTagged(c, http.StatusOK, tag, table)
		return
	}
	c.Header("ETag", tag)
	if matchesETag(c.GetHeader("If-None-Match"), tag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		c.Abort()
		return
	}
	// Rendered in full before anything is written, so that a template
	// failure is a 500 problem, never half a page.
	var page bytes.Buffer
	if err := summaryPage.Execute(&page, summaryPageData{Therapy: s.Question.Therapy.Name, Table: table,
		Certainties: grading.Certainties()}); err != nil {
		writeError(c, h.log, fmt.Errorf("render summary of findings of question %d: %w", id, err))
		return
	}
	c.Header("Content-Security-Policy", summaryPageCSP)
	c.Data(http.StatusOK, htmlContentType, page.Bytes())
}
