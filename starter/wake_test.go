package main

import (
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func blockedRun(t *testing.T, order, reason string, at time.Time) *workflowpb.WorkflowExecutionInfo {
	t.Helper()
	sa := map[string]*commonpb.Payload{}
	for k, v := range map[string]string{"ConnectorShop": "demo", "ConnectorFlow": "order-import", "ConnectorOrderNumber": order, "ConnectorOutcome": "blocked:" + reason} {
		p, err := converter.GetDefaultDataConverter().ToPayload(v)
		if err != nil {
			t.Fatal(err)
		}
		sa[k] = p
	}
	return &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: "import-order/demo/" + order, RunId: "run-" + order},
		StartTime: timestamppb.New(at), Status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: sa},
	}
}

// status lists the runs that need a person now, and a failure only while
// it is the newest run of its workflow ID.
func TestStatusShowsBlockedRunsAndOnlyCurrentFailures(t *testing.T) {
	setupSettings(t)
	f := newFakeTemporal()
	at := time.Date(2026, 11, 27, 0, 30, 0, 0, time.UTC)
	f.blocked = []*workflowpb.WorkflowExecutionInfo{blockedRun(t, "EC7", "UnmappedSKU", at)}
	f.failed = []*workflowpb.WorkflowExecutionInfo{
		{Execution: &commonpb.WorkflowExecution{WorkflowId: "import-order/demo/EC1", RunId: "run-f1"}, StartTime: timestamppb.New(at), Status: enumspb.WORKFLOW_EXECUTION_STATUS_FAILED},
		{Execution: &commonpb.WorkflowExecution{WorkflowId: "import-order/demo/EC2", RunId: "run-f2"}, StartTime: timestamppb.New(at), Status: enumspb.WORKFLOW_EXECUTION_STATUS_FAILED},
	}
	f.superseded = map[string]bool{"import-order/demo/EC1": true} // imported since
	f.runErr = testWorkflowFailure(t, "ecforce has no order EC2", "OrderNotFound")
	f.use(t)
	code, out, errOut := runStarter(t, "status", "--shop", "demo")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, w := range []string{"needs a person now (1 blocked", "import-order/demo/EC7  blocked:UnmappedSKU (run started 2026-11-27 09:30:00 JST)",
		"recent failures:", "import-order/demo/EC2", "OrderNotFound: ecforce has no order EC2"} {
		if !strings.Contains(out, w) {
			t.Errorf("status lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "import-order/demo/EC1") {
		t.Errorf("status shows the superseded failure of EC1:\n%s", out)
	}
}

// wake signals the blocked runs the flags select and lists them; none is
// no error; a flow that does not exist is a usage error.
func TestWake(t *testing.T) {
	setupSettings(t)
	f := newFakeTemporal()
	at := time.Date(2026, 11, 27, 0, 30, 0, 0, time.UTC)
	f.blocked = []*workflowpb.WorkflowExecutionInfo{blockedRun(t, "EC7", "UnmappedSKU", at), blockedRun(t, "EC8", "OrderCodeTaken", at)}
	f.use(t)

	code, out, errOut := runStarter(t, "wake", "--shop", "demo", "--order", "EC8")
	if code != exitOK || errOut != "" || !strings.Contains(out, "woke 1 blocked runs of shop demo") || !strings.Contains(out, "import-order/demo/EC8  blocked:OrderCodeTaken") {
		t.Errorf("wake --order: exit %d, stderr %q, out:\n%s", code, errOut, out)
	}
	if len(f.signaled) != 1 || f.signaled[0] != "import-order/demo/EC8 wake" {
		t.Errorf("signaled %v, want EC8 only", f.signaled)
	}
	code, out, _ = runStarter(t, "wake", "--shop", "demo")
	if code != exitOK || !strings.Contains(out, "woke 2 blocked runs") {
		t.Errorf("wake: exit %d, out:\n%s", code, out)
	}
	code, out, _ = runStarter(t, "wake", "--shop", "demo", "--flow", "stock-sync")
	if code != exitOK || !strings.Contains(out, "no blocked runs of shop demo match") {
		t.Errorf("wake with nothing blocked: exit %d, out:\n%s", code, out)
	}
	code, _, errOut = runStarter(t, "wake", "--shop", "demo", "--flow", "nope")
	if code != exitUsage || !strings.Contains(errOut, `--flow "nope" is not a flow`) {
		t.Errorf("wake --flow nope: exit %d, stderr %q; want usage error", code, errOut)
	}
	code, _, _ = runStarter(t, "wake")
	if code != exitUsage {
		t.Errorf("wake without --shop: exit %d, want %d", code, exitUsage)
	}
}
