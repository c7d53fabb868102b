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
)

// RuleCodes returns every refusal code. Each call returns a new slice.
func RuleCodes() []RuleCode {
	return []RuleCode{
		CodeUngradable, CodeSplitByDesign, CodeRateNotEstimable, CodeReportedCertaintyNotAllowed,
		CodeReportedCertaintyNotAlone, CodeDesignRequired, CodeDesignNotAllowed, CodeInvalidValue,
		CodeReasonRequired, CodeUpgradeRequiresNoDowngrade, CodeUpgradeNotApplicable,
		CodeLargeEffectUnsupported, CodeDowngradeNotAllowed, CodeRobToolNotApplicable, CodeEditorAssessed,
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
type DomainJudgements struct {
	RiskOfBias           Concern `json:"risk_of_bias"`
	Inconsistency        Concern `json:"inconsistency"`
	Indirectness         Concern `json:"indirectness"`
	Imprecision          Concern `json:"imprecision"`
	PublicationBias      Concern `json:"publication_bias"`
	LargeEffect          Effect  `json:"large_effect"`
	DoseResponse         bool    `json:"dose_response"`
	PlausibleConfounding bool    `json:"plausible_confounding"`
	RobTool              RobTool `json:"rob_tool,omitempty"` // "" or robins_i
	// Reasons maps a domain name (see Domains) to the reason for its
	// judgement: required for every judgement other than not_serious, none
	// and false; they become the summary-of-findings footnotes.
	Reasons map[string]string `json:"reasons"`
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
	}
	return ""
}

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
// recognised instead of misread.
const CertaintyDerivationFormat = 1

// CertaintyDerivation explains the certainty of a finding's body of
// evidence: the start and why, each domain's step with its reason, and the
// clamp. Its JSON form is what the store keeps and the API shows.
type CertaintyDerivation struct {
	Format      int         `json:"format"`
	Start       Certainty   `json:"start"`
	StartReason string      `json:"start_reason"`
	DesignClass DesignClass `json:"design_class,omitempty"`
	EventRate   bool        `json:"event_rate"`
	RobTool     RobTool     `json:"rob_tool,omitempty"`
	// ReportedBy is the source whose reported_certainty is the start; 0
	// (omitted) when the start is a design level.
	ReportedBy   int64           `json:"reported_by,omitempty"`
	LevelSetting []int64         `json:"level_setting"`
	Overlapped   []int64         `json:"overlapped"`
	Context      []ContextSource `json:"context"`
	// Steps holds the eight domains in the order of Domains.
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
	return d, nil
}

// Summary returns the derivation as one line, for example
// "low (non-randomised, sources 3, 4) +2 large effect (very large) = high".
func (d CertaintyDerivation) Summary() string {
	var b strings.Builder
	from := "sources " + joinIDs(d.LevelSetting)
	if d.ReportedBy != 0 {
		from = fmt.Sprintf("reported by source %d", d.ReportedBy)
	} else if d.RobTool != "" {
		from += ", " + string(d.RobTool)
	}
	fmt.Fprintf(&b, "%s (%s)", d.Start.label(), from)
	for _, s := range d.Steps {
		if s.Change == 0 {
			continue
		}
		fmt.Fprintf(&b, " %+d %s", s.Change, strings.ReplaceAll(s.Domain, "_", " "))
		if s.Judgement != "true" {
			fmt.Fprintf(&b, " (%s)", strings.ReplaceAll(s.Judgement, "_", " "))
		}
	}
	fmt.Fprintf(&b, " = %s", d.Result.label())
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
// or < 0.5, a very large one RR > 5 or < 0.2. They are applied inclusively.
const (
	largeRatio     = 2.0
	veryLargeRatio = 5.0
)

// GradeBody checks a full set of judgements against a finding's body of
// evidence and derives the certainty: start - downgrades + upgrades,
// clamped to [very_low, high] (GRADE handbook 5; GRADE 3, Balshem 2011).
// It reports every problem at once in a *RuleError, body problems (see
// BodyBasis) first, then, per field:
//
//   - each downgrade within its domain's range (ConcernsFor); risk_of_bias
//     extremely_serious only with rob_tool robins_i (GRADE 18; without it
//     risk of bias costs at most two levels, GRADE 4, Guyatt 2011, J Clin
//     Epidemiol 64:407-415): invalid_value;
//   - rob_tool robins_i only for non-randomised comparative evidence
//     rated from its design: rob_tool_not_applicable; it starts that
//     evidence high (GRADE 18);
//   - with a source's reported certainty, downgrades only for indirectness,
//     and for imprecision only when the finding's threshold differs from
//     the one the review used (ThresholdsDiffer; GRADE 32, 34):
//     downgrade_not_allowed;
//   - upgrades (large_effect, dose_response, plausible_confounding) only
//     for non-randomised comparative evidence rated from its design
//     (upgrade_not_applicable) whose five downgrades are all not_serious
//     (upgrade_requires_no_downgrade) (GRADE 9; GRADE 18);
//   - for a ratio measure, large_effect must be reached by the estimate:
//     large needs >= 2 or <= 0.5, very_large >= 5 or <= 0.2 (GRADE 9):
//     large_effect_unsupported;
//   - every judgement other than not_serious, none or false needs a
//     reason, and for a large effect on a difference measure the reason
//     must state the relative effect (reason_required); reasons name only
//     the eight domains (invalid_value).
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
	upgrades := []struct {
		domain string
		on     bool
	}{
		{domainLargeEffect, j.LargeEffect != NoLargeEffect && j.LargeEffect.Valid()},
		{domainDoseResponse, j.DoseResponse},
		{domainPlausibleConfounding, j.PlausibleConfounding},
	}
	if !j.LargeEffect.Valid() {
		p.add(domainLargeEffect, CodeInvalidValue, mustBeOneOf(Strings(Effects())))
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
		case u.domain == domainLargeEffect && b.Effect.Measure.IsRatio():
			if msg := largeEffectProblem(b.Effect, j.LargeEffect); msg != "" {
				p.add(u.domain, CodeLargeEffectUnsupported, msg)
			}
		}
	}

	// Reasons: every judgement that changes the level, and the large effect
	// on a difference measure, needs one (DESIGN: they become the
	// summary-of-findings footnotes).
	for _, domain := range Domains() {
		judgement := j.judgementOf(domain)
		if neutralJudgement(judgement) || !validJudgement(domain, judgement) {
			continue // nothing to explain, or refused above
		}
		if strings.TrimSpace(j.Reasons[domain]) != "" {
			continue
		}
		msg := fmt.Sprintf("%s is %s: give the reason (it becomes a summary-of-findings footnote)",
			strings.ReplaceAll(domain, "_", " "), judgement)
		if domain == domainLargeEffect && !b.Effect.Measure.IsRatio() {
			msg = "a large effect on a difference measure (or without an estimate) needs a reason that states the relative effect, e.g. \"RR 0.3 (0.2 to 0.5)\" (GRADE 9)"
		}
		p.add("reasons."+domain, CodeReasonRequired, msg)
	}
	var unknown []string
	for k := range j.Reasons {
		if !slices.Contains(Domains(), k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		p.add("reasons."+k, CodeInvalidValue, "not a GRADE domain: "+mustBeOneOf(Domains()))
	}
}

// largeEffectProblem checks a large-effect judgement against a ratio
// estimate (GRADE 9): "" when it holds.
func largeEffectProblem(e EffectEstimate, effect Effect) string {
	if e.Estimate == nil {
		return fmt.Sprintf("%s needs the finding's %s estimate to check against (GRADE 9)", effect, e.Measure)
	}
	est := *e.Estimate
	if est <= 0 || math.IsNaN(est) || math.IsInf(est, 0) {
		return fmt.Sprintf("the %s estimate %g is not a positive ratio", e.Measure, est)
	}
	limit := largeRatio
	if effect == VeryLarge {
		limit = veryLargeRatio
	}
	if est >= limit || est <= 1/limit {
		return ""
	}
	return fmt.Sprintf("%s needs %s >= %g or <= %g (GRADE 9); the estimate is %g",
		strings.ReplaceAll(string(effect), "_", " "), e.Measure, limit, 1/limit, est)
}

// describe names the kind of body for a refusal message.
func (b Basis) describe() string {
	switch {
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
		ReportedBy:   basis.ReportedBy,
		LevelSetting: basis.LevelSetting,
		Overlapped:   basis.Overlapped,
		Context:      basis.Context,
	}
	if j.RobTool == RobToolROBINSI {
		// GRADE 18: with ROBINS-I, non-randomised studies start high and
		// risk of bias carries the confounding that GRADE 3's low start
		// otherwise stands for.
		d.Start = High
		d.StartReason += "; assessed with ROBINS-I, so it starts high and risk of bias may cost up to 3 levels (GRADE 18)"
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
}

// AdjudicateBody checks an adjudication like GradeBody checks an
// assessment, and also that the rationale is given (reason_required,
// field rationale) and that the editor did not assess the finding
// (editor_assessed, field editor). The derivation names the editor.
func AdjudicateBody(b Body, a Adjudication) (CertaintyDerivation, error) {
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
	if err := p.err(); err != nil {
		return CertaintyDerivation{}, err
	}
	d := derive(basis, a.Judgements)
	d.AdjudicatedBy = a.Editor
	if d.AdjudicatedBy == "" {
		d.AdjudicatedBy = "an editor"
	}
	d.Rationale = a.Rationale
	return d, nil
}

// Validate reports the first judgement outside its domain's range, or an
// unknown rob_tool, as stored judgements are read back (a stored value
// that does not parse is an error, never a silent default).
func (j DomainJudgements) Validate() error {
	for _, d := range Domains() {
		if v := j.judgementOf(d); !validJudgement(d, v) {
			return fmt.Errorf("judgement of %s: %q is not in the domain's range", d, v)
		}
	}
	if j.RobTool != "" {
		if err := j.RobTool.Validate(); err != nil {
			return err
		}
	}
	return nil
}
