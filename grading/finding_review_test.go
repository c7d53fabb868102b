package grading

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func assessment(reviewer string, start, result Certainty, at time.Duration, set func(*DomainJudgements)) FindingAssessment {
	return FindingAssessment{Reviewer: reviewer, Judgements: judged(set), Start: start, Certainty: result, SubmittedAt: t0.Add(at)}
}

func TestFindingConsensus(t *testing.T) {
	rob := func(j *DomainJudgements) { j.RiskOfBias = Serious; j.Reasons["risk_of_bias"] = "no blinding" }
	rob2 := func(j *DomainJudgements) { j.RiskOfBias = Serious; j.Reasons["risk_of_bias"] = "attrition 30%" }
	indirect := func(j *DomainJudgements) {
		j.RiskOfBias, j.Indirectness = NotSerious, Serious
		j.Reasons["indirectness"] = "older population"
	}
	a := assessment("a", High, Moderate, 0, rob)
	b := assessment("b", High, Moderate, time.Minute, rob2)
	// Same certainty, different domains: no consensus (issue 9: consensus
	// compared only the final certainty).
	c := assessment("c", High, Moderate, time.Minute, indirect)
	robins := assessment("d", High, Moderate, time.Minute, rob)
	lowStart := assessment("e", Low, Low, time.Minute, nil)

	tests := []struct {
		name      string
		submitted []FindingAssessment
		required  int
		want      ConsensusOutcome
	}{
		{"pending", []FindingAssessment{a}, 2, ConsensusOutcome{Disagreements: []string{}}},
		{"pending, differing but still blinded", []FindingAssessment{a, c}, 3, ConsensusOutcome{Disagreements: []string{}}},
		{"consensus merges the reasons", []FindingAssessment{a, b}, 2, ConsensusOutcome{Decided: true, Method: MethodConsensus,
			Judgements: judged(func(j *DomainJudgements) {
				j.RiskOfBias = Serious
				j.Reasons["risk_of_bias"] = "no blinding; attrition 30%"
			}),
			Start: High, Certainty: Moderate, Disagreements: []string{}}},
		{"same certainty, other domains", []FindingAssessment{a, c}, 2, ConsensusOutcome{Disagreements: []string{"risk_of_bias", "indirectness"}}},
		{"same domains, other start", []FindingAssessment{robins, lowStart}, 2, ConsensusOutcome{Disagreements: []string{"start", "risk_of_bias"}}},
		{"every submission must agree", []FindingAssessment{a, b, c}, 2, ConsensusOutcome{Disagreements: []string{"risk_of_bias", "indirectness"}}},
		{"single reviewer", []FindingAssessment{a}, 1, ConsensusOutcome{Decided: true, Method: MethodSingleReviewer,
			Judgements: a.Judgements, Start: High, Certainty: Moderate, Disagreements: []string{}}},
		{"required below 1 counts as 1", []FindingAssessment{a}, 0, ConsensusOutcome{Decided: true, Method: MethodSingleReviewer,
			Judgements: a.Judgements, Start: High, Certainty: Moderate, Disagreements: []string{}}},
		{"nothing submitted", nil, 1, ConsensusOutcome{Disagreements: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FindingConsensus(tt.submitted, tt.required); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FindingConsensus = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDifferingDomains(t *testing.T) {
	a := assessment("a", Low, Low, 0, nil)
	b := assessment("b", High, High, 0, func(j *DomainJudgements) {
		j.RiskOfBias, j.Inconsistency, j.Indirectness, j.Imprecision, j.PublicationBias = Serious, Serious, Serious, Serious, Serious
		j.LargeEffect, j.DoseResponse, j.PlausibleConfounding = Large, true, true
		j.Reasons["risk_of_bias"] = "differs only in text"
	})
	want := append([]string{"start"}, Domains()...)
	if got := DifferingDomains(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("DifferingDomains = %v, want %v", got, want)
	}
	c := a
	c.Judgements.Reasons = map[string]string{"risk_of_bias": "other words"}
	if got := DifferingDomains(a, c); len(got) != 0 {
		t.Errorf("reasons alone differ: %v, want none", got)
	}
}

func TestFingerprint(t *testing.T) {
	base := func() Body {
		return Body{
			Question: Question{Population: "adults with low back pain", Intervention: "mesotherapy", Comparator: ptr("sham"),
				ComparatorKind: ComparatorInactive, Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: OutcomeBenefit},
			Effect: EffectEstimate{Measure: MeasureMeanDifference, Estimate: ptr(-1.5), CILow: ptr(-2.5), CIHigh: ptr(-0.5),
				Events: ptr(int64(3)), Participants: ptr(int64(80)), Studies: ptr(int64(2)), Threshold: ptr(1.0)},
			Sources: []BodySource{
				review(1, KindSystematicReview, IncludedRandomised, 2, 3),
				src(2, KindRCT),
				src(9, KindExpertOpinion),
			},
		}
	}
	fp := base().Fingerprint()
	if !strings.HasPrefix(fp, FingerprintVersion+":") || len(fp) != len(FingerprintVersion)+1+64 {
		t.Fatalf("Fingerprint() = %q", fp)
	}
	// Each change DESIGN lists makes the grade stale.
	changes := map[string]func(*Body){
		"source added":                func(b *Body) { b.Sources = append(b.Sources, src(4, KindRCT)) },
		"source removed":              func(b *Body) { b.Sources = b.Sources[:2] },
		"source kind":                 func(b *Body) { b.Sources[1].Kind = KindCohort },
		"source retracted":            func(b *Body) { b.Sources[1].Retracted = true },
		"included design":             func(b *Body) { b.Sources[0].IncludedDesign = IncludedMixed },
		"includes":                    func(b *Body) { b.Sources[0].Includes = []int64{2} },
		"retraction through includes": func(b *Body) { b.Sources[0].RetractedIncludes = []int64{3} },
		"reported certainty":          func(b *Body) { b.Sources[0].ReportedCertainty = Moderate },
		"design subset":               func(b *Body) { b.Sources[0].DesignSubset = ClassRandomised },
		"measure":                     func(b *Body) { b.Effect.Measure = MeasureStdMeanDifference },
		"estimate":                    func(b *Body) { b.Effect.Estimate = ptr(-1.4) },
		"estimate removed":            func(b *Body) { b.Effect.Estimate = nil },
		"ci low":                      func(b *Body) { b.Effect.CILow = ptr(-2.6) },
		"ci high":                     func(b *Body) { b.Effect.CIHigh = ptr(0.1) },
		"events":                      func(b *Body) { b.Effect.Events = ptr(int64(4)) },
		"participants":                func(b *Body) { b.Effect.Participants = ptr(int64(81)) },
		"studies":                     func(b *Body) { b.Effect.Studies = ptr(int64(3)) },
		"threshold":                   func(b *Body) { b.Effect.Threshold = ptr(2.0) },
		"reported threshold":          func(b *Body) { b.Sources[0].ReportedThreshold = ptr(1.0) },
		"population":                  func(b *Body) { b.Question.Population = "older adults" },
		"intervention":                func(b *Body) { b.Question.Intervention = "mesotherapy, 3 sessions" },
		"comparator":                  func(b *Body) { b.Question.Comparator = ptr("placebo") },
		"comparator kind":             func(b *Body) { b.Question.ComparatorKind = ComparatorActive },
		"outcome":                     func(b *Body) { b.Question.Outcome = "function" },
		"timepoint":                   func(b *Body) { b.Question.Timepoint = "12 weeks" },
		"outcome kind":                func(b *Body) { b.Question.OutcomeKind = OutcomeHarm },
	}
	for name, change := range changes {
		b := base()
		change(&b)
		if !GradeIsStale(fp, b) {
			t.Errorf("%s: the grade is not stale", name)
		}
	}
	// What does not count leaves it fresh: order of sources and includes, duplicates, equal numbers.
	same := map[string]func(*Body){
		"source order":   func(b *Body) { b.Sources[0], b.Sources[2] = b.Sources[2], b.Sources[0] },
		"includes order": func(b *Body) { b.Sources[0].Includes = []int64{3, 2, 2} },
		"same estimate":  func(b *Body) { b.Effect.Estimate = ptr(-1.50) },
	}
	for name, change := range same {
		b := base()
		change(&b)
		if GradeIsStale(fp, b) {
			t.Errorf("%s: the grade went stale", name)
		}
	}
	if !GradeIsStale("", base()) {
		t.Error("a grade without a fingerprint is not stale")
	}
}

// reported_threshold came after grades were stored: a body without one
// keeps the fingerprint it had (these values were computed before it
// existed), unless the new rule changes what reviewers may judge, as for a
// review's rating used by a finding with a threshold the review does not
// state (ThresholdsDiffer: one unstated differs).
func TestFingerprintStableWithoutReportedThreshold(t *testing.T) {
	b := Body{
		Question: Question{Population: "adults with low back pain", Intervention: "mesotherapy", Comparator: ptr("sham"),
			ComparatorKind: ComparatorInactive, Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: OutcomeBenefit},
		Effect: EffectEstimate{Measure: MeasureMeanDifference, Estimate: ptr(-1.5), CILow: ptr(-2.5), CIHigh: ptr(-0.5),
			Events: ptr(int64(3)), Participants: ptr(int64(80)), Studies: ptr(int64(2)), Threshold: ptr(1.0)},
		Sources: []BodySource{review(1, KindSystematicReview, IncludedRandomised, 2, 3), src(2, KindRCT), src(9, KindExpertOpinion)},
	}
	reported := comparative(withReported(review(1, KindSystematicReview, IncludedRandomised), Moderate))
	reported.Effect = EffectEstimate{Measure: MeasureRiskRatio}
	withThreshold := reported
	withThreshold.Effect.Threshold = ptr(1.25)
	tests := []struct {
		name  string
		body  Body
		old   string
		stale bool
	}{
		{"rated from its design", b, "g1:f3e26e9b9258bea570ac03189695013a523705a7e0e5694230f78946d30876ae", false},
		{"a review's rating, no thresholds", reported, "g1:c3ae079e4e2ed8699b256329b871ef1b28f5108d0642c95533549c4098c5421b", false},
		{"a review's rating, the finding's threshold only", withThreshold, "g1:e6c354a859749f8a220608a4790c981126068268df12acb9fdbd9656b3937509", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GradeIsStale(tt.old, tt.body); got != tt.stale {
				t.Errorf("GradeIsStale(old fingerprint) = %v, want %v (now %s)", got, tt.stale, tt.body.Fingerprint())
			}
		})
	}
}

func TestFindingFlags(t *testing.T) {
	body := comparative(src(1, KindRCT))
	fresh := body.Fingerprint()
	agreeA := assessment("a", High, Moderate, 0, func(j *DomainJudgements) { j.Imprecision = Serious })
	agreeB := assessment("b", High, Moderate, time.Minute, func(j *DomainJudgements) { j.Imprecision = Serious })
	differ := assessment("b", High, Moderate, 2*time.Minute, func(j *DomainJudgements) { j.RiskOfBias = Serious })
	retractedBody := comparative(src(1, KindRCT), retracted(src(2, KindCohort)))
	viaIncludes := comparative(BodySource{SourceID: 1, Kind: KindMetaAnalysis, IncludedDesign: IncludedRandomised, Includes: []int64{5}, RetractedIncludes: []int64{5}})
	tests := []struct {
		name  string
		state FindingState
		want  []Flag
	}{
		{"ungraded", FindingState{Body: body}, []Flag{FlagUngraded}},
		{"graded high", FindingState{Body: body, Grade: &FindingGrade{Certainty: High, Fingerprint: fresh}}, []Flag{}},
		{"graded moderate", FindingState{Body: body, Grade: &FindingGrade{Certainty: Moderate, Fingerprint: fresh}}, []Flag{}},
		{"graded low", FindingState{Body: body, Grade: &FindingGrade{Certainty: Low, Fingerprint: fresh}}, []Flag{FlagLowCertainty}},
		{"graded very low", FindingState{Body: body, Grade: &FindingGrade{Certainty: VeryLow, Fingerprint: fresh}}, []Flag{FlagLowCertainty}},
		{"stale", FindingState{Body: retractedBody, Grade: &FindingGrade{Certainty: High, Fingerprint: fresh}}, []Flag{FlagStaleGrade, FlagRetractedEvidence}},
		{"retracted through includes", FindingState{Body: viaIncludes}, []Flag{FlagUngraded, FlagRetractedEvidence}},
		{"agreeing reviewers", FindingState{Body: body, Submitted: []FindingAssessment{agreeA, agreeB}, RequiredReviews: 2}, []Flag{FlagUngraded}},
		{"disagreeing reviewers", FindingState{Body: body, Submitted: []FindingAssessment{agreeA, differ}, RequiredReviews: 2},
			[]Flag{FlagUngraded, FlagReviewerDisagreement}},
		{"disagreement before all required are in", FindingState{Body: body, Submitted: []FindingAssessment{agreeA, differ}, RequiredReviews: 3}, []Flag{FlagUngraded}},
		{"disagreement settled by adjudication", FindingState{Body: body, Submitted: []FindingAssessment{agreeA, differ}, RequiredReviews: 2,
			Grade: &FindingGrade{Certainty: Moderate, Fingerprint: fresh, DecidedAt: t0.Add(time.Hour)}}, []Flag{}},
		{"disagreement after the grade", FindingState{Body: body, Submitted: []FindingAssessment{agreeA, differ}, RequiredReviews: 2,
			Grade: &FindingGrade{Certainty: Moderate, Fingerprint: fresh, DecidedAt: t0.Add(time.Minute)}}, []Flag{FlagReviewerDisagreement}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FindingFlagsOf(tt.state); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FindingFlagsOf = %v, want %v", got, tt.want)
			}
		})
	}
}
