package logilessapi

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestEditInLogiless(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	env := newTestServer(t, Config{Clock: func() time.Time { return now }})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("UPD-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := env.srv.MarkDeliveryWorking("UPD-1"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	// A person may correct an order in work on LOGILESS's screen; updated_at moves, Updates (API PUTs) does not.
	got, err := env.srv.EditInLogiless("UPD-1", map[string]any{"recipient_address2": "2F"})
	if err != nil || !got.UpdatedAt.Equal(now) || got.Recipient.Address2 != "2F" || got.Updates != 0 {
		t.Fatalf("EditInLogiless: %v %q %d %v", got.UpdatedAt, got.Recipient.Address2, got.Updates, err)
	}
	if _, err := env.srv.EditInLogiless("UPD-1", map[string]any{"buyer_comment": "x"}); err == nil {
		t.Error("buyer_comment accepted")
	}
	res := env.send(t, "PUT", fmt.Sprintf("/sales_orders/%d", o.ID), map[string]any{"sales_order": map[string]any{"recipient_address2": "3F"}})
	if res.Status != http.StatusLocked {
		t.Errorf("API PUT in work: %d, want 423", res.Status)
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

// A parcel moved back and shipped again finishes again, later than its
// first shipment (the connector tells two shipments under one tracking
// number apart by it): a time given that is not later is refused, and one
// left to the clock is at least a second later.
func TestShipAgainFinishesLater(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	if _, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("RTW-2")); err != nil {
		t.Fatal(err)
	}
	now := env.clock.Now()
	ship := func(at time.Time, number string) (SalesOrder, error) {
		return env.srv.ShipSalesOrder("RTW-2", ShipOptions{Deliveries: []DeliveryShipment{{TrackingNumbers: []string{number}, FinishedAt: at}}})
	}
	if _, err := ship(now.Add(-time.Hour), "A"); err != nil {
		t.Fatal(err)
	}
	// Each step ships the order again (after moving it back, unless the
	// step before was refused).
	steps := []struct {
		name string
		at   time.Time // zero: the clock
		want time.Time // zero: refused
	}{
		{name: "at the time of the earlier shipment", at: now.Add(-time.Hour)},
		{name: "before the earlier shipment", at: now.Add(-2 * time.Hour)},
		{name: "later", at: now.Add(-30 * time.Minute), want: now.Add(-30 * time.Minute)},
		{name: "by the clock", want: now},
		{name: "by the clock, within the second of the earlier shipment", want: now.Add(time.Second)},
	}
	refused := false
	for _, st := range steps {
		if !refused {
			if _, err := env.srv.ReturnToWorking("RTW-2"); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		o, err := ship(st.at, "B")
		if refused = st.want.IsZero(); refused {
			if err == nil {
				t.Errorf("%s: shipped again at %s", st.name, st.at)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := o.Deliveries[0].FinishedAt; !got.Equal(st.want) || !o.FinishedAt.Equal(st.want) {
			t.Errorf("%s: finished_at %s (order %s), want %s", st.name, got, o.FinishedAt, st.want)
		}
	}
}
