package store

import (
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// A claim's verdict, certainty, counts and flags are derived by
// grading.Derive from its links, its submitted assessments and its current
// grade. rederive loads that state for a set of claims inside the caller's
// transaction and writes what changed, set-based, in bounded chunks.

// evidenceRow is an evidence or appearance link as rederive reads it.
type evidenceRow struct {
	ID                int64
	ClaimID           int64
	SourceID          int64
	Role              grading.LinkRole
	Stance            *grading.Stance
	ReportedCertainty *grading.Certainty
	Kind              grading.SourceKind
	Retracted         bool
}

func toEvidence(r evidenceRow) grading.Evidence {
	e := grading.Evidence{LinkID: r.ID, SourceID: r.SourceID, Kind: r.Kind, Retracted: r.Retracted,
		ReportedCertainty: grading.Deref(r.ReportedCertainty)}
	if r.Stance != nil {
		e.Stance = *r.Stance
	}
	return e
}

// linkEvidence turns a claim's loaded links into the engine's evidence.
func linkEvidence(links []models.Link) []grading.Evidence {
	var out []grading.Evidence
	for _, l := range links {
		if l.Role != grading.RoleEvidence {
			continue
		}
		out = append(out, toEvidence(evidenceRow{ID: l.ID, ClaimID: l.ClaimID, SourceID: l.SourceID, Role: l.Role,
			Stance: l.Stance, ReportedCertainty: l.ReportedCertainty, Kind: l.Source.Kind, Retracted: l.Source.Retracted}))
	}
	return out
}

// claimEvidence reads the evidence links of one claim, with their sources'
// kind and retraction, as the engine sees them (one query).
func claimEvidence(tx *gorm.DB, claimID int64) ([]grading.Evidence, error) {
	rows, err := linkRows(tx.Where("links.role = ?", grading.RoleEvidence), []int64{claimID})
	if err != nil {
		return nil, err
	}
	out := make([]grading.Evidence, len(rows))
	for i, r := range rows {
		out[i] = toEvidence(r)
	}
	return out, nil
}

// linkRows reads the links of claims with what the engine needs of their
// sources, in one query.
func linkRows(q *gorm.DB, claimIDs []int64) ([]evidenceRow, error) {
	var rows []evidenceRow
	if err := q.Table("links").
		Select("links.id, links.claim_id, links.source_id, links.role, links.stance, links.reported_certainty, sources.kind, sources.retracted").
		Joins("JOIN sources ON sources.id = links.source_id").
		Where("links.claim_id IN ?", claimIDs).Order("links.id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read links of claims %v: %w", claimIDs, classify(err))
	}
	return rows, nil
}

// currentGrades returns the newest grade of each claim that has one.
func (s *Store) currentGrades(db *gorm.DB, claimIDs []int64) (map[int64]*models.Grade, error) {
	out := map[int64]*models.Grade{}
	if len(claimIDs) == 0 {
		return out, nil
	}
	var rows []models.Grade
	err := db.Where("id IN (SELECT MAX(id) FROM grades WHERE claim_id IN ? GROUP BY claim_id)", claimIDs).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read grades: %w", classify(err))
	}
	for i := range rows {
		out[rows[i].ClaimID] = &rows[i]
	}
	return out, nil
}

func engineGrade(g *models.Grade) *grading.Grade {
	if g == nil {
		return nil
	}
	return &grading.Grade{Certainty: grading.Deref(g.Certainty), Verdict: g.Verdict, DecidedAt: g.DecidedAt, EvidenceRevision: g.EvidenceRevision}
}

// rederiveChunk bounds the claims rederive handles per round, so that no
// statement binds more than a few thousand parameters (PostgreSQL allows
// 65,535) however many claims a change reaches.
const rederiveChunk = 1000

// rederive recomputes the derived fields and flags of claimIDs with
// grading.Derive. Claims are handled in id order, in chunks of at most
// rederiveChunk, inside the caller's transaction; each chunk is locked first
// (so concurrent writers cannot deadlock) and read after the lock, so the
// result reflects every committed change.
func (s *Store) rederive(tx *gorm.DB, a Actor, claimIDs []int64, cause string) error {
	ids := slices.Clone(claimIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		n := min(len(ids), rederiveChunk)
		if err := s.rederiveChunk(tx, a, ids[:n], cause); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// derivedRow is the stored form of a claim's derived fields; claims of a
// chunk that share one are updated by one statement.
type derivedRow struct {
	verdict                      grading.ClaimVerdict
	certainty                    grading.Certainty
	support, refute, appearances int
}

// rederiveChunk re-derives up to rederiveChunk claims, sorted and distinct,
// with a constant number of statements: the reads, one UPDATE per distinct
// set of derived values, one version bump for claims whose only change is
// their flags, and the flag and audit writes.
func (s *Store) rederiveChunk(tx *gorm.DB, a Actor, ids []int64, cause string) error {
	var claims []models.Claim
	if err := s.forUpdate(tx).Where("id IN ?", ids).Order("id").Find(&claims).Error; err != nil {
		return fmt.Errorf("lock claims: %w", classify(err))
	}
	links, err := linkRows(tx, ids)
	if err != nil {
		return err
	}
	grades, err := s.currentGrades(tx, ids)
	if err != nil {
		return err
	}
	var submitted []models.Assessment
	if err := tx.Where("claim_id IN ? AND status = ?", ids, grading.StatusSubmitted).Order("id").Find(&submitted).Error; err != nil {
		return fmt.Errorf("read assessments: %w", classify(err))
	}
	var oldFlags []models.ClaimFlag
	if err := tx.Where("claim_id IN ?", ids).Find(&oldFlags).Error; err != nil {
		return fmt.Errorf("read flags: %w", classify(err))
	}

	evidence := map[int64][]grading.Evidence{}
	appearances := map[int64]int{}
	for _, l := range links {
		if l.Role == grading.RoleAppearance {
			appearances[l.ClaimID]++
			continue
		}
		evidence[l.ClaimID] = append(evidence[l.ClaimID], toEvidence(l))
	}
	submissions := map[int64][]grading.Submission{}
	for _, as := range submitted {
		sub := grading.Submission{Outcome: grading.Outcome{Verdict: as.Verdict, Certainty: grading.Deref(as.Certainty)}}
		if as.SubmittedAt != nil {
			sub.SubmittedAt = *as.SubmittedAt
		}
		submissions[as.ClaimID] = append(submissions[as.ClaimID], sub)
	}
	had := map[int64][]grading.Flag{}
	for _, f := range oldFlags {
		had[f.ClaimID] = append(had[f.ClaimID], f.Flag)
	}

	t := now()
	var newFlags []models.ClaimFlag
	var flagChanged, bumpOnly []int64
	changed := map[derivedRow][]int64{}
	var order []derivedRow
	var events []models.AuditEvent
	for _, c := range claims {
		d, err := grading.Derive(grading.DeriveState{ClaimState: grading.ClaimState{Evidence: evidence[c.ID],
			Grade: engineGrade(grades[c.ID]), EvidenceRevision: c.EvidenceRevision, Submitted: submissions[c.ID]},
			Appearances: appearances[c.ID]})
		if err != nil {
			return fmt.Errorf("derive claim %d: %w", c.ID, err)
		}
		flags := flagNames(d.Flags)
		old := had[c.ID]
		slices.Sort(old)
		flagsDiffer := !slices.Equal(old, flags)
		rowDiffers := c.Verdict != d.Verdict || !samePtr(c.Certainty, d.Certainty) ||
			c.SupportCount != d.SupportCount || c.RefuteCount != d.RefuteCount || c.AppearanceCount != d.AppearanceCount
		if flagsDiffer {
			flagChanged = append(flagChanged, c.ID)
			for _, f := range flags {
				newFlags = append(newFlags, models.ClaimFlag{Flag: f, ClaimID: c.ID})
			}
			events = append(events, flagEvent(a, c.ID, old, flags, cause, t))
		}
		switch {
		case rowDiffers:
			k := derivedRow{verdict: d.Verdict, certainty: grading.Deref(d.Certainty), support: d.SupportCount,
				refute: d.RefuteCount, appearances: d.AppearanceCount}
			if _, ok := changed[k]; !ok {
				order = append(order, k)
			}
			changed[k] = append(changed[k], c.ID)
		case flagsDiffer:
			bumpOnly = append(bumpOnly, c.ID)
		}
	}
	for _, k := range order {
		if err := tx.Model(&models.Claim{}).Where("id IN ?", changed[k]).Updates(map[string]any{
			"verdict": k.verdict, "certainty": k.certainty.Ptr(), "support_count": k.support, "refute_count": k.refute,
			"appearance_count": k.appearances, "version": gorm.Expr("version + 1"), "updated_at": t,
		}).Error; err != nil {
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
			return fmt.Errorf("record flag events: %w", classify(err))
		}
	}
	return nil
}

func flagEvent(a Actor, claimID int64, before, after []grading.Flag, cause string, t time.Time) models.AuditEvent {
	ev := models.AuditEvent{ActorName: a.Name, Action: "claim.flagged", Entity: "claim", EntityID: claimID, ClaimID: &claimID,
		Before: snapshot(models.FlagsSnapshot{Flags: nonNil(before)}), After: snapshot(models.FlagsSnapshot{Flags: nonNil(after), Cause: cause}), CreatedAt: t}
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

// derivation explains a claim's certainty: the stored derivation of its
// current grade, or, while it is ungraded, where its certainty would start
// from the evidence linked now.
func claimDerivation(links []models.Link, g *models.Grade) (grading.Derivation, error) {
	if g != nil {
		return g.Derivation, nil
	}
	return grading.StartDerivation(linkEvidence(links)), nil
}
