package review_test

import (
	"context"
	"testing"

	"claimgrade/models"
	"claimgrade/store"
)

// reviewFixture is a therapy, two reviewers and an editor; questions,
// findings and sources are made through the store.
type reviewFixture struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	sys    store.Actor
	r1, r2 store.Actor
	editor store.Actor
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
