package workflows

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// discoveryEnv is a test environment for DiscoverOrders whose gate says
// gate and whose listing records the time and input of each call.
type discoveryEnv struct {
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
	calls []activities.ListOrderChangesInput
}

func newDiscoveryEnv(t *testing.T, gate activities.DiscoveryGateResult, listing func(n int, in activities.ListOrderChangesInput) activities.ListOrderChangesResult) *discoveryEnv {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	d := &discoveryEnv{env: suite.NewTestWorkflowEnvironment()}
	a, s := &activities.OrderImport{}, &activities.Switches{}
	d.env.RegisterActivity(a)
	d.env.RegisterActivity(s)
	d.env.RegisterWorkflow(DiscoverOrders)
	d.env.RegisterWorkflow(ImportOrder)
	d.env.OnActivity(s.DiscoveryGate, mock.Anything, activities.DiscoveryGateInput{Shop: "demo", ScheduleID: "order-import/demo"}).Return(gate, nil)
	d.env.OnActivity(a.ListOrderChanges, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ListOrderChangesInput) (activities.ListOrderChangesResult, error) {
			d.calls = append(d.calls, in)
			return listing(len(d.calls)-1, in), nil
		}).After(5 * time.Second) // each listing takes 5 s
	d.env.OnWorkflow(ImportOrder, mock.Anything, mock.Anything).Return(ImportOrderResult{Outcome: OutcomeImported}, nil)
	d.start = d.env.Now()
	return d
}

// at is when the n-th listing ran, after the start.
func (d *discoveryEnv) at(n int) time.Duration { return d.calls[n].Now.Sub(d.start) }

func (d *discoveryEnv) run(t *testing.T) {
	t.Helper()
	d.env.ExecuteWorkflow(DiscoverOrders, DiscoveryInput{Shop: "demo"})
	var can *workflow.ContinueAsNewError
	if err := d.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("the loop ended with %v, want a continue-as-new", err)
	}
}

var openGate = activities.DiscoveryGateResult{
	Switches:            activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{AutoRun: true}},
	OrderImportInterval: time.Minute,
}

// The loop discovers every interval from the watermark the last
// discovery returned, starts the candidates' imports, and continues as new
// after discoveriesPerRun discoveries, carrying its state.
func TestDiscoverOrdersLoopsFromItsWatermark(t *testing.T) {
	mark := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	d := newDiscoveryEnv(t, openGate, func(n int, _ activities.ListOrderChangesInput) activities.ListOrderChangesResult {
		res := activities.ListOrderChangesResult{Watermark: mark.Add(time.Duration(n) * time.Second)}
		if n == 0 {
			res.Candidates = []activities.ImportCandidate{{OrderID: 1, OrderNumber: "EC1"}}
			res.Waiting = []activities.DueOrder{{OrderID: 2, Due: "2999-01-01"}}
		}
		return res
	})
	started := 0
	d.env.SetOnChildWorkflowStartedListener(func(*workflow.Info, workflow.Context, converter.EncodedValues) { started++ })
	d.run(t)
	if len(d.calls) != discoveriesPerRun || started != 1 {
		t.Fatalf("%d discoveries and %d imports started, want %d and 1", len(d.calls), started, discoveriesPerRun)
	}
	if got := d.at(1) - d.at(0); got != time.Minute {
		t.Errorf("second discovery %s after the first, want the interval (from the start of the first)", got)
	}
	if !d.calls[1].Watermark.Equal(mark) || !d.calls[0].Watermark.IsZero() {
		t.Errorf("watermarks %s, %s: want zero, then the first result's", d.calls[0].Watermark, d.calls[1].Watermark)
	}
}

// discover-now runs a discovery at once with the named order; signals
// that arrive while one runs cost one more discovery, not one each.
func TestDiscoverOrdersDiscoverNowIsDebounced(t *testing.T) {
	for name, tc := range map[string]struct {
		before bool // a run recorded before DiscoverAtOnceVersion
		at     []time.Duration
		named1 []string
		named2 int
	}{
		"at once": {at: []time.Duration{20 * time.Second, 25 * time.Second, 85 * time.Second}, named1: []string{"EC1"}, named2: 3},
		"recorded before discover-now-at-once: waits 2 s for the burst": {before: true,
			at: []time.Duration{22 * time.Second, 27 * time.Second, 87 * time.Second}, named1: []string{"EC1", "EC4"}, named2: 2},
	} {
		t.Run(name, func(t *testing.T) {
			d := newDiscoveryEnv(t, openGate, func(int, activities.ListOrderChangesInput) activities.ListOrderChangesResult {
				return activities.ListOrderChangesResult{}
			})
			if tc.before {
				d.env.OnGetVersion(DiscoverAtOnceChangeID, workflow.DefaultVersion, DiscoverAtOnceVersion).Return(workflow.DefaultVersion)
			}
			signal := func(after time.Duration, number string) {
				d.env.RegisterDelayedCallback(func() {
					d.env.SignalWorkflow(DiscoverNowSignal, DiscoverNow{Event: "order_completed", OrderNumber: number})
				}, after)
			}
			signal(20*time.Second, "EC1") // while waiting
			signal(21*time.Second, "EC4") // while EC1's discovery runs (or within the old window)
			for _, n := range []string{"EC2", "EC3", "EC2"} {
				signal(23*time.Second, n) // while EC1's discovery runs
			}
			d.run(t)
			var named1 []string
			for _, n := range d.calls[1].Named {
				named1 = append(named1, n.OrderNumber)
			}
			if d.at(1) != tc.at[0] || !slices.Equal(named1, tc.named1) {
				t.Errorf("discovery 1 at %s named %v, want at %s with %v", d.at(1), named1, tc.at[0], tc.named1)
			}
			if d.at(2) != tc.at[1] || len(d.calls[2].Named) != tc.named2 {
				t.Errorf("discovery 2 at %s named %+v, want one more at %s, as the first ends, with %d orders", d.at(2), d.calls[2].Named, tc.at[1], tc.named2)
			}
			if d.at(3) != tc.at[2] {
				t.Errorf("discovery 3 at %s, want %s (the interval after the last began)", d.at(3), tc.at[2])
			}
		})
	}
}

// A paused flow (switch off or schedule paused) discovers nothing.
func TestDiscoverOrdersPausedDoesNothing(t *testing.T) {
	for name, gate := range map[string]activities.DiscoveryGateResult{
		"auto-run off":    {OrderImportInterval: time.Minute},
		"schedule paused": {Switches: openGate.Switches, SchedulePaused: true, OrderImportInterval: time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			d := newDiscoveryEnv(t, gate, func(int, activities.ListOrderChangesInput) activities.ListOrderChangesResult {
				return activities.ListOrderChangesResult{}
			})
			d.env.RegisterDelayedCallback(func() { d.env.SignalWorkflow(DiscoverNowSignal, DiscoverNow{OrderID: 7}) }, time.Second)
			d.run(t)
			if len(d.calls) != 0 {
				t.Errorf("%d discoveries while paused", len(d.calls))
			}
		})
	}
}
