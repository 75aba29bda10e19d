package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
)

// --- fakes of the small interfaces -------------------------------------------

// shipEcforce is an in-memory EcforceAPI. Methods the shipment activities
// do not use are left to the embedded nil interface (they would panic).
type shipEcforce struct {
	EcforceAPI

	mu       sync.Mutex
	orders   map[int64]*ecforce.Order
	carriers []ecforce.ShippingCarrier
	calls    map[string]int

	// shippingErr is returned by UpdateShipping, after the write when
	// shippingApplied. shippingReject makes the record fail.
	shippingErr     error
	shippingApplied bool
	shippingReject  string
	// captureErr is returned by RequestSales, after the request when
	// captureApplied. A capture settles as captureTo (default completed)
	// at the settleAfter-th read after it (default 1).
	captureErr     error
	captureApplied bool
	captureTo      string
	settleAfter    int
	pending        map[int64]int
	// stateErr is returned by UpdateOrderState, after the write when
	// stateApplied.
	stateErr     error
	stateApplied bool
}

func newShipEcforce(orders ...ecforce.Order) *shipEcforce {
	f := &shipEcforce{orders: map[int64]*ecforce.Order{}, calls: map[string]int{}, pending: map[int64]int{},
		carriers: []ecforce.ShippingCarrier{{ID: 1, Name: "ヤマト運輸"}, {ID: 2, Name: "佐川急便"}, {ID: 3, Name: "日本郵便"}}}
	for i := range orders {
		o := orders[i]
		f.orders[o.ID] = &o
	}
	return f
}

func (f *shipEcforce) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *shipEcforce) order(id int64) ecforce.Order {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.orders[id]
}

func (f *shipEcforce) ListOrders(_ context.Context, q ecforce.OrderQuery, fn func([]ecforce.Order) error) error {
	f.mu.Lock()
	f.calls["list"]++
	var page []ecforce.Order
	for _, o := range f.orders {
		if len(q.Numbers) == 0 || slices.Contains(q.Numbers, o.Number) {
			page = append(page, *o)
		}
	}
	f.mu.Unlock()
	slices.SortFunc(page, func(a, b ecforce.Order) int { return int(a.ID - b.ID) })
	if len(page) == 0 {
		return nil
	}
	return fn(page)
}

func (f *shipEcforce) GetOrder(_ context.Context, id int64) (ecforce.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["get"]++
	o, ok := f.orders[id]
	if !ok {
		return ecforce.Order{}, fmt.Errorf("get order %d: %w", id, ecforce.ErrNotFound)
	}
	if n, inFlight := f.pending[id]; inFlight {
		if n <= 1 {
			o.PaymentState = f.captureTo
			delete(f.pending, id)
		} else {
			f.pending[id] = n - 1
		}
	}
	return *o, nil
}

func (f *shipEcforce) FindOrderByNumber(_ context.Context, number string) (ecforce.Order, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["find"]++
	for _, o := range f.orders {
		if o.Number == number {
			return *o, true, nil
		}
	}
	return ecforce.Order{}, false, nil
}

func (f *shipEcforce) UpdateShipping(_ context.Context, updates []ecforce.ShippingUpdate, withSale bool) (ecforce.BulkResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["shipping"]++
	if withSale {
		return ecforce.BulkResult{}, errors.New("the shipping update must never capture (with_sale=1)")
	}
	var res ecforce.BulkResult
	for _, u := range updates {
		id := strconv.FormatInt(u.OrderID, 10)
		if f.shippingReject != "" {
			res.Failure = append(res.Failure, id)
			res.Errors = append(res.Errors, ecforce.BulkError{ID: id, Code: "AOR0000", Message: "エラーが発生しました。",
				Details: []ecforce.ErrorDetail{{Code: "AOR3003", Message: f.shippingReject}}})
			continue
		}
		if f.shippingErr == nil || f.shippingApplied {
			o := f.orders[u.OrderID]
			o.ShippingSlip, o.ShippedAt = u.ShippingSlip, ecforce.Time{Time: u.ShippedAt}
			if u.ShippingCarrierID != 0 {
				o.ShippingCarrierID = u.ShippingCarrierID
			}
		}
		res.Success = append(res.Success, id)
	}
	if f.shippingErr != nil {
		return ecforce.BulkResult{}, f.shippingErr
	}
	return res, nil
}

func (f *shipEcforce) RequestSales(_ context.Context, ids []int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["capture"]++
	if f.captureErr == nil || f.captureApplied {
		for _, id := range ids {
			f.pending[id] = max(f.settleAfter, 1)
			if f.captureTo == "" {
				f.captureTo = "completed"
			}
		}
	}
	if f.captureErr != nil {
		return "", f.captureErr
	}
	return "job-1", nil
}

func (f *shipEcforce) UpdateOrderState(_ context.Context, id int64, state string) (ecforce.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["state"]++
	if f.stateErr == nil || f.stateApplied {
		f.orders[id].State = state
	}
	if f.stateErr != nil {
		return ecforce.Order{}, f.stateErr
	}
	return *f.orders[id], nil
}

func (f *shipEcforce) ListShippingCarriers(context.Context) ([]ecforce.ShippingCarrier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["carriers"]++
	return slices.Clone(f.carriers), nil
}

// shipLogiless is an in-memory LogilessAPI for the shipment activities.
type shipLogiless struct {
	LogilessAPI

	mu     sync.Mutex
	orders []logiless.SalesOrder
	calls  map[string]int
	query  logiless.SalesOrderQuery
}

func (f *shipLogiless) ListSalesOrders(_ context.Context, q logiless.SalesOrderQuery, fn func([]logiless.SalesOrder) error) error {
	f.mu.Lock()
	f.calls["list"]++
	f.query = q
	page := slices.Clone(f.orders)
	f.mu.Unlock()
	return fn(page)
}

func (f *shipLogiless) GetSalesOrder(_ context.Context, id int64) (logiless.SalesOrder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["get"]++
	for _, so := range f.orders {
		if so.ID == id {
			return so, nil
		}
	}
	return logiless.SalesOrder{}, fmt.Errorf("get sales order %d: %w", id, logiless.ErrNotFound)
}

func (f *shipLogiless) SearchSalesOrdersByCode(_ context.Context, codes []string) ([]logiless.SalesOrder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["search"]++
	var out []logiless.SalesOrder
	for _, so := range f.orders {
		if slices.Contains(codes, so.Code) {
			out = append(out, so)
		}
	}
	return out, nil
}

// --- helpers -----------------------------------------------------------------

func jstAt(day, hour int) time.Time { return time.Date(2024, 5, day, hour, 0, 0, 0, ecforce.JST) }

func shippedOrder(id int64, code string, deliveries ...logiless.OutboundDelivery) logiless.SalesOrder {
	return logiless.SalesOrder{ID: id, Code: code, StoreID: 1, DocumentStatus: logiless.DocumentStatusShipped,
		DeliveryStatus: logiless.DeliveryStatusShipped, OutboundDeliveries: deliveries}
}

func shippedParcel(id int64, method string, finished time.Time, numbers ...string) logiless.OutboundDelivery {
	return logiless.OutboundDelivery{ID: id, Code: "OD" + strconv.FormatInt(id, 10), DocumentStatus: logiless.DocumentStatusShipped,
		DeliveryStatus: logiless.DeliveryStatusShipped, DeliveryMethod: method, FinishedAt: finished, TrackingNumbers: numbers}
}

func shipmentShop(ec *shipEcforce, ll *shipLogiless, edit func(*config.Shop)) *Shop {
	s := config.Shop{Code: "demo", Logiless: config.LogilessSettings{StoreID: 1}}
	s.OrderImport.DeliveryMethods = map[string]string{"佐川急便": "sagawa"}
	s.ShipmentNotification = config.ShipmentSettings{AutoRun: true, Lookback: 24 * time.Hour, Interval: 10 * time.Minute, TrackingNumberSeparator: ","}
	if edit != nil {
		edit(&s)
	}
	if ll == nil {
		ll = &shipLogiless{}
	}
	if ll.calls == nil {
		ll.calls = map[string]int{}
	}
	return &Shop{Settings: s, Ecforce: ec, Logiless: ll}
}

func newShipmentActivities(shop *Shop) *ShipmentNotification {
	return &ShipmentNotification{
		Shops: NewShopDirectory(shop), Cache: NewShipmentCache(time.Minute, 100),
		CapturePoll: time.Millisecond, CapturePollMax: 5 * time.Millisecond, CaptureSettleTimeout: time.Second,
	}
}

func shipmentActivityEnv(a *ShipmentNotification) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return env
}

// errType returns the application error type of err and whether it may be
// retried, or "" for no application error.
func appErrType(err error) (string, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return "", false
	}
	return appErr.Type(), !appErr.NonRetryable()
}

func statusErr(code int, apiCode, msg string) error {
	return fmt.Errorf("ecforce shop %q: request: %w", "demo", &httpapi.StatusError{API: "ecforce", Method: "PUT", Path: "/x", StatusCode: code, Code: apiCode, Message: msg})
}

// --- shipment of a sales order -----------------------------------------------

func TestShipmentOf(t *testing.T) {
	tests := []struct {
		name        string
		so          logiless.SalesOrder
		wantNumbers []string
		wantAt      time.Time
		wantMethod  string
		wantParcels int
		wantErr     string
	}{
		{
			name:        "one parcel",
			so:          shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15), "438000000001")),
			wantNumbers: []string{"438000000001"}, wantAt: jstAt(1, 15), wantMethod: "yamato", wantParcels: 1,
		},
		{
			name: "split shipment: every number, latest finish, in delivery order",
			so: shippedOrder(1, "EC1", shippedParcel(11, "sagawa", jstAt(2, 9), "B-2"),
				shippedParcel(10, "yamato", jstAt(1, 15), "A-1", " A-1b "), shippedParcel(12, "yamato", jstAt(1, 18), "A-1")),
			wantNumbers: []string{"A-1", "A-1b", "B-2"}, wantAt: jstAt(2, 9), wantMethod: "yamato", wantParcels: 3,
		},
		{
			name: "cancelled parcels are ignored",
			so: shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15), "A-1"),
				logiless.OutboundDelivery{ID: 11, DeliveryStatus: logiless.DeliveryStatusCancel, TrackingNumbers: []string{"X"}}),
			wantNumbers: []string{"A-1"}, wantAt: jstAt(1, 15), wantMethod: "yamato", wantParcels: 1,
		},
		{
			name: "falls back to the order's tracking number and finish time",
			so: func() logiless.SalesOrder {
				so := shippedOrder(1, "EC1")
				so.DeliveryTrackingNumber, so.FinishedAt = "999", jstAt(3, 10)
				return so
			}(),
			wantNumbers: []string{"999"}, wantAt: jstAt(3, 10),
		},
		{
			name: "partly shipped waits",
			so: func() logiless.SalesOrder {
				so := shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15), "A-1"))
				so.DocumentStatus, so.DeliveryStatus = logiless.DocumentStatusWaitingForShipment, logiless.DeliveryStatusPartlyShipped
				return so
			}(),
			wantErr: "PartlyShipped",
		},
		{
			name: "a parcel still in work waits",
			so: shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15), "A-1"),
				logiless.OutboundDelivery{ID: 11, Code: "OD11", DeliveryStatus: logiless.DeliveryStatusWorking}),
			wantErr: "OD11 still Working",
		},
		{
			name: "cancelled order",
			so: func() logiless.SalesOrder {
				so := shippedOrder(1, "EC1")
				so.DocumentStatus = logiless.DocumentStatusCancel
				return so
			}(),
			wantErr: "cancelled",
		},
		{
			name:    "no finish time anywhere",
			so:      shippedOrder(1, "EC1", shippedParcel(10, "yamato", time.Time{}, "A-1")),
			wantErr: "no finished_at",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shipmentOf(tt.so)
			if tt.wantErr != "" {
				if typ, _ := appErrType(err); typ != ErrTypeNotShipped || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %s containing %q", err, ErrTypeNotShipped, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.TrackingNumbers, tt.wantNumbers) || !got.ShippedAt.Equal(tt.wantAt) ||
				got.DeliveryMethod != tt.wantMethod || got.Parcels != tt.wantParcels {
				t.Errorf("shipment = %+v", got)
			}
			if got.ShippedAt.Location() != ecforce.JST {
				t.Errorf("ShippedAt is in %v, want JST", got.ShippedAt.Location())
			}
		})
	}
	s := Shipment{TrackingNumbers: []string{"1", "2"}}
	if got := s.Slip(" / "); got != "1 / 2" {
		t.Errorf("Slip = %q", got)
	}
}

func TestClassifyPayment(t *testing.T) {
	tests := []struct {
		state, method string
		want          paymentKind
	}{
		{"authed", "クレジットカード決済", paymentCapturable},
		{"credit_exam_completed", "後払い", paymentCapturable},
		{"completed", "クレジットカード決済", paymentCaptured},
		{"captured", "", paymentCaptured},
		{"cash_on_delivery_authed", "代金引換", paymentNoCapture},
		{"authed", "代金引換", paymentNoCapture},
		{"paid", "銀行振込", paymentNoCapture},
		{"", "", paymentNoCapture},
		{"credit_exam_processing", "後払い", paymentExamPending},
		{"sales_failed", "クレジットカード決済", paymentFailed},
		{"auth_failed", "クレジットカード決済", paymentFailed},
		{"voided", "クレジットカード決済", paymentNotCapturable},
		{"something_new", "", paymentNotCapturable},
	}
	for _, tt := range tests {
		if got := classifyPayment(tt.state, tt.method); got.kind != tt.want {
			t.Errorf("classifyPayment(%q, %q) = %v, want %v", tt.state, tt.method, got.kind, tt.want)
		}
	}
}

// --- discovery ---------------------------------------------------------------

func TestListShipmentCandidates(t *testing.T) {
	slipAt := ecforce.Time{Time: jstAt(1, 15)}
	ec := newShipEcforce(
		ecforce.Order{ID: 1, Number: "NEW", State: "complete", PaymentState: "authed"},
		ecforce.Order{ID: 2, Number: "DONE", State: "shipped", PaymentState: "completed", ShippingSlip: "222", ShippedAt: slipAt},
		ecforce.Order{ID: 3, Number: "FAILED", State: "complete", PaymentState: "sales_failed", ShippingSlip: "333", ShippedAt: slipAt},
		ecforce.Order{ID: 4, Number: "NOSTATE", State: "complete", PaymentState: "completed", ShippingSlip: "444", ShippedAt: slipAt},
	)
	ll := &shipLogiless{orders: []logiless.SalesOrder{
		shippedOrder(11, "NEW", shippedParcel(1, "yamato", jstAt(1, 15), "111")),
		shippedOrder(12, "DONE", shippedParcel(2, "yamato", jstAt(1, 15), "222")),
		shippedOrder(13, "FAILED", shippedParcel(3, "yamato", jstAt(1, 15), "333")),
		shippedOrder(14, "NOSTATE", shippedParcel(4, "yamato", jstAt(1, 15), "444")),
		shippedOrder(15, "HANDMADE", shippedParcel(5, "yamato", jstAt(1, 15), "555")),
		func() logiless.SalesOrder { so := shippedOrder(16, "OTHERSTORE"); so.StoreID = 2; return so }(),
	}}
	shop := shipmentShop(ec, ll, func(s *config.Shop) {
		s.ShipmentNotification.WithSales, s.ShipmentNotification.StatusAfter = true, "shipped"
	})
	a := newShipmentActivities(shop)
	env := shipmentActivityEnv(a)
	now := jstAt(2, 12)
	val, err := env.ExecuteActivity(a.ListShipmentCandidates, ListShipmentCandidatesInput{Shop: "demo", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var res ListShipmentCandidatesResult
	if err := val.Get(&res); err != nil {
		t.Fatal(err)
	}
	want := []ShipmentCandidate{{OrderNumber: "NEW", SalesOrderID: 11}, {OrderNumber: "NOSTATE", SalesOrderID: 14}}
	if !slices.Equal(res.Candidates, want) {
		t.Errorf("candidates = %+v, want %+v", res.Candidates, want)
	}
	if res.Listed != 5 || res.AlreadyInEcforce != 1 || res.WaitingForOperator != 1 || res.NotInEcforce != 1 {
		t.Errorf("counts = %+v; want 5 listed (other store dropped), 1 already in ecforce, 1 waiting, 1 not in ecforce", res)
	}
	q := ll.query
	if !slices.Equal(q.DocumentStatuses, []string{logiless.DocumentStatusShipped}) || q.Store != 1 || !q.UpdatedFrom.Equal(now.Add(-24*time.Hour)) {
		t.Errorf("LOGILESS query = %+v; want Shipped orders of store 1 updated since %s", q, now.Add(-24*time.Hour))
	}
	if n := ec.count("list"); n != 1 {
		t.Errorf("%d ecforce lookups, want 1 (100 numbers per call)", n)
	}

	// The notification that follows reads nothing again: the discovery
	// cached both sides.
	val, err = env.ExecuteActivity(a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: "NEW", SalesOrderID: 11})
	if err != nil {
		t.Fatal(err)
	}
	var prep PrepareShipmentResult
	if err := val.Get(&prep); err != nil {
		t.Fatal(err)
	}
	if prep.OrderID != 1 || prep.ShippingSlip != "111" || prep.CarrierID != 1 || !prep.WithSales || prep.StatusAfter != "shipped" {
		t.Errorf("prepared = %+v", prep)
	}
	if ll.calls["get"]+ll.calls["search"] != 0 || ec.count("get")+ec.count("find") != 0 {
		t.Errorf("prepare read again: LOGILESS %v, ecforce %v", ll.calls, ec.calls)
	}
}

func TestListShipmentCandidatesScheduledButSwitchedOff(t *testing.T) {
	ec, ll := newShipEcforce(), &shipLogiless{}
	shop := shipmentShop(ec, ll, func(s *config.Shop) { s.ShipmentNotification.AutoRun = false })
	a := newShipmentActivities(shop)
	val, err := shipmentActivityEnv(a).ExecuteActivity(a.ListShipmentCandidates, ListShipmentCandidatesInput{Shop: "demo", Now: jstAt(2, 12), Scheduled: true})
	if err != nil {
		t.Fatal(err)
	}
	var res ListShipmentCandidatesResult
	_ = val.Get(&res)
	if !res.Disabled || ll.calls["list"] != 0 {
		t.Errorf("result = %+v, LOGILESS calls %v; want disabled without a call", res, ll.calls)
	}
}

// --- prepare: carriers ---------------------------------------------------------

func TestPrepareShipmentResolvesTheCarrier(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		carriers map[string]int64
		current  int64
		want     int64
		wantErr  string
	}{
		{name: "shops file mapping wins", method: "yamato", carriers: map[string]int64{"yamato": 9}, want: 9},
		{name: "order import's carrier name for the method", method: "sagawa", want: 2},
		{name: "carrier name matching the method", method: "yu_packet", want: 3},
		{name: "no delivery method leaves the carrier", method: "", want: 0},
		{name: "unknown carrier fails naming the method", method: "seino", wantErr: `delivery method "seino" matches no ecforce 配送業者`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ec := newShipEcforce(ecforce.Order{ID: 1, Number: "EC1", State: "complete", PaymentState: "authed", ShippingCarrierID: tt.current})
			ll := &shipLogiless{orders: []logiless.SalesOrder{shippedOrder(11, "EC1", shippedParcel(1, tt.method, jstAt(1, 15), "111"))}}
			shop := shipmentShop(ec, ll, func(s *config.Shop) { s.ShipmentNotification.Carriers = tt.carriers })
			a := newShipmentActivities(shop)
			val, err := shipmentActivityEnv(a).ExecuteActivity(a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: "EC1", SalesOrderID: 11})
			if tt.wantErr != "" {
				if typ, retry := appErrType(err); typ != ErrTypeUnmappedCarrier || retry || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want non-retryable %s containing %q", err, ErrTypeUnmappedCarrier, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var prep PrepareShipmentResult
			_ = val.Get(&prep)
			if prep.CarrierID != tt.want {
				t.Errorf("carrier = %d, want %d", prep.CarrierID, tt.want)
			}
			if ll.calls["get"] != 1 || ec.count("find") != 1 {
				t.Errorf("reads: LOGILESS %v, ecforce %v; want one each without a cache", ll.calls, ec.calls)
			}
		})
	}
}

func TestPrepareShipmentByNumberAndCarrierListCaching(t *testing.T) {
	ec := newShipEcforce(ecforce.Order{ID: 1, Number: "EC1"}, ecforce.Order{ID: 2, Number: "EC2"})
	ll := &shipLogiless{orders: []logiless.SalesOrder{
		shippedOrder(11, "EC1", shippedParcel(1, "yu_packet", jstAt(1, 15), "111")),
		shippedOrder(12, "EC2", shippedParcel(2, "yu_packet", jstAt(1, 16), "222")),
	}}
	a := newShipmentActivities(shipmentShop(ec, ll, nil))
	env := shipmentActivityEnv(a)
	for _, n := range []string{"EC1", "EC2"} {
		if _, err := env.ExecuteActivity(a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: n}); err != nil {
			t.Fatal(err)
		}
	}
	if ll.calls["search"] != 2 || ec.count("carriers") != 1 {
		t.Errorf("LOGILESS %v, ecforce %v; want a search by code each and one carrier list", ll.calls, ec.calls)
	}
	_, err := env.ExecuteActivity(a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: "NOPE"})
	if typ, retry := appErrType(err); typ != ErrTypeOrderNotFound || retry {
		t.Errorf("unknown code: error %v, want non-retryable %s", err, ErrTypeOrderNotFound)
	}
}

// --- update shipping -------------------------------------------------------------

func TestUpdateShipping(t *testing.T) {
	target := UpdateShippingInput{Shop: "demo", OrderNumber: "EC1", OrderID: 1, ShippingSlip: "111,222", ShippedAt: jstAt(1, 15), CarrierID: 1}
	fresh := ecforce.Order{ID: 1, Number: "EC1", State: "complete", ShippingCarrierID: 2}
	tests := []struct {
		name        string
		order       ecforce.Order
		setup       func(*shipEcforce)
		fromPrepare bool // pass the order as read by PrepareShipment (first attempt)
		wantWritten bool
		wantSkip    bool
		wantPUTs    int
		wantReads   int
		wantErrType string
		retryable   bool
	}{
		{name: "writes slip, date and carrier", order: fresh, fromPrepare: true, wantWritten: true, wantPUTs: 1},
		{
			name: "same slip and day already there: skipped",
			order: func() ecforce.Order {
				o := fresh
				o.ShippingSlip, o.ShippedAt, o.ShippingCarrierID = "111,222", ecforce.Time{Time: jstAt(1, 9)}, 1
				return o
			}(),
			// a retry reads the order first
			wantSkip: true, wantReads: 1,
		},
		{
			name: "another slip is overwritten",
			order: func() ecforce.Order {
				o := fresh
				o.ShippingSlip, o.ShippedAt = "old", ecforce.Time{Time: jstAt(1, 15)}
				return o
			}(),
			wantWritten: true, wantPUTs: 1, wantReads: 1,
		},
		{
			name: "a 500 after the write was applied: confirmed by reading, not sent again", order: fresh, fromPrepare: true,
			setup:       func(f *shipEcforce) { f.shippingErr, f.shippingApplied = statusErr(500, "AOR9999", "internal"), true },
			wantWritten: true, wantPUTs: 1, wantReads: 1,
		},
		{
			name: "a 500 that was not applied: retried", order: fresh, fromPrepare: true,
			setup:    func(f *shipEcforce) { f.shippingErr = statusErr(500, "AOR9999", "internal") },
			wantPUTs: 1, wantReads: 1, wantErrType: ErrTypeTransient, retryable: true,
		},
		{
			name: "a per-record failure names the order and ecforce's reason", order: fresh, fromPrepare: true,
			setup: func(f *shipEcforce) {
				f.shippingReject = "shipping_carrier_idパラメータが正しくありません。"
			},
			wantPUTs: 1, wantErrType: ErrTypeShippingRejected,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ec := newShipEcforce(tt.order)
			if tt.setup != nil {
				tt.setup(ec)
			}
			a := newShipmentActivities(shipmentShop(ec, nil, nil))
			in := target
			if tt.fromPrepare {
				in.Current = ecforceShipping(tt.order)
			}
			val, err := shipmentActivityEnv(a).ExecuteActivity(a.UpdateShipping, in)
			if ec.count("shipping") != tt.wantPUTs || ec.count("get") != tt.wantReads {
				t.Errorf("%d shipping writes and %d reads, want %d and %d", ec.count("shipping"), ec.count("get"), tt.wantPUTs, tt.wantReads)
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
			var res UpdateShippingResult
			_ = val.Get(&res)
			if res.Written != tt.wantWritten || (res.SkippedBecause != "") != tt.wantSkip {
				t.Errorf("result = %+v", res)
			}
			if got := ec.order(1); got.ShippingSlip != "111,222" || !sameJSTDay(got.ShippedAt.Time, jstAt(1, 15)) || got.ShippingCarrierID != 1 {
				t.Errorf("ecforce now has slip %q, shipped %s, carrier %d", got.ShippingSlip, got.ShippedAt, got.ShippingCarrierID)
			}
		})
	}
}

// --- capture ---------------------------------------------------------------------

func TestCaptureSales(t *testing.T) {
	tests := []struct {
		name         string
		payment      string
		method       string
		setup        func(*shipEcforce)
		requested    bool // heartbeat details of an earlier attempt say "requested"
		wantCaptured bool
		wantSkip     string
		wantRequests int
		wantErrType  string
		retryable    bool
	}{
		{name: "authed: captured once, waits until completed", payment: "authed", wantCaptured: true, wantRequests: 1,
			setup: func(f *shipEcforce) { f.settleAfter = 3 }},
		{name: "already captured", payment: "completed", wantSkip: "already captured"},
		{name: "cash on delivery", payment: "cash_on_delivery_authed", method: "代金引換", wantSkip: "cash on delivery"},
		{name: "an earlier attempt requested it: only waits", payment: "authed", requested: true, wantCaptured: true,
			setup: func(f *shipEcforce) { f.pending[1], f.captureTo = 2, "completed" }},
		{name: "an earlier attempt's capture already completed", payment: "completed", requested: true, wantCaptured: true},
		{name: "a 500 after the request was applied: waits, never requests again", payment: "authed", wantCaptured: true, wantRequests: 1,
			setup: func(f *shipEcforce) { f.captureErr, f.captureApplied = statusErr(500, "AOR9999", "internal"), true }},
		{name: "capture fails: non-retryable for the operator", payment: "authed", wantRequests: 1, wantErrType: ErrTypeCaptureFailed,
			setup: func(f *shipEcforce) { f.captureTo = "sales_failed" }},
		{name: "a capture that failed before is not retried", payment: "sales_failed", wantErrType: ErrTypeCaptureFailed},
		{name: "an applied-looking request that never settles is not sent again", payment: "authed", wantRequests: 1, wantErrType: ErrTypeCaptureUnconfirmed,
			setup: func(f *shipEcforce) { f.captureErr = statusErr(502, "", "bad gateway") }},
		{name: "rate limited before anything happened: retried", payment: "authed", wantRequests: 1, wantErrType: ErrTypeRateLimited, retryable: true,
			setup: func(f *shipEcforce) { f.captureErr = statusErr(429, "", "Retry later") }},
		{name: "voided payment", payment: "voided", wantErrType: ErrTypePaymentNotCapturable},
		{name: "credit check still running", payment: "credit_exam_processing", wantErrType: ErrTypeCreditExamPending, retryable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ec := newShipEcforce(ecforce.Order{ID: 1, Number: "EC1", State: "complete", PaymentState: tt.payment, PaymentMethodName: tt.method})
			if tt.setup != nil {
				tt.setup(ec)
			}
			a := newShipmentActivities(shipmentShop(ec, nil, nil))
			a.CaptureSettleTimeout = 50 * time.Millisecond
			env := shipmentActivityEnv(a)
			if tt.requested {
				env.SetHeartbeatDetails(captureProgress{RequestedAt: time.Now()})
			}
			var last captureProgress
			env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
				_ = details.Get(&last)
			})
			val, err := env.ExecuteActivity(a.CaptureSales, CaptureSalesInput{Shop: "demo", OrderNumber: "EC1", OrderID: 1})
			if n := ec.count("capture"); n != tt.wantRequests {
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
			var res CaptureSalesResult
			_ = val.Get(&res)
			if res.Captured != tt.wantCaptured || !strings.Contains(res.SkippedBecause, tt.wantSkip) {
				t.Errorf("result = %+v", res)
			}
		})
	}
}

func TestCaptureFailureTellsTheOperatorWhatToDo(t *testing.T) {
	ec := newShipEcforce(ecforce.Order{ID: 1, Number: "EC1", PaymentState: "authed", PaymentMethodName: "クレジットカード決済"})
	ec.captureTo = "sales_failed"
	a := newShipmentActivities(shipmentShop(ec, nil, nil))
	_, err := shipmentActivityEnv(a).ExecuteActivity(a.CaptureSales, CaptureSalesInput{Shop: "demo", OrderNumber: "EC1", OrderID: 1})
	for _, want := range []string{"sales_failed", "ecforce admin", "Reset", "starter notify-shipment --shop demo --order EC1", "notify-shipment/demo/EC1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}

// --- status ----------------------------------------------------------------------

func TestSetShipmentStatus(t *testing.T) {
	tests := []struct {
		name        string
		state       string
		whenRead    string
		setup       func(*shipEcforce)
		wantChanged bool
		wantSkip    string
		wantPUTs    int
		wantErrType string
	}{
		{name: "changes the state", state: "complete", whenRead: "complete", wantChanged: true, wantPUTs: 1},
		{name: "already there", state: "shipped", whenRead: "shipped", wantSkip: "already"},
		{name: "a retry reads first", state: "shipped", wantSkip: "already"},
		{name: "a cancelled order is left alone", state: "canceled", whenRead: "canceled", wantSkip: "cancelled"},
		{name: "a 500 after the write: confirmed by reading", state: "complete", whenRead: "complete", wantChanged: true, wantPUTs: 1,
			setup: func(f *shipEcforce) { f.stateErr, f.stateApplied = statusErr(500, "AOR9999", "internal"), true }},
		{name: "an unknown key is a clear non-retryable error", state: "complete", whenRead: "complete", wantPUTs: 1, wantErrType: ErrTypeStateChangeNotApplied,
			setup: func(f *shipEcforce) {
				f.stateErr = statusErr(422, "AOR3002", "stateパラメータが正しくありません。")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ec := newShipEcforce(ecforce.Order{ID: 1, Number: "EC1", State: tt.state})
			if tt.setup != nil {
				tt.setup(ec)
			}
			a := newShipmentActivities(shipmentShop(ec, nil, nil))
			val, err := shipmentActivityEnv(a).ExecuteActivity(a.SetShipmentStatus, SetShipmentStatusInput{
				Shop: "demo", OrderNumber: "EC1", OrderID: 1, State: "shipped", StateWhenRead: tt.whenRead,
			})
			if n := ec.count("state"); n != tt.wantPUTs {
				t.Errorf("%d state writes, want %d", n, tt.wantPUTs)
			}
			if tt.wantErrType != "" {
				if typ, retry := appErrType(err); typ != tt.wantErrType || retry || !strings.Contains(err.Error(), "status_after") {
					t.Fatalf("error = %v, want non-retryable %s pointing at status_after", err, tt.wantErrType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var res SetShipmentStatusResult
			_ = val.Get(&res)
			if res.Changed != tt.wantChanged || !strings.Contains(res.SkippedBecause, tt.wantSkip) {
				t.Errorf("result = %+v", res)
			}
		})
	}
}
