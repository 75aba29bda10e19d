package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// chaosPlan is the size of a chaos run. The small one runs in every
// `make test`; CONNECTOR_CHAOS=full (`make chaos`) runs the big one.
type chaosPlan struct {
	orders  int
	kills   int     // SIGKILLs of a worker process, each restarted
	workers int     // worker processes running at once
	rate    float64 // both sandboxes' requests/s (burst 1) and the shops' requests_per_second
	// faultRate is the chance of each kind of fault on every API request.
	faultRate float64
	timeout   time.Duration
}

func chaosPlanFromEnv() chaosPlan {
	if os.Getenv("CONNECTOR_CHAOS") == "full" {
		return chaosPlan{orders: 1000, kills: 2, workers: 2, rate: 40, faultRate: 0.01, timeout: 40 * time.Minute}
	}
	return chaosPlan{orders: 100, kills: 1, workers: 2, rate: 40, faultRate: 0.01, timeout: 6 * time.Minute}
}

// chaosHTTPTimeout is the workers' per-attempt timeout (CONNECTOR_HTTP_TIMEOUT);
// the slow fault answers after longer.
const chaosHTTPTimeout = 2 * time.Second

// chaosFaults are the kinds of faults spread over the run, each with
// plan.faultRate on the API paths (never the token endpoint or the ecforce
// sign-in, whose faults the credential tests cover).
func chaosFaults(p float64) []httpfake.Fault {
	return []httpfake.Fault{
		{Kind: "429", Status: 429, Probability: p},
		{Kind: "500", Status: 500, Probability: p},
		{Kind: "503", Status: 503, Probability: p},
		{Kind: "slower than the timeout", Delay: chaosHTTPTimeout + time.Second, Probability: p},
		{Kind: "dropped connection", Drop: true, Probability: p},
		{Kind: "malformed body", Method: "GET", Malformed: true, Probability: p},
		{Kind: "500 after the write applied", Method: "POST", AfterApply: true, Status: 500, Probability: p},
		{Kind: "500 after the write applied", Method: "PUT", AfterApply: true, Status: 500, Probability: p},
		{Kind: "dropped after the write applied", Method: "POST", AfterApply: true, Drop: true, Probability: p},
	}
}

// workerProcess is one running worker binary.
type workerProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// TestChaos: orders through import, shipment notification (売上処理 and a
// 対応状況 change) and stock sync with faults of every kind on both APIs,
// two worker processes of the real binary, and one of them killed with
// SIGKILL (and restarted) in the middle; afterwards every order is in
// LOGILESS once, every shipped order has its slip, date and exactly one
// capture and its status, stock matches, and no run is left running or
// failed. It prints the figures; `make chaos` runs it with 1,000 orders and
// two kills.
func TestChaos(t *testing.T) {
	plan := chaosPlanFromEnv()
	ctx := testContext(t, plan.timeout)
	wall := time.Now()

	rps := fmt.Sprintf("requests_per_second: %g", plan.rate)
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		y = shipmentSettingsYAML(false, true, "shipped")(y)
		// The imports mark their orders, so the imports' own-write signals
		// to the discovery loop go through the faults and kills too.
		y = strings.Replace(y, `imported_state: ""`, `imported_state: "linked"`, 1)
		return strings.ReplaceAll(y, "requests_per_second: 50", rps)
	}})
	if err := s.sb.Ecforce.AddOrderState("linked", "連携済"); err != nil {
		t.Fatal(err)
	}
	s.stopWorker() // the work is done by worker processes
	if dump := os.Getenv("CHAOS_LOG"); dump != "" {
		t.Cleanup(func() { _ = os.WriteFile(dump, []byte(s.logs.String()), 0o600) })
	}
	ll, ec := s.sb.Logiless, s.sb.Ecforce
	const sku = "TS-WHT-M"
	if _, err := ll.SeedArticle(logilessapi.Article{Code: sku, Name: sku}); err != nil {
		t.Fatal(err)
	}
	if err := ll.SetFreeStock(sku, 10*plan.orders); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.SeedStockItem(sku, ecforceapi.DefaultStockLocation, 3); err != nil {
		t.Fatal(err)
	}
	orders := map[string]ecforceapi.Order{}
	for range plan.orders {
		o, err := ec.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: sku, Price: 1000, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		orders[o.Number] = o
	}

	bin := filepath.Join(t.TempDir(), "worker")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../worker").CombinedOutput(); err != nil {
		t.Fatalf("build worker: %v\n%s", err, out)
	}
	var mu sync.Mutex
	running := map[int]*workerProcess{}
	start := func() {
		cmd := exec.Command(bin)
		cmd.Env = append(starterEnv(s), "CONNECTOR_HTTP_TIMEOUT="+chaosHTTPTimeout.String(),
			"E2E_ECFORCE_PASSWORD="+testEcforcePassword, "E2E_LOGILESS_SECRET="+testLogilessSecret)
		cmd.Stdout, cmd.Stderr = s.logs, s.logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start worker: %v", err)
		}
		wp := &workerProcess{cmd: cmd, done: make(chan struct{})}
		go func() { _ = cmd.Wait(); close(wp.done) }()
		mu.Lock()
		running[cmd.Process.Pid] = wp
		mu.Unlock()
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, wp := range running {
			_ = wp.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-wp.done:
			case <-time.After(10 * time.Second):
				_ = wp.cmd.Process.Kill()
			}
		}
	})
	for range plan.workers {
		start()
	}

	for _, api := range []interface {
		SetRateLimit(httpfake.RateLimit)
		ResetRequestCounts()
	}{ll, ec} {
		api.SetRateLimit(httpfake.RateLimit{RPS: plan.rate, Burst: 1})
		api.ResetRequestCounts()
	}
	for _, f := range chaosFaults(plan.faultRate) {
		f.Times = -1
		lf, ef := f, f
		lf.PathPrefix, ef.PathPrefix = "/api/", "/api/v2/admin/"
		ll.InjectFault(lf)
		ec.InjectFault(ef)
	}

	// The kills: each SIGKILLs the oldest worker process while its
	// activities are in flight, measures how long until each of them runs
	// again (or has finished) elsewhere, and starts a new process.
	var recoveries []time.Duration
	kills := 0
	kill := func(phase string) {
		mu.Lock()
		var pids []int
		for pid := range running {
			pids = append(pids, pid)
		}
		sort.Ints(pids)
		wp := running[pids[0]]
		delete(running, pids[0])
		mu.Unlock()
		inFlight := activitiesOf(ctx, t, s.taskQueue, pids[0])
		if err := wp.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill worker %d: %v", pids[0], err)
		}
		killed := time.Now()
		<-wp.done
		kills++
		start()
		took := awaitMoved(ctx, inFlight, pids[0], killed)
		recoveries = append(recoveries, took)
		t.Logf("chaos: killed worker %d during %s with %d activities in flight; all moved on within %s",
			pids[0], phase, len(inFlight), took.Round(100*time.Millisecond))
	}

	// Import: discoveries until every order is in LOGILESS, the first kill
	// when a third of them are.
	var failedDiscoveries []string
	importKill := make(chan struct{})
	go func() {
		defer close(importKill)
		for ctx.Err() == nil && len(ll.SalesOrders()) < plan.orders/3 {
			time.Sleep(200 * time.Millisecond)
		}
		if ctx.Err() == nil {
			kill("import")
		}
	}()
	imported := func() int { return len(ll.SalesOrders()) }
	for round := 0; imported() < plan.orders && ctx.Err() == nil; round++ {
		if msg := runDiscovery(ctx, s, workflows.ImportOrders, workflows.ImportOrdersID(s.shop), workflows.ImportOrdersInput{Shop: s.shop}); msg != "" {
			failedDiscoveries = append(failedDiscoveries, msg)
		}
		awaitRuns(ctx, s.taskQueue)
		t.Logf("chaos: import round %d: %d of %d orders in LOGILESS after %s", round+1, imported(), plan.orders, time.Since(wall).Round(time.Second))
	}
	<-importKill

	// Shipment: LOGILESS ships every order, then discoveries until every
	// one is notified; the second kill (in the big run) half-way.
	for _, so := range ll.SalesOrders() {
		if _, err := ll.ShipSalesOrder(so.Code, logilessapi.ShipOptions{Deliveries: []logilessapi.DeliveryShipment{
			{TrackingNumbers: []string{"SLIP-" + so.Code}, FinishedAt: time.Now().Add(-time.Hour)}}}); err != nil {
			t.Fatalf("ship %s: %v", so.Code, err)
		}
	}
	notified := func() int {
		n := 0
		for _, o := range ec.Orders() {
			if _, ok := orders[o.Number]; ok && o.State == "shipped" {
				n++
			}
		}
		return n
	}
	shipKill := make(chan struct{})
	go func() {
		defer close(shipKill)
		if kills >= plan.kills {
			return
		}
		for ctx.Err() == nil && notified() < plan.orders/2 {
			time.Sleep(200 * time.Millisecond)
		}
		if ctx.Err() == nil {
			kill("shipment notification")
		}
	}()
	for round := 0; notified() < plan.orders && ctx.Err() == nil; round++ {
		if msg := runDiscovery(ctx, s, workflows.NotifyShipments, workflows.NotifyShipmentsID(s.shop), workflows.NotifyShipmentsInput{Shop: s.shop}); msg != "" {
			failedDiscoveries = append(failedDiscoveries, msg)
		}
		awaitRuns(ctx, s.taskQueue)
		t.Logf("chaos: shipment round %d: %d of %d orders notified after %s", round+1, notified(), plan.orders, time.Since(wall).Round(time.Second))
	}
	<-shipKill

	// Stock: one sync under the same faults.
	stockRes, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop})
	awaitRuns(ctx, s.taskQueue)
	wallTime := time.Since(wall)

	faults := map[string]int{}
	for _, counts := range []map[string]int{ll.FaultCounts(), ec.FaultCounts()} {
		for k, v := range counts {
			faults[k] += v
		}
	}
	llBudget, ecBudget := ll.Budget(), ec.Budget()
	calls := 0
	for _, counts := range []map[string]int{ll.RequestCounts(), ec.RequestCounts()} {
		for _, v := range counts {
			calls += v
		}
	}
	ll.ClearFaults()
	ec.ClearFaults()

	// The checks.
	count := map[string]int{}
	for _, so := range ll.SalesOrders() {
		count[so.Code]++
	}
	duplicates, lost, badShipments := 0, 0, 0
	for number, o := range orders {
		switch n := count[number]; {
		case n == 0:
			lost++
			t.Errorf("order %s is not in LOGILESS", number)
		case n > 1:
			duplicates += n - 1
			t.Errorf("order %s is %d times in LOGILESS", number, n)
		}
		got, _ := ec.Order(o.ID)
		captures := ec.CapturesSettled(o.ID)
		if captures > 1 {
			duplicates += captures - 1
		}
		if got.ShippingSlip != "SLIP-"+number || got.ShippedAt.IsZero() || captures != 1 ||
			got.PaymentState != "completed" || got.State != "shipped" {
			if badShipments++; badShipments <= 10 {
				t.Errorf("order %s: slip %q shipped_at %v, %d captures, payment_state %s, state %s; want SLIP-%s, a date, 1 capture, completed, shipped",
					number, got.ShippingSlip, got.ShippedAt, captures, got.PaymentState, got.State, number)
			}
		}
	}
	free, _ := ll.FreeStock(sku)
	if it, _ := ec.StockItem(sku, ecforceapi.DefaultStockLocation); int(it.Stock) != free {
		t.Errorf("ecforce stock of %s = %d, LOGILESS free stock %d; the sync ended %+v", sku, it.Stock, free, stockRes)
	}
	runningRuns := listRuns(ctx, t, s.taskQueue, "Running")
	failedRuns := listRuns(ctx, t, s.taskQueue, "Failed")
	for _, r := range runningRuns {
		t.Errorf("run %s still running", r)
	}
	for _, r := range failedRuns {
		if !strings.HasPrefix(r, workflows.ImportOrdersID(s.shop)) && !strings.HasPrefix(r, workflows.NotifyShipmentsID(s.shop)) {
			t.Errorf("run %s failed", r)
		}
	}
	if n := ll.RefreshTokenReuses(); n != 0 {
		t.Errorf("%d LOGILESS refresh-token reuses", n)
	}
	if kills < plan.kills {
		t.Errorf("%d kills, want %d", kills, plan.kills)
	}
	s.assertNoSecretsLeaked(ctx)

	var fb strings.Builder
	kinds := make([]string, 0, len(faults))
	total := 0
	for k := range faults {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&fb, "  %-32s %d\n", k, faults[k])
		total += faults[k]
	}
	worst := time.Duration(0)
	for _, d := range recoveries {
		worst = max(worst, d)
	}
	report := fmt.Sprintf(`chaos figures
orders                   %d
workers                  %d processes of the worker binary, both APIs at %g requests/s burst 1
faults                   %d (%.1f%% of %d API calls), by kind:
%skills                    %d (SIGKILL), activities moved to another worker within %s at worst (%s)
duplicates               %d (sales orders or captures beyond one)
lost                     %d (orders missing in LOGILESS), %d shipments not complete
wall time                %s
calls per order          %.1f (LOGILESS %d, ecforce %d requests admitted; %d and %d refused for the rate)
failed discoveries       %d (a later discovery picks up), failed order runs %d, running runs %d
`, plan.orders, plan.workers, plan.rate, total, 100*float64(total)/float64(max(1, calls)), calls, fb.String(),
		kills, worst.Round(100*time.Millisecond), roundAll(recoveries), duplicates, lost, badShipments,
		wallTime.Round(time.Second), float64(calls)/float64(plan.orders), llBudget.Admitted, ecBudget.Admitted,
		llBudget.Refused, ecBudget.Refused, len(failedDiscoveries), len(failedRuns)-len(failedDiscoveries), len(runningRuns))
	t.Log("\n" + report)
	if os.Getenv("CONNECTOR_CHAOS") == "full" {
		fmt.Print(report)
	}
	if worst > 45*time.Second {
		t.Errorf("a killed worker's activities took %s to move to another worker, want about 30 s", worst)
	}
}

func roundAll(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, d.Round(100*time.Millisecond).String())
	}
	return strings.Join(parts, ", ")
}

// runDiscovery starts a discovery and waits for it; it returns why it
// failed, or "".
func runDiscovery(ctx context.Context, s *stack, wf any, id string, in any) string {
	run, err := s.temporal().ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.taskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, wf, in)
	if err != nil {
		return err.Error()
	}
	if err := run.Get(ctx, nil); err != nil {
		return err.Error()
	}
	return ""
}

// awaitRuns waits until no run of the task queue is running.
func awaitRuns(ctx context.Context, taskQueue string) {
	for ctx.Err() == nil {
		resp, err := temporalClient.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Query: fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = 'Running' AND %s", taskQueue, notLongLived)})
		if err == nil && resp.GetCount() == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// notLongLived leaves out of a visibility query the runs that live on by
// design: the per-shop discovery loops and the EditOrder runs, which wait
// for an order's next edit until it ships (and close on the first look
// after that).
var notLongLived = fmt.Sprintf("WorkflowType NOT IN ('%s', '%s', '%s')",
	workflows.DiscoverOrdersWorkflowName, workflows.DiscoverShipmentsWorkflowName, workflows.EditOrderWorkflowName)

// listRuns lists the workflow IDs of the task queue's runs in a status
// (running: those that should have ended, see notLongLived).
func listRuns(ctx context.Context, t *testing.T, taskQueue, status string) []string {
	t.Helper()
	query := fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = '%s'", taskQueue, status)
	if status == "Running" {
		query += " AND " + notLongLived
	}
	var out []string
	var token []byte
	for {
		resp, err := temporalClient.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 1000, NextPageToken: token,
			Query: query})
		if err != nil {
			t.Fatalf("list %s runs: %v", status, err)
		}
		for _, e := range resp.GetExecutions() {
			out = append(out, e.GetExecution().GetWorkflowId())
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out
		}
	}
}

// flight is one activity that a worker process had started.
type flight struct{ workflowID, runID, activityID string }

// activitiesOf lists the activities the worker process pid has started on
// the task queue's running workflows.
func activitiesOf(ctx context.Context, t *testing.T, taskQueue string, pid int) []flight {
	t.Helper()
	prefix := fmt.Sprintf("%d@", pid)
	var out []flight
	for _, id := range listRuns(ctx, t, taskQueue, "Running") {
		desc, err := temporalClient.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			continue
		}
		for _, a := range desc.GetPendingActivities() {
			if a.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED && strings.HasPrefix(a.GetLastWorkerIdentity(), prefix) {
				out = append(out, flight{id, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), a.GetActivityId()})
			}
		}
	}
	return out
}

// awaitMoved waits until none of the activities is still held by the
// killed process pid (each finished, or started by another worker) and
// returns how long that took.
func awaitMoved(ctx context.Context, inFlight []flight, pid int, start time.Time) time.Duration {
	prefix := fmt.Sprintf("%d@", pid)
	left := inFlight
	for len(left) > 0 && ctx.Err() == nil {
		var still []flight
		for _, f := range left {
			desc, err := temporalClient.DescribeWorkflowExecution(ctx, f.workflowID, f.runID)
			if err != nil {
				continue
			}
			for _, a := range desc.GetPendingActivities() {
				if a.GetActivityId() == f.activityID && strings.HasPrefix(a.GetLastWorkerIdentity(), prefix) {
					still = append(still, f)
				}
			}
		}
		left = still
		if len(left) > 0 {
			time.Sleep(250 * time.Millisecond)
		}
	}
	return time.Since(start)
}
