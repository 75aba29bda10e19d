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

	"github.com/ecforce-logiless/connector/discoveries"
	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

const (
	discoveryWindowOrders = 1000 // imported orders in the import window
	discoveryShipped      = 1000 // shipped LOGILESS orders in the shipment window
	discoveryArrivals     = 60   // new orders, one every discoveryArrivalGap
	discoveryArrivalGap   = 2 * time.Second
	discoveryStockSKUs    = 3000 // a full stock pass of 30 pages, run back to back
	discoveryLogilessRPS  = 1.0
	discoveryEcforceRPS   = 1.0
)

// BenchmarkDiscovery measures the incremental discovery loops at their
// defaults (interval 1m) against the sandbox with strict limits (LOGILESS
// and ecforce 1 request/s, burst 1):
//   - the API calls of a discovery with nothing new, with
//     discoveryWindowOrders imported orders and discoveryShipped shipped
//     ones in the windows, next to the naive baseline, a full re-list of
//     the window (the sweep, ImportOrders / NotifyShipments);
//   - order created in ecforce → sales order in LOGILESS, p50/p95, with
//     orders arriving one every 2 s while stock full passes run, next to
//     the naive baseline's, computed from its measured listing calls: a full
//     re-list every minute puts that many calls before every import.
func BenchmarkDiscovery(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchDiscovery(b, i)
	}
}

type discoveryBench struct {
	b     *testing.B
	ctx   context.Context
	tc    client.Client
	sb    *sandbox.Servers
	shop  string
	queue string
}

func benchDiscovery(b *testing.B, iteration int) {
	tc := devServer(b)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	sb, err := sandbox.Start(ctx, sandbox.StartConfig{
		Ecforce:  ecforceapi.Config{RateLimit: httpfake.RateLimit{RPS: discoveryEcforceRPS, Burst: 1}, Logger: quiet},
		Logiless: logilessapi.Config{RateLimit: httpfake.RateLimit{RPS: discoveryLogilessRPS, Burst: 1}, Logger: quiet},
		Logger:   quiet,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	csv := seedDiscoveryBench(b, sb)

	shop := fmt.Sprintf("bench-discovery-%d-%d", iteration, time.Now().UnixNano()%1e6)
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "mapping.csv"), csv)
	yaml := shopsYAML(sb, shop, discoveryEcforceRPS, discoveryLogilessRPS,
		"    shipment_notification: {auto_run: true}\n    stock_sync: {enabled: true}\n")
	writeFile(b, filepath.Join(dir, "shops.yaml"), strings.Replace(yaml, "    order_import:\n", "    order_import:\n      auto_run: true\n", 1))
	bw := startBenchWorker(ctx, b, tc, sb, shop, dir, quiet)
	defer bw.stop()
	d := &discoveryBench{b: b, ctx: ctx, tc: tc, sb: sb, shop: shop, queue: bw.queue}
	b.ResetTimer()

	// The loops' first look lists the windows.
	importLoop, shipLoop := d.startLoop(workflows.FlowOrderImport), d.startLoop(workflows.FlowShipmentNotification)
	d.waitDiscoveries(importLoop, 1)
	d.waitDiscoveries(shipLoop, 1)

	// Latency at the defaults with a stock pass running.
	stopStock := d.stockPasses()
	latencies := d.arrivals()
	stockPasses := stopStock()

	// A discovery with nothing new, against the full re-list of the window.
	emptyImport := d.calls(func() { d.discoverNow(workflows.FlowOrderImport, importLoop) })
	emptyShip := d.calls(func() { d.discoverNow(workflows.FlowShipmentNotification, shipLoop) })
	naiveImport := d.calls(func() {
		d.run(workflows.ImportOrdersID(shop), workflows.ImportOrders, workflows.ImportOrdersInput{Shop: shop})
	})
	naiveShip := d.calls(func() {
		d.run(workflows.NotifyShipmentsID(shop), workflows.NotifyShipments, workflows.NotifyShipmentsInput{Shop: shop})
	})
	b.StopTimer()

	slices.Sort(latencies)
	p50, p95 := latencies[len(latencies)/2], latencies[(len(latencies)*95+99)/100-1]
	// The naive baseline lists the whole window before each import: its
	// listing calls at the APIs' rate (both sides in turn) come on top.
	naiveList := time.Duration(float64(time.Second) * (float64(naiveImport.ec)/discoveryEcforceRPS + float64(naiveImport.ll)/discoveryLogilessRPS))
	naive50, naive95 := p50+naiveList, p95+naiveList
	b.ReportMetric(float64(emptyImport.total()), "empty_import_discovery_calls")
	b.ReportMetric(float64(emptyShip.total()), "empty_shipment_discovery_calls")
	b.ReportMetric(p50.Seconds(), "created_to_logiless_p50_s")
	b.ReportMetric(p95.Seconds(), "created_to_logiless_p95_s")
	b.Logf("discovery at the defaults (interval 1m), LOGILESS %g req/s and ecforce %g req/s, burst 1, strict", discoveryLogilessRPS, discoveryEcforceRPS)
	b.Logf("  empty order discovery, %d imported orders in the window (and the %d new ones): %s; naive full re-list: %s; ratio %.3f",
		discoveryWindowOrders, discoveryArrivals, emptyImport, naiveImport, ratio(emptyImport.total(), naiveImport.total()))
	b.Logf("  empty shipment discovery, %d shipped orders in the window: %s; naive full re-list: %s; ratio %.3f",
		discoveryShipped, emptyShip, naiveShip, ratio(emptyShip.total(), naiveShip.total()))
	b.Logf("  sweep (hourly, the naive run above): %d calls an hour for the order window, %d for the shipment window",
		naiveImport.total(), naiveShip.total())
	b.Logf("  order created in ecforce → sales order in LOGILESS, %d orders one every %s, %d stock full passes of %d SKUs running: p50 %.1fs, p95 %.1fs (target <= 70s)",
		len(latencies), discoveryArrivalGap, stockPasses, discoveryStockSKUs, p50.Seconds(), p95.Seconds())
	b.Logf("  naive baseline (full re-list of the window every minute, computed: + %.0fs of listing before each import): p50 %.1fs, p95 %.1fs; ratio p95 %.2f",
		naiveList.Seconds(), naive50.Seconds(), naive95.Seconds(), p95.Seconds()/naive95.Seconds())
	b.Logf("  429s: LOGILESS %d, ecforce %d", bw.statuses.count("LOGILESS", 429), bw.statuses.count("ecforce", 429))
}

// seedDiscoveryBench fills the windows and the stock catalogue and returns
// the mapping CSV.
func seedDiscoveryBench(b *testing.B, sb *sandbox.Servers) string {
	var csv strings.Builder
	csv.WriteString("sku,article_code\nSKU-1,ITEM-1\n")
	if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: "ITEM-1", Name: "item"}); err != nil {
		b.Fatal(err)
	}
	line := []map[string]any{{"article_code": "ITEM-1", "article_name": "item", "quantity": 1, "price": 1000}}
	for i := range discoveryWindowOrders {
		// Created (and last updated) 90 minutes ago: inside the look-back
		// of the sweep, before the first look of a fresh loop (one
		// sweep_interval back). Their LOGILESS copies below are not what
		// the import would send, so a look that saw them updated would
		// take each for an edit.
		o, err := sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ShippingCarrierID: 1, CreatedAt: time.Now().Add(-90 * time.Minute),
			Items: []ecforceapi.OrderItemSeed{{SKU: "SKU-1", Price: 1000, Quantity: 1 + i%3}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sb.Logiless.SeedSalesOrder(map[string]any{"code": o.Number, "store": logilessapi.DefaultStoreID,
			"buyer_name1": "bench", "recipient_name1": "bench", "recipient_address1": "東京都", "payment_method": "credit_card_payment",
			"delivery_method": "yamato", "lines": line}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range discoveryShipped {
		// Shipped orders ecforce does not have (entered in LOGILESS by
		// hand): listed and looked up every time, never written.
		code := fmt.Sprintf("HAND%06d", i)
		if _, err := sb.Logiless.SeedSalesOrder(map[string]any{"code": code, "store": logilessapi.DefaultStoreID,
			"buyer_name1": "bench", "recipient_name1": "bench", "recipient_address1": "東京都", "payment_method": "credit_card_payment",
			"delivery_method": "yamato", "lines": line}); err != nil {
			b.Fatal(err)
		}
		if _, err := sb.Logiless.ShipSalesOrder(code, logilessapi.ShipOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range discoveryStockSKUs {
		code := fmt.Sprintf("D%06d", i)
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
	return csv.String()
}

func (d *discoveryBench) startLoop(flow string) string {
	if err := discoveries.Ensure(d.ctx, d.tc, d.queue, flow, d.shop); err != nil {
		d.b.Fatal(err)
	}
	f, _ := workflows.FlowNamed(flow)
	id := f.DiscoveryID(d.shop)
	d.b.Cleanup(func() { _ = d.tc.TerminateWorkflow(context.Background(), id, "", "benchmark over") })
	return id
}

func (d *discoveryBench) status(id string) workflows.DiscoveryStatus {
	v, err := d.tc.QueryWorkflow(d.ctx, id, "", workflows.DiscoveryStatusQuery)
	var st workflows.DiscoveryStatus
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil {
		d.b.Fatal(err)
	}
	return st
}

func (d *discoveryBench) waitDiscoveries(id string, n int) {
	for st := d.status(id); st.Discoveries < n || st.Pending > 0; st = d.status(id) {
		select {
		case <-d.ctx.Done():
			d.b.Fatalf("%s: fewer than %d discoveries", id, n)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (d *discoveryBench) discoverNow(flow, id string) {
	before := d.status(id).Discoveries
	if err := discoveries.DiscoverNow(d.ctx, d.tc, d.queue, flow, d.shop, workflows.DiscoverNow{Event: "bench"}); err != nil {
		d.b.Fatal(err)
	}
	d.waitDiscoveries(id, before+1)
}

func (d *discoveryBench) run(id string, wf, in any) {
	run, err := d.tc.ExecuteWorkflow(d.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: d.queue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, wf, in)
	if err == nil {
		err = run.Get(d.ctx, nil)
	}
	if err != nil {
		d.b.Fatal(err)
	}
}

// apiCalls are the requests of both APIs one step made to the endpoints
// of the discoveries (ecforce orders, LOGILESS sales orders and tokens),
// and every endpoint's count.
type apiCalls struct {
	ec, ll int
	all    map[string]int
}

func (c apiCalls) total() int { return c.ec + c.ll }

func (c apiCalls) String() string {
	return fmt.Sprintf("%d calls (ecforce %d, LOGILESS %d; %v)", c.total(), c.ec, c.ll, c.all)
}

func ratio(a, b int) float64 { return float64(a) / float64(max(b, 1)) }

// calls runs step alone and counts its API requests.
func (d *discoveryBench) calls(step func()) apiCalls {
	time.Sleep(1100 * time.Millisecond) // the budget is full again
	d.sb.Ecforce.ResetRequestCounts()
	d.sb.Logiless.ResetRequestCounts()
	step()
	c := apiCalls{all: map[string]int{}}
	for k, n := range d.sb.Ecforce.RequestCounts() {
		c.all["ecforce "+k] = n
		if strings.Contains(k, "/admin/orders") {
			c.ec += n
		}
	}
	for k, n := range d.sb.Logiless.RequestCounts() {
		c.all["LOGILESS "+k] = n
		if isImportEndpoint(k) {
			c.ll += n
		}
	}
	return c
}

// stockPasses runs full stock passes one after the other until the
// returned stop is called, which returns how many started.
func (d *discoveryBench) stockPasses() (stop func() int) {
	ctx, cancel := context.WithCancel(d.ctx)
	var wg sync.WaitGroup
	passes := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			passes++
			run, err := d.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ReconcileStockID(d.shop), TaskQueue: d.queue,
				WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE},
				workflows.ReconcileStock, workflows.ReconcileStockInput{Shop: d.shop, Full: true})
			if err == nil {
				_ = run.Get(ctx, nil)
			}
		}
	}()
	time.Sleep(3 * time.Second) // the pass holds the budget when orders arrive
	return func() int {
		cancel()
		wg.Wait()
		_ = d.tc.TerminateWorkflow(context.Background(), workflows.ReconcileStockID(d.shop), "", "benchmark over")
		time.Sleep(5 * time.Second) // a stock page in flight ends
		return passes
	}
}

// arrivals seeds discoveryArrivals orders one every discoveryArrivalGap and
// returns, for each, the time from its creation in ecforce to its sales
// order in LOGILESS (polled every 100 ms).
func (d *discoveryBench) arrivals() []time.Duration {
	created := map[string]time.Time{}
	var latencies []time.Duration
	next := time.Now()
	for len(latencies) < discoveryArrivals {
		if len(created)+len(latencies) < discoveryArrivals && !time.Now().Before(next) {
			o, err := d.sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ShippingCarrierID: 1,
				Items: []ecforceapi.OrderItemSeed{{SKU: "SKU-1", Price: 1000, Quantity: 1}}})
			if err != nil {
				d.b.Fatal(err)
			}
			created[o.Number] = time.Now()
			next = next.Add(discoveryArrivalGap)
		}
		for number, at := range created {
			if _, ok := d.sb.Logiless.SalesOrder(number); ok {
				latencies = append(latencies, time.Since(at))
				delete(created, number)
			}
		}
		select {
		case <-d.ctx.Done():
			d.b.Fatalf("%d orders never reached LOGILESS", len(created))
		case <-time.After(100 * time.Millisecond):
		}
	}
	return latencies
}
