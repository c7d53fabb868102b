package dataset_test

import (
	"context"
	"fmt"
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
			claims[c.Text+"\x00"+c.Summary] = c // claims split from one sentence differ in their summary
		}
		byKey := func(key string) models.Claim {
			t.Helper()
			c, ok := d.Claim(key)
			if !ok {
				t.Fatalf("dataset has no claim %s", key)
			}
			return claims[c.Text+"\x00"+c.Summary]
		}
		flags := func(c models.Claim) []string {
			var out []string
			for _, f := range c.Flags {
				out = append(out, string(f.Flag))
			}
			slices.Sort(out)
			return out
		}
		// What the rules make of the wording (docs/ratings.md), from the
		// findings, their grades and the documented searches of the file;
		// two statements about the literature are rated by the editor.
		tests := []struct {
			key       string
			rating    grading.Rating
			certainty string
			source    grading.RatingSource
			has       []string
			hasNot    []string
		}{
			// "pas de risque d'interaction médicamenteuse": a literal absence
			// no study bears on; a documented search found nothing, so it is
			// unproven, with its absolute wording flagged.
			{key: "fr-003-no-drug-interaction", rating: grading.RatingUnproven, has: []string{"absolute_wording", "unsupported"}},
			{key: "de-004-drug-interactions", rating: grading.RatingUnproven, has: []string{"unsupported"}},
			// "almost painless" (at most 10% with more than slight pain): the
			// only finding is case evidence, which says nothing of how
			// often; with the search, unproven (never "unproven" for want of
			// a number: the bound is recorded).
			{key: "en-002-almost-painless", rating: grading.RatingUnproven, has: []string{"unsupported"},
				hasNot: []string{"absolute_wording", "low_certainty"}},
			// "abscesses can occur" rests on case evidence (outbreak reports)
			// graded for attribution: probable, serious indirectness, so low
			// occurrence certainty (issue 18).
			{key: "de-000-abscesses", rating: grading.RatingAccurate, certainty: "low", has: []string{"low_certainty"},
				hasNot: []string{"unsupported", "inaccurate_wording", "ungraded"}},
			// "75% of cases": no rate of patients helped against a control
			// exists; searched, unproven.
			{key: "de-000-effective-75pct", rating: grading.RatingUnproven, has: []string{"unsupported"}},
			// IV faster than oral: one moderate-certainty trial found no
			// important difference (Furyk 2018), so false.
			{key: "de-004-faster-than-oral", rating: grading.RatingFalse, certainty: "moderate",
				has: []string{"contradicted", "inaccurate_wording", "unsupported"}},
			// Corticosteroid infusions bring "noticeable" relief: a real
			// effect below the 1-point threshold (Chou 2022), overstated.
			{key: "de-004-corticosteroids-noticeable-relief", rating: grading.RatingOverstated, certainty: "moderate",
				has: []string{"inaccurate_wording"}},
			// "can achieve rapid pain relief": SEBRA's 1.86 points above the
			// 1.3-point threshold, low certainty fits "can".
			{key: "de-004-rapid-pain-relief", rating: grading.RatingAccurate, certainty: "low", has: []string{"low_certainty"}},
			// Rates of one trial arm against the claimed bounds.
			{key: "it-001-well-tolerated", rating: grading.RatingAccurate, certainty: "low"},
			{key: "fr-003-side-effects-very-rare", rating: grading.RatingOverstated, certainty: "low", has: []string{"inaccurate_wording"}},
			{key: "fr-003-excellent-safety", rating: grading.RatingUnproven, certainty: "low"},
			// Mesotherapy works: only very low certainty evidence.
			{key: "de-000-effective-certain-back-pain", rating: grading.RatingUnproven, certainty: "very_low"},
			// No number and no smallest important difference: not rated.
			{key: "en-002-fat-mobilisation", rating: grading.RatingNotRated},
			// Statements about the literature, rated by the editor.
			{key: "de-000-not-fully-proven", rating: grading.RatingAccurate, source: grading.SourceEditor, hasNot: []string{"unsupported"}},
			{key: "de-000-no-study-proved-efficacy", rating: grading.RatingAccurate, source: grading.SourceEditor, hasNot: []string{"unsupported"}},
			// Advice to see a specialist first: asserts nothing checkable and
			// deliberately not searched, so not rated.
			{key: "it-001-specialist-visit-first", rating: grading.RatingNotRated, has: []string{"unsupported"}},
		}
		for _, tt := range tests {
			c := byKey(tt.key)
			if tt.source == "" {
				tt.source = grading.SourceRule
			}
			if c.Rating != tt.rating || c.RatingSource != tt.source {
				t.Errorf("rating(%s) = %s (%s), want %s (%s): %s", tt.key, c.Rating, c.RatingSource, tt.rating, tt.source, c.RatingExplanation)
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
		// GRADE certainty (DESIGN "Case evidence"); by consensus, or by the
		// editor where the reviewers differed.
		caseReviews, adjudicated := 0, 0
		for _, r := range d.Reviews {
			if r.Assessments[0].Attribution != nil {
				caseReviews++
				if r.Adjudication != nil {
					adjudicated++
				}
			}
		}
		var caseEvidence []models.Finding
		if err := st.DB().Preload("Grade").Where("grade_id IS NOT NULL AND measure IS NULL AND question_id IN (?)",
			st.DB().Table("questions").Select("id").Where("comparator_kind = 'none' AND outcome_kind = 'harm'")).Order("id").
			Find(&caseEvidence).Error; err != nil {
			t.Fatal(err)
		}
		if len(caseEvidence) != caseReviews || caseReviews < 6 {
			t.Errorf("%d graded case-evidence findings, want the demo's %d", len(caseEvidence), caseReviews)
		}
		methods := map[grading.Method]int{}
		for _, f := range caseEvidence {
			g := f.Grade
			methods[g.Method]++
			if f.Certainty != nil || grading.Deref(f.OccurrenceCertainty) != grading.Low || g.Certainty != nil ||
				grading.Deref(g.OccurrenceCertainty) != grading.Low || g.Attribution == nil || *g.Attribution != grading.AttributionProbable {
				t.Errorf("case evidence %d: certainty %v occurrence %v, grade %+v", f.ID, f.Certainty, f.OccurrenceCertainty, g)
			}
		}
		if methods[grading.MethodAdjudicated] != adjudicated || methods[grading.MethodConsensus] != caseReviews-adjudicated {
			t.Errorf("case-evidence grades by method %v, want %d adjudicated and the rest by consensus", methods, adjudicated)
		}
		// Every claim without a usable finding has a documented search,
		// but the one that gives advice (nothing to search for).
		for _, c := range rows {
			reason := grading.RatingRule(c.RatingReason)
			if (reason == grading.RuleNotYetSearched || reason == grading.RuleNoMatchingFinding) &&
				c.Summary != "See a specialist for a diagnosis before mesotherapy" {
				t.Errorf("claim %q: %s, want a documented search", c.Text, reason)
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
			// not_rated, unproven because a search found nothing, or an
			// editor's rating of a wording the rules do not rate.
			unrated := c.Rating == grading.RatingNotRated || strings.HasPrefix(c.RatingExplanation, "unproven (no_evidence_found)") ||
				c.RatingSource == grading.SourceEditor
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

// TestSeedSearches: the loader records the demo's documented searches
// (database other: the stored-page search the research ran, never
// presented as PubMed), so a claim no study answers is unproven
// (no_evidence_found) with its searches in the explanation, a search that
// led to a catalogued source keeps it, and a second load changes nothing.
func TestSeedSearches(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		d, err := dataset.Load()
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range d.Claims {
			total += len(c.Searches)
			for _, s := range c.Searches {
				if s.Database != grading.DatabaseOther || s.Note == nil || !strings.Contains(*s.Note, "not a PubMed") {
					t.Errorf("claim %s: search %q in %s: the demo's searches are stored-page searches (other), said so in the note", c.Key, s.Query, s.Database)
				}
			}
		}
		asthma, ok := d.Claim("en-002-micro-vaccination-asthma")
		migraine, ok2 := d.Claim("de-000-migraine-headache")
		if !ok || !ok2 || len(asthma.Searches) != 3 || len(migraine.Searches) != 1 || len(migraine.Searches[0].Sources) != 1 {
			t.Fatalf("the demo's micro-vaccination and migraine claims and their searches: %+v %+v", asthma.Searches, migraine.Searches)
		}
		ctx := context.Background()
		sum, err := dataset.Seed(ctx, st, d, 2)
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if sum.Searches != total || !strings.Contains(sum.String(), fmt.Sprintf("%d evidence searches", total)) {
			t.Errorf("Seed summary = %+v (%s), want %d searches", sum, sum, total)
		}
		claimOf := func(c dataset.Claim) models.Claim {
			t.Helper()
			var m models.Claim
			if err := st.DB().Where("text = ? AND summary = ?", c.Text, c.Summary).Take(&m).Error; err != nil {
				t.Fatal(err)
			}
			return m
		}
		c := claimOf(asthma)
		if c.Rating != grading.RatingUnproven || !strings.Contains(c.RatingExplanation, "(no_evidence_found)") ||
			!strings.Contains(c.RatingExplanation, "another database on 2026-12-07") || !strings.Contains(c.RatingExplanation, "8 hits, 8 screened") {
			t.Errorf("the searched claim = %s: %s", c.Rating, c.RatingExplanation)
		}
		var searches []models.EvidenceSearch
		if err := st.DB().Preload("Sources").Where("claim_id = ?", c.ID).Order("id").Find(&searches).Error; err != nil {
			t.Fatal(err)
		}
		if len(searches) != 3 || searches[0].CreatedBy != "seed" || searches[0].Database != grading.DatabaseOther ||
			!searches[0].SearchedAt.Equal(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("stored searches = %+v", searches)
		}
		var led []models.EvidenceSearch
		if err := st.DB().Preload("Sources").Where("claim_id = ?", claimOf(migraine).ID).Find(&led).Error; err != nil {
			t.Fatal(err)
		}
		if len(led) != 1 || len(led[0].Sources) != 1 {
			t.Errorf("the migraine search = %+v, want the one source it led to", led)
		}
		before := counts(t, st)
		if again, err := dataset.Seed(ctx, st, d, 2); err != nil || again.Loaded {
			t.Fatalf("second Seed = %+v, %v", again, err)
		}
		if after := counts(t, st); !mapsEqual(before, after) || testenv.Count(t, st, "evidence_searches", "") != int64(total) {
			t.Errorf("seeding twice changed the database")
		}
	})
}
