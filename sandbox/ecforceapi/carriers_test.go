package ecforceapi

import (
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestShippingCarriers(t *testing.T) {
	env := newTestServer(t, Config{})
	doc := env.get(t, "/api/v2/admin/shipping_carriers.json").JSON(t)
	data := sandboxtest.AsList(t, doc["data"])
	if len(data) != 3 || sandboxtest.AsMap(t, sandboxtest.AsMap(t, data[0])["attributes"])["name"] != "ヤマト運輸" || sandboxtest.AsMap(t, data[0])["type"] != "shipping_carrier" {
		t.Fatalf("%v", doc)
	}
	if res := env.get(t, "/api/v2/admin/shipping_carriers/2"); res.Status != 200 || !strings.Contains(string(res.Body), "佐川急便") {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

// A carrier carries its state; an inactive one is listed as such and
// refused in a shipping update (our inference: AOR3003, as an unknown one).
func TestInactiveShippingCarrier(t *testing.T) {
	env := newTestServer(t, Config{})
	if err := env.srv.AddShippingCarrier(ShippingCarrier{ID: 4, Name: "ヤマト運輸(旧)", State: CarrierInactive}); err != nil {
		t.Fatal(err)
	}
	if err := env.srv.AddShippingCarrier(ShippingCarrier{ID: 5, Name: "x", State: "paused"}); err == nil {
		t.Error("a carrier state other than active or inactive was accepted")
	}
	doc := env.get(t, "/api/v2/admin/shipping_carriers?q[state_eq]=inactive").JSON(t)
	data := sandboxtest.AsList(t, doc["data"])
	if len(data) != 1 {
		t.Fatalf("inactive carriers: %v", doc)
	}
	attrs := sandboxtest.AsMap(t, sandboxtest.AsMap(t, data[0])["attributes"])
	if attrs["state"] != "inactive" || attrs["human_state"] != "無効" {
		t.Errorf("inactive carrier rendered as %v", attrs)
	}
	o := env.seed(t, OrderSeed{})
	res := env.send(t, "PUT", "/api/v2/admin/orders/shipping", map[string]any{
		"orders": []map[string]any{{"id": o.ID, "shipping_slip": "1", "shipping_carrier_id": 4, "shipped_at": "2024-05-01"}},
	})
	if m := res.JSON(t); res.Status != 200 || len(sandboxtest.AsList(t, m["failure"])) != 1 || !strings.Contains(string(res.Body), "AOR3003") {
		t.Errorf("shipping with an inactive carrier: %d %s", res.Status, res.Body)
	}
	if got, _ := env.srv.Order(o.ID); got.ShippingSlip != "" {
		t.Errorf("the refused record was written: %+v", got)
	}
}
