package sandbox

import (
	"fmt"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// demoProduct is one product of the demo catalogue, known to both systems
// under the same code (ecforce SKU = LOGILESS article code = mapped_code).
type demoProduct struct {
	sku, name string
	price     int64
	free      int // LOGILESS free stock
	ecStock   int // ecforce stock at "default" (deliberately stale for some)
}

var demoCatalog = []demoProduct{
	{"TS-WHT-M", "オーガニックTシャツ ホワイト M", 3980, 40, 35},
	{"TS-WHT-L", "オーガニックTシャツ ホワイト L", 3980, 25, 25},
	{"TS-BLK-M", "オーガニックTシャツ ブラック M", 3980, 3, 10},
	{"MUG-BLU", "波佐見焼マグカップ 藍", 2200, 18, 20},
	{"SOAP-LAV", "ラベンダー石鹸", 880, 60, 55},
	{"SOAP-CIT", "シトラス石鹸", 880, 45, 45},
}

// DemoSetSKU is the set product of the demo data: 2 × SOAP-LAV + 1 × SOAP-CIT.
const DemoSetSKU = "SOAP-SET3"

var demoAddresses = []ecforceapi.Address{
	{Name01: "山田", Name02: "花子", Kana01: "ヤマダ", Kana02: "ハナコ", Zip01: "150", Zip02: "0001",
		PrefectureID: 13, Addr01: "渋谷区神宮前", Addr02: "1-2-3", Tel01: "03", Tel02: "1234", Tel03: "5678"},
	{Name01: "佐藤", Name02: "一郎", Kana01: "サトウ", Kana02: "イチロウ", Zip01: "530", Zip02: "0001",
		PrefectureID: 27, Addr01: "大阪市北区梅田", Addr02: "2-4-9", Addr03: "ブリーゼタワー 10F", Tel01: "06", Tel02: "2345", Tel03: "6789"},
	{Name01: "鈴木", Name02: "美咲", Kana01: "スズキ", Kana02: "ミサキ", Zip01: "060", Zip02: "0042",
		PrefectureID: 1, Addr01: "札幌市中央区大通西", Addr02: "4-1", Tel01: "011", Tel02: "345", Tel03: "6789"},
	{Name01: "高橋", Name02: "健", Kana01: "タカハシ", Kana02: "ケン", CompanyName: "株式会社サンドボックス", Zip01: "812", Zip02: "0011",
		PrefectureID: 40, Addr01: "福岡市博多区博多駅前", Addr02: "3-2-1", Tel01: "092", Tel02: "456", Tel03: "7890"},
}

// SeedDemo fills both fakes with a small consistent data set: six products
// and one set product (SOAP-SET3) as LOGILESS articles with free stock and
// 商品対応表 rows (store logilessapi.DefaultStoreID, mapped_code = SKU), the same
// SKUs as ecforce stock items at location "default" (some deliberately
// different from LOGILESS so a stock sync has work to do), and six ecforce
// orders in state "complete" (one COD, one scheduled for tomorrow, one with
// the set product twice) plus one in state "new".
func SeedDemo(ec *ecforceapi.Server, ll *logilessapi.Server) error {
	for _, p := range demoCatalog {
		if _, err := ll.SeedArticle(logilessapi.Article{Code: p.sku, Name: p.name, Price: p.price}); err != nil {
			return fmt.Errorf("seed demo article %s: %w", p.sku, err)
		}
		if err := ll.SetFreeStock(p.sku, p.free); err != nil {
			return fmt.Errorf("seed demo stock %s: %w", p.sku, err)
		}
		if _, err := ec.SeedStockItem(p.sku, ecforceapi.DefaultStockLocation, p.ecStock); err != nil {
			return fmt.Errorf("seed demo ecforce stock %s: %w", p.sku, err)
		}
	}
	if _, err := ll.SeedArticle(logilessapi.Article{
		Code: DemoSetSKU, Name: "石鹸3個セット", ArticleType: logilessapi.ArticleAssortment, Price: 2400,
		Components: []logilessapi.ArticleComponent{{Component: "SOAP-LAV", Quantity: 2}, {Component: "SOAP-CIT", Quantity: 1}},
	}); err != nil {
		return fmt.Errorf("seed demo set article: %w", err)
	}
	if _, err := ec.SeedStockItem(DemoSetSKU, ecforceapi.DefaultStockLocation, 20); err != nil {
		return fmt.Errorf("seed demo ecforce stock %s: %w", DemoSetSKU, err)
	}
	five := 5
	for _, m := range []logilessapi.ArticleMap{
		{MappedCode: "TS-WHT-M", ArticleCode: "TS-WHT-M"},
		{MappedCode: "TS-WHT-L", ArticleCode: "TS-WHT-L"},
		{MappedCode: "TS-BLK-M", ArticleCode: "TS-BLK-M", MinStockQuantity: &five},
		{MappedCode: "MUG-BLU", ArticleCode: "MUG-BLU", StandbyStockQuantity: 2},
		{MappedCode: "SOAP-LAV", ArticleCode: "SOAP-LAV", StockAllocationRate: 80},
		{MappedCode: "SOAP-CIT", ArticleCode: "SOAP-CIT"},
		{MappedCode: DemoSetSKU, ArticleCode: DemoSetSKU},
	} {
		if _, err := ll.SeedArticleMap(m); err != nil {
			return fmt.Errorf("seed demo article map %s: %w", m.MappedCode, err)
		}
	}

	today := startOfDayJST(ec.Now())
	item := func(sku string, qty int) ecforceapi.OrderItemSeed {
		return ecforceapi.OrderItemSeed{SKU: sku, Name: demoName(sku), Price: demoPrice(sku), Quantity: qty}
	}
	orders := []ecforceapi.OrderSeed{
		{ScheduledToBeShippedAt: today, Items: []ecforceapi.OrderItemSeed{item("TS-WHT-M", 1), item(DemoSetSKU, 1)}, ShippingCarrierID: 1, DelivFee: 550},
		{ScheduledToBeShippedAt: today, Items: []ecforceapi.OrderItemSeed{item("MUG-BLU", 2)}, ShippingCarrierID: 1, DelivFee: 550},
		{ScheduledToBeShippedAt: today.AddDate(0, 0, -1), PaymentState: "cash_on_delivery_authed",
			Items: []ecforceapi.OrderItemSeed{item("TS-WHT-L", 1), item("SOAP-LAV", 3)}, ShippingCarrierID: 2, DelivFee: 550, Charge: 330},
		{ScheduledToBeShippedAt: today.AddDate(0, 0, 1), Items: []ecforceapi.OrderItemSeed{item("TS-BLK-M", 1)}, ShippingCarrierID: 1, DelivFee: 550},
		{Items: []ecforceapi.OrderItemSeed{item(DemoSetSKU, 2), item("MUG-BLU", 1)}, ShippingCarrierID: 3},
		{ScheduledToBeShippedAt: today, Items: []ecforceapi.OrderItemSeed{item("SOAP-CIT", 2), item("SOAP-LAV", 1)}, ShippingCarrierID: 1, DelivFee: 550, Remark: "置き配希望"},
		{State: "new", ScheduledToBeShippedAt: today, Items: []ecforceapi.OrderItemSeed{item("TS-WHT-M", 1)}},
	}
	for i, o := range orders {
		addr := demoAddresses[i%len(demoAddresses)]
		o.ShippingAddress = &addr
		if _, err := ec.SeedOrder(o); err != nil {
			return fmt.Errorf("seed demo order %d: %w", i, err)
		}
	}
	return nil
}

func startOfDayJST(t time.Time) time.Time {
	y, m, d := t.In(httpfake.JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, httpfake.JST)
}

func demoName(sku string) string {
	if sku == DemoSetSKU {
		return "石鹸3個セット"
	}
	for _, p := range demoCatalog {
		if p.sku == sku {
			return p.name
		}
	}
	return sku
}

func demoPrice(sku string) int64 {
	if sku == DemoSetSKU {
		return 2400
	}
	for _, p := range demoCatalog {
		if p.sku == sku {
			return p.price
		}
	}
	return 1500
}
