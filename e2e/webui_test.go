package e2e

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/workflows"
)

// TestOperatorFindsOrdersInTheWebUI opens the Temporal Web UI in headless
// Chromium, as an operator would, and runs the README's queries: one order
// by shop and number, and what needs a person now (the order blocked by the
// mapping table). It then walks the blocked order to its end: its current
// details say why, the mapping file is fixed, the worker's file watch wakes
// the run, and the same run completes imported; no stale failure is left in
// the README's queries. Screenshots of each step go to the test's temporary
// directory (set WEBUI_SCREENSHOTS=DIR to keep copies).
func TestOperatorFindsOrdersInTheWebUI(t *testing.T) {
	browser := chromiumPath(t)
	ctx := testContext(t, 6*time.Minute)
	s := newStack(t, stackOptions{watchFiles: true})
	o := seedImportScenario(t, s)
	s.discover(ctx)

	imported := workflows.ImportOrderID(s.shop, o.multiLine.Number)
	blocked := workflows.ImportOrderID(s.shop, o.unmapped.Number)
	waitBlocked(ctx, t, blocked, "UnmappedSKU")

	dom := renderWebUI(ctx, t, browser, `ConnectorShop="`+s.shop+`" AND ConnectorOrderNumber="`+o.multiLine.Number+`"`)
	if !strings.Contains(dom, imported) {
		t.Errorf("the Web UI search by shop and order number does not show %s", imported)
	}
	if strings.Contains(dom, blocked) {
		t.Errorf("the Web UI search by order number also shows %s", blocked)
	}

	needsPerson := `ConnectorShop="` + s.shop + `" AND ExecutionStatus="Running" AND ConnectorOutcome STARTS_WITH "blocked:"`
	dom = renderWebUI(ctx, t, browser, needsPerson)
	if !strings.Contains(dom, blocked) {
		t.Errorf("the Web UI search for what needs a person now does not show %s", blocked)
	}
	if strings.Contains(dom, imported) {
		t.Errorf("the Web UI search for what needs a person now shows the imported %s", imported)
	}
	t.Logf("screenshot of what needs a person now: %s", screenshotWebUI(ctx, t, browser, listPage(needsPerson), "blocked-1-list.png"))
	byOutcome := renderWebUI(ctx, t, browser, `ConnectorShop="`+s.shop+`" AND ConnectorOutcome="blocked:UnmappedSKU"`)
	if !strings.Contains(byOutcome, blocked) {
		t.Errorf("the Web UI search by the outcome blocked:UnmappedSKU does not show %s", blocked)
	}

	// Why it waits and how it resumes: the run's current details (the
	// User Metadata tab; a page of a running workflow keeps a request open,
	// which headless Chromium cannot dump, so they are read as the UI does,
	// with the metadata query).
	details := runDetails(ctx, t, blocked)
	for what, want := range map[string]string{
		"why it waits":   "blocked:UnmappedSKU since ",
		"the SKU":        "GIFT-WRAP",
		"how it resumes": "starter wake --shop " + s.shop + " --order " + o.unmapped.Number,
	} {
		if !strings.Contains(details, want) {
			t.Errorf("the blocked run's current details %q do not say %s (%q)", details, what, want)
		}
	}

	// The mapping is fixed; the worker sees the file change and wakes the
	// run, which completes: the same workflow ID and run.
	runID := runIDOf(ctx, t, blocked)
	writeFile(t, s.dir+"/mapping.csv", testMapping+"GIFT-WRAP,MUG-BLU,0,100,,\n")
	var res workflows.ImportOrderResult
	if err := temporalClient.GetWorkflow(ctx, blocked, "").Get(ctx, &res); err != nil || res.Outcome != workflows.OutcomeImported {
		t.Fatalf("the blocked order after the mapping fix: %+v, %v; want imported", res, err)
	}
	if got := runIDOf(ctx, t, blocked); got != runID {
		t.Errorf("completed in run %s, want the blocked run %s", got, runID)
	}
	done := renderWebUI(ctx, t, browser, `ConnectorShop="`+s.shop+`" AND ConnectorOrderNumber="`+o.unmapped.Number+`"`)
	if !strings.Contains(done, blocked) || !strings.Contains(done, "Completed") {
		t.Errorf("the fixed order's search does not show %s completed", blocked)
	}
	t.Logf("screenshot of the fixed order: %s", screenshotWebUI(ctx, t, browser,
		listPage(`ConnectorShop="`+s.shop+`" AND ConnectorOrderNumber="`+o.unmapped.Number+`"`), "blocked-3-completed.png"))
	page := webUIURL + "/namespaces/default/workflows/" + url.PathEscape(blocked) + "/" + runID + "/user-metadata"
	meta := renderWebUIPage(ctx, t, browser, page, "content=woken")
	meta = stripTags(meta) + " " + iframeContents(meta)
	t.Logf("screenshot of the fixed run's details: %s", screenshotWebUI(ctx, t, browser, page, "blocked-4-completed-details.png"))
	for what, want := range map[string]string{
		"the summary":        "受注 " + o.unmapped.Number + " → LOGILESS",
		"that it was woken":  "woken (mapping file changed)",
		"the step it passed": "受注伝票を作成",
	} {
		if !strings.Contains(meta, want) {
			t.Errorf("the fixed run's User Metadata tab does not show %s (%q)", what, want)
		}
	}
	for _, q := range []string{needsPerson, `ConnectorShop="` + s.shop + `" AND ExecutionStatus="Failed"`} {
		if n := countRuns(ctx, t, q); n != 0 {
			t.Errorf("README query %s still finds %d runs after the fix", q, n)
		}
	}
	if n := failedRunsOf(ctx, t, blocked); n != 0 {
		t.Errorf("%d failed runs of %s", n, blocked)
	}
}

// listPage is the Web UI's workflow list for a visibility query.
func listPage(query string) string {
	return webUIURL + "/namespaces/default/workflows?query=" + url.QueryEscape(query)
}

// renderWebUI loads the workflow list with a visibility query and returns
// the rendered DOM, after the page's scripts have fetched the list.
func renderWebUI(ctx context.Context, t *testing.T, browser, query string) string {
	t.Helper()
	page := listPage(query)
	var last string
	for attempt := 0; attempt < 10; attempt++ { // visibility is eventually consistent
		cmd := exec.CommandContext(ctx, browser, append(chromiumFlags(t), "--dump-dom", page)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium on %s: %v", page, err)
		}
		last = string(out)
		if strings.Contains(last, "import-order/") {
			return last
		}
		time.Sleep(time.Second)
	}
	return last
}

// chromiumPath finds Debian's chromium ($CHROMIUM overrides). `make test`
// installs it when missing.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: run `make test` (it installs Debian's chromium) or set CHROMIUM")
	return ""
}
