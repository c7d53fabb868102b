package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// A claim's rating, certainty, counts and flags are derived by
// grading.DeriveClaim from its wording, the findings it links (their
// questions, effects, grades and flags) and an editor's override. rederive
// loads that state for a set of claims inside the caller's transaction and
// writes what changed, set-based, in bounded chunks. Every write that
// changes something a rating reads calls it in its own transaction: claim
// wording, claim-finding links, appearances, and (through
// refreshFindingFlags) findings, their sources, questions and grades.

// linkedFindingRow is a finding linked to a claim, as the rules read it.
type linkedFindingRow struct {
	ClaimID        int64
	FindingID      int64
	Stance         grading.Stance
	Measure        *grading.EffectMeasure
	Estimate       *float64
	CILow          *float64 `gorm:"column:ci_low"`
	CIHigh         *float64 `gorm:"column:ci_high"`
	Events         *int64
	Participants   *int64
	Studies        *int64
	Threshold      *float64
	Attribution    *grading.Attribution
	Certainty      *grading.Certainty
	ComparatorKind grading.ComparatorKind
	OutcomeKind    grading.OutcomeKind
	Direction      grading.Direction
	Outcome        string
	Timepoint      string
	Stale          bool
	Retracted      bool
	// The current grade's state: withdrawn, the occurrence certainty and
	// agreed attribution of case evidence.
	Withdrawn           bool
	OccurrenceCertainty *grading.Certainty
	GradeAttribution    *grading.Attribution
}

func (r linkedFindingRow) engine() grading.ClaimFinding {
	f := grading.ClaimFinding{Retracted: r.Retracted, LinkedFinding: grading.LinkedFinding{
		FindingID: r.FindingID, Label: r.Outcome + ", " + r.Timepoint, Stance: r.Stance,
		Question: grading.Question{ComparatorKind: r.ComparatorKind, OutcomeKind: r.OutcomeKind, Direction: r.Direction,
			Outcome: r.Outcome, Timepoint: r.Timepoint},
		Effect: grading.EffectEstimate{Estimate: r.Estimate, CILow: r.CILow, CIHigh: r.CIHigh, Events: r.Events,
			Participants: r.Participants, Studies: r.Studies, Threshold: r.Threshold},
		Certainty: r.Certainty, Stale: r.Stale, Withdrawn: r.Withdrawn, OccurrenceCertainty: r.OccurrenceCertainty}}
	if r.Measure != nil {
		f.Effect.Measure = *r.Measure
	}
	f.CaseEvidence = grading.Body{Question: f.Question, Effect: f.Effect}.CaseEvidence()
	if r.GradeAttribution != nil {
		f.GradeAttribution = *r.GradeAttribution
	}
	if r.Attribution != nil {
		f.Attribution = *r.Attribution
	}
	return f
}

// linkedFindingColumns are what the rules read of a finding f (joined with
// its question q), with its stale_grade and retracted_evidence flags (the
// two arguments) and its current grade's withdrawal and agreed attribution.
// The certainty is null while the grade is withdrawn and for case evidence,
// whose occurrence certainty is apart (refreshFindingFlags).
const linkedFindingColumns = `f.measure, f.estimate, f.ci_low, f.ci_high, f.events, f.participants,
			f.studies, f.threshold, f.attribution, f.certainty, f.occurrence_certainty,
			q.comparator_kind, q.outcome_kind, q.direction, q.outcome, q.timepoint,
			EXISTS (SELECT 1 FROM finding_grades g WHERE g.id = f.grade_id AND g.withdrawn_at IS NOT NULL) AS withdrawn,
			(SELECT g.attribution FROM finding_grades g WHERE g.id = f.grade_id) AS grade_attribution,
			EXISTS (SELECT 1 FROM finding_flags ff WHERE ff.finding_id = f.id AND ff.flag = ?) AS stale,
			EXISTS (SELECT 1 FROM finding_flags ff WHERE ff.finding_id = f.id AND ff.flag = ?) AS retracted`

// linkedFindings reads the findings linked to claims, with their questions
// and the stale_grade and retracted_evidence flags, in one statement.
func linkedFindings(tx *gorm.DB, claimIDs []int64) ([]linkedFindingRow, error) {
	var rows []linkedFindingRow
	err := tx.Table("claim_findings AS cf").
		Select("cf.claim_id, cf.finding_id, cf.stance, "+linkedFindingColumns, grading.FlagStaleGrade, grading.FlagRetractedEvidence).
		Joins("JOIN findings f ON f.id = cf.finding_id").
		Joins("JOIN questions q ON q.id = f.question_id").
		Where("cf.claim_id IN ?", claimIDs).Order("cf.claim_id, cf.finding_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read findings of claims: %w", classify(err))
	}
	return rows, nil
}

// findingsAsLinked reads findingIDs as linkedFindings does, by finding id
// and without a claim or stance: what a claim about to link them will
// read, in chunks of rederiveChunk.
func findingsAsLinked(tx *gorm.DB, findingIDs []int64) (map[int64]linkedFindingRow, error) {
	out := make(map[int64]linkedFindingRow, len(findingIDs))
	err := chunks(findingIDs, rederiveChunk, func(part []int64) error {
		var rows []linkedFindingRow
		if err := tx.Table("findings AS f").
			Select("f.id AS finding_id, "+linkedFindingColumns, grading.FlagStaleGrade, grading.FlagRetractedEvidence).
			Joins("JOIN questions q ON q.id = f.question_id").
			Where("f.id IN ?", part).Scan(&rows).Error; err != nil {
			return fmt.Errorf("read findings: %w", classify(err))
		}
		for _, r := range rows {
			out[r.FindingID] = r
		}
		return nil
	})
	return out, err
}

// claimInputs are what a claim's derivation reads besides the claim row:
// its linked findings (ordered by finding id), its appearance count and its
// evidence searches, and the time of the derivation with
// SEARCH_STALE_AFTER (whether the newest search is stale).
type claimInputs struct {
	findings    []linkedFindingRow
	appearances int
	searches    []grading.EvidenceSearch
	at          time.Time
	staleAfter  time.Duration
}

// claimState is what DeriveClaim reads of c, given its inputs.
func claimState(c models.Claim, in claimInputs) grading.ClaimState {
	st := grading.ClaimState{Wording: grading.WordingOf(c.ClaimType, c.Assertion, c.ClaimedValue, c.ClaimedBound, c.Hedge),
		Appearances: in.appearances, Searches: in.searches, Now: in.at, SearchStaleAfter: in.staleAfter}
	for _, f := range in.findings {
		st.Findings = append(st.Findings, f.engine())
	}
	if c.OverrideRating != nil {
		st.Override = &grading.RatingOverride{Rating: *c.OverrideRating, Rationale: deref(c.OverrideRationale)}
		st.OverrideBasis = deref(c.OverrideBasis)
	}
	return st
}

// rederiveChunk bounds the claims rederive handles per round, so that no
// statement binds more than a few thousand parameters (PostgreSQL allows
// 65,535) however many claims a change reaches.
const rederiveChunk = 1000

// rederive recomputes the derived fields and flags of claimIDs with
// grading.DeriveClaim, now. Claims are handled in id order, in chunks of at
// most rederiveChunk, inside the caller's transaction; each chunk is locked
// first (so concurrent writers cannot deadlock) and read after the lock, so
// the result reflects every committed change.
func (s *Store) rederive(tx *gorm.DB, a Actor, claimIDs []int64, cause string) error {
	return s.rederiveAt(tx, a, claimIDs, cause, now())
}

// rederiveAt is rederive at time t: the time written (updated_at,
// rated_at, the events) and the clock a search's age is measured by.
func (s *Store) rederiveAt(tx *gorm.DB, a Actor, claimIDs []int64, cause string, t time.Time) error {
	ids := slices.Clone(claimIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		n := min(len(ids), rederiveChunk)
		if err := s.rederiveChunk(tx, a, ids[:n], cause, t); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// rederiveClaimsOfFindings re-derives every claim that links one of
// findingIDs, a chunk of claims at a time in id order.
func (s *Store) rederiveClaimsOfFindings(tx *gorm.DB, a Actor, findingIDs []int64, cause string) error {
	if len(findingIDs) == 0 {
		return nil
	}
	for after := int64(0); ; {
		var claimIDs []int64
		if err := tx.Model(&models.ClaimFinding{}).Where("finding_id IN ? AND claim_id > ?", findingIDs, after).
			Distinct().Order("claim_id").Limit(rederiveChunk).Pluck("claim_id", &claimIDs).Error; err != nil {
			return fmt.Errorf("find claims of findings: %w", classify(err))
		}
		if len(claimIDs) == 0 {
			return nil
		}
		if err := s.rederive(tx, a, claimIDs, cause); err != nil {
			return err
		}
		after = claimIDs[len(claimIDs)-1]
	}
}

// derivedRow is the stored form of a claim's derived fields; claims of a
// chunk that share one are updated by one statement.
type derivedRow struct {
	rating                       grading.Rating
	source                       grading.RatingSource
	explanation                  string
	reason                       grading.RatingRule
	facts                        string // grading.VerdictFacts as JSON
	certainty                    grading.Certainty
	certaintyBasis               grading.CertaintyBasis
	support, refute, appearances int
	basis                        string
	rated                        bool // the rating or its source changes: rated_at moves
	// searched is when the newest search was run (UnixMicro; valid when
	// hasSearch), searchStale whether it was older than the limit.
	searched               int64
	hasSearch, searchStale bool
}

// rederiveChunk re-derives up to rederiveChunk claims, sorted and distinct,
// with a constant number of statements: the reads, one UPDATE per distinct
// set of derived values, one version bump for claims whose only change is
// their flags, and the flag and audit writes.
func (s *Store) rederiveChunk(tx *gorm.DB, a Actor, ids []int64, cause string, t time.Time) error {
	var claims []models.Claim
	if err := s.forUpdate(tx).Where("id IN ?", ids).Order("id").Find(&claims).Error; err != nil {
		return fmt.Errorf("lock claims: %w", classify(err))
	}
	rows, err := linkedFindings(tx, ids)
	if err != nil {
		return err
	}
	var counts []struct {
		ClaimID int64
		N       int
	}
	if err := tx.Model(&models.Link{}).Select("claim_id, COUNT(*) AS n").Where("claim_id IN ?", ids).
		Group("claim_id").Scan(&counts).Error; err != nil {
		return fmt.Errorf("count appearances: %w", classify(err))
	}
	var oldFlags []models.ClaimFlag
	if err := tx.Where("claim_id IN ?", ids).Find(&oldFlags).Error; err != nil {
		return fmt.Errorf("read flags: %w", classify(err))
	}
	searches, err := claimSearches(tx, ids)
	if err != nil {
		return err
	}
	findings := map[int64][]linkedFindingRow{}
	for _, r := range rows {
		findings[r.ClaimID] = append(findings[r.ClaimID], r)
	}
	appearances := map[int64]int{}
	for _, c := range counts {
		appearances[c.ClaimID] = c.N
	}
	had := map[int64][]grading.Flag{}
	for _, f := range oldFlags {
		had[f.ClaimID] = append(had[f.ClaimID], f.Flag)
	}

	var newFlags []models.ClaimFlag
	var flagChanged, bumpOnly []int64
	changed := map[derivedRow][]int64{}
	var order []derivedRow
	var events []models.AuditEvent
	for _, c := range claims {
		ch, err := deriveClaimChange(c, claimInputs{findings: findings[c.ID], appearances: appearances[c.ID], searches: searches[c.ID],
			at: t, staleAfter: s.SearchStaleAfter()}, had[c.ID])
		if err != nil {
			return err
		}
		if ch.flagsDiffer {
			flagChanged = append(flagChanged, c.ID)
			for _, f := range ch.flags {
				newFlags = append(newFlags, models.ClaimFlag{Flag: f, ClaimID: c.ID})
			}
		}
		events = append(events, ch.events(a, c.ID, cause, t)...)
		switch {
		case ch.rowDiffers:
			k := ch.row
			if _, ok := changed[k]; !ok {
				order = append(order, k)
			}
			changed[k] = append(changed[k], c.ID)
		case ch.flagsDiffer:
			bumpOnly = append(bumpOnly, c.ID)
		}
	}
	for _, k := range order {
		if err := tx.Model(&models.Claim{}).Where("id IN ?", changed[k]).Updates(k.columns(t)).Error; err != nil {
			return fmt.Errorf("update derived fields of claims %v: %w", changed[k], classify(err))
		}
	}
	if len(bumpOnly) > 0 {
		if err := tx.Model(&models.Claim{}).Where("id IN ?", bumpOnly).
			Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": t}).Error; err != nil {
			return fmt.Errorf("bump claim versions: %w", classify(err))
		}
	}
	if len(flagChanged) > 0 {
		if err := tx.Where("claim_id IN ?", flagChanged).Delete(&models.ClaimFlag{}).Error; err != nil {
			return fmt.Errorf("clear flags: %w", classify(err))
		}
	}
	if len(newFlags) > 0 {
		if err := tx.CreateInBatches(newFlags, 500).Error; err != nil {
			return fmt.Errorf("write flags: %w", classify(err))
		}
	}
	if len(events) > 0 {
		if err := tx.CreateInBatches(events, 200).Error; err != nil {
			return fmt.Errorf("record claim events: %w", classify(err))
		}
	}
	return nil
}

// claimChange is what grading.DeriveClaim makes of one claim, compared
// with what the claim holds: rederiveChunk writes it with UPDATEs, and an
// import applies it to a claim before inserting it (apply), so that both
// store what the same derivation computed.
type claimChange struct {
	row        derivedRow
	rowDiffers bool
	// flags are the derived flags, sorted; old the claim's flags before.
	flags, old  []grading.Flag
	flagsDiffer bool
	// The rating snapshots of the claim.rated event, when rated.
	rated         bool
	before, after models.RatingSnapshot
}

// deriveClaimChange derives c from its inputs and the flags it has.
func deriveClaimChange(c models.Claim, in claimInputs, had []grading.Flag) (claimChange, error) {
	d, err := grading.DeriveClaim(claimState(c, in))
	if err != nil {
		return claimChange{}, fmt.Errorf("derive claim %d: %w", c.ID, err)
	}
	ch := claimChange{flags: flagNames(d.Flags), old: slices.Clone(had)}
	slices.Sort(ch.old)
	ch.flagsDiffer = !slices.Equal(ch.old, ch.flags)
	r := d.Rating
	ch.rated = c.Rating != r.Rating || c.RatingSource != r.Source
	facts, err := factsJSON(r.Facts)
	if err != nil {
		return claimChange{}, fmt.Errorf("derive claim %d: %w", c.ID, err)
	}
	ch.rowDiffers = ch.rated || c.RatingExplanation != r.Explanation || !samePtr(c.Certainty, d.Certainty) ||
		c.SupportCount != d.Support || c.RefuteCount != d.Refute || c.AppearanceCount != d.Appearances ||
		c.EvidenceBasis != d.Basis || c.RatingReason != string(r.Rule) || deref(c.RatingFacts) != facts ||
		!samePtr(c.CertaintyBasis, d.CertaintyBasis) || !sameInstant(c.LastSearchedAt, d.LastSearchedAt) || c.SearchStale != d.SearchStale
	ch.row = derivedRow{rating: r.Rating, source: r.Source, explanation: r.Explanation, reason: r.Rule, facts: facts,
		certainty: grading.Deref(d.Certainty), certaintyBasis: derefBasis(d.CertaintyBasis),
		support: d.Support, refute: d.Refute, appearances: d.Appearances, basis: d.Basis, rated: ch.rated || c.RatedAt == nil,
		hasSearch: d.LastSearchedAt != nil, searchStale: d.SearchStale}
	if d.LastSearchedAt != nil {
		ch.row.searched = d.LastSearchedAt.UnixMicro()
	}
	if ch.rated {
		after := c
		after.Rating, after.RatingSource, after.Certainty, after.RatingExplanation = r.Rating, r.Source, d.Certainty, r.Explanation
		ch.before = models.SnapshotOfRating(c)
		if c.RatedAt == nil {
			ch.before = models.RatingSnapshot{Rating: grading.RatingNotRated, Source: grading.SourceRule}
		}
		ch.after = models.SnapshotOfRating(after)
	}
	return ch, nil
}

// events are the audit events of the change: claim.flagged when the flags
// change, then claim.rated when the rating or its source does.
func (ch claimChange) events(a Actor, claimID int64, cause string, t time.Time) []models.AuditEvent {
	var out []models.AuditEvent
	if ch.flagsDiffer {
		out = append(out, flagEvent(a, claimID, ch.old, ch.flags, cause, t))
	}
	if ch.rated {
		out = append(out, ratedEvent(a, claimID, ch.before, ch.after, cause, t))
	}
	return out
}

// apply sets on c what rederiveChunk's statements would write into its
// row at t: the derived fields (rated_at too when the rating moves), and
// a version bump when they or the flags change.
func (ch claimChange) apply(c *models.Claim, t time.Time) {
	if ch.rowDiffers {
		k := ch.row
		c.Rating, c.RatingSource, c.RatingExplanation, c.Certainty = k.rating, k.source, k.explanation, k.certainty.Ptr()
		c.RatingReason, c.RatingFacts, c.CertaintyBasis = string(k.reason), &k.facts, basisPtr(k.certaintyBasis)
		c.SupportCount, c.RefuteCount, c.AppearanceCount, c.EvidenceBasis = k.support, k.refute, k.appearances, k.basis
		c.LastSearchedAt, c.SearchStale = k.lastSearchedAt(), k.searchStale
		if k.rated {
			c.RatedAt = &t
		}
	}
	if ch.rowDiffers || ch.flagsDiffer {
		c.Version++
		c.UpdatedAt = t
	}
}

// columns are the UPDATE of a claim row to k at t.
func (k derivedRow) columns(t time.Time) map[string]any {
	set := map[string]any{
		"rating": k.rating, "rating_source": k.source, "rating_explanation": k.explanation, "certainty": k.certainty.Ptr(),
		"rating_reason": k.reason, "rating_facts": k.facts, "certainty_basis": basisPtr(k.certaintyBasis),
		"support_count": k.support, "refute_count": k.refute, "appearance_count": k.appearances, "evidence_basis": k.basis,
		"last_searched_at": k.lastSearchedAt(), "search_stale": k.searchStale,
		"version": gorm.Expr("version + 1"), "updated_at": t,
	}
	if k.rated {
		set["rated_at"] = t
	}
	return set
}

// deriveUnreasoned re-derives the claims whose rating has no rule id yet
// (rating_reason ”): those rated before migration 00015 added the rule id,
// the facts and the certainty basis, which only the rules can compute. It
// runs after migrating, a chunk of rederiveChunk claims per transaction, and
// does nothing once every claim has its reason.
func (s *Store) deriveUnreasoned(ctx context.Context) error {
	total := 0
	var after int64
	for {
		var ids []int64
		if err := s.db.WithContext(ctx).Model(&models.Claim{}).Where("rating_reason = '' AND id > ?", after).
			Order("id").Limit(rederiveChunk).Pluck("id", &ids).Error; err != nil {
			return fmt.Errorf("find claims to derive: %w", classify(err))
		}
		if len(ids) == 0 {
			break
		}
		if err := s.tx(ctx, func(tx *gorm.DB) error {
			return s.rederive(tx, System("migration"), ids, "migration")
		}); err != nil {
			return err
		}
		total += len(ids)
		after = ids[len(ids)-1]
	}
	if total > 0 {
		s.log.Info("claims derived with rule ids and facts", "claims", total)
	}
	return nil
}

// factsJSON is the stored form of a rating's facts.
func factsJSON(f grading.VerdictFacts) (string, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("encode verdict facts: %w", err)
	}
	return string(data), nil
}

func derefBasis(b *grading.CertaintyBasis) grading.CertaintyBasis {
	if b == nil {
		return ""
	}
	return *b
}

// basisPtr is the column value of a certainty basis: NULL for none.
func basisPtr(b grading.CertaintyBasis) *grading.CertaintyBasis {
	if b == "" {
		return nil
	}
	return &b
}

// lastSearchedAt is when the newest search was run, nil without one.
func (k derivedRow) lastSearchedAt() *time.Time {
	if !k.hasSearch {
		return nil
	}
	t := time.UnixMicro(k.searched).UTC()
	return &t
}

// sameInstant reports whether two optional times are both nil or the same
// instant to the microsecond (what the databases keep).
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.UnixMicro() == b.UnixMicro()
}

func flagEvent(a Actor, claimID int64, before, after []grading.Flag, cause string, t time.Time) models.AuditEvent {
	ev := claimEvent(a, "claim.flagged", claimID, t)
	ev.Before = snapshot(models.FlagsSnapshot{Flags: nonNil(before)})
	ev.After = snapshot(models.FlagsSnapshot{Flags: nonNil(after), Cause: cause})
	return ev
}

// ratedEvent records a change of a claim's rating or of who decided it
// (claim.rated: the webhook event of the same name).
func ratedEvent(a Actor, claimID int64, before, after models.RatingSnapshot, cause string, t time.Time) models.AuditEvent {
	ev := claimEvent(a, "claim.rated", claimID, t)
	after.Cause = cause
	ev.Before = snapshot(before)
	ev.After = snapshot(after)
	return ev
}

func claimEvent(a Actor, action string, claimID int64, t time.Time) models.AuditEvent {
	ev := models.AuditEvent{ActorName: a.Name, Action: action, Entity: "claim", EntityID: claimID, ClaimID: &claimID, CreatedAt: t}
	if a.UserID != 0 {
		ev.ActorID = &a.UserID
	}
	if a.RequestID != "" {
		ev.RequestID = &a.RequestID
	}
	if ev.ActorName == "" {
		ev.ActorName = "anonymous"
	}
	return ev
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func flagNames(flags []grading.Flag) []grading.Flag {
	out := slices.Clone(flags)
	slices.Sort(out)
	return out
}

func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// VerifyDerived re-derives claimIDs with grading.DeriveClaim from what is
// stored (wording, linked findings, appearances, searches, override), now,
// and reports
// every claim whose stored derived fields or flags differ, one line each;
// it writes nothing. Bulk loaders (the scale benchmark's generator) check
// a sample with it.
func (s *Store) VerifyDerived(ctx context.Context, claimIDs []int64) ([]string, error) {
	db := s.db.WithContext(ctx)
	var claims []models.Claim
	if err := db.Where("id IN ?", claimIDs).Order("id").Find(&claims).Error; err != nil {
		return nil, fmt.Errorf("read claims: %w", classify(err))
	}
	if len(claims) != len(slices.Compact(slices.Sorted(slices.Values(claimIDs)))) {
		return nil, fmt.Errorf("read claims: %d of %d found: %w", len(claims), len(claimIDs), ErrNotFound)
	}
	rows, err := linkedFindings(db, claimIDs)
	if err != nil {
		return nil, err
	}
	var counts []struct {
		ClaimID int64
		N       int
	}
	if err := db.Model(&models.Link{}).Select("claim_id, COUNT(*) AS n").Where("claim_id IN ?", claimIDs).
		Group("claim_id").Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("count appearances: %w", classify(err))
	}
	var stored []models.ClaimFlag
	if err := db.Where("claim_id IN ?", claimIDs).Find(&stored).Error; err != nil {
		return nil, fmt.Errorf("read flags: %w", classify(err))
	}
	searches, err := claimSearches(db, claimIDs)
	if err != nil {
		return nil, err
	}
	at := now()
	findings := map[int64][]linkedFindingRow{}
	for _, r := range rows {
		findings[r.ClaimID] = append(findings[r.ClaimID], r)
	}
	appearances := map[int64]int{}
	for _, c := range counts {
		appearances[c.ClaimID] = c.N
	}
	had := map[int64][]grading.Flag{}
	for _, f := range stored {
		had[f.ClaimID] = append(had[f.ClaimID], f.Flag)
	}
	var out []string
	for _, c := range claims {
		d, err := grading.DeriveClaim(claimState(c, claimInputs{findings: findings[c.ID], appearances: appearances[c.ID],
			searches: searches[c.ID], at: at, staleAfter: s.SearchStaleAfter()}))
		if err != nil {
			return nil, fmt.Errorf("derive claim %d: %w", c.ID, err)
		}
		old := had[c.ID]
		slices.Sort(old)
		facts, err := factsJSON(d.Rating.Facts)
		if err != nil {
			return nil, fmt.Errorf("derive claim %d: %w", c.ID, err)
		}
		micro := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return fmt.Sprint(t.UnixMicro())
		}
		const form = "rating=%s source=%s reason=%s certainty=%s (%s) support=%d refute=%d appearances=%d basis=%s searched=%s search_stale=%t flags=%v explanation=%q facts=%s"
		got := fmt.Sprintf(form, c.Rating, c.RatingSource, c.RatingReason, grading.Deref(c.Certainty), derefBasis(c.CertaintyBasis),
			c.SupportCount, c.RefuteCount, c.AppearanceCount, c.EvidenceBasis, micro(c.LastSearchedAt), c.SearchStale, old,
			c.RatingExplanation, deref(c.RatingFacts))
		want := fmt.Sprintf(form, d.Rating.Rating, d.Rating.Source, d.Rating.Rule, grading.Deref(d.Certainty), derefBasis(d.CertaintyBasis),
			d.Support, d.Refute, d.Appearances, d.Basis, micro(d.LastSearchedAt), d.SearchStale, flagNames(d.Flags), d.Rating.Explanation, facts)
		if got != want {
			out = append(out, fmt.Sprintf("claim %d: stored %s; derived %s", c.ID, got, want))
		}
	}
	return out, nil
}
