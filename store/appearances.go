package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// An appearance records where a claim is made: a web article, news item or
// other source, with the verbatim excerpt, where in it (locator), the
// article's URL and when it was retrieved. Appearances are rows of the links
// table with role appearance; the evidence a claim rests on is a finding
// (claim_findings.go).

// AppearanceInput records where a claim appears.
type AppearanceInput struct {
	SourceID    int64
	Excerpt     *string
	Locator     *string
	URL         *string
	RetrievedAt *time.Time
	Note        *string
}

// AppearancePatch changes an appearance; nil fields stay, a pointer to ""
// clears a text; RetrievedAt tells null (clear) from absent (keep).
type AppearancePatch struct {
	Excerpt     *string
	Locator     *string
	URL         *string
	RetrievedAt Nullable[time.Time]
	Note        *string
}

func validateAppearance(l *models.Link, src *models.Source) error {
	var p problems
	l.Excerpt, l.Locator, l.URL, l.Note = optional(l.Excerpt), optional(l.Locator), optional(l.URL), optional(l.Note)
	if src != nil && src.ID != 0 && grading.EvidenceAllowed(src.Kind) {
		p.add("source_id", "a claim appears in a web_article, news or other source; a %s is evidence, attached to a finding", src.Kind)
	}
	if l.Excerpt != nil {
		checkText(&p, "excerpt", *l.Excerpt, false, 10000)
	}
	if l.Locator != nil {
		checkText(&p, "locator", *l.Locator, false, 200)
	}
	if l.URL != nil {
		if u, err := url.Parse(*l.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(*l.URL) > 2000 {
			p.add("url", "must be an absolute http or https URL of at most 2,000 characters")
		}
	}
	if l.RetrievedAt != nil {
		t := l.RetrievedAt.UTC().Truncate(time.Microsecond)
		l.RetrievedAt = &t
		if t.After(now().Add(time.Minute)) {
			p.add("retrieved_at", "is in the future")
		}
	}
	if l.Note != nil {
		checkText(&p, "note", *l.Note, false, 4000)
	}
	return p.err()
}

// ListAppearances lists the appearances of a live claim by id, sources
// embedded.
func (s *Store) ListAppearances(ctx context.Context, claimID int64, p Page) ([]models.Link, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.claimRow(db, claimID, false); err != nil {
		return nil, "", err
	}
	q := db.Preload("Source.Includes").Where("claim_id = ?", claimID)
	if p.After > 0 {
		q = q.Where("id > ?", p.After)
	}
	var rows []models.Link
	if err := q.Order("id").Limit(p.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list appearances of claim %d: %w", claimID, classify(err))
	}
	rows, cursor := trim(rows, p, func(l models.Link) int64 { return l.ID })
	return rows, cursor, nil
}

// CreateAppearance records where a claim appears and re-derives the claim
// (its appearance count).
func (s *Store) CreateAppearance(ctx context.Context, a Actor, claimID int64, in AppearanceInput) (models.Link, error) {
	l := models.Link{ClaimID: claimID, SourceID: in.SourceID, Role: grading.RoleAppearance, Excerpt: in.Excerpt,
		Locator: in.Locator, URL: in.URL, RetrievedAt: in.RetrievedAt, Note: in.Note, Version: 1}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		var src models.Source
		var srcErr error
		if err := tx.Preload("Includes").Take(&src, in.SourceID).Error; err != nil {
			if !isNotFound(err) {
				return fmt.Errorf("find source %d: %w", in.SourceID, classify(err))
			}
			srcErr = &ValidationError{Problems: []FieldError{{Field: "source_id", Message: fmt.Sprintf("no source has id %d", in.SourceID)}}}
		}
		verr := validateAppearance(&l, &src)
		if srcErr != nil {
			return mergeProblems(srcErr, verr)
		}
		if verr != nil {
			return verr
		}
		var existing models.Link
		err := tx.Where("claim_id = ? AND source_id = ? AND role = ?", claimID, in.SourceID, grading.RoleAppearance).Take(&existing).Error
		if err == nil {
			return &ConflictError{Message: fmt.Sprintf("appearance %d already records claim %d in source %d", existing.ID, claimID, in.SourceID),
				Resource: "appearance", ExistingID: existing.ID}
		}
		if !isNotFound(err) {
			return fmt.Errorf("check duplicate appearance: %w", classify(err))
		}
		if err := tx.Omit("Source").Create(&l).Error; err != nil {
			if errors.Is(classify(err), ErrConflict) {
				return &ConflictError{Message: fmt.Sprintf("claim %d already appears in source %d", claimID, in.SourceID), Resource: "appearance"}
			}
			return fmt.Errorf("create appearance: %w", classify(err))
		}
		l.Source = src
		if err := audit(tx, a, "appearance.created", "appearance", l.ID, &claimID, nil, models.SnapshotOfAppearance(l)); err != nil {
			return err
		}
		if err := touchClaims(tx, "id = ?", claimID); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "appearance.created")
	})
	return l, err
}

func (s *Store) appearanceRow(tx *gorm.DB, claimID, id int64) (models.Link, error) {
	var l models.Link
	err := tx.Preload("Source.Includes").Where("claim_id = ?", claimID).Take(&l, id).Error
	if isNotFound(err) {
		return l, notFound("appearance", fmt.Sprintf("%d of claim %d", id, claimID))
	}
	if err != nil {
		return l, fmt.Errorf("find appearance %d: %w", id, classify(err))
	}
	return l, nil
}

// UpdateAppearance applies a patch if version is the appearance's current
// one.
func (s *Store) UpdateAppearance(ctx context.Context, a Actor, claimID, id, version int64, patch AppearancePatch) (models.Link, error) {
	var l models.Link
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		var err error
		if l, err = s.appearanceRow(tx, claimID, id); err != nil {
			return err
		}
		if l.Version != version {
			return &PreconditionError{Current: l.Version}
		}
		before := l
		for dst, v := range map[**string]*string{&l.Excerpt: patch.Excerpt, &l.Locator: patch.Locator, &l.URL: patch.URL, &l.Note: patch.Note} {
			if v != nil {
				*dst = v
			}
		}
		patch.RetrievedAt.apply(&l.RetrievedAt)
		if err := validateAppearance(&l, nil); err != nil {
			return err
		}
		l.Version++
		l.UpdatedAt = now()
		// Every write of an appearance locks its claim first (lockClaim above)
		// and the version was checked: nothing can have moved it.
		res := tx.Model(&models.Link{}).Where("id = ?", id).Updates(map[string]any{
			"excerpt": l.Excerpt, "locator": l.Locator, "url": l.URL, "retrieved_at": l.RetrievedAt,
			"note": l.Note, "version": l.Version, "updated_at": l.UpdatedAt,
		})
		if res.Error != nil {
			return fmt.Errorf("update appearance %d: %w", id, classify(res.Error))
		}
		if err := audit(tx, a, "appearance.updated", "appearance", id, &claimID, models.SnapshotOfAppearance(before), models.SnapshotOfAppearance(l)); err != nil {
			return err
		}
		return touchClaims(tx, "id = ?", claimID)
	})
	return l, err
}

// DeleteAppearance removes an appearance and re-derives the claim. version
// 0 skips the version check.
func (s *Store) DeleteAppearance(ctx context.Context, a Actor, claimID, id, version int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		l, err := s.appearanceRow(tx, claimID, id)
		if err != nil {
			return err
		}
		if version != 0 && l.Version != version {
			return &PreconditionError{Current: l.Version}
		}
		if err := tx.Delete(&models.Link{}, id).Error; err != nil {
			return fmt.Errorf("delete appearance %d: %w", id, classify(err))
		}
		if err := audit(tx, a, "appearance.deleted", "appearance", id, &claimID, models.SnapshotOfAppearance(l), nil); err != nil {
			return err
		}
		if err := touchClaims(tx, "id = ?", claimID); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "appearance.deleted")
	})
}

// touchClaims sets updated_at on the claims matching where: a claim's
// exports (ClaimReview, its DataFeed's updated_since) show its appearances
// and the sources behind them, so a change to those is a change to the
// claim for a partner syncing by time, though the claim's own version (its
// If-Match) stays.
func touchClaims(tx *gorm.DB, where string, args ...any) error {
	if err := tx.Model(&models.Claim{}).Where(where, args...).UpdateColumn("updated_at", now()).Error; err != nil {
		return fmt.Errorf("touch claims: %w", classify(err))
	}
	return nil
}
