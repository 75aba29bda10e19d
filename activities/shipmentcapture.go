package activities

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
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
	// Settlement is how the order's payment settles, by its LOGILESS
	// payment_method; "" (runs recorded before it, unknown methods)
	// decides by payment_state alone.
	Settlement shipment.Settlement
	// ReportedAt is when UpdateShipping sent the shipment report of a
	// 後払い order, or the capture request of a card order
	// (UpdateShippingInput.CaptureWithSale), with the shipping
	// (with_sale=1); zero when this notification sent none.
	ReportedAt time.Time
	// Current, if set, is the order as PrepareShipment read it: the first
	// attempt starts from it instead of reading the order again (the
	// shipping write in between does not touch payment_state or state,
	// unless with_sale went with it, which ReportedAt says); retries read.
	Current *shipment.EcforceShipping `json:",omitempty"`
}

// CaptureSalesResult says what happened to the payment.
type CaptureSalesResult struct {
	// Captured is true when this notification's capture settled as
	// completed.
	Captured bool
	// ShipmentReported is true for a 後払い order whose shipment report
	// went with the shipping update and showed no failure within the
	// grace period (payment_state may stay as it is).
	ShipmentReported bool
	// SkippedBecause is set when nothing was captured, e.g. "already
	// captured" or "cash on delivery needs no capture".
	SkippedBecause string
	// PaymentState and State are the order's payment_state and 対応状況 as
	// last read.
	PaymentState string
	State        string
	// Reads counts the order reads of this attempt; Requests the capture
	// requests it sent.
	Reads    int
	Requests int
}

// captureProgress is the heartbeat detail with which the attempts of one
// CaptureSales hand on the requests sent (shipment.CaptureRequests).
// RequestedAt keeps the name the details of earlier versions used.
type captureProgress struct {
	RequestedAt      time.Time
	FirstRequestedAt time.Time `json:",omitempty"`
	Requests         int       `json:",omitempty"`
	// EndedAttempt is the attempt that left these details as it returned:
	// the next attempt can trust them. Any other value means the previous
	// attempt was lost (a killed worker) after its last heartbeat.
	EndedAttempt int32 `json:",omitempty"`
}

func (p captureProgress) requests() shipment.CaptureRequests {
	r := shipment.CaptureRequests{First: p.FirstRequestedAt, Last: p.RequestedAt, Count: p.Requests}
	if r.First.IsZero() {
		r.First = r.Last
	}
	return r
}

func progressOf(r shipment.CaptureRequests) captureProgress {
	return captureProgress{RequestedAt: r.Last, FirstRequestedAt: r.First, Requests: r.Count}
}

// CaptureSales runs 売上処理 as the order's settlement needs it
// (shipment.Settlement; docs/shipment-notification.md has the table):
// card-like payments by payment_status bulk_update (method sales), waited
// for until payment_state settles; a 後払い order's shipment report, which
// went with the shipping update, is only watched for a failure; cash on
// delivery, prepaid and no payment need nothing. A cancelled order fails
// as ErrTypeOrderCanceled before anything is sent.
//
// Idempotent, exactly once and never zero (shipment.NextCapture): it reads
// payment_state first and skips captured orders. It records each request
// in its heartbeat details before sending it, and every retry receives
// them. A request refused before it applied (4xx, connection refused) is
// forgotten and sent again; one that may have applied (5xx, lost answer,
// killed worker) is sent again only when payment_state has not moved
// within the shop's capture_grace; an attempt whose predecessor was lost
// counts a request as late as its own start. After CaptureSettleTimeout
// of requests without movement it fails as ErrTypeCaptureUnconfirmed.
func (a *ShipmentNotification) CaptureSales(ctx context.Context, in CaptureSalesInput) (res CaptureSalesResult, err error) {
	info := activity.GetInfo(ctx)
	var progress captureProgress
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &progress)
	}
	c := &capture{a: a, in: in, res: &res, requests: progress.requests(),
		what: fmt.Sprintf("売上処理 (capture) of order %s of shop %s", in.OrderNumber, in.Shop)}
	c.lost = info.Attempt > 1 && progress.EndedAttempt != info.Attempt-1
	ctx = capturePriority(ctx, func() any { return progressOf(c.requests) })
	defer func() {
		if err != nil { // the SDK sends these details with the failure
			p := progressOf(c.requests)
			p.EndedAttempt = info.Attempt
			activity.RecordHeartbeat(context.WithoutCancel(ctx), p)
		}
	}()
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	c.shop = shop
	c.grace = shop.Settings.ShipmentNotification.CaptureGrace
	if c.grace <= 0 {
		c.grace = DefaultCaptureGrace
	}
	order, err := c.first(ctx, info.Attempt)
	if err != nil {
		return res, err
	}
	switch s := in.Settlement; {
	case s == shipment.SettleByShipmentReport:
		return res, c.watchShipmentReport(ctx, order)
	case !s.Captures():
		res.SkippedBecause = s.Reason()
		if shipment.ClassifyPayment(order.PaymentState, order.PaymentMethodName).Kind == shipment.PaymentCapturable {
			a.logger().Warn("the LOGILESS payment_method needs no capture, but ecforce shows an authorization waiting for one; check order_import.payment_methods",
				"shop", in.Shop, "order", in.OrderNumber, "settlement", string(s), "payment_state", order.PaymentState)
		}
		return res, nil
	}
	return res, c.byRequest(ctx, order)
}

// capture is one attempt of CaptureSales.
type capture struct {
	a     *ShipmentNotification
	shop  *Shop
	in    CaptureSalesInput
	res   *CaptureSalesResult
	what  string
	grace time.Duration
	// requests are the requests sent, as earlier attempts recorded them
	// and this one goes on; lost is true when the previous attempt ended
	// without leaving its record.
	requests shipment.CaptureRequests
	lost     bool
}

// first is the order to start from: what PrepareShipment read, on the
// first attempt, else the order read now. A cancelled order fails.
func (c *capture) first(ctx context.Context, attempt int32) (shipment.EcforceShipping, error) {
	if cur := c.in.Current; attempt == 1 && cur != nil && cur.OrderID == c.in.OrderID && cur.OrderID != 0 {
		c.res.PaymentState, c.res.State = cur.PaymentState, cur.State
		if cur.Canceled() {
			return *cur, orderCanceled(c.in.Shop, c.in.OrderNumber, c.in.OrderID, "no capture is requested")
		}
		return *cur, nil
	}
	return c.read(ctx)
}

// read reads the order and fails a cancelled one.
func (c *capture) read(ctx context.Context) (shipment.EcforceShipping, error) {
	order, err := c.a.readOrder(ctx, c.shop, c.in.OrderID, c.in.OrderNumber)
	if err != nil {
		return order, classify(c.what, err)
	}
	c.res.Reads++
	c.res.PaymentState, c.res.State = order.PaymentState, order.State
	if order.Canceled() {
		return order, orderCanceled(c.in.Shop, c.in.OrderNumber, c.in.OrderID, "no capture is requested")
	}
	return order, nil
}

// byRequest captures a payment whose capture moves payment_state.
func (c *capture) byRequest(ctx context.Context, order shipment.EcforceShipping) (err error) {
	requests := &c.requests
	if info := activity.GetInfo(ctx); c.lost {
		*requests = requests.AfterLostAttempt(info.StartedTime)
		c.a.logger().Warn("the previous capture attempt was lost without its last record; a request it may have sent gets the grace period before another is sent",
			"shop", c.in.Shop, "order", c.in.OrderNumber, "attempt", info.Attempt, "grace", c.grace.String())
	}
	if requests.Last.IsZero() && !c.in.ReportedAt.IsZero() {
		// The request went with the shipping write (with_sale=1): it is
		// this notification's first, and gets the grace period.
		*requests = shipment.CaptureRequests{First: c.in.ReportedAt, Last: c.in.ReportedAt, Count: 1}
	}
	giveUp := c.a.CaptureSettleTimeout
	if giveUp <= 0 {
		giveUp = DefaultCaptureSettleTimeout
	}
	poll := newPoller(c.a.CapturePoll, c.a.CapturePollMax)
	for {
		payment := shipment.ClassifyPayment(order.PaymentState, order.PaymentMethodName)
		requested := !requests.Last.IsZero()
		switch payment.Kind {
		case shipment.PaymentCaptured:
			if !requested {
				c.res.SkippedBecause = payment.Reason
				return nil
			}
			c.res.Captured = true
			countShipment(ctx, c.in.Shop, "capture")
			c.a.logger().Info("capture completed", "shop", c.in.Shop, "order", c.in.OrderNumber, "reads", c.res.Reads, "requests", requests.Count)
			return nil
		case shipment.PaymentNoCapture:
			c.res.SkippedBecause = payment.Reason
			return nil
		case shipment.PaymentCapturable:
		default:
			return c.a.paymentError(c.what, c.in, order, payment, requested)
		}

		action, until := shipment.NextCapture(*requests, time.Now(), c.grace, giveUp)
		switch action {
		case shipment.CaptureGiveUp:
			return nonRetryable(ErrTypeCaptureUnconfirmed, fmt.Errorf(
				"%s: %d requests since %s, payment_state still %s after each waited %s; check 決済状況 in the ecforce admin (capture there unless 売上完了), then %s",
				c.what, requests.Count, requests.First.In(ecforce.JST).Format(time.DateTime), order.PaymentState, c.grace, rerunShipment(c.in)))
		case shipment.CaptureSend:
			before := *requests
			*requests = requests.Recorded(time.Now())
			activity.RecordHeartbeat(ctx, progressOf(*requests))
			if sendErr := c.send(ctx); sendErr != nil {
				*requests = before // it did not apply: the next attempt sends at once
				return sendErr
			}
			poll.reset()
			until = requests.Last.Add(c.grace)
		}
		if err := poll.wait(ctx, until, progressOf(*requests)); err != nil {
			return fmt.Errorf("%s: stopped while waiting for payment_state to settle: %w", c.what, err)
		}
		if order, err = c.read(ctx); err != nil {
			return err
		}
	}
}

// send sends one capture request. It returns an error only for a request
// that provably did not apply; one that may have applied is logged and
// left to payment_state.
func (c *capture) send(ctx context.Context) error {
	ec, _ := c.a.shipmentClients(c.shop)
	c.res.Requests++
	_, err := ec.RequestSales(ctx, []int64{c.in.OrderID})
	switch {
	case err == nil:
		c.a.logger().Info("capture requested", "shop", c.in.Shop, "order", c.in.OrderNumber, "order_id", c.in.OrderID)
	case notApplied(err):
		return classify(c.what, err)
	default:
		c.a.logger().Warn("the capture request's answer was an error that may hide an applied request; payment_state decides, after the grace period",
			"shop", c.in.Shop, "order", c.in.OrderNumber, "grace", c.grace.String(), "error", err.Error())
	}
	return nil
}

// notApplied reports whether a failed request provably did not reach
// ecforce's write: a 4xx answer other than 408, or a connection that was
// never made. Everything else (5xx, 408, a dropped connection, a timeout,
// a cancelled context) may have applied.
func notApplied(err error) bool {
	var se *httpapi.StatusError
	if errors.As(err, &se) {
		return se.StatusCode >= 400 && se.StatusCode < 500 && se.StatusCode != http.StatusRequestTimeout
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// watchShipmentReport is the capture step of a 後払い order: its shipment
// report went with the shipping update (with_sale=1, ReportedAt) and is
// never sent again. It waits out the grace period from the report and
// reads payment_state once more: a failed state is the operator's, any
// other means the report stands (payment_state may stay as it is; our
// inference, ecforce-api.md §10 q3).
func (c *capture) watchShipmentReport(ctx context.Context, order shipment.EcforceShipping) error {
	reported := !c.in.ReportedAt.IsZero()
	for checked := false; ; checked = true {
		payment := shipment.ClassifyPayment(order.PaymentState, order.PaymentMethodName)
		switch payment.Kind {
		case shipment.PaymentFailed, shipment.PaymentNotCapturable:
			return c.a.paymentError(c.what, c.in, order, payment, reported)
		case shipment.PaymentCaptured, shipment.PaymentNoCapture:
			c.res.ShipmentReported = reported
			if !reported {
				c.res.SkippedBecause = payment.Reason
			}
			return nil
		}
		if !reported {
			c.res.SkippedBecause = "後払い: ecforce already had this slip and ship date, so no shipment report was sent with them; it is never sent apart from the shipping update"
			return nil
		}
		if checked {
			c.res.ShipmentReported = true
			c.a.logger().Info("shipment report of a deferred payment stands", "shop", c.in.Shop, "order", c.in.OrderNumber, "payment_state", order.PaymentState)
			return nil
		}
		poll := newPoller(c.a.CapturePollMax, c.a.CapturePollMax)
		until := c.in.ReportedAt.Add(c.grace)
		for time.Now().Before(until) {
			if err := poll.wait(ctx, until, nil); err != nil {
				return fmt.Errorf("%s: stopped while watching the shipment report: %w", c.what, err)
			}
		}
		var err error
		if order, err = c.read(ctx); err != nil {
			return err
		}
	}
}

// poller paces the payment_state reads: a wait that doubles from first up
// to most, never past a deadline, heartbeating as it goes.
type poller struct{ first, most, next time.Duration }

func newPoller(first, most time.Duration) *poller {
	if first <= 0 {
		first = DefaultCapturePoll
	}
	if most <= 0 {
		most = DefaultCapturePollMax
	}
	return &poller{first: first, most: most, next: first}
}

func (p *poller) reset() { p.next = p.first }

// wait sleeps the next interval, or until the deadline when that comes
// first, after a heartbeat with details.
func (p *poller) wait(ctx context.Context, deadline time.Time, details any) error {
	d := p.next
	if left := time.Until(deadline); left > 0 && left < d {
		d = left
	}
	p.next = min(2*p.next, p.most)
	activity.RecordHeartbeat(ctx, details)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
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

// orderCanceled is the failure of a step that finds the ecforce order
// キャンセル: it writes nothing, and the run ends saying so.
func orderCanceled(shop, number string, id int64, nothing string) error {
	return nonRetryable(ErrTypeOrderCanceled, fmt.Errorf(
		"ecforce order %s (id %d) of shop %s is キャンセル (canceled); %s. If LOGILESS shipped it anyway, settle it with the customer by hand",
		number, id, shop, nothing))
}
