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
//     tables and their standard contents; 14.1.5.1 and 14.1.5.2: the risk
//     with the intervention from a risk, odds or hazard ratio and the
//     comparator group's risk.
//   - GRADE 12 (Guyatt et al. 2013, J Clin Epidemiol 66:158-172): preparing
//     SoF tables for binary outcomes; absolute effects per 1,000 need the
//     comparator group's risk, which must come from the evidence, never be
//     assumed.
//   - GRADE 26 (Santesso et al. 2020, J Clin Epidemiol 119:126-135):
//     informative statements by certainty and size of the effect: high
//     "reduces/increases", moderate "probably reduces/increases", low "may
//     reduce/increase", very low "the evidence is very uncertain about the
//     effect of"; a trivial or no effect "results in little to no
//     difference" with the same hedges (docs/sof.md has the table).
//
// BuildSoF is a pure function: the store loads the question, its findings,
// their flags and their current grades (never an assessment: blinding holds
// because nothing else is passed in). It returns numbers and the kind of
// statement each row makes; the words, in the reader's language, are the
// readertext package's (message catalogues), and the API converts the table
// to JSON or HTML.

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
	// AbsoluteComparatorPer1000 is the risk per 1,000 with the comparator
	// (the comparator_risk quoted from the source) and the risk per 1,000
	// with the intervention that a risk, odds or hazard ratio implies
	// (GRADE 12).
	AbsoluteComparatorPer1000 AbsoluteKind = "comparator_per_1000"
	// AbsoluteDifference is a mean difference or standardised mean
	// difference, higher or lower, on the outcome's scale (or in standard
	// deviations).
	AbsoluteDifference AbsoluteKind = "difference"
	// AbsoluteNotEstimable is an absolute effect that cannot be computed
	// from what is stored; NotEstimable says why.
	AbsoluteNotEstimable AbsoluteKind = "not_estimable"
)

// AbsoluteKinds returns the absolute-effect kinds. Each call returns a new
// slice.
func AbsoluteKinds() []AbsoluteKind {
	return []AbsoluteKind{AbsolutePer1000, AbsoluteDifferencePer1000, AbsoluteComparatorPer1000, AbsoluteDifference, AbsoluteNotEstimable}
}

// ParseAbsoluteKind accepts exactly the absolute-effect kinds.
func ParseAbsoluteKind(s string) (AbsoluteKind, error) {
	return parseWord("absolute effect kind", s, AbsoluteKinds())
}

// Validate reports a value outside the vocabulary.
func (k AbsoluteKind) Validate() error { _, err := ParseAbsoluteKind(string(k)); return err }

// NotEstimable says why a row's absolute effect cannot be computed.
type NotEstimable string

// The reasons an absolute effect is not estimable.
const (
	NotEstimableNoEstimate       NotEstimable = "no_estimate"           // no effect estimate recorded
	NotEstimableNoComparatorRisk NotEstimable = "no_comparator_risk"    // a ratio, and no comparator risk recorded (GRADE 12)
	NotEstimableIncidence        NotEstimable = "incidence"             // per person-time, and no person-time unit recorded
	NotEstimableRiskDifference   NotEstimable = "risk_difference_range" // a risk difference outside [-1, 1]
	NotEstimableComparatorRisk   NotEstimable = "comparator_risk_range" // a comparator risk outside (0, 1)
)

// NotEstimables returns the reasons. Each call returns a new slice.
func NotEstimables() []NotEstimable {
	return []NotEstimable{NotEstimableNoEstimate, NotEstimableNoComparatorRisk, NotEstimableIncidence,
		NotEstimableRiskDifference, NotEstimableComparatorRisk}
}

// ParseNotEstimable accepts exactly the reasons.
func ParseNotEstimable(s string) (NotEstimable, error) {
	return parseWord("not-estimable reason", s, NotEstimables())
}

// Validate reports a value outside the vocabulary.
func (n NotEstimable) Validate() error { _, err := ParseNotEstimable(string(n)); return err }

// AbsoluteEffect is the "anticipated absolute effect" of a row. Estimate,
// Low and High are per 1,000 participants for the per-1,000 kinds (the
// risk with the intervention for comparator_per_1000; rounded to one
// decimal), on the measure's own scale for a difference, and nil when not
// estimable or not recorded.
type AbsoluteEffect struct {
	Kind     AbsoluteKind
	Estimate *float64
	Low      *float64
	High     *float64
	// Comparator is the risk per 1,000 with the comparator
	// (comparator_per_1000 only).
	Comparator *float64
	// WilsonCI is true when the interval is the Wilson 95% interval of
	// events/participants because no CI is stored.
	WilsonCI bool
	// NotEstimable says why, for kind not_estimable; "" otherwise.
	NotEstimable NotEstimable
}

// AbsoluteEffectOf computes a row's absolute effect from the stored effect
// and, for a ratio, the comparator group's risk quoted from the source
// (comparatorRisk, a proportion; nil when none is recorded), never from an
// invented baseline. The rule:
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
//   - risk_ratio, odds_ratio, hazard_ratio with a comparator risk CR: CR ×
//     1,000 with the comparator, and with the intervention (Cochrane
//     Handbook 14.1.5.1, 14.1.5.2; GRADE 12) CR × RR, OR × CR / (1 − CR + OR
//     × CR), or 1 − (1 − CR)^HR, each × 1,000, the CI from the ratio's CI;
//     capped at 1,000. Without a comparator risk: not estimable
//     (no_comparator_risk): claimgrade never assumes one.
//   - incidence: not estimable: events per person-time do not convert to
//     a risk per participant without the person-time unit, which is not
//     stored.
//   - no measure, or no estimate (and for a proportion no events and
//     participants): not estimable (no_estimate).
//
// Per-1,000 numbers are rounded to one decimal.
func AbsoluteEffectOf(e EffectEstimate, comparatorRisk *float64) AbsoluteEffect {
	notEstimable := func(why NotEstimable) AbsoluteEffect {
		return AbsoluteEffect{Kind: AbsoluteNotEstimable, NotEstimable: why}
	}
	switch e.Measure {
	case MeasureRiskRatio, MeasureOddsRatio, MeasureHazardRatio:
		switch {
		case e.Estimate == nil:
			return notEstimable(NotEstimableNoEstimate)
		case comparatorRisk == nil:
			return notEstimable(NotEstimableNoComparatorRisk)
		case !(*comparatorRisk > 0 && *comparatorRisk < 1):
			return notEstimable(NotEstimableComparatorRisk)
		}
		cr := *comparatorRisk
		with := func(ratio *float64) *float64 {
			if ratio == nil || !(*ratio > 0) || math.IsInf(*ratio, 0) {
				return nil
			}
			r := RiskWithIntervention(e.Measure, cr, *ratio)
			return per1000(&r)
		}
		a := AbsoluteEffect{Kind: AbsoluteComparatorPer1000, Comparator: per1000(&cr), Estimate: with(e.Estimate)}
		if a.Estimate == nil {
			return notEstimable(NotEstimableNoEstimate)
		}
		if lo, hi := with(e.CILow), with(e.CIHigh); lo != nil && hi != nil {
			a.Low, a.High = lo, hi
		}
		return a
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
				return notEstimable(NotEstimableRiskDifference)
			}
		}
		a := AbsoluteEffect{Kind: AbsoluteDifferencePer1000, Estimate: per1000(e.Estimate)}
		if e.CILow != nil && e.CIHigh != nil {
			a.Low, a.High = per1000(e.CILow), per1000(e.CIHigh)
		}
		return a
	case MeasureMeanDifference, MeasureStdMeanDifference:
		if e.Estimate == nil {
			return notEstimable(NotEstimableNoEstimate)
		}
		a := AbsoluteEffect{Kind: AbsoluteDifference, Estimate: e.Estimate}
		if e.CILow != nil && e.CIHigh != nil {
			a.Low, a.High = e.CILow, e.CIHigh
		}
		return a
	}
	return notEstimable(NotEstimableNoEstimate)
}

// RiskWithIntervention is the risk with the intervention that a ratio
// implies for a comparator risk cr in (0, 1) (Cochrane Handbook 6.4,
// 14.1.5.1 and 14.1.5.2; GRADE 12): cr × RR for a risk ratio, OR × cr / (1
// − cr + OR × cr) for an odds ratio, 1 − (1 − cr)^HR for a hazard ratio (the
// risk by the table's timepoint under proportional hazards); at most 1.
func RiskWithIntervention(m EffectMeasure, cr, ratio float64) float64 {
	var r float64
	switch m {
	case MeasureRiskRatio:
		r = cr * ratio
	case MeasureOddsRatio:
		r = ratio * cr / (1 - cr + ratio*cr)
	case MeasureHazardRatio:
		r = -math.Expm1(ratio * math.Log1p(-cr))
	default:
		return math.NaN()
	}
	return min(r, 1)
}

// ComparatorRiskProblem says why cr cannot be a finding's comparator risk
// (the proportion of the comparator group with the event, quoted from the
// source), "" when it can: it belongs to a risk, odds or hazard ratio (the
// binary outcomes whose absolute effect needs it, GRADE 12) and lies
// strictly between 0 and 1.
func ComparatorRiskProblem(m EffectMeasure, cr float64) string {
	switch {
	case math.IsNaN(cr) || math.IsInf(cr, 0):
		return "must be a finite number"
	case !m.IsRatio():
		return "is the comparator group's risk of a binary outcome, which only a risk, odds or hazard ratio needs for its absolute effect (GRADE 12): give it with one of those measures"
	case cr <= 0 || cr >= 1:
		return "is a proportion of the comparator group, quoted from the source: greater than 0 and less than 1 (0.2 for 20%)"
	}
	return ""
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
		return AbsoluteEffect{Kind: AbsoluteNotEstimable, NotEstimable: NotEstimableNoEstimate}
	}
	a := AbsoluteEffect{Kind: AbsolutePer1000, Estimate: per1000(est)}
	if low == nil && high == nil && counted {
		if lo, hi, ok := WilsonInterval(*e.Events, *e.Participants); ok {
			low, high, a.WilsonCI = &lo, &hi, true
		}
	}
	if low != nil && high != nil {
		a.Low, a.High = per1000(low), per1000(high)
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

// MeasureAbbrev is the usual English abbreviation of a measure in a SoF
// table (RR, OR, HR, MD, SMD, RD); the reader's language has its own
// (readertext).
func MeasureAbbrev(m EffectMeasure) string {
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

// FlagNoted reports whether a SoF row explains flag f in a note: stale
// grade, reviewer disagreement and retracted evidence (the certainty
// column already says ungraded and low certainty).
func FlagNoted(f Flag) bool {
	return f == FlagStaleGrade || f == FlagReviewerDisagreement || f == FlagRetractedEvidence
}

// StatementKind is the kind of plain-language statement a row makes: the
// GRADE 26 informative statement for an effect (Santesso 2020), or its
// counterpart for a rate, for case evidence and for a row that has no
// certainty to state. Which hedge it takes ("probably", "may", "very
// uncertain") follows the row's certainty (Informative.Certainty); the
// words are the reader's language's (readertext, docs/sof.md).
type StatementKind string

// The statement kinds.
const (
	// StatementNotGraded: no grade has been decided, so nothing is stated.
	StatementNotGraded StatementKind = "not_graded"
	// StatementWithdrawn: the grade was withdrawn because every source that
	// set its level is retracted (DESIGN "Retraction withdraws").
	StatementWithdrawn StatementKind = "withdrawn"
	// StatementEffect: an important effect, "reduces" or "increases"
	// (Informative.Increase) the outcome, hedged by the certainty.
	StatementEffect StatementKind = "effect"
	// StatementLittleToNoDifference: an effect smaller than the threshold,
	// or without a threshold a CI that includes no effect: "results in
	// little to no difference", hedged by the certainty.
	StatementLittleToNoDifference StatementKind = "little_to_no_difference"
	// StatementNoEstimate: graded, but no estimate of a comparative effect
	// is recorded, so its size and direction cannot be stated.
	StatementNoEstimate StatementKind = "no_estimate"
	// StatementRate: a question without comparator: how often the outcome
	// occurs, "about N per 1,000 (L to U)" (Informative.Rate).
	StatementRate StatementKind = "rate"
	// StatementCase: case evidence (a harm without comparator and without
	// a measure): "documented in N cases (attribution ...)"; its certainty
	// is the occurrence certainty.
	StatementCase StatementKind = "case"
)

// StatementKinds returns the statement kinds. Each call returns a new
// slice.
func StatementKinds() []StatementKind {
	return []StatementKind{StatementNotGraded, StatementWithdrawn, StatementEffect, StatementLittleToNoDifference,
		StatementNoEstimate, StatementRate, StatementCase}
}

// ParseStatementKind accepts exactly the statement kinds.
func ParseStatementKind(s string) (StatementKind, error) {
	return parseWord("statement kind", s, StatementKinds())
}

// Validate reports a value outside the vocabulary.
func (k StatementKind) Validate() error { _, err := ParseStatementKind(string(k)); return err }

// Informative is the statement a row makes, as numbers and kinds: which
// statement (Kind), hedged by which certainty, in which direction, with
// which rate or number of cases. readertext writes it in the reader's
// language.
type Informative struct {
	Kind StatementKind
	// Certainty is the certainty the hedge follows: the grade's GRADE
	// certainty, or for case evidence the occurrence certainty (None when
	// not known yet).
	Certainty Certainty
	// Increase says, for an effect, that the intervention increases the
	// outcome (an estimate above no effect: a ratio above 1, a difference
	// above 0); false: it reduces it. It follows the sign of the estimate
	// as reported; the question's direction only says which is better.
	Increase bool
	// Rate is the rate per 1,000 of a rate row (AbsoluteEffectOf of its
	// proportion); nil when none can be computed.
	Rate *AbsoluteEffect
	// Cases is the number of documented cases of case evidence (the
	// finding's events); nil when not recorded.
	Cases *int64
	// Attribution is the WHO-UMC attribution of case evidence (the grade's
	// agreed one, else the finding's); "" when not assessed.
	Attribution Attribution
}

// InformativeOf decides the statement of a finding's row (GRADE 26,
// Santesso 2020; docs/sof.md):
//
//   - withdrawn grade → withdrawn; no grade → not_graded (case evidence
//     with an attribution still states its cases);
//   - case evidence → case (documented in N cases, with its attribution and
//     occurrence certainty);
//   - a question without comparator → rate: about N per 1,000 (L to U),
//     from the proportion (no rate when none can be computed);
//   - a ratio or difference: the direction follows the sign of the
//     estimate as reported (a ratio below 1, a difference below 0:
//     reduces). With a threshold T (the smallest effect that matters) the
//     size is the point estimate's: |estimate| below T (for ratios on the
//     log scale) → little to no difference, else an effect; GRADE 26 words
//     the point estimate, its imprecision being in the certainty (GRADE
//     34). Without a threshold, a CI that includes no effect → little to no
//     difference, one that excludes it (or no CI) → an effect;
//   - anything else graded → no_estimate.
//
// Very low certainty is worded "very uncertain" whatever the size; the
// renderer does that from Certainty.
func InformativeOf(q Question, f SoFFinding) Informative {
	var c Certainty
	if f.Grade != nil {
		c = f.Grade.Certainty
	}
	switch {
	case f.Withdrawn:
		return Informative{Kind: StatementWithdrawn}
	case f.CaseEvidence:
		in := Informative{Kind: StatementCase, Certainty: Deref(f.OccurrenceCertainty), Cases: f.Effect.Events, Attribution: f.Attribution}
		if in.Attribution == AttributionUnassessed {
			in.Attribution = ""
		}
		return in
	case c == None:
		return Informative{Kind: StatementNotGraded}
	case q.EventRate():
		if f.Effect.Measure != MeasureProportion {
			return Informative{Kind: StatementRate, Certainty: c}
		}
		a := AbsoluteEffectOf(f.Effect, nil)
		if a.Kind != AbsolutePer1000 {
			return Informative{Kind: StatementRate, Certainty: c}
		}
		return Informative{Kind: StatementRate, Certainty: c, Rate: &a}
	}
	e := f.Effect
	m := e.Measure
	if !(m.IsRatio() || m.IsDifference()) || e.Estimate == nil {
		return Informative{Kind: StatementNoEstimate, Certainty: c}
	}
	// On the scale where 0 is no effect: ratios on the log scale.
	at := func(x float64) (float64, bool) { return orient(m, HigherIsBetter, x) }
	est, ok := at(*e.Estimate)
	if !ok {
		return Informative{Kind: StatementNoEstimate, Certainty: c}
	}
	in := Informative{Kind: StatementEffect, Certainty: c, Increase: est > 0}
	if e.Threshold != nil {
		if t, ok := at(*e.Threshold); ok && t != 0 {
			if !atLeast(math.Abs(est), math.Abs(t)) {
				in.Kind = StatementLittleToNoDifference
			}
			return in
		}
	}
	if est == 0 {
		in.Kind = StatementLittleToNoDifference
		return in
	}
	if e.CILow != nil && e.CIHigh != nil {
		lo, okLo := at(*e.CILow)
		hi, okHi := at(*e.CIHigh)
		if okLo && okHi && min(lo, hi) <= 0 && max(lo, hi) >= 0 {
			in.Kind = StatementLittleToNoDifference
		}
	}
	return in
}

// SoFGrade is a finding's current grade as the table shows it.
type SoFGrade struct {
	Certainty  Certainty
	Method     Method
	Derivation CertaintyDerivation
}

// SoFFinding is one finding as its row needs it. Grade is the current
// grade (nil while ungraded); assessments are never part of a table.
type SoFFinding struct {
	ID      int64
	Effect  EffectEstimate
	Summary string
	Flags   []Flag
	Grade   *SoFGrade
	// ComparatorRisk is the comparator group's risk of a binary outcome,
	// quoted from the source (a proportion), for the absolute effect of a
	// ratio; nil when not recorded.
	ComparatorRisk *float64
	// Attribution is the WHO-UMC attribution of a harm without comparator
	// (for case evidence the grade's agreed one where it exists).
	Attribution Attribution
	// CaseEvidence says that the finding documents events of a harm
	// without a comparator and without a measure (DESIGN "Case evidence"),
	// and OccurrenceCertainty is its grade's certainty that the harm can
	// occur (nil while ungraded).
	CaseEvidence        bool
	OccurrenceCertainty *Certainty
	// Withdrawn says that the finding's grade was withdrawn because every
	// source that set its level is retracted.
	Withdrawn bool
}

// SoFRow is one row of a summary-of-findings table.
type SoFRow struct {
	FindingID    int64
	Outcome      string
	Timepoint    string
	Participants *int64
	Studies      *int64
	Design       DesignClass // from the grade's derivation; "" while ungraded
	Effect       EffectEstimate
	Absolute     AbsoluteEffect
	Certainty    Certainty // None while ungraded
	Method       Method    // "" while ungraded
	Derivation   string    // the derivation in one line; "" while ungraded
	Informative  Informative
	Summary      string // the finding's plain-language summary, as written
	Flags        []Flag
	Notes        []Flag // the flags FlagNote explains, in Flags' order
	Footnotes    []int  // the numbers of this row's footnotes
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
// numbers. An ungraded finding has certainty None and no footnotes; a
// withdrawn grade is shown as none (its certainty is null). Each row's
// statement is InformativeOf.
func BuildSoF(q Question, findings []SoFFinding) SoFTable {
	t := SoFTable{Title: SoFTitle(q), Question: q, Rows: make([]SoFRow, 0, len(findings)), Footnotes: []SoFFootnote{}}
	for _, f := range findings {
		if f.Withdrawn {
			f.Grade = nil
		}
		r := SoFRow{FindingID: f.ID, Outcome: q.Outcome, Timepoint: q.Timepoint, Participants: f.Effect.Participants,
			Studies: f.Effect.Studies, Effect: f.Effect, Absolute: AbsoluteEffectOf(f.Effect, f.ComparatorRisk),
			Summary: strings.TrimSpace(f.Summary), Flags: append([]Flag{}, f.Flags...), Notes: []Flag{}, Footnotes: []int{}}
		if g := f.Grade; g != nil {
			r.Certainty, r.Method, r.Design = g.Certainty, g.Method, g.Derivation.DesignClass
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
		r.Informative = InformativeOf(q, f)
		for _, fl := range r.Flags {
			if FlagNoted(fl) {
				r.Notes = append(r.Notes, fl)
			}
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}
