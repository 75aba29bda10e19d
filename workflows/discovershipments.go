package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/ecforce"
)

// DiscoverShipments is a shop's shipment discovery loop, ID
// discover-shipments/<shop>: every shipment_notification.interval (and at
// once on DiscoverNowSignal) it lists the store's LOGILESS orders that
// became Shipped since its watermark (activities.ListShipmentChanges) and
// starts one NotifyShipment per new candidate exactly as NotifyShipments
// does. A discovery with nothing new costs one LOGILESS call. Orders
// waiting for an operator (a failed capture fixed in ecforce) are noticed
// by the hourly sweep, NotifyShipments. It does nothing while 出荷通知を自動
// 実行 is off or the shop's shipment-notification schedule is paused.
func DiscoverShipments(ctx workflow.Context, in DiscoveryInput) error {
	return runDiscoveryLoop(ctx, in, discoveryFlow{
		flow: FlowShipmentNotification, workflow: DiscoverShipments, on: shipmentNotificationOn,
		interval: func(g activities.DiscoveryGateResult) time.Duration { return g.ShipmentNotificationInterval },
		discover: discoverShipments,
	})
}

// discoverShipments is one discovery of DiscoverShipments.
func discoverShipments(ctx workflow.Context, shop string, state *DiscoveryState, _ []DiscoverNow) (bool, error) {
	now := workflow.Now(ctx)
	var a *activities.ShipmentNotification
	var res activities.ListShipmentChangesResult
	doing(ctx, "listing the LOGILESS orders shipped since %s", state.Watermark.In(ecforce.JST).Format(time.DateTime))
	if err := workflow.ExecuteActivity(step(ctx, listingActivityOptions, stepListShipments), a.ListShipmentChanges, activities.ListShipmentChangesInput{
		Shop: shop, Now: now, Watermark: state.Watermark, Recent: state.Recent,
	}).Get(ctx, &res); err != nil {
		return false, err
	}
	state.Watermark, state.Recent = res.Watermark, res.Recent
	started, taken, err := startOrderRuns(ctx, shop, FlowShipmentNotification, notifyRuns(shop, res.Candidates))
	if err != nil {
		return false, err
	}
	doing(ctx, "discovery %d at %s: %d shipped, %d started, %d already handled, %d already in ecforce, %d waiting for an operator; watermark %s",
		state.Discoveries+1, now.In(ecforce.JST).Format(time.DateTime), res.Listed, len(started), len(taken),
		res.AlreadyInEcforce, res.WaitingForOperator, state.Watermark.In(ecforce.JST).Format(time.DateTime))
	return false, nil
}

// notifyRuns are the NotifyShipment runs of a discovery's candidates.
func notifyRuns(shop string, candidates []activities.ShipmentCandidate) []orderRun {
	runs := make([]orderRun, len(candidates))
	for i, c := range candidates {
		runs[i] = orderRun{
			id: NotifyShipmentID(shop, c.OrderNumber), orderNumber: c.OrderNumber,
			workflow: NotifyShipment,
			input:    NotifyShipmentInput{Shop: shop, OrderNumber: c.OrderNumber, SalesOrderID: c.SalesOrderID},
		}
	}
	return runs
}
