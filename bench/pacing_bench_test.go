package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// The pacing benchmark's scale. LOGILESS runs at twice its production
// pace (1 request/s) so that the last order of the backlog waits about
// 80 s, within the 2-minute StartToClose of an order step (at 1 request/s
// a backlog of more than about 110 orders per merchant outlasts it; see
// BENCHMARKS.md). Every figure but the latencies is a ratio and does not
// depend on the scale; the latencies double at 1 request/s.
const (
	pacingOrders      = 150
	pacingLogilessRPS = 2.0
	pacingEcforceRPS  = 5.0
	pacingStockSKUs   = 12_000 // a full pass of about 120 LOGILESS calls, which outlasts the import
)

// BenchmarkPacing imports a backlog of new orders while a stock full pass
// runs, against the sandbox with its strict limits (LOGILESS burst 1,
// X-RateLimit-* on every response, 429s without Retry-After, /oauth2/token
// in the budget; ecforce plain-text 429s), with the connector's own
// pacing, and reports 429s, the share of the configured LOGILESS rate used
// while the backlog waits, LOGILESS calls per imported order (the
// discovery's lookups included), the stock calls granted while imports
// waited, and the import latency p50/p95.
func BenchmarkPacing(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchPacing(b, i)
	}
}

func benchPacing(b *testing.B, iteration int) {
	tc := devServer(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	sb := strictSandbox(ctx, b, pacingLogilessRPS, pacingEcforceRPS)

	// The catalogue: one article for the orders, and pacingStockSKUs
	// mapped singles whose ecforce stock is stale (every one is written).
	var csv strings.Builder
	csv.WriteString("sku,article_code\nSKU-1,ITEM-1\n")
	if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: "ITEM-1", Name: "item"}); err != nil {
		b.Fatal(err)
	}
	for i := range pacingStockSKUs {
		code := fmt.Sprintf("P%06d", i)
		if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			b.Fatal(err)
		}
		if err := sb.Logiless.SetFreeStock(code, 10+i%50); err != nil {
			b.Fatal(err)
		}
		if _, err := sb.Ecforce.SeedStockItem("SKU-"+code, ecforceapi.DefaultStockLocation, 0); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&csv, "SKU-%s,%s\n", code, code)
	}
	for i := 0; i < pacingOrders; i++ {
		if _, err := sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "SKU-1", Price: 1000, Quantity: 1 + i%3}}}); err != nil {
			b.Fatal(err)
		}
	}

	shop := fmt.Sprintf("bench-pacing-%d-%d", iteration, time.Now().UnixNano()%1e6)
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "mapping.csv"), csv.String())
	writeFile(b, filepath.Join(dir, "shops.yaml"),
		shopsYAML(sb, shop, pacingEcforceRPS, pacingLogilessRPS, "    stock_sync: {enabled: true}\n"))
	bw := startBenchWorker(ctx, b, tc, sb, shop, dir, quiet)
	defer bw.stop()
	statuses, queue := bw.statuses, bw.queue
	time.Sleep(time.Second) // the token exchange's budget is back
	sb.Ecforce.ResetRequestCounts()
	sb.Logiless.ResetRequestCounts()
	samples := sampleCounts(ctx, sb.Logiless)

	b.ResetTimer()
	// The stock full pass first, so that it holds the budget when the
	// orders arrive.
	stock, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ReconcileStockID(shop), TaskQueue: queue},
		workflows.ReconcileStock, workflows.ReconcileStockInput{Shop: shop, Full: true})
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	importStart := time.Now()
	disc, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.ImportOrdersID(shop), TaskQueue: queue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.ImportOrders, workflows.ImportOrdersInput{Shop: shop})
	if err != nil {
		b.Fatal(err)
	}
	var res workflows.ImportOrdersResult
	if err := disc.Get(ctx, &res); err != nil {
		b.Fatal(err)
	}
	var latencies []time.Duration
	importEnd := importStart
	history := 0
	if d, err := tc.DescribeWorkflowExecution(ctx, disc.GetID(), disc.GetRunID()); err == nil {
		history += int(d.WorkflowExecutionInfo.HistoryLength)
	}
	for _, id := range res.Started {
		if err := tc.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			b.Fatalf("%s: %v", id, err)
		}
		d, err := tc.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			b.Fatal(err)
		}
		closed := d.WorkflowExecutionInfo.CloseTime.AsTime()
		history += int(d.WorkflowExecutionInfo.HistoryLength)
		latencies = append(latencies, closed.Sub(importStart))
		if closed.After(importEnd) {
			importEnd = closed
		}
	}
	var stockRes workflows.ReconcileStockResult
	if err := stock.Get(ctx, &stockRes); err != nil {
		b.Fatal(err)
	}
	stockEnd := time.Now()
	b.StopTimer()
	series := samples.stop()

	if got := len(sb.Logiless.SalesOrders()); got != pacingOrders || len(res.Started) != pacingOrders {
		b.Fatalf("imported %d of %d orders (started %d)", got, pacingOrders, len(res.Started))
	}
	counts := sb.Logiless.RequestCounts()
	importCalls := 0
	for k, n := range counts {
		if isImportEndpoint(k) {
			importCalls += n
		}
	}
	window := importEnd.Sub(importStart)
	during := series.between(importStart, importEnd)
	firstCreate, lastCreate := series.createSpan()
	stockWhileWaiting := series.between(firstCreate, lastCreate).stock
	used := float64(during.all) / (pacingLogilessRPS * window.Seconds())
	slices.Sort(latencies)
	p50, p95 := latencies[len(latencies)/2], latencies[len(latencies)*95/100]
	ll429, ec429 := statuses.count("LOGILESS", 429), statuses.count("ecforce", 429)

	b.ReportMetric(float64(ll429+ec429), "429s")
	b.ReportMetric(100*used, "%_of_rate_used")
	b.ReportMetric(float64(importCalls)/pacingOrders, "logiless_calls/order")
	b.ReportMetric(float64(stockWhileWaiting), "stock_calls_during_backlog")
	b.ReportMetric(p50.Seconds(), "import_p50_s")
	b.ReportMetric(p95.Seconds(), "import_p95_s")
	b.Logf("pacing: %d orders at LOGILESS %g req/s (burst 1, strict), ecforce %g req/s, stock full pass of %d SKUs running",
		pacingOrders, pacingLogilessRPS, pacingEcforceRPS, pacingStockSKUs)
	b.Logf("  429s: LOGILESS %d, ecforce %d (target 0)", ll429, ec429)
	b.Logf("  LOGILESS rate used while the backlog waited: %.1f%% (%d requests in %.1fs at %g/s; target >= 90%%)",
		100*used, during.all, window.Seconds(), pacingLogilessRPS)
	b.Logf("  LOGILESS calls per imported order: %.3f (%d calls: %v; target <= 1.02)", float64(importCalls)/pacingOrders, importCalls, importEndpoints(counts))
	b.Logf("  stock requests granted between the first and the last create: %d (of %d in the pass)", stockWhileWaiting, series.last().stock)
	b.Logf("  import latency from discovery start: p50 %.1fs, p95 %.1fs, last %.1fs", p50.Seconds(), p95.Seconds(), window.Seconds())
	b.Logf("  stock full pass: %d SKUs written, done %.1fs after it started (ecforce calls %d)",
		stockRes.Written, stockEnd.Sub(importStart.Add(-5*time.Second)).Seconds(), total(sb.Ecforce.RequestCounts()))

	// The naive baseline, in the same run, against a sandbox with the same
	// limits (without a stock pass beside it, which only favours it).
	ecCalls := 0
	for k, n := range sb.Ecforce.RequestCounts() {
		if !strings.Contains(k, "stock_items") {
			ecCalls += n
		}
	}
	conn := importFigures{orders: pacingOrders, logiless: importCalls, ecforce: ecCalls, n429: ll429 + ec429, used: used,
		p50: p50, p95: p95, historyPerOrder: float64(history) / pacingOrders}
	naive := runNaiveImport(ctx, b, tc, pacingOrders, pacingLogilessRPS, pacingEcforceRPS)
	b.Logf("naive baseline: %d LOGILESS calls %v, %d ecforce calls, %d 429s", naive.logiless, naive.logilessPerEndpont, naive.ecforce, naive.n429)
	reportImport(b, conn, naive, fmt.Sprintf("%d orders, strict sandbox, LOGILESS %g req/s burst 1, ecforce %g; the connector with a stock full pass beside it",
		pacingOrders, pacingLogilessRPS, pacingEcforceRPS))
}

// isImportEndpoint reports whether a LOGILESS request-count key is one of
// order import's (sales orders) or a token request (shared by every flow,
// counted against import here).
func isImportEndpoint(key string) bool {
	return strings.Contains(key, "/sales_orders") || strings.Contains(key, "/oauth2/token")
}

func importEndpoints(counts map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range counts {
		if isImportEndpoint(k) {
			out[k] = n
		}
	}
	return out
}

// countSample is the LOGILESS request counts at one moment: all requests,
// sales order creates, and stock sync's (articles, inventory).
type countSample struct {
	at                  time.Time
	all, creates, stock int
}

type countSeries []countSample

// between returns the counts added from a to b (the samples nearest).
func (s countSeries) between(a, b time.Time) countSample {
	first, last := s.at(a), s.at(b)
	return countSample{all: last.all - first.all, creates: last.creates - first.creates, stock: last.stock - first.stock}
}

func (s countSeries) at(t time.Time) countSample {
	for _, x := range s {
		if !x.at.Before(t) {
			return x
		}
	}
	return s[len(s)-1]
}

func (s countSeries) last() countSample { return s[len(s)-1] }

// createSpan returns when the first and the last create were counted.
func (s countSeries) createSpan() (first, last time.Time) {
	n := s.last().creates
	for _, x := range s {
		if first.IsZero() && x.creates > 0 {
			first = x.at
		}
		if x.creates == n {
			return first, x.at
		}
	}
	return first, s.last().at
}

type countSampler struct {
	stopOnce sync.Once
	done     chan struct{}
	mu       sync.Mutex
	series   countSeries
}

// sampleCounts reads the LOGILESS request counts every 50ms until stop.
func sampleCounts(ctx context.Context, l *logilessapi.Server) *countSampler {
	s := &countSampler{done: make(chan struct{})}
	read := func() {
		c := countSample{at: time.Now()}
		for k, n := range l.RequestCounts() {
			c.all += n
			switch {
			case strings.Contains(k, "sales_orders/new"):
				c.creates += n
			case strings.Contains(k, "/articles") || strings.Contains(k, "logical_inventory"):
				c.stock += n
			}
		}
		s.mu.Lock()
		s.series = append(s.series, c)
		s.mu.Unlock()
	}
	read()
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return s
}

func (s *countSampler) stop() countSeries {
	s.stopOnce.Do(func() { close(s.done) })
	time.Sleep(60 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.series)
}
