package grading

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func fp(x float64) *float64 { return &x }
func ip(n int64) *int64     { return &n }

// day is midnight UTC of a date.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// effect is a ratio or difference effect with its 95% CI and threshold;
// NaN leaves a value out.
func effect(m EffectMeasure, est, lo, hi, threshold float64) EffectEstimate {
	opt := func(x float64) *float64 {
		if math.IsNaN(x) {
			return nil
		}
		return fp(x)
	}
	return EffectEstimate{Measure: m, Estimate: opt(est), CILow: opt(lo), CIHigh: opt(hi), Threshold: opt(threshold)}
}

// rateOf is a proportion of events in participants, without a CI.
func rateOf(events, participants int64) EffectEstimate {
	return EffectEstimate{Measure: MeasureProportion, Estimate: fp(float64(events) / float64(participants)),
		Events: ip(events), Participants: ip(participants)}
}

var nan = math.NaN()

// finding is a graded, supporting finding whose question has its outcome
// kind's usual direction (a harm lower_is_better, a benefit
// higher_is_better).
func finding(id int64, comp ComparatorKind, kind OutcomeKind, c Certainty, e EffectEstimate) LinkedFinding {
	return LinkedFinding{FindingID: id, Stance: Supports, Question: Question{ComparatorKind: comp, OutcomeKind: kind, Direction: UsualDirection(kind)},
		Effect: e, Certainty: c.Ptr()}
}

// directed is f with its question's direction set.
func directed(f LinkedFinding, d Direction) LinkedFinding { f.Question.Direction = d; return f }

// caseEvidence is a graded case-evidence finding (a harm without comparator
// or measure) whose grade agreed attribution a at occurrence certainty c.
func caseEvidence(id int64, a Attribution, c Certainty) LinkedFinding {
	f := finding(id, ComparatorNone, OutcomeHarm, None, EffectEstimate{})
	f.Certainty, f.CaseEvidence, f.GradeAttribution, f.OccurrenceCertainty = nil, true, a, c.Ptr()
	return f
}

// withdrawn is f with its grade withdrawn (certainty gone).
func withdrawn(f LinkedFinding) LinkedFinding { f.Certainty, f.Withdrawn = nil, true; return f }

func withF(f LinkedFinding, change func(*LinkedFinding)) LinkedFinding { change(&f); return f }

// wording is a claim's wording; a frequency's value is a point.
func wording(a Assertion, h Hedge, claimed *float64, comp ComparatorKind) ClaimWording {
	t := ClaimEfficacy
	if a == AssertAbsence || a == AssertOccurrence {
		t = ClaimSafety
	}
	w := ClaimWording{Assertion: a, Hedge: h, ClaimedValue: claimed, ClaimType: t, Comparator: comp}
	if a == AssertFrequency && claimed != nil {
		w.Bound = BoundPoint
	}
	return w
}

// bounded is a frequency claim with a bound: "rarely" is at_most 0.001.
func bounded(b ClaimedBound, v float64, t ClaimType) ClaimWording {
	return ClaimWording{Assertion: AssertFrequency, Hedge: HedgeNone, ClaimedValue: fp(v), Bound: b, ClaimType: t, Comparator: ComparatorNone}
}

type ratingCase struct {
	name      string
	wording   ClaimWording
	findings  []LinkedFinding
	searches  []EvidenceSearch
	rating    Rating
	rule      RatingRule
	certainty Certainty
	decidedBy int64
	// verdictRules are the rules of the verdicts, in input order; nil
	// skips the check.
	verdictRules []RatingRule
	explains     []string // substrings of the explanation
}

// The findings the rows reuse. Numbers from the reference records where
// they exist (docs/ratings.md gives the worked examples).
var (
	// Balakrishnamoorthy 2015: IV dexamethasone vs placebo, VAS 0-10 pain
	// reduction at 24 h, 1.86 points greater (CI illustrative), threshold 1.
	dexa = effect(MeasureMeanDifference, 1.86, 0.6, 3.1, 1)
	// Friedman 2006: parenteral methylprednisolone vs placebo, pain change
	// at 1 month 0.6 NRS points (95% CI -1.0 to 2.2), threshold 1.
	friedman = effect(MeasureMeanDifference, 0.6, -1.0, 2.2, 1)
	// Chou 2022: systemic corticosteroids, radicular LBP, 0.56 points
	// better on 0-10 (CI illustrative, excluding 0), threshold 1.
	chou = effect(MeasureMeanDifference, 0.56, 0.08, 1.04, 1)
	// The same as a pain score reported as the source reports it:
	// intervention minus control, 0.56 lower (1.08 to 0.04 lower) on a
	// 0-10 scale where lower is better, threshold 1.
	chouPain = effect(MeasureMeanDifference, -0.56, -1.08, -0.04, 1)
	// Galmés-Truyols 2011: 17 of 77 patients treated at one clinic
	// developed M. abscessus abscesses.
	galmes = rateOf(17, 77)
)

func ratingCases() []ratingCase {
	none, inactive, active := ComparatorNone, ComparatorInactive, ComparatorActive
	works := wording(AssertEffect, HedgeNone, nil, none)
	mayWork := wording(AssertEffect, HedgeMay, nil, none)
	probablyWorks := wording(AssertEffect, HedgeLikely, nil, none)
	fasterThan := wording(AssertEffect, HedgeNone, nil, active)
	noMoreThan := wording(AssertAbsence, HedgeNone, nil, active)
	canCause := wording(AssertOccurrence, HedgeMay, nil, none)
	noRisk := wording(AssertAbsence, HedgeNone, nil, none)
	rarely := bounded(BoundAtMost, 0.001, ClaimSafety)
	veryRare := bounded(BoundAtMost, 0.0001, ClaimSafety)
	almostPainless := bounded(BoundAtMost, 0.01, ClaimSafety)
	atLeastTenth := bounded(BoundAtLeast, 0.1, ClaimSafety)
	mostCases := bounded(BoundAtLeast, 0.5, ClaimEfficacy)
	in75 := wording(AssertFrequency, HedgeNone, fp(0.75), none)
	freq := func(v float64) ClaimWording { return wording(AssertFrequency, HedgeNone, fp(v), none) }
	ungraded := withF(finding(1, inactive, OutcomeBenefit, None, dexa), func(f *LinkedFinding) { f.Certainty = nil })
	neutral := withF(finding(2, inactive, OutcomeBenefit, High, dexa), func(f *LinkedFinding) { f.Stance = Neutral })
	harmRate := func(id int64, c Certainty, e EffectEstimate) LinkedFinding {
		return finding(id, none, OutcomeHarm, c, e)
	}
	rd52 := effect(MeasureRiskDifference, 0.52, 0.41, 0.63, nan)
	p52 := effect(MeasureProportion, 0.52, 0.41, 0.63, nan)
	// Searches for the micro-vaccination claim's evidence (illustrative
	// numbers): PubMed and the Cochrane Library, nothing includable.
	pubmed := EvidenceSearch{Database: DatabasePubMed, Query: `mesotherapy AND (asthma OR "cystic fibrosis")`,
		SearchedAt: day(2026, 11, 3), Hits: 12, Screened: 3}
	cochrane := EvidenceSearch{Database: DatabaseCochraneLibrary, Query: "mesotherapy", SearchedAt: day(2026, 11, 4), Hits: 1, Screened: 1}
	led := pubmed
	led.Sources = 2
	var many []EvidenceSearch
	for i := range 12 {
		many = append(many, EvidenceSearch{Database: DatabaseGoogleScholar, Query: fmt.Sprintf("query %d", i), SearchedAt: day(2025, 1, 1+i)})
	}
	long := pubmed
	long.Query = strings.Repeat("x", 300)

	return []ratingCase{
		// Claim level.
		{name: "nothing graded or only neutral", wording: works, findings: []LinkedFinding{ungraded, neutral},
			rating: RatingNotRated, rule: RuleNotYetSearched, verdictRules: []RatingRule{RuleContextUngraded, RuleContextNeutral},
			explains: []string{"no graded finding is linked", "no evidence search is recorded", "finding 1 (supports): context (context_ungraded)"}},
		{name: "no findings at all", wording: works, rating: RatingNotRated, rule: RuleNotYetSearched},
		{name: "searched, and every graded finding answers another question", wording: fasterThan, searches: []EvidenceSearch{pubmed},
			findings: []LinkedFinding{finding(7, inactive, OutcomeBenefit, High, dexa)},
			rating:   RatingUnproven, rule: RuleNoEvidenceFound, verdictRules: []RatingRule{RuleContextComparator},
			explains: []string{"no graded finding answers the question the wording asks, though the evidence was searched: PubMed on 2026-11-03"}},
		{name: "nothing linked, searched", wording: mayWork, searches: []EvidenceSearch{cochrane, pubmed},
			rating: RatingUnproven, rule: RuleNoEvidenceFound,
			explains: []string{`searched: PubMed on 2026-11-03 (query "mesotherapy AND (asthma OR \"cystic fibrosis\")", 12 hits, 3 screened) and the Cochrane Library on 2026-11-04 (query "mesotherapy", 1 hit, 1 screened); nothing includable was found.`}},
		{name: "only ungraded and neutral findings, searched", wording: works, findings: []LinkedFinding{ungraded, neutral},
			searches: []EvidenceSearch{pubmed}, rating: RatingUnproven, rule: RuleNoEvidenceFound,
			verdictRules: []RatingRule{RuleContextUngraded, RuleContextNeutral},
			explains:     []string{"PubMed on 2026-11-03", "finding 2 (neutral, high): context (context_neutral)"}},
		{name: "searched, the sources found are not graded yet", wording: works, searches: []EvidenceSearch{led},
			rating: RatingUnproven, rule: RuleNoEvidenceFound,
			explains: []string{"3 screened, led to 2 catalogued sources)", "what they found is not yet a graded finding linked to the claim."}},
		{name: "many searches: the newest ten are named", wording: works, searches: many, rating: RatingUnproven, rule: RuleNoEvidenceFound,
			explains: []string{"Google Scholar on 2025-01-03 (query \"query 2\"", "Google Scholar on 2025-01-12 (query \"query 11\", 0 hits, 0 screened), after 2 earlier searches;"}},
		{name: "a long query is cut in the explanation", wording: works, searches: []EvidenceSearch{long}, rating: RatingUnproven,
			rule: RuleNoEvidenceFound, explains: []string{strings.Repeat("x", 200) + "…\""}},
		{name: "assertion other, nothing graded, searched", wording: wording(AssertOther, HedgeNone, nil, none),
			searches: []EvidenceSearch{pubmed}, rating: RatingUnproven, rule: RuleNoEvidenceFound},
		{name: "a search does not outweigh a graded finding", wording: works, searches: []EvidenceSearch{pubmed},
			findings: []LinkedFinding{finding(7, inactive, OutcomeBenefit, High, dexa)},
			rating:   RatingAccurate, rule: RuleEffectImportant, certainty: High, decidedBy: 7},
		{name: "assertion other", wording: wording(AssertOther, HedgeNone, nil, none),
			findings: []LinkedFinding{finding(3, inactive, OutcomeBenefit, High, dexa)},
			rating:   RatingNotRated, rule: RuleAssertionOther, verdictRules: []RatingRule{RuleAssertionOther}},
		{name: "faster than tablets, only a placebo finding", wording: fasterThan,
			findings: []LinkedFinding{finding(4, inactive, OutcomeBenefit, High, dexa)},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextComparator},
			explains: []string{"the finding's comparator is inactive and the wording names an active one"}},
		{name: "works, only an active-comparator finding", wording: works,
			findings: []LinkedFinding{finding(5, active, OutcomeBenefit, High, dexa)},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextComparator}},
		{name: "can cause, only a benefit finding", wording: canCause,
			findings: []LinkedFinding{finding(6, inactive, OutcomeBenefit, High, dexa)},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextOutcome}},

		// effect
		{name: "effect: very low", wording: mayWork, findings: []LinkedFinding{finding(10, inactive, OutcomeBenefit, VeryLow, dexa)},
			rating: RatingUnproven, rule: RuleVeryLow, certainty: VeryLow, decidedBy: 10},
		{name: "effect: very low without an estimate is unproven", wording: mayWork,
			findings: []LinkedFinding{finding(9, inactive, OutcomeBenefit, VeryLow, effect(MeasureMeanDifference, nan, nan, nan, 1))},
			rating:   RatingUnproven, rule: RuleVeryLow, certainty: VeryLow},
		{name: "effect: very low without a threshold is not rated", wording: mayWork,
			findings: []LinkedFinding{finding(8, inactive, OutcomeBenefit, VeryLow, effect(MeasureMeanDifference, 1.86, 0.6, 3.1, nan))},
			rating:   RatingNotRated, rule: RuleNoThreshold},
		{name: "effect: no threshold", wording: works,
			findings: []LinkedFinding{finding(11, inactive, OutcomeBenefit, High, effect(MeasureMeanDifference, 1.86, 0.6, 3.1, nan))},
			rating:   RatingNotRated, rule: RuleNoThreshold, decidedBy: 11, explains: []string{"no threshold"}},
		{name: "effect: no estimate", wording: works,
			findings: []LinkedFinding{finding(12, inactive, OutcomeBenefit, High, EffectEstimate{})},
			rating:   RatingNotRated, rule: RuleEffectNoEstimate, decidedBy: 12},
		{name: "effect: a proportion is no contrast", wording: works,
			findings: []LinkedFinding{finding(13, inactive, OutcomeBenefit, High, p52)},
			rating:   RatingNotRated, rule: RuleEffectNoEstimate, explains: []string{"a proportion, not a ratio or difference"}},
		{name: "effect: ratio of 0", wording: works,
			findings: []LinkedFinding{finding(14, inactive, OutcomeBenefit, High, effect(MeasureRiskRatio, 0, nan, nan, 1.25))},
			rating:   RatingNotRated, rule: RuleEffectInvalid},
		{name: "effect: CI without the estimate", wording: works,
			findings: []LinkedFinding{finding(15, inactive, OutcomeBenefit, High, effect(MeasureMeanDifference, 2, 0.1, 1.5, 1))},
			rating:   RatingNotRated, rule: RuleEffectInvalid},
		{name: "effect: threshold of no effect (RR 1)", wording: works,
			findings: []LinkedFinding{finding(16, inactive, OutcomeBenefit, High, effect(MeasureRiskRatio, 1.5, 1.2, 1.9, 1))},
			rating:   RatingNotRated, rule: RuleEffectInvalid},
		{name: "effect: no comparator", wording: works,
			findings: []LinkedFinding{finding(17, none, OutcomeBenefit, High, effect(MeasureMeanDifference, 3, 2, 4, 1))},
			rating:   RatingUnproven, rule: RuleEffectUncontrolled, certainty: High},
		{name: "effect: e >= T, high, unhedged", wording: works,
			findings: []LinkedFinding{finding(18, inactive, OutcomeBenefit, High, dexa)},
			rating:   RatingAccurate, rule: RuleEffectImportant, certainty: High, decidedBy: 18,
			explains: []string{"mean difference 1.86 (95% CI 0.6 to 3.1; higher is better) favours the therapy by at least the threshold"}},
		{name: "effect: e >= T, moderate, unhedged", wording: works,
			findings: []LinkedFinding{finding(19, inactive, OutcomeBenefit, Moderate, dexa)},
			rating:   RatingOverstated, rule: RuleEffectWording, certainty: Moderate,
			explains: []string{"unhedged wording needs high certainty (GRADE 26)"}},
		{name: "effect: e >= T, moderate, probably", wording: probablyWorks,
			findings: []LinkedFinding{finding(20, inactive, OutcomeBenefit, Moderate, dexa)},
			rating:   RatingAccurate, rule: RuleEffectImportant, certainty: Moderate},
		{name: "effect: e >= T, low, probably", wording: probablyWorks,
			findings: []LinkedFinding{finding(21, inactive, OutcomeBenefit, Low, dexa)},
			rating:   RatingOverstated, rule: RuleEffectWording, certainty: Low},
		{name: "effect: e >= T, low, may", wording: mayWork,
			findings: []LinkedFinding{finding(22, inactive, OutcomeBenefit, Low, dexa)},
			rating:   RatingAccurate, rule: RuleEffectImportant, certainty: Low},
		{name: "effect: 0 < e < T, CI excludes 0", wording: works,
			findings: []LinkedFinding{finding(23, inactive, OutcomeBenefit, Moderate, chou)},
			rating:   RatingOverstated, rule: RuleEffectBelowThresh, explains: []string{"smaller than the smallest important difference"}},
		{name: "effect: CI touching 0 does not exclude it", wording: works,
			findings: []LinkedFinding{finding(24, inactive, OutcomeBenefit, Moderate, effect(MeasureMeanDifference, 0.5, 0, 1, 1))},
			rating:   RatingFalse, rule: RuleEffectNotShown},
		{name: "effect: ratio CI touching 1 does not exclude it", wording: works,
			findings: []LinkedFinding{finding(25, inactive, OutcomeBenefit, Moderate, effect(MeasureRiskRatio, 1.1, 1, 1.2, 1.25))},
			rating:   RatingFalse, rule: RuleEffectNotShown},
		{name: "effect: 0 < e < T without a CI", wording: works,
			findings: []LinkedFinding{finding(26, inactive, OutcomeBenefit, Moderate, effect(MeasureMeanDifference, 0.5, nan, nan, 1))},
			rating:   RatingFalse, rule: RuleEffectNotShown},
		{name: "effect: CI reaching the threshold, estimate below it", wording: works,
			findings: []LinkedFinding{finding(27, inactive, OutcomeBenefit, High, effect(MeasureMeanDifference, 0.9, 0.8, 1, 1))},
			rating:   RatingOverstated, rule: RuleEffectBelowThresh},
		{name: "effect: estimate exactly at the threshold", wording: works,
			findings: []LinkedFinding{finding(28, inactive, OutcomeBenefit, High, effect(MeasureMeanDifference, 1, 0.2, 1.8, 1))},
			rating:   RatingAccurate, rule: RuleEffectImportant},
		{name: "effect: no effect, moderate (Friedman 2006)", wording: works,
			findings: []LinkedFinding{finding(29, inactive, OutcomeBenefit, Moderate, friedman)},
			rating:   RatingFalse, rule: RuleEffectNotShown, certainty: Moderate},
		{name: "effect: no effect, low", wording: mayWork,
			findings: []LinkedFinding{finding(30, inactive, OutcomeBenefit, Low, friedman)},
			rating:   RatingUnproven, rule: RuleEffectNotShownLow, certainty: Low},
		{name: "effect: harm RR 0.8 at a threshold written 1.25 (log scale)", wording: wording(AssertEffect, HedgeNone, nil, none),
			findings: []LinkedFinding{finding(31, inactive, OutcomeHarm, High, effect(MeasureRiskRatio, 0.8, 0.7, 0.9, 1.25))},
			rating:   RatingAccurate, rule: RuleEffectImportant},
		{name: "effect: harm RR 0.7 favours the therapy", wording: works,
			findings: []LinkedFinding{finding(32, inactive, OutcomeHarm, High, effect(MeasureRiskRatio, 0.7, 0.55, 0.89, 0.8))},
			rating:   RatingAccurate, rule: RuleEffectImportant},
		{name: "effect: harm RR 1.4 is against the therapy", wording: works,
			findings: []LinkedFinding{finding(33, inactive, OutcomeHarm, Moderate, effect(MeasureRiskRatio, 1.4, 1.2, 1.6, 0.8))},
			rating:   RatingFalse, rule: RuleEffectNotShown},
		{name: "effect: benefit RR 1.4 favours the therapy", wording: works,
			findings: []LinkedFinding{finding(34, inactive, OutcomeBenefit, High, effect(MeasureRiskRatio, 1.4, 1.2, 1.6, 1.25))},
			rating:   RatingAccurate, rule: RuleEffectImportant},
		{name: "effect: benefit RR 0.7 is against the therapy", wording: works,
			findings: []LinkedFinding{finding(35, inactive, OutcomeBenefit, High, effect(MeasureRiskRatio, 0.7, 0.55, 0.89, 1.25))},
			rating:   RatingFalse, rule: RuleEffectNotShown},
		{name: "effect: faster than tablets, active finding", wording: fasterThan,
			findings: []LinkedFinding{finding(36, active, OutcomeBenefit, High, dexa), finding(37, inactive, OutcomeBenefit, High, friedman)},
			rating:   RatingAccurate, rule: RuleEffectImportant, decidedBy: 36,
			verdictRules: []RatingRule{RuleEffectImportant, RuleContextComparator}},
		{name: "effect: a refuting link caps accurate", wording: works,
			findings: []LinkedFinding{refuting(finding(38, inactive, OutcomeBenefit, High, dexa))},
			rating:   RatingUnproven, rule: RuleStanceCapsAccurate, explains: []string{"a refutes link never makes a claim accurate"}},
		{name: "effect: a mixed link caps accurate", wording: works,
			findings: []LinkedFinding{withF(finding(39, inactive, OutcomeBenefit, High, dexa), func(f *LinkedFinding) { f.Stance = MixedStance })},
			rating:   RatingUnproven, rule: RuleStanceCapsAccurate},
		{name: "effect: pain 1.86 lower where lower is better", wording: works,
			findings: []LinkedFinding{directed(finding(41, inactive, OutcomeBenefit, High, effect(MeasureMeanDifference, -1.86, -3.1, -0.6, 1)), LowerIsBetter)},
			rating:   RatingAccurate, rule: RuleEffectImportant, explains: []string{"mean difference -1.86 (95% CI -3.1 to -0.6; lower is better) favours the therapy"}},
		{name: "effect: pain 0.56 lower (1.08 to 0.04 lower), threshold 1", wording: works,
			findings: []LinkedFinding{directed(finding(42, inactive, OutcomeBenefit, Moderate, chouPain), LowerIsBetter)},
			rating:   RatingOverstated, rule: RuleEffectBelowThresh, explains: []string{"smaller than the smallest important difference"}},
		{name: "effect: pain 1.86 higher where lower is better is against the therapy", wording: works,
			findings: []LinkedFinding{directed(finding(43, inactive, OutcomeBenefit, Moderate, dexa), LowerIsBetter)},
			rating:   RatingFalse, rule: RuleEffectNotShown},
		{name: "effect: a harm where higher is better (e.g. a score of tolerability)", wording: works,
			findings: []LinkedFinding{directed(finding(44, inactive, OutcomeHarm, High, dexa), HigherIsBetter)},
			rating:   RatingAccurate, rule: RuleEffectImportant},
		{name: "effect: case evidence is context", wording: works,
			findings: []LinkedFinding{caseEvidence(45, AttributionCertain, High)},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextCase}},
		{name: "effect: a withdrawn grade is never used", wording: works,
			findings: []LinkedFinding{withdrawn(finding(46, inactive, OutcomeBenefit, High, dexa))},
			rating:   RatingNotRated, rule: RuleNotYetSearched, verdictRules: []RatingRule{RuleContextWithdrawn},
			explains: []string{"The evidence it rested on was retracted: the grade of finding 46 was withdrawn."}},
		{name: "effect: beside a withdrawn grade, the other finding decides", wording: works,
			findings: []LinkedFinding{withdrawn(finding(47, inactive, OutcomeBenefit, High, dexa)), finding(48, inactive, OutcomeBenefit, Moderate, friedman)},
			rating:   RatingFalse, rule: RuleEffectNotShown, decidedBy: 48, verdictRules: []RatingRule{RuleContextWithdrawn, RuleEffectNotShown},
			explains: []string{"the grade of finding 47 was withdrawn"}},
		{name: "effect: a supporting link does not save a false", wording: works,
			findings: []LinkedFinding{finding(40, inactive, OutcomeBenefit, High, friedman)},
			rating:   RatingFalse, rule: RuleEffectNotShown},

		// absence with a named comparator: no more harm than it
		{name: "no more harm: shown", wording: noMoreThan,
			findings: []LinkedFinding{finding(50, active, OutcomeHarm, High, effect(MeasureRiskRatio, 1.02, 0.9, 1.15, 1.25))},
			rating:   RatingAccurate, rule: RuleNoMoreHarmShown},
		{name: "no more harm: wording firmer than moderate", wording: noMoreThan,
			findings: []LinkedFinding{finding(51, active, OutcomeHarm, Moderate, effect(MeasureRiskRatio, 1.02, 0.9, 1.15, 1.25))},
			rating:   RatingOverstated, rule: RuleNoMoreHarmWording},
		{name: "no more harm: a small real excess", wording: noMoreThan,
			findings: []LinkedFinding{finding(52, active, OutcomeHarm, High, effect(MeasureRiskRatio, 1.1, 1.03, 1.18, 1.25))},
			rating:   RatingOverstated, rule: RuleNoMoreHarmSmall},
		{name: "no more harm: an important excess", wording: noMoreThan,
			findings: []LinkedFinding{finding(53, active, OutcomeHarm, Moderate, effect(MeasureRiskRatio, 1.6, 1.3, 2.0, 1.25))},
			rating:   RatingFalse, rule: RuleNoMoreHarmExcess},
		{name: "no more harm: an important excess, low", wording: noMoreThan,
			findings: []LinkedFinding{finding(54, active, OutcomeHarm, Low, effect(MeasureRiskRatio, 1.6, 1.3, 2.0, 1.25))},
			rating:   RatingUnproven, rule: RuleNoMoreHarmUnclear},
		{name: "no more harm: excess not excluded", wording: noMoreThan,
			findings: []LinkedFinding{finding(55, active, OutcomeHarm, High, effect(MeasureRiskRatio, 1.1, 0.8, 1.6, 1.25))},
			rating:   RatingUnproven, rule: RuleNoMoreHarmUnclear},
		{name: "no more harm: estimate at the threshold", wording: noMoreThan,
			findings: []LinkedFinding{finding(56, active, OutcomeHarm, High, effect(MeasureRiskRatio, 1.25, 1.1, 1.4, 0.8))},
			rating:   RatingFalse, rule: RuleNoMoreHarmExcess},
		{name: "no more harm: a placebo finding is context", wording: noMoreThan,
			findings: []LinkedFinding{finding(57, inactive, OutcomeHarm, High, effect(MeasureRiskRatio, 1, 0.9, 1.1, 1.25))},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextComparator}},
		{name: "no more harm: a benefit finding is context", wording: noMoreThan,
			findings: []LinkedFinding{finding(58, active, OutcomeBenefit, High, dexa)},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextOutcome}},

		// occurrence
		{name: "occurrence: outbreak, attribution probable", wording: canCause,
			findings: []LinkedFinding{attributed(harmRate(60, Low, galmes), AttributionProbable)},
			rating:   RatingAccurate, rule: RuleOccurrenceAttributable, certainty: Low,
			explains: []string{"17 events in 77 participants, attribution probable (WHO-UMC)", "how often is unknown"}},
		{name: "occurrence: attribution certain, very low certainty", wording: canCause,
			findings: []LinkedFinding{attributed(harmRate(61, VeryLow, rateOf(4, 35)), AttributionCertain)},
			rating:   RatingAccurate, rule: RuleOccurrenceAttributable, certainty: VeryLow},
		{name: "occurrence: comparative excess", wording: canCause,
			findings: []LinkedFinding{finding(62, inactive, OutcomeHarm, Moderate, effect(MeasureRiskRatio, 2.5, 1.4, 4.4, 1.25))},
			rating:   RatingAccurate, rule: RuleOccurrenceAttributable, explains: []string{"an excess risk whose CI excludes no difference"}},
		{name: "occurrence: attribution possible", wording: canCause,
			findings: []LinkedFinding{attributed(harmRate(63, Moderate, rateOf(3, 200)), AttributionPossible)},
			rating:   RatingUnproven, rule: RuleOccurrenceNotAttrib, explains: []string{"attribution is only possible"}},
		{name: "occurrence: attribution not stated counts as unassessed", wording: canCause,
			findings: []LinkedFinding{harmRate(64, Moderate, rateOf(3, 200))},
			rating:   RatingUnproven, rule: RuleOccurrenceNotAttrib, explains: []string{"attribution was not assessed"}},
		{name: "occurrence: no events", wording: canCause,
			findings: []LinkedFinding{harmRate(65, Moderate, rateOf(0, 1082))},
			rating:   RatingUnproven, rule: RuleOccurrenceNotAttrib, explains: []string{"no events in 1,082 participants"}},
		{name: "occurrence: comparative, CI includes 1", wording: canCause,
			findings: []LinkedFinding{finding(66, inactive, OutcomeHarm, High, effect(MeasureRiskRatio, 1.3, 0.9, 1.9, 1.25))},
			rating:   RatingUnproven, rule: RuleOccurrenceNotAttrib},
		{name: "occurrence: case evidence, attribution certain", wording: canCause,
			findings: []LinkedFinding{caseEvidence(68, AttributionCertain, High)},
			rating:   RatingAccurate, rule: RuleOccurrenceAttributable, certainty: High,
			explains: []string{"occurrence certainty high", "attribution to the therapy is certain", "how often is unknown"}},
		{name: "occurrence: case evidence, attribution probable, indirect", wording: canCause,
			findings: []LinkedFinding{caseEvidence(69, AttributionProbable, Low)},
			rating:   RatingAccurate, rule: RuleOccurrenceAttributable, certainty: Low},
		{name: "occurrence: case evidence, attribution possible", wording: canCause,
			findings: []LinkedFinding{caseEvidence(59, AttributionPossible, Low)},
			rating:   RatingUnproven, rule: RuleOccurrenceNotAttrib, explains: []string{"only possible"}},
		{name: "occurrence: a refuting link caps accurate", wording: canCause,
			findings: []LinkedFinding{refuting(attributed(harmRate(67, Low, galmes), AttributionProbable))},
			rating:   RatingUnproven, rule: RuleStanceCapsAccurate},

		// absence, literal
		{name: "absence: attributable events", wording: noRisk,
			findings: []LinkedFinding{attributed(harmRate(70, Low, galmes), AttributionProbable)},
			rating:   RatingFalse, rule: RuleAbsenceAttributable},
		{name: "absence: attributable at very low certainty is still false", wording: noRisk,
			findings: []LinkedFinding{attributed(harmRate(71, VeryLow, galmes), AttributionCertain)},
			rating:   RatingFalse, rule: RuleAbsenceAttributable, certainty: VeryLow},
		{name: "absence: comparative excess", wording: noRisk,
			findings: []LinkedFinding{finding(72, inactive, OutcomeHarm, Moderate, effect(MeasureRiskDifference, 0.04, 0.01, 0.07, 0.02))},
			rating:   RatingFalse, rule: RuleAbsenceAttributable},
		{name: "absence: 0 of 1,082", wording: noRisk,
			findings: []LinkedFinding{harmRate(73, High, rateOf(0, 1082))},
			rating:   RatingUnproven, rule: RuleAbsenceZeroEvents, certainty: High,
			explains: []string{"no events in 1,082 participants: the risk may still be up to 0.28% (exact 95% upper bound 1 − 0.05^(1/n), about 3/n); an absence claim cannot be shown accurate"}},
		{name: "absence: 0 of 1", wording: noRisk,
			findings: []LinkedFinding{harmRate(74, Low, rateOf(0, 1))},
			rating:   RatingUnproven, rule: RuleAbsenceZeroEvents, explains: []string{"no events in 1 participant: the risk may still be up to 95%"}},
		{name: "absence: 0 of 30", wording: noRisk,
			findings: []LinkedFinding{harmRate(75, Low, rateOf(0, 30))},
			rating:   RatingUnproven, rule: RuleAbsenceZeroEvents, explains: []string{"up to 9.5%"}},
		{name: "absence: 0 of 300, hedged", wording: wording(AssertAbsence, HedgeLikely, nil, none),
			findings: []LinkedFinding{harmRate(76, Low, rateOf(0, 300))},
			rating:   RatingUnproven, rule: RuleAbsenceZeroEvents, explains: []string{"up to 0.99%"}},
		{name: "absence: unattributed events", wording: noRisk,
			findings: []LinkedFinding{attributed(harmRate(77, Moderate, rateOf(3, 200)), AttributionUnlikely)},
			rating:   RatingUnproven, rule: RuleAbsenceNotShown},
		{name: "absence: comparative, no excess shown", wording: noRisk,
			findings: []LinkedFinding{finding(78, inactive, OutcomeHarm, High, effect(MeasureRiskRatio, 1.1, 0.8, 1.5, 1.25))},
			rating:   RatingUnproven, rule: RuleAbsenceNotShown},
		{name: "absence: case evidence with attribution certain", wording: noRisk,
			findings: []LinkedFinding{caseEvidence(81, AttributionCertain, Moderate)},
			rating:   RatingFalse, rule: RuleAbsenceAttributable, certainty: Moderate},
		{name: "absence: case evidence with attribution unlikely", wording: noRisk,
			findings: []LinkedFinding{caseEvidence(82, AttributionUnlikely, VeryLow)},
			rating:   RatingUnproven, rule: RuleAbsenceNotShown},
		{name: "absence: no data", wording: noRisk,
			findings: []LinkedFinding{harmRate(79, High, EffectEstimate{})},
			rating:   RatingUnproven, rule: RuleAbsenceNotShown},
		{name: "absence: 0 events in 0 participants", wording: noRisk,
			findings: []LinkedFinding{harmRate(80, High, EffectEstimate{Measure: MeasureProportion, Events: ip(0), Participants: ip(0)})},
			rating:   RatingUnproven, rule: RuleAbsenceNotShown},

		// frequency with a bound: at_most ("rarely", "almost painless") and at_least
		{name: "bound: almost painless (1%), 0 of 1,082", wording: almostPainless,
			findings: []LinkedFinding{harmRate(90, Moderate, rateOf(0, 1082))},
			rating:   RatingAccurate, rule: RuleBoundWithin, explains: []string{"at most 1% (uncommon)", "0 of 1,082 [0% to 0.28%"}},
		{name: "bound: rarely (0.1%), 0 of 1,082", wording: rarely,
			findings: []LinkedFinding{harmRate(91, Moderate, rateOf(0, 1082))},
			rating:   RatingUnproven, rule: RuleBoundStraddles, explains: []string{"at most 0.1% (rare)"}},
		{name: "bound: rarely (0.1%), 0 of 10,000 is within it, not a contradicted point", wording: rarely,
			findings: []LinkedFinding{harmRate(97, Moderate, rateOf(0, 10000))},
			rating:   RatingAccurate, rule: RuleBoundWithin, explains: []string{"0 of 10,000 [0% to 0.03%"}},
		{name: "bound: very rare (0.01%) against an interval reaching 0.03% is not shown", wording: veryRare,
			findings: []LinkedFinding{harmRate(98, Moderate, rateOf(0, 10000))},
			rating:   RatingUnproven, rule: RuleBoundStraddles, explains: []string{"at most 0.01% (very rare)"}},
		{name: "bound: rarely, 17 of 77", wording: rarely,
			findings: []LinkedFinding{harmRate(92, Low, galmes)},
			rating:   RatingOverstated, rule: RuleBoundExceeded, explains: []string{"17 of 77, 22% [Wilson 95% CI 14% to 33%]"}},
		{name: "bound: a stated CI", wording: almostPainless,
			findings: []LinkedFinding{harmRate(93, High, effect(MeasureProportion, 0.004, 0.002, 0.008, nan))},
			rating:   RatingAccurate, rule: RuleBoundWithin},
		{name: "bound: very low", wording: rarely,
			findings: []LinkedFinding{harmRate(94, VeryLow, galmes)},
			rating:   RatingUnproven, rule: RuleVeryLow},
		{name: "bound: a ratio is no rate", wording: rarely,
			findings: []LinkedFinding{finding(95, inactive, OutcomeHarm, High, effect(MeasureRiskRatio, 1.1, 0.8, 1.5, 1.25))},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextNotRate}},
		{name: "bound: at least 10% of a harm, against 0 of 100, is contradicted", wording: atLeastTenth,
			findings: []LinkedFinding{harmRate(96, Moderate, rateOf(0, 100))},
			rating:   RatingFalse, rule: RuleBoundContradicted, explains: []string{"at least 10%"}},
		{name: "bound: at least 10% of a harm, 17 of 77", wording: atLeastTenth,
			findings: []LinkedFinding{harmRate(99, Moderate, galmes)},
			rating:   RatingAccurate, rule: RuleBoundWithin},
		{name: "bound: in most cases, an uncontrolled benefit rate", wording: mostCases,
			findings: []LinkedFinding{finding(89, none, OutcomeBenefit, Moderate, p52)},
			rating:   RatingOverstated, rule: RuleFrequencyUncontrolled},
		{name: "bound: an upper bound of a rate where higher is better, exceeded", wording: bounded(BoundAtMost, 0.2, ClaimSafety),
			findings: []LinkedFinding{directed(harmRate(88, Moderate, p52), HigherIsBetter)},
			rating:   RatingFalse, rule: RuleBoundContradicted},
		{name: "bound: a lower bound of a rate where higher is better, missed", wording: bounded(BoundAtLeast, 0.8, ClaimSafety),
			findings: []LinkedFinding{directed(harmRate(87, Moderate, p52), HigherIsBetter)},
			rating:   RatingOverstated, rule: RuleBoundExceeded},

		// frequency, point
		{name: "frequency: no value", wording: wording(AssertFrequency, HedgeNone, nil, none),
			findings: []LinkedFinding{harmRate(100, High, p52)},
			rating:   RatingNotRated, rule: RuleNoClaimedValue, verdictRules: []RatingRule{RuleNoClaimedValue}},
		{name: "frequency: a ratio is no rate", wording: in75,
			findings: []LinkedFinding{finding(101, inactive, OutcomeBenefit, High, effect(MeasureRiskRatio, 1.4, 1.2, 1.6, 1.25))},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextNotRate}},
		{name: "frequency: an arm's rate inside a comparative question is context", wording: in75,
			findings: []LinkedFinding{finding(86, active, OutcomeBenefit, High, p52)},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextNotRate},
			explains: []string{"is not how often something happens with the therapy"}},
		{name: "frequency: a risk difference is a contrast, not a rate", wording: in75,
			findings: []LinkedFinding{finding(85, inactive, OutcomeBenefit, Moderate, rd52)},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextNotRate}},
		{name: "frequency: an incidence is no proportion", wording: in75,
			findings: []LinkedFinding{harmRate(102, High, EffectEstimate{Measure: MeasureIncidence, Estimate: fp(0.5), CILow: fp(0.4), CIHigh: fp(0.6)})},
			rating:   RatingNotRated, rule: RuleFrequencyNoRate},
		{name: "frequency: very low", wording: in75, findings: []LinkedFinding{harmRate(103, VeryLow, p52)},
			rating: RatingUnproven, rule: RuleVeryLow},
		{name: "frequency: uncontrolled benefit rate, inside", wording: freq(0.5),
			findings: []LinkedFinding{finding(104, none, OutcomeBenefit, High, p52)},
			rating:   RatingOverstated, rule: RuleFrequencyUncontrolled, explains: []string{"improvement also happens without treatment"}},
		{name: "frequency: a rate where higher is better, 75% against 52% [41%, 63%]", wording: in75,
			findings: []LinkedFinding{directed(harmRate(105, Moderate, p52), HigherIsBetter)},
			rating:   RatingOverstated, rule: RuleFrequencyFlattering,
			explains: []string{"claimed 75% lies above proportion 52% [95% CI 41% to 63%], on the side that flatters the therapy"}},
		{name: "frequency: harm 75% against 52% [41%, 63%]", wording: in75,
			findings: []LinkedFinding{harmRate(106, Moderate, p52)},
			rating:   RatingFalse, rule: RuleFrequencyUnflattering},
		{name: "frequency: a rate where higher is better, inside", wording: freq(0.5),
			findings: []LinkedFinding{directed(harmRate(107, Moderate, p52), HigherIsBetter)},
			rating:   RatingAccurate, rule: RuleFrequencyInside},
		{name: "frequency: harm inside", wording: freq(0.5),
			findings: []LinkedFinding{harmRate(108, Moderate, p52)},
			rating:   RatingAccurate, rule: RuleFrequencyInside},
		{name: "frequency: at the CI's edge is inside", wording: freq(0.41),
			findings: []LinkedFinding{harmRate(109, Moderate, p52)},
			rating:   RatingAccurate, rule: RuleFrequencyInside},
		{name: "frequency: a rate where higher is better, below", wording: freq(0.3),
			findings: []LinkedFinding{directed(harmRate(110, Moderate, p52), HigherIsBetter)},
			rating:   RatingFalse, rule: RuleFrequencyUnflattering},
		{name: "frequency: harm below", wording: freq(0.3),
			findings: []LinkedFinding{harmRate(111, Moderate, p52)},
			rating:   RatingOverstated, rule: RuleFrequencyFlattering},
		{name: "frequency: Wilson 52 of 100, 61% inside", wording: freq(0.61),
			findings: []LinkedFinding{harmRate(112, Moderate, rateOf(52, 100))},
			rating:   RatingAccurate, rule: RuleFrequencyInside, explains: []string{"52 of 100, 52% [Wilson 95% CI 42% to 62%]"}},
		{name: "frequency: Wilson 52 of 100, 62% above", wording: freq(0.62),
			findings: []LinkedFinding{harmRate(113, Moderate, rateOf(52, 100))},
			rating:   RatingFalse, rule: RuleFrequencyUnflattering},
		{name: "frequency: harm 5% against 0 of 100", wording: freq(0.05),
			findings: []LinkedFinding{harmRate(114, Moderate, rateOf(0, 100))},
			rating:   RatingFalse, rule: RuleFrequencyUnflattering, explains: []string{"0 of 100 [0% to 3%, exact one-sided 95% bound]"}},
		{name: "frequency: a refuting link caps accurate", wording: freq(0.5),
			findings: []LinkedFinding{refuting(harmRate(115, Moderate, p52))},
			rating:   RatingUnproven, rule: RuleStanceCapsAccurate},
		{name: "frequency: case evidence says nothing of how often", wording: rarely,
			findings: []LinkedFinding{caseEvidence(116, AttributionCertain, High)},
			rating:   RatingNotRated, rule: RuleNoMatchingFinding, verdictRules: []RatingRule{RuleContextCase}},

		// Combination of several findings.
		{name: "combine: the highest certainty decides", wording: works,
			findings: []LinkedFinding{finding(120, inactive, OutcomeBenefit, Low, friedman), finding(121, inactive, OutcomeBenefit, High, dexa)},
			rating:   RatingAccurate, rule: RuleEffectImportant, certainty: High, decidedBy: 121,
			verdictRules: []RatingRule{RuleEffectNotShownLow, RuleEffectImportant},
			explains:     []string{"Other findings: finding 120 (supports, low): unproven (effect_not_shown_low)"}},
		{name: "combine: ties go to the most critical", wording: works,
			findings: []LinkedFinding{finding(122, inactive, OutcomeBenefit, High, dexa), finding(123, inactive, OutcomeBenefit, High, friedman),
				finding(124, inactive, OutcomeBenefit, High, chou)},
			rating: RatingFalse, rule: RuleEffectNotShown, certainty: High, decidedBy: 123},
		{name: "combine: overstated beats unproven and accurate", wording: probablyWorks,
			findings: []LinkedFinding{finding(125, inactive, OutcomeBenefit, Moderate, dexa), finding(126, inactive, OutcomeBenefit, Moderate, chou),
				refuting(finding(127, inactive, OutcomeBenefit, Moderate, dexa))},
			rating: RatingOverstated, rule: RuleEffectBelowThresh, decidedBy: 126},
		{name: "combine: unrated best evidence is not passed over", wording: works,
			findings: []LinkedFinding{finding(128, inactive, OutcomeBenefit, Moderate, dexa),
				finding(129, inactive, OutcomeBenefit, High, effect(MeasureMeanDifference, 1.86, 0.6, 3.1, nan))},
			rating: RatingNotRated, rule: RuleNoThreshold, decidedBy: 129},
		{name: "combine: a rated finding beats an unrated tie", wording: works,
			findings: []LinkedFinding{finding(130, inactive, OutcomeBenefit, High, effect(MeasureMeanDifference, 1.86, 0.6, 3.1, nan)),
				finding(131, inactive, OutcomeBenefit, High, dexa)},
			rating: RatingAccurate, rule: RuleEffectImportant, certainty: High, decidedBy: 131},
		{name: "combine: context and ungraded findings never decide", wording: works,
			findings: []LinkedFinding{ungraded, neutral, finding(132, active, OutcomeBenefit, High, friedman), finding(133, inactive, OutcomeBenefit, Low, dexa)},
			rating:   RatingOverstated, rule: RuleEffectWording, certainty: Low, decidedBy: 133,
			verdictRules: []RatingRule{RuleContextUngraded, RuleContextNeutral, RuleContextComparator, RuleEffectWording}},
	}
}

func TestRateClaimRules(t *testing.T) {
	for _, tt := range ratingCases() {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RateClaim(ClaimRatingInput{Wording: tt.wording, Findings: tt.findings, Searches: tt.searches})
			if err != nil {
				t.Fatalf("RateClaim: %v", err)
			}
			if got.Rating != tt.rating || got.Rule != tt.rule || got.Source != SourceRule {
				t.Errorf("RateClaim = %s (%s, %s), want %s (%s, rule)\n%s", got.Rating, got.Rule, got.Source, tt.rating, tt.rule, got.Explanation)
			}
			if got.RuleRating != got.Rating || got.RuleRule != got.Rule {
				t.Errorf("RuleRating/RuleRule = %s/%s, want the rating and rule", got.RuleRating, got.RuleRule)
			}
			if tt.certainty != None && got.Certainty != tt.certainty {
				t.Errorf("Certainty = %q, want %q", got.Certainty, tt.certainty)
			}
			if got.Rating == RatingNotRated && got.Certainty != None {
				t.Errorf("not_rated with certainty %q, want none", got.Certainty)
			}
			if tt.decidedBy != 0 && got.DecidedBy != tt.decidedBy {
				t.Errorf("DecidedBy = %d, want %d", got.DecidedBy, tt.decidedBy)
			}
			if len(got.Verdicts) != len(tt.findings) {
				t.Fatalf("%d verdicts for %d findings", len(got.Verdicts), len(tt.findings))
			}
			if tt.verdictRules != nil {
				var rules []RatingRule
				for _, v := range got.Verdicts {
					rules = append(rules, v.Rule)
				}
				if !slices.Equal(rules, tt.verdictRules) {
					t.Errorf("verdict rules = %v, want %v", rules, tt.verdictRules)
				}
			}
			if !strings.Contains(got.Explanation, string(got.Rule)) {
				t.Errorf("explanation does not name the rule %s: %s", got.Rule, got.Explanation)
			}
			for i, v := range got.Verdicts {
				if v.Rule.Validate() != nil || v.Verdict.Validate() != nil || v.Explanation == "" {
					t.Errorf("verdict %d = %+v: rule, verdict and explanation must be set", i, v)
				}
				if !v.Used && v.Verdict != RatingNotRated {
					t.Errorf("verdict %d is context but %s", i, v.Verdict)
				}
				if !strings.Contains(got.Explanation, findingName(tt.findings[i])) {
					t.Errorf("explanation does not name finding %d: %s", tt.findings[i].FindingID, got.Explanation)
				}
			}
			for _, s := range tt.explains {
				if !strings.Contains(got.Explanation, s) {
					t.Errorf("explanation lacks %q:\n%s", s, got.Explanation)
				}
			}
			checkFlagInvariants(t, got, tt.wording)
		})
	}
}

// checkFlagInvariants: flags never contradict the rating.
func checkFlagInvariants(t *testing.T, r ClaimRating, w ClaimWording) {
	t.Helper()
	f := r.Flags
	if f.InaccurateWording != (r.Rating == RatingOverstated || r.Rating == RatingFalse) {
		t.Errorf("%s: inaccurate_wording = %v", r.Rating, f.InaccurateWording)
	}
	if r.Rating == RatingAccurate && (f.Unsupported || f.Contradicted) {
		t.Errorf("accurate but flagged %+v", f)
	}
	if r.Rating == RatingFalse && !(f.Unsupported && f.Contradicted) {
		t.Errorf("false but not flagged unsupported and contradicted: %+v", f)
	}
	if f.Unsupported != (r.Rating != RatingAccurate) {
		t.Errorf("%s: unsupported = %v", r.Rating, f.Unsupported)
	}
	if f.AbsoluteWording != AbsoluteWording(w) {
		t.Errorf("absolute_wording = %v, want %v", f.AbsoluteWording, AbsoluteWording(w))
	}
}

// Every rule id is reached by some row of the table (the override by
// TestRateClaimOverride).
func TestRateClaimCoversEveryRule(t *testing.T) {
	seen := map[RatingRule]bool{RuleEditorOverride: true}
	for _, tt := range ratingCases() {
		seen[tt.rule] = true
		got, err := RateClaim(ClaimRatingInput{Wording: tt.wording, Findings: tt.findings, Searches: tt.searches})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range got.Verdicts {
			seen[v.Rule] = true
		}
	}
	for _, r := range RatingRules() {
		if !seen[r] {
			t.Errorf("no test row reaches rule %s", r)
		}
	}
}

func TestRateClaimContradictedBesideAnotherRating(t *testing.T) {
	// A low-certainty false under a high-certainty unproven: the claim is
	// unproven and contradicted; under an accurate rating it is neither.
	w := wording(AssertEffect, HedgeNone, nil, ComparatorNone)
	got, err := RateClaim(ClaimRatingInput{Wording: w, Findings: []LinkedFinding{
		finding(1, ComparatorInactive, OutcomeBenefit, High, effect(MeasureMeanDifference, 1.86, 0.6, 3.1, nan)),
		finding(2, ComparatorInactive, OutcomeBenefit, High, dexa),
		finding(3, ComparatorInactive, OutcomeBenefit, Moderate, friedman),
	}})
	if err != nil || got.Rating != RatingAccurate || got.Flags != (RatingFlags{}) {
		t.Errorf("RateClaim = %s %+v, %v; want accurate without flags", got.Rating, got.Flags, err)
	}
	got, _ = RateClaim(ClaimRatingInput{Wording: w, Findings: []LinkedFinding{
		refuting(finding(1, ComparatorInactive, OutcomeBenefit, High, dexa)),
		finding(3, ComparatorInactive, OutcomeBenefit, Moderate, friedman),
	}})
	want := RatingFlags{Unsupported: true, Contradicted: true}
	if got.Rating != RatingUnproven || got.Flags != want {
		t.Errorf("RateClaim = %s %+v, want unproven %+v", got.Rating, got.Flags, want)
	}
}

func refuting(f LinkedFinding) LinkedFinding { f.Stance = Refutes; return f }

func attributed(f LinkedFinding, a Attribution) LinkedFinding { f.Attribution = a; return f }

func TestRateClaimStale(t *testing.T) {
	w := wording(AssertEffect, HedgeNone, nil, ComparatorNone)
	stale := func(f LinkedFinding) LinkedFinding { f.Stale = true; return f }
	tests := []struct {
		name     string
		findings []LinkedFinding
		want     bool
	}{
		{"fresh", []LinkedFinding{finding(1, ComparatorInactive, OutcomeBenefit, High, dexa)}, false},
		{"the decider is stale", []LinkedFinding{stale(finding(1, ComparatorInactive, OutcomeBenefit, High, dexa))}, true},
		{"a used finding is stale", []LinkedFinding{finding(1, ComparatorInactive, OutcomeBenefit, High, dexa),
			stale(finding(2, ComparatorInactive, OutcomeBenefit, Low, dexa))}, true},
		{"only context is stale", []LinkedFinding{finding(1, ComparatorInactive, OutcomeBenefit, High, dexa),
			stale(finding(2, ComparatorActive, OutcomeBenefit, High, dexa))}, false},
	}
	for _, tt := range tests {
		got, err := RateClaim(ClaimRatingInput{Wording: w, Findings: tt.findings})
		if err != nil || got.Stale != tt.want || got.Rating != RatingAccurate {
			t.Errorf("%s: RateClaim = %s stale %v, %v; want accurate stale %v", tt.name, got.Rating, got.Stale, err, tt.want)
		}
	}
	got, _ := RateClaim(ClaimRatingInput{Wording: w, Findings: []LinkedFinding{stale(finding(1, ComparatorInactive, OutcomeBenefit, High, dexa))}})
	if !strings.Contains(got.Explanation, "stale grade") {
		t.Errorf("explanation does not say the grade is stale: %s", got.Explanation)
	}
}

func TestRateClaimOverride(t *testing.T) {
	w := wording(AssertAbsence, HedgeNone, nil, ComparatorNone)
	findings := []LinkedFinding{attributed(finding(1, ComparatorNone, OutcomeHarm, Low, galmes), AttributionProbable)}
	tests := []struct {
		name      string
		override  RatingOverride
		flags     RatingFlags
		stale     bool
		explained string
	}{
		{"accurate over a rule's false", RatingOverride{Rating: RatingAccurate, Rationale: "the outbreak used a withdrawn product"},
			RatingFlags{AbsoluteWording: true}, false, "accurate by an editor (editor_override): the outbreak used a withdrawn product. The rules say: false (absence_attributable)"},
		{"overstated keeps contradicted", RatingOverride{Rating: RatingOverstated, Rationale: "r"},
			RatingFlags{Unsupported: true, Contradicted: true, InaccurateWording: true, AbsoluteWording: true}, false, "overstated by an editor"},
		{"stale", RatingOverride{Rating: RatingUnproven, Rationale: "r", Stale: true},
			RatingFlags{Unsupported: true, Contradicted: true, AbsoluteWording: true}, true, "The override is stale"},
	}
	for _, tt := range tests {
		o := tt.override
		got, err := RateClaim(ClaimRatingInput{Wording: w, Findings: findings, Override: &o})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.Rating != o.Rating || got.Source != SourceEditor || got.Rule != RuleEditorOverride ||
			got.RuleRating != RatingFalse || got.RuleRule != RuleAbsenceAttributable || got.Certainty != Low || got.DecidedBy != 1 {
			t.Errorf("%s: RateClaim = %+v", tt.name, got)
		}
		if got.Flags != tt.flags || got.Stale != tt.stale {
			t.Errorf("%s: flags %+v stale %v, want %+v %v", tt.name, got.Flags, got.Stale, tt.flags, tt.stale)
		}
		if !strings.Contains(got.Explanation, tt.explained) {
			t.Errorf("%s: explanation lacks %q: %s", tt.name, tt.explained, got.Explanation)
		}
		checkFlagInvariants(t, got, w)
	}
	// An override applies even when the rules rate nothing.
	o := RatingOverride{Rating: RatingFalse, Rationale: "the manufacturer's label lists interactions"}
	got, err := RateClaim(ClaimRatingInput{Wording: w, Override: &o})
	if err != nil || got.Rating != RatingFalse || got.RuleRating != RatingNotRated || got.RuleRule != RuleNotYetSearched {
		t.Errorf("override without findings = %+v, %v", got, err)
	}
}

func TestRateClaimRefusals(t *testing.T) {
	good := wording(AssertEffect, HedgeNone, nil, ComparatorNone)
	f := finding(1, ComparatorInactive, OutcomeBenefit, High, dexa)
	bad := func(change func(*ClaimRatingInput)) ClaimRatingInput {
		in := ClaimRatingInput{Wording: good, Findings: []LinkedFinding{f}}
		change(&in)
		return in
	}
	tests := []struct {
		name   string
		in     ClaimRatingInput
		fields []string
	}{
		{"assertion", bad(func(in *ClaimRatingInput) { in.Wording.Assertion = "claims" }), []string{"assertion"}},
		{"hedge and claim type", bad(func(in *ClaimRatingInput) { in.Wording.Hedge = "maybe"; in.Wording.ClaimType = "" }), []string{"hedge", "claim_type"}},
		{"comparator", bad(func(in *ClaimRatingInput) { in.Wording.Comparator = "tablets" }), []string{"comparator_kind"}},
		{"finding vocabularies", bad(func(in *ClaimRatingInput) {
			in.Findings[0].Stance = "agrees"
			in.Findings[0].Certainty = Certainty("medium").Ptr()
			in.Findings[0].Question.OutcomeKind = ""
			in.Findings[0].Question.ComparatorKind = "sham"
			in.Findings[0].Effect.Measure = "ratio"
			in.Findings[0].Attribution = "likely"
			in.Findings[0].Question.Direction = "up"
		}), []string{"findings[0].stance", "findings[0].certainty", "findings[0].question.comparator_kind",
			"findings[0].question.outcome_kind", "findings[0].question.direction", "findings[0].measure", "findings[0].attribution"}},
		{"override", bad(func(in *ClaimRatingInput) { in.Override = &RatingOverride{Rating: "true", Rationale: " "} }),
			[]string{"override.rating", "override.rationale"}},
		{"searches", bad(func(in *ClaimRatingInput) {
			in.Searches = []EvidenceSearch{{Database: "medline", Hits: 1}, {Database: DatabasePubMed, Hits: 2, Screened: 3}}
		}), []string{"searches[0].database", "searches[1].screened"}},
	}
	for _, tt := range tests {
		_, err := RateClaim(tt.in)
		var re *RuleError
		if !errors.As(err, &re) {
			t.Errorf("%s: RateClaim error = %v, want a *RuleError", tt.name, err)
			continue
		}
		var fields []string
		for _, p := range re.Problems {
			fields = append(fields, p.Field)
		}
		if !slices.Equal(fields, tt.fields) {
			t.Errorf("%s: problems on %v, want %v (%v)", tt.name, fields, tt.fields, err)
		}
	}
}

func TestCheckWording(t *testing.T) {
	tests := []struct {
		a       Assertion
		claimed *float64
		bound   ClaimedBound
		comp    ComparatorKind
		fields  []string // nil: valid
	}{
		{AssertFrequency, nil, "", "", nil},
		{AssertFrequency, fp(0), BoundPoint, "", nil},
		{AssertFrequency, fp(0.75), BoundPoint, ComparatorNone, nil},
		{AssertFrequency, fp(1), BoundAtLeast, "", nil},
		{AssertFrequency, fp(0.001), BoundAtMost, "", nil},
		{AssertFrequency, fp(0.75), "", "", []string{"claimed_bound"}},
		{AssertFrequency, nil, BoundAtMost, "", []string{"claimed_value"}},
		{AssertFrequency, fp(0.5), "about", "", []string{"claimed_bound"}},
		{AssertFrequency, fp(75), BoundPoint, "", []string{"claimed_value"}},
		{AssertFrequency, fp(-0.1), BoundPoint, "", []string{"claimed_value"}},
		{AssertFrequency, fp(math.NaN()), BoundPoint, "", []string{"claimed_value"}},
		{AssertFrequency, fp(0.5), BoundPoint, ComparatorActive, []string{"comparator_kind"}},
		{AssertAbsence, nil, "", "", nil},
		{AssertAbsence, fp(0.001), "", "", []string{"claimed_value"}},
		{AssertAbsence, fp(0.001), BoundAtMost, "", []string{"claimed_bound", "claimed_value"}},
		{AssertAbsence, nil, BoundAtMost, ComparatorActive, []string{"claimed_bound"}},
		{AssertAbsence, nil, "", ComparatorActive, nil},
		{AssertAbsence, fp(0.01), "", ComparatorActive, []string{"claimed_value"}},
		{AssertEffect, nil, "", ComparatorActive, nil},
		{AssertEffect, fp(0.5), "", "", []string{"claimed_value"}},
		{AssertEffect, nil, BoundAtLeast, "", []string{"claimed_bound"}},
		{AssertOccurrence, nil, "", "", nil},
		{AssertOccurrence, fp(0.1), "", "", []string{"claimed_value"}},
		{AssertOccurrence, nil, "", ComparatorInactive, []string{"comparator_kind"}},
		{AssertOther, nil, "", ComparatorActive, nil},
		{AssertOther, fp(0.2), "", "", []string{"claimed_value"}},
	}
	for _, tt := range tests {
		err := CheckWording(ClaimWording{Assertion: tt.a, ClaimedValue: tt.claimed, Bound: tt.bound, Hedge: HedgeNone, ClaimType: ClaimSafety, Comparator: tt.comp})
		var fields []string
		var re *RuleError
		if err != nil {
			if !errors.As(err, &re) || re.Code != CodeInvalidValue {
				t.Errorf("CheckWording: %v, want a *RuleError invalid_value", err)
				continue
			}
			for _, p := range re.Problems {
				fields = append(fields, p.Field)
			}
		}
		if !slices.Equal(fields, tt.fields) {
			v := "null"
			if tt.claimed != nil {
				v = num(*tt.claimed)
			}
			t.Errorf("CheckWording(%s, %s, %q, %q) = problems on %v, want %v (%v)", tt.a, v, tt.bound, tt.comp, fields, tt.fields, err)
		}
	}
}

func TestAbsoluteWording(t *testing.T) {
	tests := []struct {
		w    ClaimWording
		want bool
	}{
		{wording(AssertAbsence, HedgeNone, nil, ""), true},
		{wording(AssertAbsence, HedgeNone, nil, ComparatorNone), true},
		{wording(AssertAbsence, HedgeMay, nil, ComparatorNone), false},
		{wording(AssertAbsence, HedgeLikely, nil, ComparatorNone), false},
		{bounded(BoundAtMost, 0.01, ClaimSafety), false},                  // almost painless
		{wording(AssertAbsence, HedgeNone, nil, ComparatorActive), false}, // no more than tablets
		{wording(AssertEffect, HedgeNone, nil, ComparatorNone), false},
		{wording(AssertFrequency, HedgeNone, fp(0), ComparatorNone), false},
	}
	for _, tt := range tests {
		if got := AbsoluteWording(tt.w); got != tt.want {
			t.Errorf("AbsoluteWording(%+v) = %v, want %v", tt.w, got, tt.want)
		}
	}
}

func TestWordingFits(t *testing.T) {
	// GRADE 26 (Santesso 2020): high "reduces", moderate "probably
	// reduces", low "may reduce", very low "very uncertain".
	want := map[Hedge][]Certainty{
		HedgeNone:   {High},
		HedgeLikely: {High, Moderate},
		HedgeMay:    {High, Moderate, Low},
	}
	for _, h := range Hedges() {
		for _, c := range append(Certainties(), None) {
			if got := WordingFits(h, c); got != slices.Contains(want[h], c) {
				t.Errorf("WordingFits(%s, %q) = %v", h, c, got)
			}
		}
	}
	if WordingFits("", High) {
		t.Error(`WordingFits("", high) = true`)
	}
}

func TestWilsonInterval(t *testing.T) {
	// Newcombe 1998, Stat Med 17:857-872, table II, method 3 (score
	// interval without continuity correction), to 4 decimals; 52 of 100 and
	// 17 of 77 computed from Wilson's formula.
	tests := []struct {
		events, n int64
		lo, hi    float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
		{52, 100, 0.4232, 0.6154},
		{17, 77, 0.1427, 0.3254},
		{1, 1, 0.2065, 1},
		{0, 1, 0, 0.7935},
	}
	for _, tt := range tests {
		lo, hi, ok := WilsonInterval(tt.events, tt.n)
		if !ok || math.Abs(lo-tt.lo) > 0.00005 || math.Abs(hi-tt.hi) > 0.00005 {
			t.Errorf("WilsonInterval(%d, %d) = %.4f, %.4f, %v; want %.4f, %.4f", tt.events, tt.n, lo, hi, ok, tt.lo, tt.hi)
		}
	}
	for _, bad := range [][2]int64{{0, 0}, {1, 0}, {-1, 10}, {11, 10}} {
		if _, _, ok := WilsonInterval(bad[0], bad[1]); ok {
			t.Errorf("WilsonInterval(%d, %d) ok", bad[0], bad[1])
		}
	}
}

func TestZeroEventUpperBound(t *testing.T) {
	// 1 - 0.05^(1/n) (Hanley & Lippman-Hand 1983): issue 10's 0 of 30 ->
	// 9.5% and 0 of 300 -> 0.99%; 0 of 1,082 -> 0.28%; about 3/n for large
	// n.
	tests := []struct {
		n    int64
		want float64
		text string
	}{
		{1, 0.95, "95%"},
		{30, 0.09503385, "9.5%"},
		{300, 0.00993608, "0.99%"},
		{1082, 0.00276487, "0.28%"},
		{3000, 0.00099808, "0.1%"},
	}
	for _, tt := range tests {
		got, ok := ZeroEventUpperBound(tt.n)
		if !ok || math.Abs(got-tt.want) > 1e-8 || pct(got) != tt.text {
			t.Errorf("ZeroEventUpperBound(%d) = %.8f (%s), %v; want %.8f (%s)", tt.n, got, pct(got), ok, tt.want, tt.text)
		}
		if tt.n >= 300 && math.Abs(got*float64(tt.n)-3) > 0.02 {
			t.Errorf("ZeroEventUpperBound(%d)*n = %.4f, not about 3", tt.n, got*float64(tt.n))
		}
	}
	if _, ok := ZeroEventUpperBound(0); ok {
		t.Error("ZeroEventUpperBound(0) ok")
	}
}

func TestFrequencyBands(t *testing.T) {
	tests := []struct {
		p    float64
		want FrequencyBand
	}{
		{1, BandVeryCommon}, {0.1, BandVeryCommon}, {0.0999, BandCommon}, {0.01, BandCommon}, {0.005, BandUncommon},
		{0.001, BandUncommon}, {0.0009, BandRare}, {0.0001, BandRare}, {0.00009, BandVeryRare}, {0, BandVeryRare},
	}
	for _, tt := range tests {
		if got := BandOf(tt.p); got != tt.want {
			t.Errorf("BandOf(%g) = %s, want %s", tt.p, got, tt.want)
		}
	}
	prev := 1.0
	for _, b := range FrequencyBands() {
		lo, hi := b.Bounds()
		if hi != prev || lo >= hi {
			t.Errorf("%s.Bounds() = [%g, %g), want contiguous below %g", b, lo, hi, prev)
		}
		prev = lo
	}
	words := map[string]FrequencyBand{"Rare": BandRare, " sehr selten ": BandVeryRare, "peu fréquent": BandUncommon,
		"molto comune": BandVeryCommon, "häufig": BandCommon, "rarely": BandRare}
	for w, want := range words {
		if got, ok := VerbalFrequency(w); !ok || got != want {
			t.Errorf("VerbalFrequency(%q) = %s, %v; want %s", w, got, ok, want)
		}
	}
	if _, ok := VerbalFrequency("almost never"); ok {
		t.Error(`VerbalFrequency("almost never") ok; it is no SmPC term`)
	}
}

func TestFormatting(t *testing.T) {
	pcts := map[float64]string{0: "0%", 0.52: "52%", 0.0950: "9.5%", 0.01: "1%", 0.0099361: "0.99%", 0.0027649: "0.28%",
		0.000099: "0.0099%", 1: "100%", -0.04: "-4%", 0.2208: "22%"}
	for x, want := range pcts {
		if got := pct(x); got != want {
			t.Errorf("pct(%g) = %q, want %q", x, got, want)
		}
	}
	counts := map[int64]string{0: "0", 77: "77", 1082: "1,082", 1234567: "1,234,567", -1082: "-1,082"}
	for n, want := range counts {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// docs/ratings.md tabulates every rule id.
func TestRatingDocsListEveryRule(t *testing.T) {
	doc, err := os.ReadFile("../docs/ratings.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range RatingRules() {
		if !strings.Contains(string(doc), "| `"+string(r)+"` |") {
			t.Errorf("docs/ratings.md has no row for rule %s", r)
		}
	}
}

// BandTop names a band only for the upper limits a verbal frequency stands
// for; "in most cases well tolerated" (harms at most 50%) names none.
func TestBandTop(t *testing.T) {
	tests := []struct {
		p    float64
		want FrequencyBand
		ok   bool
	}{{0.1, BandCommon, true}, {0.01, BandUncommon, true}, {0.001, BandRare, true}, {0.0001, BandVeryRare, true},
		{0.5, "", false}, {1, "", false}, {0.002, "", false}}
	for _, tt := range tests {
		if got, ok := BandTop(tt.p); got != tt.want || ok != tt.ok {
			t.Errorf("BandTop(%g) = %q, %v; want %q, %v", tt.p, got, ok, tt.want, tt.ok)
		}
	}
	r, err := RateClaim(ClaimRatingInput{Wording: bounded(BoundAtMost, 0.5, ClaimSafety),
		Findings: []LinkedFinding{finding(1, ComparatorNone, OutcomeHarm, Low, rateOf(7, 40))}})
	if err != nil || r.Rule != RuleBoundWithin || strings.Contains(r.Explanation, "very common") {
		t.Errorf("at most 50%%: %s %s, %v", r.Rule, r.Explanation, err)
	}
}
