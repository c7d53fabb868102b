package grading

import (
	"fmt"
	"slices"
	"strings"
)

// Every vocabulary of claimgrade (certainty, concern, effect, verdict,
// stance, source kind, claim type, link role, flag, assessment status, grade
// method) has exactly one home: a named string type in this package whose
// constants are the wire values of the API, the values stored in the
// database and the enums of the OpenAPI document. Each type has
//
//   - a function listing its values (Stances, SourceKinds, ...),
//   - ParseX(s) (X, error), which accepts exactly those values,
//   - Validate() error, which reports a value outside the vocabulary,
//   - Scan(src any) error, so that a value read from the database that does
//     not parse is an error that surfaces, never a silent default.
//
// Writing needs no method: database/sql stores a named string type as its
// string. The package still imports nothing but the standard library, and
// Scan needs no import at all (it implements database/sql.Scanner by its
// signature).

// VocabularyError says that a value is not in its vocabulary.
type VocabularyError struct {
	Vocabulary string   // e.g. "stance"
	Value      string   // what was given
	Values     []string // what is allowed
}

func (e *VocabularyError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Vocabulary, e.Value, e.Message())
}

// Message is the error without the value, for a problem naming the field:
// "must be one of supports, refutes, mixed, neutral".
func (e *VocabularyError) Message() string { return mustBeOneOf(e.Values) }

// mustBeOneOf is the message for a value outside its enumeration.
func mustBeOneOf(values []string) string {
	return "must be one of " + strings.Join(values, ", ")
}

// Strings returns the wire values of a vocabulary, in the given order.
func Strings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// parseWord returns s as a T when it is one of values.
func parseWord[T ~string](vocabulary, s string, values []T) (T, error) {
	if slices.Contains(values, T(s)) {
		return T(s), nil
	}
	return "", &VocabularyError{Vocabulary: vocabulary, Value: s, Values: Strings(values)}
}

// scanWord reads a database value into a vocabulary type through its
// parser. NULL is an error here: nullable columns are read into a pointer,
// which database/sql sets to nil without calling Scan.
func scanWord[T ~string](dst *T, src any, parse func(string) (T, error)) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		var zero T
		return fmt.Errorf("stored %T is NULL where a value is required", zero)
	default:
		var zero T
		return fmt.Errorf("stored %T has type %T, want text", zero, src)
	}
	v, err := parse(s)
	if err != nil {
		return fmt.Errorf("stored value: %w", err)
	}
	*dst = v
	return nil
}

// Stance is how an evidence link bears on its claim.
type Stance string

// The stances of an evidence link.
const (
	Supports    Stance = "supports" // the source supports the claim
	Refutes     Stance = "refutes"  // the source refutes the claim
	MixedStance Stance = "mixed"    // the source points both ways
	Neutral     Stance = "neutral"  // the source bears on the claim without taking a side
)

// Stances returns the four stances. Each call returns a new slice.
func Stances() []Stance { return []Stance{Supports, Refutes, MixedStance, Neutral} }

// ParseStance accepts exactly the four stances.
func ParseStance(s string) (Stance, error) { return parseWord("stance", s, Stances()) }

// Validate reports a value outside the vocabulary.
func (s Stance) Validate() error { _, err := ParseStance(string(s)); return err }

// Valid reports whether s is one of the four stances.
func (s Stance) Valid() bool { return s.Validate() == nil }

// Scan reads a stored stance (database/sql.Scanner).
func (s *Stance) Scan(src any) error { return scanWord(s, src, ParseStance) }

// SourceKind is the kind of a publication: a study design, a review, a
// guideline or a web page.
type SourceKind string

// The sixteen source kinds, in the design's order.
const (
	KindSystematicReview   SourceKind = "systematic_review"
	KindMetaAnalysis       SourceKind = "meta_analysis"
	KindRCT                SourceKind = "rct"
	KindCohort             SourceKind = "cohort"
	KindCaseControl        SourceKind = "case_control"
	KindCrossSectional     SourceKind = "cross_sectional"
	KindCaseSeries         SourceKind = "case_series"
	KindCaseReport         SourceKind = "case_report"
	KindGuideline          SourceKind = "guideline"
	KindConsensusStatement SourceKind = "consensus_statement"
	KindNarrativeReview    SourceKind = "narrative_review"
	KindExpertOpinion      SourceKind = "expert_opinion"
	KindMechanistic        SourceKind = "mechanistic"
	KindWebArticle         SourceKind = "web_article"
	KindNews               SourceKind = "news"
	KindOther              SourceKind = "other"
)

// SourceKinds returns the sixteen source kinds in the design's order. Each
// call returns a new slice.
func SourceKinds() []SourceKind {
	return []SourceKind{
		KindSystematicReview, KindMetaAnalysis, KindRCT, KindCohort, KindCaseControl, KindCrossSectional,
		KindCaseSeries, KindCaseReport, KindGuideline, KindConsensusStatement, KindNarrativeReview,
		KindExpertOpinion, KindMechanistic, KindWebArticle, KindNews, KindOther,
	}
}

// ParseSourceKind accepts exactly the sixteen kinds.
func ParseSourceKind(s string) (SourceKind, error) { return parseWord("source kind", s, SourceKinds()) }

// Validate reports a value outside the vocabulary.
func (k SourceKind) Validate() error { _, err := ParseSourceKind(string(k)); return err }

// Scan reads a stored source kind (database/sql.Scanner).
func (k *SourceKind) Scan(src any) error { return scanWord(k, src, ParseSourceKind) }

// ClaimType says what a claim is about.
type ClaimType string

// The claim types.
const (
	ClaimEfficacy    ClaimType = "efficacy"
	ClaimSafety      ClaimType = "safety"
	ClaimMechanism   ClaimType = "mechanism"
	ClaimComparative ClaimType = "comparative"
	ClaimIndication  ClaimType = "indication"
	ClaimOther       ClaimType = "other"
)

// ClaimTypes returns the six claim types. Each call returns a new slice.
func ClaimTypes() []ClaimType {
	return []ClaimType{ClaimEfficacy, ClaimSafety, ClaimMechanism, ClaimComparative, ClaimIndication, ClaimOther}
}

// ParseClaimType accepts exactly the six claim types.
func ParseClaimType(s string) (ClaimType, error) { return parseWord("claim type", s, ClaimTypes()) }

// Validate reports a value outside the vocabulary.
func (t ClaimType) Validate() error { _, err := ParseClaimType(string(t)); return err }

// Scan reads a stored claim type (database/sql.Scanner).
func (t *ClaimType) Scan(src any) error { return scanWord(t, src, ParseClaimType) }

// LinkRole says how a source is linked to a claim. Since migration 00008
// the evidence a claim rests on is a finding (claim_findings), so a link
// only records where the claim appears.
type LinkRole string

// The link role.
const (
	RoleAppearance LinkRole = "appearance" // a place where the claim is made
)

// LinkRoles returns the link roles. Each call returns a new slice.
func LinkRoles() []LinkRole { return []LinkRole{RoleAppearance} }

// ParseLinkRole accepts exactly the link roles.
func ParseLinkRole(s string) (LinkRole, error) { return parseWord("link role", s, LinkRoles()) }

// Validate reports a value outside the vocabulary.
func (r LinkRole) Validate() error { _, err := ParseLinkRole(string(r)); return err }

// Scan reads a stored link role (database/sql.Scanner).
func (r *LinkRole) Scan(src any) error { return scanWord(r, src, ParseLinkRole) }

// AssessmentStatus is where an assessment is in its life.
type AssessmentStatus string

// The assessment statuses.
const (
	StatusDraft     AssessmentStatus = "draft"     // the reviewer may still change it
	StatusSubmitted AssessmentStatus = "submitted" // frozen
	// StatusRevised is a finding assessment its reviewer revised once after
	// unblinding; the first submission is kept for the agreement statistics.
	StatusRevised AssessmentStatus = "revised"
)

// AssessmentStatuses returns the statuses. Each call returns a new slice.
func AssessmentStatuses() []AssessmentStatus {
	return []AssessmentStatus{StatusDraft, StatusSubmitted, StatusRevised}
}

// ParseAssessmentStatus accepts exactly the statuses.
func ParseAssessmentStatus(s string) (AssessmentStatus, error) {
	return parseWord("assessment status", s, AssessmentStatuses())
}

// Validate reports a value outside the vocabulary.
func (s AssessmentStatus) Validate() error { _, err := ParseAssessmentStatus(string(s)); return err }

// Scan reads a stored status (database/sql.Scanner).
func (s *AssessmentStatus) Scan(src any) error { return scanWord(s, src, ParseAssessmentStatus) }

// Method is how a final grade was decided.
type Method string

// The grade methods.
const (
	MethodConsensus   Method = "consensus"   // REQUIRED_REVIEWS submitted assessments agreed
	MethodAdjudicated Method = "adjudicated" // an editor decided
	// MethodSingleReviewer is a grade decided by one reviewer's submitted
	// assessment (REQUIRED_REVIEWS=1, findings only): never called consensus.
	MethodSingleReviewer Method = "single_reviewer"
)

// Methods returns the grade methods. Each call returns a new slice.
func Methods() []Method { return []Method{MethodConsensus, MethodAdjudicated, MethodSingleReviewer} }

// ParseMethod accepts exactly the grade methods.
func ParseMethod(s string) (Method, error) { return parseWord("grade method", s, Methods()) }

// Validate reports a value outside the vocabulary.
func (m Method) Validate() error { _, err := ParseMethod(string(m)); return err }

// Scan reads a stored method (database/sql.Scanner).
func (m *Method) Scan(src any) error { return scanWord(m, src, ParseMethod) }

// The vocabularies of the finding-level engine (body.go, rules.go): how a
// review's included studies were designed, the design class of a body of
// evidence, the question's comparator and outcome, the effect measure, the
// attribution of a non-comparative harm and the risk-of-bias tool.

// IncludedDesign is the design of the studies a systematic review or
// meta-analysis includes.
type IncludedDesign string

// The included designs.
const (
	IncludedRandomised     IncludedDesign = "randomised"      // randomised trials only
	IncludedNonRandomised  IncludedDesign = "non_randomised"  // non-randomised comparative studies only
	IncludedNonComparative IncludedDesign = "non_comparative" // case series, case reports, single-arm studies
	IncludedMixed          IncludedDesign = "mixed"           // more than one of the above
)

// IncludedDesigns returns the four included designs. Each call returns a new
// slice.
func IncludedDesigns() []IncludedDesign {
	return []IncludedDesign{IncludedRandomised, IncludedNonRandomised, IncludedNonComparative, IncludedMixed}
}

// ParseIncludedDesign accepts exactly the four included designs.
func ParseIncludedDesign(s string) (IncludedDesign, error) {
	return parseWord("included design", s, IncludedDesigns())
}

// Validate reports a value outside the vocabulary.
func (d IncludedDesign) Validate() error { _, err := ParseIncludedDesign(string(d)); return err }

// Scan reads a stored included design (database/sql.Scanner).
func (d *IncludedDesign) Scan(src any) error { return scanWord(d, src, ParseIncludedDesign) }

// DesignClass is the design class of a finding's level-setting evidence:
// GRADE rates randomised and non-randomised evidence for one question as two
// bodies of evidence (GRADE 24), and non-comparative evidence as a third.
type DesignClass string

// The design classes.
const (
	ClassRandomised     DesignClass = "randomised"      // randomised trials
	ClassNonRandomised  DesignClass = "non_randomised"  // non-randomised comparative studies
	ClassNonComparative DesignClass = "non_comparative" // no comparison: case series and reports, or an event rate
)

// DesignClasses returns the three design classes. Each call returns a new
// slice.
func DesignClasses() []DesignClass {
	return []DesignClass{ClassRandomised, ClassNonRandomised, ClassNonComparative}
}

// ParseDesignClass accepts exactly the three design classes; "mixed" is not
// one.
func ParseDesignClass(s string) (DesignClass, error) {
	return parseWord("design class", s, DesignClasses())
}

// Validate reports a value outside the vocabulary.
func (c DesignClass) Validate() error { _, err := ParseDesignClass(string(c)); return err }

// Scan reads a stored design class (database/sql.Scanner).
func (c *DesignClass) Scan(src any) error { return scanWord(c, src, ParseDesignClass) }

// ComparatorKind is what a question compares the intervention with.
type ComparatorKind string

// The comparator kinds.
const (
	ComparatorNone     ComparatorKind = "none"     // no comparator: how often does X happen (an event rate)
	ComparatorInactive ComparatorKind = "inactive" // placebo, sham, no treatment, add-on to usual care
	ComparatorActive   ComparatorKind = "active"   // another treatment
)

// ComparatorKinds returns the three comparator kinds. Each call returns a
// new slice.
func ComparatorKinds() []ComparatorKind {
	return []ComparatorKind{ComparatorNone, ComparatorInactive, ComparatorActive}
}

// ParseComparatorKind accepts exactly the three comparator kinds.
func ParseComparatorKind(s string) (ComparatorKind, error) {
	return parseWord("comparator kind", s, ComparatorKinds())
}

// Validate reports a value outside the vocabulary.
func (k ComparatorKind) Validate() error { _, err := ParseComparatorKind(string(k)); return err }

// Scan reads a stored comparator kind (database/sql.Scanner).
func (k *ComparatorKind) Scan(src any) error { return scanWord(k, src, ParseComparatorKind) }

// OutcomeKind says whether a question's outcome is a benefit or a harm.
type OutcomeKind string

// The outcome kinds.
const (
	OutcomeBenefit OutcomeKind = "benefit"
	OutcomeHarm    OutcomeKind = "harm"
)

// OutcomeKinds returns the two outcome kinds. Each call returns a new slice.
func OutcomeKinds() []OutcomeKind { return []OutcomeKind{OutcomeBenefit, OutcomeHarm} }

// ParseOutcomeKind accepts exactly the two outcome kinds.
func ParseOutcomeKind(s string) (OutcomeKind, error) {
	return parseWord("outcome kind", s, OutcomeKinds())
}

// Validate reports a value outside the vocabulary.
func (k OutcomeKind) Validate() error { _, err := ParseOutcomeKind(string(k)); return err }

// Scan reads a stored outcome kind (database/sql.Scanner).
func (k *OutcomeKind) Scan(src any) error { return scanWord(k, src, ParseOutcomeKind) }

// Direction says which way a question's outcome scale improves: pain
// intensity, adverse events and time to relief are lower_is_better; the
// proportion of patients with relief is higher_is_better. A comparative
// estimate is stored as its source reports it (intervention minus, or over,
// comparator, in the outcome's own units); the direction is what tells
// whether it favours the intervention (GRADE handbook 5.2.4 on direction in
// summary-of-findings tables; Cochrane Handbook 6.4, 14.1.6: "higher" and
// "lower" in the outcome's own direction).
type Direction string

// The directions.
const (
	HigherIsBetter Direction = "higher_is_better"
	LowerIsBetter  Direction = "lower_is_better"
)

// Directions returns the two directions. Each call returns a new slice.
func Directions() []Direction { return []Direction{HigherIsBetter, LowerIsBetter} }

// ParseDirection accepts exactly the two directions.
func ParseDirection(s string) (Direction, error) { return parseWord("direction", s, Directions()) }

// Validate reports a value outside the vocabulary.
func (d Direction) Validate() error { _, err := ParseDirection(string(d)); return err }

// Scan reads a stored direction (database/sql.Scanner).
func (d *Direction) Scan(src any) error { return scanWord(d, src, ParseDirection) }

// UsualDirection is the direction most outcomes of a kind have: a harm is
// counted as events, so fewer is better; a benefit counted as improvement,
// so more is better. It is the direction that questions stored before
// directions existed were read in (their estimates were entered that way),
// and what the fingerprint of a grade leaves out (Body.Fingerprint), never
// a default for a new question: a benefit measured as pain intensity is
// lower_is_better.
func UsualDirection(k OutcomeKind) Direction {
	if k == OutcomeHarm {
		return LowerIsBetter
	}
	return HigherIsBetter
}

// EffectMeasure is the measure of a finding's effect estimate.
type EffectMeasure string

// The effect measures: three ratios, three differences and two rates.
const (
	MeasureRiskRatio         EffectMeasure = "risk_ratio"
	MeasureOddsRatio         EffectMeasure = "odds_ratio"
	MeasureHazardRatio       EffectMeasure = "hazard_ratio"
	MeasureMeanDifference    EffectMeasure = "mean_difference"
	MeasureStdMeanDifference EffectMeasure = "std_mean_difference"
	MeasureRiskDifference    EffectMeasure = "risk_difference"
	MeasureProportion        EffectMeasure = "proportion" // events / participants
	MeasureIncidence         EffectMeasure = "incidence"  // events per person-time
)

// EffectMeasures returns the eight effect measures. Each call returns a new
// slice.
func EffectMeasures() []EffectMeasure {
	return []EffectMeasure{
		MeasureRiskRatio, MeasureOddsRatio, MeasureHazardRatio, MeasureMeanDifference,
		MeasureStdMeanDifference, MeasureRiskDifference, MeasureProportion, MeasureIncidence,
	}
}

// ParseEffectMeasure accepts exactly the eight effect measures.
func ParseEffectMeasure(s string) (EffectMeasure, error) {
	return parseWord("effect measure", s, EffectMeasures())
}

// Validate reports a value outside the vocabulary.
func (m EffectMeasure) Validate() error { _, err := ParseEffectMeasure(string(m)); return err }

// Scan reads a stored effect measure (database/sql.Scanner).
func (m *EffectMeasure) Scan(src any) error { return scanWord(m, src, ParseEffectMeasure) }

// IsRatio reports whether the measure is a ratio (risk, odds or hazard
// ratio), where no effect is 1 and the scale is multiplicative.
func (m EffectMeasure) IsRatio() bool {
	return m == MeasureRiskRatio || m == MeasureOddsRatio || m == MeasureHazardRatio
}

// IsDifference reports whether the measure is a difference (mean,
// standardised mean or risk difference), where no effect is 0.
func (m EffectMeasure) IsDifference() bool {
	return m == MeasureMeanDifference || m == MeasureStdMeanDifference || m == MeasureRiskDifference
}

// Attribution is how likely a harm observed without a comparator was caused
// by the intervention, on the WHO-UMC causality scale.
type Attribution string

// The attributions.
const (
	AttributionCertain    Attribution = "certain"
	AttributionProbable   Attribution = "probable"
	AttributionPossible   Attribution = "possible"
	AttributionUnlikely   Attribution = "unlikely"
	AttributionUnassessed Attribution = "unassessed"
)

// Attributions returns the five attributions, most certain first. Each call
// returns a new slice.
func Attributions() []Attribution {
	return []Attribution{AttributionCertain, AttributionProbable, AttributionPossible, AttributionUnlikely, AttributionUnassessed}
}

// ParseAttribution accepts exactly the five attributions.
func ParseAttribution(s string) (Attribution, error) {
	return parseWord("attribution", s, Attributions())
}

// Validate reports a value outside the vocabulary.
func (a Attribution) Validate() error { _, err := ParseAttribution(string(a)); return err }

// Scan reads a stored attribution (database/sql.Scanner).
func (a *Attribution) Scan(src any) error { return scanWord(a, src, ParseAttribution) }

// AssessedAttributions returns the four attributions a reviewer can judge
// case evidence to have, most certain first: the WHO-UMC categories
// certain, probable (likely), possible and unlikely (WHO-UMC, "The use of
// the WHO-UMC system for standardised case causality assessment", Uppsala
// Monitoring Centre 2018). unassessed is a finding's state before anyone
// judged it, never a judgement. Each call returns a new slice.
func AssessedAttributions() []Attribution {
	return []Attribution{AttributionCertain, AttributionProbable, AttributionPossible, AttributionUnlikely}
}

// OccurrenceCertainty is the certainty that a harm documented by case
// evidence can occur, from the agreed attribution before indirectness
// (DESIGN "Case evidence"): certain → high, probable → moderate, possible
// → low, unlikely → very low; None for unassessed or a value outside the
// vocabulary. It says whether the harm can be caused at all, never how
// often it happens.
func (a Attribution) OccurrenceCertainty() Certainty {
	switch a {
	case AttributionCertain:
		return High
	case AttributionProbable:
		return Moderate
	case AttributionPossible:
		return Low
	case AttributionUnlikely:
		return VeryLow
	}
	return None
}

// Sample says how the participants of an event-rate finding were
// enrolled, which decides where its certainty starts (Iorio et al., BMJ
// 2015;350:h870; GRADE 28, Foroutan et al. 2020, J Clin Epidemiol
// 121:62-70).
type Sample string

// The samples.
const (
	// SampleRepresentative is consecutive or population-based enrolment:
	// the event rate of a cohort, case series or trial arm starts high.
	SampleRepresentative Sample = "representative"
	// SampleSelected is an outbreak or cluster investigation, or a
	// convenience sample: chosen because events happened, or by who was at
	// hand, so the rate starts low.
	SampleSelected Sample = "selected"
)

// Samples returns the two samples. Each call returns a new slice.
func Samples() []Sample { return []Sample{SampleRepresentative, SampleSelected} }

// ParseSample accepts exactly the two samples.
func ParseSample(s string) (Sample, error) { return parseWord("sample", s, Samples()) }

// Validate reports a value outside the vocabulary.
func (s Sample) Validate() error { _, err := ParseSample(string(s)); return err }

// Scan reads a stored sample (database/sql.Scanner).
func (s *Sample) Scan(src any) error { return scanWord(s, src, ParseSample) }

// RobTool is a risk-of-bias tool that changes where GRADE starts.
type RobTool string

// The risk-of-bias tools.
const (
	// RobToolROBINSI is ROBINS-I: non-randomised comparative evidence
	// assessed with it starts high, and risk of bias may cost up to three
	// levels (GRADE 18).
	RobToolROBINSI RobTool = "robins_i"
)

// RobTools returns the risk-of-bias tools. Each call returns a new slice.
func RobTools() []RobTool { return []RobTool{RobToolROBINSI} }

// ParseRobTool accepts exactly the risk-of-bias tools.
func ParseRobTool(s string) (RobTool, error) { return parseWord("rob tool", s, RobTools()) }

// Validate reports a value outside the vocabulary.
func (t RobTool) Validate() error { _, err := ParseRobTool(string(t)); return err }

// Scan reads a stored risk-of-bias tool (database/sql.Scanner).
func (t *RobTool) Scan(src any) error { return scanWord(t, src, ParseRobTool) }

// Domain is a GRADE domain: the five reasons to rate the certainty of a
// body of evidence down and the three to rate it up (GRADE handbook 5.2,
// 5.3).
type Domain string

// The domains, in the order of a derivation's steps.
const (
	DomainRiskOfBias           Domain = "risk_of_bias"
	DomainInconsistency        Domain = "inconsistency"
	DomainIndirectness         Domain = "indirectness"
	DomainImprecision          Domain = "imprecision"
	DomainPublicationBias      Domain = "publication_bias"
	DomainLargeEffect          Domain = "large_effect"
	DomainDoseResponse         Domain = "dose_response"
	DomainPlausibleConfounding Domain = "plausible_confounding"
	// DomainAttribution is the WHO-UMC attribution of case evidence, which
	// is judged (and compared between reviewers) like a domain in place of
	// the start and every domain but indirectness (DESIGN "Case evidence").
	DomainAttribution Domain = "attribution"
)

// ParseDomain accepts exactly the eight domain names and attribution.
func ParseDomain(s string) (Domain, error) {
	values := make([]Domain, 0, 9)
	for _, d := range Domains() {
		values = append(values, Domain(d))
	}
	return parseWord("domain", s, append(values, DomainAttribution))
}

// Validate reports a value outside the vocabulary.
func (d Domain) Validate() error { _, err := ParseDomain(string(d)); return err }

// Scan reads a stored domain (database/sql.Scanner).
func (d *Domain) Scan(src any) error { return scanWord(d, src, ParseDomain) }
