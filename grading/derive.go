package grading

import "fmt"

// DeriveState is what a claim's derived fields are computed from: the
// state the flag rules look at, plus its appearances (links with role
// appearance, which count but are not evidence).
type DeriveState struct {
	ClaimState
	Appearances int
}

// Derived is every field of a claim the engine derives: its public
// verdict, the certainty of its current grade (nil when ungraded or graded
// with no certainty), its evidence counts and its flags (in AllFlags order,
// never nil).
type Derived struct {
	Verdict         ClaimVerdict
	Certainty       *Certainty
	SupportCount    int
	RefuteCount     int
	AppearanceCount int
	Flags           []Flag
}

// Derive computes a claim's derived fields from its loaded state. A state
// that holds a value outside its vocabulary (a stance, a grade's verdict or
// certainty, a submission's outcome) or a negative count is an error, never
// a default.
func Derive(s DeriveState) (Derived, error) {
	if err := s.validate(); err != nil {
		return Derived{}, err
	}
	support, refute := Counts(s.Evidence)
	d := Derived{
		Verdict:         PublicVerdict(s.ClaimState),
		SupportCount:    support,
		RefuteCount:     refute,
		AppearanceCount: s.Appearances,
		Flags:           Flags(s.ClaimState),
	}
	if s.Grade != nil {
		d.Certainty = s.Grade.Certainty.Ptr()
	}
	return d, nil
}

func (s DeriveState) validate() error {
	if s.Appearances < 0 {
		return fmt.Errorf("derive: %d appearances", s.Appearances)
	}
	for _, e := range s.Evidence {
		if err := e.Stance.Validate(); err != nil {
			return fmt.Errorf("derive: evidence link %d: %w", e.LinkID, err)
		}
		if e.ReportedCertainty != None {
			if err := e.ReportedCertainty.Validate(); err != nil {
				return fmt.Errorf("derive: evidence link %d: %w", e.LinkID, err)
			}
		}
	}
	if g := s.Grade; g != nil {
		if err := g.Verdict.Validate(); err != nil {
			return fmt.Errorf("derive: grade: %w", err)
		}
		if g.Certainty != None {
			if err := g.Certainty.Validate(); err != nil {
				return fmt.Errorf("derive: grade: %w", err)
			}
		}
	}
	for i, sub := range s.Submitted {
		if err := sub.Verdict.Validate(); err != nil {
			return fmt.Errorf("derive: submission %d: %w", i, err)
		}
		if sub.Certainty != None {
			if err := sub.Certainty.Validate(); err != nil {
				return fmt.Errorf("derive: submission %d: %w", i, err)
			}
		}
	}
	return nil
}
