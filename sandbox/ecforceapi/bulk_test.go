package ecforceapi

import (
	"fmt"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

// TestBulkLimit: a bulk request over MaxBulkRecords is refused as a whole
// (422, nothing applied) on each order bulk endpoint; one at the limit
// applies. RefuseRecord fails one record of a bulk write, the others
// apply. BulkRequests counts the records of each request.
func TestBulkLimit(t *testing.T) {
	env := newTestServer(t, Config{MaxBulkRecords: 2})
	a, b, c := env.seed(t, OrderSeed{}), env.seed(t, OrderSeed{}), env.seed(t, OrderSeed{})
	ship := func(ids ...int64) map[string]any {
		var recs []map[string]any
		for _, id := range ids {
			recs = append(recs, map[string]any{"id": id, "shipping_slip": fmt.Sprint("S-", id), "shipped_at": "2024-05-01"})
		}
		return map[string]any{"orders": recs, "with_sale": 0}
	}
	tests := []struct {
		name, method, path string
		body               map[string]any
		status             int
	}{
		{"shipping over", "PUT", "/api/v2/admin/orders/shipping.json", ship(a.ID, b.ID, c.ID), 422},
		{"states over", "PUT", "/api/v2/admin/orders/bulk_update.json", map[string]any{"orders": []map[string]any{{"id": a.ID, "state": "shipped"}, {"id": b.ID, "state": "shipped"}, {"id": c.ID, "state": "shipped"}}}, 422},
		{"captures over", "POST", "/api/v2/admin/orders/payment_status/bulk_update.json", map[string]any{"method": "sales", "order_ids": []int64{a.ID, b.ID, c.ID}}, 422},
		{"shipping at the limit", "PUT", "/api/v2/admin/orders/shipping.json", ship(a.ID, b.ID), 200},
	}
	for _, tt := range tests {
		if res := env.send(t, tt.method, tt.path, tt.body); res.Status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, res.Status, res.Body, tt.status)
		}
	}
	if got, _ := env.srv.Order(c.ID); got.ShippingSlip != "" || got.State == "shipped" || got.CaptureRequests != 0 {
		t.Errorf("a refused batch applied: %+v", got)
	}
	if got, _ := env.srv.Order(a.ID); got.ShippingSlip != fmt.Sprint("S-", a.ID) {
		t.Errorf("the batch at the limit did not apply: %+v", got)
	}

	env.srv.RefuseRecord(b.ID, "AOR3001", "テスト")
	res := env.send(t, "PUT", "/api/v2/admin/orders/bulk_update", map[string]any{"orders": []map[string]any{{"id": a.ID, "state": "shipped"}, {"id": b.ID, "state": "shipped"}}})
	m := res.JSON(t)
	if res.Status != 200 || fmt.Sprint(m["success"]) != fmt.Sprintf("[%d]", a.ID) || fmt.Sprint(m["failure"]) != fmt.Sprintf("[%d]", b.ID) {
		t.Fatalf("refused record: %d %s", res.Status, res.Body)
	}
	if code := sandboxtest.AsMap(t, sandboxtest.AsList(t, sandboxtest.AsMap(t, sandboxtest.AsList(t, m["errors"])[0])["errors"])[0])["code"]; code != "AOR3001" {
		t.Errorf("refused record error code %v", code)
	}
	if got, _ := env.srv.Order(b.ID); got.State == "shipped" {
		t.Errorf("refused record applied: %+v", got)
	}
	if got := env.srv.BulkRequests(); fmt.Sprint(got["shipping"], got["bulk_update"], got["payment_status"]) != "[3 2] [3 2] [3]" {
		t.Errorf("BulkRequests = %v", got)
	}
}
