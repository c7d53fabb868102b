package grading

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FindingAssessment is one reviewer's submitted assessment of a finding as
// the consensus and flag rules see it: the full judgements and the start
// and certainty its derivation reached.
type FindingAssessment struct {
	Reviewer    string
	Judgements  DomainJudgements
	Start       Certainty // CertaintyDerivation.Start
	Certainty   Certainty // CertaintyDerivation.Result
	SubmittedAt time.Time
}

// DomainStart names the start in a list of disagreements, beside the
// domain names of Domains.
const DomainStart = "start"

// DifferingDomains lists where two assessments differ: "start" first, then
// "attribution", then the domains in the order of Domains. Reasons are text
// and never compared, nor is relative_effect (the evidence for a large
// effect, like a reason); a different rob_tool or sample shows as a
// different start. Two assessments of case evidence have no design start:
// their start is their attribution's level, so they are compared on
// attribution (and indirectness) instead.
func DifferingDomains(a, b FindingAssessment) []string {
	out := []string{}
	caseEvidence := a.Judgements.Attribution != "" && b.Judgements.Attribution != ""
	if a.Start != b.Start && !caseEvidence {
		out = append(out, DomainStart)
	}
	if a.Judgements.Attribution != b.Judgements.Attribution {
		out = append(out, string(DomainAttribution))
	}
	for _, d := range Domains() {
		if a.Judgements.judgementOf(d) != b.Judgements.judgementOf(d) {
			out = append(out, d)
		}
	}
	return out
}

// Disagreements lists the start and the domains on which any two of the
// assessments differ, in the order of DifferingDomains; empty when all
// agree.
func Disagreements(submitted []FindingAssessment) []string {
	differ := map[string]bool{}
	for i := 1; i < len(submitted); i++ {
		for _, d := range DifferingDomains(submitted[0], submitted[i]) {
			differ[d] = true
		}
	}
	out := []string{}
	for _, d := range append([]string{DomainStart, string(DomainAttribution)}, Domains()...) {
		if differ[d] {
			out = append(out, d)
		}
	}
	return out
}

// ConsensusOutcome is what the submitted assessments of a finding decide.
type ConsensusOutcome struct {
	// Decided is true when the assessments make a grade.
	Decided bool
	// Method is consensus, or single_reviewer when one review is required
	// (never consensus then); "" unless Decided.
	Method Method
	// Judgements are the agreed judgements, each domain's reason the
	// reviewers' distinct reasons joined by "; " (one footnote per
	// domain); Start and Certainty are theirs. Zero unless Decided.
	Judgements DomainJudgements
	Start      Certainty
	Certainty  Certainty
	// Disagreements lists the start and domains that differ (for the
	// reviewer_disagreement flag and the finding's disagreements field);
	// empty when Decided or pending.
	Disagreements []string
}

// FindingConsensus decides whether submitted assessments make a grade
// (DESIGN "Consensus"). Pass each reviewer's current submission (a
// revision replaces the first; the first submissions are kept apart for
// AgreementReport). With fewer than required it is pending: not Decided,
// no disagreements (the assessments are still blinded). With at least
// required that all agree on the start and every domain it is Decided, by
// consensus, or by single_reviewer when required is 1. Otherwise it lists
// the disagreements; an editor adjudicates (AdjudicateBody). A required
// below 1 counts as 1.
func FindingConsensus(submitted []FindingAssessment, required int) ConsensusOutcome {
	required = max(required, 1)
	if len(submitted) < required {
		return ConsensusOutcome{Disagreements: []string{}}
	}
	if d := Disagreements(submitted); len(d) > 0 {
		return ConsensusOutcome{Disagreements: d}
	}
	first := submitted[0]
	agreed := first.Judgements
	agreed.Reasons = mergeReasons(submitted)
	method := MethodConsensus
	if required == 1 {
		method = MethodSingleReviewer
	}
	return ConsensusOutcome{Decided: true, Method: method, Judgements: agreed, Start: first.Start,
		Certainty: first.Certainty, Disagreements: []string{}}
}

// mergeReasons joins the reviewers' distinct reasons per domain, in
// submission order.
func mergeReasons(submitted []FindingAssessment) map[string]string {
	out := map[string]string{}
	for _, d := range judgedDomains() {
		var parts []string
		for _, a := range submitted {
			r := strings.TrimSpace(a.Judgements.Reasons[d])
			if r != "" && !slices.Contains(parts, r) {
				parts = append(parts, r)
			}
		}
		if len(parts) > 0 {
			out[d] = strings.Join(parts, "; ")
		}
	}
	return out
}

// FingerprintVersion prefixes every fingerprint, so that a change to what
// counts makes every stored grade stale rather than silently comparable.
const FingerprintVersion = "g1"

// Fingerprint hashes everything a grade rests on (DESIGN "Stale"); a grade
// stores the fingerprint of the body it was decided on, and is stale when
// the body's fingerprint differs now. What counts:
//
//   - the finding's sources (which are linked, by id, in any order), and
//     for each its kind, retraction, included_design, includes and the
//     retracted ones among them, reported_certainty and design_subset;
//   - the effect: measure, estimate, ci_low, ci_high, events, participants,
//     studies, and the threshold;
//   - each source's reported_threshold (omitted from the hash when null,
//     so that bodies without one keep the fingerprints they had before it
//     existed), and whether the finding's threshold differs from the one
//     the source whose rating is the start used (ThresholdDiffers: it
//     decides whether imprecision may be rated again);
//   - the question: population, intervention, comparator, comparator_kind,
//     outcome, timepoint, outcome_kind, and direction (omitted from the hash
//     when it is the outcome kind's usual one, UsualDirection, so that
//     grades decided before directions existed keep their fingerprints;
//     any change of direction still changes the hash).
//
// What does not count: a link's excerpt, locator and note, a source's
// title, authors and other bibliographic fields, the finding's summary and
// attribution (they do not enter the certainty). Numbers are compared
// exactly (1.50 and 1.5 are the same estimate).
func (b Body) Fingerprint() string {
	type source struct {
		ID                int64          `json:"id"`
		Kind              SourceKind     `json:"kind"`
		Retracted         bool           `json:"retracted"`
		IncludedDesign    IncludedDesign `json:"included_design"`
		Includes          []int64        `json:"includes"`
		RetractedIncludes []int64        `json:"retracted_includes"`
		ReportedCertainty Certainty      `json:"reported_certainty"`
		DesignSubset      DesignClass    `json:"design_subset"`
		ReportedThreshold *float64       `json:"reported_threshold,omitempty"`
	}
	// The question as it was hashed before directions existed, and the
	// direction beside it only when it is not the usual one.
	type question struct {
		Population     string
		Intervention   string
		Comparator     *string
		ComparatorKind ComparatorKind
		Outcome        string
		Timepoint      string
		OutcomeKind    OutcomeKind
		Direction      Direction `json:",omitempty"`
	}
	q := b.Question
	hq := question{Population: q.Population, Intervention: q.Intervention, Comparator: q.Comparator, ComparatorKind: q.ComparatorKind,
		Outcome: q.Outcome, Timepoint: q.Timepoint, OutcomeKind: q.OutcomeKind}
	if q.Direction != "" && q.Direction != UsualDirection(q.OutcomeKind) {
		hq.Direction = q.Direction
	}
	snapshot := struct {
		Question         question       `json:"question"`
		Effect           EffectEstimate `json:"effect"`
		ThresholdDiffers bool           `json:"threshold_differs"`
		Sources          []source       `json:"sources"`
	}{Question: hq, Effect: b.Effect, ThresholdDiffers: b.ThresholdDiffers(), Sources: []source{}}
	sortedIDs := func(ids []int64) []int64 {
		out := append([]int64{}, ids...)
		slices.Sort(out)
		return slices.Compact(out)
	}
	for _, s := range b.Sources {
		snapshot.Sources = append(snapshot.Sources, source{
			ID: s.SourceID, Kind: s.Kind, Retracted: s.Retracted, IncludedDesign: s.IncludedDesign,
			Includes: sortedIDs(s.Includes), RetractedIncludes: sortedIDs(s.RetractedIncludes),
			ReportedCertainty: s.ReportedCertainty, DesignSubset: s.DesignSubset, ReportedThreshold: s.ReportedThreshold,
		})
	}
	slices.SortFunc(snapshot.Sources, func(a, b source) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	// encoding/json is deterministic for structs and slices, and writes
	// each float64 in its shortest round-trip form.
	data, err := json.Marshal(snapshot)
	if err != nil {
		panic("grading: fingerprint: " + err.Error()) // plain values only: cannot happen
	}
	sum := sha256.Sum256(data)
	return FingerprintVersion + ":" + hex.EncodeToString(sum[:])
}

// GradeIsStale reports whether a grade decided on a body whose fingerprint
// was stored is stale against the body as it is now. A grade with no stored
// fingerprint is stale: nothing shows what it rested on.
func GradeIsStale(stored string, now Body) bool {
	return stored == "" || stored != now.Fingerprint()
}

// FindingGrade is a finding's current grade as the flag rules need it.
type FindingGrade struct {
	Certainty Certainty // None for case evidence
	// OccurrenceCertainty is the certainty that the harm can occur, for
	// case evidence; None otherwise.
	OccurrenceCertainty Certainty
	Fingerprint         string // Body.Fingerprint when it was decided
	DecidedAt           time.Time
	// Withdrawn says that every level-setting source of the grade is
	// retracted (GradeWithdrawal): it counts as no grade.
	Withdrawn bool
}

// FindingState is everything the finding flag rules look at.
type FindingState struct {
	Body            Body
	Grade           *FindingGrade // nil when ungraded
	Submitted       []FindingAssessment
	RequiredReviews int // REQUIRED_REVIEWS; below 1 counts as 1
}

// FindingFlagsOf returns the flags that hold for a finding, in AllFlags
// order; never nil:
//
//   - low_certainty: a grade of low or very_low certainty, or of low or
//     very_low occurrence certainty (case evidence);
//   - ungraded: no grade, or a withdrawn one;
//   - stale_grade: a grade (not withdrawn) whose fingerprint differs from
//     the body's now;
//   - retracted_evidence: a linked source is retracted, or a source that a
//     linked review includes;
//   - reviewer_disagreement: at least REQUIRED_REVIEWS (and two) submitted
//     assessments differ in the start or a domain, and no grade was decided
//     at or after the latest submission.
func FindingFlagsOf(s FindingState) []Flag {
	g := s.Grade
	graded := g != nil && !g.Withdrawn
	low := func(c Certainty) bool { return c == Low || c == VeryLow }
	holds := map[Flag]bool{
		FlagLowCertainty:         graded && (low(g.Certainty) || low(g.OccurrenceCertainty)),
		FlagUngraded:             !graded,
		FlagStaleGrade:           graded && GradeIsStale(g.Fingerprint, s.Body),
		FlagRetractedEvidence:    s.Body.anyRetracted(),
		FlagReviewerDisagreement: findingDisagreementOpen(s),
	}
	return inOrder(holds)
}

// GradeWithdrawal reports whether a grade decided with derivation d is
// withdrawn against the body as it is now (DESIGN "Retraction withdraws"):
// every source that set its level (d.LevelSetting: the sources, or the
// review whose reported certainty was the start) is retracted itself, a
// review by its own retraction (a retracted trial it includes leaves the
// review standing, and the grade stale). A level-setting source that is
// no longer linked is not retracted: the grade is stale instead. The
// reason names the retracted sources, e.g. "every level-setting source is
// retracted: source 12 (rct)". Retracting the sources back clears the
// withdrawal: it is derived from the body both ways.
func GradeWithdrawal(d CertaintyDerivation, now Body) (bool, string) {
	if len(d.LevelSetting) == 0 {
		return false, ""
	}
	var parts []string
	for _, id := range d.LevelSetting {
		i := slices.IndexFunc(now.Sources, func(s BodySource) bool { return s.SourceID == id })
		if i < 0 || !now.Sources[i].Retracted {
			return false, ""
		}
		parts = append(parts, fmt.Sprintf("source %d (%s)", id, now.Sources[i].Kind))
	}
	return true, "every level-setting source is retracted: " + strings.Join(parts, ", ")
}

// anyRetracted reports whether a linked source, or a source a linked review
// includes, is retracted.
func (b Body) anyRetracted() bool {
	for _, s := range b.Sources {
		if s.Retracted || len(s.RetractedIncludes) > 0 {
			return true
		}
	}
	return false
}

// findingDisagreementOpen reports whether submitted assessments disagree
// and no grade settled them after the latest submission.
func findingDisagreementOpen(s FindingState) bool {
	if len(s.Submitted) < max(s.RequiredReviews, 2) || len(Disagreements(s.Submitted)) == 0 {
		return false
	}
	latest := s.Submitted[0].SubmittedAt
	for _, a := range s.Submitted {
		if a.SubmittedAt.After(latest) {
			latest = a.SubmittedAt
		}
	}
	return s.Grade == nil || s.Grade.DecidedAt.Before(latest)
}
