package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/orderedit"
	"github.com/ecforce-logiless/connector/salesorder"
)

// orderEditLogiless is what the order edit calls on LOGILESS.
type orderEditLogiless interface {
	GetSalesOrderFields(ctx context.Context, id int64) (logiless.SalesOrderFields, error)
	UpdateSalesOrder(ctx context.Context, id int64, u logiless.SalesOrderUpdate) (logiless.SalesOrder, error)
	ReverseSalesOrderLine(ctx context.Context, orderID, lineID int64) error
}

// ApplyOrderEditInput names the imported order to bring up to date.
type ApplyOrderEditInput struct {
	Shop        string
	OrderNumber string
	OrderID     int64 // ecforce id, 0 when only the number is known
	// SalesOrderID is the LOGILESS id an earlier pass found, 0 to look the
	// code up.
	SalesOrderID int64
	// LastWrite is the updated_at LOGILESS answered to the connector's
	// last change of the order; zero when only the import wrote it.
	LastWrite time.Time
}

// ApplyOrderEditResult says what one pass did. It names fields and
// article codes, never their values.
type ApplyOrderEditResult struct {
	SalesOrderID int64
	// Updated lists the LOGILESS keys PUT changed; Reversed the article
	// codes of the lines reversed.
	Updated  []string
	Reversed []string
	// LastWrite is the order's updated_at after this pass's writes, or, when
	// LOGILESS already agreed with ecforce, its updated_at as read (nothing
	// was left to protect); zero when unknown.
	LastWrite time.Time
	// Blocked is the one-line message of what needs a person ("" when
	// nothing does); the workflow waits as blocked:EditNeedsOperator on it.
	Blocked string
	// Closed: the LOGILESS order is Shipped or cancelled, or the ecforce
	// order is cancelled; no edit applies any more.
	Closed bool
	// NotImported: LOGILESS has no sales order of the shop under the
	// order's code; the import, when it runs, sends the order as it is.
	NotImported bool
}

// ApplyOrderEdit brings the LOGILESS sales order of an imported ecforce
// order up to date with the order as ecforce has it now (see package
// orderedit): it rebuilds what the import would send (salesorder.Build),
// reads the sales order, and sends the PUT fields and line reversals the
// plan allows; what only a person can do is returned in Blocked.
//
// Idempotent: every pass reads both sides first and writes only what still
// differs, so a retry after a lost answer finds its write done. The
// updated_at of its own writes is recorded in a heartbeat, so a retry does
// not mistake them for a change made in LOGILESS.
func (a *OrderImport) ApplyOrderEdit(ctx context.Context, in ApplyOrderEditInput) (ApplyOrderEditResult, error) {
	res := ApplyOrderEditResult{SalesOrderID: in.SalesOrderID, LastWrite: in.LastWrite}
	if activity.HasHeartbeatDetails(ctx) {
		var t time.Time
		if activity.GetHeartbeatDetails(ctx, &t) == nil && t.After(res.LastWrite) {
			res.LastWrite = t
		}
	}
	// Heartbeats (also those while a request waits for the API budget)
	// carry the last write, so a retry knows its own writes. An edit goes
	// after the imports, with the shipment notifications: many edit passes
	// at once (a loop's first listing) never hold a new order back.
	ctx = beatWhileWaiting(httpapi.WithPriority(ctx, httpapi.PriorityShipment), func() any { return res.LastWrite })
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	what := fmt.Sprintf("update the LOGILESS sales order of order %s of shop %s", in.OrderNumber, in.Shop)
	ll, ok := shop.Logiless.(orderEditLogiless)
	if !ok {
		return res, fmt.Errorf("%s: the LOGILESS client cannot edit sales orders", what)
	}
	order, err := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber)
	if err != nil {
		return res, classify(what, err)
	}
	if order.State == salesorder.StateCanceled || !order.ShippedAt.IsZero() || order.ShippingSlip != "" {
		// Cancelled, or ecforce already has the shipment (the notification's
		// own write is an update the discovery reports): nothing to carry
		// over, and no LOGILESS call spent on it.
		res.Closed = true
		return res, nil
	}
	if res.SalesOrderID == 0 {
		_, search := importClients(shop)
		claim, err := claimSalesOrder(ctx, search, shop, order.Number)
		if err != nil {
			return res, classify(what, err)
		}
		if claim.Status != salesorder.CodeOurs {
			res.NotImported = true
			return res, nil
		}
		res.SalesOrderID = claim.SalesOrder.ID
	}
	cur, err := ll.GetSalesOrderFields(ctx, res.SalesOrderID)
	if errors.Is(err, logiless.ErrNotFound) {
		res.NotImported = true
		return res, nil
	}
	if err != nil {
		return res, classify(what, err)
	}
	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(what, err)
	}
	want, err := salesorder.Build(order, salesOrderSettings(shop), table)
	if err != nil {
		return res, classify(what, err)
	}

	plan := orderedit.Diff(want, cur, res.LastWrite)
	code := cur.SalesOrder.Code
	if plan.Closed {
		res.Closed = true
		if len(plan.Problems) > 0 {
			a.logger().Warn("edit not carried over: the LOGILESS order is shipped or cancelled", "shop", in.Shop,
				"order", in.OrderNumber, "code", code, "fields", strings.Join(problemFields(plan), ","))
		}
		return res, nil
	}
	if plan.Empty() {
		res.LastWrite = later(res.LastWrite, cur.SalesOrder.UpdatedAt)
		return res, nil
	}
	if len(plan.UpdateKeys) > 0 {
		so, err := ll.UpdateSalesOrder(ctx, res.SalesOrderID, plan.Update)
		if logiless.IsLocked(err) {
			return res, a.lockedMeanwhile(&res, in, code, plan.UpdateKeys)
		}
		if err != nil {
			return res, classify(what, err)
		}
		res.Updated = plan.UpdateKeys
		res.LastWrite = later(res.LastWrite, so.UpdatedAt)
		activity.RecordHeartbeat(ctx, res.LastWrite)
	}
	for i, lineID := range plan.Reverse {
		err := ll.ReverseSalesOrderLine(ctx, res.SalesOrderID, lineID)
		if logiless.IsLocked(err) {
			return res, a.lockedMeanwhile(&res, in, code, []string{"line " + plan.ReverseArticles[i]})
		}
		if err != nil {
			return res, classify(what, err)
		}
		res.Reversed = append(res.Reversed, plan.ReverseArticles[i])
	}
	if len(plan.Reverse) > 0 || (len(res.Updated) > 0 && res.LastWrite.Equal(in.LastWrite)) {
		// A line reversal answers with the line, and a PUT answer may
		// lack updated_at: read the order's updated_at after the writes.
		after, err := ll.GetSalesOrderFields(ctx, res.SalesOrderID)
		if err != nil {
			return res, classify(what, err)
		}
		res.LastWrite = later(res.LastWrite, after.SalesOrder.UpdatedAt)
		activity.RecordHeartbeat(ctx, res.LastWrite)
	}
	if len(res.Updated)+len(res.Reversed) > 0 {
		a.logger().Info("carried an ecforce edit over to LOGILESS", "shop", in.Shop, "order", in.OrderNumber, "code", code,
			"fields", strings.Join(res.Updated, ","), "reversed_lines", strings.Join(res.Reversed, ","))
	}
	res.Blocked = editBlockedMessage(in, code, plan, cur.SalesOrder.UpdatedAt, res.LastWrite)
	return res, nil
}

// lockedMeanwhile is the 423 of a write: the warehouse started on the
// order between the read and the write. Blocked, like an edit in work.
func (a *OrderImport) lockedMeanwhile(res *ApplyOrderEditResult, in ApplyOrderEditInput, code string, fields []string) error {
	plan := orderedit.Plan{}
	for _, f := range fields {
		plan.Problems = append(plan.Problems, orderedit.Problem{Field: f, Reason: orderedit.ReasonInWork})
	}
	res.Blocked = editBlockedMessage(in, code, plan, time.Time{}, time.Time{})
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func problemFields(p orderedit.Plan) []string {
	var out []string
	for _, pr := range p.Problems {
		out = append(out, pr.Field)
	}
	return out
}

// editBlockedMessage is the one line that says which fields of the order
// need a person and what to do, "" when none do.
func editBlockedMessage(in ApplyOrderEditInput, code string, p orderedit.Plan, updatedAt, lastWrite time.Time) string {
	if len(p.Problems) == 0 {
		return ""
	}
	list := func(reason string) string { return strings.Join(p.ProblemFields(reason), ", ") }
	var parts []string
	if f := list(orderedit.ReasonInWork); f != "" {
		parts = append(parts, "the warehouse already works on it (出荷作業中), so "+f+" stayed as they were: stop or correct the parcel in LOGILESS by hand")
	}
	if f := list(orderedit.ReasonChangedInLogiless); f != "" {
		since := "after the import"
		if !lastWrite.IsZero() {
			since = "after the connector's last write at " + lastWrite.In(ecforce.JST).Format("2006-01-02 15:04:05 JST")
		}
		parts = append(parts, fmt.Sprintf("it was changed in LOGILESS (updated_at %s, %s), so ecforce's %s were not copied over it: make LOGILESS and ecforce agree",
			updatedAt.In(ecforce.JST).Format("2006-01-02 15:04:05 JST"), since, f))
	}
	if f := list(orderedit.ReasonNotWritable); f != "" {
		parts = append(parts, "LOGILESS's API cannot change "+f+" (buyer_comment is the customer's remark, 備考): change it in LOGILESS by hand")
	}
	if f := list(orderedit.ReasonLineAdded); f != "" {
		parts = append(parts, f+" added or increased in ecforce, and LOGILESS's API cannot add to a sales order: add the line in LOGILESS by hand")
	}
	if f := list(orderedit.ReasonLineDecreased); f != "" {
		parts = append(parts, f+" decreased in ecforce, and LOGILESS can only cancel whole lines: cancel the line and add one with the new quantity in LOGILESS by hand")
	}
	if f := list(orderedit.ReasonLineChanged); f != "" {
		parts = append(parts, f+" changed in ecforce (price): correct it in LOGILESS by hand")
	}
	err := fmt.Errorf("order %s of shop %s was edited in ecforce but its LOGILESS sales order %s needs a person: %s",
		in.OrderNumber, in.Shop, code, strings.Join(parts, "; "))
	return fmt.Sprintf("%s (runbook: docs/errors.md#%s)", err, strings.ToLower(ErrTypeEditNeedsOperator))
}
