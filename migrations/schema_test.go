package migrations_test

import (
	"context"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm/schema"

	"claimgrade/internal/testenv"
	"claimgrade/migrations"
	"claimgrade/models"
	"claimgrade/store"
)

// schemaModels is every gorm model of package models. When you add a
// model, add it here: TestSchemaMatchesModels then checks its columns on
// every backend, and fails for any migrated table that no model here (or in
// tablesWithoutModel) describes.
var schemaModels = []any{
	&models.Therapy{},
	&models.TherapyAlias{},
	&models.Claim{},
	&models.ClaimFlag{},
	&models.Source{},
	&models.Link{},
	&models.User{},
	&models.APIKey{},
	&models.AuditEvent{},
	&models.IdempotencyRecord{}, // added by the security work (00003_idempotency)
	&models.SourceInclude{},     // 00004_outcomes
	&models.Question{},
	&models.Finding{},
	&models.FindingFlag{},
	&models.FindingSource{},
	&models.ClaimFinding{},
	&models.Change{},            // 00005_changes
	&models.FindingAssessment{}, // 00007_finding_review
	&models.FindingGrade{},
	&models.FindingFirstSubmission{}, // 00009_first_submissions
	&models.Webhook{},                // 00010_webhooks
	&models.WebhookEventType{},
	&models.WebhookDelivery{},
	&models.WebhookAttempt{},
	&models.EvidenceSearch{}, // 00014_evidence_searches
	&models.EvidenceSearchSource{},
	&models.FeedEpoch{}, // 00017_feed_epochs
}

// tablesWithoutModel are migrated tables that gorm never maps.
var tablesWithoutModel = map[string]bool{
	"goose_db_version": true,
	"sqlite_sequence":  true,
	// 00006_search: the fold version, read and written by the store in SQL,
	// and on SQLite the FTS5 trigram indexes with their shadow tables.
	"search_fold":         true,
	"claims_fts":          true,
	"claims_fts_data":     true,
	"claims_fts_idx":      true,
	"claims_fts_docsize":  true,
	"claims_fts_config":   true,
	"sources_fts":         true,
	"sources_fts_data":    true,
	"sources_fts_idx":     true,
	"sources_fts_docsize": true,
	"sources_fts_config":  true,
}

// checkSchema asserts that every column gorm reads or writes for each
// model exists in its migrated table, that nullable fields (pointers) have
// nullable columns, and that every table belongs to a model.
func checkSchema(t *testing.T, st *store.Store) {
	t.Helper()
	db := st.DB()
	tables := map[string]bool{}
	for _, m := range schemaModels {
		s, err := schema.Parse(m, &sync.Map{}, db.NamingStrategy)
		if err != nil {
			t.Fatalf("parse %T: %v", m, err)
		}
		tables[s.Table] = true
		if !db.Migrator().HasTable(m) {
			t.Errorf("%T: table %s does not exist", m, s.Table)
			continue
		}
		cols, err := db.Migrator().ColumnTypes(m)
		if err != nil {
			t.Fatalf("%T: column types of %s: %v", m, s.Table, err)
		}
		byName := map[string]gormColumn{}
		for _, c := range cols {
			byName[c.Name()] = c
		}
		for _, name := range s.DBNames {
			c, ok := byName[name]
			if !ok {
				t.Errorf("%T: gorm expects column %s.%s, which the migrations do not create", m, s.Table, name)
				continue
			}
			f := s.LookUpField(name)
			if f == nil || f.FieldType.Kind() != reflect.Pointer {
				continue
			}
			if nullable, ok := c.Nullable(); ok && !nullable {
				t.Errorf("%T.%s is a pointer (nullable) but column %s.%s is NOT NULL", m, f.Name, s.Table, name)
			}
		}
	}
	all, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	for _, table := range all {
		if !tables[table] && !tablesWithoutModel[table] {
			t.Errorf("table %s has no model in schemaModels: add its model there (or the table to tablesWithoutModel)", table)
		}
	}
}

// gormColumn is the part of gorm.ColumnType the check uses.
type gormColumn interface {
	Name() string
	Nullable() (bool, bool)
}

func TestSchemaMatchesModels(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		checkSchema(t, st)
	})
}

// migrationFiles lists the migration files of a dialect folder.
func migrationFiles(t *testing.T, dialect string) []string {
	t.Helper()
	entries, err := fs.ReadDir(migrations.FS, dialect)
	if err != nil {
		t.Fatalf("read %s migrations: %v", dialect, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// TestDialectsHaveSameMigrations: every schema change is written for both
// databases, under the same version and name.
func TestDialectsHaveSameMigrations(t *testing.T) {
	pg, lite := migrationFiles(t, store.Postgres), migrationFiles(t, store.SQLite)
	if len(pg) == 0 {
		t.Fatal("no migrations embedded")
	}
	if diff := cmp.Diff(pg, lite); diff != "" {
		t.Errorf("migration files (-postgres +sqlite):\n%s", diff)
	}
	for _, dialect := range []string{store.Postgres, store.SQLite} {
		for _, name := range migrationFiles(t, dialect) {
			b, err := fs.ReadFile(migrations.FS, path.Join(dialect, name))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "-- +goose Up") || !strings.Contains(string(b), "-- +goose Down") {
				t.Errorf("%s/%s lacks a -- +goose Up or -- +goose Down section", dialect, name)
			}
		}
	}
}

// TestMigrateDownAndUp rolls every migration back, one at a time, then
// applies them all again, on every backend.
func TestMigrateDownAndUp(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		files := migrationFiles(t, st.Dialect())
		wantApplied := func(n int) {
			t.Helper()
			statuses, err := st.MigrationStatuses(ctx)
			if err != nil {
				t.Fatalf("MigrationStatuses: %v", err)
			}
			if len(statuses) != len(files) {
				t.Fatalf("MigrationStatuses lists %d migrations, want %d (%v)", len(statuses), len(files), files)
			}
			for i, s := range statuses {
				applied := i < n
				if s.Applied != applied || path.Base(s.Path) != files[i] || (applied && s.AppliedAt.IsZero()) {
					t.Errorf("migration %d = %s applied %v at %v; want %s applied %v", i, s.Path, s.Applied, s.AppliedAt, files[i], applied)
				}
				if i > 0 && s.Version <= statuses[i-1].Version {
					t.Errorf("migration versions not ascending: %d after %d", s.Version, statuses[i-1].Version)
				}
			}
		}
		wantApplied(len(files))
		if applied, err := st.MigrateUp(ctx); err != nil || len(applied) != 0 {
			t.Errorf("MigrateUp on a current schema = %v, %v; want nothing applied", applied, err)
		}

		for i := len(files) - 1; i >= 0; i-- {
			p, err := st.MigrateDown(ctx)
			if err != nil {
				t.Fatalf("MigrateDown (%s): %v", files[i], err)
			}
			if path.Base(p) != files[i] {
				t.Errorf("MigrateDown rolled back %s, want %s", p, files[i])
			}
			wantApplied(i)
		}
		if p, err := st.MigrateDown(ctx); err == nil {
			t.Errorf("MigrateDown with nothing applied = %s, nil; want an error", p)
		}
		tables, err := st.DB().Migrator().GetTables()
		if err != nil {
			t.Fatal(err)
		}
		tables = slices.DeleteFunc(tables, func(s string) bool { return tablesWithoutModel[s] })
		if len(tables) != 0 {
			t.Errorf("tables left after rolling every migration back: %v", tables)
		}

		applied, err := st.MigrateUp(ctx)
		if err != nil {
			t.Fatalf("MigrateUp again: %v", err)
		}
		var names []string
		for _, a := range applied {
			names = append(names, path.Base(a))
		}
		if diff := cmp.Diff(files, names); diff != "" {
			t.Errorf("MigrateUp again applied (-want +got):\n%s", diff)
		}
		wantApplied(len(files))
		checkSchema(t, st)

		// The re-created schema works.
		a := store.System("test")
		if _, err := st.CreateTherapy(ctx, a, store.TherapyInput{Slug: "mesotherapy", Name: "Mesotherapy", Aliases: []store.AliasInput{{Alias: "Mesotherapie"}}}); err != nil {
			t.Fatalf("CreateTherapy after down/up: %v", err)
		}
		c, err := st.CreateClaim(ctx, a, store.ClaimInput{Therapy: "Mesotherapie", Text: "Schmerzfrei.", Language: "de", ClaimType: "safety"})
		if err != nil {
			t.Fatalf("CreateClaim after down/up: %v", err)
		}
		if c.ID != 1 || len(c.Flags) != 2 {
			t.Errorf("first claim after down/up = id %d with %d flags, want id 1 with 2 flags", c.ID, len(c.Flags))
		}
	})
}
