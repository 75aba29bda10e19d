package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// Endpoints whose request counts the shipment tests check.
const (
	shipReqEcShippingPUT   = "PUT /api/v2/admin/orders/shipping"
	shipReqEcCapturePOST   = "POST /api/v2/admin/orders/payment_status/bulk_update"
	shipReqEcOrderGET      = "GET /api/v2/admin/orders/{id}"
	shipReqEcOrderPUT      = "PUT /api/v2/admin/orders/{id}"
	shipReqEcOrderList     = "GET /api/v2/admin/orders"
	shipReqEcCarriers      = "GET /api/v2/admin/shipping_carriers"
	shipReqLlSalesOrderGET = "GET /api/v1/merchant/{id}/sales_orders/{id}"
	shipReqLlSalesOrders   = "GET /api/v1/merchant/{id}/sales_orders"
)

// shipmentSettingsWith is shipmentSettingsYAML with auto_run off and more
// lines (indented six spaces) in the block.
func shipmentSettingsWith(withSales bool, statusAfter, more string) func(string) string {
	return func(y string) string {
		const sep = "      tracking_number_separator: \" \"\n"
		return strings.Replace(shipmentSettingsYAML(false, withSales, statusAfter)(y), sep, sep+more, 1)
	}
}

// shipmentSettingsYAML sets the shop's shipment_notification block, with
// batch_size 1 and separate_capture: the one-call-per-order pattern whose
// requests these tests count (bulk calls: shipment_bulk_test.go).
func shipmentSettingsYAML(autoRun, withSales bool, statusAfter string) func(string) string {
	return func(y string) string {
		return strings.Replace(bulkShipmentSettingsYAML(autoRun, withSales, statusAfter)(y), "      tracking_number_separator: \" \"\n",
			"      tracking_number_separator: \" \"\n      batch_size: 1\n      separate_capture: true\n", 1)
	}
}

// bulkShipmentSettingsYAML sets the shop's shipment_notification block,
// leaving batch_size and separate_capture at their defaults (bulk calls of
// 100, capture with the shipping update).
func bulkShipmentSettingsYAML(autoRun, withSales bool, statusAfter string) func(string) string {
	return func(y string) string {
		return strings.Replace(y, `    shipment_notification:
      auto_run: true
      with_sales: false
      status_after: ""
`, fmt.Sprintf(`    shipment_notification:
      auto_run: %t
      with_sales: %t
      status_after: %q
      tracking_number_separator: " "
`, autoRun, withSales, statusAfter), 1)
	}
}

// seedShippedOrder seeds one ecforce order and the LOGILESS sales order the
// import would have made of it (same code, the shop's store), paid by
// card in LOGILESS.
func seedShippedOrder(t *testing.T, s *stack, seed ecforceapi.OrderSeed, deliveryMethod string) ecforceapi.Order {
	t.Helper()
	return seedShippedOrderPaidBy(t, s, seed, deliveryMethod, "credit_card_payment")
}

// seedShippedOrderPaidBy is seedShippedOrder with the LOGILESS
// payment_method the import would have mapped the order's payment to.
func seedShippedOrderPaidBy(t *testing.T, s *stack, seed ecforceapi.OrderSeed, deliveryMethod, paymentMethod string) ecforceapi.Order {
	t.Helper()
	if _, ok := s.sb.Logiless.Article("SHIP-ITEM"); !ok {
		if _, err := s.sb.Logiless.SeedArticle(logilessapi.Article{Code: "SHIP-ITEM", Name: "出荷テスト商品"}); err != nil {
			t.Fatal(err)
		}
		if err := s.sb.Logiless.SetFreeStock("SHIP-ITEM", 1000); err != nil {
			t.Fatal(err)
		}
	}
	seed.Items = []ecforceapi.OrderItemSeed{{SKU: "SHIP-ITEM", Price: 1200, Quantity: 2}}
	o, err := s.sb.Ecforce.SeedOrder(seed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.sb.Logiless.SeedSalesOrder(map[string]any{
		"code": o.Number, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎", "recipient_address1": "東京都渋谷区神宮前1-2-3",
		"payment_method": paymentMethod, "delivery_method": deliveryMethod, "store": logilessapi.DefaultStoreID,
		"lines": []map[string]any{{"article_code": "SHIP-ITEM", "article_name": "出荷テスト商品", "quantity": 2, "price": 1200}},
	}); err != nil {
		t.Fatalf("seed sales order %s: %v", o.Number, err)
	}
	return o
}

// ship ships a LOGILESS order, one DeliveryShipment per parcel.
func shipInLogiless(t *testing.T, s *stack, code string, split int, parcels ...logilessapi.DeliveryShipment) {
	t.Helper()
	if _, err := s.sb.Logiless.ShipSalesOrder(code, logilessapi.ShipOptions{Split: split, Deliveries: parcels}); err != nil {
		t.Fatalf("ship %s: %v", code, err)
	}
}

// discoverShipments runs one NotifyShipments and returns its result without
// waiting for the notifications it started.
func (s *stack) discoverShipments(ctx context.Context, in workflows.NotifyShipmentsInput) workflows.NotifyShipmentsResult {
	s.t.Helper()
	in.Shop = s.shop
	run := s.start(ctx, client.StartWorkflowOptions{
		ID:                    workflows.NotifyShipmentsID(s.shop),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.NotifyShipments, in)
	var res workflows.NotifyShipmentsResult
	if err := run.Get(ctx, &res); err != nil {
		s.t.Fatalf("shipment discovery failed: %v", err)
	}
	return res
}

// awaitShipmentRuns waits until every workflow has closed or waits blocked
// for a person; failures are checked by the callers.
func awaitShipmentRuns(ctx context.Context, t *testing.T, ids ...string) {
	for _, id := range ids {
		_ = runError(ctx, t, id)
	}
}

func requestsSince(after, before map[string]int, key string) int { return after[key] - before[key] }

type wantShipment struct {
	order     ecforceapi.Order
	slip      string
	shippedAt time.Time
	carrier   int64
	captures  int
	payment   string
	state     string
}

func checkShipmentInEcforce(t *testing.T, ec *ecforceapi.Server, w wantShipment) {
	t.Helper()
	o, ok := ec.Order(w.order.ID)
	if !ok {
		t.Fatalf("order %s vanished", w.order.Number)
	}
	if o.ShippingSlip != w.slip || !o.ShippedAt.Equal(w.shippedAt) || o.ShippingCarrierID != w.carrier {
		t.Errorf("order %s: slip %q shipped_at %s carrier %d; want %q %s %d", o.Number, o.ShippingSlip,
			o.ShippedAt.In(jst).Format(time.DateTime), o.ShippingCarrierID, w.slip, w.shippedAt.In(jst).Format(time.DateTime), w.carrier)
	}
	if n := ec.CaptureCount(o.ID); n != w.captures {
		t.Errorf("order %s: %d capture requests, want %d", o.Number, n, w.captures)
	}
	if o.PaymentState != w.payment || o.State != w.state {
		t.Errorf("order %s: payment_state %q state %q; want %q %q", o.Number, o.PaymentState, o.State, w.payment, w.state)
	}
}

// TestShipmentNotificationEndToEnd ships orders in the LOGILESS sandbox and
// runs discovery over and over, with a 500 injected after a shipping write
// and after a capture request were applied, a capture that fails, a split
// shipment whose second parcel leaves later and a finish time three days
// back. Every order gets exactly one shipping write and at most one capture
// request, and 対応状況 changes exactly where the notification completed.
func TestShipmentNotificationEndToEnd(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{shopYAML: shipmentSettingsYAML(true, true, "shipped")})
	ec := s.sb.Ecforce
	now := time.Now().In(jst).Truncate(time.Second)

	plain := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1}, "yamato")
	backdated := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1}, "yamato")
	split := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1}, "sagawa")
	cod := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1, PaymentMethodName: "代金引換", PaymentState: "cash_on_delivery_authed"}, "yu_packet")
	captured := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1, PaymentState: "completed"}, "yamato")
	failing := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1}, "yamato")
	ec.FailNextCapture(failing.ID)

	shipInLogiless(t, s, plain.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"438000000101"}, FinishedAt: now.Add(-time.Hour)})
	shipInLogiless(t, s, backdated.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"438000000102"}, FinishedAt: now.Add(-72 * time.Hour)})
	shipInLogiless(t, s, split.Number, 2, logilessapi.DeliveryShipment{TrackingNumbers: []string{"SG-0001"}, FinishedAt: now.Add(-2 * time.Hour)})
	shipInLogiless(t, s, cod.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"YP-0001"}, FinishedAt: now.Add(-time.Hour)})
	shipInLogiless(t, s, captured.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"438000000105"}, FinishedAt: now.Add(-time.Hour)})
	shipInLogiless(t, s, failing.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"438000000106"}, FinishedAt: now.Add(-time.Hour)})
	if so, _ := s.sb.Logiless.SalesOrder(split.Number); so.DeliveryStatus != logilessapi.StatusPartlyShipped {
		t.Fatalf("split order is %s, want PartlyShipped after its first parcel", so.DeliveryStatus)
	}

	// The write happens, the answer is a 500: neither may be sent twice.
	ec.InjectFault(httpfake.Fault{Method: http.MethodPut, PathPrefix: "/api/v2/admin/orders/shipping", AfterApply: true, Status: 500})
	ec.InjectFault(httpfake.Fault{Method: http.MethodPost, PathPrefix: "/api/v2/admin/orders/payment_status/bulk_update", AfterApply: true, Status: 500})
	before := ec.RequestCounts()
	llBefore := s.sb.Logiless.RequestCounts()

	// Two discoveries back to back, while the first one's notifications
	// are still running: the workflow IDs deduplicate.
	first := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	second := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	awaitShipmentRuns(ctx, t, append(slices.Clone(first.Started), second.Started...)...)

	if first.Listed != 5 || len(first.Started) != 5 {
		t.Fatalf("first discovery = %+v; want the 5 fully shipped orders listed and started (the split order waits)", first)
	}
	failingID := workflows.NotifyShipmentID(s.shop, failing.Number)
	for _, id := range second.Started {
		if id != failingID { // only a failed notification may start anew
			t.Errorf("second discovery started %s again", id)
		}
	}
	if got := second.AlreadyHandled + second.AlreadyInEcforce + second.WaitingForOperator + len(second.Started); second.Listed != 5 || got != 5 {
		t.Errorf("second discovery = %+v; want all 5 accounted for as handled, in ecforce or waiting", second)
	}

	// The second parcel of the split order leaves: now it is notified, with
	// both tracking numbers.
	shipInLogiless(t, s, split.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"SG-0002"}, FinishedAt: now.Add(-30 * time.Minute)})
	third := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	awaitShipmentRuns(ctx, t, third.Started...)
	if want := []string{workflows.NotifyShipmentID(s.shop, split.Number)}; !slices.Equal(third.Started, want) {
		t.Errorf("third discovery started %v, want %v", third.Started, want)
	}

	// A fourth discovery finds everything done, or waiting for a person.
	fourth := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(fourth.Started) != 0 || fourth.AlreadyInEcforce != 5 || fourth.WaitingForOperator != 1 {
		t.Errorf("fourth discovery = %+v; want nothing started, 5 already in ecforce, 1 waiting for an operator", fourth)
	}

	after := ec.RequestCounts()
	t.Logf("ecforce requests for 6 shipments with sales processing and status change (4 discoveries): shipping PUT %d, capture POST %d, order GET %d, state PUT %d, order list %d, carriers %d",
		requestsSince(after, before, shipReqEcShippingPUT), requestsSince(after, before, shipReqEcCapturePOST), requestsSince(after, before, shipReqEcOrderGET),
		requestsSince(after, before, shipReqEcOrderPUT), requestsSince(after, before, shipReqEcOrderList), requestsSince(after, before, shipReqEcCarriers))
	if n := requestsSince(after, before, shipReqEcShippingPUT); n != 6 {
		t.Errorf("%d shipping writes for 6 orders, want exactly 6 (one each, the 500 included)", n)
	}
	if n := requestsSince(after, before, shipReqEcCapturePOST); n != 4 {
		t.Errorf("%d capture requests, want 4 (not for cash on delivery or an already captured order; never twice)", n)
	}
	if faults := ec.Faults(); len(faults) != 0 {
		t.Errorf("faults not triggered: %+v", faults)
	}
	if n := requestsSince(s.sb.Logiless.RequestCounts(), llBefore, shipReqLlSalesOrderGET); n != 0 {
		t.Errorf("%d per-order LOGILESS reads; the discovery's listing carries the shipments", n)
	}

	checkShipmentInEcforce(t, ec, wantShipment{plain, "438000000101", now.Add(-time.Hour), 1, 1, "completed", "shipped"})
	checkShipmentInEcforce(t, ec, wantShipment{backdated, "438000000102", now.Add(-72 * time.Hour), 1, 1, "completed", "shipped"})
	checkShipmentInEcforce(t, ec, wantShipment{split, "SG-0001 SG-0002", now.Add(-30 * time.Minute), 2, 1, "completed", "shipped"})
	checkShipmentInEcforce(t, ec, wantShipment{cod, "YP-0001", now.Add(-time.Hour), 3, 0, "cash_on_delivery_authed", "shipped"})
	checkShipmentInEcforce(t, ec, wantShipment{captured, "438000000105", now.Add(-time.Hour), 1, 0, "completed", "shipped"})
	checkShipmentInEcforce(t, ec, wantShipment{failing, "438000000106", now.Add(-time.Hour), 1, 1, "sales_failed", "complete"})

	// The failed capture is the operator's: a clear, non-retryable error,
	// on which the run waits (blocked) instead of failing.
	err := runError(ctx, t, failingID)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeCaptureFailed ||
		!strings.Contains(err.Error(), failing.Number) || !strings.Contains(err.Error(), "sales_failed") ||
		!strings.Contains(err.Error(), "starter notify-shipment") {
		t.Errorf("failing order's notification error = %v; want %s naming the order, the state and how to retry", err, activities.ErrTypeCaptureFailed)
	}
	desc, derr := temporalClient.DescribeWorkflowExecution(ctx, failingID, "")
	if derr != nil {
		t.Fatal(derr)
	}
	if outcome := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.OutcomeAttribute.GetName()]; outcome == nil ||
		!strings.Contains(string(outcome.GetData()), workflows.OutcomeBlockedPrefix+activities.ErrTypeCaptureFailed) ||
		desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("failing order's ConnectorOutcome = %v (status %v), want blocked:%s and running", outcome,
			desc.GetWorkflowExecutionInfo().GetStatus(), activities.ErrTypeCaptureFailed)
	}

	// The operator runs 売上処理 in the ecforce admin; the next discovery
	// wakes the blocked run, which finishes the notification (the 対応状況)
	// without capturing or writing the shipping again: one run, no failure.
	captureAsOperator(ctx, t, s, failing.ID)
	ec.SettlePayments()
	beforeFix := ec.RequestCounts()
	fifth := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(fifth.Started) != 0 || fifth.AlreadyHandled != 1 {
		t.Fatalf("discovery after the fix = %+v; want the blocked %s woken, nothing started", fifth, failingID)
	}
	var fixed workflows.NotifyShipmentResult
	if err := temporalClient.GetWorkflow(ctx, failingID, "").Get(ctx, &fixed); err != nil {
		t.Fatalf("notification after the fix failed: %v", err)
	}
	if fixed.Captured || fixed.StateSet != "shipped" || !strings.Contains(fixed.CaptureSkipped, "already captured") {
		t.Errorf("notification after the fix = %+v; want only the 対応状況 set", fixed)
	}
	if n := requestsSince(ec.RequestCounts(), beforeFix, shipReqEcShippingPUT); n != 0 {
		t.Errorf("%d shipping writes after the fix, want 0 (written before the capture failed)", n)
	}
	if n := failedRunsOf(ctx, t, failingID); n != 0 {
		t.Errorf("%d failed runs of %s, want 0", n, failingID)
	}
	checkShipmentInEcforce(t, ec, wantShipment{failing, "438000000106", now.Add(-time.Hour), 1, 2, "completed", "shipped"})

	ids := []string{workflows.NotifyShipmentsID(s.shop)}
	for _, o := range []ecforceapi.Order{plain, backdated, split, cod, captured, failing} {
		ids = append(ids, workflows.NotifyShipmentID(s.shop, o.Number))
	}
	s.assertNoSecretsLeaked(ctx, ids...)

	// The real histories replay with today's code: the workflows are
	// deterministic.
	replayer := worker.NewWorkflowReplayer()
	workflows.RegisterWorkflows(replayer)
	for i, id := range ids {
		h := fetchHistory(ctx, t, id)
		if err := replayer.ReplayWorkflowHistory(nil, h); err != nil {
			t.Errorf("replay %s: %v", id, err)
		}
		// The discovery and the plain, split, COD and failed-capture orders
		// are kept for the workflows package's replay test.
		if names := map[int]string{0: "notifyshipments.json", 1: "notifyshipment.json", 3: "notifyshipment-split.json",
			4: "notifyshipment-cod.json", 6: "notifyshipment-capturefailed.json"}; names[i] != "" {
			storeReplayHistory(t, names[i], h)
		}
	}
}

// captureAsOperator does what an operator does in the ecforce admin after a
// failed capture: run 売上処理 for the order again.
func captureAsOperator(ctx context.Context, t *testing.T, s *stack, orderID int64) {
	t.Helper()
	body := fmt.Sprintf(`{"method":"sales","order_ids":[%d]}`, orderID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.sb.EcforceURL+"/api/v2/admin/orders/payment_status/bulk_update", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", `Token token="`+s.sb.Ecforce.APIToken()+`"`)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("operator capture: HTTP %d", res.StatusCode)
	}
}

// TestShipmentNotificationOnlyShipping is the shop with both optional steps
// off: the slip and date arrive once, nothing is captured and 対応状況 stays.
// It also measures the API calls one shipment costs.
func TestShipmentNotificationOnlyShipping(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{shopYAML: shipmentSettingsYAML(false, false, "")})
	ec, ll := s.sb.Ecforce, s.sb.Logiless
	now := time.Now().In(jst).Truncate(time.Second)

	const n = 4
	var orders []ecforceapi.Order
	for i := range n {
		o := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 2}, "yamato")
		shipInLogiless(t, s, o.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{fmt.Sprintf("43800000020%d", i)}, FinishedAt: now.Add(-time.Hour)})
		orders = append(orders, o)
	}

	// auto_run is off: a scheduled run does nothing, a manual one works.
	if off := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{Scheduled: true}); !off.Disabled || off.Listed != 0 {
		t.Errorf("scheduled discovery with auto_run off = %+v, want disabled", off)
	}

	ecBefore, llBefore := ec.RequestCounts(), ll.RequestCounts()
	first := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	awaitShipmentRuns(ctx, t, first.Started...)
	ecAfter, llAfter := ec.RequestCounts(), ll.RequestCounts()
	second := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(first.Started) != n || len(second.Started) != 0 || second.AlreadyInEcforce != n {
		t.Errorf("discoveries = %+v then %+v; want %d started, then all already in ecforce", first, second, n)
	}
	for i, o := range orders {
		var res workflows.NotifyShipmentResult
		if err := temporalClient.GetWorkflow(ctx, workflows.NotifyShipmentID(s.shop, o.Number), "").Get(ctx, &res); err != nil {
			t.Fatalf("notification of %s: %v", o.Number, err)
		}
		if res.Outcome != workflows.OutcomeNotified || !res.ShippingWritten || res.SalesRequested || res.StateSet != "" {
			t.Errorf("notification of %s = %+v", o.Number, res)
		}
		checkShipmentInEcforce(t, ec, wantShipment{o, fmt.Sprintf("43800000020%d", i), now.Add(-time.Hour), 1, 0, "authed", "complete"})
	}
	total := ec.RequestCounts()
	if total[shipReqEcCapturePOST] != 0 || total[shipReqEcOrderPUT] != 0 || total[shipReqEcShippingPUT] != n {
		t.Errorf("ecforce requests %v; want %d shipping writes, no capture, no state change", total, n)
	}

	// API calls of one discovery and its notifications, per shipment.
	perShipment := func(after, before map[string]int) float64 {
		sum := 0
		for k, v := range after {
			if !strings.Contains(k, "sign_in") && !strings.Contains(k, "oauth") {
				sum += v - before[k]
			}
		}
		return float64(sum) / n
	}
	t.Logf("API calls for %d shipments: ecforce %.2f per shipment (list %d, carriers %d, order GET %d, shipping PUT %d); LOGILESS %.2f per shipment (list %d, per-order GET %d)",
		n, perShipment(ecAfter, ecBefore), requestsSince(ecAfter, ecBefore, shipReqEcOrderList), requestsSince(ecAfter, ecBefore, shipReqEcCarriers),
		requestsSince(ecAfter, ecBefore, shipReqEcOrderGET), requestsSince(ecAfter, ecBefore, shipReqEcShippingPUT),
		perShipment(llAfter, llBefore), requestsSince(llAfter, llBefore, shipReqLlSalesOrders), requestsSince(llAfter, llBefore, shipReqLlSalesOrderGET))
	if got := requestsSince(ecAfter, ecBefore, shipReqEcOrderGET) + requestsSince(llAfter, llBefore, shipReqLlSalesOrderGET); got != 0 {
		t.Errorf("%d per-order reads; the discovery's cache should make them unnecessary", got)
	}

	ids := []string{workflows.NotifyShipmentsID(s.shop)}
	for _, o := range orders {
		ids = append(ids, workflows.NotifyShipmentID(s.shop, o.Number))
	}
	s.assertNoSecretsLeaked(ctx, ids...)
}
