package grading

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// The finding-level rules of issue 18: case evidence, the event rate's
// sample, the relative effect of a large effect, bounded adjudication and
// the withdrawal of a grade whose level-setting sources are all retracted.

// caseJudgements are case-evidence judgements: an attribution with its
// reason and an indirectness (with a reason unless not_serious).
func caseJudgements(a Attribution, indirectness Concern) DomainJudgements {
	j := DomainJudgements{Attribution: a, Indirectness: indirectness, Reasons: map[string]string{"attribution": "onset 2 weeks after injection, culture-proven"}}
	if indirectness != NotSerious {
		j.Reasons["indirectness"] = "aesthetic clinic, another product"
	}
	return j
}

// DESIGN "Case evidence": certain → high, probable → moderate, possible →
// low, unlikely → very low, one level lower per step of indirectness,
// clamped at very low.
func TestGradeBodyCaseEvidence(t *testing.T) {
	tests := []struct {
		attribution  Attribution
		indirectness Concern
		want         Certainty
		total        int
	}{
		{AttributionCertain, NotSerious, High, 4},
		{AttributionCertain, Serious, Moderate, 3},
		{AttributionCertain, VerySerious, Low, 2},
		{AttributionProbable, NotSerious, Moderate, 3},
		{AttributionProbable, Serious, Low, 2},
		{AttributionProbable, VerySerious, VeryLow, 1},
		{AttributionPossible, NotSerious, Low, 2},
		{AttributionPossible, Serious, VeryLow, 1},
		{AttributionPossible, VerySerious, VeryLow, 0},
		{AttributionUnlikely, NotSerious, VeryLow, 1},
		{AttributionUnlikely, Serious, VeryLow, 0},
	}
	// A case report documents the harm (it estimates no rate here), beside
	// a trial that reported it: no design class to share.
	body := cases(src(3, KindCaseReport), src(4, KindRCT), src(5, KindExpertOpinion))
	for _, tt := range tests {
		d, err := GradeBody(body, caseJudgements(tt.attribution, tt.indirectness))
		if err != nil {
			t.Fatalf("%s/%s: %v", tt.attribution, tt.indirectness, err)
		}
		if d.Result != tt.want || d.Total != tt.total || d.Clamped != (tt.total < 1) || !d.CaseEvidence || d.Attribution != tt.attribution ||
			d.Start != tt.attribution.OccurrenceCertainty() || len(d.Steps) != 1 || d.Steps[0].Domain != "indirectness" {
			t.Errorf("%s/%s: %+v, want occurrence certainty %s (total %d)", tt.attribution, tt.indirectness, d, tt.want, tt.total)
		}
		if d.GradeCertainty() != None || d.OccurrenceCertainty() != tt.want || d.DesignClass != "" || d.EventRate {
			t.Errorf("%s/%s: grade certainty %q occurrence %q class %q event rate %v; want no GRADE certainty",
				tt.attribution, tt.indirectness, d.GradeCertainty(), d.OccurrenceCertainty(), d.DesignClass, d.EventRate)
		}
		if !reflect.DeepEqual(d.LevelSetting, []int64{3, 4}) {
			t.Errorf("level-setting %v, want the case report and the trial", d.LevelSetting)
		}
	}
	d, _ := GradeBody(body, caseJudgements(AttributionProbable, Serious))
	if got := d.Summary(); got != "moderate (attribution probable, sources 3, 4) -1 indirectness (serious) = low certainty that the harm can occur (not how often)" {
		t.Errorf("Summary() = %q", got)
	}
	if !strings.Contains(d.StartReason, "attribution probable (WHO-UMC)") || !strings.Contains(d.StartReason, "case_report 3") {
		t.Errorf("StartReason = %q", d.StartReason)
	}
	// The same body with a measure is an event rate, where a case report
	// estimates nothing: rate_not_estimable as before.
	rateBody := body
	rateBody.Effect = EffectEstimate{Measure: MeasureProportion, Estimate: ptr(0.01)}
	_, err := GradeBody(rateBody, judged(representative))
	if got := fieldCodes(ruleProblems(t, err)); !reflect.DeepEqual(got, []fieldCode{{"sources[0].kind", CodeRateNotEstimable}}) {
		t.Errorf("rate from a case report: %v", got)
	}
}

func TestGradeBodyCaseEvidenceRefusals(t *testing.T) {
	ok := caseJudgements(AttributionProbable, NotSerious)
	with := func(set func(*DomainJudgements)) DomainJudgements {
		j := ok
		j.Reasons = map[string]string{"attribution": ok.Reasons["attribution"]}
		set(&j)
		return j
	}
	tests := []struct {
		name string
		body Body
		j    DomainJudgements
		want []fieldCode
	}{
		{"every GRADE domain, even neutral, is refused", cases(src(1, KindCaseSeries)), with(func(j *DomainJudgements) {
			j.RiskOfBias, j.Inconsistency, j.Imprecision, j.PublicationBias, j.LargeEffect = NotSerious, Serious, NotSerious, NotSerious, NoLargeEffect
			j.DoseResponse, j.PlausibleConfounding, j.RobTool, j.Sample, j.RelativeEffect = true, true, RobToolROBINSI, SampleSelected, ptr(0.3)
		}), []fieldCode{{"risk_of_bias", CodeNotApplicableToCaseEvidence}, {"inconsistency", CodeNotApplicableToCaseEvidence},
			{"imprecision", CodeNotApplicableToCaseEvidence}, {"publication_bias", CodeNotApplicableToCaseEvidence},
			{"large_effect", CodeNotApplicableToCaseEvidence}, {"dose_response", CodeNotApplicableToCaseEvidence},
			{"plausible_confounding", CodeNotApplicableToCaseEvidence}, {"rob_tool", CodeNotApplicableToCaseEvidence},
			{"sample", CodeNotApplicableToCaseEvidence}, {"relative_effect", CodeNotApplicableToCaseEvidence}}},
		{"no attribution", cases(src(1, KindCaseReport)), with(func(j *DomainJudgements) { j.Attribution = "" }),
			[]fieldCode{{"attribution", CodeAttributionRequired}}},
		{"unassessed is no judgement", cases(src(1, KindCaseReport)), with(func(j *DomainJudgements) { j.Attribution = AttributionUnassessed }),
			[]fieldCode{{"attribution", CodeInvalidValue}}},
		{"attribution without a reason", cases(src(1, KindCaseReport)), with(func(j *DomainJudgements) { delete(j.Reasons, "attribution") }),
			[]fieldCode{{"reasons.attribution", CodeReasonRequired}}},
		{"indirectness without a reason", cases(src(1, KindCaseReport)), with(func(j *DomainJudgements) { j.Indirectness = VerySerious }),
			[]fieldCode{{"reasons.indirectness", CodeReasonRequired}}},
		{"indirectness out of range", cases(src(1, KindCaseReport)), with(func(j *DomainJudgements) { j.Indirectness = ExtremelySerious }),
			[]fieldCode{{"indirectness", CodeInvalidValue}}},
		{"reasons for a domain that does not apply", cases(src(1, KindCaseReport)), with(func(j *DomainJudgements) { j.Reasons["risk_of_bias"] = "x" }),
			[]fieldCode{{"reasons.risk_of_bias", CodeInvalidValue}}},
		{"a review's own GRADE rating", cases(withReported(review(1, KindSystematicReview, IncludedNonComparative), Low)), ok,
			[]fieldCode{{"sources[0].reported_certainty", CodeNotApplicableToCaseEvidence}}},
		{"only retracted reports", cases(retracted(src(1, KindCaseReport)), src(2, KindExpertOpinion)), ok, []fieldCode{{"sources", CodeUngradable}}},
		// Attribution on anything but case evidence.
		{"attribution on an event rate", rate(src(1, KindCohort)), judged(func(j *DomainJudgements) { representative(j); j.Attribution = AttributionCertain }),
			[]fieldCode{{"attribution", CodeAttributionNotApplicable}}},
		{"attribution on a comparative harm", Body{Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeHarm}, Sources: []BodySource{src(1, KindRCT)}},
			judged(func(j *DomainJudgements) { j.Attribution = AttributionProbable }), []fieldCode{{"attribution", CodeAttributionNotApplicable}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := GradeBody(tt.body, tt.j)
			if got := fieldCodes(ruleProblems(t, err)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems %v, want %v\n%v", got, tt.want, err)
			}
		})
	}
}

// CompleteJudgements fills what a caller left out by the kind of body.
func TestCompleteJudgements(t *testing.T) {
	got := CompleteJudgements(comparative(src(1, KindRCT)), DomainJudgements{RiskOfBias: Serious})
	want := NoConcerns()
	want.RiskOfBias = Serious
	if !reflect.DeepEqual(got, want) {
		t.Errorf("comparative: %+v, want %+v", got, want)
	}
	got = CompleteJudgements(cases(src(1, KindCaseReport)), DomainJudgements{Attribution: AttributionPossible})
	if !reflect.DeepEqual(got, DomainJudgements{Attribution: AttributionPossible, Indirectness: NotSerious, Reasons: map[string]string{}}) {
		t.Errorf("case evidence: %+v, want only attribution and indirectness", got)
	}
}

// Stored judgements are validated as they are read back.
func TestDomainJudgementsValidate(t *testing.T) {
	tests := []struct {
		name string
		j    DomainJudgements
		ok   bool
	}{
		{"no concerns", NoConcerns(), true},
		{"case evidence", caseJudgements(AttributionCertain, Serious), true},
		{"case evidence with a GRADE domain", func() DomainJudgements {
			j := caseJudgements(AttributionCertain, Serious)
			j.RiskOfBias = NotSerious
			return j
		}(), false},
		{"case evidence with unassessed", caseJudgements(AttributionUnassessed, Serious), false},
		{"GRADE judgements without a domain", DomainJudgements{Indirectness: NotSerious}, false},
		{"bad sample", func() DomainJudgements { j := NoConcerns(); j.Sample = "random"; return j }(), false},
		{"sample", func() DomainJudgements { j := NoConcerns(); j.Sample = SampleSelected; return j }(), true},
	}
	for _, tt := range tests {
		if err := tt.j.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// Iorio 2015; GRADE 28: the sample decides the start of an event rate
// graded from designs, and applies nowhere else.
func TestGradeBodySample(t *testing.T) {
	sample := func(s Sample) DomainJudgements { return judged(func(j *DomainJudgements) { j.Sample = s }) }
	tests := []struct {
		name string
		body Body
		j    DomainJudgements
		want []fieldCode
	}{
		{"event rate without a sample", rate(src(1, KindCohort)), NoConcerns(), []fieldCode{{"sample", CodeSampleRequired}}},
		{"sample out of vocabulary", rate(src(1, KindCohort)), sample("random"), []fieldCode{{"sample", CodeInvalidValue}}},
		{"sample on a comparative question", comparative(src(1, KindCohort)), sample(SampleRepresentative), []fieldCode{{"sample", CodeSampleNotApplicable}}},
		{"sample on a review's own rating of a rate", rate(withReported(review(1, KindMetaAnalysis, IncludedNonComparative), Low)), sample(SampleSelected),
			[]fieldCode{{"sample", CodeSampleNotApplicable}}},
		{"sample on case evidence", cases(src(1, KindCaseSeries)), func() DomainJudgements {
			j := caseJudgements(AttributionProbable, NotSerious)
			j.Sample = SampleSelected
			return j
		}(), []fieldCode{{"sample", CodeNotApplicableToCaseEvidence}}},
	}
	for _, tt := range tests {
		_, err := GradeBody(tt.body, tt.j)
		if got := fieldCodes(ruleProblems(t, err)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: problems %v, want %v", tt.name, got, tt.want)
		}
	}
	// The case: an outbreak cluster used as an event rate started
	// high; with sample selected it starts low.
	d, err := GradeBody(rate(src(1, KindCaseSeries)), sample(SampleSelected))
	if err != nil || d.Start != Low || d.Sample != SampleSelected || !strings.Contains(d.StartReason, "selected sample") ||
		!strings.Contains(d.Summary(), "selected sample") {
		t.Errorf("outbreak series: %+v, %v", d, err)
	}
}

// GRADE 9: a large effect on a difference measure, or without a ratio
// estimate, is checked against the relative effect the reviewer derived.
func TestGradeBodyRelativeEffect(t *testing.T) {
	cohort := src(1, KindCohort)
	md := Body{Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeBenefit},
		Effect: EffectEstimate{Measure: MeasureMeanDifference, Estimate: ptr(-12.0)}, Sources: []BodySource{cohort}}
	orNoEstimate := Body{Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeHarm},
		Effect: EffectEstimate{Measure: MeasureOddsRatio}, Sources: []BodySource{cohort}}
	large := func(e Effect, r *float64) DomainJudgements {
		return judged(func(j *DomainJudgements) { j.LargeEffect, j.RelativeEffect = e, r; reason(j, "large_effect") })
	}
	tests := []struct {
		name string
		body Body
		j    DomainJudgements
		want Certainty
		errs []fieldCode
	}{
		{"large at 0.4", md, large(Large, ptr(0.4)), Moderate, nil},
		{"large at exactly 2", md, large(Large, ptr(2.0)), Moderate, nil},
		{"very large at 0.2", md, large(VeryLarge, ptr(0.2)), High, nil},
		{"ratio without an estimate, relative 3", orNoEstimate, large(Large, ptr(3.0)), Moderate, nil},
		{"large needs the relative effect (the old \"big\")", md, large(Large, nil), None, []fieldCode{{"relative_effect", CodeRelativeEffectRequired}}},
		{"large not reached", md, large(Large, ptr(0.8)), None, []fieldCode{{"large_effect", CodeLargeEffectUnsupported}}},
		{"very large not reached", md, large(VeryLarge, ptr(0.3)), None, []fieldCode{{"large_effect", CodeLargeEffectUnsupported}}},
		{"not a ratio", md, large(Large, ptr(-0.4)), None, []fieldCode{{"relative_effect", CodeInvalidValue}}},
		{"zero", md, large(Large, ptr(0.0)), None, []fieldCode{{"relative_effect", CodeInvalidValue}}},
		{"without a large effect", md, large(NoLargeEffect, ptr(0.4)), None, []fieldCode{{"relative_effect", CodeRelativeEffectNotApplicable}}},
		{"beside a ratio estimate", ratioBody(0.3, cohort), large(Large, ptr(0.3)), None, []fieldCode{{"relative_effect", CodeRelativeEffectNotApplicable}}},
		// Upgrades still need non-randomised comparative evidence without downgrades.
		{"randomised evidence", func() Body { b := md; b.Sources = []BodySource{src(1, KindRCT)}; return b }(), large(Large, ptr(0.4)), None,
			[]fieldCode{{"large_effect", CodeUpgradeNotApplicable}}},
	}
	for _, tt := range tests {
		d, err := GradeBody(tt.body, tt.j)
		if tt.errs != nil {
			if got := fieldCodes(ruleProblems(t, err)); !reflect.DeepEqual(got, tt.errs) {
				t.Errorf("%s: problems %v, want %v", tt.name, got, tt.errs)
			}
			continue
		}
		if err != nil || d.Result != tt.want {
			t.Errorf("%s: %s, %v; want %s", tt.name, d.Summary(), err, tt.want)
		}
	}
	d, _ := GradeBody(md, large(Large, ptr(0.4)))
	if d.RelativeEffect == nil || *d.RelativeEffect != 0.4 || !strings.Contains(d.Summary(), "+1 large effect (large, relative effect 0.4)") {
		t.Errorf("derivation does not show the relative effect: %q", d.Summary())
	}
}

// DESIGN "Consensus": adjudication only where the submissions disagree,
// and only within their range.
func TestAdjudicationNeeded(t *testing.T) {
	b := comparative(src(1, KindRCT))
	serious := judged(func(j *DomainJudgements) { j.RiskOfBias = Serious; reason(j, "risk_of_bias") })
	tests := []struct {
		name      string
		submitted []FindingAssessment
		required  int
		needed    bool
	}{
		{"nobody assessed", nil, 2, false},
		{"one of two", []FindingAssessment{submission(t, "a", b, NoConcerns())}, 2, false},
		{"two of three", []FindingAssessment{submission(t, "a", b, NoConcerns()), submission(t, "b", b, serious)}, 3, false},
		{"two agree", []FindingAssessment{submission(t, "a", b, serious), submission(t, "b", b, serious)}, 2, false},
		{"two disagree", []FindingAssessment{submission(t, "a", b, NoConcerns()), submission(t, "b", b, serious)}, 2, true},
		{"REQUIRED_REVIEWS=1 still needs two to disagree", []FindingAssessment{submission(t, "a", b, serious)}, 1, false},
	}
	for _, tt := range tests {
		err := AdjudicationNeeded(tt.submitted, tt.required)
		if tt.needed {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if got := fieldCodes(ruleProblems(t, err)); !reflect.DeepEqual(got, []fieldCode{{"assessments", CodeAdjudicationNotNeeded}}) {
			t.Errorf("%s: %v, want adjudication_not_needed", tt.name, got)
		}
		// It comes alone, before anything else AdjudicateBody checks.
		_, err = AdjudicateBody(b, Adjudication{Editor: "a", Assessors: []string{"a"}, Judgements: NoConcerns(), Submitted: tt.submitted, RequiredReviews: tt.required})
		if got := fieldCodes(ruleProblems(t, err)); !reflect.DeepEqual(got, []fieldCode{{"assessments", CodeAdjudicationNotNeeded}}) {
			t.Errorf("%s: AdjudicateBody %v, want adjudication_not_needed alone", tt.name, got)
		}
	}
}

func TestWithinReviewerRange(t *testing.T) {
	cohort := comparative(src(1, KindCohort))
	rct := comparative(src(1, KindRCT))
	with := func(set func(*DomainJudgements)) DomainJudgements {
		j := judged(set)
		for _, d := range Domains() {
			if !neutralJudgement(j.judgementOf(d)) {
				reason(&j, d)
			}
		}
		return j
	}
	tests := []struct {
		name      string
		body      Body
		submitted []DomainJudgements
		adj       DomainJudgements
		want      []fieldCode
		messages  []string
	}{
		// The case: two reviewers gave moderate (one rated risk of
		// bias down, the other imprecision), the editor set all
		// not_serious to make it high: each domain lies within its range,
		// the certainty neither reviewer reached does not.
		{"all not_serious after two reviewers at moderate", rct,
			[]DomainJudgements{with(func(j *DomainJudgements) { j.RiskOfBias = Serious }), with(func(j *DomainJudgements) { j.Imprecision = Serious })},
			NoConcerns(), []fieldCode{{"certainty", CodeOutsideReviewerRange}},
			[]string{"certainty must be moderate, the only value the submitted assessments gave (this adjudication reaches high"}},
		{"one reviewer's domains", rct,
			[]DomainJudgements{with(func(j *DomainJudgements) { j.RiskOfBias = Serious }), with(func(j *DomainJudgements) { j.Imprecision = Serious })},
			with(func(j *DomainJudgements) { j.Imprecision = Serious }), nil, nil},
		{"all not_serious where both rated risk of bias down", rct,
			[]DomainJudgements{with(func(j *DomainJudgements) { j.RiskOfBias = Serious }), with(func(j *DomainJudgements) { j.RiskOfBias = Serious; j.Imprecision = Serious })},
			NoConcerns(), []fieldCode{{"risk_of_bias", CodeOutsideReviewerRange}, {"certainty", CodeOutsideReviewerRange}},
			[]string{"risk_of_bias must be serious, the only value the submitted assessments gave",
				"certainty must lie between low and moderate, the range the submitted assessments gave"}},
		{"between the two", rct,
			[]DomainJudgements{NoConcerns(), with(func(j *DomainJudgements) { j.Imprecision = VerySerious })},
			with(func(j *DomainJudgements) { j.Imprecision = Serious }), nil, nil},
		{"beyond the harsher", rct,
			[]DomainJudgements{NoConcerns(), with(func(j *DomainJudgements) { j.Imprecision = Serious })},
			with(func(j *DomainJudgements) { j.Imprecision = VerySerious }), []fieldCode{{"imprecision", CodeOutsideReviewerRange}, {"certainty", CodeOutsideReviewerRange}},
			[]string{"imprecision must lie between not_serious and serious, the range the submitted assessments gave",
				"certainty must lie between moderate and high, the range the submitted assessments gave (this adjudication reaches low"}},
		{"a start neither gave (robins_i)", cohort,
			[]DomainJudgements{NoConcerns(), with(func(j *DomainJudgements) { j.Imprecision = Serious })},
			with(func(j *DomainJudgements) { j.RobTool = RobToolROBINSI }), []fieldCode{{"start", CodeOutsideReviewerRange}, {"certainty", CodeOutsideReviewerRange}},
			[]string{"start must be low, the only value the submitted assessments gave"}},
		{"an upgrade neither gave", cohort,
			[]DomainJudgements{NoConcerns(), with(func(j *DomainJudgements) { j.Imprecision = Serious })},
			with(func(j *DomainJudgements) { j.DoseResponse = true }), []fieldCode{{"dose_response", CodeOutsideReviewerRange}, {"certainty", CodeOutsideReviewerRange}},
			[]string{"dose_response must be false, the only value the submitted assessments gave"}},
		{"large effect between none and very large", ratioBody(0.1, src(1, KindCohort)),
			[]DomainJudgements{NoConcerns(), with(func(j *DomainJudgements) { j.LargeEffect = VeryLarge })},
			with(func(j *DomainJudgements) { j.LargeEffect = Large }), nil, nil},
		{"every field at once", rct,
			[]DomainJudgements{with(func(j *DomainJudgements) { j.RiskOfBias, j.Inconsistency = Serious, Serious }),
				with(func(j *DomainJudgements) {
					j.RiskOfBias, j.Inconsistency, j.PublicationBias = VerySerious, Serious, Serious
				})},
			NoConcerns(), []fieldCode{{"risk_of_bias", CodeOutsideReviewerRange}, {"inconsistency", CodeOutsideReviewerRange},
				{"certainty", CodeOutsideReviewerRange}}, nil},
		{"case evidence: attribution between probable and certain", cases(src(1, KindCaseReport)),
			[]DomainJudgements{caseJudgements(AttributionProbable, NotSerious), caseJudgements(AttributionCertain, Serious)},
			caseJudgements(AttributionCertain, Serious), nil, nil},
		{"case evidence: attribution outside", cases(src(1, KindCaseReport)),
			[]DomainJudgements{caseJudgements(AttributionPossible, NotSerious), caseJudgements(AttributionProbable, NotSerious)},
			caseJudgements(AttributionCertain, Serious), []fieldCode{{"attribution", CodeOutsideReviewerRange}, {"indirectness", CodeOutsideReviewerRange}},
			[]string{"attribution must lie between possible and probable, the range the submitted assessments gave",
				"indirectness must be not_serious, the only value the submitted assessments gave"}},
		{"case evidence: an occurrence certainty neither reached", cases(src(1, KindCaseReport)),
			[]DomainJudgements{caseJudgements(AttributionProbable, NotSerious), caseJudgements(AttributionCertain, Serious)},
			caseJudgements(AttributionCertain, NotSerious), []fieldCode{{"occurrence_certainty", CodeOutsideReviewerRange}},
			[]string{"occurrence_certainty must be moderate, the only value the submitted assessments gave (this adjudication reaches high"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var submitted []FindingAssessment
			for i, j := range tt.submitted {
				submitted = append(submitted, submission(t, string(rune('a'+i)), tt.body, j))
			}
			_, err := AdjudicateBody(tt.body, Adjudication{Editor: "ed", Judgements: tt.adj, Rationale: "settled", Submitted: submitted, RequiredReviews: 2})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("AdjudicateBody: %v", err)
				}
				return
			}
			ps := ruleProblems(t, err)
			if got := fieldCodes(ps); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("problems %v, want %v\n%v", got, tt.want, err)
			}
			for i, m := range tt.messages {
				if !strings.HasPrefix(ps[i].Message, m) {
					t.Errorf("message %q, want it to start %q", ps[i].Message, m)
				}
			}
		})
	}
}

// Case evidence is compared on attribution, not on a start it does not
// have; a different sample is a different start.
func TestDifferingDomainsCaseEvidenceAndSample(t *testing.T) {
	ce := cases(src(1, KindCaseReport))
	a := submission(t, "a", ce, caseJudgements(AttributionProbable, NotSerious))
	b := submission(t, "b", ce, caseJudgements(AttributionCertain, Serious))
	if got := DifferingDomains(a, b); !reflect.DeepEqual(got, []string{"attribution", "indirectness"}) {
		t.Errorf("case evidence: %v", got)
	}
	r := rate(src(1, KindCohort))
	x := submission(t, "x", r, judged(func(j *DomainJudgements) { j.Sample = SampleRepresentative }))
	y := submission(t, "y", r, judged(func(j *DomainJudgements) { j.Sample = SampleSelected }))
	if got := DifferingDomains(x, y); !reflect.DeepEqual(got, []string{"start"}) {
		t.Errorf("sample: %v", got)
	}
	// Agreement makes the grade, reasons merged attribution included.
	c := FindingConsensus([]FindingAssessment{a, submission(t, "c", ce, caseJudgements(AttributionProbable, NotSerious))}, 2)
	if !c.Decided || c.Judgements.Attribution != AttributionProbable || c.Judgements.Reasons["attribution"] == "" {
		t.Errorf("consensus on case evidence: %+v", c)
	}
	if out := FindingConsensus([]FindingAssessment{a, b}, 2); out.Decided || !reflect.DeepEqual(out.Disagreements, []string{"attribution", "indirectness"}) {
		t.Errorf("disagreement on case evidence: %+v", out)
	}
}

// DESIGN "Retraction withdraws".
func TestGradeWithdrawal(t *testing.T) {
	d := CertaintyDerivation{LevelSetting: []int64{12, 13}}
	tests := []struct {
		name   string
		body   Body
		want   bool
		reason string
	}{
		{"all level-setting sources retracted", comparative(retracted(src(12, KindRCT)), retracted(src(13, KindRCT)), src(14, KindExpertOpinion)), true,
			"every level-setting source is retracted: source 12 (rct), source 13 (rct)"},
		{"one left", comparative(retracted(src(12, KindRCT)), src(13, KindRCT)), false, ""},
		{"one detached: stale, not withdrawn", comparative(retracted(src(12, KindRCT))), false, ""},
		{"a review's included trial retracted: the review stands", comparative(
			BodySource{SourceID: 12, Kind: KindSystematicReview, IncludedDesign: IncludedRandomised, Includes: []int64{20}, RetractedIncludes: []int64{20}},
			retracted(src(13, KindRCT))), false, ""},
		{"the review itself retracted", comparative(retracted(review(12, KindSystematicReview, IncludedRandomised)), retracted(src(13, KindRCT))), true,
			"every level-setting source is retracted: source 12 (systematic_review), source 13 (rct)"},
	}
	for _, tt := range tests {
		got, reason := GradeWithdrawal(d, tt.body)
		if got != tt.want || reason != tt.reason {
			t.Errorf("%s: GradeWithdrawal = %v %q, want %v %q", tt.name, got, reason, tt.want, tt.reason)
		}
	}
	if got, _ := GradeWithdrawal(CertaintyDerivation{}, comparative(retracted(src(1, KindRCT)))); got {
		t.Error("a derivation without level-setting sources is withdrawn")
	}
}

func TestFindingFlagsWithdrawnAndOccurrence(t *testing.T) {
	body := comparative(retracted(src(1, KindRCT)))
	decided := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		state FindingState
		want  []Flag
	}{
		{"withdrawn grade: ungraded and retracted, not stale", FindingState{Body: body,
			Grade: &FindingGrade{Certainty: High, Fingerprint: "g1:old", DecidedAt: decided, Withdrawn: true}}, []Flag{FlagUngraded, FlagRetractedEvidence}},
		{"case evidence graded low", FindingState{Body: cases(src(1, KindCaseReport)),
			Grade: &FindingGrade{OccurrenceCertainty: Low, Fingerprint: cases(src(1, KindCaseReport)).Fingerprint(), DecidedAt: decided}}, []Flag{FlagLowCertainty}},
		{"case evidence graded moderate", FindingState{Body: cases(src(1, KindCaseReport)),
			Grade: &FindingGrade{OccurrenceCertainty: Moderate, Fingerprint: cases(src(1, KindCaseReport)).Fingerprint(), DecidedAt: decided}}, []Flag{}},
	}
	for _, tt := range tests {
		if got := FindingFlagsOf(tt.state); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: flags %v, want %v", tt.name, got, tt.want)
		}
	}
}

// GET /agreement counts case evidence for attribution and indirectness
// only.
func TestAgreementOfCaseEvidence(t *testing.T) {
	ce := cases(src(1, KindCaseReport))
	rct := comparative(src(1, KindRCT))
	rounds := [][]FindingAssessment{
		{submission(t, "a", ce, caseJudgements(AttributionProbable, NotSerious)), submission(t, "b", ce, caseJudgements(AttributionCertain, NotSerious))},
		{submission(t, "a", rct, NoConcerns()), submission(t, "b", rct, NoConcerns())},
	}
	r := AgreementOf(rounds)
	if s := r.Domains["attribution"]; s.N != 1 || s.Ratings != 2 || s.PercentAgreement == nil || *s.PercentAgreement != 0 {
		t.Errorf("attribution: %+v", s)
	}
	if s := r.Domains["indirectness"]; s.N != 2 {
		t.Errorf("indirectness counts both rounds: %+v", s)
	}
	for _, s := range []AgreementStat{r.Domains["risk_of_bias"], r.Domains["dose_response"], r.Start, r.Certainty} {
		if s.N != 1 {
			t.Errorf("a GRADE scale counts case evidence: %+v", s)
		}
	}
}

// Summary-of-findings rows never print a GRADE certainty for case
// evidence or a withdrawn grade: case evidence states its documented cases
// with the occurrence certainty; a withdrawn grade states that it was
// withdrawn, with no certainty and no footnotes.
func TestBuildSoFCaseEvidenceAndWithdrawn(t *testing.T) {
	q := Question{Intervention: "mesotherapy", Outcome: "injection-site abscess", ComparatorKind: ComparatorNone, OutcomeKind: OutcomeHarm}
	d, err := GradeBody(cases(src(1, KindCaseSeries)), caseJudgements(AttributionProbable, Serious))
	if err != nil {
		t.Fatal(err)
	}
	rct, err := GradeBody(comparative(src(2, KindRCT)), NoConcerns())
	if err != nil {
		t.Fatal(err)
	}
	low := Low
	table := BuildSoF(q, []SoFFinding{
		{ID: 1, Summary: "Two outbreaks.", Effect: EffectEstimate{Events: ip64(17)}, CaseEvidence: true, OccurrenceCertainty: &low,
			Attribution: AttributionProbable, Grade: &SoFGrade{Method: MethodConsensus, Derivation: d}},
		{ID: 2, Summary: "One trial.", Flags: []Flag{FlagUngraded, FlagRetractedEvidence}, Withdrawn: true,
			Grade: &SoFGrade{Certainty: High, Method: MethodConsensus, Derivation: rct}},
	})
	ce, wd := table.Rows[0], table.Rows[1]
	if ce.Certainty != None || ce.Informative.Kind != StatementCase || ce.Informative.Certainty != Low ||
		ce.Informative.Attribution != AttributionProbable || ce.Informative.Cases == nil || *ce.Informative.Cases != 17 {
		t.Errorf("case-evidence row: certainty %q, informative %+v", ce.Certainty, ce.Informative)
	}
	if len(ce.Footnotes) != 1 || table.Footnotes[0].Domain != DomainIndirectness {
		t.Errorf("footnotes %v %+v, want the indirectness step", ce.Footnotes, table.Footnotes)
	}
	if wd.Certainty != None || wd.Informative.Kind != StatementWithdrawn || wd.Method != "" || len(wd.Footnotes) != 0 {
		t.Errorf("withdrawn row: %+v", wd)
	}
}

func ip64(n int64) *int64 { return &n }
