package grading

import (
	"fmt"
	"strings"
)

// Certainty is a GRADE certainty level. The zero value, None, means no
// certainty at all: no usable evidence was linked.
type Certainty int

// The certainty levels, lowest first, so that levels compare with < and >.
const (
	None     Certainty = iota // no evidence, no certainty
	VeryLow                   // the true effect is probably markedly different
	Low                       // the true effect might be markedly different
	Moderate                  // the true effect is probably close to the estimate
	High                      // the true effect is similar to the estimate
)

// String returns the wire value: "very_low", "low", "moderate" or "high".
// None, and any value outside the defined levels, gives "".
func (c Certainty) String() string {
	switch c {
	case VeryLow:
		return "very_low"
	case Low:
		return "low"
	case Moderate:
		return "moderate"
	case High:
		return "high"
	}
	return ""
}

// FHIRCode returns the FHIR R5 certainty-rating code: "high", "moderate",
// "low" or "very-low". None gives "".
func (c Certainty) FHIRCode() string {
	if c == VeryLow {
		return "very-low"
	}
	return c.String()
}

// label is the certainty in plain English, for messages and summaries.
func (c Certainty) label() string {
	if c == None {
		return "no certainty"
	}
	if s := c.String(); s != "" {
		return strings.ReplaceAll(s, "_", " ")
	}
	return fmt.Sprintf("certainty(%d)", int(c))
}

// clamp limits c to the range [VeryLow, High].
func clamp(c Certainty) Certainty {
	return min(max(c, VeryLow), High)
}

// ParseCertainty parses a wire value. It accepts exactly "high", "moderate",
// "low" and "very_low"; anything else, the empty string included, is an error.
func ParseCertainty(s string) (Certainty, error) {
	for c := VeryLow; c <= High; c++ {
		if s == c.String() {
			return c, nil
		}
	}
	return None, fmt.Errorf("invalid certainty %q: must be one of %s", s, strings.Join(Certainties(), ", "))
}

// Certainties returns the four wire values, highest first: high, moderate,
// low, very_low. Each call returns a new slice.
func Certainties() []string {
	return []string{High.String(), Moderate.String(), Low.String(), VeryLow.String()}
}

// Concern is the judgement on one GRADE downgrade domain (risk of bias,
// inconsistency, indirectness, imprecision, publication bias).
type Concern string

// The concern values. The empty string is not a valid concern.
const (
	NotSerious  Concern = "not_serious"  // no downgrade
	Serious     Concern = "serious"      // downgrade one level
	VerySerious Concern = "very_serious" // downgrade two levels
)

// Concerns returns the valid concern wire values, mildest first.
func Concerns() []string {
	return []string{string(NotSerious), string(Serious), string(VerySerious)}
}

// Valid reports whether c is one of the defined concerns.
func (c Concern) Valid() bool {
	switch c {
	case NotSerious, Serious, VerySerious:
		return true
	}
	return false
}

// Steps returns the change the concern makes to the certainty: 0, -1 or -2.
// An invalid concern gives 0.
func (c Concern) Steps() int {
	switch c {
	case Serious:
		return -1
	case VerySerious:
		return -2
	}
	return 0
}

// FHIRCode returns the FHIR R5 certainty-rating code: "no-concern",
// "serious-concern" or "very-serious-concern". An invalid concern gives "".
func (c Concern) FHIRCode() string {
	switch c {
	case NotSerious:
		return "no-concern"
	case Serious:
		return "serious-concern"
	case VerySerious:
		return "very-serious-concern"
	}
	return ""
}

// Effect is the judgement on the large-effect upgrade domain.
type Effect string

// The effect values. The empty string is not a valid effect.
const (
	NoLargeEffect Effect = "none"       // no upgrade
	Large         Effect = "large"      // upgrade one level
	VeryLarge     Effect = "very_large" // upgrade two levels
)

// Effects returns the valid effect wire values, smallest first.
func Effects() []string {
	return []string{string(NoLargeEffect), string(Large), string(VeryLarge)}
}

// Valid reports whether e is one of the defined effects.
func (e Effect) Valid() bool {
	switch e {
	case NoLargeEffect, Large, VeryLarge:
		return true
	}
	return false
}

// Steps returns the change the effect makes to the certainty: 0, +1 or +2.
// An invalid effect gives 0.
func (e Effect) Steps() int {
	switch e {
	case Large:
		return 1
	case VeryLarge:
		return 2
	}
	return 0
}

// Verdict is what an assessment or a grade concludes about a claim.
type Verdict string

// The verdicts an assessment or a grade may reach.
const (
	Supported    Verdict = "supported"    // the evidence supports the claim
	Refuted      Verdict = "refuted"      // the evidence refutes the claim
	Mixed        Verdict = "mixed"        // the evidence points both ways
	Insufficient Verdict = "insufficient" // the evidence does not allow a conclusion
)

// The claim-level public verdict adds two values to the four Verdicts; see
// PublicVerdict.
const (
	Unsupported = "unsupported" // no grade and no supporting evidence
	Ungraded    = "ungraded"    // supporting evidence but no grade yet
)

// Verdicts returns the four verdict wire values an assessment may use.
func Verdicts() []string {
	return []string{string(Supported), string(Refuted), string(Mixed), string(Insufficient)}
}

// PublicVerdicts returns every value a claim's public verdict can take: the
// four Verdicts followed by "unsupported" and "ungraded".
func PublicVerdicts() []string {
	return append(Verdicts(), Unsupported, Ungraded)
}

// Valid reports whether v is one of the four verdicts.
func (v Verdict) Valid() bool {
	switch v {
	case Supported, Refuted, Mixed, Insufficient:
		return true
	}
	return false
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

// Stances returns the four stance wire values.
func Stances() []string {
	return []string{string(Supports), string(Refutes), string(MixedStance), string(Neutral)}
}

// Valid reports whether s is one of the four stances.
func (s Stance) Valid() bool {
	switch s {
	case Supports, Refutes, MixedStance, Neutral:
		return true
	}
	return false
}
