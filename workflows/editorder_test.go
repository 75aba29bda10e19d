package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// One run carries the edits: an edit sent, a pass blocked on a field PUT
// cannot change (the run waits and keeps what it wrote), a wake after the
// fix, and the order shipped ends the run. Every pass gets the last write
// the one before it recorded.
func TestEditOrderPasses(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(EditOrder)
	outcomes := recordOutcomes(env)
	t0 := time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC)
	const blockedMsg = "order EC1 of shop demo was edited in ecforce but its LOGILESS sales order EC1 needs a person: LOGILESS's API cannot change buyer_comment (runbook: docs/errors.md#editneedsoperator)"
	passes := []activities.ApplyOrderEditResult{
		{SalesOrderID: 70, Updated: []string{"recipient_address1"}, LastWrite: t0},
		{SalesOrderID: 70, Updated: []string{"delivery_preferred_date"}, LastWrite: t0.Add(time.Minute), Blocked: blockedMsg},
		{SalesOrderID: 70, LastWrite: t0.Add(2 * time.Minute)},
		{SalesOrderID: 70, Closed: true},
	}
	var inputs []activities.ApplyOrderEditInput
	env.OnActivity(a.ApplyOrderEdit, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ApplyOrderEditInput) (activities.ApplyOrderEditResult, error) {
			inputs = append(inputs, in)
			return passes[len(inputs)-1], nil
		})
	var details string
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(WakeSignal, WakeInput{Reason: "discovery"}) }, time.Hour)
	env.RegisterDelayedCallback(func() {
		details = currentDetails(t, env)
		env.SignalWorkflow(WakeSignal, WakeInput{Reason: "starter wake"})
	}, 2*time.Hour)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(WakeSignal, WakeInput{Reason: "discovery"}) }, 3*time.Hour)
	env.ExecuteWorkflow(EditOrder, EditOrderInput{Shop: "demo", OrderNumber: "EC1"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res EditOrderResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != OutcomeEditsClosed || res.Passes != 3 || strings.Join(res.Updated, " ") != "recipient_address1 delivery_preferred_date" {
		t.Errorf("result %+v", res)
	}
	want := []string{OutcomeRunning, OutcomeEdited, "blocked:EditNeedsOperator", OutcomeRunning, OutcomeUpToDate, OutcomeEditsClosed}
	if strings.Join(*outcomes, " ") != strings.Join(want, " ") {
		t.Errorf("outcomes %v, want %v", *outcomes, want)
	}
	if len(inputs) != 4 || !inputs[0].LastWrite.IsZero() || !inputs[1].LastWrite.Equal(t0) ||
		!inputs[2].LastWrite.Equal(t0.Add(time.Minute)) || !inputs[3].LastWrite.Equal(t0.Add(2*time.Minute)) || inputs[1].SalesOrderID != 70 {
		t.Errorf("pass inputs %+v", inputs)
	}
	if !strings.Contains(details, "blocked:EditNeedsOperator") || !strings.Contains(details, "buyer_comment") {
		t.Errorf("blocked details %q", details)
	}
}

// A discovery of updated orders starts the order's EditOrder run under its
// business key (editOrderRun through startOrderRuns).
func TestEditOrderRunFromADiscovery(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(EditOrder)
	var got EditOrderInput
	env.OnWorkflow(EditOrder, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in EditOrderInput) (EditOrderResult, error) {
			got = in
			return EditOrderResult{Outcome: OutcomeUpToDate}, nil
		})
	discovery := func(ctx workflow.Context) ([]string, error) {
		started, _, err := startOrderRuns(ctx, "demo", FlowOrderImport, []orderRun{editOrderRun("demo", "EC1", 9)})
		return started, err
	}
	env.RegisterWorkflow(discovery)
	env.ExecuteWorkflow(discovery)
	var started []string
	if err := env.GetWorkflowResult(&started); err != nil {
		t.Fatal(err)
	}
	if len(started) != 1 || started[0] != "edit-order/demo/EC1" || got.OrderNumber != "EC1" || got.OrderID != 9 {
		t.Errorf("started %v with %+v", started, got)
	}
}
