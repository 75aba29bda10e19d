package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// BenchmarkShipmentNotification notifies N card orders shipped together,
// with 売上処理 and a 対応状況 change on, through the real workflows on a
// dev server against the sandbox with its strict limits (ecforce 1
// request/s, burst 1; LOGILESS 1 request/s, burst 1; a capture settles
// after 2 s), and reports ecforce calls per notification counted from the
// discovery's lookups to the last status write (sign-ins and the hourly
// carrier list excluded). In the same run, the naive request pattern (a
// GET per lookup, one call per shipping, capture and status write, a GET
// per poll each second until payment_state settles) runs against a fresh
// sandbox with the same settle time and its calls are counted; the ratio
// compares the two.
func BenchmarkShipmentNotification(b *testing.B) {
	for _, orders := range []int{1, 150, 300} {
		b.Run(fmt.Sprintf("orders=%d", orders), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchShipments(b, orders, i)
			}
		})
	}
}

func benchShipments(b *testing.B, orders, iteration int) {
	tc := devServer(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	sb, err := sandbox.Start(ctx, sandbox.StartConfig{
		Ecforce:  ecforceapi.Config{RateLimit: httpfake.RateLimit{RPS: 1, Burst: 1}, Logger: quiet},
		Logiless: logilessapi.Config{RateLimit: httpfake.RateLimit{RPS: 1, Burst: 1}, Logger: quiet},
		Logger:   quiet,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	numbers := seedShipped(b, sb, orders)

	shop := fmt.Sprintf("ship-%d-%d-%d", orders, iteration, time.Now().UnixNano()%1e6)
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "mapping.csv"), "sku,article_code\nSHIP-SKU,SHIP-ITEM\n")
	writeFile(b, filepath.Join(dir, "shops.yaml"), shopsYAML(sb, shop, 0.9, 0.9,
		"    shipment_notification:\n      with_sales: true\n      status_after: shipped\n"))
	bw := startBenchWorker(ctx, b, tc, sb, shop, dir, quiet)
	defer bw.stop()
	sb.Ecforce.ResetRequestCounts()

	b.ResetTimer()
	start := time.Now()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.NotifyShipmentsID(shop), TaskQueue: bw.queue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.NotifyShipments, workflows.NotifyShipmentsInput{Shop: shop})
	if err != nil {
		b.Fatal(err)
	}
	var res workflows.NotifyShipmentsResult
	if err := run.Get(ctx, &res); err != nil {
		b.Fatal(err)
	}
	if len(res.Started) != orders {
		b.Fatalf("discovery started %d of %d notifications: %+v", len(res.Started), orders, res)
	}
	latencies := make([]time.Duration, len(res.Started))
	for i, id := range res.Started {
		var out workflows.NotifyShipmentResult
		if err := tc.GetWorkflow(ctx, id, "").Get(ctx, &out); err != nil {
			b.Fatalf("%s: %v", id, err)
		}
		if !out.Captured || out.StateSet != "shipped" || !out.ShippingWritten {
			b.Fatalf("%s: %+v", id, out)
		}
		desc, err := tc.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			b.Fatal(err)
		}
		latencies[i] = desc.GetWorkflowExecutionInfo().GetCloseTime().AsTime().Sub(start)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	counts := sb.Ecforce.RequestCounts()
	calls := notificationCalls(counts)
	for _, n := range numbers {
		o, _ := sb.Ecforce.OrderByNumber(n)
		if o.CapturesSettled != 1 || o.CaptureRequests != 1 || o.State != "shipped" {
			b.Fatalf("order %s: %d captures settled, %d requests, state %s", n, o.CapturesSettled, o.CaptureRequests, o.State)
		}
	}
	naive := naiveShipmentCalls(ctx, b, orders)
	slices.Sort(latencies)
	b.ReportMetric(float64(calls)/float64(orders), "ecforce_calls/notification")
	b.ReportMetric(float64(naive)/float64(orders), "naive_calls/notification")
	b.ReportMetric(float64(calls)/float64(naive), "ratio_to_naive")
	b.ReportMetric(float64(bw.statuses.count("ecforce", 429)), "ecforce_429s")
	b.ReportMetric(latencies[len(latencies)/2].Seconds(), "p50_s")
	b.ReportMetric(latencies[len(latencies)*95/100].Seconds(), "p95_s")
	b.Logf("orders=%d: %d ecforce calls (%v) in %s; naive pattern %d calls", orders, calls, counts, elapsed.Round(time.Second), naive)
}

// notificationCalls sums ecforce requests without sign-ins and the carrier
// list.
func notificationCalls(counts map[string]int) int {
	n := 0
	for k, v := range counts {
		if !strings.Contains(k, "sign_in") && !strings.Contains(k, "shipping_carriers") {
			n += v
		}
	}
	return n
}

// seedShipped seeds n card orders in ecforce and their LOGILESS sales
// orders, shipped an hour ago with one tracking number each.
func seedShipped(b *testing.B, sb *sandbox.Servers, n int) []string {
	b.Helper()
	if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: "SHIP-ITEM", Name: "item"}); err != nil {
		b.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	numbers := make([]string, n)
	for i := range numbers {
		o, err := sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ShippingCarrierID: 1, Items: []ecforceapi.OrderItemSeed{{SKU: "SHIP-SKU", Price: 1000, Quantity: 1}}})
		if err != nil {
			b.Fatal(err)
		}
		numbers[i] = o.Number
		if _, err := sb.Logiless.SeedSalesOrder(map[string]any{
			"code": o.Number, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎", "recipient_address1": "東京都渋谷区神宮前1-2-3",
			"payment_method": "credit_card_payment", "delivery_method": "yamato", "store": logilessapi.DefaultStoreID,
			"lines": []map[string]any{{"article_code": "SHIP-ITEM", "article_name": "item", "quantity": 1, "price": 1000}},
		}); err != nil {
			b.Fatal(err)
		}
		if _, err := sb.Logiless.ShipSalesOrder(o.Number, logilessapi.ShipOptions{Deliveries: []logilessapi.DeliveryShipment{
			{TrackingNumbers: []string{fmt.Sprintf("TN%06d", i)}, FinishedAt: at}}}); err != nil {
			b.Fatal(err)
		}
	}
	return numbers
}

// naiveShipmentCalls runs the naive request pattern for n orders against a
// fresh sandbox ecforce (no rate limit: the count does not depend on it;
// the same 2 s settle time) and returns the requests it took: per order a
// lookup by number, a shipping PUT, a capture POST, a GET a second until
// payment_state is completed, and a state PUT.
func naiveShipmentCalls(ctx context.Context, b *testing.B, n int) int {
	b.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ec := ecforceapi.New(ecforceapi.Config{Logger: quiet})
	srv := httptest.NewServer(ec)
	defer srv.Close()
	c, err := ecforce.New(ecforce.Config{Shop: "naive", BaseURL: srv.URL + "/api/v2", APIToken: ecforceapi.DefaultAPIToken,
		Limiter: httpapi.NewLimiter(0, 1), MaxRetries: -1, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	numbers := make([]string, n)
	for i := range numbers {
		o, err := ec.SeedOrder(ecforceapi.OrderSeed{ShippingCarrierID: 1, Items: []ecforceapi.OrderItemSeed{{SKU: "SHIP-SKU", Price: 1000, Quantity: 1}}})
		if err != nil {
			b.Fatal(err)
		}
		numbers[i] = o.Number
	}
	ec.ResetRequestCounts()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 20)
	for i, number := range numbers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- naiveOne(ctx, c, number, fmt.Sprintf("TN%06d", i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	return notificationCalls(ec.RequestCounts())
}

func naiveOne(ctx context.Context, c *ecforce.Client, number, slip string) error {
	o, found, err := c.FindOrderByNumber(ctx, number)
	if err != nil || !found {
		return fmt.Errorf("naive lookup of %s: %v %t", number, err, found)
	}
	if _, err := c.UpdateShipping(ctx, []ecforce.ShippingUpdate{{OrderID: o.ID, ShippingSlip: slip, ShippingCarrierID: 1, ShippedAt: time.Now()}}, false); err != nil {
		return err
	}
	if _, err := c.RequestSales(ctx, []int64{o.ID}); err != nil {
		return err
	}
	for o.PaymentState != "completed" {
		time.Sleep(time.Second)
		if o, err = c.GetOrder(ctx, o.ID); err != nil {
			return err
		}
	}
	_, err = c.UpdateOrderState(ctx, o.ID, "shipped")
	return err
}
