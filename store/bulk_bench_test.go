package store_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// syntheticNDJSON is a claimgrade-ndjson file with n claims: one therapy,
// n/10 sources (half with a DOI), n/20 questions each with one finding
// resting on two sources, n/50 web articles; each claim appears in one
// article and links two findings.
func syntheticNDJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"header","format":"claimgrade-ndjson","version":2}` + "\n")
	b.WriteString(`{"type":"therapy","data":{"slug":"mesotherapy","name":"Mesotherapy","description":"","aliases":[],"created_at":"2026-01-01T00:00:00Z"}}` + "\n")
	nsrc, nq, nart := max(2, n/10), max(1, n/20), max(1, n/50)
	for i := 1; i <= nsrc; i++ {
		doi := "null"
		if i%2 == 0 {
			doi = `"10.5555/bench.` + strconv.Itoa(i) + `"`
		}
		fmt.Fprintf(&b, `{"type":"source","data":{"id":%d,"kind":"rct","title":"Trial %d","authors":null,"year":2020,"container":null,"doi":%s,"pmid":null,"url":null,"language":null,"included_design":null,"includes":[],"retracted":false,"retraction_note":null,"created_at":"2026-01-01T00:00:00Z"}}`+"\n", i, i, doi)
	}
	for i := 1; i <= nart; i++ {
		fmt.Fprintf(&b, `{"type":"source","data":{"id":%d,"kind":"web_article","title":"Article %d","authors":null,"year":null,"container":null,"doi":null,"pmid":null,"url":"https://example.com/a/%d","language":"en","included_design":null,"includes":[],"retracted":false,"retraction_note":null,"created_at":"2026-01-01T00:00:00Z"}}`+"\n", nsrc+i, i, i)
	}
	for i := 1; i <= nq; i++ {
		fmt.Fprintf(&b, `{"type":"question","data":{"id":%d,"therapy":"mesotherapy","population":"adults with low back pain %d","intervention":"mesotherapy","comparator":"sham","comparator_kind":"inactive","outcome":"pain %d","timepoint":"4 weeks","outcome_kind":"benefit","direction":"lower_is_better","created_at":"2026-01-01T00:00:00Z"}}`+"\n", i, i, i)
	}
	for i := 1; i <= nq; i++ {
		s1, s2 := 1+(2*i)%nsrc, 1+(2*i+1)%nsrc
		fmt.Fprintf(&b, `{"type":"finding","data":{"id":%d,"question":%d,"measure":"mean_difference","estimate":-1.5,"ci_low":-2.5,"ci_high":-0.5,"events":null,"participants":120,"studies":2,"threshold":1,"attribution":null,"summary":"Pain fell by 1.5 points more than with sham.","created_at":"2026-01-01T00:00:00Z","sources":[{"source":%d,"excerpt":"pain fell","locator":"Table 2","note":null,"reported_certainty":null,"reported_threshold":null,"design_subset":null},{"source":%d,"excerpt":null,"locator":null,"note":null,"reported_certainty":null,"reported_threshold":null,"design_subset":null}],"assessments":[],"grades":[],"derived":{"certainty":null,"flags":[],"disagreements":[]}}}`+"\n", i, i, s1, s2)
	}
	for i := 1; i <= n; i++ {
		f1, f2 := 1+i%nq, 1+(i+1)%nq
		if f1 == f2 {
			f2 = 0
		}
		links := fmt.Sprintf(`{"finding":%d,"stance":"supports","note":null}`, f1)
		if f2 != 0 {
			links += fmt.Sprintf(`,{"finding":%d,"stance":"neutral","note":null}`, f2)
		}
		fmt.Fprintf(&b, `{"type":"claim","data":{"id":%d,"therapy":"mesotherapy","text":"Mesotherapy relieves back pain, claim %d.","language":"en","text_en":null,"summary":"Mesotherapy relieves back pain","claim_type":"efficacy","assertion":"effect","claimed_value":null,"claimed_bound":null,"hedge":"none","created_at":"2026-01-01T00:00:00Z","override":null,"appearances":[{"source":%d,"excerpt":"relieves back pain","locator":"para %d","note":null,"url":null,"retrieved_at":null}],"findings":[%s],"derived":{}}}`+"\n",
			i, i, nsrc+1+i%nart, i, links)
	}
	fmt.Fprintf(&b, `{"type":"end","counts":{"therapies":1,"sources":%d,"questions":%d,"findings":%d,"claims":%d}}`+"\n", nsrc+nart, nq, nq, n)
	return b.Bytes()
}

// BenchmarkImport imports N synthetic claims (BULK_CLAIMS, default 10,000)
// into an empty schema per iteration and reports claims/s and the SQL
// statements gorm ran per claim (the commit's deferred trigger work is not
// a statement and not counted). On PostgreSQL
// (TEST_DATABASE_URL) it runs there, else on SQLite:
//
//	TEST_DATABASE_URL=... go test ./store -bench BenchmarkImport -run '^$' -benchtime 3x
func BenchmarkImport(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("BULK_CLAIMS")); err == nil && v > 0 {
		n = v
	}
	file := syntheticNDJSON(n)
	backends := testenv.Backends()
	be := backends[len(backends)-1]
	var total time.Duration
	statements := 0
	for b.Loop() {
		b.StopTimer()
		st := testenv.Open(b, be)
		counter := testenv.CountQueries(b, st)
		b.StartTimer()
		start := time.Now()
		var res store.ImportResult
		var err error
		k, _ := counter.Count(func() {
			res, err = st.ImportNDJSON(context.Background(), store.System("bench"), bytes.NewReader(file), store.ImportOptions{})
		})
		total += time.Since(start)
		statements += k
		if err != nil {
			b.Fatalf("ImportNDJSON: %v", err)
		}
		if res.Claims.Created != n {
			b.Fatalf("created %d claims, want %d", res.Claims.Created, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "claims/s")
	b.ReportMetric(float64(len(file))/float64(n), "bytes/claim")
	b.ReportMetric(float64(statements)/float64(n*b.N), "statements/claim")
	b.Logf("%s: %d claims per import", be.Name, n)
}

// TestExportMemory exports a catalogue of many claims and samples the heap
// in use while the stream runs: it must stay under the bound, whatever the
// catalogue's size. 5,000 claims under 40 MB always; BULK_MEMORY_CLAIMS
// (e.g. 100000) runs the large version, on PostgreSQL when
// TEST_DATABASE_URL is set, bound 100 MB.
func TestExportMemory(t *testing.T) {
	n, bound := 5000, uint64(40<<20)
	if v, err := strconv.Atoi(os.Getenv("BULK_MEMORY_CLAIMS")); err == nil && v > 0 {
		n, bound = v, 100<<20
	}
	backends := testenv.Backends()
	be := backends[len(backends)-1]
	st := testenv.Open(t, be)
	ctx := context.Background()
	file := syntheticNDJSON(n)
	if _, err := st.ImportNDJSON(ctx, store.System("test"), bytes.NewReader(file), store.ImportOptions{}); err != nil {
		t.Fatalf("ImportNDJSON: %v", err)
	}
	file = nil
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	cw := &countingWriter{}
	start := time.Now()
	err := st.ExportNDJSON(ctx, cw, nil)
	close(done)
	<-sampled
	if err != nil {
		t.Fatalf("ExportNDJSON: %v", err)
	}
	t.Logf("%s: exported %d claims, %d bytes, %d lines in %v; peak HeapInuse %.1f MB (bound %d MB)", be.Name, n, cw.n, cw.lines,
		time.Since(start).Round(time.Millisecond), float64(peak.Load())/(1<<20), bound>>20)
	if cw.lines != int64(n)+int64(n/10+n/50+2*(n/20))+3 {
		t.Errorf("exported %d lines, want every record", cw.lines)
	}
	if peak.Load() > bound {
		t.Errorf("peak HeapInuse %d bytes, want at most %d", peak.Load(), bound)
	}
}

type countingWriter struct{ n, lines int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	w.lines += int64(bytes.Count(p, []byte("\n")))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
