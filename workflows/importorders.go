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
	// AfterOrderID is set by a discovery that continued as new: this run
	// looks only at orders with a larger ecforce id (0 = from the start).
	AfterOrderID int64
	// Continued counts the runs of this discovery before this one.
	Continued int
}

// ImportContinuesChangeID is the workflow.GetVersion change with which a
// discovery that stopped at its cap (activities.MaxCandidatesPerRun or
// MaxLookupsPerRun) continues as new after the last order it looked at,
// instead of leaving the rest to the next scheduled run.
const ImportContinuesChangeID = "import-continues"

// ImportContinuesVersion is the version of ImportContinuesChangeID that
// continues.
const ImportContinuesVersion workflow.Version = 1

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
	// completed already (the workflow ID deduplicated them). Blocked ones
	// are counted in Blocked, not here.
	AlreadyHandled int
	// Blocked counts candidates whose import failed on something only a
	// person can fix (an unmapped SKU, several destinations, a code another
	// store holds) and is held until it is fixed.
	Blocked int
	// Waiting names what this run left waiting, by reason, with the first
	// few order numbers of each; reasons with no order are left out.
	Waiting []WaitingOrders
	// CodeTaken counts candidates whose LOGILESS code another store holds
	// (their imports fail with OrderCodeTaken).
	CodeTaken int
	// Truncated: the listing stopped before its end (see
	// activities.ListImportCandidatesResult); at ImportContinuesVersion the
	// discovery then goes on in a new run, so a result says so only for
	// runs recorded before it.
	Truncated bool
	// Continued counts the runs of this discovery before this one (each
	// continued as new after its cap).
	Continued int
	Disabled  bool
	// ChangesStarted lists the ChangeOrder runs the last run of the
	// discovery started (imported orders cancelled or paid since).
	ChangesStarted []string `json:",omitempty"`
}

// WaitingOrders are the orders a discovery left waiting for one reason.
type WaitingOrders struct {
	// Reason is WaitNotYetDue, WaitAlreadyInLogiless, WaitAlreadyHandled,
	// or "blocked:<ErrorType>" (blocked:UnmappedSKU,
	// blocked:MultipleDestinations, blocked:OrderCodeTaken).
	Reason string
	Count  int
	// Orders are the first activities.MaxNamedOrders 受注番号, with the
	// 発送予定日 for WaitNotYetDue ("EC00010009 (発送予定日 2026-12-03)").
	Orders []string
}

// The reasons of WaitingOrders besides the blocked ones.
const (
	// WaitNotYetDue: the 発送予定日 is tomorrow or later (JST) and the shop
	// imports only orders due today or earlier.
	WaitNotYetDue = "not-yet-due"
	// WaitAlreadyInLogiless: the sales order exists; nothing to do.
	WaitAlreadyInLogiless = "already-in-logiless"
	// WaitAlreadyHandled: the order's import is running or completed.
	WaitAlreadyHandled = "already-handled"
	// WaitBlocked, followed by the error type, is the reason of an order
	// whose import failed on what only a person can fix and is held.
	WaitBlocked = "blocked:"
)

// ImportOrders is one discovery run for a shop: read the shop's switches
// (a scheduled run while 受注取込を自動実行 is off ends there), list the
// candidates and start one ImportOrder per order with ID
// import-order/<shop>/<受注番号>. A listing that stopped at its cap says
// where; the discovery then continues as new from there, so every order of
// the window is looked at by one discovery however many there are.
// Re-scanning an overlapping window is safe: an order whose import has
// completed or is running is not started again, and one whose import failed
// (say, an unmapped SKU since fixed) is started anew.
func ImportOrders(ctx workflow.Context, in ImportOrdersInput) (ImportOrdersResult, error) {
	res := ImportOrdersResult{Shop: in.Shop, Continued: in.Continued}
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
		Shop: in.Shop, Now: workflow.Now(ctx), Scheduled: listScheduled, AfterOrderID: in.AfterOrderID,
	}).Get(ctx, &listed); err != nil {
		return res, fail(ctx, err)
	}
	res.Listed, res.NotYetDue, res.AlreadyInLogiless = listed.Listed, listed.NotYetDue, listed.AlreadyInLogiless
	res.Truncated, res.Disabled, res.CodeTaken = listed.Truncated, listed.Disabled, listed.CodeTaken
	if listed.Disabled { // only runs recorded before ShopSwitchesVersion
		_ = setOutcome(ctx, OutcomeDisabled)
		return res, nil
	}

	// One import per order; the imports outlive this run (see importRuns).
	runs := importRuns(in.Shop, listed.Candidates)
	var taken []int
	if res.Started, taken, err = startOrderRuns(ctx, in.Shop, FlowOrderImport, runs); err != nil {
		return res, fail(ctx, err)
	}
	res.AlreadyHandled, res.Blocked, res.Waiting = namedWaits(listed, taken)
	if next := listed.NextAfterOrderID; next > in.AfterOrderID &&
		workflow.GetVersion(ctx, ImportContinuesChangeID, workflow.DefaultVersion, ImportContinuesVersion) >= ImportContinuesVersion {
		// The imports of this run have started; the rest of the window
		// goes on in a fresh history.
		workflow.GetLogger(ctx).Info("discovery continues as new", "shop", in.Shop, "after_order_id", next,
			"started", len(res.Started), "continued", in.Continued)
		return res, workflow.NewContinueAsNewError(ctx, ImportOrders, ImportOrdersInput{
			Shop: in.Shop, Scheduled: in.Scheduled, AfterOrderID: next, Continued: in.Continued + 1,
		})
	}
	if workflow.GetVersion(ctx, OrderChangesChangeID, workflow.DefaultVersion, OrderChangesVersion) >= OrderChangesVersion {
		// Imported orders cancelled or paid in ecforce since: their sales
		// orders follow (one ChangeOrder each).
		if res.ChangesStarted, err = startOrderChanges(ctx, in.Shop, nil); err != nil {
			return res, fail(ctx, err)
		}
	}
	_ = setOutcome(ctx, OutcomeCompleted)
	return res, nil
}

// orderImportOn is the order import's on switch, 受注取込を自動実行: off
// pauses the shop's schedule and makes a scheduled discovery do nothing.
func orderImportOn(sw activities.ShopSwitchesResult) bool { return sw.OrderImport.AutoRun }

// namedWaits sorts what a discovery did not start by its real reason: the
// listing's not yet due and already in LOGILESS, and, of the candidates
// whose workflow ID was taken, the blocked ones (their failed import is
// held until a person fixes the cause) apart from those running or done.
func namedWaits(listed activities.ListImportCandidatesResult, taken []int) (handled, blocked int, waits []WaitingOrders) {
	var due []string
	for _, o := range listed.NotYetDueOrders {
		due = append(due, o.OrderNumber+" (発送予定日 "+o.Due+")")
	}
	add := func(reason string, count int, orders []string) {
		if count > 0 {
			waits = append(waits, WaitingOrders{Reason: reason, Count: count, Orders: orders})
		}
	}
	add(WaitNotYetDue, listed.NotYetDue, due)
	add(WaitAlreadyInLogiless, listed.AlreadyInLogiless, listed.AlreadyInLogilessOrders)

	byReason := map[string]*WaitingOrders{}
	var reasons []string
	for _, i := range taken {
		c := listed.Candidates[i]
		reason := WaitAlreadyHandled
		if b := c.BlockedBy(); b != "" {
			reason = WaitBlocked + b
			blocked++
		} else {
			handled++
		}
		w, ok := byReason[reason]
		if !ok {
			w = &WaitingOrders{Reason: reason}
			byReason[reason] = w
			reasons = append(reasons, reason)
		}
		w.Count++
		if len(w.Orders) < activities.MaxNamedOrders {
			w.Orders = append(w.Orders, c.OrderNumber)
		}
	}
	for _, r := range reasons {
		waits = append(waits, *byReason[r])
	}
	return handled, blocked, waits
}
