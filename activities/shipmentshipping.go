package activities

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/shipment"
)

// UpdateShippingInput is the shipping result to write to one ecforce order.
type UpdateShippingInput struct {
	Shop         string
	OrderNumber  string
	OrderID      int64
	ShippingSlip string
	ShippedAt    time.Time
	CarrierID    int64 // 0 = leave the order's carrier alone
	// Current is the order as PrepareShipment read it; only the first
	// attempt trusts it, retries read the order again.
	Current shipment.EcforceShipping
	// ReportWithSale sends the update with with_sale=1: the shipment
	// report (出荷報告) of a 後払い order whose shop runs 売上処理 with the
	// notification (shipment.SettleByShipmentReport). It goes only with a
	// write, so it is sent exactly as often as the slip is.
	ReportWithSale bool `json:",omitempty"`
	// CaptureWithSale asks for the 売上処理 of a card or wallet order
	// (shipment.SettleByCapture) whose shop runs it with the notification:
	// unless the shop's separate_capture is on, a write of a capturable
	// order goes with with_sale=1, and ReportedAt tells CaptureSales that
	// its request was sent. Like the shipment report, it goes only with a
	// write, so it is sent exactly as often as the slip is.
	CaptureWithSale bool `json:",omitempty"`
}

// UpdateShippingResult says whether the shipping was written.
type UpdateShippingResult struct {
	Written bool
	// SkippedBecause is set when ecforce already had slip and date.
	SkippedBecause string
	// ConfirmedByReading is true when ecforce's answer was lost or an error
	// but reading the order showed the write had been applied.
	ConfirmedByReading bool
	// ReportedAt is when the write that carried the shipment report or
	// the capture request (with_sale=1) was applied; zero when none was
	// sent.
	ReportedAt time.Time `json:",omitempty"`
}

// UpdateShipping writes slip, ship date and carrier through ecforce's
// shipping endpoint with with_sale=0 (sales processing is its own step),
// or with with_sale=1 when it carries a 後払い order's shipment report
// (ReportWithSale): then it waits while the credit check (与信審査) still
// runs, since the report cannot go later. A cancelled order fails as
// ErrTypeOrderCanceled before anything is written.
//
// Idempotent: it reads the order first (after the first attempt) and skips
// the write when ecforce already has the same slip and ship date
// (shipment.EcforceShipping.HasShipping), and the write sets absolute values. A
// write whose answer is lost (5xx, dropped connection) is checked by
// reading the order at once, so an applied write is never sent again.
func (a *ShipmentNotification) UpdateShipping(ctx context.Context, in UpdateShippingInput) (UpdateShippingResult, error) {
	ctx = shipmentPriority(ctx)
	var res UpdateShippingResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	ec, _ := a.shipmentClients(shop)
	what := fmt.Sprintf("update the shipping (slip %q, ship date %s) of order %s of shop %s",
		in.ShippingSlip, in.ShippedAt.In(ecforce.JST).Format(time.DateOnly), in.OrderNumber, in.Shop)
	current := in.Current
	if activity.GetInfo(ctx).Attempt > 1 || current.OrderID != in.OrderID {
		if current, err = a.readOrder(ctx, shop, in.OrderID, in.OrderNumber); err != nil {
			return res, classify(what, err)
		}
	}
	if current.Canceled() {
		return res, orderCanceled(in.Shop, in.OrderNumber, in.OrderID, "no slip is written")
	}
	if current.HasShipping(in.ShippingSlip, in.ShippedAt, in.CarrierID) {
		res.SkippedBecause = "ecforce already has this slip and ship date"
		return res, nil
	}
	withSale := false
	if in.ReportWithSale {
		switch p := shipment.ClassifyPayment(current.PaymentState, current.PaymentMethodName); p.Kind {
		case shipment.PaymentCapturable:
			withSale = true
		case shipment.PaymentExamPending:
			return res, temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s: %s; the shipment report of this 後払い order goes with the shipping, which waits and tries again", what, p.Reason),
				ErrTypeCreditExamPending, temporal.ApplicationErrorOptions{NextRetryDelay: 15 * time.Minute})
		}
		// Captured, failed or voided: the capture step says so.
	}
	if in.CaptureWithSale && !shop.Settings.ShipmentNotification.SeparateCapture &&
		shipment.ClassifyPayment(current.PaymentState, current.PaymentMethodName).Kind == shipment.PaymentCapturable {
		withSale = true // anything else is the capture step's to say
	}

	bulk, err := ec.UpdateShipping(ctx, []ecforce.ShippingUpdate{{
		OrderID:           in.OrderID,
		ShippingSlip:      in.ShippingSlip,
		ShippingCarrierID: in.CarrierID,
		ShippedAt:         in.ShippedAt,
	}}, withSale)
	if err != nil {
		if httpapi.MayHaveApplied(err) {
			if after, rerr := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber); rerr == nil && after.HasShipping(in.ShippingSlip, in.ShippedAt, in.CarrierID) {
				a.logger().Warn("ecforce's answer to the shipping update was an error, but the order shows it applied",
					"shop", in.Shop, "order", in.OrderNumber, "with_sale", withSale, "error", err.Error())
				res.Written, res.ConfirmedByReading = true, true
				if withSale {
					res.ReportedAt = time.Now()
				}
				countShipment(ctx, in.Shop, "shipping")
				return res, nil
			}
		}
		return res, classify(what, err)
	}
	id := strconv.FormatInt(in.OrderID, 10)
	if be, failed := bulk.ErrorFor(id); failed || slices.Contains(bulk.Failure, id) {
		reason := "no reason given"
		if failed {
			reason = be.Error()
		}
		return res, nonRetryable(ErrTypeShippingRejected, fmt.Errorf(
			"%s: ecforce refused order id %d: %s; fix what it names (an unknown shipping_carrier_id: shipment_notification.carriers), then re-run",
			what, in.OrderID, reason))
	}
	if !bulk.Succeeded(id) {
		// A 200 without our record: re-read on retry and decide then.
		return res, temporal.NewApplicationError(fmt.Sprintf("%s: ecforce answered 200 without a result for order id %d; the next attempt reads the order first", what, in.OrderID), ErrTypeTransient)
	}
	res.Written = true
	if withSale {
		res.ReportedAt = time.Now()
	}
	countShipment(ctx, in.Shop, "shipping")
	a.logger().Info("shipping written to ecforce", "shop", in.Shop, "order", in.OrderNumber,
		"shipped_at", in.ShippedAt.In(ecforce.JST).Format(time.DateTime), "carrier_id", in.CarrierID, "with_sale", withSale)
	return res, nil
}

// readOrder reads an ecforce order's shipping and payment state by id.
func (a *ShipmentNotification) readOrder(ctx context.Context, shop *Shop, id int64, number string) (shipment.EcforceShipping, error) {
	ec, _ := a.shipmentClients(shop)
	o, err := getOrder(ctx, ec, shop.Settings.Code, id, number)
	if err != nil {
		return shipment.EcforceShipping{}, err
	}
	return shipment.EcforceShippingOf(o), nil
}
