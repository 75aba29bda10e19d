package logiless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pagedOrders serves total orders, pageSize per page at most (LOGILESS's
// own cap), with or without total_count.
func pagedOrders(total, serverCap int, withTotal bool, queries *[]url.Values, mu *sync.Mutex) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		*queries = append(*queries, q)
		mu.Unlock()
		limit, _ := strconv.Atoi(q.Get("limit"))
		page, _ := strconv.Atoi(q.Get("page"))
		limit = min(limit, serverCap)
		var data []string
		for i := (page-1)*limit + 1; i <= min(page*limit, total); i++ {
			data = append(data, fmt.Sprintf(`{"id":"%d","code":"O-%d","status":"Shipped"}`, i, i))
		}
		env := fmt.Sprintf(`{"data":[%s],"current_page":%d,"limit":"%d"`, strings.Join(data, ","), page, limit)
		if withTotal {
			env += fmt.Sprintf(`,"total_count":"%d"`, total)
		}
		writeJSON(w, 200, env+"}")
	}
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
			f, c, _ := authedClient(t)
			var mu sync.Mutex
			var queries []url.Values
			f.handle("GET", "/sales_orders", pagedOrders(tt.total, tt.serverCap, tt.withTotal, &queries, &mu))
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
			if len(queries) != tt.wantCalls {
				t.Errorf("calls = %d, want %d", len(queries), tt.wantCalls)
			}
		})
	}
}

func TestListSalesOrdersQuery(t *testing.T) {
	f, c, _ := authedClient(t)
	var mu sync.Mutex
	var queries []url.Values
	f.handle("GET", "/sales_orders", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.Query())
		mu.Unlock()
		writeJSON(w, 200, `{"data":[{"id":1,"code":"A-1"},{"id":2,"code":"A-10"}],"current_page":1,"limit":100,"total_count":2}`)
	})
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
	if !reflect.DeepEqual(queries[0], want) {
		t.Errorf("query = %v\nwant %v", queries[0], want)
	}
}

func TestListCallbackErrorStops(t *testing.T) {
	f, c, _ := authedClient(t)
	var mu sync.Mutex
	var queries []url.Values
	f.handle("GET", "/sales_orders", pagedOrders(300, 100, true, &queries, &mu))
	stop := errors.New("stop here")
	err := c.ListSalesOrders(context.Background(), SalesOrderQuery{}, func([]SalesOrder) error { return stop })
	if err != stop || len(queries) != 1 {
		t.Errorf("err = %v after %d calls, want the callback's error after 1", err, len(queries))
	}
}

func TestListOutboundDeliveries(t *testing.T) {
	f, c, _ := authedClient(t)
	var q url.Values
	f.handle("GET", "/outbound_deliveries", func(w http.ResponseWriter, r *http.Request) {
		q = r.URL.Query()
		writeJSON(w, 200, `{"data":[{"id":"3","code":"OD-3","document_status":"Shipped","delivery_method":"sagawa",
			"delivery_tracking_numbers":"111, 222","finished_at":"2026-11-30 10:00:00","sales_order":{"id":9,"code":"A-9"},
			"lines":[{"origin":{"id":9,"code":"A-9"}}]}],"current_page":1,"limit":100,"total_count":1}`)
	})
	var got []OutboundDelivery
	err := c.ListOutboundDeliveries(context.Background(), OutboundDeliveryQuery{DocumentStatuses: []string{"Shipped"}, Store: 2,
		FinishedFrom: time.Date(2026, 11, 30, 0, 0, 0, 0, jst)}, func(p []OutboundDelivery) error {
		got = append(got, p...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("document_status") != "Shipped" || q.Get("store") != "2" || q.Get("finished_at_from") != "2026-11-30 00:00:00" {
		t.Errorf("query = %v", q)
	}
	if len(got) != 1 || got[0].ID != 3 || !reflect.DeepEqual(got[0].TrackingNumbers, []string{"111", "222"}) ||
		got[0].SalesOrder.Code != "A-9" || len(got[0].Origins) != 1 || got[0].FinishedAt.Hour() != 10 {
		t.Errorf("got %+v", got)
	}
}

func TestArticlesInventoryAndMaps(t *testing.T) {
	f, c, _ := authedClient(t)
	f.handle("GET", "/articles", jsonHandler(200, `{"data":[
		{"id":"1","code":"SET-1","name":"セット","article_type":"Assortment","components":[{"component":"A","quantity":"3"},{"component":{"code":"B"},"quantity":1}]},
		{"id":2,"code":"A","name":"A","article_type":"Single"}],"current_page":1,"limit":100,"total_count":2}`))
	var batches []int
	var mu sync.Mutex
	f.handle("POST", "/logical_inventory_summaries/search", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Codes []string `json:"article_codes"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		batches = append(batches, len(req.Codes))
		mu.Unlock()
		var data []string
		for _, code := range req.Codes {
			data = append(data, fmt.Sprintf(`{"article":{"id":1,"code":%q},"free":"5","available":7,"allocated":"2","warehouse":{"id":"3","name":"W"},"updated_at":"2026-11-30 12:00:00"}`, code))
		}
		writeJSON(w, 200, `{"data":[`+strings.Join(data, ",")+`]}`)
	})
	var invQuery url.Values
	f.handle("GET", "/logical_inventory_summaries", func(w http.ResponseWriter, r *http.Request) {
		invQuery = r.URL.Query()
		writeJSON(w, 200, `{"data":[{"article_code":"A","free":-1,"warehouse":3}],"current_page":1,"limit":100,"total_count":1}`)
	})
	f.handle("GET", "/article_maps", jsonHandler(200, `{"data":[
		{"mapped_code":"EC-A","article":{"code":"A"},"standby_stock_quantity":"2","stock_allocation_rate":"50","max_stock_quantity":"100","min_stock_quantity":null},
		{"mapped_code":"EC-B","article_code":"B","standby_stock_quantity":null,"max_stock_quantity":""}],"current_page":1,"limit":100,"total_count":2}`))

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

	codes := make([]string, 0, 150)
	for i := range 150 {
		codes = append(codes, fmt.Sprintf("SKU-%d", i))
	}
	inv, err := c.SearchLogicalInventory(context.Background(), codes)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(batches, []int{100, 50}) || len(inv) != 150 {
		t.Errorf("batches = %v, rows = %d", batches, len(inv))
	}
	if s := inv[0]; s.ArticleCode != "SKU-0" || s.Free != 5 || s.Available != 7 || s.Allocated != 2 || s.WarehouseID != 3 || s.UpdatedAt.Hour() != 12 {
		t.Errorf("summary = %+v", s)
	}

	var listed []InventorySummary
	if err := c.ListLogicalInventory(context.Background(), InventoryQuery{Warehouse: 3, UpdatedFrom: time.Date(2026, 11, 30, 0, 0, 0, 0, jst)},
		func(p []InventorySummary) error { listed = append(listed, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].Free != -1 || listed[0].WarehouseID != 3 || invQuery.Get("updated_at_from") != "2026-11-30 00:00:00" || invQuery.Get("warehouse") != "3" {
		t.Errorf("listed = %+v, query = %v", listed, invQuery)
	}

	var maps []ArticleMap
	if err := c.ListArticleMaps(context.Background(), 7, func(p []ArticleMap) error { maps = append(maps, p...); return nil }); err != nil {
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
