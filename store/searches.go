package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// Evidence searches (DESIGN "Evidence searches"): each search an editor
// made for a claim's evidence, under the claim. A search is part of what the
// claim's rating reads (grading.RateClaim: no_evidence_found versus
// not_yet_searched) and its age part of the claim's flags, so every write of
// a search re-derives the claim in its transaction, as a finding link does.

// Bounds of a search (documented in the API).
const (
	// MaxSearchQuery is the longest query, in characters: a multi-line
	// strategy of an Ovid or Embase search fits.
	MaxSearchQuery = 10000
	// MaxSearchHits bounds hits (and so screened).
	MaxSearchHits = 1_000_000_000
	// MaxSearchSources is how many catalogued sources one search may list.
	MaxSearchSources = 100
	// MaxSearchesPerClaim is how many searches one claim may record.
	MaxSearchesPerClaim = 100
	maxSearchNote       = 4000
)

// earliestSearch is the earliest searched_at accepted: no bibliographic
// database was searched online before 1970.
var earliestSearch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// SetSearchStaleAfter sets SEARCH_STALE_AFTER: a claim whose newest
// search is older is flagged stale_grade. 0 or less means the default,
// grading.DefaultSearchStaleAfter.
func (s *Store) SetSearchStaleAfter(d time.Duration) { s.searchStaleAfter = d }

// SearchStaleAfter is SEARCH_STALE_AFTER (grading.DefaultSearchStaleAfter
// unless set).
func (s *Store) SearchStaleAfter() time.Duration {
	if s.searchStaleAfter <= 0 {
		return grading.DefaultSearchStaleAfter
	}
	return s.searchStaleAfter
}

// SearchInput records a search. SearchedAt, Hits and Screened are required
// (nil: the field is missing).
type SearchInput struct {
	Database   grading.SearchDatabase
	Query      string
	SearchedAt *time.Time
	Hits       *int64
	Screened   *int64
	SourceIDs  []int64
	Note       *string
}

// SearchPatch changes a search; nil fields stay, a pointer to "" clears
// the note, SourceIDs (when not nil) replaces the list.
type SearchPatch struct {
	Database   *grading.SearchDatabase
	Query      *string
	SearchedAt *time.Time
	Hits       *int64
	Screened   *int64
	SourceIDs  *[]int64
	Note       *string
}

// validateSearch normalises s (trimmed texts, UTC microseconds) and
// checks it, with the source ids it lists (named sourcesField: source_ids
// in the API, sources in an import file), reporting every problem at once.
// exists says whether a listed source is catalogued; missing names the
// required fields the input left out.
func validateSearch(s *models.EvidenceSearch, sourceIDs []int64, sourcesField string, exists func(int64) bool, missing map[string]bool) error {
	var p problems
	normalizeSearch(s)
	switch {
	case missing["database"] || s.Database == "":
		p.add("database", "is required: %s", strings.Join(grading.Strings(grading.SearchDatabases()), ", "))
	default:
		p.validate("database", s.Database)
	}
	checkText(&p, "query", s.Query, true, MaxSearchQuery)
	if missing["searched_at"] {
		p.add("searched_at", "is required: when the search was run (RFC 3339)")
	} else {
		switch {
		case s.SearchedAt.After(now().Add(time.Minute)):
			p.add("searched_at", "is in the future: record a search once it was run")
		case s.SearchedAt.Before(earliestSearch):
			p.add("searched_at", "must be on or after 1970-01-01")
		}
	}
	hitsOK := false
	switch {
	case missing["hits"]:
		p.add("hits", "is required: how many records the search returned (0 to %d)", MaxSearchHits)
	case s.Hits < 0 || s.Hits > MaxSearchHits:
		p.add("hits", "must be an integer from 0 to %d", MaxSearchHits)
	default:
		hitsOK = true
	}
	switch {
	case missing["screened"]:
		p.add("screened", "is required: how many of the records were screened (0 to hits)")
	case s.Screened < 0:
		p.add("screened", "must be an integer from 0 to hits")
	case hitsOK && s.Screened > s.Hits:
		p.add("screened", "is %d, more than the %d hits: screened counts records the search returned", s.Screened, s.Hits)
	}
	if len(sourceIDs) > MaxSearchSources {
		p.add(sourcesField, "may list at most %d sources", MaxSearchSources)
	}
	seen := map[int64]bool{}
	for i, id := range sourceIDs {
		field := fmt.Sprintf("%s[%d]", sourcesField, i)
		switch {
		case seen[id]:
			p.add(field, "repeats source %d", id)
		case !exists(id) && sourcesField == "sources":
			p.add(field, "no source line has id %d", id)
		case !exists(id):
			p.add(field, "no source has id %d", id)
		}
		seen[id] = true
	}
	if s.Note != nil {
		checkText(&p, "note", *s.Note, false, maxSearchNote)
	} else if len(sourceIDs) == 0 {
		p.add("note", "is required when %s is empty: say why nothing the search found was includable", sourcesField)
	}
	return p.err()
}

// normalizeSearch trims s's texts (an empty note is none) and puts its
// time in UTC at the microsecond precision the databases keep.
func normalizeSearch(s *models.EvidenceSearch) {
	s.Query = strings.TrimSpace(s.Query)
	s.Note = optional(s.Note)
	s.SearchedAt = s.SearchedAt.UTC().Truncate(time.Microsecond)
}

// existingSources reports which of ids are catalogued sources, in one
// statement.
func existingSources(tx *gorm.DB, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []int64
	if err := tx.Model(&models.Source{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return nil, fmt.Errorf("find sources: %w", classify(err))
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

func searchSourceRows(searchID int64, ids []int64) []models.EvidenceSearchSource {
	ids = slices.Sorted(slices.Values(ids))
	rows := make([]models.EvidenceSearchSource, len(ids))
	for i, id := range ids {
		rows[i] = models.EvidenceSearchSource{SearchID: searchID, SourceID: id}
	}
	return rows
}

func orderSourceID(db *gorm.DB) *gorm.DB { return db.Order("source_id") }

// ListSearches lists the searches of a live claim by id (the order they
// were recorded in), with the sources each led to.
func (s *Store) ListSearches(ctx context.Context, claimID int64, p Page) ([]models.EvidenceSearch, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.claimRow(db, claimID, false); err != nil {
		return nil, "", err
	}
	q := db.Preload("Sources", orderSourceID).Where("claim_id = ?", claimID)
	if p.After > 0 {
		q = q.Where("id > ?", p.After)
	}
	var rows []models.EvidenceSearch
	if err := q.Order("id").Limit(p.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list searches of claim %d: %w", claimID, classify(err))
	}
	rows, cursor := trim(rows, p, func(r models.EvidenceSearch) int64 { return r.ID })
	return rows, cursor, nil
}

// GetSearch reads one search of a live claim.
func (s *Store) GetSearch(ctx context.Context, claimID, id int64) (models.EvidenceSearch, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.claimRow(db, claimID, false); err != nil {
		return models.EvidenceSearch{}, err
	}
	return s.searchRow(db, claimID, id)
}

func (s *Store) searchRow(tx *gorm.DB, claimID, id int64) (models.EvidenceSearch, error) {
	var r models.EvidenceSearch
	err := tx.Preload("Sources", orderSourceID).Where("claim_id = ?", claimID).Take(&r, id).Error
	if isNotFound(err) {
		return r, notFound("search", fmt.Sprintf("%d of claim %d", id, claimID))
	}
	if err != nil {
		return r, fmt.Errorf("find search %d: %w", id, classify(err))
	}
	return r, nil
}

// CreateSearch records a search for a live claim and re-derives the claim
// (its rating, flags and staleness) in the same transaction.
func (s *Store) CreateSearch(ctx context.Context, a Actor, claimID int64, in SearchInput) (models.EvidenceSearch, error) {
	r := models.EvidenceSearch{ClaimID: claimID, Database: in.Database, Query: in.Query, Note: in.Note, Version: 1, CreatedBy: a.Name}
	missing := map[string]bool{"searched_at": in.SearchedAt == nil, "hits": in.Hits == nil, "screened": in.Screened == nil}
	if in.SearchedAt != nil {
		r.SearchedAt = *in.SearchedAt
	}
	if in.Hits != nil {
		r.Hits = *in.Hits
	}
	if in.Screened != nil {
		r.Screened = *in.Screened
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		exists, err := existingSources(tx, in.SourceIDs)
		if err != nil {
			return err
		}
		if err := validateSearch(&r, in.SourceIDs, "source_ids", func(id int64) bool { return exists[id] }, missing); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.EvidenceSearch{}).Where("claim_id = ?", claimID).Count(&n).Error; err != nil {
			return fmt.Errorf("count searches of claim %d: %w", claimID, classify(err))
		}
		if n >= MaxSearchesPerClaim {
			return &ConflictError{Message: fmt.Sprintf("claim %d already records %d searches, the most a claim may record", claimID, n),
				Resource: "search"}
		}
		if err := tx.Omit("Sources").Create(&r).Error; err != nil {
			return fmt.Errorf("create search: %w", classify(err))
		}
		r.Sources = searchSourceRows(r.ID, in.SourceIDs)
		if len(r.Sources) > 0 {
			if err := tx.Create(&r.Sources).Error; err != nil {
				return fmt.Errorf("record the sources of search %d: %w", r.ID, classify(err))
			}
		}
		if err := audit(tx, a, "evidence_search.created", "evidence_search", r.ID, &claimID, nil, models.SnapshotOfEvidenceSearch(r)); err != nil {
			return err
		}
		if err := touchClaims(tx, "id = ?", claimID); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "evidence_search.created")
	})
	return r, err
}

// UpdateSearch applies a patch to a search if version is its current one,
// and re-derives the claim.
func (s *Store) UpdateSearch(ctx context.Context, a Actor, claimID, id, version int64, patch SearchPatch) (models.EvidenceSearch, error) {
	var r models.EvidenceSearch
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		var err error
		if r, err = s.searchRow(tx, claimID, id); err != nil {
			return err
		}
		if r.Version != version {
			return &PreconditionError{Current: r.Version}
		}
		before := models.SnapshotOfEvidenceSearch(r)
		if patch.Database != nil {
			r.Database = *patch.Database
		}
		if patch.Query != nil {
			r.Query = *patch.Query
		}
		if patch.SearchedAt != nil {
			r.SearchedAt = *patch.SearchedAt
		}
		if patch.Hits != nil {
			r.Hits = *patch.Hits
		}
		if patch.Screened != nil {
			r.Screened = *patch.Screened
		}
		if patch.Note != nil {
			r.Note = patch.Note
		}
		ids := r.SourceIDs()
		if patch.SourceIDs != nil {
			ids = *patch.SourceIDs
		}
		exists, err := existingSources(tx, ids)
		if err != nil {
			return err
		}
		if err := validateSearch(&r, ids, "source_ids", func(id int64) bool { return exists[id] }, nil); err != nil {
			return err
		}
		r.Version++
		r.UpdatedAt = now()
		// The claim is locked (every write of a search locks it first) and
		// the version was checked: nothing can have moved the search.
		if err := tx.Model(&models.EvidenceSearch{}).Where("id = ?", id).Updates(map[string]any{
			"database_name": r.Database, "query_text": r.Query, "searched_at": r.SearchedAt, "hits": r.Hits, "screened": r.Screened,
			"note": r.Note, "version": r.Version, "updated_at": r.UpdatedAt,
		}).Error; err != nil {
			return fmt.Errorf("update search %d: %w", id, classify(err))
		}
		if patch.SourceIDs != nil {
			if err := tx.Where("search_id = ?", id).Delete(&models.EvidenceSearchSource{}).Error; err != nil {
				return fmt.Errorf("clear the sources of search %d: %w", id, classify(err))
			}
			r.Sources = searchSourceRows(id, ids)
			if len(r.Sources) > 0 {
				if err := tx.Create(&r.Sources).Error; err != nil {
					return fmt.Errorf("record the sources of search %d: %w", id, classify(err))
				}
			}
		}
		if err := audit(tx, a, "evidence_search.updated", "evidence_search", id, &claimID, before, models.SnapshotOfEvidenceSearch(r)); err != nil {
			return err
		}
		if err := touchClaims(tx, "id = ?", claimID); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "evidence_search.updated")
	})
	return r, err
}

// DeleteSearch removes a search if version is its current one, and
// re-derives the claim.
func (s *Store) DeleteSearch(ctx context.Context, a Actor, claimID, id, version int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockClaim(tx, claimID); err != nil {
			return err
		}
		r, err := s.searchRow(tx, claimID, id)
		if err != nil {
			return err
		}
		if r.Version != version {
			return &PreconditionError{Current: r.Version}
		}
		if err := tx.Where("search_id = ?", id).Delete(&models.EvidenceSearchSource{}).Error; err != nil {
			return fmt.Errorf("delete the sources of search %d: %w", id, classify(err))
		}
		if err := tx.Delete(&models.EvidenceSearch{}, id).Error; err != nil {
			return fmt.Errorf("delete search %d: %w", id, classify(err))
		}
		if err := audit(tx, a, "evidence_search.deleted", "evidence_search", id, &claimID, models.SnapshotOfEvidenceSearch(r), nil); err != nil {
			return err
		}
		if err := touchClaims(tx, "id = ?", claimID); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{claimID}, "evidence_search.deleted")
	})
}

// claimSearches reads the searches of claims as the rating rules read
// them, in one statement, in search id order per claim.
func claimSearches(tx *gorm.DB, claimIDs []int64) (map[int64][]grading.EvidenceSearch, error) {
	var rows []struct {
		ClaimID    int64
		Database   grading.SearchDatabase `gorm:"column:database_name"`
		Query      string                 `gorm:"column:query_text"`
		SearchedAt time.Time
		Hits       int64
		Screened   int64
		Sources    int
	}
	if err := tx.Table("evidence_searches AS es").
		Select("es.claim_id, es.database_name, es.query_text, es.searched_at, es.hits, es.screened, "+
			"(SELECT COUNT(*) FROM evidence_search_sources ess WHERE ess.search_id = es.id) AS sources").
		Where("es.claim_id IN ?", claimIDs).Order("es.claim_id, es.id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read searches of claims: %w", classify(err))
	}
	out := make(map[int64][]grading.EvidenceSearch)
	for _, r := range rows {
		out[r.ClaimID] = append(out[r.ClaimID], grading.EvidenceSearch{Database: r.Database, Query: r.Query,
			SearchedAt: r.SearchedAt, Hits: r.Hits, Screened: r.Screened, Sources: r.Sources})
	}
	return out, nil
}

// sweepSQL selects, given a cutoff and a limit, the live claims marked
// fresh whose newest search was run before the cutoff (aged; oldest
// first), and those marked stale whose newest search was run at or after
// it (renewed: the limit was raised). The WHERE clauses repeat the
// predicates of the partial indexes claims_search_fresh and
// claims_search_stale word for word, so that both databases read those
// indexes. On PostgreSQL the rows are locked, skipping rows another
// transaction holds.
func sweepSQL(dialect string) (aged, renewed string) {
	lock := ""
	if dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	aged = "SELECT id FROM claims WHERE archived_at IS NULL AND last_searched_at IS NOT NULL AND NOT search_stale" +
		" AND last_searched_at < ? ORDER BY last_searched_at LIMIT ?" + lock
	renewed = "SELECT id FROM claims WHERE archived_at IS NULL AND last_searched_at IS NOT NULL AND search_stale" +
		" AND last_searched_at >= ? ORDER BY last_searched_at DESC LIMIT ?" + lock
	return aged, renewed
}

// SearchSweepActor is the actor of the sweep's re-derivations.
const SearchSweepActor = "search-sweep"

// SweepStaleSearches re-derives, at now, up to limit live claims whose
// stored search staleness no longer holds: claims marked fresh whose newest
// search was run before now minus SEARCH_STALE_AFTER (they become
// stale_grade), and claims marked stale whose newest search is within the
// limit (after the limit was raised). Time makes a search stale without any
// write, so the server runs this periodically (package sweep). Each state
// has a partial index on last_searched_at (migration 00014), so finding the
// claims reads a range of one index, whatever the number of claims. On
// PostgreSQL the claims are locked with SKIP LOCKED: replicas sweeping at
// once take different claims, and none waits for a claim a writer holds
// (it is re-derived by that writer, or by the next sweep). It returns how
// many claims it re-derived.
func (s *Store) SweepStaleSearches(ctx context.Context, at time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	at = at.UTC().Truncate(time.Microsecond)
	cutoff := at.Add(-s.SearchStaleAfter())
	n := 0
	err := s.tx(ctx, func(tx *gorm.DB) error {
		aged, renewed := sweepSQL(s.dialect)
		var ids []int64
		if err := tx.Raw(aged, cutoff, limit).Scan(&ids).Error; err != nil {
			return fmt.Errorf("find claims whose searches aged: %w", classify(err))
		}
		if rest := limit - len(ids); rest > 0 {
			var more []int64
			if err := tx.Raw(renewed, cutoff, rest).Scan(&more).Error; err != nil {
				return fmt.Errorf("find claims whose searches are current again: %w", classify(err))
			}
			ids = append(ids, more...)
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		return s.rederiveAt(tx, System(SearchSweepActor), ids, "evidence_search.stale", at)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
