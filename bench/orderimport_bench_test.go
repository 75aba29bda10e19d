package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// BenchmarkOrderImport imports N new orders through the real workflows on a
// dev server against the sandbox, whose LOGILESS side enforces a rate limit,
// and reports API calls per order and throughput. A second discovery over
// the same (now imported) orders shows what a re-scan costs.
func BenchmarkOrderImport(b *testing.B) {
	for _, tc := range []struct {
		orders int
		rps    float64 // LOGILESS sandbox limit and client pace
	}{
		{orders: 30, rps: 1}, // production target: about 1 request/s per merchant
		{orders: 200, rps: 5},
	} {
		b.Run(fmt.Sprintf("orders=%d/logiless_rps=%g", tc.orders, tc.rps), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchImport(b, tc.orders, tc.rps, i)
			}
		})
	}
}

func benchImport(b *testing.B, orders int, rps float64, iteration int) {
	tc := devServer(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.StartConfig{
		Ecforce:  ecforceapi.Config{Logger: slog.New(slog.DiscardHandler)},
		Logiless: logilessapi.Config{RateLimit: httpfake.RateLimit{RPS: rps, Burst: 2}, Logger: slog.New(slog.DiscardHandler)},
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: "ITEM-1", Name: "item"}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < orders; i++ {
		if _, err := sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "SKU-1", Price: 1000, Quantity: 1 + i%3}}}); err != nil {
			b.Fatal(err)
		}
	}

	shop := fmt.Sprintf("bench-%d-%d-%d", orders, iteration, time.Now().UnixNano()%1e6)
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "mapping.csv"), "sku,article_code\nSKU-1,ITEM-1\n")
	writeFile(b, filepath.Join(dir, "shops.yaml"), benchShopsYAML(sb, shop, rps))
	bw := startBenchWorker(ctx, b, tc, sb, shop, dir, slog.New(slog.DiscardHandler))
	defer bw.stop()
	statuses, queue := bw.statuses, bw.queue
	sb.Ecforce.ResetRequestCounts()
	sb.Logiless.ResetRequestCounts()

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	start := time.Now()
	res := discover(ctx, b, tc, queue, shop)
	elapsed := time.Since(start)
	b.StopTimer()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	if got := len(sb.Logiless.SalesOrders()); got != orders || len(res.Started) != orders {
		b.Fatalf("imported %d of %d orders (started %d)", got, orders, len(res.Started))
	}
	ec, ll := total(sb.Ecforce.RequestCounts()), total(sb.Logiless.RequestCounts())
	b.ReportMetric(float64(ec)/float64(orders), "ecforce_calls/order")
	b.ReportMetric(float64(ll)/float64(orders), "logiless_calls/order")
	b.ReportMetric(float64(orders)/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(statuses.count("LOGILESS", 429)), "logiless_429s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(orders)/1024, "KiB_alloc/order")

	// A re-scan of the same orders, all imported now.
	sb.Ecforce.ResetRequestCounts()
	sb.Logiless.ResetRequestCounts()
	again := discover(ctx, b, tc, queue, shop)
	if len(again.Started) != 0 || len(sb.Logiless.SalesOrders()) != orders {
		b.Fatalf("re-scan started %d imports; LOGILESS holds %d orders", len(again.Started), len(sb.Logiless.SalesOrders()))
	}
	b.ReportMetric(float64(total(sb.Ecforce.RequestCounts())+total(sb.Logiless.RequestCounts())), "rescan_calls")
}

func discover(ctx context.Context, b *testing.B, tc client.Client, queue, shop string) workflows.ImportOrdersResult {
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.ImportOrdersID(shop), TaskQueue: queue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.ImportOrders, workflows.ImportOrdersInput{Shop: shop})
	if err != nil {
		b.Fatal(err)
	}
	var res workflows.ImportOrdersResult
	if err := run.Get(ctx, &res); err != nil {
		b.Fatal(err)
	}
	for _, id := range res.Started {
		if err := tc.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			b.Fatalf("%s: %v", id, err)
		}
	}
	return res
}

// statusCounter counts the clients' answers by API and status.
type statusCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *statusCounter) ObserveResponse(api string, status int, _ time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[fmt.Sprintf("%s %d", api, status)]++
}

func (c *statusCounter) count(api string, status int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[fmt.Sprintf("%s %d", api, status)]
}

func total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func writeFile(b *testing.B, path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		b.Fatal(err)
	}
}

func benchShopsYAML(sb *sandbox.Servers, shop string, rps float64) string {
	return shopsYAML(sb, shop, 20, rps, "")
}

// shopsYAML is the shops file of one benchmark shop on sb: ecforce and
// LOGILESS paced at ecRPS and llRPS, extra appended to the shop (indented
// four spaces, e.g. "    stock_sync: {enabled: true}\n").
func shopsYAML(sb *sandbox.Servers, shop string, ecRPS, llRPS float64, extra string) string {
	return fmt.Sprintf(`shops:
  - code: %s
    ecforce:
      base_url: %s/api/v2
      auth: token
      api_token: {env: BENCH_ECFORCE_TOKEN}
      requests_per_second: %g
    logiless:
      base_url: %s/api
      oauth_base_url: %s
      merchant_id: %d
      store_id: %d
      client_id: %s
      client_secret: {env: BENCH_LOGILESS_SECRET}
      redirect_uri: %s
      requests_per_second: %g
    location_code: default
    order_import:
      states: [complete]
      default_payment_method: credit_card_payment
      default_delivery_method: yamato
    mapping_file: mapping.csv
%s`, shop, sb.EcforceURL, ecRPS, sb.LogilessURL, sb.LogilessURL, sb.Logiless.MerchantID(), logilessapi.DefaultStoreID,
		logilessapi.DefaultClientID, logilessapi.DefaultRedirectURI, llRPS, extra)
}

// loadBenchShops loads a shops file written by shopsYAML, with the
// sandbox's credentials as its secrets.
func loadBenchShops(b *testing.B, path string) *config.ShopsFile {
	shops, err := config.LoadShops(path, func(name string) (string, bool) {
		if name == "BENCH_ECFORCE_TOKEN" {
			return ecforceapi.DefaultAPIToken, true
		}
		return logilessapi.DefaultClientSecret, true
	})
	if err != nil {
		b.Fatal(err)
	}
	return shops
}

// benchWorker is a worker of the shop in the shops file at dir/shops.yaml,
// built by app.Build like the worker binary's, authorized at the sandbox's
// LOGILESS and polling its own task queue.
type benchWorker struct {
	conn     *app.Connector
	statuses *statusCounter
	queue    string
	stop     func()
}

func startBenchWorker(ctx context.Context, b *testing.B, tc client.Client, sb *sandbox.Servers, shop, dir string, logger *slog.Logger) benchWorker {
	b.Helper()
	shops := loadBenchShops(b, filepath.Join(dir, "shops.yaml"))
	statuses := &statusCounter{}
	conn, err := app.Build(ctx, shops, app.Options{StateDir: filepath.Join(dir, "state"), Logger: logger, Observer: statuses})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.LogilessClients[shop].ExchangeCode(ctx, sb.Logiless.IssueAuthorizationCode()); err != nil {
		b.Fatal(err)
	}
	queue := "bench-" + shop
	w := worker.New(tc, queue, worker.Options{})
	conn.Register(w)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	return benchWorker{conn: conn, statuses: statuses, queue: queue, stop: w.Stop}
}
