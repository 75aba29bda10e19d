package workflows

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/config"
)

// The registry keeps every name that running deployments and recorded
// histories depend on.
func TestFlowsKeepTheirNamesAndIDs(t *testing.T) {
	type row struct{ flow, scheduled, scheduledID, perOrder, perOrderID string }
	var got []row
	for _, f := range Flows {
		r := row{flow: f.Name, scheduled: f.Scheduled.Name, scheduledID: f.ScheduledID("demo")}
		if f.PerOrder != nil {
			r.perOrder, r.perOrderID = f.PerOrder.Name, f.PerOrderID("demo", "0000000001")
		} else if f.PerOrderID != nil {
			t.Errorf("flow %s has a PerOrderID but no PerOrder workflow", f.Name)
		}
		got = append(got, r)
	}
	want := []row{
		{"order-import", "ImportOrders", "import-orders/demo", "ImportOrder", "import-order/demo/0000000001"},
		{"shipment-notification", "NotifyShipments", "notify-shipments/demo", "NotifyShipment", "notify-shipment/demo/0000000001"},
		{"stock-sync", "ReconcileStock", "reconcile-stock/demo", "", ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Flows = %+v\nwant    %+v", got, want)
	}
}

// Each workflow is registered under the name of its function, the name a
// client that starts it by function (the starter, a schedule, a parent)
// derives.
func TestFlowWorkflowNamesAreTheirFunctions(t *testing.T) {
	for _, f := range Flows {
		for _, w := range f.Workflows() {
			full := runtime.FuncForPC(reflect.ValueOf(w.Func).Pointer()).Name()
			if name := full[strings.LastIndex(full, ".")+1:]; name != w.Name {
				t.Errorf("flow %s: workflow %s is registered as %q", f.Name, name, w.Name)
			}
		}
	}
	for _, w := range Unscheduled {
		full := runtime.FuncForPC(reflect.ValueOf(w.Func).Pointer()).Name()
		if name := full[strings.LastIndex(full, ".")+1:]; name != w.Name {
			t.Errorf("workflow %s is registered as %q", name, w.Name)
		}
	}
}

func TestScheduledInputsAreMarkedScheduled(t *testing.T) {
	for _, f := range Flows {
		in := reflect.ValueOf(f.ScheduledInput("demo"))
		if in.FieldByName("Shop").String() != "demo" || !in.FieldByName("Scheduled").Bool() {
			t.Errorf("flow %s: scheduled input %#v", f.Name, in.Interface())
		}
	}
}

// Each flow's switch and schedule interval are the settings the settings
// screen names for it: for the flows with a discovery loop, the schedule
// runs the sweep, at sweep_interval.
func TestFlowSwitchesAndIntervals(t *testing.T) {
	var s config.Shop
	s.OrderImport.Interval, s.ShipmentNotification.Interval, s.StockSync.Interval = time.Minute, 2*time.Minute, 3*time.Minute
	s.OrderImport.SweepInterval, s.ShipmentNotification.SweepInterval = time.Hour, 2*time.Hour
	on := map[string]func(*config.Shop){
		FlowOrderImport:          func(s *config.Shop) { s.OrderImport.AutoRun = true },
		FlowShipmentNotification: func(s *config.Shop) { s.ShipmentNotification.AutoRun = true },
		FlowStockSync:            func(s *config.Shop) { s.StockSync.Enabled = true },
	}
	intervals := map[string]time.Duration{FlowOrderImport: time.Hour, FlowShipmentNotification: 2 * time.Hour, FlowStockSync: 3 * time.Minute}
	for _, f := range Flows {
		if f.OnIn(s) {
			t.Errorf("flow %s is on with every switch off", f.Name)
		}
		shop := s
		on[f.Name](&shop)
		for _, g := range Flows {
			if g.OnIn(shop) != (g.Name == f.Name) {
				t.Errorf("switching %s on: flow %s on = %t", f.Name, g.Name, g.OnIn(shop))
			}
		}
		if got := f.Interval(s); got != intervals[f.Name] {
			t.Errorf("flow %s interval = %s, want %s", f.Name, got, intervals[f.Name])
		}
	}
	if _, ok := FlowNamed("nightly-report"); ok {
		t.Error("FlowNamed found a flow that does not exist")
	}
	if f, ok := FlowNamed(FlowStockSync); !ok || f.Scheduled.Name != ReconcileStockWorkflowName {
		t.Errorf("FlowNamed(%q) = %+v, %t", FlowStockSync, f, ok)
	}
}

type registeredNames []string

func (r *registeredNames) RegisterWorkflowWithOptions(_ any, o workflow.RegisterOptions) {
	*r = append(*r, o.Name)
}

func TestRegisterWorkflowsRegistersEveryWorkflowOnce(t *testing.T) {
	var got registeredNames
	RegisterWorkflows(&got)
	want := []string{ImportOrdersWorkflowName, ImportOrderWorkflowName, DiscoverOrdersWorkflowName, EditOrderWorkflowName,
		NotifyShipmentsWorkflowName, NotifyShipmentWorkflowName, DiscoverShipmentsWorkflowName, ReconcileStockWorkflowName,
		ChangeOrderWorkflowName}
	if !slices.Equal(got, want) {
		t.Errorf("registered %v, want %v", got, want)
	}
}
