package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// naiveRPS is what the naive baseline's clients are configured with: the
// most the shops file allows, i.e. no pacing below what the API takes.
const naiveRPS = 100

// importFigures are the order-import figures of one run: the connector's
// (BenchmarkPacing) or the naive baseline's.
type importFigures struct {
	orders             int
	logiless, ecforce  int // API calls, refused ones included
	n429               int
	used               float64 // LOGILESS requests answered without a 429 / (rate × window)
	p50, p95           time.Duration
	historyPerOrder    float64
	logilessPerEndpont map[string]int
}

// runNaiveImport imports orders new ecforce orders the way a new user
// would, against a sandbox started with the same strict limits as
// BenchmarkPacing's (LOGILESS burst 1 at llRPS, ecforce at ecRPS, 429s
// without Retry-After): list the orders (one ecforce call per 100), then
// start one ImportOrder workflow per order at once, each of which GETs its
// order from ecforce (no listing cache), searches LOGILESS for its code and
// then creates it (no batched lookup), with the clients at naiveRPS. It
// uses the connector's own workflow, activities and HTTP clients, so that
// only the request pattern and the pacing differ.
func runNaiveImport(ctx context.Context, b *testing.B, tc client.Client, orders int, llRPS, ecRPS float64) importFigures {
	quiet := slog.New(slog.DiscardHandler)
	sb := strictSandbox(ctx, b, llRPS, ecRPS)
	if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: "ITEM-1", Name: "item"}); err != nil {
		b.Fatal(err)
	}
	for i := range orders {
		if _, err := sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "SKU-1", Price: 1000, Quantity: 1 + i%3}}}); err != nil {
			b.Fatal(err)
		}
	}
	shop := fmt.Sprintf("bench-naive-%d", time.Now().UnixNano()%1e6)
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "mapping.csv"), "sku,article_code\nSKU-1,ITEM-1\n")
	writeFile(b, filepath.Join(dir, "shops.yaml"), shopsYAML(sb, shop, naiveRPS, naiveRPS, ""))
	bw := startBenchWorker(ctx, b, tc, sb, shop, dir, quiet)
	defer bw.stop()
	sh, err := bw.conn.OrderImport.Shops.Shop(shop)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Second) // the token exchange's budget is back
	sb.Ecforce.ResetRequestCounts()
	sb.Logiless.ResetRequestCounts()
	before := bw.statuses.count("LOGILESS", 429) + bw.statuses.count("ecforce", 429)
	ll200 := bw.statuses.count("LOGILESS", 200) + bw.statuses.count("LOGILESS", 201)

	start := time.Now()
	var listed []ecforce.Order
	if err := sh.Ecforce.ListOrders(ctx, ecforce.OrderQuery{States: []string{"complete"}}, func(page []ecforce.Order) error {
		listed = append(listed, page...)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if len(listed) != orders {
		b.Fatalf("listed %d of %d orders", len(listed), orders)
	}
	runs := make([]client.WorkflowRun, len(listed))
	for i, o := range listed {
		runs[i], err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrderID(shop, o.Number), TaskQueue: bw.queue},
			workflows.ImportOrder, workflows.ImportOrderInput{Shop: shop, OrderNumber: o.Number, OrderID: o.ID})
		if err != nil {
			b.Fatal(err)
		}
	}
	var mu sync.Mutex
	var latencies []time.Duration
	history := 0
	end := start
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run.Get(ctx, nil); err != nil {
				b.Errorf("%s: %v", run.GetID(), err)
				return
			}
			d, err := tc.DescribeWorkflowExecution(ctx, run.GetID(), "")
			if err != nil {
				b.Error(err)
				return
			}
			closed := d.WorkflowExecutionInfo.CloseTime.AsTime()
			mu.Lock()
			latencies = append(latencies, closed.Sub(start))
			history += int(d.WorkflowExecutionInfo.HistoryLength)
			if closed.After(end) {
				end = closed
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	if got := len(sb.Logiless.SalesOrders()); got != orders {
		b.Fatalf("naive baseline imported %d of %d orders", got, orders)
	}
	f := importFigures{orders: orders, logiless: total(sb.Logiless.RequestCounts()), ecforce: total(sb.Ecforce.RequestCounts()),
		n429:               bw.statuses.count("LOGILESS", 429) + bw.statuses.count("ecforce", 429) - before,
		logilessPerEndpont: sb.Logiless.RequestCounts(), historyPerOrder: float64(history) / float64(orders)}
	answered := bw.statuses.count("LOGILESS", 200) + bw.statuses.count("LOGILESS", 201) - ll200
	f.used = float64(answered) / (llRPS * end.Sub(start).Seconds())
	slices.Sort(latencies)
	f.p50, f.p95 = latencies[len(latencies)/2], latencies[len(latencies)*95/100]
	return f
}

// reportImport reports the order-import figures of the connector against
// the naive baseline's.
func reportImport(b *testing.B, conn, naive importFigures, note string) {
	group := "order import"
	n, m := float64(conn.orders), float64(naive.orders)
	Report(b, Figure{Group: group, Name: "LOGILESS calls per imported order (discovery's share included)", Unit: "calls",
		Connector: float64(conn.logiless) / n, Baseline: float64(naive.logiless) / m, Target: "≤ 1.02", Note: note, Metric: "logiless_calls/order"})
	Report(b, Figure{Group: group, Name: "ecforce calls per imported order", Unit: "calls",
		Connector: float64(conn.ecforce) / n, Baseline: float64(naive.ecforce) / m, Note: note})
	Report(b, Figure{Group: group, Name: "429s (both APIs)", Connector: float64(conn.n429), Baseline: float64(naive.n429), Target: "0", Note: note})
	Report(b, Figure{Group: group, Name: "share of the LOGILESS rate used while the backlog waits", Unit: "%",
		Connector: 100 * conn.used, Baseline: 100 * naive.used, Target: "≥ 90%", Note: note})
	Report(b, Figure{Group: group, Name: "import latency p50 (discovery start → ImportOrder closed)", Unit: "s",
		Connector: conn.p50.Seconds(), Baseline: naive.p50.Seconds(), Note: note})
	Report(b, Figure{Group: group, Name: "import latency p95", Unit: "s",
		Connector: conn.p95.Seconds(), Baseline: naive.p95.Seconds(), Note: note})
	Report(b, Figure{Group: group, Name: "history events per imported order (discovery's share included)",
		Connector: conn.historyPerOrder, Baseline: naive.historyPerOrder, Note: note})
}
