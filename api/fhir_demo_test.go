package api_test

import (
	"fmt"
	"strings"
	"testing"

	"claimgrade/internal/fhircheck"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestDemoFHIRIsR5 type-checks, with tsc against the R5 types of
// @types/fhir, the FHIR export of the whole demo dataset: the Bundle of
// every demo claim and the Evidence and Bundle of every finding, on both
// databases. Every reference in a claim's Bundle resolves inside it, and
// no draft or assessment of an ungraded finding is exported.
func TestDemoFHIRIsR5(t *testing.T) {
	fhircheck.Require(t)
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := demoReviewServer(t, st)
		var docs []fhircheck.Doc
		claims, bundles := 0, 0
		for path := "/api/v1/claims?limit=200"; path != ""; {
			body := s.Do(testenv.Request{Method: "GET", Path: path}).Want(t, 200)
			for _, c := range body["data"].([]any) {
				claims++
				p := fmt.Sprintf("/api/v1/claims/%d/fhir", testenv.ID(c.(map[string]any)))
				res := s.Do(testenv.Request{Method: "GET", Path: p})
				if res.Status == 404 && c.(map[string]any)["appearances"] == 0.0 {
					continue // appears in no article: nothing to assess (404 says so)
				}
				b := fhirJSON(t, res)
				checkReferencesResolve(t, p, b)
				docs = append(docs, fhircheck.Doc{Name: p, Type: fhircheck.Bundle, JSON: res.Body})
				bundles++
			}
			path = ""
			if next, ok := body["next_cursor"].(string); ok {
				path = "/api/v1/claims?limit=200&cursor=" + next
			}
		}
		findings := 0
		for path := "/api/v1/findings?limit=200"; path != ""; {
			body := s.Do(testenv.Request{Method: "GET", Path: path}).Want(t, 200)
			for _, f := range body["data"].([]any) {
				findings++
				id := testenv.ID(f.(map[string]any))
				for _, q := range []string{"", "?format=bundle"} {
					p := fmt.Sprintf("/api/v1/findings/%d/fhir%s", id, q)
					res := s.Do(testenv.Request{Method: "GET", Path: p})
					fhirJSON(t, res)
					typ := fhircheck.Evidence
					if q != "" {
						typ = fhircheck.Bundle
					}
					docs = append(docs, fhircheck.Doc{Name: p, Type: typ, JSON: res.Body})
				}
			}
			path = ""
			if next, ok := body["next_cursor"].(string); ok {
				path = "/api/v1/findings?limit=200&cursor=" + next
			}
		}
		if bundles == 0 || findings == 0 {
			t.Fatalf("demo FHIR: %d claim bundles, %d findings", bundles, findings)
		}
		for _, d := range docs {
			if strings.Contains(string(d.JSON), `"status":"draft"`) {
				t.Errorf("%s exports a draft assessment", d.Name)
			}
		}
		fhircheck.Valid(t, docs...)
		t.Logf("demo FHIR: %d of %d claims as Bundles, %d findings as Evidence and Bundle: %d documents", bundles, claims, findings, len(docs))
	})
}

// checkReferencesResolve fails unless every fullUrl of Bundle b is unique
// and every "reference" inside it names one of them.
func checkReferencesResolve(t *testing.T, name string, b map[string]any) {
	t.Helper()
	urls := map[string]bool{}
	for _, e := range b["entry"].([]any) {
		u := fmt.Sprint(e.(map[string]any)["fullUrl"])
		if urls[u] {
			t.Errorf("%s: fullUrl %s twice", name, u)
		}
		urls[u] = true
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if r, ok := c.(string); ok && k == "reference" && !urls[r] {
					t.Errorf("%s: reference %s resolves to no entry", name, r)
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(b)
}
