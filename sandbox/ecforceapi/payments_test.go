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
