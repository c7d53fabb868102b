package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"claimgrade/internal/testenv"
	"claimgrade/store"
)

func summaryPath(q int64, query string) string {
	return fmt.Sprintf("/api/v1/questions/%d/summary%s", q, query)
}

// Reasons the two reviewers give; the footnotes must carry them verbatim.
const (
	robReason         = "Open label, self-reported pain."
	imprecisionReason = "Fewer than 300 events; the CI includes no important effect."
	draftReason       = "A draft reason that no table may show."
	disputedReason    = "Submitted, but the reviewers disagree."
)

// summaryFixture is a question with two findings: the first (a risk
// difference from two RCTs) graded low by consensus with risk of bias and
// imprecision serious; the second (a risk ratio from one RCT) ungraded, its
// reviewers' submissions in disagreement.
type summaryFixture struct {
	q, graded, disputed int64
}

func newSummaryFixture(e *reviewEnv) summaryFixture {
	t := e.t
	t.Helper()
	q := e.question(nil)
	graded := id(e.finding(q, map[string]any{"measure": "risk_difference", "estimate": -0.05, "ci_low": -0.08, "ci_high": -0.02,
		"participants": 240, "studies": 2, "summary": "About 50 fewer per 1,000 still had pain."}))
	e.attach(graded, e.src(nil), nil)
	judgements := map[string]any{"risk_of_bias": "serious", "imprecision": "serious",
		"reasons": map[string]any{"risk_of_bias": robReason, "imprecision": imprecisionReason}, "rationale": "Two small open-label trials."}
	for _, r := range []string{"reviewer", e.r2} {
		e.put(graded, r, judgements, "").Want(t, 201)
		e.submit(graded, r)
	}

	disputed := id(e.finding(q, map[string]any{"measure": "risk_ratio", "estimate": 0.5, "ci_low": 0.3, "ci_high": 0.8,
		"participants": 84, "studies": 1, "summary": "Half as many had pain at 6 months."}))
	e.attach(disputed, e.src(nil), nil)
	e.put(disputed, "reviewer", map[string]any{"risk_of_bias": "serious", "reasons": map[string]any{"risk_of_bias": disputedReason},
		"rationale": "Open label."}, "").Want(t, 201)
	e.submit(disputed, "reviewer")
	return summaryFixture{q: q, graded: graded, disputed: disputed}
}

func TestQuestionSummary(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 2)
		fx := newSummaryFixture(e)
		// Reviewer-2's draft on the disputed finding: never part of a table.
		e.put(fx.disputed, e.r2, map[string]any{"risk_of_bias": "very_serious", "reasons": map[string]any{"risk_of_bias": draftReason},
			"rationale": "Draft."}, "").Want(t, 201)
		res := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "")})
		body := res.Want(t, 200)
		for _, secret := range []string{draftReason, disputedReason} {
			if strings.Contains(string(res.Body), secret) {
				t.Errorf("the summary shows an assessment's reason before a grade: %q", secret)
			}
		}
		// Reviewer-2 submits other judgements: a disagreement, still no grade.
		e.put(fx.disputed, e.r2, noConcerns, `"1"`).Want(t, 200)
		e.submit(fx.disputed, e.r2)

		res = e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "")})
		body = res.Want(t, 200)
		tag := res.Header.Get("ETag")
		if strings.Contains(string(res.Body), disputedReason) {
			t.Errorf("the summary shows the reason of an unsettled assessment")
		}
		if body["title"] != "Intradermal lidocaine, 3 weekly sessions compared with oral diclofenac for adults with acute low back pain" {
			t.Errorf("title = %q", body["title"])
		}
		question := body["question"].(map[string]any)
		if question["id"] != float64(fx.q) || question["population"] != "adults with acute low back pain" ||
			question["comparator"] != "oral diclofenac" || question["timepoint"] != "6 months" {
			t.Errorf("question header = %v", question)
		}
		rows := body["rows"].([]any)
		if len(rows) != 2 {
			t.Fatalf("rows = %d, want 2: %v", len(rows), rows)
		}
		graded, disputed := rows[0].(map[string]any), rows[1].(map[string]any)
		if graded["finding_id"] != float64(fx.graded) || disputed["finding_id"] != float64(fx.disputed) {
			t.Fatalf("rows are not the findings by id: %v, %v", graded["finding_id"], disputed["finding_id"])
		}

		// The graded row: low by consensus, its absolute effect per 1,000
		// (-0.05 × 1,000 = 50 fewer; CI -80 to -20), two footnotes.
		wantGraded := map[string]any{
			"outcome": "pain (VAS 0-10)", "timepoint": "6 months", "participants": float64(240), "studies": float64(2),
			"design": "randomised", "participants_text": "240 (2 RCTs)", "certainty": "low", "certainty_text": "⊕⊕◯◯ Low",
			"method": "consensus", "footnotes": []any{float64(1), float64(2)},
			// GRADE 26: low certainty, a reduction whose CI excludes no
			// effect (no threshold is recorded): "may reduce".
			"statement_kind": "effect", "statement": "Intradermal lidocaine, 3 weekly sessions may reduce pain (VAS 0-10) (low-certainty evidence).",
			"summary": "About 50 fewer per 1,000 still had pain.",
		}
		for k, want := range wantGraded {
			if d := cmp.Diff(want, graded[k]); d != "" {
				t.Errorf("graded row %s (-want +got):\n%s", k, d)
			}
		}
		if eff := graded["effect"].(map[string]any); eff["text"] != "RD 0.05 lower (0.08 lower to 0.02 lower)" || eff["measure"] != "risk_difference" {
			t.Errorf("graded effect = %v", eff)
		}
		wantAbs := map[string]any{"kind": "difference_per_1000", "estimate": float64(-50), "low": float64(-80), "high": float64(-20),
			"comparator": nil, "wilson_ci": false, "not_estimable": nil, "text": "50 fewer per 1,000 (80 fewer to 20 fewer)"}
		if d := cmp.Diff(wantAbs, graded["absolute_effect"]); d != "" {
			t.Errorf("graded absolute effect (-want +got):\n%s", d)
		}
		if d, _ := graded["derivation"].(string); !strings.Contains(d, "-1 risk of bias (serious) -1 imprecision (serious) = low") {
			t.Errorf("graded derivation = %q", d)
		}

		// The disputed row: not graded, no footnotes, the ratio's absolute
		// effect not estimable, the disagreement shown.
		if disputed["certainty"] != nil || disputed["certainty_text"] != "not graded" || disputed["method"] != nil ||
			disputed["derivation"] != nil || disputed["design"] != nil || len(disputed["footnotes"].([]any)) != 0 {
			t.Errorf("disputed row: certainty %v %q method %v derivation %v design %v footnotes %v", disputed["certainty"],
				disputed["certainty_text"], disputed["method"], disputed["derivation"], disputed["design"], disputed["footnotes"])
		}
		wantAbs = map[string]any{"kind": "not_estimable", "estimate": nil, "low": nil, "high": nil, "comparator": nil, "wilson_ci": false,
			"not_estimable": "no_comparator_risk", "text": "not estimable: no comparator risk recorded"}
		if d := cmp.Diff(wantAbs, disputed["absolute_effect"]); d != "" {
			t.Errorf("disputed absolute effect (-want +got):\n%s", d)
		}
		if eff := disputed["effect"].(map[string]any); eff["text"] != "RR 0.5 (0.3 to 0.8)" {
			t.Errorf("disputed effect = %v", eff)
		}
		if flags := testenv.Strings(disputed["flags"]); !slices.Contains(flags, "reviewer_disagreement") || !slices.Contains(flags, "ungraded") {
			t.Errorf("disputed flags = %v", flags)
		}
		if notes := testenv.Strings(disputed["notes"]); !slices.Equal(notes, []string{"Reviewer disagreement: the submitted assessments differ and await adjudication."}) {
			t.Errorf("disputed notes = %v", notes)
		}
		if disputed["statement"] != "Not graded yet: no certainty has been decided for this evidence." || disputed["statement_kind"] != "not_graded" ||
			disputed["summary"] != "Half as many had pain at 6 months." {
			t.Errorf("disputed statement = %q (%v), summary %q", disputed["statement"], disputed["statement_kind"], disputed["summary"])
		}
		if body["language"] != "en" {
			t.Errorf("language = %v, want en", body["language"])
		}

		wantFootnotes := []any{
			map[string]any{"number": float64(1), "finding_id": float64(fx.graded), "domain": "risk_of_bias", "judgement": "serious", "change": float64(-1),
				"text": "Risk of bias: rated down one level (serious). " + robReason},
			map[string]any{"number": float64(2), "finding_id": float64(fx.graded), "domain": "imprecision", "judgement": "serious", "change": float64(-1),
				"text": "Imprecision: rated down one level (serious). " + imprecisionReason},
		}
		if d := cmp.Diff(wantFootnotes, body["footnotes"]); d != "" {
			t.Errorf("footnotes (-want +got):\n%s", d)
		}

		// ETags: 304 on a match; the page has its own.
		e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, ""), Headers: map[string]string{"If-None-Match": tag}}).Want(t, 304)
		page := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "?format=html")})
		if page.Status != 200 || page.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("html: %d %q", page.Status, page.Header.Get("Content-Type"))
		}
		if ptag := page.Header.Get("ETag"); ptag == "" || ptag == tag {
			t.Errorf("html ETag %q, json ETag %q: want two different tags", ptag, tag)
		}
		e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "?format=html"), Headers: map[string]string{"If-None-Match": page.Header.Get("ETag")}}).Want(t, 304)
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("html Content-Security-Policy = %q", csp)
		}
		html := string(page.Body)
		for _, want := range []string{"<table class=\"sof\">", "50 fewer per 1,000 (80 fewer to 20 fewer)", "240 (2 RCTs)",
			"not estimable: no comparator risk recorded", "not graded", "RR 0.5 (0.3 to 0.8)", `<html lang="en">`,
			"Risk of bias: rated down one level (serious). Open label, self-reported pain.",
			`<a href="#fn-1">1</a>`, `<li id="fn-2" value="2">Imprecision: rated down one level (serious).`,
			"Reviewer disagreement: the submitted assessments differ", "oral diclofenac"} {
			if !strings.Contains(html, want) {
				t.Errorf("html lacks %q", want)
			}
		}
		if strings.Contains(strings.ToLower(html), "<script") || strings.Contains(html, disputedReason) {
			t.Errorf("html holds a script or an unsettled reason")
		}
		if explicit := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "?format=json")}); explicit.Header.Get("ETag") != tag {
			t.Errorf("format=json ETag %q, want the default's %q", explicit.Header.Get("ETag"), tag)
		}

		// A change the grade rests on: the grade stays, flagged stale.
		_, ftag := e.get(fx.graded)
		e.s.Do(testenv.Request{Method: "PATCH", Path: findingPath(fx.graded), Role: "editor", Body: map[string]any{"participants": 250},
			Headers: map[string]string{"If-Match": ftag}}).Want(t, 200)
		res = e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "")})
		body = res.Want(t, 200)
		if res.Header.Get("ETag") == tag {
			t.Errorf("the ETag did not change with the finding")
		}
		graded = body["rows"].([]any)[0].(map[string]any)
		if graded["certainty"] != "low" || graded["participants_text"] != "250 (2 RCTs)" || !slices.Contains(testenv.Strings(graded["flags"]), "stale_grade") ||
			!slices.Contains(testenv.Strings(graded["notes"]), "Stale grade: the evidence or the question changed after this grade was decided; it awaits re-grading.") {
			t.Errorf("stale row: certainty %v participants %v flags %v notes %v", graded["certainty"], graded["participants_text"], graded["flags"], graded["notes"])
		}
		if html := string(e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "?format=html")}).Body); !strings.Contains(html, "Stale grade: the evidence") {
			t.Errorf("the page does not show the stale grade")
		}

		// Bad input and unknown questions.
		for _, query := range []string{"?format=pdf", "?format=", "?format=HTML", "?fmt=html"} {
			p := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, query)}).Problem(t, 400)
			if query != "?fmt=html" && !slices.Equal(testenv.ProblemFields(p), []string{"format"}) {
				t.Errorf("%s: problem fields %v, want format", query, testenv.ProblemFields(p))
			}
		}
		for _, query := range []string{"?lang=es", "?lang=", "?lang=DE", "?lang=de-CH", "?format=html&lang=xx"} {
			p := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, query)}).Problem(t, 400)
			if !slices.Equal(testenv.ProblemFields(p), []string{"lang"}) {
				t.Errorf("%s: problem fields %v, want lang", query, testenv.ProblemFields(p))
			}
		}
		e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(999999, "")}).Problem(t, 404)
		e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(999999, "?format=html")}).Problem(t, 404)
		e.s.Do(testenv.Request{Method: "GET", Path: "/api/v1/questions/01/summary"}).Problem(t, 404) // not an id

		// A question without findings: the header and no rows.
		empty := e.question(map[string]any{"outcome": "function (ODI)"})
		if b := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(empty, "")}).Want(t, 200); len(b["rows"].([]any)) != 0 || len(b["footnotes"].([]any)) != 0 {
			t.Errorf("empty question: %v", b)
		}

		// No query per row: a third finding costs no statement.
		counter := testenv.CountQueries(t, st)
		before, _ := counter.Count(func() { e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "")}).Want(t, 200) })
		e.finding(fx.q, map[string]any{"summary": "A third body of evidence."})
		after, sqls := counter.Count(func() { e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(fx.q, "")}).Want(t, 200) })
		if after != before || after > 5 {
			t.Errorf("summary ran %d statements with 2 findings and %d with 3, want the same, at most 5: %v", before, after, sqls)
		}
	})
}

// TestQuestionSummaryEventRate is the table of a question without
// comparator: a proportion from events/participants is shown per 1,000
// with the Wilson interval (30/120: 250 per 1,000, 181.1 to 334.4), and a
// single reviewer's grade from a case series of consecutive patients (a
// representative sample: an event rate starts high, GRADE 28) rated down
// for imprecision reads "probably occurs in about N per 1,000".
func TestQuestionSummaryEventRate(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, st *store.Store) {
		e := newReviewEnv(t, st, 1)
		q := e.question(map[string]any{"comparator": nil, "comparator_kind": "none", "outcome": "injection-site infection",
			"outcome_kind": "harm", "direction": "lower_is_better", "timepoint": "4 weeks"})
		f := id(e.finding(q, map[string]any{"measure": "proportion", "events": 30, "participants": 120, "studies": 1,
			"summary": "30 of 120 treated patients had an injection-site infection."}))
		e.attach(f, e.src(map[string]any{"kind": "case_series"}), nil)
		e.put(f, "reviewer", map[string]any{"sample": "representative", "imprecision": "serious", "reasons": map[string]any{"imprecision": "One small series"},
			"rationale": "A single series of consecutive patients."}, "").Want(t, 201)
		e.submit(f, "reviewer")

		body := e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(q, "")}).Want(t, 200)
		if body["title"] != "Intradermal lidocaine, 3 weekly sessions for adults with acute low back pain: how often injection-site infection occurs" {
			t.Errorf("title = %q", body["title"])
		}
		if body["question"].(map[string]any)["comparator"] != nil {
			t.Errorf("question comparator = %v, want null", body["question"].(map[string]any)["comparator"])
		}
		row := body["rows"].([]any)[0].(map[string]any)
		wantAbs := map[string]any{"kind": "per_1000", "estimate": float64(250), "low": 181.1, "high": 334.4, "comparator": nil,
			"wilson_ci": true, "not_estimable": nil, "text": "250 per 1,000 (181 to 334, Wilson interval)"}
		if d := cmp.Diff(wantAbs, row["absolute_effect"]); d != "" {
			t.Errorf("absolute effect (-want +got):\n%s", d)
		}
		if row["certainty"] != "moderate" || row["method"] != "single_reviewer" || row["participants_text"] != "120 (1 non-comparative study)" ||
			row["effect"].(map[string]any)["text"] != "Proportion 30/120 events" {
			t.Errorf("row: certainty %v method %v participants %v effect %v", row["certainty"], row["method"], row["participants_text"], row["effect"])
		}
		// A rate: how often, per 1,000, never "the effect of".
		if s := row["statement"]; s != "Injection-site infection probably occurs in about 250 per 1,000 people treated (181 to 334; moderate-certainty evidence)." ||
			row["statement_kind"] != "rate" {
			t.Errorf("statement = %q (%v)", s, row["statement_kind"])
		}
		if fn := body["footnotes"].([]any); len(fn) != 1 || fn[0].(map[string]any)["text"] != "Imprecision: rated down one level (serious). One small series." {
			t.Errorf("footnotes = %v", fn)
		}
		html := string(e.s.Do(testenv.Request{Method: "GET", Path: summaryPath(q, "?format=html")}).Body)
		if !strings.Contains(html, "none: how often it happens (an event rate)") || !strings.Contains(html, "250 per 1,000 (181 to 334, Wilson interval)") {
			t.Errorf("html of an event-rate question lacks its comparator line or absolute effect")
		}
	})
}

// TestQuestionSummaryPageInChromium opens the printable summary-of-findings
// page in headless Chromium as a reviewer would: the rendered text holds
// both rows, the footnotes and the legend; a screenshot (PNG) and a print
// (PDF, the page's own A4 landscape @page) are taken. SCREENSHOT_DIR, when
// set, keeps a copy of the screenshot.
func TestQuestionSummaryPageInChromium(t *testing.T) {
	chrome := chromium(t)
	st := testenv.Open(t, testenv.Backends()[0])
	e := newReviewEnv(t, st, 2)
	fx := newSummaryFixture(e)
	e.put(fx.disputed, e.r2, noConcerns, "").Want(t, 201)
	e.submit(fx.disputed, e.r2)
	srv := httptest.NewServer(e.s.Handler)
	t.Cleanup(srv.Close)

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

	url := srv.URL + summaryPath(fx.q, "?format=html")
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(`table.sof tbody tr`)); err != nil {
		t.Fatalf("open %s in %s: %v", url, chrome, err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.sof tbody tr').length`))
	if err != nil || rows != 2 {
		t.Errorf("rendered table rows = %d (%v), want 2", rows, err)
	}
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.scripts.length`))
	if err != nil || scripts != 0 {
		t.Errorf("scripts on the page = %d (%v), want none", scripts, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(`body`))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	for _, want := range []string{
		"Summary of findings",
		"Intradermal lidocaine, 3 weekly sessions compared with oral diclofenac for adults with acute low back pain",
		fmt.Sprintf("Finding %d", fx.graded), "240 (2 RCTs)", "RD 0.05 lower (0.08 lower to 0.02 lower)",
		"50 fewer per 1,000 (80 fewer to 20 fewer)", "⊕⊕◯◯ Low",
		"Intradermal lidocaine, 3 weekly sessions may reduce pain (VAS 0-10) (low-certainty evidence).",
		fmt.Sprintf("Finding %d", fx.disputed), "84 (1 study)", "RR 0.5 (0.3 to 0.8)", "not estimable: no comparator risk recorded", "not graded",
		"Reviewer disagreement: the submitted assessments differ and await adjudication.",
		"Risk of bias: rated down one level (serious). " + robReason, "Imprecision: rated down one level (serious). " + imprecisionReason,
		"GRADE Working Group grades of evidence",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	axeClean(t, ctx, "summary of findings")
	// Footnote references are links to the footnotes, without script.
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('td.certainty sup a').getAttribute('href')`)); err != nil || href != "#fn-1" {
		t.Errorf("first footnote reference = %q (%v), want #fn-1", href, err)
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
		if err := os.WriteFile(filepath.Join(dir, "summary-of-findings.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The same table in German: the rows' texts and the labels in the
	// language asked for, with a decimal comma.
	url = srv.URL + summaryPath(fx.q, "?format=html&lang=de")
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(`table.sof tbody tr`)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	text, err = chromedp.Run(ctx, chromedp.Text(`body`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Summary of Findings", "RD 0,05 niedriger (0,08 niedriger bis 0,02 niedriger)", "50 weniger pro 1.000 (80 weniger bis 20 weniger)",
		"⊕⊕◯◯ Gering", "Die Behandlung verringert diesen Endpunkt möglicherweise (geringe Vertrauenswürdigkeit der Evidenz).", "240 (2 RCTs)",
		"Stufen der Vertrauenswürdigkeit der Evidenz nach der GRADE Working Group"} {
		if !strings.Contains(text, want) {
			t.Errorf("the German page lacks %q", want)
		}
	}
	axeClean(t, ctx, "summary of findings (de)")
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+summaryPath(fx.q, "?format=html")), chromedp.WaitVisible(`table.sof tbody tr`)); err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(func(p *page.PrintToPDFParams) { preferCSS := true; p.PreferCSSPageSize = &preferCSS }))
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("print to PDF: %d bytes, %v", len(pdf), err)
	}
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "summary-of-findings.pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
