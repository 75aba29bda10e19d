package activities

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/shipment"
)

func TestCaptureSales(t *testing.T) {
	tests := []struct {
		name    string
		payment string
		method  string
		state   string // 対応状況; "" = complete
		// settlement is the order's LOGILESS settlement; reportedAt, for a
		// 後払い order, whether the shipping update carried its report.
		settlement shipment.Settlement
		reported   bool
		// setup runs after the order is seeded; id is its ecforce id.
		setup        func(t *testing.T, f *shipmentFixture, id int64)
		requested    bool          // heartbeat details of an earlier attempt say "requested"
		settleWithin time.Duration // CaptureSettleTimeout; 0 = the fixture's
		wantCaptured bool
		wantReported bool
		wantSkip     string
		wantRequests int // requests that reached the sandbox
		// fewestRequests, when set, accepts from this many up to
		// wantRequests (a count that depends on how fast the reads run)
		fewestRequests int
		wantSettled    int // capture jobs that moved payment_state; -1 = do not check
		wantErrType    string
		retryable      bool
	}{
		{name: "authed: captured once, waits until completed", payment: "authed", wantCaptured: true, wantRequests: 1, wantSettled: 1},
		{name: "a card by its LOGILESS method: captured once", payment: "authed", settlement: shipment.SettleByCapture, wantCaptured: true, wantRequests: 1, wantSettled: 1},
		{name: "already captured", payment: "completed", wantSkip: "already captured"},
		{name: "cash on delivery", payment: "cash_on_delivery_authed", method: "代金引換", wantSkip: "cash on delivery"},
		{name: "cash on delivery by its LOGILESS method", payment: "cash_on_delivery_authed", method: "代金引換", settlement: shipment.SettleOnDelivery, wantSkip: "cash on delivery"},
		{name: "a bank transfer is never captured, whatever payment_state says", payment: "authed", settlement: shipment.SettledBeforeShipping, wantSkip: "paid before shipping"},
		{name: "no payment", payment: "paid", settlement: shipment.SettleNothing, wantSkip: "no payment"},
		{name: "an earlier attempt requested it: only waits", payment: "authed", requested: true, wantCaptured: true, wantSettled: 1,
			setup: func(t *testing.T, f *shipmentFixture, id int64) {
				if _, err := f.ecClient.RequestSales(t.Context(), []int64{id}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "an earlier attempt's capture already completed", payment: "completed", requested: true, wantCaptured: true},
		{name: "a 500 after the request was applied: waits, never requests again", payment: "authed", wantCaptured: true, wantRequests: 1, wantSettled: 1,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, AfterApply: true, Status: 500})
			}},
		{name: "dropped after it applied: waits, never requests again", payment: "authed", wantCaptured: true, wantRequests: 1, wantSettled: 1,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, AfterApply: true, Drop: true})
			}},
		{name: "a 500 before it applied: sent again after the grace period, captured once", payment: "authed", wantCaptured: true, wantRequests: 2, wantSettled: 1,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, Status: 500})
			}},
		{name: "dropped before it applied: sent again after the grace period, captured once", payment: "authed", wantCaptured: true, wantRequests: 2, wantSettled: 1,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, Drop: true})
			}},
		{name: "a job slower than the grace period: one more request, captured once", payment: "authed", wantCaptured: true, wantRequests: 2, wantSettled: 1,
			setup: func(_ *testing.T, f *shipmentFixture, id int64) { f.ec.SlowNextCapture(id, 3*testCaptureGrace/2) }},
		{name: "capture fails: non-retryable for the operator", payment: "authed", wantRequests: 1, wantErrType: ErrTypeCaptureFailed,
			setup: func(_ *testing.T, f *shipmentFixture, id int64) { f.ec.FailNextCapture(id) }},
		{name: "a capture that failed before is not retried", payment: "sales_failed", wantErrType: ErrTypeCaptureFailed},
		{name: "an applied-looking request that never settles is not sent again within the grace period", payment: "authed", wantRequests: 1, wantErrType: ErrTypeCaptureUnconfirmed,
			settleWithin: 50 * time.Millisecond,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, Status: 502})
			}},
		{name: "requests that never show are sent once per grace period, then unconfirmed", payment: "authed", fewestRequests: 2, wantRequests: 3, wantErrType: ErrTypeCaptureUnconfirmed,
			settleWithin: 2*testCaptureGrace + 3*testCaptureGrace/4,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, Status: 502, Times: -1})
			}},
		{name: "rate limited before anything happened: retried", payment: "authed", wantRequests: 1, wantErrType: ErrTypeRateLimited, retryable: true,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, Status: 429, Headers: map[string]string{"Retry-After": "120"}})
			}},
		{name: "voided payment", payment: "voided", wantErrType: ErrTypePaymentNotCapturable},
		{name: "credit check still running", payment: "credit_exam_processing", wantErrType: ErrTypeCreditExamPending, retryable: true},
		{name: "a cancelled order: nothing requested", payment: "authed", state: "canceled", wantErrType: ErrTypeOrderCanceled},
		{name: "後払い: the report went with the shipping and stands after the grace period", payment: "credit_exam_completed", method: "NP後払い",
			settlement: shipment.SettleByShipmentReport, reported: true, wantReported: true},
		{name: "後払い: no report was sent with the shipping, none is sent now", payment: "credit_exam_completed", method: "NP後払い",
			settlement: shipment.SettleByShipmentReport, wantSkip: "never sent apart from the shipping update"},
		{name: "後払い: a failed shipment report is the operator's", payment: "shipment_report_failed", method: "NP後払い",
			settlement: shipment.SettleByShipmentReport, reported: true, wantErrType: ErrTypeCaptureFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newShipmentFixture(t, ecforceapi.Config{}, nil)
			state := tt.state
			if state == "" {
				state = "complete"
			}
			id := f.order(t, ecforceapi.OrderSeed{Number: "EC1", State: state, PaymentState: tt.payment, PaymentMethodName: tt.method})
			if tt.setup != nil {
				tt.setup(t, f, id)
			}
			if tt.settleWithin != 0 {
				f.a.CaptureSettleTimeout = tt.settleWithin
			}
			env := activityEnv(f.a)
			if tt.requested {
				env.SetHeartbeatDetails(captureProgress{RequestedAt: time.Now()})
			}
			var last captureProgress
			env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
				_ = details.Get(&last)
			})
			in := CaptureSalesInput{Shop: "demo", OrderNumber: "EC1", OrderID: id, Settlement: tt.settlement}
			if tt.reported {
				in.ReportedAt = time.Now()
			}
			f.resetCounts()
			started := time.Now()
			res, err := runActivity[CaptureSalesResult](t, env, f.a.CaptureSales, in)
			fewest := tt.wantRequests
			if tt.fewestRequests != 0 {
				fewest = tt.fewestRequests
			}
			if n := f.ecCalls(ecRequestSales); n > tt.wantRequests || n < fewest {
				t.Errorf("%d capture requests, want %d to %d", n, fewest, tt.wantRequests)
			}
			if n := f.ec.CapturesSettled(id); tt.wantSettled >= 0 && n != tt.wantSettled {
				t.Errorf("%d captures settled, want %d", n, tt.wantSettled)
			}
			if tt.wantReported && time.Since(started) < testCaptureGrace {
				t.Errorf("the shipment report was taken as standing after %s, before the grace period %s", time.Since(started), testCaptureGrace)
			}
			if tt.wantErrType != "" {
				typ, retry := appErrType(err)
				if typ != tt.wantErrType || retry != tt.retryable {
					t.Fatalf("error = %v (type %s, retryable %v), want %s retryable=%v", err, typ, retry, tt.wantErrType, tt.retryable)
				}
				if !retry && !strings.Contains(err.Error(), "EC1") {
					t.Errorf("error %q does not name the order", err)
				}
				if tt.wantErrType == ErrTypeRateLimited && !last.RequestedAt.IsZero() {
					t.Errorf("a refused request left %+v in the heartbeat; the retry would never request", last)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Captured != tt.wantCaptured || res.ShipmentReported != tt.wantReported || !strings.Contains(res.SkippedBecause, tt.wantSkip) {
				t.Errorf("result = %+v", res)
			}
			if o, _ := f.ec.Order(id); tt.wantCaptured && o.PaymentState != "completed" {
				t.Errorf("ecforce has payment_state %q, want completed", o.PaymentState)
			}
		})
	}
}

// Only a 4xx answer or a connection never made prove that a request did
// not apply.
func TestNotApplied(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"400", &httpapi.StatusError{StatusCode: 400}, true},
		{"429", &httpapi.StatusError{StatusCode: 429}, true},
		{"408", &httpapi.StatusError{StatusCode: 408}, false},
		{"500", &httpapi.StatusError{StatusCode: 500}, false},
		{"connection refused", &url.Error{Op: "Post", Err: &net.OpError{Op: "dial", Err: errors.New("connect: connection refused")}}, true},
		{"connection reset after sending", &url.Error{Op: "Post", Err: &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}}, false},
		{"timeout", context.DeadlineExceeded, false},
		{"cancelled mid-request", context.Canceled, false},
	}
	for _, tt := range tests {
		if got := notApplied(fmt.Errorf("request sales: %w", tt.err)); got != tt.want {
			t.Errorf("%s: notApplied = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func TestCaptureFailureTellsTheOperatorWhatToDo(t *testing.T) {
	f := newShipmentFixture(t, ecforceapi.Config{}, nil)
	id := f.order(t, ecforceapi.OrderSeed{Number: "EC1", PaymentState: "authed", PaymentMethodName: "クレジットカード決済"})
	f.ec.FailNextCapture(id)
	_, err := activityEnv(f.a).ExecuteActivity(f.a.CaptureSales, CaptureSalesInput{Shop: "demo", OrderNumber: "EC1", OrderID: id})
	for _, want := range []string{"sales_failed", "ecforce admin", "Reset", "starter notify-shipment --shop demo --order EC1", "notify-shipment/demo/EC1",
		"(runbook: docs/errors.md#ecforcecapturefailed)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}
