package store_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgrade/bulk"
	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
	"claimgrade/webhook"
)

// derivedState reads every claim's and finding's derived fields, version
// and flags, as text rows.
func derivedState(t *testing.T, st *store.Store) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT id, rating, rating_source, rating_explanation, certainty, support_count, refute_count, appearance_count,
			evidence_basis, override_basis, last_searched_at, search_stale, version, rated_at, updated_at FROM claims ORDER BY id`,
		`SELECT id, claim_id, database_name, query_text, searched_at, hits, screened, note, version, created_by, created_at, updated_at
			FROM evidence_searches ORDER BY id`,
		`SELECT search_id, source_id FROM evidence_search_sources ORDER BY search_id, source_id`,
		`SELECT claim_id, flag FROM claim_flags ORDER BY claim_id, flag`,
		`SELECT id, certainty, disagreements, grade_id, version, updated_at FROM findings ORDER BY id`,
		`SELECT finding_id, flag FROM finding_flags ORDER BY finding_id, flag`,
	} {
		rows, err := st.DB().Raw(q).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(vals...))
		}
		rows.Close()
	}
	return out
}

// TestImportDerivedAsRederive: what an import stores as the derived fields,
// flags and versions of claims and findings is what rederive (and
// refreshFindingFlags) compute over the stored catalogue: running them
// again afterwards changes nothing and records no event. Both a restore
// (the demo catalogue, with grades, overrides and stale grades) and an
// import with new ids into a catalogue that holds other records.
func TestImportDerivedAsRederive(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			src := testenv.Open(t, b)
			seedDemo(t, src)
			demo := exportBytes(t, src)

			restored := testenv.Open(t, b)
			if _, err := restored.ImportNDJSON(ctx, store.System("import"), bytes.NewReader(demo), store.ImportOptions{}); err != nil {
				t.Fatalf("ImportNDJSON restore: %v", err)
			}
			remapped := testenv.Open(t, b)
			if _, err := remapped.ImportNDJSON(ctx, store.System("import"), bytes.NewReader(syntheticNDJSON(300)), store.ImportOptions{}); err != nil {
				t.Fatalf("ImportNDJSON synthetic: %v", err)
			}
			res, err := remapped.ImportNDJSON(ctx, store.System("import"), bytes.NewReader(demo), store.ImportOptions{})
			if err != nil || res.Restore {
				t.Fatalf("ImportNDJSON demo into a catalogue = %+v, %v; want an import with new ids", res, err)
			}
			for name, st := range map[string]*store.Store{"restore": restored, "new ids": remapped} {
				before := derivedState(t, st)
				n, err := store.RederiveAll(ctx, st)
				if err != nil {
					t.Fatalf("%s: RederiveAll: %v", name, err)
				}
				if n != 0 {
					t.Errorf("%s: rederiving after the import recorded %d events, want 0", name, n)
				}
				if diff := cmp.Diff(before, derivedState(t, st)); diff != "" {
					t.Errorf("%s: rederiving after the import changed derived state (-import +rederive):\n%s", name, diff)
				}
			}
		})
	}
}

// TestImportChangesAndOutbox: after an import, the changes feed lists every
// public audit event of the import exactly once, in audit order, with one
// <entity>.imported change per imported record; each claim has its
// claim.imported change, then claim.flagged when it has flags and
// claim.rated when it is rated; and the webhook outbox holds one delivery
// per subscribed webhook for each audit event that raises an event
// (claim.rated, claim.flagged), in audit order, and nothing else.
func TestImportChangesAndOutbox(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			src := testenv.Open(t, b)
			seedDemo(t, src)
			demo := exportBytes(t, src)

			st := testenv.Open(t, b)
			all := createWebhook(t, st, "http://127.0.0.1:9/all", webhook.EventTypes()...)
			rated := createWebhook(t, st, "http://127.0.0.1:9/rated", webhook.ClaimRated)
			var startSeq int64
			if err := st.DB().Raw("SELECT COALESCE(MAX(seq), 0) FROM changes").Scan(&startSeq).Error; err != nil {
				t.Fatal(err)
			}
			var startAudit int64
			if err := st.DB().Raw("SELECT COALESCE(MAX(id), 0) FROM audit_events").Scan(&startAudit).Error; err != nil {
				t.Fatal(err)
			}
			res, err := st.ImportNDJSON(ctx, store.System("import"), bytes.NewReader(demo), store.ImportOptions{})
			if err != nil {
				t.Fatalf("ImportNDJSON: %v", err)
			}

			var events []models.AuditEvent
			if err := st.DB().Where("id > ?", startAudit).Order("id").Find(&events).Error; err != nil {
				t.Fatal(err)
			}
			private := []string{"api_key", "user", "assessment", "finding_assessment", "webhook"}
			var want, got []string
			for _, e := range events {
				if !slices.Contains(private, e.Entity) {
					want = append(want, fmt.Sprintf("%d %s %s %d", e.ID, e.Action, e.Entity, e.EntityID))
				}
			}
			for _, c := range readAllChanges(t, st, startSeq, 700) {
				got = append(got, fmt.Sprintf("%d %s %s %d", c.AuditID, c.Action, c.Entity, c.EntityID))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("changes feed after the import (-audit +feed):\n%s", diff)
			}

			imported := map[string]map[int64]int{}
			perClaim := map[int64][]string{}
			for _, e := range events {
				if len(e.Action) > 9 && e.Action[len(e.Action)-9:] == ".imported" && e.Entity != "catalogue" {
					if imported[e.Entity] == nil {
						imported[e.Entity] = map[int64]int{}
					}
					imported[e.Entity][e.EntityID]++
				}
				if e.Entity == "claim" {
					perClaim[e.EntityID] = append(perClaim[e.EntityID], e.Action)
				}
			}
			for entity, n := range map[string]int{"therapy": res.Therapies.Created, "source": res.Sources.Created,
				"question": res.Questions.Created, "finding": res.Findings.Created, "claim": res.Claims.Created,
				"evidence_search": int(testenv.Count(t, src, "evidence_searches", ""))} {
				if len(imported[entity]) != n {
					t.Errorf("%d %s records have an %s.imported event, want %d", len(imported[entity]), entity, entity, n)
				}
				for id, k := range imported[entity] {
					if k != 1 {
						t.Errorf("%s %d has %d %s.imported events, want 1", entity, id, k, entity)
					}
				}
			}
			sc := bufio.NewScanner(bytes.NewReader(demo))
			sc.Buffer(nil, 1<<20)
			raised := 0
			for sc.Scan() {
				var line struct {
					Type string     `json:"type"`
					Data bulk.Claim `json:"data"`
				}
				if json.Unmarshal(sc.Bytes(), &line) != nil || line.Type != bulk.TypeClaim {
					continue
				}
				c := line.Data
				wantActions := []string{"claim.imported"}
				if len(c.Derived.Flags) > 0 {
					wantActions = append(wantActions, "claim.flagged")
				}
				if c.Derived.Rating != grading.RatingNotRated || c.Derived.RatingSource != grading.SourceRule {
					wantActions = append(wantActions, "claim.rated")
				}
				raised += len(wantActions) - 1
				if !slices.Equal(perClaim[c.ID], wantActions) {
					t.Errorf("claim %d: events %v, want %v", c.ID, perClaim[c.ID], wantActions)
				}
			}
			if raised == 0 {
				t.Fatal("the demo raised no claim.flagged or claim.rated event: the outbox check below checks nothing")
			}

			var wantDeliveries []string
			for _, e := range events {
				typ, ok := webhook.EventOf(e.Action)
				if !ok {
					continue
				}
				wantDeliveries = append(wantDeliveries, fmt.Sprintf("%d %d %s", all.ID, e.ID, typ))
				if typ == webhook.ClaimRated {
					wantDeliveries = append(wantDeliveries, fmt.Sprintf("%d %d %s", rated.ID, e.ID, typ))
				}
			}
			var gotDeliveries []string
			for _, d := range deliveries(t, st) {
				if d.State != webhook.Pending || d.AttemptCount != 0 {
					t.Errorf("delivery %d: state %s, %d attempts; want pending and untried", d.ID, d.State, d.AttemptCount)
				}
				gotDeliveries = append(gotDeliveries, fmt.Sprintf("%d %d %s", d.WebhookID, d.AuditID, d.EventType))
			}
			if diff := cmp.Diff(wantDeliveries, gotDeliveries); diff != "" {
				t.Errorf("outbox after the import (-want +got):\n%s", diff)
			}
		})
	}
}

// TestImportRestoresPlanCacheMode: an import lets PostgreSQL reuse its
// statements' plans, and hands the mode the transaction had before it
// (force_custom_plan, set in it here) back to the rest of a transaction it
// runs in (as the API runs it), whether it succeeds, is a dry run or fails.
func TestImportRestoresPlanCacheMode(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		if st.Dialect() != store.Postgres {
			t.Skip("plan_cache_mode is PostgreSQL's")
		}
		ctx := context.Background()
		file := syntheticNDJSON(40)
		for _, tt := range []struct {
			name string
			file []byte
			opts store.ImportOptions
		}{
			{"dry run", file, store.ImportOptions{DryRun: true}},
			{"import", file, store.ImportOptions{}},
			{"refused", file, store.ImportOptions{}}, // the second import of the file is a conflict
		} {
			err := st.InTx(ctx, func(tx *store.Store) error {
				// The mode the rest of the transaction runs with (connections
				// themselves run with PostgreSQL's default, auto).
				if err := tx.DB().Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
					t.Fatal(err)
				}
				_, err := tx.ImportNDJSON(ctx, store.System("import"), bytes.NewReader(tt.file), tt.opts)
				if (err != nil) != (tt.name == "refused") {
					t.Errorf("%s: ImportNDJSON = %v", tt.name, err)
				}
				var mode string
				if err := tx.DB().Raw("SHOW plan_cache_mode").Scan(&mode).Error; err != nil || mode != "force_custom_plan" {
					t.Errorf("%s: plan_cache_mode after the import = %q, %v; want force_custom_plan", tt.name, mode, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
