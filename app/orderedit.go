package app

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/workflows"
)

// StartOrderEdit makes the EditOrder run of an imported order look at it
// now: it signals the run's WakeSignal, starting the run first if none is
// running (signal-with-start; a run that ended, say after the order
// shipped, may be followed by a new one). Whoever learns that an imported
// order changed in ecforce calls it: `starter edit-order`, the tests, and
// the discovery of updated orders. orderID may be 0.
func StartOrderEdit(ctx context.Context, c client.Client, taskQueue, shop, orderNumber string, orderID int64, reason string) (client.WorkflowRun, error) {
	id := workflows.EditOrderID(shop, orderNumber)
	run, err := c.SignalWithStartWorkflow(ctx, id, workflows.WakeSignal, workflows.WakeInput{Reason: reason},
		client.StartWorkflowOptions{
			ID:                    id,
			TaskQueue:             taskQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			StaticSummary:         "受注変更 " + orderNumber + " → LOGILESS",
			TypedSearchAttributes: temporal.NewSearchAttributes(
				workflows.ShopAttribute.ValueSet(shop),
				workflows.OrderNumberAttribute.ValueSet(orderNumber),
				workflows.FlowAttribute.ValueSet(workflows.FlowOrderImport),
			),
		}, workflows.EditOrderWorkflowName, workflows.EditOrderInput{Shop: shop, OrderNumber: orderNumber, OrderID: orderID})
	if err != nil {
		return nil, fmt.Errorf("start or wake %s: %w", id, err)
	}
	return run, nil
}
