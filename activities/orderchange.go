package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/orderchange"
	"github.com/ecforce-logiless/connector/salesorder"
)

// The order change after the import (issue 13 §1 and §3): an imported order
// cancelled in ecforce is cancelled in LOGILESS, a payment completed later
// is written to its sales order. The rules are package orderchange's; the
// activities here read both sides fresh and apply what the rules say.

// orderChangeLogiless is what the order change calls on LOGILESS besides
// the code search.
type orderChangeLogiless interface {
	GetSalesOrder(ctx context.Context, id int64) (logiless.SalesOrder, error)
	ReverseSalesOrder(ctx context.Context, id int64, clearsCode bool) (logiless.SalesOrder, error)
	UpdateSalesOrder(ctx context.Context, id int64, u logiless.SalesOrderUpdate) (logiless.SalesOrder, error)
}

// OrderChangeInput names one imported order of one shop. SalesOrderID, once
// known, is the LOGILESS id to act on: a reversal with clears_code renames
// the order, so after the first attempt it is no longer found by code.
type OrderChangeInput struct {
	Shop        string
	OrderNumber string // 受注番号
	OrderID     int64  // ecforce id; 0 = look it up by number
	// SalesOrderID is 0 for ReadOrderChange (it is looked up by code).
	SalesOrderID int64
}

// OrderChangeResult says what the order change found and did.
type OrderChangeResult struct {
	OrderID        int64
	SalesOrderID   int64 // 0: LOGILESS holds no sales order of the shop for it
	SalesOrderCode string
	// Action is what the rules decided (orderchange.Action), Reason why.
	Action string
	Reason string
	// Applied is true when this attempt changed LOGILESS (a reversal or a
	// payment update that LOGILESS answered).
	Applied bool
	// Cancelled: the sales order is cancelled in LOGILESS now (by this run
	// or before).
	Cancelled             bool
	DeliveryStatus        string
	IncomingPaymentStatus string
	AuthorizationStatus   string
}

func changeSettings(shop *Shop) orderchange.Settings {
	return orderchange.Settings{SyncCancellations: shop.Settings.OrderImport.CancellationsSynced()}
}

// ReadOrderChange reads the ecforce order and the shop's LOGILESS sales
// order under its code and says what the rules ask (nothing is changed).
//
// Idempotent: it only reads.
func (a *OrderImport) ReadOrderChange(ctx context.Context, in OrderChangeInput) (OrderChangeResult, error) {
	ctx = importPriority(ctx)
	var res OrderChangeResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	o, err := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber)
	if err != nil {
		return res, classify(fmt.Sprintf("read ecforce order %s of shop %s", in.OrderNumber, in.Shop), err)
	}
	res.OrderID = o.ID
	claim, err := claimSalesOrder(ctx, shop.Logiless, shop, in.OrderNumber)
	if err != nil {
		return res, classify(fmt.Sprintf("look up the LOGILESS order of %s (shop %s)", in.OrderNumber, in.Shop), err)
	}
	var ll orderchange.Logiless
	if claim.Status == salesorder.CodeOurs {
		ll = orderchange.LogilessOf(claim.SalesOrder)
		res.SalesOrderID, res.SalesOrderCode = claim.SalesOrder.ID, claim.SalesOrder.Code
	}
	d := orderchange.Decide(ecforceFacts(o), ll, changeSettings(shop))
	res.describe(d, ll)
	return res, nil
}

// ApplyOrderChange reads both orders again (the sales order by its id),
// decides again and applies the decision: a reversal, a payment update, or
// nothing. A cancellation LOGILESS cannot take any more (the warehouse works
// on the order or shipped it) is the blocking CancelTooLate; the run waits
// and tries again when woken, so it cancels once the warehouse moves the
// order back.
//
// Idempotent: every attempt decides from fresh reads, so a reversal or
// update that an earlier attempt applied (its answer lost) is seen as done
// and not sent again; a 423 is read again and decided again.
func (a *OrderImport) ApplyOrderChange(ctx context.Context, in OrderChangeInput) (OrderChangeResult, error) {
	ctx = importPriority(ctx)
	res := OrderChangeResult{SalesOrderID: in.SalesOrderID}
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	if in.SalesOrderID == 0 {
		return res, fmt.Errorf("apply order change of %s (shop %s): no LOGILESS sales order id (a bug: ReadOrderChange gives it)", in.OrderNumber, in.Shop)
	}
	what := fmt.Sprintf("order %s of shop %s (LOGILESS sales order id %d)", in.OrderNumber, in.Shop, in.SalesOrderID)
	o, err := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber)
	if err != nil {
		return res, classify("read ecforce "+what, err)
	}
	res.OrderID = o.ID
	ll := shop.Logiless
	for attempt := 0; ; attempt++ {
		so, err := ll.GetSalesOrder(ctx, in.SalesOrderID)
		if errors.Is(err, logiless.ErrNotFound) {
			res.Action, res.Reason = string(orderchange.None), "the LOGILESS sales order is gone"
			return res, nil
		}
		if err != nil {
			return res, classify("read the LOGILESS sales order of "+what, err)
		}
		facts := orderchange.LogilessOf(so)
		d := orderchange.Decide(ecforceFacts(o), facts, changeSettings(shop))
		res.SalesOrderCode = so.Code
		res.describe(d, facts)
		var changed logiless.SalesOrder
		switch d.Action {
		case orderchange.None:
			return res, nil
		case orderchange.CancelTooLate:
			return res, cancelTooLate(in, so, d)
		case orderchange.Reverse:
			changed, err = ll.ReverseSalesOrder(ctx, so.ID, shop.Settings.OrderImport.CancelClearsCode)
		case orderchange.UpdatePayment:
			changed, err = ll.UpdateSalesOrder(ctx, so.ID, paymentUpdate(d))
		default:
			return res, fmt.Errorf("apply order change of %s: unknown action %q (a bug)", what, d.Action)
		}
		if logiless.IsLocked(err) && attempt == 0 {
			// The warehouse moved it meanwhile: read and decide again.
			a.logger().Info("LOGILESS refused the change (423); reading the order again", "shop", in.Shop,
				"order", in.OrderNumber, "action", string(d.Action))
			continue
		}
		if logiless.IsLocked(err) && d.Action == orderchange.Reverse {
			// LOGILESS still refuses what its statuses seem to allow:
			// nothing is forced; wait for a person as when it is in work.
			return res, cancelTooLate(in, so, d)
		}
		if err != nil {
			return res, classify(fmt.Sprintf("%s %s", d.Action, what), err)
		}
		res.Applied = true
		res.describe(d, orderchange.LogilessOf(changed))
		res.SalesOrderCode = changed.Code
		a.logger().Info("applied order change", "shop", in.Shop, "order", in.OrderNumber, "action", string(d.Action),
			"sales_order_id", so.ID, "reason", d.Reason)
		return res, nil
	}
}

func (r *OrderChangeResult) describe(d orderchange.Decision, ll orderchange.Logiless) {
	r.Action, r.Reason = string(d.Action), d.Reason
	r.Cancelled = ll.Found && ll.Cancelled()
	r.DeliveryStatus, r.IncomingPaymentStatus, r.AuthorizationStatus = ll.DeliveryStatus, ll.IncomingPaymentStatus, ll.AuthorizationStatus
}

func ecforceFacts(o ecforce.Order) orderchange.Ecforce {
	return orderchange.Ecforce{State: o.State, PaymentState: o.PaymentState}
}

func paymentUpdate(d orderchange.Decision) logiless.SalesOrderUpdate {
	var u logiless.SalesOrderUpdate
	if d.IncomingPaymentStatus != "" {
		u.IncomingPaymentStatus = &d.IncomingPaymentStatus
	}
	if d.AuthorizationStatus != "" {
		u.AuthorizationStatus = &d.AuthorizationStatus
	}
	return u
}

// cancelTooLate is the blocking error of an order cancelled in ecforce that
// LOGILESS can no longer cancel.
func cancelTooLate(in OrderChangeInput, so logiless.SalesOrder, d orderchange.Decision) error {
	return nonRetryable(ErrTypeCancelTooLate, fmt.Errorf(
		"ecforce order %s of shop %s is キャンセル, but its LOGILESS sales order %s (id %d) is %s, so nothing was cancelled: "+
			"stop the parcel in the warehouse and move the order back (出荷作業中を取り消す) in LOGILESS, then this run cancels it; "+
			"if it has shipped, refund the customer and void the payment in ecforce (決済状況 voided), then this run ends",
		in.OrderNumber, in.Shop, so.Code, so.ID, orNone(so.DeliveryStatus)))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
