package ecforceapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestShippingUpdate(t *testing.T) {
	env := newTestServer(t, Config{SettleDelay: time.Second})
	o := env.seed(t, OrderSeed{State: "wmswait"})
	o2 := env.seed(t, OrderSeed{})
	res := env.send(t, "PUT", "/api/v2/admin/orders/shipping.json", map[string]any{
		"orders": []map[string]any{
			{"id": o.ID, "shipping_slip": "1234-5678-9012", "shipping_carrier_id": 1, "shipped_at": "2024-05-01 13:22:29"},
			{"id": 424242, "shipping_slip": "x"},
			{"id": o2.ID, "shipping_carrier_id": 99},
			{"id": o2.ID, "shipping_slip": "y", "shipping_address_id": 1},
		},
		"with_sale": 0, "with_async": 0,
	})
	m := res.JSON(t)
	if res.Status != 200 || fmt.Sprint(m["success"]) != fmt.Sprintf("[%d]", o.ID) || len(sandboxtest.AsList(t, m["failure"])) != 3 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	errs := sandboxtest.AsList(t, m["errors"])
	first := sandboxtest.AsMap(t, errs[0])
	if first["code"] != "AOR0000" || sandboxtest.AsMap(t, sandboxtest.AsList(t, first["errors"])[0])["code"] != "AOR2001" {
		t.Errorf("unknown order error: %v", first)
	}
	if sandboxtest.AsMap(t, sandboxtest.AsList(t, sandboxtest.AsMap(t, errs[1])["errors"])[0])["code"] != "AOR3003" {
		t.Errorf("unknown carrier error: %v", errs[1])
	}
	if sandboxtest.AsMap(t, errs[2])["id"] != fmt.Sprintf("%d-1", o2.ID) {
		t.Errorf("address failure id: %v", sandboxtest.AsMap(t, errs[2])["id"])
	}
	got, _ := env.srv.Order(o.ID)
	if got.ShippingSlip != "1234-5678-9012" || got.State != "wmswait" || got.PaymentState != "authed" ||
		!got.ShippedAt.Equal(time.Date(2024, 5, 1, 13, 22, 29, 0, httpfake.JST)) {
		t.Errorf("order after shipping: %+v", got)
	}
	attrs := sandboxtest.AsMap(t, sandboxtest.AsMap(t, env.get(t, fmt.Sprintf("/api/v2/admin/orders/%d", o.ID)).JSON(t)["data"])["attributes"])
	if attrs["shipped_at"] != "2024/05/01 13:22:29" || attrs["shipping_slip"] != "1234-5678-9012" || attrs["shipping_carrier_name"] != "ヤマト運輸" {
		t.Errorf("rendered: %v", attrs)
	}
	// re-sending overwrites, POST is accepted too, with_sale captures
	res = env.send(t, "POST", "/api/v2/admin/orders/shipping", map[string]any{
		"orders": []map[string]any{{"id": o.ID, "shipping_slip": "NEW-SLIP", "shipped_at": "2024-05-02"}}, "with_sale": 1,
	})
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	got, _ = env.srv.Order(o.ID)
	if got.ShippingSlip != "NEW-SLIP" || got.CaptureRequests != 1 || got.PendingPaymentState != "completed" {
		t.Errorf("after overwrite with_sale: %+v", got)
	}
	// with_async answers a job id only
	res = env.send(t, "PUT", "/api/v2/admin/orders/shipping", map[string]any{
		"orders": []map[string]any{{"id": o2.ID, "shipping_slip": "ASYNC"}}, "with_async": 1,
	})
	if m := res.JSON(t); res.Status != 200 || m["job_id"] == nil || len(m) != 1 {
		t.Fatalf("async: %d %s", res.Status, res.Body)
	}
	if got, _ := env.srv.Order(o2.ID); got.ShippingSlip != "ASYNC" {
		t.Errorf("async shipping not applied: %+v", got)
	}
}
