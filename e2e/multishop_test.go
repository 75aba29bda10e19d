package e2e

import (
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/workflows"
)

// One shop's API outage does not stop another shop served by the same
// worker, and the failing shop recovers by itself once its API is back.
func TestOneShopsOutageDoesNotStopTheOthers(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{neighbour: true})
	seedImportScenario(t, s)
	seedImportOrders(t, s.neighbour.sb)

	// Shop A's ecforce answers 503 to everything.
	s.sb.Ecforce.InjectFault(httpfake.Fault{PathPrefix: "/api/", Status: 503, Times: -1})
	runA := s.start(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrdersID(s.shop)},
		workflows.ImportOrders, workflows.ImportOrdersInput{Shop: s.shop})

	// Shop B imports its orders meanwhile.
	runB := s.start(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrdersID(s.neighbour.shop),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE},
		workflows.ImportOrders, workflows.ImportOrdersInput{Shop: s.neighbour.shop})
	var resB workflows.ImportOrdersResult
	if err := runB.Get(ctx, &resB); err != nil {
		t.Fatalf("shop B's discovery failed while shop A's API was down: %v", err)
	}
	for _, id := range resB.Started {
		_ = runError(ctx, t, id)
	}
	if got := len(s.neighbour.sb.Logiless.SalesOrders()); got != 3 {
		t.Errorf("shop B imported %d orders while shop A was down, want 3", got)
	}

	// Shop A is still retrying, not failed, and nothing of it was created.
	desc, err := temporalClient.DescribeWorkflowExecution(ctx, workflows.ImportOrdersID(s.shop), "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("shop A's discovery is %v during the outage, want running (retrying)", st)
	}
	if len(s.sb.Logiless.SalesOrders()) != 0 {
		t.Error("shop A created sales orders although its ecforce was down")
	}

	// When shop A's API comes back, its discovery finishes by itself.
	s.sb.Ecforce.ClearFaults()
	var resA workflows.ImportOrdersResult
	if err := runA.Get(ctx, &resA); err != nil {
		t.Fatalf("shop A's discovery after the outage: %v", err)
	}
	if len(resA.Started) != 4 {
		t.Errorf("shop A's discovery = %+v, want 4 imports started", resA)
	}
}
