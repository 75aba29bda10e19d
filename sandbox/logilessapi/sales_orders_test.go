package logilessapi

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestCreateSalesOrderValidation(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 100)
	if res := env.send(t, "POST", "/sales_orders/new", map[string]any{"sales_order": sandboxtest.ValidSalesOrder("EXIST-1")}); res.Status != 201 {
		t.Fatalf("seed order: %d %s", res.Status, res.Body)
	}
	without := func(key string) map[string]any {
		o := sandboxtest.ValidSalesOrder("NEW-1")
		delete(o, key)
		return o
	}
	with := func(key string, v any) map[string]any {
		o := sandboxtest.ValidSalesOrder("NEW-1")
		o[key] = v
		return o
	}
	line := func(k string, v any) map[string]any {
		l := map[string]any{"article_code": "A-1", "article_name": "商品A", "quantity": 1}
		if v == nil {
			delete(l, k)
		} else {
			l[k] = v
		}
		return sandboxtest.ValidSalesOrder("NEW-1", l)
	}
	tests := []struct {
		name     string
		body     any
		wantKey  string
		wantText string
	}{
		{"missing code", without("code"), "code", ""},
		{"missing buyer_name1", without("buyer_name1"), "buyer_name1", ""},
		{"missing recipient_name1", without("recipient_name1"), "recipient_name1", ""},
		{"missing recipient_address1", without("recipient_address1"), "recipient_address1", ""},
		{"missing payment_method", without("payment_method"), "payment_method", ""},
		{"bad payment_method", with("payment_method", "cash"), "payment_method", msgInvalidChoice},
		{"bad delivery_method", with("delivery_method", "dhl"), "delivery_method", msgInvalidChoice},
		{"missing store", without("store"), "store", ""},
		{"unknown store", with("store", 77), "store", ""},
		{"no lines", with("lines", []any{}), "lines", ""},
		{"line without article_code", line("article_code", nil), "lines[0].article_code", ""},
		{"line without article_name", line("article_name", nil), "lines[0].article_name", ""},
		{"line quantity 0", line("quantity", 0), "lines[0].quantity", msgNotPositive},
		{"line quantity not a number", line("quantity", "two"), "lines[0].quantity", ""},
		{"code with underscore", with("code", "BAD_CODE"), "code", msgBadOrderCode},
		{"code too long", with("code", strings.Repeat("A", 31)), "code", msgBadOrderCode},
		{"duplicate code", with("code", "EXIST-1"), "code", "この受注コードは既に使用されています"},
		{"bad preferred date", with("delivery_preferred_date", "2024/05/01"), "delivery_preferred_date", ""},
		{"no wrapper", map[string]any{"code": "X"}, "sales_order", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if m, ok := body.(map[string]any); ok && tt.wantKey != "sales_order" {
				body = map[string]any{"sales_order": m}
			}
			res := env.send(t, "POST", "/sales_orders/new", body)
			m := res.JSON(t)
			if res.Status != 400 || m["code"] != float64(400) || m["message"] != "Validation Failed" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			errs := sandboxtest.AsMap(t, m["errors"])
			msg, ok := errs[tt.wantKey]
			if !ok || (tt.wantText != "" && msg != tt.wantText) {
				t.Fatalf("errors = %v, want key %q (%q)", errs, tt.wantKey, tt.wantText)
			}
		})
	}
	if n := len(env.srv.SalesOrders()); n != 1 {
		t.Errorf("%d orders exist, want 1", n)
	}

	t.Run("loose input: numbers as strings, escaped and raw UTF-8", func(t *testing.T) {
		raw := `{"sales_order":{"code":"LOOSE-1","buyer_name1":"\u5c71\u7530","recipient_name1":"山田",` +
			`"recipient_address1":"\u6771\u4eac\u90fd","payment_method":"cod","delivery_method":"sagawa","store":"1",` +
			`"delivery_fee":"550","lines":[{"article_code":"A-1","article_name":"\u5546\u54c1A","quantity":"2","price":"1000"}]}}`
		res := env.send(t, "POST", "/sales_orders/new", raw)
		if res.Status != 201 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		o, _ := env.srv.SalesOrder("LOOSE-1")
		if o.Buyer.Name1 != "山田" || o.Lines[0].ArticleName != "商品A" || o.Lines[0].Quantity != 2 || o.Total != 2550 {
			t.Errorf("stored order: %+v", o)
		}
	})
}

func TestSalesOrderResponseShape(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 100)
	env.article(t, Article{Code: "A-2", Name: "商品B"}, 100)
	res := env.send(t, "POST", "/sales_orders/new", map[string]any{"sales_order": sandboxtest.ValidSalesOrder("SHAPE-1",
		map[string]any{"article_code": "A-1", "article_name": "商品A", "quantity": 1, "price": 500},
		map[string]any{"article_code": "A-2", "article_name": "商品B", "quantity": 3, "price": 700},
	)})
	if res.Status != 201 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if !strings.Contains(string(res.Body), `\u5546\u54c1A`) || strings.Contains(string(res.Body), "商品A") {
		t.Errorf("non-ASCII should be \\u-escaped: %s", res.Body)
	}
	m := res.JSON(t)
	if _, isNum := m["id"].(float64); !isNum {
		t.Errorf("order id should be a number: %v", m["id"])
	}
	if m["document_status"] != StatusWaitingForShipment || m["status"] != m["document_status"] ||
		m["delivery_status"] != StatusWaitingForShipment || m["waiting_for_confirmation"] != float64(0) {
		t.Errorf("statuses: %v %v %v", m["document_status"], m["status"], m["delivery_status"])
	}
	lines := sandboxtest.AsList(t, m["lines"])
	l0, l1 := sandboxtest.AsMap(t, lines[0]), sandboxtest.AsMap(t, lines[1])
	if _, isStr := l0["id"].(string); !isStr {
		t.Errorf("line id should be a string: %v", l0["id"])
	}
	if l0["quantity"] != float64(1) || l1["quantity"] != "3" || l1["price"] != "700" {
		t.Errorf("every other line should carry strings: %v / %v", l0, l1)
	}
	if sandboxtest.AsMap(t, l0["article"])["code"] != "A-1" {
		t.Errorf("line article: %v", l0["article"])
	}
	ods := sandboxtest.AsList(t, m["outbound_deliveries"])
	if len(ods) != 1 {
		t.Fatalf("want one outbound delivery: %v", ods)
	}
	od := sandboxtest.AsMap(t, ods[0])
	if od["is_combined"] != false || sandboxtest.AsMap(t, od["sales_order"])["id"] != fmt.Sprint(m["id"]) || len(sandboxtest.AsList(t, od["delivery_tracking_numbers"])) != 0 {
		t.Errorf("delivery: %v", od)
	}
	plain := newTestServer(t, Config{PlainUTF8: true})
	if res := plain.send(t, "GET", "/articles", nil); res.Status != 200 {
		t.Fatal(res.Status)
	}
	plain.article(t, Article{Code: "J", Name: "日本語"}, 0)
	if res := plain.send(t, "GET", "/articles", nil); !strings.Contains(string(res.Body), "日本語") {
		t.Errorf("PlainUTF8: %s", res.Body)
	}
}

func TestListAndSearch(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A-1", Name: "商品A"}, 1000)
	for i := 1; i <= 25; i++ {
		if _, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder(fmt.Sprintf("ORD-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	env.clock.Advance(time.Hour)
	if _, err := env.srv.ShipSalesOrder("ORD-3", ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query      string
		status     int
		count      int
		totalCount int
	}{
		{"", 200, 20, 25},
		{"?limit=100", 200, 25, 25},
		{"?limit=10&page=3", 200, 5, 25},
		{"?limit=101", 400, 0, 0},
		{"?page=0", 400, 0, 0},
		{"?code=ORD-2", 200, 7, 7}, // partial: ORD-2, ORD-20…ORD-25
		{"?document_status=Shipped", 200, 1, 1},
		{"?document_status=Shipped,WaitingForShipment", 200, 20, 25},
		{"?delivery_status=WaitingForShipment&limit=100", 200, 24, 24},
		{"?updated_at_from=" + url.QueryEscape(time.Date(2024, 5, 1, 10, 30, 0, 0, httpfake.JST).Format(timeLayout)), 200, 1, 1},
		{"?finished_at_from=2024-05-01%2011:00:00&finished_at_to=2024-05-01%2011:00:00", 200, 1, 1},
		{"?updated_at_from=yesterday", 400, 0, 0},
		{"?store=2", 200, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := env.send(t, "GET", "/sales_orders"+tt.query, nil)
			if res.Status != tt.status {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if tt.status != 200 {
				if res.JSON(t)["message"] != "Validation Failed" {
					t.Errorf("body %s", res.Body)
				}
				return
			}
			m := res.JSON(t)
			if n := len(sandboxtest.AsList(t, m["data"])); n != tt.count || m["total_count"] != float64(tt.totalCount) || m["current_page"] == nil || m["limit"] == nil {
				t.Fatalf("count %d total %v, want %d/%d", n, m["total_count"], tt.count, tt.totalCount)
			}
		})
	}
	t.Run("search by codes is exact", func(t *testing.T) {
		res := env.send(t, "POST", "/sales_orders/search", map[string]any{"codes": []string{"ORD-2", "ORD-99"}})
		data := sandboxtest.AsList(t, res.JSON(t)["data"])
		if res.Status != 200 || len(data) != 1 || sandboxtest.AsMap(t, data[0])["code"] != "ORD-2" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		o, _ := env.srv.SalesOrder("ORD-5")
		res = env.send(t, "POST", "/sales_orders/search", map[string]any{"ids": []any{strconv.FormatInt(o.ID, 10)}})
		if n := len(sandboxtest.AsList(t, res.JSON(t)["data"])); n != 1 {
			t.Fatalf("search by string id: %s", res.Body)
		}
	})
	t.Run("search over 100 rejected", func(t *testing.T) {
		codes := make([]string, 101)
		for i := range codes {
			codes[i] = fmt.Sprint("C-", i)
		}
		res := env.send(t, "POST", "/sales_orders/search", map[string]any{"codes": codes})
		if res.Status != 400 || sandboxtest.AsMap(t, res.JSON(t)["errors"])["codes"] == nil {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		res = env.send(t, "POST", "/logical_inventory_summaries/search", map[string]any{"article_codes": codes})
		if res.Status != 400 {
			t.Fatalf("inventory search: %d", res.Status)
		}
	})
	t.Run("get one and 404", func(t *testing.T) {
		o, _ := env.srv.SalesOrder("ORD-1")
		if res := env.send(t, "GET", fmt.Sprintf("/sales_orders/%d", o.ID), nil); res.Status != 200 || res.JSON(t)["code"] != "ORD-1" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if res := env.send(t, "GET", "/sales_orders/1", nil); res.Status != 404 {
			t.Fatalf("unknown id: %d", res.Status)
		}
		if res := env.send(t, "POST", "/sales_orders", sandboxtest.ValidSalesOrder("X")); res.Status != 405 {
			t.Fatalf("POST without /new: %d", res.Status)
		}
	})
}
