package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/shipment"
)

// ListShipmentCandidatesInput asks for one shop's shipped orders as of Now.
type ListShipmentCandidatesInput struct {
	Shop string
	// Now is the workflow's time, so the window is recorded in history.
	Now time.Time
	// Scheduled is true when a Temporal Schedule started the run; a shop
	// whose 出荷通知を自動実行 is off then notifies nothing.
	//
	// Deprecated: set only by runs from before workflows.ShopSwitchesChangeID;
	// newer runs decide with the ShopSwitches step and leave it false.
	Scheduled bool
	// Lookback overrides the shop's shipment_notification.lookback (0 =
	// the setting), e.g. after a worker outage longer than the setting.
	Lookback time.Duration
}

// ShipmentCandidate is one shipped order to notify. It carries no personal
// data; what discovery read waits in the worker's ShipmentCache.
type ShipmentCandidate struct {
	OrderNumber  string // ecforce 受注番号 (the LOGILESS code mapped back, see shopCodes)
	SalesOrderID int64  // LOGILESS id
	// Resend is shipment.ResendVersion: "" for a first notification, else
	// the version of LOGILESS's new tracking numbers and their ship time,
	// which ecforce does not have yet (the workflow ID of the re-send
	// carries it).
	Resend string `json:",omitempty"`
}

// ListShipmentCandidatesResult is what one discovery listing found.
type ListShipmentCandidatesResult struct {
	Candidates []ShipmentCandidate
	// From is the start of the window (updated_at, JST).
	From time.Time
	// Listed counts the store's Shipped LOGILESS orders in the window.
	Listed int
	// AlreadyInEcforce counts orders whose slip and ship date (and, when
	// enabled, capture and 対応状況) ecforce already has.
	AlreadyInEcforce int
	// WaitingForOperator counts orders whose shipping is in ecforce but
	// whose capture failed: a person must fix the payment in ecforce first
	// (see README); the next discovery after the fix notifies them.
	WaitingForOperator int
	// NotInEcforce counts codes ecforce has no order for (e.g. orders
	// entered in LOGILESS by hand); they are logged and left alone.
	NotInEcforce int
	// Truncated is true when more than MaxShipmentsPerRun candidates were
	// found or the listing stopped at its page cap; later runs go on.
	Truncated bool
	// Disabled is true when a scheduled run found auto-run switched off.
	//
	// Deprecated: see ListShipmentCandidatesInput.Scheduled.
	Disabled bool
}

// ListShipmentCandidates lists the LOGILESS sales orders of the shop's store
// that are Shipped (every parcel: PartlyShipped orders wait) and were
// updated within the look-back window, looks their codes up in ecforce (100
// per call) and keeps what it read in the worker's cache. Orders ecforce
// already has in full (shipment.StandingOf) are counted, not returned.
//
// Idempotent: it only reads.
func (a *ShipmentNotification) ListShipmentCandidates(ctx context.Context, in ListShipmentCandidatesInput) (ListShipmentCandidatesResult, error) {
	ctx = shipmentPriority(ctx)
	var res ListShipmentCandidatesResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	settings := shop.Settings.ShipmentNotification
	if in.Scheduled && !settings.AutoRun {
		res.Disabled = true
		return res, nil
	}
	lookback := settings.Lookback
	if in.Lookback > 0 {
		lookback = in.Lookback
	}
	res.From = in.Now.Add(-lookback).In(ecforce.JST)

	shipped, err := a.listShipped(ctx, shop, res.From)
	switch {
	case errors.Is(err, logiless.ErrPageCapReached):
		res.Truncated = true
		a.logger().Warn("shipped order listing hit the page cap; the rest is read by later runs", "shop", in.Shop)
	case err != nil:
		return res, err
	}
	if err := a.sortShipped(ctx, shop, shipped, &res); err != nil {
		return res, err
	}
	return res, nil
}

// sortShipped looks the shipped orders up in ecforce (100 per call) and
// counts in res those that need nothing or wait for an operator; the
// others become res.Candidates, what was read of them cached.
func (a *ShipmentNotification) sortShipped(ctx context.Context, shop *Shop, shipped []logiless.SalesOrder, res *ListShipmentCandidatesResult) error {
	settings := shop.Settings.ShipmentNotification
	code := shop.Settings.Code
	res.Listed += len(shipped)

	codes := shopCodes(shop)
	numbers := make([]string, len(shipped))
	for i, so := range shipped {
		numbers[i] = codes.Number(so.Code)
	}
	inEcforce, err := a.lookUpOrders(ctx, shop, numbers)
	if err != nil {
		return err
	}

	steps := shipment.Steps{WithSales: settings.WithSales, StatusAfter: settings.StatusAfter}
	var missing, waiting []string
	for i, so := range shipped {
		current, ok := inEcforce[numbers[i]]
		if !ok {
			res.NotInEcforce++
			missing = append(missing, so.Code)
			continue
		}
		s, serr := shipment.Of(so)
		if serr == nil {
			switch shipment.StandingOf(current, s.Slip(settings.TrackingNumberSeparator), s.ShippedAt, s.Settlement(), steps) {
			case shipment.WaitingForOperator:
				res.WaitingForOperator++
				waiting = append(waiting, so.Code)
				continue
			case shipment.Complete:
				res.AlreadyInEcforce++
				continue
			}
		}
		// An order whose shipment cannot be read (serr) is a candidate
		// all the same: its notification fails with the reason, visibly.
		// The cap applies after the orders ecforce already has are
		// dropped, so a busy day never hides its newest shipments.
		if len(res.Candidates) >= MaxShipmentsPerRun {
			res.Truncated = true
			continue
		}
		if serr == nil {
			a.Cache.put(code, numbers[i], shipmentRead{shipment: s, ecforce: current})
		}
		c := ShipmentCandidate{OrderNumber: numbers[i], SalesOrderID: so.ID}
		if serr == nil {
			c.Resend = shipment.ResendVersion(current, s.Slip(settings.TrackingNumberSeparator), s.ShippedAt)
		}
		res.Candidates = append(res.Candidates, c)
	}
	if b := a.batchLayer(shop); b != nil {
		// The notifications about to start on this worker share bulk
		// calls: their first writes wait for one another.
		b.Expect(len(res.Candidates))
	}
	if len(missing) > 0 {
		a.logger().Warn("shipped LOGILESS orders that ecforce does not have; left alone",
			"shop", code, "count", len(missing), "codes", strings.Join(missing[:min(len(missing), 20)], ","))
	}
	if len(waiting) > 0 {
		a.logger().Warn("shipped orders whose capture failed wait for an operator to fix the payment in ecforce",
			"shop", code, "count", len(waiting), "codes", strings.Join(waiting[:min(len(waiting), 20)], ","))
	}
	a.logger().Info("listed shipment candidates", "shop", code, "from", res.From, "listed", res.Listed,
		"candidates", len(res.Candidates), "already_in_ecforce", res.AlreadyInEcforce,
		"waiting_for_operator", res.WaitingForOperator, "not_in_ecforce", res.NotInEcforce)
	return nil
}

// listShipped lists the Shipped sales orders of the shop's store updated
// since from, by id. A listing that stopped at its page cap returns what
// it read and an error wrapping logiless.ErrPageCapReached.
func (a *ShipmentNotification) listShipped(ctx context.Context, shop *Shop, from time.Time) ([]logiless.SalesOrder, error) {
	_, ll := a.shipmentClients(shop)
	storeID := shop.Settings.Logiless.StoreID
	var shipped []logiless.SalesOrder
	seen := map[string]bool{}
	err := ll.ListSalesOrders(ctx, logiless.SalesOrderQuery{
		DocumentStatuses: []string{logiless.DocumentStatusShipped},
		Store:            storeID,
		UpdatedFrom:      from,
	}, func(page []logiless.SalesOrder) error {
		activity.RecordHeartbeat(ctx, len(shipped))
		for _, so := range page {
			// Defensive: the filters are the API's; check them again.
			if so.DocumentStatus != logiless.DocumentStatusShipped || (so.StoreID != 0 && so.StoreID != storeID) || seen[so.Code] {
				continue
			}
			seen[so.Code] = true
			shipped = append(shipped, so)
		}
		return nil
	})
	sort.Slice(shipped, func(i, j int) bool { return shipped[i].ID < shipped[j].ID })
	if err != nil && !errors.Is(err, logiless.ErrPageCapReached) {
		return nil, classify(fmt.Sprintf("list shipped LOGILESS orders of store %d (shop %s)", storeID, shop.Settings.Code), err)
	}
	return shipped, err
}

// lookUpOrders reads the ecforce orders with these numbers, 100 per call.
func (a *ShipmentNotification) lookUpOrders(ctx context.Context, shop *Shop, numbers []string) (map[string]shipment.EcforceShipping, error) {
	ec, _ := a.shipmentClients(shop)
	out := make(map[string]shipment.EcforceShipping, len(numbers))
	for start := 0; start < len(numbers); start += 100 {
		batch := numbers[start:min(start+100, len(numbers))]
		want := make(map[string]bool, len(batch))
		for _, n := range batch {
			want[n] = true
		}
		var foreign string
		err := ec.ListOrders(ctx, ecforce.OrderQuery{Numbers: batch, Per: 100, MaxPages: 2}, func(page []ecforce.Order) error {
			for _, o := range page {
				if !want[o.Number] {
					foreign = o.Number
					continue
				}
				out[o.Number] = shipment.EcforceShippingOf(o)
			}
			return nil
		})
		what := fmt.Sprintf("look up %d shipped orders (%s…) in ecforce shop %s", len(batch), batch[0], shop.Settings.Code)
		if err != nil {
			return nil, classify(what, err)
		}
		if foreign != "" {
			// Treating the batch as "not in ecforce" would silently drop
			// notifications; stop instead.
			return nil, nonRetryable(ErrTypeEcforceRejected, fmt.Errorf("%s: ecforce ignored q[number_in] and returned order %s; the API may have changed, check before re-running", what, foreign))
		}
		activity.RecordHeartbeat(ctx, start)
	}
	return out, nil
}
