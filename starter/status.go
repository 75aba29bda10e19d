package main

import (
	"context"
	"fmt"
	"io"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/blockedruns"
	"github.com/ecforce-logiless/connector/schedules"
	"github.com/ecforce-logiless/connector/workflows"
)

func newStatusCommand() *cobra.Command {
	var shopCode string
	var limit int
	cmd := &cobra.Command{
		Use:   "status --shop S",
		Short: "Show a shop's schedules, recent runs, blocked runs and current failures",
		Long: `status prints, for each flow of the shop, its schedule (state, interval, next
run), its recent runs, the runs that need a person now (blocked: running with
ConnectorOutcome blocked:<type>, each with its reason; fix the cause, they
resume by themselves or with starter wake) and its recent failures with the
reason that says what to fix and a link to each run. A failure is listed only
while it is the newest run of its workflow ID: one superseded by a later run
(the order since imported) is not current and is left out. Times are JST.

It reads Temporal only (visibility, schedules, the failed runs' results) and
needs none of the shop's secrets.`,
		Example: `  starter status --shop demo
  starter status --shop demo -n 20`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 {
				return usageError{"--limit (-n) must be at least 1"}
			}
			return runStatus(cmd.Context(), cmd.OutOrStdout(), shopCode, limit)
		},
	}
	addShopFlag(cmd, &shopCode)
	cmd.Flags().IntVarP(&limit, "limit", "n", 5, "runs to show per flow")
	return cmd
}

// runStatus prints, for one shop, each flow's schedule, its recent runs and
// its recent failures with their reasons.
func runStatus(ctx context.Context, out io.Writer, shopCode string, limit int) error {
	s, err := openShopSession(ctx, shopCode)
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintf(out, "shop %s\n", shopCode)
	sc := s.client.ScheduleClient()
	for _, f := range workflows.Flows {
		id := schedules.ScheduleID(f.Name, shopCode)
		fmt.Fprintf(out, "\n%s\n", f.Name)
		if desc, err := sc.GetHandle(ctx, id).Describe(ctx); err == nil {
			fmt.Fprintf(out, "  schedule  %s\n", describeSchedule(id, desc))
		} else {
			fmt.Fprintf(out, "  schedule  %s: none (run `starter schedules apply`)\n", id)
		}
		base := fmt.Sprintf(`%s=%q AND %s=%q`, workflows.ShopAttribute.GetName(), shopCode, workflows.FlowAttribute.GetName(), f.Name)
		recent, err := s.listRuns(ctx, base, limit)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "  recent runs:")
		if len(recent) == 0 {
			fmt.Fprintln(out, "    none")
		}
		for _, r := range recent {
			fmt.Fprintf(out, "    %s  %-10s %s\n", formatJST(r.GetStartTime().AsTime()),
				statusName(r.GetStatus()), r.GetExecution().GetWorkflowId())
		}
		blocked, err := blockedruns.List(ctx, s.client, s.proc.TemporalNamespace, blockedruns.Filter{Shop: shopCode, Flow: f.Name})
		if err != nil {
			return err
		}
		if len(blocked) > 0 {
			fmt.Fprintf(out, "  needs a person now (%d blocked; fix the cause, then they resume, or run starter wake --shop %s):\n", len(blocked), shopCode)
		}
		for i, r := range blocked {
			if i == limit {
				fmt.Fprintf(out, "    … %d more: %s\n", len(blocked)-limit, s.runLink(blockedruns.Query(blockedruns.Filter{Shop: shopCode, Flow: f.Name}), ""))
				break
			}
			fmt.Fprintf(out, "    %s  blocked:%s (run started %s)\n      %s\n", r.WorkflowID, r.Reason, formatJST(r.Start), s.runLink(r.WorkflowID, r.RunID))
		}
		failed, err := s.currentFailures(ctx, base, limit)
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			fmt.Fprintln(out, "  recent failures:")
		}
		for _, r := range failed {
			fmt.Fprintf(out, "    %s\n      %s\n      %s\n", r.GetExecution().GetWorkflowId(),
				s.failureReason(ctx, r.GetExecution().GetWorkflowId(), r.GetExecution().GetRunId()),
				s.runLink(r.GetExecution().GetWorkflowId(), r.GetExecution().GetRunId()))
		}
	}
	return nil
}

// currentFailures are the flow's recent failed runs that are still the
// newest run of their workflow ID; a failure a later run superseded (an
// order imported after its mapping was fixed, a run reset) is not current.
func (s *session) currentFailures(ctx context.Context, base string, limit int) ([]*workflowpb.WorkflowExecutionInfo, error) {
	failed, err := s.listRuns(ctx, base+` AND ExecutionStatus="Failed"`, 4*limit)
	if err != nil {
		return nil, err
	}
	var current []*workflowpb.WorkflowExecutionInfo
	for _, r := range failed {
		if len(current) == limit {
			break
		}
		latest, err := s.client.DescribeWorkflowExecution(ctx, r.GetExecution().GetWorkflowId(), "")
		if err == nil && latest.GetWorkflowExecutionInfo().GetExecution().GetRunId() != r.GetExecution().GetRunId() {
			continue // superseded
		}
		current = append(current, r)
	}
	return current, nil
}

func (s *session) listRuns(ctx context.Context, query string, limit int) ([]*workflowpb.WorkflowExecutionInfo, error) {
	resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.proc.TemporalNamespace, Query: query, PageSize: int32(limit),
	})
	if err != nil {
		return nil, fmt.Errorf("list runs (%s): %w (are the search attributes registered?)", query, err)
	}
	runs := resp.GetExecutions()
	if len(runs) > limit {
		runs = runs[:limit]
	}
	return runs, nil
}

// failureReason is the root cause of a failed run (the innermost
// application error's type and message): the text that says what to fix.
func (s *session) failureReason(ctx context.Context, workflowID, runID string) string {
	err := s.client.GetWorkflow(ctx, workflowID, runID).Get(ctx, nil)
	if err == nil {
		return "(no failure)"
	}
	cause, _ := rootCause(err)
	return cause
}

func statusName(st enumspb.WorkflowExecutionStatus) string {
	switch st {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "Running"
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return "Completed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return "Failed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "Canceled"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return "Terminated"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return "TimedOut"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "ContinuedAsNew"
	}
	return st.String()
}
