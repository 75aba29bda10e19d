package activities

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

func TestCaptureSales(t *testing.T) {
	tests := []struct {
		name    string
		payment string
		method  string
		// setup runs after the order is seeded; id is its ecforce id.
		setup        func(t *testing.T, f *shipmentFixture, id int64)
		requested    bool          // heartbeat details of an earlier attempt say "requested"
		settleWithin time.Duration // CaptureSettleTimeout; 0 = the fixture's
		wantCaptured bool
		wantSkip     string
		wantRequests int
		wantErrType  string
		retryable    bool
	}{
		{name: "authed: captured once, waits until completed", payment: "authed", wantCaptured: true, wantRequests: 1},
		{name: "already captured", payment: "completed", wantSkip: "already captured"},
		{name: "cash on delivery", payment: "cash_on_delivery_authed", method: "代金引換", wantSkip: "cash on delivery"},
		{name: "an earlier attempt requested it: only waits", payment: "authed", requested: true, wantCaptured: true,
			setup: func(t *testing.T, f *shipmentFixture, id int64) {
				if _, err := f.ecClient.RequestSales(t.Context(), []int64{id}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "an earlier attempt's capture already completed", payment: "completed", requested: true, wantCaptured: true},
		{name: "a 500 after the request was applied: waits, never requests again", payment: "authed", wantCaptured: true, wantRequests: 1,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, AfterApply: true, Status: 500})
			}},
		{name: "capture fails: non-retryable for the operator", payment: "authed", wantRequests: 1, wantErrType: ErrTypeCaptureFailed,
			setup: func(_ *testing.T, f *shipmentFixture, id int64) { f.ec.FailNextCapture(id) }},
		{name: "a capture that failed before is not retried", payment: "sales_failed", wantErrType: ErrTypeCaptureFailed},
		{name: "an applied-looking request that never settles is not sent again", payment: "authed", wantRequests: 1, wantErrType: ErrTypeCaptureUnconfirmed,
			settleWithin: 50 * time.Millisecond,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, Status: 502})
			}},
		{name: "rate limited before anything happened: retried", payment: "authed", wantRequests: 1, wantErrType: ErrTypeRateLimited, retryable: true,
			setup: func(_ *testing.T, f *shipmentFixture, _ int64) {
				f.ec.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: ecSalesPath, Status: 429, Headers: map[string]string{"Retry-After": "120"}})
			}},
		{name: "voided payment", payment: "voided", wantErrType: ErrTypePaymentNotCapturable},
		{name: "credit check still running", payment: "credit_exam_processing", wantErrType: ErrTypeCreditExamPending, retryable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newShipmentFixture(t, ecforceapi.Config{}, nil)
			id := f.order(t, ecforceapi.OrderSeed{Number: "EC1", State: "complete", PaymentState: tt.payment, PaymentMethodName: tt.method})
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
			f.resetCounts()
			res, err := runActivity[CaptureSalesResult](t, env, f.a.CaptureSales, CaptureSalesInput{Shop: "demo", OrderNumber: "EC1", OrderID: id})
			if n := f.ecCalls(ecRequestSales); n != tt.wantRequests {
				t.Errorf("%d capture requests, want %d", n, tt.wantRequests)
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
			if res.Captured != tt.wantCaptured || !strings.Contains(res.SkippedBecause, tt.wantSkip) {
				t.Errorf("result = %+v", res)
			}
			if o, _ := f.ec.Order(id); tt.wantCaptured && o.PaymentState != "completed" {
				t.Errorf("ecforce has payment_state %q, want completed", o.PaymentState)
			}
		})
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
