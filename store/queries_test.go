package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

var queryActor = store.System("test")

func catalogStr[T ~string](s T) *T { return &s }

// seedQueryClaims creates n claims through the store, each carrying the
// two flags of a new claim (unsupported, ungraded).
func seedQueryClaims(t *testing.T, st *store.Store, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := st.GetTherapy(ctx, "mesotherapy"); err != nil {
		if _, err := st.CreateTherapy(ctx, queryActor, store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy",
			Aliases: []store.AliasInput{{Alias: "Mesotherapie", Language: "de"}}}); err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]int64, n)
	for i := range n {
		c, err := st.CreateClaim(ctx, queryActor, store.ClaimInput{Therapy: "Mesotherapie", Text: fmt.Sprintf("Behauptung %d ist schmerzfrei", i),
			Language: "de", TextEn: catalogStr("claim"), ClaimType: "efficacy"})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Flags) != 2 {
			t.Fatalf("new claim has flags %v, want 2", c.Flags)
		}
		ids[i] = c.ID
	}
	return ids
}

// TestQueryCountListClaims proves that a page of claims, with each claim's
// therapy slug and flags, is one statement whatever its size; a therapy
// filter adds one look-up of the therapy's id.
func TestQueryCountListClaims(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedQueryClaims(t, st, 60)
		counter := testenv.CountQueries(t, st)
		tests := []struct {
			name   string
			filter store.ClaimFilter
			want   int // statements
		}{
			{"no filter", store.ClaimFilter{}, 1},
			{"flags", store.ClaimFilter{Flags: []grading.Flag{"ungraded", "unsupported"}}, 1},
			{"q", store.ClaimFilter{Q: "schmerzfrei"}, 1},
			{"therapy alias", store.ClaimFilter{Therapy: "Mesotherapie"}, 2},
			{"every filter", store.ClaimFilter{Therapy: "mesotherapy", Flags: []grading.Flag{"ungraded"}, Rating: "not_rated", Language: "de", Assertion: "other", ClaimType: "efficacy", Q: "SCHMERZFREI"}, 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				counts := map[int]int{}
				for _, limit := range []int{5, 50} {
					f := tt.filter
					f.Page = store.Page{Limit: limit}
					var rows []models.Claim
					n, sqls := counter.Count(func() {
						var err error
						if rows, _, err = st.ListClaims(ctx, f); err != nil {
							t.Fatalf("ListClaims: %v", err)
						}
					})
					if len(rows) != limit {
						t.Fatalf("ListClaims(limit %d) returned %d claims, want %d", limit, len(rows), limit)
					}
					for _, c := range rows {
						if c.Therapy.Slug != "mesotherapy" || len(c.Flags) != 2 {
							t.Fatalf("claim %d: therapy %q, flags %v; want both loaded", c.ID, c.Therapy.Slug, c.Flags)
						}
					}
					counts[limit] = n
					t.Logf("%s/%s: a page of %d claims took %d queries:\n  %s", st.Dialect(), tt.name, limit, n, strings.Join(sqls, "\n  "))
				}
				if counts[5] != tt.want || counts[50] != tt.want {
					t.Errorf("ListClaims(%s) statements: page of 5 = %d, page of 50 = %d; want %d", tt.name, counts[5], counts[50], tt.want)
				}
			})
		}
	})
}

// TestQueryCountGetClaim proves that a claim with its links, their sources
// and its findings is one statement with 2 links as with 20.
func TestQueryCountGetClaim(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ids := seedQueryClaims(t, st, 2)
		one, twenty := ids[0], ids[1]
		q, err := st.CreateQuestion(ctx, queryActor, store.QuestionInput{Therapy: "mesotherapy", Population: "adults",
			Intervention: "mesotherapy", ComparatorKind: grading.ComparatorInactive, Comparator: catalogStr("placebo"),
			Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit, Direction: grading.HigherIsBetter})
		if err != nil {
			t.Fatal(err)
		}
		// 15 findings (each on its own trial) and 5 appearances.
		for i := range 20 {
			kind := grading.KindRCT
			if i%4 == 3 {
				kind = grading.KindWebArticle
			}
			src, err := st.CreateSource(ctx, queryActor, store.SourceInput{Kind: kind, Title: fmt.Sprintf("Source %d", i), DOI: catalogStr(fmt.Sprintf("10.1000/q%d", i))})
			if err != nil {
				t.Fatal(err)
			}
			targets := []int64{twenty}
			if i == 0 || i == 3 {
				targets = append(targets, one)
			}
			if kind == grading.KindWebArticle {
				for _, c := range targets {
					if _, err := st.CreateAppearance(ctx, queryActor, c, store.AppearanceInput{SourceID: src.ID}); err != nil {
						t.Fatal(err)
					}
				}
				continue
			}
			f, err := st.CreateFinding(ctx, queryActor, store.FindingInput{QuestionID: q.ID, Summary: fmt.Sprintf("Trial %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.AttachSource(ctx, queryActor, f.ID, store.FindingSourceInput{SourceID: src.ID}); err != nil {
				t.Fatal(err)
			}
			for _, c := range targets {
				if _, err := st.LinkFinding(ctx, queryActor, c, store.ClaimFindingInput{FindingID: f.ID, Stance: grading.Supports}); err != nil {
					t.Fatal(err)
				}
			}
		}
		counter := testenv.CountQueries(t, st)
		counts := map[int]int{}
		for _, tt := range []struct {
			id    int64
			links int
		}{{one, 2}, {twenty, 20}} {
			var d store.ClaimDetail
			n, sqls := counter.Count(func() {
				var err error
				if d, err = st.GetClaim(ctx, tt.id); err != nil {
					t.Fatalf("GetClaim: %v", err)
				}
			})
			if len(d.Findings)+len(d.Appearances) != tt.links {
				t.Fatalf("GetClaim(%d) has %d findings and %d appearances, want %d in all", tt.id, len(d.Findings), len(d.Appearances), tt.links)
			}
			for _, l := range d.Appearances {
				if l.Source.ID != l.SourceID || l.Source.Title == "" {
					t.Fatalf("appearance %d: source not loaded: %+v", l.ID, l.Source)
				}
			}
			for _, cf := range d.Findings {
				if cf.Finding.ID != cf.FindingID || cf.Finding.Question.Outcome == "" || len(cf.Finding.Sources) != 1 || cf.Finding.Sources[0].Source.Title == "" {
					t.Fatalf("claim finding %d: finding not loaded: %+v", cf.ID, cf.Finding)
				}
			}
			if d.Claim.Therapy.Slug == "" || len(d.Claim.Flags) == 0 {
				t.Fatalf("GetClaim(%d): therapy %q flags %v, want both loaded", tt.id, d.Claim.Therapy.Slug, d.Claim.Flags)
			}
			counts[tt.links] = n
			t.Logf("%s: a claim with %d links took %d queries:\n  %s", st.Dialect(), tt.links, n, strings.Join(sqls, "\n  "))
		}
		// The claim with its therapy and flags, appearances with their sources
		// and includes, finding links with each finding's question, flags,
		// grade and sources: one statement (store/documents.go).
		if counts[2] != 1 || counts[20] != 1 {
			t.Errorf("GetClaim statements: 2 links = %d, 20 links = %d; want 1", counts[2], counts[20])
		}

		// The same holds for a claim's appearances page.
		linkCounts := map[int]int{}
		for _, tt := range []struct {
			id    int64
			links int
		}{{one, 1}, {twenty, 5}} {
			n, _ := counter.Count(func() {
				rows, _, err := st.ListAppearances(ctx, tt.id, store.Page{})
				if err != nil || len(rows) != tt.links {
					t.Fatalf("ListAppearances(%d) = %d rows, %v; want %d", tt.id, len(rows), err, tt.links)
				}
			})
			linkCounts[tt.links] = n
		}
		if linkCounts[1] != linkCounts[5] {
			t.Errorf("ListAppearances queries: 1 appearance = %d, 5 appearances = %d; want equal", linkCounts[1], linkCounts[5])
		}
	})
}

// TestQueryCountSourceDetail proves that a source linked by many claims
// costs the same queries as one linked by one.
func TestQueryCountSourceDetail(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		claims := seedQueryClaims(t, st, 20)
		few, err := st.CreateSource(ctx, queryActor, store.SourceInput{Kind: "web_article", Title: "Few"})
		if err != nil {
			t.Fatal(err)
		}
		many, err := st.CreateSource(ctx, queryActor, store.SourceInput{Kind: "news", Title: "Many"})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range claims {
			if _, err := st.CreateAppearance(ctx, queryActor, c, store.AppearanceInput{SourceID: many.ID}); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if _, err := st.CreateAppearance(ctx, queryActor, c, store.AppearanceInput{SourceID: few.ID}); err != nil {
					t.Fatal(err)
				}
			}
		}
		counter := testenv.CountQueries(t, st)
		counts := map[int]int{}
		for _, tt := range []struct {
			id     int64
			claims int
		}{{few.ID, 1}, {many.ID, 20}} {
			n, _ := counter.Count(func() {
				d, err := st.GetSource(ctx, tt.id)
				if err != nil || len(d.Links) != tt.claims {
					t.Fatalf("GetSource(%d) = %d links, %v; want %d", tt.id, len(d.Links), err, tt.claims)
				}
				for _, l := range d.Links {
					if l.Claim.ID != l.Link.ClaimID || l.Claim.Therapy.Slug == "" {
						t.Fatalf("link %d: claim not loaded: %+v", l.Link.ID, l.Claim)
					}
				}
			})
			counts[tt.claims] = n
		}
		t.Logf("%s: GetSource queries: 1 claim = %d, 20 claims = %d", st.Dialect(), counts[1], counts[20])
		if counts[1] != counts[20] || counts[20] > 5 {
			t.Errorf("GetSource queries: 1 claim = %d, 20 claims = %d; want equal and <= 5", counts[1], counts[20])
		}
	})
}
