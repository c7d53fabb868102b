package store

import (
	"context"
	"fmt"

	"claimgrade/models"
)

// privateEntities are audited entities that the public changes feed leaves
// out: API keys, users and webhooks are admin matters, and an assessment (of a claim
// or a finding) is blinded
// while its claim is in review (even its timing says something). Their
// audit events still get a seq; the feed skips them.
var privateEntities = []string{"api_key", "user", "assessment", "finding_assessment", "webhook"}

// Changes lists committed changes after seq p.After, in seq order, at most
// p.Limit of them, and the cursor that continues after the page (empty on
// the last page).
//
// Seq order is commit order on both databases (see the 00005_changes
// migrations: on PostgreSQL the seq is taken at commit, under a lock), and
// every snapshot sees a prefix of the seqs; so a client that resumes after
// the last seq it saw sees every change exactly once. Rows are never
// updated or deleted.
func (s *Store) Changes(ctx context.Context, p Page) ([]models.Change, string, error) {
	var rows []models.Change
	err := s.db.WithContext(ctx).Where("seq > ? AND entity NOT IN ?", p.After, privateEntities).
		Order("seq").Limit(p.limit() + 1).Find(&rows).Error
	if err != nil {
		return nil, "", fmt.Errorf("list changes: %w", classify(err))
	}
	rows, next := trim(rows, p, func(c models.Change) int64 { return c.Seq })
	return rows, next, nil
}
