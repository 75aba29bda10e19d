package logilessapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ArticleMap is one row of the 商品対応表 (read-only through the API).
type ArticleMap struct {
	ID                    int64     `json:"id"`
	Store                 int64     `json:"store"`       // default DefaultStoreID
	MappedCode            string    `json:"mapped_code"` // the store's product code (ecforce SKU)
	ArticleCode           string    `json:"article_code"`
	StandbyStockQuantity  int       `json:"standby_stock_quantity"` // 予備在庫数
	StockAllocationRate   int       `json:"stock_allocation_rate"`  // 在庫割当率 %, 0 means 100
	MaxStockQuantity      *int      `json:"max_stock_quantity"`
	MinStockQuantity      *int      `json:"min_stock_quantity"`
	InventorySyncDisabled bool      `json:"inventory_sync_disabled"`
	UpdatedAt             time.Time `json:"updated_at"`
}

// SeedArticleMap adds a 商品対応表 row. Store 0 means DefaultStoreID;
// StockAllocationRate 0 means 100.
func (l *Server) SeedArticleMap(m ArticleMap) (ArticleMap, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m.Store == 0 {
		m.Store = DefaultStoreID
	}
	if m.StockAllocationRate == 0 {
		m.StockAllocationRate = 100
	}
	switch {
	case m.MappedCode == "":
		return ArticleMap{}, errors.New("article map: mapped_code is required")
	case l.articleLocked(m.ArticleCode) == nil:
		return ArticleMap{}, fmt.Errorf("article map %s: article %q does not exist", m.MappedCode, m.ArticleCode)
	case m.StockAllocationRate < 0 || m.StockAllocationRate > 100:
		return ArticleMap{}, fmt.Errorf("article map %s: stock_allocation_rate %d not in 0..100", m.MappedCode, m.StockAllocationRate)
	case m.MinStockQuantity != nil && m.MaxStockQuantity != nil && *m.MinStockQuantity >= *m.MaxStockQuantity:
		return ArticleMap{}, fmt.Errorf("article map %s: min must be smaller than max", m.MappedCode)
	}
	if _, ok := l.storeLocked(m.Store); !ok {
		return ArticleMap{}, fmt.Errorf("article map %s: store %d does not exist", m.MappedCode, m.Store)
	}
	for _, x := range l.maps {
		if x.Store == m.Store && x.MappedCode == m.MappedCode {
			return ArticleMap{}, fmt.Errorf("article map: store %d already maps %q", m.Store, m.MappedCode)
		}
	}
	l.seq.articleMap++
	m.ID = l.seq.articleMap
	m.UpdatedAt = l.clock()
	l.maps = append(l.maps, &m)
	return m, nil
}

// mappedStock applies a mapping row to a free quantity: subtract the
// reserve, apply the allocation rate (floor), cap at max, send 0 below min,
// never negative. (Order of steps inferred; see logiless-api.md §5.)
func mappedStock(m *ArticleMap, free int) int {
	v := free - m.StandbyStockQuantity
	if v > 0 {
		v = v * m.StockAllocationRate / 100
	}
	if m.MaxStockQuantity != nil {
		v = min(v, *m.MaxStockQuantity)
	}
	if m.MinStockQuantity != nil && free < *m.MinStockQuantity {
		v = 0
	}
	return max(v, 0)
}

func (l *Server) renderArticleMapLocked(m *ArticleMap) map[string]any {
	a := l.articleLocked(m.ArticleCode)
	store, _ := l.storeLocked(m.Store)
	stock := 0
	if a != nil {
		stock = mappedStock(m, l.summaryLocked(a).Free)
	}
	return map[string]any{
		"id": m.ID, "mapped_code": m.MappedCode,
		"mapped_choice1": nil, "mapped_choice2": nil, "mapped_choice3": nil, "attr1": nil, "article_option": nil,
		"cached_stock_quantity": stock, "available_stock_quantity": stock,
		"standby_stock_quantity": m.StandbyStockQuantity, "stock_allocation_rate": m.StockAllocationRate,
		"max_stock_quantity": m.MaxStockQuantity, "min_stock_quantity": m.MinStockQuantity,
		"is_inventory_synced": true, "is_automatic_inventory_sync_enables": !m.InventorySyncDisabled,
		"has_error": false, "article": articleRef(a), "store": map[string]any{"id": store.ID, "name": store.Name},
		"updated_at": formatTime(m.UpdatedAt),
	}
}

func (l *Server) handleListArticleMaps(w http.ResponseWriter, r *http.Request) {
	serveList(l, w, r, func(q *listQuery) (func() []*ArticleMap, func(*ArticleMap) bool) {
		store, hasStore := q.integer("store")
		code := q.q.Get("article_code")
		updated := q.timeRange("updated_at")
		return func() []*ArticleMap { return l.maps }, func(m *ArticleMap) bool {
			return !((hasStore && m.Store != store) || (code != "" && m.ArticleCode != code) || !updated.match(m.UpdatedAt))
		}
	}, l.renderArticleMapLocked)
}
