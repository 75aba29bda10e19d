package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// ImportOrdersInput names the shop whose orders to discover.
type ImportOrdersInput struct {
	Shop string
	// Scheduled is set by the shop's Temporal Schedule; a scheduled run of
	// a shop whose 受注取込を自動実行 is off does nothing.
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

// ImportOrders is one discovery run for a shop: list the candidates and
// start one ImportOrder per order with ID import-order/<shop>/<受注番号>.
// Re-scanning an overlapping window is safe: an order whose import has
// completed or is running is not started again, and one whose import failed
// (say, an unmapped SKU since fixed) is started anew.
func ImportOrders(ctx workflow.Context, in ImportOrdersInput) (ImportOrdersResult, error) {
	res := ImportOrdersResult{Shop: in.Shop}
	if err := markRunning(ctx, in.Shop, FlowOrderImport); err != nil {
		return res, err
	}

	var a *activities.OrderImport
	listCtx := workflow.WithActivityOptions(ctx, listingActivityOptions)
	var listed activities.ListImportCandidatesResult
	if err := workflow.ExecuteActivity(listCtx, a.ListImportCandidates, activities.ListImportCandidatesInput{
		Shop: in.Shop, Now: workflow.Now(ctx), Scheduled: in.Scheduled,
	}).Get(ctx, &listed); err != nil {
		return res, fail(ctx, err)
	}
	res.Listed, res.NotYetDue, res.AlreadyInLogiless = listed.Listed, listed.NotYetDue, listed.AlreadyInLogiless
	res.Truncated, res.Disabled = listed.Truncated, listed.Disabled
	if listed.Disabled {
		_ = workflow.UpsertTypedSearchAttributes(ctx, OutcomeAttribute.ValueSet(OutcomeDisabled))
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
	var err error
	if res.Started, res.AlreadyHandled, err = startOrderRuns(ctx, in.Shop, FlowOrderImport, runs); err != nil {
		return res, fail(ctx, err)
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, OutcomeAttribute.ValueSet(OutcomeCompleted))
	return res, nil
}
