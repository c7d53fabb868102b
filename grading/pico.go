package grading

import "math"

// The vocabularies of the outcome model (DESIGN.md, Domain: Source,
// Question, Finding): what a review pools, what a question compares
// against, whether its outcome is a benefit or a harm, the effect measure
// of a finding and the causality of a non-comparative harm. Each follows
// vocab.go: a named string type, its values, ParseX, Validate and Scan.

// IncludedDesign is the design of the studies a systematic review or
// meta-analysis pools; a review counts as this design when it sets a
// finding's level (GRADE 24: randomised and non-randomised evidence are two
// bodies of evidence).
type IncludedDesign string

// The included designs.
const (
	DesignRandomised     IncludedDesign = "randomised"      // randomised trials only
	DesignNonRandomised  IncludedDesign = "non_randomised"  // comparative non-randomised studies
	DesignNonComparative IncludedDesign = "non_comparative" // case series, single-arm studies
	DesignMixed          IncludedDesign = "mixed"           // more than one of the above
)

// IncludedDesigns returns the four included designs. Each call returns a
// new slice.
func IncludedDesigns() []IncludedDesign {
	return []IncludedDesign{DesignRandomised, DesignNonRandomised, DesignNonComparative, DesignMixed}
}

// ParseIncludedDesign accepts exactly the four included designs.
func ParseIncludedDesign(s string) (IncludedDesign, error) {
	return parseWord("included design", s, IncludedDesigns())
}

// Validate reports a value outside the vocabulary.
func (d IncludedDesign) Validate() error { _, err := ParseIncludedDesign(string(d)); return err }

// Scan reads a stored included design (database/sql.Scanner).
func (d *IncludedDesign) Scan(src any) error { return scanWord(d, src, ParseIncludedDesign) }

// IsReview reports whether a source of this kind pools other studies and
// so states an included design and may list the sources it includes.
func IsReview(kind SourceKind) bool {
	return kind == KindSystematicReview || kind == KindMetaAnalysis
}

// MayReportCertainty reports whether a finding may carry a certainty rated
// by a source of this kind (GRADE 32/34: a review's or a guideline
// evidence profile's rating of the outcome).
func MayReportCertainty(kind SourceKind) bool {
	return IsReview(kind) || kind == KindGuideline
}

// ComparatorKind says what a question's intervention is compared with.
type ComparatorKind string

// The comparator kinds.
const (
	ComparatorNone     ComparatorKind = "none"     // no comparator: how often does it happen
	ComparatorInactive ComparatorKind = "inactive" // placebo, sham, no treatment, add-on to usual care
	ComparatorActive   ComparatorKind = "active"   // another treatment
)

// ComparatorKinds returns the three comparator kinds. Each call returns a
// new slice.
func ComparatorKinds() []ComparatorKind {
	return []ComparatorKind{ComparatorNone, ComparatorInactive, ComparatorActive}
}

// ParseComparatorKind accepts exactly the three comparator kinds.
func ParseComparatorKind(s string) (ComparatorKind, error) {
	return parseWord("comparator kind", s, ComparatorKinds())
}

// Validate reports a value outside the vocabulary.
func (k ComparatorKind) Validate() error { _, err := ParseComparatorKind(string(k)); return err }

// Scan reads a stored comparator kind (database/sql.Scanner).
func (k *ComparatorKind) Scan(src any) error { return scanWord(k, src, ParseComparatorKind) }

// OutcomeKind says whether more of a question's outcome is good or bad.
type OutcomeKind string

// The outcome kinds.
const (
	OutcomeBenefit OutcomeKind = "benefit" // pain relief, function
	OutcomeHarm    OutcomeKind = "harm"    // adverse events, infections
)

// OutcomeKinds returns the two outcome kinds. Each call returns a new
// slice.
func OutcomeKinds() []OutcomeKind { return []OutcomeKind{OutcomeBenefit, OutcomeHarm} }

// ParseOutcomeKind accepts exactly the two outcome kinds.
func ParseOutcomeKind(s string) (OutcomeKind, error) {
	return parseWord("outcome kind", s, OutcomeKinds())
}

// Validate reports a value outside the vocabulary.
func (k OutcomeKind) Validate() error { _, err := ParseOutcomeKind(string(k)); return err }

// Scan reads a stored outcome kind (database/sql.Scanner).
func (k *OutcomeKind) Scan(src any) error { return scanWord(k, src, ParseOutcomeKind) }

// Measure is the effect measure of a finding's estimate.
type Measure string

// The effect measures.
const (
	RiskRatio         Measure = "risk_ratio"
	OddsRatio         Measure = "odds_ratio"
	HazardRatio       Measure = "hazard_ratio"
	MeanDifference    Measure = "mean_difference"
	StdMeanDifference Measure = "std_mean_difference"
	RiskDifference    Measure = "risk_difference"
	Proportion        Measure = "proportion" // events / participants of one group
	Incidence         Measure = "incidence"  // events per participant (or person-time) of one group
)

// Measures returns the eight effect measures. Each call returns a new
// slice.
func Measures() []Measure {
	return []Measure{RiskRatio, OddsRatio, HazardRatio, MeanDifference, StdMeanDifference, RiskDifference, Proportion, Incidence}
}

// ParseMeasure accepts exactly the eight effect measures.
func ParseMeasure(s string) (Measure, error) { return parseWord("measure", s, Measures()) }

// Validate reports a value outside the vocabulary.
func (m Measure) Validate() error { _, err := ParseMeasure(string(m)); return err }

// Scan reads a stored measure (database/sql.Scanner).
func (m *Measure) Scan(src any) error { return scanWord(m, src, ParseMeasure) }

// Ratio reports whether the measure is a ratio (no effect at 1, compared
// on the log scale).
func (m Measure) Ratio() bool { return m == RiskRatio || m == OddsRatio || m == HazardRatio }

// Difference reports whether the measure is a difference (no effect at 0).
func (m Measure) Difference() bool {
	return m == MeanDifference || m == StdMeanDifference || m == RiskDifference
}

// Rate reports whether the measure is the frequency of an event in one
// group, estimated from events and participants.
func (m Measure) Rate() bool { return m == Proportion || m == Incidence }

// Attribution is the WHO-UMC causality category of a harm observed without
// a comparator.
type Attribution string

// The attribution categories.
const (
	AttributionCertain    Attribution = "certain"
	AttributionProbable   Attribution = "probable"
	AttributionPossible   Attribution = "possible"
	AttributionUnlikely   Attribution = "unlikely"
	AttributionUnassessed Attribution = "unassessed"
)

// Attributions returns the five attribution categories. Each call returns
// a new slice.
func Attributions() []Attribution {
	return []Attribution{AttributionCertain, AttributionProbable, AttributionPossible, AttributionUnlikely, AttributionUnassessed}
}

// ParseAttribution accepts exactly the five attribution categories.
func ParseAttribution(s string) (Attribution, error) {
	return parseWord("attribution", s, Attributions())
}

// Validate reports a value outside the vocabulary.
func (a Attribution) Validate() error { _, err := ParseAttribution(string(a)); return err }

// Scan reads a stored attribution (database/sql.Scanner).
func (a *Attribution) Scan(src any) error { return scanWord(a, src, ParseAttribution) }

// EffectEstimate is a finding's effect as the client states it, with the
// question it answers; nil pointers are absent values.
type EffectEstimate struct {
	Measure      *Measure
	Estimate     *float64
	CILow        *float64
	CIHigh       *float64
	Events       *int64
	Participants *int64
	Studies      *int64
	Threshold    *float64
	Attribution  *Attribution
	// The question the finding answers.
	OutcomeKind    OutcomeKind
	ComparatorKind ComparatorKind
}

// CheckEffect returns every problem of an effect estimate, one per rule
// broken, named by the JSON field:
//   - measure is required with an estimate, a CI or a threshold, and must be
//     one of the measures;
//   - a CI needs an estimate, has both bounds, and ci_low ≤ estimate ≤
//     ci_high;
//   - ratio measures (risk, odds, hazard ratio) are positive everywhere;
//     a proportion lies in [0, 1], an incidence is not negative;
//   - events and participants are counts (events ≥ 0, participants ≥ 1,
//     events ≤ participants) and are given only with proportion or
//     incidence; studies ≥ 1;
//   - threshold, the smallest effect that matters (GRADE's decision
//     threshold, GRADE 34), is on the estimate's scale: for a ratio measure
//     a ratio above 1 (its inverse applies to a decrease), for a difference
//     measure the magnitude of a difference, above 0, and for a proportion
//     or incidence a rate in (0, 1] or above 0;
//   - attribution (WHO-UMC) is only for a harm question without comparator.
//
// Values must be finite numbers.
func CheckEffect(e EffectEstimate) []FieldError {
	var out []FieldError
	add := func(field, message string) { out = append(out, FieldError{Field: field, Message: message}) }
	finite := func(field string, v *float64) bool {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			add(field, "must be a finite number")
			return false
		}
		return v != nil
	}
	hasEstimate := finite("estimate", e.Estimate)
	hasLow, hasHigh := finite("ci_low", e.CILow), finite("ci_high", e.CIHigh)
	hasThreshold := finite("threshold", e.Threshold)

	var m Measure
	switch {
	case e.Measure != nil:
		if err := e.Measure.Validate(); err != nil {
			add("measure", mustBeOneOf(Strings(Measures())))
		} else {
			m = *e.Measure
		}
	case hasEstimate || hasLow || hasHigh || hasThreshold || e.Events != nil:
		add("measure", "is required with an estimate, a confidence interval, events or a threshold: "+mustBeOneOf(Strings(Measures())))
	}

	if (hasLow || hasHigh) && !hasEstimate {
		add("estimate", "is required with a confidence interval")
	}
	if hasLow != hasHigh {
		if hasLow {
			add("ci_high", "is required with ci_low: give both bounds of the 95% confidence interval")
		} else {
			add("ci_low", "is required with ci_high: give both bounds of the 95% confidence interval")
		}
	}
	if hasLow && hasHigh && *e.CILow > *e.CIHigh {
		add("ci_low", "must not exceed ci_high")
	} else {
		if hasLow && hasEstimate && *e.CILow > *e.Estimate {
			add("ci_low", "must not exceed the estimate")
		}
		if hasHigh && hasEstimate && *e.CIHigh < *e.Estimate {
			add("ci_high", "must not be below the estimate")
		}
	}
	checkScale := func(field string, v *float64, ok bool) {
		if !ok {
			return
		}
		switch {
		case m.Ratio() && *v <= 0:
			add(field, "must be greater than 0 for a ratio measure ("+string(m)+")")
		case m == Proportion && (*v < 0 || *v > 1):
			add(field, "must be between 0 and 1 for a proportion")
		case m == Incidence && *v < 0:
			add(field, "must not be negative for an incidence")
		}
	}
	checkScale("estimate", e.Estimate, hasEstimate)
	checkScale("ci_low", e.CILow, hasLow)
	checkScale("ci_high", e.CIHigh, hasHigh)

	if hasThreshold {
		t := *e.Threshold
		switch {
		case m.Ratio() && t <= 1:
			add("threshold", "for a ratio measure is a ratio greater than 1 (e.g. 1.25; its inverse applies to a decrease)")
		case m.Difference() && t <= 0:
			add("threshold", "for a difference measure is the magnitude of the smallest important difference: greater than 0")
		case m == Proportion && (t <= 0 || t > 1):
			add("threshold", "for a proportion must be greater than 0 and at most 1")
		case m == Incidence && t <= 0:
			add("threshold", "for an incidence must be greater than 0")
		}
	}

	if e.Events != nil || e.Participants != nil {
		if m != "" && !m.Rate() && e.Events != nil {
			add("events", "is given only with measure proportion or incidence")
		}
		if e.Events != nil && *e.Events < 0 {
			add("events", "must not be negative")
		}
		if e.Participants != nil && *e.Participants < 1 {
			add("participants", "must be at least 1")
		}
		if e.Events != nil && e.Participants == nil && m.Rate() {
			add("participants", "is required with events")
		}
		if e.Events != nil && e.Participants != nil && *e.Events > *e.Participants {
			add("events", "must not exceed participants")
		}
	}
	if e.Studies != nil && *e.Studies < 1 {
		add("studies", "must be at least 1")
	}
	if e.Attribution != nil {
		if err := e.Attribution.Validate(); err != nil {
			add("attribution", mustBeOneOf(Strings(Attributions())))
		} else if e.OutcomeKind != OutcomeHarm || e.ComparatorKind != ComparatorNone {
			add("attribution", "is only for a harm observed without a comparator (outcome_kind harm, comparator_kind none)")
		}
	}
	return out
}

// FindingFlags are the flags of a finding while grading is claim-level:
// ungraded always (no finding grade exists yet), and retracted_evidence
// when a source it rests on, or a source one of its reviews includes, is
// retracted. The result is sorted.
func FindingFlags(retractedEvidence bool) []Flag {
	if retractedEvidence {
		return []Flag{FlagRetractedEvidence, FlagUngraded}
	}
	return []Flag{FlagUngraded}
}
