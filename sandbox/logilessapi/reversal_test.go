package logilessapi

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestReversal(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 10)
	for _, c := range []string{"REV-1", "REV-2", "REV-3"} {
		if _, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder(c)); err != nil {
			t.Fatal(err)
		}
	}
	id := func(code string) int64 { o, _ := env.srv.SalesOrder(code); return o.ID }
	rev2, rev3 := id("REV-2"), id("REV-3")
	if err := env.srv.MarkDeliveryWorking("REV-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.ShipSalesOrder("REV-3", ShipOptions{}); err != nil {
		t.Fatal(err)
	}

	res := env.send(t, "POST", fmt.Sprintf("/sales_orders/%d/reversal", id("REV-1")), map[string]any{"clears_code": true})
	m := res.JSON(t)
	if res.Status != 200 || m["document_status"] != StatusCancel || m["delivery_status"] != StatusCancel || m["finished_at"] == nil {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if code := m["code"].(string); !regexp.MustCompile(`^21\d{11}$`).MatchString(code) {
		t.Errorf("cleared code %q, want 13 digits starting with 21", code)
	}
	if free, _ := env.srv.FreeStock("A-1"); free != 8 { // 10 - REV-2 allocated - REV-3 shipped; REV-1 returned
		t.Errorf("free after reversal %d, want 8", free)
	}
	if _, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("REV-1")); err != nil {
		t.Errorf("code should be free again: %v", err)
	}
	for _, id := range []int64{rev2, rev3} {
		res := env.send(t, "POST", fmt.Sprintf("/sales_orders/%d/reversal", id), map[string]any{"clears_code": false})
		if res.Status != http.StatusLocked || res.JSON(t)["error"] == nil {
			t.Errorf("order %d: %d %s, want 423", id, res.Status, res.Body)
		}
	}
	// without clears_code the code stays taken
	o, _ := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("REV-4"))
	if res := env.send(t, "POST", fmt.Sprintf("/sales_orders/%d/reversal", o.ID), nil); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if _, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("REV-4")); err == nil || !strings.Contains(err.Error(), msgDuplicateCode) {
		t.Errorf("cancelled order keeps its code: %v", err)
	}
}
