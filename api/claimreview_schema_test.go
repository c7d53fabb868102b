package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"claimgrade/api"
	"claimgrade/dataset"
	"claimgrade/grading"
	"claimgrade/internal/ldcheck"
	"claimgrade/internal/testenv"
	"claimgrade/readertext"
	"claimgrade/store"
)

// demoReviewServer seeds the demo dataset and serves it with a publisher,
// with some claims rated by an editor (rateDemoByEditor).
func demoReviewServer(t *testing.T, st *store.Store) *testenv.Server {
	t.Helper()
	seedDemo(t, st)
	s := testenv.NewServer(t, st, func(c *api.Config) {
		c.PublicBaseURL, c.PublisherName, c.PublisherURL = "https://claims.example.org", "Faktencheck", "https://fc.example.org"
	})
	rateDemoByEditor(t, st, s)
	return s
}

// rateDemoByEditor rates five demo claims by an editor's override, every
// rating other than not_rated and the languages de, en, it and fr among
// them, beside the claims the rules rate (and the demo's own two
// overrides): the exports are checked for editor ratings of every value.
func rateDemoByEditor(t *testing.T, st *store.Store, s *testenv.Server) {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	for key, rating := range map[string]string{"de-000-abscesses": "accurate", "en-002-almost-painless": "overstated",
		"it-001-transient-skin-reactions": "unproven", "fr-003-excellent-safety": "unproven", "de-004-faster-than-oral": "false"} {
		c, ok := d.Claim(key)
		if !ok {
			t.Fatalf("the demo has no claim %s", key)
		}
		var id int64
		if err := st.DB().Table("claims").Select("id").Where("text = ? AND language = ?", c.Text, c.Language).Limit(1).Scan(&id).Error; err != nil || id == 0 {
			t.Fatalf("claim %s: id %d, %v", key, id, err)
		}
		path := fmt.Sprintf("/api/v1/claims/%d", id)
		cur := s.Do(testenv.Request{Method: "GET", Path: path})
		s.Do(testenv.Request{Method: "PUT", Path: path + "/rating", Role: "editor", Headers: map[string]string{"If-Match": cur.Header.Get("ETag")},
			Body: map[string]any{"rating": rating, "rationale": "Rated by the fact-checking desk."}}).Want(t, 200)
	}
}

// ratedDemoClaims lists the rated demo claims by id, read through the API
// (not through the feed under test).
func ratedDemoClaims(t *testing.T, s *testenv.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	path := "/api/v1/claims?limit=200"
	for path != "" {
		body := s.Do(testenv.Request{Method: "GET", Path: path}).Want(t, 200)
		for _, c := range body["data"].([]any) {
			if c.(map[string]any)["rating"] != "not_rated" {
				out = append(out, c.(map[string]any))
			}
		}
		path = ""
		if next, ok := body["next_cursor"].(string); ok {
			path = "/api/v1/claims?limit=200&cursor=" + next
		}
	}
	if len(out) == 0 {
		t.Fatal("the demo dataset has no rated claim")
	}
	return out
}

// TestDemoClaimReviewsAreSchemaOrg type-checks, with tsc against Google's
// schema-dts, the ClaimReview of every rated demo claim and every page of
// the DataFeed (paged small, so that there are several).
func TestDemoClaimReviewsAreSchemaOrg(t *testing.T) {
	ldcheck.Require(t)
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := demoReviewServer(t, st)
		claims := ratedDemoClaims(t, s)
		var docs []ldcheck.Doc
		for _, c := range claims {
			path := fmt.Sprintf("/api/v1/claims/%d/claimreview", testenv.ID(c))
			res := s.Do(testenv.Request{Method: "GET", Path: path})
			ldJSON(t, res)
			docs = append(docs, ldcheck.Doc{Name: path, Type: ldcheck.ClaimReview, JSON: res.Body})
		}
		pages, items := 0, 0
		for path := "/api/v1/claimreview?limit=2"; path != ""; pages++ {
			res := s.Do(testenv.Request{Method: "GET", Path: path})
			items += len(ldJSON(t, res)["dataFeedElement"].([]any))
			docs = append(docs, ldcheck.Doc{Name: path, Type: ldcheck.DataFeed, JSON: res.Body})
			path = strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Link"), "<"), `>; rel="next"`)
		}
		if items != len(claims) || pages < 2 {
			t.Errorf("the feed has %d items on %d pages, want the %d rated claims on several pages", items, pages, len(claims))
		}
		ldcheck.Valid(t, docs...)
		t.Logf("%d ClaimReviews and %d DataFeed pages (%d items) checked", len(claims), pages, items)
	})
}

// TestDemoClaimReviewsGoogleProperties checks Google's documented
// ClaimReview properties on every rated demo claim. Google Search Central,
// "Fact check (ClaimReview) structured data"
// (https://developers.google.com/search/docs/appearance/structured-data/factcheck):
// required claimReviewed ("try to keep this less than 75 characters"),
// reviewRating and url ("the domain of this URL value must be the same
// domain as, or a subdomain of, the page hosting this ClaimReview
// element"); recommended author and itemReviewed. Rating: alternateName
// (the textual rating, the one shown), with ratingValue, bestRating and
// worstRating for a numeric scale. Claim (itemReviewed): recommended
// appearance or firstAppearance, author and datePublished. (Google retired
// the search snippet in 2025; Fact Check Explorer still reads the markup.)
//
// A recommended property of the Claim is demanded whenever the stored
// data has it: the demo's articles carry no publisher, year or URL, so
// their Claims cannot have author or datePublished; the test counts those.
func TestDemoClaimReviewsGoogleProperties(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := demoReviewServer(t, st)
		var noAuthor, noDate, noURL, checked int
		for _, c := range ratedDemoClaims(t, s) {
			id := testenv.ID(c)
			claim := s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(t, 200)
			r := ldJSON(t, s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id)}))
			name := fmt.Sprintf("claim %d (%s)", id, c["rating"])
			checked++

			// Required.
			reviewed, _ := r["claimReviewed"].(string)
			if reviewed == "" {
				t.Errorf("%s: no claimReviewed", name)
			}
			if sum := claim["summary"].(string); sum != "" && (reviewed != sum || utf8.RuneCountInString(sum) >= 75) {
				t.Errorf("%s: claimReviewed %q, want the summary %q under 75 characters", name, reviewed, sum)
			}
			if r["url"] != fmt.Sprintf("https://claims.example.org/claims/%d", id) {
				t.Errorf("%s: url %v, want the public page on PUBLIC_BASE_URL's host", name, r["url"])
			}
			rating, ok := r["reviewRating"].(map[string]any)
			if !ok || rating["@type"] != "Rating" || rating["alternateName"] == "" || rating["alternateName"] == nil {
				t.Errorf("%s: reviewRating %v, want a Rating with its alternateName", name, r["reviewRating"])
			} else if c["rating"] == "unproven" {
				// The short name in the claim's language: "Unproven", "Unbelegt", ...
				want := readertext.For(readertext.Of(claim["language"].(string))).RatingName(grading.RatingUnproven)
				if alt, _ := rating["alternateName"].(string); rating["ratingValue"] != nil || !strings.HasPrefix(alt, want) {
					t.Errorf("%s: reviewRating %v, want no number, alternateName %s", name, rating, want)
				}
			} else {
				v, _ := rating["ratingValue"].(float64)
				if rating["bestRating"] != 5.0 || rating["worstRating"] != 1.0 || v < 1 || v > 5 {
					t.Errorf("%s: reviewRating %v, want ratingValue within worstRating 1 and bestRating 5", name, rating)
				}
			}

			// Recommended.
			if a, ok := r["author"].(map[string]any); !ok || a["@type"] != "Organization" || a["name"] != "Faktencheck" || a["url"] != "https://fc.example.org" {
				t.Errorf("%s: author %v, want the publisher Organization", name, r["author"])
			}
			if _, err := time.Parse(time.DateOnly, fmt.Sprint(r["datePublished"])); err != nil {
				t.Errorf("%s: datePublished %v is not a date", name, r["datePublished"])
			}
			item, ok := r["itemReviewed"].(map[string]any)
			if !ok || item["@type"] != "Claim" || item["inLanguage"] != claim["language"] {
				t.Errorf("%s: itemReviewed %v, want a Claim in the claim's language", name, r["itemReviewed"])
				continue
			}
			appearances := claim["appearances"].([]any)
			got, _ := item["appearance"].([]any)
			if len(got) != len(appearances) || (len(appearances) > 0 && item["firstAppearance"] == nil) {
				t.Errorf("%s: %d appearance(s) and firstAppearance %v, want the claim's %d", name, len(got), item["firstAppearance"], len(appearances))
			}
			if len(appearances) == 0 {
				continue
			}
			first := appearances[0].(map[string]any)
			src := first["source"].(map[string]any)
			if src["container"] != nil {
				if a, _ := item["author"].(map[string]any); a == nil || a["name"] != src["container"] {
					t.Errorf("%s: itemReviewed.author %v, want the publisher %v", name, item["author"], src["container"])
				}
			} else {
				noAuthor++
			}
			if src["year"] != nil {
				if item["datePublished"] != fmt.Sprint(src["year"]) {
					t.Errorf("%s: itemReviewed.datePublished %v, want %v", name, item["datePublished"], src["year"])
				}
			} else {
				noDate++
			}
			if first["url"] != nil || src["url"] != nil {
				if fa := item["firstAppearance"].(map[string]any); fa["url"] == nil || fa["url"] == "" {
					t.Errorf("%s: firstAppearance has no url, though the appearance has one", name)
				}
			} else {
				noURL++
			}
		}
		t.Logf("%d rated demo claims: Google's required properties on all; recommended itemReviewed properties the demo data lacks: "+
			"author (no publisher) %d, datePublished (no year) %d, appearance url %d", checked, noAuthor, noDate, noURL)
	})
}
