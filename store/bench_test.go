package store_test

import (
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm/clause"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// bulkClaims inserts n claims straight into the tables (far faster than
// the API, which derives and audits every claim), spread over two
// therapies, four languages and the claim types, in the state the rules
// leave them: one in ten is rated accurate on a supporting finding, the
// rest not_rated (flag unsupported); one in twenty is also contradicted;
// one in fifty has a certainty; every claim is ungraded. It returns the ids
// in order.
func bulkClaims(tb testing.TB, st *store.Store, n int) []int64 {
	tb.Helper()
	ctx := context.Background()
	var therapies []int64
	for _, slug := range []string{"mesotherapy", "infusion-therapy"} {
		t, err := st.GetTherapy(ctx, slug)
		if err != nil {
			if t, err = st.CreateTherapy(ctx, store.System("bench"), store.TherapyInput{Slug: slug, Name: slug}); err != nil {
				tb.Fatal(err)
			}
		}
		therapies = append(therapies, t.ID)
	}
	languages := []string{"de", "fr", "it", "en"}
	claims := make([]models.Claim, n)
	for i := range claims {
		text := fmt.Sprintf("Behauptung %d: die Behandlung ist nahezu schmerzfrei", i)
		c := models.Claim{TherapyID: therapies[i%2], Text: text, Language: languages[i%4], ClaimType: grading.ClaimTypes()[i%len(grading.ClaimTypes())],
			SearchText: text, Assertion: grading.AssertEffect, Hedge: grading.HedgeNone, Rating: grading.RatingNotRated,
			RatingSource: grading.SourceRule, Version: 1}
		if i%10 == 0 {
			c.Rating, c.SupportCount = grading.RatingAccurate, 1
		}
		if i%20 == 0 {
			c.RefuteCount = 1
		}
		if i%50 == 0 {
			c.Certainty = catalogStr(grading.Moderate)
		}
		claims[i] = c
	}
	db := st.DB().WithContext(ctx)
	if err := db.Omit(clause.Associations).CreateInBatches(&claims, 500).Error; err != nil {
		tb.Fatalf("insert claims: %v", err)
	}
	ids := make([]int64, n)
	var flags []models.ClaimFlag
	for i, c := range claims {
		ids[i] = c.ID
		flags = append(flags, models.ClaimFlag{Flag: "ungraded", ClaimID: c.ID})
		if c.Rating != grading.RatingAccurate {
			flags = append(flags, models.ClaimFlag{Flag: "unsupported", ClaimID: c.ID})
		}
		if c.RefuteCount > 0 {
			flags = append(flags, models.ClaimFlag{Flag: "contradicted", ClaimID: c.ID})
		}
	}
	if err := db.CreateInBatches(&flags, 1000).Error; err != nil {
		tb.Fatalf("insert flags: %v", err)
	}
	if testenv.Postgres(st) {
		if err := db.Exec("ANALYZE").Error; err != nil {
			tb.Fatalf("analyze: %v", err)
		}
	}
	return ids
}

// linkFindings links k new findings (each resting on a new RCT) to claim
// as supporting, through the store.
func linkFindings(tb testing.TB, st *store.Store, claim int64, k int) {
	tb.Helper()
	ctx := context.Background()
	sys := store.System("bench")
	q, err := st.CreateQuestion(ctx, sys, store.QuestionInput{Therapy: "mesotherapy", Population: "adults with low back pain",
		Intervention: "mesotherapy", Comparator: catalogStr("placebo"), ComparatorKind: grading.ComparatorInactive,
		Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit, Direction: grading.HigherIsBetter})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range k {
		src, err := st.CreateSource(ctx, sys, store.SourceInput{Kind: "rct", Title: fmt.Sprintf("Trial %d of claim %d", i, claim)})
		if err != nil {
			tb.Fatal(err)
		}
		f, err := st.CreateFinding(ctx, sys, store.FindingInput{QuestionID: q.ID, Summary: fmt.Sprintf("Trial %d", i)})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := st.AttachSource(ctx, sys, f.ID, store.FindingSourceInput{SourceID: src.ID}); err != nil {
			tb.Fatal(err)
		}
		if _, err := st.LinkFinding(ctx, sys, claim, store.ClaimFindingInput{FindingID: f.ID, Stance: grading.Supports}); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkListClaims lists pages of 50 out of 10,000 claims on each
// backend: the first page, a deep page, and filtered pages.
//
//	go test ./store -run '^$' -bench ListClaims -benchtime 200x
func BenchmarkListClaims(b *testing.B) {
	ctx := context.Background()
	for _, be := range testenv.Backends() {
		st := testenv.Open(b, be)
		ids := bulkClaims(b, st, 10_000)
		for _, bc := range []struct {
			name string
			f    store.ClaimFilter
		}{
			{"first_page", store.ClaimFilter{}},
			{"deep_page", store.ClaimFilter{Page: store.Page{After: ids[9000]}}},
			{"therapy_alias", store.ClaimFilter{Therapy: "mesotherapy"}},
			{"rating", store.ClaimFilter{Rating: grading.RatingAccurate, Page: store.Page{After: ids[5000]}}},
			{"two_flags", store.ClaimFilter{Flags: []grading.Flag{"contradicted", "ungraded"}}},
			// A deep cursor with a flag that most claims carry, and with one
			// that one claim in twenty carries: the cursor must bound the
			// flag index read, not only the claims.
			{"flag_deep", store.ClaimFilter{Flags: []grading.Flag{"unsupported"}, Page: store.Page{After: ids[8000]}}},
			{"rare_flag_deep", store.ClaimFilter{Flags: []grading.Flag{"contradicted"}, Page: store.Page{After: ids[5000]}}},
			{"language_type", store.ClaimFilter{Language: "de", ClaimType: "efficacy"}},
			{"q", store.ClaimFilter{Q: "SCHMERZFREI"}},
		} {
			b.Run(be.Name+"/"+bc.name, func(b *testing.B) {
				f := bc.f
				f.Page.Limit = 50
				for b.Loop() {
					rows, _, err := st.ListClaims(ctx, f)
					if err != nil || len(rows) == 0 {
						b.Fatalf("ListClaims = %d rows, %v", len(rows), err)
					}
				}
			})
		}
	}
}

// BenchmarkGetClaim reads a claim with 20 findings (each with its question
// and source) and its flags, among 10,000 claims.
func BenchmarkGetClaim(b *testing.B) {
	ctx := context.Background()
	for _, be := range testenv.Backends() {
		st := testenv.Open(b, be)
		ids := bulkClaims(b, st, 10_000)
		claim := ids[len(ids)/2]
		linkFindings(b, st, claim, 20)
		b.Run(be.Name+"/20_findings", func(b *testing.B) {
			for b.Loop() {
				d, err := st.GetClaim(ctx, claim)
				if err != nil || len(d.Findings) != 20 {
					b.Fatalf("GetClaim = %d findings, %v", len(d.Findings), err)
				}
			}
		})
	}
}
