package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

const (
	stockSingles = 300
	stockSets    = 20
	// stockMissingSKU is mapped, but its ecforce stock item is at another
	// location than the shop's.
	stockMissingSKU = "SKU-ST-299"
	putStock        = "PUT /api/v2/admin/stock_items"
	getStock        = "GET /api/v2/admin/stock_items"
)

// stockScenario is a catalogue of a few hundred SKUs: singles with every
// kind of mapping setting and sets built from them.
type stockScenario struct {
	rows []mapping.Row
	sets map[string][]mapping.Component
}

func newStockScenario() *stockScenario {
	sc := &stockScenario{sets: map[string][]mapping.Component{}}
	for i := range stockSingles {
		r := mapping.Row{SKU: fmt.Sprintf("SKU-ST-%03d", i), ArticleCode: fmt.Sprintf("ST-%03d", i), AllocationRate: 100}
		if i%10 == 0 {
			r.Reserve = 2
		}
		if i%7 == 0 {
			r.AllocationRate = 50
		}
		if i%11 == 0 {
			r.Max = intp(5)
		}
		if i%13 == 0 {
			r.Min = intp(3)
		}
		sc.rows = append(sc.rows, r)
	}
	for i := range stockSets {
		code := fmt.Sprintf("SET-%02d", i)
		sc.sets[code] = []mapping.Component{
			{ArticleCode: fmt.Sprintf("ST-%03d", 3*i), Quantity: 2},
			{ArticleCode: fmt.Sprintf("ST-%03d", 3*i+1), Quantity: 1},
		}
		sc.rows = append(sc.rows, mapping.Row{SKU: "SKU-" + code, ArticleCode: code, AllocationRate: 100})
	}
	return sc
}

func intp(v int) *int { return &v }

func (sc *stockScenario) csv() string {
	var b strings.Builder
	b.WriteString("sku,article_code,reserve,allocation_rate,max,min\n")
	opt := func(p *int) string {
		if p == nil {
			return ""
		}
		return fmt.Sprint(*p)
	}
	for _, r := range sc.rows {
		fmt.Fprintf(&b, "%s,%s,%d,%d,%s,%s\n", r.SKU, r.ArticleCode, r.Reserve, r.AllocationRate, opt(r.Max), opt(r.Min))
	}
	return b.String()
}

// seed creates the LOGILESS articles and stock, and the ecforce stock items:
// a third already in step, the rest off by one, the missing SKU elsewhere.
// It returns the SKUs whose ecforce stock differs.
func (sc *stockScenario) seed(t *testing.T, sb *sandbox.Servers) []string {
	t.Helper()
	for i := range stockSingles {
		code := fmt.Sprintf("ST-%03d", i)
		if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			t.Fatal(err)
		}
		if err := sb.Logiless.SetFreeStock(code, (i*7)%40+3*(i%5)); err != nil {
			t.Fatal(err)
		}
	}
	for code, comps := range sc.sets {
		a := logilessapi.Article{Code: code, Name: code, ArticleType: logilessapi.ArticleAssortment}
		for _, c := range comps {
			a.Components = append(a.Components, logilessapi.ArticleComponent{Component: c.ArticleCode, Quantity: c.Quantity})
		}
		if _, err := sb.Logiless.SeedArticle(a); err != nil {
			t.Fatal(err)
		}
	}
	want := sc.expected(t, sb)
	var differ []string
	for i, r := range sc.rows {
		stock, location := int(want[r.SKU]), ecforceapi.DefaultStockLocation
		if i%3 != 0 {
			stock++
		}
		if r.SKU == stockMissingSKU {
			location = "warehouse2"
		} else if i%3 != 0 {
			differ = append(differ, r.SKU)
		}
		if _, err := sb.Ecforce.SeedStockItem(r.SKU, location, stock); err != nil {
			t.Fatal(err)
		}
	}
	return differ
}

// expected is the ecforce stock every SKU should end with: set stock worked
// out by hand from the components, then the row's settings.
func (sc *stockScenario) expected(t *testing.T, sb *sandbox.Servers) map[string]int64 {
	t.Helper()
	free := func(code string) int {
		v, ok := sb.Logiless.FreeStock(code)
		if !ok {
			t.Fatalf("no article %s", code)
		}
		return v
	}
	out := map[string]int64{}
	for _, r := range sc.rows {
		f := 0
		if comps, isSet := sc.sets[r.ArticleCode]; isSet {
			f = -1
			for _, c := range comps {
				if n := free(c.ArticleCode) / c.Quantity; f < 0 || n < f {
					f = n
				}
			}
		} else {
			f = free(r.ArticleCode)
		}
		out[r.SKU] = int64(r.Allocate(f))
	}
	return out
}

// reconcileStock runs one stock sync (following continue-as-new) and returns
// its result and the IDs of its runs, first to last.
func (s *stack) reconcileStock(ctx context.Context, in workflows.ReconcileStockInput) (workflows.ReconcileStockResult, []string) {
	s.t.Helper()
	id := workflows.ReconcileStockID(s.shop)
	run := s.start(ctx, client.StartWorkflowOptions{ID: id, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, workflows.ReconcileStock, in)
	firstRun := run.GetRunID() // Get follows continue-as-new and moves the run ID on
	var res workflows.ReconcileStockResult
	if err := run.Get(ctx, &res); err != nil {
		s.t.Fatalf("stock sync failed: %v", err)
	}
	desc, err := temporalClient.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		s.t.Fatal(err)
	}
	runs := []string{desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()}
	for runs[0] != firstRun {
		h := runHistory(ctx, s.t, id, runs[0])
		prev := h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		if prev == "" {
			s.t.Fatalf("run %s does not continue %s", runs[0], firstRun)
		}
		runs = append([]string{prev}, runs...)
	}
	return res, runs
}

func runHistory(ctx context.Context, t *testing.T, workflowID, runID string) *historypb.History {
	t.Helper()
	h := &historypb.History{}
	iter := temporalClient.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatalf("history of %s/%s: %v", workflowID, runID, err)
		}
		h.Events = append(h.Events, ev)
	}
	return h
}

func stockWrites(sb *sandbox.Servers, skus []string) map[string]int {
	out := map[string]int{}
	for _, sku := range skus {
		out[sku] = sb.Ecforce.StockWriteCount(sku)
	}
	return out
}

func allSKUs(sc *stockScenario) []string {
	var out []string
	for _, r := range sc.rows {
		out = append(out, r.SKU)
	}
	return out
}

func checkEcforce(t *testing.T, sb *sandbox.Servers, want map[string]int64) {
	t.Helper()
	bad := 0
	for sku, v := range want {
		if sku == stockMissingSKU {
			continue
		}
		it, ok := sb.Ecforce.StockItem(sku, ecforceapi.DefaultStockLocation)
		if !ok || int64(it.Stock) != v {
			if bad++; bad <= 5 {
				t.Errorf("ecforce stock of %s = %d (found %v), want %d", sku, it.Stock, ok, v)
			}
		}
	}
}

func hasProblem(res workflows.ReconcileStockResult, sku, reason string) bool {
	for _, p := range res.Problems {
		if p.SKU == sku && p.Reason == reason {
			return true
		}
	}
	return false
}

// TestStockSyncEndToEnd: a few hundred SKUs with sets and a SKU missing at
// the location, synced by the real workflow on a dev server.
func TestStockSyncEndToEnd(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	sc := newStockScenario()
	s := newStack(t, stackOptions{mapping: sc.csv()})
	// Small pages, so that 320 SKUs take 4 pages and continue as new on a
	// real server. The sandbox shares the worker's clock: no overlap needed.
	s.conn.StockSync.PageSize = 100
	s.conn.StockSync.SinceOverlap = time.Nanosecond
	differ := sc.seed(t, s.sb)
	want := sc.expected(t, s.sb)
	skus := allSKUs(sc)
	s.sb.Ecforce.ResetRequestCounts()
	s.sb.Logiless.ResetRequestCounts()
	var ids []string
	var histories []string // run IDs to replay and keep

	// 1. First run: a full pass writes exactly the differing SKUs, once,
	// in requests of at most 100, and reports the missing one.
	first, runs := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop, PagesPerRun: 2})
	histories = append(histories, runs...)
	if first.Mode != stocksync.ModeFull || first.Read != len(sc.rows) || first.Written != len(differ) || first.Changed != len(differ) ||
		first.Failed != 0 || first.Skipped.MissingAtLocation != 1 || first.Unchanged != len(sc.rows)-len(differ)-1 {
		t.Fatalf("first run = %+v; want a full pass reading %d, writing %d", first.Summary, len(sc.rows), len(differ))
	}
	if first.Runs != 2 || first.Pages != 4 || len(runs) != 2 {
		t.Errorf("first run: %d pages in %d runs (%d run IDs), want 4 pages in 2 runs", first.Pages, first.Runs, len(runs))
	}
	checkEcforce(t, s.sb, want)
	writes := stockWrites(s.sb, skus)
	for _, sku := range skus {
		wantWrites := 0
		if slices.Contains(differ, sku) {
			wantWrites = 1
		}
		if writes[sku] != wantWrites {
			t.Errorf("%s written %d times, want %d", sku, writes[sku], wantWrites)
		}
	}
	if !hasProblem(first, stockMissingSKU, stocksync.ReasonMissingAtLocation) {
		t.Errorf("the SKU missing at the location is not reported: %+v", first.Problems)
	}
	// One request per page and API: 100 SKUs read, the differing ones
	// written, their articles' (and components') stock searched.
	ec := s.sb.Ecforce.RequestCounts()
	if ec[putStock] != 4 || ec[getStock] != 4 {
		t.Errorf("%d stock writes and %d stock lists for 4 pages, want 4 and 4", ec[putStock], ec[getStock])
	}
	if n := s.sb.Logiless.RequestCounts()["POST /api/v1/merchant/{id}/logical_inventory_summaries/search"]; n != 4 {
		t.Errorf("%d inventory searches for 4 pages, want 4", n)
	}
	ids = append(ids, workflows.ReconcileStockID(s.shop))

	// The outcome is searchable in the Web UI.
	query := fmt.Sprintf(`%s=%q AND %s=%q AND %s=%q`, workflows.ShopAttribute.GetName(), s.shop,
		workflows.FlowAttribute.GetName(), workflows.FlowStockSync, workflows.OutcomeAttribute.GetName(), workflows.OutcomeCompletedWithProblems)
	waitForVisible(ctx, t, query)

	// 2. A second run with no stock change is incremental and writes
	// nothing; the missing SKU is looked at again and still reported.
	time.Sleep(1100 * time.Millisecond) // LOGILESS times have one-second precision
	s.sb.Ecforce.ResetRequestCounts()
	second, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop})
	if second.Mode != stocksync.ModeIncremental || second.Written != 0 || second.Changed != 0 || s.sb.Ecforce.RequestCounts()[putStock] != 0 {
		t.Errorf("second run = %s %+v, %d write requests; want incremental, nothing written", second.Mode, second.Summary, s.sb.Ecforce.RequestCounts()[putStock])
	}
	if !hasProblem(second, stockMissingSKU, stocksync.ReasonMissingAtLocation) {
		t.Errorf("second run does not report the missing SKU again: %+v", second.Problems)
	}
	if got := stockWrites(s.sb, skus); !mapsEqual(got, writes) {
		t.Error("the second run wrote stock")
	}

	// 3. A component changes: its own SKU and the set containing it are
	// written, nothing else.
	time.Sleep(1100 * time.Millisecond)
	if err := s.sb.Logiless.SetFreeStock("ST-000", 30); err != nil { // component of SET-00
		t.Fatal(err)
	}
	if err := s.sb.Logiless.SetFreeStock("ST-150", 1); err != nil {
		t.Fatal(err)
	}
	want = sc.expected(t, s.sb)
	third, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop})
	checkEcforce(t, s.sb, want)
	changedSKUs := []string{"SKU-ST-000", "SKU-ST-150", "SKU-SET-00"}
	after := stockWrites(s.sb, skus)
	for _, sku := range skus {
		if d := after[sku] - writes[sku]; d != 0 && !slices.Contains(changedSKUs, sku) {
			t.Errorf("%s was written although its stock did not change", sku)
		}
	}
	if third.Mode != stocksync.ModeIncremental || third.Read != len(changedSKUs)+1 || third.Written != 3 {
		t.Errorf("third run = %s %+v; want incremental, reading the 3 affected SKUs and the retried one", third.Mode, third.Summary)
	}
	writes = after

	// 4. A dry run prints the diff and writes nothing, and keeps the
	// watermark: the next real run writes the change.
	time.Sleep(1100 * time.Millisecond)
	if err := s.sb.Logiless.SetFreeStock("ST-151", 0); err != nil {
		t.Fatal(err)
	}
	dry, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop, DryRun: true})
	it, _ := s.sb.Ecforce.StockItem("SKU-ST-151", ecforceapi.DefaultStockLocation)
	if !dry.DryRun || dry.Written != 0 || len(dry.Changes) != 1 || dry.Changes[0].SKU != "SKU-ST-151" || dry.Changes[0].To != 0 || it.Stock == 0 {
		t.Errorf("dry run = %+v, ecforce stock %d", dry.Summary, it.Stock)
	}
	fifth, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop})
	if it, _ := s.sb.Ecforce.StockItem("SKU-ST-151", ecforceapi.DefaultStockLocation); fifth.Written != 1 || it.Stock != 0 {
		t.Errorf("run after the dry run wrote %d, SKU-ST-151 = %d", fifth.Written, it.Stock)
	}

	// 5. The starter prints the diff of a dry run.
	orig, _ := s.sb.Logiless.FreeStock("ST-152")
	if err := s.sb.Logiless.SetFreeStock("ST-152", 0); err != nil {
		t.Fatal(err)
	}
	out := runStarter(ctx, t, s, "reconcile-stock", "--shop", s.shop, "--dry-run", "--full")
	if !strings.Contains(out, "full pass") || !strings.Contains(out, "dry run, nothing was written") ||
		!strings.Contains(out, "SKU-ST-152") || !strings.Contains(out, stockMissingSKU) {
		t.Errorf("starter reconcile-stock --dry-run output:\n%s", out)
	}

	// 6. A full pass over a catalogue in step writes nothing, across four
	// continued runs.
	time.Sleep(1100 * time.Millisecond)
	s.sb.Ecforce.ResetRequestCounts()
	if err := s.sb.Logiless.SetFreeStock("ST-152", orig); err != nil { // back to what ecforce has
		t.Fatal(err)
	}
	full, runs := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop, Full: true, PagesPerRun: 1})
	histories = append(histories, runs...)
	if full.Runs != 4 || full.Written != 0 || full.Read != len(sc.rows) || s.sb.Ecforce.RequestCounts()[putStock] != 0 {
		t.Errorf("full pass in step = %+v in %d runs, %d write requests", full.Summary, full.Runs, s.sb.Ecforce.RequestCounts()[putStock])
	}

	s.assertNoSecretsLeaked(ctx, ids...)
	replayStockHistories(ctx, t, workflows.ReconcileStockID(s.shop), histories)
}

// A scheduled run of a shop whose stock sync is off does nothing; a manual
// run still works.
func TestStockSyncDisabledShop(t *testing.T) {
	ctx := testContext(t, time.Minute)
	sc := newStockScenario()
	s := newStack(t, stackOptions{mapping: sc.csv(), shopYAML: func(y string) string {
		return strings.Replace(y, "stock_sync:\n      enabled: true", "stock_sync:\n      enabled: false", 1)
	}})
	differ := sc.seed(t, s.sb)
	s.sb.Ecforce.ResetRequestCounts()
	s.sb.Logiless.ResetRequestCounts()
	res, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop, Scheduled: true})
	if !res.Disabled || len(s.sb.Ecforce.RequestCounts())+len(s.sb.Logiless.RequestCounts()) != 0 {
		t.Errorf("scheduled run of a disabled shop = %+v, requests %v %v", res, s.sb.Ecforce.RequestCounts(), s.sb.Logiless.RequestCounts())
	}
	manual, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop})
	if manual.Disabled || manual.Written != len(differ) {
		t.Errorf("manual run = %+v, want %d written", manual.Summary, len(differ))
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func waitForVisible(ctx context.Context, t *testing.T, query string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := temporalClient.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err == nil && len(resp.GetExecutions()) > 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("no run matches %s in the visibility store", query)
}

// replayStockHistories replays the given runs with today's code and, with
// UPDATE_REPLAY_HISTORIES=1, stores them under workflows/testdata/stock for
// the workflows package's replay test.
func replayStockHistories(ctx context.Context, t *testing.T, workflowID string, runIDs []string) {
	t.Helper()
	replayer := worker.NewWorkflowReplayer()
	workflows.RegisterWorkflows(replayer)
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "workflows", "testdata", "stock")
	for i, runID := range runIDs {
		h := runHistory(ctx, t, workflowID, runID)
		if err := replayer.ReplayWorkflowHistory(nil, h); err != nil {
			t.Errorf("replay run %d (%s): %v", i, runID, err)
		}
		if os.Getenv("UPDATE_REPLAY_HISTORIES") != "" {
			b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, versionedHistoryName(fmt.Sprintf("reconcilestock-%d.json", i+1))), string(b))
		}
	}
}

// runStarter builds the starter once per test and runs it against the stack.
func runStarter(ctx context.Context, t *testing.T, s *stack, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "starter")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../starter").CombinedOutput(); err != nil {
		t.Fatalf("build starter: %v\n%s", err, out)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(),
		"CONNECTOR_TEMPORAL_ADDRESS="+temporalAddress,
		"CONNECTOR_TASK_QUEUE="+s.taskQueue,
		"CONNECTOR_SHOPS_FILE="+filepath.Join(s.dir, "shops.yaml"),
		"CONNECTOR_STATE_DIR="+filepath.Join(s.dir, "state"),
		"CONNECTOR_WEB_UI_URL=http://ui.example",
		"E2E_ECFORCE_PASSWORD="+testEcforcePassword,
		"E2E_LOGILESS_SECRET="+testLogilessSecret,
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("starter %v: %v\n%s", args, err, out)
	}
	for _, secret := range []string{testEcforcePassword, testLogilessSecret} {
		if strings.Contains(string(out), secret) {
			t.Fatalf("starter %v printed a secret", args)
		}
	}
	return string(out)
}
