package grading

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Sources used across the finding-level tests.
func src(id int64, kind SourceKind) BodySource { return BodySource{SourceID: id, Kind: kind} }

func review(id int64, kind SourceKind, design IncludedDesign, includes ...int64) BodySource {
	return BodySource{SourceID: id, Kind: kind, IncludedDesign: design, Includes: includes}
}

func withReported(s BodySource, c Certainty) BodySource { s.ReportedCertainty = c; return s }
func retracted(s BodySource) BodySource                 { s.Retracted = true; return s }
func subset(s BodySource, c DesignClass) BodySource     { s.DesignSubset = c; return s }

func ptr[T any](v T) *T { return &v }

// comparative and rate return bodies of a comparative and an event-rate
// question with the given sources; cases returns case evidence (a harm
// without comparator and without a measure).
func comparative(sources ...BodySource) Body {
	return Body{Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeBenefit}, Sources: sources}
}

func rate(sources ...BodySource) Body {
	return Body{Question: Question{ComparatorKind: ComparatorNone, OutcomeKind: OutcomeHarm},
		Effect: EffectEstimate{Measure: MeasureProportion, Estimate: ptr(0.02)}, Sources: sources}
}

func cases(sources ...BodySource) Body {
	return Body{Question: Question{ComparatorKind: ComparatorNone, OutcomeKind: OutcomeHarm}, Sources: sources}
}

// representative is set for judgements of an event rate.
func representative(j *DomainJudgements) { j.Sample = SampleRepresentative }

func ratioBody(estimate float64, sources ...BodySource) Body {
	b := comparative(sources...)
	b.Effect = EffectEstimate{Measure: MeasureRiskRatio, Estimate: ptr(estimate)}
	return b
}

// judged returns no-concern judgements changed by set, with a reason for
// every domain set gives one.
func judged(set func(*DomainJudgements)) DomainJudgements {
	j := NoConcerns()
	if set != nil {
		set(&j)
	}
	return j
}

// reason gives domain a reason.
func reason(j *DomainJudgements, domain string) { j.Reasons[domain] = "because " + domain }

// ruleProblems returns the problems of a *RuleError, or nil.
func ruleProblems(t *testing.T, err error) []RuleProblem {
	t.Helper()
	if err == nil {
		return nil
	}
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a *RuleError", err, err)
	}
	if len(re.Problems) == 0 || re.Code != re.Problems[0].Code {
		t.Fatalf("RuleError code %q does not name its first problem: %+v", re.Code, re.Problems)
	}
	return re.Problems
}

type fieldCode struct {
	Field string
	Code  RuleCode
}

func fieldCodes(ps []RuleProblem) []fieldCode {
	var out []fieldCode
	for _, p := range ps {
		out = append(out, fieldCode{p.Field, p.Code})
	}
	return out
}

// Starting levels, one row per rule.
func TestGradeBodyStart(t *testing.T) {
	tests := []struct {
		name   string
		body   Body
		rob    RobTool
		start  Certainty
		class  DesignClass
		set    []int64
		sample Sample
	}{
		// GRADE 3 (Balshem 2011), handbook 5.1: comparative questions.
		{"rct starts high", comparative(src(1, KindRCT)), "", High, ClassRandomised, []int64{1}, ""},
		{"cohort starts low", comparative(src(1, KindCohort)), "", Low, ClassNonRandomised, []int64{1}, ""},
		{"case_control starts low", comparative(src(1, KindCaseControl)), "", Low, ClassNonRandomised, []int64{1}, ""},
		{"cross_sectional starts low", comparative(src(1, KindCrossSectional)), "", Low, ClassNonRandomised, []int64{1}, ""},
		{"case_series starts very low", comparative(src(1, KindCaseSeries)), "", VeryLow, ClassNonComparative, []int64{1}, ""},
		{"case_report starts very low", comparative(src(1, KindCaseReport)), "", VeryLow, ClassNonComparative, []int64{1}, ""},
		{"case series and report share a class", comparative(src(1, KindCaseSeries), src(2, KindCaseReport)), "", VeryLow, ClassNonComparative, []int64{1, 2}, ""},
		// Reviews start from their included design, never high by kind.
		{"review of rcts starts high", comparative(review(1, KindSystematicReview, IncludedRandomised)), "", High, ClassRandomised, []int64{1}, ""},
		{"meta-analysis of cohorts starts low", comparative(review(1, KindMetaAnalysis, IncludedNonRandomised)), "", Low, ClassNonRandomised, []int64{1}, ""},
		{"review of case reports starts very low", comparative(review(1, KindSystematicReview, IncludedNonComparative)), "", VeryLow, ClassNonComparative, []int64{1}, ""},
		{"mixed review through its randomised subset", comparative(subset(review(1, KindSystematicReview, IncludedMixed), ClassRandomised)), "", High, ClassRandomised, []int64{1}, ""},
		{"review and rct of the same class", comparative(review(1, KindSystematicReview, IncludedRandomised), src(2, KindRCT)), "", High, ClassRandomised, []int64{1, 2}, ""},
		// GRADE 18: ROBINS-I starts non-randomised comparative evidence high.
		{"cohort with robins_i starts high", comparative(src(1, KindCohort)), RobToolROBINSI, High, ClassNonRandomised, []int64{1}, ""},
		{"review of nrs with robins_i starts high", comparative(review(1, KindSystematicReview, IncludedNonRandomised)), RobToolROBINSI, High, ClassNonRandomised, []int64{1}, ""},
		// Iorio BMJ 2015; GRADE 28: event rates from a representative sample
		// start high, from a selected one (an outbreak or cluster
		// investigation, a convenience sample) low.
		{"event rate: cohort starts high", rate(src(1, KindCohort)), "", High, ClassNonComparative, []int64{1}, SampleRepresentative},
		{"event rate: case series starts high", rate(src(1, KindCaseSeries)), "", High, ClassNonComparative, []int64{1}, SampleRepresentative},
		{"event rate: trial arm starts high", rate(src(1, KindRCT), src(2, KindCohort)), "", High, ClassNonComparative, []int64{1, 2}, SampleRepresentative},
		{"event rate: review starts high", rate(review(1, KindMetaAnalysis, IncludedNonComparative)), "", High, ClassNonComparative, []int64{1}, SampleRepresentative},
		{"event rate: outbreak case series starts low", rate(src(1, KindCaseSeries)), "", Low, ClassNonComparative, []int64{1}, SampleSelected},
		{"event rate: convenience cohort starts low", rate(src(1, KindCohort), src(2, KindCaseSeries)), "", Low, ClassNonComparative, []int64{1, 2}, SampleSelected},
		{"event rate: review's own rating needs no sample", rate(withReported(review(1, KindMetaAnalysis, IncludedNonComparative), Moderate)), "", Moderate, ClassNonComparative, []int64{1}, ""},
		// Reported certainty replaces the design level.
		{"review's own rating", comparative(withReported(review(1, KindSystematicReview, IncludedRandomised), Moderate)), "", Moderate, ClassRandomised, []int64{1}, ""},
		{"guideline's outcome rating", comparative(withReported(src(1, KindGuideline), Low)), "", Low, "", []int64{1}, ""},
		{"mixed review's own rating", comparative(withReported(review(1, KindMetaAnalysis, IncludedMixed), High)), "", High, "", []int64{1}, ""},
		// What never sets a level is context, beside what does.
		{"context kinds do not set the level", comparative(src(1, KindExpertOpinion), src(2, KindCohort), src(3, KindNarrativeReview),
			src(4, KindConsensusStatement), src(5, KindMechanistic), src(6, KindWebArticle), src(7, KindNews), src(8, KindOther)), "", Low, ClassNonRandomised, []int64{2}, ""},
		{"a retracted rct does not set the level", comparative(retracted(src(1, KindRCT)), src(2, KindCohort)), "", Low, ClassNonRandomised, []int64{2}, ""},
		{"a guideline without its rating is context", comparative(src(1, KindGuideline), src(2, KindCaseSeries)), "", VeryLow, ClassNonComparative, []int64{2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := GradeBody(tt.body, judged(func(j *DomainJudgements) { j.RobTool, j.Sample = tt.rob, tt.sample }))
			if err != nil {
				t.Fatalf("GradeBody error = %v", err)
			}
			if d.Start != tt.start || d.Result != tt.start || d.DesignClass != tt.class || !reflect.DeepEqual(d.LevelSetting, tt.set) {
				t.Errorf("start %s result %s class %q level-setting %v, want start %s class %q level-setting %v",
					d.Start, d.Result, d.DesignClass, d.LevelSetting, tt.start, tt.class, tt.set)
			}
			if d.StartReason == "" || d.Format != CertaintyDerivationFormat || len(d.Steps) != 8 || d.Sample != tt.sample {
				t.Errorf("derivation incomplete: %+v", d)
			}
		})
	}
}

// Overlap: a review and the sources it includes are one body of evidence.
func TestGradeBodyOverlap(t *testing.T) {
	// The demo case of issue 9: a Cochrane review rated moderate and a trial
	// it includes. The trial does not set the level beside the review.
	b := comparative(withReported(review(1, KindSystematicReview, IncludedRandomised, 2), Moderate), src(2, KindRCT))
	d, err := GradeBody(b, judged(func(j *DomainJudgements) { j.Indirectness = Serious; reason(j, "indirectness") }))
	if err != nil {
		t.Fatalf("GradeBody error = %v", err)
	}
	if d.Result != Low || d.ReportedBy != 1 || !reflect.DeepEqual(d.LevelSetting, []int64{1}) || !reflect.DeepEqual(d.Overlapped, []int64{2}) {
		t.Errorf("derivation = %s, level-setting %v overlapped %v; want low from the review alone, trial 2 overlapped", d.Summary(), d.LevelSetting, d.Overlapped)
	}
	// An included cohort of another class does not split the finding.
	b = comparative(review(1, KindSystematicReview, IncludedRandomised, 2), src(2, KindCohort))
	if d, err := GradeBody(b, NoConcerns()); err != nil || d.Start != High || !reflect.DeepEqual(d.Overlapped, []int64{2}) {
		t.Errorf("review + included cohort = %+v, %v; want high, cohort overlapped", d, err)
	}
	// A retracted review does not swallow its trials: they count again.
	b = comparative(retracted(review(1, KindSystematicReview, IncludedRandomised, 2)), src(2, KindRCT))
	if d, err := GradeBody(b, NoConcerns()); err != nil || !reflect.DeepEqual(d.LevelSetting, []int64{2}) || len(d.Overlapped) != 0 {
		t.Errorf("retracted review + its trial = %+v, %v; want the trial to set the level", d, err)
	}
}

// Downgrades: each domain's range, -1 to -3, and the clamp.
func TestGradeBodyDowngrades(t *testing.T) {
	set := map[string]func(*DomainJudgements, Concern){
		"risk_of_bias":     func(j *DomainJudgements, c Concern) { j.RiskOfBias = c },
		"inconsistency":    func(j *DomainJudgements, c Concern) { j.Inconsistency = c },
		"indirectness":     func(j *DomainJudgements, c Concern) { j.Indirectness = c },
		"imprecision":      func(j *DomainJudgements, c Concern) { j.Imprecision = c },
		"publication_bias": func(j *DomainJudgements, c Concern) { j.PublicationBias = c },
	}
	allowed := map[string][]Concern{
		"risk_of_bias":     {NotSerious, Serious, VerySerious, ExtremelySerious},
		"inconsistency":    {NotSerious, Serious, VerySerious},
		"indirectness":     {NotSerious, Serious, VerySerious},
		"imprecision":      {NotSerious, Serious, VerySerious, ExtremelySerious},
		"publication_bias": {NotSerious, Serious},
	}
	want := map[Concern]Certainty{NotSerious: High, Serious: Moderate, VerySerious: Low, ExtremelySerious: VeryLow}
	body := comparative(src(1, KindRCT))
	for domain, f := range set {
		if got := ConcernsFor(domain); !reflect.DeepEqual(got, allowed[domain]) {
			t.Errorf("ConcernsFor(%s) = %v, want %v", domain, got, allowed[domain])
		}
		for _, c := range []Concern{NotSerious, Serious, VerySerious, ExtremelySerious} {
			j := judged(func(j *DomainJudgements) { f(j, c); reason(j, domain) })
			robins := domain == "risk_of_bias" && c == ExtremelySerious
			b := body
			if robins {
				j.RobTool = RobToolROBINSI
				b = comparative(src(1, KindCohort))
			}
			d, err := GradeBody(b, j)
			ok := false
			for _, a := range allowed[domain] {
				ok = ok || a == c
			}
			if !ok {
				if ps := ruleProblems(t, err); !reflect.DeepEqual(fieldCodes(ps), []fieldCode{{domain, CodeInvalidValue}}) {
					t.Errorf("%s=%s: problems %+v, want invalid_value on %s", domain, c, ps, domain)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s=%s: error %v", domain, c, err)
				continue
			}
			if d.Result != want[c] {
				t.Errorf("%s=%s: result %s, want %s (%s)", domain, c, d.Result, want[c], d.Summary())
			}
		}
	}
	// Clamp: low - 2 - 1 = -1 on the level scale ... very low, shown.
	j := judged(func(j *DomainJudgements) {
		j.RiskOfBias, j.Imprecision = VerySerious, Serious
		reason(j, "risk_of_bias")
		reason(j, "imprecision")
	})
	d, err := GradeBody(comparative(src(1, KindCohort)), j)
	if err != nil || d.Result != VeryLow || !d.Clamped || d.Total != -1 {
		t.Fatalf("cohort -2 -1 = %+v, %v; want very_low clamped from -1", d, err)
	}
	if d.Steps[0].After != VeryLow || d.Steps[0].Reason != "because risk_of_bias" || !strings.Contains(d.Summary(), "(clamped from -1)") {
		t.Errorf("derivation does not show the step, its reason and the clamp: %s %+v", d.Summary(), d.Steps[0])
	}
}

// Upgrades: only non-randomised comparative evidence without downgrades.
func TestGradeBodyUpgrades(t *testing.T) {
	cohort := src(1, KindCohort)
	tests := []struct {
		name string
		body Body
		set  func(*DomainJudgements)
		want Certainty
	}{
		{"large effect +1", ratioBody(0.4, cohort), func(j *DomainJudgements) { j.LargeEffect = Large }, Moderate},
		{"large effect at exactly 2", ratioBody(2, cohort), func(j *DomainJudgements) { j.LargeEffect = Large }, Moderate},
		{"large effect at exactly 0.5", ratioBody(0.5, cohort), func(j *DomainJudgements) { j.LargeEffect = Large }, Moderate},
		{"very large effect +2", ratioBody(0.2, cohort), func(j *DomainJudgements) { j.LargeEffect = VeryLarge }, High},
		{"very large effect at 5", ratioBody(5, cohort), func(j *DomainJudgements) { j.LargeEffect = VeryLarge }, High},
		{"dose response +1", comparative(cohort), func(j *DomainJudgements) { j.DoseResponse = true }, Moderate},
		{"plausible confounding +1", comparative(cohort), func(j *DomainJudgements) { j.PlausibleConfounding = true }, Moderate},
		{"all three clamp at high", ratioBody(6, cohort), func(j *DomainJudgements) {
			j.LargeEffect, j.DoseResponse, j.PlausibleConfounding = VeryLarge, true, true
		}, High},
		{"difference measure with a stated relative effect", Body{Question: Question{ComparatorKind: ComparatorActive, OutcomeKind: OutcomeBenefit},
			Effect: EffectEstimate{Measure: MeasureMeanDifference, Estimate: ptr(-3.0)}, Sources: []BodySource{cohort}},
			func(j *DomainJudgements) { j.LargeEffect, j.RelativeEffect = Large, ptr(0.4) }, Moderate},
		{"robins_i start with an upgrade stays high", comparative(cohort), func(j *DomainJudgements) { j.RobTool = RobToolROBINSI; j.DoseResponse = true }, High},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := judged(tt.set)
			for _, dom := range []string{"large_effect", "dose_response", "plausible_confounding"} {
				reason(&j, dom)
			}
			d, err := GradeBody(tt.body, j)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if d.Result != tt.want {
				t.Errorf("result %s, want %s (%s)", d.Result, tt.want, d.Summary())
			}
		})
	}
}

// Every refusal with its code and field.
func TestGradeBodyRefusals(t *testing.T) {
	cohort := src(1, KindCohort)
	rct := src(1, KindRCT)
	withReason := func(set func(*DomainJudgements)) func(*DomainJudgements) {
		return func(j *DomainJudgements) {
			set(j)
			for _, d := range Domains() {
				reason(j, d)
			}
		}
	}
	tests := []struct {
		name string
		body Body
		set  func(*DomainJudgements)
		want []fieldCode
	}{
		// Which evidence sets the level.
		{"no sources", comparative(), nil, []fieldCode{{"sources", CodeUngradable}}},
		{"only expert opinion", comparative(src(1, KindExpertOpinion), src(2, KindConsensusStatement)), nil, []fieldCode{{"sources", CodeUngradable}}},
		{"only a retracted trial", comparative(retracted(rct)), nil, []fieldCode{{"sources", CodeUngradable}}},
		{"only a guideline without its rating", comparative(src(1, KindGuideline)), nil, []fieldCode{{"sources", CodeUngradable}}},
		{"review and trial including each other", comparative(review(1, KindSystematicReview, IncludedRandomised, 2), review(2, KindMetaAnalysis, IncludedRandomised, 1)), nil,
			[]fieldCode{{"sources", CodeUngradable}}},
		// One design class per finding (GRADE 24).
		{"rct and cohort", comparative(src(1, KindRCT), src(2, KindCohort)), nil, []fieldCode{{"sources", CodeSplitByDesign}}},
		{"cohort and case series", comparative(src(1, KindCohort), src(2, KindCaseSeries)), nil, []fieldCode{{"sources", CodeSplitByDesign}}},
		{"review of rcts and a cohort", comparative(review(1, KindSystematicReview, IncludedRandomised), src(2, KindCohort)), nil, []fieldCode{{"sources", CodeSplitByDesign}}},
		{"mixed review without subset", comparative(review(1, KindSystematicReview, IncludedMixed)), nil, []fieldCode{{"sources[0].design_subset", CodeSplitByDesign}}},
		{"mixed review subset against a trial's class", comparative(subset(review(1, KindSystematicReview, IncludedMixed), ClassNonRandomised), src(2, KindRCT)), nil,
			[]fieldCode{{"sources", CodeSplitByDesign}}},
		// Event rates.
		{"event rate from a case report", rate(src(1, KindCaseReport)), nil, []fieldCode{{"sources[0].kind", CodeRateNotEstimable}}},
		{"event rate from a case-control study", rate(src(1, KindCohort), src(2, KindCaseControl)), nil, []fieldCode{{"sources[1].kind", CodeRateNotEstimable}}},
		// Source fields.
		{"reported certainty on a case series", comparative(withReported(src(1, KindCaseSeries), High)), nil,
			[]fieldCode{{"sources[0].reported_certainty", CodeReportedCertaintyNotAllowed}}},
		{"reported certainty on an rct", comparative(withReported(rct, Moderate)), nil,
			[]fieldCode{{"sources[0].reported_certainty", CodeReportedCertaintyNotAllowed}}},
		{"reported certainty out of vocabulary", comparative(withReported(review(1, KindSystematicReview, IncludedRandomised), "medium")), nil,
			[]fieldCode{{"sources[0].reported_certainty", CodeInvalidValue}}},
		{"reported certainty beside an independent trial", comparative(withReported(review(1, KindSystematicReview, IncludedRandomised), Moderate), src(2, KindRCT)), nil,
			[]fieldCode{{"sources[0].reported_certainty", CodeReportedCertaintyNotAlone}}},
		{"review without included design", comparative(BodySource{SourceID: 1, Kind: KindSystematicReview}), nil,
			[]fieldCode{{"sources[0].included_design", CodeDesignRequired}}},
		{"included design on a trial", comparative(BodySource{SourceID: 1, Kind: KindRCT, IncludedDesign: IncludedRandomised}), nil,
			[]fieldCode{{"sources[0].included_design", CodeDesignNotAllowed}}},
		{"includes on a cohort", comparative(BodySource{SourceID: 1, Kind: KindCohort, Includes: []int64{2}}), nil,
			[]fieldCode{{"sources[0].includes", CodeDesignNotAllowed}}},
		{"design subset on a non-mixed review", comparative(subset(review(1, KindSystematicReview, IncludedRandomised), ClassRandomised)), nil,
			[]fieldCode{{"sources[0].design_subset", CodeDesignNotAllowed}}},
		{"unknown kind", comparative(src(1, "blog"), rct), nil, []fieldCode{{"sources[0].kind", CodeInvalidValue}}},
		{"unknown comparator kind", Body{Question: Question{ComparatorKind: "placebo", OutcomeKind: OutcomeBenefit}, Sources: []BodySource{rct}}, nil,
			[]fieldCode{{"question.comparator_kind", CodeInvalidValue}}},
		{"unknown measure", Body{Question: Question{ComparatorKind: ComparatorActive, OutcomeKind: OutcomeHarm}, Effect: EffectEstimate{Measure: "rr"}, Sources: []BodySource{rct}}, nil,
			[]fieldCode{{"measure", CodeInvalidValue}}},
		// Domain ranges.
		{"publication bias very serious", comparative(rct), withReason(func(j *DomainJudgements) { j.PublicationBias = VerySerious }), []fieldCode{{"publication_bias", CodeInvalidValue}}},
		{"inconsistency extremely serious", comparative(rct), withReason(func(j *DomainJudgements) { j.Inconsistency = ExtremelySerious }), []fieldCode{{"inconsistency", CodeInvalidValue}}},
		{"indirectness extremely serious", comparative(rct), withReason(func(j *DomainJudgements) { j.Indirectness = ExtremelySerious }), []fieldCode{{"indirectness", CodeInvalidValue}}},
		{"risk of bias extremely serious without robins_i", comparative(rct), withReason(func(j *DomainJudgements) { j.RiskOfBias = ExtremelySerious }), []fieldCode{{"risk_of_bias", CodeInvalidValue}}},
		{"empty concern", comparative(rct), func(j *DomainJudgements) { j.Imprecision = "" }, []fieldCode{{"imprecision", CodeInvalidValue}}},
		{"bad large effect", comparative(cohort), func(j *DomainJudgements) { j.LargeEffect = "huge" }, []fieldCode{{"large_effect", CodeInvalidValue}}},
		{"bad rob tool", comparative(cohort), func(j *DomainJudgements) { j.RobTool = "rob2" }, []fieldCode{{"rob_tool", CodeInvalidValue}}},
		// ROBINS-I only for non-randomised comparative evidence.
		{"robins_i on an rct", comparative(rct), func(j *DomainJudgements) { j.RobTool = RobToolROBINSI }, []fieldCode{{"rob_tool", CodeRobToolNotApplicable}}},
		{"robins_i on a case series", comparative(src(1, KindCaseSeries)), func(j *DomainJudgements) { j.RobTool = RobToolROBINSI }, []fieldCode{{"rob_tool", CodeRobToolNotApplicable}}},
		{"robins_i on an event rate", rate(cohort), func(j *DomainJudgements) { representative(j); j.RobTool = RobToolROBINSI }, []fieldCode{{"rob_tool", CodeRobToolNotApplicable}}},
		{"robins_i on a reported certainty", comparative(withReported(review(1, KindSystematicReview, IncludedNonRandomised), Low)), func(j *DomainJudgements) { j.RobTool = RobToolROBINSI },
			[]fieldCode{{"rob_tool", CodeRobToolNotApplicable}}},
		// Upgrades.
		{"upgrade of randomised evidence", ratioBody(0.1, rct), withReason(func(j *DomainJudgements) { j.LargeEffect = VeryLarge }), []fieldCode{{"large_effect", CodeUpgradeNotApplicable}}},
		{"upgrade of downgraded randomised evidence", comparative(rct), withReason(func(j *DomainJudgements) { j.RiskOfBias = VerySerious; j.DoseResponse = true }),
			[]fieldCode{{"dose_response", CodeUpgradeNotApplicable}}},
		{"upgrade of a case series", comparative(src(1, KindCaseSeries)), withReason(func(j *DomainJudgements) { j.LargeEffect = VeryLarge; j.DoseResponse = true }),
			[]fieldCode{{"large_effect", CodeUpgradeNotApplicable}, {"dose_response", CodeUpgradeNotApplicable}}},
		{"upgrade of an event rate", rate(cohort), withReason(func(j *DomainJudgements) { representative(j); j.PlausibleConfounding = true }), []fieldCode{{"plausible_confounding", CodeUpgradeNotApplicable}}},
		{"upgrade of a reported certainty", comparative(withReported(review(1, KindSystematicReview, IncludedNonRandomised), Low)), withReason(func(j *DomainJudgements) { j.DoseResponse = true }),
			[]fieldCode{{"dose_response", CodeUpgradeNotApplicable}}},
		{"upgrade beside a downgrade", comparative(cohort), withReason(func(j *DomainJudgements) {
			j.Imprecision = Serious
			j.DoseResponse = true
			j.PlausibleConfounding = true
		}),
			[]fieldCode{{"dose_response", CodeUpgradeRequiresNoDowngrade}, {"plausible_confounding", CodeUpgradeRequiresNoDowngrade}}},
		{"large effect the ratio does not reach", ratioBody(0.6, cohort), withReason(func(j *DomainJudgements) { j.LargeEffect = Large }), []fieldCode{{"large_effect", CodeLargeEffectUnsupported}}},
		{"very large effect the ratio does not reach", ratioBody(3, cohort), withReason(func(j *DomainJudgements) { j.LargeEffect = VeryLarge }), []fieldCode{{"large_effect", CodeLargeEffectUnsupported}}},
		{"large effect without an estimate", Body{Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeHarm}, Effect: EffectEstimate{Measure: MeasureOddsRatio}, Sources: []BodySource{cohort}},
			withReason(func(j *DomainJudgements) { j.LargeEffect = Large }), []fieldCode{{"relative_effect", CodeRelativeEffectRequired}}},
		{"large effect on a non-positive ratio", ratioBody(0, cohort), withReason(func(j *DomainJudgements) { j.LargeEffect = Large }), []fieldCode{{"large_effect", CodeLargeEffectUnsupported}}},
		// A source's own rating: only indirectness, imprecision with another threshold.
		{"rating down a review's own rating for risk of bias", comparative(withReported(review(1, KindSystematicReview, IncludedRandomised), High)),
			withReason(func(j *DomainJudgements) { j.RiskOfBias = Serious }), []fieldCode{{"risk_of_bias", CodeDowngradeNotAllowed}}},
		{"rating down a review's own rating for imprecision, same threshold", comparative(withReported(review(1, KindSystematicReview, IncludedRandomised), High)),
			withReason(func(j *DomainJudgements) { j.Imprecision = Serious }), []fieldCode{{"imprecision", CodeDowngradeNotAllowed}}},
		{"rating down a guideline's rating for inconsistency and publication bias", comparative(withReported(src(1, KindGuideline), Moderate)),
			withReason(func(j *DomainJudgements) { j.Inconsistency = Serious; j.PublicationBias = Serious }),
			[]fieldCode{{"inconsistency", CodeDowngradeNotAllowed}, {"publication_bias", CodeDowngradeNotAllowed}}},
		// Reasons.
		{"downgrade without a reason", comparative(rct), func(j *DomainJudgements) { j.RiskOfBias = Serious }, []fieldCode{{"reasons.risk_of_bias", CodeReasonRequired}}},
		{"blank reason", comparative(rct), func(j *DomainJudgements) { j.Indirectness = VerySerious; j.Reasons["indirectness"] = "  " },
			[]fieldCode{{"reasons.indirectness", CodeReasonRequired}}},
		{"large effect on a difference measure without the relative effect", Body{Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeBenefit},
			Effect: EffectEstimate{Measure: MeasureRiskDifference, Estimate: ptr(0.3)}, Sources: []BodySource{cohort}},
			func(j *DomainJudgements) { j.LargeEffect = Large },
			[]fieldCode{{"relative_effect", CodeRelativeEffectRequired}, {"reasons.large_effect", CodeReasonRequired}}},
		{"upgrades without reasons", ratioBody(0.1, cohort), func(j *DomainJudgements) { j.LargeEffect = VeryLarge; j.DoseResponse = true },
			[]fieldCode{{"reasons.large_effect", CodeReasonRequired}, {"reasons.dose_response", CodeReasonRequired}}},
		{"reason for no domain", comparative(rct), func(j *DomainJudgements) { j.Reasons["overall"] = "x" }, []fieldCode{{"reasons.overall", CodeInvalidValue}}},
		// All at once, body problems first.
		{"everything at once", comparative(src(1, KindRCT), src(2, KindCaseSeries)), func(j *DomainJudgements) {
			j.PublicationBias = VerySerious
			j.RiskOfBias = Serious
		}, []fieldCode{{"sources", CodeSplitByDesign}, {"publication_bias", CodeInvalidValue}, {"reasons.risk_of_bias", CodeReasonRequired}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := GradeBody(tt.body, judged(tt.set))
			if err == nil {
				t.Fatalf("GradeBody = %s, want refusal %v", d.Summary(), tt.want)
			}
			ps := ruleProblems(t, err)
			if got := fieldCodes(ps); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems %v, want %v\n%v", got, tt.want, err)
			}
			for _, p := range ps {
				if p.Message == "" {
					t.Errorf("problem %+v has no message", p)
				}
			}
			if !reflect.DeepEqual(d, CertaintyDerivation{}) {
				t.Errorf("refused derivation is not zero: %+v", d)
			}
		})
	}
}

// A source's own rating may be rated down for indirectness, and for
// imprecision when the finding's threshold differs from the review's.
func TestGradeBodyReportedCertaintyDowngrades(t *testing.T) {
	b := comparative(withReported(review(1, KindSystematicReview, IncludedRandomised), High))
	b.Effect = EffectEstimate{Measure: MeasureRiskRatio, Threshold: ptr(1.25)}
	b.Sources[0].ReportedThreshold = ptr(1.1)
	j := judged(func(j *DomainJudgements) {
		j.Indirectness, j.Imprecision = Serious, ExtremelySerious
		reason(j, "indirectness")
		reason(j, "imprecision")
	})
	d, err := GradeBody(b, j)
	if err != nil || d.Result != VeryLow || d.ReportedBy != 1 || d.Total != 0 {
		t.Fatalf("high -1 -3 = %+v, %v; want very_low from the review's rating", d, err)
	}
	if !strings.HasPrefix(d.Summary(), "high (reported by source 1) -1 indirectness (serious) -3 imprecision (extremely serious) = very low") {
		t.Errorf("Summary() = %q", d.Summary())
	}
}

// submission is a submitted assessment of b with judgements j, as the
// consensus rules see it.
func submission(t *testing.T, reviewer string, b Body, j DomainJudgements) FindingAssessment {
	t.Helper()
	d, err := GradeBody(b, j)
	if err != nil {
		t.Fatalf("assessment by %s: %v", reviewer, err)
	}
	return FindingAssessment{Reviewer: reviewer, Judgements: j, Start: d.Start, Certainty: d.Result}
}

func TestAdjudicateBody(t *testing.T) {
	b := comparative(src(1, KindCohort))
	j := judged(func(j *DomainJudgements) { j.RiskOfBias = Serious; reason(j, "risk_of_bias") })
	// r1 and r2 disagree on risk of bias: not serious and very serious.
	submitted := []FindingAssessment{submission(t, "r1", b, NoConcerns()),
		submission(t, "r2", b, judged(func(j *DomainJudgements) { j.RiskOfBias = VerySerious; reason(j, "risk_of_bias") }))}
	d, err := AdjudicateBody(b, Adjudication{Editor: "ed", Judgements: j, Rationale: "settled on RoB", Assessors: []string{"r1", "r2"},
		Submitted: submitted, RequiredReviews: 2})
	if err != nil || d.Result != VeryLow || d.AdjudicatedBy != "ed" || d.Rationale != "settled on RoB" {
		t.Fatalf("AdjudicateBody = %+v, %v", d, err)
	}
	if !strings.HasSuffix(d.Summary(), "adjudicated by ed") {
		t.Errorf("Summary() = %q", d.Summary())
	}
	// Same rules as an assessment, plus a rationale and an editor who did not assess.
	rct := comparative(src(1, KindRCT))
	rctSubmitted := []FindingAssessment{submission(t, "r1", rct, NoConcerns()),
		submission(t, "r2", rct, judged(func(j *DomainJudgements) { j.Imprecision = Serious; reason(j, "imprecision") }))}
	bad := judged(func(j *DomainJudgements) { j.DoseResponse = true })
	_, err = AdjudicateBody(rct, Adjudication{Editor: "r1", Judgements: bad, Assessors: []string{"r1"}, Submitted: rctSubmitted, RequiredReviews: 2})
	want := []fieldCode{{"dose_response", CodeUpgradeNotApplicable}, {"reasons.dose_response", CodeReasonRequired},
		{"rationale", CodeReasonRequired}, {"editor", CodeEditorAssessed}}
	if got := fieldCodes(ruleProblems(t, err)); !reflect.DeepEqual(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	// An adjudication cannot grade what cannot be graded.
	_, err = AdjudicateBody(comparative(src(1, KindConsensusStatement)), Adjudication{Editor: "ed", Judgements: NoConcerns(), Rationale: "x",
		Submitted: rctSubmitted, RequiredReviews: 2})
	if got := fieldCodes(ruleProblems(t, err)); !reflect.DeepEqual(got, []fieldCode{{"sources", CodeUngradable}}) {
		t.Errorf("problems %v, want ungradable", got)
	}
}

func TestCertaintyDerivationJSON(t *testing.T) {
	j := judged(func(j *DomainJudgements) { j.Imprecision = Serious; reason(j, "imprecision") })
	d, err := GradeBody(comparative(src(3, KindRCT), src(4, KindExpertOpinion)), j)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"format":1`, `"start":"high"`, `"result":"moderate"`, `"level_setting":[3]`,
		`"context":[{"source_id":4,"why":"a expert_opinion never sets a level"}]`, `"reason":"because imprecision"`, `"fhir_type":"Imprecision"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	back, err := ParseCertaintyDerivation(b)
	if err != nil || !reflect.DeepEqual(back, d) {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	for _, bad := range []string{`{"format":2}`, `{"format":1,"start":"medium","result":"low"}`, `not json`,
		strings.Replace(string(b), `"design_class":"randomised"`, `"design_class":"mixed"`, 1)} {
		if _, err := ParseCertaintyDerivation([]byte(bad)); err == nil {
			t.Errorf("ParseCertaintyDerivation(%.60s) = nil error", bad)
		}
	}
}

func TestRuleCodesAreDistinct(t *testing.T) {
	seen := map[RuleCode]bool{}
	for _, c := range RuleCodes() {
		if seen[c] || c == "" {
			t.Errorf("duplicate or empty rule code %q", c)
		}
		seen[c] = true
	}
}

func TestBodyBasis(t *testing.T) {
	b := comparative(review(1, KindSystematicReview, IncludedRandomised, 2), src(2, KindRCT), retracted(src(3, KindRCT)), src(4, KindExpertOpinion), src(5, KindGuideline))
	got, err := BodyBasis(b)
	want := Basis{Class: ClassRandomised, Start: High, LevelSetting: []int64{1}, Overlapped: []int64{2},
		Context: []ContextSource{{3, "retracted"}, {4, "a expert_opinion never sets a level"},
			{5, "a guideline has no design level; only its reported certainty for this outcome sets one"}}}
	got.StartReason = ""
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("BodyBasis = %+v, %v\nwant %+v", got, err, want)
	}
	_, err = BodyBasis(Body{Question: Question{ComparatorKind: ComparatorActive, OutcomeKind: "side_effect"},
		Sources: []BodySource{review(1, KindMetaAnalysis, "cohorts"), subset(review(2, KindSystematicReview, IncludedMixed), "rcts")}})
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("BodyBasis error = %v", err)
	}
	wantFC := []fieldCode{{"question.outcome_kind", CodeInvalidValue}, {"sources[0].included_design", CodeInvalidValue},
		{"sources[1].design_subset", CodeInvalidValue}}
	if got := fieldCodes(re.Problems); !reflect.DeepEqual(got, wantFC) {
		t.Errorf("problems %v, want %v", got, wantFC)
	}
	if re.Code != CodeInvalidValue || !re.Has(CodeInvalidValue) || re.Has(CodeUngradable) ||
		!strings.HasPrefix(re.Error(), "invalid_value: question.outcome_kind: must be one of benefit, harm (invalid_value); ") {
		t.Errorf("RuleError: code %s, Error() %q", re.Code, re.Error())
	}
	if ConcernsFor("large_effect") != nil {
		t.Error("ConcernsFor(large_effect) is not nil")
	}
}

func TestThresholdsDiffer(t *testing.T) {
	tests := []struct {
		name              string
		finding, reported *float64
		want              bool
	}{
		{"both unstated: both judge against the null effect", nil, nil, false},
		{"equal", ptr(1.25), ptr(1.25), false},
		{"equal, written differently", ptr(1.250), ptr(1.25), false},
		{"unequal", ptr(1.25), ptr(1.1), true},
		{"the review states none", ptr(1.25), nil, true},
		{"the finding states none", nil, ptr(1.25), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ThresholdsDiffer(tt.finding, tt.reported); got != tt.want {
				t.Errorf("ThresholdsDiffer(%v, %v) = %v, want %v", deref(tt.finding), deref(tt.reported), got, tt.want)
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Imprecision of a review's own rating may be rated again only when this
// finding's threshold differs from the one the review used (GRADE 32, 34);
// indirectness always may; the threshold of a source whose rating is not
// the start, or of a body rated from its design, changes nothing.
func TestGradeBodyImprecisionOfReportedCertaintyByThreshold(t *testing.T) {
	reviewed := func(finding, reported *float64) Body {
		s := withReported(review(1, KindSystematicReview, IncludedRandomised), High)
		s.ReportedThreshold = reported
		b := comparative(s)
		b.Effect = EffectEstimate{Measure: MeasureRiskRatio, Estimate: ptr(0.8), CILow: ptr(0.6), CIHigh: ptr(1.05), Threshold: finding}
		return b
	}
	imprecise := judged(func(j *DomainJudgements) { j.Imprecision = Serious; reason(j, "imprecision") })
	tests := []struct {
		name          string
		body          Body
		wantDiffers   bool
		wantCertainty Certainty // None: refused with downgrade_not_allowed on imprecision
	}{
		{"same threshold", reviewed(ptr(1.25), ptr(1.25)), false, None},
		{"neither states one", reviewed(nil, nil), false, None},
		{"different thresholds", reviewed(ptr(1.25), ptr(1.1)), true, Moderate},
		{"the review states none", reviewed(ptr(1.25), nil), true, Moderate},
		{"the finding states none", reviewed(nil, ptr(1.25)), true, Moderate},
		{"rated from its design: imprecision is the reviewers' own", func() Body {
			b := comparative(src(1, KindRCT))
			b.Effect = EffectEstimate{Measure: MeasureRiskRatio, Threshold: ptr(1.25)}
			return b
		}(), false, Moderate},
		{"ungradable body", comparative(src(1, KindExpertOpinion)), false, None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.body.ThresholdDiffers(); got != tt.wantDiffers {
				t.Errorf("ThresholdDiffers() = %v, want %v", got, tt.wantDiffers)
			}
			d, err := GradeBody(tt.body, imprecise)
			if tt.wantCertainty != None {
				if err != nil || d.Result != tt.wantCertainty {
					t.Fatalf("GradeBody = %v, %v; want %s", d.Result, err, tt.wantCertainty)
				}
				return
			}
			if err == nil {
				t.Fatalf("GradeBody = %s, want a refusal", d.Summary())
			}
			if tt.body.Sources[0].Kind == KindExpertOpinion {
				return // ungradable: not the threshold rule
			}
			ps := ruleProblems(t, err)
			if got := fieldCodes(ps); !reflect.DeepEqual(got, []fieldCode{{"imprecision", CodeDowngradeNotAllowed}}) {
				t.Errorf("problems %v, want imprecision %s", got, CodeDowngradeNotAllowed)
			}
			if !strings.Contains(ps[0].Message, "threshold differs from the one the review used") {
				t.Errorf("message %q does not name the threshold rule", ps[0].Message)
			}
		})
	}
}
