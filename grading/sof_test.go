package grading

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

func TestAbsoluteEffectOf(t *testing.T) {
	tests := []struct {
		name       string
		e          EffectEstimate
		cr         *float64
		kind       AbsoluteKind
		est        *float64
		low        *float64
		high       *float64
		comparator *float64
		wilson     bool
		why        NotEstimable
	}{
		{name: "proportion with CI", e: EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.25), CILow: f64(0.18), CIHigh: f64(0.33)},
			kind: AbsolutePer1000, est: f64(250), low: f64(180), high: f64(330)},
		// 0 of 30: the Wilson upper bound is z²/(n+z²) = 3.8415/33.8415 = 0.11351.
		{name: "proportion 0/30, Wilson", e: EffectEstimate{Measure: MeasureProportion, Events: i64(0), Participants: i64(30)},
			kind: AbsolutePer1000, est: f64(0), low: f64(0), high: f64(113.5), wilson: true},
		// 30 of 120: p 0.25; Wilson centre 0.25776, half-width 0.07666.
		{name: "proportion 30/120 with estimate, Wilson", e: EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.25), Events: i64(30), Participants: i64(120)},
			kind: AbsolutePer1000, est: f64(250), low: f64(181.1), high: f64(334.4), wilson: true},
		{name: "small proportion keeps a decimal", e: EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.0025)},
			kind: AbsolutePer1000, est: f64(2.5)},
		{name: "proportion without anything", e: EffectEstimate{Measure: MeasureProportion},
			kind: AbsoluteNotEstimable, why: NotEstimableNoEstimate},
		{name: "risk difference, fewer", e: EffectEstimate{Measure: MeasureRiskDifference, Estimate: f64(-0.05), CILow: f64(-0.08), CIHigh: f64(-0.02)},
			kind: AbsoluteDifferencePer1000, est: f64(-50), low: f64(-80), high: f64(-20)},
		{name: "risk difference across 0", e: EffectEstimate{Measure: MeasureRiskDifference, Estimate: f64(0.012), CILow: f64(-0.004), CIHigh: f64(0.03)},
			kind: AbsoluteDifferencePer1000, est: f64(12), low: f64(-4), high: f64(30)},
		{name: "risk difference 0 without CI", e: EffectEstimate{Measure: MeasureRiskDifference, Estimate: f64(0)},
			kind: AbsoluteDifferencePer1000, est: f64(0)},
		{name: "risk difference in percent points", e: EffectEstimate{Measure: MeasureRiskDifference, Estimate: f64(-5), CILow: f64(-8), CIHigh: f64(-2)},
			kind: AbsoluteNotEstimable, why: NotEstimableRiskDifference},
		{name: "risk ratio without comparator risk", e: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(0.5), CILow: f64(0.3), CIHigh: f64(0.8)},
			kind: AbsoluteNotEstimable, why: NotEstimableNoComparatorRisk},
		// GRADE 12: 200 per 1,000 with the comparator; RR 0.5 (0.3 to 0.8)
		// → 100 (60 to 160) per 1,000 with the intervention.
		{name: "risk ratio with comparator risk", e: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(0.5), CILow: f64(0.3), CIHigh: f64(0.8)},
			cr: f64(0.2), kind: AbsoluteComparatorPer1000, comparator: f64(200), est: f64(100), low: f64(60), high: f64(160)},
		// OR 2.4 with 10%: 2.4 × 0.1 / (1 - 0.1 + 0.24) = 0.21053.
		{name: "odds ratio with comparator risk, no CI", e: EffectEstimate{Measure: MeasureOddsRatio, Estimate: f64(2.4)},
			cr: f64(0.1), kind: AbsoluteComparatorPer1000, comparator: f64(100), est: f64(210.5)},
		// HR 0.7 with 30%: 1 - 0.7^0.7 = 0.22091; CI 0.5 → 1 - 0.7^0.5 = 0.16334, 0.98 → 0.29503.
		{name: "hazard ratio with comparator risk", e: EffectEstimate{Measure: MeasureHazardRatio, Estimate: f64(0.7), CILow: f64(0.5), CIHigh: f64(0.98)},
			cr: f64(0.3), kind: AbsoluteComparatorPer1000, comparator: f64(300), est: f64(220.9), low: f64(163.3), high: f64(295)},
		// RR 3 with 50% would be 150%: capped at every participant.
		{name: "risk ratio capped at 1,000", e: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(3)},
			cr: f64(0.5), kind: AbsoluteComparatorPer1000, comparator: f64(500), est: f64(1000)},
		{name: "comparator risk out of range", e: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(0.5)},
			cr: f64(1), kind: AbsoluteNotEstimable, why: NotEstimableComparatorRisk},
		{name: "odds ratio without comparator risk", e: EffectEstimate{Measure: MeasureOddsRatio, Estimate: f64(2.4)},
			kind: AbsoluteNotEstimable, why: NotEstimableNoComparatorRisk},
		{name: "hazard ratio without estimate", e: EffectEstimate{Measure: MeasureHazardRatio}, cr: f64(0.2),
			kind: AbsoluteNotEstimable, why: NotEstimableNoEstimate},
		{name: "mean difference", e: EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(-1.2), CILow: f64(-2.1), CIHigh: f64(-0.3)},
			kind: AbsoluteDifference, est: f64(-1.2), low: f64(-2.1), high: f64(-0.3)},
		{name: "standardised mean difference", e: EffectEstimate{Measure: MeasureStdMeanDifference, Estimate: f64(0.4), CILow: f64(-0.1), CIHigh: f64(0.9)},
			kind: AbsoluteDifference, est: f64(0.4), low: f64(-0.1), high: f64(0.9)},
		{name: "incidence", e: EffectEstimate{Measure: MeasureIncidence, Estimate: f64(0.02), Events: i64(4), Participants: i64(200)},
			kind: AbsoluteNotEstimable, why: NotEstimableIncidence},
		{name: "no effect", e: EffectEstimate{}, kind: AbsoluteNotEstimable, why: NotEstimableNoEstimate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AbsoluteEffectOf(tt.e, tt.cr)
			want := AbsoluteEffect{Kind: tt.kind, Estimate: tt.est, Low: tt.low, High: tt.high, Comparator: tt.comparator,
				WilsonCI: tt.wilson, NotEstimable: tt.why}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("AbsoluteEffectOf(%+v, %v) mismatch (-want +got):\n%s", tt.e, tt.cr, d)
			}
		})
	}
}

func TestComparatorRiskProblem(t *testing.T) {
	tests := []struct {
		m    EffectMeasure
		cr   float64
		want string // a word of the problem; "" for none
	}{
		{MeasureRiskRatio, 0.2, ""}, {MeasureOddsRatio, 0.999, ""}, {MeasureHazardRatio, 0.001, ""},
		{MeasureRiskRatio, 0, "greater than 0"}, {MeasureRiskRatio, 1, "less than 1"}, {MeasureOddsRatio, 20, "less than 1"},
		{MeasureMeanDifference, 0.2, "risk, odds or hazard ratio"}, {MeasureProportion, 0.2, "risk, odds or hazard ratio"},
		{MeasureRiskDifference, 0.2, "risk, odds or hazard ratio"}, {MeasureRiskRatio, math.NaN(), "finite"},
	}
	for _, tt := range tests {
		got := ComparatorRiskProblem(tt.m, tt.cr)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("ComparatorRiskProblem(%s, %v) = %q, want one saying %q", tt.m, tt.cr, got, tt.want)
		}
	}
}

func TestInformativeOf(t *testing.T) {
	placebo := "placebo"
	comparative := Question{Intervention: "mesotherapy", Comparator: &placebo, ComparatorKind: ComparatorInactive,
		Outcome: "pain (VAS 0-10)", OutcomeKind: OutcomeBenefit, Direction: LowerIsBetter}
	rate := Question{Intervention: "mesotherapy", ComparatorKind: ComparatorNone, Outcome: "injection-site infection",
		OutcomeKind: OutcomeHarm, Direction: LowerIsBetter}
	graded := func(c Certainty) *SoFGrade { return &SoFGrade{Certainty: c, Method: MethodConsensus} }
	md := func(est, lo, hi float64, threshold *float64) EffectEstimate {
		return EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(est), CILow: f64(lo), CIHigh: f64(hi), Threshold: threshold}
	}
	per := func(est, lo, hi float64, wilson bool) *AbsoluteEffect {
		return &AbsoluteEffect{Kind: AbsolutePer1000, Estimate: f64(est), Low: f64(lo), High: f64(hi), WilsonCI: wilson}
	}
	tests := []struct {
		name string
		q    Question
		f    SoFFinding
		want Informative
	}{
		// The pain score of DESIGN: −0.56 (−1.08 to −0.04) is a reduction,
		// whatever the question's direction says is better.
		{"reduction past the threshold", comparative, SoFFinding{Effect: md(-0.56, -1.08, -0.04, f64(0.5)), Grade: graded(Moderate)},
			Informative{Kind: StatementEffect, Certainty: Moderate}},
		{"increase past the threshold", comparative, SoFFinding{Effect: md(1.2, 0.3, 2.1, f64(1)), Grade: graded(High)},
			Informative{Kind: StatementEffect, Certainty: High, Increase: true}},
		// A real but unimportant effect: below the threshold, so little to
		// no difference, never "reduces".
		{"below the threshold", comparative, SoFFinding{Effect: md(-0.56, -1.08, -0.04, f64(1)), Grade: graded(Low)},
			Informative{Kind: StatementLittleToNoDifference, Certainty: Low}},
		// A null result without a threshold: the CI includes no effect.
		{"null result, no threshold", comparative, SoFFinding{Effect: md(-0.1, -0.9, 0.7, nil), Grade: graded(High)},
			Informative{Kind: StatementLittleToNoDifference, Certainty: High}},
		{"CI excludes no effect, no threshold", comparative, SoFFinding{Effect: md(-0.56, -1.08, -0.04, nil), Grade: graded(Moderate)},
			Informative{Kind: StatementEffect, Certainty: Moderate}},
		{"estimate only", comparative, SoFFinding{Effect: EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(-0.56)}, Grade: graded(Moderate)},
			Informative{Kind: StatementEffect, Certainty: Moderate}},
		{"no difference at all", comparative, SoFFinding{Effect: EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(0)}, Grade: graded(Moderate)},
			Informative{Kind: StatementLittleToNoDifference, Certainty: Moderate}},
		// Ratios on the log scale: RR 0.8 is the same distance as 1.25.
		{"ratio at the threshold", comparative, SoFFinding{Effect: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(0.8),
			CILow: f64(0.7), CIHigh: f64(0.9), Threshold: f64(1.25)}, Grade: graded(High)},
			Informative{Kind: StatementEffect, Certainty: High}},
		{"ratio below the threshold", comparative, SoFFinding{Effect: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(1.1),
			CILow: f64(1.02), CIHigh: f64(1.2), Threshold: f64(1.25)}, Grade: graded(High)},
			Informative{Kind: StatementLittleToNoDifference, Certainty: High, Increase: true}},
		{"ratio CI across 1, no threshold", comparative, SoFFinding{Effect: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(0.7),
			CILow: f64(0.4), CIHigh: f64(1.3)}, Grade: graded(Low)},
			Informative{Kind: StatementLittleToNoDifference, Certainty: Low}},
		{"very low keeps its size for the renderer", comparative, SoFFinding{Effect: md(-2, -3, -1, f64(1)), Grade: graded(VeryLow)},
			Informative{Kind: StatementEffect, Certainty: VeryLow}},
		{"graded without an estimate", comparative, SoFFinding{Grade: graded(Moderate)},
			Informative{Kind: StatementNoEstimate, Certainty: Moderate}},
		{"not graded", comparative, SoFFinding{Effect: md(-2, -3, -1, f64(1))}, Informative{Kind: StatementNotGraded}},
		{"withdrawn", comparative, SoFFinding{Effect: md(-2, -3, -1, f64(1)), Grade: graded(High), Withdrawn: true},
			Informative{Kind: StatementWithdrawn}},
		// Rates: about N per 1,000, never "the effect of".
		{"rate with CI", rate, SoFFinding{Effect: EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.22), CILow: f64(0.14),
			CIHigh: f64(0.33)}, Grade: graded(Low)}, Informative{Kind: StatementRate, Certainty: Low, Rate: per(220, 140, 330, false)}},
		{"rate from counts", rate, SoFFinding{Effect: EffectEstimate{Measure: MeasureProportion, Events: i64(30), Participants: i64(120)},
			Grade: graded(Moderate)}, Informative{Kind: StatementRate, Certainty: Moderate, Rate: per(250, 181.1, 334.4, true)}},
		{"incidence has no rate per 1,000", rate, SoFFinding{Effect: EffectEstimate{Measure: MeasureIncidence, Estimate: f64(0.02)},
			Grade: graded(Moderate)}, Informative{Kind: StatementRate, Certainty: Moderate}},
		{"rate not graded", rate, SoFFinding{Effect: EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.2)}},
			Informative{Kind: StatementNotGraded}},
		// Case evidence (fields the finding-level half of issue 18 fills).
		{"case evidence", rate, SoFFinding{Effect: EffectEstimate{Events: i64(17)}, CaseEvidence: true, Attribution: AttributionProbable,
			OccurrenceCertainty: Moderate.Ptr()}, Informative{Kind: StatementCase, Certainty: Moderate, Cases: i64(17), Attribution: AttributionProbable}},
		{"case evidence not assessed", rate, SoFFinding{Effect: EffectEstimate{Events: i64(3)}, CaseEvidence: true, Attribution: AttributionUnassessed},
			Informative{Kind: StatementCase, Cases: i64(3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, InformativeOf(tt.q, tt.f)); d != "" {
				t.Errorf("InformativeOf mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestFootnoteText(t *testing.T) {
	tests := []struct {
		s    DerivationStep
		want string
	}{
		{DerivationStep{Domain: "risk_of_bias", Judgement: "serious", Change: -1, Reason: "Open label, self-reported pain."},
			"Risk of bias: rated down one level (serious). Open label, self-reported pain."},
		{DerivationStep{Domain: "imprecision", Judgement: "very_serious", Change: -2, Reason: "84 participants; CI crosses the threshold"},
			"Imprecision: rated down two levels (very serious). 84 participants; CI crosses the threshold."},
		{DerivationStep{Domain: "risk_of_bias", Judgement: "extremely_serious", Change: -3, Reason: "Critical risk (ROBINS-I)."},
			"Risk of bias: rated down three levels (extremely serious). Critical risk (ROBINS-I)."},
		{DerivationStep{Domain: "large_effect", Judgement: "very_large", Change: 2, Reason: "RR 0.15 (0.08 to 0.3)."},
			"Large effect: rated up two levels (very large). RR 0.15 (0.08 to 0.3)."},
		{DerivationStep{Domain: "dose_response", Judgement: "true", Change: 1, Reason: "Gradient across doses."},
			"Dose-response gradient: rated up one level. Gradient across doses."},
		{DerivationStep{Domain: "publication_bias", Judgement: "serious", Change: -1},
			"Publication bias: rated down one level (serious). No reason recorded."},
	}
	for _, tt := range tests {
		if got := FootnoteText(tt.s); got != tt.want {
			t.Errorf("FootnoteText(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

// steps is a derivation's eight steps with the given changes.
func steps(changes map[string]DerivationStep) []DerivationStep {
	var out []DerivationStep
	for _, d := range Domains() {
		s, ok := changes[d]
		if !ok {
			s = DerivationStep{Domain: d, Judgement: "not_serious"}
		}
		out = append(out, s)
	}
	return out
}

func TestBuildSoF(t *testing.T) {
	q := Question{Population: "adults with low back pain", Intervention: "mesotherapy", Comparator: nil, ComparatorKind: ComparatorInactive,
		Outcome: "pain", Timepoint: "6 weeks", OutcomeKind: OutcomeBenefit}
	graded := SoFFinding{ID: 3, Effect: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(0.5), CILow: f64(0.3), CIHigh: f64(0.8),
		Participants: i64(84), Studies: i64(1)}, Summary: "Half as many had pain.",
		Flags: []Flag{FlagLowCertainty, FlagStaleGrade},
		Grade: &SoFGrade{Certainty: Low, Method: MethodConsensus, Derivation: CertaintyDerivation{Start: High, DesignClass: ClassRandomised,
			LevelSetting: []int64{7}, Result: Low, Total: 2,
			Steps: steps(map[string]DerivationStep{
				"risk_of_bias": {Domain: "risk_of_bias", Judgement: "serious", Change: -1, Reason: "Open label."},
				"imprecision":  {Domain: "imprecision", Judgement: "serious", Change: -1, Reason: "Few events."},
			})}}}
	ungraded := SoFFinding{ID: 5, Effect: EffectEstimate{Measure: MeasureProportion, Events: i64(0), Participants: i64(30)}, Summary: "No infection.",
		Flags: []Flag{FlagRetractedEvidence, FlagReviewerDisagreement, FlagUngraded}}
	upgraded := SoFFinding{ID: 9, Effect: EffectEstimate{}, Summary: "Strong association.",
		Grade: &SoFGrade{Certainty: Moderate, Method: MethodAdjudicated, Derivation: CertaintyDerivation{Start: Low, DesignClass: ClassNonRandomised,
			LevelSetting: []int64{8}, Result: Moderate, Total: 3,
			Steps: steps(map[string]DerivationStep{"large_effect": {Domain: "large_effect", Judgement: "large", Change: 1, Reason: "RR 3 (2 to 4)"}})}}}

	got := BuildSoF(q, []SoFFinding{graded, ungraded, upgraded})
	if len(got.Rows) != 3 {
		t.Fatalf("BuildSoF: %d rows, want 3", len(got.Rows))
	}
	wantFootnotes := []SoFFootnote{
		{Number: 1, FindingID: 3, Domain: DomainRiskOfBias, Judgement: "serious", Change: -1, Text: "Risk of bias: rated down one level (serious). Open label."},
		{Number: 2, FindingID: 3, Domain: DomainImprecision, Judgement: "serious", Change: -1, Text: "Imprecision: rated down one level (serious). Few events."},
		{Number: 3, FindingID: 9, Domain: DomainLargeEffect, Judgement: "large", Change: 1, Text: "Large effect: rated up one level (large). RR 3 (2 to 4)."},
	}
	if d := cmp.Diff(wantFootnotes, got.Footnotes); d != "" {
		t.Errorf("BuildSoF footnotes (-want +got):\n%s", d)
	}
	type rowView struct {
		ID          int64
		Footnotes   []int
		Certainty   Certainty
		Absolute    AbsoluteKind
		Notes       []Flag
		Derivation  string
		Informative StatementKind
	}
	var rows []rowView
	for _, r := range got.Rows {
		rows = append(rows, rowView{r.FindingID, r.Footnotes, r.Certainty, r.Absolute.Kind, r.Notes, r.Derivation, r.Informative.Kind})
	}
	want := []rowView{
		{3, []int{1, 2}, Low, AbsoluteNotEstimable, []Flag{FlagStaleGrade},
			"high (sources 7) -1 risk of bias (serious) -1 imprecision (serious) = low", StatementEffect},
		{5, []int{}, None, AbsolutePer1000, []Flag{FlagRetractedEvidence, FlagReviewerDisagreement}, "", StatementNotGraded},
		{9, []int{3}, Moderate, AbsoluteNotEstimable, []Flag{}, "low (sources 8) +1 large effect (large) = moderate", StatementNoEstimate},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("BuildSoF rows (-want +got):\n%s", d)
	}
	if got.Rows[0].Outcome != "pain" || got.Rows[0].Timepoint != "6 weeks" || got.Rows[1].Method != "" || got.Rows[2].Method != MethodAdjudicated ||
		got.Rows[0].Summary != "Half as many had pain." {
		t.Errorf("BuildSoF row fields: %+v", got.Rows)
	}
	// A withdrawn grade shows no certainty and no footnotes.
	withdrawn := graded
	withdrawn.Withdrawn = true
	if w := BuildSoF(q, []SoFFinding{withdrawn}); w.Rows[0].Certainty != None || len(w.Footnotes) != 0 || w.Rows[0].Informative.Kind != StatementWithdrawn {
		t.Errorf("BuildSoF of a withdrawn grade = %+v", w)
	}
	if empty := BuildSoF(q, nil); len(empty.Rows) != 0 || empty.Footnotes == nil {
		t.Errorf("BuildSoF with no findings = %+v, want no rows and an empty footnote list", empty)
	}
}

func TestCertaintyDefinition(t *testing.T) {
	for _, c := range Certainties() {
		if CertaintyDefinition(c) == "" {
			t.Errorf("CertaintyDefinition(%q) is empty", c)
		}
	}
	if got := CertaintyDefinition(None); got != "" {
		t.Errorf("CertaintyDefinition(None) = %q, want \"\"", got)
	}
}

func TestCertaintyLabel(t *testing.T) {
	tests := []struct {
		c    Certainty
		want string
	}{{High, "High"}, {Moderate, "Moderate"}, {Low, "Low"}, {VeryLow, "Very low"}, {None, ""}}
	for _, tt := range tests {
		if got := CertaintyLabel(tt.c); got != tt.want {
			t.Errorf("CertaintyLabel(%q) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestSoFTitle(t *testing.T) {
	oral := "oral diclofenac"
	tests := []struct {
		q    Question
		want string
	}{
		{Question{Intervention: "intradermal lidocaine", Comparator: &oral, Population: "adults with low back pain", Outcome: "pain"},
			"Intradermal lidocaine compared with oral diclofenac for adults with low back pain"},
		{Question{Intervention: "mesotherapy", Population: "adults", Outcome: "injection-site infection"},
			"Mesotherapy for adults: how often injection-site infection occurs"},
	}
	for _, tt := range tests {
		if got := SoFTitle(tt.q); got != tt.want {
			t.Errorf("SoFTitle(%+v) = %q, want %q", tt.q, got, tt.want)
		}
	}
}
