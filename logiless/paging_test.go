package logiless

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// pagedOrders renders the pages LOGILESS would serve for total orders
// when asked for limit per page and capping it at serverCap, with or
// without total_count, up to page maxPage.
func pagedOrders(total, limit, serverCap int, withTotal bool, maxPage int) []string {
	limit = min(limit, serverCap)
	var pages []string
	for page := 1; page <= maxPage; page++ {
		var data []string
		for i := (page-1)*limit + 1; i <= min(page*limit, total); i++ {
			data = append(data, fmt.Sprintf(`{"id":"%d","code":"O-%d","status":"Shipped"}`, i, i))
		}
		env := fmt.Sprintf(`{"data":[%s],"current_page":%d,"limit":"%d"`, strings.Join(data, ","), page, limit)
		if withTotal {
			env += fmt.Sprintf(`,"total_count":"%d"`, total)
		}
		pages = append(pages, env+"}")
	}
	return pages
}

func TestListSalesOrdersPaging(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		serverCap int
		withTotal bool
		query     SalesOrderQuery
		wantPages []int
		wantCalls int
		wantCap   bool
	}{
		{"stops at total_count", 200, 100, true, SalesOrderQuery{}, []int{100, 100}, 2, false},
		{"short last page", 250, 100, true, SalesOrderQuery{}, []int{100, 100, 50}, 3, false},
		{"short page without total", 130, 100, false, SalesOrderQuery{}, []int{100, 30}, 2, false},
		{"exact multiple without total needs an empty page", 100, 100, false, SalesOrderQuery{}, []int{100}, 2, false},
		{"server caps the page size", 45, 20, true, SalesOrderQuery{}, []int{20, 20, 5}, 3, false},
		{"empty", 0, 100, true, SalesOrderQuery{}, nil, 1, false},
		{"page cap", 500, 100, true, SalesOrderQuery{MaxPages: 2}, []int{100, 100}, 2, true},
		{"limit above 100 is clamped", 150, 1000, true, SalesOrderQuery{Limit: 500}, []int{100, 50}, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c := newTestClient(t, f, newMemStore(f.issue()))
			// The pages are answered in order, one more than the client
			// should read; pages past them come from the (empty) fake.
			for _, body := range pagedOrders(tt.total, 100, tt.serverCap, tt.withTotal, tt.wantCalls+1) {
				f.answer("GET", "/sales_orders", 1, 200, body)
			}
			var pages []int
			seen := map[int64]bool{}
			err := c.ListSalesOrders(context.Background(), tt.query, func(p []SalesOrder) error {
				pages = append(pages, len(p))
				for _, so := range p {
					if seen[so.ID] || so.DocumentStatus != "Shipped" {
						t.Errorf("order %+v repeated or without status fallback", so)
					}
					seen[so.ID] = true
				}
				return nil
			})
			if tt.wantCap != errors.Is(err, ErrPageCapReached) || (!tt.wantCap && err != nil) {
				t.Fatalf("err = %v, want cap %v", err, tt.wantCap)
			}
			if tt.wantCap && !strings.Contains(err.Error(), "MaxPages") {
				t.Errorf("cap error %q should say what to do", err)
			}
			if !reflect.DeepEqual(pages, tt.wantPages) {
				t.Errorf("pages = %v, want %v", pages, tt.wantPages)
			}
			calls := f.count("GET", "/sales_orders")
			if calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tt.wantCalls)
			}
			for i, r := range f.requests() {
				if r.Resource == "/sales_orders" && (r.Query.Get("limit") != "100" || r.Query.Get("page") != strconv.Itoa(i+1)) {
					t.Errorf("request %d asked for page %s limit %s", i+1, r.Query.Get("page"), r.Query.Get("limit"))
				}
			}
		})
	}
}

func TestListSalesOrdersFromTheFake(t *testing.T) {
	f := newFake(t)
	var want []int64
	for i := range 45 {
		want = append(want, f.seedOrder(fmt.Sprintf("O-%d", i)).ID)
	}
	c := newTestClient(t, f, newMemStore(f.issue()))
	var got []int64
	var pages []int
	err := c.ListSalesOrders(context.Background(), SalesOrderQuery{Limit: 20}, func(p []SalesOrder) error {
		pages = append(pages, len(p))
		for _, so := range p {
			got = append(got, so.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pages, []int{20, 20, 5}) || !reflect.DeepEqual(got, want) {
		t.Errorf("pages = %v, orders = %v; want [20 20 5] and %v", pages, got, want)
	}
	err = c.ListSalesOrders(context.Background(), SalesOrderQuery{Limit: 20, MaxPages: 2}, func([]SalesOrder) error { return nil })
	if !errors.Is(err, ErrPageCapReached) {
		t.Errorf("err = %v, want ErrPageCapReached", err)
	}
}

func TestListSalesOrdersQuery(t *testing.T) {
	f, c, _ := authedClient(t)
	f.answer("GET", "/sales_orders", 1, 200, `{"data":[{"id":1,"code":"A-1"},{"id":2,"code":"A-10"}],"current_page":1,"limit":100,"total_count":2}`)
	from := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	var got []string
	err := c.ListSalesOrders(context.Background(), SalesOrderQuery{
		DocumentStatuses: []string{"Shipped", "Cancel"}, DeliveryStatuses: []string{"PartlyShipped"},
		Store: 7, UpdatedFrom: from, FinishedTo: from.Add(time.Hour), Code: "A-1",
	}, func(p []SalesOrder) error {
		for _, so := range p {
			got = append(got, so.Code)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"A-1"}) {
		t.Errorf("codes = %v, want only the exact match", got)
	}
	want := url.Values{
		"document_status": {"Shipped,Cancel"}, "delivery_status": {"PartlyShipped"}, "store": {"7"},
		"updated_at_from": {"2026-12-01 00:00:00"}, "finished_at_to": {"2026-12-01 01:00:00"},
		"code": {"A-1"}, "limit": {"100"}, "page": {"1"},
	}
	if q := f.requests()[0].Query; !reflect.DeepEqual(q, want) {
		t.Errorf("query = %v\nwant %v", q, want)
	}
}

func TestListSalesOrdersByCodeKeepsExactMatches(t *testing.T) {
	f, c, _ := authedClient(t) // holds A-1
	f.seedOrder("A-10")        // the fake's code filter matches partially
	var got []string
	err := c.ListSalesOrders(context.Background(), SalesOrderQuery{Code: "A-1"}, func(p []SalesOrder) error {
		for _, so := range p {
			got = append(got, so.Code)
		}
		return nil
	})
	if err != nil || !reflect.DeepEqual(got, []string{"A-1"}) {
		t.Errorf("codes = %v, %v; want only the exact match", got, err)
	}
}

func TestListCallbackErrorStops(t *testing.T) {
	f, c, _ := authedClient(t)
	for _, body := range pagedOrders(300, 100, 100, true, 3) {
		f.answer("GET", "/sales_orders", 1, 200, body)
	}
	stop := errors.New("stop here")
	err := c.ListSalesOrders(context.Background(), SalesOrderQuery{}, func([]SalesOrder) error { return stop })
	if calls := f.count("GET", "/sales_orders"); err != stop || calls != 1 {
		t.Errorf("err = %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func TestListOutboundDeliveries(t *testing.T) {
	f, c, _ := authedClient(t)
	f.answer("GET", "/outbound_deliveries", 1, 200, `{"data":[{"id":"3","code":"OD-3","document_status":"Shipped","delivery_method":"sagawa",
			"delivery_tracking_numbers":"111, 222","finished_at":"2026-11-30 10:00:00","sales_order":{"id":9,"code":"A-9"},
			"lines":[{"origin":{"id":9,"code":"A-9"}}]}],"current_page":1,"limit":100,"total_count":1}`)
	var got []OutboundDelivery
	err := c.ListOutboundDeliveries(context.Background(), OutboundDeliveryQuery{DocumentStatuses: []string{"Shipped"}, Store: 2,
		FinishedFrom: time.Date(2026, 11, 30, 0, 0, 0, 0, jst)}, func(p []OutboundDelivery) error {
		got = append(got, p...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q := f.requests()[0].Query
	if q.Get("document_status") != "Shipped" || q.Get("store") != "2" || q.Get("finished_at_from") != "2026-11-30 00:00:00" {
		t.Errorf("query = %v", q)
	}
	if len(got) != 1 || got[0].ID != 3 || !reflect.DeepEqual(got[0].TrackingNumbers, []string{"111", "222"}) ||
		got[0].SalesOrder.Code != "A-9" || len(got[0].Origins) != 1 || got[0].FinishedAt.Hour() != 10 {
		t.Errorf("got %+v", got)
	}
}

func TestOutboundDeliveriesOfAShippedOrder(t *testing.T) {
	f := newFake(t)
	if _, err := f.SeedArticle(logilessapi.Article{Code: "SKU-1", Name: "化粧水"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetFreeStock("SKU-1", 5); err != nil {
		t.Fatal(err)
	}
	f.seedOrder("A-1") // allocated: the stock is there
	c := newTestClient(t, f, newMemStore(f.issue()))
	if _, err := f.ShipSalesOrder("A-1", logilessapi.ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []OutboundDelivery
	err := c.ListOutboundDeliveries(context.Background(), OutboundDeliveryQuery{DocumentStatuses: []string{"Shipped"}}, func(p []OutboundDelivery) error {
		got = append(got, p...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].SalesOrder.Code != "A-1" || got[0].SalesOrder.ID != orderID || len(got[0].TrackingNumbers) == 0 ||
		got[0].DocumentStatus != "Shipped" || got[0].FinishedAt.IsZero() {
		t.Errorf("deliveries = %+v", got)
	}
	so, err := c.GetSalesOrder(context.Background(), orderID)
	if err != nil || so.DocumentStatus != "Shipped" || len(so.OutboundDeliveries) != 1 || so.DeliveryTrackingNumber != got[0].TrackingNumbers[0] {
		t.Errorf("sales order = %+v, %v", so, err)
	}
}

func TestArticlesInventoryAndMaps(t *testing.T) {
	f, c, _ := authedClient(t)
	// Lenient shapes the fake does not send: string numbers, components
	// as codes or objects, warehouse as an object or a number, nulls.
	f.answer("GET", "/articles", 1, 200, `{"data":[
		{"id":"1","code":"SET-1","name":"セット","article_type":"Assortment","components":[{"component":"A","quantity":"3"},{"component":{"code":"B"},"quantity":1}]},
		{"id":2,"code":"A","name":"A","article_type":"Single"}],"current_page":1,"limit":100,"total_count":2}`)
	f.answer("POST", "/logical_inventory_summaries/search", 1, 200, `{"data":[{"article":{"id":1,"code":"SKU-X"},"free":"5","available":7,"allocated":"2","warehouse":{"id":"3","name":"W"},"updated_at":"2026-11-30 12:00:00"}]}`)
	f.answer("GET", "/logical_inventory_summaries", 1, 200, `{"data":[{"article_code":"A","free":-1,"warehouse":3}],"current_page":1,"limit":100,"total_count":1}`)
	f.answer("GET", "/article_maps", 1, 200, `{"data":[
		{"mapped_code":"EC-A","article":{"code":"A"},"standby_stock_quantity":"2","stock_allocation_rate":"50","max_stock_quantity":"100","min_stock_quantity":null},
		{"mapped_code":"EC-B","article_code":"B","standby_stock_quantity":null,"max_stock_quantity":""}],"current_page":1,"limit":100,"total_count":2}`)

	var arts []Article
	if err := c.ListArticles(context.Background(), ArticleQuery{ArticleType: ArticleTypeAssortment}, func(p []Article) error {
		arts = append(arts, p...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantSet := Article{ID: 1, Code: "SET-1", Name: "セット", ArticleType: "Assortment", Components: []Component{{"A", 3}, {"B", 1}}}
	if len(arts) != 2 || !reflect.DeepEqual(arts[0], wantSet) {
		t.Errorf("articles = %+v", arts)
	}

	inv, err := c.SearchLogicalInventory(context.Background(), []string{"SKU-X"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv) != 1 {
		t.Fatalf("rows = %d", len(inv))
	}
	if s := inv[0]; s.ArticleCode != "SKU-X" || s.Free != 5 || s.Available != 7 || s.Allocated != 2 || s.WarehouseID != 3 || s.UpdatedAt.Hour() != 12 {
		t.Errorf("summary = %+v", s)
	}

	var listed []InventorySummary
	if err := c.ListLogicalInventory(context.Background(), InventoryQuery{Warehouse: 3, UpdatedFrom: time.Date(2026, 11, 30, 0, 0, 0, 0, jst)},
		func(p []InventorySummary) error { listed = append(listed, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	var invQuery url.Values
	for _, r := range f.requests() {
		if r.Resource == "/logical_inventory_summaries" {
			invQuery = r.Query
		}
	}
	if len(listed) != 1 || listed[0].Free != -1 || listed[0].WarehouseID != 3 || invQuery.Get("updated_at_from") != "2026-11-30 00:00:00" || invQuery.Get("warehouse") != "3" {
		t.Errorf("listed = %+v, query = %v", listed, invQuery)
	}

	var maps []ArticleMap
	if err := c.ListArticleMaps(context.Background(), ArticleMapQuery{Store: 7}, func(p []ArticleMap) error { maps = append(maps, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	hundred := int64(100)
	want := []ArticleMap{
		{MappedCode: "EC-A", ArticleCode: "A", Standby: 2, AllocationRate: 50, Max: &hundred},
		{MappedCode: "EC-B", ArticleCode: "B", AllocationRate: 100},
	}
	if !reflect.DeepEqual(maps, want) {
		t.Errorf("maps = %+v", maps)
	}
}

func TestInventoryAndMapsFromTheFake(t *testing.T) {
	f, c, _ := authedClient(t)
	codes := make([]string, 0, 150)
	for i := range 150 {
		code := fmt.Sprintf("SKU-%d", i)
		if _, err := f.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			t.Fatal(err)
		}
		if err := f.SetFreeStock(code, i); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, code)
	}
	if _, err := f.SeedArticleMap(logilessapi.ArticleMap{MappedCode: "EC-7", ArticleCode: "SKU-7", StandbyStockQuantity: 2}); err != nil {
		t.Fatal(err)
	}
	inv, err := c.SearchLogicalInventory(context.Background(), codes)
	if err != nil {
		t.Fatal(err)
	}
	batches := f.batchSizes("/logical_inventory_summaries/search", "article_codes")
	if !reflect.DeepEqual(batches, []int{100, 50}) || len(inv) != 150 {
		t.Errorf("batches = %v, rows = %d", batches, len(inv))
	}
	free := map[string]int64{}
	for _, s := range inv {
		free[s.ArticleCode] = s.Free
	}
	if free["SKU-0"] != 0 || free["SKU-149"] != 149 {
		t.Errorf("free SKU-0 = %d, SKU-149 = %d", free["SKU-0"], free["SKU-149"])
	}
	var maps []ArticleMap
	if err := c.ListArticleMaps(context.Background(), ArticleMapQuery{}, func(p []ArticleMap) error { maps = append(maps, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(maps) != 1 || maps[0].MappedCode != "EC-7" || maps[0].ArticleCode != "SKU-7" || maps[0].Standby != 2 || maps[0].AllocationRate != 100 {
		t.Errorf("maps = %+v", maps)
	}
}
