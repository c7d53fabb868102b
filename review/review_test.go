package review_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/review"
	"claimgrade/store"
)

// reviewFixture is a therapy, some reviewers and an editor; claims and
// links are made through the store.
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

func (f *reviewFixture) events(claimID int64, action string) []models.AuditEvent {
	f.t.Helper()
	var evs []models.AuditEvent
	if err := f.st.DB().Where("claim_id = ? AND action = ?", claimID, action).Order("id").Find(&evs).Error; err != nil {
		f.t.Fatal(err)
	}
	return evs
}

func (f *reviewFixture) flags(claimID int64) []string {
	f.t.Helper()
	d, err := f.st.GetClaim(f.ctx, claimID)
	if err != nil {
		f.t.Fatalf("GetClaim: %v", err)
	}
	out := []string{}
	for _, fl := range d.Claim.Flags {
		out = append(out, string(fl.Flag))
	}
	return out
}

var (
	rct      = [2]string{"rct", "supports"}
	plain    = review.AssessmentInput{RiskOfBias: "not_serious", Inconsistency: "not_serious", Indirectness: "not_serious", Imprecision: "not_serious", PublicationBias: "not_serious", LargeEffect: "none", Verdict: "supported"}
	downOnce = func() review.AssessmentInput {
		in := plain
		in.RiskOfBias, in.Rationale = "serious", "unblinded"
		return in
	}()
)

func TestPutAssessmentVersions(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		claimID := f.claim(rct)

		var pe *store.PreconditionError
		if _, _, err := review.New(st).PutAssessment(f.ctx, f.r1, claimID, 2, plain); !errors.As(err, &pe) || pe.Current != 0 {
			t.Errorf("PutAssessment(version 2, no draft) = %v, want *PreconditionError{0}", err)
		}
		as, created, err := review.New(st).PutAssessment(f.ctx, f.r1, claimID, 0, downOnce)
		if err != nil || !created || as.Version != 1 || *as.Certainty != "moderate" || as.Reviewer.Name != "rev-a" || as.Status != grading.StatusDraft {
			t.Fatalf("PutAssessment(new) = %+v, %v, %v; want a moderate draft v1 by rev-a", as, created, err)
		}
		var pre *store.PreconditionRequiredError
		if _, _, err := review.New(st).PutAssessment(f.ctx, f.r1, claimID, 0, plain); !errors.As(err, &pre) || pre.Current != 1 || !errors.Is(err, store.ErrPreconditionRequired) {
			t.Errorf("PutAssessment(version 0, draft exists) = %v, want *PreconditionRequiredError{Current: 1}", err)
		}
		if _, _, err := review.New(st).PutAssessment(f.ctx, f.r1, claimID, 5, plain); !errors.As(err, &pe) || pe.Current != 1 {
			t.Errorf("PutAssessment(stale version) = %v, want *PreconditionError{1}", err)
		}
		as, created, err = review.New(st).PutAssessment(f.ctx, f.r1, claimID, 1, plain)
		if err != nil || created || as.Version != 2 || *as.Certainty != "high" {
			t.Fatalf("PutAssessment(update) = %+v, %v, %v; want a high draft v2", as, created, err)
		}
		if as.Derivation.Format != grading.DerivationFormat || as.Derivation.Result != grading.High {
			t.Errorf("stored derivation %+v, want format %d with result high", as.Derivation, grading.DerivationFormat)
		}
		if _, _, err := review.New(st).SubmitAssessment(f.ctx, f.r1, claimID, 2); err != nil {
			t.Fatalf("SubmitAssessment: %v", err)
		}
		var ce *store.ConflictError
		if _, _, err := review.New(st).PutAssessment(f.ctx, f.r1, claimID, 3, plain); !errors.As(err, &ce) || ce.ExistingID != as.ID {
			t.Errorf("PutAssessment(submitted) = %v, want *ConflictError naming %d", err, as.ID)
		}
		if _, _, err := review.New(st).SubmitAssessment(f.ctx, f.r1, claimID, 2); !errors.As(err, &ce) {
			t.Errorf("SubmitAssessment twice = %v, want *ConflictError", err)
		}
		if _, _, err := review.New(st).SubmitAssessment(f.ctx, f.r2, claimID, 2); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SubmitAssessment without a draft = %v, want ErrNotFound", err)
		}
		var ve *store.ValidationError
		bad := plain
		bad.LargeEffect = "large"
		if _, _, err := review.New(st).PutAssessment(f.ctx, f.r2, claimID, 0, bad); !errors.As(err, &ve) || ve.Problems[0].Field != "large_effect" {
			t.Errorf("PutAssessment(upgrade on rct) = %v, want a large_effect problem", err)
		}
		for _, a := range []store.Actor{f.sys, f.user("rd", models.RoleReader)} {
			if _, _, err := review.New(st).PutAssessment(f.ctx, a, claimID, 0, plain); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("PutAssessment by %s = %v, want ErrForbidden", a.Name, err)
			}
		}
		for action, n := range map[string]int{"assessment.created": 1, "assessment.updated": 1, "assessment.submitted": 1} {
			evs := f.events(claimID, action)
			if len(evs) != n || evs[0].ActorName != "rev-a" || evs[0].EntityID != as.ID || *evs[0].RequestID != "req-rev-a" {
				t.Errorf("%s events = %+v, want %d by rev-a on assessment %d", action, evs, n, as.ID)
			}
		}
	})
}

func TestSubmitAssessmentConsensus(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		claimID := f.claim(rct)
		a1, _, _ := review.New(st).PutAssessment(f.ctx, f.r1, claimID, 0, downOnce)
		a2, _, _ := review.New(st).PutAssessment(f.ctx, f.r2, claimID, 0, downOnce)
		if _, g, err := review.New(st).SubmitAssessment(f.ctx, f.r1, claimID, 2); err != nil || g != nil {
			t.Fatalf("first SubmitAssessment = grade %v, %v; want no grade", g, err)
		}
		sub, g, err := review.New(st).SubmitAssessment(f.ctx, f.r2, claimID, 2)
		if err != nil || g == nil {
			t.Fatalf("second SubmitAssessment = grade %v, %v; want a grade", g, err)
		}
		if sub.Status != grading.StatusSubmitted || sub.SubmittedAt == nil {
			t.Errorf("submitted assessment = %+v", sub)
		}
		d, err := st.GetClaim(f.ctx, claimID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Method != grading.MethodConsensus || *g.Certainty != "moderate" || g.Verdict != "supported" || g.DecidedBy != "rev-a, rev-b" ||
			!slices.Equal(g.AssessmentIDs, []int64{a1.ID, a2.ID}) || g.EvidenceRevision != d.Claim.EvidenceRevision || !reflect.DeepEqual(g.Derivation, a1.Derivation) {
			t.Errorf("consensus grade = %+v", g)
		}
		if d.Grade == nil || d.Grade.ID != g.ID || d.Claim.Verdict != "supported" || *d.Claim.Certainty != "moderate" || len(d.Claim.Flags) != 0 {
			t.Errorf("claim after consensus = %+v grade %+v", d.Claim, d.Grade)
		}
		if d.Derivation.Result.String() != "moderate" || len(d.Derivation.Steps) != 8 {
			t.Errorf("claim derivation = %+v, want the consensus one", d.Derivation)
		}
		evs := f.events(claimID, "grade.decided")
		if len(evs) != 1 || evs[0].EntityID != g.ID || evs[0].ActorName != "rev-b" {
			t.Errorf("grade.decided events = %+v", evs)
		}
		// Within one transaction, as the demo dataset loads.
		other := f.claim(rct)
		err = st.InTx(f.ctx, func(tx *store.Store) error {
			for _, a := range []store.Actor{f.r1, f.r2} {
				if _, _, err := review.New(tx).PutAssessment(f.ctx, a, other, 0, plain); err != nil {
					return err
				}
				if _, _, err := review.New(tx).SubmitAssessment(f.ctx, a, other, 2); err != nil {
					return err
				}
			}
			_, err := review.New(tx).Adjudicate(f.ctx, f.editor, other, review.GradeInput{Certainty: certainty("moderate"), Verdict: "supported", Rationale: "re-grade"})
			return err
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		var methods []string
		st.DB().Model(&models.Grade{}).Where("claim_id = ?", other).Order("id").Pluck("method", &methods)
		if !slices.Equal(methods, []string{"consensus", "adjudicated"}) {
			t.Errorf("grades in one transaction = %v, want consensus then adjudicated", methods)
		}
	})
}

func TestListAssessmentsBlinding(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		claimID := f.claim(rct)
		a1, _, _ := review.New(st).PutAssessment(f.ctx, f.r1, claimID, 0, plain)
		a2, _, _ := review.New(st).PutAssessment(f.ctx, f.r2, claimID, 0, plain)
		ids := func(a store.Actor) []int64 {
			t.Helper()
			rows, err := review.New(st).ListAssessments(f.ctx, a, claimID)
			if err != nil {
				t.Fatalf("ListAssessments(%s): %v", a.Name, err)
			}
			out := []int64{}
			for _, r := range rows {
				if r.Reviewer.Name == "" {
					t.Errorf("assessment %d without its reviewer", r.ID)
				}
				out = append(out, r.ID)
			}
			return out
		}
		tests := []struct {
			step string
			who  store.Actor
			want []int64
		}{
			{"drafts", f.r1, []int64{a1.ID}},
			{"drafts", f.r2, []int64{a2.ID}},
			{"drafts", f.editor, []int64{a1.ID, a2.ID}},
		}
		for _, tt := range tests {
			if got := ids(tt.who); !slices.Equal(got, tt.want) {
				t.Errorf("%s: ListAssessments(%s) = %v, want %v", tt.step, tt.who.Name, got, tt.want)
			}
		}
		review.New(st).SubmitAssessment(f.ctx, f.r1, claimID, 2)
		if got := ids(f.r2); !slices.Equal(got, []int64{a2.ID}) {
			t.Errorf("after rev-a submits, rev-b (draft) sees %v, want %v", got, []int64{a2.ID})
		}
		if got := ids(f.r1); !slices.Equal(got, []int64{a1.ID}) {
			t.Errorf("rev-a (submitted) sees %v, want only %v: rev-b's draft stays hidden", got, []int64{a1.ID})
		}
		review.New(st).SubmitAssessment(f.ctx, f.r2, claimID, 2)
		if got := ids(f.r2); !slices.Equal(got, []int64{a1.ID, a2.ID}) {
			t.Errorf("after both submit, rev-b sees %v", got)
		}
		for _, a := range []store.Actor{f.user("rd", models.RoleReader), {Name: "anonymous"}} {
			if _, err := review.New(st).ListAssessments(f.ctx, a, claimID); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("ListAssessments(%s) = %v, want ErrForbidden", a.Name, err)
			}
		}
		if _, err := review.New(st).ListAssessments(f.ctx, f.editor, 424242); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ListAssessments(unknown claim) = %v, want ErrNotFound", err)
		}
	})
}

func TestAdjudicate(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		claimID := f.claim(rct)
		high := plain
		for _, in := range []struct {
			a  store.Actor
			in review.AssessmentInput
		}{{f.r1, downOnce}, {f.r2, high}} {
			review.New(st).PutAssessment(f.ctx, in.a, claimID, 0, in.in)
			review.New(st).SubmitAssessment(f.ctx, in.a, claimID, 2)
		}
		if got := f.flags(claimID); !slices.Equal(got, []string{"reviewer_disagreement", "ungraded"}) {
			t.Fatalf("flags after disagreement = %v", got)
		}
		in := review.GradeInput{Certainty: certainty("moderate"), Verdict: "supported", Rationale: "Risk of bias is serious."}
		if _, err := review.New(st).Adjudicate(f.ctx, f.r1, claimID, in); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("Adjudicate by a reviewer = %v, want ErrForbidden", err)
		}
		var ve *store.ValidationError
		if _, err := review.New(st).Adjudicate(f.ctx, f.editor, claimID, review.GradeInput{Certainty: certainty("medium"), Verdict: "refuted"}); !errors.As(err, &ve) ||
			fmt.Sprint(ve.Problems) == "" || len(ve.Problems) != 3 {
			t.Errorf("Adjudicate(bad certainty, refuted, no rationale) = %v, want 3 problems", err)
		}
		g, err := review.New(st).Adjudicate(f.ctx, f.editor, claimID, in)
		if err != nil || g.Method != grading.MethodAdjudicated || *g.DecidedByID != f.editor.UserID || g.DecidedBy != "ed" {
			t.Fatalf("Adjudicate = %+v, %v", g, err)
		}
		if got := f.flags(claimID); len(got) != 0 {
			t.Errorf("flags after adjudication = %v, want none", got)
		}
		d, _ := st.GetClaim(f.ctx, claimID)
		if d.Derivation.AdjudicatedBy != "ed" || d.Derivation.Result.String() != "moderate" || len(d.Derivation.Steps) != 0 {
			t.Errorf("derivation of the adjudicated grade = %+v", d.Derivation)
		}
		// A re-grade records the grade it replaces.
		g2, err := review.New(st).Adjudicate(f.ctx, f.editor, claimID, review.GradeInput{Certainty: certainty("low"), Verdict: "supported", Rationale: "Second look."})
		if err != nil {
			t.Fatal(err)
		}
		evs := f.events(claimID, "grade.adjudicated")
		if len(evs) != 2 || evs[0].Before != nil || evs[1].Before == nil || evs[1].EntityID != g2.ID {
			t.Fatalf("grade.adjudicated events = %+v", evs)
		}
		var before models.Grade
		if err := json.Unmarshal([]byte(*evs[1].Before), &before); err != nil || before.ID != g.ID {
			t.Errorf("re-grade's before = %s (%v), want grade %d", *evs[1].Before, err, g.ID)
		}
		if got := f.flags(claimID); !slices.Equal(got, []string{"low_certainty"}) {
			t.Errorf("flags after a low re-grade = %v, want [low_certainty]", got)
		}
	})
}

// Two reviewers with identical judgements submit at the same moment: the
// claim lock (PostgreSQL) or the single writer (SQLite) makes exactly one
// of them complete the consensus.
func TestConcurrentSubmissionsMakeOneGrade(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		reviewers := []store.Actor{f.r1, f.r2}
		for round := range 5 {
			claimID := f.claim(rct)
			for _, a := range reviewers {
				if _, _, err := review.New(st).PutAssessment(f.ctx, a, claimID, 0, downOnce); err != nil {
					t.Fatalf("round %d: PutAssessment: %v", round, err)
				}
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			grades := make([]*models.Grade, len(reviewers))
			errs := make([]error, len(reviewers))
			for i, a := range reviewers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, grades[i], errs[i] = review.New(st).SubmitAssessment(f.ctx, a, claimID, 2)
				}()
			}
			close(start)
			wg.Wait()
			made := 0
			for i := range reviewers {
				if errs[i] != nil {
					t.Errorf("round %d: SubmitAssessment(%s): %v", round, reviewers[i].Name, errs[i])
				}
				if grades[i] != nil {
					made++
				}
			}
			var nGrades, nSubmitted int64
			st.DB().Model(&models.Grade{}).Where("claim_id = ?", claimID).Count(&nGrades)
			st.DB().Model(&models.Assessment{}).Where("claim_id = ? AND status = ?", claimID, grading.StatusSubmitted).Count(&nSubmitted)
			if nGrades != 1 || made != 1 || nSubmitted != 2 {
				t.Errorf("round %d: %d grade rows, %d returned grades, %d submitted; want 1, 1, 2", round, nGrades, made, nSubmitted)
			}
			if got := f.flags(claimID); len(got) != 0 {
				t.Errorf("round %d: flags = %v, want none", round, got)
			}
		}
	})
}

// certainty is a *grading.Certainty holding s, valid or not.
func certainty(s string) *grading.Certainty {
	c := grading.Certainty(s)
	return &c
}
