package ecforceapi

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func meta(t *testing.T, doc map[string]any) map[string]any { return sandboxtest.AsMap(t, doc["meta"]) }

func TestOrderPaging(t *testing.T) {
	env := newTestServer(t, Config{})
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
			doc := env.get(t, "/api/v2/admin/orders"+tt.query).JSON(t)
			data := sandboxtest.AsList(t, doc["data"])
			m := meta(t, doc)
			if len(data) != tt.wantCount || m["count"] != float64(tt.wantCount) || m["per"] != float64(tt.wantPer) ||
				m["page"] != float64(tt.wantPage) || m["total_pages"] != float64(tt.wantTotalPages) || m["total_count"] != float64(145) {
				t.Fatalf("len(data)=%d meta=%v", len(data), m)
			}
			links := sandboxtest.AsMap(t, doc["links"])
			if (links["next"] != nil) != (tt.wantNext != "") || (links["prev"] != nil) != (tt.wantPrev != "") {
				t.Errorf("links = %v", links)
			}
			if tt.wantFirstID != "" && sandboxtest.AsMap(t, data[0])["id"] != tt.wantFirstID {
				t.Errorf("first id %v, want %s", sandboxtest.AsMap(t, data[0])["id"], tt.wantFirstID)
			}
		})
	}
}

func TestOrderFilters(t *testing.T) {
	env := newTestServer(t, Config{})
	day := func(d int, h int) time.Time { return time.Date(2024, 5, d, h, 0, 0, 0, httpfake.JST) }
	env.clock.Set(day(1, 9))
	a := env.seed(t, OrderSeed{Number: "AAAAAAAAA1", State: "complete", ScheduledToBeShippedAt: day(1, 0)})
	env.clock.Set(day(2, 9))
	b := env.seed(t, OrderSeed{Number: "BBBBBBBBB2", State: "new", ScheduledToBeShippedAt: day(2, 0)})
	env.clock.Set(day(3, 9))
	c := env.seed(t, OrderSeed{Number: "CCCCCCCCC3", State: "wmswait", ScheduledToBeShippedAt: day(3, 12)})
	d := env.seed(t, OrderSeed{Number: "DDDDDDDDD4", State: "complete"}) // no scheduled date
	env.clock.Set(day(4, 9))
	env.send(t, "PUT", fmt.Sprintf("/api/v2/admin/orders/%d", a.ID), map[string]any{"order": map[string]any{"memo01": "touched"}})

	ids := func(o ...Order) string {
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
		{"sort by updated_at", "sort=updated_at,id", ids(b, c, d, a)},
		{"id_in[]", fmt.Sprintf("q[id_in][]=%d&q[id_in][]=%d", a.ID, d.ID), ids(a, d)},
		{"ignored filter: every order", "ignore=updated_at_gteq&q[updated_at_gteq]=2024-05-04", ids(a, b, c, d)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ignore, query, _ := strings.Cut(tt.query, "&")
			if name, ok := strings.CutPrefix(ignore, "ignore="); ok {
				env.srv.IgnoreOrderFilters(name)
				defer env.srv.IgnoreOrderFilters()
				tt.query = query
			}
			q := strings.ReplaceAll(tt.query, " ", "%20")
			doc := env.get(t, "/api/v2/admin/orders?"+q).JSON(t)
			var got []string
			for _, r := range sandboxtest.AsList(t, doc["data"]) {
				got = append(got, sandboxtest.AsMap(t, r)["id"].(string))
			}
			if strings.Join(got, ",") != tt.want {
				t.Fatalf("got %v, want %s", got, tt.want)
			}
		})
	}
}

func TestOrderDocument(t *testing.T) {
	env := newTestServer(t, Config{})
	o := env.seed(t, OrderSeed{
		Number: "NUM0000001", ScheduledToBeShippedAt: time.Date(2019, 6, 8, 0, 0, 0, 0, httpfake.JST),
		Items: []OrderItemSeed{{SKU: "A", Price: 1100, Quantity: 2}, {SKU: "B", Price: 550, Quantity: 1}},
	})
	t.Run("list with include", func(t *testing.T) {
		doc := env.get(t, "/api/v2/admin/orders?include=order_items,shipping_address,billing_address").JSON(t)
		inc := sandboxtest.AsList(t, doc["included"])
		types := map[string]int{}
		strPrices := 0
		for _, r := range inc {
			m := sandboxtest.AsMap(t, r)
			types[m["type"].(string)]++
			if m["type"] == "order_item" {
				if _, isStr := sandboxtest.AsMap(t, m["attributes"])["price"].(string); isStr {
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
		doc := env.get(t, "/api/v2/admin/orders").JSON(t)
		if _, ok := doc["included"]; ok {
			t.Errorf("included present without include=")
		}
	})
	t.Run("get one", func(t *testing.T) {
		doc := env.get(t, fmt.Sprintf("/api/v2/admin/orders/%d.json?include=order_items", o.ID)).JSON(t)
		data := sandboxtest.AsMap(t, doc["data"])
		attrs := sandboxtest.AsMap(t, data["attributes"])
		if data["id"] != fmt.Sprint(o.ID) || data["type"] != "order" || attrs["id"] != float64(o.ID) {
			t.Fatalf("ids: %v / %v", data["id"], attrs["id"])
		}
		if attrs["scheduled_to_be_shipped_at"] != "2019/06/08 00:00:00" || attrs["shipped_at"] != nil {
			t.Errorf("times: %v %v", attrs["scheduled_to_be_shipped_at"], attrs["shipped_at"])
		}
		if attrs["number"] != "NUM0000001" || attrs["human_state"] != "注文確定" || attrs["total"] != float64(2750) || attrs["subtotal"] != float64(2750) {
			t.Errorf("attrs: %v", attrs)
		}
		rel := sandboxtest.AsMap(t, sandboxtest.AsMap(t, data["relationships"])["order_items"])
		if len(sandboxtest.AsList(t, rel["data"])) != 2 || len(sandboxtest.AsList(t, doc["included"])) != 2 {
			t.Errorf("relationships/included: %v", doc)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		res := env.get(t, "/api/v2/admin/orders/999999")
		if res.Status != 404 || !strings.Contains(string(res.Body), "AOR2001") {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if res := env.get(t, "/api/v2/admin/orders/NUM0000001"); res.Status != 404 {
			t.Errorf("number instead of id: %d, want 404", res.Status)
		}
	})
}

func TestUpdateOrderState(t *testing.T) {
	env := newTestServer(t, Config{})
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
			if res.Status != tt.want || (tt.wantCode != "" && !strings.Contains(string(res.Body), tt.wantCode)) {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if got, _ := env.srv.Order(o.ID); got.State != tt.wantState {
				t.Errorf("state %q, want %q", got.State, tt.wantState)
			}
			if tt.want == 200 {
				// The answer is the updated order document (reference §3.6).
				if got := sandboxtest.AsMap(t, sandboxtest.AsMap(t, res.JSON(t)["data"])["attributes"])["state"]; got != tt.wantState {
					t.Errorf("the answer says state %v, want %q", got, tt.wantState)
				}
			}
		})
	}
	t.Run("states added at runtime", func(t *testing.T) {
		if r := sandboxtest.Do(t, "POST", env.url+"/_sandbox/states", map[string]string{"key": "cooolawait", "label": "倉庫連携待ち2"}); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		res := env.send(t, "PUT", path, map[string]any{"order": map[string]any{"state": "cooolawait"}})
		if res.Status != 200 || sandboxtest.AsMap(t, sandboxtest.AsMap(t, res.JSON(t)["data"])["attributes"])["human_state"] != "倉庫連携待ち2" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("bulk_update", func(t *testing.T) {
		res := env.send(t, "PUT", "/api/v2/admin/orders/bulk_update.json", map[string]any{"orders": []map[string]any{
			{"id": o.ID, "state": "shipped"}, {"id": fmt.Sprint(o2.ID), "state": "bad"}, {"id": 1, "state": "shipped"},
		}})
		m := res.JSON(t)
		if res.Status != 200 || fmt.Sprint(m["success"]) != fmt.Sprintf("[%d]", o.ID) || len(sandboxtest.AsList(t, m["failure"])) != 2 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if !strings.Contains(string(res.Body), "AOR3002") || !strings.Contains(string(res.Body), "AOR2001") {
			t.Errorf("errors lack codes: %s", res.Body)
		}
	})
}

// An order with several destinations (複数配送先) carries multiple_shipping
// and every address in shipping_addresses, included on request; the
// shipping update then needs the shipping_address_id (reference §4).
func TestOrderWithSeveralDestinations(t *testing.T) {
	env := newTestServer(t, Config{})
	home, office := Address{Name01: "山田", Addr01: "渋谷区"}, Address{Name01: "佐藤", Addr01: "港区"}
	multi := env.seed(t, OrderSeed{ShippingAddresses: []Address{home, office}})
	flagged := env.seed(t, OrderSeed{MultipleShipping: true})
	single := env.seed(t, OrderSeed{})
	for _, tt := range []struct {
		o         Order
		wantFlag  bool
		wantDests int
	}{{multi, true, 2}, {flagged, true, 1}, {single, false, 1}} {
		doc := env.get(t, fmt.Sprintf("/api/v2/admin/orders/%d?include=shipping_addresses", tt.o.ID)).JSON(t)
		data := sandboxtest.AsMap(t, doc["data"])
		rel := sandboxtest.AsMap(t, sandboxtest.AsMap(t, data["relationships"])["shipping_addresses"])
		if got := sandboxtest.AsMap(t, data["attributes"])["multiple_shipping"]; got != tt.wantFlag {
			t.Errorf("order %d: multiple_shipping %v, want %t", tt.o.ID, got, tt.wantFlag)
		}
		if n := len(sandboxtest.AsList(t, rel["data"])); n != tt.wantDests || len(sandboxtest.AsList(t, doc["included"])) != tt.wantDests {
			t.Errorf("order %d: %d shipping_addresses, %d included; want %d", tt.o.ID, n, len(sandboxtest.AsList(t, doc["included"])), tt.wantDests)
		}
	}
	ship := func(rec map[string]any) map[string]any {
		return env.send(t, "PUT", "/api/v2/admin/orders/shipping", map[string]any{"orders": []map[string]any{rec}}).JSON(t)
	}
	if res := ship(map[string]any{"id": multi.ID, "shipping_slip": "1"}); len(sandboxtest.AsList(t, res["failure"])) != 1 {
		t.Errorf("shipping without shipping_address_id: %v, want a failure", res)
	}
	second := multi.ShippingAddresses[1].ID
	if res := ship(map[string]any{"id": multi.ID, "shipping_slip": "1", "shipping_address_id": second}); fmt.Sprint(res["success"]) != fmt.Sprintf("[%d-%d]", multi.ID, second) {
		t.Errorf("shipping to the second destination: %v", res)
	}
}
