package ecforceapi

import (
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestStockItems(t *testing.T) {
	env := newTestServer(t, Config{})
	for _, sku := range []string{"S-1", "S-2", "S-3"} {
		if _, err := env.srv.SeedStockItem(sku, "", 10); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.srv.SeedStockItem("S-1", "tokyo", 4); err != nil {
		t.Fatal(err)
	}
	t.Run("list filters", func(t *testing.T) {
		for q, want := range map[string]int{
			"":                       4,
			"?q[variant_sku_eq]=S-1": 2,
			"?q[variant_sku_in][]=S-1&q[variant_sku_in][]=S-2&q[stock_location_code_eq]=default": 2,
			"?q[stock_location_code_eq]=tokyo":                                                   1,
			"?per=1&page=2":                                                                      1,
		} {
			doc := env.get(t, "/api/v2/admin/stock_items.json"+q).JSON(t)
			if n := len(sandboxtest.AsList(t, doc["data"])); n != want {
				t.Errorf("%q: %d items, want %d", q, n, want)
			}
		}
	})
	t.Run("update per-record results", func(t *testing.T) {
		res := env.send(t, "PUT", "/api/v2/admin/stock_items", map[string]any{"stock_items": []map[string]any{
			{"variant_sku": "S-1", "stock_location_code": "default", "stock": 7},
			{"variant_sku": "S-2", "stock_location_code": "default", "stock": "8"},
			{"variant_sku": "NOPE", "stock_location_code": "default", "stock": 1},
			{"variant_sku": "S-3", "stock_location_code": "default", "stock": -1},
			{"variant_sku": "S-3", "stock_location_code": "default", "stock": 1.5},
			{"variant_sku": "S-3", "stock_location_code": "default", "stock": "abc"},
			{"variant_sku": "S-3", "stock_location_code": "default"},
			{"variant_sku": "S-1", "stock_location_code": "osaka", "stock": 1},
		}})
		m := res.JSON(t)
		if res.Status != 200 || len(sandboxtest.AsList(t, m["success"])) != 2 || len(sandboxtest.AsList(t, m["failure"])) != 6 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if s := sandboxtest.AsMap(t, sandboxtest.AsList(t, m["success"])[0]); s["stock"] != "7" {
			t.Errorf("success stock should be a string: %v", s)
		}
		body := string(res.Body)
		if strings.Count(body, "ASI2002") != 2 || strings.Count(body, "ASI3002") != 4 {
			t.Errorf("error codes: %s", body)
		}
		if si, _ := env.srv.StockItem("S-1", ""); si.Stock != 7 {
			t.Errorf("S-1 stock %d", si.Stock)
		}
		if si, _ := env.srv.StockItem("S-3", ""); si.Stock != 10 {
			t.Errorf("S-3 changed to %d", si.Stock)
		}
		if env.srv.StockWriteCount("S-1") != 1 || env.srv.StockWriteCount("S-3") != 0 {
			t.Errorf("write counts S-1=%d S-3=%d", env.srv.StockWriteCount("S-1"), env.srv.StockWriteCount("S-3"))
		}
	})
	t.Run("more than 100 rejected", func(t *testing.T) {
		items := make([]map[string]any, 101)
		for i := range items {
			items[i] = map[string]any{"variant_sku": "S-1", "stock_location_code": "default", "stock": 1}
		}
		if res := env.send(t, "PUT", "/api/v2/admin/stock_items", map[string]any{"stock_items": items}); res.Status != 400 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if env.srv.StockWriteCount("S-1") != 1 {
			t.Errorf("rejected batch wrote stock")
		}
	})
}
