package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"claimgrade/dataset"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestVerifyDerived: the demo dataset, derived by the store, verifies clean;
// a stored rating or flag changed behind the store's back is reported.
func TestVerifyDerived(t *testing.T) {
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := dataset.Seed(ctx, st, d, 2); err != nil {
			t.Fatalf("Seed: %v", err)
		}
		var ids []int64
		st.DB().Raw("SELECT id FROM claims ORDER BY id").Scan(&ids)
		bad, err := st.VerifyDerived(ctx, ids)
		if err != nil || len(bad) != 0 {
			t.Fatalf("VerifyDerived(demo) = %v, %v; want no mismatch", bad, err)
		}
		// A stored rating the rules do not give (whatever the demo's ratings
		// are), and flags removed from another claim.
		rated := ids[len(ids)-1]
		st.DB().Exec("UPDATE claims SET rating = CASE WHEN rating = 'false' THEN 'accurate' ELSE 'false' END WHERE id = ?", rated)
		st.DB().Exec("DELETE FROM claim_flags WHERE claim_id = ?", ids[0])
		bad, err = st.VerifyDerived(ctx, ids)
		if err != nil || len(bad) != 2 || !strings.Contains(strings.Join(bad, "\n"), fmt.Sprintf("claim %d: stored rating=", rated)) {
			t.Errorf("VerifyDerived after corrupting claims %d and %d = %q, %v; want both reported", rated, ids[0], bad, err)
		}
	})
}
