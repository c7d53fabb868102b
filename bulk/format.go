// Package bulk defines the claimgrade-ndjson file format, version 2: what
// GET /api/v1/export writes and POST /api/v1/import reads. It holds only
// the line types (made for the file, never storage rows) and their
// encoding; the store reads and writes the catalogue behind them.
//
// A file is UTF-8 NDJSON: one JSON object a line, each line ended by "\n".
// Every line is {"type": T, "data": {...}} except the first, the header
// {"type":"header","format":"claimgrade-ndjson","version":2}, and the last,
// {"type":"end","counts":{...}}, which says how many lines of each type
// came before it (a reader detects a truncated stream by its absence).
// Lines come in dependency order: therapy, source, question, finding,
// claim; within a type by id.
//
// Identities: a therapy is named by its slug. Sources, questions, findings,
// claims, evidence searches, assessments and grades carry the id they have
// in the exporting database, and references between lines use those ids (a
// finding's question and sources, a review's includes, a claim's appearance
// sources, findings and the sources its searches led to, a grade's
// assessments). An import into an empty catalogue
// keeps these ids, so that a restored catalogue keeps its URLs and exports
// to the same bytes; an import into a catalogue that holds data assigns new
// ids and remaps every reference. A source whose DOI or PMID is already in
// the catalogue maps to the existing source instead of being created.
//
// What is exported is the catalogue's content and its graded state: the
// submitted assessments of graded findings (never drafts, never the
// assessments of a finding still under blinded review), every grade with
// its judgements, the editor's overrides of claim ratings, and for each
// grade and override whether it was stale. Derived values (a claim's
// rating, certainty, counts and flags; a finding's certainty and flags) are
// written under "derived" for readers; an import ignores them and derives
// them again. Times that only record when a row was last written
// (updated_at, version) are not exported, so two exports of the same
// catalogue are byte-identical; an evidence search is the exception: it
// carries its version, created_at, updated_at and created_by, which an
// import restores exactly (they say who documented the search and when, and
// its If-Match version survives a restore). Archived claims, users, API keys,
// idempotency records, webhooks and the audit trail are not exported.
package bulk

import (
	"time"

	"claimgrade/grading"
)

// Format and Version name the file format in its header line. Version 2
// (issue 18) added a question's direction and a frequency claim's
// claimed_bound; a version 1 file stored estimates and bounded absences
// differently and is refused rather than misread.
const (
	Format  = "claimgrade-ndjson"
	Version = 2
)

// MediaType is the media type of the file.
const MediaType = "application/x-ndjson"

// Line types.
const (
	TypeHeader   = "header"
	TypeTherapy  = "therapy"
	TypeSource   = "source"
	TypeQuestion = "question"
	TypeFinding  = "finding"
	TypeClaim    = "claim"
	TypeEnd      = "end"
)

// Order is the order of the data line types in a file.
var Order = []string{TypeTherapy, TypeSource, TypeQuestion, TypeFinding, TypeClaim}

// Header is the first line.
type Header struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// End is the last line: the number of lines of each data type before it.
type End struct {
	Type   string `json:"type"`
	Counts Counts `json:"counts"`
}

// Counts counts lines (or rows) per data type.
type Counts struct {
	Therapies int `json:"therapies"`
	Sources   int `json:"sources"`
	Questions int `json:"questions"`
	Findings  int `json:"findings"`
	Claims    int `json:"claims"`
}

// Line is one data line: Type is one of the data types, Data its object.
type Line[T any] struct {
	Type string `json:"type"`
	Data T      `json:"data"`
}

// Therapy is a therapy line; its slug is its identity.
type Therapy struct {
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Aliases     []Alias   `json:"aliases"`
	CreatedAt   time.Time `json:"created_at"`
}

// Alias is another name of a therapy.
type Alias struct {
	Alias    string `json:"alias"`
	Language string `json:"language"`
}

// Source is a source line. Includes are ids of source lines.
type Source struct {
	ID             int64                   `json:"id"`
	Kind           grading.SourceKind      `json:"kind"`
	Title          string                  `json:"title"`
	Authors        *string                 `json:"authors"`
	Year           *int                    `json:"year"`
	Container      *string                 `json:"container"`
	DOI            *string                 `json:"doi"`
	PMID           *string                 `json:"pmid"`
	URL            *string                 `json:"url"`
	Language       *string                 `json:"language"`
	IncludedDesign *grading.IncludedDesign `json:"included_design"`
	Includes       []int64                 `json:"includes"`
	Retracted      bool                    `json:"retracted"`
	RetractionNote *string                 `json:"retraction_note"`
	CreatedAt      time.Time               `json:"created_at"`
}

// Question is a question line; Therapy is a therapy's slug.
type Question struct {
	ID             int64                  `json:"id"`
	Therapy        string                 `json:"therapy"`
	Population     string                 `json:"population"`
	Intervention   string                 `json:"intervention"`
	Comparator     *string                `json:"comparator"`
	ComparatorKind grading.ComparatorKind `json:"comparator_kind"`
	Outcome        string                 `json:"outcome"`
	Timepoint      string                 `json:"timepoint"`
	OutcomeKind    grading.OutcomeKind    `json:"outcome_kind"`
	Direction      grading.Direction      `json:"direction"`
	CreatedAt      time.Time              `json:"created_at"`
}

// Finding is a finding line: the effect, the sources it rests on, the
// submitted assessments and the grades (oldest first; the last is the
// current grade). Question is the id of a question line.
type Finding struct {
	ID           int64                  `json:"id"`
	Question     int64                  `json:"question"`
	Measure      *grading.EffectMeasure `json:"measure"`
	Estimate     *float64               `json:"estimate"`
	CILow        *float64               `json:"ci_low"`
	CIHigh       *float64               `json:"ci_high"`
	Events       *int64                 `json:"events"`
	Participants *int64                 `json:"participants"`
	Studies      *int64                 `json:"studies"`
	Threshold    *float64               `json:"threshold"`
	// ComparatorRisk is the comparator group's risk quoted from the
	// source (optional; absent in files written before it existed).
	ComparatorRisk *float64             `json:"comparator_risk,omitempty"`
	Attribution    *grading.Attribution `json:"attribution"`
	Summary        string               `json:"summary"`
	CreatedAt      time.Time            `json:"created_at"`
	Sources        []FindingSource      `json:"sources"`
	Assessments    []Assessment         `json:"assessments"`
	Grades         []Grade              `json:"grades"`
	Derived        FindingDerived       `json:"derived"`
}

// FindingSource is a source a finding rests on; Source is the id of a
// source line.
type FindingSource struct {
	Source            int64                   `json:"source"`
	Excerpt           *string                 `json:"excerpt"`
	Locator           *string                 `json:"locator"`
	Note              *string                 `json:"note"`
	ReportedCertainty *grading.Certainty      `json:"reported_certainty"`
	ReportedThreshold *float64                `json:"reported_threshold"`
	DesignSubset      *grading.IncludedDesign `json:"design_subset"`
}

// Assessment is a submitted (or revised) assessment of a graded finding.
// Certainty and Derivation are what the engine computed when it was
// submitted (their source ids are ids of source lines); FirstSubmissions
// are the first submissions of each round, which the agreement statistics
// read.
type Assessment struct {
	ID               int64                       `json:"id"`
	Reviewer         string                      `json:"reviewer"`
	Status           grading.AssessmentStatus    `json:"status"`
	Judgements       grading.DomainJudgements    `json:"judgements"`
	Rationale        string                      `json:"rationale"`
	Certainty        *grading.Certainty          `json:"certainty"`
	Derivation       grading.CertaintyDerivation `json:"derivation"`
	SubmittedAt      time.Time                   `json:"submitted_at"`
	FirstSubmissions []FirstSubmission           `json:"first_submissions"`
}

// FirstSubmission is an assessment's first submission in one round.
type FirstSubmission struct {
	Round       int                      `json:"round"`
	Judgements  grading.DomainJudgements `json:"judgements"`
	Start       grading.Certainty        `json:"start"`
	Certainty   grading.Certainty        `json:"certainty"`
	SubmittedAt time.Time                `json:"submitted_at"`
}

// Grade is a decision on a finding's certainty. Assessments are ids of the
// finding's assessments; Stale says whether the body of evidence had
// changed since the grade was decided (an import keeps it so). A grade of
// case evidence has no certainty but an occurrence_certainty and the agreed
// attribution; a withdrawn grade (every level-setting source retracted)
// has withdrawn_at and withdrawn_reason (an import keeps them, naming the
// importing catalogue's source ids).
type Grade struct {
	ID                  int64                       `json:"id"`
	Certainty           *grading.Certainty          `json:"certainty"`
	OccurrenceCertainty *grading.Certainty          `json:"occurrence_certainty"`
	Attribution         *grading.Attribution        `json:"attribution"`
	WithdrawnAt         *time.Time                  `json:"withdrawn_at"`
	WithdrawnReason     *string                     `json:"withdrawn_reason"`
	Judgements          grading.DomainJudgements    `json:"judgements"`
	Method              grading.Method              `json:"method"`
	Rationale           string                      `json:"rationale"`
	DecidedBy           string                      `json:"decided_by"`
	DecidedAt           time.Time                   `json:"decided_at"`
	Assessments         []int64                     `json:"assessments"`
	Derivation          grading.CertaintyDerivation `json:"derivation"`
	Stale               bool                        `json:"stale"`
}

// FindingDerived are a finding's derived values: written for readers,
// ignored by an import.
type FindingDerived struct {
	Certainty           *grading.Certainty `json:"certainty"`
	OccurrenceCertainty *grading.Certainty `json:"occurrence_certainty"`
	Flags               []grading.Flag     `json:"flags"`
	Disagreements       []string           `json:"disagreements"`
}

// Claim is a claim line; Therapy is a therapy's slug.
type Claim struct {
	ID           int64                 `json:"id"`
	Therapy      string                `json:"therapy"`
	Text         string                `json:"text"`
	Language     string                `json:"language"`
	TextEn       *string               `json:"text_en"`
	Summary      string                `json:"summary"`
	ClaimType    grading.ClaimType     `json:"claim_type"`
	Assertion    grading.Assertion     `json:"assertion"`
	ClaimedValue *float64              `json:"claimed_value"`
	ClaimedBound *grading.ClaimedBound `json:"claimed_bound"`
	Hedge        grading.Hedge         `json:"hedge"`
	CreatedAt    time.Time             `json:"created_at"`
	Override     *Override             `json:"override"`
	Appearances  []Appearance          `json:"appearances"`
	Findings     []ClaimFinding        `json:"findings"`
	// Searches are the claim's evidence searches, by id.
	Searches []Search     `json:"searches"`
	Derived  ClaimDerived `json:"derived"`
}

// Override is an editor's override of a claim's rating; Stale says whether
// the evidence had changed since it was set.
type Override struct {
	Rating    grading.Rating `json:"rating"`
	Rationale string         `json:"rationale"`
	DecidedBy string         `json:"decided_by"`
	DecidedAt time.Time      `json:"decided_at"`
	Stale     bool           `json:"stale"`
}

// Appearance is where a claim appears; Source is the id of a source line.
type Appearance struct {
	Source      int64      `json:"source"`
	Excerpt     *string    `json:"excerpt"`
	Locator     *string    `json:"locator"`
	Note        *string    `json:"note"`
	URL         *string    `json:"url"`
	RetrievedAt *time.Time `json:"retrieved_at"`
}

// ClaimFinding links a claim to a finding line (its id) with a stance.
type ClaimFinding struct {
	Finding int64          `json:"finding"`
	Stance  grading.Stance `json:"stance"`
	Note    *string        `json:"note"`
}

// Search is an evidence search of a claim (the API's EvidenceSearch):
// Sources are ids of source lines, the sources it led to. Hits and
// Screened are required (null is refused).
type Search struct {
	ID         int64                  `json:"id"`
	Database   grading.SearchDatabase `json:"database"`
	Query      string                 `json:"query"`
	SearchedAt time.Time              `json:"searched_at"`
	Hits       *int64                 `json:"hits"`
	Screened   *int64                 `json:"screened"`
	Sources    []int64                `json:"sources"`
	Note       *string                `json:"note"`
	Version    int64                  `json:"version"`
	CreatedBy  string                 `json:"created_by"`
	CreatedAt  time.Time              `json:"created_at"`
	UpdatedAt  time.Time              `json:"updated_at"`
}

// ClaimDerived are a claim's derived values: written for readers, ignored
// by an import.
type ClaimDerived struct {
	Rating            grading.Rating          `json:"rating"`
	RatingSource      grading.RatingSource    `json:"rating_source"`
	RatingExplanation string                  `json:"rating_explanation"`
	RatingReason      grading.RatingRule      `json:"rating_reason"`
	Certainty         *grading.Certainty      `json:"certainty"`
	CertaintyBasis    *grading.CertaintyBasis `json:"certainty_basis"`
	Flags             []grading.Flag          `json:"flags"`
	SupportCount      int                     `json:"support_count"`
	RefuteCount       int                     `json:"refute_count"`
	AppearanceCount   int                     `json:"appearance_count"`
}
