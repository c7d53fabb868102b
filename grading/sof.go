package grading

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Summary-of-findings tables.
//
// A summary-of-findings (SoF) table presents, for one question, each
// outcome's amount of evidence, relative and absolute effect and certainty,
// with footnotes that explain every judgement that changed the certainty:
//
//   - GRADE handbook (Schünemann, Brożek, Guyatt, Oxman, eds., 2013),
//     section 5 and its part on Summary of Findings tables; the GRADEpro
//     "Summary of findings" layout has the columns: outcome with timepoint,
//     № of participants (studies), relative effect (95% CI), anticipated
//     absolute effects (risk with comparator, risk difference with the
//     intervention), certainty of the evidence (GRADE) and comments, and a
//     footnote for each reason to rate down or up.
//   - Cochrane Handbook for Systematic Reviews of Interventions 6.4,
//     chapter 14 (Schünemann et al. 2023), 14.1: "Summary of findings"
//     tables and their standard contents.
//   - GRADE 12 (Guyatt et al. 2013, J Clin Epidemiol 66:158-172): preparing
//     SoF tables for binary outcomes; absolute effects per 1,000 need the
//     comparator group's risk.
//   - GRADE 26 (Santesso et al. 2020, J Clin Epidemiol 119:126-135):
//     informative statements that combine the certainty with the effect:
//     high "X results in ...", moderate "X likely results in ...", low "X
//     may result in ...", very low "The evidence is very uncertain about the
//     effect of X on Y".
//
// BuildSoF is a pure function: the store loads the question, its findings,
// their flags and their current grades (never an assessment: blinding holds
// because nothing else is passed in), and the API converts the table to
// JSON or HTML.

// AbsoluteKind says what an absolute effect in a summary-of-findings row
// is.
type AbsoluteKind string

// The absolute effects a row can show (see AbsoluteEffectOf for the rule).
const (
	// AbsolutePer1000 is a risk (events per 1,000 participants) from a
	// proportion.
	AbsolutePer1000 AbsoluteKind = "per_1000"
	// AbsoluteDifferencePer1000 is a risk difference: more (or fewer)
	// events per 1,000 with the intervention than with the comparator.
	AbsoluteDifferencePer1000 AbsoluteKind = "difference_per_1000"
	// AbsoluteDifference is a mean difference or standardised mean
	// difference, higher or lower, on the outcome's scale (or in standard
	// deviations).
	AbsoluteDifference AbsoluteKind = "difference"
	// AbsoluteNotEstimable is an absolute effect that cannot be computed
	// from what is stored; Text says why.
	AbsoluteNotEstimable AbsoluteKind = "not_estimable"
)

// AbsoluteKinds returns the absolute-effect kinds. Each call returns a new
// slice.
func AbsoluteKinds() []AbsoluteKind {
	return []AbsoluteKind{AbsolutePer1000, AbsoluteDifferencePer1000, AbsoluteDifference, AbsoluteNotEstimable}
}

// ParseAbsoluteKind accepts exactly the absolute-effect kinds.
func ParseAbsoluteKind(s string) (AbsoluteKind, error) {
	return parseWord("absolute effect kind", s, AbsoluteKinds())
}

// Validate reports a value outside the vocabulary.
func (k AbsoluteKind) Validate() error { _, err := ParseAbsoluteKind(string(k)); return err }

// The reasons an absolute effect is not estimable; each is the row's text.
const (
	NotEstimableNoEstimate        = "not estimable: no effect estimate recorded"
	NotEstimableNoComparatorRisk  = "not estimable: no comparator risk recorded"
	NotEstimableIncidence         = "not estimable: an incidence is per person-time and no person-time unit is recorded"
	NotEstimableRiskDifferenceOut = "not estimable: a risk difference must lie between -1 and 1"
)

// AbsoluteEffect is the "anticipated absolute effect" of a row. Estimate,
// Low and High are per 1,000 participants for the per-1,000 kinds (rounded
// to one decimal), on the measure's own scale for a difference, and nil
// when not estimable or not recorded.
type AbsoluteEffect struct {
	Kind     AbsoluteKind
	Estimate *float64
	Low      *float64
	High     *float64
	// WilsonCI is true when the interval is the Wilson 95% interval of
	// events/participants because no CI is stored.
	WilsonCI bool
	Text     string
}

// AbsoluteEffectOf computes a row's absolute effect from the stored effect
// alone, never from an invented baseline. The rule:
//
//   - proportion: the estimate (or events/participants when no estimate is
//     stored) × 1,000 is the risk per 1,000 participants; its 95% CI is the
//     stored CI × 1,000, or, when none is stored, the Wilson 95% interval
//     of events/participants × 1,000 (Wilson 1927; Newcombe 1998).
//   - risk_difference: the estimate × 1,000 is the number more (positive)
//     or fewer (negative) per 1,000 with the intervention; its CI × 1,000.
//     A risk difference outside [-1, 1] is not a difference of two
//     proportions: not estimable.
//   - mean_difference, std_mean_difference: the difference itself, higher
//     or lower, with its CI (GRADEpro shows MD and SMD in the absolute
//     column).
//   - risk_ratio, odds_ratio, hazard_ratio: "not estimable: no comparator
//     risk recorded". Turning a ratio into events per 1,000 needs the
//     comparator group's risk (GRADE 12), which claimgrade does not store,
//     and it never assumes one.
//   - incidence: not estimable: events per person-time do not convert to
//     a risk per participant without the person-time unit, which is not
//     stored.
//   - no measure, or no estimate (and for a proportion no events and
//     participants): "not estimable: no effect estimate recorded".
//
// Per-1,000 numbers are rounded to one decimal; the text shows whole
// numbers from 10 up and one decimal below.
func AbsoluteEffectOf(e EffectEstimate) AbsoluteEffect {
	notEstimable := func(text string) AbsoluteEffect { return AbsoluteEffect{Kind: AbsoluteNotEstimable, Text: text} }
	switch e.Measure {
	case MeasureRiskRatio, MeasureOddsRatio, MeasureHazardRatio:
		if e.Estimate == nil {
			return notEstimable(NotEstimableNoEstimate)
		}
		return notEstimable(NotEstimableNoComparatorRisk)
	case MeasureIncidence:
		if e.Estimate == nil {
			return notEstimable(NotEstimableNoEstimate)
		}
		return notEstimable(NotEstimableIncidence)
	case MeasureProportion:
		return proportionPer1000(e)
	case MeasureRiskDifference:
		if e.Estimate == nil {
			return notEstimable(NotEstimableNoEstimate)
		}
		for _, v := range []*float64{e.Estimate, e.CILow, e.CIHigh} {
			if v != nil && math.Abs(*v) > 1 {
				return notEstimable(NotEstimableRiskDifferenceOut)
			}
		}
		a := AbsoluteEffect{Kind: AbsoluteDifferencePer1000, Estimate: per1000(e.Estimate), Low: per1000(e.CILow), High: per1000(e.CIHigh)}
		a.Text = moreFewer(*a.Estimate) + " per 1,000"
		if a.Low != nil && a.High != nil {
			a.Text += fmt.Sprintf(" (95%% CI %s to %s)", moreFewer(*a.Low), moreFewer(*a.High))
		}
		return a
	case MeasureMeanDifference, MeasureStdMeanDifference:
		if e.Estimate == nil {
			return notEstimable(NotEstimableNoEstimate)
		}
		a := AbsoluteEffect{Kind: AbsoluteDifference, Estimate: e.Estimate, Low: e.CILow, High: e.CIHigh}
		a.Text = measureAbbrev(e.Measure) + " " + higherLower(*e.Estimate)
		if e.CILow != nil && e.CIHigh != nil {
			a.Text += fmt.Sprintf(" (95%% CI %s to %s)", higherLower(*e.CILow), higherLower(*e.CIHigh))
		}
		return a
	}
	return notEstimable(NotEstimableNoEstimate)
}

// proportionPer1000 is AbsoluteEffectOf for a proportion.
func proportionPer1000(e EffectEstimate) AbsoluteEffect {
	est, low, high := e.Estimate, e.CILow, e.CIHigh
	counted := e.Events != nil && e.Participants != nil && *e.Participants > 0
	if est == nil && counted {
		p := float64(*e.Events) / float64(*e.Participants)
		est = &p
	}
	if est == nil {
		return AbsoluteEffect{Kind: AbsoluteNotEstimable, Text: NotEstimableNoEstimate}
	}
	a := AbsoluteEffect{Kind: AbsolutePer1000, Estimate: per1000(est)}
	if low == nil && high == nil && counted {
		if lo, hi, ok := WilsonInterval(*e.Events, *e.Participants); ok {
			low, high, a.WilsonCI = &lo, &hi, true
		}
	}
	a.Low, a.High = per1000(low), per1000(high)
	a.Text = formatPer1000(*a.Estimate) + " per 1,000"
	if a.Low != nil && a.High != nil {
		ci := "95% CI"
		if a.WilsonCI {
			ci = "Wilson 95% CI"
		}
		a.Text += fmt.Sprintf(" (%s %s to %s)", ci, formatPer1000(*a.Low), formatPer1000(*a.High))
	}
	return a
}

// per1000 is v × 1,000 rounded to one decimal; nil for nil.
func per1000(v *float64) *float64 {
	if v == nil {
		return nil
	}
	x := math.Round(*v*10000) / 10
	if x == 0 {
		x = 0 // no "-0"
	}
	return &x
}

// formatPer1000 writes a per-1,000 number: whole from 10 up, one decimal
// below (trailing ".0" dropped).
func formatPer1000(x float64) string {
	if math.Abs(x) >= 10 {
		return thousands(int64(math.Round(x)))
	}
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

// moreFewer writes a signed per-1,000 difference: "50 more", "20 fewer", "0".
func moreFewer(x float64) string {
	switch {
	case x > 0:
		return formatPer1000(x) + " more"
	case x < 0:
		return formatPer1000(-x) + " fewer"
	}
	return "0"
}

// higherLower writes a signed difference: "1.2 higher", "0.3 lower", "0".
func higherLower(x float64) string {
	switch {
	case x > 0:
		return number(x) + " higher"
	case x < 0:
		return number(-x) + " lower"
	}
	return "0"
}

// number writes a stored value as stored: no precision is added or
// dropped (0.5 is "0.5", not "0.50").
func number(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// thousands writes an integer with thousands separators: 1,082.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// measureAbbrev is the usual abbreviation of a measure in a SoF table.
func measureAbbrev(m EffectMeasure) string {
	switch m {
	case MeasureRiskRatio:
		return "RR"
	case MeasureOddsRatio:
		return "OR"
	case MeasureHazardRatio:
		return "HR"
	case MeasureMeanDifference:
		return "MD"
	case MeasureStdMeanDifference:
		return "SMD"
	case MeasureRiskDifference:
		return "RD"
	case MeasureProportion:
		return "Proportion"
	case MeasureIncidence:
		return "Incidence"
	}
	return string(m)
}

// EffectText is the effect as the "relative effect (95% CI)" column shows
// it, e.g. "RR 0.5 (95% CI 0.3 to 0.8)", "MD -1.2 (95% CI -2.1 to -0.3)",
// "Proportion 0.25 (95% CI 0.18 to 0.33); 30/120 events", or "no effect
// estimate recorded". Numbers are written as stored.
func EffectText(e EffectEstimate) string {
	if e.Measure == "" {
		return "no effect estimate recorded"
	}
	var b strings.Builder
	b.WriteString(measureAbbrev(e.Measure))
	switch {
	case e.Estimate != nil:
		b.WriteString(" " + number(*e.Estimate))
		if e.CILow != nil && e.CIHigh != nil {
			fmt.Fprintf(&b, " (95%% CI %s to %s)", number(*e.CILow), number(*e.CIHigh))
		} else {
			b.WriteString(" (no CI recorded)")
		}
	case e.Events == nil:
		b.WriteString(": no estimate recorded")
	}
	if e.Events != nil && e.Participants != nil {
		if e.Estimate != nil {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s/%s events", thousands(*e.Events), thousands(*e.Participants))
	}
	return b.String()
}

// designNoun names the studies of a design class, singular and plural.
func designNoun(d DesignClass) (string, string) {
	switch d {
	case ClassRandomised:
		return "RCT", "RCTs"
	case ClassNonRandomised:
		return "non-randomised study", "non-randomised studies"
	case ClassNonComparative:
		return "non-comparative study", "non-comparative studies"
	}
	return "study", "studies"
}

// ParticipantsText is the "№ of participants (studies)" column, e.g.
// "84 (1 RCT)", "1,200 (3 non-randomised studies)", "not recorded (2
// studies)". The design comes from the current grade's derivation; ""
// (ungraded) says only "studies".
func ParticipantsText(participants, studies *int64, design DesignClass) string {
	p := "not recorded"
	if participants != nil {
		p = thousands(*participants)
	}
	one, many := designNoun(design)
	s := "number of studies not recorded"
	if studies != nil {
		noun := many
		if *studies == 1 {
			noun = one
		}
		s = thousands(*studies) + " " + noun
	}
	return p + " (" + s + ")"
}

// CertaintySymbols are GRADE's certainty symbols: ⊕⊕⊕⊕ for high to
// ⊕◯◯◯ for very low; "" for None.
func CertaintySymbols(c Certainty) string {
	l := c.Level()
	if l < 1 {
		return ""
	}
	return strings.Repeat("⊕", l) + strings.Repeat("◯", 4-l)
}

// CertaintyLabel is the level as a table names it: "High", "Moderate",
// "Low", "Very low"; "" for None.
func CertaintyLabel(c Certainty) string {
	if c.Level() < 1 {
		return ""
	}
	return capitalise(c.label())
}

// CertaintyText is the certainty column: "⊕⊕⊕◯ Moderate", or "not graded"
// for None.
func CertaintyText(c Certainty) string {
	if c.Level() < 1 {
		return "not graded"
	}
	return CertaintySymbols(c) + " " + CertaintyLabel(c)
}

// CertaintyDefinition is the GRADE Working Group's meaning of a
// certainty level, as the legend of a SoF table gives it (GRADE handbook
// 5.1; Balshem et al. 2011, GRADE 3, J Clin Epidemiol 64:401-406, table 2);
// "" for None.
func CertaintyDefinition(c Certainty) string {
	switch c {
	case High:
		return "We are very confident that the true effect lies close to that of the estimate of the effect."
	case Moderate:
		return "We are moderately confident in the effect estimate: the true effect is likely to be close to the estimate of the effect, but there is a possibility that it is substantially different."
	case Low:
		return "Our confidence in the effect estimate is limited: the true effect may be substantially different from the estimate of the effect."
	case VeryLow:
		return "We have very little confidence in the effect estimate: the true effect is likely to be substantially different from the estimate of effect."
	}
	return ""
}

// CertaintyPhrase is GRADE 26's wording for a certainty level (Santesso
// 2020, table 2): high "results in", moderate "likely results in", low "may
// result in", very low "the evidence is very uncertain about"; "" for None.
func CertaintyPhrase(c Certainty) string {
	switch c {
	case High:
		return "results in"
	case Moderate:
		return "likely results in"
	case Low:
		return "may result in"
	case VeryLow:
		return "the evidence is very uncertain about"
	}
	return ""
}

// Statement is a row's plain-language statement (GRADE 26): the certainty
// phrase with the intervention and outcome, then the finding's summary,
// which states the size and direction of the effect:
//
//   - high, moderate, low: "<Intervention> results in / likely results in /
//     may result in the effect on <outcome> summarised here (<level>-certainty
//     evidence): <summary>";
//   - very low: "The evidence is very uncertain about the effect of
//     <intervention> on <outcome> (very low-certainty evidence): <summary>";
//   - ungraded: "Not graded: no certainty has been decided for this
//     evidence. <summary>".
func Statement(q Question, c Certainty, summary string) string {
	summary = strings.TrimSpace(summary)
	intervention, outcome := strings.TrimSpace(q.Intervention), strings.TrimSpace(q.Outcome)
	var lead string
	switch c {
	case High, Moderate, Low:
		lead = fmt.Sprintf("%s %s the effect on %s summarised here (%s-certainty evidence)",
			capitalise(intervention), CertaintyPhrase(c), outcome, c.label())
	case VeryLow:
		lead = fmt.Sprintf("The evidence is very uncertain about the effect of %s on %s (very low-certainty evidence)", intervention, outcome)
	default:
		if summary == "" {
			return "Not graded: no certainty has been decided for this evidence."
		}
		return "Not graded: no certainty has been decided for this evidence. " + summary
	}
	if summary == "" {
		return lead + "."
	}
	return lead + ": " + summary
}

// OccurrenceCertaintyText is the certainty column of a case-evidence row:
// the certainty that the harm can occur, said as such and without GRADE's
// symbols, which stand for the certainty of an effect or a rate, e.g.
// "occurrence certainty: low (whether the harm can occur, not how often)".
func OccurrenceCertaintyText(c Certainty) string {
	return "occurrence certainty: " + c.label() + " (whether the harm can occur, not how often)"
}

// CaseEvidenceStatement is the statement of a case-evidence row (DESIGN
// "Case evidence"): the harm was documented with this attribution, the
// certainty that the intervention can cause it, and that how often it
// happens is not estimated, then the finding's summary, e.g. "Harm
// documented, attribution probable (WHO-UMC): Mesotherapy can cause
// abscesses, with low certainty; how often it occurs is not estimated."
func CaseEvidenceStatement(q Question, a Attribution, c Certainty, summary string) string {
	lead := fmt.Sprintf("Harm documented, attribution %s (WHO-UMC): %s can cause %s, with %s certainty; how often it occurs is not estimated",
		a, capitalise(strings.TrimSpace(q.Intervention)), strings.TrimSpace(q.Outcome), c.label())
	if summary = strings.TrimSpace(summary); summary != "" {
		return lead + ". " + summary
	}
	return lead + "."
}

// withdrawnStatement is the statement of a row whose grade was withdrawn.
func withdrawnStatement(reason, summary string) string {
	lead := "Grade withdrawn (" + reason + "): no certainty stands for this evidence"
	if summary = strings.TrimSpace(summary); summary != "" {
		return lead + ". " + summary
	}
	return lead + "."
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// domainLabels are the domains as a SoF footnote names them.
var domainLabels = map[string]string{
	domainRiskOfBias: "Risk of bias", domainInconsistency: "Inconsistency", domainIndirectness: "Indirectness",
	domainImprecision: "Imprecision", domainPublicationBias: "Publication bias", domainLargeEffect: "Large effect",
	domainDoseResponse: "Dose-response gradient", domainPlausibleConfounding: "Plausible confounding",
}

// levelWords names a number of levels.
func levelWords(n int) string {
	switch n {
	case 1:
		return "one level"
	case 2:
		return "two levels"
	case 3:
		return "three levels"
	}
	return strconv.Itoa(n) + " levels"
}

// FootnoteText explains one step of a grade's derivation that changed the
// certainty, e.g. "Risk of bias: rated down one level (serious). Open
// label, self-reported pain." or "Large effect: rated up two levels (very
// large). RR 0.15 (0.08 to 0.3)." A step without a reason (an older grade)
// says "No reason recorded."
func FootnoteText(s DerivationStep) string {
	label := domainLabels[s.Domain]
	if label == "" {
		label = capitalise(strings.ReplaceAll(s.Domain, "_", " "))
	}
	dir := "rated down"
	if s.Change > 0 {
		dir = "rated up"
	}
	n := s.Change
	if n < 0 {
		n = -n
	}
	text := fmt.Sprintf("%s: %s %s", label, dir, levelWords(n))
	if s.Judgement != "" && s.Judgement != "true" {
		text += " (" + strings.ReplaceAll(s.Judgement, "_", " ") + ")"
	}
	reason := strings.TrimSpace(s.Reason)
	if reason == "" {
		return text + ". No reason recorded."
	}
	if !strings.HasSuffix(reason, ".") && !strings.HasSuffix(reason, "!") && !strings.HasSuffix(reason, "?") {
		reason += "."
	}
	return text + ". " + reason
}

// FlagNote says what a flag shown on a SoF row means for the reader; ""
// for the flags a row does not explain (its certainty column already says
// ungraded and low certainty).
func FlagNote(f Flag) string {
	switch f {
	case FlagStaleGrade:
		return "Stale grade: the evidence or the question changed after this grade was decided; it awaits re-grading."
	case FlagReviewerDisagreement:
		return "Reviewer disagreement: the submitted assessments differ and await adjudication."
	case FlagRetractedEvidence:
		return "Retracted evidence: a source this finding rests on is retracted."
	}
	return ""
}

// SoFGrade is a finding's current grade as the table shows it.
type SoFGrade struct {
	Certainty  Certainty // None for case evidence
	Method     Method
	Derivation CertaintyDerivation
	// OccurrenceCertainty and Attribution are a case-evidence grade's:
	// the certainty that the harm can occur and the agreed attribution.
	OccurrenceCertainty Certainty
	Attribution         Attribution
	// Withdrawn: every level-setting source is retracted; the row shows
	// no certainty and says why (WithdrawnReason).
	Withdrawn       bool
	WithdrawnReason string
}

// SoFFinding is one finding as its row needs it. Grade is the current
// grade (nil while ungraded); assessments are never part of a table.
type SoFFinding struct {
	ID      int64
	Effect  EffectEstimate
	Summary string
	Flags   []Flag
	Grade   *SoFGrade
}

// SoFRow is one row of a summary-of-findings table.
type SoFRow struct {
	FindingID        int64
	Outcome          string
	Timepoint        string
	Participants     *int64
	Studies          *int64
	Design           DesignClass // from the grade's derivation; "" while ungraded
	ParticipantsText string
	Effect           EffectEstimate
	EffectText       string
	Absolute         AbsoluteEffect
	Certainty        Certainty // None while ungraded, withdrawn, and for case evidence
	// OccurrenceCertainty and Attribution are set for case evidence: the
	// row shows whether the harm can occur, never a GRADE certainty.
	OccurrenceCertainty Certainty
	Attribution         Attribution
	// Withdrawn: the grade was withdrawn (every level-setting source is
	// retracted).
	Withdrawn     bool
	CertaintyText string
	Method        Method // "" while ungraded
	Derivation    string // the derivation in one line; "" while ungraded
	Statement     string
	Flags         []Flag
	Notes         []string // FlagNote of each flag that has one
	Footnotes     []int    // the numbers of this row's footnotes
}

// SoFFootnote explains one downgrade or upgrade of one row's grade.
type SoFFootnote struct {
	Number    int
	FindingID int64
	Domain    Domain
	Judgement string
	Change    int
	Text      string
}

// SoFTitle is the table's title in GRADEpro's form, "<Intervention>
// compared with <comparator> for <population>"; for a question without
// comparator "<Intervention> for <population>: how often <outcome> occurs".
func SoFTitle(q Question) string {
	intervention, population := capitalise(strings.TrimSpace(q.Intervention)), strings.TrimSpace(q.Population)
	if q.Comparator == nil || strings.TrimSpace(*q.Comparator) == "" {
		return fmt.Sprintf("%s for %s: how often %s occurs", intervention, population, strings.TrimSpace(q.Outcome))
	}
	return fmt.Sprintf("%s compared with %s for %s", intervention, strings.TrimSpace(*q.Comparator), population)
}

// SoFTable is the summary-of-findings table of one question.
type SoFTable struct {
	Title     string // SoFTitle
	Question  Question
	Rows      []SoFRow
	Footnotes []SoFFootnote
}

// BuildSoF builds the table of question q from its findings, one row each
// in the order given (the store orders them by id). Footnotes are numbered
// from 1 through the table in row order and, within a row, in the order of
// the derivation's steps (risk of bias, inconsistency, indirectness,
// imprecision, publication bias, then the upgrades); every step whose
// change is not 0 gets one, with its reason, and the row lists their
// numbers. An ungraded finding has certainty None, the text "not graded"
// and no footnotes.
func BuildSoF(q Question, findings []SoFFinding) SoFTable {
	t := SoFTable{Title: SoFTitle(q), Question: q, Rows: make([]SoFRow, 0, len(findings)), Footnotes: []SoFFootnote{}}
	for _, f := range findings {
		r := SoFRow{FindingID: f.ID, Outcome: q.Outcome, Timepoint: q.Timepoint, Participants: f.Effect.Participants,
			Studies: f.Effect.Studies, Effect: f.Effect, EffectText: EffectText(f.Effect), Absolute: AbsoluteEffectOf(f.Effect),
			Flags: append([]Flag{}, f.Flags...), Notes: []string{}, Footnotes: []int{}}
		withdrawn := f.Grade != nil && f.Grade.Withdrawn
		if g := f.Grade; g != nil && !withdrawn {
			r.Certainty, r.Method, r.Design = g.Certainty, g.Method, g.Derivation.DesignClass
			r.OccurrenceCertainty, r.Attribution = g.OccurrenceCertainty, g.Attribution
			r.Derivation = g.Derivation.Summary()
			for _, s := range g.Derivation.Steps {
				if s.Change == 0 {
					continue
				}
				n := len(t.Footnotes) + 1
				t.Footnotes = append(t.Footnotes, SoFFootnote{Number: n, FindingID: f.ID, Domain: Domain(s.Domain),
					Judgement: s.Judgement, Change: s.Change, Text: FootnoteText(s)})
				r.Footnotes = append(r.Footnotes, n)
			}
		}
		r.ParticipantsText = ParticipantsText(r.Participants, r.Studies, r.Design)
		r.CertaintyText = CertaintyText(r.Certainty)
		r.Statement = Statement(q, r.Certainty, f.Summary)
		switch {
		case withdrawn:
			r.Withdrawn = true
			r.CertaintyText = "withdrawn: " + f.Grade.WithdrawnReason
			r.Statement = withdrawnStatement(f.Grade.WithdrawnReason, f.Summary)
		case r.OccurrenceCertainty != None:
			r.CertaintyText = OccurrenceCertaintyText(r.OccurrenceCertainty)
			r.Statement = CaseEvidenceStatement(q, r.Attribution, r.OccurrenceCertainty, f.Summary)
		}
		for _, fl := range r.Flags {
			if note := FlagNote(fl); note != "" {
				r.Notes = append(r.Notes, note)
			}
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}
