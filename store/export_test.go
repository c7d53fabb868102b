package store

import (
	"context"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/models"
)

// DisableFTS makes st's SQLite searches skip the FTS5 trigram index, so
// that tests and benchmarks can compare with the plain LIKE scan.
func DisableFTS(st *Store) { st.noFTS = true }

// Fold exposes fold to the external tests.
var Fold = fold

// PreloadedClaim reads a claim document the way GetClaim did before it
// became one statement (gorm preloads, a dozen statements): the reference
// the one-statement read is compared with.
func (s *Store) PreloadedClaim(ctx context.Context, id int64) (ClaimDetail, error) {
	db := s.db.WithContext(ctx)
	var d ClaimDetail
	c, err := s.claimRow(db.Preload("Therapy").Preload("Flags", orderFlags), id, false)
	if err != nil {
		return d, err
	}
	d.Claim = c
	if err := db.Preload("Source.Includes").Where("claim_id = ?", id).Order("id").Find(&d.Appearances).Error; err != nil {
		return d, err
	}
	if d.Findings, err = s.claimFindings(db, id); err != nil {
		return d, err
	}
	err = db.Preload("Sources", orderSourceID).Where("claim_id = ?", id).Order("searched_at DESC, id DESC").Find(&d.Searches).Error
	return d, err
}

// PreloadedFinding reads a finding document with gorm preloads (the
// reference for GetFinding).
func (s *Store) PreloadedFinding(ctx context.Context, id int64) (models.Finding, error) {
	return s.findingDocument(s.db.WithContext(ctx), id)
}

// RederiveAll re-derives every claim with rederive (findings first, with
// refreshFindingFlags) and returns how many audit events that recorded: 0
// when every derived field, flag and rating was already what the
// derivation computes.
func RederiveAll(ctx context.Context, st *Store) (int64, error) {
	var n int64
	err := st.tx(ctx, func(tx *gorm.DB) error {
		var before, after int64
		if err := tx.Model(&models.AuditEvent{}).Count(&before).Error; err != nil {
			return err
		}
		var findings, claims []int64
		if err := tx.Model(&models.Finding{}).Order("id").Pluck("id", &findings).Error; err != nil {
			return err
		}
		if err := st.refreshFindingFlags(tx, System("test"), findings, "test"); err != nil {
			return err
		}
		if err := tx.Model(&models.Claim{}).Order("id").Pluck("id", &claims).Error; err != nil {
			return err
		}
		if err := st.rederive(tx, System("test"), claims, "test"); err != nil {
			return err
		}
		if err := tx.Model(&models.AuditEvent{}).Count(&after).Error; err != nil {
			return err
		}
		n = after - before
		return nil
	})
	return n, err
}

// SweepSQL exposes the sweep's statements, for EXPLAIN.
var SweepSQL = sweepSQL

// LinkedFindingsOf reads the findings linked to claimIDs as the claim
// rating engine receives them (linkedFindings), by claim id.
func LinkedFindingsOf(ctx context.Context, st *Store, claimIDs []int64) (map[int64][]grading.ClaimFinding, error) {
	rows, err := linkedFindings(st.db.WithContext(ctx), claimIDs)
	if err != nil {
		return nil, err
	}
	out := map[int64][]grading.ClaimFinding{}
	for _, r := range rows {
		out[r.ClaimID] = append(out[r.ClaimID], r.engine())
	}
	return out, nil
}
