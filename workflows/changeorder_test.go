package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/orderchange"
)

func newChangeEnv() (*testsuite.TestWorkflowEnvironment, *activities.OrderImport) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(ChangeOrder)
	return env, a
}

func runChange(t *testing.T, env *testsuite.TestWorkflowEnvironment) ChangeOrderResult {
	t.Helper()
	env.ExecuteWorkflow(ChangeOrder, ChangeOrderInput{Shop: "demo", OrderNumber: "0000000007", OrderID: 7})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res ChangeOrderResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

// The rules' decision is applied once, by id, and gives the outcome.
func TestChangeOrderApplies(t *testing.T) {
	for _, tc := range []struct {
		action  orderchange.Action
		outcome string
	}{
		{orderchange.Reverse, OutcomeCancelledInLogiless},
		{orderchange.UpdatePayment, OutcomePaymentUpdated},
	} {
		t.Run(string(tc.action), func(t *testing.T) {
			env, a := newChangeEnv()
			outcomes := recordOutcomes(env)
			env.OnActivity(a.ReadOrderChange, mock.Anything, activities.OrderChangeInput{Shop: "demo", OrderNumber: "0000000007", OrderID: 7}).
				Return(activities.OrderChangeResult{OrderID: 7, SalesOrderID: 70, SalesOrderCode: "0000000007", Action: string(tc.action), Reason: "r"}, nil).Once()
			env.OnActivity(a.ApplyOrderChange, mock.Anything, activities.OrderChangeInput{Shop: "demo", OrderNumber: "0000000007", OrderID: 7, SalesOrderID: 70}).
				Return(activities.OrderChangeResult{OrderID: 7, SalesOrderID: 70, SalesOrderCode: "2100000070001", Action: string(tc.action), Reason: "r", Applied: true}, nil).Once()
			res := runChange(t, env)
			if res.Outcome != tc.outcome || res.SalesOrderID != 70 || res.SalesOrderCode != "2100000070001" {
				t.Errorf("result %+v, want %s", res, tc.outcome)
			}
			if got := strings.Join(*outcomes, " "); got != OutcomeRunning+" "+tc.outcome {
				t.Errorf("outcomes %s", got)
			}
			env.AssertExpectations(t)
		})
	}
}

// Nothing to do (never imported, cancelled already, payment there): no
// apply step, outcome no-change; and an apply that finds nothing left to do
// (an earlier attempt applied it) is no-change too.
func TestChangeOrderNothingToDo(t *testing.T) {
	for _, read := range []activities.OrderChangeResult{
		{OrderID: 7, Action: string(orderchange.None), Reason: "never imported"},
		{OrderID: 7, SalesOrderID: 70, Action: string(orderchange.None), Reason: "cancelled already", Cancelled: true},
	} {
		env, a := newChangeEnv()
		env.OnActivity(a.ReadOrderChange, mock.Anything, mock.Anything).Return(read, nil).Once()
		if res := runChange(t, env); res.Outcome != OutcomeNoChange || res.Reason != read.Reason {
			t.Errorf("%+v: result %+v, want no-change", read, res)
		}
		env.AssertExpectations(t)
	}
	env, a := newChangeEnv()
	env.OnActivity(a.ReadOrderChange, mock.Anything, mock.Anything).Return(activities.OrderChangeResult{OrderID: 7, SalesOrderID: 70, Action: string(orderchange.Reverse)}, nil)
	env.OnActivity(a.ApplyOrderChange, mock.Anything, mock.Anything).Return(activities.OrderChangeResult{SalesOrderID: 70, Action: string(orderchange.None), Reason: "cancelled already"}, nil).Once()
	if res := runChange(t, env); res.Outcome != OutcomeNoChange {
		t.Errorf("result %+v, want no-change", res)
	}
}

// Too late: the run waits as blocked:CancelTooLate, a wake while the
// warehouse still works on it blocks again, and once it moved the order back
// the same run cancels it.
func TestChangeOrderCancelTooLateUntilMovedBack(t *testing.T) {
	env, a := newChangeEnv()
	outcomes := recordOutcomes(env)
	env.OnActivity(a.ReadOrderChange, mock.Anything, mock.Anything).
		Return(activities.OrderChangeResult{OrderID: 7, SalesOrderID: 70, Action: string(orderchange.CancelTooLate)}, nil).Once()
	calls := 0
	tooLate := `ecforce order 0000000007 of shop demo is キャンセル, but its LOGILESS sales order 0000000007 (id 70) is Working, so nothing was cancelled: stop the parcel (runbook: docs/errors.md#canceltoolate)`
	env.OnActivity(a.ApplyOrderChange, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.OrderChangeInput) (activities.OrderChangeResult, error) {
			calls++
			if calls <= 2 {
				return activities.OrderChangeResult{}, temporal.NewNonRetryableApplicationError(tooLate, activities.ErrTypeCancelTooLate, nil)
			}
			return activities.OrderChangeResult{SalesOrderID: 70, Action: string(orderchange.Reverse), Applied: true, Cancelled: true}, nil
		})
	var details string
	env.RegisterDelayedCallback(func() {
		details = currentDetails(t, env)
		env.SignalWorkflow(WakeSignal, WakeInput{Reason: "discovery"})
	}, time.Hour)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(WakeSignal, WakeInput{Reason: "discovery"}) }, 2*time.Hour)
	res := runChange(t, env)
	if res.Outcome != OutcomeCancelledInLogiless || calls != 3 {
		t.Errorf("result %+v after %d attempts; want cancelled-in-logiless after 3", res, calls)
	}
	want := []string{OutcomeRunning, "blocked:CancelTooLate", OutcomeRunning, "blocked:CancelTooLate", OutcomeRunning, OutcomeCancelledInLogiless}
	if strings.Join(*outcomes, " ") != strings.Join(want, " ") {
		t.Errorf("outcomes %v, want %v", *outcomes, want)
	}
	for _, part := range []string{"blocked:CancelTooLate since ", "Working", "stop the parcel", "starter wake --shop demo --order 0000000007"} {
		if !strings.Contains(details, part) {
			t.Errorf("blocked details %q lack %q", details, part)
		}
	}
}

// The discovery's last step starts one ChangeOrder per changed order, under
// order-change/<shop>/<受注番号>.
func TestImportOrdersStartsOrderChanges(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(ImportOrders)
	env.RegisterWorkflow(ChangeOrder)
	onShopSwitches(env, activities.ShopSwitchesResult{})
	env.OnActivity(a.ListImportCandidates, mock.Anything, mock.Anything).Return(activities.ListImportCandidatesResult{}, nil)
	env.OnActivity(a.FindOrderChanges, mock.Anything, mock.MatchedBy(func(in activities.FindOrderChangesInput) bool {
		return in.Shop == "demo" && !in.Now.IsZero()
	})).Return(activities.FindOrderChangesResult{Looked: 3, Candidates: []activities.OrderChangeCandidate{
		{OrderID: 1, OrderNumber: "0000000001", SalesOrderID: 10, Action: string(orderchange.Reverse)},
		{OrderID: 2, OrderNumber: "0000000002", SalesOrderID: 20, Action: string(orderchange.UpdatePayment)},
	}}, nil)
	// The runs outlive the discovery; the test environment records their starts.
	env.OnWorkflow(ChangeOrder, mock.Anything, mock.Anything).Return(ChangeOrderResult{Outcome: OutcomeNoChange}, nil)
	env.ExecuteWorkflow(ImportOrders, ImportOrdersInput{Shop: "demo"})
	var res ImportOrdersResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	want := []string{OrderChangeID("demo", "0000000001"), OrderChangeID("demo", "0000000002")}
	if strings.Join(res.ChangesStarted, " ") != strings.Join(want, " ") {
		t.Errorf("changes started %v, want %v", res.ChangesStarted, want)
	}
}

func TestOrderChangeStart(t *testing.T) {
	s := OrderChangeStart("demo", "0000000007", 7)
	if s.ID != "order-change/demo/0000000007" || s.WorkflowType != ChangeOrderWorkflowName || s.Input.OrderID != 7 || s.Summary == "" {
		t.Errorf("%+v", s)
	}
	if v, ok := s.SearchAttributes.GetKeyword(FlowAttribute); !ok || v != FlowOrderChange {
		t.Errorf("flow attribute %q %v", v, ok)
	}
}
