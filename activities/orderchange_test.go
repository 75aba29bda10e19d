package activities

import (
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/orderchange"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// changeFixture is an ecforce order imported into LOGILESS (same code, the
// shop's store) with the activities of the order change.
type changeFixture struct {
	*sandboxAPIs
	a       *OrderImport
	order   ecforceapi.Order
	salesID int64
}

func newChangeFixture(t *testing.T, edit func(*config.Shop), seed ecforceapi.OrderSeed) *changeFixture {
	t.Helper()
	s := config.Shop{Code: "demo", Logiless: config.LogilessSettings{StoreID: logilessapi.DefaultStoreID}}
	s.OrderImport.Lookback = 24 * time.Hour
	if edit != nil {
		edit(&s)
	}
	f := &changeFixture{sandboxAPIs: newSandboxAPIs(t, ecforceapi.Config{})}
	if _, err := f.ll.SeedArticle(logilessapi.Article{Code: "ART-A", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := f.ll.SetFreeStock("ART-A", 5); err != nil {
		t.Fatal(err)
	}
	seed.Items = []ecforceapi.OrderItemSeed{{SKU: "ART-A", Price: 1000, Quantity: 2}}
	o, err := f.ec.SeedOrder(seed)
	if err != nil {
		t.Fatal(err)
	}
	so, err := f.ll.SeedSalesOrder(map[string]any{
		"code": o.Number, "buyer_name1": "山田", "recipient_name1": "山田", "recipient_address1": "渋谷区",
		"payment_method": "bank_transfer", "delivery_method": "yamato", "store": logilessapi.DefaultStoreID,
		"lines": []map[string]any{{"article_code": "ART-A", "article_name": "A", "quantity": 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.order, f.salesID = o, so.ID
	f.a = &OrderImport{Shops: NewShopDirectory(f.shop(s, nil)), Cache: NewOrderCache(time.Minute, 10)}
	return f
}

func (f *changeFixture) in() OrderChangeInput {
	return OrderChangeInput{Shop: "demo", OrderNumber: f.order.Number, OrderID: f.order.ID, SalesOrderID: f.salesID}
}

func (f *changeFixture) held(t *testing.T) logilessapi.SalesOrder {
	t.Helper()
	for _, so := range f.ll.SalesOrders() {
		if so.ID == f.salesID {
			return so
		}
	}
	t.Fatalf("no sales order %d", f.salesID)
	return logilessapi.SalesOrder{}
}

// A reversal whose answer is lost (LOGILESS applied it, then answered 500)
// is not sent again: the retry reads the order first and finds it
// cancelled. With cancel_clears_code the code is freed and the order is
// still found by its id.
func TestApplyOrderChangeReversesOnce(t *testing.T) {
	f := newChangeFixture(t, func(s *config.Shop) { s.OrderImport.CancelClearsCode = true }, ecforceapi.OrderSeed{})
	if _, err := f.ec.CancelOrder(f.order.ID); err != nil {
		t.Fatal(err)
	}
	read, err := runActivity[OrderChangeResult](t, activityEnv(f.a), f.a.ReadOrderChange, OrderChangeInput{Shop: "demo", OrderNumber: f.order.Number})
	if err != nil || read.Action != string(orderchange.Reverse) || read.SalesOrderID != f.salesID || read.OrderID != f.order.ID {
		t.Fatalf("read = %+v, %v", read, err)
	}
	f.ll.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: "/api/v1/merchant/1022/sales_orders/", AfterApply: true, Status: 500})
	_, err = runActivity[OrderChangeResult](t, activityEnv(f.a), f.a.ApplyOrderChange, f.in())
	if typ, retryable := appErrType(err); typ != ErrTypeTransient || !retryable {
		t.Fatalf("first attempt: %v; want a retryable Transient", err)
	}
	res, err := runActivity[OrderChangeResult](t, activityEnv(f.a), f.a.ApplyOrderChange, f.in())
	if err != nil || res.Applied || !res.Cancelled || res.Action != string(orderchange.None) {
		t.Fatalf("retry = %+v, %v; want it seen as done", res, err)
	}
	held := f.held(t)
	if held.ReversalRequests != 1 || held.OriginalCode != f.order.Number || !strings.HasPrefix(held.Code, "21") {
		t.Errorf("LOGILESS: %d reversal requests, code %q (was %q); want one, cleared", held.ReversalRequests, held.Code, held.OriginalCode)
	}
	if free, _ := f.ll.FreeStock("ART-A"); free != 5 {
		t.Errorf("free stock %d, want 5 again", free)
	}
}

// Too late is the blocking CancelTooLate naming the order, its status and
// what to do; nothing is sent. Moved back, the same input cancels it.
func TestApplyOrderChangeTooLate(t *testing.T) {
	f := newChangeFixture(t, nil, ecforceapi.OrderSeed{})
	if _, err := f.ec.CancelOrder(f.order.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.ll.SetDeliveryStatus(f.order.Number, logilessapi.StatusWorking); err != nil {
		t.Fatal(err)
	}
	_, err := runActivity[OrderChangeResult](t, activityEnv(f.a), f.a.ApplyOrderChange, f.in())
	if typ, retryable := appErrType(err); typ != ErrTypeCancelTooLate || retryable || !IsBlocking(typ) {
		t.Fatalf("err = %v; want the blocking CancelTooLate", err)
	}
	for _, part := range []string{f.order.Number, "shop demo", "Working", "stop the parcel", "move the order back", "void the payment", "docs/errors.md#canceltoolate"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("%q lacks %q", err, part)
		}
	}
	if f.held(t).ReversalRequests != 0 {
		t.Error("a reversal was sent for an order in work")
	}
	if err := f.ll.SetDeliveryStatus(f.order.Number, logilessapi.StatusWaitingForShipment); err != nil {
		t.Fatal(err)
	}
	// LOGILESS refusing (423) what its statuses allow, twice: still
	// CancelTooLate, never a failure.
	f.ll.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: "/api/v1/merchant/1022/sales_orders/", Status: 423, Times: 2,
		Body: `{"error":"locked","error_description":"locked"}`})
	if _, err := runActivity[OrderChangeResult](t, activityEnv(f.a), f.a.ApplyOrderChange, f.in()); !strings.Contains(err.Error(), ErrTypeCancelTooLate) {
		t.Fatalf("after two 423s: %v; want CancelTooLate", err)
	}
	res, err := runActivity[OrderChangeResult](t, activityEnv(f.a), f.a.ApplyOrderChange, f.in())
	if err != nil || !res.Applied || !res.Cancelled || f.held(t).Code != f.order.Number {
		t.Fatalf("after moving back: %+v, %v; want cancelled under its code", res, err)
	}
}

// A payment completed later is written once, with the sales_order wrapper;
// sync_cancellations off leaves a cancellation alone.
func TestApplyOrderChangePaymentAndSwitch(t *testing.T) {
	f := newChangeFixture(t, nil, ecforceapi.OrderSeed{PaymentState: "pending", PaymentMethodName: "銀行振込"})
	if _, err := f.ec.CompletePayment(f.order.ID, "paid"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		res, err := runActivity[OrderChangeResult](t, activityEnv(f.a), f.a.ApplyOrderChange, f.in())
		if err != nil || res.IncomingPaymentStatus != "Paid" || res.Applied != (i == 0) {
			t.Fatalf("attempt %d: %+v, %v", i+1, res, err)
		}
	}
	if held := f.held(t); held.Updates != 1 || held.IncomingPaymentStatus != "Paid" {
		t.Errorf("LOGILESS %s after %d updates", held.IncomingPaymentStatus, held.Updates)
	}

	off := false
	g := newChangeFixture(t, func(s *config.Shop) { s.OrderImport.SyncCancellations = &off }, ecforceapi.OrderSeed{})
	if _, err := g.ec.CancelOrder(g.order.ID); err != nil {
		t.Fatal(err)
	}
	res, err := runActivity[OrderChangeResult](t, activityEnv(g.a), g.a.ApplyOrderChange, g.in())
	if err != nil || res.Applied || !strings.Contains(res.Reason, "sync_cancellations is off") || g.held(t).ReversalRequests != 0 {
		t.Errorf("with sync_cancellations off: %+v, %v", res, err)
	}
}

// FindOrderChanges returns the imported orders that changed (cancelled,
// paid) and leaves out those never imported or needing nothing.
func TestFindOrderChanges(t *testing.T) {
	f := newChangeFixture(t, nil, ecforceapi.OrderSeed{})
	if _, err := f.ec.CancelOrder(f.order.ID); err != nil {
		t.Fatal(err)
	}
	never, err := f.ec.SeedOrder(ecforceapi.OrderSeed{State: "canceled", Items: []ecforceapi.OrderItemSeed{{SKU: "ART-A", Price: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ec.SeedOrder(ecforceapi.OrderSeed{PaymentState: "paid", Items: []ecforceapi.OrderItemSeed{{SKU: "ART-A", Price: 1}}}); err != nil {
		t.Fatal(err)
	}
	now := f.ec.Now().In(ecforce.JST).Add(time.Minute)
	res, err := runActivity[FindOrderChangesResult](t, activityEnv(f.a), f.a.FindOrderChanges, FindOrderChangesInput{Shop: "demo", Now: now})
	if err != nil || len(res.Candidates) != 1 || res.Looked != 3 {
		t.Fatalf("FindOrderChanges = %+v, %v; want the one imported cancelled order of 3 looked at", res, err)
	}
	if c := res.Candidates[0]; c.OrderNumber != f.order.Number || c.SalesOrderID != f.salesID || c.Action != string(orderchange.Reverse) {
		t.Errorf("candidate %+v", c)
	}
	given := FindOrderChangesInput{Shop: "demo", Now: now, Orders: []ChangedOrder{
		{OrderID: never.ID, OrderNumber: never.Number, State: "canceled"},
		{OrderID: 99, OrderNumber: "X", State: "complete", PaymentState: ""},
	}}
	f.resetCounts()
	res, err = runActivity[FindOrderChangesResult](t, activityEnv(f.a), f.a.FindOrderChanges, given)
	if err != nil || len(res.Candidates) != 0 || res.Looked != 1 || f.ecCalls(ecListOrders) != 0 {
		t.Errorf("given orders: %+v, %v, %d ecforce listings; want nothing, one looked up, no listing", res, err, f.ecCalls(ecListOrders))
	}
}
