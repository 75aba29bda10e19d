package ecforceapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// StockItem is the stock of one SKU at one stock location.
type StockItem struct {
	ID                int64     `json:"id"`
	VariantSKU        string    `json:"variant_sku"`
	VariantID         int64     `json:"variant_id"`
	ProductNumber     string    `json:"product_number"`
	StockLocationID   int64     `json:"stock_location_id"`
	StockLocationCode string    `json:"stock_location_code"`
	StockLocationName string    `json:"stock_location_name"`
	Stock             int       `json:"stock"`
	Writes            int       `json:"writes"` // successful PUT /stock_items records
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

type stockLocation struct {
	id         int64
	code, name string
}

func (e *Server) locationLocked(code string) (stockLocation, bool) {
	for _, l := range e.locations {
		if l.code == code {
			return l, true
		}
	}
	return stockLocation{}, false
}

// SeedStockItem creates or overwrites the stock of sku at the location code
// ("" means "default"; unknown codes create a new location). Seeding is not
// counted as a write.
func (e *Server) SeedStockItem(sku, locationCode string, stock int) (StockItem, error) {
	if sku == "" {
		return StockItem{}, errors.New("stock item seed: sku is required")
	}
	if stock < 0 {
		return StockItem{}, fmt.Errorf("stock item seed %s: negative stock %d", sku, stock)
	}
	if locationCode == "" {
		locationCode = DefaultStockLocation
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock()
	loc, ok := e.locationLocked(locationCode)
	if !ok {
		loc = stockLocation{id: int64(len(e.locations) + 1), code: locationCode, name: locationCode}
		e.locations = append(e.locations, loc)
	}
	if si := e.stockItemLocked(sku, locationCode); si != nil {
		si.Stock = stock
		si.UpdatedAt = now
		return *si, nil
	}
	e.seq.stockItem++
	si := &StockItem{
		ID: e.seq.stockItem, VariantSKU: sku, VariantID: e.variantIDLocked(sku), ProductNumber: sku,
		StockLocationID: loc.id, StockLocationCode: loc.code, StockLocationName: loc.name,
		Stock: stock, CreatedAt: now, UpdatedAt: now,
	}
	e.stockItems = append(e.stockItems, si)
	e.stockBySKU[sku] = append(e.stockBySKU[sku], si)
	return *si, nil
}

func (e *Server) stockItemLocked(sku, location string) *StockItem {
	for _, si := range e.stockBySKU[sku] {
		if si.StockLocationCode == location {
			return si
		}
	}
	return nil
}

// StockItem returns the stock item of sku at location ("" = "default").
func (e *Server) StockItem(sku, location string) (StockItem, bool) {
	if location == "" {
		location = DefaultStockLocation
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if si := e.stockItemLocked(sku, location); si != nil {
		return *si, true
	}
	return StockItem{}, false
}

// StockWriteCount returns how many successful stock writes (records of
// PUT /api/v2/admin/stock_items) the SKU received, over all locations.
func (e *Server) StockWriteCount(sku string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, si := range e.stockBySKU[sku] {
		n += si.Writes
	}
	return n
}

var stockItemFields = ransackFields[*StockItem]{
	"id":                  func(s *StockItem) fieldValue { return intVal(s.ID) },
	"variant_sku":         func(s *StockItem) fieldValue { return strVal(s.VariantSKU) },
	"product_number":      func(s *StockItem) fieldValue { return strVal(s.ProductNumber) },
	"stock_location_code": func(s *StockItem) fieldValue { return strVal(s.StockLocationCode) },
	"stock_location_id":   func(s *StockItem) fieldValue { return intVal(s.StockLocationID) },
	"stock":               func(s *StockItem) fieldValue { return intVal(int64(s.Stock)) },
	"created_at":          func(s *StockItem) fieldValue { return timeVal(s.CreatedAt) },
	"updated_at":          func(s *StockItem) fieldValue { return timeVal(s.UpdatedAt) },
}

func stockItemResource(s *StockItem) resource {
	return resource{ID: idStr(s.ID), Type: "stock_item", Attributes: map[string]any{
		"id":                  s.ID,
		"stock_location_id":   s.StockLocationID,
		"stock_location_code": s.StockLocationCode,
		"stock_location_name": s.StockLocationName,
		"product_id":          s.VariantID,
		"product_number":      s.ProductNumber,
		"variant_id":          s.VariantID,
		"variant_sku":         s.VariantSKU,
		"stock":               s.Stock,
		"stock_unlimited":     false,
		"stock_alert":         false,
		"stock_borderline":    nil,
		"created_at":          formatTime(s.CreatedAt),
		"updated_at":          formatTime(s.UpdatedAt),
		"deleted_at":          nil,
	}}
}

func (e *Server) handleListStockItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.Lock()
	defer e.mu.Unlock()
	items := applyRansack(e.stockCandidatesLocked(q), q, stockItemFields)
	applySort(items, q.Get("sort"), stockItemFields, func(s *StockItem) int64 { return s.ID })
	doc, _ := listPage(r, items, stockItemResource)
	httpfake.WriteJSON(w, http.StatusOK, doc)
}

// stockCandidatesLocked returns the stock items a listing must filter: when
// the query names SKUs (q[variant_sku_eq] or q[variant_sku_in]) only theirs,
// found through the SKU index, else a copy of all of them; either way in
// ascending id order. The ransack filter then applies as usual, so the answer
// is the same as filtering everything, without scanning 100k items per call.
func (e *Server) stockCandidatesLocked(q url.Values) []*StockItem {
	for _, c := range parseRansack(q) {
		if c.attr != "variant_sku" || (c.pred != "eq" && c.pred != "in") {
			continue
		}
		var out []*StockItem
		seen := map[string]bool{}
		for _, v := range c.values {
			v = strings.TrimSpace(v)
			if seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, e.stockBySKU[v]...)
		}
		slices.SortFunc(out, func(a, b *StockItem) int { return cmp.Compare(a.ID, b.ID) })
		return out
	}
	return append([]*StockItem(nil), e.stockItems...)
}

// maxStockItemsPerRequest is the PUT /stock_items batch limit.
const maxStockItemsPerRequest = 100

func (e *Server) handleUpdateStockItems(w http.ResponseWriter, r *http.Request) {
	var body struct {
		StockItems []map[string]json.RawMessage `json:"stock_items"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil || len(body.StockItems) == 0 {
		writeError(w, http.StatusBadRequest, "ASI3001", "stock_itemsパラメータが正しくありません。")
		return
	}
	if len(body.StockItems) > maxStockItemsPerRequest {
		writeError(w, http.StatusBadRequest, "ASI3003", fmt.Sprintf("stock_itemsは一度に%d件までです。", maxStockItemsPerRequest))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock()
	res := newBulkResult()
	for _, rec := range body.StockItems {
		sku, _, skuErr := httpfake.LooseString(rec["variant_sku"])
		loc, _, locErr := httpfake.LooseString(rec["stock_location_code"])
		echo := map[string]any{"variant_sku": sku, "stock_location_code": loc, "stock": rawValue(rec["stock"])}
		var errs []fieldError
		if skuErr != nil || sku == "" {
			errs = append(errs, fieldError{"ASI3001", "variant_skuパラメータが正しくありません。"})
		}
		if locErr != nil || loc == "" {
			errs = append(errs, fieldError{"ASI3004", "stock_location_codeパラメータが正しくありません。"})
		}
		stock, ok, err := httpfake.LooseInt(rec["stock"])
		if err != nil || !ok || stock < 0 {
			errs = append(errs, fieldError{"ASI3002", "stockパラメータが正しくありません。"})
		}
		var si *StockItem
		if len(errs) == 0 {
			if si = e.stockItemLocked(sku, loc); si == nil {
				errs = append(errs, fieldError{"ASI2002", "stock_locationに在庫が見つかりません。"})
			}
		}
		if len(errs) > 0 {
			res.Failure = append(res.Failure, echo)
			res.Errors = append(res.Errors, bulkError{ID: sku, Code: "ASI0000", Message: msgBulkWrapper, Errors: errs})
			continue
		}
		if si.Stock != int(stock) {
			si.UpdatedAt = now
		}
		si.Stock = int(stock)
		si.Writes++
		echo["stock"] = strconv.FormatInt(stock, 10)
		res.Success = append(res.Success, echo)
	}
	httpfake.WriteJSON(w, http.StatusOK, res)
}
