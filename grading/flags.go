package grading

// Flag names a condition of a claim or a finding that readers should know
// about (DESIGN "Flags").
type Flag string

// The flags, in the order flag lists are returned.
const (
	FlagUnsupported          Flag = "unsupported"           // claim: no linked finding yields accurate
	FlagContradicted         Flag = "contradicted"          // claim: a linked finding yields false
	FlagInaccurateWording    Flag = "inaccurate_wording"    // claim: rated overstated or false
	FlagAbsoluteWording      Flag = "absolute_wording"      // claim: an unhedged absence ("no risk")
	FlagLowCertainty         Flag = "low_certainty"         // the certainty it rests on is low or very low
	FlagUngraded             Flag = "ungraded"              // no grade yet
	FlagStaleGrade           Flag = "stale_grade"           // what the grade (or the rating override) rests on changed after it
	FlagRetractedEvidence    Flag = "retracted_evidence"    // a source it rests on is retracted
	FlagReviewerDisagreement Flag = "reviewer_disagreement" // finding: submitted assessments differ, not yet settled
)

// AllFlags returns the nine flags in their fixed order. Each call returns a
// new slice.
func AllFlags() []Flag {
	return []Flag{
		FlagUnsupported,
		FlagContradicted,
		FlagInaccurateWording,
		FlagAbsoluteWording,
		FlagLowCertainty,
		FlagUngraded,
		FlagStaleGrade,
		FlagRetractedEvidence,
		FlagReviewerDisagreement,
	}
}

// ParseFlag accepts exactly the nine flags.
func ParseFlag(s string) (Flag, error) { return parseWord("flag", s, AllFlags()) }

// Validate reports a value outside the vocabulary.
func (f Flag) Validate() error { _, err := ParseFlag(string(f)); return err }

// Scan reads a stored flag (database/sql.Scanner).
func (f *Flag) Scan(src any) error { return scanWord(f, src, ParseFlag) }

// inOrder returns the flags that hold, in AllFlags order; never nil.
func inOrder(holds map[Flag]bool) []Flag {
	flags := []Flag{}
	for _, f := range AllFlags() {
		if holds[f] {
			flags = append(flags, f)
		}
	}
	return flags
}
