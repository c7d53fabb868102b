package migrations_test

import (
	"context"
	"encoding/json"
	"path"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/review"
	"claimgrade/store"
)

// TestFirstSubmissionsMigration: 00009 moves the first submissions kept on
// the assessments into finding_first_submissions, each in the round it was
// made in, and its Down puts each assessment's latest one back, on every
// backend. Two rounds of review (the second after the grade went stale)
// are rolled back and forward again: the latest round survives unchanged.
func TestFirstSubmissionsMigration(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx, sys := context.Background(), store.System("test")
		if _, err := st.CreateTherapy(ctx, sys, store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy"}); err != nil {
			t.Fatal(err)
		}
		actor := func(name string) store.Actor {
			u, err := st.EnsureUser(ctx, sys, name, models.RoleReviewer)
			if err != nil {
				t.Fatal(err)
			}
			return store.ActorFor(u, "req-"+name)
		}
		r1, r2 := actor("rev-a"), actor("rev-b")
		q, err := st.CreateQuestion(ctx, sys, store.QuestionInput{Therapy: "mesotherapy", Population: "adults", Intervention: "mesotherapy",
			ComparatorKind: grading.ComparatorInactive, Comparator: ptr("placebo"), Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit, Direction: grading.HigherIsBetter})
		if err != nil {
			t.Fatal(err)
		}
		f, err := st.CreateFinding(ctx, sys, store.FindingInput{QuestionID: q.ID, Summary: "Trials."})
		if err != nil {
			t.Fatal(err)
		}
		attach := func() {
			src, err := st.CreateSource(ctx, sys, store.SourceInput{Kind: grading.KindRCT, Title: "A trial"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.AttachSource(ctx, sys, f.ID, store.FindingSourceInput{SourceID: src.ID}); err != nil {
				t.Fatal(err)
			}
		}
		attach()
		rv := review.New(st)
		judged := func(c grading.Concern) review.FindingAssessmentInput {
			j := grading.NoConcerns()
			if c != grading.NotSerious {
				j.RiskOfBias, j.Reasons = c, map[string]string{"risk_of_bias": "Open label."}
			}
			return review.FindingAssessmentInput{Judgements: j, Rationale: "Trials."}
		}
		versions := map[string]int64{}
		assess := func(a store.Actor, c grading.Concern) {
			t.Helper()
			as, _, err := rv.PutFindingAssessment(ctx, a, f.ID, versions[a.Name], judged(c), 2)
			if err != nil {
				t.Fatalf("PutFindingAssessment(%s): %v", a.Name, err)
			}
			versions[a.Name] = as.Version
		}
		submit := func(a store.Actor) {
			t.Helper()
			as, _, err := rv.SubmitFindingAssessment(ctx, a, f.ID, 2)
			if err != nil {
				t.Fatalf("SubmitFindingAssessment(%s): %v", a.Name, err)
			}
			versions[a.Name] = as.Version
		}
		// Round 1: disagree, r2 revises: consensus. Round 2 after a source is
		// attached: both reopen and submit again.
		assess(r1, grading.Serious)
		submit(r1)
		assess(r2, grading.NotSerious)
		submit(r2)
		assess(r2, grading.Serious)
		attach()
		for _, a := range []store.Actor{r1, r2} {
			assess(a, grading.VerySerious)
			submit(a)
		}
		type row struct {
			AssessmentID int64
			Round        int
			Judgements   grading.DomainJudgements
			Start        grading.Certainty
			Certainty    grading.Certainty
			SubmittedAt  time.Time
		}
		read := func() []row {
			t.Helper()
			var rows []models.FindingFirstSubmission
			if err := st.DB().Order("assessment_id, round").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			out := make([]row, len(rows))
			for i, r := range rows {
				out[i] = row{r.AssessmentID, r.Round, r.Judgements, r.Start, r.Certainty, r.SubmittedAt.UTC()}
			}
			return out
		}
		before := read()
		if len(before) != 4 || before[0].Round != 1 || before[1].Round != 2 || before[2].Round != 1 || before[3].Round != 2 {
			t.Fatalf("first submissions before the migration: %+v", before)
		}
		if before[2].Judgements.RiskOfBias != grading.NotSerious || before[2].Certainty != grading.High {
			t.Errorf("r2's first submission of round 1 was overwritten by the revision: %+v", before[2])
		}

		// Down: each assessment's latest first submission back on it, as JSON.
		// (Later migrations are rolled back first.)
		var p string
		for range 10 {
			if p, err = st.MigrateDown(ctx); err != nil || path.Base(p) == "00009_first_submissions.sql" {
				break
			}
		}
		if err != nil || path.Base(p) != "00009_first_submissions.sql" {
			t.Fatalf("MigrateDown = %s, %v", p, err)
		}
		var kept []struct {
			ID              int64
			FirstSubmission string
		}
		if err := st.DB().Raw("SELECT id, first_submission FROM finding_assessments ORDER BY id").Scan(&kept).Error; err != nil {
			t.Fatal(err)
		}
		if len(kept) != 2 {
			t.Fatalf("assessments after Down: %+v", kept)
		}
		for i, k := range kept {
			var fs struct {
				Judgements  grading.DomainJudgements `json:"judgements"`
				Start       grading.Certainty        `json:"start"`
				Certainty   grading.Certainty        `json:"certainty"`
				SubmittedAt time.Time                `json:"submitted_at"`
			}
			if err := json.Unmarshal([]byte(k.FirstSubmission), &fs); err != nil {
				t.Fatalf("first_submission of %d after Down = %q: %v", k.ID, k.FirstSubmission, err)
			}
			want := before[2*i+1] // the latest round
			got := row{k.ID, 2, fs.Judgements, fs.Start, fs.Certainty, fs.SubmittedAt.UTC()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("first_submission of %d after Down (-want +got):\n%s", k.ID, diff)
			}
		}

		// Up again: the kept first submissions move back, each in its round.
		if _, err := st.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]row{before[1], before[3]}, read()); diff != "" {
			t.Errorf("first submissions after Down and Up (-want +got):\n%s", diff)
		}
	})
}

func ptr[T any](v T) *T { return &v }
