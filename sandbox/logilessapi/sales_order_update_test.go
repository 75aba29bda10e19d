package logilessapi

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestUpdateSalesOrder(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("UPD-1"))
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/sales_orders/%d", o.ID)
	put := func(body any) sandboxtest.Response { return env.send(t, "PUT", path, body) }
	current := func() SalesOrder { so, _ := env.srv.SalesOrder("UPD-1"); return so }

	if res := put(map[string]any{"incoming_payment_status": "Paid"}); res.Status != 200 || current().IncomingPaymentStatus != "NotPaid" {
		t.Errorf("a body without the wrapper changed the order: %d %s", res.Status, res.Body)
	}
	for _, tc := range []struct {
		name  string
		field map[string]any
		key   string
	}{
		{"not writable", map[string]any{"buyer_comment": "x"}, "buyer_comment"},
		{"lines", map[string]any{"lines": []any{}}, "lines"},
		{"bad status", map[string]any{"incoming_payment_status": "Done"}, "incoming_payment_status"},
		{"blank recipient", map[string]any{"recipient_name1": ""}, "recipient_name1"},
	} {
		res := put(map[string]any{"sales_order": tc.field})
		if res.Status != 400 || res.JSON(t)["errors"].(map[string]any)[tc.key] == nil {
			t.Errorf("%s: %d %s", tc.name, res.Status, res.Body)
		}
	}
	if current().Updates != 0 {
		t.Fatal("a refused update counted")
	}
	res := put(map[string]any{"sales_order": map[string]any{"incoming_payment_status": "Paid", "authorization_status": "Captured"}})
	if m := res.JSON(t); res.Status != 200 || m["incoming_payment_status"] != "Paid" || m["authorization_status"] != "Captured" {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	put(map[string]any{"sales_order": map[string]any{"incoming_payment_status": "Paid"}}) // no change
	if got := current(); got.Updates != 1 || got.IncomingPaymentStatus != "Paid" {
		t.Errorf("updates %d, status %q; want 1, Paid", got.Updates, got.IncomingPaymentStatus)
	}
	if err := env.srv.SetDeliveryStatus("UPD-1", StatusWorking); err != nil {
		t.Fatal(err)
	}
	if res := put(map[string]any{"sales_order": map[string]any{"merchant_comment": "x"}}); res.Status != http.StatusLocked {
		t.Errorf("update while Working: %d %s, want 423", res.Status, res.Body)
	}
}

func TestReversalFollowsDeliveryStatus(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("MOVE-1"))
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/sales_orders/%d/reversal", o.ID)
	for _, st := range []string{StatusWorking, StatusPending, StatusWorking} {
		if err := env.srv.SetDeliveryStatus("MOVE-1", st); err != nil {
			t.Fatal(err)
		}
	}
	if res := env.send(t, "POST", path, map[string]any{"clears_code": false}); res.Status != http.StatusLocked {
		t.Fatalf("reversal while Working: %d %s", res.Status, res.Body)
	}
	res := sandboxtest.Do(t, "POST", env.url+"/_sandbox/sales_orders/MOVE-1/delivery_status", `{"delivery_status":"WaitingForShipment"}`)
	if res.Status != 200 || res.JSON(t)["delivery_status"] != StatusWaitingForShipment {
		t.Fatalf("move back: %d %s", res.Status, res.Body)
	}
	if free, _ := env.srv.FreeStock("A-1"); free != 9 {
		t.Errorf("free before reversal %d, want 9", free)
	}
	if res := env.send(t, "POST", path, map[string]any{"clears_code": false}); res.Status != 200 {
		t.Fatalf("reversal after moving back: %d %s", res.Status, res.Body)
	}
	if free, _ := env.srv.FreeStock("A-1"); free != 10 {
		t.Errorf("free after reversal %d, want 10", free)
	}
	if res := env.send(t, "POST", path, map[string]any{"clears_code": false}); res.Status != http.StatusLocked {
		t.Errorf("second reversal: %d, want 423", res.Status)
	}
	if got, _ := env.srv.SalesOrder("MOVE-1"); got.ReversalRequests != 3 {
		t.Errorf("reversal requests %d, want 3 (one refused, one applied, one refused)", got.ReversalRequests)
	}
	if err := env.srv.SetDeliveryStatus("MOVE-1", "Shipped"); err == nil {
		t.Error("SetDeliveryStatus accepted Shipped")
	}
}
