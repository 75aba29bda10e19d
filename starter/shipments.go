package main

import (
	"context"
	"flag"
	"fmt"
	"io"

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
	s, err := openShopSession(ctx, *shopCode)
	if err != nil {
		return err
	}
	defer s.close()
	run, err := s.startRun(ctx, runStart{
		id: workflows.NotifyShipmentsID(*shopCode), flow: workflows.FlowShipmentNotification, shop: *shopCode, force: true,
		workflow: workflows.NotifyShipments, input: workflows.NotifyShipmentsInput{Shop: *shopCode, Lookback: *lookback},
		busy: "a shipment discovery for shop " + *shopCode + " is already running",
	}, out)
	if err != nil {
		return err
	}
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
	s, err := openShopSession(ctx, *shopCode)
	if err != nil {
		return err
	}
	defer s.close()
	run, err := s.startRun(ctx, runStart{
		id: workflows.NotifyShipmentID(*shopCode, *number), flow: workflows.FlowShipmentNotification, shop: *shopCode, orderNumber: *number,
		force: *force, workflow: workflows.NotifyShipment, input: workflows.NotifyShipmentInput{Shop: *shopCode, OrderNumber: *number},
		busy: fmt.Sprintf("the shipment of order %s of shop %s is being notified or was notified already (use --force to run again)", *number, *shopCode),
	}, out)
	if err != nil {
		return err
	}
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
