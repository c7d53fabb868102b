package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"claimgrade/dataset"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// documentCmp compares documents as their responses show them: times by
// their RFC 3339 text (instant and offset), and not the columns the
// documents never read.
var documentCmp = cmp.Options{
	cmp.Transformer("RFC3339", func(t time.Time) string { return t.Format(time.RFC3339Nano) }),
	cmpopts.IgnoreFields(models.Claim{}, "SearchText", "LastSearchedAt", "SearchStale"), // json:"-": the sweep's, not the document's
	cmpopts.IgnoreFields(models.Therapy{}, "Name", "Description", "Version", "CreatedAt", "UpdatedAt"),
	cmpopts.IgnoreFields(models.Source{}, "SearchText"),
	cmpopts.IgnoreFields(models.FindingGrade{}, "DecidedByID", "Fingerprint"),
	cmpopts.EquateEmpty(),
}

// TestDocumentsOneStatement proves that the one-statement claim and finding
// documents hold what the gorm preloads read, on the demo dataset (graded
// findings, reviews with includes, appearances) made odder: a retracted
// source, fractions that need 17 digits, a reported threshold, a retrieval
// time, an editor's override.
func TestDocumentsOneStatement(t *testing.T) {
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
			"UPDATE sources SET retracted = true, retraction_note = 'Retracted: \"data\" ünreliable', year = 2011 WHERE id = (SELECT MIN(source_id) FROM finding_sources)",
			"UPDATE findings SET estimate = 1.0/3, ci_low = 0.1, ci_high = 2.5e-10 WHERE id = (SELECT MIN(finding_id) FROM claim_findings)",
			"UPDATE finding_sources SET reported_threshold = 1.25, reported_certainty = 'low' WHERE id = (SELECT MIN(id) FROM finding_sources)",
			"UPDATE links SET retrieved_at = updated_at, url = 'https://example.org/a?b=1&c=2' WHERE id = (SELECT MIN(id) FROM links)",
			"UPDATE claims SET override_rating = 'overstated', override_rationale = 'why', override_by = 'ed', override_at = updated_at, override_basis = 'x' WHERE id = (SELECT MIN(claim_id) FROM claim_findings)",
		} {
			if err := db.Exec(sql).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		var claimIDs, findingIDs []int64
		db.Raw("SELECT id FROM claims ORDER BY id").Scan(&claimIDs)
		db.Raw("SELECT id FROM findings ORDER BY id").Scan(&findingIDs)
		if len(claimIDs) == 0 || len(findingIDs) == 0 {
			t.Fatalf("%d claims, %d findings: the demo dataset did not load", len(claimIDs), len(findingIDs))
		}
		counter := testenv.CountQueries(t, st)
		graded, included := 0, 0
		for _, id := range claimIDs {
			var got store.ClaimDetail
			n, _ := counter.Count(func() { got, err = st.GetClaim(ctx, id) })
			if err != nil {
				t.Fatalf("GetClaim(%d): %v", id, err)
			}
			if n != 1 {
				t.Errorf("GetClaim(%d) took %d statements, want 1", id, n)
			}
			want, err := st.PreloadedClaim(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, documentCmp); diff != "" {
				t.Errorf("GetClaim(%d) mismatch (-preloaded +one statement):\n%s", id, diff)
			}
			for _, cf := range got.Findings {
				if cf.Finding.Grade != nil {
					graded++
				}
			}
		}
		for _, id := range findingIDs {
			var got models.Finding
			n, _ := counter.Count(func() { got, err = st.GetFinding(ctx, id) })
			if err != nil {
				t.Fatalf("GetFinding(%d): %v", id, err)
			}
			if n != 1 {
				t.Errorf("GetFinding(%d) took %d statements, want 1", id, n)
			}
			want, err := st.PreloadedFinding(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, documentCmp); diff != "" {
				t.Errorf("GetFinding(%d) mismatch (-preloaded +one statement):\n%s", id, diff)
			}
			for _, fs := range got.Sources {
				included += len(fs.Source.Includes)
			}
		}
		if graded == 0 || included == 0 {
			t.Errorf("compared %d graded finding links and %d included sources; the dataset should exercise both", graded, included)
		}

		// Missing, archived, and a stored value outside its vocabulary.
		if _, err := st.GetClaim(ctx, 1<<40); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetClaim(missing) = %v, want ErrNotFound", err)
		}
		if _, err := st.GetFinding(ctx, 1<<40); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetFinding(missing) = %v, want ErrNotFound", err)
		}
		if err := st.ArchiveClaim(ctx, store.Actor{Name: "t"}, claimIDs[len(claimIDs)-1], 0); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetClaim(ctx, claimIDs[len(claimIDs)-1]); !errors.Is(err, store.ErrGone) {
			t.Errorf("GetClaim(archived) = %v, want ErrGone", err)
		}
		var fsFinding, fsClaim int64
		db.Raw("SELECT finding_id FROM finding_sources ORDER BY id LIMIT 1").Scan(&fsFinding)
		db.Raw("SELECT claim_id FROM claim_findings WHERE finding_id = ? ORDER BY id LIMIT 1", fsFinding).Scan(&fsClaim)
		if err := db.Exec("UPDATE finding_sources SET reported_certainty = 'bogus' WHERE finding_id = ?", fsFinding).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetFinding(ctx, fsFinding); err == nil {
			t.Errorf("GetFinding(%d) with a stored reported_certainty 'bogus' succeeded, want an error", fsFinding)
		}
		if fsClaim != 0 {
			if _, err := st.GetClaim(ctx, fsClaim); err == nil {
				t.Errorf("GetClaim(%d) with a stored reported_certainty 'bogus' succeeded, want an error", fsClaim)
			}
		}
	})
}
