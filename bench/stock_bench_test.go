package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

// The catalogue of the stock sync benchmark: 100,000 mapped SKUs, of which
// 1,000 are set articles of two components each.
const (
	benchSingles = 99_000
	benchSets    = 1_000
	benchChanged = 1_000 // 1% of the SKUs change between runs
)

// BenchmarkStockSync100k runs the real ReconcileStock workflow and
// activities on a Temporal dev server (the pinned CLI in bin/) against the
// in-process sandbox over real sockets, with 100,000 mapped SKUs, and
// reports per run: API requests to each API (the sandbox's request
// counters), SKUs written, the time the same requests would take at the
// APIs' production pace of 1 request/second, workflow runs (continue-as-new)
// with their largest history and payload, and peak heap. The clients' rate
// limiters are off so that the measured wall time is the connector's own
// cost (Temporal, HTTP, JSON, arithmetic), not waiting.
//
// Runs follow each other within seconds, so the benchmark simulates the
// schedule's ten minutes: before the run that follows a 1% change, the
// stored watermark is moved back ten minutes ("the last run started ten
// minutes ago") and the changes are stamped five minutes ago in LOGILESS.
// The no-change run that follows needs nothing: its watermark is the
// previous run's start, and the changes are older than it minus the
// two-minute overlap, as they would be ten minutes later. (In production a
// change made within the overlap before a run is read again, not written,
// by the next one: about 20% of a run's changes at a 10-minute interval.)
func BenchmarkStockSync100k(b *testing.B) {
	env := newStockBench(b)
	b.Run("initial-full", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			env.setAllEcforceStock(0)
			b.StartTimer()
			env.measure(b, workflows.ReconcileStockInput{Full: true})
		}
		env.report(b)
	})
	b.Run("incremental-1pct", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			env.changeOnePercent()
			env.tenMinutesPass()
			b.StartTimer()
			env.measure(b, workflows.ReconcileStockInput{})
		}
		env.report(b)
	})
	b.Run("incremental-nochange", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			env.measure(b, workflows.ReconcileStockInput{})
		}
		env.report(b)
	})
	b.Run("full-1pct", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			env.changeOnePercent()
			b.StartTimer()
			env.measure(b, workflows.ReconcileStockInput{Full: true})
		}
		env.report(b)
	})
	b.Run("full-nochange", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			env.measure(b, workflows.ReconcileStockInput{Full: true})
		}
		env.report(b)
	})
}

type stockBench struct {
	b         *testing.B
	tc        client.Client
	sb        *sandbox.Servers
	conn      *app.Connector
	shop      string
	taskQueue string
	llOffset  atomic.Int64 // LOGILESS clock = now - llOffset
	round     int
	runs      int

	// per sub-benchmark totals
	n                             int
	llCalls, ecCalls, written     int
	wfRuns, maxEvents, maxPayload int
	peakHeap                      uint64
	last                          workflows.ReconcileStockResult
}

func newStockBench(b *testing.B) *stockBench {
	b.Helper()
	start := time.Now()
	env := &stockBench{b: b, tc: devServer(b), shop: "bench-stock", taskQueue: fmt.Sprintf("bench-stock-%d", time.Now().UnixNano())}
	env.llOffset.Store(int64(time.Hour)) // the catalogue was seeded an hour ago
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.StartConfig{
		Logiless: logilessapi.Config{Clock: func() time.Time { return time.Now().Add(-time.Duration(env.llOffset.Load())) }},
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sb.Close)
	env.sb = sb

	// LOGILESS: 99,000 singles and 1,000 sets of two of them; the mapping
	// table maps one SKU to each, with a mix of settings.
	var csv strings.Builder
	csv.WriteString("sku,article_code,reserve,allocation_rate,max,min\n")
	for i := range benchSingles {
		code := singleCode(i)
		if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			b.Fatal(err)
		}
		if err := sb.Logiless.SetFreeStock(code, 20+i%80); err != nil {
			b.Fatal(err)
		}
		reserve, rate, maxV := 0, 100, ""
		switch i % 10 {
		case 1:
			reserve = 2
		case 2:
			rate = 50
		case 3:
			maxV = "30"
		}
		fmt.Fprintf(&csv, "SKU-%s,%s,%d,%d,%s,\n", code, code, reserve, rate, maxV)
	}
	for i := range benchSets {
		code := fmt.Sprintf("SET%04d", i)
		if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: code, Name: code, ArticleType: logilessapi.ArticleAssortment,
			Components: []logilessapi.ArticleComponent{{Component: singleCode(2 * i), Quantity: 2}, {Component: singleCode(2*i + 1), Quantity: 1}}}); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&csv, "SKU-%s,%s,0,100,,\n", code, code)
	}
	env.llOffset.Store(0)
	env.setAllEcforceStock(0)

	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mapping.csv"), []byte(csv.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	yaml := fmt.Sprintf(`shops:
  - code: %s
    ecforce:
      base_url: %s/api/v2
      auth: token
      api_token: {env: BENCH_ECFORCE_TOKEN}
    logiless:
      base_url: %s/api
      oauth_base_url: %s
      merchant_id: %d
      store_id: %d
      client_id: %s
      client_secret: {env: BENCH_LOGILESS_SECRET}
      redirect_uri: %s
    location_code: default
    order_import: {auto_run: false, default_payment_method: credit_card_payment, default_delivery_method: yamato}
    stock_sync: {enabled: true}
    mapping_file: mapping.csv
`, env.shop, sb.EcforceURL, sb.LogilessURL, sb.LogilessURL, sb.Logiless.MerchantID(), logilessapi.DefaultStoreID,
		logilessapi.DefaultClientID, logilessapi.DefaultRedirectURI)
	if err := os.WriteFile(filepath.Join(dir, "shops.yaml"), []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	shops, err := config.LoadShops(filepath.Join(dir, "shops.yaml"), func(name string) (string, bool) {
		switch name {
		case "BENCH_ECFORCE_TOKEN":
			return ecforceapi.DefaultAPIToken, true
		case "BENCH_LOGILESS_SECRET":
			return logilessapi.DefaultClientSecret, true
		}
		return "", false
	})
	if err != nil {
		b.Fatal(err)
	}
	// No client-side pacing: measure the connector, not the limiter.
	shops.Shops[0].Ecforce.RequestsPerSecond = -1
	shops.Shops[0].Logiless.RequestsPerSecond = -1
	conn, err := app.Build(ctx, shops, app.Options{StateDir: filepath.Join(dir, "state"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.LogilessClients[env.shop].ExchangeCode(ctx, sb.Logiless.IssueAuthorizationCode()); err != nil {
		b.Fatal(err)
	}
	env.conn = conn
	w := worker.New(env.tc, env.taskQueue, worker.Options{})
	conn.Register(w)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	b.Logf("seeded %d mapped SKUs (%d sets) in %s", benchSingles+benchSets, benchSets, time.Since(start).Round(time.Millisecond))
	return env
}

func singleCode(i int) string { return fmt.Sprintf("A%06d", i) }

func (env *stockBench) setAllEcforceStock(v int) {
	for i := range benchSingles {
		if _, err := env.sb.Ecforce.SeedStockItem("SKU-"+singleCode(i), ecforceapi.DefaultStockLocation, v); err != nil {
			env.b.Fatal(err)
		}
	}
	for i := range benchSets {
		if _, err := env.sb.Ecforce.SeedStockItem(fmt.Sprintf("SKU-SET%04d", i), ecforceapi.DefaultStockLocation, v); err != nil {
			env.b.Fatal(err)
		}
	}
}

// changeOnePercent moves the free stock of 1,000 singles (a different
// 1% each time), stamped five minutes ago.
func (env *stockBench) changeOnePercent() {
	env.round++
	env.llOffset.Store(int64(5 * time.Minute))
	defer env.llOffset.Store(0)
	for k := range benchChanged {
		i := (k*99 + env.round) % benchSingles
		if err := env.sb.Logiless.SetFreeStock(singleCode(i), 20+(i+7*env.round)%80); err != nil {
			env.b.Fatal(err)
		}
	}
}

// tenMinutesPass makes the last run look ten minutes old.
func (env *stockBench) tenMinutesPass() {
	store := env.conn.StockSync.State
	st, ok, err := store.Load(env.shop)
	if err != nil || !ok {
		env.b.Fatalf("no stock sync state to age: %v", err)
	}
	st.Since = st.Since.Add(-10 * time.Minute)
	st.LastFullAt = st.LastFullAt.Add(-10 * time.Minute)
	if err := store.Save(st); err != nil {
		env.b.Fatal(err)
	}
}

// measure runs one stock sync and adds its figures to the totals.
func (env *stockBench) measure(b *testing.B, in workflows.ReconcileStockInput) {
	ctx := context.Background()
	in.Shop = env.shop
	env.sb.Ecforce.ResetRequestCounts()
	env.sb.Logiless.ResetRequestCounts()
	env.runs++
	id := fmt.Sprintf("%s/%d", workflows.ReconcileStockID(env.shop), env.runs)

	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var max uint64
		var ms runtime.MemStats
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			max = maxOf(max, ms.HeapAlloc)
			select {
			case <-stop:
				peak <- max
				return
			case <-t.C:
			}
		}
	}()
	run, err := env.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: env.taskQueue}, workflows.ReconcileStock, in)
	if err != nil {
		b.Fatal(err)
	}
	var res workflows.ReconcileStockResult
	if err := run.Get(ctx, &res); err != nil {
		b.Fatalf("stock sync failed: %v", err)
	}
	close(stop)
	env.peakHeap = maxOf(env.peakHeap, <-peak)

	b.StopTimer()
	env.n++
	for _, v := range env.sb.Logiless.RequestCounts() {
		env.llCalls += v
	}
	for _, v := range env.sb.Ecforce.RequestCounts() {
		env.ecCalls += v
	}
	env.written += res.Written
	env.wfRuns += res.Runs
	events, payload := env.historyFigures(ctx, id)
	env.maxEvents = max(env.maxEvents, events)
	env.maxPayload = max(env.maxPayload, payload)
	env.last = res
	wantMode := stocksync.ModeIncremental
	if in.Full {
		wantMode = stocksync.ModeFull
	}
	if res.Failed != 0 || res.ProblemCount != 0 || res.Read == 0 && in.Full || res.Mode != wantMode {
		b.Errorf("run %s: %s pass, %d read, %d failed, %d problems: %+v", id, res.Mode, res.Read, res.Failed, res.ProblemCount, res.Problems)
	}
	b.StartTimer()
}

// historyFigures walks the runs of a sync and returns the longest history
// of one run and the largest payload (activity input or result,
// continue-as-new input, workflow result) in bytes.
func (env *stockBench) historyFigures(ctx context.Context, id string) (maxEvents, maxPayload int) {
	runID := ""
	for {
		h := &historypb.History{}
		iter := env.tc.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				env.b.Fatal(err)
			}
			h.Events = append(h.Events, ev)
		}
		maxEvents = max(maxEvents, len(h.Events))
		for _, ev := range h.Events {
			var p *commonpb.Payloads
			switch {
			case ev.GetActivityTaskScheduledEventAttributes() != nil:
				p = ev.GetActivityTaskScheduledEventAttributes().GetInput()
			case ev.GetActivityTaskCompletedEventAttributes() != nil:
				p = ev.GetActivityTaskCompletedEventAttributes().GetResult()
			case ev.GetWorkflowExecutionContinuedAsNewEventAttributes() != nil:
				p = ev.GetWorkflowExecutionContinuedAsNewEventAttributes().GetInput()
			case ev.GetWorkflowExecutionCompletedEventAttributes() != nil:
				p = ev.GetWorkflowExecutionCompletedEventAttributes().GetResult()
			}
			for _, pl := range p.GetPayloads() {
				maxPayload = max(maxPayload, len(pl.GetData()))
			}
		}
		prev := h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		if prev == "" {
			return maxEvents, maxPayload
		}
		runID = prev
	}
}

func (env *stockBench) report(b *testing.B) {
	n := float64(env.n)
	b.ReportMetric(float64(env.llCalls)/n, "logiless-calls/run")
	b.ReportMetric(float64(env.ecCalls)/n, "ecforce-calls/run")
	b.ReportMetric(float64(env.llCalls+env.ecCalls)/n, "api-calls/run")
	b.ReportMetric(float64(env.written)/n, "skus-written/run")
	// Each API is paced at 1 request/second in production; the pages read
	// LOGILESS while they write ecforce, so a pass takes about the longer
	// of the two request streams (BenchmarkStockPassPaced measures how
	// close), where reading them one after the other took their sum.
	b.ReportMetric(float64(max(env.llCalls, env.ecCalls))/n/60, "min-at-1rps/run")
	b.ReportMetric(float64(env.llCalls+env.ecCalls)/n/60, "min-at-1rps-sequential/run")
	stock100k.record(b.Name(), float64(env.llCalls)/n, float64(env.ecCalls)/n)
	b.ReportMetric(float64(env.wfRuns)/n, "workflow-runs/run")
	b.ReportMetric(float64(env.maxEvents), "max-history-events")
	b.ReportMetric(float64(env.maxPayload)/1024, "max-payload-KiB")
	b.ReportMetric(float64(env.peakHeap)/(1<<20), "peak-heap-MiB")
	r := env.last
	b.Logf("%s pass: read %d, unchanged %d, changed %d, written %d, failed %d, skipped %d; %d pages in %d runs",
		r.Mode, r.Read, r.Unchanged, r.Changed, r.Written, r.Failed, r.Skipped.Total(), r.Pages, r.Runs)
	env.n, env.llCalls, env.ecCalls, env.written, env.wfRuns, env.maxEvents, env.maxPayload, env.peakHeap = 0, 0, 0, 0, 0, 0, 0, 0
}

func maxOf(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
