package models

import (
	"time"

	"claimgrade/grading"
)

// FirstSubmission is an assessment's first submission, kept when it is
// revised: the agreement statistics compare first submissions.
type FirstSubmission struct {
	Judgements  grading.DomainJudgements `json:"judgements"`
	Start       grading.Certainty        `json:"start"`
	Certainty   grading.Certainty        `json:"certainty"`
	SubmittedAt time.Time                `json:"submitted_at"`
}

// FindingAssessment is one reviewer's GRADE assessment of a finding's body
// of evidence: a draft, then submitted (frozen), then at most once revised
// after unblinding. Certainty and Derivation are computed by
// grading.GradeBody, never taken from the client.
type FindingAssessment struct {
	ID              int64 `gorm:"primaryKey"`
	FindingID       int64
	ReviewerID      int64
	Reviewer        User
	Judgements      grading.DomainJudgements `gorm:"serializer:json"`
	Rationale       string
	Status          grading.AssessmentStatus
	Certainty       *grading.Certainty
	Derivation      grading.CertaintyDerivation `gorm:"serializer:json"`
	FirstSubmission *FirstSubmission            `gorm:"serializer:json"`
	Version         int64
	SubmittedAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Submitted reports whether the assessment counts as submitted (submitted
// or revised).
func (a FindingAssessment) Submitted() bool {
	return a.Status == grading.StatusSubmitted || a.Status == grading.StatusRevised
}

// Review is the assessment as the consensus and flag rules see it.
func (a FindingAssessment) Review() grading.FindingAssessment {
	out := grading.FindingAssessment{Reviewer: a.Reviewer.Name, Judgements: a.Judgements, Start: a.Derivation.Start,
		Certainty: a.Derivation.Result}
	if a.SubmittedAt != nil {
		out.SubmittedAt = *a.SubmittedAt
	}
	return out
}

// FindingGrade is a decision on a finding's certainty. Grades are kept as
// history; the finding's grade_id names its current one (its newest).
type FindingGrade struct {
	ID            int64 `gorm:"primaryKey"`
	FindingID     int64
	Certainty     grading.Certainty
	Judgements    grading.DomainJudgements `gorm:"serializer:json"`
	Method        grading.Method
	Rationale     string
	DecidedByID   *int64
	DecidedBy     string
	DecidedAt     time.Time
	AssessmentIDs []int64 `gorm:"serializer:json"`
	Fingerprint   string
	Derivation    grading.CertaintyDerivation `gorm:"serializer:json"`
}

// FindingAssessmentSnapshot has the shape of the API's FindingAssessment.
type FindingAssessmentSnapshot struct {
	ID          int64                       `json:"id"`
	FindingID   int64                       `json:"finding_id"`
	Reviewer    string                      `json:"reviewer"`
	Status      grading.AssessmentStatus    `json:"status"`
	Judgements  grading.DomainJudgements    `json:"judgements"`
	Rationale   string                      `json:"rationale"`
	Certainty   *grading.Certainty          `json:"certainty"`
	Derivation  grading.CertaintyDerivation `json:"derivation"`
	Version     int64                       `json:"version"`
	SubmittedAt *time.Time                  `json:"submitted_at"`
	CreatedAt   time.Time                   `json:"created_at"`
	UpdatedAt   time.Time                   `json:"updated_at"`
}

// SnapshotOfFindingAssessment is as as the API shows it; reviewer is the
// name of its reviewer.
func SnapshotOfFindingAssessment(as FindingAssessment, reviewer string) FindingAssessmentSnapshot {
	j := as.Judgements
	if j.Reasons == nil {
		j.Reasons = map[string]string{}
	}
	return FindingAssessmentSnapshot{ID: as.ID, FindingID: as.FindingID, Reviewer: reviewer, Status: as.Status, Judgements: j,
		Rationale: as.Rationale, Certainty: as.Certainty, Derivation: as.Derivation, Version: as.Version,
		SubmittedAt: as.SubmittedAt, CreatedAt: as.CreatedAt, UpdatedAt: as.UpdatedAt}
}

// FindingGradeSnapshot has the shape of the API's FindingGrade.
type FindingGradeSnapshot struct {
	ID            int64                       `json:"id"`
	FindingID     int64                       `json:"finding_id"`
	Certainty     grading.Certainty           `json:"certainty"`
	Judgements    grading.DomainJudgements    `json:"judgements"`
	Method        grading.Method              `json:"method"`
	Rationale     string                      `json:"rationale"`
	DecidedBy     string                      `json:"decided_by"`
	DecidedAt     time.Time                   `json:"decided_at"`
	AssessmentIDs []int64                     `json:"assessment_ids"`
	Derivation    grading.CertaintyDerivation `json:"derivation"`
}

// SnapshotOfFindingGrade is g as the API shows it; nil for no grade.
func SnapshotOfFindingGrade(g *FindingGrade) any {
	if g == nil {
		return nil
	}
	ids := g.AssessmentIDs
	if ids == nil {
		ids = []int64{}
	}
	return FindingGradeSnapshot{ID: g.ID, FindingID: g.FindingID, Certainty: g.Certainty, Judgements: g.Judgements,
		Method: g.Method, Rationale: g.Rationale, DecidedBy: g.DecidedBy, DecidedAt: g.DecidedAt, AssessmentIDs: ids,
		Derivation: g.Derivation}
}
