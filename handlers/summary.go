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
	"claimgrade/readertext"
	"claimgrade/store"
)

// The summary-of-findings table of a question (GRADE handbook, Summary of
// Findings tables; Cochrane Handbook 6.4, chapter 14; GRADE 12, Guyatt
// 2013; GRADE 26, Santesso 2020): grading.BuildSoF builds it, this file
// writes it as JSON or as a printable HTML page.

type summaryEffect struct {
	// null without an effect estimate.
	Measure  *grading.EffectMeasure `json:"measure" extensions:"x-nullable" example:"mean_difference"`
	Estimate *float64               `json:"estimate" extensions:"x-nullable" example:"-0.56"`
	// 95% confidence interval.
	CILow  *float64 `json:"ci_low" extensions:"x-nullable" example:"-1.08"`
	CIHigh *float64 `json:"ci_high" extensions:"x-nullable" example:"-0.04"`
	// For a proportion or incidence.
	Events       *int64 `json:"events" extensions:"x-nullable"`
	Participants *int64 `json:"participants" extensions:"x-nullable"`
	// The comparator group's risk quoted from the source (ratios only), from which the absolute effect per 1,000 is computed.
	ComparatorRisk *float64 `json:"comparator_risk" extensions:"x-nullable" example:"0.2"`
	// The effect as the table's "effect (95% CI)" column shows it, in the outcome's own direction and units: "lower" and "higher" follow the sign of the estimate as its source reports it (the question's direction says which is better), e.g. "MD 0.56 lower (1.08 lower to 0.04 lower)" for -0.56 (-1.08 to -0.04); "RR 0.5 (0.3 to 0.8)". In the summary's language.
	Text string `json:"text" example:"MD 0.56 lower (1.08 lower to 0.04 lower)"`
} //	@name	SummaryOfFindingsEffect

type summaryAbsolute struct {
	// per_1000: a proportion as events per 1,000 participants; difference_per_1000: a risk difference as more or fewer per 1,000; comparator_per_1000: a risk, odds or hazard ratio applied to the comparator group's risk quoted from the source (GRADE 12): comparator is the risk per 1,000 with the comparator, estimate/low/high with the intervention; difference: a mean or standardised mean difference; not_estimable: nothing stored allows it (not_estimable says why; a ratio without a comparator risk is no_comparator_risk: no baseline is ever assumed).
	Kind grading.AbsoluteKind `json:"kind" example:"comparator_per_1000"`
	// Per 1,000 participants (one decimal) for the per-1,000 kinds (with the intervention for comparator_per_1000), on the measure's scale for a difference; null when not estimable.
	Estimate *float64 `json:"estimate" extensions:"x-nullable" example:"100"`
	Low      *float64 `json:"low" extensions:"x-nullable" example:"60"`
	High     *float64 `json:"high" extensions:"x-nullable" example:"160"`
	// comparator_per_1000: the risk per 1,000 with the comparator; null otherwise.
	Comparator *float64 `json:"comparator" extensions:"x-nullable" example:"200"`
	// True when the interval is the Wilson 95% interval of events/participants, because no CI is stored.
	WilsonCI bool `json:"wilson_ci" example:"false"`
	// not_estimable: why (no_estimate, no_comparator_risk, incidence, risk_difference_range, comparator_risk_range); null otherwise.
	NotEstimable *grading.NotEstimable `json:"not_estimable" extensions:"x-nullable" example:"no_comparator_risk"`
	// In the summary's language.
	Text string `json:"text" example:"200 per 1,000 with the comparator, 100 per 1,000 with the therapy (60 to 160)"`
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
	// "№ of participants (studies)", in the summary's language.
	ParticipantsText string          `json:"participants_text" example:"84 (1 RCT)"`
	Effect           summaryEffect   `json:"effect"`
	AbsoluteEffect   summaryAbsolute `json:"absolute_effect"`
	// The current grade's certainty; null while ungraded, while the grade is withdrawn, and for case evidence. Drafts and unsubmitted assessments never count.
	Certainty *grading.Certainty `json:"certainty" extensions:"x-nullable" example:"moderate"`
	// Case evidence: the certainty that the harm can occur (not a GRADE rating of how often); null otherwise.
	OccurrenceCertainty *grading.Certainty `json:"occurrence_certainty" extensions:"x-nullable" example:"low"`
	// Case evidence: the agreed WHO-UMC attribution; null otherwise.
	Attribution *grading.Attribution `json:"attribution" extensions:"x-nullable" example:"probable"`
	// GRADE symbols and level, or "not graded", in the summary's language; for case evidence what its certainty is about ("harm documented, attribution probable (occurrence certainty: low)").
	CertaintyText string `json:"certainty_text" example:"⊕⊕⊕◯ Moderate"`
	// How the current grade was decided; null while ungraded.
	Method *grading.Method `json:"method" extensions:"x-nullable" example:"consensus"`
	// The current grade's derivation in one line; null while ungraded.
	Derivation *string `json:"derivation" extensions:"x-nullable" example:"high (sources 7) -1 risk of bias (serious) = moderate"`
	// Which statement the row makes (docs/sof.md): effect (reduces/increases), little_to_no_difference, rate (about N per 1,000), case (documented in N cases), no_estimate, not_graded, withdrawn.
	StatementKind grading.StatementKind `json:"statement_kind" example:"effect"`
	// The GRADE 26 informative statement (Santesso 2020) by certainty and size, in the summary's language: high "reduces", moderate "probably reduces", low "may reduce", very low "the evidence is very uncertain about the effect of"; an effect smaller than the threshold "results in little to no difference" with the same hedges; a rate "about N per 1,000 (L to U)"; case evidence "documented in N cases (attribution ...)". docs/sof.md has the table.
	Statement string `json:"statement" example:"Intradermal lidocaine probably reduces pain on a 0-10 visual analogue scale (moderate-certainty evidence)."`
	// The finding's plain-language summary, as its editors wrote it.
	Summary string `json:"summary" example:"Pain fell slightly more than with oral drugs."`
	// The finding's flags (stale_grade, reviewer_disagreement, retracted_evidence ... ).
	Flags []grading.Flag `json:"flags" example:"stale_grade"`
	// What the row's stale_grade, reviewer_disagreement and retracted_evidence flags mean, in the summary's language.
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
	Change int `json:"change" example:"-1"`
	// The reviewers' reason, in English (as written).
	Text string `json:"text" example:"Risk of bias: rated down one level (serious). Open label, self-reported pain."`
} //	@name	SummaryOfFindingsFootnote

type summaryOfFindings struct {
	// The language of the table's texts (effect, absolute effect, participants, certainty, statement, notes): en unless lang says otherwise.
	Language readertext.Lang `json:"language" example:"en"`
	// "<Intervention> compared with <comparator> for <population>" (GRADEpro's title), or for a question without comparator "<Intervention> for <population>: how often <outcome> occurs".
	Title string `json:"title" example:"Intradermal lidocaine compared with oral diclofenac for adults with acute low back pain"`
	// The PICO header: population, intervention (drug, route, dose, setting), comparator, outcome, timepoint.
	Question questionResponse `json:"question"`
	// One row per finding of the question, by finding id.
	Rows []summaryRow `json:"rows"`
	// One per downgrade or upgrade of a row's current grade, numbered through the table.
	Footnotes []summaryFootnote `json:"footnotes"`
} //	@name	SummaryOfFindings

// sofFinding is f as grading.BuildSoF reads it: the effect, summary, flags,
// the comparator risk, the attribution and the current grade only. For
// case evidence (grading.Body.CaseEvidence) the grade's agreed attribution
// and occurrence certainty; a withdrawn grade is marked as such.
func sofFinding(f models.Finding) grading.SoFFinding {
	out := grading.SoFFinding{ID: f.ID, Summary: f.Summary, Flags: f.FlagNames(), ComparatorRisk: f.ComparatorRisk,
		Attribution: deref(f.Attribution), OccurrenceCertainty: f.OccurrenceCertainty,
		Effect: grading.EffectEstimate{Estimate: f.Estimate, CILow: f.CILow, CIHigh: f.CIHigh, Events: f.Events,
			Participants: f.Participants, Studies: f.Studies, Threshold: f.Threshold}}
	if f.Measure != nil {
		out.Effect.Measure = *f.Measure
	}
	out.CaseEvidence = grading.Body{Question: sofQuestion(f.Question), Effect: out.Effect}.CaseEvidence()
	if g := f.Grade; g != nil {
		out.Withdrawn = g.WithdrawnAt != nil
		out.Grade = &grading.SoFGrade{Certainty: grading.Deref(g.Certainty), Method: g.Method, Derivation: g.Derivation}
		if out.CaseEvidence && g.Attribution != nil {
			out.Attribution = *g.Attribution
		}
	}
	return out
}

// certaintyText is a row's certainty column: GRADE's symbols and level, or
// for case evidence what its certainty is about (never GRADE's symbols,
// which stand for the certainty of an effect or a rate).
func certaintyText(t *readertext.Text, r grading.SoFRow) string {
	if in := r.Informative; in.Kind == grading.StatementCase && in.Certainty != grading.None {
		return t.Basis(in.Certainty, grading.BasisOccurrence, in.Attribution)
	}
	return t.CertaintyText(r.Certainty)
}

func sofQuestion(q models.Question) grading.Question {
	return grading.Question{Population: q.Population, Intervention: q.Intervention, Comparator: q.Comparator,
		ComparatorKind: q.ComparatorKind, Outcome: q.Outcome, Timepoint: q.Timepoint, OutcomeKind: q.OutcomeKind, Direction: q.Direction}
}

func nonEmpty[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// toSummaryOfFindings builds the table of a question and writes its texts
// in language t (readertext: the effect in the outcome's direction, the
// absolute effect, participants, certainty, the GRADE 26 statement and the
// flag notes). Titles, outcomes, summaries and the reviewers' footnotes are
// shown as written (English).
func toSummaryOfFindings(s store.QuestionSummary, t *readertext.Text) summaryOfFindings {
	findings := make([]grading.SoFFinding, len(s.Findings))
	for i, f := range s.Findings {
		f.Question = s.Question
		findings[i] = sofFinding(f)
	}
	q := sofQuestion(s.Question)
	table := grading.BuildSoF(q, findings)
	out := summaryOfFindings{Language: t.Lang(), Title: table.Title, Question: toQuestionResponse(s.Question),
		Rows: make([]summaryRow, len(table.Rows)), Footnotes: make([]summaryFootnote, len(table.Footnotes))}
	for i, r := range table.Rows {
		notes := make([]string, len(r.Notes))
		for j, fl := range r.Notes {
			notes[j] = t.FindingNote(fl)
		}
		out.Rows[i] = summaryRow{FindingID: r.FindingID, Outcome: r.Outcome, Timepoint: r.Timepoint, Participants: r.Participants,
			Studies: r.Studies, Design: nonEmpty(r.Design), ParticipantsText: t.Participants(r.Participants, r.Studies, r.Design),
			Effect: summaryEffect{Measure: nonEmpty(r.Effect.Measure), Estimate: r.Effect.Estimate, CILow: r.Effect.CILow,
				CIHigh: r.Effect.CIHigh, Events: r.Effect.Events, Participants: r.Effect.Participants, ComparatorRisk: findings[i].ComparatorRisk,
				Text: t.Effect(r.Effect)},
			AbsoluteEffect: summaryAbsolute{Kind: r.Absolute.Kind, Estimate: r.Absolute.Estimate, Low: r.Absolute.Low,
				High: r.Absolute.High, Comparator: r.Absolute.Comparator, WilsonCI: r.Absolute.WilsonCI,
				NotEstimable: nonEmpty(r.Absolute.NotEstimable), Text: t.Absolute(r.Absolute, r.Effect.Measure)},
			Certainty: r.Certainty.Ptr(), CertaintyText: certaintyText(t, r), Method: nonEmpty(r.Method), Derivation: nonEmpty(r.Derivation),
			StatementKind: r.Informative.Kind, Statement: t.Statement(q, r.Informative), Summary: r.Summary,
			Flags: nonNilSlice(r.Flags), Notes: notes, Footnotes: nonNilSlice(r.Footnotes)}
	}
	for i, r := range table.Rows {
		if r.Informative.Kind == grading.StatementCase {
			out.Rows[i].OccurrenceCertainty = r.Informative.Certainty.Ptr()
			out.Rows[i].Attribution = nonEmpty(r.Informative.Attribution)
		}
	}
	for i, n := range table.Footnotes {
		out.Footnotes[i] = summaryFootnote{Number: n.Number, FindingID: n.FindingID, Domain: n.Domain, Judgement: n.Judgement,
			Change: n.Change, Text: n.Text}
	}
	return out
}

// summaryTag covers the question and its therapy, each finding (its
// version, flags and current grade) and the representation: the JSON and
// the HTML page are two representations with two tags.
func summaryTag(s store.QuestionSummary, format string, lang readertext.Lang) string {
	return documentTag(s.Question.Version, func(h hash.Hash) {
		fmt.Fprintf(h, "summary %s %s question %d %d therapy %d %d", format, lang, s.Question.ID, s.Question.Version,
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
	"symbols": grading.CertaintySymbols,
}).ParseFS(templateFS, "templates/summary.html"))

// summaryPageData is what the page template reads: the table and its
// language's texts (L: labels, certainty names and definitions).
type summaryPageData struct {
	L           *readertext.Text
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
//	@Description	Absolute effects are computed only from stored data, never from an invented baseline: a proportion is events per 1,000 (its CI × 1,000, or the Wilson 95% CI of events/participants when none is stored); a risk difference is more or fewer per 1,000; a mean or standardised mean difference is shown as higher or lower; a ratio measure (risk, odds, hazard ratio) with the finding's comparator_risk (quoted from the source) is "N per 1,000 with the comparator, M per 1,000 with the therapy (L to U)" (GRADE 12), and without one "not estimable: no comparator risk recorded"; an incidence is not estimable (no person-time unit is stored).
//	@Description
//	@Description	Effects are shown in the outcome's own direction and units ("MD 0.56 lower (1.08 lower to 0.04 lower)" for an estimate of -0.56 as its source reports it), and each row's statement is GRADE 26's informative statement by certainty and size (docs/sof.md): high "reduces", moderate "probably reduces", low "may reduce", very low "the evidence is very uncertain about the effect of"; an effect smaller than the finding's threshold (or, without a threshold, a CI that includes no effect) "results in little to no difference" with the same hedges; a question without comparator (a rate) "about N per 1,000 (L to U)"; case evidence "documented in N cases (attribution ...)".
//	@Description
//	@Description	The texts (effect, absolute effect, participants, certainty, statement, notes) are in English unless `lang` (de, it, en, fr) asks for another catalogue; titles, outcomes, summaries and the reviewers' reasons are shown as written. `format=html` returns the same table as a printable HTML page (text/html; server-rendered, no JavaScript; labels in the same language); the default, `format=json`, the JSON document. The ETag covers the question, its therapy, each finding, its flags and current grade, the format and the language.
//	@ID				getQuestionSummary
//	@Tags			questions
//	@Produce		json
//	@Produce		html
//	@Param			id				path		int		true	"Question id"
//	@Param			format			query		string	false	"json (default) or html"						Enums(json, html)
//	@Param			lang			query		string	false	"Language of the table's texts (default en)"	Enums(en, de, it, fr)
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
	if !ok || !onlyQuery(c, "format", "lang") {
		return
	}
	lang, given, ok := langQuery(c)
	if !ok {
		return
	}
	if !given {
		lang = readertext.English
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
	text := readertext.For(lang)
	table := toSummaryOfFindings(s, text)
	tag := summaryTag(s, format, lang)
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
	if err := summaryPage.Execute(&page, summaryPageData{L: text, Therapy: s.Question.Therapy.Name, Table: table,
		Certainties: grading.Certainties()}); err != nil {
		writeError(c, h.log, fmt.Errorf("render summary of findings of question %d: %w", id, err))
		return
	}
	c.Header("Content-Security-Policy", summaryPageCSP)
	c.Data(http.StatusOK, htmlContentType, page.Bytes())
}
