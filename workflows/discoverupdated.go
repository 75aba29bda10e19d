package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// handleUpdatedOrders receives, from each DiscoverOrders discovery, the
// ecforce orders updated since the watermark that the discovery did not
// hand to an import: cancelled, edited, paid or shipped orders, and orders
// LOGILESS holds already (UpdatedOrder.InLogiless). Their orders wait in
// the worker's OrderCache. The steps that follow an imported order's
// changes (cancellations and payments: startUpdatedOrderChanges; edits) go
// here, each behind its own workflow.GetVersion change ID, since adding
// commands here changes the loop's history.
func handleUpdatedOrders(ctx workflow.Context, shop string, updated []activities.UpdatedOrder) error {
	// Cancellations and payments completed later (issue 13 §1, §3):
	// one ChangeOrder run per imported order that must follow.
	if err := startUpdatedOrderChanges(ctx, shop, updated); err != nil {
		return err
	}
	return nil
}
