package grading

import (
	"fmt"
	"strings"
)

// Decision is an editor's adjudicated grade of a claim: the certainty and
// verdict the editor settles on, and why. Unlike a Judgement it names the
// certainty directly instead of deriving it domain by domain.
type Decision struct {
	Certainty Certainty // None only when no usable evidence is linked
	Verdict   Verdict
	Rationale string
	Editor    string // the editor's name, for the derivation
}

// Adjudicate validates an editor's decision against the claim's evidence
// and returns the derivation that explains it: the start of the evidence
// linked now, no domain steps, and Result set to the decided certainty,
// with AdjudicatedBy naming the editor.
//
// It reports every problem at once in a *ValidationError:
//   - the verdict must be valid and meet the same constraints as in Assess
//     (supported needs a supporting link, refuted a refuting one, and
//     without usable evidence only insufficient is allowed);
//   - with usable evidence the certainty must be one of the four levels;
//     without any it must be None (there is nothing to be certain about);
//   - the rationale must not be blank.
//
// On error the Derivation is the zero value.
func Adjudicate(evidence []Evidence, dec Decision) (Derivation, error) {
	var problems []FieldError
	add := func(field, message string) {
		problems = append(problems, FieldError{Field: field, Message: message})
	}
	d := StartDerivation(evidence)
	usable := d.Start != None
	switch {
	case usable && dec.Certainty == None:
		add("certainty", "is required: "+mustBeOneOf(Strings(Certainties())))
	case dec.Certainty != None && dec.Certainty.Validate() != nil:
		add("certainty", mustBeOneOf(Strings(Certainties()))+", or null")
	case !usable && dec.Certainty != None:
		add("certainty", "must be null: no usable evidence is linked, so there is no certainty to grade")
	}
	if msg := verdictProblem(evidence, usable, dec.Verdict); msg != "" {
		add("verdict", msg)
	}
	if strings.TrimSpace(dec.Rationale) == "" {
		add("rationale", "is required for an adjudication: say why this certainty and verdict")
	}
	if len(problems) > 0 {
		return Derivation{}, &ValidationError{Problems: problems}
	}
	d.Steps = []Step{}
	d.Result = dec.Certainty
	d.AdjudicatedBy = dec.Editor
	if d.AdjudicatedBy == "" {
		d.AdjudicatedBy = "an editor"
	}
	return d, nil
}

// adjudicationSummary is Summary for an adjudicated derivation, for example
// "moderate, adjudicated by editor (evidence starts high: rct, source 12)".
func (d Derivation) adjudicationSummary() string {
	if d.Start == None {
		return fmt.Sprintf("no certainty, adjudicated by %s (no usable evidence linked)", d.AdjudicatedBy)
	}
	return fmt.Sprintf("%s, adjudicated by %s (evidence starts %s: %s, source %d)",
		d.Result.label(), d.AdjudicatedBy, d.Start.label(), d.startSource(), d.StartSourceID)
}
