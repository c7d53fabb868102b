package fhir

import (
	"time"

	"claimgrade/grading"
)

// The inputs of the mappings: plain values the caller (handlers) converts
// its rows into, so that this package depends on no storage model.

// Question is the PICO question a finding answers.
type Question struct {
	Population   string
	Intervention string
	// Comparator is "" when the question has none (an event rate, a harm
	// without comparator): then the Evidence has no referenceExposure.
	Comparator string
	Outcome    string
	Timepoint  string
}

// Source is a publication a finding rests on, or the article a claim
// appears in; it becomes a Citation.
type Source struct {
	ID        int64
	Title     string
	Authors   string // "" when unknown
	Year      int    // 0 when unknown
	Container string // journal or site; "" when unknown
	DOI       string // "" when none
	PMID      string // "" when none
	URL       string // "" when none
	Retracted bool
	// RetractionNote says why; used only when Retracted.
	RetractionNote string
}

// Grade is a finding's current grade: its certainty and the judgements it
// rests on. A grade of case evidence has no GRADE certainty (Certainty
// None) but an OccurrenceCertainty, the certainty that the harm can occur,
// from its agreed Attribution (WHO-UMC); a withdrawn grade (every
// level-setting source retracted) is exported as no certainty, with its
// reason.
type Grade struct {
	Certainty           grading.Certainty
	OccurrenceCertainty grading.Certainty
	Attribution         grading.Attribution
	Start               grading.Certainty
	StartReason         string
	Judgements          grading.DomainJudgements
	Method              grading.Method
	Withdrawn           bool
	WithdrawnReason     string
}

// Assessment is one reviewer's assessment of a finding. Only submitted (or
// revised) assessments of a graded finding are ever exported; the caller
// should pass only those its grade rests on, and the mapping drops any
// other (blinding).
type Assessment struct {
	ID int64
	// ReviewerID identifies the reviewer only within the export: it is
	// never written out; the reviewer appears as "Reviewer N", numbered in
	// order of first appearance.
	ReviewerID int64
	Status     grading.AssessmentStatus
	Judgements grading.DomainJudgements
	Start      grading.Certainty
	// Certainty is the derivation's result: for case evidence (Judgements
	// with an attribution) the occurrence certainty.
	Certainty   grading.Certainty
	Rationale   string
	SubmittedAt time.Time
}

// Finding is a body of evidence for one question and outcome.
type Finding struct {
	ID       int64
	Question Question
	// Measure is "" when the finding has no effect estimate.
	Measure      grading.EffectMeasure
	Estimate     *float64
	CILow        *float64 // 95% confidence interval
	CIHigh       *float64
	Events       *int64
	Participants *int64
	Studies      *int64
	Summary      string
	// Grade is nil while the finding is ungraded: then the Evidence has no
	// certainty and no assessment is exported.
	Grade       *Grade
	Sources     []Source
	Assessments []Assessment
}

// Claim is a claim with its rating, for ClaimBundle.
type Claim struct {
	ID int64
	// Text is the claim verbatim, in Language (a BCP 47 tag).
	Text              string
	Language          string
	Rating            grading.Rating
	RatingExplanation string
	// Article is the article the claim appears in; the rating is an
	// ArtifactAssessment on its Citation.
	Article Source
	// Findings are the findings linked to the claim; each becomes an
	// Evidence that the rating cites as its justification.
	Findings []Finding
	// BaseURL is PUBLIC_BASE_URL: the claim-rating CodeSystem is
	// {BaseURL}/fhir/CodeSystem/claim-rating (ClaimRatingSystem).
	BaseURL string
}
