package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"claimgrade/bulk"
	"claimgrade/dataset"
	"claimgrade/grading"
	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
)

// exportBytes exports st whole.
func exportBytes(t testing.TB, st *store.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := st.ExportNDJSON(context.Background(), &buf, nil); err != nil {
		t.Fatalf("ExportNDJSON: %v", err)
	}
	return buf.Bytes()
}

// rowCounts reads how many rows the catalogue's tables hold.
func rowCounts(t testing.TB, st *store.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"therapies", "therapy_aliases", "sources", "source_includes", "questions", "findings", "finding_sources",
		"finding_flags", "finding_assessments", "finding_first_submissions", "finding_grades", "claims", "links", "claim_findings",
		"claim_flags", "users", "audit_events", "evidence_searches", "evidence_search_sources"} {
		var n int64
		if err := st.DB().Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// seedDemo loads the demo dataset and records evidence searches on two of
// its claims (demoSearches), so that every bulk test covers them.
func seedDemo(t testing.TB, st *store.Store) {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Seed(context.Background(), st, d, 2); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	demoSearches(t, st)
}

// demoSearches records three searches by two editors, beside the demo's
// own: two for the micro-vaccination claim, which links no finding (a PubMed
// search with nothing includable, in a time zone other than UTC; a Cochrane
// search that led to two sources, changed once so that its version is 2),
// and one made in 2023 for a claim rated on a graded finding (its age makes
// the claim stale_grade under the default two years). The numbers are a
// fixture's, not a real search's.
func demoSearches(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	var vaccination, rated int64
	// The sentence is four claims (asthma, cystic fibrosis, urinary tract,
	// immunodeficiency); the first is the asthma claim.
	if err := db.Raw("SELECT MIN(id) FROM claims WHERE text LIKE ?", "Mesotherapy also includes a so-called Mini vaccination%").Scan(&vaccination).Error; err != nil || vaccination == 0 {
		t.Fatalf("the micro-vaccination claim: %d, %v", vaccination, err)
	}
	if err := db.Raw("SELECT MIN(id) FROM claims WHERE rating = 'accurate'").Scan(&rated).Error; err != nil || rated == 0 {
		t.Fatalf("an accurate demo claim: %d, %v", rated, err)
	}
	var sources []int64
	if err := db.Raw("SELECT id FROM sources WHERE kind <> 'web_article' ORDER BY id LIMIT 2").Scan(&sources).Error; err != nil || len(sources) != 2 {
		t.Fatalf("two evidence sources: %v, %v", sources, err)
	}
	erin, ugo := store.Actor{Name: "erin", Role: models.RoleEditor}, store.Actor{Name: "ugo", Role: models.RoleEditor}
	n := func(v int64) *int64 { return &v }
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	note := "No study of intradermal micro-vaccination in asthma or cystic fibrosis."
	if _, err := st.CreateSearch(ctx, erin, vaccination, store.SearchInput{Database: grading.DatabasePubMed,
		Query: `(mesotherapy OR "intradermal therapy") AND (asthma OR "cystic fibrosis")`, SearchedAt: at("2026-11-03T10:15:30.123456+01:00"),
		Hits: n(12), Screened: n(3), Note: &note}); err != nil {
		t.Fatal(err)
	}
	cochrane, err := st.CreateSearch(ctx, ugo, vaccination, store.SearchInput{Database: grading.DatabaseCochraneLibrary,
		Query: "mesotherapy", SearchedAt: at("2026-11-04T00:00:00Z"), Hits: n(4), Screened: n(4), SourceIDs: sources})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateSearch(ctx, erin, vaccination, cochrane.ID, 1, store.SearchPatch{Hits: n(5)}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSearch(ctx, erin, rated, store.SearchInput{Database: grading.DatabaseEmbase, Query: "mesotherapy AND abscess",
		SearchedAt: at("2023-02-01T00:00:00Z"), Hits: n(40), Screened: n(40), SourceIDs: sources[:1]}); err != nil {
		t.Fatal(err)
	}
}

// TestImportRoundTrip: the demo catalogue exported, imported into an empty
// database and exported again gives the same bytes, on both backends.
func TestImportRoundTrip(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			src := testenv.Open(t, b)
			seedDemo(t, src)
			first := exportBytes(t, src)
			dst := testenv.Open(t, b)
			res, err := dst.ImportNDJSON(ctx, store.System("import"), bytes.NewReader(first), store.ImportOptions{})
			if err != nil {
				t.Fatalf("ImportNDJSON: %v", err)
			}
			if !res.Restore || res.Claims.Created == 0 || res.Sources.Created == 0 {
				t.Errorf("ImportNDJSON = %+v, want a restore that creates claims and sources", res)
			}
			if n, want := bytes.Count(first, []byte(`"created_by":`)), demoSearchCount(t)+3; n != want {
				t.Errorf("the export holds %d evidence searches, want the demo's and the fixture's 3: %d", n, want)
			}
			for _, table := range []string{"evidence_searches", "evidence_search_sources"} {
				if a, b := testenv.Count(t, src, table, ""), testenv.Count(t, dst, table, ""); a != b || a == 0 {
					t.Errorf("%s: %d rows restored, want %d", table, b, a)
				}
			}
			second := exportBytes(t, dst)
			if !bytes.Equal(first, second) {
				a, b := strings.Split(string(first), "\n"), strings.Split(string(second), "\n")
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Fatalf("exports differ at line %d:\nfirst:  %s\nsecond: %s", i+1, a[i], b[i])
					}
				}
				t.Fatalf("exports differ in length: %d and %d lines", len(a), len(b))
			}
			// A reader that cannot seek (a request body) is spooled to a
			// temporary file first: the same import.
			spooled := testenv.Open(t, b)
			if _, err := spooled.ImportNDJSON(ctx, store.System("import"), unseekable(first), store.ImportOptions{}); err != nil {
				t.Fatalf("ImportNDJSON of an unseekable reader: %v", err)
			}
			if third := exportBytes(t, spooled); !bytes.Equal(first, third) {
				t.Fatalf("the import of an unseekable reader exports %d bytes, not the %d bytes imported", len(third), len(first))
			}
			t.Logf("%d bytes, %d lines; import %+v", len(first), bytes.Count(first, []byte("\n")), res)
		})
	}
}

// TestImportAgain: importing the same file into the catalogue it came from
// is a conflict naming the lines, and writes nothing.
func TestImportAgain(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		seedDemo(t, st)
		file := exportBytes(t, st)
		before := rowCounts(t, st)
		for _, r := range []io.Reader{bytes.NewReader(file), unseekable(file)} {
			_, err := st.ImportNDJSON(context.Background(), store.System("import"), r, store.ImportOptions{})
			var ie *store.ImportError
			if !errors.As(err, &ie) || !ie.Conflict || !errors.Is(err, store.ErrConflict) || len(ie.Problems) == 0 {
				t.Fatalf("ImportNDJSON again (%T) = %v, want an ImportError conflict", r, err)
			}
			if p := ie.Problems[0]; p.Line < 2 || p.Field == "" {
				t.Errorf("first problem = %+v, want a line and a field", p)
			}
			if !slices.ContainsFunc(ie.Problems, func(p store.LineProblem) bool { return p.Field == "data.text" }) {
				t.Errorf("problems = %+v, want the claims already imported (data.text)", ie.Problems)
			}
			if after := rowCounts(t, st); !mapsEqual(before, after) {
				t.Errorf("rows after a refused import = %v, want %v", after, before)
			}
		}
	})
}

// unseekable reads b through a reader that is not an io.Seeker, as a
// request body is.
func unseekable(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} }

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestImportClaimTherapyUnknown: claims whose therapy neither a therapy
// line nor the catalogue has are refused, each with its line, in file
// order, the first MaxImportProblems of them; nothing is written.
func TestImportClaimTherapyUnknown(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		lines := strings.Split(string(syntheticNDJSON(300)), "\n")
		var want []int // lines of the claims given an unknown therapy
		k := 0
		for i, l := range lines {
			if !strings.HasPrefix(l, `{"type":"claim"`) {
				continue
			}
			k++
			if k%3 != 0 {
				slug := []string{"", "nowhere-a", "nowhere-b"}[k%3]
				lines[i] = strings.Replace(l, `"therapy":"mesotherapy"`, `"therapy":"`+slug+`"`, 1)
				want = append(want, i+1)
			}
		}
		before := rowCounts(t, st)
		_, err := st.ImportNDJSON(context.Background(), store.System("import"), unseekable([]byte(strings.Join(lines, "\n"))), store.ImportOptions{})
		var ie *store.ImportError
		if !errors.As(err, &ie) || ie.Conflict || !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("ImportNDJSON = %v, want an invalid import", err)
		}
		if len(want) != 200 || len(ie.Problems) != store.MaxImportProblems || !ie.Truncated {
			t.Fatalf("%d claims changed; %d problems (truncated %v), want 200 and %d, truncated", len(want), len(ie.Problems), ie.Truncated, store.MaxImportProblems)
		}
		for i, p := range ie.Problems {
			if p.Line != want[i] || p.Field != "data.therapy" || !strings.Contains(p.Message, "nowhere-") {
				t.Fatalf("problem %d = %+v, want line %d, data.therapy, the slug", i, p, want[i])
			}
		}
		if after := rowCounts(t, st); !mapsEqual(before, after) {
			t.Errorf("rows after a refused import = %v, want %v", after, before)
		}
	})
}

// TestImportSearchProblems: a bad evidence search in a claim line is a
// problem naming its line and field (data.searches[i].field), every one
// reported, and nothing is written: not the search, not its claim, not the
// rest of the file.
func TestImportSearchProblems(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			src := testenv.Open(t, b)
			seedDemo(t, src)
			lines := strings.Split(string(exportBytes(t, src)), "\n")
			// The lines (0-based) of the claim with the PubMed and Cochrane
			// searches, and of the claim with the Embase one.
			pubmedLine, embaseLine := -1, -1
			for i, l := range lines {
				switch {
				case !strings.HasPrefix(l, `{"type":"claim"`):
				case strings.Contains(l, `"database":"pubmed"`):
					pubmedLine = i
				case strings.Contains(l, `"database":"embase"`):
					embaseLine = i
				}
			}
			if pubmedLine < 0 || embaseLine < 0 {
				t.Fatalf("the fixture's claim lines with searches: %d %d", pubmedLine, embaseLine)
			}
			edit := func(i int, pairs ...string) {
				lines[i] = strings.NewReplacer(pairs...).Replace(lines[i])
			}
			// The pubmedLine claim's searches: the PubMed one loses its hits and its
			// note, the Cochrane one names an unknown database, a source no line
			// has and a count screened above its hits.
			edit(pubmedLine, `"database":"pubmed"`, `"database":"medline"`, `"hits":12,`, `"hits":null,`,
				`"note":"No study of intradermal micro-vaccination in asthma or cystic fibrosis."`, `"note":null`,
				`"screened":4,`, `"screened":9,`)
			var vaccination bulk.Claim
			var env struct {
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal([]byte(lines[pubmedLine]), &env); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(env.Data, &vaccination); err != nil {
				t.Fatalf("the edited claim line: %v", err)
			}
			// The claim also holds the demo's own searches (database other):
			// the fixture's are found by their database.
			pm := slices.IndexFunc(vaccination.Searches, func(s bulk.Search) bool { return s.Database == "medline" })
			co := slices.IndexFunc(vaccination.Searches, func(s bulk.Search) bool { return s.Database == grading.DatabaseCochraneLibrary })
			if pm < 0 || co < 0 || pm > co {
				t.Fatalf("the edited claim line's searches %+v: want the PubMed search before the Cochrane one", vaccination.Searches)
			}
			pubmedID := vaccination.Searches[pm].ID
			edit(pubmedLine, fmt.Sprintf(`"sources":[%d,`, vaccination.Searches[co].Sources[0]), `"sources":[999999,`)
			// The Embase search takes the PubMed search's id, has no author
			// and version 0.
			var other bulk.Claim
			if err := json.Unmarshal([]byte(lines[embaseLine]), &env); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(env.Data, &other); err != nil {
				t.Fatalf("the embaseLine claim line: %v", err)
			}
			em := slices.IndexFunc(other.Searches, func(s bulk.Search) bool { return s.Database == grading.DatabaseEmbase })
			if em < 0 {
				t.Fatalf("the embaseLine claim line has no Embase search: %+v", other.Searches)
			}
			edit(embaseLine, fmt.Sprintf(`{"id":%d,"database":"embase"`, other.Searches[em].ID), fmt.Sprintf(`{"id":%d,"database":"embase"`, pubmedID),
				`"version":1,"created_by":"erin"`, `"version":0,"created_by":" "`)

			dst := testenv.Open(t, b)
			before := rowCounts(t, dst)
			_, err := dst.ImportNDJSON(context.Background(), store.System("import"), strings.NewReader(strings.Join(lines, "\n")), store.ImportOptions{})
			var ie *store.ImportError
			if !errors.As(err, &ie) || ie.Conflict {
				t.Fatalf("ImportNDJSON = %v, want an invalid import", err)
			}
			var got []string
			for _, p := range ie.Problems {
				got = append(got, fmt.Sprintf("%d %s", p.Line, p.Field))
			}
			// The Embase claim's line comes pubmedLine: the PubMed search, later in
			// the file, is the one that repeats an id.
			at := func(line, i int, field string) string {
				return fmt.Sprintf("%d data.searches[%d].%s", line+1, i, field)
			}
			want := []string{
				at(embaseLine, em, "version"), at(embaseLine, em, "created_by"),
				at(pubmedLine, pm, "database"), at(pubmedLine, pm, "hits"), at(pubmedLine, pm, "note"), at(pubmedLine, pm, "id"),
				at(pubmedLine, co, "screened"), at(pubmedLine, co, "sources[0]"),
			}
			if embaseLine > pubmedLine {
				t.Fatalf("the Embase claim's line %d comes after the PubMed one's %d: the expected problems assume the demo's order", embaseLine, pubmedLine)
			}
			if !slices.Equal(got, want) {
				t.Errorf("problems = %v, want %v (%v)", got, want, err)
			}
			for _, p := range ie.Problems {
				if p.Field == fmt.Sprintf("data.searches[%d].id", pm) && !strings.Contains(p.Message, fmt.Sprintf("line %d", embaseLine+1)) {
					t.Errorf("the repeated id's problem %q does not name the line of the pubmedLine use (%d)", p.Message, embaseLine+1)
				}
			}
			if after := rowCounts(t, dst); !mapsEqual(before, after) {
				t.Errorf("rows after a refused import = %v, want %v", after, before)
			}
		})
	}
}

// demoSearchCount is the number of evidence searches the demo dataset
// documents.
func demoSearchCount(t *testing.T) int {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range d.Claims {
		n += len(c.Searches)
	}
	return n
}
