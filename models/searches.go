package models

import (
	"slices"
	"time"

	"claimgrade/grading"
)

// EvidenceSearch is one search made for a claim's evidence (DESIGN
// "Evidence searches"): where, the query exactly as it was run, when, how
// many records it returned and how many were screened, the catalogued
// sources it led to and why nothing was includable. CreatedBy is the name
// of the editor who recorded it.
type EvidenceSearch struct {
	ID         int64 `gorm:"primaryKey"`
	ClaimID    int64
	Database   grading.SearchDatabase `gorm:"column:database_name"`
	Query      string                 `gorm:"column:query_text"`
	SearchedAt time.Time
	Hits       int64
	Screened   int64
	Note       *string
	// Sources are the catalogued sources the search led to (preload
	// "Sources").
	Sources   []EvidenceSearchSource `gorm:"foreignKey:SearchID"`
	Version   int64
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EvidenceSearchSource is a catalogued source a search led to.
type EvidenceSearchSource struct {
	SearchID int64 `gorm:"primaryKey"`
	SourceID int64 `gorm:"primaryKey"`
}

// SourceIDs lists the ids of the sources s led to, sorted; never nil.
func (s EvidenceSearch) SourceIDs() []int64 {
	out := make([]int64, len(s.Sources))
	for i, src := range s.Sources {
		out[i] = src.SourceID
	}
	slices.Sort(out)
	return out
}

// Engine is the search as the rating rules read it.
func (s EvidenceSearch) Engine() grading.EvidenceSearch {
	return grading.EvidenceSearch{Database: s.Database, Query: s.Query, SearchedAt: s.SearchedAt, Hits: s.Hits,
		Screened: s.Screened, Sources: len(s.Sources)}
}

// EvidenceSearchSnapshot has the shape of the API's EvidenceSearch.
type EvidenceSearchSnapshot struct {
	ID         int64                  `json:"id"`
	ClaimID    int64                  `json:"claim_id"`
	Database   grading.SearchDatabase `json:"database"`
	Query      string                 `json:"query"`
	SearchedAt time.Time              `json:"searched_at"`
	Hits       int64                  `json:"hits"`
	Screened   int64                  `json:"screened"`
	SourceIDs  []int64                `json:"source_ids"`
	Note       *string                `json:"note"`
	Version    int64                  `json:"version"`
	CreatedBy  string                 `json:"created_by"`
	CreatedAt  time.Time              `json:"created_at"`
	UpdatedAt  time.Time              `json:"updated_at"`
}

// SnapshotOfEvidenceSearch is s as the API shows it, s.Sources loaded.
func SnapshotOfEvidenceSearch(s EvidenceSearch) EvidenceSearchSnapshot {
	return EvidenceSearchSnapshot{ID: s.ID, ClaimID: s.ClaimID, Database: s.Database, Query: s.Query, SearchedAt: s.SearchedAt,
		Hits: s.Hits, Screened: s.Screened, SourceIDs: s.SourceIDs(), Note: s.Note, Version: s.Version, CreatedBy: s.CreatedBy,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}
