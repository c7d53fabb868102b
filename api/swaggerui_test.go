package api_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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

// TestSwaggerUI drives Swagger UI in a real headless browser the way a
// reviewer does: authorize with an API key, open an operation, try it out,
// and read the answer.
func TestSwaggerUI(t *testing.T) {
	chrome := chromium(t)
	st := testenv.Open(t, testenv.Backends()[0])
	s := testenv.NewServer(t, st)
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
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	const me = `#operations-keys-getMe`
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
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
	step("open", chromedp.Navigate(srv.URL+"/swagger/index.html"), chromedp.WaitVisible(`#operations-claims-listClaims`))
	title := text(`.info .title`)
	step("authorize with the reviewer's key",
		chromedp.Click(`.auth-wrapper .authorize`),
		chromedp.WaitVisible(`.auth-container input`),
		chromedp.SendKeys(`.auth-container input`, "Bearer "+s.Keys["reviewer"]),
		chromedp.Click(`.auth-btn-wrapper .modal-btn.authorize`),
		chromedp.Click(`.auth-btn-wrapper .btn-done`))
	step("try GET /api/v1/me",
		chromedp.Click(me+` .opblock-summary`),
		chromedp.WaitVisible(me+` .try-out__btn`),
		chromedp.Click(me+` .try-out__btn`),
		chromedp.WaitVisible(me+` .execute`),
		chromedp.Click(me+` .execute`),
		chromedp.WaitVisible(me+` .live-responses-table tbody .response-col_status`))
	status := text(me + ` .live-responses-table tbody .response-col_status`)
	body := text(me + ` .live-responses-table tbody .response-col_description`)
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(dir+"/swagger-ui.png", shot, 0o644)
		}
	}
	if !strings.Contains(title, "claimgrade API") {
		t.Errorf("Swagger UI title = %q, want claimgrade API", title)
	}
	if strings.TrimSpace(status) != "200" {
		t.Errorf("GET /api/v1/me from Swagger UI: status %q, want 200; body %s", status, body)
	}
	if !strings.Contains(body, `"reviewer"`) {
		t.Errorf("GET /api/v1/me from Swagger UI: body %s, want the reviewer user", body)
	}
}
