package logilessapi

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestControlEndpoints(t *testing.T) {
	env := newTestServer(t, Config{})
	base := env.url + "/_sandbox"
	res := sandboxtest.Do(t, "POST", base+"/articles", `[{"code":"X-1","name":"部品","free":6},
		{"code":"X-SET","name":"セット","article_type":"Assortment","components":[{"component":"X-1","quantity":3}]}]`)
	if res.Status != 201 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if free, _ := env.srv.FreeStock("X-SET"); free != 2 {
		t.Errorf("set free %d, want 2", free)
	}
	if res := sandboxtest.Do(t, "POST", base+"/stock", `{"article_code":"X-1","free":9}`); res.Status != 200 || !strings.Contains(string(res.Body), `"free":9`) {
		t.Errorf("stock: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "POST", base+"/stock", `{"article_code":"X-SET","free":9}`); res.Status != 400 {
		t.Errorf("stock of a set should be refused: %d", res.Status)
	}
	if res := sandboxtest.Do(t, "POST", base+"/article_maps", `{"mapped_code":"EC-X1","article_code":"X-1","standby_stock_quantity":1}`); res.Status != 201 {
		t.Errorf("article_maps: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "POST", base+"/stores", `{"id":2,"name":"楽天"}`); res.Status != 201 {
		t.Errorf("stores: %d %s", res.Status, res.Body)
	}
	order := sandboxtest.ValidSalesOrder("CTRL-1", map[string]any{"article_code": "X-SET", "article_name": "セット", "quantity": 1})
	if res := sandboxtest.Do(t, "POST", base+"/sales_orders", map[string]any{"sales_order": order}); res.Status != 201 {
		t.Fatalf("sales_orders: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "POST", base+"/sales_orders", sandboxtest.ValidSalesOrder("")); res.Status != 400 || !strings.Contains(string(res.Body), "Validation Failed") {
		t.Errorf("invalid seed: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "POST", base+"/sales_orders/CTRL-1/working", nil); res.Status != 200 || res.JSON(t)["delivery_status"] != StatusWorking {
		t.Errorf("working: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "POST", base+"/sales_orders/CTRL-1/reversal", `{"clears_code":true}`); res.Status != 423 {
		t.Errorf("reversal while working: %d", res.Status)
	}
	res = sandboxtest.Do(t, "POST", base+"/sales_orders/CTRL-1/ship", `{"deliveries":[{"tracking_numbers":["123456789012"]}]}`)
	if res.Status != 200 || res.JSON(t)["delivery_tracking_number"] != "123456789012" {
		t.Errorf("ship: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "POST", base+"/sales_orders/NOPE/ship", nil); res.Status != 404 {
		t.Errorf("ship unknown: %d", res.Status)
	}

	// OAuth through the control endpoints
	m := sandboxtest.Do(t, "POST", base+"/authorization_code", nil).JSON(t)
	q := url.Values{"grant_type": {"authorization_code"}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}, "code": {m["code"].(string)}, "redirect_uri": {m["redirect_uri"].(string)}}
	tr := sandboxtest.Do(t, "GET", env.url+"/oauth2/token?"+q.Encode(), nil)
	tok, _ := tr.JSON(t)["access_token"].(string)
	if tr.Status != 200 || tok == "" {
		t.Fatalf("exchange: %d %s", tr.Status, tr.Body)
	}
	if res := sandboxtest.Do(t, "GET", env.base+"/sales_orders?code=CTRL-1", nil, "Authorization", "Bearer "+tok); res.Status != 200 {
		t.Fatalf("API: %d", res.Status)
	}
	if res := sandboxtest.Do(t, "POST", base+"/expire_tokens", `{"refresh":true}`); res.Status != 204 {
		t.Fatal(res.Status)
	}
	if res := sandboxtest.Do(t, "GET", env.base+"/sales_orders", nil, "Authorization", "Bearer "+tok); res.Status != 401 {
		t.Errorf("after expire_tokens: %d", res.Status)
	}
	if res := sandboxtest.Do(t, "POST", base+"/tokens", nil); res.Status != 200 || res.JSON(t)["token_type"] != "bearer" {
		t.Errorf("tokens: %d %s", res.Status, res.Body)
	}
	counts := env.srv.RequestCounts()
	if counts["GET /oauth2/token"] != 1 || counts["GET /api/v1/merchant/{id}/sales_orders"] != 2 {
		t.Errorf("counts %v", counts)
	}
	state := string(sandboxtest.Do(t, "GET", base+"/state", nil).Body)
	if strings.Contains(state, tok) || strings.Contains(state, DefaultClientSecret) || !strings.Contains(state, "CTRL-1") {
		t.Errorf("state must show data and never secrets")
	}
	sandboxtest.Do(t, "POST", base+"/reset", nil)
	if st := env.srv.Snapshot(); len(st.SalesOrders) != 0 || len(st.Articles) != 0 || len(st.RequestCounts) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}
