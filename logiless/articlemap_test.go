package logiless

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestListArticleMapsTyping(t *testing.T) {
	f, c, _ := authedClient(t)
	// What the reference allows: numbers as strings, the rate as a string
	// (whole or not), optional fields null, empty or missing, flags as 0/1,
	// "1" or booleans.
	f.answer("GET", "/article_maps", 1, 200, `{"data":[
		{"id":"501","mapped_code":"EC-A","article":{"id":1,"code":"A"},"standby_stock_quantity":"3","stock_allocation_rate":"20",
		 "max_stock_quantity":"25","min_stock_quantity":"0","is_automatic_inventory_sync_enables":"1","store":{"id":"7","name":"ec"},"updated_at":"2026-11-30 12:00:00"},
		{"id":502,"mapped_code":" EC-B ","article":{"code":"B"},"stock_allocation_rate":"12.50","is_automatic_inventory_sync_enables":0,"store":7},
		{"id":503,"mapped_code":"EC-C","article":{"code":"C"},"standby_stock_quantity":null,"stock_allocation_rate":null,"max_stock_quantity":"","min_stock_quantity":null,"is_automatic_inventory_sync_enables":true},
		{"id":504,"mapped_code":"EC-D","article":{"code":"D"},"stock_allocation_rate":100},
		{"id":505,"mapped_code":"EC-E","article":null,"article_code":"E","stock_allocation_rate":"100.00 %","is_automatic_inventory_sync_enables":false}
	],"current_page":"1","limit":"100","total_count":"5"}`)

	var maps []ArticleMap
	q := ArticleMapQuery{Store: 7, UpdatedFrom: time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC), AutoSync: new(bool)}
	if err := c.ListArticleMaps(context.Background(), q, func(p []ArticleMap) error { maps = append(maps, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	i25, i0 := int64(25), int64(0)
	want := []ArticleMap{
		{ID: 501, StoreID: 7, MappedCode: "EC-A", ArticleCode: "A", Standby: 3, AllocationRate: 20, Max: &i25, Min: &i0, AutoSync: true,
			UpdatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, jst)},
		{ID: 502, StoreID: 7, MappedCode: "EC-B", ArticleCode: "B", AllocationRate: 12},
		{ID: 503, MappedCode: "EC-C", ArticleCode: "C", AllocationRate: 100, AutoSync: true},
		{ID: 504, MappedCode: "EC-D", ArticleCode: "D", AllocationRate: 100},
		{ID: 505, MappedCode: "EC-E", ArticleCode: "E", AllocationRate: 100},
	}
	if len(maps) != len(want) {
		t.Fatalf("got %d rows: %+v", len(maps), maps)
	}
	for i := range want {
		if !maps[i].UpdatedAt.Equal(want[i].UpdatedAt) {
			t.Errorf("row %d updated_at = %v, want %v", i, maps[i].UpdatedAt, want[i].UpdatedAt)
		}
		maps[i].UpdatedAt, want[i].UpdatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(maps[i], want[i]) {
			t.Errorf("row %d = %+v\nwant     %+v", i, maps[i], want[i])
		}
	}
	var query map[string]string
	for _, r := range f.requests() {
		if r.Resource == "/article_maps" {
			query = map[string]string{}
			for k := range r.Query {
				query[k] = r.Query.Get(k)
			}
		}
	}
	wantQuery := map[string]string{"store": "7", "updated_at_from": "2026-11-30 12:00:00", "is_automatic_inventory_sync_enables": "0", "limit": "100", "page": "1"}
	if !reflect.DeepEqual(query, wantQuery) {
		t.Errorf("query = %v, want %v", query, wantQuery)
	}
}

func TestListArticleMapsRefusesAGarbledRate(t *testing.T) {
	f, c, _ := authedClient(t)
	f.answer("GET", "/article_maps", 1, 200, `{"data":[{"id":1,"mapped_code":"X","article":{"code":"X"},"stock_allocation_rate":"half"}],"total_count":1}`)
	err := c.ListArticleMaps(context.Background(), ArticleMapQuery{Store: 1}, func([]ArticleMap) error { return nil })
	if err == nil {
		t.Fatal("a rate that is not a number was accepted")
	}
}

func TestParseRate(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    int64
		set, ok bool
	}{
		{"", 0, false, true}, {"  ", 0, false, true}, {"20", 20, true, true}, {" 20 ", 20, true, true},
		{"12.5", 12, true, true}, {"99.999", 99, true, true}, {"100.00", 100, true, true}, {"0", 0, true, true},
		{"50%", 50, true, true}, {"1,000", 1000, true, true}, {"-5", -5, true, true}, {"1e9", 1e6, true, true},
		{"abc", 0, false, false}, {"NaN", 0, false, false}, {"Inf", 0, false, false}, {"%", 0, false, true},
	} {
		v, set, err := parseRate(tt.in)
		if v != tt.want || set != tt.set || (err == nil) != tt.ok {
			t.Errorf("parseRate(%q) = %d, %v, %v; want %d, %v, ok=%v", tt.in, v, set, err, tt.want, tt.set, tt.ok)
		}
	}
}

func FuzzDecodeArticleMaps(f *testing.F) {
	for _, seed := range []string{
		`{"data":[{"id":"1","mapped_code":"A","article":{"code":"X"},"stock_allocation_rate":"12.5","max_stock_quantity":"","is_automatic_inventory_sync_enables":"1"}],"total_count":"1"}`,
		`{"data":[{"id":1,"stock_allocation_rate":20,"standby_stock_quantity":"3","min_stock_quantity":null,"store":{"id":2}}]}`,
		`{"data":[{"stock_allocation_rate":"1e400"}]}`, `{"data":[{"stock_allocation_rate":true}]}`, `{"data":[{"article":[1]}]}`,
		`{"data":null}`, `[]`, `{`, `{"data":[{"updated_at":"2026-02-30 25:61:00"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var page wirePage[wireArticleMap]
		if json.Unmarshal(data, &page) != nil {
			return
		}
		for _, w := range page.Data {
			m := w.toArticleMap()
			if w.AllocationRate.set && (m.AllocationRate < -1e6 || m.AllocationRate > 1e6) {
				t.Fatalf("rate %d escaped its clamp (from %q)", m.AllocationRate, data)
			}
			if !w.AllocationRate.set && m.AllocationRate != 100 {
				t.Fatalf("an unset rate became %d", m.AllocationRate)
			}
		}
	})
}
