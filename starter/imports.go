package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/workflows"
)

var lookupEnv = os.LookupEnv

func runImportOrders(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("import-orders", flag.ContinueOnError)
	shopCode := fs.String("shop", "", "shop code from the shops file")
	wait := fs.Bool("wait", false, "wait for the discovery to finish and print what it did")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	s, err := openSession(ctx, true)
	if err != nil {
		return err
	}
	defer s.close()
	if _, err := s.shop(*shopCode); err != nil {
		return err
	}
	id := workflows.ImportOrdersID(*shopCode)
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                s.proc.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ShopAttribute.ValueSet(*shopCode),
			workflows.FlowAttribute.ValueSet(workflows.FlowOrderImport),
		),
	}, workflows.ImportOrders, workflows.ImportOrdersInput{Shop: *shopCode})
	if err != nil {
		var already *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &already) {
			return fmt.Errorf("a discovery for shop %s is already running: %s", *shopCode, s.runLink(id, already.RunId))
		}
		return fmt.Errorf("start discovery for shop %s: %w", *shopCode, err)
	}
	fmt.Fprintf(out, "started %s\n  %s\n", id, s.runLink(id, run.GetRunID()))
	if !*wait {
		return nil
	}
	var res workflows.ImportOrdersResult
	if err := run.Get(ctx, &res); err != nil {
		return fmt.Errorf("discovery for shop %s failed: %w", *shopCode, err)
	}
	fmt.Fprintf(out, "listed %d orders: %d imports started, %d already handled, %d already in LOGILESS, %d not yet due\n",
		res.Listed, len(res.Started), res.AlreadyHandled, res.AlreadyInLogiless, res.NotYetDue)
	for _, childID := range res.Started {
		fmt.Fprintf(out, "  %s\n    %s\n", childID, s.runLink(childID, ""))
	}
	if res.Truncated {
		fmt.Fprintln(out, "more candidates remain; the next run picks them up")
	}
	return nil
}

func runImportOrder(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("import-order", flag.ContinueOnError)
	shopCode := fs.String("shop", "", "shop code from the shops file")
	number := fs.String("order", "", "ecforce 受注番号 (order number)")
	force := fs.Bool("force", false, "run even if an earlier import of this order completed (it still never creates a duplicate)")
	wait := fs.Bool("wait", false, "wait for the import to finish and print its result")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *number == "" {
		return usageError{"--order is required"}
	}
	s, err := openSession(ctx, true)
	if err != nil {
		return err
	}
	defer s.close()
	if _, err := s.shop(*shopCode); err != nil {
		return err
	}
	reuse := enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
	if *force {
		reuse = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	}
	id := workflows.ImportOrderID(*shopCode, *number)
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                s.proc.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDReusePolicy:                    reuse,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ShopAttribute.ValueSet(*shopCode),
			workflows.OrderNumberAttribute.ValueSet(*number),
			workflows.FlowAttribute.ValueSet(workflows.FlowOrderImport),
		),
	}, workflows.ImportOrder, workflows.ImportOrderInput{Shop: *shopCode, OrderNumber: *number})
	if err != nil {
		var already *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &already) {
			return fmt.Errorf("order %s of shop %s is being imported or was imported already: %s (use --force to run again)",
				*number, *shopCode, s.runLink(id, already.RunId))
		}
		return fmt.Errorf("start import of order %s: %w", *number, err)
	}
	fmt.Fprintf(out, "started %s\n  %s\n", id, s.runLink(id, run.GetRunID()))
	if !*wait {
		return nil
	}
	var res workflows.ImportOrderResult
	if err := run.Get(ctx, &res); err != nil {
		return fmt.Errorf("import of order %s failed: %w", *number, err)
	}
	fmt.Fprintf(out, "%s: LOGILESS sales order %d (%s), %d lines", res.Outcome, res.SalesOrderID, res.SalesOrderCode, res.Lines)
	if res.StateSet != "" {
		fmt.Fprintf(out, ", 対応状況 set to %s", res.StateSet)
	}
	fmt.Fprintln(out)
	return nil
}
