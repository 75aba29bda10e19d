package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/workflows"
)

// runError waits for the current run of workflowID to either close or
// wait blocked (running with ConnectorOutcome blocked:<type>, see
// workflows/blocked.go), and returns what stopped it: the run's error when
// it closed (nil when it completed), or, for a blocked run, the
// non-retryable application error of the step it waits on (as the run
// would have failed with before it waited). Tests written for runs that
// failed on what a person fixes keep their assertions through it.
func runError(ctx context.Context, t *testing.T, workflowID string) error {
	t.Helper()
	return runErrorVia(ctx, t, temporalClient, temporal.GetDefaultFailureConverter(), workflowID)
}

// runErrorVia is runError through c, whose failures fc decodes (a client
// with the payload codec).
func runErrorVia(ctx context.Context, t *testing.T, c client.Client, fc converter.FailureConverter, workflowID string) error {
	t.Helper()
	for {
		desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
		if err != nil {
			t.Fatalf("describe %s: %v", workflowID, err)
		}
		info := desc.GetWorkflowExecutionInfo()
		if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return c.GetWorkflow(ctx, workflowID, "").Get(ctx, nil)
		}
		outcome := strings.Trim(string(info.GetSearchAttributes().GetIndexedFields()[workflows.OutcomeAttribute.GetName()].GetData()), `"`)
		if strings.HasPrefix(outcome, workflows.OutcomeBlockedPrefix) {
			return blockedStepError(ctx, t, fc, workflowID, info.GetExecution().GetRunId(), strings.TrimPrefix(outcome, workflows.OutcomeBlockedPrefix))
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s neither closed nor blocked: %v", workflowID, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// blockedStepError is the last failure of an activity in the run's
// history, which must be of errType.
func blockedStepError(ctx context.Context, t *testing.T, fc converter.FailureConverter, workflowID, runID, errType string) error {
	t.Helper()
	var last error
	for _, ev := range fetchRunHistory(ctx, t, workflowID, runID).GetEvents() {
		if a := ev.GetActivityTaskFailedEventAttributes(); a != nil {
			last = fc.FailureToError(a.GetFailure())
		}
	}
	var appErr *temporal.ApplicationError
	if !errors.As(last, &appErr) || appErr.Type() != errType {
		t.Fatalf("%s is blocked:%s but its last failed step is %v", workflowID, errType, last)
	}
	return appErr
}

// waitBlocked waits until the run of workflowID is blocked on errType and
// returns its current details (what the Web UI shows).
func waitBlocked(ctx context.Context, t *testing.T, workflowID, errType string) string {
	t.Helper()
	err := runError(ctx, t, workflowID)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != errType {
		t.Fatalf("%s: %v; want it blocked on %s", workflowID, err, errType)
	}
	if got := outcomeOf(ctx, t, workflowID); got != workflows.OutcomeBlockedPrefix+errType {
		t.Fatalf("%s: outcome %q, want %s%s (and still running)", workflowID, got, workflows.OutcomeBlockedPrefix, errType)
	}
	return runDetails(ctx, t, workflowID)
}

// runDetails is the current details of the run of workflowID (a worker
// answers the metadata query).
func runDetails(ctx context.Context, t *testing.T, workflowID string) string {
	t.Helper()
	v, err := temporalClient.QueryWorkflow(ctx, workflowID, "", "__temporal_workflow_metadata")
	if err != nil {
		t.Fatalf("query the metadata of %s: %v", workflowID, err)
	}
	var md sdkpb.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		t.Fatal(err)
	}
	return md.GetCurrentDetails()
}

// failedRunsOf lists the Failed runs of workflowID in visibility.
func failedRunsOf(ctx context.Context, t *testing.T, workflowID string) int {
	t.Helper()
	resp, err := temporalClient.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Query: `WorkflowId="` + workflowID + `" AND ExecutionStatus="Failed"`,
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(resp.GetCount())
}

// runIDOf is the run ID of the current run of workflowID.
func runIDOf(ctx context.Context, t *testing.T, workflowID string) string {
	t.Helper()
	desc, err := temporalClient.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	return desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// countRuns counts the runs a visibility query finds (visibility is
// eventually consistent: it waits up to 5 s for the count to drop to 0).
func countRuns(ctx context.Context, t *testing.T, query string) int {
	t.Helper()
	var n int64
	for range 25 {
		resp, err := temporalClient.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("count %s: %v", query, err)
		}
		if n = resp.GetCount(); n == 0 {
			return 0
		}
		time.Sleep(200 * time.Millisecond)
	}
	return int(n)
}
