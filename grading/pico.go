package grading

import (
	"fmt"
	"math"
)

// Rules of the outcome model's input (DESIGN.md, Domain: Source, Question,
// Finding) that the store checks on every write: which kinds are reviews,
// which may report a certainty, and what a finding's effect must satisfy.
// The vocabularies they use (included design, comparator and outcome kind,
// effect measure, attribution) live in vocab.go.

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

// EffectInput is a finding's effect as the client states it, with the
// question it answers; nil pointers are absent values.
type EffectInput struct {
	Measure      *EffectMeasure
	Estimate     *float64
	CILow        *float64
	CIHigh       *float64
	Events       *int64
	Participants *int64
	Studies      *int64
	Threshold    *float64
	Attribution  *Attribution
	// ComparatorRisk is the comparator group's risk of a binary outcome,
	// quoted from the source, for the absolute effect of a ratio (GRADE
	// 12); it does not enter the certainty or the ratings.
	ComparatorRisk *float64
	// The question the finding answers.
	OutcomeKind    OutcomeKind
	ComparatorKind ComparatorKind
}

// ThresholdProblem says why t is not a threshold on measure m's scale, ""
// when it is (or m is "" or unknown: CheckEffect reports the measure): for
// a ratio measure a ratio above 1 (its inverse applies to a decrease), for
// a difference measure the magnitude of a difference, above 0, for a
// proportion a rate in (0, 1], for an incidence a rate above 0. t must be
// finite. It checks a finding's threshold and the threshold a review used
// for its own rating alike (GRADE 34).
func ThresholdProblem(m EffectMeasure, t float64) string {
	switch {
	case math.IsNaN(t) || math.IsInf(t, 0):
		return "must be a finite number"
	case m.IsRatio() && t <= 1:
		return "for a ratio measure is a ratio greater than 1 (e.g. 1.25; its inverse applies to a decrease)"
	case m.IsDifference() && t <= 0:
		return "for a difference measure is the magnitude of the smallest important difference: greater than 0"
	case m == MeasureProportion && (t <= 0 || t > 1):
		return "for a proportion must be greater than 0 and at most 1"
	case m == MeasureIncidence && t <= 0:
		return "for an incidence must be greater than 0"
	}
	return ""
}

// The bounds of a finding's counts. The largest bodies of evidence pool a
// few thousand studies and tens of millions of participants (registry
// cohorts); a count beyond these is a typing error, and bounded counts
// stay exact in every client (below 2^53) and in sums.
const (
	// MaxParticipants bounds participants, and so events.
	MaxParticipants = 100_000_000
	// MaxStudies bounds the number of studies of a finding.
	MaxStudies = 100_000
)

// CheckEffect returns every problem of an effect estimate, one per rule
// broken, named by the JSON field:
//   - measure is required with an estimate, a CI or a threshold, and must be
//     one of the measures;
//   - a CI needs an estimate, has both bounds, and ci_low ≤ estimate ≤
//     ci_high;
//   - ratio measures (risk, odds, hazard ratio) are positive everywhere;
//     a proportion lies in [0, 1], an incidence is not negative;
//   - events and participants are counts (0 ≤ events ≤ participants,
//     1 ≤ participants ≤ MaxParticipants) and are given only with
//     proportion or incidence; 1 ≤ studies ≤ MaxStudies;
//   - threshold, the smallest effect that matters (GRADE's decision
//     threshold, GRADE 34), is on the estimate's scale: for a ratio measure
//     a ratio above 1 (its inverse applies to a decrease), for a difference
//     measure the magnitude of a difference, above 0, and for a proportion
//     or incidence a rate in (0, 1] or above 0;
//   - attribution (WHO-UMC) is only for a harm question without comparator;
//   - comparator_risk, the comparator group's risk quoted from the source,
//     is a proportion in (0, 1) and only for a risk, odds or hazard ratio
//     (ComparatorRiskProblem; GRADE 12).
//
// Values must be finite numbers.
func CheckEffect(e EffectInput) []FieldError {
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

	var m EffectMeasure
	switch {
	case e.Measure != nil:
		if err := e.Measure.Validate(); err != nil {
			add("measure", mustBeOneOf(Strings(EffectMeasures())))
		} else {
			m = *e.Measure
		}
	case hasEstimate || hasLow || hasHigh || hasThreshold || e.Events != nil:
		add("measure", "is required with an estimate, a confidence interval, events or a threshold: "+mustBeOneOf(Strings(EffectMeasures())))
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
		case m.IsRatio() && *v <= 0:
			add(field, "must be greater than 0 for a ratio measure ("+string(m)+")")
		case m == MeasureProportion && (*v < 0 || *v > 1):
			add(field, "must be between 0 and 1 for a proportion")
		case m == MeasureIncidence && *v < 0:
			add(field, "must not be negative for an incidence")
		}
	}
	checkScale("estimate", e.Estimate, hasEstimate)
	checkScale("ci_low", e.CILow, hasLow)
	checkScale("ci_high", e.CIHigh, hasHigh)

	if hasThreshold {
		if msg := ThresholdProblem(m, *e.Threshold); msg != "" {
			add("threshold", msg)
		}
	}

	if e.Events != nil || e.Participants != nil {
		if m != "" && !isRate(m) && e.Events != nil {
			add("events", "is given only with measure proportion or incidence")
		}
		switch {
		case e.Events != nil && *e.Events < 0:
			add("events", "must not be negative")
		case e.Events != nil && *e.Events > MaxParticipants:
			add("events", fmt.Sprintf("must be at most %d", MaxParticipants))
		}
		switch {
		case e.Participants != nil && *e.Participants < 1:
			add("participants", "must be at least 1")
		case e.Participants != nil && *e.Participants > MaxParticipants:
			add("participants", fmt.Sprintf("must be at most %d", MaxParticipants))
		}
		if e.Events != nil && e.Participants == nil && isRate(m) {
			add("participants", "is required with events")
		}
		if e.Events != nil && e.Participants != nil && *e.Events > *e.Participants {
			add("events", "must not exceed participants")
		}
	}
	switch {
	case e.Studies != nil && *e.Studies < 1:
		add("studies", "must be at least 1")
	case e.Studies != nil && *e.Studies > MaxStudies:
		add("studies", fmt.Sprintf("must be at most %d", MaxStudies))
	}
	if e.Attribution != nil {
		if err := e.Attribution.Validate(); err != nil {
			add("attribution", mustBeOneOf(Strings(Attributions())))
		} else if e.OutcomeKind != OutcomeHarm || e.ComparatorKind != ComparatorNone {
			add("attribution", "is only for a harm observed without a comparator (outcome_kind harm, comparator_kind none)")
		}
	}
	if e.ComparatorRisk != nil && (m != "" || e.Measure == nil) {
		if msg := ComparatorRiskProblem(m, *e.ComparatorRisk); msg != "" {
			add("comparator_risk", msg)
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

// isRate reports whether the measure is a rate of one group (proportion or
// incidence), which events and participants describe.
func isRate(m EffectMeasure) bool { return m == MeasureProportion || m == MeasureIncidence }

// EvidenceAllowed reports whether a source of this kind may be attached to
// a finding. web_article, news and other are where claims appear, never
// evidence; an unknown kind is not allowed either.
func EvidenceAllowed(kind SourceKind) bool {
	switch kind {
	case KindWebArticle, KindNews, KindOther:
		return false
	}
	return kind.Validate() == nil
}
