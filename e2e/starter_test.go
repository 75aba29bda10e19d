package e2e

import (
	"context"
	"errors"
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

	cli := newStarterCLI(ctx, t, s)
	runWith, run := cli.runWith, cli.run
	const ok, failed, usage = 0, 1, 2

	out := run(ok, "import-order", "--shop", s.shop, "--order", o.multiLine.Number, "--wait")
	if !strings.Contains(out, "import-order/"+s.shop+"/"+o.multiLine.Number) || !strings.Contains(out, "http://ui.example/namespaces/default/workflows/") ||
		!strings.Contains(out, "imported: LOGILESS sales order") {
		t.Errorf("import-order output:\n%s", out)
	}
	out = run(failed, "import-order", "--shop", s.shop, "--order", o.multiLine.Number)
	if !strings.Contains(out, "imported already") || !strings.Contains(out, "--force") {
		t.Errorf("a second import-order must say the order was imported:\n%s", out)
	}
	out = run(ok, "import-order", "--shop", s.shop, "--order", o.multiLine.Number, "--force", "--wait")
	if !strings.Contains(out, "already-in-logiless") {
		t.Errorf("a forced re-import must find the existing order:\n%s", out)
	}
	if got := len(s.sb.Logiless.SalesOrders()); got != 1 {
		t.Errorf("LOGILESS holds %d sales orders after a forced re-import, want 1", got)
	}

	out = run(ok, "import-orders", "--shop", s.shop, "--wait")
	if !strings.Contains(out, "listed 5 orders") {
		t.Errorf("import-orders output:\n%s", out)
	}
	time.Sleep(2 * time.Second) // let the imports finish and visibility catch up
	out = run(ok, "status", "--shop", s.shop)
	if !strings.Contains(out, "order-import") || !strings.Contains(out, "UnmappedSKU") || !strings.Contains(out, "GIFT-WRAP") ||
		!strings.Contains(out, "needs a person now (1 blocked") {
		t.Errorf("status does not show the blocked import with its reason:\n%s", out)
	}

	out = run(ok, "schedules", "apply")
	if !strings.Contains(out, "created   order-import/"+s.shop) {
		t.Errorf("schedules apply output:\n%s", out)
	}
	t.Cleanup(func() {
		for _, f := range workflows.Flows {
			run(ok, "schedules", "delete", "--shop", s.shop, "--flow", f.Name)
		}
	})
	if out = run(ok, "schedules", "apply"); !strings.Contains(out, "unchanged order-import/"+s.shop) {
		t.Errorf("second schedules apply output:\n%s", out)
	}
	if out = run(ok, "schedules", "list"); !strings.Contains(out, "order-import/"+s.shop) || !strings.Contains(out, "running") {
		t.Errorf("schedules list output:\n%s", out)
	}
	run(ok, "schedules", "pause", "--shop", s.shop, "--flow", "order-import")
	if out = run(ok, "schedules", "list"); !strings.Contains(out, "paused") {
		t.Errorf("schedules list after pause:\n%s", out)
	}

	bad := filepath.Join(s.dir, "bad.csv")
	writeFile(t, bad, "sku,article_code\nA,X\nA,Y\n,Z\n")
	out = run(failed, "mapping", "validate", bad)
	if !strings.Contains(out, "line 3") || !strings.Contains(out, "line 4") {
		t.Errorf("mapping validate output does not name the bad lines:\n%s", out)
	}
	out = run(ok, "mapping", "validate", filepath.Join(s.dir, "mapping.csv"))
	if !strings.Contains(out, "5 rows") {
		t.Errorf("mapping validate output:\n%s", out)
	}
	run(usage, "no-such-command")
	if out = run(usage, "import-order", "--shop", s.shop); !strings.Contains(out, `required flag(s) "order" not set`) {
		t.Errorf("import-order without --order:\n%s", out)
	}
	if out = run(ok, "schedules", "--help"); !strings.Contains(out, "Available Commands:") || strings.Contains(out, "required") {
		t.Errorf("schedules --help:\n%s", out)
	}

	// A failed --wait: exit 1, the root cause (type and message) first,
	// the link to the run last.
	out = run(failed, "import-order", "--shop", s.shop, "--order", "EC99999999", "--wait")
	t.Logf("a failed --wait:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	first := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "starter: ") {
			first = i
			break
		}
	}
	if first < 0 || !strings.HasPrefix(lines[first], "starter: OrderNotFound: ") || !strings.Contains(lines[first], "EC99999999") ||
		!strings.HasPrefix(lines[len(lines)-1], "  run: http://ui.example/namespaces/default/workflows/import-order%2F") {
		t.Errorf("a failed --wait must print the cause first and the run last:\n%s", out)
	}

	// Read-only commands work without the shop's secrets.
	if out = runWith(false, ok, "status", "--shop", s.shop); !strings.Contains(out, "UnmappedSKU") || !strings.Contains(out, " JST") {
		t.Errorf("status without secrets:\n%s", out)
	}
	if out = runWith(false, ok, "schedules", "list"); !strings.Contains(out, "order-import/"+s.shop) {
		t.Errorf("schedules list without secrets:\n%s", out)
	}
	runWith(false, ok, "mapping", "validate", filepath.Join(s.dir, "mapping.csv"))

	// The mapping is fixed and `starter wake` wakes the blocked import,
	// which completes in the same run: status then lists nothing stale
	// (no blocked run, no failure of that order), only the current failure
	// of EC99999999.
	unmappedID := workflows.ImportOrderID(s.shop, o.unmapped.Number)
	writeFile(t, filepath.Join(s.dir, "mapping.csv"), testMapping+"GIFT-WRAP,MUG-BLU,0,100,,\n")
	if out = runWith(false, ok, "wake", "--shop", s.shop, "--order", o.unmapped.Number); !strings.Contains(out, "woke 1 blocked runs") ||
		!strings.Contains(out, unmappedID+"  blocked:UnmappedSKU") {
		t.Errorf("wake output:\n%s", out)
	}
	if err := temporalClient.GetWorkflow(ctx, unmappedID, "").Get(ctx, nil); err != nil {
		t.Fatalf("the woken import: %v", err)
	}
	countRuns(ctx, t, `WorkflowId="`+unmappedID+`" AND ExecutionStatus="Running"`) // visibility catches up
	out = runWith(false, ok, "status", "--shop", s.shop)
	_, failures, _ := strings.Cut(out, "recent failures:")
	if strings.Contains(out, "needs a person now") || strings.Contains(out, "blocked:") || strings.Contains(failures, o.unmapped.Number) ||
		!strings.Contains(failures, "OrderNotFound") {
		t.Errorf("status after the fix shows something stale (or lost the current failure):\n%s", out)
	}
	if out = runWith(false, ok, "wake", "--shop", s.shop); !strings.Contains(out, "no blocked runs of shop "+s.shop) {
		t.Errorf("wake with nothing blocked:\n%s", out)
	}
}

// starterCLI is the starter binary, built for a test, run against the dev
// server and a stack's shops file.
type starterCLI struct {
	ctx context.Context
	t   *testing.T
	s   *stack
	bin string
}

func newStarterCLI(ctx context.Context, t *testing.T, s *stack) *starterCLI {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "starter")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "../starter")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build starter: %v\n%s", err, out)
	}
	return &starterCLI{ctx: ctx, t: t, s: s, bin: bin}
}

// runWith runs the starter and checks its exit code (0 success, 1 a failed
// run or check, 2 a wrong command line); withSecrets sets the environment
// variables the shops file's secrets point at.
func (c *starterCLI) runWith(withSecrets bool, wantCode int, args ...string) string {
	t, s := c.t, c.s
	t.Helper()
	cmd := exec.CommandContext(c.ctx, c.bin, args...)
	cmd.Env = append(os.Environ(),
		"CONNECTOR_TEMPORAL_ADDRESS="+temporalAddress,
		"CONNECTOR_TASK_QUEUE="+s.taskQueue,
		"CONNECTOR_SHOPS_FILE="+filepath.Join(s.dir, "shops.yaml"),
		"CONNECTOR_STATE_DIR="+filepath.Join(s.dir, "state"),
		"CONNECTOR_WEB_UI_URL=http://ui.example",
	)
	if withSecrets {
		cmd.Env = append(cmd.Env, "E2E_ECFORCE_PASSWORD="+testEcforcePassword, "E2E_LOGILESS_SECRET="+testLogilessSecret)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("starter %v: %v", args, err)
	}
	if code != wantCode {
		t.Fatalf("starter %v: exit code %d, want %d\n%s", args, code, wantCode, out)
	}
	for _, secret := range []string{testEcforcePassword, testLogilessSecret} {
		if strings.Contains(string(out), secret) {
			t.Fatalf("starter %v printed a secret", args)
		}
	}
	return string(out)
}

// run is runWith with the secrets set.
func (c *starterCLI) run(wantCode int, args ...string) string {
	c.t.Helper()
	return c.runWith(true, wantCode, args...)
}
