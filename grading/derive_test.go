package grading

import (
	"reflect"
	"testing"
)

func TestDerive(t *testing.T) {
	support := Evidence{LinkID: 1, SourceID: 1, Kind: "rct", Stance: Supports}
	support2 := Evidence{LinkID: 2, SourceID: 2, Kind: "cohort", Stance: Supports}
	refute := Evidence{LinkID: 3, SourceID: 3, Kind: "cohort", Stance: Refutes}
	neutral := Evidence{LinkID: 4, SourceID: 4, Kind: "cohort", Stance: Neutral}
	retracted := Evidence{LinkID: 5, SourceID: 5, Kind: "rct", Stance: Supports, Retracted: true}
	graded := func(c Certainty, v Verdict, rev int64) *Grade {
		return &Grade{Certainty: c, Verdict: v, DecidedAt: flagTime(10), EvidenceRevision: rev}
	}
	sub := func(c Certainty, v Verdict, at int) Submission {
		return Submission{Outcome: Outcome{Certainty: c, Verdict: v}, SubmittedAt: flagTime(at)}
	}
	state := func(ev []Evidence, g *Grade, rev int64, appearances int, subs ...Submission) DeriveState {
		return DeriveState{ClaimState: ClaimState{Evidence: ev, Grade: g, EvidenceRevision: rev, Submitted: subs}, Appearances: appearances}
	}
	tests := []struct {
		name  string
		state DeriveState
		want  Derived
	}{
		{"nothing linked", state(nil, nil, 0, 0),
			Derived{Verdict: Unsupported, Flags: []Flag{FlagUnsupported, FlagUngraded}}},
		{"appearances only", state(nil, nil, 0, 3),
			Derived{Verdict: Unsupported, AppearanceCount: 3, Flags: []Flag{FlagUnsupported, FlagUngraded}}},
		{"support, ungraded", state([]Evidence{support, support2, neutral}, nil, 3, 1),
			Derived{Verdict: Ungraded, SupportCount: 2, AppearanceCount: 1, Flags: []Flag{FlagUngraded}}},
		{"support and refute, ungraded", state([]Evidence{support, refute}, nil, 2, 0),
			Derived{Verdict: Ungraded, SupportCount: 1, RefuteCount: 1, Flags: []Flag{FlagContradicted, FlagUngraded}}},
		{"graded moderate, current", state([]Evidence{support}, graded(Moderate, Supported, 1), 1, 0),
			Derived{Verdict: ClaimSupported, Certainty: Moderate.Ptr(), SupportCount: 1, Flags: []Flag{}}},
		{"graded low, stale", state([]Evidence{support, refute}, graded(Low, Mixed, 1), 2, 0),
			Derived{Verdict: ClaimMixed, Certainty: Low.Ptr(), SupportCount: 1, RefuteCount: 1,
				Flags: []Flag{FlagContradicted, FlagLowCertainty, FlagStaleGrade}}},
		{"graded with no certainty", state(nil, graded(None, Insufficient, 0), 0, 0),
			Derived{Verdict: ClaimInsufficient, Flags: []Flag{FlagUnsupported}}},
		// A retracted source still counts by stance, but is not support.
		{"retracted support only", state([]Evidence{retracted}, nil, 1, 0),
			Derived{Verdict: Unsupported, SupportCount: 1, Flags: []Flag{FlagUnsupported, FlagUngraded, FlagRetractedEvidence}}},
		{"retracted beside support", state([]Evidence{support, retracted}, graded(High, Supported, 2), 2, 0),
			Derived{Verdict: ClaimSupported, Certainty: High.Ptr(), SupportCount: 2, Flags: []Flag{FlagRetractedEvidence}}},
		{"open disagreement", state([]Evidence{support}, nil, 1, 0, sub(High, Supported, 1), sub(Low, Supported, 2)),
			Derived{Verdict: Ungraded, SupportCount: 1, Flags: []Flag{FlagUngraded, FlagReviewerDisagreement}}},
		{"disagreement adjudicated", state([]Evidence{support}, graded(Moderate, Supported, 1), 1, 0, sub(High, Supported, 1), sub(Low, Supported, 2)),
			Derived{Verdict: ClaimSupported, Certainty: Moderate.Ptr(), SupportCount: 1, Flags: []Flag{}}},
		{"agreeing submissions", state([]Evidence{support}, nil, 1, 0, sub(High, Supported, 1), sub(High, Supported, 2)),
			Derived{Verdict: Ungraded, SupportCount: 1, Flags: []Flag{FlagUngraded}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Derive(tt.state)
			if err != nil {
				t.Fatalf("Derive: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Derive = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDeriveRejectsBadState(t *testing.T) {
	ok := Evidence{LinkID: 1, SourceID: 1, Kind: "rct", Stance: Supports}
	tests := []struct {
		name  string
		state DeriveState
	}{
		{"negative appearances", DeriveState{Appearances: -1}},
		{"bad stance", DeriveState{ClaimState: ClaimState{Evidence: []Evidence{{LinkID: 2, Kind: "rct", Stance: "agrees"}}}}},
		{"empty stance", DeriveState{ClaimState: ClaimState{Evidence: []Evidence{{LinkID: 2, Kind: "rct"}}}}},
		{"bad reported certainty", DeriveState{ClaimState: ClaimState{Evidence: []Evidence{{LinkID: 2, Kind: "rct", Stance: Supports, ReportedCertainty: "medium"}}}}},
		{"bad grade verdict", DeriveState{ClaimState: ClaimState{Evidence: []Evidence{ok}, Grade: &Grade{Certainty: High, Verdict: "true"}}}},
		{"bad grade certainty", DeriveState{ClaimState: ClaimState{Evidence: []Evidence{ok}, Grade: &Grade{Certainty: "medium", Verdict: Supported}}}},
		{"bad submission", DeriveState{ClaimState: ClaimState{Evidence: []Evidence{ok}, Submitted: []Submission{{Outcome: Outcome{Certainty: High, Verdict: ""}}}}}},
	}
	for _, tt := range tests {
		if got, err := Derive(tt.state); err == nil {
			t.Errorf("%s: Derive = %+v, nil; want an error", tt.name, got)
		}
	}
}
