// Package axecheck checks a page open in headless Chromium with axe-core,
// Deque's accessibility engine, against WCAG 2.0 and 2.1, levels A and AA
// (DESIGN "What readers see": the public pages pass with no violation).
//
// package.json and package-lock.json in this directory pin the version of
// axe-core; `npm ci --prefix internal/axecheck` installs it (.ci/run does).
// Tests call Script first: without node_modules they skip, unless CI is
// set, when they fail. The script is injected with chromedp's Runtime
// evaluation, which the pages' Content-Security-Policy (no script at all)
// does not govern, so the pages are checked exactly as served.
package axecheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Dir is the directory of package.json and node_modules.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("axecheck: no caller information")
	}
	return filepath.Dir(file)
}

// Script returns axe-core's minified source. Without node_modules the test
// is skipped, or failed when CI is set (CI must run the check).
func Script(t testing.TB) string {
	t.Helper()
	path := filepath.Join(Dir(), "node_modules", "axe-core", "axe.min.js")
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is not installed (%v): .ci/run installs it with npm ci --prefix internal/axecheck", err)
		}
		t.Skipf("axe-core is not installed (%v): npm ci --prefix internal/axecheck", err)
	}
	return string(b)
}

// Tags are the rule sets run: WCAG 2.0 and 2.1, levels A and AA.
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Node is one element a rule fails on.
type Node struct {
	Target         []string `json:"target"`
	HTML           string   `json:"html"`
	FailureSummary string   `json:"failureSummary"`
}

// Violation is one axe rule that fails on the page.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []Node `json:"nodes"`
}

// String writes a violation with the elements it fails on.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s <%s>", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
	}
	return b.String()
}

// Run injects axe (script, from Script) into the page open in ctx and
// returns the WCAG 2.1 AA violations it finds on the whole document.
func Run(ctx context.Context, script string) ([]Violation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script+"\n;typeof axe === 'object'")); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	tags := `["` + strings.Join(Tags, `","`) + `"]`
	run := `axe.run(document, {runOnly: {type: "tag", values: ` + tags + `}, resultTypes: ["violations"]})` +
		`.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,` +
		` nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html, failureSummary: n.failureSummary}))})))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	return out, nil
}
