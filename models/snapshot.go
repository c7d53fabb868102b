package models

import (
	"fmt"
	"slices"
	"time"

	"claimgrade/grading"
)

// Snapshots are what the audit trail records as an event's before and
// after: the public fields of a resource, in the JSON shape the API answers
// for it (DESIGN.md, JSON shapes), never a storage row. The served OpenAPI
// document types them (api/openapi.go) and rejects any other member.

// ClaimSnapshot has the shape of the API's Claim.
type ClaimSnapshot struct {
	ID              int64                `json:"id"`
	Therapy         string               `json:"therapy"`
	Text            string               `json:"text"`
	Language        string               `json:"language"`
	TextEn          *string              `json:"text_en"`
	Condition       *string              `json:"condition"`
	Outcome         *string              `json:"outcome"`
	ClaimType       grading.ClaimType    `json:"claim_type"`
	Verdict         grading.ClaimVerdict `json:"verdict"`
	Certainty       *grading.Certainty   `json:"certainty"`
	Flags           []grading.Flag       `json:"flags"`
	SupportCount    int                  `json:"support_count"`
	RefuteCount     int                  `json:"refute_count"`
	AppearanceCount int                  `json:"appearance_count"`
	Version         int64                `json:"version"`
	CreatedAt       time.Time            `json:"created_at"`
	UpdatedAt       time.Time            `json:"updated_at"`
}

// SnapshotOfClaim is c as the API shows it, with its therapy's slug and its
// flags (sorted) at the time.
func SnapshotOfClaim(c Claim, therapySlug string, flags []grading.Flag) ClaimSnapshot {
	f := slices.Clone(flags)
	if f == nil {
		f = []grading.Flag{}
	}
	slices.Sort(f)
	return ClaimSnapshot{ID: c.ID, Therapy: therapySlug, Text: c.Text, Language: c.Language, TextEn: c.TextEn,
		Condition: c.Condition, Outcome: c.Outcome, ClaimType: c.ClaimType, Verdict: c.Verdict, Certainty: c.Certainty,
		Flags: f, SupportCount: c.SupportCount, RefuteCount: c.RefuteCount, AppearanceCount: c.AppearanceCount,
		Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// SourceSnapshot has the shape of the API's Source.
type SourceSnapshot struct {
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
	Version        int64                   `json:"version"`
	CreatedAt      time.Time               `json:"created_at"`
	UpdatedAt      time.Time               `json:"updated_at"`
}

// SnapshotOfSource is s as the API shows it, with the includes loaded in
// s.Includes.
func SnapshotOfSource(s Source) SourceSnapshot {
	return SourceSnapshot{ID: s.ID, Kind: s.Kind, Title: s.Title, Authors: s.Authors, Year: s.Year, Container: s.Container,
		DOI: s.DOI, PMID: s.PMID, URL: s.URL, Language: s.Language, IncludedDesign: s.IncludedDesign, Includes: s.IncludeIDs(),
		Retracted: s.Retracted, RetractionNote: s.RetractionNote, Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// LinkSnapshot has the shape of the API's Link, its source embedded.
type LinkSnapshot struct {
	ID                int64              `json:"id"`
	ClaimID           int64              `json:"claim_id"`
	SourceID          int64              `json:"source_id"`
	Role              grading.LinkRole   `json:"role"`
	Stance            *grading.Stance    `json:"stance"`
	Excerpt           *string            `json:"excerpt"`
	Locator           *string            `json:"locator"`
	ReportedCertainty *grading.Certainty `json:"reported_certainty"`
	Note              *string            `json:"note"`
	Version           int64              `json:"version"`
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
	Source            SourceSnapshot     `json:"source"`
}

// SnapshotOfLink is l as the API shows it, with l.Source embedded.
func SnapshotOfLink(l Link) LinkSnapshot {
	return LinkSnapshot{ID: l.ID, ClaimID: l.ClaimID, SourceID: l.SourceID, Role: l.Role, Stance: l.Stance, Excerpt: l.Excerpt,
		Locator: l.Locator, ReportedCertainty: l.ReportedCertainty, Note: l.Note, Version: l.Version,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, Source: SnapshotOfSource(l.Source)}
}

// DerivationStepSnapshot has the shape of the API's DerivationStep.
type DerivationStepSnapshot struct {
	Domain    string             `json:"domain"`
	Judgement string             `json:"judgement"`
	Change    int                `json:"change"`
	After     *grading.Certainty `json:"after"`
	FHIRType  string             `json:"fhir_type"`
}

// DerivationSnapshot has the shape of the API's Derivation.
type DerivationSnapshot struct {
	Start         *grading.Certainty       `json:"start"`
	StartSourceID *int64                   `json:"start_source_id"`
	StartLinkID   *int64                   `json:"start_link_id"`
	StartReason   string                   `json:"start_reason"`
	Steps         []DerivationStepSnapshot `json:"steps"`
	Result        *grading.Certainty       `json:"result"`
	Clamped       bool                     `json:"clamped"`
	Summary       string                   `json:"summary"`
}

func idOrNil(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// SnapshotOfDerivation is a graded derivation as the API shows it.
func SnapshotOfDerivation(d grading.Derivation) DerivationSnapshot {
	r := DerivationSnapshot{Start: d.Start.Ptr(), StartSourceID: idOrNil(d.StartSourceID), StartLinkID: idOrNil(d.StartLinkID),
		StartReason: d.StartReason, Steps: []DerivationStepSnapshot{}, Result: d.Result.Ptr(), Clamped: d.Clamped, Summary: d.Summary()}
	for _, s := range d.Steps {
		r.Steps = append(r.Steps, DerivationStepSnapshot{Domain: s.Domain, Judgement: s.Judgement, Change: s.Change, After: s.After.Ptr(), FHIRType: s.FHIRType})
	}
	return r
}

// AssessmentSnapshot has the shape of the API's Assessment.
type AssessmentSnapshot struct {
	ID                   int64                    `json:"id"`
	ClaimID              int64                    `json:"claim_id"`
	Reviewer             string                   `json:"reviewer"`
	Status               grading.AssessmentStatus `json:"status"`
	Certainty            *grading.Certainty       `json:"certainty"`
	RiskOfBias           grading.Concern          `json:"risk_of_bias"`
	Inconsistency        grading.Concern          `json:"inconsistency"`
	Indirectness         grading.Concern          `json:"indirectness"`
	Imprecision          grading.Concern          `json:"imprecision"`
	PublicationBias      grading.Concern          `json:"publication_bias"`
	LargeEffect          grading.Effect           `json:"large_effect"`
	DoseResponse         bool                     `json:"dose_response"`
	PlausibleConfounding bool                     `json:"plausible_confounding"`
	Verdict              grading.Verdict          `json:"verdict"`
	Rationale            string                   `json:"rationale"`
	Derivation           DerivationSnapshot       `json:"derivation"`
	Version              int64                    `json:"version"`
	SubmittedAt          *time.Time               `json:"submitted_at"`
	CreatedAt            time.Time                `json:"created_at"`
	UpdatedAt            time.Time                `json:"updated_at"`
}

// SnapshotOfAssessment is as as the API shows it; reviewer is the name of
// its reviewer.
func SnapshotOfAssessment(as Assessment, reviewer string) AssessmentSnapshot {
	return AssessmentSnapshot{ID: as.ID, ClaimID: as.ClaimID, Reviewer: reviewer, Status: as.Status, Certainty: as.Certainty,
		RiskOfBias: as.RiskOfBias, Inconsistency: as.Inconsistency, Indirectness: as.Indirectness, Imprecision: as.Imprecision,
		PublicationBias: as.PublicationBias, LargeEffect: as.LargeEffect, DoseResponse: as.DoseResponse,
		PlausibleConfounding: as.PlausibleConfounding, Verdict: as.Verdict, Rationale: as.Rationale,
		Derivation: SnapshotOfDerivation(as.Derivation), Version: as.Version, SubmittedAt: as.SubmittedAt,
		CreatedAt: as.CreatedAt, UpdatedAt: as.UpdatedAt}
}

// GradeSnapshot has the shape of the API's GradeDecision.
type GradeSnapshot struct {
	ID            int64              `json:"id"`
	ClaimID       int64              `json:"claim_id"`
	Certainty     *grading.Certainty `json:"certainty"`
	Verdict       grading.Verdict    `json:"verdict"`
	Method        grading.Method     `json:"method"`
	Rationale     string             `json:"rationale"`
	DecidedBy     string             `json:"decided_by"`
	DecidedAt     time.Time          `json:"decided_at"`
	AssessmentIDs []int64            `json:"assessment_ids"`
	Derivation    DerivationSnapshot `json:"derivation"`
}

// SnapshotOfGrade is g as the API shows it. It takes any so that a nil
// *Grade (or nil) is no snapshot.
func SnapshotOfGrade(v any) any {
	var g Grade
	switch x := v.(type) {
	case nil:
		return nil
	case *Grade:
		if x == nil {
			return nil
		}
		g = *x
	case Grade:
		g = x
	default:
		panic(fmt.Sprintf("SnapshotOfGrade of %T", v))
	}
	ids := g.AssessmentIDs
	if ids == nil {
		ids = []int64{}
	}
	return GradeSnapshot{ID: g.ID, ClaimID: g.ClaimID, Certainty: g.Certainty, Verdict: g.Verdict, Method: g.Method,
		Rationale: g.Rationale, DecidedBy: g.DecidedBy, DecidedAt: g.DecidedAt, AssessmentIDs: ids,
		Derivation: SnapshotOfDerivation(g.Derivation)}
}

// FlagsSnapshot is a claim's flags before (Cause empty) or after a
// claim.flagged event, with the action that caused the change.
type FlagsSnapshot struct {
	Flags []grading.Flag `json:"flags"`
	Cause string         `json:"cause,omitempty"`
}

// ArchiveSnapshot is the after of a claim.archived event.
type ArchiveSnapshot struct {
	ArchivedAt time.Time `json:"archived_at"`
}
