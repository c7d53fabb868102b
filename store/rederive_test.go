package store_test

import (
	"context"
	"testing"
	"time"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestRetractWidelyLinkedSource retracts a source that is the supporting
// evidence of every claim: on PostgreSQL 100,000 of them, more than one
// statement may bind (65,535 parameters), so rederive must work in bounded
// chunks. Every claim must come out unsupported with the retracted_evidence
// flag, and audited.
func TestRetractWidelyLinkedSource(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		n := 5_000
		if testenv.Postgres(st) && !testing.Short() {
			n = 100_000
		}
		ctx := context.Background()
		sys := store.System("test")
		th, err := st.CreateTherapy(ctx, sys, store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy"})
		if err != nil {
			t.Fatal(err)
		}
		src, err := st.CreateSource(ctx, sys, store.SourceInput{Kind: grading.KindRCT, Title: "A widely cited trial"})
		if err != nil {
			t.Fatal(err)
		}
		db := st.DB().WithContext(ctx)
		// The fixture, in the state rederive leaves it: ungraded, one
		// supporting link each.
		ts := time.Now().UTC()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
			  INSERT INTO claims (therapy_id, text, language, claim_type, search_text, verdict, support_count, evidence_revision, version, created_at, updated_at)
			  SELECT ?, 'claim ' || i, 'en', 'efficacy', 'claim ' || i, 'ungraded', 1, 1, 1, ?, ? FROM seq`, []any{n, th.ID, ts, ts}},
			{`INSERT INTO links (claim_id, source_id, role, stance, version, created_at, updated_at)
			  SELECT id, ?, 'evidence', 'supports', 1, ?, ? FROM claims`, []any{src.ID, ts, ts}},
			{`INSERT INTO claim_flags (flag, claim_id) SELECT 'ungraded', id FROM claims`, nil},
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
			{"claims now verdict unsupported, version 2", `SELECT COUNT(*) FROM claims WHERE verdict = 'unsupported' AND version = 2 AND support_count = 1`, nil},
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
