package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/shipment"
)

// OrderCanceledChangeID is the workflow.GetVersion change with which a
// NotifyShipment whose ecforce order is キャンセル (a step failed with
// activities.ErrTypeOrderCanceled before writing) completes with
// OutcomeCanceled instead of failing, so that later discoveries do not
// start it again. Runs recorded before it never met that error.
const OrderCanceledChangeID = "order-canceled"

// OrderCanceledVersion is the version of OrderCanceledChangeID that
// completes a cancelled order's run.
const OrderCanceledVersion workflow.Version = 1

// NotifyShipmentInput names one shipped order of one shop.
type NotifyShipmentInput struct {
	Shop string
	// OrderNumber is the LOGILESS 受注コード, which is the ecforce 受注番号.
	OrderNumber string
	// SalesOrderID is the LOGILESS id, 0 when only the number is known.
	SalesOrderID int64
}

// NotifyShipmentResult says what the notification did.
type NotifyShipmentResult struct {
	Shop         string
	OrderNumber  string
	OrderID      int64 // ecforce 受注ID
	SalesOrderID int64
	// ShippingSlip is what ecforce's 配送伝票番号 holds now: every tracking
	// number, joined with the shop's separator.
	ShippingSlip string
	ShippedAt    time.Time // JST
	CarrierID    int64     // 0: the order's carrier was left as is
	Parcels      int
	// Outcome is OutcomeNotified (something was written) or
	// OutcomeAlreadyNotified.
	Outcome         string
	ShippingWritten bool
	ShippingSkipped string
	// SalesRequested says whether the shop runs 売上処理 with the
	// notification; Captured whether this run's capture completed.
	SalesRequested bool
	Captured       bool
	CaptureSkipped string
	// StateSet is the 対応状況 written, "" when none was.
	StateSet     string
	StateSkipped string
	// Settlement is how the order's payment settles (by its LOGILESS
	// payment_method); ShipmentReported is true for a 後払い order whose
	// shipment report went with the shipping update.
	Settlement       shipment.Settlement `json:",omitempty"`
	ShipmentReported bool                `json:",omitempty"`
	// Canceled is true when the ecforce order is キャンセル: nothing was
	// written (Outcome is OutcomeCanceled) and CanceledBecause says where
	// the run stopped.
	Canceled        bool   `json:",omitempty"`
	CanceledBecause string `json:",omitempty"`
}

// NotifyShipment reports one LOGILESS shipment to ecforce, exactly once:
// the ship date, the tracking numbers of every parcel and the carrier; then,
// each only if the shop's switches (read first, in one step) enable it,
// 売上処理 (waiting until payment_state settles) and a change of 対応状況.
// Every step is its own activity that reads ecforce first and skips what is
// already true.
//
// Anything a person fixes by changing data or settings (a failed capture,
// an unknown status key, a carrier that maps to nothing) makes the run wait
// as blocked:<type> at that step, saying what to do, until it is woken
// (untilUnblocked); steps already done stay done. Runs recorded before
// BlockedWaitsVersion fail instead. An order cancelled in
// ecforce gets nothing written: the run completes with OutcomeCanceled.
func NotifyShipment(ctx workflow.Context, in NotifyShipmentInput) (NotifyShipmentResult, error) {
	res := NotifyShipmentResult{Shop: in.Shop, OrderNumber: in.OrderNumber, SalesOrderID: in.SalesOrderID}
	ctx = restartable(ctx, NotifyShipment, in)
	if err := markOrderRunning(ctx, in.Shop, in.OrderNumber, FlowShipmentNotification); err != nil {
		return res, err
	}
	sw, fromSwitches, err := readShopSwitches(ctx, in.Shop)
	if err != nil {
		return res, fail(ctx, err)
	}
	var a *activities.ShipmentNotification

	var prep activities.PrepareShipmentResult
	doing(ctx, "reading the LOGILESS shipment and the ecforce order of %s", in.OrderNumber)
	if err := untilUnblocked(ctx, func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(step(ctx, orderStepOptions, stepPrepareShipment), a.PrepareShipment, activities.PrepareShipmentInput{
			Shop: in.Shop, OrderNumber: in.OrderNumber, SalesOrderID: in.SalesOrderID,
		}).Get(ctx, &prep)
	}); err != nil {
		return res, fail(ctx, err)
	}
	withSales, statusAfter := sw.ShipmentNotification.WithSales, sw.ShipmentNotification.StatusAfter
	if !fromSwitches {
		withSales, statusAfter = prep.WithSales, prep.StatusAfter // runs recorded before ShopSwitchesVersion
	}
	res.OrderID, res.SalesOrderID = prep.OrderID, prep.SalesOrderID
	res.ShippingSlip, res.ShippedAt, res.CarrierID, res.Parcels = prep.ShippingSlip, prep.ShippedAt, prep.CarrierID, prep.Parcels
	res.SalesRequested, res.Settlement = withSales, prep.Settlement

	// 1. Ship date, tracking numbers and carrier; with_sale only for the
	// shipment report of a 後払い order.
	var shipping activities.UpdateShippingResult
	doing(ctx, "writing 出荷情報 (%d parcels) to ecforce order %s", prep.Parcels, in.OrderNumber)
	// Only the first execution of a step trusts PrepareShipment's read:
	// one after a wake reads the order again (values only: no command).
	current, woken, runs := prep.Current, false, 0
	if err := untilUnblocked(ctx, func(ctx workflow.Context) error {
		runs++
		woken = runs > 1
		in := activities.UpdateShippingInput{
			Shop:           in.Shop,
			OrderNumber:    in.OrderNumber,
			OrderID:        prep.OrderID,
			ShippingSlip:   prep.ShippingSlip,
			ShippedAt:      prep.ShippedAt,
			CarrierID:      prep.CarrierID,
			Current:        current,
			ReportWithSale: withSales && prep.Settlement == shipment.SettleByShipmentReport,
			// The capture of a card order rides on the slip's write
			// unless the shop's separate_capture is on.
			CaptureWithSale: withSales && prep.Settlement == shipment.SettleByCapture,
		}
		current = shipment.EcforceShipping{}
		return workflow.ExecuteActivity(step(ctx, orderStepOptions, stepUpdateShipping), a.UpdateShipping, in).Get(ctx, &shipping)
	}); err != nil {
		return stopAt(ctx, res, err)
	}
	res.ShippingWritten, res.ShippingSkipped = shipping.Written, shipping.SkippedBecause
	state := prep.Current.State

	// 2. 売上処理, only with "run sales processing with the notification".
	if withSales {
		var capture activities.CaptureSalesResult
		doing(ctx, "waiting for 決済状況 to settle (売上処理 of %s)", in.OrderNumber)
		current := &prep.Current
		if woken {
			current = nil // the shipping step ran again after a wake: read afresh
		}
		if err := untilUnblocked(ctx, func(ctx workflow.Context) error {
			in := activities.CaptureSalesInput{
				Shop: in.Shop, OrderNumber: in.OrderNumber, OrderID: prep.OrderID,
				Settlement: prep.Settlement, ReportedAt: shipping.ReportedAt, Current: current,
			}
			current = nil
			return workflow.ExecuteActivity(step(ctx, captureActivityOptions, stepCaptureSales), a.CaptureSales, in).Get(ctx, &capture)
		}); err != nil {
			return stopAt(ctx, res, err)
		}
		res.Captured, res.CaptureSkipped, res.ShipmentReported = capture.Captured, capture.SkippedBecause, capture.ShipmentReported
		if capture.State != "" {
			state = capture.State
		}
	}

	// 3. 対応状況, only when a target status is set.
	if statusAfter != "" {
		var status activities.SetShipmentStatusResult
		doing(ctx, "setting 対応状況 of %s to %s", in.OrderNumber, statusAfter)
		if err := untilUnblocked(ctx, func(ctx workflow.Context) error {
			return workflow.ExecuteActivity(step(ctx, orderStepOptions, stepSetState), a.SetShipmentStatus, activities.SetShipmentStatusInput{
				Shop:          in.Shop,
				OrderNumber:   in.OrderNumber,
				OrderID:       prep.OrderID,
				State:         statusAfter,
				StateWhenRead: state,
			}).Get(ctx, &status)
		}); err != nil {
			return res, fail(ctx, err)
		}
		if status.Changed {
			res.StateSet = statusAfter
		}
		res.StateSkipped = status.SkippedBecause
	}

	res.Outcome = OutcomeAlreadyNotified
	if res.ShippingWritten || res.Captured || res.ShipmentReported || res.StateSet != "" {
		res.Outcome = OutcomeNotified
	}
	if err := setOutcome(ctx, res.Outcome); err != nil {
		return res, err
	}
	return res, nil
}

// stopAt ends a notification whose step failed: through fail, except for
// an order cancelled in ecforce (runs at OrderCanceledVersion), whose run
// completes with OutcomeCanceled and says where it stopped.
func stopAt(ctx workflow.Context, res NotifyShipmentResult, err error) (NotifyShipmentResult, error) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeOrderCanceled ||
		workflow.GetVersion(ctx, OrderCanceledChangeID, workflow.DefaultVersion, OrderCanceledVersion) == workflow.DefaultVersion {
		return res, fail(ctx, err)
	}
	res.Canceled, res.CanceledBecause, res.Outcome = true, appErr.Message(), OutcomeCanceled
	if err := setOutcome(ctx, res.Outcome); err != nil {
		return res, err
	}
	return res, nil
}
