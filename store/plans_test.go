package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// statementLog records the SELECTs the store builds (what queryRows sends:
// gorm's DryRun runs the query callbacks), with their arguments, while on.
type statementLog struct {
	mu    sync.Mutex
	on    bool
	stmts []loggedStatement
}

type loggedStatement struct {
	sql  string
	vars []any
}

func logStatements(t *testing.T, st *store.Store) *statementLog {
	t.Helper()
	l := &statementLog{}
	record := func(db *gorm.DB) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if sql := db.Statement.SQL.String(); l.on && strings.HasPrefix(sql, "SELECT") {
			l.stmts = append(l.stmts, loggedStatement{sql, slices.Clone(db.Statement.Vars)})
		}
	}
	cbs := st.DB().Callback()
	for _, err := range []error{
		cbs.Query().After("gorm:query").Register("claimgrade_test:plans", record),
		cbs.Row().After("gorm:row").Register("claimgrade_test:plans", record),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// during returns the statements fn built.
func (l *statementLog) during(fn func()) []loggedStatement {
	l.mu.Lock()
	l.on, l.stmts = true, nil
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.stmts
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode map[string]any

func (n planNode) children() []planNode {
	var out []planNode
	if ps, ok := n["Plans"].([]any); ok {
		for _, p := range ps {
			if m, ok := p.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

func (n planNode) str(key string) string { s, _ := n[key].(string); return s }

var paramRE = regexp.MustCompile(`\$\d+`)

// planProblems lists what makes a plan read more than its values ask for:
// a sequential scan of one of the big tables; a bound value ($n) used
// anywhere but an index condition (a Filter, a join condition), so that
// the rows are read first and the value only sifts them, as the generic
// plan of a flag parameter walked claim_flags' claim index (884 ms at 1M
// claims); and, in a document (no LIMIT: walk false), an index of a big
// table read without an index condition, from its first entry. A page
// may walk an index in id order: its LIMIT stops the walk. It also
// reports whether claims or findings were read by an index.
func planProblems(n planNode, big map[string]bool, walk bool) (problems []string, byIndex bool) {
	var visit func(n planNode)
	visit = func(n planNode) {
		rel, typ := n.str("Relation Name"), n.str("Node Type")
		if typ == "Seq Scan" && big[rel] {
			problems = append(problems, "Seq Scan on "+rel)
		}
		if !walk && big[rel] && strings.HasPrefix(typ, "Index") && n.str("Index Cond") == "" {
			problems = append(problems, typ+" on "+rel+" without an index condition")
		}
		if (rel == "claims" || rel == "findings") && strings.Contains(typ, "Index") {
			byIndex = true
		}
		for key, v := range n {
			if s, ok := v.(string); ok && key != "Index Cond" && key != "Recheck Cond" && paramRE.MatchString(s) {
				problems = append(problems, fmt.Sprintf("%s on %s: %s %s", typ, cmpOr(rel, "-"), key, s))
			}
		}
		for _, c := range n.children() {
			visit(c)
		}
	}
	visit(n)
	return problems, byIndex
}

// planText is n as indented lines: node, relation, index and conditions.
func planText(n planNode) string {
	var b strings.Builder
	var walk func(n planNode, depth int)
	walk = func(n planNode, depth int) {
		fmt.Fprintf(&b, "\n%s%s", strings.Repeat("  ", depth), n.str("Node Type"))
		if rel := n.str("Relation Name"); rel != "" {
			fmt.Fprintf(&b, " on %s", rel)
		}
		if idx := n.str("Index Name"); idx != "" {
			fmt.Fprintf(&b, " using %s", idx)
		}
		for _, key := range []string{"Index Cond", "Filter", "Merge Cond", "Hash Cond", "Join Filter"} {
			if v := n.str(key); v != "" {
				fmt.Fprintf(&b, " [%s: %s]", key, v)
			}
		}
		for _, c := range n.children() {
			walk(c, depth+1)
		}
	}
	walk(n, 1)
	return b.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// explainJSON runs EXPLAIN (FORMAT JSON) of sql on the store's connection.
func explainJSON(t *testing.T, db *gorm.DB, sql string) planNode {
	t.Helper()
	var raw string
	if err := db.Raw("EXPLAIN (FORMAT JSON) " + sql).Row().Scan(&raw); err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	var out []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) != 1 {
		t.Fatalf("EXPLAIN %s: %v\n%s", sql, err, raw)
	}
	return out[0].Plan
}

// sqlLiteral writes a statement's argument as SQL (EXECUTE takes
// expressions, not bound parameters).
func sqlLiteral(t *testing.T, v any) string {
	t.Helper()
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	t.Fatalf("argument %v (%T): no SQL literal", v, v)
	return ""
}

// TestPlanChoices guards which statements PostgreSQL may keep a plan of
// (store/rows.go, stmtPlan; issue 24). On a store with one connection it
// runs every hot read at least six times with representative values (a
// common and a rare flag, cursors near the start and near the end, several
// documents), then reads pg_prepared_statements on that connection:
//
//   - a cached statement (a page without filters or with one flag, the
//     claim and the finding document) is one named statement whatever the
//     values (and whatever page size up to its fixed fetch size), and
//     PostgreSQL has switched it to its generic plan; with
//     plan_cache_mode=force_generic_plan, EXPLAIN EXECUTE of it for each of
//     the values shows the generic plan, which must not scan claims or
//     claim_flags sequentially and must use every bound value in an index
//     condition only (PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN));
//   - a per-value statement (q, several flags, a rating, a therapy) is never
//     a named statement, so PostgreSQL plans it for its values each time
//     (TestExplainClaimPages and TestExplainSearch check those plans);
//     what its generic plan would have been is logged: at this size, each
//     reads a value after the scan (Filter: flag = $1, rating = $1,
//     therapy_id = $1) or scans claims for q.
//
// PostgreSQL switches a cached statement to its generic plan when that
// costs no more than the custom plans it made first: the test requires
// that it did for the pages without a flag and the two documents, and logs
// it for the others.
//
// No other statement is prepared by name. Every table a page or a document
// reads holds 2,000 rows or more (filler sources, findings, appearances,
// finding links and evidence searches besides the claims), except the
// therapies, questions, grades and includes, which stay small in any
// catalogue or are empty here: those may be scanned.
func TestPlanChoices(t *testing.T) {
	var pg *testenv.Backend
	for _, b := range testenv.Backends() {
		if b.Name == store.Postgres {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("TEST_DATABASE_URL is not set: plans are PostgreSQL's")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.URL(t, *pg), store.Options{MaxOpenConns: 1, MaxIdleConns: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	ids := bulkClaims(t, st, 2000)
	documented := []int64{ids[3], ids[300], ids[700], ids[1100], ids[1500], ids[1999]}
	for i, id := range documented {
		linkFindings(t, st, id, 1+i%3)
	}
	var findings []int64
	if err := st.DB().Raw("SELECT id FROM findings ORDER BY id").Scan(&findings).Error; err != nil || len(findings) < 6 {
		t.Fatalf("findings %v, %v", findings, err)
	}
	// Filler rows, so that the planner reads every table of a document as
	// it would in a catalogue: 2,000 sources and findings, and each claim
	// without a document an appearance, a finding link and a search.
	for _, sql := range []string{
		`INSERT INTO sources (kind, title, search_text, created_at, updated_at)
			SELECT 'rct', 'Source ' || g, 'source ' || g, now(), now() FROM generate_series(1, 2000) g`,
		`INSERT INTO findings (question_id, summary, created_at, updated_at)
			SELECT (SELECT MIN(id) FROM questions), 'Finding ' || g, now(), now() FROM generate_series(1, 2000) g`,
		`CREATE TEMP TABLE filler AS SELECT c.id AS claim_id, s.id AS source_id, f.id AS finding_id
			FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM claims WHERE id NOT IN (SELECT claim_id FROM claim_findings)) c
			JOIN (SELECT id, row_number() OVER (ORDER BY id DESC) n FROM sources) s USING (n)
			JOIN (SELECT id, row_number() OVER (ORDER BY id DESC) n FROM findings) f USING (n)`,
		`INSERT INTO links (claim_id, source_id, role, created_at, updated_at)
			SELECT claim_id, source_id, 'appearance', now(), now() FROM filler`,
		`INSERT INTO claim_findings (claim_id, finding_id, stance, created_at, updated_at)
			SELECT claim_id, finding_id, 'supports', now(), now() FROM filler`,
		`INSERT INTO finding_sources (finding_id, source_id, created_at, updated_at)
			SELECT finding_id, source_id, now(), now() FROM filler`,
		`INSERT INTO finding_flags (flag, finding_id) SELECT 'ungraded', finding_id FROM filler`,
		`INSERT INTO evidence_searches (claim_id, database_name, query_text, searched_at, hits, screened, created_by, created_at, updated_at)
			SELECT claim_id, 'pubmed', 'mesotherapy', now(), 3, 3, 'test', now(), now() FROM filler`,
		"DROP TABLE filler",
		"ANALYZE",
	} {
		if err := st.DB().Exec(sql).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var bigTables []string
	if err := st.DB().Raw(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace
		AND reltuples >= 1000 ORDER BY relname`).Scan(&bigTables).Error; err != nil {
		t.Fatal(err)
	}
	big := map[string]bool{}
	for _, name := range bigTables {
		big[name] = true
	}
	for _, name := range []string{"claims", "claim_flags", "sources", "links", "findings", "claim_findings", "finding_sources", "finding_flags", "evidence_searches"} {
		if !big[name] {
			t.Fatalf("%s holds fewer than 1,000 rows (the big tables are %v): its plans would prove little", name, bigTables)
		}
	}
	log := logStatements(t, st)
	db := st.DB().WithContext(ctx)

	list := func(f store.ClaimFilter) func() error {
		return func() error {
			rows, _, err := st.ListClaims(ctx, f)
			if err == nil && len(rows) == 0 {
				err = fmt.Errorf("ListClaims(%+v) found nothing: the plan of an empty page proves little", f)
			}
			return err
		}
	}
	pages := func(f store.ClaimFilter, afters ...int64) []func() error {
		var out []func() error
		for _, a := range afters {
			g := f
			g.Page.After = a
			out = append(out, list(g))
		}
		return out
	}
	limits := func(f store.ClaimFilter, limits ...int) []func() error {
		var out []func() error
		for _, n := range limits {
			g := f
			g.Page.Limit = n
			out = append(out, list(g))
		}
		return out
	}
	claimDoc := func(id int64) func() error { return func() error { _, err := st.GetClaim(ctx, id); return err } }
	findingDoc := func(id int64) func() error { return func() error { _, err := st.GetFinding(ctx, id); return err } }
	unsupported, contradicted := []grading.Flag{grading.FlagUnsupported}, []grading.Flag{grading.FlagContradicted}
	deep := []int64{ids[5], ids[400], ids[1000], ids[1500], ids[1800], ids[1900], ids[1950]}
	tests := []struct {
		name   string
		cached bool
		// generic: PostgreSQL must have switched to the generic plan.
		generic bool
		runs    []func() error
		// document: no LIMIT, so no index may be walked from its start.
		document bool
	}{
		{"first page (limits 26 to 50 share one statement)", true, true, limits(store.ClaimFilter{}, 50, 26, 30, 49, 50, 40, 50), false},
		{"page after a cursor", true, true, pages(store.ClaimFilter{}, deep...), false},
		{"common flag, first page", true, true, limits(store.ClaimFilter{Flags: unsupported}, 50, 50, 50, 50, 50, 50, 50), false},
		{"rare flag, first page", true, true, limits(store.ClaimFilter{Flags: contradicted}, 50, 50, 50, 50, 50, 50, 50), false},
		{"common flag after a cursor", true, false, pages(store.ClaimFilter{Flags: unsupported}, deep...), false},
		{"rare flag after a cursor", true, false, pages(store.ClaimFilter{Flags: contradicted}, ids[5], ids[100], ids[400], ids[1000], ids[1500], ids[1800], ids[1900]), false},
		{"claim document", true, true, []func() error{claimDoc(documented[0]), claimDoc(documented[1]), claimDoc(documented[2]),
			claimDoc(documented[3]), claimDoc(documented[4]), claimDoc(documented[5]), claimDoc(documented[0])}, true},
		{"finding document", true, true, []func() error{findingDoc(findings[0]), findingDoc(findings[5]), findingDoc(findings[1]),
			findingDoc(findings[3]), findingDoc(findings[2]), findingDoc(findings[4]), findingDoc(findings[0])}, true},
		// bulkClaims' search_text is the text as written, not folded: the
		// terms are lower-case parts of it.
		{"q", false, false, []func() error{list(store.ClaimFilter{Q: "schmerzfrei"}), list(store.ClaimFilter{Q: "ehauptung 1999"}),
			list(store.ClaimFilter{Q: "ehauptung 12"}), list(store.ClaimFilter{Q: "nahezu"}), list(store.ClaimFilter{Q: "ehauptung 7:"}),
			list(store.ClaimFilter{Q: "schmerzfrei", Page: store.Page{After: ids[1900]}})}, false},
		{"two flags after a cursor", false, false, pages(store.ClaimFilter{Flags: []grading.Flag{grading.FlagContradicted, grading.FlagUngraded}},
			ids[1000], ids[1200], ids[1400], ids[1500], ids[1700], ids[1800]), false},
		{"rating after a cursor", false, false, pages(store.ClaimFilter{Rating: grading.RatingAccurate}, ids[5], ids[100], ids[400], ids[1000], ids[1500], ids[1800]), false},
		{"therapy", false, false, pages(store.ClaimFilter{Therapy: "infusion-therapy"}, ids[5], ids[100], ids[400], ids[1000], ids[1500], ids[1800]), false},
	}
	type prepared struct {
		name                string
		generic, customRuns int64
	}
	preparedStatements := func() map[string]prepared {
		rows, err := db.Raw("SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements").Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]prepared{}
		for rows.Next() {
			var p prepared
			var stmt string
			if err := rows.Scan(&p.name, &stmt, &p.generic, &p.customRuns); err != nil {
				t.Fatal(err)
			}
			out[stmt] = p
		}
		return out
	}
	cachedSQL := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			stmts := log.during(func() {
				for _, run := range tt.runs {
					if err = run(); err != nil {
						return
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			var hot []loggedStatement // the statement under test, one per run
			for _, s := range stmts {
				// Not the therapy filter's look-up of the therapy's id (gorm).
				if strings.HasPrefix(s.sql, "SELECT claims.") || strings.HasPrefix(s.sql, "SELECT c.") || strings.HasPrefix(s.sql, "SELECT json_build_object") {
					hot = append(hot, s)
				}
			}
			if len(hot) != len(tt.runs) || len(hot) < 6 {
				t.Fatalf("%d runs built %d statements, want one each and at least six:\n%v", len(tt.runs), len(hot), hot)
			}
			ps := preparedStatements()
			if !tt.cached {
				for _, s := range hot {
					if p, ok := ps[s.sql]; ok {
						t.Errorf("the per-value statement is prepared as %s (generic plans %d): PostgreSQL may stop planning it for its values:\n%s",
							p.name, p.generic, s.sql)
					}
				}
				// What caching it would have meant: its generic plan (logged).
				if err := db.Exec("PREPARE claimgrade_test_generic AS " + hot[0].sql).Error; err != nil {
					t.Fatal(err)
				}
				if err := db.Exec("SET plan_cache_mode = force_generic_plan").Error; err != nil {
					t.Fatal(err)
				}
				args := make([]string, len(hot[0].vars))
				for i, v := range hot[0].vars {
					args[i] = sqlLiteral(t, v)
				}
				execute := "EXECUTE claimgrade_test_generic"
				if len(args) > 0 {
					execute += "(" + strings.Join(args, ", ") + ")"
				}
				plan := explainJSON(t, db, execute)
				problems, _ := planProblems(plan, big, true)
				t.Logf("planned for its values at each request; its generic plan for %v would have had %d problems %v:%s", args, len(problems), problems, planText(plan))
				for _, sql := range []string{"SET plan_cache_mode = auto", "DEALLOCATE claimgrade_test_generic"} {
					if err := db.Exec(sql).Error; err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			for _, s := range hot[1:] {
				if s.sql != hot[0].sql {
					t.Fatalf("the values changed the statement (a cached plan needs one statement):\n%s\n%s", hot[0].sql, s.sql)
				}
			}
			p, ok := ps[hot[0].sql]
			if !ok {
				t.Fatalf("the statement is not a prepared statement on the connection, so its plan is made at every request:\n%s", hot[0].sql)
			}
			cachedSQL[hot[0].sql] = true
			if tt.generic && p.generic == 0 {
				t.Errorf("after %d runs PostgreSQL still plans %s for its values (custom plans %d, generic %d):\n%s",
					len(hot), p.name, p.customRuns, p.generic, hot[0].sql)
			}
			if err := db.Exec("SET plan_cache_mode = force_generic_plan").Error; err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := db.Exec("SET plan_cache_mode = auto").Error; err != nil {
					t.Fatal(err)
				}
			}()
			seen := map[string]bool{}
			for _, s := range hot {
				args := make([]string, len(s.vars))
				for i, v := range s.vars {
					args[i] = sqlLiteral(t, v)
				}
				execute := "EXECUTE " + p.name
				if len(args) > 0 {
					execute += "(" + strings.Join(args, ", ") + ")"
				}
				if seen[execute] {
					continue
				}
				seen[execute] = true
				plan := explainJSON(t, db, execute)
				problems, byIndex := planProblems(plan, big, !tt.document)
				if len(problems) > 0 || !byIndex {
					t.Errorf("the generic plan of %s for %v reads claims or findings by an index: %v; problems: %v\n%s%s", p.name, args, byIndex, problems, hot[0].sql, planText(plan))
				}
				if len(seen) == 1 {
					t.Logf("cached: generic plans %d, custom %d; the generic plan for %v:%s", p.generic, p.customRuns, args, planText(plan))
				}
			}
		})
	}
	for sql, p := range preparedStatements() {
		if !cachedSQL[sql] {
			t.Errorf("%s is prepared by name, but is none of the statements whose plan may be cached:\n%s", p.name, sql)
		}
	}
}

// TestListPagesOfAnySize: a page is read with one of a few fixed LIMITs
// (store.fetchSize), the smallest that holds it; whatever the page size
// from 1 to 200, with or without a flag, the pages hold exactly that many
// claims and, walked by their cursors, list every claim once, in order.
func TestListPagesOfAnySize(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ids := bulkClaims(t, st, 230)
		var unsupported []int64
		for i, id := range ids {
			if i%10 != 0 { // bulkClaims: every claim but every tenth is unsupported
				unsupported = append(unsupported, id)
			}
		}
		for _, tt := range []struct {
			name  string
			flags []grading.Flag
			want  []int64
		}{{"all", nil, ids}, {"unsupported", []grading.Flag{grading.FlagUnsupported}, unsupported}} {
			for _, limit := range []int{1, 7, 10, 11, 26, 50, 51, 199, 200} {
				var got []int64
				var after int64
				for page := 0; ; page++ {
					rows, next, err := st.ListClaims(ctx, store.ClaimFilter{Flags: tt.flags, Page: store.Page{Limit: limit, After: after}})
					if err != nil {
						t.Fatalf("%s, limit %d, page %d: %v", tt.name, limit, page, err)
					}
					left := len(tt.want) - len(got)
					if len(rows) != min(limit, left) || (next == "") != (left <= limit) {
						t.Fatalf("%s, limit %d, page %d: %d claims, next cursor %q; want %d claims, a cursor unless the last",
							tt.name, limit, page, len(rows), next, min(limit, left))
					}
					for _, c := range rows {
						got = append(got, c.ID)
					}
					if next == "" {
						break
					}
					if after, err = store.DecodeCursor(next); err != nil {
						t.Fatal(err)
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("%s, limit %d: the pages list %d claims, want %d in id order", tt.name, limit, len(got), len(tt.want))
				}
			}
		}
	})
}
