package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// ImportOrdersInput names the shop whose orders to discover.
type ImportOrdersInput struct {
	Shop string
	// Scheduled is set by the shop's Temporal Schedule; a scheduled run of
	// a shop whose 受注取込を自動実行 is off does nothing (see orderImportOn).
	Scheduled bool
}

// ImportOrdersResult counts what one discovery did. The imports themselves
// run on as their own workflows (children that outlive this run).
type ImportOrdersResult struct {
	Shop              string
	Listed            int
	NotYetDue         int
	AlreadyInLogiless int
	// Started lists the workflow IDs of the imports this run started.
	Started []string
	// AlreadyHandled counts candidates whose import is running or has
	// completed already (the workflow ID deduplicated them).
	AlreadyHandled int
	Truncated      bool
	Disabled       bool
}

// ImportOrders is one discovery run for a shop: read the shop's switches
// (a scheduled run while 受注取込を自動実行 is off ends there), list the
// candidates and start one ImportOrder per order with ID
// import-order/<shop>/<受注番号>.
// Re-scanning an overlapping window is safe: an order whose import has
// completed or is running is not started again, and one whose import failed
// (say, an unmapped SKU since fixed) is started anew.
func ImportOrders(ctx workflow.Context, in ImportOrdersInput) (ImportOrdersResult, error) {
	res := ImportOrdersResult{Shop: in.Shop}
	if err := markRunning(ctx, in.Shop, FlowOrderImport); err != nil {
		return res, err
	}

	off, listScheduled, err := scheduledRunOff(ctx, in.Shop, in.Scheduled, orderImportOn)
	if err != nil {
		return res, fail(ctx, err)
	}
	if off {
		res.Disabled = true
		return res, nil
	}

	var a *activities.OrderImport
	var listed activities.ListImportCandidatesResult
	doing(ctx, "listing the ecforce orders to import")
	if err := workflow.ExecuteActivity(step(ctx, listingActivityOptions, stepListImports), a.ListImportCandidates, activities.ListImportCandidatesInput{
		Shop: in.Shop, Now: workflow.Now(ctx), Scheduled: listScheduled,
	}).Get(ctx, &listed); err != nil {
		return res, fail(ctx, err)
	}
	res.Listed, res.NotYetDue, res.AlreadyInLogiless = listed.Listed, listed.NotYetDue, listed.AlreadyInLogiless
	res.Truncated, res.Disabled = listed.Truncated, listed.Disabled
	if listed.Disabled { // only runs recorded before ShopSwitchesVersion
		_ = setOutcome(ctx, OutcomeDisabled)
		return res, nil
	}

	// One import per order; the imports outlive this run. A failed import
	// is run again by the next scan, unless the order still has an
	// unmapped SKU: then it would only fail again, so its import runs once
	// (and fails, visibly) and is left until the mapping table covers it.
	runs := make([]orderRun, len(listed.Candidates))
	for i, c := range listed.Candidates {
		runs[i] = orderRun{
			id: ImportOrderID(in.Shop, c.OrderNumber), orderNumber: c.OrderNumber, rejectAfterFailure: c.Unmapped,
			workflow: ImportOrder,
			input:    ImportOrderInput{Shop: in.Shop, OrderNumber: c.OrderNumber, OrderID: c.OrderID, CodeLookup: c.CodeLookup},
		}
	}
	if res.Started, res.AlreadyHandled, err = startOrderRuns(ctx, in.Shop, FlowOrderImport, runs); err != nil {
		return res, fail(ctx, err)
	}
	_ = setOutcome(ctx, OutcomeCompleted)
	return res, nil
}

// orderImportOn is the order import's on switch, 受注取込を自動実行: off
// pauses the shop's schedule and makes a scheduled discovery do nothing.
func orderImportOn(sw activities.ShopSwitchesResult) bool { return sw.OrderImport.AutoRun }
