package handlers_test

// Fuzz targets for the handlers that take the most client input. Each runs
// the real router over SQLite and checks that no input makes a 5xx and that
// every 4xx is a valid problem+json (and every response matches the OpenAPI
// document: testenv validates it). Seeds live in testdata/fuzz/<FuzzName>/;
// `make fuzz FUZZTIME=60s` runs each target.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// fuzzServer is the API over a fresh SQLite database holding one therapy
// (mesotherapy, alias Mesotherapie), one claim and one source.
func fuzzServer(f *testing.F) *testenv.Server {
	f.Helper()
	st := testenv.Open(f, testenv.Backend{Name: store.SQLite})
	s := testenv.NewServer(f, st)
	for _, r := range []testenv.Request{
		{Method: "POST", Path: "/api/v1/therapies", Role: "editor", Body: map[string]any{"slug": "mesotherapy", "name": "Mesotherapy",
			"aliases": []map[string]string{{"alias": "Mesotherapie", "language": "de"}}}},
		{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: map[string]any{"therapy": "mesotherapy",
			"text": "Die Behandlung ist nahezu schmerzfrei.", "language": "de", "claim_type": "safety"}},
		{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: map[string]any{"kind": "rct", "title": "Mesotherapy versus Systemic Therapy",
			"doi": "10.1155/2011/317183", "pmid": "20953425"}},
	} {
		if res := s.Do(r); res.Status != http.StatusCreated {
			f.Fatalf("seed %s: %d %s", r.Path, res.Status, res.Body)
		}
	}
	return s
}

// fuzzDo sends r through s, reporting to t (the fuzz iteration), and checks
// the answer.
func fuzzDo(t *testing.T, s *testenv.Server, r testenv.Request) *testenv.Response {
	t.Helper()
	c := *s
	c.T = t
	res := c.Do(r)
	if res.Status >= 500 {
		t.Fatalf("%s %s: status %d for input %q: %s", r.Method, r.Path, res.Status, r.Body, res.Body)
	}
	if res.Status >= 400 {
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("%d with Content-Type %q", res.Status, ct)
		}
		var p struct {
			Type   string `json:"type"`
			Title  string `json:"title"`
			Status int    `json:"status"`
			Detail string `json:"detail"`
			Errors []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(res.Body, &p); err != nil {
			t.Fatalf("%d body is not a problem: %v: %s", res.Status, err, res.Body)
		}
		if !strings.HasPrefix(p.Type, "/problems/") || p.Title == "" || p.Status != res.Status || p.Detail == "" {
			t.Fatalf("incomplete problem for %d: %s", res.Status, res.Body)
		}
		for _, e := range p.Errors {
			if e.Field == "" || e.Message == "" {
				t.Fatalf("field problem without field or message: %s", res.Body)
			}
		}
		for _, w := range []string{"gorm", "sqlite", "SQL", "goroutine", ".go:"} {
			if strings.Contains(p.Detail, w) {
				t.Fatalf("problem detail mentions %q: %s", w, p.Detail)
			}
		}
	}
	return res
}

func FuzzCreateClaim(f *testing.F) {
	s := fuzzServer(f)
	f.Add([]byte(`{"therapy":"Mesotherapie","text":"Die Behandlung ist nahezu schmerzfrei.","language":"de","claim_type":"safety"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDo(t, s, testenv.Request{Method: "POST", Path: "/api/v1/claims", Role: "editor", Body: body})
	})
}

func FuzzCreateSource(f *testing.F) {
	s := fuzzServer(f)
	f.Add([]byte(`{"kind":"rct","title":"Intravenous versus oral paracetamol","doi":"https://doi.org/10.1000/XYZ","year":2019}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDo(t, s, testenv.Request{Method: "POST", Path: "/api/v1/sources", Role: "editor", Body: body})
	})
}

func FuzzListClaimsQuery(f *testing.F) {
	s := fuzzServer(f)
	f.Add("therapy=Mesotherapie&flag=ungraded&limit=10")
	f.Fuzz(func(t *testing.T, query string) {
		fuzzDo(t, s, testenv.Request{Method: "GET", Path: "/api/v1/claims?" + requestTargetQuery(query)})
	})
}

// requestTargetQuery percent-encodes the bytes that cannot appear in an
// HTTP request target (as any client would), keeping everything else, '%'
// included, so that malformed escapes still reach the server.
func requestTargetQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
