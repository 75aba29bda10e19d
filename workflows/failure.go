package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// fail records the failure of a run on its outcome attribute, so operators
// can filter ConnectorOutcome="failed" (or "failed:<error type>"), counts it
// in connector_workflow_failures, says in the run's current details why it
// stopped, and returns the error the run fails with: see runFailure. Every
// flow fails through here. A continue-as-new (a blocked run that waited
// through many wakes, see untilUnblocked) is no failure and passes as it is;
// a scheduled shop run stopped by rejected credentials ends blocked and
// completes (fail returns nil; see endsBlocked).
func fail(ctx workflow.Context, err error) error {
	var asNew *workflow.ContinueAsNewError
	if errors.As(err, &asNew) {
		return err
	}
	if endsBlocked(ctx, err) {
		return nil
	}
	outcome := OutcomeFailed
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() != "" {
		outcome = OutcomeFailed + ":" + appErr.Type()
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, OutcomeAttribute.ValueSet(outcome))
	reason := "unknown"
	if appErr != nil && appErr.Type() != "" {
		reason = appErr.Type()
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"workflow": workflow.GetInfo(ctx).WorkflowType.Name, "reason": reason}).
		Counter("connector_workflow_failures").Inc(1)
	err = runFailure(err)
	doing(ctx, "%s — %s", outcome, oneLine(err))
	return err
}

// runFailure is the error a run fails with. An activity's or a child's
// failure arrives wrapped (ActivityError or ChildWorkflowExecutionError,
// whose message is only "activity error" or "child workflow execution
// error"), and the Web UI shows a run's top message first: so the run fails
// with a new ApplicationError that carries the cause's message (what
// happened, to which order, what to do), its type and its non-retryable
// flag, and the original error as its cause. Any other error is returned
// as it is.
func runFailure(err error) error {
	var actErr *temporal.ActivityError
	var childErr *temporal.ChildWorkflowExecutionError
	var appErr *temporal.ApplicationError
	if !errors.As(err, &actErr) && !errors.As(err, &childErr) {
		return err
	}
	if !errors.As(err, &appErr) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(appErr.Message(), appErr.Type(), temporal.ApplicationErrorOptions{
		NonRetryable: appErr.NonRetryable(),
		Cause:        err,
	})
}

// oneLine is the message of err without the causes the SDK appends.
func oneLine(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return err.Error()
}
