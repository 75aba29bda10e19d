package main

import (
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

func payloads(t *testing.T, v any) *commonpb.Payloads {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stockHistory is the history of a ReconcileStock run: started with in,
// then each activity scheduled and completed with its result.
func stockHistory(t *testing.T, in workflows.ReconcileStockInput, results ...any) []*historypb.HistoryEvent {
	t.Helper()
	events := []*historypb.HistoryEvent{{
		EventId: 1, EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
		Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
			WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{Input: payloads(t, in)},
		},
	}}
	id := int64(5)
	for _, r := range results {
		name := reconcileStockPageActivity
		if _, ok := r.(activities.PlanStockSyncResult); ok {
			name = planStockSyncActivity
		}
		events = append(events,
			&historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
				Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{
					ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{ActivityType: &commonpb.ActivityType{Name: name}},
				}},
			&historypb.HistoryEvent{EventId: id + 2, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
				Attributes: &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{
					ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{ScheduledEventId: id, Result: payloads(t, r)},
				}})
		id += 6
	}
	return events
}

// runningPage is the pending ReconcileStockPage with its heartbeat (the
// activity's progress: cursor and summary so far).
func runningPage(t *testing.T, read int, attempt int32, lastErr string) []*workflowpb.PendingActivityInfo {
	hb := struct {
		After   string
		Summary stocksync.Summary
	}{After: "S0500", Summary: stocksync.Summary{Read: read}}
	a := &workflowpb.PendingActivityInfo{
		ActivityType: &commonpb.ActivityType{Name: reconcileStockPageActivity}, HeartbeatDetails: payloads(t, hb), Attempt: attempt,
	}
	if lastErr != "" {
		a.LastFailure = &failurepb.Failure{Message: lastErr}
	}
	return []*workflowpb.PendingActivityInfo{a}
}

func TestStockPassProgressLine(t *testing.T) {
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) // 09:00 JST
	plan := activities.PlanStockSyncResult{Mode: stocksync.ModeFull, MappedSKUs: 2500}
	page := func(read int) activities.ReconcileStockPageResult {
		return activities.ReconcileStockPageResult{Summary: stocksync.Summary{Read: read}, Next: "S"}
	}
	carried := &workflows.ReconcileStockProgress{StartedAt: start, Result: workflows.ReconcileStockResult{
		Mode: stocksync.ModeFull, MappedSKUs: 25000, Pages: 20, Summary: stocksync.Summary{Read: 20000},
	}}
	for _, tt := range []struct {
		name    string
		events  []*historypb.HistoryEvent
		pending []*workflowpb.PendingActivityInfo
		at      time.Duration
		want    string
	}{
		{"planning", stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"}), nil, 4 * time.Second,
			"planning the stock sync · 4s"},
		{"first page running", stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"}, plan), runningPage(t, 250, 1, ""), time.Minute,
			"full pass: 0/3 pages · 250/2,500 SKUs (10%) · 250 SKUs/min · ETA 09:10 JST (in 9m0s) · 1m0s"},
		{"second page running", stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"}, plan, page(1000)), runningPage(t, 500, 1, ""), 3 * time.Minute,
			"full pass: 1/3 pages · 1,500/2,500 SKUs (60%) · 500 SKUs/min · ETA 09:05 JST (in 2m0s) · 3m0s"},
		{"page retrying", stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"}, plan, page(1000)), runningPage(t, 0, 3, "ecforce: 503"), 2 * time.Minute,
			"full pass: 1/3 pages · 1,000/2,500 SKUs (40%) · 500 SKUs/min · ETA 09:05 JST (in 3m0s) · ReconcileStockPage attempt 3: ecforce: 503 · 2m0s"},
		{"continued run", stockHistory(t, workflows.ReconcileStockInput{Shop: "demo", Progress: carried}, page(1000)), nil, 42 * time.Minute,
			"full pass: 21/25 pages · 21,000/25,000 SKUs (84%) · 500 SKUs/min · ETA 09:50 JST (in 8m0s) · 42m0s"},
		{"incremental", stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"},
			activities.PlanStockSyncResult{Mode: stocksync.ModeIncremental, MappedSKUs: 2500}, page(40)), nil, 2 * time.Minute,
			"incremental pass: 1 pages done · 40 SKUs read · 20 SKUs/min · 2m0s"},
		{"incremental turned full", stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"},
			activities.PlanStockSyncResult{Mode: stocksync.ModeIncremental, MappedSKUs: 2500},
			activities.ReconcileStockPageResult{NeedFull: true}), runningPage(t, 100, 1, ""), time.Minute,
			"full pass: 0/3 pages · 100/2,500 SKUs (4%) · 100 SKUs/min · ETA 09:25 JST (in 24m0s) · 1m0s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := stockPassFromHistory(tt.events, start, converter.GetDefaultDataConverter())
			p.addRunningPage(runSnapshot{pending: tt.pending}, converter.GetDefaultDataConverter())
			got, _ := p.line(start.Add(tt.at))
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// reconcile-stock waits with progress on stderr (a line per page when it is
// not a terminal) and ends with the summary and the link to the run.
func TestReconcileStockShowsProgress(t *testing.T) {
	setupSettings(t)
	f := newFakeTemporal()
	f.runningPolls = 6
	f.runStart = time.Now().Add(-time.Minute)
	plan := activities.PlanStockSyncResult{Mode: stocksync.ModeFull, MappedSKUs: 2500}
	page := activities.ReconcileStockPageResult{Summary: stocksync.Summary{Read: 1000}}
	f.history = func(poll int) []*historypb.HistoryEvent {
		if poll <= 3 {
			return stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"}, plan)
		}
		return stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"}, plan, page)
	}
	f.pending = func(int) []*workflowpb.PendingActivityInfo { return runningPage(t, 200, 1, "") }
	f.result = workflows.ReconcileStockResult{Shop: "demo", Mode: stocksync.ModeFull, ModeReason: "full pass requested",
		Location: "default", MappedSKUs: 2500, Pages: 3, Runs: 1, Summary: stocksync.Summary{Read: 2500, Unchanged: 2500}}
	f.use(t)

	code, out, errOut := runStarter(t, "reconcile-stock", "--shop", "demo", "--full")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{"full pass: 0/3 pages · 200/2,500 SKUs (8%)", "full pass: 1/3 pages · 1,200/2,500 SKUs (48%)", "SKUs/min · ETA "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("progress lacks %q:\n%s", want, errOut)
		}
	}
	t.Log("stderr:\n" + errOut + "stdout:\n" + out)
	if n := strings.Count(errOut, "\n"); n != 2 {
		t.Errorf("%d progress lines, want one per page:\n%s", n, errOut)
	}
	if !strings.Contains(out, "read 2500 of 2500 mapped SKUs") ||
		!strings.HasSuffix(out, "run: http://ui.test/namespaces/default/workflows/reconcile-stock%2Fdemo/"+finishedRunID+"/history\n") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 25000: "25,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
