package workflows

import (
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// orderRun is one per-order workflow a discovery starts.
type orderRun struct {
	id          string
	orderNumber string
	// rejectAfterFailure keeps a failed run from being started again
	// (otherwise a failed run may run again; a completed or running one
	// never does).
	rejectAfterFailure bool
	workflow           any
	input              any
}

// startOrderRuns starts every run as a child that outlives the discovery
// (parent close policy abandon), then waits for each start to be
// acknowledged. Runs whose ID is taken (by a running or completed run, or
// by a failed one that runs once) are not started: the workflow ID is the
// deduplication; taken lists their indexes in runs.
func startOrderRuns(ctx workflow.Context, shop, flow string, runs []orderRun) (started []string, taken []int, err error) {
	doing(ctx, "starting %d runs, one per order", len(runs))
	futures := make([]workflow.ChildWorkflowFuture, len(runs))
	for i, r := range runs {
		reuse := enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
		if r.rejectAfterFailure {
			reuse = enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
		}
		childCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            r.id,
			WorkflowIDReusePolicy: reuse,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			StaticSummary:         RunSummary(flow, shop, r.orderNumber),
			TypedSearchAttributes: temporal.NewSearchAttributes(
				ShopAttribute.ValueSet(shop),
				OrderNumberAttribute.ValueSet(r.orderNumber),
				FlowAttribute.ValueSet(flow),
			),
		})
		futures[i] = workflow.ExecuteChildWorkflow(childCtx, r.workflow, r.input)
	}
	for i, f := range futures {
		err := f.GetChildWorkflowExecution().Get(ctx, nil)
		var already *temporal.ChildWorkflowExecutionAlreadyStartedError
		switch {
		case err == nil:
			started = append(started, runs[i].id)
		case errors.As(err, &already):
			taken = append(taken, i)
		default:
			return started, taken, err
		}
	}
	return started, taken, nil
}
