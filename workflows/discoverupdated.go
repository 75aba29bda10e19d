package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// handleUpdatedOrders receives, from each DiscoverOrders discovery, the
// ecforce orders updated since the watermark that the discovery did not
// hand to an import: cancelled, edited, paid or shipped orders, and orders
// LOGILESS holds already (UpdatedOrder.InLogiless). Their orders wait in
// the worker's OrderCache. It does nothing yet: the steps that follow an
// imported order's changes (cancellations, edits, payments) go here, each
// behind its own workflow.GetVersion change ID, since adding commands here
// changes the loop's history.
func handleUpdatedOrders(_ workflow.Context, _ string, _ []activities.UpdatedOrder) error {
	return nil
}
