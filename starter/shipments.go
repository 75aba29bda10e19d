package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/workflows"
)

func runNotifyShipments(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("notify-shipments", flag.ContinueOnError)
	shopCode := fs.String("shop", "", "shop code from the shops file")
	lookback := fs.Duration("lookback", 0, "look this far back instead of shipment_notification.lookback (e.g. 72h after a long outage)")
	wait := fs.Bool("wait", false, "wait for the discovery to finish and print what it did")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *lookback < 0 {
		return usageError{"--lookback must not be negative"}
	}
	s, err := openSession(ctx, true)
	if err != nil {
		return err
	}
	defer s.close()
	if _, err := s.shop(*shopCode); err != nil {
		return err
	}
	id := workflows.NotifyShipmentsID(*shopCode)
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                s.proc.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ShopAttribute.ValueSet(*shopCode),
			workflows.FlowAttribute.ValueSet(workflows.FlowShipmentNotification),
		),
	}, workflows.NotifyShipments, workflows.NotifyShipmentsInput{Shop: *shopCode, Lookback: *lookback})
	if err != nil {
		var already *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &already) {
			return fmt.Errorf("a shipment discovery for shop %s is already running: %s", *shopCode, s.runLink(id, already.RunId))
		}
		return fmt.Errorf("start shipment discovery for shop %s: %w", *shopCode, err)
	}
	fmt.Fprintf(out, "started %s\n  %s\n", id, s.runLink(id, run.GetRunID()))
	if !*wait {
		return nil
	}
	var res workflows.NotifyShipmentsResult
	if err := run.Get(ctx, &res); err != nil {
		return fmt.Errorf("shipment discovery for shop %s failed: %w", *shopCode, err)
	}
	if res.Disabled {
		fmt.Fprintln(out, "shipment notification is switched off for this shop (shipment_notification.auto_run)")
		return nil
	}
	fmt.Fprintf(out, "listed %d shipped orders since %s: %d notifications started, %d already handled, %d already in ecforce, %d waiting for an operator, %d not in ecforce\n",
		res.Listed, res.From.Format("2006-01-02 15:04"), len(res.Started), res.AlreadyHandled, res.AlreadyInEcforce, res.WaitingForOperator, res.NotInEcforce)
	for _, childID := range res.Started {
		fmt.Fprintf(out, "  %s\n    %s\n", childID, s.runLink(childID, ""))
	}
	if res.WaitingForOperator > 0 {
		fmt.Fprintln(out, "orders waiting for an operator had their capture fail: see the failed notify-shipment runs (ConnectorOutcome=\"failed:EcforceCaptureFailed\")")
	}
	if res.Truncated {
		fmt.Fprintln(out, "more shipments remain; the next run picks them up")
	}
	return nil
}

func runNotifyShipment(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("notify-shipment", flag.ContinueOnError)
	shopCode := fs.String("shop", "", "shop code from the shops file")
	number := fs.String("order", "", "受注番号 (the ecforce order number, which is the LOGILESS 受注コード)")
	force := fs.Bool("force", false, "run even if an earlier notification of this order completed, e.g. after LOGILESS changed its tracking numbers (it still never writes or captures what ecforce already has)")
	wait := fs.Bool("wait", false, "wait for the notification to finish and print its result")
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
	id := workflows.NotifyShipmentID(*shopCode, *number)
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                s.proc.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDReusePolicy:                    reuse,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ShopAttribute.ValueSet(*shopCode),
			workflows.OrderNumberAttribute.ValueSet(*number),
			workflows.FlowAttribute.ValueSet(workflows.FlowShipmentNotification),
		),
	}, workflows.NotifyShipment, workflows.NotifyShipmentInput{Shop: *shopCode, OrderNumber: *number})
	if err != nil {
		var already *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &already) {
			return fmt.Errorf("the shipment of order %s of shop %s is being notified or was notified already: %s (use --force to run again)",
				*number, *shopCode, s.runLink(id, already.RunId))
		}
		return fmt.Errorf("start shipment notification of order %s: %w", *number, err)
	}
	fmt.Fprintf(out, "started %s\n  %s\n", id, s.runLink(id, run.GetRunID()))
	if !*wait {
		return nil
	}
	var res workflows.NotifyShipmentResult
	if err := run.Get(ctx, &res); err != nil {
		return fmt.Errorf("shipment notification of order %s failed: %w", *number, err)
	}
	fmt.Fprintf(out, "%s: slip %q, ship date %s", res.Outcome, res.ShippingSlip, res.ShippedAt.Format("2006-01-02 15:04"))
	if res.ShippingSkipped != "" {
		fmt.Fprintf(out, " (%s)", res.ShippingSkipped)
	}
	switch {
	case res.Captured:
		fmt.Fprint(out, ", captured")
	case res.CaptureSkipped != "":
		fmt.Fprintf(out, ", capture skipped: %s", res.CaptureSkipped)
	}
	switch {
	case res.StateSet != "":
		fmt.Fprintf(out, ", 対応状況 set to %s", res.StateSet)
	case res.StateSkipped != "":
		fmt.Fprintf(out, ", 対応状況 left: %s", res.StateSkipped)
	}
	fmt.Fprintln(out)
	return nil
}
