package ecforce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// StockItemQuery filters ListStockItems.
type StockItemQuery struct {
	// LocationCode keeps one stock location (q[stock_location_code_eq]).
	LocationCode string
	// SKUs keeps these variant SKUs (q[variant_sku_in][]); at most 100.
	SKUs []string
	// MaxPages caps the pages read (100 items each); default 100.
	MaxPages int
}

// ListStockItems calls fn with each page of stock items matching q.
func (c *Client) ListStockItems(ctx context.Context, q StockItemQuery, fn func([]StockItem) error) error {
	if len(q.SKUs) > maxBulk {
		return fmt.Errorf("ecforce shop %q: list stock items: %d SKUs given, at most %d per call; split the list", c.shop, len(q.SKUs), maxBulk)
	}
	v := url.Values{"sort": {"id"}}
	if code := strings.TrimSpace(q.LocationCode); code != "" {
		v.Set("q[stock_location_code_eq]", code)
	}
	for _, sku := range q.SKUs {
		v.Add("q[variant_sku_in][]", sku)
	}
	l := listing{what: "list stock items", path: "/admin/stock_items.json", query: v, maxPages: q.MaxPages}
	return c.paginate(ctx, l, func(doc *document) error {
		items := make([]StockItem, 0, len(doc.data))
		for i := range doc.data {
			it, err := decodeStockItem(&doc.data[i])
			if err != nil {
				return c.malformed(call{op: l.what, method: http.MethodGet, path: l.path}, err)
			}
			items = append(items, it)
		}
		if len(items) == 0 {
			return nil
		}
		return fn(items)
	})
}

// StockUpdate sets the absolute stock of one SKU at one location.
type StockUpdate struct {
	SKU          string
	LocationCode string
	Stock        int64
}

// UpdateStockItems sets stock levels (absolute values, at most 100 per call).
// Per-record failures (unknown SKU at the location, bad value) are in the
// BulkResult, keyed by SKU. 429s are retried; 5xx and network errors are not.
func (c *Client) UpdateStockItems(ctx context.Context, updates []StockUpdate) (BulkResult, error) {
	cl := call{op: fmt.Sprintf("update stock of %d SKUs", len(updates)), method: http.MethodPut, path: "/admin/stock_items.json"}
	if len(updates) == 0 {
		return BulkResult{}, nil
	}
	if len(updates) > maxBulk {
		return BulkResult{}, c.errorf(cl, "%d updates given, at most %d per call; split the batch", len(updates), maxBulk)
	}
	type item struct {
		VariantSKU        string `json:"variant_sku"`
		StockLocationCode string `json:"stock_location_code"`
		Stock             int64  `json:"stock"`
	}
	items := make([]item, 0, len(updates))
	for _, u := range updates {
		if strings.TrimSpace(u.SKU) == "" || strings.TrimSpace(u.LocationCode) == "" {
			return BulkResult{}, c.errorf(cl, "every update needs a SKU and a location code")
		}
		if u.Stock < 0 {
			return BulkResult{}, c.errorf(cl, "SKU %s: negative stock %d", u.SKU, u.Stock)
		}
		items = append(items, item{VariantSKU: u.SKU, StockLocationCode: u.LocationCode, Stock: u.Stock})
	}
	cl.body = map[string]any{"stock_items": items}
	return c.doBulk(ctx, cl)
}
