package logilessapi

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestUpdateSalesOrder(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	env := newTestServer(t, Config{Clock: func() time.Time { return now }})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("UPD-1"))
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/sales_orders/%d", o.ID)
	now = now.Add(time.Minute)

	tests := []struct {
		name    string
		body    any
		status  int
		wantKey string // a Validation Failed key
	}{
		{"buyer_comment is not writable", map[string]any{"sales_order": map[string]any{"buyer_comment": "x"}}, 400, "buyer_comment"},
		{"delivery_method is not writable", map[string]any{"sales_order": map[string]any{"delivery_method": "sagawa"}}, 400, "delivery_method"},
		{"lines are not writable", map[string]any{"sales_order": map[string]any{"lines": []any{}}}, 400, "lines"},
		{"scheduled_shipping_date is create-only", map[string]any{"sales_order": map[string]any{"scheduled_shipping_date": "2026-12-03"}}, 400, "scheduled_shipping_date"},
		{"recipient_address1 cannot be blanked", map[string]any{"sales_order": map[string]any{"recipient_address1": ""}}, 400, "recipient_address1"},
		{"bad date", map[string]any{"sales_order": map[string]any{"delivery_preferred_date": "12/03"}}, 400, "delivery_preferred_date"},
		{"bad payment status", map[string]any{"sales_order": map[string]any{"incoming_payment_status": "Done"}}, 400, "incoming_payment_status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := env.send(t, "PUT", path, tc.body)
			if res.Status != tc.status {
				t.Fatalf("%d %s, want %d", res.Status, res.Body, tc.status)
			}
			errs := sandboxtest.AsMap(t, res.JSON(t)["errors"])
			if _, ok := errs[tc.wantKey]; !ok {
				t.Errorf("errors %v lack %q", errs, tc.wantKey)
			}
		})
	}
	if got, _ := env.srv.SalesOrder("UPD-1"); !got.UpdatedAt.Equal(o.UpdatedAt) {
		t.Fatalf("rejected PUTs moved updated_at to %v", got.UpdatedAt)
	}

	// Without the wrapper nothing happens (200, unchanged).
	res := env.send(t, "PUT", path, map[string]any{"recipient_address1": "大阪府大阪市北区1-1"})
	if res.Status != 200 || res.JSON(t)["recipient_address1"] != "東京都渋谷区神宮前1-2-3" {
		t.Fatalf("unwrapped PUT: %d %s", res.Status, res.Body)
	}

	res = env.send(t, "PUT", path, map[string]any{"sales_order": map[string]any{
		"recipient_address1": "大阪府大阪市北区1-1", "delivery_preferred_date": "2026-12-05", "delivery_preferred_time_zone": "午前中"}})
	m := res.JSON(t)
	if res.Status != 200 || m["recipient_address1"] != "大阪府大阪市北区1-1" || m["delivery_preferred_date"] != "2026-12-05" ||
		m["updated_at"] != "2026-12-01 19:01:00" {
		t.Fatalf("PUT: %d %s", res.Status, res.Body)
	}
	// The same values again change nothing: updated_at stays.
	now = now.Add(time.Minute)
	if m := env.send(t, "PUT", path, map[string]any{"sales_order": map[string]any{"recipient_address1": "大阪府大阪市北区1-1"}}).JSON(t); m["updated_at"] != "2026-12-01 19:01:00" {
		t.Errorf("no-op PUT moved updated_at to %v", m["updated_at"])
	}
	// A person's change on LOGILESS's screen moves it too.
	if got, err := env.srv.EditInLogiless("UPD-1", map[string]any{"recipient_address2": "2F"}); err != nil || !got.UpdatedAt.Equal(now) {
		t.Fatalf("EditInLogiless: %v %v", got.UpdatedAt, err)
	}

	// In work: the address is locked (423), the payment status is not.
	if err := env.srv.MarkDeliveryWorking("UPD-1"); err != nil {
		t.Fatal(err)
	}
	if res := env.send(t, "PUT", path, map[string]any{"sales_order": map[string]any{"recipient_address1": "x"}}); res.Status != http.StatusLocked {
		t.Errorf("address in work: %d %s, want 423", res.Status, res.Body)
	}
	if res := env.send(t, "PUT", path, map[string]any{"sales_order": map[string]any{"incoming_payment_status": "Paid"}}); res.Status != 200 {
		t.Errorf("payment status in work: %d %s", res.Status, res.Body)
	}
}

func TestReverseSalesOrderLine(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	env.article(t, Article{Code: "B-1", Name: "商品B"}, 10)
	o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("LREV-1",
		map[string]any{"article_code": "A-1", "article_name": "商品A", "quantity": 2, "price": 1000},
		map[string]any{"article_code": "B-1", "article_name": "商品B", "quantity": 3, "price": 500}))
	if err != nil {
		t.Fatal(err)
	}
	linePath := func(id int64) string { return fmt.Sprintf("/sales_orders/%d/sales_order_lines/%d/reversal", o.ID, id) }
	res := env.send(t, "POST", linePath(o.Lines[1].ID), nil)
	if res.Status != 200 || res.JSON(t)["status"] != StatusCancel {
		t.Fatalf("line reversal: %d %s", res.Status, res.Body)
	}
	if free, _ := env.srv.FreeStock("B-1"); free != 10 {
		t.Errorf("B-1 free %d after its line's reversal, want 10", free)
	}
	got, _ := env.srv.SalesOrder("LREV-1")
	if got.DocumentStatus == StatusCancel || got.Total != 2000 {
		t.Errorf("order after one line: %s total %d, want open with 2000", got.DocumentStatus, got.Total)
	}
	if res := env.send(t, "POST", linePath(o.Lines[1].ID), nil); res.Status != http.StatusLocked {
		t.Errorf("second reversal of the line: %d, want 423", res.Status)
	}
	if res := env.send(t, "POST", linePath(999999), nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown line: %d, want 404", res.Status)
	}
	if err := env.srv.MarkDeliveryWorking("LREV-1"); err != nil {
		t.Fatal(err)
	}
	if res := env.send(t, "POST", linePath(o.Lines[0].ID), nil); res.Status != http.StatusLocked {
		t.Errorf("reversal in work: %d, want 423", res.Status)
	}

	// The last line cancels the whole order.
	o2, _ := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("LREV-2"))
	if res := env.send(t, "POST", fmt.Sprintf("/sales_orders/%d/sales_order_lines/%d/reversal", o2.ID, o2.Lines[0].ID), nil); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if got, _ := env.srv.SalesOrder("LREV-2"); got.DocumentStatus != StatusCancel {
		t.Errorf("order after its last line: %s, want Cancel", got.DocumentStatus)
	}
}

func TestReturnToWorking(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	if _, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("RTW-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.ShipSalesOrder("RTW-1", ShipOptions{Deliveries: []DeliveryShipment{{TrackingNumbers: []string{"111"}}}}); err != nil {
		t.Fatal(err)
	}
	o, err := env.srv.ReturnToWorking("RTW-1")
	if err != nil || o.DeliveryStatus != StatusWorking || o.DeliveryTrackingNumber != "" {
		t.Fatalf("%+v %v", o.DeliveryStatus, err)
	}
	o, err = env.srv.ShipSalesOrder("RTW-1", ShipOptions{Deliveries: []DeliveryShipment{{TrackingNumbers: []string{"222"}}}})
	if err != nil || o.DeliveryStatus != StatusShipped || o.DeliveryTrackingNumber != "222" {
		t.Fatalf("shipped again: %s %q %v", o.DeliveryStatus, o.DeliveryTrackingNumber, err)
	}
	if free, _ := env.srv.FreeStock("A-1"); free != 9 {
		t.Errorf("free %d after shipping twice, want 9", free)
	}
}
