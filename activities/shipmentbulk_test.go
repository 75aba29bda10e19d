package activities

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/shipment"
)

const ecBulkUpdate = "PUT /api/v2/admin/orders/bulk_update"

// TestShipmentStepsInBulk runs the steps of six card notifications at the
// same time through the shop's batching layer, as the workflows do:
// shipping with the capture riding on it (with_sale=1), the settle
// polling, and the 対応状況 change each go out as one bulk call; each
// order is written, captured and moved once. With a 500 after the
// shipping write applied, every order confirms it by one shared read and
// nothing is sent twice.
func TestShipmentStepsInBulk(t *testing.T) {
	tests := []struct {
		name      string
		fault     *httpfake.Fault
		confirmed bool
	}{
		{name: "answers as usual"},
		{name: "a 500 after the shipping write applied", fault: &httpfake.Fault{Method: "PUT", PathPrefix: ecShippingPath, AfterApply: true, Status: 500}, confirmed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 6
			f := newShipmentFixture(t, ecforceapi.Config{SettleDelay: 50 * time.Millisecond}, nil)
			f.a.Batches = &EcforceBatches{Window: 40 * time.Millisecond, MaxWait: time.Second}
			ids := make([]int64, n)
			currents := make([]shipment.EcforceShipping, n)
			for i := range ids {
				ids[i] = f.order(t, ecforceapi.OrderSeed{Number: fmt.Sprintf("EC%d", i), ShippingCarrierID: 2})
				o, err := f.ecClient.GetOrder(t.Context(), ids[i])
				if err != nil {
					t.Fatal(err)
				}
				currents[i] = shipment.EcforceShippingOf(o)
			}
			if tt.fault != nil {
				f.ec.InjectFault(*tt.fault)
			}
			f.resetCounts()
			shop, err := f.a.Shops.Shop("demo")
			if err != nil {
				t.Fatal(err)
			}
			shop.Settings.ShipmentNotification.BatchSize = 100
			f.a.batchLayer(shop).Expect(n)
			var wg sync.WaitGroup
			for i, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					number := fmt.Sprintf("EC%d", i)
					ship, err := runActivity[UpdateShippingResult](t, activityEnv(f.a), f.a.UpdateShipping, UpdateShippingInput{
						Shop: "demo", OrderNumber: number, OrderID: id, ShippingSlip: "S-" + number, ShippedAt: jstAt(1, 15), CarrierID: 1,
						Current: currents[i], CaptureWithSale: true,
					})
					if err != nil || !ship.Written || ship.ConfirmedByReading != tt.confirmed || ship.ReportedAt.IsZero() {
						t.Errorf("%s shipping = %+v, %v", number, ship, err)
						return
					}
					capture, err := runActivity[CaptureSalesResult](t, activityEnv(f.a), f.a.CaptureSales, CaptureSalesInput{
						Shop: "demo", OrderNumber: number, OrderID: id, Settlement: shipment.SettleByCapture, ReportedAt: ship.ReportedAt, Current: &currents[i],
					})
					if err != nil || !capture.Captured || capture.Requests != 0 {
						t.Errorf("%s capture = %+v, %v", number, capture, err)
						return
					}
					status, err := runActivity[SetShipmentStatusResult](t, activityEnv(f.a), f.a.SetShipmentStatus, SetShipmentStatusInput{
						Shop: "demo", OrderNumber: number, OrderID: id, State: "shipped", StateWhenRead: capture.State,
					})
					if err != nil || !status.Changed {
						t.Errorf("%s status = %+v, %v", number, status, err)
					}
				}()
			}
			wg.Wait()
			if puts, sales, states, gets := f.ecCalls(ecPutShipping), f.ecCalls(ecRequestSales), f.ecCalls(ecBulkUpdate), f.ecCalls(ecGetOrder); puts != 1 || sales != 0 || states != 1 || gets != 0 {
				t.Errorf("%d shipping writes, %d capture requests, %d state writes, %d single GETs; want 1, 0, 1, 0", puts, sales, states, gets)
			}
			if lists := f.ecCalls(ecListOrders); lists > 4 {
				t.Errorf("%d order lists for the settle polling of %d orders, want a few shared ones", lists, n)
			}
			for _, id := range ids {
				o, _ := f.ec.Order(id)
				if o.CaptureRequests != 1 || o.CapturesSettled != 1 || o.State != "shipped" || o.ShippingSlip == "" {
					t.Errorf("order %d: %d capture requests, %d settled, state %s, slip %q", id, o.CaptureRequests, o.CapturesSettled, o.State, o.ShippingSlip)
				}
			}
		})
	}
}
