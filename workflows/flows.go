package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/config"
)

// Flow is one business flow as everything outside this package sees it:
// the worker registers its workflows, package schedules makes one schedule
// per shop from it, `starter status` lists its runs and the replay test
// replays its histories. Adding a flow is an entry in Flows and the flow's
// own files.
type Flow struct {
	// Name is the flow's key: the ConnectorFlow search attribute's value
	// and the first part of its schedule IDs (<name>/<shop>).
	Name string
	// Scheduled is the workflow a shop's schedule starts: the flow's
	// discovery, or its only workflow.
	Scheduled Workflow
	// ScheduledID is the workflow ID of a shop's scheduled run (Temporal
	// appends the time to each scheduled run's ID).
	ScheduledID func(shop string) string
	// ScheduledInput is the input of a shop's scheduled run.
	ScheduledInput func(shop string) any
	// PerOrder is the workflow the discovery starts for each order, with
	// the ID PerOrderID gives; both are nil when the flow has none.
	PerOrder   *Workflow
	PerOrderID func(shop, orderNumber string) string
	// Others are the flow's further per-order workflows, started by hand
	// or by a discovery with their own IDs (EditOrder); registered with it.
	Others []Workflow
	// Discovery is the flow's long-running discovery loop, with the
	// workflow ID DiscoveryID gives (nil when the flow has none); the
	// worker keeps one running per shop (package discoveries).
	Discovery   *Workflow
	DiscoveryID func(shop string) string
	// Interval is the schedule interval the shop's settings ask for: the
	// sweep interval of a flow with a discovery loop.
	Interval func(s config.Shop) time.Duration
	// On is the flow's on switch: off pauses the shop's schedule, and a
	// scheduled run that starts anyway does nothing.
	On func(sw activities.ShopSwitchesResult) bool
}

// Workflow is a workflow function and the type name it is registered and
// started under.
type Workflow struct {
	Name string
	Func any
}

// Flows are the connector's flows, in the order they are listed.
var Flows = []Flow{
	{
		Name:           FlowOrderImport,
		Scheduled:      Workflow{ImportOrdersWorkflowName, ImportOrders},
		ScheduledID:    ImportOrdersID,
		ScheduledInput: func(shop string) any { return ImportOrdersInput{Shop: shop, Scheduled: true} },
		PerOrder:       &Workflow{ImportOrderWorkflowName, ImportOrder},
		PerOrderID:     ImportOrderID,
		Others:         []Workflow{{EditOrderWorkflowName, EditOrder}},
		Discovery:      &Workflow{DiscoverOrdersWorkflowName, DiscoverOrders},
		DiscoveryID:    DiscoverOrdersID,
		Interval:       func(s config.Shop) time.Duration { return s.OrderImport.SweepInterval },
		On:             orderImportOn,
	},
	{
		Name:           FlowShipmentNotification,
		Scheduled:      Workflow{NotifyShipmentsWorkflowName, NotifyShipments},
		ScheduledID:    NotifyShipmentsID,
		ScheduledInput: func(shop string) any { return NotifyShipmentsInput{Shop: shop, Scheduled: true} },
		PerOrder:       &Workflow{NotifyShipmentWorkflowName, NotifyShipment},
		PerOrderID:     NotifyShipmentID,
		Discovery:      &Workflow{DiscoverShipmentsWorkflowName, DiscoverShipments},
		DiscoveryID:    DiscoverShipmentsID,
		Interval:       func(s config.Shop) time.Duration { return s.ShipmentNotification.SweepInterval },
		On:             shipmentNotificationOn,
	},
	{
		Name:           FlowStockSync,
		Scheduled:      Workflow{ReconcileStockWorkflowName, ReconcileStock},
		ScheduledID:    ReconcileStockID,
		ScheduledInput: func(shop string) any { return ReconcileStockInput{Shop: shop, Scheduled: true} },
		Interval:       func(s config.Shop) time.Duration { return s.StockSync.Interval },
		On:             stockSyncOn,
	},
}

// FlowNamed returns the flow with this name.
func FlowNamed(name string) (Flow, bool) {
	for _, f := range Flows {
		if f.Name == name {
			return f, true
		}
	}
	return Flow{}, false
}

// Workflows lists the flow's workflows: the scheduled one, then the
// per-order one and the discovery loop if it has them, then the Others.
func (f Flow) Workflows() []Workflow {
	out := []Workflow{f.Scheduled}
	if f.PerOrder != nil {
		out = append(out, *f.PerOrder)
	}
	if f.Discovery != nil {
		out = append(out, *f.Discovery)
	}
	return append(out, f.Others...)
}

// OnIn reads the flow's on switch from a shop's settings.
func (f Flow) OnIn(s config.Shop) bool {
	return f.On(activities.SwitchesOf(s))
}

// WorkflowRegistry is where workflows are registered: a worker, a replayer
// or a test environment.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// RegisterWorkflows registers every workflow of every flow on r under its
// type name.
func RegisterWorkflows(r WorkflowRegistry) {
	for _, f := range Flows {
		for _, w := range f.Workflows() {
			r.RegisterWorkflowWithOptions(w.Func, workflow.RegisterOptions{Name: w.Name})
		}
	}
	for _, w := range Unscheduled {
		r.RegisterWorkflowWithOptions(w.Func, workflow.RegisterOptions{Name: w.Name})
	}
}

// Unscheduled are the workflows outside Flows: started by a flow's
// discovery or a webhook, never by a schedule of their own. Their
// activities are methods of a flow's activities.
var Unscheduled = []Workflow{
	{ChangeOrderWorkflowName, ChangeOrder}, // order import's discovery, order_canceled webhooks
}
