package grading

import (
	"encoding/json"
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

// DerivationFormat is the version of Derivation's JSON form, stored with
// every derivation so that a stored one in another form is recognised
// instead of being misread.
const DerivationFormat = 2

// Derivation explains a certainty: the starting level and the link that set
// it, each domain's step and the result. Its JSON form is what the store
// keeps; Format is DerivationFormat when it was made by this version.
type Derivation struct {
	Format        int       `json:"format"`
	Start         Certainty `json:"start"`
	StartSourceID int64     `json:"start_source_id"` // 0 when no usable evidence is linked
	StartLinkID   int64     `json:"start_link_id"`   // 0 when no usable evidence is linked
	// StartReason says in English why the start is what it is, for example
	// "rct (design level high)", "reported certainty moderate (stated by the
	// source)" or "no usable evidence linked".
	StartReason string `json:"start_reason"`
	// StartKind is the kind of the source that set the start ("" without
	// evidence).
	StartKind SourceKind `json:"start_kind"`
	// StartReported is true when the start is the certainty the link
	// reports rather than the design level of its kind.
	StartReported bool `json:"start_reported"`
	// Steps holds all eight domains in this fixed order: risk_of_bias,
	// inconsistency, indirectness, imprecision, publication_bias,
	// large_effect, dose_response, plausible_confounding.
	Steps  []Step    `json:"steps"`
	Result Certainty `json:"result"`
	// Clamped is true when start plus all changes fell outside
	// [VeryLow, High] and Result was brought back into that range.
	Clamped bool `json:"clamped"`
	// AdjudicatedBy names the editor whose adjudication set Result
	// directly, without domain steps; "" for a reviewer's derivation. See
	// Adjudicate.
	AdjudicatedBy string `json:"adjudicated_by,omitempty"`
}

// Step is one GRADE domain's contribution to a certainty.
type Step struct {
	Domain    string    `json:"domain"`    // snake_case domain name, e.g. "risk_of_bias"
	Judgement string    `json:"judgement"` // the judgement's wire value, e.g. "serious", "large"; "true"/"false" for the booleans
	Change    int       `json:"change"`    // 0, -1, -2, +1 or +2
	After     Certainty `json:"after"`     // start plus the changes so far, clamped to [VeryLow, High]; None when there is no evidence
	FHIRType  string    `json:"fhir_type"` // the FHIR R5 certainty-type code, e.g. "RiskOfBias", "DoseResponseGradient"
}

// ParseDerivation decodes a stored derivation; see UnmarshalJSON.
func ParseDerivation(stored []byte) (Derivation, error) {
	var d Derivation
	if err := json.Unmarshal(stored, &d); err != nil {
		return Derivation{}, err
	}
	return d, nil
}

// UnmarshalJSON decodes a derivation in the current format, or in the first
// one (format 0: untagged Go field names, certainties as the numbers 0-4),
// which it converts. Any other format, or a value outside the
// vocabularies, is an error: a stored derivation is never misread.
func (d *Derivation) UnmarshalJSON(b []byte) error {
	type plain Derivation // without this method
	var probe struct {
		Format *int            `json:"format"`
		Start  json.RawMessage `json:"Start"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return fmt.Errorf("decode derivation: %w", err)
	}
	var out Derivation
	switch {
	case probe.Format == nil && len(probe.Start) > 0 && probe.Start[0] != '"':
		legacy, err := legacyDerivation(b)
		if err != nil {
			return err
		}
		out = legacy
	case probe.Format != nil && *probe.Format == DerivationFormat:
		if err := json.Unmarshal(b, (*plain)(&out)); err != nil {
			return fmt.Errorf("decode derivation: %w", err)
		}
	default:
		return fmt.Errorf("decode derivation: unknown format (want %d)", DerivationFormat)
	}
	for _, c := range append([]Certainty{out.Start, out.Result}, stepAfters(out.Steps)...) {
		if c != None && c.Validate() != nil {
			return fmt.Errorf("decode derivation: %w", c.Validate())
		}
	}
	if out.StartKind != "" && out.StartKind.Validate() != nil {
		return fmt.Errorf("decode derivation: %w", out.StartKind.Validate())
	}
	*d = out
	return nil
}

// legacyDerivation converts a derivation stored in format 0.
func legacyDerivation(b []byte) (Derivation, error) {
	var old struct {
		Start                      int
		StartSourceID, StartLinkID int64
		StartReason, StartKind     string
		StartReported, Clamped     bool
		Result                     int
		AdjudicatedBy              string
		Steps                      []struct {
			Domain, Judgement, FHIRType string
			Change, After               int
		}
	}
	if err := json.Unmarshal(b, &old); err != nil {
		return Derivation{}, fmt.Errorf("decode derivation (format 0): %w", err)
	}
	level := func(n int) (Certainty, error) {
		if n < 0 || n >= len(levels) {
			return None, fmt.Errorf("decode derivation (format 0): certainty %d out of range", n)
		}
		return levels[n], nil
	}
	d := Derivation{Format: DerivationFormat, StartSourceID: old.StartSourceID, StartLinkID: old.StartLinkID,
		StartReason: old.StartReason, StartKind: SourceKind(old.StartKind), StartReported: old.StartReported,
		Clamped: old.Clamped, AdjudicatedBy: old.AdjudicatedBy, Steps: []Step{}}
	var err error
	if d.Start, err = level(old.Start); err != nil {
		return Derivation{}, err
	}
	if d.Result, err = level(old.Result); err != nil {
		return Derivation{}, err
	}
	for _, s := range old.Steps {
		after, err := level(s.After)
		if err != nil {
			return Derivation{}, err
		}
		d.Steps = append(d.Steps, Step{Domain: s.Domain, Judgement: s.Judgement, Change: s.Change, After: after, FHIRType: s.FHIRType})
	}
	return d, nil
}

func stepAfters(steps []Step) []Certainty {
	out := make([]Certainty, len(steps))
	for i, s := range steps {
		out[i] = s.After
	}
	return out
}

// The domain names, in the order of Derivation.Steps.
const (
	domainRiskOfBias           = string(DomainRiskOfBias)
	domainInconsistency        = string(DomainInconsistency)
	domainIndirectness         = string(DomainIndirectness)
	domainImprecision          = string(DomainImprecision)
	domainPublicationBias      = string(DomainPublicationBias)
	domainLargeEffect          = string(DomainLargeEffect)
	domainDoseResponse         = string(DomainDoseResponse)
	domainPlausibleConfounding = string(DomainPlausibleConfounding)
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
			add(c.field, mustBeOneOf(Strings(Concerns())))
		}
	}

	upgradeRefused := fmt.Sprintf(
		"upgrades apply only to observational evidence starting low or very low; start is %s (%s)",
		start.label(), d.startSource())
	canUpgrade := !ok || start.Level() <= Low.Level() // without evidence the domains are ignored
	switch {
	case !j.LargeEffect.Valid():
		add(domainLargeEffect, mustBeOneOf(Strings(Effects())))
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
		total := start.Level()
		for i := range d.Steps {
			total += d.Steps[i].Change
			d.Steps[i].After = atLevel(total)
			changed = changed || d.Steps[i].Change != 0
		}
		d.Result = atLevel(total)
		d.Clamped = total != d.Result.Level()
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
		Format:        DerivationFormat,
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
		return mustBeOneOf(Strings(Verdicts()))
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
		return "stated by the " + string(d.StartKind)
	}
	return string(d.StartKind)
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
