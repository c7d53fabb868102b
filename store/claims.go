package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// ClaimInput creates a claim. Therapy is a slug or an alias.
type ClaimInput struct {
	Therapy      string
	Text         string
	Language     string
	TextEn       *string
	Summary      *string
	ClaimType    grading.ClaimType
	Assertion    grading.Assertion
	ClaimedValue *float64
	ClaimedBound *grading.ClaimedBound
	Hedge        grading.Hedge
}

// ClaimPatch changes a claim; nil fields stay, a pointer to "" clears an
// optional field; ClaimedValue tells null (clear) from absent (keep).
type ClaimPatch struct {
	Therapy      *string
	Text         *string
	Language     *string
	TextEn       *string
	Summary      *string
	ClaimType    *grading.ClaimType
	Assertion    *grading.Assertion
	ClaimedValue Nullable[float64]
	ClaimedBound Nullable[grading.ClaimedBound]
	Hedge        *grading.Hedge
}

// ClaimFilter selects claims; zero fields do not filter. Every flag in
// Flags must hold.
type ClaimFilter struct {
	Therapy   string
	Flags     []grading.Flag
	Rating    grading.Rating
	Certainty grading.Certainty
	Language  string
	ClaimType grading.ClaimType
	Assertion grading.Assertion
	Q         string
	Page      Page
}

// ClaimDetail is a claim with its appearances (sources embedded), its
// finding links (findings embedded as their documents show them) and its
// evidence searches (newest first: by searched_at, then id, descending).
type ClaimDetail struct {
	Claim       models.Claim
	Appearances []models.Link
	Findings    []models.ClaimFinding
	Searches    []models.EvidenceSearch
}

// maxSummary is the longest summary: ClaimReview's claimReviewed should
// stay under 75 characters (DESIGN "Partners").
const maxSummary = 74

func validateClaim(c *models.Claim) error {
	var p problems
	c.Text = strings.TrimSpace(c.Text)
	c.Summary = strings.TrimSpace(c.Summary)
	c.TextEn = optional(c.TextEn)
	checkText(&p, "text", c.Text, true, 4000)
	if !languageRE.MatchString(c.Language) {
		p.add("language", "must be a BCP 47 language tag such as de, it, fr or en")
	}
	if c.TextEn != nil {
		checkText(&p, "text_en", *c.TextEn, false, 4000)
	}
	if c.Summary != "" {
		checkText(&p, "summary", c.Summary, false, maxSummary)
	}
	p.validate("claim_type", c.ClaimType)
	p.validate("assertion", c.Assertion)
	p.validate("hedge", c.Hedge)
	if len(p) == 0 {
		// What the claimed value may be depends on the assertion (and a
		// comparative claim on its comparator): the rules' own check.
		var re *grading.RuleError
		if errors.As(grading.CheckWording(grading.WordingOf(c.ClaimType, c.Assertion, c.ClaimedValue, c.ClaimedBound, c.Hedge)), &re) {
			for _, rp := range re.Problems {
				field := rp.Field
				if field == "comparator_kind" {
					field = "claim_type"
				}
				p.add(field, "%s", rp.Message)
			}
		}
	}
	c.SearchText = searchText(&c.Text, c.TextEn, &c.Summary)
	return p.err()
}

// resolveTherapy finds the therapy of a claim input, as a field problem
// when it does not exist.
func (s *Store) resolveTherapy(tx *gorm.DB, key string) (models.Therapy, error) {
	if strings.TrimSpace(key) == "" {
		return models.Therapy{}, &ValidationError{Problems: []FieldError{{Field: "therapy", Message: "is required (a therapy slug or alias)"}}}
	}
	t, err := s.therapyByKey(tx, key)
	if err != nil && isErr(err, ErrNotFound) {
		return t, &ValidationError{Problems: []FieldError{{Field: "therapy", Message: fmt.Sprintf("no therapy has the slug or alias %q", key)}}}
	}
	return t, err
}

// CreateClaim stores a new claim, derives its rating and flags, and
// records it, all in one transaction.
func (s *Store) CreateClaim(ctx context.Context, a Actor, in ClaimInput) (models.Claim, error) {
	c := models.Claim{Text: in.Text, Language: in.Language, TextEn: in.TextEn, Summary: deref(in.Summary), ClaimType: in.ClaimType,
		Assertion: in.Assertion, ClaimedValue: in.ClaimedValue, ClaimedBound: in.ClaimedBound, Hedge: in.Hedge, Rating: grading.RatingNotRated,
		RatingSource: grading.SourceRule, Version: 1}
	if c.Assertion == "" {
		c.Assertion = grading.AssertOther
	}
	if c.Hedge == "" {
		c.Hedge = grading.HedgeNone
	}
	verr := validateClaim(&c)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.resolveTherapy(tx, in.Therapy)
		if err != nil {
			return mergeProblems(err, verr)
		}
		if verr != nil {
			return verr
		}
		c.TherapyID, c.Therapy = t.ID, t
		if err := tx.Omit("Therapy", "Flags").Create(&c).Error; err != nil {
			return fmt.Errorf("create claim: %w", classify(err))
		}
		if err := audit(tx, a, "claim.created", "claim", c.ID, &c.ID, nil, models.SnapshotOfClaim(c, t.Slug, nil)); err != nil {
			return err
		}
		return s.rederive(tx, a, []int64{c.ID}, "claim.created")
	})
	if err != nil {
		return c, err
	}
	return s.claimWithFlags(ctx, c.ID)
}

func mergeProblems(err, more error) error {
	ve, ok := err.(*ValidationError)
	if !ok {
		return err
	}
	if mv, ok := more.(*ValidationError); ok {
		ve.Problems = append(ve.Problems, mv.Problems...)
	}
	return ve
}

func (s *Store) claimWithFlags(ctx context.Context, id int64) (models.Claim, error) {
	var c models.Claim
	err := s.db.WithContext(ctx).Preload("Therapy").Preload("Flags", orderFlags).Take(&c, id).Error
	if err != nil {
		return c, fmt.Errorf("read claim %d: %w", id, classify(err))
	}
	return c, nil
}

func orderFlags(db *gorm.DB) *gorm.DB { return db.Order("flag") }

// claimRow reads a claim row; archived claims are ErrGone unless
// allowArchived.
func (s *Store) claimRow(db *gorm.DB, id int64, allowArchived bool) (models.Claim, error) {
	var c models.Claim
	if err := db.Take(&c, id).Error; err != nil {
		if isNotFound(err) {
			return c, notFound("claim", id)
		}
		return c, fmt.Errorf("find claim %d: %w", id, classify(err))
	}
	if c.ArchivedAt != nil && !allowArchived {
		return c, fmt.Errorf("claim %d was archived on %s: %w", id, c.ArchivedAt.Format("2006-01-02"), ErrGone)
	}
	return c, nil
}

// lockClaim reads and locks a live claim for the rest of the transaction.
func (s *Store) lockClaim(tx *gorm.DB, id int64) (models.Claim, error) {
	return s.claimRow(s.forUpdate(tx), id, false)
}

// GetClaim returns a live claim with its therapy, flags, appearances
// (sources embedded) and findings, in one statement (claimDocument).
func (s *Store) GetClaim(ctx context.Context, id int64) (ClaimDetail, error) {
	return s.claimDocument(ctx, s.db.WithContext(ctx), id)
}

// claimListRow is a claim as a page of the list shows it: the columns the
// list needs (not the rating's explanation, the evidence basis or the
// override), the therapy's slug and the flags, comma-joined.
type claimListRow struct {
	ID              int64
	TherapyID       int64
	TherapySlug     string
	Text            string
	Language        string
	TextEn          *string
	Summary         string
	ClaimType       string
	Assertion       string
	ClaimedValue    *float64
	ClaimedBound    *string
	Hedge           string
	Rating          string
	RatingSource    string
	Certainty       *string
	CertaintyBasis  *string
	SupportCount    int
	RefuteCount     int
	AppearanceCount int
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Flags           *string
}

// claimListColumns are the columns of claimListRow, per dialect (index:
// postgres). The flags come from a correlated subquery on
// claim_flags_claim_id, aggregated in the same statement (string_agg on
// PostgreSQL, group_concat on SQLite); the Go code sorts them.
var claimListColumns = [2]string{listColumns("group_concat(cf.flag, ',')"), listColumns("string_agg(cf.flag, ',')")}

func listColumns(agg string) string {
	return "claims.id, claims.therapy_id, therapies.slug AS therapy_slug, claims.text, claims.language, claims.text_en, " +
		"claims.summary, claims.claim_type, claims.assertion, claims.claimed_value, claims.claimed_bound, claims.hedge, claims.rating, " +
		"claims.rating_source, claims.certainty, claims.certainty_basis, claims.support_count, claims.refute_count, claims.appearance_count, " +
		"claims.version, claims.created_at, claims.updated_at, " +
		"(SELECT " + agg + " FROM claim_flags cf WHERE cf.claim_id = claims.id) AS flags"
}

// scanClaimList runs q (selecting claimListColumns) and scans each row's
// columns straight into a claimListRow (queryRows): gorm's Find would set
// the fields by reflection, which took about a sixth of a list request's
// CPU under load (issue 13's profile). The first limit rows become claims
// as they are read, through one row and one list of destinations; more
// reports whether q returned rows after them (a next page). n is the most
// rows q returns.
func (s *Store) scanClaimList(ctx context.Context, q *gorm.DB, plan stmtPlan, limit, n int) (claims []models.Claim, more bool, err error) {
	claims = make([]models.Claim, 0, min(limit, n))
	var r claimListRow
	dest := []any{&r.ID, &r.TherapyID, &r.TherapySlug, &r.Text, &r.Language, &r.TextEn, &r.Summary, &r.ClaimType,
		&r.Assertion, &r.ClaimedValue, &r.ClaimedBound, &r.Hedge, &r.Rating, &r.RatingSource, &r.Certainty, &r.CertaintyBasis,
		&r.SupportCount, &r.RefuteCount, &r.AppearanceCount, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.Flags}
	err = s.queryRows(ctx, q, plan, func(rs rowScanner) error {
		if len(claims) == limit {
			more = true
			return nil
		}
		r = claimListRow{} // each nullable column scans into a new value
		if err := rs.Scan(dest...); err != nil {
			return err
		}
		c, err := r.claim()
		if err != nil {
			return fmt.Errorf("claim %d: %w", r.ID, err)
		}
		claims = append(claims, c)
		return nil
	})
	return claims, more, err
}

// claim is the row as a models.Claim; every vocabulary word is checked
// as the grading types' Scan would check it.
func (r claimListRow) claim() (models.Claim, error) {
	c := models.Claim{ID: r.ID, TherapyID: r.TherapyID, Therapy: models.Therapy{ID: r.TherapyID, Slug: r.TherapySlug},
		Text: r.Text, Language: r.Language, TextEn: r.TextEn, Summary: r.Summary, ClaimedValue: r.ClaimedValue,
		SupportCount: r.SupportCount, RefuteCount: r.RefuteCount, AppearanceCount: r.AppearanceCount, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	var errs [8]error
	c.ClaimType, errs[0] = grading.ParseClaimType(r.ClaimType)
	c.Assertion, errs[1] = grading.ParseAssertion(r.Assertion)
	c.Hedge, errs[2] = grading.ParseHedge(r.Hedge)
	c.Rating, errs[3] = grading.ParseRating(r.Rating)
	c.RatingSource, errs[4] = grading.ParseRatingSource(r.RatingSource)
	if r.Certainty != nil {
		var ct grading.Certainty
		ct, errs[5] = grading.ParseCertainty(*r.Certainty)
		c.Certainty = &ct
	}
	if r.ClaimedBound != nil {
		var b grading.ClaimedBound
		b, errs[6] = grading.ParseClaimedBound(*r.ClaimedBound)
		c.ClaimedBound = &b
	}
	if r.CertaintyBasis != nil {
		var b grading.CertaintyBasis
		b, errs[7] = grading.ParseCertaintyBasis(*r.CertaintyBasis)
		c.CertaintyBasis = &b
	}
	if err := errors.Join(errs[:]...); err != nil {
		return models.Claim{}, fmt.Errorf("stored value: %w", err)
	}
	if r.Flags != nil && *r.Flags != "" {
		flags := strings.Split(*r.Flags, ",")
		slices.Sort(flags)
		c.Flags = make([]models.ClaimFlag, len(flags))
		for i, f := range flags {
			v, err := grading.ParseFlag(f)
			if err != nil {
				return models.Claim{}, fmt.Errorf("stored value: %w", err)
			}
			c.Flags[i] = models.ClaimFlag{Flag: v, ClaimID: r.ID}
		}
	}
	return c, nil
}

// therapyIDByKey is the id of the therapy with slug or alias key, in one
// statement (therapyByKey also loads the aliases).
func (s *Store) therapyIDByKey(db *gorm.DB, key string) (int64, error) {
	k := strings.ToLower(strings.TrimSpace(key))
	var ids []int64
	err := db.Model(&models.Therapy{}).
		Where("slug = ? OR id IN (SELECT therapy_id FROM therapy_aliases WHERE alias_key = ?)", k, k).
		Order("id").Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("find therapy %q: %w", key, classify(err))
	}
	if len(ids) == 0 {
		return 0, notFound("therapy", key)
	}
	return ids[0], nil
}

// ListClaims lists live claims by id. A page, with each claim's therapy
// slug and flags, is one statement (plus one look-up of the therapy when
// the filter names one), whatever the page size.
//
// It is the hottest read, so its SELECT is written here as text (gorm's
// clause builder cost more than the statement's own scan in issue 13's
// profile) and run by queryRows. Its plan is cached (stmtPlan) when it
// does not depend on the values: no filter, or one flag, written into the
// SQL as a literal, so that each flag has its own statement and plan; the
// cursor stays a parameter (an id range on the primary key or on
// claim_flags' (flag, claim_id)). Any other filter (therapy, rating,
// certainty, language, claim type, assertion, q, several flags) is planned
// for its values at each request. The page's LIMIT is a literal too, one
// of a few fixed sizes (fetchSize).
func (s *Store) ListClaims(ctx context.Context, f ClaimFilter) ([]models.Claim, string, error) {
	db := s.db.WithContext(ctx)
	from := "claims JOIN therapies ON therapies.id = claims.therapy_id"
	where := []sqlCond{{sql: "claims.archived_at IS NULL"}}
	plan := cachedPlan
	if f.Therapy != "" || len(f.Flags) > 1 || f.Rating != "" || f.Certainty != "" || f.Language != "" || f.ClaimType != "" ||
		f.Assertion != "" || f.Q != "" {
		plan = perValue
	}
	if f.Therapy != "" {
		id, err := s.therapyIDByKey(db, f.Therapy)
		if isErr(err, ErrNotFound) {
			return []models.Claim{}, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		where = append(where, sqlCond{"claims.therapy_id = ?", []any{id}})
	}
	for _, flag := range f.Flags {
		c, literal := s.flagSQL(flag, f.Page.After, plan == cachedPlan)
		if !literal {
			plan = perValue
		}
		where = append(where, c)
	}
	for _, eq := range []struct{ col, v string }{
		{"rating", string(f.Rating)}, {"certainty", string(f.Certainty)}, {"language", f.Language},
		{"claim_type", string(f.ClaimType)}, {"assertion", string(f.Assertion)},
	} {
		if eq.v != "" {
			where = append(where, sqlCond{"claims." + eq.col + " = ?", []any{eq.v}})
		}
	}
	order := "claims.id"
	if f.Q != "" {
		join, conds, o := s.searchSQL("claims", f.Q)
		if join != "" {
			from += " " + join
		}
		where, order = append(where, conds...), o
	}
	if f.Page.After > 0 {
		where = append(where, sqlCond{order + " > ?", []any{f.Page.After}})
	}
	cond, args := joinConds(where)
	n := fetchSize(f.Page.limit())
	q := db.Raw("SELECT "+claimListColumns[s.dialectIndex()]+" FROM "+from+" WHERE "+cond+" ORDER BY "+order+" LIMIT "+strconv.Itoa(n), args...)
	claims, more, err := s.scanClaimList(ctx, q, plan, f.Page.limit(), n)
	if err != nil {
		return nil, "", fmt.Errorf("list claims: %w", classify(err))
	}
	cursor := ""
	if more {
		cursor = EncodeCursor(claims[len(claims)-1].ID)
	}
	return claims, cursor, nil
}

// flagSQL keeps the claims that carry flag. On PostgreSQL it is a
// semi-join on the primary key (flag, claim_id) that starts at the cursor:
// without claim_id > after inside it, a deep page walks the flag's index
// entries from the first claim. On SQLite, EXISTS probes the primary key
// once per claim of the page's range, in id order, and stops with the page;
// SQLite would otherwise build every claim id of the flag into a temporary
// b-tree first.
//
// When literal is asked for (a statement whose plan is cached, on
// PostgreSQL) and flag is one of the vocabulary's words, the flag is
// written into the SQL (literal reports it): a plan made for one flag's
// share of the claims, never a generic plan that ignores which flag it is
// (one walked claim_flags' claim index for 884 ms at 1M claims).
func (s *Store) flagSQL(flag grading.Flag, after int64, literal bool) (c sqlCond, isLiteral bool) {
	if s.dialect != Postgres {
		return sqlCond{"EXISTS (SELECT 1 FROM claim_flags ff WHERE ff.flag = ? AND ff.claim_id = claims.id)", []any{string(flag)}}, false
	}
	value, args := "?", []any{string(flag)}
	if isLiteral = literal && flag.Validate() == nil; isLiteral {
		value, args = sqlWord(string(flag)), nil
	}
	if after > 0 {
		return sqlCond{"claims.id IN (SELECT ff.claim_id FROM claim_flags ff WHERE ff.flag = " + value + " AND ff.claim_id > ?)", append(args, after)}, isLiteral
	}
	return sqlCond{"claims.id IN (SELECT ff.claim_id FROM claim_flags ff WHERE ff.flag = " + value + ")", args}, isLiteral
}

// UpdateClaim applies a patch if version is the claim's current one.
func (s *Store) UpdateClaim(ctx context.Context, a Actor, id, version int64, patch ClaimPatch) (models.Claim, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.lockClaim(tx, id)
		if err != nil {
			return err
		}
		if c.Version != version {
			return &PreconditionError{Current: c.Version}
		}
		before, err := claimSnapshot(tx, c)
		if err != nil {
			return err
		}
		if patch.Text != nil {
			c.Text = *patch.Text
		}
		if patch.Language != nil {
			c.Language = *patch.Language
		}
		if patch.ClaimType != nil {
			c.ClaimType = *patch.ClaimType
		}
		if patch.Assertion != nil {
			c.Assertion = *patch.Assertion
		}
		if patch.Hedge != nil {
			c.Hedge = *patch.Hedge
		}
		if patch.Summary != nil {
			c.Summary = *patch.Summary
		}
		patch.ClaimedValue.apply(&c.ClaimedValue)
		patch.ClaimedBound.apply(&c.ClaimedBound)
		if patch.TextEn != nil {
			c.TextEn = patch.TextEn
		}
		verr := validateClaim(&c)
		if patch.Therapy != nil {
			t, err := s.resolveTherapy(tx, *patch.Therapy)
			if err != nil {
				return mergeProblems(err, verr)
			}
			c.TherapyID = t.ID
		}
		if verr != nil {
			return verr
		}
		c.Version++
		c.UpdatedAt = now()
		// The row is locked (FOR UPDATE on PostgreSQL, an immediate transaction on
		// SQLite) and its version was checked above: nothing can have moved it.
		res := tx.Model(&models.Claim{}).Where("id = ?", id).Updates(map[string]any{
			"therapy_id": c.TherapyID, "text": c.Text, "language": c.Language, "text_en": c.TextEn,
			"summary": c.Summary, "claim_type": c.ClaimType, "assertion": c.Assertion, "claimed_value": c.ClaimedValue,
			"claimed_bound": c.ClaimedBound, "hedge": c.Hedge, "search_text": c.SearchText,
			"version": c.Version, "updated_at": c.UpdatedAt,
		})
		if res.Error != nil {
			return fmt.Errorf("update claim %d: %w", id, classify(res.Error))
		}
		after, err := claimSnapshot(tx, c)
		if err != nil {
			return err
		}
		if err := audit(tx, a, "claim.updated", "claim", id, &id, before, after); err != nil {
			return err
		}
		// The wording is what the rating reads.
		return s.rederive(tx, a, []int64{id}, "claim.updated")
	})
	if err != nil {
		return models.Claim{}, err
	}
	return s.claimWithFlags(ctx, id)
}

// ArchiveClaim hides a claim from lists and reads while keeping it, its
// links and its history. version 0 skips the version check.
func (s *Store) ArchiveClaim(ctx context.Context, a Actor, id, version int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.lockClaim(tx, id)
		if err != nil {
			return err
		}
		if version != 0 && c.Version != version {
			return &PreconditionError{Current: c.Version}
		}
		t := now()
		if err := tx.Model(&models.Claim{}).Where("id = ?", id).
			Updates(map[string]any{"archived_at": t, "version": c.Version + 1, "updated_at": t}).Error; err != nil {
			return fmt.Errorf("archive claim %d: %w", id, classify(err))
		}
		return audit(tx, a, "claim.archived", "claim", id, &id, nil, models.ArchiveSnapshot{ArchivedAt: t})
	})
}

func isErr(err, target error) bool {
	return err != nil && errors.Is(err, target)
}
