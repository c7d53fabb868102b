package dataset_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"claimgrade/dataset"
	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// counts reads how many rows each table holds.
func counts(t *testing.T, st *store.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"therapies", "therapy_aliases", "sources", "questions", "findings", "finding_sources", "finding_flags",
		"claims", "links", "claim_findings", "claim_flags", "finding_assessments", "finding_grades", "users", "audit_events"} {
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
		assessments := 0
		for _, r := range d.Reviews {
			assessments += len(r.Assessments)
		}
		if before["finding_grades"] != int64(len(d.Reviews)) || sum.Grades != len(d.Reviews) {
			t.Errorf("finding grades = %d (summary %d), want one per review (%d)", before["finding_grades"], sum.Grades, len(d.Reviews))
		}
		if before["finding_assessments"] != int64(assessments) || before["findings"] != int64(len(d.Findings)) ||
			before["questions"] != int64(len(d.Questions)) {
			t.Errorf("counts = %v, want %d assessments, %d findings, %d questions", before, assessments, len(d.Findings), len(d.Questions))
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
		// What the rules make of the wording (docs/ratings.md): nothing here
		// is set by hand in the dataset, which holds no ratings.
		tests := []struct {
			key       string
			rating    grading.Rating
			certainty string
			has       []string
			hasNot    []string
		}{
			// "pas de risque d'interaction médicamenteuse": a literal absence no
			// graded finding bears on.
			{key: "fr-003-no-drug-interaction", rating: grading.RatingNotRated, has: []string{"absolute_wording", "unsupported", "ungraded"}},
			{key: "de-004-drug-interactions", rating: grading.RatingNotRated, has: []string{"unsupported", "ungraded"}},
			// "almost painless" with no bound recorded: a frequency is judged
			// against the value or bound its wording implies, so without one
			// it is not rated (never "unproven" for want of a number).
			{key: "en-002-almost-painless", rating: grading.RatingNotRated, has: []string{"unsupported"},
				hasNot: []string{"absolute_wording", "low_certainty"}},
			// "abscesses can occur" rests on case evidence (outbreak reports:
			// a harm without comparator and without a measure), graded for
			// attribution: probable, with serious indirectness, so the
			// occurrence certainty is low; the harm can occur (issue 18).
			{key: "de-000-abscesses", rating: grading.RatingAccurate, certainty: "low", has: []string{"low_certainty"},
				hasNot: []string{"unsupported", "inaccurate_wording", "ungraded"}},
			// "75% of cases" rests only on a finding linked as neutral.
			{key: "de-000-effective-75pct", rating: grading.RatingNotRated, has: []string{"unsupported"}},
		}
		for _, tt := range tests {
			c := byKey(tt.key)
			if c.Rating != tt.rating || c.RatingSource != grading.SourceRule {
				t.Errorf("rating(%s) = %s (%s), want %s by the rules: %s", tt.key, c.Rating, c.RatingSource, tt.rating, c.RatingExplanation)
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
		// The demo's case evidence is graded for attribution: probable, one
		// level down for indirectness, so low occurrence certainty and no
		// GRADE certainty (DESIGN "Case evidence").
		var caseEvidence []models.Finding
		if err := st.DB().Preload("Grade").Where("grade_id IS NOT NULL AND measure IS NULL AND question_id IN (?)",
			st.DB().Table("questions").Select("id").Where("comparator_kind = 'none' AND outcome_kind = 'harm'")).Order("id").
			Find(&caseEvidence).Error; err != nil {
			t.Fatal(err)
		}
		if len(caseEvidence) != 4 {
			t.Errorf("%d graded case-evidence findings, want the demo's 4", len(caseEvidence))
		}
		for _, f := range caseEvidence {
			g := f.Grade
			if f.Certainty != nil || grading.Deref(f.OccurrenceCertainty) != grading.Low || g.Certainty != nil ||
				grading.Deref(g.OccurrenceCertainty) != grading.Low || g.Attribution == nil || *g.Attribution != grading.AttributionProbable ||
				g.Method != grading.MethodConsensus {
				t.Errorf("case evidence %d: certainty %v occurrence %v, grade %+v", f.ID, f.Certainty, f.OccurrenceCertainty, g)
			}
		}
		// The flags never contradict the rating, on every claim.
		for _, c := range rows {
			f := flags(c)
			if slices.Contains(f, "unsupported") != (c.Rating != grading.RatingAccurate) {
				t.Errorf("claim %q: rating %s with flags %v", c.Text, c.Rating, f)
			}
			if slices.Contains(f, "inaccurate_wording") != (c.Rating == grading.RatingOverstated || c.Rating == grading.RatingFalse) {
				t.Errorf("claim %q: rating %s with flags %v", c.Text, c.Rating, f)
			}
			// Only a rating that rests on no graded finding has no certainty:
			// not_rated, or unproven because a search found nothing.
			unrated := c.Rating == grading.RatingNotRated || strings.HasPrefix(c.RatingExplanation, "unproven (no_evidence_found)")
			if (c.Certainty == nil) != unrated || c.RatingExplanation == "" {
				t.Errorf("claim %q: rating %s, certainty %v, explanation %q", c.Text, c.Rating, c.Certainty, c.RatingExplanation)
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

// TestSeedSearches: the loader records a claim's searches from the dataset
// (the demo records none: no search could be run and verified for it), so
// the claim is rated unproven (no_evidence_found) with the search in its
// explanation, and a second load changes nothing.
func TestSeedSearches(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		d, err := dataset.Load()
		if err != nil {
			t.Fatal(err)
		}
		var claim *dataset.Claim
		for i := range d.Claims {
			if len(d.Claims[i].Searches) > 0 {
				t.Fatalf("demo claim %s records a search; this test adds its own", d.Claims[i].Key)
			}
			if d.Claims[i].Key == "en-002-micro-vaccination-asthma-cf" {
				claim = &d.Claims[i]
			}
		}
		if claim == nil {
			t.Fatal("the demo has no micro-vaccination claim")
		}
		note := "Fixture: nothing on intradermal micro-vaccination in asthma or cystic fibrosis."
		claim.Searches = []dataset.Search{
			{Database: grading.DatabasePubMed, Query: `mesotherapy AND (asthma OR "cystic fibrosis")`, SearchedAt: "2026-11-03T09:00:00Z",
				Hits: 12, Screened: 3, Sources: []string{}, Note: &note},
			{Database: grading.DatabaseCochraneLibrary, Query: "mesotherapy", SearchedAt: "2026-11-04T09:00:00+01:00",
				Hits: 4, Screened: 4, Sources: []string{d.Sources[len(d.Sources)-1].Key}},
		}
		ctx := context.Background()
		sum, err := dataset.Seed(ctx, st, d, 2)
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if sum.Searches != 2 || !strings.Contains(sum.String(), "2 evidence searches") {
			t.Errorf("Seed summary = %+v (%s), want 2 searches", sum, sum)
		}
		var c models.Claim
		if err := st.DB().Where("text = ?", claim.Text).Take(&c).Error; err != nil {
			t.Fatal(err)
		}
		if c.Rating != grading.RatingUnproven || !strings.Contains(c.RatingExplanation, "(no_evidence_found)") ||
			!strings.Contains(c.RatingExplanation, "PubMed on 2026-11-03") || !strings.Contains(c.RatingExplanation, "the Cochrane Library on 2026-11-04") {
			t.Errorf("the searched claim = %s: %s", c.Rating, c.RatingExplanation)
		}
		var searches []models.EvidenceSearch
		if err := st.DB().Preload("Sources").Where("claim_id = ?", c.ID).Order("id").Find(&searches).Error; err != nil {
			t.Fatal(err)
		}
		if len(searches) != 2 || searches[0].CreatedBy != "seed" || len(searches[1].Sources) != 1 ||
			!searches[1].SearchedAt.Equal(time.Date(2026, 11, 4, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("stored searches = %+v", searches)
		}
		before := counts(t, st)
		if again, err := dataset.Seed(ctx, st, d, 2); err != nil || again.Loaded {
			t.Fatalf("second Seed = %+v, %v", again, err)
		}
		if after := counts(t, st); !mapsEqual(before, after) || testenv.Count(t, st, "evidence_searches", "") != 2 {
			t.Errorf("seeding twice changed the database")
		}
	})
}
