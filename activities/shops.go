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

// EcforceAPI is what the activities need from the ecforce client.
type EcforceAPI interface {
	ListOrders(ctx context.Context, q ecforce.OrderQuery, fn func([]ecforce.Order) error) error
	GetOrder(ctx context.Context, id int64) (ecforce.Order, error)
	FindOrderByNumber(ctx context.Context, number string) (ecforce.Order, bool, error)
	UpdateOrderState(ctx context.Context, id int64, state string) (ecforce.Order, error)
	UpdateShipping(ctx context.Context, updates []ecforce.ShippingUpdate, withSale bool) (ecforce.BulkResult, error)
	RequestSales(ctx context.Context, orderIDs []int64) (string, error)
	ListShippingCarriers(ctx context.Context) ([]ecforce.ShippingCarrier, error)
	ListStockItems(ctx context.Context, q ecforce.StockItemQuery, fn func([]ecforce.StockItem) error) error
	UpdateStockItems(ctx context.Context, updates []ecforce.StockUpdate) (ecforce.BulkResult, error)
}

// LogilessAPI is what the activities need from the LOGILESS client.
type LogilessAPI interface {
	CreateSalesOrder(ctx context.Context, in logiless.SalesOrderInput) (logiless.SalesOrder, error)
	SearchSalesOrdersByCode(ctx context.Context, codes []string) ([]logiless.SalesOrder, error)
	GetSalesOrder(ctx context.Context, id int64) (logiless.SalesOrder, error)
	ListSalesOrders(ctx context.Context, q logiless.SalesOrderQuery, fn func([]logiless.SalesOrder) error) error
	ListOutboundDeliveries(ctx context.Context, q logiless.OutboundDeliveryQuery, fn func([]logiless.OutboundDelivery) error) error
	ListArticles(ctx context.Context, q logiless.ArticleQuery, fn func([]logiless.Article) error) error
	ListLogicalInventory(ctx context.Context, q logiless.InventoryQuery, fn func([]logiless.InventorySummary) error) error
	SearchLogicalInventory(ctx context.Context, articleCodes []string) ([]logiless.InventorySummary, error)
}

// MappingSource returns the shop's current product mapping table.
type MappingSource interface {
	Table(ctx context.Context) (*mapping.Table, error)
}

// Shop is one shop as the activities see it: settings without secrets,
// ready clients and the mapping table.
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
