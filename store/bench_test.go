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
// therapies, four languages and the claim types. Every claim is ungraded;
// one in ten has supporting evidence (verdict ungraded, else unsupported
// with the unsupported flag), one in twenty is contradicted, one in fifty
// has a certainty. It returns the ids in order.
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
			SearchText: text, Verdict: "unsupported", Version: 1}
		if i%10 == 0 {
			c.Verdict, c.SupportCount = "ungraded", 1
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
		if c.Verdict == "unsupported" {
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

// linkSources links k new RCTs to claim as supporting evidence, through
// the store.
func linkSources(tb testing.TB, st *store.Store, claim int64, k int) {
	tb.Helper()
	ctx := context.Background()
	for i := range k {
		src, err := st.CreateSource(ctx, store.System("bench"), store.SourceInput{Kind: "rct", Title: fmt.Sprintf("Trial %d of claim %d", i, claim)})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := st.CreateLink(ctx, store.System("bench"), claim, store.LinkInput{SourceID: src.ID, Role: grading.RoleEvidence, Stance: catalogStr(grading.Supports)}); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkListClaims lists pages of 50 out of 10,000 claims on each
// backend: the first page, a deep page, and filtered pages.
//
//	go test ./store -run '^$' -bench . -benchtime 200x
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
			{"verdict", store.ClaimFilter{Verdict: "ungraded", Page: store.Page{After: ids[5000]}}},
			{"two_flags", store.ClaimFilter{Flags: []grading.Flag{"contradicted", "ungraded"}}},
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

// BenchmarkGetClaim reads a claim with 20 links (20 sources), its flags
// and grade, among 10,000 claims.
func BenchmarkGetClaim(b *testing.B) {
	ctx := context.Background()
	for _, be := range testenv.Backends() {
		st := testenv.Open(b, be)
		ids := bulkClaims(b, st, 10_000)
		claim := ids[len(ids)/2]
		linkSources(b, st, claim, 20)
		b.Run(be.Name+"/20_links", func(b *testing.B) {
			for b.Loop() {
				d, err := st.GetClaim(ctx, claim)
				if err != nil || len(d.Links) != 20 {
					b.Fatalf("GetClaim = %d links, %v", len(d.Links), err)
				}
			}
		})
	}
}
