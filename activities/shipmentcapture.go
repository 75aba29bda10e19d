package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/shipment"
)

// CaptureSalesInput names the order to run 売上処理 for.
type CaptureSalesInput struct {
	Shop        string
	OrderNumber string
	OrderID     int64
}

// CaptureSalesResult says what happened to the payment.
type CaptureSalesResult struct {
	// Captured is true when this notification's capture settled as
	// completed.
	Captured bool
	// SkippedBecause is set when nothing was captured, e.g. "already
	// captured" or "cash on delivery needs no capture".
	SkippedBecause string
	// PaymentState and State are the order's payment_state and 対応状況 as
	// last read.
	PaymentState string
	State        string
	// Reads counts the order reads of this attempt.
	Reads int
}

// captureProgress is the heartbeat detail that remembers, across attempts
// of one CaptureSales, that a capture was (maybe) requested.
type captureProgress struct {
	RequestedAt time.Time
}

// CaptureSales runs 売上処理 (payment_status bulk_update, method sales) and
// waits until payment_state settles: completed is success; a failed state
// is a non-retryable ErrTypeCaptureFailed for an operator. What a payment
// state allows is shipment.ClassifyPayment's to say.
//
// Idempotent, and never captures twice: it reads the order first and skips
// captured orders and payments that need none. Before sending the request
// it records "requested" in its heartbeat details, which every retry of
// this activity receives: a retry then only waits for payment_state. An
// error that may hide an applied request (5xx, lost answer) is treated as
// requested too. A request whose payment_state never moves within
// CaptureSettleTimeout fails as ErrTypeCaptureUnconfirmed rather than being
// sent again.
func (a *ShipmentNotification) CaptureSales(ctx context.Context, in CaptureSalesInput) (CaptureSalesResult, error) {
	ctx = shipmentPriority(ctx)
	var res CaptureSalesResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	ec, _ := shipmentClients(shop)
	what := fmt.Sprintf("売上処理 (capture) of order %s of shop %s", in.OrderNumber, in.Shop)
	var progress captureProgress
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &progress)
	}

	order, err := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber)
	if err != nil {
		return res, classify(what, err)
	}
	res.Reads++
	res.PaymentState, res.State = order.PaymentState, order.State

	if !progress.RequestedAt.IsZero() {
		// An earlier attempt requested the capture: only wait for it.
		if done, err := a.captureSettled(what, in, order, progress, &res); done || err != nil {
			return res, err
		}
	} else {
		payment := shipment.ClassifyPayment(order.PaymentState, order.PaymentMethodName)
		switch payment.Kind {
		case shipment.PaymentCaptured, shipment.PaymentNoCapture:
			res.SkippedBecause = payment.Reason
			return res, nil
		case shipment.PaymentCapturable:
		default:
			return res, a.paymentError(what, in, order, payment, false)
		}
		progress.RequestedAt = time.Now()
		activity.RecordHeartbeat(ctx, progress)
		if _, err := ec.RequestSales(ctx, []int64{in.OrderID}); err != nil {
			if !httpapi.MayHaveApplied(err) {
				// Refused before anything happened: a retry may request.
				activity.RecordHeartbeat(ctx, captureProgress{})
				return res, classify(what, err)
			}
			a.logger().Warn("the capture request's answer was an error that may hide an applied request; waiting for payment_state instead of sending it again",
				"shop", in.Shop, "order", in.OrderNumber, "error", err.Error())
		} else {
			a.logger().Info("capture requested", "shop", in.Shop, "order", in.OrderNumber, "order_id", in.OrderID)
		}
	}

	wait, maxWait := a.CapturePoll, a.CapturePollMax
	if wait <= 0 {
		wait = DefaultCapturePoll
	}
	if maxWait <= 0 {
		maxWait = DefaultCapturePollMax
	}
	for {
		activity.RecordHeartbeat(ctx, progress)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return res, fmt.Errorf("%s: stopped while waiting for payment_state to settle: %w", what, ctx.Err())
		case <-timer.C:
		}
		wait = min(2*wait, maxWait)

		order, err := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber)
		if err != nil {
			return res, classify(what, err)
		}
		res.Reads++
		res.PaymentState, res.State = order.PaymentState, order.State
		if done, err := a.captureSettled(what, in, order, progress, &res); done || err != nil {
			if err == nil && res.Captured {
				countShipment(ctx, in.Shop, "capture")
			}
			return res, err
		}
	}
}

// captureSettled judges the order read after a capture was requested: done
// when payment_state settled (res filled in), an error when it settled as
// failed or never moved, neither while it is still in flight.
func (a *ShipmentNotification) captureSettled(what string, in CaptureSalesInput, order shipment.EcforceShipping, progress captureProgress, res *CaptureSalesResult) (bool, error) {
	timeout := a.CaptureSettleTimeout
	if timeout <= 0 {
		timeout = DefaultCaptureSettleTimeout
	}
	payment := shipment.ClassifyPayment(order.PaymentState, order.PaymentMethodName)
	switch payment.Kind {
	case shipment.PaymentCaptured:
		res.Captured = true
		a.logger().Info("capture completed", "shop", in.Shop, "order", in.OrderNumber, "reads", res.Reads)
		return true, nil
	case shipment.PaymentNoCapture:
		res.SkippedBecause = payment.Reason
		return true, nil
	case shipment.PaymentCapturable, shipment.PaymentExamPending:
		if since := time.Since(progress.RequestedAt); since > timeout {
			return false, nonRetryable(ErrTypeCaptureUnconfirmed, fmt.Errorf(
				"%s: requested at %s, payment_state still %s after %s; it is not requested again. Check 決済状況 in the ecforce admin (capture there unless 売上完了), then %s",
				what, progress.RequestedAt.In(ecforce.JST).Format(time.DateTime), order.PaymentState, since.Round(time.Second), rerunShipment(in)))
		}
		return false, nil
	}
	return false, a.paymentError(what, in, order, payment, true)
}

// paymentError is the non-retryable (or, for a running credit check,
// delayed) error for a payment that cannot be captured now.
func (a *ShipmentNotification) paymentError(what string, in CaptureSalesInput, order shipment.EcforceShipping, p shipment.Payment, requested bool) error {
	switch p.Kind {
	case shipment.PaymentExamPending:
		return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s: %s; capture waits and tries again", what, p.Reason),
			ErrTypeCreditExamPending, temporal.ApplicationErrorOptions{NextRetryDelay: 15 * time.Minute})
	case shipment.PaymentFailed:
		how := "a capture attempted before"
		if requested {
			how = "this notification's capture"
		}
		a.logger().Warn("capture failed; an operator must look at the payment", "shop", in.Shop, "order", in.OrderNumber, "payment_state", order.PaymentState)
		return nonRetryable(ErrTypeCaptureFailed, fmt.Errorf(
			"%s: %s after %s (%s); fix the payment in the ecforce admin, then %s",
			what, p.Reason, how, order.PaymentMethodName, rerunShipment(in)))
	default:
		return nonRetryable(ErrTypePaymentNotCapturable, fmt.Errorf(
			"%s: %s, from which 売上処理 cannot start (needs authed); capture by hand or turn with_sales off, then %s",
			what, p.Reason, rerunShipment(in)))
	}
}

// rerunShipment says how an operator re-runs the notification of one
// order once the cause is fixed; steps already done are skipped.
func rerunShipment(in CaptureSalesInput) string {
	return fmt.Sprintf("Reset workflow notify-shipment/%s/%s or run `starter notify-shipment --shop %s --order %s`",
		in.Shop, in.OrderNumber, in.Shop, in.OrderNumber)
}
