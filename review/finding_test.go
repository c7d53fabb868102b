package review_test

import (
	"errors"
	"sync"
	"testing"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/review"
	"claimgrade/store"
)

// finding makes a finding on a new question resting on one new RCT.
func (f *reviewFixture) finding() int64 {
	f.t.Helper()
	comparator := "placebo"
	q, err := f.st.CreateQuestion(f.ctx, f.sys, store.QuestionInput{Therapy: "mesotherapy", Population: "adults with back pain",
		Intervention: "mesotherapy", Comparator: &comparator, ComparatorKind: grading.ComparatorInactive, Outcome: "pain",
		Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit, Direction: grading.HigherIsBetter})
	if err != nil {
		f.t.Fatalf("CreateQuestion: %v", err)
	}
	fi, err := f.st.CreateFinding(f.ctx, f.sys, store.FindingInput{QuestionID: q.ID, Summary: "One trial."})
	if err != nil {
		f.t.Fatalf("CreateFinding: %v", err)
	}
	src, err := f.st.CreateSource(f.ctx, f.sys, store.SourceInput{Kind: grading.KindRCT, Title: "A trial"})
	if err != nil {
		f.t.Fatalf("CreateSource: %v", err)
	}
	if _, err := f.st.AttachSource(f.ctx, f.sys, fi.ID, store.FindingSourceInput{SourceID: src.ID}); err != nil {
		f.t.Fatalf("AttachSource: %v", err)
	}
	return fi.ID
}

func serious() review.FindingAssessmentInput {
	j := grading.NoConcerns()
	j.RiskOfBias, j.Reasons = grading.Serious, map[string]string{"risk_of_bias": "Open label."}
	return review.FindingAssessmentInput{Judgements: j, Rationale: "One open-label trial."}
}

// TestFindingSubmissionsRace: two reviewers submitting agreeing
// assessments at once make exactly one consensus grade (the finding is
// locked for the whole submission).
func TestFindingSubmissionsRace(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		r := review.New(st)
		for range 5 {
			id := f.finding()
			for _, a := range []store.Actor{f.r1, f.r2} {
				if _, _, err := r.PutFindingAssessment(f.ctx, a, id, 0, serious(), 2); err != nil {
					t.Fatalf("PutFindingAssessment: %v", err)
				}
			}
			var wg sync.WaitGroup
			grades := make([]*models.FindingGrade, 2)
			for i, a := range []store.Actor{f.r1, f.r2} {
				wg.Go(func() {
					var err error
					if _, grades[i], err = r.SubmitFindingAssessment(f.ctx, a, id, 2); err != nil {
						t.Errorf("SubmitFindingAssessment: %v", err)
					}
				})
			}
			wg.Wait()
			if n := testenv.Count(t, st, "finding_grades", "finding_id = ?", id); n != 1 {
				t.Errorf("finding %d: %d grades, want 1", id, n)
			}
			if (grades[0] == nil) == (grades[1] == nil) {
				t.Errorf("finding %d: exactly one submission should make the grade: %v %v", id, grades[0], grades[1])
			}
		}
	})
}

// TestFindingDisagreementWaitsForRequiredReviews: with REQUIRED_REVIEWS=3,
// two differing submissions stay blinded (no flag, no disagreements) until
// the third is in.
func TestFindingDisagreementWaitsForRequiredReviews(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		st.SetRequiredReviews(3)
		f := newReviewFixture(t, st)
		r := review.New(st)
		id := f.finding()
		r3 := f.user("rev-c", models.RoleReviewer)
		none := review.FindingAssessmentInput{Judgements: grading.NoConcerns(), Rationale: "Fine."}
		for i, a := range []store.Actor{f.r1, f.r2, r3} {
			in := none
			if i == 0 {
				in = serious()
			}
			if _, _, err := r.PutFindingAssessment(f.ctx, a, id, 0, in, 3); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.SubmitFindingAssessment(f.ctx, a, id, 3); err != nil {
				t.Fatal(err)
			}
			doc, err := st.GetFinding(f.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			flagged := false
			for _, fl := range doc.Flags {
				flagged = flagged || fl.Flag == grading.FlagReviewerDisagreement
			}
			if want := i == 2; flagged != want || (len(doc.Disagreements) > 0) != want {
				t.Errorf("after %d submissions: flagged %v disagreements %v", i+1, flagged, doc.Disagreements)
			}
		}
		// Adjudication by a reviewer is forbidden.
		if _, err := r.AdjudicateFinding(f.ctx, f.r1, id, 1, serious(), 2); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("a reviewer adjudicating: %v", err)
		}
	})
}

// TestFindingBodyQueries: a finding's body of evidence is read in two
// queries whatever the number of sources and includes.
func TestFindingBodyQueries(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		id := f.finding()
		for range 3 {
			src, err := st.CreateSource(f.ctx, f.sys, store.SourceInput{Kind: grading.KindRCT, Title: "Another trial"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.AttachSource(f.ctx, f.sys, id, store.FindingSourceInput{SourceID: src.ID}); err != nil {
				t.Fatal(err)
			}
		}
		qc := testenv.CountQueries(t, st)
		var body grading.Body
		n, sqls := qc.Count(func() {
			if err := st.Review(f.ctx, func(tx *store.ReviewTx) error {
				var err error
				body, err = tx.FindingBody(id)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		})
		if n > 2 || len(body.Sources) != 4 {
			t.Errorf("%d queries, %d sources: %v", n, len(body.Sources), sqls)
		}
	})
}

// TestFirstSubmissionWriteOnce: an assessment's first submission of a round
// is written once; a revision leaves it, a second write for the same round
// is a conflict, and it stays as submitted.
func TestFirstSubmissionWriteOnce(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		f := newReviewFixture(t, st)
		r := review.New(st)
		id := f.finding()
		none := review.FindingAssessmentInput{Judgements: grading.NoConcerns(), Rationale: "Fine."}
		for _, a := range []store.Actor{f.r1, f.r2} {
			in := none
			if a == f.r1 {
				in = serious()
			}
			if _, _, err := r.PutFindingAssessment(f.ctx, a, id, 0, in, 2); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.SubmitFindingAssessment(f.ctx, a, id, 2); err != nil {
				t.Fatal(err)
			}
		}
		// reviewer 2 revises to serious: consensus, round 1 settled.
		revised, _, err := r.PutFindingAssessment(f.ctx, f.r2, id, 2, serious(), 2)
		if err != nil || revised.Status != grading.StatusRevised {
			t.Fatalf("revision = %v, %v", revised.Status, err)
		}
		first := func() models.FindingFirstSubmission {
			t.Helper()
			var fs models.FindingFirstSubmission
			if err := st.DB().Where("assessment_id = ?", revised.ID).Take(&fs).Error; err != nil {
				t.Fatal(err)
			}
			return fs
		}
		kept := first()
		if kept.Round != 1 || kept.Judgements.RiskOfBias != grading.NotSerious || kept.Certainty != grading.High || kept.Start != grading.High {
			t.Errorf("reviewer 2's first submission after the revision = %+v; want round 1, not_serious, high", kept)
		}
		err = st.Review(f.ctx, func(tx *store.ReviewTx) error {
			return tx.RecordFirstSubmission(&models.FindingFirstSubmission{FindingID: id, AssessmentID: revised.ID, Round: 1,
				Judgements: serious().Judgements, Start: grading.High, Certainty: grading.Moderate, SubmittedAt: store.Now()})
		})
		var conflict *store.ConflictError
		if !errors.As(err, &conflict) {
			t.Errorf("a second first submission of round 1 = %v, want a *store.ConflictError", err)
		}
		if again := first(); again.Judgements.RiskOfBias != grading.NotSerious || again.ID != kept.ID {
			t.Errorf("the first submission changed: %+v", again)
		}
		if n := testenv.Count(t, st, "finding_first_submissions", "finding_id = ?", id); n != 2 {
			t.Errorf("%d first submissions, want 2", n)
		}
	})
}
