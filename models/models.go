// Package models holds the gorm models of claimgrade and the enums of its
// domain. Models describe rows; they are never bound from or written to
// HTTP bodies directly (see handlers for the request and response types).
// The audit snapshots (snapshot.go) are the exception by design: they are
// recorded in, and shown as, the API's resource shapes.
package models

import (
	"fmt"
	"slices"
	"time"

	"claimgrade/grading"
)

// Role is what a user may do. Each role includes the ones before it.
type Role string

// Roles, weakest first.
const (
	RoleReader   Role = "reader"
	RoleReviewer Role = "reviewer"
	RoleEditor   Role = "editor"
	RoleAdmin    Role = "admin"
)

// Roles lists the roles, weakest first. Each call returns a new slice.
func Roles() []Role { return []Role{RoleReader, RoleReviewer, RoleEditor, RoleAdmin} }

// Validate reports a value that is not one of the four roles.
func (r Role) Validate() error {
	if r.Valid() {
		return nil
	}
	return &grading.VocabularyError{Vocabulary: "role", Value: string(r), Values: grading.Strings(Roles())}
}

// Scan reads a stored role (database/sql.Scanner); a value that is not a
// role is an error.
func (r *Role) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("stored role has type %T, want text", src)
	}
	if err := Role(s).Validate(); err != nil {
		return fmt.Errorf("stored value: %w", err)
	}
	*r = Role(s)
	return nil
}

func (r Role) rank() int {
	switch r {
	case RoleReader:
		return 1
	case RoleReviewer:
		return 2
	case RoleEditor:
		return 3
	case RoleAdmin:
		return 4
	}
	return 0
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r includes min.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// Therapy is a treatment that claims are made about.
type Therapy struct {
	ID          int64          `gorm:"primaryKey" json:"id"`
	Slug        string         `json:"slug"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Aliases     []TherapyAlias `gorm:"foreignKey:TherapyID" json:"aliases,omitempty"`
	Version     int64          `json:"version"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// TherapyAlias is another name of a therapy, in some language. AliasKey is
// the lower-cased alias that look-ups match.
type TherapyAlias struct {
	ID        int64  `gorm:"primaryKey" json:"id"`
	TherapyID int64  `json:"therapy_id"`
	Alias     string `json:"alias"`
	AliasKey  string `json:"alias_key"`
	Language  string `json:"language"`
}

// Claim is one statement about a therapy, as an article makes it. Verdict,
// Certainty, the counts and EvidenceRevision are derived by the store in
// the transaction of every change that affects them.
type Claim struct {
	ID                int64                 `gorm:"primaryKey" json:"id"`
	TherapyID         int64                 `json:"therapy_id"`
	Therapy           Therapy               `json:"-"`
	Text              string                `json:"text"`
	Language          string                `json:"language"`
	TextEn            *string               `json:"text_en"`
	Summary           string                `json:"summary"`
	ClaimType         grading.ClaimType     `json:"claim_type"`
	Assertion         grading.Assertion     `json:"assertion"`
	ClaimedValue      *float64              `json:"claimed_value"`
	ClaimedBound      *grading.ClaimedBound `json:"claimed_bound"`
	Hedge             grading.Hedge         `json:"hedge"`
	SearchText        string                `json:"-"`
	Rating            grading.Rating        `json:"rating"`
	RatingSource      grading.RatingSource  `json:"rating_source"`
	RatingExplanation string                `json:"rating_explanation"`
	// RatingReason is the id of the rule that decided the rating
	// (grading.RatingRule), and RatingFacts the numbers and words it rests
	// on (grading.VerdictFacts as JSON, read with grading.ParseVerdictFacts).
	RatingReason string             `json:"rating_reason"`
	RatingFacts  *string            `json:"-"`
	RatedAt      *time.Time         `json:"rated_at"`
	Certainty    *grading.Certainty `json:"certainty"`
	// CertaintyBasis says what Certainty is about: evidence, or occurrence
	// (case evidence that a harm can occur); nil with Certainty.
	CertaintyBasis  *grading.CertaintyBasis `json:"certainty_basis"`
	SupportCount    int                     `json:"support_count"`
	RefuteCount     int                     `json:"refute_count"`
	AppearanceCount int                     `json:"appearance_count"`
	// An editor's override of the rating (nil: the rules decide), with its
	// rationale, author and time, and OverrideBasis, the fingerprint of the
	// evidence it was set against: once EvidenceBasis differs, it is stale.
	OverrideRating    *grading.Rating `json:"override_rating"`
	OverrideRationale *string         `json:"override_rationale"`
	OverrideBy        *string         `json:"override_by"`
	OverrideAt        *time.Time      `json:"override_at"`
	OverrideBasis     *string         `json:"-"`
	// EvidenceBasis fingerprints the linked findings the rating was
	// computed from (grading.EvidenceFingerprint).
	EvidenceBasis string `json:"-"`
	// LastSearchedAt is when the claim's newest evidence search was run
	// (nil without one), SearchStale whether it was older than
	// SEARCH_STALE_AFTER when the claim was last derived: derived, for the
	// sweep that re-derives claims whose newest search has aged since.
	LastSearchedAt *time.Time  `json:"-"`
	SearchStale    bool        `json:"-"`
	Version        int64       `json:"version"`
	ArchivedAt     *time.Time  `json:"archived_at"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	Flags          []ClaimFlag `gorm:"foreignKey:ClaimID" json:"-"`
}

// ClaimFlag is one flag raised on a claim; the table is indexed by flag
// so that flag filters are index scans.
type ClaimFlag struct {
	Flag    grading.Flag `gorm:"primaryKey" json:"flag"`
	ClaimID int64        `gorm:"primaryKey" json:"claim_id"`
}

// Source is a publication: a study, review, guideline or a web article.
type Source struct {
	ID             int64              `gorm:"primaryKey" json:"id"`
	Kind           grading.SourceKind `json:"kind"`
	Title          string             `json:"title"`
	Authors        *string            `json:"authors"`
	Year           *int               `json:"year"`
	Container      *string            `json:"container"`
	DOI            *string            `gorm:"column:doi" json:"doi"`
	PMID           *string            `gorm:"column:pmid" json:"pmid"`
	URL            *string            `gorm:"column:url" json:"url"`
	Language       *string            `json:"language"`
	Retracted      bool               `json:"retracted"`
	RetractionNote *string            `json:"retraction_note"`
	// IncludedDesign is set for systematic reviews and meta-analyses only.
	IncludedDesign *grading.IncludedDesign `json:"included_design"`
	SearchText     string                  `json:"-"`
	Version        int64                   `json:"version"`
	CreatedAt      time.Time               `json:"created_at"`
	UpdatedAt      time.Time               `json:"updated_at"`
	// Includes are the catalogued sources a review pools (preload
	// "Includes", or "Source.Includes" through a link).
	Includes []SourceInclude `gorm:"foreignKey:ReviewID" json:"-"`
}

// Link records a place where a claim appears: a web article, news item or
// other source, with the verbatim excerpt, the locator, the article's URL
// and when it was retrieved. (Evidence bearing on a claim is a finding,
// linked by ClaimFinding; Role is always appearance.)
type Link struct {
	ID          int64            `gorm:"primaryKey" json:"id"`
	ClaimID     int64            `json:"claim_id"`
	SourceID    int64            `json:"source_id"`
	Source      Source           `json:"-"`
	Role        grading.LinkRole `json:"role"`
	Excerpt     *string          `json:"excerpt"`
	Locator     *string          `json:"locator"`
	Note        *string          `json:"note"`
	URL         *string          `gorm:"column:url" json:"url"`
	RetrievedAt *time.Time       `json:"retrieved_at"`
	Version     int64            `json:"version"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// User is a person or system that holds API keys.
type User struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// APIKey is a credential of a user. Only the SHA-256 hash of the secret is
// kept; Prefix is the first characters of the key, for people to tell keys
// apart.
type APIKey struct {
	ID         int64      `gorm:"primaryKey" json:"id"`
	UserID     int64      `json:"user_id"`
	User       User       `json:"-"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Hash       []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// TableName keeps the table name readable.
func (APIKey) TableName() string { return "api_keys" }

// AuditEvent records one write: who, what, when, before and after.
type AuditEvent struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	ActorID   *int64    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"`
	Entity    string    `json:"entity"`
	EntityID  int64     `json:"entity_id"`
	ClaimID   *int64    `json:"claim_id"`
	FindingID *int64    `json:"finding_id"`
	Before    *string   `json:"before"`
	After     *string   `json:"after"`
	RequestID *string   `json:"request_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Change is one entry of the changes feed: an audit event numbered by Seq
// in commit order (migrations/*/00005_changes.sql writes it).
type Change struct {
	Seq      int64 `gorm:"primaryKey"`
	AuditID  int64
	Entity   string
	EntityID int64
	Action   string
	At       time.Time
}

// FeedEpoch is one epoch of the changes feed: an opaque id of the
// database's lineage, in which feed positions (seqs) hold. The newest row
// is the current epoch (migrations/*/00017_feed_epochs.sql starts the
// first; an import starts the next).
type FeedEpoch struct {
	ID        int64 `gorm:"primaryKey"`
	Epoch     string
	Reason    EpochReason
	StartedAt time.Time
}

// TableName: gorm would say feed_epoches.
func (FeedEpoch) TableName() string { return "feed_epochs" }

// EpochReason says what started a feed epoch.
type EpochReason string

// The reasons an epoch starts.
const (
	// EpochCreated: the database's first epoch, started by its migration.
	EpochCreated EpochReason = "created"
	// EpochImport: an import (or restore) wrote the catalogue outside the
	// feed's history, so earlier positions no longer describe it.
	EpochImport EpochReason = "import"
)

// EpochReasons lists the reasons. Each call returns a new slice.
func EpochReasons() []EpochReason { return []EpochReason{EpochCreated, EpochImport} }

// Validate reports a value that is not one of the reasons.
func (r EpochReason) Validate() error {
	if slices.Contains(EpochReasons(), r) {
		return nil
	}
	return &grading.VocabularyError{Vocabulary: "epoch reason", Value: string(r), Values: grading.Strings(EpochReasons())}
}

// Scan reads a stored reason (database/sql.Scanner); a value that is not
// one is an error.
func (r *EpochReason) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("stored epoch reason has type %T, want text", src)
	}
	if err := EpochReason(s).Validate(); err != nil {
		return fmt.Errorf("stored value: %w", err)
	}
	*r = EpochReason(s)
	return nil
}
