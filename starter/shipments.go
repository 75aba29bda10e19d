package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/workflows"
)

func newNotifyShipmentsCommand() *cobra.Command {
	var shopCode string
	var lookback time.Duration
	var wait bool
	cmd := &cobra.Command{
		Use:   "notify-shipments --shop S",
		Short: "Run a shipment discovery (出荷通知) of a shop now",
		Long: `notify-shipments starts the shop's shipment discovery now, as its schedule would:
it lists the LOGILESS sales orders that became Shipped within the lookback and
starts one notification per order. A shipment is never reported twice.

--lookback looks further back than shipment_notification.lookback, e.g. after
an outage longer than it. With --wait it waits and prints what it found.`,
		Example: `  starter notify-shipments --shop demo --wait
  starter notify-shipments --shop demo --lookback 72h --wait`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if lookback < 0 {
				return usageError{"--lookback must not be negative"}
			}
			return runNotifyShipments(cmd, shopCode, lookback, wait)
		},
	}
	addShopFlag(cmd, &shopCode)
	cmd.Flags().DurationVar(&lookback, "lookback", 0, "look this far back instead of shipment_notification.lookback (e.g. 72h after a long outage)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the discovery to finish and print what it did")
	return cmd
}

func runNotifyShipments(cmd *cobra.Command, shopCode string, lookback time.Duration, wait bool) error {
	var res workflows.NotifyShipmentsResult
	return launch(cmd, runStart{
		id: workflows.NotifyShipmentsID(shopCode), flow: workflows.FlowShipmentNotification, shop: shopCode, force: true,
		workflow: workflows.NotifyShipments, input: workflows.NotifyShipmentsInput{Shop: shopCode, Lookback: lookback},
		busy: "a shipment discovery for shop " + shopCode + " is already running",
		what: "shipment discovery of shop " + shopCode,
	}, wait, &res, func(out io.Writer, s *session) {
		if res.Disabled {
			fmt.Fprintln(out, "shipment notification is switched off for this shop (shipment_notification.auto_run)")
			return
		}
		fmt.Fprintf(out, "listed %d shipped orders since %s: %d notifications started, %d already handled, %d already in ecforce, %d waiting for an operator, %d not in ecforce\n",
			res.Listed, formatJST(res.From), len(res.Started), res.AlreadyHandled, res.AlreadyInEcforce, res.WaitingForOperator, res.NotInEcforce)
		for _, childID := range res.Started {
			fmt.Fprintf(out, "  %s\n    %s\n", childID, s.runLink(childID, ""))
		}
		if res.WaitingForOperator > 0 {
			fmt.Fprintln(out, "orders waiting for an operator had their capture fail: see the failed notify-shipment runs (ConnectorOutcome=\"failed:EcforceCaptureFailed\")")
		}
		if res.Truncated {
			fmt.Fprintln(out, "more shipments remain; the next run picks them up")
		}
	})
}

func newNotifyShipmentCommand() *cobra.Command {
	var shopCode, number string
	var force, wait bool
	cmd := &cobra.Command{
		Use:   "notify-shipment --shop S --order 受注番号",
		Short: "Report one shipped order to ecforce now",
		Long: `notify-shipment reports one shipped LOGILESS order to ecforce now: the ship date
and tracking numbers, then (if the shop says so) 売上処理 and the 対応状況. Each
step is done once: what ecforce already has is neither written nor captured
again.

A notification that completed before refuses to run again unless --force (for
example after LOGILESS changed the tracking numbers). With --wait it waits and
prints the result, or the cause of the failure first (exit code 1).`,
		Example: `  starter notify-shipment --shop demo --order EC00010008 --wait
  starter notify-shipment --shop demo --order EC00010008 --force --wait`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runNotifyShipment(cmd, shopCode, number, force, wait)
		},
	}
	addShopFlag(cmd, &shopCode)
	cmd.Flags().StringVar(&number, "order", "", "受注番号 (the ecforce order number, which is the LOGILESS 受注コード) (required)")
	_ = cmd.MarkFlagRequired("order")
	cmd.Flags().BoolVar(&force, "force", false, "run even if an earlier notification of this order completed, e.g. after LOGILESS changed its tracking numbers (it still never writes or captures what ecforce already has)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the notification to finish and print its result")
	return cmd
}

func runNotifyShipment(cmd *cobra.Command, shopCode, number string, force, wait bool) error {
	var res workflows.NotifyShipmentResult
	return launch(cmd, runStart{
		id: workflows.NotifyShipmentID(shopCode, number), flow: workflows.FlowShipmentNotification, shop: shopCode, orderNumber: number,
		force: force, workflow: workflows.NotifyShipment, input: workflows.NotifyShipmentInput{Shop: shopCode, OrderNumber: number},
		busy: fmt.Sprintf("the shipment of order %s of shop %s is being notified or was notified already (use --force to run again)", number, shopCode),
		what: fmt.Sprintf("shipment notification of order %s of shop %s", number, shopCode),
	}, wait, &res, func(out io.Writer, _ *session) {
		fmt.Fprintf(out, "%s: slip %q, ship date %s", res.Outcome, res.ShippingSlip, formatJST(res.ShippedAt))
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
	})
}
