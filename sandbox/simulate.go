package sandbox

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

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
func Simulate(ctx context.Context, ec *ecforceapi.Server, ll *logilessapi.Server, cfg SimulateConfig) error {
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("component", "sandbox-simulator")
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

func simulateOrder(ec *ecforceapi.Server, rng *rand.Rand) (ecforceapi.Order, bool) {
	var skus []string
	for _, si := range ec.Snapshot().StockItems {
		if si.StockLocationCode == ecforceapi.DefaultStockLocation {
			skus = append(skus, si.VariantSKU)
		}
	}
	if len(skus) == 0 {
		return ecforceapi.Order{}, false
	}
	rng.Shuffle(len(skus), func(i, j int) { skus[i], skus[j] = skus[j], skus[i] })
	n := 1 + rng.IntN(min(3, len(skus)))
	seed := ecforceapi.OrderSeed{ScheduledToBeShippedAt: startOfDayJST(ec.Now()), ShippingCarrierID: int64(1 + rng.IntN(3)), DelivFee: 550}
	if rng.IntN(5) == 0 {
		seed.PaymentState, seed.Charge = "cash_on_delivery_authed", 330
	}
	for _, sku := range skus[:n] {
		seed.Items = append(seed.Items, ecforceapi.OrderItemSeed{SKU: sku, Name: demoName(sku), Price: demoPrice(sku), Quantity: 1 + rng.IntN(2)})
	}
	addr := demoAddresses[rng.IntN(len(demoAddresses))]
	seed.ShippingAddress = &addr
	o, err := ec.SeedOrder(seed)
	return o, err == nil
}

func simulateShipment(ll *logilessapi.Server, rng *rand.Rand) (logilessapi.SalesOrder, bool) {
	var open []string
	for _, o := range ll.SalesOrders() {
		if o.DocumentStatus == logilessapi.StatusWaitingForShipment && o.DeliveryStatus == logilessapi.StatusWaitingForShipment {
			open = append(open, o.Code)
		}
	}
	if len(open) == 0 {
		return logilessapi.SalesOrder{}, false
	}
	o, err := ll.ShipSalesOrder(open[rng.IntN(len(open))], logilessapi.ShipOptions{})
	return o, err == nil
}

func simulateStockMove(ll *logilessapi.Server, rng *rand.Rand) (string, int, int, bool) {
	var singles []logilessapi.InventorySummary
	for _, s := range ll.Snapshot().Inventory {
		if s.ArticleType == logilessapi.ArticleSingle {
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
