package grading

import (
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func f(v float64) *float64              { return &v }
func n(v int64) *int64                  { return &v }
func ms(m EffectMeasure) *EffectMeasure { return &m }

func TestCheckEffect(t *testing.T) {
	harm := func(e EffectInput) EffectInput {
		e.OutcomeKind, e.ComparatorKind = OutcomeHarm, ComparatorNone
		return e
	}
	benefit := func(e EffectInput) EffectInput {
		e.OutcomeKind, e.ComparatorKind = OutcomeBenefit, ComparatorInactive
		return e
	}
	certain := AttributionCertain
	bogus := Attribution("likely")
	tests := []struct {
		name string
		in   EffectInput
		want []string // fields, in order
	}{
		{"empty", benefit(EffectInput{}), nil},
		{"ratio with CI", benefit(EffectInput{Measure: ms(MeasureRiskRatio), Estimate: f(0.8), CILow: f(0.6), CIHigh: f(1.1), Threshold: f(1.25), Studies: n(3), Participants: n(400)}), nil},
		{"estimate without measure", benefit(EffectInput{Estimate: f(1)}), []string{"measure"}},
		{"threshold without measure", benefit(EffectInput{Threshold: f(1)}), []string{"measure"}},
		{"unknown measure", benefit(EffectInput{Measure: ms("rr"), Estimate: f(1)}), []string{"measure"}},
		{"CI without estimate", benefit(EffectInput{Measure: ms(MeasureMeanDifference), CILow: f(-1), CIHigh: f(1)}), []string{"estimate"}},
		{"one bound", benefit(EffectInput{Measure: ms(MeasureMeanDifference), Estimate: f(0), CILow: f(-1)}), []string{"ci_high"}},
		{"low above high", benefit(EffectInput{Measure: ms(MeasureMeanDifference), Estimate: f(0), CILow: f(1), CIHigh: f(-1)}), []string{"ci_low"}},
		{"estimate outside CI", benefit(EffectInput{Measure: ms(MeasureMeanDifference), Estimate: f(3), CILow: f(1), CIHigh: f(2)}), []string{"ci_high"}},
		{"estimate below CI", benefit(EffectInput{Measure: ms(MeasureMeanDifference), Estimate: f(0), CILow: f(1), CIHigh: f(2)}), []string{"ci_low"}},
		{"ratio not positive", benefit(EffectInput{Measure: ms(MeasureOddsRatio), Estimate: f(0.5), CILow: f(0), CIHigh: f(2)}), []string{"ci_low"}},
		{"ratio threshold at 1", benefit(EffectInput{Measure: ms(MeasureHazardRatio), Estimate: f(0.5), Threshold: f(0.8)}), []string{"threshold"}},
		{"difference threshold", benefit(EffectInput{Measure: ms(MeasureMeanDifference), Estimate: f(-1), Threshold: f(-1)}), []string{"threshold"}},
		{"difference threshold ok", benefit(EffectInput{Measure: ms(MeasureStdMeanDifference), Estimate: f(-0.4), Threshold: f(0.2)}), nil},
		{"proportion above 1", harm(EffectInput{Measure: ms(MeasureProportion), Estimate: f(1.2)}), []string{"estimate"}},
		{"proportion threshold", harm(EffectInput{Measure: ms(MeasureProportion), Estimate: f(0.1), Threshold: f(2)}), []string{"threshold"}},
		{"incidence negative", harm(EffectInput{Measure: ms(MeasureIncidence), Estimate: f(-0.1)}), []string{"estimate"}},
		{"events over participants", harm(EffectInput{Measure: ms(MeasureProportion), Estimate: f(0.5), Events: n(5), Participants: n(4)}), []string{"events"}},
		{"events with a ratio", benefit(EffectInput{Measure: ms(MeasureRiskRatio), Estimate: f(1), Events: n(2), Participants: n(20)}), []string{"events"}},
		{"events without participants", harm(EffectInput{Measure: ms(MeasureProportion), Events: n(2)}), []string{"participants"}},
		{"events without measure", harm(EffectInput{Events: n(2), Participants: n(4)}), []string{"measure"}},
		{"participants with a ratio", benefit(EffectInput{Measure: ms(MeasureRiskRatio), Estimate: f(1), Participants: n(20)}), nil},
		{"zero studies and participants", benefit(EffectInput{Studies: n(0), Participants: n(0)}), []string{"participants", "studies"}},
		{"counts at their bounds", harm(EffectInput{Measure: ms(MeasureProportion), Estimate: f(0.5), Events: n(MaxParticipants),
			Participants: n(MaxParticipants), Studies: n(MaxStudies)}), nil},
		{"counts past their bounds", harm(EffectInput{Measure: ms(MeasureProportion), Estimate: f(0.5), Events: n(MaxParticipants + 1),
			Participants: n(MaxParticipants + 1), Studies: n(MaxStudies + 1)}), []string{"events", "participants", "studies"}},
		{"studies 2^63-1", benefit(EffectInput{Studies: n(math.MaxInt64)}), []string{"studies"}},
		{"attribution on a harm without comparator", harm(EffectInput{Attribution: &certain}), nil},
		{"attribution on a benefit", benefit(EffectInput{Attribution: &certain}), []string{"attribution"}},
		{"attribution with a comparator", EffectInput{OutcomeKind: OutcomeHarm, ComparatorKind: ComparatorActive, Attribution: &certain}, []string{"attribution"}},
		{"unknown attribution", harm(EffectInput{Attribution: &bogus}), []string{"attribution"}},
		{"comparator risk with a ratio", benefit(EffectInput{Measure: ms(MeasureRiskRatio), Estimate: f(0.5), ComparatorRisk: f(0.2)}), nil},
		{"comparator risk of 0", benefit(EffectInput{Measure: ms(MeasureOddsRatio), Estimate: f(0.5), ComparatorRisk: f(0)}), []string{"comparator_risk"}},
		{"comparator risk as a percentage", benefit(EffectInput{Measure: ms(MeasureHazardRatio), Estimate: f(0.5), ComparatorRisk: f(20)}), []string{"comparator_risk"}},
		{"comparator risk with a difference", benefit(EffectInput{Measure: ms(MeasureMeanDifference), Estimate: f(-1), ComparatorRisk: f(0.2)}), []string{"comparator_risk"}},
		{"comparator risk without a measure", benefit(EffectInput{ComparatorRisk: f(0.2)}), []string{"comparator_risk"}},
		{"comparator risk with an unknown measure", benefit(EffectInput{Measure: ms("rr"), Estimate: f(1), ComparatorRisk: f(0.2)}), []string{"measure"}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range CheckEffect(tt.in) {
			got = append(got, p.Field)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("CheckEffect(%s) fields (-want +got):\n%s\n%v", tt.name, diff, CheckEffect(tt.in))
		}
	}
}

func TestFindingFlagsBeforeGrading(t *testing.T) {
	if got := FindingFlags(false); !slices.Equal(got, []Flag{FlagUngraded}) {
		t.Errorf("FindingFlags(false) = %v, want [ungraded]", got)
	}
	if got := FindingFlags(true); !slices.Equal(got, []Flag{FlagRetractedEvidence, FlagUngraded}) {
		t.Errorf("FindingFlags(true) = %v, want [retracted_evidence ungraded]", got)
	}
}

func TestReviewKinds(t *testing.T) {
	for _, k := range SourceKinds() {
		review := k == KindSystematicReview || k == KindMetaAnalysis
		if IsReview(k) != review || MayReportCertainty(k) != (review || k == KindGuideline) {
			t.Errorf("IsReview(%s) = %v, MayReportCertainty = %v", k, IsReview(k), MayReportCertainty(k))
		}
	}
}

func TestThresholdProblem(t *testing.T) {
	tests := []struct {
		measure EffectMeasure
		t       float64
		ok      bool
	}{
		{MeasureRiskRatio, 1.25, true},
		{MeasureRiskRatio, 1, false},
		{MeasureOddsRatio, 0.8, false},
		{MeasureMeanDifference, 0.5, true},
		{MeasureStdMeanDifference, 0, false},
		{MeasureRiskDifference, -0.05, false},
		{MeasureProportion, 1, true},
		{MeasureProportion, 1.1, false},
		{MeasureIncidence, 0.01, true},
		{MeasureIncidence, 0, false},
		{MeasureRiskRatio, math.Inf(1), false},
	}
	for _, tt := range tests {
		if got := ThresholdProblem(tt.measure, tt.t); (got == "") != tt.ok {
			t.Errorf("ThresholdProblem(%s, %v) = %q, want ok %v", tt.measure, tt.t, got, tt.ok)
		}
	}
}
