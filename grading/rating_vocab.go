package grading

// The vocabularies of the claim-rating rules (rating.go): a claim's rating
// and where it came from, what its wording asserts and how it hedges, the
// verbal frequency bands of adverse-reaction labelling, and the ids of the
// rating rules. They follow vocab.go: a named string type, its values, Parse,
// Validate and Scan.

// Rating is a claim's verdict on its wording against the graded findings it
// links (DESIGN "Claim ratings"). Fact-checkers read accurate as true,
// overstated as misleading or partly false, unproven as unsupported.
type Rating string

// The ratings, from the most to the least favourable to the claim.
const (
	RatingAccurate   Rating = "accurate"   // the wording is true to the graded evidence
	RatingOverstated Rating = "overstated" // the evidence points the claim's way, but less, or less surely, than the wording says
	RatingUnproven   Rating = "unproven"   // the graded evidence can neither confirm nor refute the wording, or a documented search found none
	RatingFalse      Rating = "false"      // the graded evidence contradicts the wording
	RatingNotRated   Rating = "not_rated"  // the rules cannot rate the wording (nothing graded and nothing searched, no threshold, nothing to check)
)

// Ratings returns the five ratings. Each call returns a new slice.
func Ratings() []Rating {
	return []Rating{RatingAccurate, RatingOverstated, RatingUnproven, RatingFalse, RatingNotRated}
}

// ratingDefinitions say what each rating means, in one sentence: the
// definitions of the claim-rating CodeSystem (fhir.ClaimRatingCodeSystem)
// and of docs/ratings.md.
var ratingDefinitions = map[Rating]string{
	RatingAccurate:   "The wording is true to the graded evidence: the effect, frequency or absence it states is what the evidence shows, with a hedge that fits the certainty of the evidence.",
	RatingOverstated: "The evidence points the claim's way, but less, or less surely, than the wording says: a smaller effect, a higher frequency, or firmer wording than the certainty of the evidence allows.",
	RatingUnproven:   "The graded evidence can neither confirm nor refute the wording.",
	RatingFalse:      "The graded evidence contradicts the wording.",
	RatingNotRated:   "The rules cannot rate the wording: no graded finding is linked with a stance other than neutral, none answers the question the wording asks, the wording asserts nothing the rules can check, or the deciding findings have no threshold or estimate to check it against.",
}

// Definition is what the rating means, in one sentence; "" for a value
// outside the vocabulary.
func (r Rating) Definition() string { return ratingDefinitions[r] }

// ParseRating accepts exactly the five ratings.
func ParseRating(s string) (Rating, error) { return parseWord("rating", s, Ratings()) }

// Validate reports a value outside the vocabulary.
func (r Rating) Validate() error { _, err := ParseRating(string(r)); return err }

// Scan reads a stored rating (database/sql.Scanner).
func (r *Rating) Scan(src any) error { return scanWord(r, src, ParseRating) }

// RatingSource says who decided a claim's rating.
type RatingSource string

// The rating sources.
const (
	SourceRule   RatingSource = "rule"   // the rules of rating.go
	SourceEditor RatingSource = "editor" // an editor's override, with a rationale
)

// RatingSources returns the two rating sources. Each call returns a new
// slice.
func RatingSources() []RatingSource { return []RatingSource{SourceRule, SourceEditor} }

// ParseRatingSource accepts exactly the two rating sources.
func ParseRatingSource(s string) (RatingSource, error) {
	return parseWord("rating source", s, RatingSources())
}

// Validate reports a value outside the vocabulary.
func (s RatingSource) Validate() error { _, err := ParseRatingSource(string(s)); return err }

// Scan reads a stored rating source (database/sql.Scanner).
func (s *RatingSource) Scan(src any) error { return scanWord(s, src, ParseRatingSource) }

// Assertion is what a claim's wording asserts, which decides the rule that
// rates it.
type Assertion string

// The assertions.
const (
	AssertEffect     Assertion = "effect"     // works, is better, is faster
	AssertFrequency  Assertion = "frequency"  // in 75% of cases, rarely
	AssertAbsence    Assertion = "absence"    // no risk, painless, no side effects
	AssertOccurrence Assertion = "occurrence" // can cause Y (harms only)
	AssertOther      Assertion = "other"      // nothing the rules can check: mechanism, indication, advice
)

// Assertions returns the five assertions. Each call returns a new slice.
func Assertions() []Assertion {
	return []Assertion{AssertEffect, AssertFrequency, AssertAbsence, AssertOccurrence, AssertOther}
}

// ParseAssertion accepts exactly the five assertions.
func ParseAssertion(s string) (Assertion, error) { return parseWord("assertion", s, Assertions()) }

// Validate reports a value outside the vocabulary.
func (a Assertion) Validate() error { _, err := ParseAssertion(string(a)); return err }

// Scan reads a stored assertion (database/sql.Scanner).
func (a *Assertion) Scan(src any) error { return scanWord(a, src, ParseAssertion) }

// Hedge is how firmly a claim's wording asserts. The levels are GRADE's
// informative statements: an unhedged "reduces" needs high certainty,
// "probably reduces" moderate, "may reduce" low (GRADE 26: Santesso 2020,
// J Clin Epidemiol 119:126-135).
type Hedge string

// The hedges, firmest first.
const (
	HedgeNone   Hedge = "none"   // reduces, is, causes
	HedgeLikely Hedge = "likely" // probably, likely
	HedgeMay    Hedge = "may"    // may, can, some
)

// Hedges returns the three hedges. Each call returns a new slice.
func Hedges() []Hedge { return []Hedge{HedgeNone, HedgeLikely, HedgeMay} }

// ParseHedge accepts exactly the three hedges.
func ParseHedge(s string) (Hedge, error) { return parseWord("hedge", s, Hedges()) }

// Validate reports a value outside the vocabulary.
func (h Hedge) Validate() error { _, err := ParseHedge(string(h)); return err }

// Scan reads a stored hedge (database/sql.Scanner).
func (h *Hedge) Scan(src any) error { return scanWord(h, src, ParseHedge) }

// ClaimedBound says how a frequency claim states its value: as a point
// ("in 75% of cases"), an upper bound ("rarely": at most 1/1,000; "very
// rare": at most 1/10,000; "almost painless") or a lower bound ("more than
// half", "in most cases"). DESIGN "frequency".
type ClaimedBound string

// The claimed bounds.
const (
	BoundPoint   ClaimedBound = "point"    // the frequency is about v
	BoundAtMost  ClaimedBound = "at_most"  // the frequency is at most b
	BoundAtLeast ClaimedBound = "at_least" // the frequency is at least b
)

// ClaimedBounds returns the three bounds. Each call returns a new slice.
func ClaimedBounds() []ClaimedBound { return []ClaimedBound{BoundPoint, BoundAtMost, BoundAtLeast} }

// ParseClaimedBound accepts exactly the three bounds.
func ParseClaimedBound(s string) (ClaimedBound, error) {
	return parseWord("claimed bound", s, ClaimedBounds())
}

// Validate reports a value outside the vocabulary.
func (b ClaimedBound) Validate() error { _, err := ParseClaimedBound(string(b)); return err }

// Scan reads a stored claimed bound (database/sql.Scanner).
func (b *ClaimedBound) Scan(src any) error { return scanWord(b, src, ParseClaimedBound) }

// CertaintyBasis says what a claim's certainty is about: evidence, the
// GRADE certainty of the evidence for an effect or a frequency; occurrence,
// the certainty that a harm can occur at all, from case evidence judged for
// attribution (DESIGN "Case evidence"), which says nothing about how often.
type CertaintyBasis string

// The certainty bases.
const (
	BasisEvidence   CertaintyBasis = "evidence"
	BasisOccurrence CertaintyBasis = "occurrence"
)

// CertaintyBases returns the two bases. Each call returns a new slice.
func CertaintyBases() []CertaintyBasis { return []CertaintyBasis{BasisEvidence, BasisOccurrence} }

// ParseCertaintyBasis accepts exactly the two bases.
func ParseCertaintyBasis(s string) (CertaintyBasis, error) {
	return parseWord("certainty basis", s, CertaintyBases())
}

// Validate reports a value outside the vocabulary.
func (b CertaintyBasis) Validate() error { _, err := ParseCertaintyBasis(string(b)); return err }

// Scan reads a stored certainty basis (database/sql.Scanner).
func (b *CertaintyBasis) Scan(src any) error { return scanWord(b, src, ParseCertaintyBasis) }

// FrequencyBand is a verbal frequency of adverse-reaction labelling: the
// CIOMS III/V bands that the EU SmPC guideline (rev. 2, 2009, section 4.8)
// adopts. A hedged absence ("rarely", "very rare") is a frequency claim with
// claimed_bound at_most and its band's upper bound as claimed_value
// (FrequencyBand.Bounds).
type FrequencyBand string

// The frequency bands, most frequent first.
const (
	BandVeryCommon FrequencyBand = "very_common" // >= 1/10
	BandCommon     FrequencyBand = "common"      // >= 1/100 and < 1/10
	BandUncommon   FrequencyBand = "uncommon"    // >= 1/1,000 and < 1/100
	BandRare       FrequencyBand = "rare"        // >= 1/10,000 and < 1/1,000
	BandVeryRare   FrequencyBand = "very_rare"   // < 1/10,000
)

// FrequencyBands returns the five bands, most frequent first. Each call
// returns a new slice.
func FrequencyBands() []FrequencyBand {
	return []FrequencyBand{BandVeryCommon, BandCommon, BandUncommon, BandRare, BandVeryRare}
}

// ParseFrequencyBand accepts exactly the five bands.
func ParseFrequencyBand(s string) (FrequencyBand, error) {
	return parseWord("frequency band", s, FrequencyBands())
}

// Validate reports a value outside the vocabulary.
func (b FrequencyBand) Validate() error { _, err := ParseFrequencyBand(string(b)); return err }

// Scan reads a stored frequency band (database/sql.Scanner).
func (b *FrequencyBand) Scan(src any) error { return scanWord(b, src, ParseFrequencyBand) }

// RatingRule is the stable id of a claim-rating rule: each row of the rule
// table in docs/ratings.md, named in every explanation.
type RatingRule string

// The rating rules, in the order of the rule table (docs/ratings.md).
const (
	// Claim level.
	RuleEditorOverride    RatingRule = "editor_override"     // an editor's override stands
	RuleNoEvidenceFound   RatingRule = "no_evidence_found"   // no usable graded finding, but a documented search: unproven
	RuleNotYetSearched    RatingRule = "not_yet_searched"    // no usable graded finding and no documented search: not rated
	RuleAssertionOther    RatingRule = "assertion_other"     // the wording asserts nothing the rules check
	RuleNoMatchingFinding RatingRule = "no_matching_finding" // every usable finding answers another question (context only)

	// Any assertion, per finding.
	RuleContextUngraded    RatingRule = "context_ungraded"     // the finding has no grade yet: context
	RuleContextNeutral     RatingRule = "context_neutral"      // the link's stance is neutral: context
	RuleContextComparator  RatingRule = "context_comparator"   // the finding's comparator is not the claim's: context
	RuleContextOutcome     RatingRule = "context_outcome"      // a benefit finding for a harm-only assertion: context
	RuleContextWithdrawn   RatingRule = "context_withdrawn"    // the finding's grade was withdrawn (its evidence retracted): context
	RuleContextCase        RatingRule = "context_case"         // case evidence (can a harm occur) for an effect or frequency claim: context
	RuleContextNotRate     RatingRule = "context_not_rate"     // a frequency claim and a finding that is not the rate of a question without comparator: context
	RuleVeryLow            RatingRule = "very_low"             // very low certainty: unproven
	RuleStanceCapsAccurate RatingRule = "stance_caps_accurate" // a refuting or mixed link never makes a claim accurate

	// effect
	RuleNoThreshold        RatingRule = "no_threshold"           // no threshold: not rated
	RuleEffectNoEstimate   RatingRule = "effect_no_estimate"     // no ratio or difference estimate: not rated
	RuleEffectInvalid      RatingRule = "effect_invalid"         // an estimate, interval or threshold that cannot be used: not rated
	RuleEffectUncontrolled RatingRule = "effect_uncontrolled"    // no comparator: an effect cannot be shown
	RuleEffectImportant    RatingRule = "effect_important"       // e >= T, wording fits the certainty: accurate
	RuleEffectWording      RatingRule = "effect_wording"         // e >= T, wording firmer than the certainty: overstated
	RuleEffectBelowThresh  RatingRule = "effect_below_threshold" // 0 < e < T, CI excludes no effect: overstated
	RuleEffectNotShown     RatingRule = "effect_not_shown"       // otherwise, moderate or high: false
	RuleEffectNotShownLow  RatingRule = "effect_not_shown_low"   // otherwise, low: unproven

	// absence with a named comparator: no more harm than it
	RuleNoMoreHarmShown   RatingRule = "no_more_harm_shown"   // CI excludes an important excess, wording fits: accurate
	RuleNoMoreHarmWording RatingRule = "no_more_harm_wording" // as above, wording firmer than the certainty: overstated
	RuleNoMoreHarmSmall   RatingRule = "no_more_harm_small"   // a real excess smaller than T: overstated
	RuleNoMoreHarmExcess  RatingRule = "no_more_harm_excess"  // an important excess, moderate or high: false
	RuleNoMoreHarmUnclear RatingRule = "no_more_harm_unclear" // an important excess not excluded: unproven

	// occurrence
	RuleOccurrenceAttributable RatingRule = "occurrence_attributable"   // an attributable event: accurate, frequency unknown
	RuleOccurrenceNotAttrib    RatingRule = "occurrence_not_attributed" // no attributable event: unproven

	// literal absence ("no risk", "painless"; a bounded one is a frequency claim)
	RuleAbsenceAttributable RatingRule = "absence_attributable" // an attributable event: false
	RuleAbsenceZeroEvents   RatingRule = "absence_zero_events"  // 0 of n: unproven, with the exact upper bound
	RuleAbsenceNotShown     RatingRule = "absence_not_shown"    // anything else: unproven

	// frequency, any bound
	RuleNoClaimedValue        RatingRule = "no_claimed_value"       // the claim states no value: not rated
	RuleFrequencyNoRate       RatingRule = "frequency_no_rate"      // no proportion with an interval to compare: not rated
	RuleFrequencyUncontrolled RatingRule = "frequency_uncontrolled" // a benefit rate without a comparator: overstated

	// frequency, claimed_bound point ("in 75% of cases")
	RuleFrequencyInside       RatingRule = "frequency_inside"       // inside the CI: accurate
	RuleFrequencyFlattering   RatingRule = "frequency_flattering"   // outside, on the side that flatters the therapy: overstated
	RuleFrequencyUnflattering RatingRule = "frequency_unflattering" // outside, on the other side: false

	// frequency, claimed_bound at_most or at_least ("rarely", "in most cases")
	RuleBoundWithin       RatingRule = "bound_within"       // the whole CI lies on the claimed side of the bound: accurate
	RuleBoundExceeded     RatingRule = "bound_exceeded"     // the whole CI lies beyond it, on the side that flatters the therapy: overstated
	RuleBoundContradicted RatingRule = "bound_contradicted" // the whole CI lies beyond it, on the other side: false
	RuleBoundStraddles    RatingRule = "bound_straddles"    // the CI reaches across the bound: unproven
)

// RatingRules returns every rule id in the order of the rule table. Each
// call returns a new slice.
func RatingRules() []RatingRule {
	return []RatingRule{
		RuleEditorOverride, RuleNoEvidenceFound, RuleNotYetSearched, RuleAssertionOther, RuleNoMatchingFinding,
		RuleContextUngraded, RuleContextNeutral, RuleContextComparator, RuleContextOutcome, RuleContextWithdrawn,
		RuleContextCase, RuleContextNotRate, RuleVeryLow, RuleStanceCapsAccurate,
		RuleNoThreshold, RuleEffectNoEstimate, RuleEffectInvalid, RuleEffectUncontrolled, RuleEffectImportant,
		RuleEffectWording, RuleEffectBelowThresh, RuleEffectNotShown, RuleEffectNotShownLow,
		RuleNoMoreHarmShown, RuleNoMoreHarmWording, RuleNoMoreHarmSmall, RuleNoMoreHarmExcess, RuleNoMoreHarmUnclear,
		RuleOccurrenceAttributable, RuleOccurrenceNotAttrib,
		RuleAbsenceAttributable, RuleAbsenceZeroEvents, RuleAbsenceNotShown,
		RuleNoClaimedValue, RuleFrequencyNoRate, RuleFrequencyUncontrolled,
		RuleFrequencyInside, RuleFrequencyFlattering, RuleFrequencyUnflattering,
		RuleBoundWithin, RuleBoundExceeded, RuleBoundContradicted, RuleBoundStraddles,
	}
}

// ParseRatingRule accepts exactly the rule ids.
func ParseRatingRule(s string) (RatingRule, error) { return parseWord("rating rule", s, RatingRules()) }

// Validate reports a value outside the vocabulary.
func (r RatingRule) Validate() error { _, err := ParseRatingRule(string(r)); return err }

// Scan reads a stored rule id (database/sql.Scanner).
func (r *RatingRule) Scan(src any) error { return scanWord(r, src, ParseRatingRule) }
