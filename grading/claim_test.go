package grading

import (
	"reflect"
	"testing"
	"time"
)

func TestDeriveClaim(t *testing.T) {
	high, low := High, Low
	f64 := func(x float64) *float64 { return &x }
	md := func(id int64, stance Stance, c *Certainty, est, lo, hi float64) ClaimFinding {
		return ClaimFinding{LinkedFinding: LinkedFinding{FindingID: id, Stance: stance, Certainty: c,
			Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeBenefit, Direction: HigherIsBetter},
			Effect:   EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(est), CILow: f64(lo), CIHigh: f64(hi), Threshold: f64(1)}}}
	}
	effect := WordingOf(ClaimEfficacy, AssertEffect, nil, nil, HedgeNone)
	works := md(1, Supports, &high, 2, 1.2, 2.8)
	null := md(2, Refutes, &high, 0.1, -0.5, 0.7)
	weak := md(3, Supports, &low, 2, 1.2, 2.8)
	retracted := works
	retracted.Retracted = true
	ungraded := md(4, Supports, nil, 2, 1.2, 2.8)
	tests := []struct {
		name      string
		state     ClaimState
		rating    Rating
		certainty Certainty
		support   int
		refute    int
		flags     []Flag
	}{
		{"nothing linked", ClaimState{Wording: effect}, RatingNotRated, None, 0, 0, []Flag{FlagUnsupported, FlagUngraded}},
		{"only an ungraded finding", ClaimState{Wording: effect, Findings: []ClaimFinding{ungraded}}, RatingNotRated, None, 1, 0,
			[]Flag{FlagUnsupported, FlagUngraded}},
		{"an important effect at high certainty", ClaimState{Wording: effect, Findings: []ClaimFinding{works}, Appearances: 2},
			RatingAccurate, High, 1, 0, []Flag{}},
		{"a null finding of equal certainty wins", ClaimState{Wording: effect, Findings: []ClaimFinding{works, null}},
			RatingFalse, High, 1, 1, []Flag{FlagUnsupported, FlagContradicted, FlagInaccurateWording}},
		{"low certainty: unhedged wording overstates", ClaimState{Wording: effect, Findings: []ClaimFinding{weak}},
			RatingOverstated, Low, 1, 0, []Flag{FlagUnsupported, FlagInaccurateWording, FlagLowCertainty}},
		{"a retracted source is flagged", ClaimState{Wording: effect, Findings: []ClaimFinding{retracted}},
			RatingAccurate, High, 1, 0, []Flag{FlagRetractedEvidence}},
		{"a literal absence", ClaimState{Wording: WordingOf(ClaimSafety, AssertAbsence, nil, nil, HedgeNone)}, RatingNotRated, None, 0, 0,
			[]Flag{FlagUnsupported, FlagAbsoluteWording, FlagUngraded}},
	}
	caseEv := ClaimFinding{LinkedFinding: LinkedFinding{FindingID: 5, Stance: Supports, CaseEvidence: true,
		GradeAttribution: AttributionProbable, OccurrenceCertainty: &low,
		Question: Question{ComparatorKind: ComparatorNone, OutcomeKind: OutcomeHarm, Direction: LowerIsBetter}}}
	withdrawn := works
	withdrawn.Certainty, withdrawn.Withdrawn, withdrawn.Retracted = nil, true, true
	tests = append(tests, []struct {
		name      string
		state     ClaimState
		rating    Rating
		certainty Certainty
		support   int
		refute    int
		flags     []Flag
	}{
		{"case evidence rates an occurrence by its occurrence certainty", ClaimState{Wording: WordingOf(ClaimSafety, AssertOccurrence, nil, nil, HedgeMay),
			Findings: []ClaimFinding{caseEv}}, RatingAccurate, Low, 1, 0, []Flag{FlagLowCertainty}},
		{"a withdrawn grade is ungraded and retracted", ClaimState{Wording: effect, Findings: []ClaimFinding{withdrawn}},
			RatingNotRated, None, 1, 0, []Flag{FlagUnsupported, FlagUngraded, FlagRetractedEvidence}},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := DeriveClaim(tt.state)
			if err != nil {
				t.Fatal(err)
			}
			wantBasis := BasisEvidence
			if tt.state.Findings != nil && tt.state.Findings[0].CaseEvidence {
				wantBasis = BasisOccurrence
			}
			if (d.Certainty == nil) != (d.CertaintyBasis == nil) || (d.CertaintyBasis != nil && *d.CertaintyBasis != wantBasis) {
				t.Errorf("CertaintyBasis = %v with certainty %v, want %s", d.CertaintyBasis, d.Certainty, wantBasis)
			}
			if d.Rating.Rating != tt.rating || Deref(d.Certainty) != tt.certainty || d.Support != tt.support || d.Refute != tt.refute ||
				d.Appearances != tt.state.Appearances || !reflect.DeepEqual(d.Flags, tt.flags) {
				t.Errorf("DeriveClaim = %s %q support %d refute %d flags %v; want %s %q %d %d %v\n%s", d.Rating.Rating, Deref(d.Certainty),
					d.Support, d.Refute, d.Flags, tt.rating, tt.certainty, tt.support, tt.refute, tt.flags, d.Rating.Explanation)
			}
		})
	}
}

// An editor's override is stale exactly when the basis it was set against
// differs from the evidence and wording now.
func TestDeriveClaimOverrideStale(t *testing.T) {
	high := High
	f64 := func(x float64) *float64 { return &x }
	w := WordingOf(ClaimEfficacy, AssertEffect, nil, nil, HedgeNone)
	f := ClaimFinding{LinkedFinding: LinkedFinding{FindingID: 1, Stance: Supports, Certainty: &high,
		Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeBenefit, Direction: HigherIsBetter},
		Effect:   EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(2), CILow: f64(1.2), CIHigh: f64(2.8), Threshold: f64(1)}}}
	basis := EvidenceBasis(w, []LinkedFinding{f.LinkedFinding}, nil)
	o := &RatingOverride{Rating: RatingOverstated, Rationale: "Another population."}
	d, err := DeriveClaim(ClaimState{Wording: w, Findings: []ClaimFinding{f}, Override: o, OverrideBasis: basis})
	if err != nil || d.Rating.Rating != RatingOverstated || d.Rating.Source != SourceEditor || d.Rating.RuleRating != RatingAccurate ||
		d.Rating.Stale || len(d.Flags) != 2 {
		t.Fatalf("fresh override = %+v, flags %v, %v", d.Rating, d.Flags, err)
	}
	f.Effect.Threshold = f64(3) // the evidence changes
	d, err = DeriveClaim(ClaimState{Wording: w, Findings: []ClaimFinding{f}, Override: o, OverrideBasis: basis})
	if err != nil || d.Rating.Rating != RatingOverstated || !d.Rating.Stale || !reflect.DeepEqual(d.Flags, []Flag{FlagUnsupported, FlagInaccurateWording, FlagStaleGrade}) {
		t.Errorf("override after the evidence changed = %+v, flags %v, %v; want it to stand, stale", d.Rating, d.Flags, err)
	}
	if EvidenceBasis(w, []LinkedFinding{f.LinkedFinding}, nil) == basis {
		t.Errorf("the basis did not change with the threshold")
	}
}

// A claim's searches decide between unproven (no_evidence_found) and
// not_rated (not_yet_searched) when nothing graded is usable, and the
// newest search older than the limit flags the claim stale_grade, whatever
// the rating rests on.
func TestDeriveClaimSearches(t *testing.T) {
	high := High
	f64 := func(x float64) *float64 { return &x }
	now := time.Date(2028, 11, 10, 12, 0, 0, 0, time.UTC)
	limit := DefaultSearchStaleAfter
	w := WordingOf(ClaimIndication, AssertEffect, nil, nil, HedgeMay)
	works := ClaimFinding{LinkedFinding: LinkedFinding{FindingID: 1, Stance: Supports, Certainty: &high,
		Question: Question{ComparatorKind: ComparatorInactive, OutcomeKind: OutcomeBenefit, Direction: HigherIsBetter},
		Effect:   EffectEstimate{Measure: MeasureMeanDifference, Estimate: f64(2), CILow: f64(1.2), CIHigh: f64(2.8), Threshold: f64(1)}}}
	search := func(at time.Time) EvidenceSearch {
		return EvidenceSearch{Database: DatabasePubMed, Query: "mesotherapy asthma", SearchedAt: at, Hits: 12, Screened: 3}
	}
	fresh, old := search(now.Add(-limit)), search(now.Add(-limit-time.Microsecond))
	tests := []struct {
		name     string
		state    ClaimState
		rating   Rating
		rule     RatingRule
		flags    []Flag
		stale    bool
		searched *time.Time
	}{
		{"not yet searched", ClaimState{Wording: w, Now: now, SearchStaleAfter: limit},
			RatingNotRated, RuleNotYetSearched, []Flag{FlagUnsupported, FlagUngraded}, false, nil},
		{"searched exactly at the limit: fresh", ClaimState{Wording: w, Searches: []EvidenceSearch{fresh}, Now: now, SearchStaleAfter: limit},
			RatingUnproven, RuleNoEvidenceFound, []Flag{FlagUnsupported, FlagUngraded}, false, &fresh.SearchedAt},
		{"searched just before the limit: stale", ClaimState{Wording: w, Searches: []EvidenceSearch{old}, Now: now, SearchStaleAfter: limit},
			RatingUnproven, RuleNoEvidenceFound, []Flag{FlagUnsupported, FlagUngraded, FlagStaleGrade}, true, &old.SearchedAt},
		{"the newest search decides", ClaimState{Wording: w, Searches: []EvidenceSearch{old, fresh}, Now: now, SearchStaleAfter: limit},
			RatingUnproven, RuleNoEvidenceFound, []Flag{FlagUnsupported, FlagUngraded}, false, &fresh.SearchedAt},
		{"no limit never expires", ClaimState{Wording: w, Searches: []EvidenceSearch{search(now.AddDate(-50, 0, 0))}, Now: now},
			RatingUnproven, RuleNoEvidenceFound, []Flag{FlagUnsupported, FlagUngraded}, false, nil},
		{"an old search flags a claim rated on a finding", ClaimState{Wording: w, Findings: []ClaimFinding{works},
			Searches: []EvidenceSearch{old}, Now: now, SearchStaleAfter: limit},
			RatingAccurate, RuleEffectImportant, []Flag{FlagStaleGrade}, true, &old.SearchedAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := DeriveClaim(tt.state)
			if err != nil {
				t.Fatal(err)
			}
			if d.Rating.Rating != tt.rating || d.Rating.Rule != tt.rule || !reflect.DeepEqual(d.Flags, tt.flags) || d.SearchStale != tt.stale {
				t.Errorf("DeriveClaim = %s (%s) flags %v search stale %v; want %s (%s) %v %v\n%s", d.Rating.Rating, d.Rating.Rule,
					d.Flags, d.SearchStale, tt.rating, tt.rule, tt.flags, tt.stale, d.Rating.Explanation)
			}
			if tt.searched != nil && (d.LastSearchedAt == nil || !d.LastSearchedAt.Equal(*tt.searched)) {
				t.Errorf("LastSearchedAt = %v, want %v", d.LastSearchedAt, *tt.searched)
			}
			if len(tt.state.Searches) == 0 && d.LastSearchedAt != nil {
				t.Errorf("LastSearchedAt = %v without searches, want nil", d.LastSearchedAt)
			}
			if d.Certainty != nil && tt.rule == RuleNoEvidenceFound {
				t.Errorf("no_evidence_found with certainty %s, want none: nothing graded was used", *d.Certainty)
			}
		})
	}
}

// The searches are part of the evidence basis, so that an editor's
// override set before a search goes stale; a claim without searches keeps
// the basis it had before searches existed, and the clock never moves it.
func TestEvidenceBasisSearches(t *testing.T) {
	w := WordingOf(ClaimEfficacy, AssertEffect, nil, nil, HedgeNone)
	// The basis of the wording alone, as EvidenceBasis wrote it before
	// searches existed: sha256 of "w|effect|-|none|efficacy|none\n", 16 bytes.
	const before = "54e71d5c4bbb44b5efa6008e92061d3d"
	if got := EvidenceBasis(w, nil, nil); got != before {
		t.Errorf("EvidenceBasis without searches = %s, want %s (unchanged)", got, before)
	}
	s := EvidenceSearch{Database: DatabasePubMed, Query: "q", SearchedAt: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), Hits: 2, Screened: 1}
	one := EvidenceBasis(w, nil, []EvidenceSearch{s})
	if one == before {
		t.Errorf("a search does not change the basis")
	}
	moved := s
	moved.Hits = 3
	if EvidenceBasis(w, nil, []EvidenceSearch{moved}) == one {
		t.Errorf("a search's hits do not change the basis")
	}
	other := s
	other.Database = DatabaseEmbase
	if EvidenceBasis(w, nil, []EvidenceSearch{s, other}) != EvidenceBasis(w, nil, []EvidenceSearch{other, s}) {
		t.Errorf("the basis depends on the order of the searches")
	}
	o := &RatingOverride{Rating: RatingUnproven, Rationale: "Nobody has tested it."}
	d, err := DeriveClaim(ClaimState{Wording: w, Override: o, OverrideBasis: before, Searches: []EvidenceSearch{s}})
	if err != nil || !d.Rating.Stale || d.Rating.RuleRule != RuleNoEvidenceFound {
		t.Errorf("override set before a search = %+v, %v; want stale, the rules saying no_evidence_found", d.Rating, err)
	}
}
