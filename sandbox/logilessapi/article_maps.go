package logilessapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// ArticleMap is one row of a store's 商品対応表. The API only reads it;
// rows are seeded, edited and deleted through the control endpoints, as a
// merchant does on LOGILESS's screens.
type ArticleMap struct {
	ID                   int64  `json:"id"`
	Store                int64  `json:"store"`       // default DefaultStoreID
	MappedCode           string `json:"mapped_code"` // the store's product code (ecforce SKU)
	ArticleCode          string `json:"article_code"`
	StandbyStockQuantity int    `json:"standby_stock_quantity"` // 予備在庫数
	StockAllocationRate  int    `json:"stock_allocation_rate"`  // 在庫割当率 %, 0 means 100
	MaxStockQuantity     *int   `json:"max_stock_quantity"`     // nil: not set (left out of answers)
	MinStockQuantity     *int   `json:"min_stock_quantity"`     // nil: not set (left out of answers)
	// InventorySyncDisabled turns 自動在庫連携 off
	// (is_automatic_inventory_sync_enables 0).
	InventorySyncDisabled bool      `json:"inventory_sync_disabled"`
	HasError              bool      `json:"has_error"` // the last inventory sync of the row failed
	CreatedAt             time.Time `json:"created_at"`
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
	if err := l.checkArticleMapLocked(m, 0); err != nil {
		return ArticleMap{}, err
	}
	l.seq.articleMap++
	m.ID = l.seq.articleMap
	m.CreatedAt, m.UpdatedAt = l.clock(), l.clock()
	l.maps = append(l.maps, &m)
	return m, nil
}

// UpdateArticleMap edits the row with id: edit changes a copy, which
// replaces the row when it is still valid, with a new updated_at. The id,
// store and created_at stay.
func (l *Server) UpdateArticleMap(id int64, edit func(*ArticleMap)) (ArticleMap, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := slices.IndexFunc(l.maps, func(m *ArticleMap) bool { return m.ID == id })
	if i < 0 {
		return ArticleMap{}, fmt.Errorf("article map %d: %w", id, ErrNotFound)
	}
	m := *l.maps[i]
	edit(&m)
	m.ID, m.Store, m.CreatedAt = l.maps[i].ID, l.maps[i].Store, l.maps[i].CreatedAt
	if m.StockAllocationRate == 0 {
		m.StockAllocationRate = 100
	}
	if err := l.checkArticleMapLocked(m, id); err != nil {
		return ArticleMap{}, err
	}
	m.UpdatedAt = l.clock()
	l.maps[i] = &m
	return m, nil
}

// DeleteArticleMap removes the row with id; listings no longer show it
// (nor does updated_at_from: a deleted row is seen only by its absence).
func (l *Server) DeleteArticleMap(id int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := slices.IndexFunc(l.maps, func(m *ArticleMap) bool { return m.ID == id })
	if i < 0 {
		return fmt.Errorf("article map %d: %w", id, ErrNotFound)
	}
	l.maps = slices.Delete(l.maps, i, i+1)
	return nil
}

// checkArticleMapLocked applies LOGILESS's rules to a row; self is the id
// of the row being edited (0 for a new one).
func (l *Server) checkArticleMapLocked(m ArticleMap, self int64) error {
	switch {
	case m.MappedCode == "":
		return errors.New("article map: mapped_code is required")
	case l.articleLocked(m.ArticleCode) == nil:
		return fmt.Errorf("article map %s: article %q does not exist", m.MappedCode, m.ArticleCode)
	case m.StockAllocationRate < 0 || m.StockAllocationRate > 100:
		return fmt.Errorf("article map %s: stock_allocation_rate %d not in 0..100", m.MappedCode, m.StockAllocationRate)
	case m.StandbyStockQuantity < 0:
		return fmt.Errorf("article map %s: standby_stock_quantity %d is negative", m.MappedCode, m.StandbyStockQuantity)
	case m.MinStockQuantity != nil && m.MaxStockQuantity != nil && *m.MinStockQuantity >= *m.MaxStockQuantity:
		return fmt.Errorf("article map %s: min must be smaller than max", m.MappedCode)
	}
	if _, ok := l.storeLocked(m.Store); !ok {
		return fmt.Errorf("article map %s: store %d does not exist", m.MappedCode, m.Store)
	}
	for _, x := range l.maps {
		if x.ID != self && x.Store == m.Store && x.MappedCode == m.MappedCode {
			return fmt.Errorf("article map: store %d already maps %q", m.Store, m.MappedCode)
		}
	}
	return nil
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

// renderArticleMapLocked is a row as GET article_maps shows it: the rate
// as a string, flags as 0/1, and the optional quantities left out when not
// set.
func (l *Server) renderArticleMapLocked(m *ArticleMap) map[string]any {
	a := l.articleLocked(m.ArticleCode)
	store, _ := l.storeLocked(m.Store)
	stock := 0
	if a != nil {
		stock = mappedStock(m, l.summaryLocked(a).Free)
	}
	out := map[string]any{
		"id": m.ID, "mapped_code": m.MappedCode,
		"mapped_choice1": nil, "mapped_choice2": nil, "mapped_choice3": nil, "attr1": nil, "article_option": nil,
		"cached_stock_quantity": stock, "available_stock_quantity": stock,
		"standby_stock_quantity": m.StandbyStockQuantity, "stock_allocation_rate": strconv.Itoa(m.StockAllocationRate),
		"is_inventory_synced": flag(!m.InventorySyncDisabled), "is_automatic_inventory_sync_enables": flag(!m.InventorySyncDisabled),
		"has_error": flag(m.HasError), "article": articleRef(a), "store": map[string]any{"id": store.ID, "name": store.Name},
		"created_at": formatTime(m.CreatedAt), "updated_at": formatTime(m.UpdatedAt),
	}
	if m.MaxStockQuantity != nil {
		out["max_stock_quantity"] = *m.MaxStockQuantity
	}
	if m.MinStockQuantity != nil {
		out["min_stock_quantity"] = *m.MinStockQuantity
	}
	return out
}

func (l *Server) handleListArticleMaps(w http.ResponseWriter, r *http.Request) {
	serveList(l, w, r, func(q *listQuery) (func() []*ArticleMap, func(*ArticleMap) bool) {
		store, hasStore := q.integer("store")
		code := q.q.Get("article_code")
		syncOn, hasSync := q.flag("is_automatic_inventory_sync_enables")
		hasErr, hasHasErr := q.flag("has_error")
		updated := q.timeRange("updated_at")
		return func() []*ArticleMap { return l.maps }, func(m *ArticleMap) bool {
			return !((hasStore && m.Store != store) || (code != "" && m.ArticleCode != code) ||
				(hasSync && syncOn == m.InventorySyncDisabled) || (hasHasErr && hasErr != m.HasError) || !updated.match(m.UpdatedAt))
		}
	}, l.renderArticleMapLocked)
}
