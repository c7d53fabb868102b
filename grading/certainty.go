package grading

import "strings"

// Certainty is a GRADE certainty level. The zero value, None (""), means
// no certainty at all: no usable evidence was linked. Levels compare
// through Level: VeryLow < Low < Moderate < High.
type Certainty string

// None is the zero Certainty: no evidence, no certainty. It is untyped so
// that it stays out of the vocabulary's values (and the OpenAPI enum).
const None = ""

// The certainty levels, lowest first (GRADE handbook 5.1: the four levels of
// certainty of evidence).
const (
	VeryLow  Certainty = "very_low" // the true effect is probably markedly different
	Low      Certainty = "low"      // the true effect might be markedly different
	Moderate Certainty = "moderate" // the true effect is probably close to the estimate
	High     Certainty = "high"     // the true effect is similar to the estimate
)

// levels lists the certainties by level: levels[c.Level()] == c.
var levels = [...]Certainty{None, VeryLow, Low, Moderate, High}

// Level is the certainty's rank: 0 for None, 1 (VeryLow) to 4 (High), and
// -1 for a value outside the vocabulary.
func (c Certainty) Level() int {
	for i, l := range levels {
		if l == c {
			return i
		}
	}
	return -1
}

// atLevel returns the certainty of a level, clamped to [VeryLow, High]:
// GRADE's four levels are the whole scale, so a body of evidence rated down
// below very low stays very low, and one rated up above high stays high.
func atLevel(level int) Certainty {
	return levels[min(max(level, VeryLow.Level()), High.Level())]
}

// String returns the wire value: "very_low", "low", "moderate", "high", or
// "" for None.
func (c Certainty) String() string { return string(c) }

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
	return strings.ReplaceAll(string(c), "_", " ")
}

// Certainties returns the four levels, highest first: high, moderate, low,
// very_low. Each call returns a new slice.
func Certainties() []Certainty { return []Certainty{High, Moderate, Low, VeryLow} }

// ParseCertainty parses a wire value. It accepts exactly "high", "moderate",
// "low" and "very_low"; anything else, the empty string included, is an error.
func ParseCertainty(s string) (Certainty, error) { return parseWord("certainty", s, Certainties()) }

// Validate reports a value that is not one of the four levels (None
// included: where no certainty is allowed, the field is a nil pointer).
func (c Certainty) Validate() error { _, err := ParseCertainty(string(c)); return err }

// Scan reads a stored certainty (database/sql.Scanner). A nullable column
// is read into a *Certainty, which is nil for NULL.
func (c *Certainty) Scan(src any) error { return scanWord(c, src, ParseCertainty) }

// Ptr returns a pointer to c, or nil for None: the form of a nullable
// certainty column or JSON field.
func (c Certainty) Ptr() *Certainty {
	if c == None {
		return nil
	}
	return &c
}

// Deref returns *p, or None for nil.
func Deref(p *Certainty) Certainty {
	if p == nil {
		return None
	}
	return *p
}

// Concern is the judgement on one GRADE downgrade domain (risk of bias,
// inconsistency, indirectness, imprecision, publication bias).
type Concern string

// The concern values. The empty string is not a valid concern.
const (
	NotSerious  Concern = "not_serious"  // no downgrade
	Serious     Concern = "serious"      // downgrade one level
	VerySerious Concern = "very_serious" // downgrade two levels
	// ExtremelySerious rates down three levels. Only risk_of_bias (with
	// rob_tool robins_i, GRADE 18) and imprecision (GRADE 34/35) take it;
	// ConcernsFor says which concerns each domain allows and the
	// finding-level engine enforces it. Concerns, ParseConcern, Steps and
	// FHIRCode still describe the claim-level engine's three concerns until
	// that engine is removed; the finding-level engine counts it as -3.
	// (It is declared in this block so that the OpenAPI enum's order is
	// stable: swag orders a type's constants by file.)
	ExtremelySerious Concern = "extremely_serious" // downgrade three levels
)

// Concerns returns the concerns, mildest first. Each call returns a new
// slice.
func Concerns() []Concern { return []Concern{NotSerious, Serious, VerySerious} }

// ParseConcern accepts exactly the concerns.
func ParseConcern(s string) (Concern, error) { return parseWord("concern", s, Concerns()) }

// Validate reports a value outside the vocabulary.
func (c Concern) Validate() error { _, err := ParseConcern(string(c)); return err }

// Valid reports whether c is one of the defined concerns.
func (c Concern) Valid() bool { return c.Validate() == nil }

// Scan reads a stored concern (database/sql.Scanner).
func (c *Concern) Scan(src any) error { return scanWord(c, src, ParseConcern) }

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

// Effects returns the effects, smallest first. Each call returns a new
// slice.
func Effects() []Effect { return []Effect{NoLargeEffect, Large, VeryLarge} }

// ParseEffect accepts exactly the effects.
func ParseEffect(s string) (Effect, error) { return parseWord("large effect", s, Effects()) }

// Validate reports a value outside the vocabulary.
func (e Effect) Validate() error { _, err := ParseEffect(string(e)); return err }

// Valid reports whether e is one of the defined effects.
func (e Effect) Valid() bool { return e.Validate() == nil }

// Scan reads a stored effect (database/sql.Scanner).
func (e *Effect) Scan(src any) error { return scanWord(e, src, ParseEffect) }

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
