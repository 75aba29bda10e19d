package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/orderchange"
	"github.com/ecforce-logiless/connector/salesorder"
)

// FindOrderChangesInput asks which imported orders of one shop changed in
// ecforce in a way their LOGILESS sales orders must follow.
type FindOrderChangesInput struct {
	Shop string
	// Now is the workflow's time: the look-back window
	// (order_import.lookback) ends there.
	Now time.Time
	// Orders, when not empty, are the orders to look at (an incremental
	// discovery's updated orders); otherwise ecforce is listed for the
	// orders cancelled, and those whose payment completed, within the
	// look-back window by updated_at.
	Orders []ChangedOrder
}

// ChangedOrder is an ecforce order that changed, without personal data.
type ChangedOrder struct {
	OrderID      int64
	OrderNumber  string
	State        string // 対応状況 key
	PaymentState string // 決済状況 key
}

// OrderChangeCandidate is an imported order whose sales order must change.
type OrderChangeCandidate struct {
	OrderID      int64
	OrderNumber  string
	SalesOrderID int64
	// Action is the orderchange.Action the listing saw (reverse,
	// cancel-too-late, update-payment); the run decides again.
	Action string
}

// FindOrderChangesResult is what FindOrderChanges found.
type FindOrderChangesResult struct {
	Candidates []OrderChangeCandidate
	// Looked counts the orders that might need a change (cancelled, or
	// with a payment) and were looked up in LOGILESS.
	Looked int
	// Truncated: a listing stopped at its page cap, or more than
	// MaxCandidatesPerRun orders need a change; the rest wait for the next
	// discovery.
	Truncated bool
}

// FindOrderChanges lists the shop's ecforce orders updated within the
// look-back window that are cancelled (when order_import.sync_cancellations
// is on) or paid, asks LOGILESS (100 codes a call) which of them the shop
// imported, and returns those whose sales order the rules say must change:
// reverse, blocked as too late, or a payment status to write. An order never
// imported is not returned, so a cancelled order is never imported by this
// either.
//
// Idempotent: it only reads.
func (a *OrderImport) FindOrderChanges(ctx context.Context, in FindOrderChangesInput) (FindOrderChangesResult, error) {
	ctx = importPriority(ctx)
	var res FindOrderChangesResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	settings := changeSettings(shop)
	orders := in.Orders
	if len(orders) == 0 {
		if orders, res.Truncated, err = a.listChangedOrders(ctx, shop, in.Now, settings); err != nil {
			return res, err
		}
	}
	var interesting []ChangedOrder
	for _, o := range orders {
		if orderchange.Interesting(orderchange.Ecforce{State: o.State, PaymentState: o.PaymentState}, settings) {
			interesting = append(interesting, o)
		}
	}
	if len(interesting) == 0 {
		return res, nil
	}
	codes, store := shopCodes(shop), shop.Settings.Logiless.StoreID
	perSearch := 100 / len(codes.LookupCodes("0"))
	for start := 0; start < len(interesting); start += perSearch {
		batch := interesting[start:min(start+perSearch, len(interesting))]
		var lookup []string
		for _, o := range batch {
			lookup = append(lookup, codes.LookupCodes(o.OrderNumber)...)
		}
		found, err := shop.Logiless.SearchSalesOrdersByCode(ctx, lookup)
		if err != nil {
			return res, classify(fmt.Sprintf("look up %d order codes of shop %s in LOGILESS", len(lookup), in.Shop), err)
		}
		for _, o := range batch {
			res.Looked++
			claim := codes.Claim(o.OrderNumber, store, found)
			if claim.Status != salesorder.CodeOurs {
				continue // never imported (or another store's): nothing to follow
			}
			d := orderchange.Decide(orderchange.Ecforce{State: o.State, PaymentState: o.PaymentState},
				orderchange.LogilessOf(claim.SalesOrder), settings)
			if d.Action == orderchange.None {
				continue
			}
			if len(res.Candidates) == MaxCandidatesPerRun {
				res.Truncated = true
				break
			}
			res.Candidates = append(res.Candidates, OrderChangeCandidate{OrderID: o.OrderID, OrderNumber: o.OrderNumber,
				SalesOrderID: claim.SalesOrder.ID, Action: string(d.Action)})
		}
		activity.RecordHeartbeat(ctx, res.Looked)
	}
	a.logger().Info("looked for order changes", "shop", in.Shop, "looked", res.Looked, "changes", len(res.Candidates),
		"truncated", res.Truncated)
	return res, nil
}

// listChangedOrders lists the orders updated within the look-back window
// that are cancelled (if cancellations are synced) or paid, ascending by id.
func (a *OrderImport) listChangedOrders(ctx context.Context, shop *Shop, now time.Time, s orderchange.Settings) ([]ChangedOrder, bool, error) {
	from := now.In(ecforce.JST).Add(-shop.Settings.OrderImport.Lookback)
	queries := []ecforce.OrderQuery{{PaymentStates: orderchange.PaidStates, UpdatedFrom: from, MaxPages: MaxListingPages}}
	if s.SyncCancellations {
		queries = append(queries, ecforce.OrderQuery{States: []string{salesorder.StateCanceled}, UpdatedFrom: from, MaxPages: MaxListingPages})
	}
	seen := map[int64]bool{}
	var out []ChangedOrder
	truncated := false
	for _, q := range queries {
		err := shop.Ecforce.ListOrders(ctx, q, func(page []ecforce.Order) error {
			for _, o := range page {
				if !seen[o.ID] {
					seen[o.ID] = true
					out = append(out, ChangedOrder{OrderID: o.ID, OrderNumber: o.Number, State: o.State, PaymentState: o.PaymentState})
				}
			}
			activity.RecordHeartbeat(ctx, len(seen))
			return nil
		})
		if errors.Is(err, ecforce.ErrPageCapReached) {
			a.logger().Warn("listing of changed orders hit the page cap; the rest waits for the next discovery", "shop", shop.Settings.Code)
			truncated, err = true, nil
		}
		if err != nil {
			return nil, false, classify(fmt.Sprintf("list changed ecforce orders of shop %s", shop.Settings.Code), err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OrderID < out[j].OrderID })
	return out, truncated, nil
}
