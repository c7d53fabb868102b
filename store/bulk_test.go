package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"claimgrade/dataset"
	"claimgrade/internal/testenv"
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
		"claim_flags", "users", "audit_events"} {
		var n int64
		if err := st.DB().Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

func seedDemo(t testing.TB, st *store.Store) {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Seed(context.Background(), st, d, 2); err != nil {
		t.Fatalf("Seed: %v", err)
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
