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
	// againAfterCompletion lets a new run start after a completed one
	// under the same ID (EditOrder: a run ends when its order ships, a
	// later edit starts another; ChangeOrder: a later change of the order
	// is a new run). A running one is woken, never started twice.
	againAfterCompletion bool
	// stillBlocked: the discovery still sees what blocks the run (a
	// cancellation LOGILESS cannot take yet), so a taken run is not woken.
	stillBlocked bool
	workflow     any
	input        any
}

// startOrderRuns starts every run as a child that outlives the discovery
// (parent close policy abandon), then waits for each start to be
// acknowledged. Runs whose ID is taken (by a running or completed run, or
// by a failed one that runs once) are not started: the workflow ID is the
// deduplication; taken lists their indexes in runs. At BlockedWaitsVersion
// each taken run is woken (see wakeTaken).
func startOrderRuns(ctx workflow.Context, shop, flow string, runs []orderRun) (started []string, taken []int, err error) {
	doing(ctx, "starting %d runs, one per order", len(runs))
	futures := make([]workflow.ChildWorkflowFuture, len(runs))
	for i, r := range runs {
		reuse := enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
		switch {
		case r.rejectAfterFailure:
			reuse = enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
		case r.againAfterCompletion:
			reuse = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
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
	wakeTaken(ctx, runs, taken)
	return started, taken, nil
}

// wakeTaken sends WakeSignal to the run holding each taken ID, so a run
// blocked on what a person has since fixed tries again: the discovery is
// what wakes it. Runs the discovery itself still sees blocked
// (rejectAfterFailure: its listing found the cause, e.g. the SKU still
// unmapped) are left asleep. The signal goes to the ID's current run; one
// that has closed answers with an error, which is fine and ignored.
func wakeTaken(ctx workflow.Context, runs []orderRun, taken []int) {
	var wake []int
	for _, i := range taken {
		if !runs[i].rejectAfterFailure && !runs[i].stillBlocked {
			wake = append(wake, i)
		}
	}
	if len(wake) == 0 ||
		workflow.GetVersion(ctx, BlockedWaitsChangeID, workflow.DefaultVersion, BlockedWaitsVersion) < BlockedWaitsVersion {
		return
	}
	signals := make([]workflow.Future, len(wake))
	for j, i := range wake {
		signals[j] = workflow.SignalExternalWorkflow(ctx, runs[i].id, "", WakeSignal, WakeInput{Reason: "discovery " + workflow.GetInfo(ctx).WorkflowExecution.ID})
	}
	for _, f := range signals {
		_ = f.Get(ctx, nil) // a closed run: nothing to wake
	}
}
