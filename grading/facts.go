package grading

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// VerdictFactsFormat is the version of VerdictFacts' JSON form, stored with
// every rating so that facts in another form are recognised, not misread.
const VerdictFactsFormat = 1

// VerdictFacts are the numbers and words a verdict rests on: the deciding
// finding's question and effect, the claim's value and bound, the interval
// the value was compared with, the attribution, the findings whose grades
// were withdrawn. They are what a verdict sentence in the reader's language
// is written from (the API's rating_summary), so that the sentence says
// what the rule used without running the rules again, and they are stored
// with the rating. Every field but Format is optional; numbers are as
// stored (an estimate as its source reports it, with Direction saying
// which way is better).
type VerdictFacts struct {
	Format         int            `json:"format"`
	FindingID      int64          `json:"finding_id,omitempty"`
	Outcome        string         `json:"outcome,omitempty"`
	Timepoint      string         `json:"timepoint,omitempty"`
	OutcomeKind    OutcomeKind    `json:"outcome_kind,omitempty"`
	ComparatorKind ComparatorKind `json:"comparator_kind,omitempty"`
	Direction      Direction      `json:"direction,omitempty"`
	Certainty      Certainty      `json:"certainty,omitempty"`
	Basis          CertaintyBasis `json:"basis,omitempty"`
	Hedge          Hedge          `json:"hedge,omitempty"`
	Measure        EffectMeasure  `json:"measure,omitempty"`
	Estimate       *float64       `json:"estimate,omitempty"`
	CILow          *float64       `json:"ci_low,omitempty"`
	CIHigh         *float64       `json:"ci_high,omitempty"`
	Threshold      *float64       `json:"threshold,omitempty"`
	Events         *int64         `json:"events,omitempty"`
	Participants   *int64         `json:"participants,omitempty"`
	CaseEvidence   bool           `json:"case_evidence,omitempty"`
	Attribution    Attribution    `json:"attribution,omitempty"`
	// Claimed and Bound are the claim's value and how it is stated.
	Claimed *float64     `json:"claimed,omitempty"`
	Bound   ClaimedBound `json:"bound,omitempty"`
	// Low and High are the 95% interval a frequency was compared with, and
	// Interval how it was obtained; UpperBound is the exact one-sided 95%
	// upper bound with zero events.
	Low        *float64     `json:"low,omitempty"`
	High       *float64     `json:"high,omitempty"`
	Interval   IntervalKind `json:"interval,omitempty"`
	UpperBound *float64     `json:"upper_bound,omitempty"`
	// Withdrawn lists the linked findings (not neutral) whose grades were
	// withdrawn because their evidence was retracted.
	Withdrawn []int64 `json:"withdrawn,omitempty"`
	// Searches are the claim's documented evidence searches, oldest first,
	// where the rule rests on them (no_evidence_found).
	Searches []SearchFact `json:"searches,omitempty"`
}

// SearchFact is one documented evidence search as a verdict sentence
// names it: where and when, and what it found.
type SearchFact struct {
	Database   SearchDatabase `json:"database"`
	SearchedAt time.Time      `json:"searched_at"`
	Hits       int64          `json:"hits"`
	Screened   int64          `json:"screened"`
	Sources    int            `json:"sources"`
}

// searchFacts are searches as facts, oldest first; nil for none.
func searchFacts(searches []EvidenceSearch) []SearchFact {
	if len(searches) == 0 {
		return nil
	}
	out := make([]SearchFact, len(searches))
	for i, s := range searches {
		out[i] = SearchFact{Database: s.Database, SearchedAt: s.SearchedAt.UTC(), Hits: s.Hits, Screened: s.Screened, Sources: s.Sources}
	}
	slices.SortStableFunc(out, func(a, b SearchFact) int { return a.SearchedAt.Compare(b.SearchedAt) })
	return out
}

// IntervalKind says how the 95% interval of a rate was obtained.
type IntervalKind string

// The interval kinds.
const (
	IntervalCI        IntervalKind = "ci"         // the CI the source reports
	IntervalWilson    IntervalKind = "wilson"     // the Wilson score interval of events/participants
	IntervalExactZero IntervalKind = "exact_zero" // 0 events: [0, 1 - 0.05^(1/n)]
)

// IntervalKinds returns the interval kinds. Each call returns a new slice.
func IntervalKinds() []IntervalKind {
	return []IntervalKind{IntervalCI, IntervalWilson, IntervalExactZero}
}

// ParseIntervalKind accepts exactly the interval kinds.
func ParseIntervalKind(s string) (IntervalKind, error) {
	return parseWord("interval kind", s, IntervalKinds())
}

// Validate reports a value outside the vocabulary.
func (k IntervalKind) Validate() error { _, err := ParseIntervalKind(string(k)); return err }

// ParseVerdictFacts decodes stored facts. Another format, or a value
// outside its vocabulary, is an error: stored facts are never misread.
// An empty input (a rating stored before facts existed) is an error too:
// the store derives the rating again instead.
func ParseVerdictFacts(stored []byte) (VerdictFacts, error) {
	var f VerdictFacts
	if err := json.Unmarshal(stored, &f); err != nil {
		return VerdictFacts{}, fmt.Errorf("decode verdict facts: %w", err)
	}
	if f.Format != VerdictFactsFormat {
		return VerdictFacts{}, fmt.Errorf("decode verdict facts: format %d, want %d", f.Format, VerdictFactsFormat)
	}
	type word interface{ Validate() error }
	check := []struct {
		set bool
		w   word
	}{
		{f.OutcomeKind != "", f.OutcomeKind}, {f.ComparatorKind != "", f.ComparatorKind}, {f.Direction != "", f.Direction},
		{f.Certainty != None, f.Certainty}, {f.Basis != "", f.Basis}, {f.Hedge != "", f.Hedge},
		{f.Measure != "", f.Measure}, {f.Attribution != "", f.Attribution}, {f.Bound != "", f.Bound},
		{f.Interval != "", f.Interval},
	}
	for _, sf := range f.Searches {
		check = append(check, struct {
			set bool
			w   word
		}{true, sf.Database})
	}
	for _, c := range check {
		if c.set {
			if err := c.w.Validate(); err != nil {
				return VerdictFacts{}, fmt.Errorf("decode verdict facts: %w", err)
			}
		}
	}
	return f, nil
}

// factsOf are the facts of finding f under wording w, before a rule adds
// what it compared.
func factsOf(w ClaimWording, f LinkedFinding, c Certainty, basis CertaintyBasis) VerdictFacts {
	e := f.Effect
	out := VerdictFacts{Format: VerdictFactsFormat, FindingID: f.FindingID, Outcome: f.Question.Outcome,
		Timepoint: f.Question.Timepoint, OutcomeKind: f.Question.OutcomeKind, ComparatorKind: f.Question.ComparatorKind,
		Direction: f.Question.Direction, Certainty: c, Hedge: w.Hedge, Measure: e.Measure, Estimate: e.Estimate,
		CILow: e.CILow, CIHigh: e.CIHigh, Threshold: e.Threshold, Events: e.Events, Participants: e.Participants,
		CaseEvidence: f.CaseEvidence, Attribution: f.Attribution}
	if c != None {
		out.Basis = basis
	}
	if f.CaseEvidence {
		out.Attribution = f.GradeAttribution
	}
	if w.ClaimedValue != nil {
		out.Claimed, out.Bound = w.ClaimedValue, w.Bound
	}
	return out
}
