package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLogilessOAuth(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{ClientID: "cid", ClientSecret: "secret", RedirectURI: "https://app.example/cb"})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	authorize := func(t *testing.T) string {
		t.Helper()
		res, err := noRedirect.Get(env.url + "/oauth/v2/auth?" + url.Values{
			"client_id": {"cid"}, "response_type": {"code"}, "redirect_uri": {"https://app.example/cb"}, "state": {"xyz"},
		}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc, err := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusFound || err != nil || loc.Host != "app.example" || loc.Query().Get("state") != "xyz" {
			t.Fatalf("authorize: %d Location=%q", res.StatusCode, res.Header.Get("Location"))
		}
		return loc.Query().Get("code")
	}
	token := func(method string, params url.Values) response {
		if method == http.MethodGet {
			return do(t, "GET", env.url+"/oauth2/token?"+params.Encode(), nil)
		}
		req, _ := http.NewRequest("POST", env.url+"/oauth2/token", strings.NewReader(params.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		hr, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer hr.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := hr.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return response{status: hr.StatusCode, header: hr.Header, body: []byte(b.String())}
	}
	exchange := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "client_id": {"cid"}, "client_secret": {"secret"},
			"code": {code}, "redirect_uri": {"https://app.example/cb"}}
	}
	api := func(tok string) response {
		return do(t, "GET", env.base+"/articles", nil, "Authorization", "Bearer "+tok)
	}

	code := authorize(t)
	res := token(http.MethodGet, exchange(code))
	tr := res.json(t)
	if res.status != 200 || tr["token_type"] != "bearer" || tr["expires_in"] != float64(2592000) || tr["scope"] != "" ||
		tr["access_token"] == "" || tr["refresh_token"] == "" {
		t.Fatalf("exchange: %d %s", res.status, res.body)
	}
	access, refresh := tr["access_token"].(string), tr["refresh_token"].(string)
	if got := api(access).status; got != 200 {
		t.Fatalf("API with fresh token: %d", got)
	}

	t.Run("code is single use", func(t *testing.T) {
		res := token(http.MethodGet, exchange(code))
		if res.status != 400 || res.json(t)["error"] != "invalid_grant" {
			t.Fatalf("%d %s", res.status, res.body)
		}
	})
	t.Run("code expires after 30s", func(t *testing.T) {
		c := authorize(t)
		env.clock.Advance(31 * time.Second)
		if res := token(http.MethodPost, exchange(c)); res.status != 400 || !strings.Contains(string(res.body), "expired") {
			t.Fatalf("%d %s", res.status, res.body)
		}
	})
	t.Run("client and redirect must match", func(t *testing.T) {
		p := exchange(env.ll.IssueAuthorizationCode())
		p.Set("client_secret", "wrong")
		if res := token(http.MethodGet, p); res.status != 401 || res.json(t)["error"] != "invalid_client" {
			t.Fatalf("bad secret: %d %s", res.status, res.body)
		}
		p = exchange(env.ll.IssueAuthorizationCode())
		p.Set("redirect_uri", "https://evil.example/cb")
		if res := token(http.MethodGet, p); res.status != 400 || res.json(t)["error"] != "invalid_grant" {
			t.Fatalf("bad redirect: %d %s", res.status, res.body)
		}
		if res := token(http.MethodGet, url.Values{"grant_type": {"password"}, "client_id": {"cid"}, "client_secret": {"secret"}}); res.status != 400 {
			t.Fatalf("unsupported grant: %d", res.status)
		}
	})
	t.Run("refresh rotates and revokes the old refresh token", func(t *testing.T) {
		p := url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {refresh}}
		res := token(http.MethodPost, p)
		m := res.json(t)
		if res.status != 200 || m["refresh_token"] == refresh || m["access_token"] == access {
			t.Fatalf("refresh: %d %s", res.status, res.body)
		}
		if res := token(http.MethodGet, p); res.status != 400 || res.json(t)["error"] != "invalid_grant" {
			t.Fatalf("old refresh token reused: %d %s", res.status, res.body)
		}
		p.Set("refresh_token", m["refresh_token"].(string))
		if res := token(http.MethodGet, p); res.status != 200 {
			t.Fatalf("new refresh token: %d %s", res.status, res.body)
		}
		if issued, refreshed := env.ll.TokenCounts(); issued != 2 || refreshed != 2 { // env's own token + the exchange
			t.Errorf("TokenCounts = %d, %d", issued, refreshed)
		}
	})
	t.Run("access tokens expire", func(t *testing.T) {
		env.clock.Advance(30*24*time.Hour + time.Second)
		res := api(access)
		if res.status != 401 || !strings.Contains(string(res.body), "The access token provided has expired.") || res.json(t)["error"] != "invalid_grant" {
			t.Fatalf("%d %s", res.status, res.body)
		}
		fresh := env.ll.IssueTokens().AccessToken
		if api(fresh).status != 200 {
			t.Fatal("fresh token rejected")
		}
		env.ll.ExpireAccessTokens()
		if got := api(fresh).status; got != 401 {
			t.Fatalf("after ExpireAccessTokens: %d", got)
		}
	})
	t.Run("bad tokens and merchants", func(t *testing.T) {
		if res := api("unknown"); res.status != 401 || res.json(t)["error"] != "invalid_token" {
			t.Fatalf("unknown token: %d %s", res.status, res.body)
		}
		if res := do(t, "GET", env.base+"/articles", nil); res.status != 401 {
			t.Fatalf("no header: %d", res.status)
		}
		tok := env.ll.IssueTokens().AccessToken
		if res := do(t, "GET", env.url+"/api/v1/merchant/9999/articles", nil, "Authorization", "Bearer "+tok); res.status != 403 {
			t.Fatalf("wrong merchant: %d %s", res.status, res.body)
		}
	})
}

func TestLogilessCreateSalesOrderValidation(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{})
	env.article(t, LogilessArticle{Code: "A-1", Name: "商品A"}, 100)
	if res := env.send(t, "POST", "/sales_orders/new", map[string]any{"sales_order": validOrder("EXIST-1")}); res.status != 201 {
		t.Fatalf("seed order: %d %s", res.status, res.body)
	}
	without := func(key string) map[string]any {
		o := validOrder("NEW-1")
		delete(o, key)
		return o
	}
	with := func(key string, v any) map[string]any {
		o := validOrder("NEW-1")
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
		return validOrder("NEW-1", l)
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
			m := res.json(t)
			if res.status != 400 || m["code"] != float64(400) || m["message"] != "Validation Failed" {
				t.Fatalf("%d %s", res.status, res.body)
			}
			errs := asMap(t, m["errors"])
			msg, ok := errs[tt.wantKey]
			if !ok || (tt.wantText != "" && msg != tt.wantText) {
				t.Fatalf("errors = %v, want key %q (%q)", errs, tt.wantKey, tt.wantText)
			}
		})
	}
	if n := len(env.ll.SalesOrders()); n != 1 {
		t.Errorf("%d orders exist, want 1", n)
	}

	t.Run("loose input: numbers as strings, escaped and raw UTF-8", func(t *testing.T) {
		raw := `{"sales_order":{"code":"LOOSE-1","buyer_name1":"\u5c71\u7530","recipient_name1":"山田",` +
			`"recipient_address1":"\u6771\u4eac\u90fd","payment_method":"cod","delivery_method":"sagawa","store":"1",` +
			`"delivery_fee":"550","lines":[{"article_code":"A-1","article_name":"\u5546\u54c1A","quantity":"2","price":"1000"}]}}`
		res := env.send(t, "POST", "/sales_orders/new", raw)
		if res.status != 201 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		o, _ := env.ll.SalesOrder("LOOSE-1")
		if o.Buyer.Name1 != "山田" || o.Lines[0].ArticleName != "商品A" || o.Lines[0].Quantity != 2 || o.Total != 2550 {
			t.Errorf("stored order: %+v", o)
		}
	})
}

func TestLogilessSalesOrderResponseShape(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{})
	env.article(t, LogilessArticle{Code: "A-1", Name: "商品A"}, 100)
	env.article(t, LogilessArticle{Code: "A-2", Name: "商品B"}, 100)
	res := env.send(t, "POST", "/sales_orders/new", map[string]any{"sales_order": validOrder("SHAPE-1",
		map[string]any{"article_code": "A-1", "article_name": "商品A", "quantity": 1, "price": 500},
		map[string]any{"article_code": "A-2", "article_name": "商品B", "quantity": 3, "price": 700},
	)})
	if res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if !strings.Contains(string(res.body), `\u5546\u54c1A`) || strings.Contains(string(res.body), "商品A") {
		t.Errorf("non-ASCII should be \\u-escaped: %s", res.body)
	}
	m := res.json(t)
	if _, isNum := m["id"].(float64); !isNum {
		t.Errorf("order id should be a number: %v", m["id"])
	}
	if m["document_status"] != StatusWaitingForShipment || m["status"] != m["document_status"] ||
		m["delivery_status"] != StatusWaitingForShipment || m["waiting_for_confirmation"] != float64(0) {
		t.Errorf("statuses: %v %v %v", m["document_status"], m["status"], m["delivery_status"])
	}
	lines := asList(t, m["lines"])
	l0, l1 := asMap(t, lines[0]), asMap(t, lines[1])
	if _, isStr := l0["id"].(string); !isStr {
		t.Errorf("line id should be a string: %v", l0["id"])
	}
	if l0["quantity"] != float64(1) || l1["quantity"] != "3" || l1["price"] != "700" {
		t.Errorf("every other line should carry strings: %v / %v", l0, l1)
	}
	if asMap(t, l0["article"])["code"] != "A-1" {
		t.Errorf("line article: %v", l0["article"])
	}
	ods := asList(t, m["outbound_deliveries"])
	if len(ods) != 1 {
		t.Fatalf("want one outbound delivery: %v", ods)
	}
	od := asMap(t, ods[0])
	if od["is_combined"] != false || asMap(t, od["sales_order"])["id"] != fmt.Sprint(m["id"]) || len(asList(t, od["delivery_tracking_numbers"])) != 0 {
		t.Errorf("delivery: %v", od)
	}
	plain := newLLEnv(t, LogilessConfig{PlainUTF8: true})
	if res := plain.send(t, "GET", "/articles", nil); res.status != 200 {
		t.Fatal(res.status)
	}
	plain.article(t, LogilessArticle{Code: "J", Name: "日本語"}, 0)
	if res := plain.send(t, "GET", "/articles", nil); !strings.Contains(string(res.body), "日本語") {
		t.Errorf("PlainUTF8: %s", res.body)
	}
}

func TestLogilessSetExpansionAndAllocation(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{})
	env.article(t, LogilessArticle{Code: "LAV", Name: "ラベンダー"}, 10)
	env.article(t, LogilessArticle{Code: "CIT", Name: "シトラス"}, 4)
	env.article(t, LogilessArticle{Code: "SET", Name: "セット", ArticleType: ArticleAssortment,
		Components: []ArticleComponent{{Component: "LAV", Quantity: 2}, {Component: "CIT", Quantity: 1}}}, 0)
	if free, _ := env.ll.FreeStock("SET"); free != 4 { // min(10/2, 4/1)
		t.Fatalf("set free %d, want 4", free)
	}
	o, err := env.ll.SeedSalesOrder(validOrder("SET-ORDER", map[string]any{"article_code": "SET", "article_name": "セット", "quantity": 2, "price": 2000}))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Lines) != 3 || !o.Lines[0].IsParent || !o.Lines[1].IsChild || o.Lines[1].ParentID != o.Lines[0].ID ||
		o.Lines[1].ArticleCode != "LAV" || o.Lines[1].Quantity != 4 || o.Lines[2].Quantity != 2 {
		t.Fatalf("set expansion: %+v", o.Lines)
	}
	if o.DocumentStatus != StatusWaitingForShipment || o.AllocationStatus != StatusAllocated {
		t.Errorf("statuses %s / %s", o.DocumentStatus, o.AllocationStatus)
	}
	for code, want := range map[string]int{"LAV": 6, "CIT": 2, "SET": 2} {
		if free, _ := env.ll.FreeStock(code); free != want {
			t.Errorf("free %s = %d, want %d", code, free, want)
		}
	}
	res := env.send(t, "GET", "/logical_inventory_summaries?article_type=Assortment", nil)
	data := asList(t, res.json(t)["data"])
	if len(data) != 1 || asMap(t, data[0])["free"] != float64(2) {
		t.Errorf("Assortment summaries: %s", res.body)
	}
	res = env.send(t, "POST", "/logical_inventory_summaries/search", map[string]any{"article_codes": []string{"LAV", "SET"}})
	if n := len(asList(t, res.json(t)["data"])); n != 2 {
		t.Errorf("search summaries: %s", res.body)
	}

	t.Run("unknown article waits for confirmation", func(t *testing.T) {
		o, err := env.ll.SeedSalesOrder(validOrder("UNKNOWN-1", map[string]any{"article_code": "NOPE", "article_name": "?", "quantity": 1}))
		if err != nil {
			t.Fatal(err)
		}
		if !o.WaitingForConfirmation || o.DocumentStatus == StatusWaitingForShipment {
			t.Errorf("%+v", o)
		}
	})
	t.Run("mapped code resolves through the article map", func(t *testing.T) {
		if _, err := env.ll.SeedArticleMap(ArticleMap{MappedCode: "EC-LAV", ArticleCode: "LAV"}); err != nil {
			t.Fatal(err)
		}
		o, err := env.ll.SeedSalesOrder(validOrder("MAPPED-1", map[string]any{"article_code": "EC-LAV", "article_name": "ラベンダー", "quantity": 1}))
		if err != nil || o.WaitingForConfirmation || o.Lines[0].ArticleCode != "LAV" {
			t.Fatalf("%v %+v", err, o)
		}
	})
	t.Run("insufficient stock waits, then allocates when stock arrives", func(t *testing.T) {
		o, err := env.ll.SeedSalesOrder(validOrder("BIG-1", map[string]any{"article_code": "CIT", "article_name": "シトラス", "quantity": 5}))
		if err != nil {
			t.Fatal(err)
		}
		if o.DocumentStatus != StatusWaitingForAllocation {
			t.Fatalf("status %s", o.DocumentStatus)
		}
		if s := env.ll.Snapshot(); s.Inventory[1].StockOut != 5 {
			t.Errorf("stock_out %+v", s.Inventory[1])
		}
		if err := env.ll.SetFreeStock("CIT", 7); err != nil {
			t.Fatal(err)
		}
		o, _ = env.ll.SalesOrder("BIG-1")
		if free, _ := env.ll.FreeStock("CIT"); o.DocumentStatus != StatusWaitingForShipment || free != 2 {
			t.Errorf("after restock: %s free=%d", o.DocumentStatus, free)
		}
	})
}

func TestLogilessListAndSearch(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{})
	env.article(t, LogilessArticle{Code: "A-1", Name: "商品A"}, 1000)
	for i := 1; i <= 25; i++ {
		if _, err := env.ll.SeedSalesOrder(validOrder(fmt.Sprintf("ORD-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	env.clock.Advance(time.Hour)
	if _, err := env.ll.ShipSalesOrder("ORD-3", ShipOptions{}); err != nil {
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
		{"?updated_at_from=" + url.QueryEscape(time.Date(2024, 5, 1, 10, 30, 0, 0, jst).Format(llTimeLayout)), 200, 1, 1},
		{"?finished_at_from=2024-05-01%2011:00:00&finished_at_to=2024-05-01%2011:00:00", 200, 1, 1},
		{"?updated_at_from=yesterday", 400, 0, 0},
		{"?store=2", 200, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := env.send(t, "GET", "/sales_orders"+tt.query, nil)
			if res.status != tt.status {
				t.Fatalf("%d %s", res.status, res.body)
			}
			if tt.status != 200 {
				if res.json(t)["message"] != "Validation Failed" {
					t.Errorf("body %s", res.body)
				}
				return
			}
			m := res.json(t)
			if n := len(asList(t, m["data"])); n != tt.count || m["total_count"] != float64(tt.totalCount) || m["current_page"] == nil || m["limit"] == nil {
				t.Fatalf("count %d total %v, want %d/%d", n, m["total_count"], tt.count, tt.totalCount)
			}
		})
	}
	t.Run("search by codes is exact", func(t *testing.T) {
		res := env.send(t, "POST", "/sales_orders/search", map[string]any{"codes": []string{"ORD-2", "ORD-99"}})
		data := asList(t, res.json(t)["data"])
		if res.status != 200 || len(data) != 1 || asMap(t, data[0])["code"] != "ORD-2" {
			t.Fatalf("%d %s", res.status, res.body)
		}
		o, _ := env.ll.SalesOrder("ORD-5")
		res = env.send(t, "POST", "/sales_orders/search", map[string]any{"ids": []any{strconv.FormatInt(o.ID, 10)}})
		if n := len(asList(t, res.json(t)["data"])); n != 1 {
			t.Fatalf("search by string id: %s", res.body)
		}
	})
	t.Run("search over 100 rejected", func(t *testing.T) {
		codes := make([]string, 101)
		for i := range codes {
			codes[i] = fmt.Sprint("C-", i)
		}
		res := env.send(t, "POST", "/sales_orders/search", map[string]any{"codes": codes})
		if res.status != 400 || asMap(t, res.json(t)["errors"])["codes"] == nil {
			t.Fatalf("%d %s", res.status, res.body)
		}
		res = env.send(t, "POST", "/logical_inventory_summaries/search", map[string]any{"article_codes": codes})
		if res.status != 400 {
			t.Fatalf("inventory search: %d", res.status)
		}
	})
	t.Run("get one and 404", func(t *testing.T) {
		o, _ := env.ll.SalesOrder("ORD-1")
		if res := env.send(t, "GET", fmt.Sprintf("/sales_orders/%d", o.ID), nil); res.status != 200 || res.json(t)["code"] != "ORD-1" {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if res := env.send(t, "GET", "/sales_orders/1", nil); res.status != 404 {
			t.Fatalf("unknown id: %d", res.status)
		}
		if res := env.send(t, "POST", "/sales_orders", validOrder("X")); res.status != 405 {
			t.Fatalf("POST without /new: %d", res.status)
		}
	})
}

func TestLogilessShipping(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{})
	env.article(t, LogilessArticle{Code: "A-1", Name: "商品A"}, 10)
	env.article(t, LogilessArticle{Code: "A-2", Name: "商品B"}, 10)
	if _, err := env.ll.SeedSalesOrder(validOrder("SPLIT-1",
		map[string]any{"article_code": "A-1", "article_name": "A", "quantity": 2},
		map[string]any{"article_code": "A-2", "article_name": "B", "quantity": 1})); err != nil {
		t.Fatal(err)
	}
	first := time.Date(2024, 5, 2, 15, 0, 0, 0, jst)
	o, err := env.ll.ShipSalesOrder("SPLIT-1", ShipOptions{Split: 2, Deliveries: []DeliveryShipment{{TrackingNumbers: []string{"111122223333"}, FinishedAt: first}}})
	if err != nil {
		t.Fatal(err)
	}
	if o.DeliveryStatus != StatusPartlyShipped || o.DocumentStatus != StatusWaitingForShipment || !o.FinishedAt.IsZero() || len(o.Deliveries) != 2 {
		t.Fatalf("after first parcel: %+v", o)
	}
	// the second parcel through the control endpoint
	res := do(t, "POST", env.url+"/_sandbox/sales_orders/SPLIT-1/ship", `{"deliveries":[{"tracking_numbers":["444455556666","777788889999"],"finished_at":"2024-05-03 09:30:00"}]}`)
	if res.status != 200 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	m := res.json(t)
	if m["document_status"] != StatusShipped || m["delivery_status"] != StatusShipped || m["finished_at"] != "2024-05-03 09:30:00" ||
		m["delivery_tracking_number"] != "111122223333" || m["is_multiple_deliveries"] != float64(1) {
		t.Fatalf("after second parcel: %s", res.body)
	}
	var all []string
	for _, d := range asList(t, m["outbound_deliveries"]) {
		for _, n := range asList(t, asMap(t, d)["delivery_tracking_numbers"]) {
			all = append(all, n.(string))
		}
	}
	if strings.Join(all, ",") != "111122223333,444455556666,777788889999" {
		t.Errorf("tracking numbers %v", all)
	}
	s := env.ll.Snapshot().Inventory
	if s[0].Available != 8 || s[0].Allocated != 0 || s[0].Shipped != 2 || s[0].Free != 8 {
		t.Errorf("stock after shipping: %+v", s[0])
	}
	res = env.send(t, "GET", "/outbound_deliveries?document_status=Shipped&finished_at_from=2024-05-03%2000:00:00", nil)
	if data := asList(t, res.json(t)["data"]); len(data) != 1 || asMap(t, data[0])["code"] == nil {
		t.Errorf("outbound deliveries: %s", res.body)
	}
	if _, err := env.ll.ShipSalesOrder("SPLIT-1", ShipOptions{}); err == nil {
		t.Error("shipping a shipped order should fail")
	}
}

func TestLogilessReversal(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{})
	env.article(t, LogilessArticle{Code: "A-1", Name: "商品A"}, 10)
	for _, c := range []string{"REV-1", "REV-2", "REV-3"} {
		if _, err := env.ll.SeedSalesOrder(validOrder(c)); err != nil {
			t.Fatal(err)
		}
	}
	id := func(code string) int64 { o, _ := env.ll.SalesOrder(code); return o.ID }
	rev2, rev3 := id("REV-2"), id("REV-3")
	if err := env.ll.MarkDeliveryWorking("REV-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ll.ShipSalesOrder("REV-3", ShipOptions{}); err != nil {
		t.Fatal(err)
	}

	res := env.send(t, "POST", fmt.Sprintf("/sales_orders/%d/reversal", id("REV-1")), map[string]any{"clears_code": true})
	m := res.json(t)
	if res.status != 200 || m["document_status"] != StatusCancel || m["delivery_status"] != StatusCancel || m["finished_at"] == nil {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if code := m["code"].(string); !regexp.MustCompile(`^21\d{11}$`).MatchString(code) {
		t.Errorf("cleared code %q, want 13 digits starting with 21", code)
	}
	if free, _ := env.ll.FreeStock("A-1"); free != 8 { // 10 - REV-2 allocated - REV-3 shipped; REV-1 returned
		t.Errorf("free after reversal %d, want 8", free)
	}
	if _, err := env.ll.SeedSalesOrder(validOrder("REV-1")); err != nil {
		t.Errorf("code should be free again: %v", err)
	}
	for _, id := range []int64{rev2, rev3} {
		res := env.send(t, "POST", fmt.Sprintf("/sales_orders/%d/reversal", id), map[string]any{"clears_code": false})
		if res.status != http.StatusLocked || res.json(t)["error"] == nil {
			t.Errorf("order %d: %d %s, want 423", id, res.status, res.body)
		}
	}
	// without clears_code the code stays taken
	o, _ := env.ll.SeedSalesOrder(validOrder("REV-4"))
	if res := env.send(t, "POST", fmt.Sprintf("/sales_orders/%d/reversal", o.ID), nil); res.status != 200 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if _, err := env.ll.SeedSalesOrder(validOrder("REV-4")); err == nil || !strings.Contains(err.Error(), msgDuplicateCode) {
		t.Errorf("cancelled order keeps its code: %v", err)
	}
}

func TestLogilessArticlesAndMaps(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{})
	res := env.send(t, "POST", "/articles/new", map[string]any{"article": map[string]any{"code": "P-1", "name": "商品1"}})
	if res.status != 201 || res.json(t)["article_type"] != ArticleSingle {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if res := env.send(t, "POST", "/articles/new", map[string]any{"article": map[string]any{"code": "P-1", "name": "dup"}}); res.status != 400 {
		t.Fatalf("duplicate article: %d", res.status)
	}
	res = env.send(t, "POST", "/articles/new/multiple", map[string]any{"articles": []map[string]any{
		{"code": "P-2", "name": "商品2"},
		{"code": "S-1", "name": "セット", "article_type": "Assortment", "components": []map[string]any{{"component": "P-1", "quantity": 2}, {"component": "P-2", "quantity": "1"}}},
	}})
	if res.status != 200 || !strings.HasPrefix(strings.TrimSpace(string(res.body)), "[") {
		t.Fatalf("%d %s", res.status, res.body)
	}
	res = env.send(t, "POST", "/articles/new/multiple", map[string]any{"articles": []map[string]any{
		{"code": "P-3", "name": "ok"}, {"code": "S-2", "name": "bad set", "article_type": "Assortment", "components": []map[string]any{{"component": "NOPE", "quantity": 1}}},
	}})
	if res.status != 400 || asMap(t, res.json(t)["errors"])["articles[1].components[0].component"] == nil {
		t.Fatalf("bad batch: %d %s", res.status, res.body)
	}
	if _, ok := env.ll.Article("P-3"); ok {
		t.Error("a failed batch must create nothing")
	}
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = map[string]any{"code": fmt.Sprint("M-", i), "name": "m"}
	}
	if res := env.send(t, "POST", "/articles/new/multiple", map[string]any{"articles": many}); res.status != 400 {
		t.Fatalf("101 articles: %d", res.status)
	}
	res = env.send(t, "GET", "/articles?article_type=Assortment", nil)
	if data := asList(t, res.json(t)["data"]); len(data) != 1 || len(asList(t, asMap(t, data[0])["components"])) != 2 {
		t.Fatalf("articles list: %s", res.body)
	}

	if err := env.ll.SetFreeStock("P-1", 21); err != nil {
		t.Fatal(err)
	}
	ten := 10
	if _, err := env.ll.SeedArticleMap(ArticleMap{MappedCode: "EC-P1", ArticleCode: "P-1", StandbyStockQuantity: 1, StockAllocationRate: 50, MaxStockQuantity: &ten}); err != nil {
		t.Fatal(err)
	}
	res = env.send(t, "GET", "/article_maps?article_code=P-1", nil)
	data := asList(t, res.json(t)["data"])
	if len(data) != 1 {
		t.Fatalf("%s", res.body)
	}
	am := asMap(t, data[0])
	if am["mapped_code"] != "EC-P1" || am["standby_stock_quantity"] != float64(1) || am["stock_allocation_rate"] != float64(50) ||
		am["available_stock_quantity"] != float64(10) || asMap(t, am["article"])["code"] != "P-1" || asMap(t, am["store"])["id"] != float64(1) {
		t.Errorf("article map: %v", am)
	}
}

func TestLogilessRateLimitHeaders(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{RateLimit: RateLimit{RPS: 0.5, Burst: 2}})
	for i := 0; i < 2; i++ {
		res := env.send(t, "GET", "/articles", nil)
		if res.status != 200 || res.header.Get("X-RateLimit-Limit") != "2" || res.header.Get("X-RateLimit-Remaining") != strconv.Itoa(1-i) {
			t.Fatalf("request %d: %d %v", i, res.status, res.header)
		}
	}
	res := env.send(t, "GET", "/articles", nil)
	if res.status != 429 || res.json(t)["error"] != "rate_limit_exceeded" || res.header.Get("X-RateLimit-Remaining") != "0" || res.header.Get("Retry-After") == "" {
		t.Fatalf("3rd: %d %v %s", res.status, res.header, res.body)
	}
	reset, err := strconv.ParseInt(res.header.Get("X-RateLimit-Reset"), 10, 64)
	if now := time.Now().Unix(); err != nil || reset < now || reset > now+3 {
		t.Errorf("X-RateLimit-Reset %q not a near-future unix time", res.header.Get("X-RateLimit-Reset"))
	}
	// OAuth and control endpoints are not limited
	if r := do(t, "GET", env.url+"/_sandbox/state", nil); r.status != 200 {
		t.Errorf("control endpoint limited: %d", r.status)
	}
	env.ll.SetRateLimit(RateLimit{})
	if res := env.send(t, "GET", "/articles", nil); res.status != 200 || res.header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("after disabling: %d %v", res.status, res.header)
	}

	ec := newEcEnv(t, EcforceConfig{RateLimit: RateLimit{RPS: 0.5, Burst: 1}})
	ec.get(t, "/api/v2/admin/orders")
	if res := ec.get(t, "/api/v2/admin/orders"); res.status != 429 || !strings.Contains(string(res.body), "Retry later") || res.header.Get("Retry-After") == "" {
		t.Errorf("ecforce limit: %d %v %s", res.status, res.header, res.body)
	}
}
