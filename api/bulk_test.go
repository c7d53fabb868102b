package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"claimgrade/dataset"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

func seedDemoAPI(t *testing.T, st *store.Store) {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Seed(context.Background(), st, d, 2); err != nil {
		t.Fatalf("Seed: %v", err)
	}
}

// demoSearchesAPI records evidence searches on two demo claims through the
// API (one changed once, so at version 2; one led to a source) and returns
// each search's final GET by its path. The numbers are a fixture's, not a
// real search's.
func demoSearchesAPI(t *testing.T, s *testenv.Server) map[string]*testenv.Response {
	t.Helper()
	post := func(claim int64, body map[string]any) string {
		t.Helper()
		res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims/" + strconv.FormatInt(claim, 10) + "/searches", Role: "editor", Body: body})
		res.Want(t, http.StatusCreated)
		return res.Header.Get("Location")
	}
	a := post(1, map[string]any{"database": "pubmed", "query": "mesotherapy AND back pain", "searched_at": "2026-11-03T10:15:30+01:00",
		"hits": 12, "screened": 3, "note": "Fixture: nothing includable."})
	b := post(2, map[string]any{"database": "clinicaltrials_gov", "query": "mesotherapy", "searched_at": "2025-06-01T00:00:00Z",
		"hits": 2, "screened": 2, "source_ids": []int64{1}})
	s.Do(testenv.Request{Method: "PATCH", Path: a, Role: "editor", Body: map[string]any{"hits": 13},
		Headers: map[string]string{"If-Match": `"1"`}}).Want(t, http.StatusOK)
	out := map[string]*testenv.Response{}
	for _, path := range []string{a, b} {
		res := s.Do(testenv.Request{Method: "GET", Path: path})
		res.Want(t, http.StatusOK)
		out[path] = res
	}
	return out
}

func exportHTTP(t *testing.T, s *testenv.Server) []byte {
	t.Helper()
	res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/export"})
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("GET /api/v1/export = %d %s %.300s, want 200 NDJSON", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	return res.Body
}

func importHTTP(s *testenv.Server, body []byte, query string) *testenv.Response {
	return s.Do(testenv.Request{Method: "POST", Path: "/api/v1/import" + query, Role: "editor", Body: body,
		Headers: map[string]string{"Content-Type": "application/x-ndjson"}})
}

func tableCounts(t *testing.T, st *store.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"therapies", "sources", "questions", "findings", "finding_sources", "finding_assessments",
		"finding_grades", "claims", "links", "claim_findings", "claim_flags", "audit_events", "evidence_searches", "evidence_search_sources"} {
		var n int64
		if err := st.DB().Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// TestBulkRoundTrip: on each backend, the demo catalogue exported through
// the API, imported into an empty database (a dry run first, which writes
// nothing) and exported again gives the same bytes; the same file imported
// again is a 409 naming lines, and writes nothing.
func TestBulkRoundTrip(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			src := testenv.Open(t, b)
			seedDemoAPI(t, src)
			searches := demoSearchesAPI(t, testenv.NewServer(t, src))
			first := exportHTTP(t, testenv.NewServer(t, src))
			if again := exportHTTP(t, testenv.NewServer(t, src)); !bytes.Equal(first, again) {
				t.Fatal("two exports of the same catalogue differ")
			}

			dst := testenv.Open(t, b)
			s := testenv.NewServer(t, dst)
			before := tableCounts(t, dst)
			dry := importHTTP(s, first, "?dry_run=true")
			if dry.Status != http.StatusOK {
				t.Fatalf("dry run = %d %s, want 200", dry.Status, dry.Body)
			}
			var dr struct {
				DryRun  bool `json:"dry_run"`
				Restore bool `json:"restore"`
				Counts  map[string]struct{ Created, Matched int }
			}
			dry.Decode(t, &dr)
			d, err := dataset.Load()
			if err != nil {
				t.Fatal(err)
			}
			if !dr.DryRun || !dr.Restore || dr.Counts["claims"].Created != len(d.Claims) {
				t.Errorf("dry run = %s, want dry_run, restore and the demo's %d claims", dry.Body, len(d.Claims))
			}
			if after := tableCounts(t, dst); !mapsEqualAPI(before, after) {
				t.Errorf("rows after a dry run = %v, want %v", after, before)
			}

			res := importHTTP(s, first, "")
			if res.Status != http.StatusOK {
				t.Fatalf("import = %d %s, want 200", res.Status, res.Body)
			}
			second := exportHTTP(t, s)
			if !bytes.Equal(first, second) {
				a, c := strings.Split(string(first), "\n"), strings.Split(string(second), "\n")
				for i := range min(len(a), len(c)) {
					if a[i] != c[i] {
						t.Fatalf("exports differ at line %d:\nfirst:  %.2000s\nsecond: %.2000s", i+1, a[i], c[i])
					}
				}
				t.Fatalf("exports differ in length: %d and %d lines", len(a), len(c))
			}
			// A claim page reads as before: ids were kept.
			if r := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims/1"}); r.Status != http.StatusOK {
				t.Errorf("GET /api/v1/claims/1 after a restore = %d", r.Status)
			}
			// So do the evidence searches: ids, versions, times, authors.
			for path, want := range searches {
				got := s.Do(testenv.Request{Method: "GET", Path: path})
				if got.Status != http.StatusOK || !bytes.Equal(got.Body, want.Body) || got.Header.Get("ETag") != want.Header.Get("ETag") {
					t.Errorf("GET %s after a restore = %d %s (ETag %s), want %s (ETag %s)", path, got.Status, got.Body,
						got.Header.Get("ETag"), want.Body, want.Header.Get("ETag"))
				}
			}

			before = tableCounts(t, dst)
			again := importHTTP(s, first, "")
			p := again.Problem(t, http.StatusConflict)
			errs, _ := p["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("second import = %s, want errors", again.Body)
			}
			if e, _ := errs[0].(map[string]any); e["line"] == nil || e["field"] == nil {
				t.Errorf("first problem = %v, want a line and a field", e)
			}
			if after := tableCounts(t, dst); !mapsEqualAPI(before, after) {
				t.Errorf("rows after a refused import = %v, want %v", after, before)
			}
		})
	}
}

// TestBulkImportRefusals: a bad line is a 422 naming its line and field and
// writes nothing; sources are matched by DOI; the body has its own limit
// and media type; readers may not import.
func TestBulkImportRefusals(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st)
		header := `{"type":"header","format":"claimgrade-ndjson","version":2}` + "\n"
		therapy := `{"type":"therapy","data":{"slug":"mesotherapy","name":"Mesotherapy","description":"","aliases":[],"created_at":"2026-01-01T00:00:00Z"}}` + "\n"
		source := `{"type":"source","data":{"id":7,"kind":"rct","title":"A trial","authors":null,"year":2020,"container":null,"doi":"10.1000/xyz","pmid":null,"url":null,"language":null,"included_design":null,"includes":[],"retracted":false,"retraction_note":null,"created_at":"2026-01-01T00:00:00Z"}}` + "\n"
		badSource := strings.Replace(source, `"kind":"rct"`, `"kind":"anecdote"`, 1)
		badSource = strings.Replace(badSource, `"id":7`, `"id":8`, 1)
		badSource = strings.Replace(badSource, `10.1000/xyz`, `10.1000/abc`, 1)
		end := func(th, so int) string {
			return `{"type":"end","counts":{"therapies":` + strconv.Itoa(th) + `,"sources":` + strconv.Itoa(so) + `,"questions":0,"findings":0,"claims":0}}` + "\n"
		}
		before := tableCounts(t, st)
		res := importHTTP(s, []byte(header+therapy+source+badSource+end(1, 2)), "")
		p := res.Problem(t, http.StatusUnprocessableEntity)
		errs, _ := p["errors"].([]any)
		if len(errs) != 1 {
			t.Fatalf("bad line: errors = %v, want one", p["errors"])
		}
		if e := errs[0].(map[string]any); e["line"] != float64(4) || e["field"] != "data.kind" {
			t.Errorf("bad line: problem = %v, want line 4, field data.kind", e)
		}
		if after := tableCounts(t, st); !mapsEqualAPI(before, after) {
			t.Errorf("rows after a refused import = %v, want %v", after, before)
		}
		// An unknown field, a missing end line: each named.
		res = importHTTP(s, []byte(header+strings.Replace(therapy, `"name"`, `"nom":1,"name"`, 1)), "")
		p = res.Problem(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(res.Body), `"field":"data.nom"`) || !strings.Contains(string(res.Body), "end line") {
			t.Errorf("unknown field and no end line: %s", res.Body)
		}

		// A good file, then one more source under the same DOI: matched.
		if res := importHTTP(s, []byte(header+therapy+source+end(1, 1)), ""); res.Status != http.StatusOK {
			t.Fatalf("import = %d %s", res.Status, res.Body)
		}
		var n int64
		st.DB().Table("sources").Count(&n)
		res = importHTTP(s, []byte(header+therapy+strings.Replace(source, `"id":7`, `"id":99`, 1)+end(1, 1)), "")
		var out struct {
			Restore bool
			Counts  map[string]struct{ Created, Matched int }
		}
		res.Decode(t, &out)
		if res.Status != http.StatusOK || out.Restore || out.Counts["sources"].Matched != 1 || out.Counts["sources"].Created != 0 ||
			out.Counts["therapies"].Matched != 1 {
			t.Errorf("second import = %d %s, want the source and therapy matched", res.Status, res.Body)
		}
		var m int64
		st.DB().Table("sources").Count(&m)
		if m != n {
			t.Errorf("sources = %d after importing a known DOI, want %d", m, n)
		}

		if res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/import", Role: "editor", Body: []byte(header)}); res.Status != http.StatusUnsupportedMediaType {
			t.Errorf("import as application/json = %d, want 415", res.Status)
		}
		if res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/import", Role: "reader", Body: []byte(header),
			Headers: map[string]string{"Content-Type": "application/x-ndjson"}}); res.Status != http.StatusForbidden {
			t.Errorf("import as reader = %d, want 403", res.Status)
		}
		if res := importHTTP(s, []byte(header), "?dry_run=maybe"); res.Status != http.StatusBadRequest {
			t.Errorf("dry_run=maybe = %d, want 400", res.Status)
		}
	})
}

func mapsEqualAPI(a, b map[string]int64) bool {
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
