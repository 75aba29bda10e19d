package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

const getArticleMaps = "GET /api/v1/merchant/{id}/article_maps"

// TestOrderImportAndStockSyncFromLogilessArticleMaps: a shop with
// mapping_source logiless imports its orders through the 商品対応表 kept in
// its LOGILESS store (an unmapped SKU still fails before anything is
// created), and its stock sync writes the rows whose 自動在庫連携 is on and
// skips, without a request, the one whose flag is off. The table is read
// once for the whole scenario, never per order.
func TestOrderImportAndStockSyncFromLogilessArticleMaps(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{
		// The CSV newStack writes maps none of the store codes below: were
		// it read, every order would fail.
		shopYAML: func(y string) string {
			return strings.Replace(y, "    mapping_file: mapping.csv\n", "    mapping_source: logiless\n", 1)
		},
	})
	ll, ec := s.sb.Logiless, s.sb.Ecforce
	for code, free := range map[string]int{"TS-WHT-M": 100, "MUG-BLU": 40} {
		if _, err := ll.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			t.Fatal(err)
		}
		if err := ll.SetFreeStock(code, free); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []logilessapi.ArticleMap{
		{MappedCode: "EC-TS", ArticleCode: "TS-WHT-M", StockAllocationRate: 50},
		{MappedCode: "EC-MUG", ArticleCode: "MUG-BLU", InventorySyncDisabled: true}, // 自動在庫連携 off
	} {
		if _, err := ll.SeedArticleMap(m); err != nil {
			t.Fatal(err)
		}
	}
	for sku, stock := range map[string]int{"EC-TS": 7, "EC-MUG": 5} {
		if _, err := ec.SeedStockItem(sku, ecforceapi.DefaultStockLocation, stock); err != nil {
			t.Fatal(err)
		}
	}
	seed := func(items ...ecforceapi.OrderItemSeed) ecforceapi.Order {
		t.Helper()
		o, err := ec.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1, Items: items})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	mapped := seed(ecforceapi.OrderItemSeed{SKU: "EC-TS", Name: "Tシャツ", Price: 3980, Quantity: 2},
		ecforceapi.OrderItemSeed{SKU: "EC-MUG", Name: "マグカップ", Price: 2200, Quantity: 1})
	unmapped := seed(ecforceapi.OrderItemSeed{SKU: "EC-TS", Price: 3980, Quantity: 1}, ecforceapi.OrderItemSeed{SKU: "EC-GIFT", Price: 330, Quantity: 1})
	ll.ResetRequestCounts()

	// 1. The import maps the lines through LOGILESS's table: the store's
	// codes become its articles (also the row whose stock sync is off).
	res := s.discover(ctx)
	if res.Listed != 2 || len(res.Started) != 2 {
		t.Fatalf("discovery = %+v; want both orders listed and started", res)
	}
	so, ok := ll.SalesOrder(mapped.Number)
	if !ok {
		t.Fatalf("order %s is not in LOGILESS", mapped.Number)
	}
	checkSalesOrder(t, so, mapped, "yamato", "credit_card_payment", []wantLine{{"TS-WHT-M", 2, 3980}, {"MUG-BLU", 1, 2200}})

	// An unmapped SKU is still the clear UnmappedSKU, and nothing is created.
	err := runError(ctx, t, workflows.ImportOrderID(s.shop, unmapped.Number))
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeUnmappedSKU || !strings.Contains(err.Error(), `"EC-GIFT"`) ||
		!strings.Contains(err.Error(), "LOGILESS 商品対応表 of store 1") {
		t.Errorf("unmapped order: %v; want %s naming EC-GIFT and the LOGILESS table", err, activities.ErrTypeUnmappedSKU)
	}
	if _, ok := ll.SalesOrder(unmapped.Number); ok {
		t.Errorf("order %s with an unmapped SKU was created", unmapped.Number)
	}

	if n := ll.RequestCounts()[getArticleMaps]; n != 1 {
		t.Errorf("a discovery and two imports read article_maps %d times, want 1 (never per order)", n)
	}

	// 2. A stock pass writes the row whose 自動在庫連携 is on and skips the
	// other: counted, never written, its stock never read.
	ec.ResetRequestCounts()
	ll.ResetRequestCounts()
	stock, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop})
	free, _ := ll.FreeStock("TS-WHT-M") // 98: the import allocated 2
	wantTS := free / 2
	if stock.Mode != stocksync.ModeFull || stock.Read != 2 || stock.Written != 1 || stock.Skipped.AutoSyncOff != 1 ||
		stock.Skipped.Total() != 1 || stock.ProblemCount != 0 {
		t.Errorf("stock pass = %s %+v; want a full pass reading 2, writing EC-TS, skipping EC-MUG as auto-sync-off", stock.Mode, stock.Summary)
	}
	if it, _ := ec.StockItem("EC-TS", ecforceapi.DefaultStockLocation); it.Stock != wantTS {
		t.Errorf("EC-TS stock = %d, want %d (half of the free %d)", it.Stock, wantTS, free)
	}
	if it, _ := ec.StockItem("EC-MUG", ecforceapi.DefaultStockLocation); it.Stock != 5 || ec.StockWriteCount("EC-MUG") != 0 {
		t.Errorf("EC-MUG stock = %d after %d writes; its 自動在庫連携 is off, so it must stay 5, never written", it.Stock, ec.StockWriteCount("EC-MUG"))
	}
	if n := ec.RequestCounts()[getStock]; n != 1 {
		t.Errorf("%d ecforce stock lookups, want 1 (EC-TS only)", n)
	}

	// The whole scenario — a discovery, two imports, a stock pass — read the
	// table once: within mapping_refresh.interval every use shares it.
	if n := ll.RequestCounts()[getArticleMaps]; n != 0 {
		t.Errorf("the stock pass read article_maps %d times, within the refresh interval of the import's read", n)
	}

	// 3. The starter exports the same table as the connector's CSV.
	out := runStarter(ctx, t, s, "mapping", "export", "--shop", s.shop)
	if want := "sku,article_code,reserve,allocation_rate,max,min,stock_sync\nEC-MUG,MUG-BLU,0,100,,,off\nEC-TS,TS-WHT-M,0,50,,,on\n"; !strings.HasPrefix(out, want) {
		t.Errorf("starter mapping export:\n%s\nwant it to start with\n%s", out, want)
	}
	s.assertNoSecretsLeaked(ctx, workflows.ImportOrdersID(s.shop), workflows.ImportOrderID(s.shop, mapped.Number), workflows.ReconcileStockID(s.shop))
}
