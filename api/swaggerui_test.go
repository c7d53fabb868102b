package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"claimgrade/grading"
	"claimgrade/internal/testenv"
)

// chromium finds a Chromium or Chrome binary. CI installs Debian's
// chromium, so there a missing browser is a failure, not a skip.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH: .ci/run installs Debian's chromium package")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); the Swagger UI test runs in CI")
	return ""
}

// swaggerUI is Swagger UI served by a test server on 127.0.0.1 and open in
// a headless Chromium, with the steps a reviewer takes in it.
type swaggerUI struct {
	t   *testing.T
	ctx context.Context
}

// openSwaggerUI serves h, starts the browser and opens Swagger UI; both
// stop when t ends. The whole session is bounded to two minutes.
func openSwaggerUI(t *testing.T, h http.Handler) *swaggerUI {
	t.Helper()
	chrome := chromium(t)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(cancel)
	// Start the browser on ctx itself: steps run under shorter contexts
	// derived from it, which must not own the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}
	ui := &swaggerUI{t: t, ctx: ctx}
	ui.step("open", chromedp.Navigate(srv.URL+"/swagger/index.html"), chromedp.WaitVisible(`#operations-claims-listClaims`))
	return ui
}

func (ui *swaggerUI) step(what string, steps ...chromedp.Action[chromedp.Void]) {
	ui.t.Helper()
	sctx, cancel := context.WithTimeout(ui.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
			if shot, err := chromedp.Run(ui.ctx, chromedp.FullScreenshot(100)); err == nil {
				_ = os.WriteFile(dir+"/swagger-ui-failure.png", shot, 0o644)
			}
		}
		ui.t.Fatalf("Swagger UI: %s: %v", what, err)
	}
}

func (ui *swaggerUI) text(sel string) string {
	ui.t.Helper()
	v, err := chromedp.Run(ui.ctx, chromedp.Text(sel))
	if err != nil {
		ui.t.Fatalf("Swagger UI: read %s: %v", sel, err)
	}
	return v
}

// setInput replaces the text of a React-controlled textarea the way a
// user's edit reaches Swagger UI: the native value setter, then an input
// event.
func setInput(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value').set.call(el, %q);
		el.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, sel, value))
}

// authorize enters key in the Authorize dialog, first logging out the key
// entered before, if any.
func (ui *swaggerUI) authorize(key string) {
	ui.t.Helper()
	ui.step("authorize",
		chromedp.Click(`.auth-wrapper .authorize`),
		chromedp.WaitVisible(`.auth-container`))
	if n, _ := chromedp.Run(ui.ctx, chromedp.Evaluate[int](`document.querySelectorAll('.auth-container input').length`)); n == 0 {
		ui.step("log out",
			chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.auth-btn-wrapper button')].find(b => b.textContent.trim() === 'Logout').click()`),
			chromedp.WaitVisible(`.auth-container input`))
	}
	ui.step("enter the key",
		chromedp.SendKeys(`.auth-container input`, "Bearer "+key),
		chromedp.Click(`.auth-btn-wrapper .modal-btn.authorize`),
		chromedp.Click(`.auth-btn-wrapper .btn-done`))
}

// try opens an operation ("tag-operationId"), uses Try it out with the path
// id and JSON body given, executes it and returns the live response's status
// and body as the response panel shows them. With shot set it first saves a
// PNG of the response panel there.
func (ui *swaggerUI) try(op, id, body, shot string) (string, string) {
	ui.t.Helper()
	sel := `#operations-` + op
	if n, _ := chromedp.Run(ui.ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+` .try-out__btn.cancel').length`)); n == 0 {
		ui.step("open "+op, chromedp.Click(sel+` .opblock-summary`), chromedp.WaitVisible(sel+` .try-out__btn`), chromedp.Click(sel+` .try-out__btn`))
	}
	ui.step("fill "+op, chromedp.WaitVisible(sel+` .execute`))
	if id != "" {
		idSel := sel + ` input[placeholder="id"]`
		if v, _ := chromedp.Run(ui.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).value`, idSel))); v != id {
			ui.step("id", chromedp.SendKeys(idSel, id))
		}
	}
	if body != "" {
		ui.step("body", setInput(sel+` textarea.body-param__text`, body))
	}
	ui.step("execute "+op, chromedp.Click(sel+` .execute`), chromedp.WaitVisible(sel+` .live-responses-table tbody .response-col_status`))
	status := strings.TrimSpace(ui.text(sel + ` .live-responses-table tbody .response-col_status`))
	out := ui.text(sel + ` .live-responses-table tbody .response-col_description`)
	if shot != "" {
		png, err := chromedp.Run(ui.ctx, chromedp.Screenshot(sel+` .live-responses-table`))
		if err != nil || len(png) == 0 {
			ui.t.Fatalf("Swagger UI: screenshot of the %s response: %d bytes, %v", op, len(png), err)
		}
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			ui.t.Fatal(err)
		}
	}
	ui.step("clear "+op, chromedp.Click(sel+` .btn-clear`))
	return status, out
}

// TestSwaggerUI drives Swagger UI in a real headless browser the way users
// do: authorize with an API key, call an operation, read the claim with its
// rating and explanation. (The reviewers' dual review of a finding is
// TestSwaggerUIFindingReview.)
func TestSwaggerUI(t *testing.T) {
	chromium(t)
	st := testenv.Open(t, testenv.Backends()[0])
	s := testenv.NewServer(t, st)
	claim, _, _ := seedCatalog(t, s)
	claimID := strconv.FormatInt(claim, 10)
	ui := openSwaggerUI(t, s.Handler)
	title := ui.text(`.info .title`)

	ui.authorize(s.Keys["reviewer"])
	status, body := ui.try("keys-getMe", "", "", "")
	if status != "200" || !strings.Contains(body, `"reviewer"`) {
		t.Errorf("GET /api/v1/me from Swagger UI = %s %s, want 200 and the reviewer user", status, body)
	}
	status, body = ui.try("claims-getClaim", claimID, "", "")
	if status != "200" || !strings.Contains(body, `"rating": "not_rated"`) || !strings.Contains(body, `"rating_explanation"`) {
		t.Errorf("GET /api/v1/claims/%s from Swagger UI = %s %s, want 200 with the rating and its explanation", claimID, status, body)
	}
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		if shot, err := chromedp.Run(ui.ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(dir+"/swagger-ui.png", shot, 0o644)
		}
	}
	if !strings.Contains(title, "claimgrade API") {
		t.Errorf("Swagger UI title = %q, want claimgrade API", title)
	}
}

// TestSwaggerUIFindingReview is the dual review of a finding in Swagger UI:
// each reviewer authorizes with their own key, records the same judgements
// (with reasons) through Try it out and submits; the second submission shows
// the consensus grade, and the finding's grade is stored.
func TestSwaggerUIFindingReview(t *testing.T) {
	chromium(t)
	st := testenv.Open(t, testenv.Backends()[0])
	e := newReviewEnv(t, st, 2)
	finding, _ := e.rctFinding()
	findingID := strconv.FormatInt(finding, 10)
	ui := openSwaggerUI(t, e.s.Handler)

	judgement := `{"risk_of_bias":"serious","reasons":{"risk_of_bias":"Open label, self-reported pain."},"rationale":"One open-label trial."}`
	shot := filepath.Join(t.TempDir(), "finding-consensus.png")
	for i, key := range []string{e.s.Keys["reviewer"], e.r2} {
		ui.authorize(key)
		status, body := ui.try("findings-putMyFindingAssessment", findingID, judgement, "")
		if status != "201" || !strings.Contains(body, `"moderate"`) || !strings.Contains(body, "Open label, self-reported pain.") {
			t.Fatalf("reviewer %d: PUT my finding assessment from Swagger UI = %s %s, want 201 with certainty moderate and the reason", i+1, status, body)
		}
		last := i == 1
		where := ""
		if last {
			where = shot
		}
		status, body = ui.try("findings-submitMyFindingAssessment", findingID, "", where)
		if status != "200" || !strings.Contains(body, `"submitted"`) {
			t.Fatalf("reviewer %d: submit from Swagger UI = %s %s, want 200 submitted", i+1, status, body)
		}
		if consensus := strings.Contains(body, `"consensus"`); consensus != last {
			t.Errorf("reviewer %d: submit response shows consensus = %v, want %v: %s", i+1, consensus, last, body)
		}
		if last && !strings.Contains(body, `"certainty": "moderate"`) {
			t.Errorf("second submit response shows no grade of certainty moderate: %s", body)
		}
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Errorf("screenshot of the response panel: %v", err)
	}

	f, err := st.GetFinding(context.Background(), finding)
	if err != nil {
		t.Fatal(err)
	}
	if f.Grade == nil || f.Grade.Method != "consensus" || grading.Deref(f.Grade.Certainty) != "moderate" {
		t.Fatalf("finding %d after the dual review in Swagger UI: grade %+v, want consensus moderate", finding, f.Grade)
	}
	if f.Certainty == nil || *f.Certainty != "moderate" {
		t.Errorf("finding %d certainty = %v, want moderate", finding, f.Certainty)
	}
	if len(f.Grade.AssessmentIDs) != 2 {
		t.Errorf("finding grade rests on assessments %v, want both reviewers'", f.Grade.AssessmentIDs)
	}
}
