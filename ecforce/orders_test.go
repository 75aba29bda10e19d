package ecforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

func TestListOrdersPagination(t *testing.T) {
	// pages describes what the server holds: page n (1-based) → ids; meta is
	// rendered by metaFor.
	type pageSpec struct {
		ids  []int
		meta string
	}
	ids := func(from, n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = from + i
		}
		return out
	}
	tests := []struct {
		name       string
		per        int
		maxPages   int
		pages      []pageSpec
		wantPages  int // requests made
		wantOrders int
		wantCapErr bool
	}{
		{"total_pages present", 2, 0, []pageSpec{
			{ids(1, 2), `{"total_count":6,"page":1,"per":2,"count":2,"total_pages":3}`},
			{ids(3, 2), `{"total_count":6,"page":2,"per":2,"count":2,"total_pages":3}`},
			{ids(5, 2), `{"total_count":6,"page":3,"per":2,"count":2,"total_pages":3}`},
			{ids(7, 2), `{"total_pages":3}`}, // must never be read
		}, 3, 6, false},
		{"total_pages missing, short last page", 2, 0, []pageSpec{
			{ids(1, 2), ``}, {ids(3, 2), ``}, {ids(5, 1), ``},
		}, 3, 5, false},
		{"total_pages 0 with short last page", 2, 0, []pageSpec{
			{ids(1, 2), `{"total_pages":0,"per":2}`}, {ids(3, 1), `{"total_pages":0,"per":2}`},
		}, 2, 3, false},
		{"exact multiple ends on empty page", 2, 0, []pageSpec{
			{ids(1, 2), `{}`}, {ids(3, 2), `{}`}, {nil, `{}`},
		}, 3, 4, false},
		{"no orders", 0, 0, []pageSpec{{nil, `{"total_count":0,"total_pages":0}`}}, 1, 0, false},
		{"server clamps per", 100, 0, []pageSpec{
			{ids(1, 2), `{"per":2,"total_pages":"2"}`}, {ids(3, 2), `{"per":2,"total_pages":"2"}`},
		}, 2, 4, false},
		{"page cap reached", 2, 2, []pageSpec{
			{ids(1, 2), `{"total_pages":5}`}, {ids(3, 2), `{"total_pages":5}`}, {ids(5, 2), `{"total_pages":5}`},
		}, 2, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := newShop(t, nil)
			// The pages are answered in order; pages past them come from
			// the (empty) shop.
			for _, p := range tt.pages {
				shop.answer(http.MethodGet, "/admin/orders", 1, 200, ordersPage(p.ids, p.meta))
			}
			c, _ := newTestClient(t, shop.url(), nil)
			var got []int64
			calls := 0
			err := c.ListOrders(context.Background(), OrderQuery{Per: tt.per, MaxPages: tt.maxPages}, func(orders []Order) error {
				calls++
				for _, o := range orders {
					got = append(got, o.ID)
				}
				return nil
			})
			if tt.wantCapErr {
				if !errors.Is(err, ErrPageCapReached) || !strings.Contains(err.Error(), "narrow the time window") {
					t.Fatalf("err = %v, want ErrPageCapReached", err)
				}
			} else if err != nil {
				t.Fatalf("ListOrders: %v", err)
			}
			if n := shop.count("/admin/orders.json"); n != tt.wantPages {
				t.Errorf("requests = %d, want %d", n, tt.wantPages)
			}
			if len(got) != tt.wantOrders {
				t.Errorf("orders = %v, want %d", got, tt.wantOrders)
			}
			for i, id := range got {
				if id != int64(i+1) {
					t.Fatalf("orders out of order: %v", got)
				}
			}
			if tt.wantOrders == 0 && calls != 0 {
				t.Errorf("fn called %d times for no orders", calls)
			}
		})
	}
}

func TestListOrdersFromTheShop(t *testing.T) {
	tests := []struct {
		name       string
		orders     int
		per        int
		maxPages   int
		wantPages  int
		wantCapErr bool
	}{
		{"several pages", 5, 2, 0, 3, false},
		{"exact multiple", 4, 2, 0, 2, false},
		{"no orders", 0, 0, 0, 1, false},
		{"page cap reached", 7, 2, 2, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := newShop(t, nil)
			ids := shop.seedOrders(t, tt.orders)
			c, _ := newTestClient(t, shop.url(), nil)
			var got []int64
			err := c.ListOrders(context.Background(), OrderQuery{Per: tt.per, MaxPages: tt.maxPages}, func(orders []Order) error {
				for _, o := range orders {
					if len(o.Items) != 1 || o.ShippingAddress == nil {
						t.Errorf("order %d came without its line or address", o.ID)
					}
					got = append(got, o.ID)
				}
				return nil
			})
			if tt.wantCapErr {
				if !errors.Is(err, ErrPageCapReached) {
					t.Fatalf("err = %v, want ErrPageCapReached", err)
				}
				ids = ids[:tt.maxPages*tt.per]
			} else if err != nil {
				t.Fatalf("ListOrders: %v", err)
			}
			if n := shop.count("/admin/orders.json"); n != tt.wantPages {
				t.Errorf("requests = %d, want %d", n, tt.wantPages)
			}
			if !reflect.DeepEqual(got, ids) && !(len(got) == 0 && len(ids) == 0) {
				t.Errorf("orders = %v, want %v", got, ids)
			}
		})
	}
}

func TestListOrdersCallbackErrorStops(t *testing.T) {
	shop := newShop(t, nil)
	shop.seedOrders(t, 6)
	c, _ := newTestClient(t, shop.url(), nil)
	stop := errors.New("stop here")
	err := c.ListOrders(context.Background(), OrderQuery{Per: 2}, func([]Order) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the callback's error", err)
	}
	if n := len(shop.requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestListOrdersQueryEncoding(t *testing.T) {
	shop := newShop(t, nil)
	c, _ := newTestClient(t, shop.url(), nil)
	q := OrderQuery{
		States:                []string{"complete", "wmswait"},
		CreatedFrom:           time.Date(2024, 4, 30, 15, 0, 0, 0, time.UTC), // = 2024-05-01 00:00 JST
		CreatedBefore:         time.Date(2024, 5, 2, 0, 0, 0, 0, JST),
		UpdatedFrom:           time.Date(2024, 5, 1, 12, 30, 45, 0, JST),
		ScheduledToShipBefore: time.Date(2024, 5, 3, 0, 0, 0, 0, JST),
		Numbers:               []string{"A0001", "A 0002"},
		PaymentStates:         []string{"paid", "completed"},
	}
	if err := c.ListOrders(context.Background(), q, func([]Order) error { return nil }); err != nil {
		t.Fatal(err)
	}
	reqs := shop.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d", len(reqs))
	}
	raw := reqs[0].RawQuery
	for _, want := range []string{
		"q%5Bstate_in%5D%5B%5D=complete&q%5Bstate_in%5D%5B%5D=wmswait", // repeated, in order
		"include=order_items%2Cshipping_address%2Cshipping_addresses%2Cbilling_address",
		"q%5Bcreated_at_gteq%5D=2024-05-01+00%3A00%3A00",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("raw query %q lacks %q", raw, want)
		}
	}
	got, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"include":                          {"order_items,shipping_address,shipping_addresses,billing_address"},
		"sort":                             {"id"},
		"page":                             {"1"},
		"per":                              {"100"},
		"q[state_in][]":                    {"complete", "wmswait"},
		"q[number_in][]":                   {"A0001", "A 0002"},
		"q[payment_state_in][]":            {"paid", "completed"},
		"q[created_at_gteq]":               {"2024-05-01 00:00:00"},
		"q[created_at_lt]":                 {"2024-05-02 00:00:00"},
		"q[updated_at_gteq]":               {"2024-05-01 12:30:45"},
		"q[scheduled_to_be_shipped_at_lt]": {"2024-05-03 00:00:00"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query =\n%v\nwant\n%v", got, want)
	}
	if err := c.ListOrders(context.Background(), OrderQuery{IDs: []int64{7, 9}, ByUpdatedAt: true}, func([]Order) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := url.ParseQuery(shop.requests()[1].RawQuery); got.Get("sort") != "updated_at,id" || !reflect.DeepEqual(got["q[id_in][]"], []string{"7", "9"}) {
		t.Errorf("ids and updated_at sort: query %v", got)
	}
	if err := c.ListOrders(context.Background(), OrderQuery{IDs: make([]int64, 101)}, func([]Order) error { return nil }); err == nil {
		t.Error("101 ids: want an error")
	}
	tooMany := make([]string, 101)
	if err := c.ListOrders(context.Background(), OrderQuery{Numbers: tooMany}, func([]Order) error { return nil }); err == nil {
		t.Error("101 numbers: want an error")
	}
}

func TestGetOrderDecodesEverything(t *testing.T) {
	const body = `{
  "data": {"id": 96704, "type": "orders",
    "attributes": {"id": "96704", "number": "1000096704", "state": "complete", "human_state": "注文確定",
      "payment_state": "authed", "payment_human_state": "仮売上完了", "payment_method_name": "クレジットカード",
      "email": "taro@example.jp", "remark": "置き配希望",
      "subtotal": "10,000", "discount": 500, "point": "0", "deliv_fee": 600, "charge": 0, "misc_fee": null,
      "tax": 1000.0, "total": "11,100", "payment_total": 11100,
      "scheduled_to_be_shipped_at": "2019/06/08 05:47:17", "scheduled_to_be_delivered_at": "2019-06-10",
      "scheduled_delivery_time": "午前中", "shipped_at": null, "created_at": "2019-06-07T20:47:17Z", "updated_at": "",
      "shipping_carrier_id": "3", "shipping_carrier_name": "ヤマト運輸", "shipping_slip": null, "unknown_field": {"x": 1}},
    "relationships": {
      "order-items": {"data": [{"id": 1, "type": "order_items"}, {"id": "2", "type": "OrderItem"}]},
      "shipping_address": {"data": {"id": "5", "type": "shipping_address"}},
      "billingAddress": {"data": {"id": 5, "type": "addresses"}},
      "customer": {"data": {"id": "77", "type": "customer"}}
    }},
  "included": [
    {"id": "5", "type": "order_item", "attributes": {"variant_sku": "DECOY"}},
    {"id": "1", "type": "order-item", "attributes": {"variant_id": "11", "variant_sku": "SKU-A", "product_number": "P-A",
      "product_name": "商品A", "sales_price": "1,000", "price": 2000, "quantity": "2", "tax_rate": "10"}},
    {"id": 2, "type": "order_items", "attributes": {"variant_sku": "SKU-B", "quantity": 1, "tax_rate": 8.0}},
    {"id": "5", "type": "address", "attributes": {"name01": "山田", "name02": "太郎", "kana01": "ヤマダ", "kana02": "タロウ",
      "zip01": "150", "zip02": "0001", "prefecture_id": "13", "prefecture_name": "東京都", "addr01": "渋谷区神宮前",
      "addr02": "1-2-3", "tel01": "03", "tel02": "1234", "tel03": "5678"}}
  ],
  "links": {"self": "x"}
}`
	shop := newShop(t, nil)
	shop.answer(http.MethodGet, "/admin/orders/96704", 1, 200, body)
	c, _ := newTestClient(t, shop.url(), nil)
	o, err := c.GetOrder(context.Background(), 96704)
	if err != nil {
		t.Fatalf("GetOrder: %v", err)
	}
	if q := shop.requests()[0].RawQuery; q != "include=order_items%2Cshipping_address%2Cshipping_addresses%2Cbilling_address" {
		t.Errorf("query = %q", q)
	}
	want := Order{
		ID: 96704, Number: "1000096704", State: "complete", HumanState: "注文確定",
		PaymentState: "authed", PaymentHumanState: "仮売上完了", PaymentMethodName: "クレジットカード",
		Email: "taro@example.jp", Remark: "置き配希望",
		Subtotal: 10000, Discount: 500, DelivFee: 600, Tax: 1000, Total: 11100, PaymentTotal: 11100,
		ScheduledToBeShippedAt:   Time{time.Date(2019, 6, 8, 5, 47, 17, 0, JST)},
		ScheduledToBeDeliveredAt: Time{time.Date(2019, 6, 10, 0, 0, 0, 0, JST)},
		ScheduledDeliveryTime:    "午前中",
		CreatedAt:                Time{time.Date(2019, 6, 8, 5, 47, 17, 0, JST)},
		ShippingCarrierID:        3, ShippingCarrierName: "ヤマト運輸",
		Items: []OrderItem{
			{ID: 1, VariantID: 11, SKU: "SKU-A", ProductNumber: "P-A", ProductName: "商品A", SalesPrice: 1000, Price: 2000, Quantity: 2, TaxRate: 10},
			{ID: 2, SKU: "SKU-B", Quantity: 1, TaxRate: 8},
		},
	}
	addr := &Address{Name01: "山田", Name02: "太郎", Kana01: "ヤマダ", Kana02: "タロウ", Zip01: "150", Zip02: "0001",
		PrefectureID: 13, PrefectureName: "東京都", Addr01: "渋谷区神宮前", Addr02: "1-2-3", Tel01: "03", Tel02: "1234", Tel03: "5678"}
	want.ShippingAddress, want.BillingAddress = addr, addr
	if !reflect.DeepEqual(o, want) {
		t.Errorf("order differs from the expected one") // Order and Address mask %v; compare parts below
		if o.Total != want.Total || o.Subtotal != want.Subtotal || !o.CreatedAt.Equal(want.CreatedAt.Time) || o.State != want.State {
			t.Errorf("attributes: total=%d subtotal=%d created=%v state=%q", o.Total, o.Subtotal, o.CreatedAt, o.State)
		}
		if !reflect.DeepEqual(o.Items, want.Items) {
			t.Errorf("items = %+v", o.Items)
		}
		if o.ShippingAddress != nil && !reflect.DeepEqual(*o.ShippingAddress, *addr) {
			t.Errorf("shipping address differs")
		}
	}
	if o.CreatedAt.Location() != JST || o.ScheduledToBeShippedAt.Location() != JST {
		t.Error("times must be in JST")
	}
	if o.ShippingAddress.FullName() != "山田 太郎" || o.ShippingAddress.Zip() != "150-0001" || o.ShippingAddress.Tel() != "03-1234-5678" {
		t.Errorf("helpers: %q %q %q", o.ShippingAddress.FullName(), o.ShippingAddress.Zip(), o.ShippingAddress.Tel())
	}
}

// An order with several destinations (複数配送先) is told apart by its
// multiple_shipping flag or its shipping_addresses; only the address ids
// are kept.
func TestOrderDestinations(t *testing.T) {
	tests := []struct {
		name     string
		flag     string
		rel      string
		wantFlag bool
		wantIDs  []string
	}{
		{"one destination", `false`, `{"data": [{"id": "5", "type": "address"}]}`, false, []string{"5"}},
		{"two addresses, one repeated", `0`, `{"data": [{"id": "5", "type": "address"}, {"id": 6, "type": "addresses"}, {"id": "5"}]}`, false, []string{"5", "6"}},
		{"the flag alone", `"1"`, `{"data": []}`, true, []string{}},
		{"no relationship", `null`, ``, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rels := `"shipping_address": {"data": {"id": "5", "type": "address"}}`
			if tt.rel != "" {
				rels += `, "shipping_addresses": ` + tt.rel
			}
			body := `{"data": {"id": "7", "type": "order", "attributes": {"number": "N7", "multiple_shipping": ` + tt.flag + `},
  "relationships": {` + rels + `}},
  "included": [{"id": "5", "type": "address", "attributes": {"name01": "山田"}}, {"id": "6", "type": "address", "attributes": {"name01": "佐藤"}}]}`
			shop := newShop(t, nil)
			shop.answer(http.MethodGet, "/admin/orders/7", 1, 200, body)
			c, _ := newTestClient(t, shop.url(), nil)
			o, err := c.GetOrder(context.Background(), 7)
			if err != nil {
				t.Fatal(err)
			}
			if o.MultipleShipping != tt.wantFlag || !reflect.DeepEqual(o.ShippingAddressIDs, tt.wantIDs) {
				t.Errorf("multiple_shipping %t, shipping address ids %#v; want %t, %#v", o.MultipleShipping, o.ShippingAddressIDs, tt.wantFlag, tt.wantIDs)
			}
		})
	}
}

func TestGetOrderRelationshipVariants(t *testing.T) {
	tests := []struct {
		name      string
		rels      string
		included  string
		wantItems []string
		wantShip  bool
		wantBill  bool
		wantErr   bool
	}{
		{"null relationships", `{"order_items":{"data":[]},"shipping_address":{"data":null},"billing_address":{"data":null}}`, ``, nil, false, false, false},
		{"absent relationships", `{}`, ``, nil, false, false, false},
		{"to-many as single object", `{"order_items":{"data":{"id":"1","type":"order_item"}}}`,
			`{"id":"1","type":"order_item","attributes":{"variant_sku":"S1"}}`, []string{"S1"}, false, false, false},
		{"numeric ids both sides", `{"order_items":{"data":[{"id":1,"type":"order_item"}]},"shipping_address":{"data":{"id":9,"type":"address"}}}`,
			`{"id":1,"type":"order_items","attributes":{"variant_sku":"S1"}},{"id":9,"type":"addresses","attributes":{}}`, []string{"S1"}, true, false, false},
		{"type-less reference", `{"order_items":{"data":[{"id":"1"}]}}`,
			`{"id":"1","type":"order_item","attributes":{"variant_sku":"S1"}}`, []string{"S1"}, false, false, false},
		{"same id different types", `{"order_items":{"data":[{"id":"1","type":"order_item"}]},"billing_address":{"data":{"id":"1","type":"address"}}}`,
			`{"id":"1","type":"address","attributes":{"prefecture_name":"大阪府"}},{"id":"1","type":"order_item","attributes":{"variant_sku":"S1"}}`, []string{"S1"}, false, true, false},
		{"missing included item", `{"order_items":{"data":[{"id":"1","type":"order_item"}]}}`, ``, nil, false, false, true},
		{"missing included address", `{"shipping_address":{"data":{"id":"3","type":"address"}}}`, ``, nil, false, false, true},
		{"relationship data is a string", `{"order_items":{"data":"1"}}`, ``, nil, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"data":{"id":"7","type":"order","attributes":{"number":"N7"},"relationships":` + tt.rels + `},"included":[` + tt.included + `]}`
			shop := newShop(t, nil)
			shop.answer(http.MethodGet, "/admin/orders/7", 1, 200, body)
			c, _ := newTestClient(t, shop.url(), nil)
			o, err := c.GetOrder(context.Background(), 7)
			if tt.wantErr {
				if !errors.Is(err, httpapi.ErrMalformedResponse) {
					t.Fatalf("err = %v, want ErrMalformedResponse", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var skus []string
			for _, it := range o.Items {
				skus = append(skus, it.SKU)
			}
			if !reflect.DeepEqual(skus, tt.wantItems) {
				t.Errorf("items = %v, want %v", skus, tt.wantItems)
			}
			if (o.ShippingAddress != nil) != tt.wantShip || (o.BillingAddress != nil) != tt.wantBill {
				t.Errorf("addresses: shipping %v billing %v", o.ShippingAddress, o.BillingAddress)
			}
		})
	}
}

func TestMalformedAndErrorBodies(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantIs      error
		wantCode    string
		wantMsg     string
	}{
		{"2xx html", 200, "text/html", "<html>maintenance</html>", httpapi.ErrMalformedResponse, "", ""},
		{"2xx truncated json", 200, "application/json", `{"data":{"id":"7"`, httpapi.ErrMalformedResponse, "", ""},
		{"2xx without data", 200, "application/json", `{"meta":{}}`, httpapi.ErrMalformedResponse, "", ""},
		{"2xx wrong order", 200, "application/json", singleOrder(8), httpapi.ErrMalformedResponse, "", ""},
		{"2xx bad amount", 200, "application/json", `{"data":{"id":"7","type":"order","attributes":{"total":"abc"}}}`, httpapi.ErrMalformedResponse, "", ""},
		{"2xx bad time", 200, "application/json", `{"data":{"id":"7","type":"order","attributes":{"created_at":"yesterday"}}}`, httpapi.ErrMalformedResponse, "", ""},
		{"404 json", 404, "application/json", `{"errors":[{"code":"AOR2001","message":"orderが見つかりません。"}]}`, ErrNotFound, "AOR2001", "orderが見つかりません。"},
		{"2xx null data", 200, "application/json", `{"data":null}`, ErrNotFound, "", ""},
		{"403 cloudflare", 403, "text/html", "<!DOCTYPE html><title>Attention Required! | Cloudflare</title>", nil, "", "<!DOCTYPE html><title>Attention Required! | Cloudflare</title>"},
		{"400 strings", 400, "application/json", `{"errors":["idが不正です"]}`, nil, "", "idが不正です"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := newShop(t, nil)
			shop.InjectFault(httpfake.Fault{Method: http.MethodGet, PathPrefix: apiRoot + "/admin/orders/7", Times: -1,
				Status: tt.status, Body: tt.body, Headers: map[string]string{"Content-Type": tt.contentType}})
			c, _ := newTestClient(t, shop.url(), nil)
			_, err := c.GetOrder(context.Background(), 7)
			if err == nil {
				t.Fatal("want an error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("err = %v, want %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), "/admin/orders/7.json") && tt.wantIs == httpapi.ErrMalformedResponse {
				t.Errorf("error %q does not name the endpoint", err)
			}
			if tt.wantMsg != "" {
				var se *httpapi.StatusError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want a StatusError", err)
				}
				if se.Code != tt.wantCode || se.Message != tt.wantMsg || se.StatusCode != tt.status || se.API != "ecforce" {
					t.Errorf("StatusError = %+v", se)
				}
			}
			if tt.status == 400 && !httpapi.Rejected(err) {
				t.Error("400 must be a rejection")
			}
		})
	}
}

func TestFindOrderByNumber(t *testing.T) {
	tests := []struct {
		name      string
		seed      string // an order with this number exists
		answer    string // the shop's answer, when not its own
		wantFound bool
		wantErr   bool
	}{
		{"found", "N0000042", "", true, false},
		{"not found", "N0000043", "", false, false},
		{"filter ignored", "", ordersPage([]int{1, 2}, ""), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := newShop(t, nil)
			var want ecforceapi.Order
			if tt.seed != "" {
				var err error
				want, err = shop.SeedOrder(ecforceapi.OrderSeed{Number: tt.seed, Items: []ecforceapi.OrderItemSeed{{SKU: "A", Price: 100}}})
				if err != nil {
					t.Fatal(err)
				}
				shop.seedOrders(t, 2) // other orders must not match
			}
			if tt.answer != "" {
				shop.answer(http.MethodGet, "/admin/orders", 1, 200, tt.answer)
			}
			c, _ := newTestClient(t, shop.url(), nil)
			o, found, err := c.FindOrderByNumber(context.Background(), "N0000042")
			if (err != nil) != tt.wantErr || found != tt.wantFound {
				t.Fatalf("FindOrderByNumber = %v, %v, %v", o, found, err)
			}
			if found && (o.ID != want.ID || o.Number != "N0000042" || len(o.Items) != 1) {
				t.Errorf("order = %+v", o)
			}
			q, _ := url.ParseQuery(shop.requests()[0].RawQuery)
			if q.Get("q[number_eq]") != "N0000042" || q.Get("include") != orderIncludes {
				t.Errorf("query = %v", q)
			}
		})
	}
}

func TestUpdateOrderState(t *testing.T) {
	tests := []struct {
		name     string
		state    string
		answer   string // the shop's 200 answer, when not its own
		wantErr  string
		rejected bool
	}{
		{"applied", "shipped", "", "", false},
		{"silently dropped", "shipped", `{"data":{"id":"%d","type":"order","attributes":{"state":"complete"}}}`, "instead of", false},
		{"bad key", "no_such_state", "", "AOR3002", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := newShop(t, nil)
			id := shop.seedOrders(t, 1)[0]
			if tt.answer != "" {
				shop.answer(http.MethodPut, "/admin/orders", 1, 200, fmt.Sprintf(tt.answer, id))
			}
			c, _ := newTestClient(t, shop.url(), nil)
			o, err := c.UpdateOrderState(context.Background(), id, tt.state)
			r := shop.requests()[0]
			if r.Method != http.MethodPut || r.Path != orderPath(id) || r.ContentType != "application/json" {
				t.Errorf("request %s %s %s", r.Method, r.Path, r.ContentType)
			}
			if string(r.Body) != `{"order":{"state":"`+tt.state+`"}}` {
				t.Errorf("body = %s", r.Body)
			}
			if tt.wantErr == "" {
				if err != nil || o.State != tt.state {
					t.Fatalf("UpdateOrderState = %v, %v", o, err)
				}
				if so, _ := shop.Order(id); so.State != tt.state {
					t.Errorf("the shop holds state %q", so.State)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if kept := !tt.rejected; errors.Is(err, ErrStateNotApplied) != kept {
				t.Errorf("errors.Is(err, ErrStateNotApplied) = %t, want %t: the answer alone proves a kept state", !kept, kept)
			}
			if httpapi.Rejected(err) != tt.rejected {
				t.Errorf("Rejected = %v", httpapi.Rejected(err))
			}
		})
	}
}

func TestUpdateShipping(t *testing.T) {
	shop := newShop(t, nil)
	// Mixed id shapes in one answer, as ecforce documents them.
	shop.answer(http.MethodPut, "/admin/orders/shipping", 1, 200, `{"success":[88112,"88111-120"],"failure":["88111-125"],"errors":[{"id":"88111-125","code":"AOR0000","message":"エラーが発生しました。","errors":[{"code":"AOR2001","message":"orderが見つかりません。"}]}]}`)
	c, _ := newTestClient(t, shop.url(), nil)
	res, err := c.UpdateShipping(context.Background(), []ShippingUpdate{
		{OrderID: 88112, ShippingSlip: " 1234-5678-9012 ", ShippingCarrierID: 1, ShippedAt: time.Date(2017, 12, 13, 4, 22, 29, 0, time.UTC)},
		{OrderID: 88111, ShippingAddressID: 120, ShippingSlip: "abc"},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	r := shop.requests()[0]
	if r.Method != http.MethodPut || r.Path != "/admin/orders/shipping.json" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	wantBody := `{"orders":[{"id":88112,"shipping_slip":"1234-5678-9012","shipping_carrier_id":1,"shipped_at":"2017-12-13 13:22:29"},{"id":88111,"shipping_slip":"abc","shipping_address_id":120}],"with_async":0,"with_sale":1}`
	if string(r.Body) != wantBody {
		t.Errorf("body =\n%s\nwant\n%s", r.Body, wantBody)
	}
	want := BulkResult{
		Success: []string{"88112", "88111-120"},
		Failure: []string{"88111-125"},
		Errors: []BulkError{{ID: "88111-125", Code: "AOR0000", Message: "エラーが発生しました。",
			Details: []ErrorDetail{{Code: "AOR2001", Message: "orderが見つかりません。"}}}},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result = %+v\nwant %+v", res, want)
	}
	if e, ok := res.ErrorFor("88111-125"); !ok || !strings.Contains(e.Error(), "AOR2001") {
		t.Errorf("ErrorFor = %v, %v", e, ok)
	}
	if !res.Succeeded("88112") || res.Succeeded("88111-125") {
		t.Error("Succeeded mismatch")
	}

	tooMany := make([]ShippingUpdate, 101)
	for i := range tooMany {
		tooMany[i].OrderID = int64(i + 1)
	}
	if _, err := c.UpdateShipping(context.Background(), tooMany, false); err == nil {
		t.Error("101 updates: want an error")
	}
	if res, err := c.UpdateShipping(context.Background(), nil, false); err != nil || len(res.Success) != 0 {
		t.Errorf("no updates = %v, %v", res, err)
	}
	if n := len(shop.requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (invalid batches are not sent)", n)
	}
}

func TestUpdateShippingInTheShop(t *testing.T) {
	shop := newShop(t, nil)
	id := shop.seedOrders(t, 1)[0]
	c, _ := newTestClient(t, shop.url(), nil)
	shipped := time.Date(2026, 5, 1, 13, 22, 29, 0, JST)
	res, err := c.UpdateShipping(context.Background(), []ShippingUpdate{
		{OrderID: id, ShippingSlip: "1234-5678-9012", ShippingCarrierID: 2, ShippedAt: shipped},
		{OrderID: 999999, ShippingSlip: "x"},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Succeeded(strconv.FormatInt(id, 10)) || res.Succeeded("999999") {
		t.Errorf("result = %+v", res)
	}
	if e, ok := res.ErrorFor("999999"); !ok || !strings.Contains(e.Error(), "AOR2001") {
		t.Errorf("ErrorFor(999999) = %v, %v", e, ok)
	}
	o, _ := shop.Order(id)
	if o.ShippingSlip != "1234-5678-9012" || o.ShippingCarrierID != 2 || !o.ShippedAt.Equal(shipped) {
		t.Errorf("the shop holds slip %q carrier %d shipped %v", o.ShippingSlip, o.ShippingCarrierID, o.ShippedAt)
	}
}

func TestRequestSales(t *testing.T) {
	shop := newShop(t, nil)
	ids := shop.seedOrders(t, 2)
	c, _ := newTestClient(t, shop.url(), nil)
	job, err := c.RequestSales(context.Background(), ids)
	if err != nil || job == "" {
		t.Fatalf("RequestSales = %q, %v", job, err)
	}
	r := shop.requests()[0]
	if r.Method != http.MethodPost || r.Path != "/admin/orders/payment_status/bulk_update.json" ||
		string(r.Body) != fmt.Sprintf(`{"method":"sales","order_ids":[%d,%d]}`, ids[0], ids[1]) {
		t.Errorf("request %s %s %s", r.Method, r.Path, r.Body)
	}
	for _, id := range ids {
		if n := shop.CaptureCount(id); n != 1 {
			t.Errorf("order %d: %d capture requests, want 1", id, n)
		}
	}
	// A numeric job id decodes too.
	shop.answer(http.MethodPost, "/admin/orders/payment_status", 1, 200, `{"id":12,"job_id":1234}`)
	if job, err := c.RequestSales(context.Background(), ids[:1]); err != nil || job != "1234" {
		t.Errorf("RequestSales = %q, %v", job, err)
	}
}

func TestListShippingCarriers(t *testing.T) {
	shop := newShop(t, nil)
	shop.answer(http.MethodGet, "/admin/shipping_carriers", 1, 200, `{"data":[{"id":"1","type":"shipping_carrier","attributes":{"name":"ヤマト運輸","state":"active","default":true}},
{"id":2,"type":"shipping_carriers","attributes":{"name":"佐川急便","state":"inactive","default":"0"}}],"meta":{"total_pages":1}}`)
	c, _ := newTestClient(t, shop.url(), nil)
	got, err := c.ListShippingCarriers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []ShippingCarrier{{ID: 1, Name: "ヤマト運輸", State: "active", Default: true}, {ID: 2, Name: "佐川急便", State: "inactive"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("carriers = %+v", got)
	}
	if p := shop.requests()[0].Path; p != "/admin/shipping_carriers.json" {
		t.Errorf("path = %s", p)
	}
	// The shop's own list: its three carriers.
	got, err = c.ListShippingCarriers(context.Background())
	if err != nil || len(got) != 3 || got[0].ID != 1 || got[0].Name != "ヤマト運輸" || !got[0].Default {
		t.Errorf("carriers = %+v, %v", got, err)
	}
}

func TestStockItems(t *testing.T) {
	shop := newShop(t, nil)
	// Lenient shapes the shop itself does not send: string and null stock,
	// 0/1 flags, singular and plural types.
	shop.answer(http.MethodGet, "/admin/stock_items", 1, 200, `{"data":[{"id":"5","type":"stock_item","attributes":{"variant_sku":"S-001","stock_location_code":"default","stock":"7","stock_unlimited":false}},
{"id":6,"type":"stock_items","attributes":{"variant_sku":"S-002","stock_location_code":"default","stock":null,"stock_unlimited":1}}]}`)
	shop.answer(http.MethodPut, "/admin/stock_items", 1, 200, `{"success":[{"variant_sku":"S-001","stock_location_code":"default","stock":"100"}],
"failure":[{"variant_sku":"SKU_02","stock_location_code":"default","stock":15}],
"errors":[{"id":"SKU_02","code":"ASI0000","message":"エラーが発生しました。","errors":[{"code":"ASI2002","message":"stock_locationに在庫が見つかりません。"},{"code":"ASI3002","message":"stockパラメータが正しくありません。"}]}]}`)
	c, _ := newTestClient(t, shop.url(), nil)
	var items []StockItem
	err := c.ListStockItems(context.Background(), StockItemQuery{LocationCode: "default", SKUs: []string{"S-001", "S-002"}}, func(page []StockItem) error {
		items = append(items, page...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantItems := []StockItem{{ID: 5, SKU: "S-001", LocationCode: "default", Stock: 7}, {ID: 6, SKU: "S-002", LocationCode: "default", Unlimited: true}}
	if !reflect.DeepEqual(items, wantItems) {
		t.Errorf("items = %+v", items)
	}
	q, _ := url.ParseQuery(shop.requests()[0].RawQuery)
	if !reflect.DeepEqual(q["q[variant_sku_in][]"], []string{"S-001", "S-002"}) || q.Get("q[stock_location_code_eq]") != "default" || q.Get("per") != "100" {
		t.Errorf("query = %v", q)
	}

	res, err := c.UpdateStockItems(context.Background(), []StockUpdate{{SKU: "S-001", LocationCode: "default", Stock: 100}, {SKU: "SKU_02", LocationCode: "default", Stock: 15}})
	if err != nil {
		t.Fatal(err)
	}
	put := shop.requests()[1]
	if put.Path != "/admin/stock_items.json" || string(put.Body) != `{"stock_items":[{"variant_sku":"S-001","stock_location_code":"default","stock":100},{"variant_sku":"SKU_02","stock_location_code":"default","stock":15}]}` {
		t.Errorf("PUT %s %s", put.Path, put.Body)
	}
	if !reflect.DeepEqual(res.Success, []string{"S-001"}) || !reflect.DeepEqual(res.Failure, []string{"SKU_02"}) || len(res.Errors) != 1 || len(res.Errors[0].Details) != 2 {
		t.Errorf("result = %+v", res)
	}
	tooMany := make([]StockUpdate, 101)
	for i := range tooMany {
		tooMany[i] = StockUpdate{SKU: fmt.Sprint(i), LocationCode: "default"}
	}
	if _, err := c.UpdateStockItems(context.Background(), tooMany); err == nil {
		t.Error("101 updates: want an error")
	}
	if err := c.ListStockItems(context.Background(), StockItemQuery{SKUs: make([]string, 101)}, func([]StockItem) error { return nil }); err == nil {
		t.Error("101 SKUs: want an error")
	}
}

func TestStockItemsInTheShop(t *testing.T) {
	shop := newShop(t, nil)
	for sku, n := range map[string]int{"S-001": 7, "S-002": 0} {
		if _, err := shop.SeedStockItem(sku, ecforceapi.DefaultStockLocation, n); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := newTestClient(t, shop.url(), nil)
	var items []StockItem
	err := c.ListStockItems(context.Background(), StockItemQuery{LocationCode: "default", SKUs: []string{"S-001", "S-002"}}, func(page []StockItem) error {
		items = append(items, page...)
		return nil
	})
	if err != nil || len(items) != 2 {
		t.Fatalf("items = %+v, %v", items, err)
	}
	stock := map[string]int64{}
	for _, it := range items {
		stock[it.SKU] = it.Stock
	}
	if stock["S-001"] != 7 || stock["S-002"] != 0 {
		t.Errorf("stock = %v", stock)
	}
	res, err := c.UpdateStockItems(context.Background(), []StockUpdate{{SKU: "S-001", LocationCode: "default", Stock: 100}, {SKU: "NOPE", LocationCode: "default", Stock: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Success, []string{"S-001"}) || !reflect.DeepEqual(res.Failure, []string{"NOPE"}) {
		t.Errorf("result = %+v", res)
	}
	if e, ok := res.ErrorFor("NOPE"); !ok || !strings.Contains(e.Error(), "ASI2002") {
		t.Errorf("ErrorFor(NOPE) = %v, %v", e, ok)
	}
	if si, _ := shop.StockItem("S-001", "default"); si.Stock != 100 {
		t.Errorf("the shop holds stock %d", si.Stock)
	}
}

func TestGetOrderFromTheShop(t *testing.T) {
	shop := newShop(t, nil)
	seeded, err := shop.SeedOrder(ecforceapi.OrderSeed{
		Number: "EC00012345", PaymentState: "authed", DelivFee: 550, ShippingCarrierID: 1,
		ScheduledToBeShippedAt: time.Date(2026, 5, 2, 0, 0, 0, 0, JST),
		Items:                  []ecforceapi.OrderItemSeed{{SKU: "A", Name: "商品A", Price: 1000, Quantity: 2}, {SKU: "B", Price: 500, Quantity: 1}},
		ShippingAddress: &ecforceapi.Address{Name01: "山田", Name02: "太郎", Zip01: "150", Zip02: "0001", PrefectureName: "東京都",
			Addr01: "渋谷区神宮前", Addr02: "1-2-3", Tel01: "03", Tel02: "1234", Tel03: "5678"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newTestClient(t, shop.url(), nil)
	o, err := c.GetOrder(context.Background(), seeded.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != seeded.ID || o.Number != "EC00012345" || o.State != "complete" || o.PaymentState != "authed" ||
		o.DelivFee != 550 || o.Total != seeded.Total || o.ShippingCarrierID != 1 ||
		!o.ScheduledToBeShippedAt.Equal(time.Date(2026, 5, 2, 0, 0, 0, 0, JST)) {
		t.Errorf("order = id %d number %q state %q payment %q fee %d total %d (want %d) carrier %d scheduled %v",
			o.ID, o.Number, o.State, o.PaymentState, o.DelivFee, o.Total, seeded.Total, o.ShippingCarrierID, o.ScheduledToBeShippedAt)
	}
	if len(o.Items) != 2 || o.Items[0].SKU != "A" || o.Items[0].Quantity != 2 || o.Items[0].ProductName != "商品A" || o.Items[1].SKU != "B" {
		t.Errorf("items = %+v", o.Items)
	}
	a := o.ShippingAddress
	if a == nil || a.FullName() != "山田 太郎" || a.Zip() != "150-0001" || a.Tel() != "03-1234-5678" || o.BillingAddress == nil {
		t.Errorf("addresses: shipping %v billing %v", a, o.BillingAddress)
	}
	if _, err := c.GetOrder(context.Background(), seeded.ID+1000); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown order: err = %v, want ErrNotFound", err)
	}
}

func TestWhichRequestsAreRetried(t *testing.T) {
	shop := newShop(t, nil)
	id := shop.seedOrders(t, 1)[0]
	c, _ := newTestClient(t, shop.url(), nil)
	shop.answer(http.MethodGet, "/admin/orders", 2, 500, "")
	if _, err := c.GetOrder(context.Background(), id); err != nil {
		t.Fatalf("a read after two 500s: %v", err)
	}
	if n := shop.count(orderPath(id)); n != 3 {
		t.Errorf("reads = %d, want 3", n)
	}
	writes := []struct {
		name string
		path string
		call func() error
	}{
		{"shipping", "/admin/orders/shipping.json", func() error {
			_, err := c.UpdateShipping(context.Background(), []ShippingUpdate{{OrderID: id, ShippingSlip: "1"}}, false)
			return err
		}},
		{"state", orderPath(id), func() error { _, err := c.UpdateOrderState(context.Background(), id, "shipped"); return err }},
		{"sales", "/admin/orders/payment_status/bulk_update.json", func() error {
			_, err := c.RequestSales(context.Background(), []int64{id})
			return err
		}},
		{"stock", "/admin/stock_items.json", func() error {
			_, err := c.UpdateStockItems(context.Background(), []StockUpdate{{SKU: "S", LocationCode: "default", Stock: 1}})
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			shop.InjectFault(httpfake.Fault{Method: "", PathPrefix: apiRoot + strings.TrimSuffix(w.path, ".json"), AfterApply: true, Status: 502})
			before := len(shop.requests())
			err := w.call()
			if err == nil || !strings.Contains(err.Error(), "may or may not have been applied") || !httpapi.MayHaveApplied(err) {
				t.Fatalf("err = %v, want a possibly applied write", err)
			}
			if n := len(shop.requests()) - before; n != 1 {
				t.Errorf("requests = %d, want 1 (a write is never resent)", n)
			}
		})
	}
}
