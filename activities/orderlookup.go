package activities

import (
	"context"
	"errors"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/salesorder"
)

// The look-ups both flows make: an ecforce order by id, a LOGILESS sales
// order by its code (the shop's code of the ecforce 受注番号). They only
// read.

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

// shopCodes is how the shop's 受注番号 become LOGILESS 受注コード and back
// (order_import.code_prefix); both flows use it.
func shopCodes(shop *Shop) salesorder.CodeScheme {
	return salesorder.CodeScheme{Prefix: shop.Settings.OrderImport.CodePrefix}
}

// claimSalesOrder looks up what LOGILESS holds under the codes of the
// shop's order numbered number (salesorder.CodeScheme.LookupCodes) and
// whether it is the shop's (CodeScheme.Claim).
func claimSalesOrder(ctx context.Context, api salesOrderSearcher, shop *Shop, number string) (salesorder.Claim, error) {
	codes := shopCodes(shop)
	found, err := api.SearchSalesOrdersByCode(ctx, codes.LookupCodes(number))
	if err != nil {
		return salesorder.Claim{}, err
	}
	return codes.Claim(number, shop.Settings.Logiless.StoreID, found), nil
}
