package grading

import (
	"reflect"
	"testing"
	"time"
)

func TestAllFlags(t *testing.T) {
	want := []Flag{"unsupported", "contradicted", "low_certainty", "ungraded", "stale_grade", "retracted_evidence", "reviewer_disagreement"}
	if got := AllFlags(); !reflect.DeepEqual(got, want) {
		t.Errorf("AllFlags() = %v, want %v", got, want)
	}
}

func TestValidFlag(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"unsupported", true},
		{"contradicted", true},
		{"low_certainty", true},
		{"ungraded", true},
		{"stale_grade", true},
		{"retracted_evidence", true},
		{"reviewer_disagreement", true},
		{"", false},
		{"Unsupported", false},
		{"stale", false},
		{"disagreement", false},
	}
	for _, tt := range tests {
		if got := Flag(tt.s).Validate() == nil; got != tt.want {
			t.Errorf("Flag(%q).Validate() == nil = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// flagTime is a fixed instant the flag tests count from.
func flagTime(minutes int) time.Time {
	return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

// has reports whether flags contains f.
func has(flags []Flag, f Flag) bool {
	for _, g := range flags {
		if g == f {
			return true
		}
	}
	return false
}

func TestFlagsEachRule(t *testing.T) {
	support := Evidence{LinkID: 1, SourceID: 1, Kind: "rct", Stance: Supports}
	refute := Evidence{LinkID: 2, SourceID: 2, Kind: "cohort", Stance: Refutes}
	neutral := Evidence{LinkID: 3, SourceID: 3, Kind: "cohort", Stance: Neutral}
	mixed := Evidence{LinkID: 4, SourceID: 4, Kind: "cohort", Stance: MixedStance}
	retractedSupport := Evidence{LinkID: 5, SourceID: 5, Kind: "rct", Stance: Supports, Retracted: true}
	retractedRefute := Evidence{LinkID: 6, SourceID: 6, Kind: "rct", Stance: Refutes, Retracted: true}
	retractedNeutral := Evidence{LinkID: 7, SourceID: 7, Kind: "rct", Stance: Neutral, Retracted: true}
	grade := func(c Certainty, rev int64, at int) *Grade {
		return &Grade{Certainty: c, Verdict: Supported, DecidedAt: flagTime(at), EvidenceRevision: rev}
	}
	sub := func(c Certainty, v Verdict, at int) Submission {
		return Submission{Outcome: Outcome{Certainty: c, Verdict: v}, SubmittedAt: flagTime(at)}
	}
	tests := []struct {
		name  string
		state ClaimState
		flag  Flag
		want  bool
	}{
		{"unsupported: no evidence", ClaimState{}, FlagUnsupported, true},
		{"unsupported: only refute, neutral, mixed", ClaimState{Evidence: []Evidence{refute, neutral, mixed}}, FlagUnsupported, true},
		{"unsupported: only retracted support", ClaimState{Evidence: []Evidence{retractedSupport}}, FlagUnsupported, true},
		{"unsupported off: support", ClaimState{Evidence: []Evidence{support}}, FlagUnsupported, false},
		{"unsupported off: support beside retracted", ClaimState{Evidence: []Evidence{retractedSupport, support}}, FlagUnsupported, false},

		{"contradicted: refute", ClaimState{Evidence: []Evidence{support, refute}}, FlagContradicted, true},
		{"contradicted off: no refute", ClaimState{Evidence: []Evidence{support, neutral, mixed}}, FlagContradicted, false},
		{"contradicted off: only retracted refute", ClaimState{Evidence: []Evidence{retractedRefute}}, FlagContradicted, false},

		{"low_certainty: low", ClaimState{Grade: grade(Low, 0, 0)}, FlagLowCertainty, true},
		{"low_certainty: very low", ClaimState{Grade: grade(VeryLow, 0, 0)}, FlagLowCertainty, true},
		{"low_certainty off: moderate", ClaimState{Grade: grade(Moderate, 0, 0)}, FlagLowCertainty, false},
		{"low_certainty off: high", ClaimState{Grade: grade(High, 0, 0)}, FlagLowCertainty, false},
		{"low_certainty off: graded without certainty", ClaimState{Grade: grade(None, 0, 0)}, FlagLowCertainty, false},
		{"low_certainty off: no grade", ClaimState{}, FlagLowCertainty, false},

		{"ungraded: no grade", ClaimState{Evidence: []Evidence{support}}, FlagUngraded, true},
		{"ungraded off: graded", ClaimState{Grade: grade(High, 0, 0)}, FlagUngraded, false},

		{"stale_grade: evidence changed after", ClaimState{Grade: grade(High, 3, 0), EvidenceRevision: 4}, FlagStaleGrade, true},
		{"stale_grade off: same revision", ClaimState{Grade: grade(High, 3, 0), EvidenceRevision: 3}, FlagStaleGrade, false},
		{"stale_grade off: no grade", ClaimState{EvidenceRevision: 9}, FlagStaleGrade, false},

		{"retracted_evidence: retracted support", ClaimState{Evidence: []Evidence{support, retractedSupport}}, FlagRetractedEvidence, true},
		{"retracted_evidence: retracted neutral", ClaimState{Evidence: []Evidence{retractedNeutral}}, FlagRetractedEvidence, true},
		{"retracted_evidence off", ClaimState{Evidence: []Evidence{support, refute}}, FlagRetractedEvidence, false},

		{"reviewer_disagreement: certainty differs, no grade",
			ClaimState{Submitted: []Submission{sub(High, Supported, 1), sub(Moderate, Supported, 2)}}, FlagReviewerDisagreement, true},
		{"reviewer_disagreement: verdict differs, no grade",
			ClaimState{Submitted: []Submission{sub(High, Supported, 1), sub(High, Mixed, 2)}}, FlagReviewerDisagreement, true},
		{"reviewer_disagreement: grade older than the latest submission",
			ClaimState{Grade: grade(High, 0, 5), Submitted: []Submission{sub(High, Supported, 1), sub(Low, Supported, 10)}}, FlagReviewerDisagreement, true},
		{"reviewer_disagreement: latest submission first in the list",
			ClaimState{Grade: grade(High, 0, 5), Submitted: []Submission{sub(Low, Supported, 10), sub(High, Supported, 1)}}, FlagReviewerDisagreement, true},
		{"reviewer_disagreement: two of three differ",
			ClaimState{Submitted: []Submission{sub(High, Supported, 1), sub(High, Supported, 2), sub(High, Refuted, 3)}}, FlagReviewerDisagreement, true},
		{"reviewer_disagreement off: agree",
			ClaimState{Submitted: []Submission{sub(High, Supported, 1), sub(High, Supported, 2)}}, FlagReviewerDisagreement, false},
		{"reviewer_disagreement off: one submission",
			ClaimState{Submitted: []Submission{sub(High, Supported, 1)}}, FlagReviewerDisagreement, false},
		{"reviewer_disagreement off: none submitted", ClaimState{}, FlagReviewerDisagreement, false},
		{"reviewer_disagreement off: adjudicated after",
			ClaimState{Grade: grade(High, 0, 11), Submitted: []Submission{sub(High, Supported, 1), sub(Low, Supported, 10)}}, FlagReviewerDisagreement, false},
		{"reviewer_disagreement off: adjudicated at the latest submission",
			ClaimState{Grade: grade(High, 0, 10), Submitted: []Submission{sub(High, Supported, 1), sub(Low, Supported, 10)}}, FlagReviewerDisagreement, false},
	}
	for _, tt := range tests {
		got := Flags(tt.state)
		if has(got, tt.flag) != tt.want {
			t.Errorf("%s: Flags(%+v) = %v, want %s present: %v", tt.name, tt.state, got, tt.flag, tt.want)
		}
	}
}

func TestFlagsWhole(t *testing.T) {
	support := Evidence{LinkID: 1, SourceID: 1, Kind: "rct", Stance: Supports}
	tests := []struct {
		name  string
		state ClaimState
		want  []Flag
	}{
		{"new claim", ClaimState{}, []Flag{FlagUnsupported, FlagUngraded}},
		{"graded high on support", ClaimState{
			Evidence:         []Evidence{support},
			Grade:            &Grade{Certainty: High, Verdict: Supported, EvidenceRevision: 1},
			EvidenceRevision: 1,
		}, []Flag{}},
		{"every flag a graded claim can carry", ClaimState{
			Evidence: []Evidence{
				{LinkID: 2, Kind: "rct", Stance: Supports, Retracted: true},
				{LinkID: 3, Kind: "cohort", Stance: Refutes},
			},
			Grade:            &Grade{Certainty: Low, Verdict: Refuted, DecidedAt: flagTime(0), EvidenceRevision: 1},
			EvidenceRevision: 2,
			Submitted: []Submission{
				{Outcome: Outcome{Low, Refuted}, SubmittedAt: flagTime(1)},
				{Outcome: Outcome{VeryLow, Refuted}, SubmittedAt: flagTime(2)},
			},
		}, []Flag{FlagUnsupported, FlagContradicted, FlagLowCertainty, FlagStaleGrade, FlagRetractedEvidence, FlagReviewerDisagreement}},
		{"every flag an ungraded claim can carry", ClaimState{
			Evidence: []Evidence{
				{LinkID: 2, Kind: "rct", Stance: Refutes, Retracted: true},
				{LinkID: 3, Kind: "cohort", Stance: Refutes},
			},
			EvidenceRevision: 5,
			Submitted: []Submission{
				{Outcome: Outcome{Low, Refuted}, SubmittedAt: flagTime(1)},
				{Outcome: Outcome{Low, Mixed}, SubmittedAt: flagTime(2)},
			},
		}, []Flag{FlagUnsupported, FlagContradicted, FlagUngraded, FlagRetractedEvidence, FlagReviewerDisagreement}},
	}
	for _, tt := range tests {
		got := Flags(tt.state)
		if got == nil {
			t.Errorf("%s: Flags() = nil, want a non-nil slice", tt.name)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Flags(%+v) = %v, want %v", tt.name, tt.state, got, tt.want)
		}
	}
}

func TestPublicVerdict(t *testing.T) {
	support := Evidence{LinkID: 1, Kind: "rct", Stance: Supports}
	tests := []struct {
		name  string
		state ClaimState
		want  ClaimVerdict
	}{
		{"graded: the grade's verdict", ClaimState{Grade: &Grade{Certainty: Low, Verdict: Refuted}, Evidence: []Evidence{support}}, "refuted"},
		{"graded without support: still the grade's verdict", ClaimState{Grade: &Grade{Verdict: Insufficient}}, "insufficient"},
		{"ungraded, no evidence: unsupported", ClaimState{}, "unsupported"},
		{"ungraded, only refute: unsupported", ClaimState{Evidence: []Evidence{{Kind: "rct", Stance: Refutes}}}, "unsupported"},
		{"ungraded, only retracted support: unsupported", ClaimState{Evidence: []Evidence{{Kind: "rct", Stance: Supports, Retracted: true}}}, "unsupported"},
		{"ungraded with support: ungraded", ClaimState{Evidence: []Evidence{support}}, "ungraded"},
	}
	for _, tt := range tests {
		if got := PublicVerdict(tt.state); got != tt.want {
			t.Errorf("%s: PublicVerdict(%+v) = %q, want %q", tt.name, tt.state, got, tt.want)
		}
	}
}
