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
// by shop and number, and the orders blocked by the mapping table.
func TestOperatorFindsOrdersInTheWebUI(t *testing.T) {
	browser := chromiumPath(t)
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{})
	o := seedImportScenario(t, s)
	s.discover(ctx)

	imported := workflows.ImportOrderID(s.shop, o.multiLine.Number)
	failed := workflows.ImportOrderID(s.shop, o.unmapped.Number)

	dom := renderWebUI(ctx, t, browser, `ConnectorShop="`+s.shop+`" AND ConnectorOrderNumber="`+o.multiLine.Number+`"`)
	if !strings.Contains(dom, imported) {
		t.Errorf("the Web UI search by shop and order number does not show %s", imported)
	}
	if strings.Contains(dom, failed) {
		t.Errorf("the Web UI search by order number also shows %s", failed)
	}

	dom = renderWebUI(ctx, t, browser, `ConnectorShop="`+s.shop+`" AND ConnectorOutcome="failed:UnmappedSKU"`)
	if !strings.Contains(dom, failed) {
		t.Errorf("the Web UI search for orders blocked by the mapping table does not show %s", failed)
	}
	if strings.Contains(dom, imported) {
		t.Errorf("the Web UI search for failed orders shows the imported %s", imported)
	}
}

// renderWebUI loads the workflow list with a visibility query and returns
// the rendered DOM, after the page's scripts have fetched the list.
func renderWebUI(ctx context.Context, t *testing.T, browser, query string) string {
	t.Helper()
	page := webUIURL + "/namespaces/default/workflows?query=" + url.QueryEscape(query)
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
