package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/stocksync"
)

// The adapters below give package stocksync the two APIs in its own terms;
// they translate shapes and nothing else.

// stockLogiless is what the stock sync needs from the LOGILESS client.
type stockLogiless interface {
	SearchLogicalInventory(ctx context.Context, articleCodes []string) ([]logiless.InventorySummary, error)
	ListLogicalInventory(ctx context.Context, q logiless.InventoryQuery, fn func([]logiless.InventorySummary) error) error
	ListArticles(ctx context.Context, q logiless.ArticleQuery, fn func([]logiless.Article) error) error
}

// stockEcforce is what the stock sync needs from the ecforce client.
type stockEcforce interface {
	ListStockItems(ctx context.Context, q ecforce.StockItemQuery, fn func([]ecforce.StockItem) error) error
	UpdateStockItems(ctx context.Context, updates []ecforce.StockUpdate) (ecforce.BulkResult, error)
}

// logilessStock is LOGILESS as stocksync.FreeStock, SetLister and
// ChangeLister.
type logilessStock struct{ api stockLogiless }

func (l logilessStock) FreeStock(ctx context.Context, codes []string) (map[string]int64, error) {
	found, err := l.api.SearchLogicalInventory(ctx, codes)
	if err != nil {
		return nil, err
	}
	free := make(map[string]int64, len(found))
	for _, s := range found {
		free[s.ArticleCode] = s.Free
	}
	return free, nil
}

func (l logilessStock) ListSets(ctx context.Context, since time.Time, fn func(map[string][]mapping.Component) error) error {
	q := logiless.ArticleQuery{ArticleType: logiless.ArticleTypeAssortment, UpdatedFrom: since, MaxPages: stocksync.SetCatalogPageCap}
	return l.api.ListArticles(ctx, q, func(page []logiless.Article) error {
		sets := make(map[string][]mapping.Component, len(page))
		for _, art := range page {
			if art.ArticleType != logiless.ArticleTypeAssortment {
				continue
			}
			comps := make([]mapping.Component, 0, len(art.Components))
			for _, c := range art.Components {
				// Clamped so that an out-of-range quantity stays invalid
				// (mapping.SetFree refuses it) once it is an int.
				comps = append(comps, mapping.Component{ArticleCode: c.ArticleCode, Quantity: int(min(max(c.Quantity, -1), int64(mapping.MaxQuantity)+1))})
			}
			sets[art.Code] = comps
		}
		return fn(sets)
	})
}

func (l logilessStock) ListChanged(ctx context.Context, since time.Time, fn func(map[string]int64) error) error {
	q := logiless.InventoryQuery{UpdatedFrom: since, MaxPages: stocksync.ChangedInventoryPageCap}
	err := l.api.ListLogicalInventory(ctx, q, func(page []logiless.InventorySummary) error {
		free := make(map[string]int64, len(page))
		for _, s := range page {
			free[s.ArticleCode] = s.Free
		}
		return fn(free)
	})
	if errors.Is(err, logiless.ErrPageCapReached) {
		return fmt.Errorf("%w: %w", stocksync.ErrTooManyChanges, err)
	}
	return err
}

// ecforceStock is ecforce's stock at one location as stocksync.Location.
type ecforceStock struct {
	api      stockEcforce
	location string
}

func (e ecforceStock) Items(ctx context.Context, skus []string) (map[string]stocksync.Item, error) {
	items := make(map[string]stocksync.Item, len(skus))
	q := ecforce.StockItemQuery{LocationCode: e.location, SKUs: skus, MaxPages: 2}
	err := e.api.ListStockItems(ctx, q, func(page []ecforce.StockItem) error {
		for _, it := range page {
			if it.LocationCode == e.location || it.LocationCode == "" {
				items[it.SKU] = stocksync.Item{Stock: it.Stock, Unlimited: it.Unlimited}
			}
		}
		return nil
	})
	return items, err
}

func (e ecforceStock) Write(ctx context.Context, changes []stocksync.Change) (stocksync.WriteResult, error) {
	updates := make([]ecforce.StockUpdate, len(changes))
	for i, c := range changes {
		updates[i] = ecforce.StockUpdate{SKU: c.SKU, LocationCode: e.location, Stock: c.To}
	}
	res, err := e.api.UpdateStockItems(ctx, updates)
	if err != nil {
		return stocksync.WriteResult{}, err
	}
	out := stocksync.WriteResult{Written: res.Success, Refused: map[string]string{}}
	for _, c := range changes {
		if be, bad := res.ErrorFor(c.SKU); bad {
			out.Refused[c.SKU] = be.Error()
		} else if slices.Contains(res.Failure, c.SKU) {
			out.Refused[c.SKU] = "ecforce listed it as failed without a reason"
		}
	}
	return out, nil
}
