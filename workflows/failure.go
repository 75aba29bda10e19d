package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// fail records the failure of a run on its outcome attribute, so operators
// can filter ConnectorOutcome="failed" (or "failed:<error type>"), counts it
// in connector_workflow_failures, and returns the activity's error, whose
// message says what to fix. Every flow fails through here.
func fail(ctx workflow.Context, err error) error {
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
	return err
}
