package grading

import "time"

// Flag names a condition of a claim that readers should know about.
type Flag string

// The flags, in the order Flags returns them.
const (
	FlagUnsupported          Flag = "unsupported"           // no supporting evidence
	FlagContradicted         Flag = "contradicted"          // some evidence refutes the claim
	FlagLowCertainty         Flag = "low_certainty"         // the final certainty is low or very low
	FlagUngraded             Flag = "ungraded"              // no final grade
	FlagStaleGrade           Flag = "stale_grade"           // evidence changed after the final grade
	FlagRetractedEvidence    Flag = "retracted_evidence"    // an evidence source is retracted
	FlagReviewerDisagreement Flag = "reviewer_disagreement" // submitted assessments differ, not yet adjudicated
)

// AllFlags returns the seven flags in their fixed order. Each call returns a
// new slice.
func AllFlags() []Flag {
	return []Flag{
		FlagUnsupported,
		FlagContradicted,
		FlagLowCertainty,
		FlagUngraded,
		FlagStaleGrade,
		FlagRetractedEvidence,
		FlagReviewerDisagreement,
	}
}

// ParseFlag accepts exactly the seven flags.
func ParseFlag(s string) (Flag, error) { return parseWord("flag", s, AllFlags()) }

// Validate reports a value outside the vocabulary.
func (f Flag) Validate() error { _, err := ParseFlag(string(f)); return err }

// Scan reads a stored flag (database/sql.Scanner).
func (f *Flag) Scan(src any) error { return scanWord(f, src, ParseFlag) }

// Grade is a claim's current final grade as the engine needs it.
type Grade struct {
	Certainty Certainty
	Verdict   Verdict
	DecidedAt time.Time
	// EvidenceRevision is the claim's evidence revision when the grade was
	// decided.
	EvidenceRevision int64
}

// Submission is one submitted assessment of a claim.
type Submission struct {
	Outcome
	SubmittedAt time.Time
}

// ClaimState is everything the flag rules look at.
type ClaimState struct {
	// Evidence holds the claim's evidence links only; appearances are not
	// passed.
	Evidence []Evidence
	// Grade is the final grade, nil when there is none.
	Grade *Grade
	// EvidenceRevision is the counter the store increments whenever an
	// evidence link of the claim is added, changed or removed.
	EvidenceRevision int64
	// Submitted holds the claim's submitted assessments.
	Submitted []Submission
}

// Flags returns the flags that hold for a claim, in AllFlags order; never
// nil (an empty slice when none holds).
//
//   - unsupported: no evidence with stance supports (retracted sources do not
//     count as support);
//   - contradicted: at least one evidence with stance refutes, source not
//     retracted;
//   - low_certainty: a grade with certainty Low or VeryLow;
//   - ungraded: no grade;
//   - stale_grade: a grade decided at an older evidence revision than the
//     claim's current one;
//   - retracted_evidence: any evidence whose source is retracted;
//   - reviewer_disagreement: at least two submitted assessments that differ
//     in certainty or verdict, and no grade decided at or after the latest
//     submission.
func Flags(s ClaimState) []Flag {
	g := s.Grade
	holds := map[Flag]bool{
		FlagUnsupported:          !anySupport(s.Evidence),
		FlagContradicted:         anyRefute(s.Evidence),
		FlagLowCertainty:         g != nil && (g.Certainty == Low || g.Certainty == VeryLow),
		FlagUngraded:             g == nil,
		FlagStaleGrade:           g != nil && s.EvidenceRevision > g.EvidenceRevision,
		FlagRetractedEvidence:    anyRetracted(s.Evidence),
		FlagReviewerDisagreement: disagreementOpen(s.Submitted, g),
	}
	flags := []Flag{}
	for _, f := range AllFlags() {
		if holds[f] {
			flags = append(flags, f)
		}
	}
	return flags
}

// anyRetracted reports whether any evidence source is retracted.
func anyRetracted(evidence []Evidence) bool {
	for _, e := range evidence {
		if e.Retracted {
			return true
		}
	}
	return false
}

// disagreementOpen reports whether at least two submissions differ in
// certainty or verdict and no grade was decided at or after the latest one.
func disagreementOpen(submitted []Submission, g *Grade) bool {
	if len(submitted) < 2 {
		return false
	}
	outcomes := make([]Outcome, len(submitted))
	latest := submitted[0].SubmittedAt
	for i, s := range submitted {
		outcomes[i] = s.Outcome
		if s.SubmittedAt.After(latest) {
			latest = s.SubmittedAt
		}
	}
	if allAgree(outcomes) {
		return false
	}
	return g == nil || g.DecidedAt.Before(latest)
}

// PublicVerdict returns a claim's public verdict: the grade's verdict when
// the claim is graded; otherwise "unsupported" when no evidence supports it
// (retracted sources do not count), else "ungraded".
func PublicVerdict(s ClaimState) ClaimVerdict {
	switch {
	case s.Grade != nil:
		return ClaimVerdict(s.Grade.Verdict)
	case !anySupport(s.Evidence):
		return Unsupported
	default:
		return Ungraded
	}
}
