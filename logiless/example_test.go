package logiless_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
)

// An order import: look the code up first (one call covers 100 codes), and
// create only when it is absent. A duplicate-code answer is confirmed by
// searching again rather than trusted.
func Example() {
	ctx := context.Background()
	c, err := logiless.New(logiless.Config{
		Shop:         "shop-a",
		MerchantID:   1022,
		ClientID:     os.Getenv("LOGILESS_CLIENT_ID"),
		ClientSecret: os.Getenv("LOGILESS_CLIENT_SECRET"),
		Tokens:       logiless.NewFileTokenStore("/var/lib/connector/logiless/shop-a.json"),
		Limiter:      httpapi.NewLimiter(1, 1), // one per merchant, shared by every client
		Logger:       slog.Default(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	in := logiless.SalesOrderInput{
		Code: "EC-1001", Store: 7, PaymentMethod: "credit_card_payment", DeliveryMethod: "yamato",
		Buyer:     logiless.Party{Name1: "山田 太郎"},
		Recipient: logiless.Party{Name1: "山田 太郎", Prefecture: "東京都", Address1: "渋谷区…"},
		Lines:     []logiless.SalesOrderLineInput{{ArticleCode: "SKU-1", ArticleName: "化粧水", Quantity: 1, Price: 1980}},
	}
	found, err := c.SearchSalesOrdersByCode(ctx, []string{in.Code})
	if err != nil {
		fmt.Println(err) // retryable or not: httpapi.Retryable(err)
		return
	}
	if len(found) > 0 {
		fmt.Println("already imported as", found[0].ID)
		return
	}
	so, err := c.CreateSalesOrder(ctx, in)
	switch {
	case logiless.IsDuplicateCode(err):
		fmt.Println("code taken: search again to confirm")
	case errors.Is(err, logiless.ErrReauthorizationNeeded):
		fmt.Println("run `starter logiless-auth --shop shop-a`")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println("created", so.ID)
	}
}
