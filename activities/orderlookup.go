package activities

import (
	"context"
	"errors"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
)

// The look-ups both flows make: an ecforce order by id, a LOGILESS sales
// order by its code (the ecforce 受注番号). They only read.

// orderReader reads one ecforce order.
type orderReader interface {
	GetOrder(ctx context.Context, id int64) (ecforce.Order, error)
}

// salesOrderSearcher searches LOGILESS sales orders by exact code.
type salesOrderSearcher interface {
	SearchSalesOrdersByCode(ctx context.Context, codes []string) ([]logiless.SalesOrder, error)
}

// getOrder reads an ecforce order by id; an order that is gone is a
// non-retryable ErrTypeOrderNotFound.
func getOrder(ctx context.Context, api orderReader, shop string, id int64, number string) (ecforce.Order, error) {
	o, err := api.GetOrder(ctx, id)
	if errors.Is(err, ecforce.ErrNotFound) {
		return o, orderNotFound(shop, id, number, "it was deleted")
	}
	return o, err
}

// findSalesOrder returns the LOGILESS sales order whose code is exactly
// code, if there is one.
func findSalesOrder(ctx context.Context, api salesOrderSearcher, code string) (logiless.SalesOrder, bool, error) {
	found, err := api.SearchSalesOrdersByCode(ctx, []string{code})
	if err != nil {
		return logiless.SalesOrder{}, false, err
	}
	for _, so := range found {
		if so.Code == code {
			return so, true, nil
		}
	}
	return logiless.SalesOrder{}, false, nil
}
