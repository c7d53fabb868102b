package store

import (
	"context"
	"fmt"

	"claimgrade/grading"
)

// FlagCounts counts live claims per flag, every flag present (0 when no
// claim carries it), optionally for one therapy (a slug or alias; an
// unknown one is ErrNotFound). The counts are one GROUP BY over the flag
// index.
func (s *Store) FlagCounts(ctx context.Context, therapy string) (map[string]int64, error) {
	db := s.db.WithContext(ctx)
	q := db.Table("claim_flags").Select("claim_flags.flag AS flag, COUNT(*) AS n").
		Joins("JOIN claims ON claims.id = claim_flags.claim_id").Where("claims.archived_at IS NULL")
	if therapy != "" {
		t, err := s.therapyByKey(db, therapy)
		if err != nil {
			return nil, err
		}
		q = q.Where("claims.therapy_id = ?", t.ID)
	}
	var rows []struct {
		Flag grading.Flag
		N    int64
	}
	if err := q.Group("claim_flags.flag").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count flags: %w", classify(err))
	}
	counts := make(map[string]int64, len(grading.AllFlags()))
	for _, f := range grading.AllFlags() {
		counts[string(f)] = 0
	}
	for _, r := range rows {
		counts[string(r.Flag)] = r.N
	}
	return counts, nil
}
