package workflows

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// onShopSwitches registers the ShopSwitches step on env and answers it for
// shop "demo" with sw. It returns a counter of the step's runs.
func onShopSwitches(env *testsuite.TestWorkflowEnvironment, sw activities.ShopSwitchesResult) *int {
	s := &activities.Switches{}
	env.RegisterActivity(s)
	calls := new(int)
	env.OnActivity(s.ShopSwitches, mock.Anything, activities.ShopSwitchesInput{Shop: "demo"}).Return(sw, nil).Run(func(mock.Arguments) { *calls++ })
	return calls
}

// beforeShopSwitches runs env's workflow as a run recorded before
// ShopSwitchesVersion: its activities' results carry the switches.
func beforeShopSwitches(env *testsuite.TestWorkflowEnvironment) {
	env.OnGetVersion(ShopSwitchesChangeID, workflow.DefaultVersion, ShopSwitchesVersion).Return(workflow.DefaultVersion)
}

// outcomeLog is every ConnectorOutcome a run set, in order.
type outcomeLog []string

func (l *outcomeLog) last() string {
	if len(*l) == 0 {
		return ""
	}
	return (*l)[len(*l)-1]
}

// recordOutcomes makes env record every ConnectorOutcome the run sets.
func recordOutcomes(env *testsuite.TestWorkflowEnvironment) *outcomeLog {
	l := &outcomeLog{}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(OutcomeAttribute); ok {
			*l = append(*l, v)
		}
	})
	return l
}

// versions runs a test once as a run before ShopSwitchesVersion ("old")
// and once at it ("switches").
func versions(t *testing.T, test func(t *testing.T, old bool)) {
	t.Run("old", func(t *testing.T) { test(t, true) })
	t.Run("switches", func(t *testing.T) { test(t, false) })
}

// A shop the worker does not know fails the run at the switch step, with
// the error's type on the outcome, before anything else runs.
func TestUnknownShopFailsAtTheSwitchStep(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	s := &activities.Switches{}
	env.RegisterActivity(s)
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(ImportOrder)
	calls := 0
	env.OnActivity(s.ShopSwitches, mock.Anything, mock.Anything).Return(func(context.Context, activities.ShopSwitchesInput) (activities.ShopSwitchesResult, error) {
		calls++
		return activities.ShopSwitchesResult{}, temporal.NewNonRetryableApplicationError(`shop "nope" is not in this worker's shops file`, activities.ErrTypeUnknownShop, nil)
	})
	outcomes := recordOutcomes(env)
	env.ExecuteWorkflow(ImportOrder, ImportOrderInput{Shop: "nope", OrderNumber: "0000000001"})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeUnknownShop {
		t.Fatalf("workflow error = %v, want %s", err, activities.ErrTypeUnknownShop)
	}
	if calls != 1 || outcomes.last() != OutcomeFailed+":"+activities.ErrTypeUnknownShop {
		t.Errorf("switch step ran %d times, outcomes %v", calls, *outcomes)
	}
	env.AssertNotCalled(t, "CreateSalesOrder", mock.Anything, mock.Anything)
}
