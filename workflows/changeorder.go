package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/orderchange"
)

// ChangeOrderWorkflowName is the type name of the run that makes an
// imported order's LOGILESS sales order follow a change in ecforce (a
// cancellation, a payment completed later).
const ChangeOrderWorkflowName = "ChangeOrder"

// FlowOrderChange is the ConnectorFlow value of ChangeOrder runs. They are
// started by the order import's discovery (and by webhooks), not by a
// schedule of their own.
const FlowOrderChange = "order-change"

// OrderChangeID is the workflow ID of the change run of one order:
// order-change/<shop>/<受注番号>. One runs at a time per order; a later
// change of the same order (paid, then cancelled) starts a new run under
// the same ID once the earlier one has completed.
func OrderChangeID(shop, orderNumber string) string {
	return "order-change/" + shop + "/" + orderNumber
}

// Outcome values of a ChangeOrder run (besides running, failed and
// blocked:CancelTooLate).
const (
	// OutcomeCancelledInLogiless: the run cancelled the sales order
	// (reversal); its stock is free again.
	OutcomeCancelledInLogiless = "cancelled-in-logiless"
	// OutcomePaymentUpdated: the run wrote the payment completed in
	// ecforce to the sales order's payment statuses.
	OutcomePaymentUpdated = "payment-updated"
	// OutcomeNoChange: nothing to change (never imported, cancelled
	// already, sync_cancellations off, the payment already there).
	OutcomeNoChange = "no-change"
)

// ChangeOrderInput names one order of one shop.
type ChangeOrderInput struct {
	Shop        string
	OrderNumber string // 受注番号
	// OrderID is ecforce's id, 0 when only the number is known.
	OrderID int64
}

// ChangeOrderResult says what the run did.
type ChangeOrderResult struct {
	Shop           string
	OrderNumber    string
	SalesOrderID   int64
	SalesOrderCode string
	// Action is the orderchange.Action applied (or none), Reason why.
	Action  string
	Reason  string
	Outcome string
}

// ChangeOrder makes one imported order's LOGILESS sales order follow its
// ecforce order: read both and decide (package orderchange), then apply the
// decision once. A cancellation is a reversal while the warehouse has not
// started; once it has, the run waits as blocked:CancelTooLate and, woken
// (the next discovery, a webhook, `starter wake`), tries again, so it
// cancels the order when the warehouse moves it back. A payment completed
// later is written to the sales order's payment statuses. An order never
// imported needs nothing: it ends with no-change.
func ChangeOrder(ctx workflow.Context, in ChangeOrderInput) (ChangeOrderResult, error) {
	ctx = restartable(ctx, ChangeOrder, in)
	res := ChangeOrderResult{Shop: in.Shop, OrderNumber: in.OrderNumber, Outcome: OutcomeNoChange}
	if err := markOrderRunning(ctx, in.Shop, in.OrderNumber, FlowOrderChange); err != nil {
		return res, err
	}
	var a *activities.OrderImport

	var read activities.OrderChangeResult
	doing(ctx, "reading %s in ecforce and LOGILESS", in.OrderNumber)
	if err := workflow.ExecuteActivity(step(ctx, orderStepOptions, stepReadOrderChange), a.ReadOrderChange, activities.OrderChangeInput{
		Shop: in.Shop, OrderNumber: in.OrderNumber, OrderID: in.OrderID,
	}).Get(ctx, &read); err != nil {
		return res, fail(ctx, err)
	}
	res.SalesOrderID, res.SalesOrderCode, res.Action, res.Reason = read.SalesOrderID, read.SalesOrderCode, read.Action, read.Reason
	if read.SalesOrderID != 0 && read.Action != string(orderchange.None) {
		var applied activities.OrderChangeResult
		doing(ctx, "%s: %s", read.Action, read.Reason)
		err := untilUnblocked(ctx, func(ctx workflow.Context) error {
			return workflow.ExecuteActivity(step(ctx, orderStepOptions, stepApplyOrderChange), a.ApplyOrderChange, activities.OrderChangeInput{
				Shop: in.Shop, OrderNumber: in.OrderNumber, OrderID: read.OrderID, SalesOrderID: read.SalesOrderID,
			}).Get(ctx, &applied)
		})
		if err != nil {
			return res, fail(ctx, err)
		}
		res.SalesOrderCode, res.Action, res.Reason = applied.SalesOrderCode, applied.Action, applied.Reason
		switch {
		case applied.Applied && applied.Action == string(orderchange.Reverse):
			res.Outcome = OutcomeCancelledInLogiless
		case applied.Applied && applied.Action == string(orderchange.UpdatePayment):
			res.Outcome = OutcomePaymentUpdated
		}
	}
	doing(ctx, "%s: %s", res.Outcome, res.Reason)
	if err := setOutcome(ctx, res.Outcome); err != nil {
		return res, err
	}
	return res, nil
}

// OrderRunStart is what a caller outside a workflow (the webhook receiver)
// needs to start one order's ChangeOrder run: ExecuteWorkflow with
// StartWorkflowOptions{ID, TaskQueue (the caller's), WorkflowIDReusePolicy:
// ReusePolicy, TypedSearchAttributes: SearchAttributes, StaticSummary:
// Summary}, Workflow and Input. When the ID is running already (a blocked
// run), signal it WakeSignal instead: it reads both orders again.
type OrderRunStart struct {
	ID               string
	WorkflowType     string
	Workflow         any
	Input            ChangeOrderInput
	ReusePolicy      enumspb.WorkflowIdReusePolicy
	SearchAttributes temporal.SearchAttributes
	Summary          string
}

// OrderChangeStart is the start of the ChangeOrder run of one order
// (orderID may be 0: the run finds the order by number). Starting it for an
// order that was never imported is harmless: the run reads the order and
// LOGILESS once and ends with no-change.
func OrderChangeStart(shop, orderNumber string, orderID int64) OrderRunStart {
	return OrderRunStart{
		ID:           OrderChangeID(shop, orderNumber),
		WorkflowType: ChangeOrderWorkflowName,
		Workflow:     ChangeOrder,
		Input:        ChangeOrderInput{Shop: shop, OrderNumber: orderNumber, OrderID: orderID},
		ReusePolicy:  enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		SearchAttributes: temporal.NewSearchAttributes(
			ShopAttribute.ValueSet(shop),
			OrderNumberAttribute.ValueSet(orderNumber),
			FlowAttribute.ValueSet(FlowOrderChange),
		),
		Summary: RunSummary(FlowOrderChange, shop, orderNumber),
	}
}

// OrderChangesChangeID is the workflow.GetVersion change with which an
// order discovery, as its last step, starts a ChangeOrder run for each
// imported order cancelled or paid in ecforce since (FindOrderChanges).
const OrderChangesChangeID = "order-changes"

// OrderChangesVersion is the version of OrderChangesChangeID that starts
// them.
const OrderChangesVersion workflow.Version = 1

// startOrderChanges finds the shop's imported orders whose sales orders
// must follow a change in ecforce and starts one ChangeOrder run each; a
// run already running (blocked) is woken instead, unless the listing still
// sees it too late. orders, when not empty, are the orders to look at (an
// incremental discovery's updated orders); otherwise ecforce is listed for
// the look-back window. It returns the IDs it started.
func startOrderChanges(ctx workflow.Context, shop string, orders []activities.ChangedOrder) ([]string, error) {
	var a *activities.OrderImport
	var found activities.FindOrderChangesResult
	doing(ctx, "looking for imported orders cancelled or paid in ecforce")
	if err := workflow.ExecuteActivity(step(ctx, listingActivityOptions, stepFindOrderChanges), a.FindOrderChanges, activities.FindOrderChangesInput{
		Shop: shop, Now: workflow.Now(ctx), Orders: orders,
	}).Get(ctx, &found); err != nil {
		return nil, err
	}
	runs := make([]orderRun, len(found.Candidates))
	for i, c := range found.Candidates {
		runs[i] = changeOrderRun(shop, c.OrderNumber, c.OrderID, c.Action == string(orderchange.CancelTooLate))
	}
	started, _, err := startOrderRuns(ctx, shop, FlowOrderChange, runs)
	return started, err
}

// changeOrderRun is the ChangeOrder run of one order, started again after
// a completed one; stillBlocked leaves a running one asleep (the caller
// still sees it too late to cancel).
func changeOrderRun(shop, orderNumber string, orderID int64, stillBlocked bool) orderRun {
	return orderRun{
		id: OrderChangeID(shop, orderNumber), orderNumber: orderNumber, againAfterCompletion: true, stillBlocked: stillBlocked,
		workflow: ChangeOrder, input: ChangeOrderInput{Shop: shop, OrderNumber: orderNumber, OrderID: orderID},
	}
}

// UpdatedOrderChangesChangeID is the workflow.GetVersion change with which
// a DiscoverOrders tick starts a ChangeOrder run for each of its updated
// orders that was cancelled or paid (and was imported).
const UpdatedOrderChangesChangeID = "updated-order-changes"

// UpdatedOrderChangesVersion is the version of UpdatedOrderChangesChangeID
// that starts them.
const UpdatedOrderChangesVersion workflow.Version = 1

// startUpdatedOrderChanges starts the ChangeOrder runs of a discovery
// tick's updated orders: those cancelled or with a payment are looked up in
// LOGILESS (no extra ecforce call: the loop listed them), and the imported
// ones whose sales order must follow get a run. A tick without such orders
// issues no command.
func startUpdatedOrderChanges(ctx workflow.Context, shop string, updated []activities.UpdatedOrder) error {
	var orders []activities.ChangedOrder
	for _, u := range updated {
		// sync_cancellations is the activity's to apply; here only what
		// can never need a change is left out.
		if orderchange.Interesting(orderchange.Ecforce{State: u.State, PaymentState: u.PaymentState}, orderchange.Settings{SyncCancellations: true}) {
			orders = append(orders, activities.ChangedOrder{OrderID: u.OrderID, OrderNumber: u.OrderNumber, State: u.State, PaymentState: u.PaymentState})
		}
	}
	if len(orders) == 0 ||
		workflow.GetVersion(ctx, UpdatedOrderChangesChangeID, workflow.DefaultVersion, UpdatedOrderChangesVersion) < UpdatedOrderChangesVersion {
		return nil
	}
	started, err := startOrderChanges(ctx, shop, orders)
	if len(started) > 0 {
		workflow.GetLogger(ctx).Info("order changes started", "shop", shop, "runs", len(started))
	}
	return err
}
