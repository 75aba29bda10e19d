package activities

import (
	"context"
	"errors"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
)

// The shipment notification's incremental discovery: the LOGILESS sales
// orders that became Shipped since the watermark (updated_at_from), so that
// a run with nothing new costs one LOGILESS call.

// ListShipmentChangesInput asks for the shop's orders shipped since
// Watermark.
type ListShipmentChangesInput struct {
	Shop string
	// Now is the workflow's time.
	Now time.Time
	// Watermark is the latest updated_at seen so far; the listing starts
	// WatermarkOverlap before it. Zero (a fresh loop) starts one
	// shipment_notification.sweep_interval before Now.
	Watermark time.Time
	// Recent are the sales orders listed already with updated_at at or
	// after Watermark-WatermarkOverlap: id → updated_at (Unix seconds).
	Recent map[int64]int64
}

// ListShipmentChangesResult is what one incremental listing found, counted
// like a full discovery's, and the state for the next run.
type ListShipmentChangesResult struct {
	ListShipmentCandidatesResult
	Watermark time.Time
	Recent    map[int64]int64
	// FilterIgnored is true when LOGILESS returned an order updated before
	// updated_at_from: the filter was not applied (logged; the run works
	// on what it got).
	FilterIgnored bool
}

// ListShipmentChanges lists the store's Shipped LOGILESS orders updated
// since the watermark, drops those listed before unchanged, and sorts the
// rest like ListShipmentCandidates (ecforce looked up 100 numbers per call,
// only when something is new). An empty run costs one LOGILESS call and no
// ecforce call.
//
// Idempotent: it only reads.
func (a *ShipmentNotification) ListShipmentChanges(ctx context.Context, in ListShipmentChangesInput) (ListShipmentChangesResult, error) {
	ctx = shipmentPriority(ctx)
	res := ListShipmentChangesResult{Watermark: in.Watermark, Recent: map[int64]int64{}}
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	settings := shop.Settings.ShipmentNotification
	from := listingFrom(in.Watermark, in.Now, settings.SweepInterval)
	from = maxTime(from, in.Now.Add(-settings.Lookback)).Truncate(time.Second)
	res.From = from.In(ecforce.JST)

	shipped, err := a.listShipped(ctx, shop, from)
	switch {
	case errors.Is(err, logiless.ErrPageCapReached):
		res.Truncated = true
		a.logger().Warn("shipped order listing hit the page cap; the sweep reads the rest", "shop", in.Shop)
	case err != nil:
		return res, err
	}
	var fresh []logiless.SalesOrder
	for _, so := range shipped {
		u := so.UpdatedAt
		if !u.IsZero() && u.Before(from) {
			res.FilterIgnored = true
		}
		res.Watermark = maxTime(res.Watermark, u)
		if seen, ok := in.Recent[so.ID]; ok && seen == u.Unix() {
			continue
		}
		fresh = append(fresh, so)
	}
	if res.FilterIgnored {
		a.logger().Warn("LOGILESS ignored updated_at_from (it returned an order updated before the bound); this run looks at all it got",
			"shop", in.Shop)
	}
	res.Recent = recentAfter(in.Recent, shipped, func(so logiless.SalesOrder) (int64, time.Time) { return so.ID, so.UpdatedAt }, res.Watermark, in.Now)
	if err := a.sortShipped(ctx, shop, fresh, &res.ListShipmentCandidatesResult); err != nil {
		return res, err
	}
	res.Listed = len(shipped)
	if len(res.Candidates) >= MaxShipmentsPerRun {
		// Some were left for later: the next run lists from the old
		// watermark again (the started ones are deduplicated by their
		// workflow IDs).
		res.Watermark, res.Recent = in.Watermark, in.Recent
	}
	return res, nil
}
