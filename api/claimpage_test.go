package api_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"claimgrade/api"
	"claimgrade/internal/testenv"
	"claimgrade/store"
)

func claimPagePath(id int64) string { return fmt.Sprintf("/claims/%d", id) }

// ldScript matches the page's JSON-LD block.
var ldScript = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

// claimPage GETs a claim's page and asserts that it is HTML.
func claimPage(t *testing.T, s *testenv.Server, id int64) *testenv.Response {
	t.Helper()
	res := s.Do(testenv.Request{Method: "GET", Path: claimPagePath(id)})
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET %s = %d %q: %s", claimPagePath(id), res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	return res
}

// pageLD returns the JSON-LD blocks of a page.
func pageLD(page []byte) [][]byte {
	var out [][]byte
	for _, m := range ldScript.FindAllSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// pageClaim is a rated claim (accurate, from a graded finding linked
// with stance supports) that appears in a news article; fields override
// the claim's defaults.
func (e *catalogEnv) pageClaim(fields map[string]any) int64 {
	e.t.Helper()
	body := map[string]any{"text": "Mesotherapie lindert Rückenschmerzen deutlich.", "claim_type": "efficacy", "assertion": "effect"}
	for k, v := range fields {
		body[k] = v
	}
	claim := testenv.ID(e.claim(body))
	news := testenv.ID(e.source(map[string]any{"kind": "news", "title": "Spritzen gegen Rückenschmerzen", "year": 2024,
		"container": "Beispiel-Zeitung", "url": "https://news.example/meso"}))
	e.create(fmt.Sprintf("/api/v1/claims/%d/appearances", claim), map[string]any{"source_id": news, "url": "https://news.example/meso?amp"})
	e.linkFinding(claim, e.gradedFinding(nil, works), "supports")
	return claim
}

func TestClaimPage(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st, func(c *api.Config) {
			c.PublicBaseURL, c.PublisherName, c.PublisherURL = "https://claims.example.org", "Faktencheck", "https://fc.example.org"
		})
		e.mesotherapy()
		id := e.pageClaim(nil)
		claim := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(t, 200)
		if claim["rating"] != "accurate" {
			t.Fatalf("the fixture claim is rated %v, want accurate", claim["rating"])
		}
		res := claimPage(t, e.s, id)
		page := string(res.Body)

		// The claim in its language, with German labels.
		explanation := claim["rating_explanation"].(string)
		for _, want := range []string{`<html lang="de">`, fmt.Sprintf(`<link rel="canonical" href="https://claims.example.org/claims/%d">`, id),
			"Mesotherapie lindert Rückenschmerzen deutlich.", "Faktencheck · Behauptung", "Bewertung", "Zutreffend",
			"Vertrauenswürdigkeit der Evidenz: hoch", "Bewertet nach den Bewertungsregeln", html.EscapeString(explanation), claim["rating_summary"].(string),
			// The appearance.
			`<a href="https://news.example/meso?amp" rel="nofollow noopener">Spritzen gegen Rückenschmerzen</a>`,
			"Herausgeber: Beispiel-Zeitung", "Veröffentlicht: 2024",
			// The finding with its stance.
			"stützt die Behauptung", `<a href="https://fc.example.org">Faktencheck</a>`} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if explanation == "" {
			t.Error("the fixture claim has no explanation")
		}
		// Its finding's summary-of-findings row, as the question's summary
		// builds it in the page's language.
		fid := int64(claim["findings"].([]any)[0].(map[string]any)["finding_id"].(float64))
		finding := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/findings/%d", fid)}).Want(t, 200)
		qid := int64(finding["question"].(map[string]any)["id"].(float64))
		sof := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(qid, "?lang=de")}).Want(t, 200)
		row := sof["rows"].([]any)[0].(map[string]any)
		for _, want := range []string{fmt.Sprintf(`<tr id="finding-%d">`, fid), html.EscapeString(sof["title"].(string)),
			html.EscapeString(row["effect"].(map[string]any)["text"].(string)), html.EscapeString(row["statement"].(string)),
			html.EscapeString(row["participants_text"].(string)), html.EscapeString(row["absolute_effect"].(map[string]any)["text"].(string)),
			fmt.Sprintf(`href="/api/v1/questions/%d/summary?format=html&amp;lang=de"`, qid)} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks the summary-of-findings text %q", want)
			}
		}
		// Never an assessment: no reviewer, no rationale.
		for _, leak := range []string{"catalog-reviewer", "Nothing serious."} {
			if strings.Contains(page, leak) {
				t.Errorf("the page shows %q of an assessment", leak)
			}
		}

		// The JSON-LD is the API's ClaimReview, byte for byte.
		api := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id)})
		api.Want(t, 200)
		if ld := pageLD(res.Body); len(ld) != 1 || string(ld[0]) != string(api.Body) {
			t.Errorf("page JSON-LD = %q, want the API's ClaimReview %q", ld, api.Body)
		}
		if strings.Count(strings.ToLower(page), "<script") != 1 {
			t.Errorf("the page has %d script elements, want only the JSON-LD", strings.Count(strings.ToLower(page), "<script"))
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}

		// ETag: 304 when it matches; it changes with the rating.
		tag := res.Header.Get("ETag")
		e.s.Do(testenv.Request{Method: "GET", Path: claimPagePath(id), Headers: map[string]string{"If-None-Match": tag}}).Want(t, http.StatusNotModified)
		cur := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)})
		e.s.Do(testenv.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/claims/%d/rating", id), Role: "editor",
			Body:    map[string]any{"rating": "overstated", "rationale": "Die Studie untersuchte eine andere Population."},
			Headers: map[string]string{"If-Match": cur.Header.Get("ETag")}}).Want(t, 200)
		res = claimPage(t, e.s, id)
		if res.Header.Get("ETag") == tag {
			t.Errorf("the page's ETag did not change with the rating")
		}
		page = string(res.Body)
		for _, want := range []string{"Überzogen", "Von der Redaktion bewertet (abweichend von den Regeln)", "Begründung der Redaktion",
			"Die Studie untersuchte eine andere Population."} {
			if !strings.Contains(page, want) {
				t.Errorf("the overridden page lacks %q", want)
			}
		}
		api = e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id)})
		if ld := pageLD(res.Body); len(ld) != 1 || string(ld[0]) != string(api.Body) {
			t.Errorf("overridden: page JSON-LD = %q, want %q", ld, api.Body)
		}

		// A claim that is not rated: the page, saying so, without JSON-LD.
		unrated := testenv.ID(e.claim(map[string]any{"language": "fr", "text": "La mésothérapie est presque indolore."}))
		page = string(claimPage(t, e.s, unrated).Body)
		if !strings.Contains(page, `<html lang="fr">`) || !strings.Contains(page, "Non évaluée") ||
			!strings.Contains(page, "Aucune parution enregistrée.") || !strings.Contains(page, "Aucun résultat n&#39;est encore lié") ||
			len(pageLD([]byte(page))) != 0 || strings.Contains(page, "<script") {
			t.Errorf("unrated page:\n%s", page)
		}
		e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", unrated)}).Want(t, 404)

		// A language without a catalogue: an English page, the claim in its
		// own language.
		es := testenv.ID(e.claim(map[string]any{"language": "es", "text": "La mesoterapia es casi indolora."}))
		page = string(claimPage(t, e.s, es).Body)
		if !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, `<blockquote class="claim" id="claim-text" lang="es">`) ||
			!strings.Contains(page, "Not rated") || !strings.Contains(page, "Fact check · Claim") {
			t.Errorf("a Spanish claim's page does not fall back to English")
		}

		// Errors: problem+json, as the API answers.
		e.s.Do(testenv.Request{Method: "GET", Path: "/claims/999999"}).Problem(t, 404)
		for _, p := range []string{"/claims/x", "/claims/01", "/claims/-1"} {
			e.s.Do(testenv.Request{Method: "GET", Path: p}).Problem(t, 404)
		}
		if p := e.s.Do(testenv.Request{Method: "GET", Path: claimPagePath(id) + "?language=en"}).Problem(t, 400); !strings.Contains(fmt.Sprint(p["detail"]), "language") {
			t.Errorf("unknown query: %v", p)
		}
		archived := e.pageClaim(map[string]any{"text": "Mesotherapie wirkt sofort."})
		e.s.Do(testenv.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v1/claims/%d", archived), Role: "editor"}).Want(t, 204)
		e.s.Do(testenv.Request{Method: "GET", Path: claimPagePath(archived)}).Problem(t, 410)

		// HEAD over a real connection: the headers, no body.
		srv := httptest.NewServer(e.s.Handler)
		defer srv.Close()
		head, err := http.Head(srv.URL + claimPagePath(id))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(head.Body)
		head.Body.Close()
		if head.StatusCode != 200 || head.Header.Get("Content-Type") != "text/html; charset=utf-8" || head.Header.Get("ETag") == "" || len(body) != 0 {
			t.Errorf("HEAD = %d %q ETag %q, %d body bytes", head.StatusCode, head.Header.Get("Content-Type"), head.Header.Get("ETag"), len(body))
		}
	})
}

// TestClaimPageEscaping: claim text that tries to close the script
// element, open a comment or inject markup stays text, in the page and in
// its JSON-LD.
func TestClaimPageEscaping(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st)
		e.mesotherapy()
		text := `Mesotherapie heilt </script><script>alert("x")</script> & <!-- <b>alles</b> ]]> '`
		id := e.pageClaim(map[string]any{"text": text}) // no summary: claimReviewed is the text
		res := claimPage(t, e.s, id)
		page := string(res.Body)
		if strings.Count(strings.ToLower(page), "<script") != 1 || strings.Contains(page, `<script>alert`) || strings.Contains(page, "<b>alles") ||
			strings.Contains(page, "<!-- <b>") {
			t.Errorf("the claim text broke out:\n%s", page)
		}
		ld := pageLD(res.Body)
		if len(ld) != 1 {
			t.Fatalf("JSON-LD blocks = %d, want 1", len(ld))
		}
		var doc map[string]any
		if err := json.Unmarshal(ld[0], &doc); err != nil {
			t.Fatalf("the embedded JSON-LD does not parse: %v\n%s", err, ld[0])
		}
		if doc["claimReviewed"] != text {
			t.Errorf("claimReviewed = %q, want the text %q", doc["claimReviewed"], text)
		}
		if api := e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id)}); string(api.Body) != string(ld[0]) {
			t.Errorf("page JSON-LD differs from the API's:\n%s\n%s", ld[0], api.Body)
		}
		if !strings.Contains(page, html.EscapeString(text)) {
			t.Errorf("the page does not show the text escaped")
		}
	})
}

// TestClaimPagePrivate: with PUBLIC_READ=false the page does not exist for
// anyone (a browser sends no key), while the API still serves readers.
func TestClaimPagePrivate(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newCatalogEnv(t, st, func(c *api.Config) { c.PublicRead = false })
		e.mesotherapy()
		id := e.pageClaim(nil)
		for _, role := range []string{"", "reader", "editor"} {
			p := e.s.Do(testenv.Request{Method: "GET", Path: claimPagePath(id), Role: role}).Problem(t, 404)
			if !strings.Contains(fmt.Sprint(p["detail"]), "PUBLIC_READ=false") {
				t.Errorf("detail = %v", p["detail"])
			}
		}
		e.s.Do(testenv.Request{Method: "GET", Path: claimPagePath(999999)}).Problem(t, 404)
		e.s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id), Role: "reader"}).Want(t, 200)
	})
}
