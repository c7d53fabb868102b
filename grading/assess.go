package grading

import (
	"fmt"
	"strconv"
	"strings"
)

// Judgement is a reviewer's GRADE judgement on a claim: the body of an
// assessment. The certainty is never part of it; Assess computes it.
type Judgement struct {
	RiskOfBias           Concern
	Inconsistency        Concern
	Indirectness         Concern
	Imprecision          Concern
	PublicationBias      Concern
	LargeEffect          Effect
	DoseResponse         bool // a dose-response gradient: +1
	PlausibleConfounding bool // plausible confounding would reduce the effect: +1
	Verdict              Verdict
	Rationale            string
}

// Derivation explains a certainty: the starting level and the link that set
// it, each domain's step and the result.
type Derivation struct {
	Start         Certainty
	StartSourceID int64 // 0 when no usable evidence is linked
	StartLinkID   int64 // 0 when no usable evidence is linked
	// StartReason says in English why the start is what it is, for example
	// "rct (design level high)", "reported certainty moderate (stated by the
	// source)" or "no usable evidence linked".
	StartReason string
	// StartKind is the kind of the source that set the start ("" without
	// evidence).
	StartKind string
	// StartReported is true when the start is the certainty the link
	// reports rather than the design level of its kind.
	StartReported bool
	// Steps holds all eight domains in this fixed order: risk_of_bias,
	// inconsistency, indirectness, imprecision, publication_bias,
	// large_effect, dose_response, plausible_confounding.
	Steps  []Step
	Result Certainty
	// Clamped is true when start plus all changes fell outside
	// [VeryLow, High] and Result was brought back into that range.
	Clamped bool
	// AdjudicatedBy names the editor whose adjudication set Result
	// directly, without domain steps; "" for a reviewer's derivation. See
	// Adjudicate.
	AdjudicatedBy string `json:",omitempty"`
}

// Step is one GRADE domain's contribution to a certainty.
type Step struct {
	Domain    string    // snake_case domain name, e.g. "risk_of_bias"
	Judgement string    // the judgement's wire value, e.g. "serious", "large"; "true"/"false" for the booleans
	Change    int       // 0, -1, -2, +1 or +2
	After     Certainty // start plus the changes so far, clamped to [VeryLow, High]; None when there is no evidence
	FHIRType  string    // the FHIR R5 certainty-type code, e.g. "RiskOfBias", "DoseResponseGradient"
}

// The domain names, in the order of Derivation.Steps.
const (
	domainRiskOfBias           = "risk_of_bias"
	domainInconsistency        = "inconsistency"
	domainIndirectness         = "indirectness"
	domainImprecision          = "imprecision"
	domainPublicationBias      = "publication_bias"
	domainLargeEffect          = "large_effect"
	domainDoseResponse         = "dose_response"
	domainPlausibleConfounding = "plausible_confounding"
)

// Domains returns the eight GRADE domain names in the order of
// Derivation.Steps: the five downgrade domains, then the three upgrades.
func Domains() []string {
	return []string{
		domainRiskOfBias, domainInconsistency, domainIndirectness, domainImprecision,
		domainPublicationBias, domainLargeEffect, domainDoseResponse, domainPlausibleConfounding,
	}
}

// steps lists the judgement's eight domain steps with their changes; the
// After levels are left for Assess to fill in.
func (j Judgement) steps() []Step {
	concern := func(domain, fhir string, c Concern) Step {
		return Step{Domain: domain, Judgement: string(c), Change: c.Steps(), FHIRType: fhir}
	}
	flag := func(domain, fhir string, b bool) Step {
		s := Step{Domain: domain, Judgement: strconv.FormatBool(b), FHIRType: fhir}
		if b {
			s.Change = 1
		}
		return s
	}
	return []Step{
		concern(domainRiskOfBias, "RiskOfBias", j.RiskOfBias),
		concern(domainInconsistency, "Inconsistency", j.Inconsistency),
		concern(domainIndirectness, "Indirectness", j.Indirectness),
		concern(domainImprecision, "Imprecision", j.Imprecision),
		concern(domainPublicationBias, "PublicationBias", j.PublicationBias),
		{Domain: domainLargeEffect, Judgement: string(j.LargeEffect), Change: j.LargeEffect.Steps(), FHIRType: "LargeEffect"},
		flag(domainDoseResponse, "DoseResponseGradient", j.DoseResponse),
		flag(domainPlausibleConfounding, "PlausibleConfounding", j.PlausibleConfounding),
	}
}

// FieldError names one invalid field by its snake_case JSON name and says
// what is wrong with it.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError collects every problem found in an input, not just the
// first.
type ValidationError struct {
	Problems []FieldError
}

// Error lists every problem as "field: message", separated by semicolons.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// mustBeOneOf is the message for a value outside its enumeration.
func mustBeOneOf(values []string) string {
	return "must be one of " + strings.Join(values, ", ")
}

// Assess validates a judgement against the claim's evidence links and
// computes the certainty it leads to, with its derivation.
//
// The certainty is the Start of the evidence minus the downgrades plus the
// upgrades, clamped to [VeryLow, High]. Assess reports every problem at once
// in a *ValidationError, one FieldError per field at most, in the order of
// the Judgement's fields:
//   - every concern, the large effect and the verdict must be valid values;
//   - upgrades (large_effect other than none, dose_response,
//     plausible_confounding) apply only where the start is Low or VeryLow;
//   - a supported verdict needs at least one supporting link, a refuted one
//     at least one refuting link, retracted sources not counted;
//   - with no usable evidence only the verdict insufficient is allowed; the
//     domains are then ignored (they change nothing) and the result is None;
//   - the rationale must not be blank when any domain changes the level.
//
// On error the Derivation is the zero value.
func Assess(evidence []Evidence, j Judgement) (Derivation, error) {
	var problems []FieldError
	add := func(field, message string) {
		problems = append(problems, FieldError{Field: field, Message: message})
	}

	d := StartDerivation(evidence)
	start, ok := d.Start, d.Start != None
	d.Steps = j.steps()

	for _, c := range []struct {
		field   string
		concern Concern
	}{
		{domainRiskOfBias, j.RiskOfBias},
		{domainInconsistency, j.Inconsistency},
		{domainIndirectness, j.Indirectness},
		{domainImprecision, j.Imprecision},
		{domainPublicationBias, j.PublicationBias},
	} {
		if !c.concern.Valid() {
			add(c.field, mustBeOneOf(Concerns()))
		}
	}

	upgradeRefused := fmt.Sprintf(
		"upgrades apply only to observational evidence starting low or very low; start is %s (%s)",
		start.label(), d.startSource())
	canUpgrade := !ok || start <= Low // without evidence the domains are ignored
	switch {
	case !j.LargeEffect.Valid():
		add(domainLargeEffect, mustBeOneOf(Effects()))
	case j.LargeEffect != NoLargeEffect && !canUpgrade:
		add(domainLargeEffect, upgradeRefused)
	}
	if j.DoseResponse && !canUpgrade {
		add(domainDoseResponse, upgradeRefused)
	}
	if j.PlausibleConfounding && !canUpgrade {
		add(domainPlausibleConfounding, upgradeRefused)
	}

	if msg := verdictProblem(evidence, ok, j.Verdict); msg != "" {
		add("verdict", msg)
	}

	if !ok {
		// No evidence: the domains are ignored and there is no certainty.
		for i := range d.Steps {
			d.Steps[i].Change = 0
			d.Steps[i].After = None
		}
	} else {
		changed := false
		total := int(start)
		for i := range d.Steps {
			total += d.Steps[i].Change
			d.Steps[i].After = clamp(Certainty(total))
			changed = changed || d.Steps[i].Change != 0
		}
		d.Result = clamp(Certainty(total))
		d.Clamped = Certainty(total) != d.Result
		if changed && strings.TrimSpace(j.Rationale) == "" {
			add("rationale", "required when any domain is downgraded or upgraded")
		}
	}

	if len(problems) > 0 {
		return Derivation{}, &ValidationError{Problems: problems}
	}
	return d, nil
}

// StartDerivation explains where the certainty of a body of evidence
// starts, before any judgement: the start level, the link that set it and
// why. Steps and Result are empty.
func StartDerivation(evidence []Evidence) Derivation {
	start, from, ok := Start(evidence)
	d := Derivation{
		Start:         start,
		StartSourceID: from.SourceID,
		StartLinkID:   from.LinkID,
		StartKind:     from.Kind,
		StartReported: ok && from.reported(),
	}
	d.StartReason = d.startReason()
	return d
}

// verdictProblem checks a verdict against the evidence (usable says whether
// any evidence sets a start) and returns what is wrong with it, or "".
func verdictProblem(evidence []Evidence, usable bool, v Verdict) string {
	switch {
	case !v.Valid():
		return mustBeOneOf(Verdicts())
	case !usable && v != Insufficient:
		return "no usable evidence is linked, so the verdict must be insufficient"
	case v == Supported && !anySupport(evidence):
		return "supported needs at least one evidence link with stance supports (retracted sources do not count)"
	case v == Refuted && !anyRefute(evidence):
		return "refuted needs at least one evidence link with stance refutes (retracted sources do not count)"
	}
	return ""
}

// anySupport reports whether any link counts as support.
func anySupport(evidence []Evidence) bool {
	for _, e := range evidence {
		if e.supports() {
			return true
		}
	}
	return false
}

// anyRefute reports whether any link counts as refutation.
func anyRefute(evidence []Evidence) bool {
	for _, e := range evidence {
		if e.refutes() {
			return true
		}
	}
	return false
}

// startReason explains the start in English.
func (d Derivation) startReason() string {
	switch {
	case d.Start == None:
		return "no usable evidence linked"
	case d.StartReported:
		return fmt.Sprintf("reported certainty %s (stated by the source)", d.Start.label())
	default:
		return fmt.Sprintf("%s (design level %s)", d.StartKind, d.Start.label())
	}
}

// startSource names what set the start: the source's kind, or that the
// source stated its own certainty.
func (d Derivation) startSource() string {
	if d.StartReported {
		return "stated by the " + d.StartKind
	}
	return d.StartKind
}

// Summary returns the derivation as one English line, for example
// "high (rct, source 12) -1 risk of bias (serious) = moderate".
// Domains that change nothing are left out.
func (d Derivation) Summary() string {
	if d.AdjudicatedBy != "" {
		return d.adjudicationSummary()
	}
	if d.Start == None {
		return "no certainty (no usable evidence linked)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, source %d)", d.Start.label(), d.startSource(), d.StartSourceID)
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
		b.WriteString(" (clamped)")
	}
	return b.String()
}
