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
