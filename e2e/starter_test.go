package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/workflows"
)

// TestStarterCLI runs the starter binary as a developer or operator would,
// against the dev server and the stack's shops file.
func TestStarterCLI(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{})
	o := seedImportScenario(t, s)

	bin := filepath.Join(t.TempDir(), "starter")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "../starter")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build starter: %v\n%s", err, out)
	}
	run := func(wantOK bool, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(),
			"CONNECTOR_TEMPORAL_ADDRESS="+temporalAddress,
			"CONNECTOR_TASK_QUEUE="+s.taskQueue,
			"CONNECTOR_SHOPS_FILE="+filepath.Join(s.dir, "shops.yaml"),
			"CONNECTOR_STATE_DIR="+filepath.Join(s.dir, "state"),
			"CONNECTOR_WEB_UI_URL=http://ui.example",
			"E2E_ECFORCE_PASSWORD="+testEcforcePassword,
			"E2E_LOGILESS_SECRET="+testLogilessSecret,
		)
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("starter %v: err %v, want ok=%t\n%s", args, err, wantOK, out)
		}
		for _, secret := range []string{testEcforcePassword, testLogilessSecret} {
			if strings.Contains(string(out), secret) {
				t.Fatalf("starter %v printed a secret", args)
			}
		}
		return string(out)
	}

	out := run(true, "import-order", "--shop", s.shop, "--order", o.multiLine.Number, "--wait")
	if !strings.Contains(out, "import-order/"+s.shop+"/"+o.multiLine.Number) || !strings.Contains(out, "http://ui.example/namespaces/default/workflows/") ||
		!strings.Contains(out, "imported: LOGILESS sales order") {
		t.Errorf("import-order output:\n%s", out)
	}
	out = run(false, "import-order", "--shop", s.shop, "--order", o.multiLine.Number)
	if !strings.Contains(out, "imported already") || !strings.Contains(out, "--force") {
		t.Errorf("a second import-order must say the order was imported:\n%s", out)
	}
	out = run(true, "import-order", "--shop", s.shop, "--order", o.multiLine.Number, "--force", "--wait")
	if !strings.Contains(out, "already-in-logiless") {
		t.Errorf("a forced re-import must find the existing order:\n%s", out)
	}
	if got := len(s.sb.Logiless.SalesOrders()); got != 1 {
		t.Errorf("LOGILESS holds %d sales orders after a forced re-import, want 1", got)
	}

	out = run(true, "import-orders", "--shop", s.shop, "--wait")
	if !strings.Contains(out, "listed 5 orders") {
		t.Errorf("import-orders output:\n%s", out)
	}
	time.Sleep(2 * time.Second) // let the imports finish and visibility catch up
	out = run(true, "status", "--shop", s.shop)
	if !strings.Contains(out, "order-import") || !strings.Contains(out, "UnmappedSKU") || !strings.Contains(out, "GIFT-WRAP") {
		t.Errorf("status does not show the failed import with its reason:\n%s", out)
	}

	out = run(true, "schedules", "apply")
	if !strings.Contains(out, "created   order-import/"+s.shop) {
		t.Errorf("schedules apply output:\n%s", out)
	}
	t.Cleanup(func() {
		for _, f := range workflows.Flows {
			run(true, "schedules", "delete", "--shop", s.shop, "--flow", f.Name)
		}
	})
	if out = run(true, "schedules", "apply"); !strings.Contains(out, "unchanged order-import/"+s.shop) {
		t.Errorf("second schedules apply output:\n%s", out)
	}
	if out = run(true, "schedules", "list"); !strings.Contains(out, "order-import/"+s.shop) || !strings.Contains(out, "running") {
		t.Errorf("schedules list output:\n%s", out)
	}
	run(true, "schedules", "pause", "--shop", s.shop, "--flow", "order-import")
	if out = run(true, "schedules", "list"); !strings.Contains(out, "paused") {
		t.Errorf("schedules list after pause:\n%s", out)
	}

	bad := filepath.Join(s.dir, "bad.csv")
	writeFile(t, bad, "sku,article_code\nA,X\nA,Y\n,Z\n")
	out = run(false, "mapping", "validate", bad)
	if !strings.Contains(out, "line 3") || !strings.Contains(out, "line 4") {
		t.Errorf("mapping validate output does not name the bad lines:\n%s", out)
	}
	out = run(true, "mapping", "validate", filepath.Join(s.dir, "mapping.csv"))
	if !strings.Contains(out, "5 rows") {
		t.Errorf("mapping validate output:\n%s", out)
	}
	run(false, "no-such-command")
}
