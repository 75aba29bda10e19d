package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/ecforce"
)

// DiscoverOrders is a shop's order discovery loop, ID
// discover-orders/<shop>: every order_import.interval (and at once on
// DiscoverNowSignal) it lists the ecforce orders updated since its
// watermark (activities.ListOrderChanges), re-reads by id the orders whose
// 発送予定日 has come, and starts one ImportOrder per new candidate exactly
// as ImportOrders does. A discovery with nothing new costs one ecforce call.
// The orders updated but not imported go to handleUpdatedOrders. It does
// nothing while 受注取込を自動実行 is off or the shop's order-import schedule
// is paused. It never fails: a failed discovery is tried again at the next
// tick, from the same watermark.
func DiscoverOrders(ctx workflow.Context, in DiscoveryInput) error {
	return runDiscoveryLoop(ctx, in, discoveryFlow{
		flow: FlowOrderImport, workflow: DiscoverOrders, on: orderImportOn,
		interval: func(g activities.DiscoveryGateResult) time.Duration { return g.OrderImportInterval },
		discover: discoverOrders,
	})
}

// discoverOrders is one discovery of DiscoverOrders.
func discoverOrders(ctx workflow.Context, shop string, state *DiscoveryState, named []DiscoverNow) (bool, error) {
	now := workflow.Now(ctx)
	today := now.In(ecforce.JST).Format(time.DateOnly)
	var dueIDs []int64
	var waiting []activities.DueOrder
	for _, w := range state.Waiting {
		if w.Due <= today && len(dueIDs) < 100 {
			dueIDs = append(dueIDs, w.OrderID)
			continue
		}
		waiting = append(waiting, w)
	}
	var a *activities.OrderImport
	var res activities.ListOrderChangesResult
	doing(ctx, "listing the ecforce orders changed since %s", state.Watermark.In(ecforce.JST).Format(time.DateTime))
	if err := workflow.ExecuteActivity(step(ctx, listingActivityOptions, stepListImports), a.ListOrderChanges, activities.ListOrderChangesInput{
		Shop: shop, Now: now, Watermark: state.Watermark, Recent: state.Recent, ByID: state.ByID,
		AfterOrderID: state.AfterOrderID, Due: dueIDs, Named: namedOrders(named),
	}).Get(ctx, &res); err != nil {
		return false, err
	}
	state.Watermark, state.Recent, state.ByID, state.AfterOrderID = res.Watermark, res.Recent, res.ByID, res.AfterOrderID
	known := map[int64]bool{}
	for _, w := range waiting {
		known[w.OrderID] = true
	}
	for _, w := range res.Waiting {
		if !known[w.OrderID] && len(waiting) < MaxWaitingOrders {
			known[w.OrderID] = true
			waiting = append(waiting, w)
		}
	}
	state.Waiting = waiting

	started, taken, err := startOrderRuns(ctx, shop, FlowOrderImport, importRuns(shop, res.Candidates))
	if err != nil {
		return false, err
	}
	handled, blocked, _ := namedWaits(res.ListImportCandidatesResult, taken)
	updated, followImported := leaveOutOwnWrites(ctx, state, res.Updated)
	if err := handleUpdatedOrders(ctx, shop, updated, followImported); err != nil {
		return false, err
	}
	doing(ctx, "discovery %d at %s: %d changed, %d started, %d already handled, %d blocked, %d waiting for their day, %d updated; watermark %s",
		state.Discoveries+1, now.In(ecforce.JST).Format(time.DateTime), res.Listed, len(started), handled, blocked,
		len(state.Waiting), len(updated), state.Watermark.In(ecforce.JST).Format(time.DateTime))
	return res.More, nil
}

// importRuns are the ImportOrder runs of a discovery's candidates. A
// failed import is run again by a later discovery, unless only a person
// can fix it (an unmapped SKU, several destinations, a code another store
// holds): then it would only fail again, so it runs once (and fails,
// visibly) and is left until the cause is gone.
func importRuns(shop string, candidates []activities.ImportCandidate) []orderRun {
	runs := make([]orderRun, len(candidates))
	for i, c := range candidates {
		runs[i] = orderRun{
			id: ImportOrderID(shop, c.OrderNumber), orderNumber: c.OrderNumber, rejectAfterFailure: c.RunsOnce(),
			workflow: ImportOrder,
			input:    ImportOrderInput{Shop: shop, OrderNumber: c.OrderNumber, OrderID: c.OrderID, CodeLookup: c.CodeLookup},
		}
	}
	return runs
}
