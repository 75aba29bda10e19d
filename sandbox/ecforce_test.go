package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEcforceAuthIsStrict(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{APIToken: "tok-123"})
	tests := []struct {
		name   string
		header string
		path   string
		want   int
	}{
		{"no header", "", "/api/v2/admin/orders", 401},
		{"bearer is rejected", "Bearer tok-123", "/api/v2/admin/orders", 401},
		{"quotes are required", "Token token=tok-123", "/api/v2/admin/orders", 401},
		{"wrong token", `Token token="nope"`, "/api/v2/admin/orders", 401},
		{"lowercase scheme", `token token="tok-123"`, "/api/v2/admin/orders", 401},
		{"valid", `Token token="tok-123"`, "/api/v2/admin/orders", 200},
		{"valid with .json", `Token token="tok-123"`, "/api/v2/admin/orders.json", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.header != "" {
				h = []string{"Authorization", tt.header}
			}
			res := do(t, "GET", env.url+tt.path, nil, h...)
			if res.status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
			if tt.want == 401 && !strings.Contains(string(res.body), `"code":"ASS1001"`) {
				t.Errorf("401 body lacks ASS1001: %s", res.body)
			}
		})
	}
}

func TestEcforceRotateToken(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{})
	old := env.auth()
	res := do(t, "POST", env.url+"/_sandbox/rotate_token", nil)
	newTok := res.json(t)["api_token"].(string)
	if newTok == "" || newTok == DefaultEcforceAPIToken {
		t.Fatalf("rotate_token returned %q", newTok)
	}
	if got := do(t, "GET", env.url+"/api/v2/admin/orders", nil, old...).status; got != 401 {
		t.Errorf("old token: status %d, want 401", got)
	}
	if got := do(t, "GET", env.url+"/api/v2/admin/orders", nil, "Authorization", `Token token="`+newTok+`"`).status; got != 200 {
		t.Errorf("new token: status %d, want 200", got)
	}
}

func TestEcforceSignIn(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{AdminEmail: "a@example.com", AdminPassword: "pw"})
	signIn := func(body any) response {
		return do(t, "POST", env.url+"/api/v2/admins/sign_in.json", body)
	}
	res := signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "pw"}})
	if res.status != 200 {
		t.Fatalf("JSON sign-in: %d %s", res.status, res.body)
	}
	m := res.json(t)
	tok, _ := m["authentication_token"].(string)
	if tok == "" || m["email"] != "a@example.com" || m["id"] != float64(1) {
		t.Fatalf("sign-in body: %s", res.body)
	}
	if got := do(t, "GET", env.url+"/api/v2/admin/orders", nil, "Authorization", `Token token="`+tok+`"`).status; got != 200 {
		t.Fatalf("session token rejected: %d", got)
	}

	// form encoding works too
	req, _ := http.NewRequest("POST", env.url+"/api/v2/admins/sign_in",
		strings.NewReader(url.Values{"admin[email]": {"a@example.com"}, "admin[password]": {"pw"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hr.Body.Close()
	if hr.StatusCode != 200 {
		t.Fatalf("form sign-in: %d", hr.StatusCode)
	}
	if res := signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "bad"}}); res.status != 401 {
		t.Fatalf("bad password: %d", res.status)
	}
	if got := env.ec.SignInCount(); got != 2 {
		t.Errorf("SignInCount = %d, want 2 (successful ones)", got)
	}
	// 3 attempts so far; 2 more allowed, the 6th within the hour is throttled
	for i := 0; i < 2; i++ {
		if res := signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "pw"}}); res.status != 200 {
			t.Fatalf("attempt %d: %d", 4+i, res.status)
		}
	}
	res = signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "pw"}})
	if res.status != 429 || !strings.Contains(string(res.body), "Retry later") {
		t.Fatalf("6th sign-in: %d %q, want 429 Retry later", res.status, res.body)
	}
	env.clock.Advance(time.Hour)
	if res := signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "pw"}}); res.status != 200 {
		t.Fatalf("after an hour: %d", res.status)
	}
	if got := env.ec.RequestCounts()["POST /api/v2/admins/sign_in"]; got != 7 {
		t.Errorf("sign-in request count %d, want 7", got)
	}

	// sign_out revokes the session token
	h := []string{"Authorization", `Token token="` + tok + `"`}
	if res := do(t, "GET", env.url+"/api/v2/admins/sign_out.json", nil, h...); res.status != 204 {
		t.Fatalf("sign_out: %d %s", res.status, res.body)
	}
	if got := do(t, "GET", env.url+"/api/v2/admin/orders", nil, h...).status; got != 401 {
		t.Errorf("revoked token: status %d, want 401", got)
	}
}

func meta(t *testing.T, doc map[string]any) map[string]any { return asMap(t, doc["meta"]) }

func TestEcforceOrderPaging(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{})
	for i := 0; i < 145; i++ {
		env.seed(t, OrderSeed{})
	}
	tests := []struct {
		query                           string
		wantCount, wantPer, wantPage    int
		wantTotalPages                  int
		wantNext, wantPrev, wantFirstID string
	}{
		{"", 20, 20, 1, 8, "yes", "", "10001"},
		{"?per=500", 100, 100, 1, 2, "yes", "", "10001"},
		{"?per=100&page=2", 45, 100, 2, 2, "", "yes", "10101"},
		{"?per=50&page=3", 45, 50, 3, 3, "", "yes", "10101"},
		{"?per=0", 20, 20, 1, 8, "yes", "", "10001"},
		{"?page=9", 0, 20, 9, 8, "", "yes", ""},
		{"?page=-1&per=10", 10, 10, 1, 15, "yes", "", "10001"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			doc := env.get(t, "/api/v2/admin/orders"+tt.query).json(t)
			data := asList(t, doc["data"])
			m := meta(t, doc)
			if len(data) != tt.wantCount || m["count"] != float64(tt.wantCount) || m["per"] != float64(tt.wantPer) ||
				m["page"] != float64(tt.wantPage) || m["total_pages"] != float64(tt.wantTotalPages) || m["total_count"] != float64(145) {
				t.Fatalf("len(data)=%d meta=%v", len(data), m)
			}
			links := asMap(t, doc["links"])
			if (links["next"] != nil) != (tt.wantNext != "") || (links["prev"] != nil) != (tt.wantPrev != "") {
				t.Errorf("links = %v", links)
			}
			if tt.wantFirstID != "" && asMap(t, data[0])["id"] != tt.wantFirstID {
				t.Errorf("first id %v, want %s", asMap(t, data[0])["id"], tt.wantFirstID)
			}
		})
	}
}

func TestEcforceOrderFilters(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{})
	day := func(d int, h int) time.Time { return time.Date(2024, 5, d, h, 0, 0, 0, jst) }
	env.clock.Set(day(1, 9))
	a := env.seed(t, OrderSeed{Number: "AAAAAAAAA1", State: "complete", ScheduledToBeShippedAt: day(1, 0)})
	env.clock.Set(day(2, 9))
	b := env.seed(t, OrderSeed{Number: "BBBBBBBBB2", State: "new", ScheduledToBeShippedAt: day(2, 0)})
	env.clock.Set(day(3, 9))
	c := env.seed(t, OrderSeed{Number: "CCCCCCCCC3", State: "wmswait", ScheduledToBeShippedAt: day(3, 12)})
	d := env.seed(t, OrderSeed{Number: "DDDDDDDDD4", State: "complete"}) // no scheduled date
	env.clock.Set(day(4, 9))
	env.send(t, "PUT", fmt.Sprintf("/api/v2/admin/orders/%d", a.ID), map[string]any{"order": map[string]any{"memo01": "touched"}})

	ids := func(o ...EcforceOrder) string {
		var s []string
		for _, x := range o {
			s = append(s, fmt.Sprint(x.ID))
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name, query, want string
	}{
		{"state_eq", "q[state_eq]=complete", ids(a, d)},
		{"state_in[]", "q[state_in][]=new&q[state_in][]=wmswait", ids(b, c)},
		{"number_eq", "q[number_eq]=BBBBBBBBB2", ids(b)},
		{"number_in[]", "q[number_in][]=AAAAAAAAA1&q[number_in][]=CCCCCCCCC3", ids(a, c)},
		{"id_eq", fmt.Sprintf("q[id_eq]=%d", c.ID), ids(c)},
		{"created_at range", "q[created_at_gteq]=2024-05-02 00:00:00&q[created_at_lt]=2024-05-03", ids(b)},
		{"updated_at_gteq", "q[updated_at_gteq]=2024-05-04", ids(a)},
		{"shipped date gteq+lt", "q[scheduled_to_be_shipped_at_gteq]=2024-05-02&q[scheduled_to_be_shipped_at_lt]=2024-05-03", ids(b)},
		{"shipped date lteq end of day", "q[scheduled_to_be_shipped_at_lteq]=2024-05-03 23:59:59", ids(a, b, c)},
		{"today or earlier (lt tomorrow)", "q[state_eq]=complete&q[scheduled_to_be_shipped_at_lt]=2024-05-02", ids(a)},
		{"unknown keys ignored", "q[bogus_eq]=1&q[state_eq]=new", ids(b)},
		{"blank values ignored", "q[state_eq]=", ids(a, b, c, d)},
		{"sort desc", "sort=-created_at,id", ids(c, d, b, a)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := strings.ReplaceAll(tt.query, " ", "%20")
			doc := env.get(t, "/api/v2/admin/orders?"+q).json(t)
			var got []string
			for _, r := range asList(t, doc["data"]) {
				got = append(got, asMap(t, r)["id"].(string))
			}
			if strings.Join(got, ",") != tt.want {
				t.Fatalf("got %v, want %s", got, tt.want)
			}
		})
	}
}

func TestEcforceOrderDocument(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{})
	o := env.seed(t, OrderSeed{
		Number: "NUM0000001", ScheduledToBeShippedAt: time.Date(2019, 6, 8, 0, 0, 0, 0, jst),
		Items: []OrderItemSeed{{SKU: "A", Price: 1100, Quantity: 2}, {SKU: "B", Price: 550, Quantity: 1}},
	})
	t.Run("list with include", func(t *testing.T) {
		doc := env.get(t, "/api/v2/admin/orders?include=order_items,shipping_address,billing_address").json(t)
		inc := asList(t, doc["included"])
		types := map[string]int{}
		strPrices := 0
		for _, r := range inc {
			m := asMap(t, r)
			types[m["type"].(string)]++
			if m["type"] == "order_item" {
				if _, isStr := asMap(t, m["attributes"])["price"].(string); isStr {
					strPrices++
				}
			}
		}
		if types["order_item"] != 2 || types["address"] != 2 {
			t.Fatalf("included types %v", types)
		}
		if strPrices != 1 {
			t.Errorf("want exactly one item with a string price, got %d", strPrices)
		}
	})
	t.Run("no include, no included", func(t *testing.T) {
		doc := env.get(t, "/api/v2/admin/orders").json(t)
		if _, ok := doc["included"]; ok {
			t.Errorf("included present without include=")
		}
	})
	t.Run("get one", func(t *testing.T) {
		doc := env.get(t, fmt.Sprintf("/api/v2/admin/orders/%d.json?include=order_items", o.ID)).json(t)
		data := asMap(t, doc["data"])
		attrs := asMap(t, data["attributes"])
		if data["id"] != fmt.Sprint(o.ID) || data["type"] != "order" || attrs["id"] != float64(o.ID) {
			t.Fatalf("ids: %v / %v", data["id"], attrs["id"])
		}
		if attrs["scheduled_to_be_shipped_at"] != "2019/06/08 00:00:00" || attrs["shipped_at"] != nil {
			t.Errorf("times: %v %v", attrs["scheduled_to_be_shipped_at"], attrs["shipped_at"])
		}
		if attrs["number"] != "NUM0000001" || attrs["human_state"] != "注文確定" || attrs["total"] != float64(2750) || attrs["subtotal"] != float64(2750) {
			t.Errorf("attrs: %v", attrs)
		}
		rel := asMap(t, asMap(t, data["relationships"])["order_items"])
		if len(asList(t, rel["data"])) != 2 || len(asList(t, doc["included"])) != 2 {
			t.Errorf("relationships/included: %v", doc)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		res := env.get(t, "/api/v2/admin/orders/999999")
		if res.status != 404 || !strings.Contains(string(res.body), "AOR2001") {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if res := env.get(t, "/api/v2/admin/orders/NUM0000001"); res.status != 404 {
			t.Errorf("number instead of id: %d, want 404", res.status)
		}
	})
}

func TestEcforceUpdateOrderState(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{})
	o := env.seed(t, OrderSeed{})
	o2 := env.seed(t, OrderSeed{})
	path := fmt.Sprintf("/api/v2/admin/orders/%d", o.ID)
	tests := []struct {
		name      string
		body      any
		want      int
		wantState string
		wantCode  string
	}{
		{"known custom state", map[string]any{"order": map[string]any{"state": "wmswait"}}, 200, "wmswait", ""},
		{"unpermitted keys dropped", map[string]any{"order": map[string]any{"state": "linked", "tbc": true, "label_ids": []int{1}}}, 200, "linked", ""},
		{"unknown state", map[string]any{"order": map[string]any{"state": "nope"}}, 422, "linked", "AOR3002"},
		{"missing wrapper", map[string]any{"state": "new"}, 400, "linked", "AOR3001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.send(t, "PUT", path, tt.body)
			if res.status != tt.want || (tt.wantCode != "" && !strings.Contains(string(res.body), tt.wantCode)) {
				t.Fatalf("%d %s", res.status, res.body)
			}
			if got, _ := env.ec.Order(o.ID); got.State != tt.wantState {
				t.Errorf("state %q, want %q", got.State, tt.wantState)
			}
		})
	}
	t.Run("states added at runtime", func(t *testing.T) {
		if r := do(t, "POST", env.url+"/_sandbox/states", map[string]string{"key": "cooolawait", "label": "倉庫連携待ち2"}); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		res := env.send(t, "PUT", path, map[string]any{"order": map[string]any{"state": "cooolawait"}})
		if res.status != 200 || asMap(t, asMap(t, res.json(t)["data"])["attributes"])["human_state"] != "倉庫連携待ち2" {
			t.Fatalf("%d %s", res.status, res.body)
		}
	})
	t.Run("bulk_update", func(t *testing.T) {
		res := env.send(t, "PUT", "/api/v2/admin/orders/bulk_update.json", map[string]any{"orders": []map[string]any{
			{"id": o.ID, "state": "shipped"}, {"id": fmt.Sprint(o2.ID), "state": "bad"}, {"id": 1, "state": "shipped"},
		}})
		m := res.json(t)
		if res.status != 200 || fmt.Sprint(m["success"]) != fmt.Sprintf("[%d]", o.ID) || len(asList(t, m["failure"])) != 2 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if !strings.Contains(string(res.body), "AOR3002") || !strings.Contains(string(res.body), "AOR2001") {
			t.Errorf("errors lack codes: %s", res.body)
		}
	})
}

func TestEcforceShippingUpdate(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{SettleDelay: time.Second})
	o := env.seed(t, OrderSeed{State: "wmswait"})
	o2 := env.seed(t, OrderSeed{})
	res := env.send(t, "PUT", "/api/v2/admin/orders/shipping.json", map[string]any{
		"orders": []map[string]any{
			{"id": o.ID, "shipping_slip": "1234-5678-9012", "shipping_carrier_id": 1, "shipped_at": "2024-05-01 13:22:29"},
			{"id": 424242, "shipping_slip": "x"},
			{"id": o2.ID, "shipping_carrier_id": 99},
			{"id": o2.ID, "shipping_slip": "y", "shipping_address_id": 1},
		},
		"with_sale": 0, "with_async": 0,
	})
	m := res.json(t)
	if res.status != 200 || fmt.Sprint(m["success"]) != fmt.Sprintf("[%d]", o.ID) || len(asList(t, m["failure"])) != 3 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	errs := asList(t, m["errors"])
	first := asMap(t, errs[0])
	if first["code"] != "AOR0000" || asMap(t, asList(t, first["errors"])[0])["code"] != "AOR2001" {
		t.Errorf("unknown order error: %v", first)
	}
	if asMap(t, asList(t, asMap(t, errs[1])["errors"])[0])["code"] != "AOR3003" {
		t.Errorf("unknown carrier error: %v", errs[1])
	}
	if asMap(t, errs[2])["id"] != fmt.Sprintf("%d-1", o2.ID) {
		t.Errorf("address failure id: %v", asMap(t, errs[2])["id"])
	}
	got, _ := env.ec.Order(o.ID)
	if got.ShippingSlip != "1234-5678-9012" || got.State != "wmswait" || got.PaymentState != "authed" ||
		!got.ShippedAt.Equal(time.Date(2024, 5, 1, 13, 22, 29, 0, jst)) {
		t.Errorf("order after shipping: %+v", got)
	}
	attrs := asMap(t, asMap(t, env.get(t, fmt.Sprintf("/api/v2/admin/orders/%d", o.ID)).json(t)["data"])["attributes"])
	if attrs["shipped_at"] != "2024/05/01 13:22:29" || attrs["shipping_slip"] != "1234-5678-9012" || attrs["shipping_carrier_name"] != "ヤマト運輸" {
		t.Errorf("rendered: %v", attrs)
	}
	// re-sending overwrites, POST is accepted too, with_sale captures
	res = env.send(t, "POST", "/api/v2/admin/orders/shipping", map[string]any{
		"orders": []map[string]any{{"id": o.ID, "shipping_slip": "NEW-SLIP", "shipped_at": "2024-05-02"}}, "with_sale": 1,
	})
	if res.status != 200 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	got, _ = env.ec.Order(o.ID)
	if got.ShippingSlip != "NEW-SLIP" || got.CaptureRequests != 1 || got.PendingPaymentState != "completed" {
		t.Errorf("after overwrite with_sale: %+v", got)
	}
	// with_async answers a job id only
	res = env.send(t, "PUT", "/api/v2/admin/orders/shipping", map[string]any{
		"orders": []map[string]any{{"id": o2.ID, "shipping_slip": "ASYNC"}}, "with_async": 1,
	})
	if m := res.json(t); res.status != 200 || m["job_id"] == nil || len(m) != 1 {
		t.Fatalf("async: %d %s", res.status, res.body)
	}
	if got, _ := env.ec.Order(o2.ID); got.ShippingSlip != "ASYNC" {
		t.Errorf("async shipping not applied: %+v", got)
	}
}

func TestEcforceCaptureSettlesAsynchronously(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{SettleDelay: 2 * time.Second})
	card := env.seed(t, OrderSeed{})
	cod := env.seed(t, OrderSeed{PaymentState: "cash_on_delivery_authed"})
	failing := env.seed(t, OrderSeed{})
	env.ec.FailNextCapture(failing.ID)

	capture := func(ids ...int64) {
		t.Helper()
		res := env.send(t, "POST", "/api/v2/admin/orders/payment_status/bulk_update.json", map[string]any{"method": "sales", "order_ids": ids})
		if m := res.json(t); res.status != 200 || m["job_id"] == nil || m["id"] == nil {
			t.Fatalf("%d %s", res.status, res.body)
		}
	}
	state := func(id int64) string {
		attrs := asMap(t, asMap(t, env.get(t, fmt.Sprintf("/api/v2/admin/orders/%d", id)).json(t)["data"])["attributes"])
		return attrs["payment_state"].(string)
	}
	capture(card.ID, cod.ID, failing.ID)
	if got := state(card.ID); got != "authed" {
		t.Fatalf("right after capture: %s, want authed (asynchronous)", got)
	}
	env.clock.Advance(1999 * time.Millisecond)
	if got := state(card.ID); got != "authed" {
		t.Fatalf("before SettleDelay: %s", got)
	}
	env.clock.Advance(time.Millisecond)
	if got := state(card.ID); got != "completed" {
		t.Fatalf("after SettleDelay: %s, want completed", got)
	}
	if got := state(cod.ID); got != "cash_on_delivery_authed" {
		t.Errorf("COD: %s, want unchanged", got)
	}
	if got := state(failing.ID); got != "sales_failed" {
		t.Errorf("injected failure: %s, want sales_failed", got)
	}
	if n := env.ec.CaptureCount(card.ID); n != 1 {
		t.Errorf("CaptureCount = %d, want 1", n)
	}
	capture(card.ID) // a second capture is recorded but changes nothing
	env.clock.Advance(time.Minute)
	if n, st := env.ec.CaptureCount(card.ID), state(card.ID); n != 2 || st != "completed" {
		t.Errorf("after double capture: count %d state %s", n, st)
	}
	if res := env.send(t, "POST", "/api/v2/admin/orders/payment_status/bulk_update", map[string]any{"method": "steal", "order_ids": []int64{card.ID}}); res.status != 400 {
		t.Errorf("unknown method: %d", res.status)
	}
}

func TestEcforceStockItems(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{})
	for _, sku := range []string{"S-1", "S-2", "S-3"} {
		if _, err := env.ec.SeedStockItem(sku, "", 10); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.ec.SeedStockItem("S-1", "tokyo", 4); err != nil {
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
			doc := env.get(t, "/api/v2/admin/stock_items.json"+q).json(t)
			if n := len(asList(t, doc["data"])); n != want {
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
		m := res.json(t)
		if res.status != 200 || len(asList(t, m["success"])) != 2 || len(asList(t, m["failure"])) != 6 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if s := asMap(t, asList(t, m["success"])[0]); s["stock"] != "7" {
			t.Errorf("success stock should be a string: %v", s)
		}
		body := string(res.body)
		if strings.Count(body, "ASI2002") != 2 || strings.Count(body, "ASI3002") != 4 {
			t.Errorf("error codes: %s", body)
		}
		if si, _ := env.ec.StockItem("S-1", ""); si.Stock != 7 {
			t.Errorf("S-1 stock %d", si.Stock)
		}
		if si, _ := env.ec.StockItem("S-3", ""); si.Stock != 10 {
			t.Errorf("S-3 changed to %d", si.Stock)
		}
		if env.ec.StockWriteCount("S-1") != 1 || env.ec.StockWriteCount("S-3") != 0 {
			t.Errorf("write counts S-1=%d S-3=%d", env.ec.StockWriteCount("S-1"), env.ec.StockWriteCount("S-3"))
		}
	})
	t.Run("more than 100 rejected", func(t *testing.T) {
		items := make([]map[string]any, 101)
		for i := range items {
			items[i] = map[string]any{"variant_sku": "S-1", "stock_location_code": "default", "stock": 1}
		}
		if res := env.send(t, "PUT", "/api/v2/admin/stock_items", map[string]any{"stock_items": items}); res.status != 400 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if env.ec.StockWriteCount("S-1") != 1 {
			t.Errorf("rejected batch wrote stock")
		}
	})
}

func TestEcforceShippingCarriers(t *testing.T) {
	env := newEcEnv(t, EcforceConfig{})
	doc := env.get(t, "/api/v2/admin/shipping_carriers.json").json(t)
	data := asList(t, doc["data"])
	if len(data) != 3 || asMap(t, asMap(t, data[0])["attributes"])["name"] != "ヤマト運輸" || asMap(t, data[0])["type"] != "shipping_carrier" {
		t.Fatalf("%v", doc)
	}
	if res := env.get(t, "/api/v2/admin/shipping_carriers/2"); res.status != 200 || !strings.Contains(string(res.body), "佐川急便") {
		t.Fatalf("%d %s", res.status, res.body)
	}
}
