package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
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
	// For a systematic review or meta-analysis: the design it pools
	// (required) and the catalogued sources it includes.
	IncludedDesign *grading.IncludedDesign
	Includes       []int64
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
	IncludedDesign Nullable[grading.IncludedDesign]
	// Includes replaces the set of included sources when not nil.
	Includes *[]int64
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
	switch {
	case src.IncludedDesign != nil && src.IncludedDesign.Validate() != nil:
		p.validate("included_design", *src.IncludedDesign)
	case grading.IsReview(src.Kind) && src.IncludedDesign == nil:
		p.add("included_design", "is required for a %s: %s", src.Kind, strings.Join(grading.Strings(grading.IncludedDesigns()), ", "))
	case !grading.IsReview(src.Kind) && src.IncludedDesign != nil && src.Kind.Validate() == nil:
		p.add("included_design", "is only for a systematic_review or meta_analysis, not a %s", src.Kind)
	}
	src.SearchText = searchText(&src.Title, src.Authors, src.Container)
	return p.err()
}

// MaxIncludes bounds the sources a review may list as included.
const MaxIncludes = 1000

// checkIncludes validates the sources a review includes (sorted and
// de-duplicated in place): only reviews include, never themselves, only
// catalogued sources that can be evidence. It returns field problems as a
// *ValidationError.
func checkIncludes(tx *gorm.DB, src *models.Source, ids *[]int64) error {
	slices.Sort(*ids)
	*ids = slices.Compact(*ids)
	var p problems
	switch {
	case len(*ids) == 0:
		return nil
	case !grading.IsReview(src.Kind):
		p.add("includes", "only a systematic_review or meta_analysis includes other sources; this source is a %s", src.Kind)
		return p.err()
	case len(*ids) > MaxIncludes:
		p.add("includes", "may list at most %d sources", MaxIncludes)
		return p.err()
	case src.ID != 0 && slices.Contains(*ids, src.ID):
		p.add("includes", "a source cannot include itself (%d)", src.ID)
	}
	var found []models.Source
	if err := tx.Select("id", "kind").Where("id IN ?", *ids).Find(&found).Error; err != nil {
		return fmt.Errorf("find included sources: %w", classify(err))
	}
	kinds := map[int64]grading.SourceKind{}
	for _, f := range found {
		kinds[f.ID] = f.Kind
	}
	for _, id := range *ids {
		k, ok := kinds[id]
		switch {
		case !ok:
			p.add("includes", "no source has id %d", id)
		case !grading.EvidenceAllowed(k):
			p.add("includes", "source %d is a %s, which a review cannot pool", id, k)
		}
	}
	return p.err()
}

// writeIncludes replaces the includes of a review with ids.
func writeIncludes(tx *gorm.DB, reviewID int64, ids []int64) ([]models.SourceInclude, error) {
	if err := tx.Where("review_id = ?", reviewID).Delete(&models.SourceInclude{}).Error; err != nil {
		return nil, fmt.Errorf("clear includes of source %d: %w", reviewID, classify(err))
	}
	rows := make([]models.SourceInclude, len(ids))
	for i, id := range ids {
		rows[i] = models.SourceInclude{ReviewID: reviewID, SourceID: id}
	}
	if len(rows) > 0 {
		if err := tx.CreateInBatches(rows, 500).Error; err != nil {
			return nil, fmt.Errorf("write includes of source %d: %w", reviewID, classify(err))
		}
	}
	return rows, nil
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
		DOI: in.DOI, PMID: in.PMID, URL: in.URL, Language: in.Language, Retracted: in.Retracted, RetractionNote: in.RetractionNote,
		IncludedDesign: in.IncludedDesign, Version: 1}
	verr := normalizeSource(&src)
	includes := slices.Clone(in.Includes)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := checkIncludes(tx, &src, &includes); err != nil || verr != nil {
			return combineProblems(verr, err)
		}
		if err := s.duplicateSource(tx, &src); err != nil {
			return err
		}
		if err := tx.Omit("Includes").Create(&src).Error; err != nil {
			return fmt.Errorf("create source: %w", classify(err))
		}
		var err error
		if src.Includes, err = writeIncludes(tx, src.ID, includes); err != nil {
			return err
		}
		return audit(tx, a, "source.created", "source", src.ID, nil, nil, models.SnapshotOfSource(src))
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
	if err := db.Preload("Includes").Take(&d.Source, id).Error; err != nil {
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
	q := s.db.WithContext(ctx).Model(&models.Source{}).Preload("Includes")
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
	order := "id"
	if f.Q != "" {
		q, order = s.whereSearch(q, "sources", f.Q)
	}
	if f.Page.After > 0 {
		q = q.Where(order+" > ?", f.Page.After)
	}
	var rows []models.Source
	if err := q.Order(order).Limit(f.Page.limit() + 1).Find(&rows).Error; err != nil {
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
		if err := tx.Where("review_id = ?", id).Order("source_id").Find(&src.Includes).Error; err != nil {
			return fmt.Errorf("read includes of source %d: %w", id, classify(err))
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
		patch.IncludedDesign.apply(&src.IncludedDesign)
		includes := src.IncludeIDs()
		if patch.Includes != nil {
			includes = slices.Clone(*patch.Includes)
		}
		verr := normalizeSource(&src)
		if err := checkIncludes(tx, &src, &includes); err != nil || verr != nil {
			return combineProblems(verr, err)
		}
		if err := s.checkSourceUses(tx, before, src); err != nil {
			return err
		}
		if src.Kind != before.Kind && grading.EvidenceAllowed(src.Kind) {
			var n int64
			if err := tx.Model(&models.Link{}).Where("source_id = ?", id).Count(&n).Error; err != nil {
				return fmt.Errorf("count appearances in source %d: %w", id, classify(err))
			}
			if n > 0 {
				return &ValidationError{Problems: []FieldError{{Field: "kind", Message: fmt.Sprintf("a %s is evidence, not a place where claims appear, and %d claim(s) appear in this source", src.Kind, n)}}}
			}
		}
		if err := s.duplicateSource(tx, &src); err != nil {
			return err
		}
		src.Version++
		src.UpdatedAt = now()
		// The row is locked (FOR UPDATE on PostgreSQL, an immediate transaction on
		// SQLite) and its version was checked above: nothing can have moved it.
		res := tx.Model(&models.Source{}).Where("id = ?", id).Select("*").Omit("id", "created_at", "Includes").Updates(&src)
		if res.Error != nil {
			return fmt.Errorf("update source %d: %w", id, classify(res.Error))
		}
		includesChanged := !slices.Equal(before.IncludeIDs(), includes)
		if includesChanged {
			var err error
			if src.Includes, err = writeIncludes(tx, id, includes); err != nil {
				return err
			}
		}
		action := "source.updated"
		switch {
		case src.Retracted && !before.Retracted:
			action = "source.retracted"
		case !src.Retracted && before.Retracted:
			action = "source.unretracted"
		}
		if err := audit(tx, a, action, "source", id, nil, models.SnapshotOfSource(before), models.SnapshotOfSource(src)); err != nil {
			return err
		}
		// The claims that appear in the source, or cite it through a linked
		// finding, show it in their exports.
		if err := touchClaims(tx, "id IN (SELECT claim_id FROM links WHERE source_id = ?) OR id IN "+
			"(SELECT cf.claim_id FROM claim_findings cf JOIN finding_sources fs ON fs.finding_id = cf.finding_id WHERE fs.source_id = ?)", id, id); err != nil {
			return err
		}
		designChanged := (src.IncludedDesign == nil) != (before.IncludedDesign == nil) ||
			(src.IncludedDesign != nil && *src.IncludedDesign != *before.IncludedDesign)
		if src.Retracted != before.Retracted || includesChanged || src.Kind != before.Kind || designChanged {
			// The findings resting on the source, directly or through a
			// review that includes it, or on the review whose includes changed.
			findingIDs, err := findingsOfSources(tx, id)
			if err != nil {
				return err
			}
			return s.refreshFindingFlags(tx, a, findingIDs, action) // and the claims that link them
		}
		return nil
	})
	return src, s.uniqueConflict(ctx, &src, err)
}

// combineProblems is one *ValidationError with the problems of every
// validation error given, in order; any other error is returned as it is.
func combineProblems(errs ...error) error {
	var out *ValidationError
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		if out == nil {
			out = &ValidationError{}
		}
		out.Problems = append(out.Problems, ve.Problems...)
	}
	if out == nil {
		return nil
	}
	return out
}

// checkSourceUses refuses a change of a source's kind or included design
// that its attachments to findings, or the reviews that include it, no
// longer allow.
func (s *Store) checkSourceUses(tx *gorm.DB, before, after models.Source) error {
	var p problems
	count := func(q *gorm.DB) (int64, error) {
		var n int64
		err := q.Count(&n).Error
		if err != nil {
			return 0, fmt.Errorf("count uses of source %d: %w", after.ID, classify(err))
		}
		return n, nil
	}
	if after.Kind != before.Kind {
		if !grading.EvidenceAllowed(after.Kind) {
			n, err := count(tx.Model(&models.FindingSource{}).Where("source_id = ?", after.ID))
			if err != nil {
				return err
			}
			if n > 0 {
				p.add("kind", "a %s is never evidence of a finding, and this source is attached to %d finding(s)", after.Kind, n)
			}
			n, err = count(tx.Model(&models.SourceInclude{}).Where("source_id = ?", after.ID))
			if err != nil {
				return err
			}
			if n > 0 {
				p.add("kind", "a %s cannot be pooled by a review, and %d review(s) include this source", after.Kind, n)
			}
		} else if !grading.MayReportCertainty(after.Kind) {
			n, err := count(tx.Model(&models.FindingSource{}).Where("source_id = ? AND reported_certainty IS NOT NULL", after.ID))
			if err != nil {
				return err
			}
			if n > 0 {
				p.add("kind", "a %s states no certainty of its own, and %d finding(s) use this source's reported_certainty", after.Kind, n)
			}
		}
	}
	if !samePtr(before.IncludedDesign, after.IncludedDesign) && (after.IncludedDesign == nil || *after.IncludedDesign != grading.IncludedMixed) {
		n, err := count(tx.Model(&models.FindingSource{}).Where("source_id = ? AND design_subset IS NOT NULL", after.ID))
		if err != nil {
			return err
		}
		if n > 0 {
			p.add("included_design", "%d finding(s) use a design_subset of this review, which only a mixed review has", n)
		}
	}
	return p.err()
}

// SourcesByID reads the sources with the given ids, by id, in one
// statement; ids that name no source are left out.
func (s *Store) SourcesByID(ctx context.Context, ids []int64) (map[int64]models.Source, error) {
	out := map[int64]models.Source{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []models.Source
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read sources %v: %w", ids, classify(err))
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}
