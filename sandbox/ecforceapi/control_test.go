package ecforceapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestControlEndpoints(t *testing.T) {
	env := newTestServer(t, Config{SettleDelay: -1})
	base := env.url + "/_sandbox"
	res := sandboxtest.Do(t, "POST", base+"/orders", `[
		{"number":"CTRL000001","state":"complete","payment_state":"authed","scheduled_to_be_shipped_at":"2024-05-01",
		 "items":[{"sku":"A","name":"商品A","price":1000,"quantity":2,"tax_rate":10}],
		 "shipping_address":{"name01":"山田","name02":"太郎","prefecture_name":"大阪府","addr01":"大阪市"}},
		{"items":[{"sku":"B","price":500}]}]`)
	m := res.JSON(t)
	if res.Status != 201 || len(sandboxtest.AsList(t, m["ids"])) != 2 || sandboxtest.AsList(t, m["numbers"])[0] != "CTRL000001" {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	id := int64(sandboxtest.AsList(t, m["ids"])[0].(float64))
	if o, _ := env.srv.Order(id); o.ShippingAddress.PrefectureID != 27 || o.Total != 2000 ||
		!o.ScheduledToBeShippedAt.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, httpfake.JST)) {
		t.Errorf("seeded order: %+v", o)
	}
	if res := sandboxtest.Do(t, "POST", base+"/orders", `{"state":"nope","items":[{"sku":"A"}]}`); res.Status != 400 {
		t.Errorf("bad seed: %d", res.Status)
	}
	if res := sandboxtest.Do(t, "POST", base+"/stock_items", `{"variant_sku":"A","stock_location_code":"default","stock":5}`); res.Status != 201 {
		t.Errorf("stock_items: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "POST", base+"/shipping_carriers", `{"id":9,"name":"西濃運輸"}`); res.Status != 201 {
		t.Errorf("carriers: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "POST", base+"/capture_failures", fmt.Sprintf(`{"order_id":%d}`, id)); res.Status != 204 {
		t.Errorf("capture_failures: %d", res.Status)
	}
	auth := []string{"Authorization", `Token token="` + DefaultAPIToken + `"`}
	sandboxtest.Do(t, "POST", env.url+"/api/v2/admin/orders/payment_status/bulk_update", map[string]any{"method": "sales", "order_ids": []int64{id}}, auth...)
	sandboxtest.Do(t, "POST", base+"/settle_payments", nil)
	if o, _ := env.srv.Order(id); o.PaymentState != "sales_failed" {
		t.Errorf("payment_state %s, want sales_failed", o.PaymentState)
	}
	var counts map[string]int
	if err := json.Unmarshal(sandboxtest.Do(t, "GET", base+"/requests", nil).Body, &counts); err != nil ||
		counts["POST /api/v2/admin/orders/payment_status/bulk_update"] != 1 || len(counts) != 1 {
		t.Errorf("requests: %v %v", err, counts)
	}
	sandboxtest.Do(t, "DELETE", base+"/requests", nil)
	if len(env.srv.RequestCounts()) != 0 {
		t.Error("DELETE /_sandbox/requests did not reset")
	}
	state := sandboxtest.Do(t, "GET", base+"/state", nil)
	if !strings.Contains(string(state.Body), "CTRL000001") || strings.Contains(string(state.Body), DefaultAPIToken) {
		t.Errorf("state must show orders and never tokens")
	}
	if res := sandboxtest.Do(t, "POST", base+"/rate_limit", `{"rps":0.1,"burst":1}`); res.Status != 200 {
		t.Errorf("rate_limit: %d", res.Status)
	}
	sandboxtest.Do(t, "GET", env.url+"/api/v2/admin/orders", nil, auth...)
	if res := sandboxtest.Do(t, "GET", env.url+"/api/v2/admin/orders", nil, auth...); res.Status != 429 {
		t.Errorf("rate limit via control endpoint: %d", res.Status)
	}
	if res := sandboxtest.Do(t, "POST", base+"/reset", nil); res.Status != 204 || len(env.srv.Orders()) != 0 {
		t.Errorf("reset: %d, %d orders left", res.Status, len(env.srv.Orders()))
	}
	if res := sandboxtest.Do(t, "GET", base+"/nope", nil); res.Status != 404 {
		t.Errorf("unknown control endpoint: %d", res.Status)
	}
	if res := sandboxtest.Do(t, "GET", base+"/", nil); res.Status != 200 || !strings.Contains(string(res.Body), "POST /_sandbox/rotate_token") {
		t.Errorf("index: %d %s", res.Status, res.Body)
	}
}
