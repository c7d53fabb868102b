package store

import (
	"context"
	"fmt"
	"time"

	"claimgrade/grading"
	"claimgrade/models"
)

// RatedClaims returns a page of the live, rated (not not_rated) claims in
// id order, each with its appearances (sources embedded) and linked
// findings (sources embedded), for the ClaimReview feed. since, when not
// nil, keeps only claims changed or rated at or after it. It reads in a
// constant number of queries, whatever the page size.
func (s *Store) RatedClaims(ctx context.Context, p Page, since *time.Time) ([]ClaimDetail, string, error) {
	db := s.db.WithContext(ctx)
	q := db.Where("id > ? AND archived_at IS NULL AND rating <> ?", p.After, grading.RatingNotRated)
	if since != nil {
		q = q.Where("(updated_at >= ? OR rated_at >= ?)", since.UTC(), since.UTC())
	}
	var claims []models.Claim
	if err := q.Order("id").Limit(p.limit() + 1).Find(&claims).Error; err != nil {
		return nil, "", fmt.Errorf("list rated claims: %w", classify(err))
	}
	claims, next := trim(claims, p, func(c models.Claim) int64 { return c.ID })
	if len(claims) == 0 {
		return nil, next, nil
	}
	ids := make([]int64, len(claims))
	for i, c := range claims {
		ids[i] = c.ID
	}
	var links []models.Link
	if err := db.Preload("Source").Where("claim_id IN ?", ids).Order("id").Find(&links).Error; err != nil {
		return nil, "", fmt.Errorf("list appearances of rated claims: %w", classify(err))
	}
	var cfs []models.ClaimFinding
	if err := db.Preload("Finding").Preload("Finding.Sources", orderID).Preload("Finding.Sources.Source").
		Where("claim_id IN ?", ids).Order("id").Find(&cfs).Error; err != nil {
		return nil, "", fmt.Errorf("list findings of rated claims: %w", classify(err))
	}
	byID := make(map[int64]int, len(claims))
	out := make([]ClaimDetail, len(claims))
	for i, c := range claims {
		out[i].Claim = c
		byID[c.ID] = i
	}
	for _, l := range links {
		out[byID[l.ClaimID]].Appearances = append(out[byID[l.ClaimID]].Appearances, l)
	}
	for _, cf := range cfs {
		out[byID[cf.ClaimID]].Findings = append(out[byID[cf.ClaimID]].Findings, cf)
	}
	return out, next, nil
}
