package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// reviewFixture is a therapy, some reviewers and an editor, acting through
// the store.
type reviewFixture struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	sys    store.Actor
	r1, r2 store.Actor
	editor store.Actor
	n      int
}

func newReviewFixture(t *testing.T, st *store.Store) *reviewFixture {
	t.Helper()
	f := &reviewFixture{t: t, ctx: context.Background(), st: st, sys: store.System("test")}
	if _, err := st.CreateTherapy(f.ctx, f.sys, store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy", Description: "Micro-injections.",
		Aliases: []store.AliasInput{{Alias: "Mesotherapie", Language: "de"}}}); err != nil {
		t.Fatalf("CreateTherapy: %v", err)
	}
	f.r1, f.r2 = f.user("rev-a", models.RoleReviewer), f.user("rev-b", models.RoleReviewer)
	f.editor = f.user("ed", models.RoleEditor)
	return f
}

func (f *reviewFixture) user(name string, role models.Role) store.Actor {
	f.t.Helper()
	u, err := f.st.EnsureUser(f.ctx, f.sys, name, role)
	if err != nil {
		f.t.Fatalf("EnsureUser(%s): %v", name, err)
	}
	return store.ActorFor(u, "req-"+name)
}

// claim makes a claim with one evidence link per kind:stance pair.
func (f *reviewFixture) claim(evidence ...[2]string) int64 {
	f.t.Helper()
	f.n++
	c, err := f.st.CreateClaim(f.ctx, f.sys, store.ClaimInput{Therapy: "mesotherapy", Text: fmt.Sprintf("Claim %d", f.n), Language: "en", ClaimType: "efficacy"})
	if err != nil {
		f.t.Fatalf("CreateClaim: %v", err)
	}
	for _, e := range evidence {
		f.n++
		src, err := f.st.CreateSource(f.ctx, f.sys, store.SourceInput{Kind: grading.SourceKind(e[0]), Title: fmt.Sprintf("Study %d", f.n)})
		if err != nil {
			f.t.Fatalf("CreateSource: %v", err)
		}
		stance := grading.Stance(e[1])
		if _, err := f.st.CreateLink(f.ctx, f.sys, c.ID, store.LinkInput{SourceID: src.ID, Role: grading.RoleEvidence, Stance: &stance}); err != nil {
			f.t.Fatalf("CreateLink: %v", err)
		}
	}
	return c.ID
}

func TestFlagCounts(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		f.claim()
		f.claim([2]string{"cohort", "refutes"})
		for _, therapy := range []string{"", "mesotherapy", "Mesotherapie"} {
			got, err := st.FlagCounts(f.ctx, therapy)
			want := map[string]int64{"unsupported": 2, "contradicted": 1, "low_certainty": 0, "ungraded": 2, "stale_grade": 0,
				"retracted_evidence": 0, "reviewer_disagreement": 0}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("FlagCounts(%q) = %v, %v; want %v", therapy, got, err, want)
			}
		}
		if _, err := st.FlagCounts(f.ctx, "reiki"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FlagCounts(unknown) = %v, want ErrNotFound", err)
		}
	})
}
