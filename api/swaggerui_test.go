package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"claimgrade/internal/testenv"
	"claimgrade/models"
	"claimgrade/store"
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

// TestSwaggerUI drives Swagger UI in a real headless browser the way
// reviewers do: each authorizes with their own API key, records and submits
// an assessment of a claim, and the two agreeing assessments make the
// claim's grade.
func TestSwaggerUI(t *testing.T) {
	chrome := chromium(t)
	st := testenv.Open(t, testenv.Backends()[0])
	s := testenv.NewServer(t, st)
	claim, _, rct := seedCatalog(t, s)
	claimID := strconv.FormatInt(claim, 10)
	if res := s.Do(testenv.Request{Method: "POST", Path: "/api/v1/claims/" + claimID + "/links", Role: "editor",
		Body: map[string]any{"source_id": rct, "role": "evidence", "stance": "supports"}}); res.Status != 201 {
		t.Fatalf("link evidence: %d %s", res.Status, res.Body)
	}
	secondReviewer, _, err := st.CreateKey(context.Background(), store.System("test"), "reviewer-2", models.RoleReviewer)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler)
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	// Start the browser on ctx itself: steps run under shorter contexts
	// derived from it, which must not own the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}

	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
				if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
					_ = os.WriteFile(dir+"/swagger-ui-failure.png", shot, 0o644)
				}
			}
			t.Fatalf("Swagger UI: %s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("Swagger UI: read %s: %v", sel, err)
		}
		return v
	}
	// setInput replaces the text of a React-controlled textarea the way a
	// user's edit reaches Swagger UI: the native value setter, then an input
	// event.
	setInput := func(sel, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const el = document.querySelector(%q);
			Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value').set.call(el, %q);
			el.dispatchEvent(new Event('input', {bubbles: true}));
		})()`, sel, value))
	}
	authorize := func(key string) {
		t.Helper()
		step("authorize",
			chromedp.Click(`.auth-wrapper .authorize`),
			chromedp.WaitVisible(`.auth-container`))
		// A second authorization first logs the previous key out.
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.auth-container input').length`)); n == 0 {
			step("log out",
				chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.auth-btn-wrapper button')].find(b => b.textContent.trim() === 'Logout').click()`),
				chromedp.WaitVisible(`.auth-container input`))
		}
		step("enter the key",
			chromedp.SendKeys(`.auth-container input`, "Bearer "+key),
			chromedp.Click(`.auth-btn-wrapper .modal-btn.authorize`),
			chromedp.Click(`.auth-btn-wrapper .btn-done`))
	}
	// try opens an operation, fills its claim id and JSON body, executes it
	// and returns the live response's status and body.
	try := func(op, claimID, body string) (string, string) {
		t.Helper()
		sel := `#operations-` + op
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+` .try-out__btn.cancel').length`)); n == 0 {
			step("open "+op, chromedp.Click(sel+` .opblock-summary`), chromedp.WaitVisible(sel+` .try-out__btn`), chromedp.Click(sel+` .try-out__btn`))
		}
		step("fill "+op, chromedp.WaitVisible(sel+` .execute`))
		if claimID != "" {
			idSel := sel + ` input[placeholder="id"]`
			if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).value`, idSel))); v != claimID {
				step("claim id", chromedp.SendKeys(idSel, claimID))
			}
		}
		if body != "" {
			step("body", setInput(sel+` textarea.body-param__text`, body))
		}
		step("execute "+op, chromedp.Click(sel+` .execute`), chromedp.WaitVisible(sel+` .live-responses-table tbody .response-col_status`))
		status := strings.TrimSpace(text(sel + ` .live-responses-table tbody .response-col_status`))
		out := text(sel + ` .live-responses-table tbody .response-col_description`)
		step("clear "+op, chromedp.Click(sel+` .btn-clear`))
		return status, out
	}

	step("open", chromedp.Navigate(srv.URL+"/swagger/index.html"), chromedp.WaitVisible(`#operations-claims-listClaims`))
	title := text(`.info .title`)

	authorize(s.Keys["reviewer"])
	status, body := try("keys-getMe", "", "")
	if status != "200" || !strings.Contains(body, `"reviewer"`) {
		t.Errorf("GET /api/v1/me from Swagger UI = %s %s, want 200 and the reviewer user", status, body)
	}

	// The dual review, each reviewer with their own key, all in the UI.
	judgement := `{"risk_of_bias":"serious","verdict":"supported","rationale":"Open-label trial, subjective outcome."}`
	for _, key := range []string{s.Keys["reviewer"], secondReviewer} {
		authorize(key)
		if status, body := try("assessments-putMyAssessment", claimID, judgement); status != "201" || !strings.Contains(body, `"moderate"`) {
			t.Fatalf("PUT my assessment from Swagger UI = %s %s, want 201 with certainty moderate", status, body)
		}
		if status, body := try("assessments-submitMyAssessment", claimID, ""); status != "200" {
			t.Fatalf("submit from Swagger UI = %s %s, want 200", status, body)
		}
	}
	res := s.Do(testenv.Request{Method: "GET", Path: "/api/v1/claims/" + claimID})
	if c := res.JSON(t); c["verdict"] != "supported" || c["certainty"] != "moderate" {
		t.Errorf("claim after the dual review in Swagger UI = verdict %v certainty %v, want supported moderate", c["verdict"], c["certainty"])
	}
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(dir+"/swagger-ui.png", shot, 0o644)
		}
	}
	if !strings.Contains(title, "claimgrade API") {
		t.Errorf("Swagger UI title = %q, want claimgrade API", title)
	}
}
