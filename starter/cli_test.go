package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ecforce-logiless/connector/workflows"
)

// commandPaths lists every command of the tree (but cobra's hidden
// completion request command) as its words after "starter".
func commandPaths() [][]string {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if !strings.HasPrefix(sub.Name(), "__") {
				walk(sub, append(append([]string(nil), path...), sub.Name()))
			}
		}
	}
	root := newRootCommand()
	walk(root, nil)
	return append(paths, []string{"help"}) // added by cobra at run time
}

// Every command has a description and examples, and its --help (and
// `starter help <command>`) prints them and exits 0.
func TestHelpOfEveryCommand(t *testing.T) {
	root := newRootCommand()
	root.InitDefaultHelpCmd()
	paths := commandPaths()
	if len(paths) < 18 {
		t.Fatalf("only %d commands found: %v", len(paths), paths)
	}
	for _, path := range paths {
		name := strings.Join(append([]string{"starter"}, path...), " ")
		cmd, _, err := root.Find(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cmd.Short == "" || cmd.Long == "" || cmd.Example == "" {
			t.Errorf("%s: Short %q, Long %d bytes, Example %q: every command needs all three", name, cmd.Short, len(cmd.Long), cmd.Example)
		}
		for _, args := range [][]string{append(append([]string(nil), path...), "--help"), append([]string{"help"}, path...)} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errOut := runStarter(t, args...)
				if code != exitOK || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				firstLong := strings.SplitN(cmd.Long, "\n", 2)[0]
				for _, want := range []string{firstLong, "Usage:", "Examples:", strings.SplitN(cmd.Example, "\n", 2)[0]} {
					if !strings.Contains(out, want) {
						t.Errorf("help lacks %q:\n%s", want, out)
					}
				}
			})
		}
	}
}

// A command line the starter cannot run exits 2 with one line on stderr
// that names the command, says what is wrong and where the help is.
func TestUsageErrors(t *testing.T) {
	setupSettings(t)
	newFakeTemporal().use(t)
	for _, tt := range []struct {
		args []string
		want string // in the message, after "<command path>: "
	}{
		{[]string{"nosuch"}, `starter: unknown command "nosuch"`},
		{[]string{"improt-order"}, "did you mean import-order?"},
		{[]string{"--bogus"}, "starter: unknown flag: --bogus"},
		{[]string{"import-order", "--shop", "demo"}, `starter import-order: required flag(s) "order" not set`},
		{[]string{"import-order", "--shop", "demo", "--order", "1", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"import-orders"}, `required flag(s) "shop" not set`},
		{[]string{"import-orders", "--shop", "nosuch"}, `shop "nosuch" is not in`},
		{[]string{"import-orders", "--shop", "demo", "extra"}, `takes no arguments, got "extra"`},
		{[]string{"notify-shipments", "--shop", "demo", "--lookback", "-1h"}, "--lookback must not be negative"},
		{[]string{"notify-shipments", "--shop", "demo", "--lookback", "soon"}, `invalid argument "soon"`},
		{[]string{"notify-shipment", "--order", "1"}, `required flag(s) "shop" not set`},
		{[]string{"reconcile-stock", "--shop"}, "flag needs an argument: --shop"},
		{[]string{"status", "--shop", "demo", "-n", "0"}, "must be at least 1"},
		{[]string{"status", "--shop", "nosuch"}, `shop "nosuch" is not in`},
		{[]string{"schedules", "bogus"}, `starter schedules: unknown command "bogus"`},
		{[]string{"schedules", "list", "extra"}, "takes no arguments"},
		{[]string{"schedules", "pause", "--shop", "demo"}, `required flag(s) "flow" not set`},
		{[]string{"schedules", "pause", "--shop", "demo", "--flow", "nope"}, "--flow must be one of order-import"},
		{[]string{"schedules", "backfill", "--shop", "demo", "--flow", "order-import", "--from", "x", "--to", "y"}, "backfill needs --from and --to"},
		{[]string{"mapping", "validate"}, "starter mapping validate: takes one FILE, got 0 arguments"},
		{[]string{"mapping", "validate", "a.csv", "b.csv"}, "takes one FILE, got 2 arguments"},
		{[]string{"mapping", "check"}, `unknown command "check"`},
		{[]string{"mapping-validate"}, "takes one FILE"},
		{[]string{"logiless-auth"}, `required flag(s) "shop" not set`},
		{[]string{"completion"}, "takes a shell"},
		{[]string{"completion", "tcsh"}, `invalid argument "tcsh"`},
		{[]string{"help", "nosuch"}, `no command "nosuch"`},
		{[]string{"--web-ui-url", "ftp://x", "status", "--shop", "demo"}, "--web-ui-url: "},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runStarter(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) || !strings.HasPrefix(lines[0], "starter") ||
				!strings.HasSuffix(lines[0], "--help)") {
				t.Errorf("stderr %q, want one line with %q ending in the pointer to --help", errOut, tt.want)
			}
		})
	}
}

// Bare starter and a group without its command print the help to stderr
// and exit 2.
func TestMissingCommand(t *testing.T) {
	for _, tt := range []struct {
		args []string
		help string
	}{
		{nil, "Start runs now:"},
		{[]string{"schedules"}, "Available Commands:"},
		{[]string{"mapping"}, "validate"},
	} {
		code, out, errOut := runStarter(t, tt.args...)
		path := strings.Join(append([]string{"starter"}, tt.args...), " ")
		if code != exitUsage || out != "" || !strings.Contains(errOut, tt.help) || !strings.Contains(errOut, "Usage:") ||
			!strings.HasSuffix(errOut, path+": a command is required (see "+path+" --help)\n") {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s", path, code, out, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, v := range []string{"", "v1.2.3"} {
		version = v
		code, out, errOut := runStarter(t, "--version")
		want := "starter " + buildVersion() + "\n"
		if code != exitOK || out != want || errOut != "" || (v != "" && out != "starter v1.2.3\n") {
			t.Errorf("version %q: exit %d, stdout %q (want %q), stderr %q", v, code, out, want, errOut)
		}
	}
	version = ""
}

// The completion scripts, and the shop codes they complete, which come from
// the shops file without its secrets.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash":       "__start_starter",
		"zsh":        "#compdef starter",
		"fish":       "complete -c starter",
		"powershell": "Register-ArgumentCompleter",
	} {
		code, out, errOut := runStarter(t, "completion", shell)
		if code != exitOK || !strings.Contains(out, want) || errOut != "" {
			t.Errorf("completion %s: exit %d, stderr %q, stdout lacks %q", shell, code, errOut, want)
		}
	}
	setupSettings(t)
	code, out, _ := runStarter(t, cobra.ShellCompRequestCmd, "status", "--shop", "")
	if code != exitOK || !strings.Contains(out, "demo\tDemo shop") {
		t.Errorf("completing --shop: exit %d, %q", code, out)
	}
	code, out, _ = runStarter(t, cobra.ShellCompRequestCmd, "schedules", "pause", "--flow", "")
	if code != exitOK || !strings.Contains(out, "order-import") || !strings.Contains(out, "stock-sync") {
		t.Errorf("completing --flow: exit %d, %q", code, out)
	}
	code, out, _ = runStarter(t, cobra.ShellCompRequestCmd, "sch")
	if code != exitOK || !strings.Contains(out, "schedules") {
		t.Errorf("completing a command: exit %d, %q", code, out)
	}
}

// Go's flag package accepted -shop as well as --shop; so does the starter.
func TestSingleDashLongFlags(t *testing.T) {
	root := newRootCommand()
	got := doubleDashLongFlags(root, []string{"status", "-shop", "demo", "-n", "3", "-help", "-shop=x", "--", "-shop"})
	want := []string{"status", "--shop", "demo", "-n", "3", "--help", "--shop=x", "--", "-shop"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
}

// testWorkflowFailure is the error the SDK returns for a run whose activity
// failed with a non-retryable application error: the real chain
// (workflow execution error → activity error → application error).
func testWorkflowFailure(t *testing.T, message, errType string) error {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivityWithOptions(func(context.Context) error {
		return temporal.NewNonRetryableApplicationError(message, errType, nil)
	}, activity.RegisterOptions{Name: "MapOrderLines"})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		return workflow.ExecuteActivity(ctx, "MapOrderLines").Get(ctx, nil)
	}, workflow.RegisterOptions{Name: "ImportOrder"})
	env.ExecuteWorkflow("ImportOrder")
	err := env.GetWorkflowError()
	if err == nil || !strings.HasPrefix(err.Error(), "workflow execution error") {
		t.Fatalf("test workflow error = %v", err)
	}
	return err
}

// A --wait whose run fails exits 1 and prints the root cause (the
// application error's type and message) first, on one line, then what
// failed, the SDK's chain, and the link to the run last.
func TestWaitFailurePrintsCauseFirst(t *testing.T) {
	setupSettings(t)
	f := newFakeTemporal()
	f.runningPolls = 2
	msg := "order EC1 of shop demo: SKU GIFT-X is not in the 商品対応表; add it (runbook: docs/errors.md#unmappedsku)"
	f.runErr = testWorkflowFailure(t, msg, "UnmappedSKU")
	f.use(t)

	code, out, errOut := runStarter(t, "import-order", "--shop", "demo", "--order", "EC1", "--wait")
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(out, "started import-order/demo/EC1") {
		t.Errorf("stdout:\n%s", out)
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	// Progress lines (not a terminal: one per change) come before the error.
	for len(lines) > 0 && strings.HasPrefix(lines[0], "running ") {
		lines = lines[1:]
	}
	want := []string{
		"starter: UnmappedSKU: " + msg,
		"  import of order EC1 of shop demo failed",
	}
	if len(lines) != 4 || lines[0] != want[0] || lines[1] != want[1] ||
		!strings.HasPrefix(lines[2], "  error chain: workflow execution error (type: ImportOrder") || !strings.Contains(lines[2], msg) ||
		lines[3] != "  run: http://ui.test/namespaces/default/workflows/import-order%2Fdemo%2FEC1/"+finishedRunID+"/history" {
		t.Errorf("stderr:\n%s\nwant the cause first:\n%s\n  error chain: …\n  run: …", errOut, strings.Join(want, "\n"))
	}
}

// status, schedules list and mapping validate work with a shops file whose
// secrets cannot be read; logiless-auth, which needs them, says which.
func TestReadOnlyCommandsNeedNoSecrets(t *testing.T) {
	dir := setupSettings(t)
	f := newFakeTemporal()
	at := time.Date(2026, 11, 27, 0, 30, 0, 0, time.UTC)
	f.recent = []*workflowpb.WorkflowExecutionInfo{
		{Execution: &commonpb.WorkflowExecution{WorkflowId: "import-order/demo/EC1", RunId: "run-f1"}, StartTime: timestamppb.New(at), Status: enumspb.WORKFLOW_EXECUTION_STATUS_FAILED},
	}
	f.failed = f.recent
	f.runErr = testWorkflowFailure(t, "SKU GIFT-X is not in the 商品対応表", "UnmappedSKU")
	f.schedules["order-import/demo"] = &client.ScheduleDescription{
		Schedule: client.Schedule{
			Spec:  &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 10 * time.Minute}}},
			State: &client.ScheduleState{},
		},
		Info: client.ScheduleInfo{NextActionTimes: []time.Time{at.Add(10 * time.Minute)}},
	}
	f.use(t)

	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"status", "--shop", "demo"}, []string{
			"shop demo", "order-import/demo", "running", "2026-11-27 09:40:00 JST", "2026-11-27 09:30:00 JST  Failed",
			"recent failures:", "UnmappedSKU: SKU GIFT-X is not in the 商品対応表",
			"http://ui.test/namespaces/default/workflows/import-order%2Fdemo%2FEC1/run-f1/history",
			"stock-sync/demo: none (run `starter schedules apply`)",
		}},
		{[]string{"schedules", "list"}, []string{"order-import/demo", "10m0s", "2026-11-27 09:40:00 JST", "stock-sync/demo", "missing"}},
		{[]string{"mapping", "validate", dir + "/mapping.csv"}, []string{"2 rows, 2 distinct LOGILESS articles"}},
		{[]string{"mapping-validate", dir + "/mapping.csv"}, []string{"2 rows"}},
	} {
		code, out, errOut := runStarter(t, tt.args...)
		if code != exitOK || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", tt.args, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, w, out)
			}
		}
	}

	code, _, errOut := runStarter(t, "logiless-auth", "--shop", "demo")
	if code != exitFailed || !strings.HasPrefix(errOut, "starter: ") || !strings.Contains(errOut, "STARTER_TEST_UNSET_TOKEN is not set") {
		t.Errorf("logiless-auth without secrets: exit %d, stderr:\n%s", code, errOut)
	}
}

// An invalid mapping table fails the check (exit 1) with the count first
// and every problem with its line on stdout.
func TestMappingValidateInvalid(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/bad.csv"
	writeTestFile(t, bad, "sku,article_code\nA,X\nA,Y\n,Z\n")
	code, out, errOut := runStarter(t, "mapping", "validate", bad)
	if code != exitFailed || !strings.Contains(out, "line 3") || !strings.Contains(out, "line 4") ||
		errOut != "starter: "+bad+" is not valid: 2 problems, listed above with their lines\n" {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, _, errOut = runStarter(t, "mapping", "validate", dir+"/missing.csv")
	if code != exitFailed || !strings.HasPrefix(errOut, "starter: ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
}

// A successful --wait prints the result and ends with the link to the run
// that closed.
func TestWaitEndsWithRunLink(t *testing.T) {
	setupSettings(t)
	f := newFakeTemporal()
	f.runningPolls = 3
	f.details = "waiting for LOGILESS (429, retry in 30s)"
	f.result = workflows.ImportOrderResult{Outcome: "imported", SalesOrderID: 7, SalesOrderCode: "EC1", Lines: 2}
	f.use(t)
	code, out, errOut := runStarter(t, "--web-ui-url", "http://other-ui:8080/", "import-order", "--shop", "demo", "--order", "EC1", "--wait")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 || lines[0] != "started import-order/demo/EC1" || lines[2] != "imported: LOGILESS sales order 7 (EC1), 2 lines" ||
		lines[3] != "run: http://other-ui:8080/namespaces/default/workflows/import-order%2Fdemo%2FEC1/"+finishedRunID+"/history" {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "running ") || !strings.Contains(errOut, f.details) {
		t.Errorf("progress on stderr lacks the current details:\n%s", errOut)
	}
	if len(f.started) != 1 || f.started[0].TaskQueue != "ecforce-logiless" || f.started[0].StaticSummary != "受注 EC1 → LOGILESS" {
		t.Errorf("started %+v; want task queue ecforce-logiless and summary 受注 EC1 → LOGILESS", f.started)
	}
}
