package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"claimgrade/api"
	"claimgrade/fhir"
	"claimgrade/grading"
	"claimgrade/internal/fhircheck"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// TestClaimRatingCodeSystemIsServed: the system every claim rating of the
// FHIR exports is coded in resolves: its URL's path (under PUBLIC_BASE_URL)
// answers the CodeSystem as FHIR R5 JSON, status active, content complete,
// one concept per rating with its display and definition, and every code a
// claim's Bundle uses is one of them. It is a vocabulary, so it is served
// with PUBLIC_READ=false too; tsc checks it against the R5 types.
func TestClaimRatingCodeSystemIsServed(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := demoReviewServer(t, st)
		var system string
		var codes []string
		for _, c := range ratedDemoClaims(t, s) {
			res := s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/fhir", testenv.ID(c))})
			if res.Status == http.StatusNotFound {
				continue
			}
			for _, aa := range entries(t, fhirJSON(t, res))["ArtifactAssessment"] {
				contents, _ := aa["content"].([]any)
				for _, content := range contents {
					cl, _ := content.(map[string]any)["classifier"].([]any)
					for _, x := range cl {
						codings, _ := x.(map[string]any)["coding"].([]any)
						if len(codings) == 0 {
							continue // a text-only classifier (case evidence's attribution)
						}
						coding := codings[0].(map[string]any)
						if strings.Contains(coding["system"].(string), "claim-rating") {
							system = coding["system"].(string)
							codes = append(codes, coding["code"].(string))
						}
					}
				}
			}
		}
		if system != "https://claims.example.org/fhir/CodeSystem/claim-rating" || len(codes) == 0 {
			t.Fatalf("claim ratings coded in %q (%d codes), want https://claims.example.org/fhir/CodeSystem/claim-rating", system, len(codes))
		}
		u, _ := url.Parse(system)
		res := s.Do(testenv.Request{Method: "GET", Path: u.Path})
		cs := fhirJSON(t, res)
		if cs["resourceType"] != "CodeSystem" || cs["url"] != system || cs["status"] != "active" || cs["content"] != "complete" ||
			cs["caseSensitive"] != true || cs["id"] != "claim-rating" || cs["publisher"] != "Faktencheck" {
			t.Errorf("CodeSystem = %v", cs)
		}
		var served []string
		for _, x := range cs["concept"].([]any) {
			c := x.(map[string]any)
			r := grading.Rating(c["code"].(string))
			display, err := fhir.RatingDisplay(r)
			if err != nil || c["display"] != display || c["definition"] != r.Definition() || r.Definition() == "" {
				t.Errorf("concept %v, want display %q and definition %q", c, display, r.Definition())
			}
			served = append(served, string(r))
		}
		if want := grading.Strings(grading.Ratings()); !slices.Equal(served, want) || cs["count"] != float64(len(want)) {
			t.Errorf("concepts %v (count %v), want every rating %v", served, cs["count"], want)
		}
		for _, code := range codes {
			if !slices.Contains(served, code) {
				t.Errorf("a Bundle codes a claim rating %q the CodeSystem does not define", code)
			}
		}
		// A cache revalidates it; PUBLIC_READ=false does not hide it.
		if again := s.Do(testenv.Request{Method: "GET", Path: u.Path, Headers: map[string]string{"If-None-Match": res.Header.Get("ETag")}}); again.Status != http.StatusNotModified {
			t.Errorf("If-None-Match = %d, want 304", again.Status)
		}
		private := testenv.NewServer(t, st, func(c *api.Config) { c.PublicRead, c.PublicBaseURL = false, "https://claims.example.org" })
		if got := fhirJSON(t, private.Do(testenv.Request{Method: "GET", Path: u.Path})); got["url"] != system {
			t.Errorf("with PUBLIC_READ=false: %v", got)
		}
		fhircheck.Valid(t, fhircheck.Doc{Name: u.Path, Type: fhircheck.CodeSystem, JSON: res.Body})
	})
}
