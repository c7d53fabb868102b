package grading

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

func TestAbsoluteEffectOf(t *testing.T) {
	tests := []struct {
		name  string
		e     EffectEstimate
		kind  AbsoluteKind
		est   *float64
		low   *float64
		high  *float64
		text  string
		wilso bool
	}{
		{name: "proportion with CI", e: EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.25), CILow: f64(0.18), CIHigh: f64(0.33)},
			kind: AbsolutePer1000, est: f64(250), low: f64(180), high: f64(330), text: "250 per 1,000 (95% CI 180 to 330)"},
		// 0 of 30: the Wilson upper bound is z²/(n+z²) = 3.8415/33.8415 = 0.11351.
		{name: "proportion 0/30, Wilson", e: EffectEstimate{Measure: MeasureProportion, Events: i64(0), Participants: i64(30)},
			kind: AbsolutePer1000, est: f64(0), low: f64(0), high: f64(113.5), text: "0 per 1,000 (Wilson 95% CI 0 to 114)", wilso: true},
		// 30 of 120: p 0.25; Wilson centre 0.25776, half-width 0.07666.
		{name: "proportion 30/120 with estimate, Wilson", e: EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.25), Events: i64(30), Participants: i64(120)},
			kind: AbsolutePer1000, est: f64(250), low: f64(181.1), high: f64(334.4), text: "250 per 1,000 (Wilson 95% CI 181 to 334)", wilso: true},
		{name: "small proportion keeps a decimal", e: EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.0025)},
			kind: AbsolutePer1000, est: f64(2.5), text: "2.5 per 1,000"},
		{name: "proportion without anything", e: EffectEstimate{Measure: MeasureProportion},
			kind: AbsoluteNotEstimable, text: "not estimable: no effect estimate recorded"},
		{name: "risk difference, fewer", e: EffectEstimate{Measure: MeasureRiskDifference, Estimate: f64(-0.05), CILow: f64(-0.08), CIHigh: f64(-0.02)},
			kind: AbsoluteDifferencePer1000, est: f64(-50), low: f64(-80), high: f64(-20), text: "50 fewer per 1,000 (95% CI 80 fewer to 20 fewer)"},
		{name: "risk difference across 0", e: EffectEstimate{Measure: MeasureRiskDifference, Estimate: f64(0.012), CILow: f64(-0.004), CIHigh: f64(0.03)},
			kind: AbsoluteDifferencePer1000, est: f64(12), low: f64(-4), high: f64(30), text: "12 more per 1,000 (95% CI 4 fewer to 30 more)"},
		{name: "risk difference 0 without CI", e: EffectEstimate{Measure: MeasureRiskDifference, Estimate: f64(0)},
			kind: AbsoluteDifferencePer1000, est: f64(0), text: "0 per 1,000"},
		{name: "risk difference in percent points", e: EffectEstimate{Measure: MeasureRiskDifference, Estimate: f64(-5), CILow: f64(-8), CIHigh: f64(-2)},
			kind: AbsoluteNotEstimable, text: "not estimable: a risk difference must lie between -1 and 1"},
		{name: "risk ratio", e: EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(0.5), CILow: f64(0.3), CIHigh: f64(0.8)},
			kind: AbsoluteNotEstimable, text: "not estimable: no comparator risk recorded"},
		{name: "odds ratio", e: EffectEstimate{Measure: MeasureOddsRatio, Estimate: f64(2.4)},
			kind: AbsoluteNotEstimable, text: "not estimable: no comparator risk recorded"},
		{name: "hazard ratio without estimate", e: EffectEstimate{Measure: MeasureHazardRatio},
			kind: AbsoluteNotEstimable, text: "not estimable: no effect estimate recorded"},
		{name: "mean difference", e: EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(-1.2), CILow: f64(-2.1), CIHigh: f64(-0.3)},
			kind: AbsoluteDifference, est: f64(-1.2), low: f64(-2.1), high: f64(-0.3), text: "MD 1.2 lower (95% CI 2.1 lower to 0.3 lower)"},
		{name: "standardised mean difference", e: EffectEstimate{Measure: MeasureStdMeanDifference, Estimate: f64(0.4), CILow: f64(-0.1), CIHigh: f64(0.9)},
			kind: AbsoluteDifference, est: f64(0.4), low: f64(-0.1), high: f64(0.9), text: "SMD 0.4 higher (95% CI 0.1 lower to 0.9 higher)"},
		{name: "incidence", e: EffectEstimate{Measure: MeasureIncidence, Estimate: f64(0.02), Events: i64(4), Participants: i64(200)},
			kind: AbsoluteNotEstimable, text: "not estimable: an incidence is per person-time and no person-time unit is recorded"},
		{name: "no effect", e: EffectEstimate{}, kind: AbsoluteNotEstimable, text: "not estimable: no effect estimate recorded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AbsoluteEffectOf(tt.e)
			want := AbsoluteEffect{Kind: tt.kind, Estimate: tt.est, Low: tt.low, High: tt.high, WilsonCI: tt.wilso, Text: tt.text}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("AbsoluteEffectOf(%+v) mismatch (-want +got):\n%s", tt.e, d)
			}
		})
	}
}

func TestEffectText(t *testing.T) {
	tests := []struct {
		e    EffectEstimate
		want string
	}{
		{EffectEstimate{Measure: MeasureRiskRatio, Estimate: f64(0.5), CILow: f64(0.3), CIHigh: f64(0.8)}, "RR 0.5 (95% CI 0.3 to 0.8)"},
		{EffectEstimate{Measure: MeasureOddsRatio, Estimate: f64(2.4)}, "OR 2.4 (no CI recorded)"},
		{EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(-1.2), CILow: f64(-2.1), CIHigh: f64(-0.3)}, "MD -1.2 (95% CI -2.1 to -0.3)"},
		{EffectEstimate{Measure: MeasureProportion, Estimate: f64(0.25), CILow: f64(0.18), CIHigh: f64(0.33), Events: i64(30), Participants: i64(120)},
			"Proportion 0.25 (95% CI 0.18 to 0.33); 30/120 events"},
		{EffectEstimate{Measure: MeasureProportion, Events: i64(0), Participants: i64(1200)}, "Proportion 0/1,200 events"},
		{EffectEstimate{Measure: MeasureHazardRatio}, "HR: no estimate recorded"},
		{EffectEstimate{}, "no effect estimate recorded"},
	}
	for _, tt := range tests {
		if got := EffectText(tt.e); got != tt.want {
			t.Errorf("EffectText(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestParticipantsText(t *testing.T) {
	tests := []struct {
		p, s   *int64
		design DesignClass
		want   string
	}{
		{i64(84), i64(1), ClassRandomised, "84 (1 RCT)"},
		{i64(1200), i64(3), ClassNonRandomised, "1,200 (3 non-randomised studies)"},
		{i64(40), i64(2), ClassNonComparative, "40 (2 non-comparative studies)"},
		{nil, i64(2), "", "not recorded (2 studies)"},
		{i64(12), nil, "", "12 (number of studies not recorded)"},
	}
	for _, tt := range tests {
		if got := ParticipantsText(tt.p, tt.s, tt.design); got != tt.want {
			t.Errorf("ParticipantsText(%v, %v, %q) = %q, want %q", tt.p, tt.s, tt.design, got, tt.want)
		}
	}
}

func TestCertaintyWording(t *testing.T) {
	q := Question{Intervention: "intradermal lidocaine", Outcome: "pain (VAS 0-10)"}
	tests := []struct {
		c                      Certainty
		text, phrase, statment string
	}{
		{High, "⊕⊕⊕⊕ High", "results in",
			"Intradermal lidocaine results in the effect on pain (VAS 0-10) summarised here (high-certainty evidence): Pain fell by 1.2 points."},
		{Moderate, "⊕⊕⊕◯ Moderate", "likely results in",
			"Intradermal lidocaine likely results in the effect on pain (VAS 0-10) summarised here (moderate-certainty evidence): Pain fell by 1.2 points."},
		{Low, "⊕⊕◯◯ Low", "may result in",
			"Intradermal lidocaine may result in the effect on pain (VAS 0-10) summarised here (low-certainty evidence): Pain fell by 1.2 points."},
		{VeryLow, "⊕◯◯◯ Very low", "the evidence is very uncertain about",
			"The evidence is very uncertain about the effect of intradermal lidocaine on pain (VAS 0-10) (very low-certainty evidence): Pain fell by 1.2 points."},
		{None, "not graded", "", "Not graded: no certainty has been decided for this evidence. Pain fell by 1.2 points."},
	}
	for _, tt := range tests {
		if got := CertaintyText(tt.c); got != tt.text {
			t.Errorf("CertaintyText(%q) = %q, want %q", tt.c, got, tt.text)
		}
		if got := CertaintyPhrase(tt.c); got != tt.phrase {
			t.Errorf("CertaintyPhrase(%q) = %q, want %q", tt.c, got, tt.phrase)
		}
		if got := Statement(q, tt.c, " Pain fell by 1.2 points. "); got != tt.statment {
			t.Errorf("Statement(%q) = %q, want %q", tt.c, got, tt.statment)
		}
	}
	if got := Statement(q, Low, ""); got != "Intradermal lidocaine may result in the effect on pain (VAS 0-10) summarised here (low-certainty evidence)." {
		t.Errorf("Statement without summary = %q", got)
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
		ID           int64
		Footnotes    []int
		Certainty    Certainty
		Text         string
		Participants string
		Absolute     string
		Notes        []string
		Derivation   string
	}
	var rows []rowView
	for _, r := range got.Rows {
		rows = append(rows, rowView{r.FindingID, r.Footnotes, r.Certainty, r.CertaintyText, r.ParticipantsText, r.Absolute.Text, r.Notes, r.Derivation})
	}
	want := []rowView{
		{3, []int{1, 2}, Low, "⊕⊕◯◯ Low", "84 (1 RCT)", "not estimable: no comparator risk recorded",
			[]string{"Stale grade: the evidence or the question changed after this grade was decided; it awaits re-grading."},
			"high (sources 7) -1 risk of bias (serious) -1 imprecision (serious) = low"},
		{5, []int{}, None, "not graded", "30 (number of studies not recorded)", "0 per 1,000 (Wilson 95% CI 0 to 114)",
			[]string{"Retracted evidence: a source this finding rests on is retracted.", "Reviewer disagreement: the submitted assessments differ and await adjudication."}, ""},
		{9, []int{3}, Moderate, "⊕⊕⊕◯ Moderate", "not recorded (number of studies not recorded)", "not estimable: no effect estimate recorded",
			[]string{}, "low (sources 8) +1 large effect (large) = moderate"},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("BuildSoF rows (-want +got):\n%s", d)
	}
	if got.Rows[0].Outcome != "pain" || got.Rows[0].Timepoint != "6 weeks" || got.Rows[1].Method != "" || got.Rows[2].Method != MethodAdjudicated {
		t.Errorf("BuildSoF row fields: %+v", got.Rows)
	}
	if s := got.Rows[0].Statement; s != "Mesotherapy may result in the effect on pain summarised here (low-certainty evidence): Half as many had pain." {
		t.Errorf("statement = %q", s)
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
