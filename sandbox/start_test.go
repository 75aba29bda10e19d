package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func startTest(t *testing.T) (*Servers, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, StartConfig{Logger: quietLogger, Ecforce: EcforceConfig{SettleDelay: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Close() })
	return s, cancel
}

func TestStartAndDemoData(t *testing.T) {
	s, _ := startTest(t)
	if !strings.HasPrefix(s.EcforceURL, "http://127.0.0.1:") || !strings.HasPrefix(s.LogilessURL, "http://127.0.0.1:") {
		t.Fatalf("urls %q %q", s.EcforceURL, s.LogilessURL)
	}
	if err := SeedDemo(s.Ecforce, s.Logiless); err != nil {
		t.Fatal(err)
	}
	ec := do(t, "GET", s.EcforceURL+"/api/v2/admin/orders.json?q[state_eq]=complete&include=order_items", nil,
		"Authorization", `Token token="`+DefaultEcforceAPIToken+`"`).json(t)
	if n := len(asList(t, ec["data"])); n != 6 {
		t.Errorf("%d complete demo orders, want 6", n)
	}
	if !strings.Contains(fmt.Sprint(ec["included"]), DemoSetSKU) {
		t.Errorf("demo orders should include the set product")
	}
	tok := s.Logiless.IssueTokens().AccessToken
	inv := do(t, "GET", s.LogilessMerchantURL()+"/logical_inventory_summaries?article_type=Assortment", nil, "Authorization", "Bearer "+tok).json(t)
	if data := asList(t, inv["data"]); len(data) != 1 || asMap(t, data[0])["free"] != float64(30) {
		t.Errorf("set stock: %v", inv)
	}
	if maps := s.Logiless.Snapshot().ArticleMaps; len(maps) != 7 {
		t.Errorf("%d article maps, want 7", len(maps))
	}
	if st := s.Ecforce.Snapshot(); len(st.StockItems) != 7 || st.StockItems[0].StockLocationCode != DefaultStockLocation {
		t.Errorf("stock items: %+v", st.StockItems)
	}
}

func TestControlEndpointsEcforce(t *testing.T) {
	s, _ := startTest(t)
	base := s.EcforceURL + "/_sandbox"
	res := do(t, "POST", base+"/orders", `[
		{"number":"CTRL000001","state":"complete","payment_state":"authed","scheduled_to_be_shipped_at":"2024-05-01",
		 "items":[{"sku":"A","name":"商品A","price":1000,"quantity":2,"tax_rate":10}],
		 "shipping_address":{"name01":"山田","name02":"太郎","prefecture_name":"大阪府","addr01":"大阪市"}},
		{"items":[{"sku":"B","price":500}]}]`)
	m := res.json(t)
	if res.status != 201 || len(asList(t, m["ids"])) != 2 || asList(t, m["numbers"])[0] != "CTRL000001" {
		t.Fatalf("%d %s", res.status, res.body)
	}
	id := int64(asList(t, m["ids"])[0].(float64))
	if o, _ := s.Ecforce.Order(id); o.ShippingAddress.PrefectureID != 27 || o.Total != 2000 ||
		!o.ScheduledToBeShippedAt.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, jst)) {
		t.Errorf("seeded order: %+v", o)
	}
	if res := do(t, "POST", base+"/orders", `{"state":"nope","items":[{"sku":"A"}]}`); res.status != 400 {
		t.Errorf("bad seed: %d", res.status)
	}
	if res := do(t, "POST", base+"/stock_items", `{"variant_sku":"A","stock_location_code":"default","stock":5}`); res.status != 201 {
		t.Errorf("stock_items: %d %s", res.status, res.body)
	}
	if res := do(t, "POST", base+"/shipping_carriers", `{"id":9,"name":"西濃運輸"}`); res.status != 201 {
		t.Errorf("carriers: %d %s", res.status, res.body)
	}
	if res := do(t, "POST", base+"/capture_failures", fmt.Sprintf(`{"order_id":%d}`, id)); res.status != 204 {
		t.Errorf("capture_failures: %d", res.status)
	}
	auth := []string{"Authorization", `Token token="` + DefaultEcforceAPIToken + `"`}
	do(t, "POST", s.EcforceURL+"/api/v2/admin/orders/payment_status/bulk_update", map[string]any{"method": "sales", "order_ids": []int64{id}}, auth...)
	do(t, "POST", base+"/settle_payments", nil)
	if o, _ := s.Ecforce.Order(id); o.PaymentState != "sales_failed" {
		t.Errorf("payment_state %s, want sales_failed", o.PaymentState)
	}
	var counts map[string]int
	if err := json.Unmarshal(do(t, "GET", base+"/requests", nil).body, &counts); err != nil ||
		counts["POST /api/v2/admin/orders/payment_status/bulk_update"] != 1 || len(counts) != 1 {
		t.Errorf("requests: %v %v", err, counts)
	}
	do(t, "DELETE", base+"/requests", nil)
	if len(s.Ecforce.RequestCounts()) != 0 {
		t.Error("DELETE /_sandbox/requests did not reset")
	}
	state := do(t, "GET", base+"/state", nil)
	if !strings.Contains(string(state.body), "CTRL000001") || strings.Contains(string(state.body), DefaultEcforceAPIToken) {
		t.Errorf("state must show orders and never tokens")
	}
	if res := do(t, "POST", base+"/rate_limit", `{"rps":0.1,"burst":1}`); res.status != 200 {
		t.Errorf("rate_limit: %d", res.status)
	}
	do(t, "GET", s.EcforceURL+"/api/v2/admin/orders", nil, auth...)
	if res := do(t, "GET", s.EcforceURL+"/api/v2/admin/orders", nil, auth...); res.status != 429 {
		t.Errorf("rate limit via control endpoint: %d", res.status)
	}
	if res := do(t, "POST", base+"/reset", nil); res.status != 204 || len(s.Ecforce.Orders()) != 0 {
		t.Errorf("reset: %d, %d orders left", res.status, len(s.Ecforce.Orders()))
	}
	if res := do(t, "GET", base+"/nope", nil); res.status != 404 {
		t.Errorf("unknown control endpoint: %d", res.status)
	}
	if res := do(t, "GET", base+"/", nil); res.status != 200 || !strings.Contains(string(res.body), "POST /_sandbox/rotate_token") {
		t.Errorf("index: %d %s", res.status, res.body)
	}
}

func TestControlEndpointsLogiless(t *testing.T) {
	s, _ := startTest(t)
	base := s.LogilessURL + "/_sandbox"
	res := do(t, "POST", base+"/articles", `[{"code":"X-1","name":"部品","free":6},
		{"code":"X-SET","name":"セット","article_type":"Assortment","components":[{"component":"X-1","quantity":3}]}]`)
	if res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if free, _ := s.Logiless.FreeStock("X-SET"); free != 2 {
		t.Errorf("set free %d, want 2", free)
	}
	if res := do(t, "POST", base+"/stock", `{"article_code":"X-1","free":9}`); res.status != 200 || !strings.Contains(string(res.body), `"free":9`) {
		t.Errorf("stock: %d %s", res.status, res.body)
	}
	if res := do(t, "POST", base+"/stock", `{"article_code":"X-SET","free":9}`); res.status != 400 {
		t.Errorf("stock of a set should be refused: %d", res.status)
	}
	if res := do(t, "POST", base+"/article_maps", `{"mapped_code":"EC-X1","article_code":"X-1","standby_stock_quantity":1}`); res.status != 201 {
		t.Errorf("article_maps: %d %s", res.status, res.body)
	}
	if res := do(t, "POST", base+"/stores", `{"id":2,"name":"楽天"}`); res.status != 201 {
		t.Errorf("stores: %d %s", res.status, res.body)
	}
	order := validOrder("CTRL-1", map[string]any{"article_code": "X-SET", "article_name": "セット", "quantity": 1})
	if res := do(t, "POST", base+"/sales_orders", map[string]any{"sales_order": order}); res.status != 201 {
		t.Fatalf("sales_orders: %d %s", res.status, res.body)
	}
	if res := do(t, "POST", base+"/sales_orders", validOrder("")); res.status != 400 || !strings.Contains(string(res.body), "Validation Failed") {
		t.Errorf("invalid seed: %d %s", res.status, res.body)
	}
	if res := do(t, "POST", base+"/sales_orders/CTRL-1/working", nil); res.status != 200 || res.json(t)["delivery_status"] != StatusWorking {
		t.Errorf("working: %d %s", res.status, res.body)
	}
	if res := do(t, "POST", base+"/sales_orders/CTRL-1/reversal", `{"clears_code":true}`); res.status != 423 {
		t.Errorf("reversal while working: %d", res.status)
	}
	res = do(t, "POST", base+"/sales_orders/CTRL-1/ship", `{"deliveries":[{"tracking_numbers":["123456789012"]}]}`)
	if res.status != 200 || res.json(t)["delivery_tracking_number"] != "123456789012" {
		t.Errorf("ship: %d %s", res.status, res.body)
	}
	if res := do(t, "POST", base+"/sales_orders/NOPE/ship", nil); res.status != 404 {
		t.Errorf("ship unknown: %d", res.status)
	}

	// OAuth through the control endpoints
	m := do(t, "POST", base+"/authorization_code", nil).json(t)
	q := url.Values{"grant_type": {"authorization_code"}, "client_id": {DefaultLogilessClientID},
		"client_secret": {DefaultLogilessClientSecret}, "code": {m["code"].(string)}, "redirect_uri": {m["redirect_uri"].(string)}}
	tr := do(t, "GET", s.LogilessURL+"/oauth2/token?"+q.Encode(), nil)
	tok, _ := tr.json(t)["access_token"].(string)
	if tr.status != 200 || tok == "" {
		t.Fatalf("exchange: %d %s", tr.status, tr.body)
	}
	if res := do(t, "GET", s.LogilessMerchantURL()+"/sales_orders?code=CTRL-1", nil, "Authorization", "Bearer "+tok); res.status != 200 {
		t.Fatalf("API: %d", res.status)
	}
	if res := do(t, "POST", base+"/expire_tokens", `{"refresh":true}`); res.status != 204 {
		t.Fatal(res.status)
	}
	if res := do(t, "GET", s.LogilessMerchantURL()+"/sales_orders", nil, "Authorization", "Bearer "+tok); res.status != 401 {
		t.Errorf("after expire_tokens: %d", res.status)
	}
	if res := do(t, "POST", base+"/tokens", nil); res.status != 200 || res.json(t)["token_type"] != "bearer" {
		t.Errorf("tokens: %d %s", res.status, res.body)
	}
	counts := s.Logiless.RequestCounts()
	if counts["GET /oauth2/token"] != 1 || counts["GET /api/v1/merchant/{id}/sales_orders"] != 2 {
		t.Errorf("counts %v", counts)
	}
	state := string(do(t, "GET", base+"/state", nil).body)
	if strings.Contains(state, tok) || strings.Contains(state, DefaultLogilessClientSecret) || !strings.Contains(state, "CTRL-1") {
		t.Errorf("state must show data and never secrets")
	}
	do(t, "POST", base+"/reset", nil)
	if st := s.Logiless.Snapshot(); len(st.SalesOrders) != 0 || len(st.Articles) != 0 || len(st.RequestCounts) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

func TestSimulate(t *testing.T) {
	s, _ := startTest(t)
	if err := SeedDemo(s.Ecforce, s.Logiless); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Logiless.SeedSalesOrder(validOrder("SIM-1", map[string]any{"article_code": "MUG-BLU", "article_name": "マグ", "quantity": 1})); err != nil {
		t.Fatal(err)
	}
	before := len(s.Ecforce.Orders())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Simulate(ctx, s.Ecforce, s.Logiless, SimulateConfig{Interval: 5 * time.Millisecond, MaxOrders: 3, Seed: 42, Logger: quietLogger})
	}()
	deadline := time.Now().Add(3 * time.Second)
	for {
		o, _ := s.Logiless.SalesOrder("SIM-1")
		if o.DocumentStatus == StatusShipped && len(s.Ecforce.Orders()) == before+3 {
			if o.DeliveryTrackingNumber == "" {
				t.Error("shipped without a tracking number")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulation did not ship/create in time: %s, %d orders", o.DocumentStatus, len(s.Ecforce.Orders()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond) // more ticks: the order cap must hold
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Second):
		t.Fatal("Simulate did not stop on cancel")
	}
	if n := len(s.Ecforce.Orders()); n != before+3 {
		t.Errorf("MaxOrders not respected: %d new orders", n-before)
	}
}

func TestServersCloseOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, StartConfig{Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tryGet(s.EcforceURL + "/_sandbox/state"); err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, _, err := tryGet(s.EcforceURL + "/_sandbox/state"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server still serving after cancel")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Close() // idempotent
	if _, err := Start(context.Background(), StartConfig{EcforceAddr: "256.0.0.1:1"}); err == nil {
		t.Error("bad address should fail")
	}
}
