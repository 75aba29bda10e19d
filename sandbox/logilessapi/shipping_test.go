package logilessapi

import (
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestShipping(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	env.article(t, Article{Code: "A-2", Name: "商品B"}, 10)
	if _, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("SPLIT-1",
		map[string]any{"article_code": "A-1", "article_name": "A", "quantity": 2},
		map[string]any{"article_code": "A-2", "article_name": "B", "quantity": 1})); err != nil {
		t.Fatal(err)
	}
	first := time.Date(2024, 5, 2, 15, 0, 0, 0, httpfake.JST)
	o, err := env.srv.ShipSalesOrder("SPLIT-1", ShipOptions{Split: 2, Deliveries: []DeliveryShipment{{TrackingNumbers: []string{"111122223333"}, FinishedAt: first}}})
	if err != nil {
		t.Fatal(err)
	}
	if o.DeliveryStatus != StatusPartlyShipped || o.DocumentStatus != StatusWaitingForShipment || !o.FinishedAt.IsZero() || len(o.Deliveries) != 2 {
		t.Fatalf("after first parcel: %+v", o)
	}
	// the second parcel through the control endpoint
	res := sandboxtest.Do(t, "POST", env.url+"/_sandbox/sales_orders/SPLIT-1/ship", `{"deliveries":[{"tracking_numbers":["444455556666","777788889999"],"finished_at":"2024-05-03 09:30:00"}]}`)
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	m := res.JSON(t)
	if m["document_status"] != StatusShipped || m["delivery_status"] != StatusShipped || m["finished_at"] != "2024-05-03 09:30:00" ||
		m["delivery_tracking_number"] != "111122223333" || m["is_multiple_deliveries"] != float64(1) {
		t.Fatalf("after second parcel: %s", res.Body)
	}
	var all []string
	for _, d := range sandboxtest.AsList(t, m["outbound_deliveries"]) {
		for _, n := range sandboxtest.AsList(t, sandboxtest.AsMap(t, d)["delivery_tracking_numbers"]) {
			all = append(all, n.(string))
		}
	}
	if strings.Join(all, ",") != "111122223333,444455556666,777788889999" {
		t.Errorf("tracking numbers %v", all)
	}
	s := env.srv.Snapshot().Inventory
	if s[0].Available != 8 || s[0].Allocated != 0 || s[0].Shipped != 2 || s[0].Free != 8 {
		t.Errorf("stock after shipping: %+v", s[0])
	}
	res = env.send(t, "GET", "/outbound_deliveries?document_status=Shipped&finished_at_from=2024-05-03%2000:00:00", nil)
	if data := sandboxtest.AsList(t, res.JSON(t)["data"]); len(data) != 1 || sandboxtest.AsMap(t, data[0])["code"] == nil {
		t.Errorf("outbound deliveries: %s", res.Body)
	}
	if _, err := env.srv.ShipSalesOrder("SPLIT-1", ShipOptions{}); err == nil {
		t.Error("shipping a shipped order should fail")
	}
}
