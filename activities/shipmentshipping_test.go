package activities

import (
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/shipment"
)

func TestUpdateShipping(t *testing.T) {
	tests := []struct {
		name        string
		before      func(*testing.T, *shipmentFixture) // state of the order before the step
		seed        ecforceapi.OrderSeed               // the order; Number EC1, carrier 2 and state complete unless set
		reportSale  bool                               // ReportWithSale: a 後払い order's shipment report
		fault       *httpfake.Fault
		carrier     int64 // written carrier; 0 = 1
		fromPrepare bool  // pass the order as read by PrepareShipment (first attempt)
		wantWritten bool
		wantSkip    bool
		wantPUTs    int
		wantReads   int
		wantReports int // shipment reports the sandbox received
		wantErrType string
		retryable   bool
	}{
		{name: "writes slip, date and carrier", fromPrepare: true, wantWritten: true, wantPUTs: 1},
		{
			name:   "same slip and day already there: skipped",
			before: func(t *testing.T, f *shipmentFixture) { f.withShipping(t, "EC1", "111,222", jstAt(1, 9), 1) },
			// a retry reads the order first
			wantSkip: true, wantReads: 1,
		},
		{
			name:        "another slip is overwritten",
			before:      func(t *testing.T, f *shipmentFixture) { f.withShipping(t, "EC1", "old", jstAt(1, 15), 0) },
			wantWritten: true, wantPUTs: 1, wantReads: 1,
		},
		{
			name: "a 500 after the write was applied: confirmed by reading, not sent again", fromPrepare: true,
			fault:       &httpfake.Fault{Method: "PUT", PathPrefix: ecShippingPath, AfterApply: true, Status: 500},
			wantWritten: true, wantPUTs: 1, wantReads: 1,
		},
		{
			name: "a 500 that was not applied: retried", fromPrepare: true,
			fault:    &httpfake.Fault{Method: "PUT", PathPrefix: ecShippingPath, Status: 500},
			wantPUTs: 1, wantReads: 1, wantErrType: ErrTypeTransient, retryable: true,
		},
		{
			name: "a per-record failure names the order and ecforce's reason", fromPrepare: true,
			carrier:  99, // not a carrier of the shop
			wantPUTs: 1, wantErrType: ErrTypeShippingRejected,
		},
		{
			name: "a cancelled order gets no slip", fromPrepare: true, seed: ecforceapi.OrderSeed{State: "canceled"},
			wantErrType: ErrTypeOrderCanceled,
		},
		{
			name: "後払い: the shipment report goes with the slip (with_sale=1)", fromPrepare: true, reportSale: true,
			seed:        ecforceapi.OrderSeed{PaymentState: "credit_exam_completed", PaymentMethodName: "NP後払い"},
			wantWritten: true, wantPUTs: 1, wantReports: 1,
		},
		{
			name: "後払い: a 500 before the write applied: the retry sends slip and report once", fromPrepare: true, reportSale: true,
			seed:     ecforceapi.OrderSeed{PaymentState: "credit_exam_completed", PaymentMethodName: "NP後払い"},
			fault:    &httpfake.Fault{Method: "PUT", PathPrefix: ecShippingPath, Status: 500},
			wantPUTs: 1, wantReads: 1, wantErrType: ErrTypeTransient, retryable: true,
		},
		{
			name: "後払い: a 500 after it applied: confirmed by reading, the report is not sent again", fromPrepare: true, reportSale: true,
			seed:        ecforceapi.OrderSeed{PaymentState: "credit_exam_completed", PaymentMethodName: "NP後払い"},
			fault:       &httpfake.Fault{Method: "PUT", PathPrefix: ecShippingPath, AfterApply: true, Status: 500},
			wantWritten: true, wantPUTs: 1, wantReads: 1, wantReports: 1,
		},
		{
			name: "後払い: the shipping waits while the credit check runs", fromPrepare: true, reportSale: true,
			seed:        ecforceapi.OrderSeed{PaymentState: "credit_exam_processing", PaymentMethodName: "NP後払い"},
			wantErrType: ErrTypeCreditExamPending, retryable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newShipmentFixture(t, ecforceapi.Config{}, nil)
			seed := tt.seed
			seed.Number, seed.ShippingCarrierID = "EC1", 2
			if seed.State == "" {
				seed.State = "complete"
			}
			id := f.order(t, seed)
			if tt.before != nil {
				tt.before(t, f)
			}
			in := UpdateShippingInput{Shop: "demo", OrderNumber: "EC1", OrderID: id, ShippingSlip: "111,222", ShippedAt: jstAt(1, 15), CarrierID: 1, ReportWithSale: tt.reportSale}
			if tt.carrier != 0 {
				in.CarrierID = tt.carrier
			}
			if tt.fromPrepare {
				o, err := f.ecClient.GetOrder(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				in.Current = shipment.EcforceShippingOf(o)
			}
			if tt.fault != nil {
				f.ec.InjectFault(*tt.fault)
			}
			f.resetCounts()
			res, err := runActivity[UpdateShippingResult](t, activityEnv(f.a), f.a.UpdateShipping, in)
			if puts, reads := f.ecCalls(ecPutShipping), f.ecCalls(ecGetOrder); puts != tt.wantPUTs || reads != tt.wantReads {
				t.Errorf("%d shipping writes and %d reads, want %d and %d", puts, reads, tt.wantPUTs, tt.wantReads)
			}
			if n := f.ec.ShipmentReports(id); n != tt.wantReports {
				t.Errorf("%d shipment reports, want %d", n, tt.wantReports)
			}
			if tt.wantErrType != "" {
				typ, retry := appErrType(err)
				if typ != tt.wantErrType || retry != tt.retryable {
					t.Fatalf("error = %v (type %s, retryable %v), want %s retryable=%v", err, typ, retry, tt.wantErrType, tt.retryable)
				}
				if tt.wantErrType == ErrTypeShippingRejected && (!strings.Contains(err.Error(), "EC1") || !strings.Contains(err.Error(), "shipping_carrier_idパラメータ")) {
					t.Errorf("error %q does not name the order and ecforce's message", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Written != tt.wantWritten || (res.SkippedBecause != "") != tt.wantSkip || res.ConfirmedByReading != (tt.fault != nil) ||
				res.ReportedAt.IsZero() != (tt.wantReports == 0) {
				t.Errorf("result = %+v", res)
			}
			got, _ := f.ec.Order(id)
			if got.ShippingSlip != "111,222" || !shipment.SameJSTDay(got.ShippedAt, jstAt(1, 15)) || got.ShippingCarrierID != 1 {
				t.Errorf("ecforce now has slip %q, shipped %s, carrier %d", got.ShippingSlip, got.ShippedAt, got.ShippingCarrierID)
			}
		})
	}
}
