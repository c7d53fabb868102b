package grading

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
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
	// Searches are the documented evidence searches for the claim; Now and
	// SearchStaleAfter say whether the newest is stale (SearchStale: a
	// limit of 0 never expires). The store passes the time of the
	// derivation and SEARCH_STALE_AFTER.
	Searches         []EvidenceSearch
	Now              time.Time
	SearchStaleAfter time.Duration
}

// ClaimDerived is what DeriveClaim computes for a claim.
type ClaimDerived struct {
	Rating ClaimRating
	// Certainty is the deciding finding's certainty; nil when the rules
	// rate nothing. CertaintyBasis says what it is about (nil with it).
	Certainty                    *Certainty
	CertaintyBasis               *CertaintyBasis
	Support, Refute, Appearances int
	Flags                        []Flag
	// Basis fingerprints the wording, the linked findings and the searches
	// as the rules read them (EvidenceBasis).
	Basis string
	// LastSearchedAt is when the newest search was run (nil without one),
	// and SearchStale whether it is older than the limit: the store keeps
	// both on the claim, so that a sweep finds the claims whose newest
	// search has aged past the limit since they were derived.
	LastSearchedAt *time.Time
	SearchStale    bool
}

// WordingOf builds the wording the rules read from a claim's stored
// attributes. A comparative claim ("faster than tablets", "more effective
// than oral medicines") names an active comparator; every other claim names
// none, so that it reads findings against nothing or an inactive one.
func WordingOf(t ClaimType, a Assertion, value *float64, bound *ClaimedBound, h Hedge) ClaimWording {
	w := ClaimWording{Assertion: a, ClaimedValue: value, Hedge: h, ClaimType: t, Comparator: ComparatorNone}
	if bound != nil {
		w.Bound = *bound
	}
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
//   - ungraded: no finding linked with a stance other than neutral is graded
//     (a withdrawn grade is none; case evidence is graded by its occurrence
//     certainty);
//   - stale_grade: a grade the rating uses is stale, the editor's
//     override was set against other evidence or wording than now, or the
//     newest evidence search is older than SearchStaleAfter at Now (a
//     search must be rerun to stay current: Cochrane MECIR C37 asks for
//     12 months, SEARCH_STALE_AFTER defaults to two years);
//   - retracted_evidence: a finding linked with a stance other than neutral
//     rests on a retracted source;
//   - support and refute count the findings linked as supports and refutes.
func DeriveClaim(s ClaimState) (ClaimDerived, error) {
	linked := make([]LinkedFinding, len(s.Findings))
	for i, f := range s.Findings {
		linked[i] = f.LinkedFinding
	}
	d := ClaimDerived{Appearances: s.Appearances, Basis: EvidenceBasis(s.Wording, linked, s.Searches),
		SearchStale: SearchStale(s.Searches, s.Now, s.SearchStaleAfter)}
	if newest, ok := NewestSearch(s.Searches); ok {
		d.LastSearchedAt = &newest
	}
	in := ClaimRatingInput{Wording: s.Wording, Findings: linked, Searches: s.Searches}
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
		c, b := r.Certainty, r.Basis
		d.Certainty, d.CertaintyBasis = &c, &b
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
		graded = graded || (!f.Withdrawn && (f.Certainty != nil || (f.CaseEvidence && f.OccurrenceCertainty != nil)))
		retracted = retracted || f.Retracted
	}
	d.Flags = inOrder(map[Flag]bool{
		FlagUnsupported:       r.Flags.Unsupported,
		FlagContradicted:      r.Flags.Contradicted,
		FlagInaccurateWording: r.Flags.InaccurateWording,
		FlagAbsoluteWording:   r.Flags.AbsoluteWording,
		FlagLowCertainty:      d.Certainty != nil && (*d.Certainty == Low || *d.Certainty == VeryLow),
		FlagUngraded:          !graded,
		FlagStaleGrade:        r.Stale || d.SearchStale,
		FlagRetractedEvidence: retracted,
	})
	return d, nil
}

// EvidenceBasis fingerprints what a claim's rating reads: the wording, for
// every linked finding in id order, its stance, question kinds and
// direction, effect, attribution, certainty, staleness, and for case
// evidence or a withdrawn grade those, the occurrence certainty and the
// agreed attribution, and every documented search (database, query, date,
// counts; not its age, which changes with the clock). An editor's override
// stores the basis it was set against; when the basis changes the override
// is stale. Parts added after the first form (the claimed bound, a
// direction other than the outcome kind's usual one, case evidence, a
// withdrawal, searches) are written only when present, so that overrides
// set before they existed keep their basis.
func EvidenceBasis(w ClaimWording, findings []LinkedFinding, searches []EvidenceSearch) string {
	fs := slices.Clone(findings)
	slices.SortFunc(fs, func(a, b LinkedFinding) int { return int(a.FindingID - b.FindingID) })
	var b strings.Builder
	fmt.Fprintf(&b, "w|%s|%s|%s|%s|%s", w.Assertion, optFloat(w.ClaimedValue), w.Hedge, w.ClaimType, w.Comparator)
	if w.Bound != "" {
		fmt.Fprintf(&b, "|bound=%s", w.Bound)
	}
	b.WriteString("\n")
	for _, f := range fs {
		e := f.Effect
		fmt.Fprintf(&b, "f|%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%t", f.FindingID, f.Stance,
			f.Question.ComparatorKind, f.Question.OutcomeKind, e.Measure, optFloat(e.Estimate), optFloat(e.CILow),
			optFloat(e.CIHigh), optInt(e.Events), optInt(e.Participants), optInt(e.Studies), optFloat(e.Threshold),
			f.Attribution, Deref(f.Certainty), f.Stale)
		if d := f.Question.Direction; d != "" && d != UsualDirection(f.Question.OutcomeKind) {
			fmt.Fprintf(&b, "|direction=%s", d)
		}
		b.WriteString("\n")
		// Case evidence and withdrawn grades add what they change, so that
		// every other finding keeps the basis it had before they existed.
		if f.CaseEvidence || f.Withdrawn || f.OccurrenceCertainty != nil || f.GradeAttribution != "" {
			fmt.Fprintf(&b, "c|%t|%t|%s|%s\n", f.CaseEvidence, f.Withdrawn, Deref(f.OccurrenceCertainty), f.GradeAttribution)
		}
	}
	ss := slices.Clone(searches)
	slices.SortFunc(ss, func(a, b EvidenceSearch) int {
		return cmp.Or(a.SearchedAt.Compare(b.SearchedAt), cmp.Compare(a.Database, b.Database), cmp.Compare(a.Query, b.Query),
			cmp.Compare(a.Hits, b.Hits), cmp.Compare(a.Screened, b.Screened), cmp.Compare(a.Sources, b.Sources))
	})
	for _, s := range ss {
		fmt.Fprintf(&b, "s|%s|%s|%d|%d|%d|%q\n", s.Database, s.SearchedAt.UTC().Format(time.RFC3339Nano), s.Hits, s.Screened, s.Sources, s.Query)
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
