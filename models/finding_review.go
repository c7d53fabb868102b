package models

import (
	"time"

	"claimgrade/grading"
)

// FindingFirstSubmission is an assessment's first submission in one round
// of review, written once and never changed: a revision after unblinding,
// or the assessment reopened and submitted again after its grade went
// stale, leaves it as it is (a new round adds its own). Round is 1 + the
// number of grades the finding had when the assessment was submitted; the
// round is settled once the finding has at least Round grades. The
// agreement statistics compare the first submissions of settled rounds.
type FindingFirstSubmission struct {
	ID           int64 `gorm:"primaryKey"`
	FindingID    int64
	AssessmentID int64
	Round        int
	Judgements   grading.DomainJudgements `gorm:"serializer:json"`
	Start        grading.Certainty
	Certainty    grading.Certainty
	SubmittedAt  time.Time
}

// FindingAssessment is one reviewer's GRADE assessment of a finding's body
// of evidence: a draft, then submitted (frozen), then at most once revised
// after unblinding; each submission's first judgements are kept apart
// (FindingFirstSubmission). Certainty and Derivation are computed by
// grading.GradeBody, never taken from the client.
type FindingAssessment struct {
	ID          int64 `gorm:"primaryKey"`
	FindingID   int64
	ReviewerID  int64
	Reviewer    User
	Judgements  grading.DomainJudgements `gorm:"serializer:json"`
	Rationale   string
	Status      grading.AssessmentStatus
	Certainty   *grading.Certainty
	Derivation  grading.CertaintyDerivation `gorm:"serializer:json"`
	Version     int64
	SubmittedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
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
// A grade of case evidence has no GRADE certainty (Certainty nil) but the
// agreed Attribution and the OccurrenceCertainty derived from it. A grade
// whose level-setting sources are all retracted is withdrawn (WithdrawnAt,
// WithdrawnReason; grading.GradeWithdrawal): kept, shown as withdrawn, and
// the finding's certainty is null while it is.
type FindingGrade struct {
	ID                  int64 `gorm:"primaryKey"`
	FindingID           int64
	Certainty           *grading.Certainty
	OccurrenceCertainty *grading.Certainty
	Attribution         *grading.Attribution
	WithdrawnAt         *time.Time
	WithdrawnReason     *string
	Judgements          grading.DomainJudgements `gorm:"serializer:json"`
	Method              grading.Method
	Rationale           string
	DecidedByID         *int64
	DecidedBy           string
	DecidedAt           time.Time
	AssessmentIDs       []int64 `gorm:"serializer:json"`
	Fingerprint         string
	Derivation          grading.CertaintyDerivation `gorm:"serializer:json"`
}

// JudgementsSnapshot has the shape of the API's Judgements: the domains
// that do not apply to case evidence (all but indirectness) are null there.
type JudgementsSnapshot struct {
	RiskOfBias           *grading.Concern     `json:"risk_of_bias"`
	Inconsistency        *grading.Concern     `json:"inconsistency"`
	Indirectness         grading.Concern      `json:"indirectness"`
	Imprecision          *grading.Concern     `json:"imprecision"`
	PublicationBias      *grading.Concern     `json:"publication_bias"`
	LargeEffect          *grading.Effect      `json:"large_effect"`
	DoseResponse         *bool                `json:"dose_response"`
	PlausibleConfounding *bool                `json:"plausible_confounding"`
	RobTool              *grading.RobTool     `json:"rob_tool"`
	Sample               *grading.Sample      `json:"sample"`
	RelativeEffect       *float64             `json:"relative_effect"`
	Attribution          *grading.Attribution `json:"attribution"`
}

// ptrTo is v as a pointer, nil for the zero value.
func ptrTo[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// SnapshotOfJudgements is j without its reasons, as the API shows it.
func SnapshotOfJudgements(j grading.DomainJudgements) JudgementsSnapshot {
	r := JudgementsSnapshot{RiskOfBias: ptrTo(j.RiskOfBias), Inconsistency: ptrTo(j.Inconsistency), Indirectness: j.Indirectness,
		Imprecision: ptrTo(j.Imprecision), PublicationBias: ptrTo(j.PublicationBias), LargeEffect: ptrTo(j.LargeEffect),
		RobTool: ptrTo(j.RobTool), Sample: ptrTo(j.Sample), RelativeEffect: j.RelativeEffect, Attribution: ptrTo(j.Attribution)}
	if j.Attribution == "" { // case evidence judges no upgrade
		r.DoseResponse, r.PlausibleConfounding = &j.DoseResponse, &j.PlausibleConfounding
	}
	return r
}

// ReasonsOf is j's reasons; never nil.
func ReasonsOf(j grading.DomainJudgements) map[string]string {
	if j.Reasons == nil {
		return map[string]string{}
	}
	return j.Reasons
}

// CertaintyStepSnapshot has the shape of the API's CertaintyStep.
type CertaintyStepSnapshot struct {
	Domain    grading.Domain    `json:"domain"`
	Judgement string            `json:"judgement"`
	Change    int               `json:"change"`
	After     grading.Certainty `json:"after"`
	Reason    string            `json:"reason,omitempty"`
	FHIRType  string            `json:"fhir_type"`
}

// CertaintyDerivationSnapshot has the shape of the API's
// CertaintyDerivation.
type CertaintyDerivationSnapshot struct {
	Start          grading.Certainty       `json:"start"`
	StartReason    string                  `json:"start_reason"`
	DesignClass    grading.DesignClass     `json:"design_class,omitempty"`
	EventRate      bool                    `json:"event_rate"`
	RobTool        grading.RobTool         `json:"rob_tool,omitempty"`
	Sample         grading.Sample          `json:"sample,omitempty"`
	CaseEvidence   bool                    `json:"case_evidence,omitempty"`
	Attribution    grading.Attribution     `json:"attribution,omitempty"`
	RelativeEffect *float64                `json:"relative_effect,omitempty"`
	ReportedBy     int64                   `json:"reported_by,omitempty"`
	LevelSetting   []int64                 `json:"level_setting"`
	Overlapped     []int64                 `json:"overlapped"`
	Context        []grading.ContextSource `json:"context"`
	Steps          []CertaintyStepSnapshot `json:"steps"`
	Total          int                     `json:"total"`
	Result         grading.Certainty       `json:"result"`
	Clamped        bool                    `json:"clamped"`
	Summary        string                  `json:"summary"`
	AdjudicatedBy  string                  `json:"adjudicated_by,omitempty"`
	Rationale      string                  `json:"rationale,omitempty"`
}

func nonNilList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// SnapshotOfCertaintyDerivation is d as the API shows it.
func SnapshotOfCertaintyDerivation(d grading.CertaintyDerivation) CertaintyDerivationSnapshot {
	r := CertaintyDerivationSnapshot{Start: d.Start, StartReason: d.StartReason, DesignClass: d.DesignClass, EventRate: d.EventRate,
		RobTool: d.RobTool, Sample: d.Sample, CaseEvidence: d.CaseEvidence, Attribution: d.Attribution, RelativeEffect: d.RelativeEffect,
		ReportedBy: d.ReportedBy, LevelSetting: nonNilList(d.LevelSetting), Overlapped: nonNilList(d.Overlapped),
		Context: nonNilList(d.Context), Steps: []CertaintyStepSnapshot{}, Total: d.Total, Result: d.Result, Clamped: d.Clamped,
		Summary: d.Summary(), AdjudicatedBy: d.AdjudicatedBy, Rationale: d.Rationale}
	for _, s := range d.Steps {
		r.Steps = append(r.Steps, CertaintyStepSnapshot{Domain: grading.Domain(s.Domain), Judgement: s.Judgement, Change: s.Change,
			After: s.After, Reason: s.Reason, FHIRType: s.FHIRType})
	}
	return r
}

// FindingAssessmentSnapshot has the shape of the API's FindingAssessment.
type FindingAssessmentSnapshot struct {
	ID         int64                    `json:"id"`
	FindingID  int64                    `json:"finding_id"`
	Reviewer   string                   `json:"reviewer"`
	Status     grading.AssessmentStatus `json:"status"`
	Judgements JudgementsSnapshot       `json:"judgements"`
	Reasons    map[string]string        `json:"reasons"`
	Rationale  string                   `json:"rationale"`
	Certainty  *grading.Certainty       `json:"certainty"`
	// OccurrenceCertainty is set for case evidence, whose certainty is
	// null: the certainty that the harm can occur.
	OccurrenceCertainty *grading.Certainty          `json:"occurrence_certainty"`
	Derivation          CertaintyDerivationSnapshot `json:"derivation"`
	Version             int64                       `json:"version"`
	SubmittedAt         *time.Time                  `json:"submitted_at"`
	CreatedAt           time.Time                   `json:"created_at"`
	UpdatedAt           time.Time                   `json:"updated_at"`
}

// SnapshotOfFindingAssessment is as as the API shows it; reviewer is the
// name of its reviewer.
func SnapshotOfFindingAssessment(as FindingAssessment, reviewer string) FindingAssessmentSnapshot {
	return FindingAssessmentSnapshot{ID: as.ID, FindingID: as.FindingID, Reviewer: reviewer, Status: as.Status,
		Judgements: SnapshotOfJudgements(as.Judgements), Reasons: ReasonsOf(as.Judgements), Rationale: as.Rationale,
		Certainty: as.Certainty, OccurrenceCertainty: as.Derivation.OccurrenceCertainty().Ptr(),
		Derivation: SnapshotOfCertaintyDerivation(as.Derivation), Version: as.Version,
		SubmittedAt: as.SubmittedAt, CreatedAt: as.CreatedAt, UpdatedAt: as.UpdatedAt}
}

// FindingGradeSnapshot has the shape of the API's FindingGrade.
type FindingGradeSnapshot struct {
	Certainty           *grading.Certainty   `json:"certainty"`
	OccurrenceCertainty *grading.Certainty   `json:"occurrence_certainty"`
	Attribution         *grading.Attribution `json:"attribution"`
	WithdrawnAt         *time.Time           `json:"withdrawn_at"`
	WithdrawnReason     *string              `json:"withdrawn_reason"`
	Judgements          JudgementsSnapshot   `json:"judgements"`
	Reasons             map[string]string    `json:"reasons"`
	Method              grading.Method       `json:"method"`
	Rationale           string               `json:"rationale"`
	DecidedBy           string               `json:"decided_by"`
	DecidedAt           time.Time            `json:"decided_at"`
	AssessmentIDs       []int64              `json:"assessment_ids"`
}

// FindingGradeOf is g as the API shows it inside a finding; nil for no
// grade.
func FindingGradeOf(g *FindingGrade) *FindingGradeSnapshot {
	if g == nil {
		return nil
	}
	return &FindingGradeSnapshot{Certainty: g.Certainty, OccurrenceCertainty: g.OccurrenceCertainty, Attribution: g.Attribution,
		WithdrawnAt: g.WithdrawnAt, WithdrawnReason: g.WithdrawnReason, Judgements: SnapshotOfJudgements(g.Judgements), Reasons: ReasonsOf(g.Judgements),
		Method: g.Method, Rationale: g.Rationale, DecidedBy: g.DecidedBy, DecidedAt: g.DecidedAt, AssessmentIDs: nonNilList(g.AssessmentIDs)}
}

// SnapshotOfFindingGrade is g as the API shows it (a FindingGrade); nil
// (no snapshot) for no grade.
func SnapshotOfFindingGrade(g *FindingGrade) any {
	if g == nil {
		return nil
	}
	return FindingGradeOf(g)
}
