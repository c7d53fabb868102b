package grading

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file holds the claim-rating rules (DESIGN "Claim ratings", issue 10):
// whether a claim's wording is true to the graded findings it links. GRADE
// rates how sure we are about an effect; these rules rate the sentence a
// reader meets ("almost painless", "effective in 75% of cases", "faster than
// tablets") against that evidence, each verdict under a stable rule id
// (RatingRule) that docs/ratings.md tabulates row by row.
//
// Sources the rules rest on:
//   - GRADE 26: Santesso N, Glenton C, Dahm P, et al. Informative statements
//     to communicate the findings of systematic reviews of interventions.
//     J Clin Epidemiol 2020;119:126-135. High certainty supports "reduces",
//     moderate "probably reduces", low "may reduce", very low "very
//     uncertain": the wording levels of WordingFits.
//   - GRADE 34: Zeng L, Brignardello-Petersen R, Hultcrantz M, et al.
//     Update of approach to rating imprecision using thresholds. J Clin
//     Epidemiol 2022;150:216-224: the threshold (smallest effect that
//     matters) that an effect claim is judged against.
//   - Hanley JA, Lippman-Hand A. If nothing goes wrong, is everything all
//     right? Interpreting zero numerators. JAMA 1983;249(13):1743-1745: with
//     0 events in n, the one-sided 95% upper bound 1 - 0.05^(1/n), about 3/n
//     (the rule of three).
//   - Wilson EB. Probable inference, the law of succession, and statistical
//     inference. J Am Stat Assoc 1927;22:209-212; Newcombe RG. Two-sided
//     confidence intervals for the single proportion: comparison of seven
//     methods. Stat Med 1998;17:857-872: the score interval used when a
//     proportion comes without its CI.
//   - CIOMS Working Groups III and V, Guidelines for preparing core
//     clinical-safety information on drugs (2nd ed., 1999), adopted by the
//     European Commission's guideline on the summary of product
//     characteristics (rev. 2, 2009, section 4.8): the verbal frequency bands.

// ClaimWording is what a claim's wording asserts, which the rules read.
type ClaimWording struct {
	Assertion Assertion
	// ClaimedValue is the number a frequency claim states, a proportion in
	// [0, 1]: "in 75% of cases" 0.75, "rarely" 0.001 (the top of the SmPC
	// band rare), "more than half" 0.5. Nil for every other claim, a
	// literal absence ("no risk", "painless") included.
	ClaimedValue *float64
	// Bound says how the value is stated: point ("in 75% of cases"),
	// at_most ("rarely", "almost painless"), at_least ("in most cases");
	// "" when no value is stated.
	Bound     ClaimedBound
	Hedge     Hedge
	ClaimType ClaimType
	// Comparator is what the wording compares the therapy with: none (""
	// counts as none) for "works", "relieves"; inactive for "better than
	// placebo", "than doing nothing"; active for "faster than tablets", "no
	// more side effects than oral drugs". Only effect and absence claims
	// name one.
	Comparator ComparatorKind
}

// LinkedFinding is one finding a claim links, as the rating rules see it.
type LinkedFinding struct {
	FindingID int64
	// Label names the finding in explanations beside its id, e.g. "pain at
	// 24 h vs placebo"; optional.
	Label  string
	Stance Stance
	// Question carries the comparator_kind and outcome_kind the rules read.
	Question Question
	// Effect is the finding's effect: measure, estimate, CI, events,
	// participants and threshold.
	Effect EffectEstimate
	// Attribution is the WHO-UMC causality of a non-comparative harm; ""
	// counts as unassessed.
	Attribution Attribution
	// Certainty is the finding's graded certainty, nil while ungraded,
	// when its grade is withdrawn, and for case evidence (which has an
	// occurrence certainty instead).
	Certainty *Certainty
	// Stale says that the grade is stale (GradeIsStale): still used, and
	// flagged.
	Stale bool
	// Withdrawn says that the finding's grade was withdrawn because every
	// source that set its level is retracted (GradeWithdrawal); Certainty
	// and OccurrenceCertainty are nil then.
	Withdrawn bool
	// CaseEvidence says that the finding is case evidence (Body.CaseEvidence:
	// a harm without comparator and without a measure): it shows whether
	// the harm can occur, never how often.
	CaseEvidence bool
	// OccurrenceCertainty is the certainty that the harm can occur, from
	// the agreed attribution of a case-evidence grade; nil otherwise and
	// while withdrawn.
	OccurrenceCertainty *Certainty
	// GradeAttribution is the attribution (WHO-UMC) the reviewers agreed
	// on in the current grade of case evidence (also when withdrawn); ""
	// otherwise. Attribution above is the finding's recorded attribution.
	GradeAttribution Attribution
}

// RatingOverride is an editor's rating of a claim, which replaces the
// rules' rating and is shown as rating_source editor.
type RatingOverride struct {
	Rating    Rating
	Rationale string
	// Stale says that the evidence changed after the override was set: it
	// still stands, flagged, until an editor confirms or removes it.
	Stale bool
}

// ClaimRatingInput is everything the rating of one claim reads.
type ClaimRatingInput struct {
	Wording  ClaimWording
	Findings []LinkedFinding
	// Searches are the documented searches for the claim's evidence
	// (search.go): with no usable finding, they tell unproven
	// (no_evidence_found) from not_rated (not_yet_searched).
	Searches []EvidenceSearch
	Override *RatingOverride // nil: the rules decide
}

// FindingVerdict is what the rules say about the claim given one linked
// finding.
type FindingVerdict struct {
	FindingID int64
	Stance    Stance
	Certainty Certainty // None while ungraded
	// Used is false for a finding that is context only: ungraded, linked
	// as neutral, or answering another question than the wording asks
	// (another comparator, a benefit for a harm-only assertion). Its
	// verdict is not_rated and it never decides.
	Used        bool
	Verdict     Rating
	Rule        RatingRule
	Explanation string // the rule's words for this finding, without its name
	Stale       bool
	// Basis says what Certainty is about: the GRADE certainty of the
	// evidence, or the occurrence certainty of case evidence; "" with no
	// certainty.
	Basis CertaintyBasis
	// Facts are the numbers and words the verdict rests on.
	Facts VerdictFacts
}

// RatingFlags are the claim flags that a rating implies. They follow the
// rating, so that they never contradict it (DESIGN "Flags").
type RatingFlags struct {
	// Unsupported: no finding the rating rests on yields accurate; exactly
	// when the rating is not accurate.
	Unsupported bool
	// Contradicted: a used finding yields false and the rating is not
	// accurate (always when the rating is false).
	Contradicted bool
	// InaccurateWording: the rating is overstated or false.
	InaccurateWording bool
	// AbsoluteWording: a literal, unhedged absence ("no risk").
	AbsoluteWording bool
}

// ClaimRating is the rating of one claim and everything that explains it.
type ClaimRating struct {
	Rating Rating
	Source RatingSource
	// Rule is the rule that decided: editor_override under an override,
	// else the deciding finding's rule or a claim-level rule.
	Rule RatingRule
	// RuleRating and RuleRule are what the rules say, beside an editor's
	// override; equal to Rating and Rule otherwise.
	RuleRating Rating
	RuleRule   RatingRule
	// Certainty is the deciding finding's certainty; None when the rules
	// rate nothing (not_rated).
	Certainty Certainty
	// Basis says what Certainty is about (evidence, or occurrence for
	// case evidence); "" when Certainty is None.
	Basis CertaintyBasis
	// DecidedBy is the deciding finding's id; 0 when none decided.
	DecidedBy int64
	// Facts are the numbers and words the rules' verdict rests on (the
	// deciding finding's, or the claim-level rule's), for sentences in
	// the reader's language. Under an override they are still the rules'.
	Facts VerdictFacts
	// Verdicts has one entry per linked finding, in input order.
	Verdicts    []FindingVerdict
	Explanation string
	Flags       RatingFlags
	// Stale is true when a used finding's grade is stale or the editor's
	// override is (the claim's stale_grade flag).
	Stale bool
}

// WordingFits reports whether a claim's hedge fits the certainty of the
// evidence (GRADE 26, Santesso 2020): unhedged wording needs high
// certainty, "probably"/"likely" at least moderate, "may"/"can" at least
// low. Nothing fits very low certainty.
func WordingFits(h Hedge, c Certainty) bool {
	switch h {
	case HedgeNone:
		return c == High
	case HedgeLikely:
		return c.Level() >= Moderate.Level()
	case HedgeMay:
		return c.Level() >= Low.Level()
	}
	return false
}

// wordingNeeds says what certainty a hedge needs, for explanations.
func wordingNeeds(h Hedge) string {
	switch h {
	case HedgeNone:
		return "unhedged wording needs high certainty"
	case HedgeLikely:
		return `"probably" needs at least moderate certainty`
	default:
		return `"may" needs at least low certainty`
	}
}

// AbsoluteWording reports whether a claim's wording is a literal absence
// without a hedge ("no risk", "painless", "no side effects"): the
// absolute_wording flag. A bounded absence ("almost painless", "rarely") is
// a frequency claim with claimed_bound at_most, and a comparative absence
// ("no more side effects than tablets") names a comparator; neither is
// absolute.
func AbsoluteWording(w ClaimWording) bool {
	return w.Assertion == AssertAbsence && w.Hedge == HedgeNone && !namesComparator(w)
}

// InaccurateWording reports whether a rating says the wording is wrong:
// overstated or false (the inaccurate_wording flag).
func InaccurateWording(r Rating) bool { return r == RatingOverstated || r == RatingFalse }

// FlagsOf returns the flags a rating implies, given the verdicts of the
// findings and the wording.
func FlagsOf(r Rating, verdicts []FindingVerdict, w ClaimWording) RatingFlags {
	anyFalse := slices.ContainsFunc(verdicts, func(v FindingVerdict) bool { return v.Used && v.Verdict == RatingFalse })
	return RatingFlags{
		Unsupported:       r != RatingAccurate,
		Contradicted:      r == RatingFalse || (r != RatingAccurate && anyFalse),
		InaccurateWording: InaccurateWording(r),
		AbsoluteWording:   AbsoluteWording(w),
	}
}

// namesComparator reports whether the wording compares with something.
func namesComparator(w ClaimWording) bool {
	return w.Comparator == ComparatorInactive || w.Comparator == ComparatorActive
}

// z95 is the 0.975 quantile of the standard normal distribution.
const z95 = 1.959963984540054

// WilsonInterval returns the 95% Wilson score interval of events out of n
// (Wilson 1927; Newcombe 1998, method 3). ok is false when n < 1 or events
// is outside [0, n].
func WilsonInterval(events, n int64) (lo, hi float64, ok bool) {
	if n < 1 || events < 0 || events > n {
		return 0, 0, false
	}
	nf := float64(n)
	p := float64(events) / nf
	z2 := z95 * z95
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z95 / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo, hi = max(0, centre-half), min(1, centre+half)
	if events == 0 {
		lo = 0
	}
	if events == n {
		hi = 1
	}
	return lo, hi, true
}

// ZeroEventUpperBound returns the exact one-sided 95% upper bound of a risk
// when no event occurred in n participants: 1 - 0.05^(1/n), the
// Clopper-Pearson bound, which the rule of three approximates as 3/n
// (Hanley & Lippman-Hand 1983). ok is false when n < 1.
func ZeroEventUpperBound(n int64) (float64, bool) {
	if n < 1 {
		return 0, false
	}
	// -expm1(ln(0.05)/n) = 1 - 0.05^(1/n), without cancellation for large n.
	return -math.Expm1(math.Log(0.05) / float64(n)), true
}

// Bounds returns a frequency band's range [lo, hi): very common [0.1, 1],
// common [0.01, 0.1), uncommon [0.001, 0.01), rare [0.0001, 0.001), very
// rare [0, 0.0001) (CIOMS III/V; EU SmPC guideline section 4.8). hi is the
// claimed_value of a bounded absence in that band.
func (b FrequencyBand) Bounds() (lo, hi float64) {
	switch b {
	case BandVeryCommon:
		return 0.1, 1
	case BandCommon:
		return 0.01, 0.1
	case BandUncommon:
		return 0.001, 0.01
	case BandRare:
		return 0.0001, 0.001
	case BandVeryRare:
		return 0, 0.0001
	}
	return 0, 0
}

// BandTop returns the band whose upper limit is p (1/10, 1/100, 1/1,000,
// 1/10,000: the bounds of "common", "uncommon", "rare" and "very rare"),
// the band a verbal frequency bound names; ok is false for any other value.
func BandTop(p float64) (FrequencyBand, bool) {
	for _, b := range FrequencyBands() {
		if _, hi := b.Bounds(); hi < 1 && math.Abs(p-hi) <= 1e-12 {
			return b, true
		}
	}
	return "", false
}

// BandOf returns the band a proportion falls in.
func BandOf(p float64) FrequencyBand {
	for _, b := range FrequencyBands() {
		if lo, _ := b.Bounds(); p >= lo {
			return b
		}
	}
	return BandVeryRare
}

// verbalFrequencies maps the SmPC frequency terms, in the official
// translations of the EMA's QRD templates (English, German, French,
// Italian), and a few adverbs to their bands.
var verbalFrequencies = map[string]FrequencyBand{
	"very common": BandVeryCommon, "common": BandCommon, "uncommon": BandUncommon, "rare": BandRare, "very rare": BandVeryRare,
	"rarely": BandRare, "very rarely": BandVeryRare,
	"sehr häufig": BandVeryCommon, "häufig": BandCommon, "gelegentlich": BandUncommon, "selten": BandRare, "sehr selten": BandVeryRare,
	"très fréquent": BandVeryCommon, "fréquent": BandCommon, "peu fréquent": BandUncommon, "très rare": BandVeryRare,
	"rarement": BandRare, "très rarement": BandVeryRare,
	"molto comune": BandVeryCommon, "comune": BandCommon, "non comune": BandUncommon, "raro": BandRare, "molto raro": BandVeryRare,
	"raramente": BandRare,
}

// VerbalFrequency returns the band of a verbal frequency word ("rare",
// "sehr selten", "peu fréquent", "molto raro"); case and surrounding space
// do not matter.
func VerbalFrequency(word string) (FrequencyBand, bool) {
	b, ok := verbalFrequencies[strings.ToLower(strings.TrimSpace(word))]
	return b, ok
}

// CheckWording reports every problem with a claim's wording attributes at
// once, as a *RuleError with code invalid_value: values outside their
// vocabularies; a claimed_value anywhere but on a frequency claim (a
// bounded absence such as "rarely" is a frequency claim with claimed_bound
// at_most); a frequency value outside [0, 1]; a value without its
// claimed_bound or a bound without its value. Only effect, absence and
// other claims may name a comparator.
func CheckWording(w ClaimWording) error {
	var p problems
	checkWording(w, &p)
	return p.err()
}

func checkWording(w ClaimWording, p *problems) {
	if w.Assertion.Validate() != nil {
		p.add("assertion", CodeInvalidValue, mustBeOneOf(Strings(Assertions())))
	}
	if w.Hedge.Validate() != nil {
		p.add("hedge", CodeInvalidValue, mustBeOneOf(Strings(Hedges())))
	}
	if w.ClaimType.Validate() != nil {
		p.add("claim_type", CodeInvalidValue, mustBeOneOf(Strings(ClaimTypes())))
	}
	if w.Comparator != "" && w.Comparator.Validate() != nil {
		p.add("comparator_kind", CodeInvalidValue, mustBeOneOf(Strings(ComparatorKinds())))
	}
	if namesComparator(w) && (w.Assertion == AssertFrequency || w.Assertion == AssertOccurrence) {
		p.add("comparator_kind", CodeInvalidValue,
			fmt.Sprintf("a %s claim names no comparator; a comparison is an effect claim", w.Assertion))
	}
	if w.Bound != "" && w.Bound.Validate() != nil {
		p.add("claimed_bound", CodeInvalidValue, mustBeOneOf(Strings(ClaimedBounds())))
	}
	frequency := w.Assertion == AssertFrequency
	if w.Bound != "" && !frequency && w.Assertion.Validate() == nil {
		p.add("claimed_bound", CodeInvalidValue, fmt.Sprintf("an %s claim states no bound; only a frequency claim does", w.Assertion))
	}
	v := w.ClaimedValue
	if v == nil {
		if frequency && w.Bound != "" {
			p.add("claimed_value", CodeInvalidValue, "claimed_bound "+string(w.Bound)+" needs the value it bounds (0.001 for \"rarely\")")
		}
		return
	}
	switch {
	case math.IsNaN(*v) || math.IsInf(*v, 0):
		p.add("claimed_value", CodeInvalidValue, "must be a finite number")
	case w.Assertion == AssertAbsence:
		p.add("claimed_value", CodeInvalidValue,
			"a literal absence (\"no risk\", \"painless\") states no value; a bounded one (\"rarely\", \"almost painless\") "+
				"is a frequency claim: assertion frequency, claimed_bound at_most and the bound as claimed_value (rare: 0.001)")
	case !frequency && w.Assertion.Validate() == nil:
		p.add("claimed_value", CodeInvalidValue, fmt.Sprintf("an %s claim states no value", w.Assertion))
	case frequency && (*v < 0 || *v > 1):
		p.add("claimed_value", CodeInvalidValue, "a frequency is a proportion from 0 to 1 (0.75 for 75%)")
	case frequency && w.Bound == "":
		p.add("claimed_bound", CodeInvalidValue,
			"a frequency's value needs its bound: point (\"in 75% of cases\"), at_most (\"rarely\": 0.001) or at_least (\"in most cases\": 0.5)")
	}
}

// checkFinding reports values outside their vocabularies in a linked
// finding.
func checkFinding(i int, f LinkedFinding, p *problems) {
	field := func(name string) string { return fmt.Sprintf("findings[%d].%s", i, name) }
	if f.Stance.Validate() != nil {
		p.add(field("stance"), CodeInvalidValue, mustBeOneOf(Strings(Stances())))
	}
	if f.Certainty != nil && f.Certainty.Validate() != nil {
		p.add(field("certainty"), CodeInvalidValue, mustBeOneOf(Strings(Certainties())))
	}
	if f.Question.ComparatorKind.Validate() != nil {
		p.add(field("question.comparator_kind"), CodeInvalidValue, mustBeOneOf(Strings(ComparatorKinds())))
	}
	if f.Question.OutcomeKind.Validate() != nil {
		p.add(field("question.outcome_kind"), CodeInvalidValue, mustBeOneOf(Strings(OutcomeKinds())))
	}
	if f.Question.Direction.Validate() != nil {
		p.add(field("question.direction"), CodeInvalidValue, mustBeOneOf(Strings(Directions())))
	}
	if f.OccurrenceCertainty != nil && f.OccurrenceCertainty.Validate() != nil {
		p.add(field("occurrence_certainty"), CodeInvalidValue, mustBeOneOf(Strings(Certainties())))
	}
	if f.GradeAttribution != "" && f.GradeAttribution.Validate() != nil {
		p.add(field("grade_attribution"), CodeInvalidValue, mustBeOneOf(Strings(Attributions())))
	}
	if f.Effect.Measure != "" && f.Effect.Measure.Validate() != nil {
		p.add(field("measure"), CodeInvalidValue, mustBeOneOf(Strings(EffectMeasures())))
	}
	if f.Attribution != "" && f.Attribution.Validate() != nil {
		p.add(field("attribution"), CodeInvalidValue, mustBeOneOf(Strings(Attributions())))
	}
}

// RateClaim rates a claim's wording against its linked findings (DESIGN
// "Claim ratings"). Order:
//
//  1. an editor's override stands (editor_override); the rules still run,
//     for RuleRating and the explanation;
//  2. when no graded finding is linked with a stance other than neutral:
//     unproven if at least one evidence search is documented for the claim
//     (no_evidence_found, naming the databases and dates), else not_rated
//     (not_yet_searched);
//  3. not_rated for assertion other (assertion_other);
//  4. the assertion's rule, applied to each usable finding (rateEffect,
//     rateOccurrence, rateAbsence, rateBound, rateFrequency); a refuting or
//     mixed link never yields accurate (stance_caps_accurate);
//  5. the claim takes the verdict of the finding with the highest
//     certainty; among ties the most critical (false > overstated >
//     unproven > accurate > not_rated); not_rated when every usable finding
//     is context (no_matching_finding).
//
// It refuses values outside their vocabularies, a claimed_value its
// assertion does not allow and an override without a rationale, with a
// *RuleError (invalid_value, reason_required).
func RateClaim(in ClaimRatingInput) (ClaimRating, error) {
	var p problems
	checkWording(in.Wording, &p)
	for i, f := range in.Findings {
		checkFinding(i, f, &p)
	}
	for i, s := range in.Searches {
		checkSearch(i, s, &p)
	}
	if o := in.Override; o != nil {
		if o.Rating.Validate() != nil {
			p.add("override.rating", CodeInvalidValue, mustBeOneOf(Strings(Ratings())))
		}
		if strings.TrimSpace(o.Rationale) == "" {
			p.add("override.rationale", CodeReasonRequired, "an editor's rating states its rationale")
		}
	}
	if err := p.err(); err != nil {
		return ClaimRating{}, err
	}

	r := rateByRules(in.Wording, in.Findings, in.Searches)
	r.RuleRating, r.RuleRule = r.Rating, r.Rule
	r.Source = SourceRule
	if o := in.Override; o != nil {
		ruleSays := r.Explanation
		r.Rating, r.Rule, r.Source = o.Rating, RuleEditorOverride, SourceEditor
		r.Explanation = fmt.Sprintf("%s by an editor (%s): %s. The rules say: %s",
			o.Rating, RuleEditorOverride, strings.TrimSpace(o.Rationale), ruleSays)
		if o.Stale {
			r.Stale = true
			r.Explanation += " The override is stale: the evidence changed after it was set."
		}
	}
	r.Flags = FlagsOf(r.Rating, r.Verdicts, in.Wording)
	return r, nil
}

// criticality orders verdicts for ties: false > overstated > unproven >
// accurate > not_rated.
func criticality(r Rating) int {
	switch r {
	case RatingFalse:
		return 4
	case RatingOverstated:
		return 3
	case RatingUnproven:
		return 2
	case RatingAccurate:
		return 1
	}
	return 0
}

// findingCertainty is what a linked finding's grade says and what it is
// about: the occurrence certainty of case evidence, else the GRADE
// certainty; None while ungraded or withdrawn.
func findingCertainty(f LinkedFinding) (Certainty, CertaintyBasis) {
	if f.Withdrawn {
		return None, ""
	}
	if f.CaseEvidence {
		return Deref(f.OccurrenceCertainty), BasisOccurrence
	}
	return Deref(f.Certainty), BasisEvidence
}

// rateByRules applies steps 2 to 5 of RateClaim to valid input.
func rateByRules(w ClaimWording, findings []LinkedFinding, searches []EvidenceSearch) ClaimRating {
	r := ClaimRating{Verdicts: make([]FindingVerdict, len(findings)), Facts: VerdictFacts{Format: VerdictFactsFormat}}
	usable := 0
	var withdrawn []int64
	for i, f := range findings {
		c, basis := findingCertainty(f)
		v := FindingVerdict{FindingID: f.FindingID, Stance: f.Stance, Certainty: c, Stale: f.Stale, Verdict: RatingNotRated}
		if c != None {
			v.Basis = basis
		}
		switch {
		case f.Withdrawn:
			// A retracted publication is no evidence, and a grade whose
			// level-setting sources are all retracted rests on nothing
			// (DESIGN "Retraction withdraws"; GRADE handbook 5.2.1).
			v.Rule, v.Explanation = RuleContextWithdrawn, "its grade was withdrawn because every source that set its level is retracted: not used"
			if f.Stance != Neutral {
				withdrawn = append(withdrawn, f.FindingID)
			}
		case c == None:
			v.Rule, v.Explanation = RuleContextUngraded, "not graded yet: context only"
		case f.Stance == Neutral:
			v.Rule, v.Explanation = RuleContextNeutral, "linked as neutral: context only"
		default:
			usable++
			v.Used = true
		}
		r.Verdicts[i] = v
	}
	if usable == 0 {
		// Step 2: nothing graded to rate against. A documented search that
		// found nothing includable is a finding of its own for a
		// fact-checker ("unproven: no evidence"); a claim nobody looked into
		// is not rated (DESIGN "Claim ratings", "Evidence searches"). A
		// withdrawn grade is no graded finding: the explanation says the
		// evidence was retracted.
		r.Facts.Withdrawn = withdrawn
		r.Facts.Searches = searchFacts(searches)
		if len(searches) > 0 {
			r.Rating, r.Rule = RatingUnproven, RuleNoEvidenceFound
			r.Explanation = fmt.Sprintf("unproven (%s): no graded finding is linked with a stance other than neutral, though the evidence was searched: %s; %s.",
				RuleNoEvidenceFound, searchesPhrase(searches), searchesOutcome(searches)) + retractedNote(withdrawn) + others(findings, r.Verdicts, -1)
			return r
		}
		r.Rating, r.Rule = RatingNotRated, RuleNotYetSearched
		r.Explanation = fmt.Sprintf("not_rated (%s): no graded finding is linked with a stance other than neutral, and no evidence search is recorded for the claim.", RuleNotYetSearched) +
			retractedNote(withdrawn) + others(findings, r.Verdicts, -1)
		return r
	}
	claimLevel := func(rule RatingRule, why, explanation string) ClaimRating {
		for i := range r.Verdicts {
			if r.Verdicts[i].Used {
				r.Verdicts[i].Rule, r.Verdicts[i].Explanation = rule, why
			}
		}
		r.Rating, r.Rule = RatingNotRated, rule
		r.Facts.Hedge = w.Hedge
		r.Explanation = fmt.Sprintf("not_rated (%s): %s", rule, explanation) + others(findings, r.Verdicts, -1)
		return r
	}
	switch {
	case w.Assertion == AssertOther:
		return claimLevel(RuleAssertionOther, "the wording asserts nothing the rules check",
			"the wording asserts no effect, frequency, absence or occurrence that the rules can check against the findings; an editor may rate it.")
	case w.Assertion == AssertFrequency && w.ClaimedValue == nil:
		// A frequency is judged against the number it states; the editor
		// records the number or bound the wording implies (DESIGN
		// "frequency").
		return claimLevel(RuleNoClaimedValue, "the claim states no value to compare with the finding",
			"the claim is a frequency but no claimed_value is recorded: an editor states the value or bound the wording implies (\"rarely\": at_most 0.001).")
	}

	for i, f := range findings {
		v := &r.Verdicts[i]
		if !v.Used {
			continue
		}
		c := v.Certainty
		var o outcome
		switch {
		case f.CaseEvidence && (w.Assertion == AssertEffect || w.Assertion == AssertFrequency || namesComparator(w)):
			o = contextCase(w)
		case w.Assertion == AssertEffect:
			o = rateEffect(w, f, c)
		case w.Assertion == AssertAbsence && namesComparator(w):
			o = rateNoMoreHarm(w, f, c)
		case w.Assertion == AssertAbsence:
			o = rateAbsence(f)
		case w.Assertion == AssertOccurrence:
			o = rateOccurrence(f)
		case w.Assertion == AssertFrequency:
			o = rateFrequency(w, f, c)
		}
		if o.verdict == RatingAccurate && (f.Stance == Refutes || f.Stance == MixedStance) {
			o = outcome{verdict: RatingUnproven, rule: RuleStanceCapsAccurate, facts: o.facts,
				why: fmt.Sprintf("%s (%s), but the link is marked %s, and a %s link never makes a claim accurate", o.why, o.rule, f.Stance, f.Stance)}
		}
		v.Verdict, v.Rule, v.Explanation = o.verdict, o.rule, o.why
		v.Facts = factsOf(w, f, c, v.Basis)
		v.Facts.Low, v.Facts.High, v.Facts.Interval, v.Facts.UpperBound = o.facts.Low, o.facts.High, o.facts.Interval, o.facts.UpperBound
		if o.context {
			v.Used = false
		}
	}

	// Step 5: the highest certainty decides; ties go to the most critical.
	best := -1
	for i, v := range r.Verdicts {
		if !v.Used {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := r.Verdicts[best]
		if v.Certainty.Level() > b.Certainty.Level() ||
			(v.Certainty.Level() == b.Certainty.Level() && criticality(v.Verdict) > criticality(b.Verdict)) {
			best = i
		}
	}
	for _, v := range r.Verdicts {
		if v.Used && v.Stale {
			r.Stale = true
		}
	}
	if best < 0 {
		r.Facts.Hedge = w.Hedge
		r.Facts.Withdrawn = withdrawn
		// Every graded finding answers another question: the claim has no
		// usable finding, and a documented search that found nothing that
		// answers it makes it unproven like one that found nothing at all
		// (DESIGN "Evidence searches": "a claim with no usable finding and
		// at least one search is unproven").
		if len(searches) > 0 {
			r.Facts.Searches = searchFacts(searches)
			r.Rating, r.Rule = RatingUnproven, RuleNoEvidenceFound
			r.Explanation = fmt.Sprintf("unproven (%s): no graded finding answers the question the wording asks, though the evidence was searched: %s; %s.",
				RuleNoEvidenceFound, searchesPhrase(searches), searchesOutcome(searches)) + retractedNote(withdrawn) + others(findings, r.Verdicts, -1)
			return r
		}
		r.Rating, r.Rule = RatingNotRated, RuleNoMatchingFinding
		r.Explanation = fmt.Sprintf("not_rated (%s): no graded finding answers the question the wording asks.", RuleNoMatchingFinding) +
			retractedNote(withdrawn) + others(findings, r.Verdicts, -1)
		return r
	}
	d := r.Verdicts[best]
	r.Rating, r.Rule, r.DecidedBy = d.Verdict, d.Rule, d.FindingID
	r.Facts = d.Facts
	r.Facts.Withdrawn = withdrawn
	if d.Verdict != RatingNotRated {
		r.Certainty, r.Basis = d.Certainty, d.Basis
	} else {
		r.Facts.Certainty, r.Facts.Basis = None, ""
	}
	stale := ""
	if d.Stale {
		stale = ", stale grade"
	}
	certainty := d.Certainty.label() + " certainty"
	if d.Basis == BasisOccurrence {
		certainty = "occurrence certainty " + d.Certainty.label()
	}
	r.Explanation = fmt.Sprintf("%s (%s) on %s (%s%s): %s.", d.Verdict, d.Rule, findingName(findings[best]),
		certainty, stale, d.Explanation) + retractedNote(withdrawn) + others(findings, r.Verdicts, best)
	return r
}

// retractedNote says which findings' grades were withdrawn, for an
// explanation: "" when none.
func retractedNote(withdrawn []int64) string {
	switch len(withdrawn) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" The evidence it rested on was retracted: the grade of finding %d was withdrawn.", withdrawn[0])
	}
	return fmt.Sprintf(" The evidence it rested on was retracted: the grades of findings %s were withdrawn.", joinIDs(withdrawn))
}

// others lists every finding's verdict but the deciding one's.
func others(findings []LinkedFinding, verdicts []FindingVerdict, skip int) string {
	var parts []string
	for i, v := range verdicts {
		if i == skip {
			continue
		}
		c := ""
		switch {
		case v.Certainty != None && v.Basis == BasisOccurrence:
			c = ", occurrence certainty " + v.Certainty.label()
		case v.Certainty != None:
			c = ", " + v.Certainty.label()
		}
		verdict := string(v.Verdict)
		if !v.Used {
			verdict = "context"
		}
		parts = append(parts, fmt.Sprintf("%s (%s%s): %s (%s): %s", findingName(findings[i]), v.Stance, c, verdict, v.Rule, v.Explanation))
	}
	if len(parts) == 0 {
		return ""
	}
	label := " Other findings: "
	if skip < 0 {
		label = " Findings: "
	}
	return label + strings.Join(parts, "; ") + "."
}

// findingName names a finding in an explanation: finding 12 "pain at 24 h".
func findingName(f LinkedFinding) string {
	if f.Label == "" {
		return fmt.Sprintf("finding %d", f.FindingID)
	}
	return fmt.Sprintf("finding %d %q", f.FindingID, f.Label)
}

// outcome is one rule's verdict on one finding.
type outcome struct {
	verdict Rating
	rule    RatingRule
	why     string
	context bool // the finding answers another question: not used
	// facts holds what the rule compared beyond the finding's own numbers
	// (the interval of a rate); rateByRules adds the rest.
	facts VerdictFacts
}

// orientedEffect is a finding's effect on the scale where 0 is no effect
// and positive favours the therapy: ratios on the log scale, the sign
// turned where lower is better (DESIGN "effect").
type orientedEffect struct {
	e, t   float64 // estimate and threshold (t > 0); t is 0 when no threshold is given
	lo, hi float64 // 95% CI, lo <= hi; valid only when hasCI
	hasCI  bool
	desc   string // the effect in the finding's own terms
	scale  string // e and T in words
}

// orient returns x, an estimate as its source reports it (intervention
// minus, or over, comparator), on the oriented scale: ratios on the log
// scale, and the sign turned when lower is better, so that a positive value
// favours the intervention.
func orient(m EffectMeasure, d Direction, x float64) (float64, bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	if m.IsRatio() {
		if x <= 0 {
			return 0, false
		}
		x = math.Log(x)
	}
	if d == LowerIsBetter {
		x = -x
	}
	return x, true
}

// contrast orients a comparative finding's effect. It returns a not_rated
// outcome (effect_no_estimate, effect_invalid, no_threshold) when the
// effect cannot be used.
func contrast(f LinkedFinding) (orientedEffect, *outcome) {
	e := f.Effect
	m, d := e.Measure, f.Question.Direction
	if !(m.IsRatio() || m.IsDifference()) || e.Estimate == nil {
		what := "no effect estimate"
		if m != "" && e.Estimate != nil {
			what = "a " + measureName(m) + ", not a ratio or difference between the arms"
		}
		return orientedEffect{}, &outcome{verdict: RatingNotRated, rule: RuleEffectNoEstimate,
			why: fmt.Sprintf("the finding records %s, which an effect claim cannot be checked against", what)}
	}
	var o orientedEffect
	var ok bool
	o.desc = describeEffect(e, d)
	if o.e, ok = orient(m, d, *e.Estimate); !ok {
		return o, &outcome{verdict: RatingNotRated, rule: RuleEffectInvalid,
			why: fmt.Sprintf("the %s estimate %s cannot be used", measureName(m), num(*e.Estimate))}
	}
	if e.CILow != nil && e.CIHigh != nil {
		a, okA := orient(m, d, *e.CILow)
		b, okB := orient(m, d, *e.CIHigh)
		if !okA || !okB || *e.CILow > *e.Estimate || *e.Estimate > *e.CIHigh {
			return o, &outcome{verdict: RatingNotRated, rule: RuleEffectInvalid,
				why: fmt.Sprintf("%s: the 95%% CI does not contain the estimate", o.desc)}
		}
		o.lo, o.hi, o.hasCI = min(a, b), max(a, b), true
	}
	if e.Threshold == nil {
		return o, &outcome{verdict: RatingNotRated, rule: RuleNoThreshold,
			why: fmt.Sprintf("%s, but the finding has no threshold (the smallest effect that matters, GRADE 34) to judge it against", o.desc)}
	}
	// The threshold is a magnitude (a difference above 0, or a ratio above
	// 1 whose inverse applies to a decrease): its distance from no effect.
	t, ok := orient(m, HigherIsBetter, *e.Threshold)
	o.t = math.Abs(t)
	if !ok || o.t == 0 {
		return o, &outcome{verdict: RatingNotRated, rule: RuleEffectInvalid,
			why: fmt.Sprintf("the threshold %s is no effect at all on the %s scale", num(*e.Threshold), measureName(m))}
	}
	if m.IsRatio() {
		o.scale = fmt.Sprintf("threshold %s; oriented so that positive favours the therapy, on the log scale e = %s, T = %s",
			num(*e.Threshold), num(o.e), num(o.t))
	} else {
		o.scale = fmt.Sprintf("threshold %s; oriented so that positive favours the therapy, e = %s, T = %s", num(*e.Threshold), num(o.e), num(o.t))
	}
	return o, nil
}

// atLeast compares two oriented values with a relative tolerance, so that
// an estimate equal to its threshold counts as reaching it whichever way
// the ratio was written (0.8 and 1.25 are the same distance on the log
// scale).
func atLeast(a, b float64) bool { return a >= b-1e-9*max(1, math.Abs(b)) }

// comparatorMatches reports whether a finding answers the comparison the
// wording makes: a claim with no named comparator ("works") reads findings
// against nothing or an inactive comparator; a named comparator reads only
// findings against that kind (DESIGN "effect").
func comparatorMatches(w ClaimWording, f LinkedFinding) bool {
	fk := f.Question.ComparatorKind
	if !namesComparator(w) {
		return fk == ComparatorNone || fk == ComparatorInactive
	}
	return fk == w.Comparator
}

// contextComparator is the outcome for a finding against another
// comparator.
func contextComparator(w ClaimWording, f LinkedFinding) outcome {
	wants := "names none, so it reads findings against nothing or an inactive comparator"
	if namesComparator(w) {
		wants = "names an " + string(w.Comparator) + " one"
	}
	return outcome{verdict: RatingNotRated, rule: RuleContextComparator, context: true,
		why: fmt.Sprintf("the finding's comparator is %s and the wording %s: context only", f.Question.ComparatorKind, wants)}
}

// contextCase is the outcome for case evidence under a claim about an
// effect, a comparison or a frequency: case reports and series show that a
// harm can occur, never how often or how much (DESIGN "Case evidence").
func contextCase(w ClaimWording) outcome {
	what := "an effect"
	switch {
	case w.Assertion == AssertFrequency:
		what = "how often it happens"
	case namesComparator(w):
		what = "a comparison"
	}
	return outcome{verdict: RatingNotRated, rule: RuleContextCase, context: true,
		why: "case evidence shows only that a harm can occur, not " + what + ": context only"}
}

// veryLow is the outcome for very low certainty evidence.
func veryLow() outcome {
	return outcome{verdict: RatingUnproven, rule: RuleVeryLow,
		why: "very low certainty: the true effect may be substantially different (GRADE 26: \"very uncertain\")"}
}

// rateEffect is the effect rule (DESIGN "effect"): e, the estimate oriented
// so that positive favours the therapy, against T, the threshold on the
// same scale.
func rateEffect(w ClaimWording, f LinkedFinding, c Certainty) outcome {
	if !comparatorMatches(w, f) {
		return contextComparator(w, f)
	}
	if f.Question.ComparatorKind == ComparatorNone {
		return outcome{verdict: RatingUnproven, rule: RuleEffectUncontrolled,
			why: "the finding has no comparator: a change without a control arm includes natural course, regression to the mean and placebo response, so it cannot show an effect"}
	}
	// DESIGN "effect": no threshold → not rated; then very low → unproven,
	// whatever the estimate (or its absence): at very low certainty the
	// evidence is "very uncertain" about any effect (GRADE 26).
	if f.Effect.Threshold != nil && c == VeryLow {
		return veryLow()
	}
	o, stop := contrast(f)
	if stop != nil {
		return *stop
	}
	if c == VeryLow {
		return veryLow()
	}
	ci := ""
	if o.hasCI && o.lo > 0 {
		ci = ", CI excluding no effect"
	}
	switch {
	case atLeast(o.e, o.t):
		if WordingFits(w.Hedge, c) {
			return outcome{verdict: RatingAccurate, rule: RuleEffectImportant,
				why: fmt.Sprintf("%s favours the therapy by at least the threshold (%s), and %s certainty supports %s wording (GRADE 26)",
					o.desc, o.scale, c.label(), hedgeWord(w.Hedge))}
		}
		return outcome{verdict: RatingOverstated, rule: RuleEffectWording,
			why: fmt.Sprintf("%s favours the therapy by at least the threshold (%s), but the certainty is %s and %s (GRADE 26)",
				o.desc, o.scale, c.label(), wordingNeeds(w.Hedge))}
	case o.e > 0 && o.hasCI && o.lo > 0:
		return outcome{verdict: RatingOverstated, rule: RuleEffectBelowThresh,
			why: fmt.Sprintf("%s: a real effect%s, but smaller than the smallest important difference (%s)", o.desc, ci, o.scale)}
	case c.Level() >= Moderate.Level():
		return outcome{verdict: RatingFalse, rule: RuleEffectNotShown,
			why: fmt.Sprintf("%s: at %s certainty the effect is not an important one in the therapy's favour (%s)", o.desc, c.label(), o.scale)}
	default:
		return outcome{verdict: RatingUnproven, rule: RuleEffectNotShownLow,
			why: fmt.Sprintf("%s: no important effect in the therapy's favour shown, at low certainty (%s)", o.desc, o.scale)}
	}
}

// rateNoMoreHarm is the rule for a comparative absence ("no more side
// effects than tablets"), an effect claim on the harm outcome (DESIGN
// "absence"): it claims that the therapy's excess harm over the comparator
// is smaller than T, a non-inferiority reading of the effect rule.
func rateNoMoreHarm(w ClaimWording, f LinkedFinding, c Certainty) outcome {
	if f.Question.OutcomeKind != OutcomeHarm {
		return contextOutcome()
	}
	if f.Question.ComparatorKind != w.Comparator {
		return contextComparator(w, f)
	}
	if f.Effect.Threshold != nil && c == VeryLow {
		return veryLow()
	}
	o, stop := contrast(f)
	if stop != nil {
		return *stop
	}
	if c == VeryLow {
		return veryLow()
	}
	switch {
	case atLeast(-o.t, o.e): // e <= -T: an excess at least as large as the threshold
		if c.Level() >= Moderate.Level() {
			return outcome{verdict: RatingFalse, rule: RuleNoMoreHarmExcess,
				why: fmt.Sprintf("%s: an excess harm at least as large as the threshold, at %s certainty (%s)", o.desc, c.label(), o.scale)}
		}
		return outcome{verdict: RatingUnproven, rule: RuleNoMoreHarmUnclear,
			why: fmt.Sprintf("%s points to an important excess harm, at low certainty (%s)", o.desc, o.scale)}
	case o.hasCI && o.lo > -o.t && o.hi < 0:
		return outcome{verdict: RatingOverstated, rule: RuleNoMoreHarmSmall,
			why: fmt.Sprintf("%s: a real excess harm (the CI excludes no difference), smaller than the threshold (%s)", o.desc, o.scale)}
	case o.hasCI && o.lo > -o.t:
		if WordingFits(w.Hedge, c) {
			return outcome{verdict: RatingAccurate, rule: RuleNoMoreHarmShown,
				why: fmt.Sprintf("%s: the CI excludes an excess harm as large as the threshold (%s), and %s certainty supports %s wording (GRADE 26)",
					o.desc, o.scale, c.label(), hedgeWord(w.Hedge))}
		}
		return outcome{verdict: RatingOverstated, rule: RuleNoMoreHarmWording,
			why: fmt.Sprintf("%s: the CI excludes an important excess harm (%s), but the certainty is %s and %s (GRADE 26)",
				o.desc, o.scale, c.label(), wordingNeeds(w.Hedge))}
	default:
		return outcome{verdict: RatingUnproven, rule: RuleNoMoreHarmUnclear,
			why: fmt.Sprintf("%s: an excess harm as large as the threshold is not excluded (%s)", o.desc, o.scale)}
	}
}

// contextOutcome is the outcome for a benefit finding under a harm-only
// assertion.
func contextOutcome() outcome {
	return outcome{verdict: RatingNotRated, rule: RuleContextOutcome, context: true,
		why: "a benefit finding, and occurrence and absence claims are read against harms only (\"can relieve\" is a hedged effect claim): context only"}
}

// attributable reports whether a harm finding shows an event caused by the
// therapy: a comparative excess whose CI excludes no difference; case
// evidence whose grade agreed attribution certain or probable; or events of
// a rate finding with WHO-UMC attribution certain or probable. It describes
// the evidence either way.
func attributable(f LinkedFinding) (bool, string) {
	if f.CaseEvidence {
		a := f.GradeAttribution
		if a == "" {
			a = AttributionUnassessed
		}
		if a == AttributionCertain || a == AttributionProbable {
			return true, fmt.Sprintf("case evidence documents the harm, and the reviewers agreed that its attribution to the therapy is %s (WHO-UMC)", a)
		}
		return false, fmt.Sprintf("case evidence documents events, but the reviewers judged their attribution to the therapy only %s (WHO-UMC), so none is shown to be caused by it", a)
	}
	e := f.Effect
	if f.Question.ComparatorKind != ComparatorNone && (e.Measure.IsRatio() || e.Measure.IsDifference()) && e.Estimate != nil {
		d := f.Question.Direction
		desc := describeEffect(e, d)
		if e.CILow != nil && e.CIHigh != nil {
			a, okA := orient(e.Measure, d, *e.CILow)
			b, okB := orient(e.Measure, d, *e.CIHigh)
			if okA && okB && max(a, b) < 0 {
				return true, desc + ": an excess risk whose CI excludes no difference"
			}
			return false, desc + ": no excess risk shown (the CI includes no difference or favours the therapy)"
		}
		return false, desc + ": no CI, so no excess risk shown"
	}
	events := ""
	if e.Events != nil && e.Participants != nil {
		events = fmt.Sprintf("%s in %s", plural(*e.Events, "event"), plural(*e.Participants, "participant"))
	} else if e.Events != nil {
		events = plural(*e.Events, "event")
	}
	if e.Events != nil && *e.Events == 0 {
		return false, "no events"
	}
	a := f.Attribution
	if a == "" {
		a = AttributionUnassessed
	}
	if a == AttributionCertain || a == AttributionProbable {
		if events == "" {
			events = "events"
		}
		return true, fmt.Sprintf("%s, attribution %s (WHO-UMC)", events, a)
	}
	if events == "" {
		return false, fmt.Sprintf("no attributable event reported (attribution %s)", a)
	}
	if a == AttributionUnassessed {
		return false, events + ", but their attribution was not assessed (WHO-UMC), so none is shown to be caused by the therapy"
	}
	return false, fmt.Sprintf("%s, but attribution is only %s (WHO-UMC), so none is shown to be caused by the therapy", events, a)
}

// zeroEvents describes 0 events in n with the exact upper bound; ok is
// false unless the finding reports 0 events in at least one participant.
func zeroEvents(e EffectEstimate) (string, float64, bool) {
	if e.Events == nil || *e.Events != 0 || e.Participants == nil {
		return "", 0, false
	}
	ub, ok := ZeroEventUpperBound(*e.Participants)
	if !ok {
		return "", 0, false
	}
	return fmt.Sprintf("no events in %s: the risk may still be up to %s (exact 95%% upper bound 1 − 0.05^(1/n), about 3/n)",
		plural(*e.Participants, "participant"), pct(ub)), ub, true
}

// rateOccurrence is the occurrence rule (DESIGN "occurrence"): a harm
// claim ("can cause abscesses") is accurate when the finding reports an
// attributable event; the claim states no frequency and the rating shows
// none. Its certainty is the occurrence certainty of case evidence, or the
// finding's GRADE certainty (rateByRules). It reads harms only.
func rateOccurrence(f LinkedFinding) outcome {
	if f.Question.OutcomeKind != OutcomeHarm {
		return contextOutcome()
	}
	if ok, why := attributable(f); ok {
		return outcome{verdict: RatingAccurate, rule: RuleOccurrenceAttributable,
			why: why + ": the harm can occur (how often is unknown: the claim states no frequency and the rating rates none)"}
	}
	if why, ub, ok := zeroEvents(f.Effect); ok {
		return outcome{verdict: RatingUnproven, rule: RuleOccurrenceNotAttrib, why: why + "; no event to attribute",
			facts: VerdictFacts{UpperBound: &ub}}
	}
	_, why := attributable(f)
	return outcome{verdict: RatingUnproven, rule: RuleOccurrenceNotAttrib, why: why}
}

// rateAbsence is the rule for a literal absence ("no risk", "painless", "no
// side effects", hedged or not): never accurate; false when an attributable
// event was observed; with 0 events in n unproven, the explanation giving
// the exact upper bound (DESIGN "absence").
func rateAbsence(f LinkedFinding) outcome {
	if f.Question.OutcomeKind != OutcomeHarm {
		return contextOutcome()
	}
	if ok, why := attributable(f); ok {
		return outcome{verdict: RatingFalse, rule: RuleAbsenceAttributable, why: why + ": the harm the claim rules out was observed and attributed"}
	}
	if why, ub, ok := zeroEvents(f.Effect); ok {
		return outcome{verdict: RatingUnproven, rule: RuleAbsenceZeroEvents, why: why + "; an absence claim cannot be shown accurate",
			facts: VerdictFacts{UpperBound: &ub}}
	}
	_, why := attributable(f)
	return outcome{verdict: RatingUnproven, rule: RuleAbsenceNotShown, why: why + "; an absence claim cannot be shown accurate"}
}

// rateInterval is the 95% interval a claimed frequency is compared with:
// the finding's CI of a proportion; without one, the Wilson interval of
// events/participants, or with 0 events [0, the exact one-sided upper
// bound]. ok is false when the finding has no such interval (an incidence
// is per person-time, not a proportion of patients).
func rateInterval(e EffectEstimate) (lo, hi float64, kind IntervalKind, desc string, ok bool) {
	switch {
	case e.Measure != MeasureProportion:
		return 0, 0, "", "", false
	case e.CILow != nil && e.CIHigh != nil && *e.CILow <= *e.CIHigh && !math.IsNaN(*e.CILow) && !math.IsNaN(*e.CIHigh):
		est := ""
		if e.Estimate != nil {
			est = pct(*e.Estimate) + " "
		}
		return *e.CILow, *e.CIHigh, IntervalCI, fmt.Sprintf("%s %s[95%% CI %s to %s]", measureName(e.Measure), est, pct(*e.CILow), pct(*e.CIHigh)), true
	case e.Events != nil && e.Participants != nil:
		ev, n := *e.Events, *e.Participants
		if ev == 0 {
			if ub, ok := ZeroEventUpperBound(n); ok {
				return 0, ub, IntervalExactZero, fmt.Sprintf("0 of %s [0%% to %s, exact one-sided 95%% bound]", count(n), pct(ub)), true
			}
			return 0, 0, "", "", false
		}
		lo, hi, ok := WilsonInterval(ev, n)
		if !ok {
			return 0, 0, "", "", false
		}
		return lo, hi, IntervalWilson, fmt.Sprintf("%s of %s, %s [Wilson 95%% CI %s to %s]", count(ev), count(n),
			pct(float64(ev)/float64(n)), pct(lo), pct(hi)), true
	}
	return 0, 0, "", "", false
}

// rateFrequency is the frequency rule (DESIGN "frequency"): the claimed
// value against the 95% interval [L, U] of a rate finding, a proportion of
// a question without comparator (an arm's rate inside a comparative
// question is not how often something happens with the therapy: context).
// The side that flatters the therapy is the better side of the outcome's
// direction: higher for a rate of relief, lower for a rate of harm.
//
//   - point v: inside → accurate; outside on the flattering side →
//     overstated; on the other side → false;
//   - at_most b: U ≤ b → accurate; L > b → overstated when lower is better
//     (a harm more frequent than the wording says), else false; otherwise
//     unproven (the interval straddles the bound);
//   - at_least b: L ≥ b → accurate; U < b → overstated when higher is
//     better (less relief than the wording says), else false; otherwise
//     unproven.
//
// Very low certainty is unproven; a benefit rate without a comparator is
// overstated whatever the numbers: improvement also happens without
// treatment.
func rateFrequency(w ClaimWording, f LinkedFinding, c Certainty) outcome {
	if f.Question.ComparatorKind != ComparatorNone || (f.Effect.Measure != "" && f.Effect.Measure != MeasureProportion && f.Effect.Measure != MeasureIncidence) {
		what := "a " + measureName(f.Effect.Measure)
		if f.Effect.Measure == "" {
			what = "a finding"
		}
		return outcome{verdict: RatingNotRated, rule: RuleContextNotRate, context: true,
			why: fmt.Sprintf("%s of a question with comparator %s is not how often something happens with the therapy: context only", what, f.Question.ComparatorKind)}
	}
	v := *w.ClaimedValue
	lo, hi, kind, desc, ok := rateInterval(f.Effect)
	if !ok {
		return outcome{verdict: RatingNotRated, rule: RuleFrequencyNoRate,
			why: "the finding records no proportion with an interval (or events and participants) to compare the claimed frequency with"}
	}
	facts := VerdictFacts{Low: &lo, High: &hi, Interval: kind}
	if c == VeryLow {
		o := veryLow()
		o.facts = facts
		return o
	}
	at := func(r Rating, rule RatingRule, why string) outcome {
		return outcome{verdict: r, rule: rule, why: why, facts: facts}
	}
	if f.Question.OutcomeKind == OutcomeBenefit {
		return at(RatingOverstated, RuleFrequencyUncontrolled,
			fmt.Sprintf("claimed %s against %s without a comparator: improvement also happens without treatment, so the rate is not what the therapy achieves", pct(v), desc))
	}
	higherFlatters := f.Question.Direction == HigherIsBetter
	switch w.Bound {
	case BoundAtMost, BoundAtLeast:
		claim := fmt.Sprintf("the claim implies at most %s", pct(v))
		if b, ok := BandTop(v); ok && w.Bound == BoundAtMost {
			// A verbal bound ("rarely") is the top of its band.
			claim += " (" + bandName(b) + ")"
		}
		within, beyond := hi <= v, lo > v
		if w.Bound == BoundAtLeast {
			claim = fmt.Sprintf("the claim implies at least %s", pct(v))
			within, beyond = lo >= v, hi < v
		}
		// Beyond an upper bound flatters when lower is better; beyond a
		// lower bound when higher is better.
		flatters := (w.Bound == BoundAtMost) != higherFlatters
		switch {
		case within:
			return at(RatingAccurate, RuleBoundWithin, fmt.Sprintf("%s; %s lies wholly within it", claim, desc))
		case beyond && flatters:
			return at(RatingOverstated, RuleBoundExceeded, fmt.Sprintf("%s; %s lies wholly beyond it, on the side that flatters the therapy", claim, desc))
		case beyond:
			return at(RatingFalse, RuleBoundContradicted, fmt.Sprintf("%s; %s lies wholly beyond it, on the side that does not flatter the therapy: the evidence contradicts the wording", claim, desc))
		default:
			return at(RatingUnproven, RuleBoundStraddles, fmt.Sprintf("%s; %s reaches across it, so the bound is neither shown nor refuted", claim, desc))
		}
	}
	claim := "claimed " + pct(v)
	switch {
	case v >= lo && v <= hi:
		return at(RatingAccurate, RuleFrequencyInside, fmt.Sprintf("%s lies inside %s", claim, desc))
	case (higherFlatters && v > hi) || (!higherFlatters && v < lo):
		side := "above"
		if !higherFlatters {
			side = "below"
		}
		return at(RatingOverstated, RuleFrequencyFlattering, fmt.Sprintf("%s lies %s %s, on the side that flatters the therapy", claim, side, desc))
	default:
		side := "below"
		if !higherFlatters {
			side = "above"
		}
		return at(RatingFalse, RuleFrequencyUnflattering,
			fmt.Sprintf("%s lies %s %s, on the side that does not flatter the therapy: the evidence contradicts the number", claim, side, desc))
	}
}

// describeEffect is a finding's effect in its own terms: "mean difference
// -0.56 (95% CI -1.08 to -0.04; lower is better)".
func describeEffect(e EffectEstimate, d Direction) string {
	s := measureName(e.Measure)
	if e.Estimate != nil {
		s += " " + num(*e.Estimate)
	}
	dir := strings.ReplaceAll(string(d), "_", " ")
	if e.CILow != nil && e.CIHigh != nil {
		return s + fmt.Sprintf(" (95%% CI %s to %s; %s)", num(*e.CILow), num(*e.CIHigh), dir)
	}
	return s + " (" + dir + ")"
}

// measureName is a measure in words.
func measureName(m EffectMeasure) string { return strings.ReplaceAll(string(m), "_", " ") }

// bandName is a band in words.
func bandName(b FrequencyBand) string { return strings.ReplaceAll(string(b), "_", " ") }

// hedgeWord names the wording a hedge allows.
func hedgeWord(h Hedge) string {
	switch h {
	case HedgeNone:
		return "unhedged"
	case HedgeLikely:
		return `"probably"`
	}
	return `"may"`
}

// num writes a number with three significant digits, without exponent for
// the magnitudes of effects.
func num(x float64) string {
	if math.Abs(x) >= 1000 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

// pct writes a proportion as a percentage: whole percents from 10%, one
// decimal from 1%, two significant digits below (0.28%, 0.0099%).
func pct(x float64) string {
	p := x * 100
	var s string
	switch a := math.Abs(p); {
	case a == 0:
		return "0%"
	case a >= 10:
		s = strconv.FormatFloat(p, 'f', 0, 64)
	case a >= 1:
		s = strconv.FormatFloat(p, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(p, 'f', 1-int(math.Floor(math.Log10(a))), 64)
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + "%"
}

// plural writes a count with its noun: 1 participant, 1,082 participants.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return count(n) + " " + noun + "s"
}

// count writes an integer with thousands separators: 1,082.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
