package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

var (
	doiRE  = regexp.MustCompile(`^10\.\d{4,9}/\S+$`)
	pmidRE = regexp.MustCompile(`^[1-9][0-9]{0,8}$`)
)

// NormalizeDOI strips resolver prefixes (https://doi.org/, doi:) and lower-
// cases a DOI; DOIs are case-insensitive. ok is false when the result is not
// a DOI.
func NormalizeDOI(raw string) (string, bool) {
	d := strings.TrimSpace(raw)
	lower := strings.ToLower(d)
	for _, prefix := range []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi.org/", "doi:"} {
		if strings.HasPrefix(lower, prefix) {
			lower = strings.TrimSpace(lower[len(prefix):])
			break
		}
	}
	// A cap well under PostgreSQL's b-tree entry limit (the DOI column is
	// unique): longer input is a 422, not a 500. Real DOIs are far shorter.
	return lower, len(lower) <= 500 && doiRE.MatchString(lower)
}

// SourceInput creates a source.
type SourceInput struct {
	Kind           grading.SourceKind
	Title          string
	Authors        *string
	Year           *int
	Container      *string
	DOI            *string
	PMID           *string
	URL            *string
	Language       *string
	Retracted      bool
	RetractionNote *string
}

// SourcePatch changes a source; nil fields stay. A pointer to an empty
// string clears an optional text field; ClearYear clears the year.
type SourcePatch struct {
	Kind           *grading.SourceKind
	Title          *string
	Authors        *string
	Year           *int
	ClearYear      bool
	Container      *string
	DOI            *string
	PMID           *string
	URL            *string
	Language       *string
	Retracted      *bool
	RetractionNote *string
}

// SourceFilter selects sources. Zero fields do not filter.
type SourceFilter struct {
	Kind      grading.SourceKind
	Q         string
	DOI       string
	PMID      string
	Retracted *bool
	Page      Page
}

// LinkedClaim is a link of a source with the claim it points to.
type LinkedClaim struct {
	Link  models.Link
	Claim models.Claim
}

// SourceDetail is a source with the claims that link it.
type SourceDetail struct {
	Source models.Source
	Links  []LinkedClaim
}

// MaxEmbeddedLinks bounds the links embedded in a source's detail.
const MaxEmbeddedLinks = 500

func optional[T ~string](p *T) *T {
	if p == nil {
		return nil
	}
	v := T(strings.TrimSpace(string(*p)))
	if v == "" {
		return nil
	}
	return &v
}

// normalizeSource trims and normalises a source in place and validates it.
func normalizeSource(src *models.Source) error {
	var p problems
	src.Title = strings.TrimSpace(src.Title)
	src.Authors, src.Container, src.URL = optional(src.Authors), optional(src.Container), optional(src.URL)
	src.Language, src.RetractionNote = optional(src.Language), optional(src.RetractionNote)
	src.DOI, src.PMID = optional(src.DOI), optional(src.PMID)
	p.validate("kind", src.Kind)
	checkText(&p, "title", src.Title, true, 1000)
	if src.Authors != nil {
		checkText(&p, "authors", *src.Authors, false, 4000)
	}
	if src.Container != nil {
		checkText(&p, "container", *src.Container, false, 1000)
	}
	if src.Year != nil && (*src.Year < 1500 || *src.Year > time.Now().Year()+1) {
		p.add("year", "must be between 1500 and %d", time.Now().Year()+1)
	}
	if src.DOI != nil {
		d, ok := NormalizeDOI(*src.DOI)
		if !ok {
			p.add("doi", "must be a DOI such as 10.1155/2011/317183 (a https://doi.org/ prefix is accepted)")
		}
		src.DOI = &d
	}
	if src.PMID != nil && !pmidRE.MatchString(*src.PMID) {
		p.add("pmid", "must be a PubMed id: 1 to 9 digits")
	}
	if src.URL != nil {
		u, err := url.Parse(*src.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(*src.URL) > 2000 {
			p.add("url", "must be an absolute http or https URL")
		}
	}
	if src.Language != nil && !languageRE.MatchString(*src.Language) {
		p.add("language", "must be a BCP 47 language tag such as de, it, fr or en")
	}
	if src.RetractionNote != nil {
		checkText(&p, "retraction_note", *src.RetractionNote, false, 4000)
		if !src.Retracted {
			p.add("retraction_note", "may only be set on a retracted source")
		}
	}
	src.SearchText = searchText(&src.Title, src.Authors, src.Container)
	return p.err()
}

// duplicateSource finds another source holding the same DOI or PMID.
func (s *Store) duplicateSource(tx *gorm.DB, src *models.Source) error {
	if src.DOI == nil && src.PMID == nil {
		return nil
	}
	q := tx.Where("id <> ?", src.ID)
	switch {
	case src.DOI != nil && src.PMID != nil:
		q = q.Where("doi = ? OR pmid = ?", *src.DOI, *src.PMID)
	case src.DOI != nil:
		q = q.Where("doi = ?", *src.DOI)
	default:
		q = q.Where("pmid = ?", *src.PMID)
	}
	var hit models.Source
	err := q.Take(&hit).Error
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check duplicate source: %w", classify(err))
	}
	what := "PMID " + deref(hit.PMID)
	if src.DOI != nil && hit.DOI != nil && *hit.DOI == *src.DOI {
		what = "DOI " + *hit.DOI
	}
	return &ConflictError{Message: fmt.Sprintf("source %d already has %s", hit.ID, what), Resource: "source", ExistingID: hit.ID}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// CreateSource stores a new source after normalising its DOI.
func (s *Store) CreateSource(ctx context.Context, a Actor, in SourceInput) (models.Source, error) {
	src := models.Source{Kind: in.Kind, Title: in.Title, Authors: in.Authors, Year: in.Year, Container: in.Container,
		DOI: in.DOI, PMID: in.PMID, URL: in.URL, Language: in.Language, Retracted: in.Retracted, RetractionNote: in.RetractionNote, Version: 1}
	if err := normalizeSource(&src); err != nil {
		return models.Source{}, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.duplicateSource(tx, &src); err != nil {
			return err
		}
		if err := tx.Create(&src).Error; err != nil {
			return fmt.Errorf("create source: %w", classify(err))
		}
		return audit(tx, a, "source.created", "source", src.ID, nil, nil, src)
	})
	return src, s.uniqueConflict(ctx, &src, err)
}

// uniqueConflict turns a unique violation on doi or pmid, which a
// concurrent writer caused after duplicateSource's check, into the 409
// naming the source that holds the value. It looks outside the failed
// transaction: PostgreSQL aborts a transaction on the violation, so no
// statement can run in it any more.
func (s *Store) uniqueConflict(ctx context.Context, src *models.Source, err error) error {
	var ce *ConflictError
	if err == nil || !errors.Is(err, ErrConflict) || errors.As(err, &ce) {
		return err
	}
	if dup := s.duplicateSource(s.db.WithContext(ctx), src); errors.As(dup, &ce) {
		return dup
	}
	return err
}

// GetSource returns a source with the claims that link it.
func (s *Store) GetSource(ctx context.Context, id int64) (SourceDetail, error) {
	db := s.db.WithContext(ctx)
	var d SourceDetail
	if err := db.Take(&d.Source, id).Error; err != nil {
		if isNotFound(err) {
			return d, notFound("source", id)
		}
		return d, fmt.Errorf("find source %d: %w", id, classify(err))
	}
	var links []models.Link
	if err := db.Where("source_id = ? AND claim_id IN (SELECT id FROM claims WHERE archived_at IS NULL)", id).
		Order("id").Limit(MaxEmbeddedLinks).Find(&links).Error; err != nil {
		return d, fmt.Errorf("list links of source %d: %w", id, classify(err))
	}
	ids := make([]int64, len(links))
	for i, l := range links {
		ids[i] = l.ClaimID
	}
	claims := map[int64]models.Claim{}
	if len(ids) > 0 {
		var rows []models.Claim
		if err := db.Preload("Therapy").Where("id IN ?", ids).Find(&rows).Error; err != nil {
			return d, fmt.Errorf("list claims of source %d: %w", id, classify(err))
		}
		for _, c := range rows {
			claims[c.ID] = c
		}
	}
	for _, l := range links {
		d.Links = append(d.Links, LinkedClaim{Link: l, Claim: claims[l.ClaimID]})
	}
	return d, nil
}

// ListSources lists sources by id.
func (s *Store) ListSources(ctx context.Context, f SourceFilter) ([]models.Source, string, error) {
	q := s.db.WithContext(ctx).Model(&models.Source{})
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.DOI != "" {
		d, _ := NormalizeDOI(f.DOI)
		q = q.Where("doi = ?", d)
	}
	if f.PMID != "" {
		q = q.Where("pmid = ?", f.PMID)
	}
	if f.Retracted != nil {
		q = q.Where("retracted = ?", *f.Retracted)
	}
	if f.Q != "" {
		q = q.Where(`search_text LIKE ? ESCAPE '\'`, likePattern(f.Q))
	}
	if f.Page.After > 0 {
		q = q.Where("id > ?", f.Page.After)
	}
	var rows []models.Source
	if err := q.Order("id").Limit(f.Page.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list sources: %w", classify(err))
	}
	rows, cursor := trim(rows, f.Page, func(s models.Source) int64 { return s.ID })
	return rows, cursor, nil
}

// UpdateSource applies a patch if version is current. Retracting or
// un-retracting a source, or changing its kind, re-derives every claim that
// links it as evidence, in the same transaction.
func (s *Store) UpdateSource(ctx context.Context, a Actor, id int64, version int64, patch SourcePatch) (models.Source, error) {
	var src models.Source
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.forUpdate(tx).Take(&src, id).Error; err != nil {
			if isNotFound(err) {
				return notFound("source", id)
			}
			return fmt.Errorf("find source %d: %w", id, classify(err))
		}
		if src.Version != version {
			return &PreconditionError{Current: src.Version}
		}
		before := src
		setString := func(dst **string, v *string) {
			if v != nil {
				*dst = v
			}
		}
		if patch.Kind != nil {
			src.Kind = *patch.Kind
		}
		if patch.Title != nil {
			src.Title = *patch.Title
		}
		setString(&src.Authors, patch.Authors)
		setString(&src.Container, patch.Container)
		setString(&src.DOI, patch.DOI)
		setString(&src.PMID, patch.PMID)
		setString(&src.URL, patch.URL)
		setString(&src.Language, patch.Language)
		setString(&src.RetractionNote, patch.RetractionNote)
		if patch.Year != nil {
			src.Year = patch.Year
		}
		if patch.ClearYear {
			src.Year = nil
		}
		if patch.Retracted != nil {
			src.Retracted = *patch.Retracted
			if !src.Retracted && patch.RetractionNote == nil {
				src.RetractionNote = nil
			}
		}
		if err := normalizeSource(&src); err != nil {
			return err
		}
		if src.Kind != before.Kind && !grading.EvidenceAllowed(src.Kind) {
			var n int64
			if err := tx.Model(&models.Link{}).Where("source_id = ? AND role = ?", id, grading.RoleEvidence).Count(&n).Error; err != nil {
				return fmt.Errorf("count evidence links of source %d: %w", id, classify(err))
			}
			if n > 0 {
				return &ValidationError{Problems: []FieldError{{Field: "kind", Message: fmt.Sprintf("a %s cannot be evidence, and this source is evidence for %d claim(s)", src.Kind, n)}}}
			}
		}
		if err := s.duplicateSource(tx, &src); err != nil {
			return err
		}
		src.Version++
		src.UpdatedAt = now()
		// The row is locked (FOR UPDATE on PostgreSQL, an immediate transaction on
		// SQLite) and its version was checked above: nothing can have moved it.
		res := tx.Model(&models.Source{}).Where("id = ?", id).Select("*").Omit("id", "created_at").Updates(&src)
		if res.Error != nil {
			return fmt.Errorf("update source %d: %w", id, classify(res.Error))
		}
		action := "source.updated"
		switch {
		case src.Retracted && !before.Retracted:
			action = "source.retracted"
		case !src.Retracted && before.Retracted:
			action = "source.unretracted"
		}
		if err := audit(tx, a, action, "source", id, nil, before, src); err != nil {
			return err
		}
		if src.Retracted != before.Retracted || src.Kind != before.Kind {
			var claimIDs []int64
			if err := tx.Model(&models.Link{}).Where("source_id = ? AND role = ?", id, grading.RoleEvidence).
				Distinct().Pluck("claim_id", &claimIDs).Error; err != nil {
				return fmt.Errorf("find claims of source %d: %w", id, classify(err))
			}
			return s.rederive(tx, a, claimIDs, action)
		}
		return nil
	})
	return src, s.uniqueConflict(ctx, &src, err)
}
