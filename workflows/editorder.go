package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// EditOrderWorkflowName is the workflow type of an imported order's edits.
const EditOrderWorkflowName = "EditOrder"

// EditOrderID is the workflow ID of the edits of one imported ecforce
// order: edit-order/<shop>/<受注番号>. One run per order carries every
// edit over to LOGILESS in order and remembers the connector's last write.
func EditOrderID(shop, orderNumber string) string {
	return "edit-order/" + shop + "/" + orderNumber
}

// Outcomes of EditOrder besides running, blocked:EditNeedsOperator and
// failed.
const (
	// OutcomeEdited: the last pass changed the LOGILESS sales order; the
	// run waits for the next edit.
	OutcomeEdited = "edited"
	// OutcomeUpToDate: LOGILESS already agreed with ecforce; the run
	// waits for the next edit.
	OutcomeUpToDate = "up-to-date"
	// OutcomeEditsClosed: the LOGILESS order is shipped or cancelled (or
	// the ecforce order cancelled), or it was never imported; the run ended.
	OutcomeEditsClosed = "edits-closed"
)

// editOrderRun is the EditOrder run a discovery of updated orders starts,
// or wakes when it is running, for an imported order ecforce updated:
// startOrderRuns(ctx, shop, FlowOrderImport, runs) with one per order.
func editOrderRun(shop, orderNumber string, orderID int64) orderRun {
	return orderRun{
		id: EditOrderID(shop, orderNumber), orderNumber: orderNumber, againAfterCompletion: true,
		workflow: EditOrder, input: EditOrderInput{Shop: shop, OrderNumber: orderNumber, OrderID: orderID},
	}
}

// editIdleCheck is how long a run waits for the next edit before it looks
// once at both sides anyway (an order shipped without a later edit ends
// its run there).
const editIdleCheck = 7 * 24 * time.Hour

// editPassesPerRun bounds a run's history: after this many passes it
// continues as new with what it remembers.
const editPassesPerRun = 20

// EditOrderInput names the order. SalesOrderID and LastWrite are what the
// run remembers across continue-as-new; a new run leaves them zero.
type EditOrderInput struct {
	Shop        string
	OrderNumber string // 受注番号
	OrderID     int64  // ecforce id, 0 when only the number is known
	// SalesOrderID is the LOGILESS id found by an earlier pass.
	SalesOrderID int64
	// LastWrite is the updated_at LOGILESS answered to the connector's
	// last change of the order: a later updated_at is a change made in
	// LOGILESS, which an edit never overwrites.
	LastWrite time.Time
}

// EditOrderResult says what the run did over its passes: field names and
// article codes, never values.
type EditOrderResult struct {
	Shop         string
	OrderNumber  string
	SalesOrderID int64
	Passes       int
	Updated      []string // LOGILESS keys changed by PUT, in order
	Reversed     []string // article codes of reversed lines
	Outcome      string
}

// EditOrder carries the edits of an imported ecforce order over to its
// LOGILESS sales order, one pass per wake: each pass (ApplyOrderEdit)
// compares what the import would send now with what LOGILESS holds and
// sends the difference (PUT sales_orders/{id}, line reversal), or waits as
// blocked:EditNeedsOperator naming the fields a person must handle: the
// warehouse works on the order, LOGILESS changed it after the connector's
// last write, a field PUT cannot change (buyer_comment), a line added or
// changed. Between passes it waits for WakeSignal (a discovery of the
// order's update, `starter edit-order`, `starter wake`), or looks once
// after editIdleCheck; it ends when the order is shipped or cancelled.
//
// The connector's last write lives in this run's state (and the input it
// continues as new with): it matters only while the order can still be
// edited, which is exactly as long as the run lives, and it is recorded
// in the same history as the pass that wrote it.
func EditOrder(ctx workflow.Context, in EditOrderInput) (EditOrderResult, error) {
	res := EditOrderResult{Shop: in.Shop, OrderNumber: in.OrderNumber}
	if err := markOrderRunning(ctx, in.Shop, in.OrderNumber, FlowOrderImport); err != nil {
		return res, err
	}
	// A long block continues as new with in as it is then (by type name:
	// a pointer, so the passes' updates go with it).
	ctx = restartable(ctx, EditOrderWorkflowName, &in)
	wake := workflow.GetSignalChannel(ctx, WakeSignal)
	var a *activities.OrderImport
	for {
		var pass activities.ApplyOrderEditResult
		// This pass reads both sides as they are now: the wakes already
		// queued (the start's own, a burst) are served by it.
		for wake.ReceiveAsync(nil) {
		}
		doing(ctx, "comparing order %s with its LOGILESS 受注伝票", in.OrderNumber)
		err := untilUnblocked(ctx, func(ctx workflow.Context) error {
			err := workflow.ExecuteActivity(step(ctx, orderStepOptions, stepApplyOrderEdit), a.ApplyOrderEdit, activities.ApplyOrderEditInput{
				Shop: in.Shop, OrderNumber: in.OrderNumber, OrderID: in.OrderID,
				SalesOrderID: in.SalesOrderID, LastWrite: in.LastWrite,
			}).Get(ctx, &pass)
			if err != nil {
				return err
			}
			if pass.SalesOrderID != 0 {
				in.SalesOrderID = pass.SalesOrderID
			}
			if pass.LastWrite.After(in.LastWrite) {
				in.LastWrite = pass.LastWrite
			}
			res.Updated = append(res.Updated, pass.Updated...)
			res.Reversed = append(res.Reversed, pass.Reversed...)
			if pass.Blocked != "" {
				return temporal.NewNonRetryableApplicationError(pass.Blocked, activities.ErrTypeEditNeedsOperator, nil)
			}
			return nil
		})
		res.Passes++
		res.SalesOrderID = in.SalesOrderID
		if err != nil {
			return res, fail(ctx, err)
		}
		if pass.Closed || pass.NotImported {
			res.Outcome = OutcomeEditsClosed
			doing(ctx, "nothing more to carry over: the order is shipped or cancelled, or not in LOGILESS")
			return res, setOutcome(ctx, res.Outcome)
		}
		res.Outcome = OutcomeUpToDate
		if len(pass.Updated)+len(pass.Reversed) > 0 {
			res.Outcome = OutcomeEdited
		}
		if err := setOutcome(ctx, res.Outcome); err != nil {
			return res, err
		}
		if res.Passes >= editPassesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return res, workflow.NewContinueAsNewError(ctx, EditOrder, in)
		}
		doing(ctx, "%s at %s; waiting for the next edit of %s in ecforce", res.Outcome, jstClock(ctx), in.OrderNumber)
		waitForEdit(ctx, wake)
	}
}

// waitForEdit blocks until a wake (taking every wake already queued with
// it) or editIdleCheck.
func waitForEdit(ctx workflow.Context, wake workflow.ReceiveChannel) {
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(wake, func(c workflow.ReceiveChannel, _ bool) {
		var in WakeInput
		c.Receive(ctx, &in)
		for c.ReceiveAsync(&in) {
		}
	})
	sel.AddFuture(workflow.NewTimer(timerCtx, editIdleCheck), func(workflow.Future) {})
	sel.Select(ctx)
}
