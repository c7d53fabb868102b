package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"claimgrade/dataset"
	"claimgrade/grading"
	"claimgrade/internal/axecheck"
	"claimgrade/internal/testenv"
	"claimgrade/readertext"
	"claimgrade/store"
)

// seedDemo loads the demo dataset (two reviews a grade, as `claimgrade
// seed` does by default) into st.
func seedDemo(t *testing.T, st *store.Store) {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Seed(context.Background(), st, d, 2); err != nil {
		t.Fatalf("seed the demo dataset: %v", err)
	}
}

// demoClaim finds the id of the seeded demo claim with the given key
// (dataset/demo.json) by its language, text and summary (two claims may
// quote the same sentence).
func demoClaim(t *testing.T, s *testenv.Server, key string) int64 {
	t.Helper()
	d, err := dataset.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Claims {
		if c.Key != key {
			continue
		}
		path := "/api/v1/claims?limit=200&language=" + url.QueryEscape(c.Language)
		for path != "" {
			res := s.Do(testenv.Request{Method: "GET", Path: path})
			for _, item := range res.Want(t, 200)["data"].([]any) {
				if m := item.(map[string]any); m["text"] == c.Text && m["summary"] == c.Summary {
					return int64(m["id"].(float64))
				}
			}
			path = strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Link"), "<"), `>; rel="next"`)
		}
		t.Fatalf("demo claim %s is not in the database", key)
	}
	t.Fatalf("the demo dataset has no claim %s", key)
	return 0
}

// browser starts a headless Chromium for the test; every step runs under
// the returned context (two minutes in all).
func browser(t *testing.T) context.Context {
	t.Helper()
	chrome := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 180*time.Second)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}
	return ctx
}

// axeClean runs axe-core (WCAG 2.0/2.1 A and AA) on the page open in ctx
// and fails the test on any violation.
func axeClean(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	violations, err := axecheck.Run(ctx, axecheck.Script(t))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for _, v := range violations {
		t.Errorf("%s: axe-core (WCAG 2.1 AA): %s", what, v)
	}
}

// screenshot takes a full-page PNG of the page open in ctx into the test's
// temporary directory and, when SCREENSHOT_DIR is set, there too.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil || len(shot) < 8 || string(shot[1:4]) != "PNG" {
		t.Fatalf("screenshot: %d bytes, %v", len(shot), err)
	}
	dirs := []string{t.TempDir()}
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClaimPageInChromium opens the public page of a demo claim in each
// language as a reader would, in headless Chromium, and reads what the
// browser renders (document.body.innerText: what is on screen, not the
// template):
//   - de-000-abscesses and it-001-transient-skin-reactions, rated accurate:
//     the verdict sentence in the claim's language (the API's
//     rating_summary) with what its certainty is about, never the English
//     rule-engine text nor a rule id;
//   - en-002-fat-mobilisation, not rated (its only trial reports no
//     difference to rate): the sentence says why;
//   - fr-003-no-drug-interaction, unproven because a documented search found
//     nothing, so without a certainty to show beside the verdict, and
//     absolute wording: the flag in a plain French sentence;
//
// each with the therapy's name in the page's language, the sections in the
// order of DESIGN "What readers see", the JSON-LD the browser parses equal
// to the API's ClaimReview (rated claims), no script, no WCAG 2.1 AA
// violation (axe-core), and a full-page screenshot (SCREENSHOT_DIR keeps
// it).
func TestClaimPageInChromium(t *testing.T) {
	ctx := browser(t)
	st := testenv.Open(t, testenv.Backends()[0])
	seedDemo(t, st)
	s := testenv.NewServer(t, st)
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)

	tests := []struct {
		key, lang, therapy string
		rated              bool
		headings           []string // in the order they must appear
	}{
		{"de-000-abscesses", "de", "Mesotherapie", true,
			[]string{"FAKTENCHECK", "Bewertung", "Was Sie zu dieser Behauptung wissen sollten", "Wo die Behauptung erscheint", "Wie wir gesucht haben", "Evidenz: bewertete Befunde"}},
		{"it-001-transient-skin-reactions", "it", "mesoterapia", true,
			[]string{"VERIFICA DEI FATTI", "Valutazione", "Che cosa sapere su questa affermazione", "Dove compare l'affermazione", "Come abbiamo cercato", "Prove: risultati valutati"}},
		{"en-002-fat-mobilisation", "en", "Mesotherapy", false,
			[]string{"FACT CHECK", "Rating", "What to know about this claim", "Where the claim appears", "How we searched", "Evidence: graded findings"}},
		{"fr-003-no-drug-interaction", "fr", "mésothérapie", true,
			[]string{"VÉRIFICATION DES FAITS", "Évaluation", "Ce qu'il faut savoir sur cette affirmation", "Où l'affirmation apparaît", "Comment nous avons cherché", "Données probantes"}},
	}
	for _, tt := range tests {
		id := demoClaim(t, s, tt.key)
		claim := s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(t, 200)
		if rated := claim["rating"] != "not_rated"; rated != tt.rated {
			t.Fatalf("%s is rated %v; the test expects rated=%v", tt.key, claim["rating"], tt.rated)
		}
		url := srv.URL + claimPagePath(id)
		if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(`#rating-summary`)); err != nil {
			t.Fatalf("open %s: %v", url, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatalf("read the page: %v", err)
		}
		l := readertext.For(readertext.Lang(tt.lang))
		summary := claim["rating_summary"].(string)
		want := []string{claim["text"].(string), summary, l.Label("therapy") + l.Colon() + tt.therapy}
		if tt.rated && claim["certainty"] == nil {
			// Unproven for want of evidence: no certainty, so nothing
			// beside the verdict claims one.
			if none, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#rating-basis') === null`)); err != nil || !none {
				t.Errorf("%s: a basis beside a verdict without certainty (%v)", tt.key, err)
			}
		} else if tt.rated {
			// Beside the verdict, what its certainty is about: the
			// certainty of the evidence, or for case evidence the harm's
			// attribution and occurrence certainty.
			basis, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#rating-basis').innerText`))
			if err != nil {
				t.Fatalf("%s: read the basis: %v", tt.key, err)
			}
			c, b := grading.Certainty(claim["certainty"].(string)), grading.CertaintyBasis(claim["certainty_basis"].(string))
			ok := false
			for _, a := range append(grading.Attributions(), "") {
				ok = ok || strings.HasSuffix(basis, l.Basis(c, b, a))
			}
			if !ok || !strings.Contains(basis, grading.CertaintySymbols(c)) {
				t.Errorf("%s: the basis beside the verdict is %q, want what the certainty (%s, %s) is about", tt.key, basis, c, b)
			}
		}
		basisOf, _ := claim["certainty_basis"].(string)
		for _, f := range claim["flags"].([]any) {
			if f == string(grading.FlagUngraded) && len(claim["findings"].([]any)) == 0 {
				continue // nothing linked: "unsupported" says it
			}
			want = append(want, l.FlagAbout(grading.Flag(f.(string)), grading.CertaintyBasis(basisOf)))
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the rendered page lacks %q", tt.key, w)
			}
		}
		// The verdict reads in the page's language: no rule id, no engine
		// text on screen (the rules' English explanation stays folded away
		// for reviewers).
		for _, leak := range []string{claim["rating_reason"].(string), claim["rating_explanation"].(string)} {
			if strings.Contains(text, leak) {
				t.Errorf("%s: the rendered page shows the engine's %q", tt.key, leak)
			}
		}
		if strings.HasPrefix(summary, readertext.For(readertext.English).RatingName(grading.Rating(claim["rating"].(string)))) && tt.lang != "en" {
			t.Errorf("%s: rating_summary %q is in English", tt.key, summary)
		}
		last := -1
		for _, h := range tt.headings {
			at := strings.Index(text, h)
			if at < 0 || at < last {
				t.Errorf("%s: heading %q at %d, after %d: the sections are not in the order readers need", tt.key, h, at, last)
			}
			last = at
		}
		if htmlLang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || htmlLang != tt.lang {
			t.Errorf("%s: <html lang> = %q (%v), want %s", tt.key, htmlLang, err, tt.lang)
		}
		executed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.scripts).filter(s => s.type !== 'application/ld+json').length`))
		if err != nil || executed != 0 {
			t.Errorf("%s: executable scripts on the page = %d (%v), want none", tt.key, executed, err)
		}
		if tt.rated {
			// The browser's own reading of the JSON-LD.
			ld, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](
				`JSON.parse(document.querySelector('script[type="application/ld+json"]').textContent)`))
			if err != nil {
				t.Fatalf("read the JSON-LD: %v", err)
			}
			var got, api map[string]any
			if err := json.Unmarshal(ld, &got); err != nil {
				t.Fatal(err)
			}
			s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d/claimreview", id)}).Decode(t, &api)
			if d := cmp.Diff(api, got); d != "" || got["@type"] != "ClaimReview" {
				t.Errorf("%s: the JSON-LD the browser parsed differs from the API's ClaimReview (-api +page):\n%s", tt.key, d)
			}
			if rr := got["reviewRating"].(map[string]any); rr["description"] != summary {
				t.Errorf("%s: ClaimReview description = %q, want the verdict sentence %q", tt.key, rr["description"], summary)
			}
		}
		axeClean(t, ctx, tt.key)
		screenshot(t, ctx, fmt.Sprintf("claim-page-%s.png", tt.lang))
		t.Logf("%s (%s): claim %d: %s", tt.key, tt.lang, id, summary)
	}
}
