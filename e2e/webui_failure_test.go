package e2e

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// TestWebUIShowsWhyARunFailed opens a failed import in the pinned Web UI,
// as an operator paged at night would: the run's failure message is the
// cause (which order, why, what to do), not "activity error", and
// the run's summary and its steps' summaries are on the page. Screenshots
// of the run's page go to the test's temporary directory (their paths are
// logged; set WEBUI_SCREENSHOTS=DIR to keep copies).
func TestWebUIShowsWhyARunFailed(t *testing.T) {
	browser := chromiumPath(t)
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{})
	// A run that fails (an unmapped SKU now waits blocked, see
	// TestOperatorFindsOrdersInTheWebUI): a manual import of a cancelled
	// order, which is never imported.
	cancelled, err := s.sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{State: "canceled", ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
		Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Price: 3980, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	id := workflows.ImportOrderID(s.shop, cancelled.Number)
	run := s.start(ctx, client.StartWorkflowOptions{ID: id, StaticSummary: workflows.RunSummary(workflows.FlowOrderImport, s.shop, cancelled.Number)},
		workflows.ImportOrder, workflows.ImportOrderInput{Shop: s.shop, OrderNumber: cancelled.Number, IgnoreFilters: true})
	if err := run.Get(ctx, nil); err == nil {
		t.Fatal("the import of a cancelled order did not fail")
	}
	desc, err := temporalClient.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	page := webUIURL + "/namespaces/default/workflows/" + url.PathEscape(id) + "/" + runID + "/history"

	dom := renderWebUIPage(ctx, t, browser, page, "never imported")
	if keep := os.Getenv("WEBUI_SCREENSHOTS"); keep != "" {
		_ = os.WriteFile(filepath.Join(keep, "failed-import.html"), []byte(dom), 0o644)
	}
	shot := screenshotWebUI(ctx, t, browser, page, "failed-import.png")
	t.Logf("screenshot of the failed run %s: %s", id, shot)

	for what, want := range map[string]string{
		"the cause":             "a cancelled order is never imported",
		"the order":             cancelled.Number,
		"the run's summary":     "受注 " + cancelled.Number + " → LOGILESS",
		"the step's summary":    "受注伝票を作成",
		"the switches' summary": "設定を読み込み",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the failed run's page does not show %s (%q)", what, want)
		}
	}
	if top := failureMessage(dom); strings.Contains(top, "activity error") || !strings.Contains(top, "never imported") {
		t.Errorf("the failed run's top failure message is %q; want the cause", top)
	}
	// The User Metadata tab: the run's summary, its current details (why it
	// stopped; the worker answers for the closed run) and its steps.
	metaPage := strings.TrimSuffix(page, "/history") + "/user-metadata"
	meta := renderWebUIPage(ctx, t, browser, metaPage, "content=failed%3AOutsideImportFilters")
	meta = stripTags(meta) + " " + iframeContents(meta)
	t.Logf("screenshot of the run's user metadata: %s", screenshotWebUI(ctx, t, browser, metaPage, "failed-import-metadata.png"))
	for what, want := range map[string]string{
		"the summary":         "受注 " + cancelled.Number + " → LOGILESS",
		"the current details": "Current Details",
		"why it stopped":      "failed:OutsideImportFilters — ",
		"the failed step":     "受注伝票を作成",
	} {
		if !strings.Contains(meta, want) {
			t.Errorf("the run's User Metadata tab does not show %s (%q)", what, want)
		}
	}
	s.assertNoSecretsLeaked(ctx, id)
}

// renderWebUIPage loads a page of the Web UI and returns the rendered DOM
// once it contains want (visibility and the UI's fetches take a moment).
func renderWebUIPage(ctx context.Context, t *testing.T, browser, page, want string) string {
	t.Helper()
	var last string
	for attempt := 0; attempt < 10; attempt++ {
		out, err := runChromium(ctx, browser, append(chromiumFlags(t), "--dump-dom", page)...)
		if err != nil {
			t.Fatalf("chromium on %s: %v", page, err)
		}
		last = string(out)
		if strings.Contains(last, want) {
			return last
		}
		time.Sleep(time.Second)
	}
	return last
}

// screenshotWebUI saves a screenshot of a page of the Web UI in the test's
// temporary directory and returns its path.
func screenshotWebUI(ctx context.Context, t *testing.T, browser, page, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if out, err := runChromium(ctx, browser, append(chromiumFlags(t), "--window-size=1440,1400", "--screenshot="+path, page)...); err != nil {
		t.Fatalf("chromium screenshot of %s: %v\n%s", page, err, out)
	}
	if keep := os.Getenv("WEBUI_SCREENSHOTS"); keep != "" {
		if b, err := os.ReadFile(path); err == nil {
			_ = os.MkdirAll(keep, 0o755)
			_ = os.WriteFile(filepath.Join(keep, name), b, 0o644)
		}
	}
	return path
}

// runChromium runs one headless Chromium and returns its standard output;
// one still running after 90 s is killed.
func runChromium(ctx context.Context, browser string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, browser, args...).Output()
}

// chromiumFlags are the flags of a headless Chromium on this closed
// network, with a fresh profile.
func chromiumFlags(t *testing.T) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=15000", "--hide-scrollbars"}
}

var failureHeading = regexp.MustCompile(`\bFailure\b`)

// failureMessage is the text of the page from the first "Failure" heading
// on, a few hundred characters, with the markup stripped.
func failureMessage(dom string) string {
	text := stripTags(dom)
	// The heading, not a JSON field such as applicationFailureInfo.
	loc := failureHeading.FindStringIndex(text)
	if loc == nil {
		return ""
	}
	i := loc[0]
	return text[i:min(len(text), i+400)]
}

// iframeContents is the text the UI renders in iframes (the current
// details are markdown it renders in one), which --dump-dom leaves out: it
// is in their src, /render?content=<text>.
func iframeContents(dom string) string {
	var out []string
	for _, part := range strings.Split(dom, `src="/render?content=`)[1:] {
		raw, _, _ := strings.Cut(part, `"`)
		raw, _, _ = strings.Cut(strings.ReplaceAll(raw, "&amp;", "&"), "&")
		if text, err := url.QueryUnescape(raw); err == nil {
			out = append(out, text)
		}
	}
	return strings.Join(out, " ")
}

func stripTags(dom string) string {
	var b strings.Builder
	in := false
	for _, r := range dom {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
