package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/shipment"
	"github.com/ecforce-logiless/connector/workflows"
)

// e2eCaptureGrace is the test shops' shipment_notification.capture_grace.
const e2eCaptureGrace = 5 * time.Second

const ecSalesPath = "/api/v2/admin/orders/payment_status/bulk_update"

// notifyOne runs one order's NotifyShipment, as `starter notify-shipment`
// does, and waits for it.
func (s *stack) notifyOne(ctx context.Context, number string) (workflows.NotifyShipmentResult, error) {
	s.t.Helper()
	run := s.start(ctx, client.StartWorkflowOptions{ID: workflows.NotifyShipmentID(s.shop, number)}, workflows.NotifyShipment,
		workflows.NotifyShipmentInput{Shop: s.shop, OrderNumber: number})
	var res workflows.NotifyShipmentResult
	err := run.Get(ctx, &res)
	return res, err
}

// shippedCardOrder seeds an authed card order and ships it in LOGILESS.
func shippedCardOrder(t *testing.T, s *stack, slip string) ecforceapi.Order {
	t.Helper()
	o := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1}, "yamato")
	shipInLogiless(t, s, o.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{slip}, FinishedAt: time.Now().Add(-time.Hour)})
	return o
}

// checkCapturedOnce checks that the order's payment moved to completed by
// exactly one capture job, its 対応状況 is set, and that this happened
// within a minute of the fault clearing plus the grace period.
func checkCapturedOnce(t *testing.T, s *stack, o ecforceapi.Order, res workflows.NotifyShipmentResult, cleared time.Time) {
	t.Helper()
	ec := s.sb.Ecforce
	got, _ := ec.Order(o.ID)
	if n := ec.CapturesSettled(o.ID); n != 1 || got.PaymentState != "completed" || got.State != "shipped" {
		t.Errorf("order %s: %d captures settled, payment_state %s, state %s; want captured exactly once, then shipped", o.Number, n, got.PaymentState, got.State)
	}
	if !res.Captured || res.Outcome != workflows.OutcomeNotified || res.StateSet != "shipped" {
		t.Errorf("order %s: result %+v", o.Number, res)
	}
	if took := time.Since(cleared); took > time.Minute+e2eCaptureGrace {
		t.Errorf("order %s captured %s after the fault cleared; want within a minute plus the grace period %s", o.Number, took.Round(time.Second), e2eCaptureGrace)
	}
}

// TestShipmentCaptureExactlyOnceUnderFaults: 売上処理 under the faults of
// issue §6, one order each. A request answered 500 before it applied, or
// dropped before it applied, is sent again after the grace period; one
// dropped after it applied is not; a job slower than the grace period gets
// one more (harmless) request; a worker killed between recording a request
// and sending it leaves the retry to send it. Each order ends captured
// exactly once, within a minute of the fault clearing plus the grace
// period.
func TestShipmentCaptureExactlyOnceUnderFaults(t *testing.T) {
	ctx := testContext(t, 5*time.Minute)
	s := newStack(t, stackOptions{shopYAML: shipmentSettingsWith(true, "shipped", "      capture_grace: 5s\n")})
	ec := s.sb.Ecforce
	requests := func() int { return ec.RequestCounts()["POST "+ecSalesPath] }

	cases := []struct {
		name         string
		fault        *httpfake.Fault
		slow         time.Duration
		wantRequests int // capture requests that reached ecforce
		wantCounted  int // of them, those the shop took (CaptureCount)
	}{
		{name: "500 before it applied", fault: &httpfake.Fault{Method: http.MethodPost, PathPrefix: ecSalesPath, Status: 500}, wantRequests: 2, wantCounted: 1},
		{name: "dropped before it applied", fault: &httpfake.Fault{Method: http.MethodPost, PathPrefix: ecSalesPath, Drop: true}, wantRequests: 2, wantCounted: 1},
		{name: "dropped after it applied", fault: &httpfake.Fault{Method: http.MethodPost, PathPrefix: ecSalesPath, AfterApply: true, Drop: true}, wantRequests: 1, wantCounted: 1},
		{name: "500 after it applied", fault: &httpfake.Fault{Method: http.MethodPost, PathPrefix: ecSalesPath, AfterApply: true, Status: 500}, wantRequests: 1, wantCounted: 1},
		{name: "a job slower than the grace period", slow: 3 * e2eCaptureGrace / 2, wantRequests: 2, wantCounted: 2},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := shippedCardOrder(t, s, fmt.Sprintf("43800000070%d", i))
			if tc.fault != nil {
				ec.InjectFault(*tc.fault)
			}
			if tc.slow > 0 {
				ec.SlowNextCapture(o.ID, tc.slow)
			}
			before, start := requests(), time.Now()
			res, err := s.notifyOne(ctx, o.Number)
			if err != nil {
				t.Fatalf("notification failed: %v", err)
			}
			checkCapturedOnce(t, s, o, res, start)
			if n, counted := requests()-before, ec.CaptureCount(o.ID); n != tc.wantRequests || counted != tc.wantCounted {
				t.Errorf("%d capture requests sent, %d taken by the shop; want %d and %d", n, counted, tc.wantRequests, tc.wantCounted)
			}
			if len(ec.Faults()) != 0 {
				t.Errorf("fault not triggered: %+v", ec.Faults())
			}
		})
	}

	t.Run("worker killed between recording the request and sending it", func(t *testing.T) {
		o := shippedCardOrder(t, s, "438000000799")
		s.stopWorker()
		// The request hangs in ecforce until the worker is gone; the shop
		// never applies a request whose client gave up.
		ec.InjectFault(httpfake.Fault{Method: http.MethodPost, PathPrefix: ecSalesPath, Delay: 20 * time.Second})
		before := requests()
		run := s.start(ctx, client.StartWorkflowOptions{ID: workflows.NotifyShipmentID(s.shop, o.Number)}, workflows.NotifyShipment,
			workflows.NotifyShipmentInput{Shop: s.shop, OrderNumber: o.Number})
		doomed := worker.New(temporalClient, s.taskQueue, worker.Options{})
		s.conn.Register(doomed)
		if err := doomed.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for requests() == before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if requests() == before {
			t.Fatal("the capture request never left")
		}
		doomed.Stop()
		if n := ec.CaptureCount(o.ID); n != 0 {
			t.Fatalf("the interrupted request applied (%d); the case needs one that did not", n)
		}
		cleared := time.Now()
		s.startWorker()
		var res workflows.NotifyShipmentResult
		if err := run.Get(ctx, &res); err != nil {
			t.Fatalf("notification after the worker was killed: %v", err)
		}
		checkCapturedOnce(t, s, o, res, cleared)
		if n := ec.CaptureCount(o.ID); n != 1 {
			t.Errorf("%d capture requests taken by the shop, want 1", n)
		}
	})
}

// TestShipmentPaymentKinds notifies one order of each kind of payment, by
// the LOGILESS payment_method it was imported with, with 売上処理 and a
// 対応状況 change on, and a 500 after the first shipping write applied.
// Cards and wallets are captured once; a 後払い order's shipment report
// goes with its slip and date (with_sale=1) exactly once, its
// payment_state stays, and its run finishes in seconds (no 30-minute wait,
// no EcforceCaptureUnconfirmed); cash on delivery and a bank transfer are
// never captured. A second discovery finds every order done.
func TestShipmentPaymentKinds(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{shopYAML: shipmentSettingsWith(true, "shipped", "      capture_grace: 5s\n")})
	ec := s.sb.Ecforce
	now := time.Now().In(jst).Truncate(time.Second)

	type kind struct {
		method string
		seed   ecforceapi.OrderSeed
		// want after the notification
		payment  string
		settled  int // capture jobs that completed the payment
		requests int // capture requests the shop took (with_sale included)
		reports  int // shipment reports of a 後払い order
	}
	kinds := []kind{
		{"credit_card_payment", ecforceapi.OrderSeed{}, "completed", 1, 1, 0},
		{"amazon_pay", ecforceapi.OrderSeed{PaymentMethodName: "Amazon Pay"}, "completed", 1, 1, 0},
		{"np_atobarai", ecforceapi.OrderSeed{PaymentState: "credit_exam_completed", PaymentMethodName: "NP後払い"}, "credit_exam_completed", 0, 1, 1},
		{"post_payment", ecforceapi.OrderSeed{PaymentState: "credit_exam_completed", PaymentMethodName: "後払い決済"}, "credit_exam_completed", 0, 1, 1},
		{"cod", ecforceapi.OrderSeed{PaymentState: "cash_on_delivery_authed", PaymentMethodName: "代金引換"}, "cash_on_delivery_authed", 0, 0, 0},
		{"bank_transfer", ecforceapi.OrderSeed{PaymentState: "paid", PaymentMethodName: "銀行振込"}, "paid", 0, 0, 0},
	}
	orders := make([]ecforceapi.Order, len(kinds))
	for i, k := range kinds {
		k.seed.ShippingCarrierID = 1
		orders[i] = seedShippedOrderPaidBy(t, s, k.seed, "yamato", k.method)
		shipInLogiless(t, s, orders[i].Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"YM-" + k.method}, FinishedAt: now.Add(-time.Hour)})
	}
	ec.InjectFault(httpfake.Fault{Method: http.MethodPut, PathPrefix: "/api/v2/admin/orders/shipping", AfterApply: true, Status: 500})
	before := ec.RequestCounts()
	start := time.Now()
	first := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	awaitShipmentRuns(ctx, t, first.Started...)
	if took := time.Since(start); took > time.Minute {
		t.Errorf("the notifications took %s; a 後払い order must not wait for a payment_state that never moves", took.Round(time.Second))
	}
	second := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(first.Started) != len(kinds) || len(second.Started) != 0 || second.AlreadyInEcforce != len(kinds) {
		t.Errorf("discoveries = %+v then %+v; want %d started, then all already in ecforce", first, second, len(kinds))
	}

	after := ec.RequestCounts()
	if n := requestsSince(after, before, shipReqEcShippingPUT); n != len(kinds) {
		t.Errorf("%d shipping writes, want %d (one each, the 500 included)", n, len(kinds))
	}
	if n := requestsSince(after, before, shipReqEcCapturePOST); n != 2 {
		t.Errorf("%d capture requests by payment_status, want 2 (the card and the wallet only)", n)
	}
	for i, k := range kinds {
		o := orders[i]
		var res workflows.NotifyShipmentResult
		if err := temporalClient.GetWorkflow(ctx, workflows.NotifyShipmentID(s.shop, o.Number), "").Get(ctx, &res); err != nil {
			t.Errorf("%s: notification failed: %v", k.method, err)
			continue
		}
		got, _ := ec.Order(o.ID)
		if got.PaymentState != k.payment || got.State != "shipped" || got.ShippingSlip != "YM-"+k.method {
			t.Errorf("%s: payment_state %s state %s slip %q; want %s, shipped, YM-%s", k.method, got.PaymentState, got.State, got.ShippingSlip, k.payment, k.method)
		}
		if s, r, rep := ec.CapturesSettled(o.ID), ec.CaptureCount(o.ID), ec.ShipmentReports(o.ID); s != k.settled || r != k.requests || rep != k.reports {
			t.Errorf("%s: %d captures settled, %d capture requests, %d shipment reports; want %d, %d, %d", k.method, s, r, rep, k.settled, k.requests, k.reports)
		}
		if want := shipment.SettlementOf(k.method); res.Settlement != want || res.ShipmentReported != (k.reports == 1) || res.Captured != (k.settled == 1) {
			t.Errorf("%s: result %+v; want settlement %q", k.method, res, want)
		}
	}
	ids := []string{}
	for _, o := range orders {
		ids = append(ids, workflows.NotifyShipmentID(s.shop, o.Number))
	}
	s.assertNoSecretsLeaked(ctx, ids...)
	replayRuns(ctx, t, map[string]string{ids[2]: "notifyshipment-deferred.json"}, ids...)
}

// TestShipmentOfACancelledOrder: an order LOGILESS shipped but ecforce has
// as キャンセル gets no slip and no capture; its run completes saying so
// (outcome canceled-in-ecforce) and is not started again.
func TestShipmentOfACancelledOrder(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{shopYAML: shipmentSettingsWith(true, "shipped", "      capture_grace: 5s\n")})
	ec := s.sb.Ecforce
	o := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1, State: "canceled"}, "yamato")
	shipInLogiless(t, s, o.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"438000000901"}, FinishedAt: time.Now().Add(-time.Hour)})
	before := ec.RequestCounts()

	first := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	id := workflows.NotifyShipmentID(s.shop, o.Number)
	if !slices.Equal(first.Started, []string{id}) {
		t.Fatalf("discovery started %v, want %s", first.Started, id)
	}
	var res workflows.NotifyShipmentResult
	if err := temporalClient.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
		t.Fatalf("the run of a cancelled order failed: %v; want it completed saying so", err)
	}
	if res.Outcome != workflows.OutcomeCanceled || !res.Canceled || !strings.Contains(res.CanceledBecause, o.Number) || res.ShippingWritten {
		t.Errorf("result = %+v", res)
	}
	desc, err := temporalClient.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if outcome := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.OutcomeAttribute.GetName()]; outcome == nil ||
		!strings.Contains(string(outcome.GetData()), workflows.OutcomeCanceled) {
		t.Errorf("ConnectorOutcome = %v, want %s", outcome, workflows.OutcomeCanceled)
	}
	second := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(second.Started) != 0 || second.AlreadyHandled != 1 {
		t.Errorf("second discovery = %+v; want the cancelled order handled, not started again", second)
	}
	got, _ := ec.Order(o.ID)
	after := ec.RequestCounts()
	if got.ShippingSlip != "" || got.State != "canceled" || ec.CaptureCount(o.ID) != 0 ||
		requestsSince(after, before, shipReqEcShippingPUT)+requestsSince(after, before, shipReqEcCapturePOST)+requestsSince(after, before, shipReqEcOrderPUT) != 0 {
		t.Errorf("cancelled order: slip %q state %s, %d captures, writes %v; want nothing written", got.ShippingSlip, got.State, ec.CaptureCount(o.ID), after)
	}
	replayRuns(ctx, t, map[string]string{id: "notifyshipment-canceled.json"}, id)
}

// TestShipmentCarriersNeverInactive: an inactive ecforce carrier is never
// sent. A delivery method whose only match is inactive, and a carriers
// entry pointing at a carrier the shop does not have, fail before writing
// with UnmappedCarrier naming the carrier, reported once in the log; later
// discoveries write nothing for them either. An order whose own carrier
// went inactive gets the active one.
func TestShipmentCarriersNeverInactive(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{shopYAML: shipmentSettingsWith(false, "", "      carriers: {yu_packet: 9}\n")})
	ec := s.sb.Ecforce
	for _, c := range []ecforceapi.ShippingCarrier{{ID: 4, Name: "西濃運輸", State: ecforceapi.CarrierInactive}, {ID: 5, Name: "ヤマト運輸(旧)", State: ecforceapi.CarrierInactive}} {
		if err := ec.AddShippingCarrier(c); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Add(-time.Hour)
	seino := seedShippedOrder(t, s, ecforceapi.OrderSeed{}, "seino")
	yuPacket := seedShippedOrder(t, s, ecforceapi.OrderSeed{}, "yu_packet")
	oldYamato := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 5}, "yamato")
	for i, o := range []ecforceapi.Order{seino, yuPacket, oldYamato} {
		shipInLogiless(t, s, o.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{fmt.Sprintf("CR-%d", i+1)}, FinishedAt: now})
	}
	before := ec.RequestCounts()
	for range 2 {
		res := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
		awaitShipmentRuns(ctx, t, res.Started...)
	}
	if n := requestsSince(ec.RequestCounts(), before, shipReqEcShippingPUT); n != 1 {
		t.Errorf("%d shipping writes, want 1 (only the order with an active carrier; nothing refused and re-sent)", n)
	}
	if got, _ := ec.Order(oldYamato.ID); got.ShippingCarrierID != 1 || got.ShippingSlip != "CR-3" {
		t.Errorf("order whose carrier went inactive: carrier %d slip %q; want the active ヤマト運輸 (1)", got.ShippingCarrierID, got.ShippingSlip)
	}
	for _, c := range []struct {
		o    ecforceapi.Order
		want string
	}{
		{seino, "matches only inactive ecforce 配送業者 (4 西濃運輸 (inactive))"},
		{yuPacket, "shipment_notification.carriers maps delivery method \"yu_packet\" to shipping_carrier_id 9, which the shop does not have"},
	} {
		err := runError(ctx, t, workflows.NotifyShipmentID(s.shop, c.o.Number)) // blocked on UnmappedCarrier
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeUnmappedCarrier || !strings.Contains(err.Error(), c.want) {
			t.Errorf("order %s: error %v; want %s containing %q", c.o.Number, err, activities.ErrTypeUnmappedCarrier, c.want)
		}
		if got, _ := ec.Order(c.o.ID); got.ShippingSlip != "" {
			t.Errorf("order %s got slip %q", c.o.Number, got.ShippingSlip)
		}
	}
	logs := s.logs.String()
	for _, method := range []string{"delivery_method=seino", "delivery_method=yu_packet"} {
		if n := strings.Count(logs, "no active ecforce carrier for a LOGILESS delivery method"); n == 0 || strings.Count(logs, method+" configured_carrier_id") != 1 {
			t.Errorf("%s reported %d times in the log, want once (%d reports in all)", method, strings.Count(logs, method+" configured_carrier_id"), n)
		}
	}
}

// replayRuns replays the histories of these workflows with today's
// code and, with UPDATE_REPLAY_HISTORIES=1, keeps those store names for
// the workflows package's replay test.
func replayRuns(ctx context.Context, t *testing.T, store map[string]string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		h := fetchHistory(ctx, t, id)
		if err := replayOne(h); err != nil {
			t.Errorf("replay %s: %v", id, err)
		}
		if name := store[id]; name != "" {
			storeReplayHistory(t, name, h)
		}
	}
}
