package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/salesorder"
)

// OrderEditsChangeID is the workflow.GetVersion change with which a
// discovery starts, or wakes, the EditOrder run of every imported order
// ecforce updated. It is asked only when there is such an order, so
// histories without one replay unchanged.
const OrderEditsChangeID = "order-edits"

// OrderEditsVersion is the version of OrderEditsChangeID that starts them.
const OrderEditsVersion workflow.Version = 1

// EditsComparedChangeID is the workflow.GetVersion change with which a
// discovery starts no EditOrder run for an order LOGILESS holds whose copy,
// as the listing's code search returned it, already agrees with the
// ecforce order (activities.UpdatedOrder.Unedited): a fresh loop's first
// listing, or an update that changes nothing the import sends, costs no
// pass. It is asked only when there is such an order.
const EditsComparedChangeID = "edits-compared"

// EditsComparedVersion is the version of EditsComparedChangeID that
// leaves them out.
const EditsComparedVersion workflow.Version = 1

// handleUpdatedOrders receives, from each DiscoverOrders discovery, the
// ecforce orders updated since the watermark that the discovery did not
// hand to an import: cancelled, edited, paid or shipped orders, and orders
// LOGILESS holds already (UpdatedOrder.InLogiless). Their orders wait in
// the worker's OrderCache. The steps that follow an imported order's
// changes (cancellations and payments: startUpdatedOrderChanges; edits) go here, each behind its own
// workflow.GetVersion change ID, since adding commands here changes the
// loop's history.
//
// Edits: every order LOGILESS holds that is not cancelled gets its
// EditOrder run started or woken (one pass compares both sides), unless
// the listing already found LOGILESS's copy in agreement (EditsComparedVersion).
//
// With followImported (OwnWritesVersion), orders in
// order_import.imported_state (UpdatedOrder.Imported) get theirs too: the
// orders updated only by the import's own write are already left out.
func handleUpdatedOrders(ctx workflow.Context, shop string, updated []activities.UpdatedOrder, followImported bool) error {
	// Cancellations and payments completed later (issue 13 §1, §3):
	// one ChangeOrder run per imported order that must follow.
	if err := startUpdatedOrderChanges(ctx, shop, updated); err != nil {
		return err
	}
	compared := false
	for _, u := range updated {
		compared = compared || (u.InLogiless && u.Unedited)
	}
	compared = compared && workflow.GetVersion(ctx, EditsComparedChangeID, workflow.DefaultVersion, EditsComparedVersion) >= EditsComparedVersion
	var runs []orderRun
	for _, u := range updated {
		if compared && u.InLogiless && u.Unedited {
			continue // the listing found LOGILESS in agreement
		}
		if (u.InLogiless || (followImported && u.Imported)) && u.State != salesorder.StateCanceled {
			runs = append(runs, editOrderRun(shop, u.OrderNumber, u.OrderID))
		}
	}
	if len(runs) == 0 || workflow.GetVersion(ctx, OrderEditsChangeID, workflow.DefaultVersion, OrderEditsVersion) < OrderEditsVersion {
		return nil
	}
	_, _, err := startOrderRuns(ctx, shop, FlowOrderImport, runs)
	return err
}
