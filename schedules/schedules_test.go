package schedules

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/workflows"
)

func TestPlanFollowsTheSettingsScreen(t *testing.T) {
	a := config.Shop{Code: "a"}
	// The order import and shipment notification schedules run the sweep:
	// their interval is sweep_interval (the discovery loops use interval).
	a.OrderImport.AutoRun, a.OrderImport.Interval, a.OrderImport.SweepInterval = true, time.Minute, 10*time.Minute
	a.ShipmentNotification.AutoRun, a.ShipmentNotification.Interval, a.ShipmentNotification.SweepInterval = false, time.Minute, 5*time.Minute
	a.StockSync.Enabled, a.StockSync.Interval = true, 20*time.Minute
	b := config.Shop{Code: "b"}
	b.OrderImport.SweepInterval, b.ShipmentNotification.SweepInterval, b.StockSync.Interval = time.Minute, time.Minute, time.Minute

	plan := Plan(&config.ShopsFile{Shops: []config.Shop{b, a}}, "q")
	want := []struct {
		id         string
		workflowID string
		every      time.Duration
		paused     bool
	}{
		{"order-import/a", workflows.ImportOrdersID("a"), 10 * time.Minute, false},
		{"order-import/b", workflows.ImportOrdersID("b"), time.Minute, true},
		{"shipment-notification/a", workflows.NotifyShipmentsID("a"), 5 * time.Minute, true},
		{"shipment-notification/b", workflows.NotifyShipmentsID("b"), time.Minute, true},
		{"stock-sync/a", workflows.ReconcileStockID("a"), 20 * time.Minute, false},
		{"stock-sync/b", workflows.ReconcileStockID("b"), time.Minute, true},
	}
	if len(plan) != len(want) {
		t.Fatalf("plan has %d schedules, want %d", len(plan), len(want))
	}
	for i, w := range want {
		d := plan[i]
		if d.ID != w.id || d.WorkflowID != w.workflowID || d.Every != w.every || d.Paused != w.paused || d.TaskQueue != "q" {
			t.Errorf("plan[%d] = %s %s every %s paused %t on %q; want %s %s every %s paused %t",
				i, d.ID, d.WorkflowID, d.Every, d.Paused, d.TaskQueue, w.id, w.workflowID, w.every, w.paused)
		}
	}
	// Scheduled runs are marked, so a switched-off flow does nothing even
	// if its schedule is unpaused by hand.
	if in, ok := plan[0].Args[0].(workflows.ImportOrdersInput); !ok || !in.Scheduled || in.Shop != "a" {
		t.Errorf("order import schedule input = %#v", plan[0].Args[0])
	}
}

func TestPolicies(t *testing.T) {
	tests := []struct{ every, catchup, jitter time.Duration }{
		{time.Minute, time.Minute, 6 * time.Second},
		{10 * time.Minute, 10 * time.Minute, 30 * time.Second},
		{30 * time.Second, time.Minute, 3 * time.Second},
	}
	for _, tt := range tests {
		if got := catchupWindow(tt.every); got != tt.catchup {
			t.Errorf("catchupWindow(%s) = %s, want %s", tt.every, got, tt.catchup)
		}
		if got := jitter(tt.every); got != tt.jitter {
			t.Errorf("jitter(%s) = %s, want %s", tt.every, got, tt.jitter)
		}
	}
}

func TestIsConnectorScheduleID(t *testing.T) {
	for id, want := range map[string]bool{
		"order-import/demo": true, "stock-sync/x": true, "shipment-notification/a-b": true,
		"order-import/": false, "nightly-report/demo": false, "order-import": false,
	} {
		if got := isConnectorScheduleID(id); got != want {
			t.Errorf("isConnectorScheduleID(%q) = %t, want %t", id, got, want)
		}
	}
}

// Every scheduled run carries its flow's summary in the Web UI; a schedule
// created before that is updated to carry it.
func TestScheduledRunsCarryASummary(t *testing.T) {
	d := Desired{Shop: "demo", Flow: workflows.FlowOrderImport, WorkflowID: "import-orders/demo", WorkflowType: "ImportOrders",
		Every: time.Minute, TaskQueue: "q"}
	a := d.action()
	if a.StaticSummary != "受注取込 demo: ecforce → LOGILESS" {
		t.Errorf("schedule action summary = %q", a.StaticSummary)
	}
	old := *a
	old.Workflow, old.StaticSummary = "ImportOrders", ""
	desc := &client.ScheduleDescription{Schedule: client.Schedule{Action: &old, Spec: &client.ScheduleSpec{
		Intervals: []client.ScheduleIntervalSpec{{Every: time.Minute}}}}}
	if diff := differences(desc, d); len(diff) != 1 || !strings.Contains(diff[0], "summary") {
		t.Errorf("differences of a schedule without a summary = %q, want the summary", diff)
	}
	old.StaticSummary = a.StaticSummary
	if diff := differences(desc, d); len(diff) != 0 {
		t.Errorf("differences of a matching schedule = %q", diff)
	}
}
