package dataset_test

import (
	"context"
	"slices"
	"testing"

	"claimgrade/dataset"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// counts reads how many rows each table holds.
func counts(t *testing.T, st *store.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"therapies", "therapy_aliases", "sources", "claims", "links", "claim_flags", "assessments", "grades", "users", "audit_events"} {
		var n int64
		if err := st.DB().Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

func TestSeed(t *testing.T) {
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sum, err := dataset.Seed(ctx, st, d, 2)
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if !sum.Loaded || sum.Claims != len(d.Claims) || sum.Sources != len(d.Sources) || sum.Therapies != len(d.Therapies) {
			t.Errorf("Seed summary = %+v, want every claim, source and therapy of the file", sum)
		}
		before := counts(t, st)
		if before["claims"] != int64(len(d.Claims)) {
			t.Errorf("claims = %d, want %d", before["claims"], len(d.Claims))
		}
		wantGrades := int64(0)
		for _, r := range d.Reviews {
			wantGrades++
			if r.Adjudication != nil && len(r.Assessments) < 2 {
				t.Errorf("review of %s: an adjudication needs two assessments", r.Claim)
			}
		}
		if before["grades"] != wantGrades {
			t.Errorf("grades = %d, want one per review (%d)", before["grades"], wantGrades)
		}

		again, err := dataset.Seed(ctx, st, d, 2)
		if err != nil {
			t.Fatalf("second Seed: %v", err)
		}
		if again.Loaded {
			t.Errorf("second Seed loaded again: %+v", again)
		}
		if after := counts(t, st); !mapsEqual(before, after) {
			t.Errorf("seeding twice changed the database: before %v, after %v", before, after)
		}

		// The expected flags hold.
		claims := map[string]models.Claim{}
		var rows []models.Claim
		if err := st.DB().Preload("Flags").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range rows {
			claims[c.Text] = c
		}
		byKey := func(key string) models.Claim {
			t.Helper()
			c, ok := d.Claim(key)
			if !ok {
				t.Fatalf("dataset has no claim %s", key)
			}
			return claims[c.Text]
		}
		flags := func(c models.Claim) []string {
			var out []string
			for _, f := range c.Flags {
				out = append(out, string(f.Flag))
			}
			slices.Sort(out)
			return out
		}
		tests := []struct {
			key       string
			verdict   string
			certainty string
			has       []string
			hasNot    []string
		}{
			{key: "fr-003-no-drug-interaction", verdict: "unsupported", has: []string{"unsupported", "ungraded"}},
			{key: "de-004-drug-interactions", verdict: "unsupported", has: []string{"unsupported", "ungraded"}},
			{key: "it-001-well-tolerated", verdict: "supported", certainty: "moderate", hasNot: []string{"ungraded", "unsupported"}},
			{key: "en-002-almost-painless", verdict: "supported", certainty: "low", has: []string{"low_certainty"}},
			{key: "de-004-corticosteroid-relief", verdict: "refuted", certainty: "moderate", has: []string{"contradicted", "unsupported"}},
			{key: "de-000-more-effective-than-oral", verdict: "mixed", certainty: "low", has: []string{"contradicted", "low_certainty"}, hasNot: []string{"reviewer_disagreement", "ungraded"}},
			{key: "en-002-almost-no-side-effects", verdict: "ungraded", has: []string{"contradicted", "ungraded"}},
		}
		for _, tt := range tests {
			c := byKey(tt.key)
			if string(c.Verdict) != tt.verdict {
				t.Errorf("verdict(%s) = %s, want %s", tt.key, c.Verdict, tt.verdict)
			}
			got := ""
			if c.Certainty != nil {
				got = string(*c.Certainty)
			}
			if got != tt.certainty {
				t.Errorf("certainty(%s) = %q, want %q", tt.key, got, tt.certainty)
			}
			f := flags(c)
			for _, want := range tt.has {
				if !slices.Contains(f, want) {
					t.Errorf("flags(%s) = %v, want %s among them", tt.key, f, want)
				}
			}
			for _, not := range tt.hasNot {
				if slices.Contains(f, not) {
					t.Errorf("flags(%s) = %v, want no %s", tt.key, f, not)
				}
			}
		}
		// Every claim appears somewhere.
		for _, c := range rows {
			if c.AppearanceCount != 1 {
				t.Errorf("appearance_count(%q) = %d, want 1", c.Text, c.AppearanceCount)
			}
		}
	})
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
