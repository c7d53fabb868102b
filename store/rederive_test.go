package store_test

import (
	"context"
	"testing"
	"time"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestRetractWidelyLinkedSource retracts the source of a finding that
// every claim links as supporting: on PostgreSQL 100,000 of them, more than
// one statement may bind (65,535 parameters), so rederive must work in
// bounded chunks. Every claim must come out with the retracted_evidence
// flag, and audited.
func TestRetractWidelyLinkedSource(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		n := 5_000
		if testenv.Postgres(st) && !testing.Short() {
			n = 100_000
		}
		ctx := context.Background()
		sys := store.System("test")
		placebo := "placebo"
		th, err := st.CreateTherapy(ctx, sys, store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy"})
		if err != nil {
			t.Fatal(err)
		}
		src, err := st.CreateSource(ctx, sys, store.SourceInput{Kind: grading.KindRCT, Title: "A widely cited trial"})
		if err != nil {
			t.Fatal(err)
		}
		q, err := st.CreateQuestion(ctx, sys, store.QuestionInput{Therapy: "mesotherapy", Population: "adults", Intervention: "mesotherapy",
			Comparator: &placebo, ComparatorKind: grading.ComparatorInactive, Outcome: "pain", Timepoint: "4 weeks", OutcomeKind: grading.OutcomeBenefit, Direction: grading.HigherIsBetter})
		if err != nil {
			t.Fatal(err)
		}
		f, err := st.CreateFinding(ctx, sys, store.FindingInput{QuestionID: q.ID, Summary: "One trial."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AttachSource(ctx, sys, f.ID, store.FindingSourceInput{SourceID: src.ID}); err != nil {
			t.Fatal(err)
		}
		db := st.DB().WithContext(ctx)
		// The fixture, in the state rederive leaves it: not rated (the
		// finding is ungraded), one supporting finding each.
		ts := time.Now().UTC()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
			  INSERT INTO claims (therapy_id, text, language, claim_type, search_text, assertion, hedge, rating, rating_source, support_count, version, created_at, updated_at)
			  SELECT ?, 'claim ' || i, 'en', 'efficacy', 'claim ' || i, 'effect', 'none', 'not_rated', 'rule', 1, 1, ?, ? FROM seq`, []any{n, th.ID, ts, ts}},
			{`INSERT INTO claim_findings (claim_id, finding_id, stance, version, created_at, updated_at)
			  SELECT id, ?, 'supports', 1, ?, ? FROM claims`, []any{f.ID, ts, ts}},
			{`INSERT INTO claim_flags (flag, claim_id) SELECT 'ungraded', id FROM claims`, nil},
			{`INSERT INTO claim_flags (flag, claim_id) SELECT 'unsupported', id FROM claims`, nil},
		} {
			if err := db.Exec(q.sql, q.args...).Error; err != nil {
				t.Fatalf("fixture: %v", err)
			}
		}
		retracted := true
		start := time.Now()
		if _, err := st.UpdateSource(ctx, sys, src.ID, src.Version, store.SourcePatch{Retracted: &retracted}); err != nil {
			t.Fatalf("UpdateSource(retract): %v", err)
		}
		t.Logf("retracting a source linked to %d claims took %v", n, time.Since(start))
		count := func(q string, args ...any) int64 {
			t.Helper()
			var c int64
			if err := db.Raw(q, args...).Scan(&c).Error; err != nil {
				t.Fatal(err)
			}
			return c
		}
		checks := []struct {
			what string
			q    string
			args []any
		}{
			{"claims with retracted_evidence", `SELECT COUNT(*) FROM claim_flags WHERE flag = ?`, []any{grading.FlagRetractedEvidence}},
			{"claims with unsupported", `SELECT COUNT(*) FROM claim_flags WHERE flag = ?`, []any{grading.FlagUnsupported}},
			{"claims still ungraded", `SELECT COUNT(*) FROM claim_flags WHERE flag = ?`, []any{grading.FlagUngraded}},
			{"claims still not rated, version 2", `SELECT COUNT(*) FROM claims WHERE rating = 'not_rated' AND version = 2 AND support_count = 1`, nil},
			{"claim.flagged events", `SELECT COUNT(*) FROM audit_events WHERE action = 'claim.flagged'`, nil},
		}
		for _, c := range checks {
			if got := count(c.q, c.args...); got != int64(n) {
				t.Errorf("%s = %d, want %d", c.what, got, n)
			}
		}
		if got := count(`SELECT COUNT(*) FROM claim_flags`); got != int64(3*n) {
			t.Errorf("flags = %d, want %d", got, 3*n)
		}
	})
}
