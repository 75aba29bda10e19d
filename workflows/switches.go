package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// ShopSwitchesChangeID is the workflow.GetVersion change with which every
// workflow reads the shop's switches from one explicit step, the
// ShopSwitches activity, at its start, and branches on them itself.
// Runs recorded before it (workflow.DefaultVersion) go on as they did: the
// listing and planning activities decide whether a scheduled run is off,
// and the per-order workflows branch on the settings their first
// activity's result carries.
const ShopSwitchesChangeID = "shop-switches"

// ShopSwitchesVersion is the version of ShopSwitchesChangeID that reads
// the switches.
const ShopSwitchesVersion workflow.Version = 1

// readShopSwitches runs the ShopSwitches step for runs at
// ShopSwitchesVersion or later. For runs recorded before it, fromSwitches
// is false and nothing runs.
func readShopSwitches(ctx workflow.Context, shop string) (sw activities.ShopSwitchesResult, fromSwitches bool, err error) {
	if workflow.GetVersion(ctx, ShopSwitchesChangeID, workflow.DefaultVersion, ShopSwitchesVersion) == workflow.DefaultVersion {
		return sw, false, nil
	}
	var a *activities.Switches
	err = workflow.ExecuteActivity(step(ctx, workerStateOptions, stepShopSwitches), a.ShopSwitches,
		activities.ShopSwitchesInput{Shop: shop}).Get(ctx, &sw)
	return sw, true, err
}

// scheduledRunOff reads the shop's switches at the start of a scheduled
// flow (a discovery or a stock sync) and decides whether this run does
// nothing: a run a schedule started while the flow's switch is off. Such a
// run's outcome is set to disabled here. A run started by hand always goes
// on; an operator asked for it.
//
// activityScheduled is the Scheduled flag for the flow's first activity:
// runs recorded before ShopSwitchesVersion pass the run's own flag and let
// that activity decide, as they did; newer runs have decided here and pass
// false.
func scheduledRunOff(ctx workflow.Context, shop string, scheduled bool, on func(activities.ShopSwitchesResult) bool) (off, activityScheduled bool, err error) {
	sw, fromSwitches, err := readShopSwitches(ctx, shop)
	if err != nil || !fromSwitches {
		return false, scheduled, err
	}
	if scheduled && !on(sw) {
		_ = setOutcome(ctx, OutcomeDisabled)
		return true, false, nil
	}
	return false, false, nil
}
