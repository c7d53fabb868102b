package models

import (
	"slices"
	"time"

	"claimgrade/grading"
)

// SourceInclude says that a review pools a catalogued source, so that the
// two are never counted as independent evidence.
type SourceInclude struct {
	ReviewID int64 `gorm:"primaryKey"`
	SourceID int64 `gorm:"primaryKey"`
}

// IncludeIDs lists the ids of the sources s includes, sorted; never nil.
func (s Source) IncludeIDs() []int64 {
	out := make([]int64, len(s.Includes))
	for i, in := range s.Includes {
		out[i] = in.SourceID
	}
	slices.Sort(out)
	return out
}

// Question is one outcome of one PICO question about a therapy.
type Question struct {
	ID             int64 `gorm:"primaryKey"`
	TherapyID      int64
	Therapy        Therapy
	Population     string
	Intervention   string
	Comparator     *string
	ComparatorKind grading.ComparatorKind
	Outcome        string
	Timepoint      string
	OutcomeKind    grading.OutcomeKind
	Direction      grading.Direction
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Finding is the body of evidence for one question: its sources and, where
// one exists, the effect. Certainty is derived (null until findings are
// graded); flags are recomputed in the transaction of every change that
// affects them.
type Finding struct {
	ID           int64 `gorm:"primaryKey"`
	QuestionID   int64
	Question     Question
	Measure      *grading.EffectMeasure
	Estimate     *float64
	CILow        *float64 `gorm:"column:ci_low"`
	CIHigh       *float64 `gorm:"column:ci_high"`
	Events       *int64
	Participants *int64
	Studies      *int64
	Threshold    *float64
	// ComparatorRisk is the comparator group's risk of a binary outcome,
	// quoted from the source, for the absolute effect of a ratio (GRADE
	// 12); nil when not recorded.
	ComparatorRisk *float64
	Attribution    *grading.Attribution
	Summary        string
	Certainty      *grading.Certainty
	// OccurrenceCertainty is derived for case evidence (a harm without
	// comparator and without a measure): the certainty that the harm can
	// occur, from its grade's agreed attribution; nil otherwise, and while
	// its grade is withdrawn (Certainty is nil then too).
	OccurrenceCertainty *grading.Certainty
	// GradeID is the current (newest) grade; nil while ungraded.
	GradeID *int64
	Grade   *FindingGrade `gorm:"foreignKey:GradeID"`
	// Disagreements lists the start and domains on which the submitted
	// assessments differ while that is unsettled; nil or empty otherwise.
	Disagreements []string `gorm:"serializer:json"`
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Flags         []FindingFlag   `gorm:"foreignKey:FindingID"`
	Sources       []FindingSource `gorm:"foreignKey:FindingID"`
}

// FindingFlag is one flag raised on a finding; indexed by flag, like
// claim_flags.
type FindingFlag struct {
	Flag      grading.Flag `gorm:"primaryKey"`
	FindingID int64        `gorm:"primaryKey"`
}

// FindingSource is a source a finding rests on (or cites as context), with
// the passage that bears on the question.
type FindingSource struct {
	ID                int64 `gorm:"primaryKey"`
	FindingID         int64
	SourceID          int64
	Source            Source
	Excerpt           *string
	Locator           *string
	Note              *string
	ReportedCertainty *grading.Certainty
	// ReportedThreshold is the threshold the source used for its
	// ReportedCertainty, on the finding's estimate scale.
	ReportedThreshold *float64
	DesignSubset      *grading.IncludedDesign
	Version           int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// ClaimFinding links a claim to a finding that bears on it.
type ClaimFinding struct {
	ID        int64 `gorm:"primaryKey"`
	ClaimID   int64
	FindingID int64
	Finding   Finding
	Stance    grading.Stance
	Note      *string
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}
