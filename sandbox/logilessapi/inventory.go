package logilessapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// InventorySummary is the logical inventory of one article at the single
// warehouse, as reported by logical_inventory_summaries.
type InventorySummary struct {
	ArticleCode string    `json:"article_code"`
	ArticleType string    `json:"article_type"`
	Available   int       `json:"available"` // 保管中
	Allocated   int       `json:"allocated"` // 引当済み
	StockOut    int       `json:"stock_out"` // 引当待ち
	Free        int       `json:"free"`      // フリー在庫
	Shipped     int       `json:"shipped"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type inventory struct {
	available, allocated, stockOut, shipped int
	updatedAt                               time.Time
}

const warehouseName = "メイン倉庫"

// SetFreeStock sets the free (フリー) stock of a Single article: 保管中 becomes
// allocated + free. Orders waiting for allocation are then allocated, in
// order, while stock lasts (so free may end lower than requested).
func (l *Server) SetFreeStock(articleCode string, free int) error {
	if free < 0 {
		return fmt.Errorf("set free stock of %s: negative free %d", articleCode, free)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.articleLocked(articleCode)
	if a == nil {
		return fmt.Errorf("set free stock: article %q does not exist (seed it first)", articleCode)
	}
	if a.ArticleType != ArticleSingle {
		return fmt.Errorf("set free stock: article %q is a set (%s); set the stock of its components", articleCode, a.ArticleType)
	}
	inv := l.inv[articleCode]
	inv.available = inv.allocated + free
	inv.updatedAt = l.clock()
	l.allocatePendingLocked()
	return nil
}

// FreeStock returns the free stock of an article; for a set it is the
// minimum over components of floor(component free ÷ quantity).
func (l *Server) FreeStock(articleCode string) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.articleLocked(articleCode)
	if a == nil {
		return 0, false
	}
	return l.summaryLocked(a).Free, true
}

// inventoryOf returns the summary of one article (zero value if unknown).
func (l *Server) inventoryOf(code string) InventorySummary {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.articleLocked(code); a != nil {
		return l.summaryLocked(a)
	}
	return InventorySummary{ArticleCode: code}
}

// summaryLocked computes the logical inventory of an article.
func (l *Server) summaryLocked(a *Article) InventorySummary {
	s := InventorySummary{ArticleCode: a.Code, ArticleType: a.ArticleType, UpdatedAt: a.UpdatedAt}
	if a.ArticleType != ArticleAssortment {
		inv := l.inv[a.Code]
		s.Available, s.Allocated, s.StockOut, s.Shipped = inv.available, inv.allocated, inv.stockOut, inv.shipped
		s.Free = inv.available - inv.allocated
		if inv.updatedAt.After(s.UpdatedAt) {
			s.UpdatedAt = inv.updatedAt
		}
		return s
	}
	free, avail := math.MaxInt, math.MaxInt
	for _, c := range a.Components {
		inv := l.inv[c.Component]
		if inv == nil || c.Quantity <= 0 {
			free, avail = 0, 0
			continue
		}
		free = min(free, (inv.available-inv.allocated)/c.Quantity)
		avail = min(avail, inv.available/c.Quantity)
		if inv.updatedAt.After(s.UpdatedAt) {
			s.UpdatedAt = inv.updatedAt
		}
	}
	if len(a.Components) == 0 {
		free, avail = 0, 0
	}
	s.Free, s.Available = free, avail
	return s
}

func (l *Server) renderSummaryLocked(a *Article) map[string]any {
	s := l.summaryLocked(a)
	return map[string]any{
		"id": a.ID, "article": articleRef(a),
		"warehouse": map[string]any{"id": DefaultWarehouseID, "name": warehouseName},
		"ordered":   0, "in_transit": 0, "received": 0, "available": s.Available, "blocked": 0,
		"allocated": s.Allocated, "stock_out": s.StockOut, "free": s.Free, "shipped": s.Shipped,
		"issued": 0, "is_reorder_level": false, "updated_at": formatTime(s.UpdatedAt),
	}
}

func (l *Server) handleListInventory(w http.ResponseWriter, r *http.Request) {
	serveList(l, w, r, func(q *listQuery) (func() []*Article, func(*Article) bool) {
		code, ident := q.q.Get("article_code"), q.q.Get("identification_code")
		articleType := q.q.Get("article_type")
		if articleType == "" {
			articleType = ArticleSingle
		}
		if layer := q.q.Get("layer"); layer != "" && layer != "Article" && layer != "Warehouse" {
			q.errs["layer"] = msgInvalidChoice
		}
		if articleType != ArticleSingle && articleType != ArticleAssortment {
			q.errs["article_type"] = msgInvalidChoice
		}
		wh, hasWH := q.integer("warehouse")
		minFree, hasMin := q.integer("min_free")
		maxFree, hasMax := q.integer("max_free")
		updated := q.timeRange("updated_at")
		return func() []*Article { return l.articles }, func(a *Article) bool {
			if a.ArticleType != articleType || (code != "" && a.Code != code) || (ident != "" && a.IdentificationCode != ident) ||
				(hasWH && wh != DefaultWarehouseID) {
				return false
			}
			s := l.summaryLocked(a)
			return !((hasMin && int64(s.Free) < minFree) || (hasMax && int64(s.Free) > maxFree) || !updated.match(s.UpdatedAt))
		}
	}, l.renderSummaryLocked)
}

func (l *Server) handleSearchInventory(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ArticleCodes        []string        `json:"article_codes"`
		IdentificationCodes []string        `json:"identification_codes"`
		ModelNumbers        []string        `json:"model_numbers"`
		WarehouseID         json.RawMessage `json:"warehouse_id"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"article_codes": msgInvalidValue})
		return
	}
	errs := map[string]string{}
	for name, list := range map[string][]string{"article_codes": body.ArticleCodes, "identification_codes": body.IdentificationCodes, "model_numbers": body.ModelNumbers} {
		if len(list) > maxSearch {
			errs[name] = fmt.Sprintf("%d件以下にしてください。", maxSearch)
		}
	}
	if body.ArticleCodes == nil && body.IdentificationCodes == nil && body.ModelNumbers == nil {
		errs["article_codes"] = msgBlank
	}
	wh, hasWH, err := httpfake.LooseInt(body.WarehouseID)
	if err != nil {
		errs["warehouse_id"] = msgInvalidValue
	}
	if len(errs) > 0 {
		l.validationFailed(w, errs)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	data := []any{}
	if hasWH && wh != DefaultWarehouseID {
		l.writeJSON(w, http.StatusOK, map[string]any{"data": data})
		return
	}
	if len(body.IdentificationCodes) == 0 && len(body.ModelNumbers) == 0 {
		// Article codes only (the usual search): look them up by code
		// instead of scanning the whole master, in the same id order.
		var hits []*Article
		for _, code := range body.ArticleCodes {
			if a := l.byCode[code]; a != nil && !slices.Contains(hits, a) {
				hits = append(hits, a)
			}
		}
		slices.SortFunc(hits, func(x, y *Article) int { return cmp.Compare(x.ID, y.ID) })
		for _, a := range hits {
			data = append(data, l.renderSummaryLocked(a))
		}
		l.writeJSON(w, http.StatusOK, map[string]any{"data": data})
		return
	}
	for _, a := range l.articles {
		if slices.Contains(body.ArticleCodes, a.Code) ||
			(a.IdentificationCode != "" && slices.Contains(body.IdentificationCodes, a.IdentificationCode)) ||
			(a.ModelNumber != "" && slices.Contains(body.ModelNumbers, a.ModelNumber)) {
			data = append(data, l.renderSummaryLocked(a))
		}
	}
	l.writeJSON(w, http.StatusOK, map[string]any{"data": data})
}
