package migrations_test

import (
	"context"
	"strings"
	"testing"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestEvidenceSearchesMigration: 00014 renames the rule no_graded_finding
// to not_yet_searched in the explanations claims already store (an
// editor's override quotes the rules' explanation too) and moves their
// versions, so that what is stored is what the derivation now says; its
// Down puts the old wording back. Rolled back and forward on every backend.
func TestEvidenceSearchesMigration(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx, sys := context.Background(), store.System("test")
		if _, err := st.CreateTherapy(ctx, sys, store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy"}); err != nil {
			t.Fatal(err)
		}
		plain, err := st.CreateClaim(ctx, sys, store.ClaimInput{Therapy: "mesotherapy", Text: "Nobody looked.", Language: "en",
			ClaimType: grading.ClaimEfficacy, Assertion: grading.AssertEffect, Hedge: grading.HedgeNone})
		if err != nil {
			t.Fatal(err)
		}
		overridden, err := st.CreateClaim(ctx, sys, store.ClaimInput{Therapy: "mesotherapy", Text: "An editor decided.", Language: "en",
			ClaimType: grading.ClaimEfficacy, Assertion: grading.AssertEffect, Hedge: grading.HedgeNone})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetRatingOverride(ctx, sys, overridden.ID, overridden.Version, store.RatingOverrideInput{Rating: grading.RatingFalse,
			Rationale: "The label lists interactions."}); err != nil {
			t.Fatal(err)
		}
		read := func(id int64) (string, int64) {
			t.Helper()
			var row struct {
				RatingExplanation string
				Version           int64
			}
			if err := st.DB().Raw("SELECT rating_explanation, version FROM claims WHERE id = ?", id).Scan(&row).Error; err != nil {
				t.Fatal(err)
			}
			return row.RatingExplanation, row.Version
		}
		now := "not_rated (not_yet_searched): no graded finding is linked with a stance other than neutral, and no evidence search is recorded for the claim."
		old := "not_rated (no_graded_finding): no graded finding is linked with a stance other than neutral."
		before := map[int64]int64{}
		for _, id := range []int64{plain.ID, overridden.ID} {
			expl, v := read(id)
			if !strings.Contains(expl, now) {
				t.Fatalf("claim %d explains %q, want the rules' %q", id, expl, now)
			}
			before[id] = v
		}
		// The migrations after 00014 go down first.
		for {
			p, err := st.MigrateDown(ctx)
			if err != nil {
				t.Fatalf("MigrateDown = %s, %v", p, err)
			}
			if strings.HasSuffix(p, "00014_evidence_searches.sql") {
				break
			}
			if base := p[strings.LastIndex(p, "/")+1:]; base < "00014" {
				t.Fatalf("MigrateDown went past 00014: %s", p)
			}
		}
		for _, id := range []int64{plain.ID, overridden.ID} {
			if expl, v := read(id); !strings.Contains(expl, old) || strings.Contains(expl, "not_yet_searched") || v != before[id]+1 {
				t.Errorf("claim %d after Down: %q version %d, want the old wording at version %d", id, expl, v, before[id]+1)
			}
		}
		if _, err := st.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{plain.ID, overridden.ID} {
			// 00014 rewrites the wording (+1); after 00015 the claim is
			// derived again for its rule id and facts (+1).
			if expl, v := read(id); !strings.Contains(expl, now) || strings.Contains(expl, "no_graded_finding") || v < before[id]+3 {
				t.Errorf("claim %d after Up: %q version %d, want the new wording at version %d or later", id, expl, v, before[id]+3)
			}
		}
		if bad, err := st.VerifyDerived(ctx, []int64{plain.ID, overridden.ID}); err != nil || len(bad) > 0 {
			t.Errorf("VerifyDerived after the migration = %v, %v; want the stored explanations to be the derivation's", bad, err)
		}
	})
}
