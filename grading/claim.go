package grading

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A claim's derived fields (rating, certainty, counts and flags) come from
// its wording and the findings it links (DESIGN "Claim ratings", "Flags").
// The store loads a ClaimState inside the writing transaction and stores
// what DeriveClaim returns.

// ClaimFinding is one finding a claim links, with what the claim's flags
// read beside the rating rules.
type ClaimFinding struct {
	LinkedFinding
	// Retracted says that a source the finding rests on is retracted (its
	// retracted_evidence flag).
	Retracted bool
}

// ClaimState is everything a claim's derived fields read.
type ClaimState struct {
	Wording  ClaimWording
	Findings []ClaimFinding
	// Override is the editor's rating; its Stale field is computed by
	// DeriveClaim from OverrideBasis, so callers leave it false.
	Override *RatingOverride
	// OverrideBasis is the EvidenceBasis the override was set against.
	OverrideBasis string
	// Appearances counts the places the claim appears.
	Appearances int
}

// ClaimDerived is what DeriveClaim computes for a claim.
type ClaimDerived struct {
	Rating ClaimRating
	// Certainty is the deciding finding's certainty; nil when the rules
	// rate nothing.
	Certainty                    *Certainty
	Support, Refute, Appearances int
	Flags                        []Flag
	// Basis fingerprints the wording and the linked findings as the rules
	// read them (EvidenceBasis).
	Basis string
}

// WordingOf builds the wording the rules read from a claim's stored
// attributes. A comparative claim ("faster than tablets", "more effective
// than oral medicines") names an active comparator; every other claim names
// none, so that it reads findings against nothing or an inactive one.
func WordingOf(t ClaimType, a Assertion, value *float64, h Hedge) ClaimWording {
	w := ClaimWording{Assertion: a, ClaimedValue: value, Hedge: h, ClaimType: t, Comparator: ComparatorNone}
	if t == ClaimComparative {
		w.Comparator = ComparatorActive
	}
	return w
}

// DeriveClaim rates a claim and derives its certainty, counts and flags:
//
//   - the rating, its certainty and the flags unsupported, contradicted,
//     inaccurate_wording and absolute_wording come from RateClaim, so the
//     flags never contradict the rating;
//   - low_certainty: the certainty the rating rests on is low or very low;
//   - ungraded: no finding linked with a stance other than neutral is graded;
//   - stale_grade: a grade the rating uses is stale, or the editor's
//     override was set against other evidence or wording than now;
//   - retracted_evidence: a finding linked with a stance other than neutral
//     rests on a retracted source;
//   - support and refute count the findings linked as supports and refutes.
func DeriveClaim(s ClaimState) (ClaimDerived, error) {
	linked := make([]LinkedFinding, len(s.Findings))
	for i, f := range s.Findings {
		linked[i] = f.LinkedFinding
	}
	d := ClaimDerived{Appearances: s.Appearances, Basis: EvidenceBasis(s.Wording, linked)}
	in := ClaimRatingInput{Wording: s.Wording, Findings: linked}
	if s.Override != nil {
		o := *s.Override
		o.Stale = s.OverrideBasis != d.Basis
		in.Override = &o
	}
	r, err := RateClaim(in)
	if err != nil {
		return ClaimDerived{}, err
	}
	d.Rating = r
	if r.Certainty != None {
		c := r.Certainty
		d.Certainty = &c
	}
	graded, retracted := false, false
	for _, f := range s.Findings {
		switch f.Stance {
		case Supports:
			d.Support++
		case Refutes:
			d.Refute++
		}
		if f.Stance == Neutral {
			continue
		}
		graded = graded || f.Certainty != nil
		retracted = retracted || f.Retracted
	}
	d.Flags = inOrder(map[Flag]bool{
		FlagUnsupported:       r.Flags.Unsupported,
		FlagContradicted:      r.Flags.Contradicted,
		FlagInaccurateWording: r.Flags.InaccurateWording,
		FlagAbsoluteWording:   r.Flags.AbsoluteWording,
		FlagLowCertainty:      d.Certainty != nil && (*d.Certainty == Low || *d.Certainty == VeryLow),
		FlagUngraded:          !graded,
		FlagStaleGrade:        r.Stale,
		FlagRetractedEvidence: retracted,
	})
	return d, nil
}

// EvidenceBasis fingerprints what a claim's rating reads: the wording and,
// for every linked finding in id order, its stance, question kinds, effect,
// attribution, certainty and staleness, and for case evidence or a
// withdrawn grade those, the occurrence certainty and the agreed
// attribution. An editor's override stores the
// basis it was set against; when the basis changes the override is stale.
func EvidenceBasis(w ClaimWording, findings []LinkedFinding) string {
	fs := slices.Clone(findings)
	slices.SortFunc(fs, func(a, b LinkedFinding) int { return int(a.FindingID - b.FindingID) })
	var b strings.Builder
	fmt.Fprintf(&b, "w|%s|%s|%s|%s|%s\n", w.Assertion, optFloat(w.ClaimedValue), w.Hedge, w.ClaimType, w.Comparator)
	for _, f := range fs {
		e := f.Effect
		fmt.Fprintf(&b, "f|%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%t\n", f.FindingID, f.Stance,
			f.Question.ComparatorKind, f.Question.OutcomeKind, e.Measure, optFloat(e.Estimate), optFloat(e.CILow),
			optFloat(e.CIHigh), optInt(e.Events), optInt(e.Participants), optInt(e.Studies), optFloat(e.Threshold),
			f.Attribution, Deref(f.Certainty), f.Stale)
		// Case evidence and withdrawn grades add what they change, so that
		// every other finding keeps the basis it had before they existed.
		if f.CaseEvidence || f.Withdrawn || f.OccurrenceCertainty != nil || f.GradeAttribution != "" {
			fmt.Fprintf(&b, "c|%t|%t|%s|%s\n", f.CaseEvidence, f.Withdrawn, Deref(f.OccurrenceCertainty), f.GradeAttribution)
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

func optFloat(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func optInt(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}
