package models

import (
	"slices"
	"time"

	"claimgrade/grading"
)

// QuestionSnapshot has the shape of the API's Question.
type QuestionSnapshot struct {
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
	Version        int64                  `json:"version"`
	CreatedAt      time.Time              `json:"created_at"`
	UpdatedAt      time.Time              `json:"updated_at"`
}

// SnapshotOfQuestion is q as the API shows it, q.Therapy loaded.
func SnapshotOfQuestion(q Question) QuestionSnapshot {
	return QuestionSnapshot{ID: q.ID, Therapy: q.Therapy.Slug, Population: q.Population, Intervention: q.Intervention,
		Comparator: q.Comparator, ComparatorKind: q.ComparatorKind, Outcome: q.Outcome, Timepoint: q.Timepoint,
		OutcomeKind: q.OutcomeKind, Direction: q.Direction, Version: q.Version, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
}

// FindingSourceSnapshot has the shape of the API's FindingSource.
type FindingSourceSnapshot struct {
	ID                int64                   `json:"id"`
	FindingID         int64                   `json:"finding_id"`
	SourceID          int64                   `json:"source_id"`
	Excerpt           *string                 `json:"excerpt"`
	Locator           *string                 `json:"locator"`
	Note              *string                 `json:"note"`
	ReportedCertainty *grading.Certainty      `json:"reported_certainty"`
	ReportedThreshold *float64                `json:"reported_threshold"`
	DesignSubset      *grading.IncludedDesign `json:"design_subset"`
	Version           int64                   `json:"version"`
	CreatedAt         time.Time               `json:"created_at"`
	UpdatedAt         time.Time               `json:"updated_at"`
	Source            SourceSnapshot          `json:"source"`
}

// SnapshotOfFindingSource is fs as the API shows it, its source (with
// includes) loaded.
func SnapshotOfFindingSource(fs FindingSource) FindingSourceSnapshot {
	return FindingSourceSnapshot{ID: fs.ID, FindingID: fs.FindingID, SourceID: fs.SourceID, Excerpt: fs.Excerpt,
		Locator: fs.Locator, Note: fs.Note, ReportedCertainty: fs.ReportedCertainty, ReportedThreshold: fs.ReportedThreshold, DesignSubset: fs.DesignSubset,
		Version: fs.Version, CreatedAt: fs.CreatedAt, UpdatedAt: fs.UpdatedAt, Source: SnapshotOfSource(fs.Source)}
}

// FindingSnapshot has the shape of the API's Finding.
type FindingSnapshot struct {
	ID             int64                   `json:"id"`
	Question       QuestionSnapshot        `json:"question"`
	Sources        []FindingSourceSnapshot `json:"sources"`
	Measure        *grading.EffectMeasure  `json:"measure"`
	Estimate       *float64                `json:"estimate"`
	CILow          *float64                `json:"ci_low"`
	CIHigh         *float64                `json:"ci_high"`
	Events         *int64                  `json:"events"`
	Participants   *int64                  `json:"participants"`
	Studies        *int64                  `json:"studies"`
	Threshold      *float64                `json:"threshold"`
	ComparatorRisk *float64                `json:"comparator_risk"`
	Attribution    *grading.Attribution    `json:"attribution"`
	Summary        string                  `json:"summary"`
	Certainty      *grading.Certainty      `json:"certainty"`
	// OccurrenceCertainty is case evidence's certainty that the harm can
	// occur.
	OccurrenceCertainty *grading.Certainty           `json:"occurrence_certainty"`
	Flags               []grading.Flag               `json:"flags"`
	Disagreements       []string                     `json:"disagreements"`
	Grade               *FindingGradeSnapshot        `json:"grade"`
	Derivation          *CertaintyDerivationSnapshot `json:"derivation"`
	Version             int64                        `json:"version"`
	CreatedAt           time.Time                    `json:"created_at"`
	UpdatedAt           time.Time                    `json:"updated_at"`
}

// FlagNames lists f's flags, sorted; never nil.
func (f Finding) FlagNames() []grading.Flag {
	out := make([]grading.Flag, len(f.Flags))
	for i, fl := range f.Flags {
		out[i] = fl.Flag
	}
	slices.Sort(out)
	return out
}

// SnapshotOfFinding is f as the API shows it: its question (with therapy),
// flags and sources (each with its source) loaded.
func SnapshotOfFinding(f Finding) FindingSnapshot {
	r := FindingSnapshot{ID: f.ID, Question: SnapshotOfQuestion(f.Question), Sources: make([]FindingSourceSnapshot, len(f.Sources)),
		Measure: f.Measure, Estimate: f.Estimate, CILow: f.CILow, CIHigh: f.CIHigh, Events: f.Events, Participants: f.Participants,
		Studies: f.Studies, Threshold: f.Threshold, ComparatorRisk: f.ComparatorRisk, Attribution: f.Attribution, Summary: f.Summary,
		Certainty: f.Certainty, OccurrenceCertainty: f.OccurrenceCertainty, Flags: f.FlagNames(), Version: f.Version, CreatedAt: f.CreatedAt,
		UpdatedAt: f.UpdatedAt}
	for i, fs := range f.Sources {
		r.Sources[i] = SnapshotOfFindingSource(fs)
	}
	r.Disagreements = nonNilList(f.Disagreements)
	r.Grade = FindingGradeOf(f.Grade)
	if f.Grade != nil {
		d := SnapshotOfCertaintyDerivation(f.Grade.Derivation)
		r.Derivation = &d
	}
	return r
}

// ClaimFindingSnapshot has the shape of the API's ClaimFinding.
type ClaimFindingSnapshot struct {
	ID        int64           `json:"id"`
	ClaimID   int64           `json:"claim_id"`
	FindingID int64           `json:"finding_id"`
	Stance    grading.Stance  `json:"stance"`
	Note      *string         `json:"note"`
	Version   int64           `json:"version"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	Finding   FindingSnapshot `json:"finding"`
}

// SnapshotOfClaimFinding is cf as the API shows it, its finding loaded as
// for SnapshotOfFinding.
func SnapshotOfClaimFinding(cf ClaimFinding) ClaimFindingSnapshot {
	return ClaimFindingSnapshot{ID: cf.ID, ClaimID: cf.ClaimID, FindingID: cf.FindingID, Stance: cf.Stance, Note: cf.Note,
		Version: cf.Version, CreatedAt: cf.CreatedAt, UpdatedAt: cf.UpdatedAt, Finding: SnapshotOfFinding(cf.Finding)}
}
