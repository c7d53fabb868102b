package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"claimgrade/dataset"
	"claimgrade/internal/testenv"
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

// demoFeed reads every rated claim's ClaimReview through the paged feed.
func demoFeed(t *testing.T, s *testenv.Server) []map[string]any {
	t.Helper()
	var items []map[string]any
	path := "/api/v1/claimreview?limit=200"
	for path != "" {
		res := s.Do(testenv.Request{Method: "GET", Path: path})
		for _, el := range res.Want(t, 200)["dataFeedElement"].([]any) {
			items = append(items, el.(map[string]any)["item"].(map[string]any))
		}
		path = strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Link"), "<"), `>; rel="next"`)
	}
	return items
}

// claimIDOf reads the claim id from a ClaimReview's url.
func claimIDOf(t *testing.T, review map[string]any) int64 {
	t.Helper()
	var id int64
	u := review["url"].(string)
	if _, err := fmt.Sscanf(u[strings.LastIndex(u, "/")+1:], "%d", &id); err != nil {
		t.Fatalf("url %s: %v", u, err)
	}
	return id
}

// TestClaimPageInChromium opens the public page of seeded demo claims (one
// English, one German, one Italian, each rated and with linked findings)
// in headless Chromium as a reader would: the rendered text holds the
// claim, its rating in the claim's language and the findings' rows; the
// JSON-LD script, read and parsed by the browser, is the API's
// ClaimReview; a full-page screenshot is taken (SCREENSHOT_DIR, when set,
// keeps it).
func TestClaimPageInChromium(t *testing.T) {
	chrome := chromium(t)
	st := testenv.Open(t, testenv.Backends()[0])
	seedDemo(t, st)
	s := testenv.NewServer(t, st)
	rateDemoByEditor(t, st, s)
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)

	// The rated demo claim with the most linked findings in each language.
	picked := map[string]int64{}
	most := map[string]int{}
	for _, r := range demoFeed(t, s) {
		lang := r["itemReviewed"].(map[string]any)["inLanguage"].(string)
		id := claimIDOf(t, r)
		n := len(s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(t, 200)["findings"].([]any))
		if n > most[lang] {
			picked[lang], most[lang] = id, n
		}
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(cancel)

	// The rendered text: the page's title is set in capitals by its style.
	labels := map[string][]string{
		"en": {"FACT CHECK", "Rating", "Where the claim appears", "Evidence: graded findings", "Certainty of the evidence"},
		"de": {"FAKTENCHECK", "Bewertung", "Wo die Behauptung erscheint", "Evidenz: bewertete Befunde", "Vertrauenswürdigkeit der Evidenz"},
		"it": {"VERIFICA DEI FATTI", "Valutazione", "Dove compare l'affermazione", "Prove: risultati valutati", "Certezza delle prove"},
	}
	for _, lang := range []string{"en", "de", "it"} {
		id, ok := picked[lang]
		if !ok {
			t.Errorf("the demo dataset has no rated %s claim", lang)
			continue
		}
		claim := s.Do(testenv.Request{Method: "GET", Path: fmt.Sprintf("/api/v1/claims/%d", id)}).Want(t, 200)
		url := srv.URL + claimPagePath(id)
		if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(`#rating-label`)); err != nil {
			t.Fatalf("open %s in %s: %v", url, chrome, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(`body`))
		if err != nil {
			t.Fatalf("read the page: %v", err)
		}
		want := append([]string{claim["text"].(string)}, labels[lang]...)
		for _, cf := range claim["findings"].([]any) {
			want = append(want, fmt.Sprintf("%s %v", map[string]string{"en": "Finding", "de": "Befund", "it": "Risultato"}[lang],
				cf.(map[string]any)["finding_id"]))
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s page of claim %d: the rendered text lacks %q", lang, id, w)
			}
		}
		if htmlLang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || htmlLang != lang {
			t.Errorf("<html lang> = %q (%v), want %s", htmlLang, err, lang)
		}
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.sof tbody tr').length`))
		if err != nil || rows != most[lang] {
			t.Errorf("%s: rendered finding rows = %d (%v), want %d", lang, rows, err, most[lang])
		}

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
			t.Errorf("%s: the JSON-LD the browser parsed differs from the API's ClaimReview (-api +page):\n%s", lang, d)
		}
		executed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.scripts).filter(s => s.type !== 'application/ld+json').length`))
		if err != nil || executed != 0 {
			t.Errorf("%s: executable scripts on the page = %d (%v), want none", lang, executed, err)
		}

		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil || len(shot) < 8 || string(shot[1:4]) != "PNG" {
			t.Fatalf("screenshot: %d bytes, %v", len(shot), err)
		}
		dirs := []string{t.TempDir()}
		if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
			dirs = append(dirs, dir)
		}
		for _, dir := range dirs {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("claim-page-%s.png", lang)), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: claim %d, %d finding row(s), screenshot %d bytes", lang, id, rows, len(shot))
	}
}
