package app

import (
	"slices"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/workflows"
)

// registrations records what Register registers; any other call panics
// through the nil embedded Registry.
type registrations struct {
	worker.Registry
	workflows  []string
	activities []any
}

func (r *registrations) RegisterWorkflowWithOptions(_ any, o workflow.RegisterOptions) {
	r.workflows = append(r.workflows, o.Name)
}

func (r *registrations) RegisterActivity(a any) { r.activities = append(r.activities, a) }

// Register registers every workflow of the registry and the activities of
// every flow, plus the ShopSwitches step.
func TestRegisterCoversEveryFlow(t *testing.T) {
	c := &Connector{
		OrderImport:          &activities.OrderImport{},
		ShipmentNotification: &activities.ShipmentNotification{},
		StockSync:            &activities.StockSync{},
		Switches:             &activities.Switches{},
	}
	var r registrations
	c.Register(&r)
	var wantWorkflows []string
	for _, f := range workflows.Flows {
		for _, w := range f.Workflows() {
			wantWorkflows = append(wantWorkflows, w.Name)
		}
	}
	for _, w := range workflows.Unscheduled {
		wantWorkflows = append(wantWorkflows, w.Name)
	}
	if !slices.Equal(r.workflows, wantWorkflows) {
		t.Errorf("registered workflows %v, want %v", r.workflows, wantWorkflows)
	}
	want := []any{c.OrderImport, c.ShipmentNotification, c.StockSync, c.Switches}
	if len(r.activities) != len(want) {
		t.Fatalf("registered %d activity structs, want %d", len(r.activities), len(want))
	}
	for i := range want {
		if r.activities[i] != want[i] {
			t.Errorf("activity struct %d = %T, want %T", i, r.activities[i], want[i])
		}
	}
}
