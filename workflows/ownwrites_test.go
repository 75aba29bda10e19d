package workflows

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// ImportOrder tells the shop's discovery loop its own write of the
// imported state before it writes it, with the fingerprint of what it
// created; an order it did not create (found in LOGILESS) is not told, and
// a loop that is not running does not fail the import.
func TestImportOrderTellsItsOwnWrite(t *testing.T) {
	tests := []struct {
		name     string
		created  bool
		loopDown bool
		old      bool // recorded before OwnWritesVersion
		want     bool
	}{
		{name: "created: told before the write", created: true, want: true},
		{name: "no running loop: the import goes on", created: true, loopDown: true, want: true},
		{name: "found in LOGILESS: not told", created: false},
		{name: "recorded before own-writes: not told", created: true, old: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, a := newImportEnv(t)
			onShopSwitches(env, activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{ImportedState: "linked"}})
			if tt.old {
				env.OnGetVersion(OwnWritesChangeID, workflow.DefaultVersion, OwnWritesVersion).Return(workflow.DefaultVersion)
			}
			var steps []string
			env.OnActivity(a.CreateSalesOrder, mock.Anything, mock.Anything).Return(activities.CreateSalesOrderResult{
				OrderID: 7, SalesOrderID: 70, Created: tt.created, OrderState: "complete", Sent: "s0123",
			}, nil)
			env.OnActivity(a.MarkOrderImported, mock.Anything, mock.Anything).Return(activities.MarkOrderImportedResult{Changed: true}, nil).
				Run(func(mock.Arguments) { steps = append(steps, "mark") })
			var signalErr error
			if tt.loopDown {
				signalErr = errors.New("workflow not found")
			}
			env.OnSignalExternalWorkflow(mock.Anything, DiscoverOrdersID("demo"), "", OwnWriteSignal, OwnWrite{OrderID: 7, Sent: "s0123"}).
				Return(signalErr).Run(func(mock.Arguments) { steps = append(steps, "told") })
			env.ExecuteWorkflow(ImportOrder, ImportOrderInput{Shop: "demo", OrderNumber: "0000000007", OrderID: 7})
			var res ImportOrderResult
			if err := env.GetWorkflowResult(&res); err != nil {
				t.Fatal(err)
			}
			want := []string{"mark"}
			if tt.want {
				want = []string{"told", "mark"}
			}
			if !slices.Equal(steps, want) || res.StateSet != "linked" {
				t.Errorf("steps %v, state set %q; want %v and linked", steps, res.StateSet, want)
			}
		})
	}
}

// The loop leaves out the orders in the imported state whose only change
// was their import's own write (told before or while the listing ran, and
// listed again unchanged), and starts an EditOrder run for every other
// update of such an order: an edit, or any update once the own write is
// forgotten.
func TestDiscoverOrdersLeavesOutOwnWrites(t *testing.T) {
	imported := func(id int64, number, built string) activities.UpdatedOrder {
		return activities.UpdatedOrder{OrderID: id, OrderNumber: number, State: "linked", Imported: true, Built: built}
	}
	for _, old := range []bool{false, true} {
		name := map[bool]string{false: "own-writes", true: "recorded before own-writes"}[old]
		t.Run(name, func(t *testing.T) {
			d := newDiscoveryEnv(t, openGate, func(n int, _ activities.ListOrderChangesInput) activities.ListOrderChangesResult {
				var res activities.ListOrderChangesResult
				switch n {
				case 1: // 60 s: EC1 written only, EC2 edited, EC3 told while this listing ran
					res.Updated = []activities.UpdatedOrder{imported(1, "EC1", "s1"), imported(2, "EC2", "s2-edited"), imported(3, "EC3", "s3")}
				case 2: // 120 s: EC1 listed again unchanged (near the watermark)
					res.Updated = []activities.UpdatedOrder{imported(1, "EC1", "s1")}
				case 3: // 180 s: EC1 edited
					res.Updated = []activities.UpdatedOrder{imported(1, "EC1", "s1-edited")}
				case 15: // 900 s: EC3 updated after ownWriteTTL: one pass
					res.Updated = []activities.UpdatedOrder{imported(3, "EC3", "s3")}
				}
				return res
			})
			if old {
				d.env.OnGetVersion(OwnWritesChangeID, workflow.DefaultVersion, OwnWritesVersion).Return(workflow.DefaultVersion)
			}
			d.env.RegisterWorkflow(EditOrder)
			d.env.OnWorkflow(EditOrder, mock.Anything, mock.Anything).Return(EditOrderResult{Outcome: OutcomeUpToDate}, nil)
			type start struct {
				id string
				at time.Duration
			}
			var edits []start
			d.env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
				if info.WorkflowType.Name == EditOrderWorkflowName {
					edits = append(edits, start{info.WorkflowExecution.ID, d.env.Now().Sub(d.start)})
				}
			})
			tell := func(after time.Duration, w OwnWrite) {
				d.env.RegisterDelayedCallback(func() { d.env.SignalWorkflow(OwnWriteSignal, w) }, after)
			}
			tell(30*time.Second, OwnWrite{OrderID: 1, Sent: "s1"})
			tell(30*time.Second, OwnWrite{OrderID: 2, Sent: "s2"})
			tell(62*time.Second, OwnWrite{OrderID: 3, Sent: "s3"}) // while listing 1 runs
			var status DiscoveryStatus
			d.env.RegisterDelayedCallback(func() {
				v, err := d.env.QueryWorkflow(DiscoveryStatusQuery)
				if err == nil {
					err = v.Get(&status)
				}
				if err != nil {
					t.Error(err)
				}
			}, 63*time.Second) // while listing 1 runs: the two told before it
			d.run(t)
			if status.OwnWrites != 2 || status.OwnWritesLeftOut != 0 {
				t.Errorf("status before the listing = %+v, want 2 own writes kept, none left out yet", status)
			}
			var got []string
			for _, e := range edits {
				got = append(got, e.id)
			}
			want := []string{"edit-order/demo/EC2", "edit-order/demo/EC1", "edit-order/demo/EC3"}
			if old {
				want = nil // runs recorded before follow only orders seen in LOGILESS
			}
			if !slices.Equal(got, want) {
				t.Errorf("EditOrder runs started %v, want %v", got, want)
			}
			if !old && (len(edits) != 3 || edits[0].at >= 2*time.Minute || edits[1].at < 3*time.Minute || edits[1].at >= 4*time.Minute) {
				t.Errorf("EditOrder starts %+v: want EC2 after the first listing, EC1 after its edit (the third)", edits)
			}
		})
	}
}

// The loop forgets an own write no listing saw after ownWriteTTL, and
// keeps at most maxOwnWrites.
func TestOwnWritesAreBounded(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	check := func(ctx workflow.Context) (int, error) {
		state := &DiscoveryState{}
		for i := range maxOwnWrites + 10 {
			state.OwnWrites = append(state.OwnWrites, OwnWriteEntry{OwnWrite: OwnWrite{OrderID: int64(i + 1), Sent: "s"}, At: workflow.Now(ctx)})
		}
		takeOwnWrites(ctx, state)
		if len(state.OwnWrites) != maxOwnWrites || state.OwnWrites[0].OrderID != 11 {
			return 0, temporal.NewApplicationError("not bounded", "test")
		}
		if err := workflow.Sleep(ctx, ownWriteTTL+time.Minute); err != nil {
			return 0, err
		}
		takeOwnWrites(ctx, state)
		return len(state.OwnWrites), nil
	}
	env.RegisterWorkflow(check)
	env.ExecuteWorkflow(check)
	var left int
	if err := env.GetWorkflowResult(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d own writes left after %s, want 0", left, ownWriteTTL)
	}
}

// An order LOGILESS holds whose copy the listing found in agreement
// (Unedited) starts no EditOrder run; runs recorded before edits-compared
// start one for every order LOGILESS holds.
func TestDiscoverOrdersSkipsUneditedOrders(t *testing.T) {
	for _, old := range []bool{false, true} {
		name := map[bool]string{false: "edits-compared", true: "recorded before edits-compared"}[old]
		t.Run(name, func(t *testing.T) {
			d := newDiscoveryEnv(t, openGate, func(n int, _ activities.ListOrderChangesInput) activities.ListOrderChangesResult {
				var res activities.ListOrderChangesResult
				if n == 1 {
					res.Updated = []activities.UpdatedOrder{
						{OrderID: 1, OrderNumber: "EC1", State: "complete", InLogiless: true, Unedited: true},
						{OrderID: 2, OrderNumber: "EC2", State: "complete", InLogiless: true},
					}
				}
				return res
			})
			if old {
				d.env.OnGetVersion(EditsComparedChangeID, workflow.DefaultVersion, EditsComparedVersion).Return(workflow.DefaultVersion)
			}
			d.env.RegisterWorkflow(EditOrder)
			d.env.OnWorkflow(EditOrder, mock.Anything, mock.Anything).Return(EditOrderResult{Outcome: OutcomeUpToDate}, nil)
			var got []string
			d.env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
				if info.WorkflowType.Name == EditOrderWorkflowName {
					got = append(got, info.WorkflowExecution.ID)
				}
			})
			d.run(t)
			want := []string{"edit-order/demo/EC2"}
			if old {
				want = []string{"edit-order/demo/EC1", "edit-order/demo/EC2"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("EditOrder runs started %v, want %v", got, want)
			}
		})
	}
}
