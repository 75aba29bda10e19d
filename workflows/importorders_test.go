package workflows

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/activities"
)

func newImportsEnv() (*testsuite.TestWorkflowEnvironment, *activities.OrderImport) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(ImportOrders)
	env.RegisterWorkflow(ImportOrder)
	return env, a
}

// A run started by hand imports even while 受注取込を自動実行 is off.
func TestImportOrdersStartsOneImportPerCandidate(t *testing.T) {
	env, a := newImportsEnv()
	onShopSwitches(env, activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{AutoRun: false}})
	env.OnActivity(a.ListImportCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListImportCandidatesInput) bool {
		return in.Shop == "demo" && !in.Now.IsZero() && !in.Scheduled
	})).Return(activities.ListImportCandidatesResult{
		Listed: 4, NotYetDue: 1, AlreadyInLogiless: 1,
		Candidates: []activities.ImportCandidate{
			{OrderID: 1, OrderNumber: "0000000001", CodeLookup: activities.LookupNotFound},
			{OrderID: 2, OrderNumber: "0000000002", CodeLookup: activities.LookupNotFound},
		},
	}, nil)
	// The imports outlive the discovery (ParentClosePolicy ABANDON), so the
	// test environment only records their starts.
	env.OnWorkflow(ImportOrder, mock.Anything, mock.Anything).Return(ImportOrderResult{Outcome: OutcomeImported}, nil)

	env.ExecuteWorkflow(ImportOrders, ImportOrdersInput{Shop: "demo"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res ImportOrdersResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	want := []string{ImportOrderID("demo", "0000000001"), ImportOrderID("demo", "0000000002")}
	if len(res.Started) != 2 || res.Started[0] != want[0] || res.Started[1] != want[1] {
		t.Errorf("Started = %v, want %v", res.Started, want)
	}
	if res.Listed != 4 || res.NotYetDue != 1 || res.AlreadyInLogiless != 1 || res.Disabled {
		t.Errorf("counts = %+v", res)
	}
}

// A scheduled run of a shop whose 受注取込を自動実行 is on lists and imports;
// the listing is told nothing of the schedule, since the run has decided.
func TestImportOrdersScheduledRunsWhenOn(t *testing.T) {
	env, a := newImportsEnv()
	onShopSwitches(env, activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{AutoRun: true}})
	env.OnActivity(a.ListImportCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListImportCandidatesInput) bool {
		return !in.Scheduled
	})).Return(activities.ListImportCandidatesResult{Listed: 1,
		Candidates: []activities.ImportCandidate{{OrderID: 1, OrderNumber: "0000000001"}}}, nil).Once()
	env.OnWorkflow(ImportOrder, mock.Anything, mock.Anything).Return(ImportOrderResult{Outcome: OutcomeImported}, nil)
	env.ExecuteWorkflow(ImportOrders, ImportOrdersInput{Shop: "demo", Scheduled: true})
	var res ImportOrdersResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Disabled || len(res.Started) != 1 {
		t.Errorf("result = %+v, want one import started", res)
	}
	env.AssertExpectations(t)
}

func TestImportOrdersDisabledStartsNothing(t *testing.T) {
	versions(t, func(t *testing.T, old bool) {
		env, a := newImportsEnv()
		var switchCalls *int
		if old {
			beforeShopSwitches(env)
			env.OnActivity(a.ListImportCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListImportCandidatesInput) bool {
				return in.Scheduled
			})).Return(activities.ListImportCandidatesResult{Disabled: true}, nil)
		} else {
			switchCalls = onShopSwitches(env, activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{AutoRun: false}})
		}
		outcomes := recordOutcomes(env)
		env.ExecuteWorkflow(ImportOrders, ImportOrdersInput{Shop: "demo", Scheduled: true})
		var res ImportOrdersResult
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
		if !res.Disabled || len(res.Started) != 0 || outcomes.last() != OutcomeDisabled {
			t.Errorf("result = %+v, outcomes %v; want disabled with nothing started", res, *outcomes)
		}
		if !old {
			if *switchCalls != 1 {
				t.Errorf("ShopSwitches ran %d times, want 1", *switchCalls)
			}
			env.AssertNotCalled(t, "ListImportCandidates", mock.Anything, mock.Anything)
		}
	})
}
