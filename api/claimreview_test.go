package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

// ldJSON asserts a JSON-LD answer and decodes it.
func ldJSON(t *testing.T, res *testenv.Response) map[string]any {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/ld+json" {
		t.Errorf("Content-Type = %q, want application/ld+json", ct)
	}
	return res.Want(t, 200)
}

// ratedClaim creates a claim (German, with a summary) that appears in a
// news article and is rated from a graded finding linked with stance.
func (e *catalogEnv) ratedClaim(text string, f map[string]any, stance string) int64 {
	e.t.Helper()
	claim := testenv.ID(e.claim(map[string]any{"text": text, "summary": "Mesotherapie lindert Rückenschmerzen", "claim_type": "efficacy", "assertion": "effect"}))
	news := testenv.ID(e.source(map[string]any{"kind": "news", "title": "Spritzen gegen Rückenschmerzen", "year": 2024, "container": "Beispiel-Zeitung", "url": "https://news.example/meso"}))
	e.create(fmt.Sprintf("/api/v1/claims/%d/appearances", claim), map[string]any{"source_id": news, "url": "https://news.example/meso?amp"})
	fid := e.gradedFinding(nil, f)
	e.create(fmt.Sprintf("/api/v1/claims/%d/findings", claim), map[string]any{"finding_id": fid, "stance": stance})
	return claim
}

var (
	works  = map[string]any{"measure": "mean_difference", "estimate": 2.0, "ci_low": 1.2, "ci_high": 2.8, "threshold": 1.0}
	bigger = map[string]any{"measure": "mean_difference", "estimate": 2.0, "ci_low": 1.2, "ci_high": 2.8, "threshold": 3.0}
)

func TestClaimReview(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st, func(c *api.Config) {
			c.PublicBaseURL, c.PublisherName, c.PublisherURL = "https://claims.example.org", "Faktencheck", "https://fc.example.org"
		})
		e.mesotherapy()
		accurate := e.ratedClaim("Mesotherapie lindert Rückenschmerzen deutlich.", works, "supports")
		overstated := e.ratedClaim("Mesotherapie beseitigt Rückenschmerzen vollständig.", bigger, "supports")
		unrated := testenv.ID(e.claim(nil))

		r := ldJSON(t, e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", accurate)}))
		for _, k := range []string{"claimReviewed", "reviewRating", "url", "author", "datePublished", "itemReviewed"} {
			if r[k] == nil {
				t.Errorf("Google's required or recommended property %s is missing: %v", k, r)
			}
		}
		if r["@context"] != "https://schema.org" || r["@type"] != "ClaimReview" || r["url"] != fmt.Sprintf("https://claims.example.org/claims/%d", accurate) ||
			r["claimReviewed"] != "Mesotherapie lindert Rückenschmerzen" {
			t.Errorf("review = %v", r)
		}
		if a := r["author"].(map[string]any); a["@type"] != "Organization" || a["name"] != "Faktencheck" || a["url"] != "https://fc.example.org" {
			t.Errorf("author = %v", a)
		}
		// In the claim's language: the short verdict and the verdict
		// sentence (the claim's rating_summary), never the engine text.
		detail := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", accurate)}).Want(t, 200)
		if rr := r["reviewRating"].(map[string]any); rr["ratingValue"] != 5.0 || rr["bestRating"] != 5.0 || rr["worstRating"] != 1.0 ||
			rr["alternateName"] != "Zutreffend (hohe Vertrauenswürdigkeit der Evidenz)" || rr["description"] != detail["rating_summary"] ||
			!strings.HasPrefix(fmt.Sprint(rr["description"]), "Zutreffend: Die Studien zeigen einen Nutzen") {
			t.Errorf("reviewRating = %v", rr)
		}
		today := time.Now().UTC().Format("2006-01-02")
		if r["datePublished"] != today || !strings.HasPrefix(fmt.Sprint(r["dateModified"]), today) {
			t.Errorf("datePublished %v dateModified %v, want today", r["datePublished"], r["dateModified"])
		}
		item := r["itemReviewed"].(map[string]any)
		first := item["firstAppearance"].(map[string]any)
		if item["@type"] != "Claim" || item["inLanguage"] != "de" || first["url"] != "https://news.example/meso?amp" || first["headline"] != "Spritzen gegen Rückenschmerzen" ||
			first["datePublished"] != "2024" || first["author"].(map[string]any)["name"] != "Beispiel-Zeitung" || len(item["appearance"].([]any)) != 1 {
			t.Errorf("itemReviewed = %v", item)
		}
		if cites := r["citation"].([]any); len(cites) != 1 || cites[0].(map[string]any)["@type"] != "ScholarlyArticle" ||
			!strings.HasPrefix(fmt.Sprint(cites[0].(map[string]any)["name"]), "Trial for finding") {
			t.Errorf("citation = %v", cites)
		}

		o := ldJSON(t, e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", overstated)}))
		if rr := o["reviewRating"].(map[string]any); rr["ratingValue"] != 3.0 || rr["alternateName"] != "Überzogen (hohe Vertrauenswürdigkeit der Evidenz)" {
			t.Errorf("overstated reviewRating = %v", rr)
		}

		p := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", unrated)}).Want(t, http.StatusNotFound)
		if d := fmt.Sprint(p["detail"]); !strings.Contains(d, "not rated") {
			t.Errorf("detail of an unrated claim's 404 = %q, want it to say the claim is not rated", d)
		}
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims/999999/claimreview"}).Want(t, http.StatusNotFound)
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims/x/claimreview"}).Want(t, http.StatusNotFound)
		e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview?format=x", accurate)}).Want(t, http.StatusBadRequest)

		// The feed: only rated claims, in id order, paged by the Link header.
		res := e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claimreview?limit=1"})
		f := ldJSON(t, res)
		els := f["dataFeedElement"].([]any)
		if f["@type"] != "DataFeed" || f["@context"] != "https://schema.org" || len(els) != 1 {
			t.Fatalf("feed page 1 = %v", f)
		}
		el := els[0].(map[string]any)
		if el["@type"] != "DataFeedItem" || el["dateModified"] == nil || el["item"].(map[string]any)["url"] != r["url"] || el["item"].(map[string]any)["@context"] != nil {
			t.Errorf("feed element = %v", el)
		}
		link := res.Header.Get("Link")
		if !strings.HasPrefix(link, "</api/v1/claimreview?") || !strings.HasSuffix(link, `>; rel="next"`) {
			t.Fatalf("Link = %q", link)
		}
		next := strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		res = e.s.Do(testenv.Request{Method: "GET", Path: next})
		f = ldJSON(t, res)
		if els := f["dataFeedElement"].([]any); len(els) != 1 || els[0].(map[string]any)["item"].(map[string]any)["url"] != o["url"] || res.Header.Get("Link") != "" {
			t.Errorf("feed page 2 = %v, Link %q", f, res.Header.Get("Link"))
		}
		all := ldJSON(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claimreview"}))
		if n := len(all["dataFeedElement"].([]any)); n != 2 {
			t.Errorf("the feed has %d elements, want the 2 rated claims", n)
		}
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		if n := len(ldJSON(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claimreview?updated_since=" + future}))["dataFeedElement"].([]any)); n != 0 {
			t.Errorf("updated_since in the future: %d elements, want 0", n)
		}
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		if n := len(ldJSON(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claimreview?updated_since=" + past}))["dataFeedElement"].([]any)); n != 2 {
			t.Errorf("updated_since an hour ago: %d elements, want 2", n)
		}
		for _, q := range []string{"updated_since=yesterday", "updated_since=2026-01-02", "limit=0", "cursor=zzz", "rating=accurate"} {
			e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claimreview?" + q}).Want(t, http.StatusBadRequest)
		}
	})
}

func TestClaimReviewPrivate(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		s := testenv.NewServer(t, st, func(c *api.Config) { c.PublicRead = false })
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claimreview"}).Want(t, http.StatusUnauthorized)
		s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claimreview", Role: "reader"}).Want(t, http.StatusOK)
	})
}

// TestClaimReviewFeedFollowsWhatItShows: a partner syncing the feed by
// updated_since sees a claim again when an appearance or a source the
// review shows changes, though the rating did not; the review's ETag is a
// digest of its bytes (304 while unchanged, a new tag after the change).
func TestClaimReviewFeedFollowsWhatItShows(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		first := e.ratedClaim("Mesotherapie lindert Rückenschmerzen deutlich.", works, "supports")
		second := e.ratedClaim("Mesotherapie lindert Rückenschmerzen spürbar.", works, "supports")
		since := func(mark time.Time) []any {
			return ldJSON(t, e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claimreview?updated_since=" + mark.UTC().Format(time.RFC3339Nano)}))["dataFeedElement"].([]any)
		}
		review := func(id int64) *testenv.Response {
			return e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id)})
		}
		tag := review(first).Header.Get("ETag")
		if tag == "" {
			t.Fatal("ClaimReview without an ETag")
		}
		if res := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", first), Headers: map[string]string{"If-None-Match": tag}}); res.Status != http.StatusNotModified {
			t.Errorf("If-None-Match with the current tag: %d, want 304", res.Status)
		}

		time.Sleep(5 * time.Millisecond)
		mark := time.Now()
		if n := len(since(mark)); n != 0 {
			t.Fatalf("%d feed elements changed since the mark, want 0", n)
		}
		apps := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", first)}).Want(t, 200)["data"].([]any)
		app := apps[0].(map[string]any)
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/claims/%d/appearances/%d", first, testenv.ID(app)), Role: "editor",
			Body: map[string]any{"url": "https://news.example/meso/corrected"}, Headers: map[string]string{"If-Match": fmt.Sprintf(`"%v"`, app["version"])}}).Want(t, 200)
		els := since(mark)
		if len(els) != 1 || els[0].(map[string]any)["item"].(map[string]any)["url"] != review(first).JSON(t)["url"] {
			t.Errorf("after an appearance of claim %d changed, the feed since the mark = %v, want that claim only", first, els)
		}
		res := review(first)
		if res.Header.Get("ETag") == tag {
			t.Errorf("the review's ETag %s did not change with its appearance's url", tag)
		}
		if !strings.Contains(string(res.Body), "https://news.example/meso/corrected") {
			t.Errorf("the review does not show the corrected appearance: %s", res.Body)
		}

		time.Sleep(5 * time.Millisecond)
		mark = time.Now()
		apps = e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/appearances", second)}).Want(t, 200)["data"].([]any)
		src := apps[0].(map[string]any)["source"].(map[string]any)
		e.s.Do(testenv.Request{Method: "PATCH", Path: fmt.Sprintf("/api/v1/sources/%d", testenv.ID(src)), Role: "editor",
			Body: map[string]any{"title": "Spritzen gegen Rückenschmerzen (korrigiert)"}, Headers: map[string]string{"If-Match": fmt.Sprintf(`"%v"`, src["version"])}}).Want(t, 200)
		if els := since(mark); len(els) != 1 {
			t.Errorf("after the article of claim %d was retitled, %d feed elements since the mark, want 1", second, len(els))
		}
	})
}
