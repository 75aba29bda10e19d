package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
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

var demoAddresses = []EcforceAddress{
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
// 商品対応表 rows (store DefaultLogilessStoreID, mapped_code = SKU), the same
// SKUs as ecforce stock items at location "default" (some deliberately
// different from LOGILESS so a stock sync has work to do), and six ecforce
// orders in state "complete" (one COD, one scheduled for tomorrow, one with
// the set product twice) plus one in state "new".
func SeedDemo(ec *Ecforce, ll *Logiless) error {
	for _, p := range demoCatalog {
		if _, err := ll.SeedArticle(LogilessArticle{Code: p.sku, Name: p.name, Price: p.price}); err != nil {
			return fmt.Errorf("seed demo article %s: %w", p.sku, err)
		}
		if err := ll.SetFreeStock(p.sku, p.free); err != nil {
			return fmt.Errorf("seed demo stock %s: %w", p.sku, err)
		}
		if _, err := ec.SeedStockItem(p.sku, DefaultStockLocation, p.ecStock); err != nil {
			return fmt.Errorf("seed demo ecforce stock %s: %w", p.sku, err)
		}
	}
	if _, err := ll.SeedArticle(LogilessArticle{
		Code: DemoSetSKU, Name: "石鹸3個セット", ArticleType: ArticleAssortment, Price: 2400,
		Components: []ArticleComponent{{Component: "SOAP-LAV", Quantity: 2}, {Component: "SOAP-CIT", Quantity: 1}},
	}); err != nil {
		return fmt.Errorf("seed demo set article: %w", err)
	}
	if _, err := ec.SeedStockItem(DemoSetSKU, DefaultStockLocation, 20); err != nil {
		return fmt.Errorf("seed demo ecforce stock %s: %w", DemoSetSKU, err)
	}
	five := 5
	for _, m := range []ArticleMap{
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

	today := startOfDayJST(ec.clock())
	item := func(sku string, qty int) OrderItemSeed {
		return OrderItemSeed{SKU: sku, Name: demoName(sku), Price: demoPrice(sku), Quantity: qty}
	}
	orders := []OrderSeed{
		{ScheduledToBeShippedAt: today, Items: []OrderItemSeed{item("TS-WHT-M", 1), item(DemoSetSKU, 1)}, ShippingCarrierID: 1, DelivFee: 550},
		{ScheduledToBeShippedAt: today, Items: []OrderItemSeed{item("MUG-BLU", 2)}, ShippingCarrierID: 1, DelivFee: 550},
		{ScheduledToBeShippedAt: today.AddDate(0, 0, -1), PaymentState: "cash_on_delivery_authed",
			Items: []OrderItemSeed{item("TS-WHT-L", 1), item("SOAP-LAV", 3)}, ShippingCarrierID: 2, DelivFee: 550, Charge: 330},
		{ScheduledToBeShippedAt: today.AddDate(0, 0, 1), Items: []OrderItemSeed{item("TS-BLK-M", 1)}, ShippingCarrierID: 1, DelivFee: 550},
		{Items: []OrderItemSeed{item(DemoSetSKU, 2), item("MUG-BLU", 1)}, ShippingCarrierID: 3},
		{ScheduledToBeShippedAt: today, Items: []OrderItemSeed{item("SOAP-CIT", 2), item("SOAP-LAV", 1)}, ShippingCarrierID: 1, DelivFee: 550, Remark: "置き配希望"},
		{State: "new", ScheduledToBeShippedAt: today, Items: []OrderItemSeed{item("TS-WHT-M", 1)}},
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
	y, m, d := t.In(jst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, jst)
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

// SimulateConfig configures Simulate.
type SimulateConfig struct {
	// Interval between ticks (default 5s).
	Interval time.Duration
	// MaxOrders caps how many ecforce orders the simulation creates
	// (default 500); shipping and stock moves continue after the cap.
	MaxOrders int
	// Seed makes the simulation reproducible (0: random).
	Seed uint64
	// Logger receives one line per action (default slog.Default()).
	Logger *slog.Logger
}

// Simulate makes a demo flow without typing. Every Interval it
//   - creates an ecforce order (state complete, scheduled today) for one to
//     three random SKUs that have ecforce stock at "default";
//   - ships one random LOGILESS sales order that is allocated and waiting
//     for shipment, with a generated tracking number;
//   - moves the free stock of one random Single article by -3…+5.
//
// It returns nil when ctx is done.
func Simulate(ctx context.Context, ec *Ecforce, ll *Logiless, cfg SimulateConfig) error {
	if ec == nil || ll == nil {
		return errors.New("simulate: both fakes are required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.MaxOrders <= 0 {
		cfg.MaxOrders = 500
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	log := loggerOr(cfg.Logger).With("component", "sandbox-simulator")
	log.Info("simulation started", "interval", cfg.Interval, "max_orders", cfg.MaxOrders, "seed", seed)
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	created := 0
	for {
		select {
		case <-ctx.Done():
			log.Info("simulation stopped", "orders_created", created)
			return nil
		case <-t.C:
		}
		if created < cfg.MaxOrders {
			if o, ok := simulateOrder(ec, rng); ok {
				created++
				log.Info("new ecforce order", "id", o.ID, "number", o.Number, "items", len(o.Items), "total", o.Total)
			}
		}
		if o, ok := simulateShipment(ll, rng); ok {
			log.Info("LOGILESS order shipped", "code", o.Code, "tracking_number", o.DeliveryTrackingNumber)
		}
		if code, from, to, ok := simulateStockMove(ll, rng); ok {
			log.Info("LOGILESS free stock moved", "article", code, "from", from, "to", to)
		}
	}
}

func simulateOrder(ec *Ecforce, rng *rand.Rand) (EcforceOrder, bool) {
	var skus []string
	for _, si := range ec.Snapshot().StockItems {
		if si.StockLocationCode == DefaultStockLocation {
			skus = append(skus, si.VariantSKU)
		}
	}
	if len(skus) == 0 {
		return EcforceOrder{}, false
	}
	rng.Shuffle(len(skus), func(i, j int) { skus[i], skus[j] = skus[j], skus[i] })
	n := 1 + rng.IntN(min(3, len(skus)))
	seed := OrderSeed{ScheduledToBeShippedAt: startOfDayJST(ec.clock()), ShippingCarrierID: int64(1 + rng.IntN(3)), DelivFee: 550}
	if rng.IntN(5) == 0 {
		seed.PaymentState, seed.Charge = "cash_on_delivery_authed", 330
	}
	for _, sku := range skus[:n] {
		seed.Items = append(seed.Items, OrderItemSeed{SKU: sku, Name: demoName(sku), Price: demoPrice(sku), Quantity: 1 + rng.IntN(2)})
	}
	addr := demoAddresses[rng.IntN(len(demoAddresses))]
	seed.ShippingAddress = &addr
	o, err := ec.SeedOrder(seed)
	return o, err == nil
}

func simulateShipment(ll *Logiless, rng *rand.Rand) (SalesOrder, bool) {
	var open []string
	for _, o := range ll.SalesOrders() {
		if o.DocumentStatus == StatusWaitingForShipment && o.DeliveryStatus == StatusWaitingForShipment {
			open = append(open, o.Code)
		}
	}
	if len(open) == 0 {
		return SalesOrder{}, false
	}
	o, err := ll.ShipSalesOrder(open[rng.IntN(len(open))], ShipOptions{})
	return o, err == nil
}

func simulateStockMove(ll *Logiless, rng *rand.Rand) (string, int, int, bool) {
	var singles []InventorySummary
	for _, s := range ll.Snapshot().Inventory {
		if s.ArticleType == ArticleSingle {
			singles = append(singles, s)
		}
	}
	if len(singles) == 0 {
		return "", 0, 0, false
	}
	s := singles[rng.IntN(len(singles))]
	to := max(0, s.Free+rng.IntN(9)-3)
	if err := ll.SetFreeStock(s.ArticleCode, to); err != nil {
		return "", 0, 0, false
	}
	return s.ArticleCode, s.Free, to, true
}
