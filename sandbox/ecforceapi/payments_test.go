package ecforceapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestCaptureSettlesAsynchronously(t *testing.T) {
	env := newTestServer(t, Config{SettleDelay: 2 * time.Second})
	card := env.seed(t, OrderSeed{})
	cod := env.seed(t, OrderSeed{PaymentState: "cash_on_delivery_authed"})
	failing := env.seed(t, OrderSeed{})
	env.srv.FailNextCapture(failing.ID)

	capture := func(ids ...int64) {
		t.Helper()
		res := env.send(t, "POST", "/api/v2/admin/orders/payment_status/bulk_update.json", map[string]any{"method": "sales", "order_ids": ids})
		if m := res.JSON(t); res.Status != 200 || m["job_id"] == nil || m["id"] == nil {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	}
	state := func(id int64) string {
		attrs := sandboxtest.AsMap(t, sandboxtest.AsMap(t, env.get(t, fmt.Sprintf("/api/v2/admin/orders/%d", id)).JSON(t)["data"])["attributes"])
		return attrs["payment_state"].(string)
	}
	capture(card.ID, cod.ID, failing.ID)
	if got := state(card.ID); got != "authed" {
		t.Fatalf("right after capture: %s, want authed (asynchronous)", got)
	}
	env.clock.Advance(1999 * time.Millisecond)
	if got := state(card.ID); got != "authed" {
		t.Fatalf("before SettleDelay: %s", got)
	}
	env.clock.Advance(time.Millisecond)
	if got := state(card.ID); got != "completed" {
		t.Fatalf("after SettleDelay: %s, want completed", got)
	}
	if got := state(cod.ID); got != "cash_on_delivery_authed" {
		t.Errorf("COD: %s, want unchanged", got)
	}
	if got := state(failing.ID); got != "sales_failed" {
		t.Errorf("injected failure: %s, want sales_failed", got)
	}
	if n := env.srv.CaptureCount(card.ID); n != 1 {
		t.Errorf("CaptureCount = %d, want 1", n)
	}
	capture(card.ID) // a second capture is recorded but changes nothing
	env.clock.Advance(time.Minute)
	if n, st := env.srv.CaptureCount(card.ID), state(card.ID); n != 2 || st != "completed" {
		t.Errorf("after double capture: count %d state %s", n, st)
	}
	if res := env.send(t, "POST", "/api/v2/admin/orders/payment_status/bulk_update", map[string]any{"method": "steal", "order_ids": []int64{card.ID}}); res.Status != 400 {
		t.Errorf("unknown method: %d", res.Status)
	}
}

// A 後払い order's capture is its shipment report (our inference): with a
// slip and a ship date it is recorded and payment_state stays; without
// them the job ends in shipment_report_failed.
func TestDeferredPaymentCaptureIsTheShipmentReport(t *testing.T) {
	env := newTestServer(t, Config{SettleDelay: time.Second})
	shipped := env.seed(t, OrderSeed{PaymentState: "credit_exam_completed", PaymentMethodName: "NP後払い"})
	unshipped := env.seed(t, OrderSeed{PaymentState: "credit_exam_completed"})
	res := env.send(t, "PUT", "/api/v2/admin/orders/shipping", map[string]any{
		"orders": []map[string]any{{"id": shipped.ID, "shipping_slip": "438000000001", "shipped_at": "2024-05-01 13:00:00"}}, "with_sale": 1,
	})
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if res := env.send(t, "POST", "/api/v2/admin/orders/payment_status/bulk_update", map[string]any{"method": "sales", "order_ids": []int64{unshipped.ID}}); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	env.clock.Advance(2 * time.Second)
	got, _ := env.srv.Order(shipped.ID)
	if got.PaymentState != "credit_exam_completed" || env.srv.ShipmentReports(shipped.ID) != 1 || env.srv.CapturesSettled(shipped.ID) != 0 {
		t.Errorf("reported order: payment_state %s, %d reports, %d captures settled; want unchanged, 1, 0", got.PaymentState, env.srv.ShipmentReports(shipped.ID), env.srv.CapturesSettled(shipped.ID))
	}
	if got, _ := env.srv.Order(unshipped.ID); got.PaymentState != "shipment_report_failed" || env.srv.ShipmentReports(unshipped.ID) != 0 {
		t.Errorf("report without slip: payment_state %s, want shipment_report_failed", got.PaymentState)
	}
}

// A slow capture job keeps payment_state authed for its own duration; a
// second request meanwhile is counted but captures nothing more.
func TestSlowCaptureJob(t *testing.T) {
	env := newTestServer(t, Config{SettleDelay: time.Second})
	o := env.seed(t, OrderSeed{})
	env.srv.SlowNextCapture(o.ID, time.Minute)
	for range 2 {
		if res := env.send(t, "POST", "/api/v2/admin/orders/payment_status/bulk_update", map[string]any{"method": "sales", "order_ids": []int64{o.ID}}); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		env.clock.Advance(29 * time.Second)
	}
	if got, _ := env.srv.Order(o.ID); got.PaymentState != "authed" {
		t.Fatalf("58 s into a 1-minute job: %s, want still authed", got.PaymentState)
	}
	env.clock.Advance(2 * time.Second)
	if got, _ := env.srv.Order(o.ID); got.PaymentState != "completed" || env.srv.CaptureCount(o.ID) != 2 || env.srv.CapturesSettled(o.ID) != 1 {
		t.Errorf("after the slow job: %s, %d requests, %d settled; want completed, 2, 1", got.PaymentState, env.srv.CaptureCount(o.ID), env.srv.CapturesSettled(o.ID))
	}
}
