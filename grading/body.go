package grading

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// This file is the finding-level engine's view of a body of evidence: the
// question, the effect and the sources of one finding (GRADE rates the
// certainty of the evidence for one outcome of one question: GRADE handbook
// 5; Balshem 2011, GRADE 3, J Clin Epidemiol 64:401-406), and which of its
// sources set the starting level, in which design class, from which level.

// Question is what the engine reads of a finding's question (PICO). The
// text fields matter only to staleness: a grade rests on the question it
// answered.
type Question struct {
	Population     string
	Intervention   string
	Comparator     *string // nil for a non-comparative question
	ComparatorKind ComparatorKind
	Outcome        string
	Timepoint      string
	OutcomeKind    OutcomeKind
	// Direction is which way the outcome's scale improves: whether an
	// estimate (stored as the source reports it) favours the intervention.
	Direction Direction
}

// EventRate reports whether the question asks how often something happens
// (comparator_kind none) rather than what an intervention changes compared
// with something else. A finding on such a question without a measure is
// case evidence instead (Body.CaseEvidence).
func (q Question) EventRate() bool { return q.ComparatorKind == ComparatorNone }

// EffectEstimate is a finding's effect, where one exists. Nil pointers are
// values not reported.
type EffectEstimate struct {
	Measure      EffectMeasure // "" when no effect is recorded
	Estimate     *float64
	CILow        *float64 // 95% confidence interval
	CIHigh       *float64
	Events       *int64 // for a proportion or incidence
	Participants *int64
	Studies      *int64
	Threshold    *float64 // the smallest effect that matters, on the estimate's scale
}

// BodySource is one source linked to a finding, as the engine sees it.
type BodySource struct {
	SourceID  int64
	Kind      SourceKind
	Retracted bool
	// IncludedDesign is the design of the studies a systematic review or
	// meta-analysis includes; "" for every other kind.
	IncludedDesign IncludedDesign
	// Includes lists the ids of catalogued sources the review pools;
	// reviews only.
	Includes []int64
	// RetractedIncludes lists the ids in Includes whose sources are
	// retracted (the review may still stand, but the flag and the
	// staleness rules see them).
	RetractedIncludes []int64
	// ReportedCertainty is the source's own GRADE rating for this outcome
	// (systematic reviews, meta-analyses and guidelines only); None when
	// not stated.
	ReportedCertainty Certainty
	// DesignSubset is, for a mixed review, the design of the studies its
	// estimate for this finding is restricted to; "" otherwise.
	DesignSubset DesignClass
	// ReportedThreshold is the threshold (on the finding's estimate scale)
	// against which the source judged imprecision when it reported
	// ReportedCertainty; nil when it states none.
	ReportedThreshold *float64
}

// isReview reports whether the source pools other studies.
func (s BodySource) isReview() bool {
	return s.Kind == KindSystematicReview || s.Kind == KindMetaAnalysis
}

// Body is a finding's body of evidence: everything a grade rests on.
type Body struct {
	Question Question
	Effect   EffectEstimate
	Sources  []BodySource
}

// CaseEvidence reports whether the body is case evidence (DESIGN "Case
// evidence"): a harm question without comparator whose finding has no
// measure, so that its sources (case reports, case series, outbreak
// reports) document events without estimating how often they happen. It
// answers only whether the harm can occur, and is judged for its WHO-UMC
// attribution and indirectness instead of GRADE's design start and
// domains.
func (b Body) CaseEvidence() bool {
	return b.Question.OutcomeKind == OutcomeHarm && b.Question.ComparatorKind == ComparatorNone && b.Effect.Measure == ""
}

// ThresholdsDiffer reports whether a finding's threshold and the threshold
// a review used when it rated this outcome differ: both stated and
// unequal, or exactly one stated. Both unstated do not differ.
//
// Why one unstated counts as differing: GRADE judges imprecision against a
// threshold, and where none is stated, against the null effect (GRADE 34,
// Zeng 2022, J Clin Epidemiol 150:216-224). A finding with a threshold
// whose review states none (or a review with a threshold used by a finding
// without one) therefore has no evidence that the review judged
// imprecision against the same threshold, and re-rating imprecision may
// only lower the certainty: allowing it never overstates certainty, while
// refusing it could keep a rating judged against another threshold
// (GRADE 32, Zeng 2021, J Clin Epidemiol 137:163-175). Both unstated means
// both judge against the null effect: the same threshold.
func ThresholdsDiffer(finding, reported *float64) bool {
	switch {
	case finding == nil && reported == nil:
		return false
	case finding == nil || reported == nil:
		return true
	}
	return *finding != *reported
}

// ThresholdDiffers reports whether the body's start is a source's own
// rating (reported_certainty) and this finding's threshold differs from the
// one that source judged imprecision against (ThresholdsDiffer): only then
// may reviewers rate imprecision again (GRADE 32, 34). False for a body
// rated from its design, and for one that cannot be graded.
func (b Body) ThresholdDiffers() bool {
	basis, err := BodyBasis(b)
	if err != nil {
		return false
	}
	return b.thresholdDiffers(basis)
}

// sharedThresholdText describes the threshold that the finding and the
// source whose rating is the start share (called only when they do not
// differ), for a refusal.
func (b Body) sharedThresholdText() string {
	if b.Effect.Threshold == nil {
		return "unstated (the null effect)"
	}
	return strconv.FormatFloat(*b.Effect.Threshold, 'g', -1, 64)
}

// thresholdDiffers is ThresholdDiffers for a valid basis of b.
func (b Body) thresholdDiffers(basis Basis) bool {
	if !basis.Reported() {
		return false
	}
	for _, s := range b.Sources {
		if s.SourceID == basis.ReportedBy {
			return ThresholdsDiffer(b.Effect.Threshold, s.ReportedThreshold)
		}
	}
	return false
}

// ContextSource is a linked source that does not set the level, and why.
type ContextSource struct {
	SourceID int64  `json:"source_id"`
	Why      string `json:"why"`
}

// Basis is what a body of evidence starts from before any judgement: the
// level-setting sources, their design class and starting level.
type Basis struct {
	// EventRate: a question without comparator whose finding estimates a
	// rate (it has a measure); false for case evidence.
	EventRate bool
	// CaseEvidence: Body.CaseEvidence. Its start comes from the
	// assessment's attribution, so Start is None and Class "".
	CaseEvidence bool
	// Class is the design class of the level-setting sources; "" only for
	// a guideline's reported certainty or a mixed review's reported
	// certainty without a design subset.
	Class DesignClass
	// Start is the design level, or the reported certainty. For an event
	// rate rated from its design it is high, the start of a representative
	// sample; the assessment's sample decides (a selected one starts low).
	Start       Certainty
	StartReason string
	// ReportedBy is the source whose reported_certainty is the start; 0
	// when the start is a design level.
	ReportedBy   int64
	LevelSetting []int64         // the ids of the sources that set the level, in input order
	Overlapped   []int64         // sources a level-setting review includes: not counted separately
	Context      []ContextSource // linked but not level-setting
}

// Reported reports whether the start is a source's own rating.
func (b Basis) Reported() bool { return b.ReportedBy != 0 }

// setsNoLevel lists the kinds that never set a level, whatever else is
// linked: they may be attached as context (DESIGN "Which evidence sets the
// level"; GRADE handbook 5.1: certainty is rated from studies, not opinion).
var setsNoLevel = []SourceKind{
	KindExpertOpinion, KindNarrativeReview, KindConsensusStatement, KindMechanistic,
	KindWebArticle, KindNews, KindOther,
}

// reportedAllowed lists the kinds that may state a reported_certainty: a
// systematic review's or meta-analysis's GRADE rating of this outcome, or the
// outcome rating in a guideline's evidence profile.
var reportedAllowed = []SourceKind{KindSystematicReview, KindMetaAnalysis, KindGuideline}

// comparativeStart is the starting level of comparative (causal) evidence
// by design class: randomised trials start high, non-randomised
// comparative studies low (GRADE 3, Balshem 2011; GRADE handbook 5.1), and
// uncontrolled case series and case reports very low (GRADE handbook 5.1:
// "very low" for unsystematic observations).
func comparativeStart(c DesignClass) Certainty {
	switch c {
	case ClassRandomised:
		return High
	case ClassNonRandomised:
		return Low
	case ClassNonComparative:
		return VeryLow
	}
	return None
}

// kindClass is the design class of a primary study in a comparative
// question; "" for reviews and kinds that set no level.
func kindClass(k SourceKind) DesignClass {
	switch k {
	case KindRCT:
		return ClassRandomised
	case KindCohort, KindCaseControl, KindCrossSectional:
		return ClassNonRandomised
	case KindCaseSeries, KindCaseReport:
		return ClassNonComparative
	}
	return ""
}

// source field name for problems: sources[i].field.
func sourceField(i int, field string) string {
	if field == "" {
		return fmt.Sprintf("sources[%d]", i)
	}
	return fmt.Sprintf("sources[%d].%s", i, field)
}

// validateBody reports values outside their vocabularies and fields given
// where they do not belong.
func validateBody(b Body, p *problems) {
	if err := b.Question.ComparatorKind.Validate(); err != nil {
		p.add("question.comparator_kind", CodeInvalidValue, mustBeOneOf(Strings(ComparatorKinds())))
	}
	if err := b.Question.OutcomeKind.Validate(); err != nil {
		p.add("question.outcome_kind", CodeInvalidValue, mustBeOneOf(Strings(OutcomeKinds())))
	}
	if b.Question.Direction != "" && b.Question.Direction.Validate() != nil {
		p.add("question.direction", CodeInvalidValue, mustBeOneOf(Strings(Directions())))
	}
	if b.Effect.Measure != "" && b.Effect.Measure.Validate() != nil {
		p.add("measure", CodeInvalidValue, mustBeOneOf(Strings(EffectMeasures())))
	}
	for i, s := range b.Sources {
		if s.Kind.Validate() != nil {
			p.add(sourceField(i, "kind"), CodeInvalidValue, mustBeOneOf(Strings(SourceKinds())))
			continue
		}
		switch {
		case !s.isReview() && s.IncludedDesign != "":
			p.add(sourceField(i, "included_design"), CodeDesignNotAllowed,
				fmt.Sprintf("only a systematic_review or meta_analysis states included_design, not a %s", s.Kind))
		case s.isReview() && s.IncludedDesign == "":
			p.add(sourceField(i, "included_design"), CodeDesignRequired,
				"a systematic_review or meta_analysis must state included_design: "+mustBeOneOf(Strings(IncludedDesigns())))
		case s.isReview() && s.IncludedDesign.Validate() != nil:
			p.add(sourceField(i, "included_design"), CodeInvalidValue, mustBeOneOf(Strings(IncludedDesigns())))
		}
		if !s.isReview() && len(s.Includes) > 0 {
			p.add(sourceField(i, "includes"), CodeDesignNotAllowed,
				fmt.Sprintf("only a systematic_review or meta_analysis lists the sources it includes, not a %s", s.Kind))
		}
		if s.ReportedCertainty != None {
			switch {
			case !slices.Contains(reportedAllowed, s.Kind):
				// A source's own rating exists only where someone rated a body
				// of evidence with GRADE: a review or a guideline's evidence
				// profile (GRADE handbook 5; DESIGN "A source's own rating").
				p.add(sourceField(i, "reported_certainty"), CodeReportedCertaintyNotAllowed,
					fmt.Sprintf("only a systematic_review, meta_analysis or guideline reports its own certainty for an outcome, not a %s", s.Kind))
			case s.ReportedCertainty.Validate() != nil:
				p.add(sourceField(i, "reported_certainty"), CodeInvalidValue, mustBeOneOf(Strings(Certainties())))
			}
		}
		if s.DesignSubset != "" {
			switch {
			case !s.isReview() || s.IncludedDesign != IncludedMixed:
				p.add(sourceField(i, "design_subset"), CodeDesignNotAllowed,
					"only a review with included_design mixed states design_subset")
			case s.DesignSubset.Validate() != nil:
				p.add(sourceField(i, "design_subset"), CodeInvalidValue, mustBeOneOf(Strings(DesignClasses())))
			}
		}
	}
}

// BodyBasis decides which sources of a body of evidence set its starting
// level, their design class and the start, before any judgement. It
// reports every problem at once in a *RuleError:
//
//   - values outside their vocabularies (invalid_value), included_design,
//     includes or design_subset where they do not belong
//     (design_not_allowed), a review without included_design
//     (design_required), reported_certainty on a kind that cannot have one
//     (reported_certainty_not_allowed);
//   - no level-setting source (ungradable);
//   - level-setting sources of more than one design class, or a mixed
//     review without design_subset (split_by_design);
//   - a case report or case-control study for an event rate
//     (rate_not_estimable; case evidence takes them);
//   - a reported certainty beside other level-setting sources
//     (reported_certainty_not_alone), or on case evidence
//     (not_applicable_to_case_evidence).
func BodyBasis(b Body) (Basis, error) {
	var p problems
	validateBody(b, &p)
	basis := p.basis(b)
	if err := p.err(); err != nil {
		return Basis{}, err
	}
	return basis, nil
}

// basis classifies the valid sources of b, adding the classification's
// problems to p. It returns a usable Basis only when p stays empty.
func (p *problems) basis(b Body) Basis {
	caseEvidence := b.CaseEvidence()
	basis := Basis{EventRate: b.Question.EventRate() && !caseEvidence, CaseEvidence: caseEvidence,
		LevelSetting: []int64{}, Overlapped: []int64{}, Context: []ContextSource{}}

	// 1. Candidates: non-retracted sources of a kind that can set a level.
	type candidate struct {
		i int
		s BodySource
	}
	var candidates []candidate
	for i, s := range b.Sources {
		switch {
		case s.Kind.Validate() != nil:
			continue // reported by validateBody
		case s.Retracted:
			// A retracted publication is no evidence (GRADE handbook 5.2.1:
			// study limitations; DESIGN "Which evidence sets the level").
			basis.Context = append(basis.Context, ContextSource{s.SourceID, "retracted"})
		case slices.Contains(setsNoLevel, s.Kind):
			basis.Context = append(basis.Context, ContextSource{s.SourceID, fmt.Sprintf("a %s never sets a level", s.Kind)})
		case s.Kind == KindGuideline && s.ReportedCertainty == None:
			// A guideline is not a study design; only the outcome rating of
			// its evidence profile can set a level.
			basis.Context = append(basis.Context, ContextSource{s.SourceID,
				"a guideline has no design level; only its reported certainty for this outcome sets one"})
		default:
			candidates = append(candidates, candidate{i, s})
		}
	}

	// 2. Overlap: the studies a level-setting review pools are part of the
	// review's body of evidence, not independent evidence beside it (GRADE
	// handbook 5: one body of evidence per outcome; DESIGN "includes").
	included := map[int64]int64{} // included id -> the review that includes it
	for _, c := range candidates {
		if c.s.isReview() {
			for _, id := range c.s.Includes {
				if id != c.s.SourceID {
					included[id] = c.s.SourceID
				}
			}
		}
	}
	var setting []candidate
	for _, c := range candidates {
		if _, ok := included[c.s.SourceID]; ok {
			basis.Overlapped = append(basis.Overlapped, c.s.SourceID)
			continue
		}
		setting = append(setting, c)
		basis.LevelSetting = append(basis.LevelSetting, c.s.SourceID)
	}
	if len(setting) == 0 {
		msg := "no level-setting source: a finding needs a non-retracted rct, cohort, case_control, cross_sectional, " +
			"case_series, case_report, systematic_review or meta_analysis, or a guideline's reported certainty"
		if len(b.Sources) > 0 {
			msg += fmt.Sprintf(" (%d linked, none sets a level)", len(b.Sources))
		}
		p.add("sources", CodeUngradable, msg)
		return basis
	}

	// Case evidence documents that the harm occurred: any non-retracted
	// source of a kind that can set a level may document it (a case report
	// too: it estimates no rate here), and there is no design start, so no
	// design class to share. A source's own GRADE rating is about an effect
	// or a rate, not about whether the harm can occur.
	if caseEvidence {
		for _, c := range setting {
			if c.s.ReportedCertainty != None {
				p.add(sourceField(c.i, "reported_certainty"), CodeNotApplicableToCaseEvidence,
					fmt.Sprintf("source %d's own GRADE rating is about how often or how much; case evidence (a harm without comparator and without a measure) "+
						"is judged for whether the harm can occur (WHO-UMC attribution): clear reported_certainty, or record the rate as the finding's measure", c.s.SourceID))
			}
		}
		var who []string
		for _, c := range setting {
			who = append(who, fmt.Sprintf("%s %d", c.s.Kind, c.s.SourceID))
		}
		basis.StartReason = fmt.Sprintf("case evidence (%s) documents the harm; the certainty that it can occur starts from the attribution (WHO-UMC), not from a design",
			strings.Join(who, ", "))
		return basis
	}

	// 3. A source's own rating is that source's body of evidence and
	// nothing else (DESIGN "A source's own rating"; GRADE handbook 5: a
	// certainty rating belongs to one body of evidence).
	var reported []candidate
	for _, c := range setting {
		if c.s.ReportedCertainty != None && c.s.ReportedCertainty.Validate() == nil && slices.Contains(reportedAllowed, c.s.Kind) {
			reported = append(reported, c)
		}
	}
	if len(reported) > 0 {
		if len(setting) > 1 {
			for _, c := range reported {
				p.add(sourceField(c.i, "reported_certainty"), CodeReportedCertaintyNotAlone,
					fmt.Sprintf("a finding that uses source %d's own rating is that source's body of evidence alone, "+
						"but %d other level-setting sources are linked: list them in its includes, grade from them instead, "+
						"or make them another finding", c.s.SourceID, len(setting)-1))
			}
			return basis
		}
		c := reported[0]
		basis.ReportedBy = c.s.SourceID
		basis.Start = c.s.ReportedCertainty
		switch {
		case c.s.Kind == KindGuideline:
			basis.Class = ""
		case c.s.IncludedDesign == IncludedMixed:
			basis.Class = c.s.DesignSubset
		default:
			basis.Class = DesignClass(c.s.IncludedDesign)
		}
		if basis.EventRate {
			basis.Class = ClassNonComparative
		}
		basis.StartReason = fmt.Sprintf("%s (source %d) reports %s certainty for this outcome",
			c.s.Kind, c.s.SourceID, c.s.ReportedCertainty.label())
		return basis
	}

	// 4. Design class and start of each level-setting source.
	classes := map[DesignClass][]string{}
	var order []DesignClass
	for _, c := range setting {
		var class DesignClass
		switch {
		case basis.EventRate && (c.s.Kind == KindCaseReport || c.s.Kind == KindCaseControl):
			// A rate needs a denominator: a case report has none, and a
			// case-control study samples on the outcome (Iorio 2015, BMJ
			// 350:h870).
			p.add(sourceField(c.i, "kind"), CodeRateNotEstimable,
				fmt.Sprintf("a %s cannot estimate how often an event happens (comparator_kind none): it has no denominator", c.s.Kind))
			continue
		case basis.EventRate:
			// For an event rate every design is non-comparative: the
			// participants of a cohort, a case series or a trial arm are the
			// sample whose event rate is estimated (Iorio 2015; GRADE 28,
			// Foroutan 2020, J Clin Epidemiol 121:62-70).
			class = ClassNonComparative
		case c.s.isReview() && c.s.IncludedDesign == IncludedMixed:
			if c.s.DesignSubset != "" && c.s.DesignSubset.Validate() != nil {
				continue // reported by validateBody
			}
			if c.s.DesignSubset == "" {
				// Randomised and non-randomised evidence are two bodies of
				// evidence (GRADE 24, Cuello-Garcia 2022, J Clin Epidemiol
				// 142:200-208): a mixed review sets a level only through an
				// estimate restricted to one design.
				p.add(sourceField(c.i, "design_subset"), CodeSplitByDesign,
					fmt.Sprintf("review %d includes mixed designs: it sets a level only through an estimate restricted to one design; state design_subset", c.s.SourceID))
				continue
			}
			class = c.s.DesignSubset
		case c.s.isReview():
			if c.s.IncludedDesign.Validate() != nil {
				continue // reported by validateBody
			}
			class = DesignClass(c.s.IncludedDesign)
		default:
			class = kindClass(c.s.Kind)
		}
		if _, ok := classes[class]; !ok {
			order = append(order, class)
		}
		classes[class] = append(classes[class], fmt.Sprintf("%s %d", c.s.Kind, c.s.SourceID))
	}
	if len(order) > 1 {
		// One design class per finding (GRADE 24, Cuello-Garcia 2022): present
		// randomised and non-randomised evidence as two findings.
		var parts []string
		for _, c := range order {
			parts = append(parts, fmt.Sprintf("%s: %s", c, strings.Join(classes[c], ", ")))
		}
		p.add("sources", CodeSplitByDesign,
			"the level-setting sources span design classes ("+strings.Join(parts, "; ")+"): make one finding per design class")
		return basis
	}
	if len(order) == 0 {
		return basis // every level-setting source was refused above
	}
	basis.Class = order[0]
	who := strings.Join(classes[basis.Class], ", ")
	if basis.EventRate {
		// Event rates from a representative sample start high (Iorio 2015;
		// GRADE 28: a body of observational evidence about prognosis begins
		// as high certainty), from a selected one low; the assessment's
		// sample decides (derive).
		basis.Start = High
		basis.StartReason = fmt.Sprintf("event-rate question: %s", who)
		return basis
	}
	basis.Start = comparativeStart(basis.Class)
	basis.StartReason = fmt.Sprintf("%s evidence (%s) starts %s (GRADE 3; handbook 5.1)",
		strings.ReplaceAll(string(basis.Class), "_", "-"), who, basis.Start.label())
	return basis
}
