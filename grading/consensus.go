package grading

// Outcome is what a submitted assessment or a grade decided.
type Outcome struct {
	Certainty Certainty
	Verdict   Verdict
}

// Consensus decides whether submitted assessments make a final grade.
//
// With fewer than required outcomes it returns (nil, false): still pending.
// With at least required outcomes that all agree on certainty and verdict it
// returns that outcome and false; if any of them differ it returns
// (nil, true): a disagreement that waits for adjudication. Every submitted
// outcome must agree, not just required of them. A required below 1 is
// treated as 1.
func Consensus(submitted []Outcome, required int) (decided *Outcome, disagreement bool) {
	required = max(required, 1)
	if len(submitted) < required {
		return nil, false
	}
	if !allAgree(submitted) {
		return nil, true
	}
	first := submitted[0]
	return &first, false
}

// allAgree reports whether every outcome equals the first.
func allAgree(outcomes []Outcome) bool {
	for _, o := range outcomes {
		if o != outcomes[0] {
			return false
		}
	}
	return true
}
