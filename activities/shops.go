package activities

import (
	"context"
	"fmt"
	"sort"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
)

// EcforceAPI is the ecforce client as a Shop holds it: one client serves
// every flow, so it offers the union of what the flows call. Each flow
// declares its own part next to its activities (orderImportEcforce,
// shipmentEcforce; the 対応状況 write's orderStateAPI) and its code calls
// only that; a new call of a flow is added to the flow's interface.
type EcforceAPI interface {
	orderImportEcforce
	shipmentEcforce
	stockSyncEcforce
}

// LogilessAPI is the LOGILESS client as a Shop holds it: the union of
// orderImportLogiless, shipmentLogiless and stockSyncLogiless.
type LogilessAPI interface {
	orderImportLogiless
	orderChangeLogiless
	shipmentLogiless
	stockSyncLogiless
}

// stockSyncEcforce and stockSyncLogiless are what the stock sync (stock.go)
// calls; they belong beside it.
type stockSyncEcforce interface {
	ListStockItems(ctx context.Context, q ecforce.StockItemQuery, fn func([]ecforce.StockItem) error) error
	UpdateStockItems(ctx context.Context, updates []ecforce.StockUpdate) (ecforce.BulkResult, error)
}

type stockSyncLogiless interface {
	ListArticles(ctx context.Context, q logiless.ArticleQuery, fn func([]logiless.Article) error) error
	ListLogicalInventory(ctx context.Context, q logiless.InventoryQuery, fn func([]logiless.InventorySummary) error) error
	SearchLogicalInventory(ctx context.Context, articleCodes []string) ([]logiless.InventorySummary, error)
}

// MappingSource returns the shop's current product mapping table.
type MappingSource interface {
	Table(ctx context.Context) (*mapping.Table, error)
}

// mappingName names the shop's 商品対応表 in messages: its CSV file, or
// its LOGILESS store's article maps.
func mappingName(s config.Shop) string {
	if s.MappingSource == config.MappingFromLogiless {
		return fmt.Sprintf("LOGILESS 商品対応表 of store %d", s.Logiless.StoreID)
	}
	return s.MappingFile
}

// Shop is one shop as the activities see it: settings without secrets,
// its ecforce and LOGILESS clients (app.Build puts the real ones here,
// tests may put clients of the sandbox) and the mapping table.
type Shop struct {
	Settings config.Shop
	Ecforce  EcforceAPI
	Logiless LogilessAPI
	Mapping  MappingSource
}

// ShopDirectory finds shops by code.
type ShopDirectory struct {
	shops map[string]*Shop
}

// NewShopDirectory indexes shops by their code.
func NewShopDirectory(shops ...*Shop) *ShopDirectory {
	d := &ShopDirectory{shops: make(map[string]*Shop, len(shops))}
	for _, s := range shops {
		d.shops[s.Settings.Code] = s
	}
	return d
}

// Shop returns the shop with the given code, or a non-retryable error that
// lists the known codes.
func (d *ShopDirectory) Shop(code string) (*Shop, error) {
	if s, ok := d.shops[code]; ok {
		return s, nil
	}
	known := make([]string, 0, len(d.shops))
	for c := range d.shops {
		known = append(known, c)
	}
	sort.Strings(known)
	return nil, nonRetryable(ErrTypeUnknownShop, fmt.Errorf("shop %q is not in this worker's shops file (known: %v); add it and restart the worker", code, known))
}

// OnStore returns the code of the shop of this worker whose LOGILESS store
// is store of merchant, "" when none is.
func (d *ShopDirectory) OnStore(merchant, store int64) string {
	for code, s := range d.shops {
		if l := s.Settings.Logiless; l.MerchantID == merchant && l.StoreID == store {
			return code
		}
	}
	return ""
}
