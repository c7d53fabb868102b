package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgrade/dataset"
	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// TestListPathsAgree proves that a page of claims reads the same through
// both of queryRows' paths: on PostgreSQL a store reads pages through pgx
// itself and a store bound to a transaction through database/sql (SQLite
// always the latter, so there the test compares database/sql with itself
// and checks the pages are not empty). Every filter the list has, a
// cursor, and the demo dataset made odder (no text_en, a claimed value
// that needs 17 digits, an editor's rating).
func TestListPathsAgree(t *testing.T) {
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := dataset.Seed(ctx, st, d, 2); err != nil {
			t.Fatalf("Seed: %v", err)
		}
		db := st.DB()
		for _, sql := range []string{
			"UPDATE claims SET text_en = NULL, claimed_value = 1.0/3 WHERE id = (SELECT MIN(id) FROM claims)",
			"UPDATE claims SET rating = 'overstated', rating_source = 'editor' WHERE id = (SELECT MAX(id) FROM claims)",
		} {
			if err := db.Exec(sql).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		var first models.Claim
		if err := db.Order("id").First(&first).Error; err != nil {
			t.Fatal(err)
		}
		filters := []struct {
			name string
			f    store.ClaimFilter
		}{
			{"first page", store.ClaimFilter{}},
			{"after a cursor", store.ClaimFilter{Page: store.Page{After: first.ID + 3, Limit: 7}}},
			{"flag", store.ClaimFilter{Flags: []grading.Flag{grading.FlagUnsupported}}},
			{"flag after a cursor", store.ClaimFilter{Flags: []grading.Flag{grading.FlagUnsupported}, Page: store.Page{After: first.ID + 3}}},
			{"therapy alias", store.ClaimFilter{Therapy: "Mesotherapie"}},
			{"rating", store.ClaimFilter{Rating: grading.RatingOverstated}},
			{"language", store.ClaimFilter{Language: "it"}},
			{"q", store.ClaimFilter{Q: "mesoterapia"}},
			{"short q after a cursor", store.ClaimFilter{Q: "di", Page: store.Page{After: first.ID, Limit: 3}}},
		}
		pages := 0
		for _, tt := range filters {
			got, gotNext, err := st.ListClaims(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: ListClaims: %v", tt.name, err)
			}
			var want []models.Claim
			var wantNext string
			if err := st.InTx(ctx, func(tx *store.Store) error {
				var err error
				want, wantNext, err = tx.ListClaims(ctx, tt.f)
				return err
			}); err != nil {
				t.Fatalf("%s: ListClaims in a transaction: %v", tt.name, err)
			}
			if diff := cmp.Diff(want, got, documentCmp); diff != "" || gotNext != wantNext {
				t.Errorf("%s: the page differs between the two read paths (-database/sql +%s), cursors %q and %q:\n%s",
					tt.name, st.Dialect(), wantNext, gotNext, diff)
			}
			if len(got) > 0 {
				pages++
			}
		}
		if pages < len(filters)-1 {
			t.Fatalf("only %d of %d filters found claims: the comparison proves little", pages, len(filters))
		}

		// A word outside the vocabulary is an error on both paths, never a
		// claim with an unknown rating.
		if err := db.Exec("UPDATE claims SET rating = 'bogus' WHERE id = ?", first.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.ListClaims(ctx, store.ClaimFilter{}); err == nil || !strings.Contains(err.Error(), "bogus") {
			t.Errorf("a stored rating 'bogus' listed with error %v, want one naming the value", err)
		}
		err = st.InTx(ctx, func(tx *store.Store) error { _, _, err := tx.ListClaims(ctx, store.ClaimFilter{}); return err })
		if err == nil || !strings.Contains(err.Error(), "bogus") {
			t.Errorf("in a transaction, a stored rating 'bogus' listed with error %v, want one naming the value", err)
		}
	})
}
