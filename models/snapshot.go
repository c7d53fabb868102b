package models

import (
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
	ID              int64                   `json:"id"`
	Therapy         string                  `json:"therapy"`
	Text            string                  `json:"text"`
	Language        string                  `json:"language"`
	TextEn          *string                 `json:"text_en"`
	Summary         string                  `json:"summary"`
	ClaimType       grading.ClaimType       `json:"claim_type"`
	Assertion       grading.Assertion       `json:"assertion"`
	ClaimedValue    *float64                `json:"claimed_value"`
	ClaimedBound    *grading.ClaimedBound   `json:"claimed_bound"`
	Hedge           grading.Hedge           `json:"hedge"`
	Rating          grading.Rating          `json:"rating"`
	RatingSource    grading.RatingSource    `json:"rating_source"`
	Certainty       *grading.Certainty      `json:"certainty"`
	CertaintyBasis  *grading.CertaintyBasis `json:"certainty_basis"`
	Flags           []grading.Flag          `json:"flags"`
	SupportCount    int                     `json:"support_count"`
	RefuteCount     int                     `json:"refute_count"`
	AppearanceCount int                     `json:"appearance_count"`
	Version         int64                   `json:"version"`
	CreatedAt       time.Time               `json:"created_at"`
	UpdatedAt       time.Time               `json:"updated_at"`
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
		Summary: c.Summary, ClaimType: c.ClaimType, Assertion: c.Assertion, ClaimedValue: c.ClaimedValue, ClaimedBound: c.ClaimedBound,
		Hedge: c.Hedge, Rating: c.Rating, RatingSource: c.RatingSource, Certainty: c.Certainty, CertaintyBasis: c.CertaintyBasis,
		Flags: f, SupportCount: c.SupportCount, RefuteCount: c.RefuteCount, AppearanceCount: c.AppearanceCount,
		Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// RatingSnapshot is a claim's rating before or after a claim.rated event:
// the rating, who decided it (rule or editor), the explanation and the
// editor's override where one stands.
type RatingSnapshot struct {
	Rating      grading.Rating       `json:"rating"`
	Source      grading.RatingSource `json:"rating_source"`
	Certainty   *grading.Certainty   `json:"certainty"`
	Explanation string               `json:"rating_explanation"`
	Override    *OverrideSnapshot    `json:"override"`
	Cause       string               `json:"cause,omitempty"`
}

// OverrideSnapshot is an editor's override of a claim's rating.
type OverrideSnapshot struct {
	Rating    grading.Rating `json:"rating"`
	Rationale string         `json:"rationale"`
	DecidedBy string         `json:"decided_by"`
	DecidedAt time.Time      `json:"decided_at"`
}

// SnapshotOfRating is c's rating as it stands.
func SnapshotOfRating(c Claim) RatingSnapshot {
	r := RatingSnapshot{Rating: c.Rating, Source: c.RatingSource, Certainty: c.Certainty, Explanation: c.RatingExplanation}
	if c.OverrideRating != nil {
		o := OverrideSnapshot{Rating: *c.OverrideRating}
		if c.OverrideRationale != nil {
			o.Rationale = *c.OverrideRationale
		}
		if c.OverrideBy != nil {
			o.DecidedBy = *c.OverrideBy
		}
		if c.OverrideAt != nil {
			o.DecidedAt = *c.OverrideAt
		}
		r.Override = &o
	}
	return r
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

// AppearanceSnapshot has the shape of the API's Appearance, its source
// embedded.
type AppearanceSnapshot struct {
	ID          int64          `json:"id"`
	ClaimID     int64          `json:"claim_id"`
	SourceID    int64          `json:"source_id"`
	Excerpt     *string        `json:"excerpt"`
	Locator     *string        `json:"locator"`
	URL         *string        `json:"url"`
	RetrievedAt *time.Time     `json:"retrieved_at"`
	Note        *string        `json:"note"`
	Version     int64          `json:"version"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Source      SourceSnapshot `json:"source"`
}

// SnapshotOfAppearance is l as the API shows it, with l.Source embedded.
func SnapshotOfAppearance(l Link) AppearanceSnapshot {
	return AppearanceSnapshot{ID: l.ID, ClaimID: l.ClaimID, SourceID: l.SourceID, Excerpt: l.Excerpt, Locator: l.Locator,
		URL: l.URL, RetrievedAt: l.RetrievedAt, Note: l.Note, Version: l.Version,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, Source: SnapshotOfSource(l.Source)}
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
