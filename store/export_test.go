package store

import (
	"context"

	"gorm.io/gorm"

	"claimgrade/models"
)

// DisableFTS makes st's SQLite searches skip the FTS5 trigram index, so
// that tests and benchmarks can compare with the plain LIKE scan.
func DisableFTS(st *Store) { st.noFTS = true }

// Fold exposes fold to the external tests.
var Fold = fold

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
