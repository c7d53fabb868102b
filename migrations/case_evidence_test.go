package migrations_test

import (
	"context"
	"path"
	"slices"
	"testing"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/review"
	"claimgrade/store"
)

// TestCaseEvidenceMigration: 00013 makes a grade's certainty nullable (on
// SQLite by rebuilding finding_grades: every row, id and the id sequence
// kept), and a grade decided before it on what is now case evidence (which
// rated it with GRADE's domains, here the Down's certainty) loses its
// fingerprint, so that MigrateUp recomputes its finding as stale; other
// grades are untouched. Down and Up again, on every backend.
func TestCaseEvidenceMigration(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx, sys := context.Background(), store.System("test")
		if _, err := st.CreateTherapy(ctx, sys, store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy"}); err != nil {
			t.Fatal(err)
		}
		var reviewers []store.Actor
		for _, name := range []string{"rev-a", "rev-b"} {
			u, err := st.EnsureUser(ctx, sys, name, models.RoleReviewer)
			if err != nil {
				t.Fatal(err)
			}
			reviewers = append(reviewers, store.ActorFor(u, ""))
		}
		finding := func(q store.QuestionInput, kind grading.SourceKind, j grading.DomainJudgements) int64 {
			t.Helper()
			q.Therapy, q.Population, q.Intervention, q.Timepoint = "mesotherapy", "adults", "mesotherapy", "4 weeks"
			question, err := st.CreateQuestion(ctx, sys, q)
			if err != nil {
				t.Fatal(err)
			}
			f, err := st.CreateFinding(ctx, sys, store.FindingInput{QuestionID: question.ID, Summary: "Evidence."})
			if err != nil {
				t.Fatal(err)
			}
			src, err := st.CreateSource(ctx, sys, store.SourceInput{Kind: kind, Title: "A " + string(kind)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.AttachSource(ctx, sys, f.ID, store.FindingSourceInput{SourceID: src.ID}); err != nil {
				t.Fatal(err)
			}
			rv := review.New(st)
			for _, a := range reviewers {
				if _, _, err := rv.PutFindingAssessment(ctx, a, f.ID, 0, review.FindingAssessmentInput{Judgements: j, Rationale: "x"}, 2); err != nil {
					t.Fatal(err)
				}
				if _, _, err := rv.SubmitFindingAssessment(ctx, a, f.ID, 2); err != nil {
					t.Fatal(err)
				}
			}
			return f.ID
		}
		cases := finding(store.QuestionInput{ComparatorKind: grading.ComparatorNone, Outcome: "abscess", OutcomeKind: grading.OutcomeHarm,
			Direction: grading.LowerIsBetter},
			grading.KindCaseReport, grading.DomainJudgements{Attribution: grading.AttributionProbable, Reasons: map[string]string{"attribution": "Culture-proven."}})
		trial := finding(store.QuestionInput{ComparatorKind: grading.ComparatorInactive, Comparator: ptr("placebo"), Outcome: "pain",
			OutcomeKind: grading.OutcomeBenefit, Direction: grading.LowerIsBetter}, grading.KindRCT, grading.NoConcerns())
		type gradeRow struct {
			ID          int64
			FindingID   int64
			Certainty   string // "" for NULL
			Fingerprint string
		}
		grades := func() []gradeRow {
			t.Helper()
			var rows []gradeRow
			if err := st.DB().Raw("SELECT id, finding_id, COALESCE(certainty, '') AS certainty, fingerprint FROM finding_grades ORDER BY id").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			return rows
		}
		before := grades()
		if len(before) != 2 || before[0].Certainty != "" || before[1].Certainty != "high" || before[0].Fingerprint == "" {
			t.Fatalf("grades before: %+v", before)
		}

		// Down: the case-evidence grade keeps its occurrence certainty as its
		// certainty, as a grade decided before 00013 had one.
		// The migrations after 00013 go down first.
		for {
			p, err := st.MigrateDown(ctx)
			if err != nil {
				t.Fatalf("MigrateDown = %s, %v", p, err)
			}
			if path.Base(p) == "00013_case_evidence.sql" {
				break
			}
			if path.Base(p) < "00013" {
				t.Fatalf("MigrateDown went past 00013: %s", p)
			}
		}
		down := grades()
		if len(down) != 2 || down[0].ID != before[0].ID || down[0].Certainty != "moderate" || down[1] != before[1] {
			t.Fatalf("grades after Down: %+v", down)
		}

		// Up: that grade is stale now; the trial's is as it was.
		applied, err := st.MigrateUp(ctx)
		if err != nil || len(applied) == 0 || path.Base(applied[0]) != "00013_case_evidence.sql" {
			t.Fatalf("MigrateUp = %v, %v", applied, err)
		}
		checkSchema(t, st)
		up := grades()
		if len(up) != 2 || up[0].ID != before[0].ID || up[0].Fingerprint != "" || up[0].Certainty != "moderate" || up[1] != before[1] {
			t.Fatalf("grades after Up: %+v", up)
		}
		flags := func(id int64) []string {
			var out []string
			st.DB().Table("finding_flags").Where("finding_id = ?", id).Order("flag").Pluck("flag", &out)
			return out
		}
		if got := flags(cases); !slices.Contains(got, string(grading.FlagStaleGrade)) {
			t.Errorf("case evidence graded before 00013: flags %v, want stale_grade", got)
		}
		if got := flags(trial); len(got) != 0 {
			t.Errorf("the trial's finding: flags %v, want none", got)
		}
		// A grade has a certainty or an occurrence certainty, not neither.
		if err := st.DB().Exec(`INSERT INTO finding_grades (finding_id, judgements, method, decided_by, decided_at, assessment_ids, fingerprint, derivation)
			VALUES (?, '{}', 'consensus', 'x', CURRENT_TIMESTAMP, '[]', 'f', '{}')`, trial).Error; err == nil {
			t.Error("a grade without certainty and occurrence certainty was stored")
		}
		// The id sequence went on where it was (SQLite rebuilt the table).
		if st.Dialect() == store.SQLite {
			var seq int64
			st.DB().Raw("SELECT seq FROM sqlite_sequence WHERE name = 'finding_grades'").Scan(&seq)
			if seq < before[1].ID {
				t.Errorf("sqlite_sequence of finding_grades = %d, want at least %d", seq, before[1].ID)
			}
		}
	})
}
