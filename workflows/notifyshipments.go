package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// NotifyShipmentsInput names the shop whose shipments to discover.
type NotifyShipmentsInput struct {
	Shop string
	// Scheduled is set by the shop's Temporal Schedule; a scheduled run of
	// a shop whose 出荷通知を自動実行 is off does nothing (see
	// shipmentNotificationOn).
	Scheduled bool
	// Lookback overrides shipment_notification.lookback for this run (0 =
	// the setting), e.g. to catch up after a long worker outage.
	Lookback time.Duration
}

// NotifyShipmentsResult counts what one discovery did. The notifications
// themselves run on as their own workflows (children that outlive this run).
type NotifyShipmentsResult struct {
	Shop string
	// From is the start of the window that was listed (LOGILESS updated_at).
	From               time.Time
	Listed             int
	AlreadyInEcforce   int
	WaitingForOperator int
	NotInEcforce       int
	// Started lists the workflow IDs of the notifications this run started.
	Started []string
	// AlreadyHandled counts candidates whose notification is running or
	// has completed already (the workflow ID deduplicated them).
	AlreadyHandled int
	Truncated      bool
	Disabled       bool
}

// NotifyShipments is one discovery run for a shop: read the shop's switches
// (a scheduled run while 出荷通知を自動実行 is off ends there), list the
// store's LOGILESS orders that became Shipped within the look-back window
// and start one NotifyShipment per order with ID
// notify-shipment/<shop>/<受注番号>.
// Windows overlap on purpose: an order whose notification has completed or
// is running is not started again, and one whose notification failed (say,
// an unknown status key since fixed) is started anew.
func NotifyShipments(ctx workflow.Context, in NotifyShipmentsInput) (NotifyShipmentsResult, error) {
	res := NotifyShipmentsResult{Shop: in.Shop}
	if err := markRunning(ctx, in.Shop, FlowShipmentNotification); err != nil {
		return res, err
	}

	off, listScheduled, err := scheduledRunOff(ctx, in.Shop, in.Scheduled, shipmentNotificationOn)
	if err != nil {
		return res, fail(ctx, err)
	}
	if off {
		res.Disabled = true
		return res, nil
	}

	var a *activities.ShipmentNotification
	var listed activities.ListShipmentCandidatesResult
	doing(ctx, "listing the LOGILESS orders shipped since the look-back")
	if err := workflow.ExecuteActivity(step(ctx, listingActivityOptions, stepListShipments), a.ListShipmentCandidates, activities.ListShipmentCandidatesInput{
		Shop: in.Shop, Now: workflow.Now(ctx), Scheduled: listScheduled, Lookback: in.Lookback,
	}).Get(ctx, &listed); err != nil {
		return res, fail(ctx, err)
	}
	res.From, res.Listed = listed.From, listed.Listed
	res.AlreadyInEcforce, res.WaitingForOperator, res.NotInEcforce = listed.AlreadyInEcforce, listed.WaitingForOperator, listed.NotInEcforce
	res.Truncated, res.Disabled = listed.Truncated, listed.Disabled
	if listed.Disabled { // only runs recorded before ShopSwitchesVersion
		_ = setOutcome(ctx, OutcomeDisabled)
		return res, nil
	}

	// One notification per order; the notifications outlive this run.
	runs := notifyRuns(in.Shop, listed.Candidates)
	var taken []int
	if res.Started, taken, err = startOrderRuns(ctx, in.Shop, FlowShipmentNotification, runs); err != nil {
		return res, fail(ctx, err)
	}
	res.AlreadyHandled = len(taken)
	_ = setOutcome(ctx, OutcomeCompleted)
	return res, nil
}

// shipmentNotificationOn is the shipment notification's on switch,
// 出荷通知を自動実行: off pauses the shop's schedule and makes a scheduled
// discovery do nothing.
func shipmentNotificationOn(sw activities.ShopSwitchesResult) bool {
	return sw.ShipmentNotification.AutoRun
}
