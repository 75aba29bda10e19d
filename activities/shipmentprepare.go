package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/salesorder"
	"github.com/ecforce-logiless/connector/shipment"
	"github.com/ecforce-logiless/connector/ttlcache"
)

// PrepareShipmentInput names one shipped order. SalesOrderID is 0 for a
// manual run by number.
type PrepareShipmentInput struct {
	Shop         string
	OrderNumber  string
	SalesOrderID int64
}

// PrepareShipmentResult is what to write to ecforce, what ecforce has now,
// and which optional steps the shop's settings ask for.
type PrepareShipmentResult struct {
	OrderID      int64 // ecforce 受注ID
	SalesOrderID int64
	// ShippingSlip is every tracking number joined with the shop's
	// tracking_number_separator ("" when LOGILESS has none).
	ShippingSlip    string
	TrackingNumbers int
	Parcels         int
	// ShippedAt is the finish time of the last parcel, in JST.
	ShippedAt      time.Time
	DeliveryMethod string
	// CarrierID is the ecforce 配送業者 for DeliveryMethod (0 = none: the
	// order's carrier is left as is).
	CarrierID   int64
	CarrierName string
	// PaymentMethod is the LOGILESS payment_method of the sales order and
	// Settlement how it settles, which decides the capture step.
	PaymentMethod string              `json:",omitempty"`
	Settlement    shipment.Settlement `json:",omitempty"`
	// Current is the ecforce order as read now.
	Current shipment.EcforceShipping
	// WithSales and StatusAfter are the shop's settings at this run.
	//
	// Deprecated: read only by runs from before
	// workflows.ShopSwitchesChangeID; newer runs read them from the
	// ShopSwitches step.
	WithSales   bool
	StatusAfter string
}

// PrepareShipment reads the shipment from LOGILESS and the order from
// ecforce (from the discovery's cache when it has them), and resolves the
// ecforce carrier of the delivery method (shipment.ResolveCarrier).
//
// Idempotent: it only reads.
func (a *ShipmentNotification) PrepareShipment(ctx context.Context, in PrepareShipmentInput) (PrepareShipmentResult, error) {
	ctx = shipmentPriority(ctx)
	var res PrepareShipmentResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	ec, _ := a.shipmentClients(shop)
	settings := shop.Settings.ShipmentNotification
	what := fmt.Sprintf("prepare the shipment of order %s of shop %s", in.OrderNumber, in.Shop)
	res.WithSales, res.StatusAfter = settings.WithSales, settings.StatusAfter

	// The discovery's reads are used once: a retry, or a later run (say
	// `starter notify-shipment --force`), reads afresh.
	read, hit := a.Cache.take(in.Shop, in.OrderNumber)
	if !hit || activity.GetInfo(ctx).Attempt > 1 {
		so, err := a.readSalesOrder(ctx, shop, in.OrderNumber, in.SalesOrderID)
		if err != nil {
			return res, classify(what, err)
		}
		if read.shipment, err = shipment.Of(so); err != nil {
			return res, classify(what, err)
		}
		o, found, err := ec.FindOrderByNumber(ctx, in.OrderNumber)
		if err != nil {
			return res, classify(what, err)
		}
		if !found {
			return res, orderNotFound(in.Shop, 0, in.OrderNumber, "LOGILESS shipped it, but an order entered in LOGILESS by hand has nothing to notify")
		}
		read.ecforce = shipment.EcforceShippingOf(o)
	}
	s, current := read.shipment, read.ecforce

	res.OrderID, res.SalesOrderID, res.Current = current.OrderID, s.SalesOrderID, current
	res.ShippingSlip = s.Slip(settings.TrackingNumberSeparator)
	res.TrackingNumbers, res.Parcels = len(s.TrackingNumbers), s.Parcels
	res.ShippedAt, res.DeliveryMethod = s.ShippedAt, s.DeliveryMethod
	res.PaymentMethod, res.Settlement = s.PaymentMethod, s.Settlement()
	carrier, err := shipment.ResolveCarrier(s.DeliveryMethod, current.CarrierID,
		shipment.CarrierSettings{Carriers: settings.Carriers, DeliveryMethods: shop.Settings.OrderImport.DeliveryMethods},
		func() ([]ecforce.ShippingCarrier, error) { return a.shippingCarriers(ctx, shop) })
	if err != nil {
		var unmapped *shipment.UnmappedCarrierError
		if errors.As(err, &unmapped) {
			a.reportCarrierOnce(shop.Settings.Code, unmapped)
		}
		return res, classify(what, err)
	}
	res.CarrierID, res.CarrierName = carrier.ID, carrier.Name
	return res, nil
}

// readSalesOrder reads the LOGILESS sales order of the order numbered
// number by id, or by its codes when the id is unknown (shopCodes), and
// checks that it belongs to the shop's store.
func (a *ShipmentNotification) readSalesOrder(ctx context.Context, shop *Shop, number string, id int64) (logiless.SalesOrder, error) {
	_, ll := a.shipmentClients(shop)
	notFound := func(format string, args ...any) error {
		return nonRetryable(ErrTypeOrderNotFound, fmt.Errorf(format, args...))
	}
	var so logiless.SalesOrder
	if id != 0 {
		var err error
		if so, err = ll.GetSalesOrder(ctx, id); err != nil {
			return so, err
		}
		if shopCodes(shop).Number(so.Code) != number {
			return so, notFound("LOGILESS sales order id %d has code %q, not that of order %s; start the notification by order number only", id, so.Code, number)
		}
	} else {
		claim, err := claimSalesOrder(ctx, ll, shop, number)
		if err != nil {
			return so, err
		}
		if claim.Status != salesorder.CodeOurs {
			return so, notFound("the shop's LOGILESS store has no sales order with code %s; check the 受注番号 (the LOGILESS 受注コード is order_import.code_prefix followed by it)", shopCodes(shop).Code(number))
		}
		so = claim.SalesOrder
	}
	if store := shop.Settings.Logiless.StoreID; so.StoreID != 0 && so.StoreID != store {
		return so, notFound("LOGILESS sales order %s belongs to store %d, not to store %d of shop %s", so.Code, so.StoreID, store, shop.Settings.Code)
	}
	return so, nil
}

// reportCarrierOnce logs, once per worker, shop and delivery method, that
// no active ecforce carrier can be sent for the method: every notification
// of it fails before writing until the setting or the carrier is fixed.
func (a *ShipmentNotification) reportCarrierOnce(shop string, e *shipment.UnmappedCarrierError) {
	if _, seen := a.carrierProblems.LoadOrStore(shop+"\x00"+e.Method, true); seen {
		return
	}
	a.logger().Error("no active ecforce carrier for a LOGILESS delivery method; its notifications fail before writing until this is fixed",
		"shop", shop, "delivery_method", e.Method, "configured_carrier_id", e.Configured, "problem", e.Error())
}

// shippingCarriers returns the shop's carriers, read at most once per
// CarrierListTTL (concurrent notifications of one shop share one read).
func (a *ShipmentNotification) shippingCarriers(ctx context.Context, shop *Shop) ([]ecforce.ShippingCarrier, error) {
	a.carriersOnce.Do(func() {
		ttl := a.CarrierListTTL
		if ttl <= 0 {
			ttl = DefaultCarrierListTTL
		}
		a.carriers = ttlcache.New[string, []ecforce.ShippingCarrier](ttl, 0)
	})
	ec, _ := a.shipmentClients(shop)
	list, err := a.carriers.Load(shop.Settings.Code, func() ([]ecforce.ShippingCarrier, error) { return ec.ListShippingCarriers(ctx) })
	if err != nil {
		return nil, fmt.Errorf("list the shipping carriers: %w", err)
	}
	return list, nil
}
