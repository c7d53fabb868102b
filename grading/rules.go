package grading

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// RuleCode names the rule a refusal of the finding-level engine breaks. It
// is the problem type the API answers 422 with.
type RuleCode string

// The refusal codes.
const (
	CodeUngradable                  RuleCode = "ungradable"                     // no level-setting source
	CodeSplitByDesign               RuleCode = "split_by_design"                // more than one design class, or a mixed review without design_subset
	CodeRateNotEstimable            RuleCode = "rate_not_estimable"             // case report or case-control study for an event rate
	CodeReportedCertaintyNotAllowed RuleCode = "reported_certainty_not_allowed" // reported_certainty on a kind that cannot have one
	CodeReportedCertaintyNotAlone   RuleCode = "reported_certainty_not_alone"   // a reported certainty beside other level-setting sources
	CodeDesignRequired              RuleCode = "design_required"                // a review without included_design
	CodeDesignNotAllowed            RuleCode = "design_not_allowed"             // included_design, includes or design_subset where it does not belong
	CodeInvalidValue                RuleCode = "invalid_value"                  // outside the vocabulary or the domain's range
	CodeReasonRequired              RuleCode = "reason_required"                // a judgement other than not_serious/none/false without a reason
	CodeUpgradeRequiresNoDowngrade  RuleCode = "upgrade_requires_no_downgrade"  // an upgrade beside a downgrade
	CodeUpgradeNotApplicable        RuleCode = "upgrade_not_applicable"         // an upgrade of randomised, non-comparative or source-rated evidence
	CodeLargeEffectUnsupported      RuleCode = "large_effect_unsupported"       // large_effect that the ratio estimate does not reach
	CodeDowngradeNotAllowed         RuleCode = "downgrade_not_allowed"          // a downgrade of a source's own rating in a domain it already judged
	CodeRobToolNotApplicable        RuleCode = "rob_tool_not_applicable"        // rob_tool on evidence other than non-randomised comparative studies
	CodeEditorAssessed              RuleCode = "editor_assessed"                // an adjudicating editor who assessed the finding
	// CodeAdjudicationNotNeeded refuses an adjudication of a finding that
	// shows no reviewer_disagreement (the API answers it with 409: the
	// finding's state, not the input, is what is wrong).
	CodeAdjudicationNotNeeded       RuleCode = "adjudication_not_needed"
	CodeOutsideReviewerRange        RuleCode = "outside_reviewer_range"          // an adjudicated judgement outside what the submitted assessments gave
	CodeNotApplicableToCaseEvidence RuleCode = "not_applicable_to_case_evidence" // a domain, sample, rob_tool, relative_effect or reported certainty on case evidence
	CodeAttributionRequired         RuleCode = "attribution_required"            // case evidence without its WHO-UMC attribution
	CodeAttributionNotApplicable    RuleCode = "attribution_not_applicable"      // attribution on a finding that is not case evidence
	CodeSampleRequired              RuleCode = "sample_required"                 // an event rate graded from designs without its sample
	CodeSampleNotApplicable         RuleCode = "sample_not_applicable"           // sample on anything but an event rate graded from designs
	CodeRelativeEffectRequired      RuleCode = "relative_effect_required"        // a large effect on a difference measure (or without a ratio estimate) without relative_effect
	CodeRelativeEffectNotApplicable RuleCode = "relative_effect_not_applicable"  // relative_effect without a large effect, or beside a ratio estimate
)

// RuleCodes returns every refusal code. Each call returns a new slice.
func RuleCodes() []RuleCode {
	return []RuleCode{
		CodeUngradable, CodeSplitByDesign, CodeRateNotEstimable, CodeReportedCertaintyNotAllowed,
		CodeReportedCertaintyNotAlone, CodeDesignRequired, CodeDesignNotAllowed, CodeInvalidValue,
		CodeReasonRequired, CodeUpgradeRequiresNoDowngrade, CodeUpgradeNotApplicable,
		CodeLargeEffectUnsupported, CodeDowngradeNotAllowed, CodeRobToolNotApplicable, CodeEditorAssessed,
		CodeAdjudicationNotNeeded, CodeOutsideReviewerRange, CodeNotApplicableToCaseEvidence, CodeAttributionRequired,
		CodeAttributionNotApplicable, CodeSampleRequired, CodeSampleNotApplicable, CodeRelativeEffectRequired,
		CodeRelativeEffectNotApplicable,
	}
}

// RuleProblem is one refusal: the field (its snake_case JSON path, e.g.
// "risk_of_bias", "reasons.imprecision", "sources[2].reported_certainty"),
// the rule it breaks and what to do.
type RuleProblem struct {
	Field   string   `json:"field"`
	Code    RuleCode `json:"code"`
	Message string   `json:"message"`
}

// RuleError is the finding-level engine's refusal: every problem found, not
// just the first. Code is the first problem's code, which names the
// refusal as a whole (body problems come before judgement problems).
type RuleError struct {
	Code     RuleCode
	Problems []RuleProblem
}

// Error lists every problem as "field: message (code)".
func (e *RuleError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("%s: %s (%s)", p.Field, p.Message, p.Code)
	}
	return string(e.Code) + ": " + strings.Join(parts, "; ")
}

// Has reports whether some problem has this code.
func (e *RuleError) Has(code RuleCode) bool {
	return slices.ContainsFunc(e.Problems, func(p RuleProblem) bool { return p.Code == code })
}

// problems collects refusals.
type problems []RuleProblem

func (p *problems) add(field string, code RuleCode, message string) {
	*p = append(*p, RuleProblem{Field: field, Code: code, Message: message})
}

// err returns the problems as a *RuleError, or nil when there are none.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &RuleError{Code: p[0].Code, Problems: p}
}

// DomainJudgements is one full set of GRADE judgements on a finding's body
// of evidence: a reviewer's assessment or an editor's adjudication. The
// certainty is never part of it; GradeBody computes it. The JSON form is
// the assessment's PUT body without the rationale.
//
// Case evidence (Body.CaseEvidence) is judged for Attribution and
// Indirectness only: the other domains are "" (and the booleans false),
// never a neutral value, because they do not apply. CompleteJudgements
// fills in what a caller left out.
type DomainJudgements struct {
	RiskOfBias           Concern `json:"risk_of_bias,omitempty"`
	Inconsistency        Concern `json:"inconsistency,omitempty"`
	Indirectness         Concern `json:"indirectness,omitempty"`
	Imprecision          Concern `json:"imprecision,omitempty"`
	PublicationBias      Concern `json:"publication_bias,omitempty"`
	LargeEffect          Effect  `json:"large_effect,omitempty"`
	DoseResponse         bool    `json:"dose_response"`
	PlausibleConfounding bool    `json:"plausible_confounding"`
	RobTool              RobTool `json:"rob_tool,omitempty"` // "" or robins_i
	// Sample is how an event rate's participants were enrolled (event
	// rates graded from designs only): representative starts high,
	// selected low (Iorio 2015; GRADE 28).
	Sample Sample `json:"sample,omitempty"`
	// RelativeEffect is the ratio the reviewer derived from the source for
	// a large effect on a difference measure (or without a ratio
	// estimate), e.g. 0.4; checked by GRADE 9's thresholds.
	RelativeEffect *float64 `json:"relative_effect,omitempty"`
	// Attribution is the WHO-UMC causality of case evidence; "" otherwise.
	Attribution Attribution `json:"attribution,omitempty"`
	// Reasons maps a domain name (see Domains, and attribution for case
	// evidence) to the reason for its judgement: required for every
	// judgement other than not_serious, none and false, and for every
	// attribution; they become the summary-of-findings footnotes.
	Reasons map[string]string `json:"reasons"`
}

// CompleteJudgements fills in what an assessment or adjudication left out
// with the judgement that changes nothing, for the kind of body: for case
// evidence indirectness not_serious (the other domains stay out: they do
// not apply, and GradeBody refuses them); for any other body each
// downgrade not_serious and large_effect none. Nil reasons become empty.
func CompleteJudgements(b Body, j DomainJudgements) DomainJudgements {
	fill := func(c *Concern) {
		if *c == "" {
			*c = NotSerious
		}
	}
	fill(&j.Indirectness)
	if !b.CaseEvidence() {
		for _, c := range []*Concern{&j.RiskOfBias, &j.Inconsistency, &j.Imprecision, &j.PublicationBias} {
			fill(c)
		}
		if j.LargeEffect == "" {
			j.LargeEffect = NoLargeEffect
		}
	}
	if j.Reasons == nil {
		j.Reasons = map[string]string{}
	}
	return j
}

// NoConcerns returns judgements that change nothing: every downgrade
// not_serious, no large effect, no dose response or plausible confounding.
func NoConcerns() DomainJudgements {
	return DomainJudgements{
		RiskOfBias: NotSerious, Inconsistency: NotSerious, Indirectness: NotSerious,
		Imprecision: NotSerious, PublicationBias: NotSerious, LargeEffect: NoLargeEffect,
		Reasons: map[string]string{},
	}
}

// ConcernsFor returns the concerns a downgrade domain allows, mildest
// first; nil for a name that is not a downgrade domain:
//   - risk_of_bias and imprecision: not_serious to extremely_serious (0 to
//     -3; GRADE 18, Schünemann 2019, J Clin Epidemiol 111:105-114, for risk
//     of bias assessed with ROBINS-I; GRADE 34, Zeng 2022, and GRADE 35,
//     Schünemann 2022, J Clin Epidemiol 150:216-242, for imprecision);
//   - inconsistency and indirectness: not_serious to very_serious (GRADE 7
//     and 8, Guyatt 2011, J Clin Epidemiol 64:1294-1310);
//   - publication_bias: not_serious or serious (GRADE 5, Guyatt 2011, J
//     Clin Epidemiol 64:1277-1282: publication bias is "suspected" or not).
func ConcernsFor(domain string) []Concern {
	switch domain {
	case domainRiskOfBias, domainImprecision:
		return []Concern{NotSerious, Serious, VerySerious, ExtremelySerious}
	case domainInconsistency, domainIndirectness:
		return []Concern{NotSerious, Serious, VerySerious}
	case domainPublicationBias:
		return []Concern{NotSerious, Serious}
	}
	return nil
}

// concernChange is the levels a concern costs: 0, -1, -2 or -3.
func concernChange(c Concern) int {
	switch c {
	case Serious:
		return -1
	case VerySerious:
		return -2
	case ExtremelySerious:
		return -3
	}
	return 0
}

// downgrades lists the five downgrade domains with their judgements.
func (j DomainJudgements) downgrades() []struct {
	domain  string
	concern Concern
} {
	return []struct {
		domain  string
		concern Concern
	}{
		{domainRiskOfBias, j.RiskOfBias},
		{domainInconsistency, j.Inconsistency},
		{domainIndirectness, j.Indirectness},
		{domainImprecision, j.Imprecision},
		{domainPublicationBias, j.PublicationBias},
	}
}

// judgementOf returns the wire value of a domain's judgement ("serious",
// "large", "true" ...).
func (j DomainJudgements) judgementOf(domain string) string {
	switch domain {
	case domainRiskOfBias:
		return string(j.RiskOfBias)
	case domainInconsistency:
		return string(j.Inconsistency)
	case domainIndirectness:
		return string(j.Indirectness)
	case domainImprecision:
		return string(j.Imprecision)
	case domainPublicationBias:
		return string(j.PublicationBias)
	case domainLargeEffect:
		return string(j.LargeEffect)
	case domainDoseResponse:
		return strconv.FormatBool(j.DoseResponse)
	case domainPlausibleConfounding:
		return strconv.FormatBool(j.PlausibleConfounding)
	case string(DomainAttribution):
		return string(j.Attribution)
	}
	return ""
}

// judgedDomains are the names a judgement set may give a reason for: the
// eight GRADE domains and, for case evidence, attribution.
func judgedDomains() []string { return append(Domains(), string(DomainAttribution)) }

// neutral reports whether a domain's judgement changes nothing, so that it
// needs no reason: not_serious, none or false.
func neutralJudgement(s string) bool {
	return s == string(NotSerious) || s == string(NoLargeEffect) || s == "false"
}

// validJudgement reports whether judgement is in the domain's range.
func validJudgement(domain, judgement string) bool {
	switch domain {
	case domainLargeEffect:
		return Effect(judgement).Valid()
	case domainDoseResponse, domainPlausibleConfounding:
		return true
	case string(DomainAttribution):
		return slices.Contains(AssessedAttributions(), Attribution(judgement))
	}
	return slices.Contains(ConcernsFor(domain), Concern(judgement))
}

// anyDowngrade reports whether any of the five downgrade domains is other
// than not_serious.
func (j DomainJudgements) anyDowngrade() bool {
	for _, d := range j.downgrades() {
		if d.concern != NotSerious {
			return true
		}
	}
	return false
}

// CertaintyDerivationFormat is the version of CertaintyDerivation's JSON
// form, stored with every derivation so that one in another form is
// recognised instead of misread. The fields added since (case_evidence,
// attribution, sample, relative_effect) are optional: a format-1
// derivation without them reads as before.
const CertaintyDerivationFormat = 1

// CertaintyDerivation explains the certainty of a finding's body of
// evidence: the start and why, each domain's step with its reason, and the
// clamp. Its JSON form is what the store keeps and the API shows.
//
// For case evidence (CaseEvidence) it explains the occurrence certainty,
// the certainty that the harm can occur at all, instead: the start is the
// attribution's level (Attribution.OccurrenceCertainty), Steps holds only
// indirectness, and Result is the occurrence certainty, never a GRADE
// rating of how often.
type CertaintyDerivation struct {
	Format      int         `json:"format"`
	Start       Certainty   `json:"start"`
	StartReason string      `json:"start_reason"`
	DesignClass DesignClass `json:"design_class,omitempty"`
	EventRate   bool        `json:"event_rate"`
	RobTool     RobTool     `json:"rob_tool,omitempty"`
	// Sample is the event rate's sample that decided the start.
	Sample Sample `json:"sample,omitempty"`
	// CaseEvidence says that Result is an occurrence certainty, derived
	// from Attribution.
	CaseEvidence bool        `json:"case_evidence,omitempty"`
	Attribution  Attribution `json:"attribution,omitempty"`
	// RelativeEffect is the ratio a large effect on a difference measure
	// was checked against (GRADE 9).
	RelativeEffect *float64 `json:"relative_effect,omitempty"`
	// ReportedBy is the source whose reported_certainty is the start; 0
	// (omitted) when the start is a design level.
	ReportedBy   int64           `json:"reported_by,omitempty"`
	LevelSetting []int64         `json:"level_setting"`
	Overlapped   []int64         `json:"overlapped"`
	Context      []ContextSource `json:"context"`
	// Steps holds the eight domains in the order of Domains; for case
	// evidence only indirectness.
	Steps []DerivationStep `json:"steps"`
	// Total is start + downgrades + upgrades on the level scale (very_low
	// = 1 ... high = 4) before the clamp.
	Total   int       `json:"total"`
	Result  Certainty `json:"result"`
	Clamped bool      `json:"clamped"` // Total was outside [1, 4]
	// AdjudicatedBy names the editor of an adjudication; "" for a
	// reviewer's assessment.
	AdjudicatedBy string `json:"adjudicated_by,omitempty"`
	Rationale     string `json:"rationale,omitempty"` // the adjudication's rationale
}

// GradeCertainty is the GRADE certainty the derivation reached; None for
// case evidence, whose result is an occurrence certainty.
func (d CertaintyDerivation) GradeCertainty() Certainty {
	if d.CaseEvidence {
		return None
	}
	return d.Result
}

// OccurrenceCertainty is the certainty that the harm can occur, for case
// evidence; None for any other derivation.
func (d CertaintyDerivation) OccurrenceCertainty() Certainty {
	if !d.CaseEvidence {
		return None
	}
	return d.Result
}

// DerivationStep is one domain's contribution to a finding's certainty.
type DerivationStep struct {
	Domain    string    `json:"domain"`    // e.g. "risk_of_bias"
	Judgement string    `json:"judgement"` // e.g. "serious", "large", "true"
	Change    int       `json:"change"`    // -3 to +2
	After     Certainty `json:"after"`     // the running total so far, clamped to [very_low, high]
	Reason    string    `json:"reason,omitempty"`
	FHIRType  string    `json:"fhir_type"` // the FHIR R5 certainty-type code
}

// fhirTypes are the FHIR R5 certainty-type codes of the domains.
var fhirTypes = map[string]string{
	domainRiskOfBias: "RiskOfBias", domainInconsistency: "Inconsistency", domainIndirectness: "Indirectness",
	domainImprecision: "Imprecision", domainPublicationBias: "PublicationBias", domainLargeEffect: "LargeEffect",
	domainDoseResponse: "DoseResponseGradient", domainPlausibleConfounding: "PlausibleConfounding",
}

// ParseCertaintyDerivation decodes a stored derivation. Another format, or
// a value outside the vocabularies, is an error: a stored derivation is
// never misread.
func ParseCertaintyDerivation(stored []byte) (CertaintyDerivation, error) {
	var d CertaintyDerivation
	if err := json.Unmarshal(stored, &d); err != nil {
		return CertaintyDerivation{}, fmt.Errorf("decode certainty derivation: %w", err)
	}
	if d.Format != CertaintyDerivationFormat {
		return CertaintyDerivation{}, fmt.Errorf("decode certainty derivation: format %d, want %d", d.Format, CertaintyDerivationFormat)
	}
	check := []Certainty{d.Start, d.Result}
	for _, s := range d.Steps {
		check = append(check, s.After)
	}
	for _, c := range check {
		if err := c.Validate(); err != nil {
			return CertaintyDerivation{}, fmt.Errorf("decode certainty derivation: %w", err)
		}
	}
	if d.DesignClass != "" && d.DesignClass.Validate() != nil {
		return CertaintyDerivation{}, fmt.Errorf("decode certainty derivation: %w", d.DesignClass.Validate())
	}
	if d.RobTool != "" && d.RobTool.Validate() != nil {
		return CertaintyDerivation{}, fmt.Errorf("decode certainty derivation: %w", d.RobTool.Validate())
	}
	if d.Sample != "" && d.Sample.Validate() != nil {
		return CertaintyDerivation{}, fmt.Errorf("decode certainty derivation: %w", d.Sample.Validate())
	}
	if d.CaseEvidence != (d.Attribution != "") || (d.Attribution != "" && !slices.Contains(AssessedAttributions(), d.Attribution)) {
		return CertaintyDerivation{}, fmt.Errorf("decode certainty derivation: case evidence %v with attribution %q", d.CaseEvidence, d.Attribution)
	}
	return d, nil
}

// Summary returns the derivation as one line, for example
// "low (non-randomised, sources 3, 4) +2 large effect (very large) = high",
// or for case evidence "moderate (attribution probable, sources 7) -1
// indirectness (serious) = low certainty that the harm can occur (not how
// often)".
func (d CertaintyDerivation) Summary() string {
	var b strings.Builder
	from := "sources " + joinIDs(d.LevelSetting)
	switch {
	case d.CaseEvidence:
		from = fmt.Sprintf("attribution %s, %s", d.Attribution, from)
	case d.ReportedBy != 0:
		from = fmt.Sprintf("reported by source %d", d.ReportedBy)
	case d.RobTool != "":
		from += ", " + string(d.RobTool)
	case d.Sample != "":
		from += ", " + string(d.Sample) + " sample"
	}
	fmt.Fprintf(&b, "%s (%s)", d.Start.label(), from)
	for _, s := range d.Steps {
		if s.Change == 0 {
			continue
		}
		fmt.Fprintf(&b, " %+d %s", s.Change, strings.ReplaceAll(s.Domain, "_", " "))
		if s.Judgement != "true" {
			j := strings.ReplaceAll(s.Judgement, "_", " ")
			if s.Domain == domainLargeEffect && d.RelativeEffect != nil {
				j += ", relative effect " + strconv.FormatFloat(*d.RelativeEffect, 'g', -1, 64)
			}
			fmt.Fprintf(&b, " (%s)", j)
		}
	}
	fmt.Fprintf(&b, " = %s", d.Result.label())
	if d.CaseEvidence {
		b.WriteString(" certainty that the harm can occur (not how often)")
	}
	if d.Clamped {
		fmt.Fprintf(&b, " (clamped from %d)", d.Total)
	}
	if d.AdjudicatedBy != "" {
		fmt.Fprintf(&b, ", adjudicated by %s", d.AdjudicatedBy)
	}
	return b.String()
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// Large-effect thresholds for ratio measures (GRADE 9, Guyatt 2011, J Clin
// Epidemiol 64:1311-1316; GRADE handbook 5.3.1): a large effect is RR > 2
// or < 0.5, a very large one RR > 5 or < 0.2. They are applied inclusively,
// to a ratio estimate or to the relative effect a reviewer derived for a
// difference measure.
const (
	largeRatio     = 2.0
	veryLargeRatio = 5.0
)

// GradeBody checks a full set of judgements against a finding's body of
// evidence and derives the certainty: start - downgrades + upgrades,
// clamped to [very_low, high] (GRADE handbook 5; GRADE 3, Balshem 2011).
// Pass judgements completed by CompleteJudgements. It reports every
// problem at once in a *RuleError, body problems (see BodyBasis) first,
// then, per field:
//
//   - each downgrade within its domain's range (ConcernsFor); risk_of_bias
//     extremely_serious only with rob_tool robins_i (GRADE 18; without it
//     risk of bias costs at most two levels, GRADE 4, Guyatt 2011, J Clin
//     Epidemiol 64:407-415): invalid_value;
//   - rob_tool robins_i only for non-randomised comparative evidence
//     rated from its design: rob_tool_not_applicable; it starts that
//     evidence high (GRADE 18);
//   - sample (representative | selected) for an event rate graded from
//     its designs, where it decides the start (Iorio 2015; GRADE 28):
//     sample_required there, sample_not_applicable elsewhere;
//   - with a source's reported certainty, downgrades only for indirectness,
//     and for imprecision only when the finding's threshold differs from
//     the one the review used (ThresholdsDiffer; GRADE 32, 34):
//     downgrade_not_allowed;
//   - upgrades (large_effect, dose_response, plausible_confounding) only
//     for non-randomised comparative evidence rated from its design
//     (upgrade_not_applicable) whose five downgrades are all not_serious
//     (upgrade_requires_no_downgrade) (GRADE 9; GRADE 18);
//   - large_effect must be reached (GRADE 9: large needs >= 2 or <= 0.5,
//     very_large >= 5 or <= 0.2) by the finding's ratio estimate, or, on a
//     difference measure or without a ratio estimate, by relative_effect,
//     the ratio the reviewer derived from the source
//     (relative_effect_required without it): large_effect_unsupported;
//     relative_effect anywhere else is relative_effect_not_applicable;
//   - every judgement other than not_serious, none or false needs a
//     reason (reason_required); reasons name only the eight domains
//     (invalid_value);
//   - attribution only for case evidence (attribution_not_applicable);
//     case evidence is judged for attribution (WHO-UMC certain, probable,
//     possible or unlikely, with its reason; attribution_required) and
//     indirectness only: every other domain, rob_tool, sample and
//     relative_effect is not_applicable_to_case_evidence.
func GradeBody(b Body, j DomainJudgements) (CertaintyDerivation, error) {
	var p problems
	validateBody(b, &p)
	basis := p.basis(b)
	bodyOK := len(p) == 0
	checkJudgements(b, basis, bodyOK, j, &p)
	if err := p.err(); err != nil {
		return CertaintyDerivation{}, err
	}
	return derive(basis, j), nil
}

// checkJudgements adds the problems of j for a body whose basis is valid
// when bodyOK.
func checkJudgements(b Body, basis Basis, bodyOK bool, j DomainJudgements, p *problems) {
	if b.CaseEvidence() {
		checkCaseEvidence(j, p)
		return
	}
	robins := j.RobTool == RobToolROBINSI
	if j.RobTool != "" && j.RobTool.Validate() != nil {
		p.add("rob_tool", CodeInvalidValue, mustBeOneOf(Strings(RobTools()))+", or omitted")
	}
	designRated := bodyOK && !basis.Reported()
	comparativeNRS := designRated && !basis.EventRate && basis.Class == ClassNonRandomised
	if robins && bodyOK && !comparativeNRS {
		p.add("rob_tool", CodeRobToolNotApplicable,
			"robins_i applies only to non-randomised comparative evidence rated from its design (GRADE 18); this body is "+basis.describe())
	}
	if j.Attribution != "" {
		p.add("attribution", CodeAttributionNotApplicable,
			"attribution (WHO-UMC) is judged only for case evidence: a harm question without comparator whose finding has no measure; this finding "+notCaseEvidence(b))
	}
	// Iorio 2015; GRADE 28: an event rate starts high from a representative
	// sample and low from a selected one, so the assessment must say which.
	switch {
	case j.Sample != "" && j.Sample.Validate() != nil:
		p.add("sample", CodeInvalidValue, mustBeOneOf(Strings(Samples())))
	case designRated && basis.EventRate && j.Sample == "":
		p.add("sample", CodeSampleRequired,
			"an event rate (comparator_kind none) graded from its studies' designs starts high only from a representative sample "+
				"(consecutive or population-based enrolment) and low from a selected one (an outbreak or cluster investigation, "+
				"a convenience sample) (Iorio, BMJ 2015; GRADE 28): state sample, representative or selected")
	case bodyOK && !(designRated && basis.EventRate) && j.Sample != "":
		p.add("sample", CodeSampleNotApplicable,
			"sample decides the start of an event rate (comparator_kind none, with a measure) graded from its studies' designs only; this body is "+basis.describe())
	}

	for _, d := range j.downgrades() {
		allowed := ConcernsFor(d.domain)
		switch {
		case !slices.Contains(allowed, d.concern):
			p.add(d.domain, CodeInvalidValue, mustBeOneOf(Strings(allowed)))
		case d.domain == domainRiskOfBias && d.concern == ExtremelySerious && !robins:
			p.add(d.domain, CodeInvalidValue,
				"extremely_serious risk of bias (-3) needs rob_tool robins_i (GRADE 18); otherwise risk of bias costs at most two levels (GRADE 4)")
		case bodyOK && basis.Reported() && d.concern != NotSerious && d.domain != domainIndirectness &&
			!(d.domain == domainImprecision && b.thresholdDiffers(basis)):
			msg := fmt.Sprintf("the certainty reported by source %d already judged %s: only indirectness may be rated down again",
				basis.ReportedBy, strings.ReplaceAll(d.domain, "_", " "))
			if d.domain == domainImprecision {
				msg += fmt.Sprintf(", and imprecision only when this finding's threshold differs from the one the review used (GRADE 32, 34): both are %s",
					b.sharedThresholdText())
			}
			p.add(d.domain, CodeDowngradeNotAllowed, msg)
		}
	}

	// Upgrades (GRADE 9; GRADE 18): only for non-randomised comparative
	// evidence rated from its design with no downgrade.
	largeOn := j.LargeEffect != NoLargeEffect && j.LargeEffect.Valid()
	ratioEstimate := b.Effect.Measure.IsRatio() && b.Effect.Estimate != nil
	upgrades := []struct {
		domain string
		on     bool
	}{
		{domainLargeEffect, largeOn},
		{domainDoseResponse, j.DoseResponse},
		{domainPlausibleConfounding, j.PlausibleConfounding},
	}
	if !j.LargeEffect.Valid() {
		p.add(domainLargeEffect, CodeInvalidValue, mustBeOneOf(Strings(Effects())))
	}
	relativeOK := true
	if r := j.RelativeEffect; r != nil {
		switch {
		case *r <= 0 || math.IsNaN(*r) || math.IsInf(*r, 0):
			relativeOK = false
			p.add("relative_effect", CodeInvalidValue, "must be a ratio greater than 0, e.g. 0.4 for a risk reduced to 40% or 2.5 for one raised to 250%")
		case j.LargeEffect == NoLargeEffect:
			p.add("relative_effect", CodeRelativeEffectNotApplicable,
				"relative_effect supports a large effect (GRADE 9); large_effect is none: leave it out")
		case largeOn && ratioEstimate:
			p.add("relative_effect", CodeRelativeEffectNotApplicable,
				fmt.Sprintf("the finding's own %s estimate %g is checked against GRADE 9's thresholds: leave relative_effect out",
					b.Effect.Measure, *b.Effect.Estimate))
		}
	}
	for _, u := range upgrades {
		if !u.on || !bodyOK {
			continue
		}
		switch {
		case !comparativeNRS:
			p.add(u.domain, CodeUpgradeNotApplicable,
				"upgrades apply only to non-randomised comparative evidence rated from its design (GRADE 9, 18); this body is "+basis.describe())
		case j.anyDowngrade():
			p.add(u.domain, CodeUpgradeRequiresNoDowngrade,
				"upgrades apply only when risk of bias, inconsistency, indirectness, imprecision and publication bias are all not_serious (GRADE 9)")
		case u.domain == domainLargeEffect && ratioEstimate:
			if msg := thresholdProblem(fmt.Sprintf("the %s estimate", b.Effect.Measure), *b.Effect.Estimate, j.LargeEffect); msg != "" {
				p.add(u.domain, CodeLargeEffectUnsupported, msg)
			}
		case u.domain == domainLargeEffect && j.RelativeEffect == nil:
			what := "a difference measure"
			if b.Effect.Measure.IsRatio() {
				what = "a ratio measure without an estimate"
			} else if b.Effect.Measure == "" {
				what = "a finding without a measure"
			}
			p.add("relative_effect", CodeRelativeEffectRequired,
				fmt.Sprintf("a large effect on %s needs relative_effect: the ratio you derived from the source (e.g. 0.4 for a risk reduced to 40%%), "+
					"checked by GRADE 9's thresholds (large: >= 2 or <= 0.5; very large: >= 5 or <= 0.2)", what))
		case u.domain == domainLargeEffect && relativeOK:
			if msg := thresholdProblem("relative_effect", *j.RelativeEffect, j.LargeEffect); msg != "" {
				p.add(u.domain, CodeLargeEffectUnsupported, msg)
			}
		}
	}

	// Reasons: every judgement that changes the level needs one (DESIGN:
	// they become the summary-of-findings footnotes).
	for _, domain := range Domains() {
		judgement := j.judgementOf(domain)
		if neutralJudgement(judgement) || !validJudgement(domain, judgement) {
			continue // nothing to explain, or refused above
		}
		if strings.TrimSpace(j.Reasons[domain]) != "" {
			continue
		}
		p.add("reasons."+domain, CodeReasonRequired, fmt.Sprintf("%s is %s: give the reason (it becomes a summary-of-findings footnote)",
			strings.ReplaceAll(domain, "_", " "), judgement))
	}
	unknownReasons(j, Domains(), "not a GRADE domain: "+mustBeOneOf(Domains()), p)
}

// unknownReasons refuses reasons for anything but the allowed names.
func unknownReasons(j DomainJudgements, allowed []string, message string, p *problems) {
	var unknown []string
	for k := range j.Reasons {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		p.add("reasons."+k, CodeInvalidValue, message)
	}
}

// notCaseEvidence says why a body is not case evidence, for a refusal.
func notCaseEvidence(b Body) string {
	switch {
	case b.Question.OutcomeKind != OutcomeHarm:
		return "answers a benefit question"
	case b.Question.ComparatorKind != ComparatorNone:
		return "has a comparator (comparator_kind " + string(b.Question.ComparatorKind) + ")"
	}
	return "has a measure (" + string(b.Effect.Measure) + "): it estimates how often, and is graded as an event rate"
}

// checkCaseEvidence adds the problems of judgements on case evidence: it
// is judged for its WHO-UMC attribution and indirectness only (DESIGN
// "Case evidence"). The WHO-UMC causality categories (Uppsala Monitoring
// Centre, "The use of the WHO-UMC system for standardised case causality
// assessment") rest on the time relationship, other explanations,
// dechallenge and rechallenge; the reviewer's reason says which criteria
// the documented cases meet.
func checkCaseEvidence(j DomainJudgements, p *problems) {
	given := []struct {
		field string
		set   bool
	}{
		{domainRiskOfBias, j.RiskOfBias != ""},
		{domainInconsistency, j.Inconsistency != ""},
		{domainImprecision, j.Imprecision != ""},
		{domainPublicationBias, j.PublicationBias != ""},
		{domainLargeEffect, j.LargeEffect != ""},
		{domainDoseResponse, j.DoseResponse},
		{domainPlausibleConfounding, j.PlausibleConfounding},
		{"rob_tool", j.RobTool != ""},
		{"sample", j.Sample != ""},
		{"relative_effect", j.RelativeEffect != nil},
	}
	for _, g := range given {
		if g.set {
			p.add(g.field, CodeNotApplicableToCaseEvidence, fmt.Sprintf(
				"case evidence (a harm question without comparator whose finding has no measure) answers only whether the harm can occur "+
					"and is judged only for attribution (WHO-UMC) and indirectness: leave %s out", g.field))
		}
	}
	attribution := string(DomainAttribution)
	switch {
	case j.Attribution == "":
		p.add(attribution, CodeAttributionRequired,
			"case evidence is judged for its attribution (WHO-UMC causality assessment): "+mustBeOneOf(Strings(AssessedAttributions()))+", with the reason")
	case !slices.Contains(AssessedAttributions(), j.Attribution):
		p.add(attribution, CodeInvalidValue, mustBeOneOf(Strings(AssessedAttributions())))
	case strings.TrimSpace(j.Reasons[attribution]) == "":
		p.add("reasons."+attribution, CodeReasonRequired, fmt.Sprintf(
			"attribution is %s: give the reason, the WHO-UMC criteria the documented cases meet (time to onset, other causes, dechallenge, rechallenge)", j.Attribution))
	}
	switch allowed := ConcernsFor(domainIndirectness); {
	case !slices.Contains(allowed, j.Indirectness):
		p.add(domainIndirectness, CodeInvalidValue, mustBeOneOf(Strings(allowed)))
	case j.Indirectness != NotSerious && strings.TrimSpace(j.Reasons[domainIndirectness]) == "":
		p.add("reasons."+domainIndirectness, CodeReasonRequired, fmt.Sprintf(
			"indirectness is %s: give the reason (another product, dose, route or setting than the question's)", j.Indirectness))
	}
	unknownReasons(j, []string{attribution, domainIndirectness}, "case evidence takes reasons for attribution and indirectness only", p)
}

// thresholdProblem checks a large-effect judgement against a ratio, the
// finding's estimate or a reviewer's relative effect (GRADE 9): "" when it
// holds.
func thresholdProblem(what string, ratio float64, effect Effect) string {
	if ratio <= 0 || math.IsNaN(ratio) || math.IsInf(ratio, 0) {
		return fmt.Sprintf("%s %g is not a positive ratio", what, ratio)
	}
	limit := largeRatio
	if effect == VeryLarge {
		limit = veryLargeRatio
	}
	if ratio >= limit || ratio <= 1/limit {
		return ""
	}
	return fmt.Sprintf("a %s effect needs a ratio >= %g or <= %g (GRADE 9); %s is %g",
		strings.ReplaceAll(string(effect), "_", " "), limit, 1/limit, what, ratio)
}

// describe names the kind of body for a refusal message.
func (b Basis) describe() string {
	switch {
	case b.CaseEvidence:
		return "case evidence (a harm without comparator and without a measure)"
	case b.Reported():
		return fmt.Sprintf("rated by source %d itself (reported certainty)", b.ReportedBy)
	case b.EventRate:
		return "an event rate (comparator_kind none)"
	default:
		return strings.ReplaceAll(string(b.Class), "_", "-") + " evidence"
	}
}

// derive computes the derivation of valid judgements on a valid basis.
func derive(basis Basis, j DomainJudgements) CertaintyDerivation {
	d := CertaintyDerivation{
		Format:       CertaintyDerivationFormat,
		Start:        basis.Start,
		StartReason:  basis.StartReason,
		DesignClass:  basis.Class,
		EventRate:    basis.EventRate,
		RobTool:      j.RobTool,
		Sample:       j.Sample,
		ReportedBy:   basis.ReportedBy,
		LevelSetting: basis.LevelSetting,
		Overlapped:   basis.Overlapped,
		Context:      basis.Context,
	}
	if basis.CaseEvidence {
		// DESIGN "Case evidence": the agreed attribution is the start of
		// the certainty that the harm can occur (certain high, probable
		// moderate, possible low, unlikely very low), one level lower per
		// step of indirectness (GRADE 8, Guyatt 2011, J Clin Epidemiol
		// 64:1303-1310: evidence about another product, dose or setting).
		d.CaseEvidence, d.Attribution = true, j.Attribution
		d.Start = j.Attribution.OccurrenceCertainty()
		d.StartReason += fmt.Sprintf("; attribution %s (WHO-UMC): the harm can occur, %s certainty before indirectness", j.Attribution, d.Start.label())
		total := d.Start.Level()
		s := DerivationStep{Domain: domainIndirectness, Judgement: string(j.Indirectness), Change: concernChange(j.Indirectness),
			FHIRType: fhirTypes[domainIndirectness], Reason: j.Reasons[domainIndirectness]}
		total += s.Change
		s.After = atLevel(total)
		d.Steps = []DerivationStep{s}
		d.Total, d.Result = total, atLevel(total)
		d.Clamped = total != d.Result.Level()
		return d
	}
	switch {
	case j.RobTool == RobToolROBINSI:
		// GRADE 18: with ROBINS-I, non-randomised studies start high and
		// risk of bias carries the confounding that GRADE 3's low start
		// otherwise stands for.
		d.Start = High
		d.StartReason += "; assessed with ROBINS-I, so it starts high and risk of bias may cost up to 3 levels (GRADE 18)"
	case basis.EventRate && !basis.Reported() && j.Sample == SampleRepresentative:
		d.Start = High
		d.StartReason += " from a representative sample (consecutive or population-based enrolment) start high (Iorio, BMJ 2015; GRADE 28)"
	case basis.EventRate && !basis.Reported() && j.Sample == SampleSelected:
		d.Start = Low
		d.StartReason += " from a selected sample (an outbreak or cluster investigation, a convenience sample) start low (Iorio, BMJ 2015; GRADE 28)"
	}
	if j.LargeEffect != NoLargeEffect && j.RelativeEffect != nil {
		r := *j.RelativeEffect
		d.RelativeEffect = &r
	}
	total := d.Start.Level()
	for _, domain := range Domains() {
		s := DerivationStep{Domain: domain, Judgement: j.judgementOf(domain), FHIRType: fhirTypes[domain], Reason: j.Reasons[domain]}
		switch domain {
		case domainLargeEffect:
			s.Change = j.LargeEffect.Steps()
		case domainDoseResponse, domainPlausibleConfounding:
			if s.Judgement == "true" {
				s.Change = 1
			}
		default:
			s.Change = concernChange(Concern(s.Judgement))
		}
		total += s.Change
		s.After = atLevel(total)
		d.Steps = append(d.Steps, s)
	}
	d.Total = total
	d.Result = atLevel(total)
	d.Clamped = total != d.Result.Level()
	return d
}

// Adjudication is an editor's settlement of a finding whose reviewers
// disagreed: a full set of domain judgements with reasons, checked by the
// same rules as an assessment, never a free certainty.
type Adjudication struct {
	Editor     string
	Judgements DomainJudgements
	Rationale  string
	// Assessors are the reviewers who assessed the finding; the editor
	// must not be one of them.
	Assessors []string
	// Submitted are the submitted assessments of the round of review being
	// settled (those submitted after the current grade, if any), whose
	// disagreement the adjudication settles and whose range bounds it.
	Submitted []FindingAssessment
	// RequiredReviews is REQUIRED_REVIEWS; below 1 counts as 1.
	RequiredReviews int
}

// AdjudicationNeeded reports (as a *RuleError coded
// adjudication_not_needed) a round of review that shows no
// reviewer_disagreement: fewer than REQUIRED_REVIEWS (and two) submitted
// assessments, or assessments that agree on the start and every domain.
// Adjudication settles a disagreement; it is not a shortcut to a grade
// (DESIGN "Consensus").
func AdjudicationNeeded(submitted []FindingAssessment, required int) error {
	need := max(required, 2)
	var msg string
	switch {
	case len(submitted) == 0:
		msg = "no submitted assessment awaits a settlement: an editor adjudicates only a disagreement between submitted assessments " +
			"(a finding nobody assessed is graded by its reviewers; a stale grade is re-graded by a new round of review, in which reviewers reopen their assessments)"
	case len(submitted) < need:
		msg = fmt.Sprintf("only %d submitted assessment(s) of the %d needed (REQUIRED_REVIEWS, and two to disagree): adjudication settles a disagreement between them, "+
			"so wait for the other review(s)", len(submitted), need)
	case len(Disagreements(submitted)) == 0:
		msg = fmt.Sprintf("the %d submitted assessments agree on the start and every domain: their consensus is the grade, there is no disagreement to settle", len(submitted))
	default:
		return nil
	}
	return &RuleError{Code: CodeAdjudicationNotNeeded, Problems: []RuleProblem{{Field: "assessments", Code: CodeAdjudicationNotNeeded, Message: msg}}}
}

// AdjudicateBody checks an adjudication like GradeBody checks an
// assessment, after AdjudicationNeeded (its refusal comes alone), and also
// that the rationale is given (reason_required, field rationale), that the
// editor did not assess the finding (editor_assessed, field editor) and
// that every judgement lies within the range the submitted assessments
// gave (WithinReviewerRange: outside_reviewer_range). The derivation names
// the editor.
func AdjudicateBody(b Body, a Adjudication) (CertaintyDerivation, error) {
	if err := AdjudicationNeeded(a.Submitted, a.RequiredReviews); err != nil {
		return CertaintyDerivation{}, err
	}
	var p problems
	validateBody(b, &p)
	basis := p.basis(b)
	bodyOK := len(p) == 0
	checkJudgements(b, basis, bodyOK, a.Judgements, &p)
	if strings.TrimSpace(a.Rationale) == "" {
		p.add("rationale", CodeReasonRequired, "an adjudication needs a rationale: say how the disagreement was settled")
	}
	if slices.Contains(a.Assessors, a.Editor) {
		p.add("editor", CodeEditorAssessed, "an editor who assessed this finding cannot adjudicate it")
	}
	var d CertaintyDerivation
	if len(p) == 0 {
		d = derive(basis, a.Judgements)
		p = append(p, WithinReviewerRange(d, a.Judgements, a.Submitted)...)
	}
	if err := p.err(); err != nil {
		return CertaintyDerivation{}, err
	}
	d.AdjudicatedBy = a.Editor
	if d.AdjudicatedBy == "" {
		d.AdjudicatedBy = "an editor"
	}
	d.Rationale = a.Rationale
	return d, nil
}

// attributionScale is the WHO-UMC attributions on their ordinal scale,
// least certain first.
var attributionScale = []string{string(AttributionUnlikely), string(AttributionPossible), string(AttributionProbable), string(AttributionCertain)}

// WithinReviewerRange checks an adjudication (its judgements j and their
// derivation d) against the submitted assessments it settles: each
// judgement must lie within the range they gave (DESIGN "Consensus": an
// adjudication settles their disagreement and adds no judgement of its
// own). Ordinal scales are compared between the lowest and highest value
// given: the start as derived (so rob_tool and sample count through it;
// not for case evidence, whose start is its attribution's level), each
// downgrade domain on its concerns, large_effect on none < large <
// very_large, attribution on unlikely < possible < probable < certain;
// dose_response and plausible_confounding must be a value some assessment
// gave. A judgement the assessments did not make (the body changed kind
// since they were submitted) is outside their range. Reasons, rob_tool,
// sample and relative_effect are not compared on their own. The certainty
// the adjudication reaches (field certainty, occurrence_certainty for case
// evidence) must lie between the lowest and highest the assessments
// reached too: choosing, domain by domain, the milder of two reviewers who
// rated down different domains would otherwise reach a certainty neither
// concluded (two reviewers at moderate, an adjudication at high). It
// returns one outside_reviewer_range problem per field; none when all
// hold.
func WithinReviewerRange(d CertaintyDerivation, j DomainJudgements, submitted []FindingAssessment) []RuleProblem {
	var p problems
	ordinal := func(field string, scale []string, got string, given []string, note string) {
		at := slices.Index(scale, got)
		if at < 0 {
			return // not judged here (case evidence leaves the domains out)
		}
		lo, hi := -1, -1
		for _, g := range given {
			i := slices.Index(scale, g)
			if i < 0 {
				continue
			}
			if lo < 0 || i < lo {
				lo = i
			}
			hi = max(hi, i)
		}
		switch {
		case lo < 0:
			p.add(field, CodeOutsideReviewerRange, fmt.Sprintf("%s is %s, but none of the submitted assessments judged it "+
				"(the finding changed since they were submitted): the reviewers assess it first", field, got))
		case at < lo || at > hi:
			rng := fmt.Sprintf("must lie between %s and %s, the range", scale[lo], scale[hi])
			if lo == hi {
				rng = fmt.Sprintf("must be %s, the only value", scale[lo])
			}
			p.add(field, CodeOutsideReviewerRange, fmt.Sprintf("%s %s the submitted assessments gave%s", field, rng, note))
		}
	}
	values := func(of func(FindingAssessment) string) []string {
		out := make([]string, len(submitted))
		for i, a := range submitted {
			out[i] = of(a)
		}
		return out
	}
	if !d.CaseEvidence {
		ordinal(DomainStart, certaintyScale, string(d.Start), values(func(a FindingAssessment) string { return string(a.Start) }),
			fmt.Sprintf(" (this adjudication starts %s: %s)", d.Start.label(), d.StartReason))
	}
	ordinal(string(DomainAttribution), attributionScale, string(j.Attribution),
		values(func(a FindingAssessment) string { return string(a.Judgements.Attribution) }), "")
	for _, domain := range Domains() {
		got := j.judgementOf(domain)
		given := values(func(a FindingAssessment) string { return a.Judgements.judgementOf(domain) })
		switch domain {
		case domainDoseResponse, domainPlausibleConfounding:
			if d.CaseEvidence || slices.Contains(given, got) {
				continue
			}
			p.add(domain, CodeOutsideReviewerRange, fmt.Sprintf("%s must be %s, the only value the submitted assessments gave", domain, given[0]))
		default:
			ordinal(domain, domainScale(domain), got, given, "")
		}
	}
	result := "certainty"
	if d.CaseEvidence {
		result = "occurrence_certainty"
	}
	ordinal(result, certaintyScale, string(d.Result), values(func(a FindingAssessment) string { return string(a.Certainty) }),
		fmt.Sprintf(" (this adjudication reaches %s: %s)", d.Result.label(), d.Summary()))
	return p
}

// Validate reports the first judgement outside its domain's range, or an
// unknown rob_tool or sample, as stored judgements are read back (a stored
// value that does not parse is an error, never a silent default). Stored
// case-evidence judgements (an attribution) hold indirectness and no other
// domain.
func (j DomainJudgements) Validate() error {
	if j.Attribution != "" {
		if !validJudgement(string(DomainAttribution), string(j.Attribution)) {
			return fmt.Errorf("attribution %q is not one of %s", j.Attribution, strings.Join(Strings(AssessedAttributions()), ", "))
		}
		if !validJudgement(domainIndirectness, string(j.Indirectness)) {
			return fmt.Errorf("judgement of indirectness: %q is not in the domain's range", j.Indirectness)
		}
		for _, d := range Domains() {
			if v := j.judgementOf(d); d != domainIndirectness && v != "" && v != "false" {
				return fmt.Errorf("case-evidence judgements hold %s %q", d, v)
			}
		}
	} else {
		for _, d := range Domains() {
			if v := j.judgementOf(d); !validJudgement(d, v) {
				return fmt.Errorf("judgement of %s: %q is not in the domain's range", d, v)
			}
		}
	}
	if j.RobTool != "" {
		if err := j.RobTool.Validate(); err != nil {
			return err
		}
	}
	if j.Sample != "" {
		if err := j.Sample.Validate(); err != nil {
			return err
		}
	}
	return nil
}
