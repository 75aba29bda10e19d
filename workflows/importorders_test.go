package workflows

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

func newImportsEnv() (*testsuite.TestWorkflowEnvironment, *activities.OrderImport) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(ImportOrders)
	env.RegisterWorkflow(ImportOrder)
	env.RegisterWorkflow(ChangeOrder)
	// No imported order changed in ecforce unless a test says otherwise.
	env.OnActivity(a.FindOrderChanges, mock.Anything, mock.Anything).Return(activities.FindOrderChangesResult{}, nil).Maybe()
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

// A listing that stopped at its cap makes the discovery continue as new
// after the last order looked at, once the imports it found have started;
// the continued run lists from there. Runs recorded before
// ImportContinuesVersion end as they did.
func TestImportOrdersContinuesAfterItsCap(t *testing.T) {
	for _, old := range []bool{false, true} {
		t.Run(map[bool]string{false: "continues", true: "recorded before the change"}[old], func(t *testing.T) {
			env, a := newImportsEnv()
			onShopSwitches(env, activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{AutoRun: true}})
			if old {
				env.OnGetVersion(ImportContinuesChangeID, workflow.DefaultVersion, ImportContinuesVersion).Return(workflow.DefaultVersion)
			}
			env.OnActivity(a.ListImportCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListImportCandidatesInput) bool {
				return in.AfterOrderID == 10
			})).Return(activities.ListImportCandidatesResult{Listed: 3, Truncated: true, NextAfterOrderID: 42,
				Candidates: []activities.ImportCandidate{{OrderID: 41, OrderNumber: "0000000041"}, {OrderID: 42, OrderNumber: "0000000042", CodeTaken: true}},
			}, nil).Once()
			started := 0
			env.OnWorkflow(ImportOrder, mock.Anything, mock.Anything).Return(ImportOrderResult{Outcome: OutcomeImported}, nil).Run(func(mock.Arguments) { started++ })
			env.ExecuteWorkflow(ImportOrders, ImportOrdersInput{Shop: "demo", Scheduled: true, AfterOrderID: 10, Continued: 2})
			err := env.GetWorkflowError()
			if started != 2 {
				t.Errorf("%d imports started, want 2 before the run ends", started)
			}
			if old {
				var res ImportOrdersResult
				if err != nil || env.GetWorkflowResult(&res) != nil || !res.Truncated || res.Continued != 2 {
					t.Fatalf("old run: %v, %+v; want it to end truncated", err, res)
				}
				return
			}
			var cont *workflow.ContinueAsNewError
			if !errors.As(err, &cont) {
				t.Fatalf("workflow error = %v, want continue-as-new", err)
			}
			var next ImportOrdersInput
			if err := converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next); err != nil {
				t.Fatal(err)
			}
			if want := (ImportOrdersInput{Shop: "demo", Scheduled: true, AfterOrderID: 42, Continued: 3}); next != want {
				t.Errorf("continued with %+v, want %+v", next, want)
			}
			if cont.WorkflowType.Name != "ImportOrders" {
				t.Errorf("continued as %q", cont.WorkflowType.Name)
			}
			env.AssertExpectations(t)
		})
	}
}

// A discovery names what it left waiting by its real reason: a blocked
// import (held after its failure) is not "already handled".
func TestNamedWaits(t *testing.T) {
	listed := activities.ListImportCandidatesResult{
		Candidates: []activities.ImportCandidate{
			{OrderNumber: "EC1", Unmapped: true},
			{OrderNumber: "EC2"},
			{OrderNumber: "EC3", MultipleDestinations: true},
			{OrderNumber: "EC4", CodeTaken: true, Unmapped: true},
			{OrderNumber: "EC5", Unmapped: true},
			{OrderNumber: "EC6"},
		},
		NotYetDue:               7,
		NotYetDueOrders:         []activities.NotYetDueOrder{{OrderNumber: "EC9", Due: "2026-12-03"}},
		AlreadyInLogiless:       2,
		AlreadyInLogilessOrders: []string{"EC7", "EC8"},
	}
	tests := []struct {
		name             string
		taken            []int
		handled, blocked int
		want             []WaitingOrders
	}{
		{"nothing taken", nil, 0, 0, []WaitingOrders{
			{WaitNotYetDue, 7, []string{"EC9 (発送予定日 2026-12-03)"}},
			{WaitAlreadyInLogiless, 2, []string{"EC7", "EC8"}},
		}},
		{"blocked apart from handled, by reason in order of first sight", []int{0, 1, 2, 3, 4}, 1, 4, []WaitingOrders{
			{WaitNotYetDue, 7, []string{"EC9 (発送予定日 2026-12-03)"}},
			{WaitAlreadyInLogiless, 2, []string{"EC7", "EC8"}},
			{"blocked:UnmappedSKU", 2, []string{"EC1", "EC5"}},
			{WaitAlreadyHandled, 1, []string{"EC2"}},
			{"blocked:MultipleDestinations", 1, []string{"EC3"}},
			{"blocked:OrderCodeTaken", 1, []string{"EC4"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handled, blocked, got := namedWaits(listed, tt.taken)
			if handled != tt.handled || blocked != tt.blocked || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("namedWaits = %d handled, %d blocked, %+v; want %d, %d, %+v", handled, blocked, got, tt.handled, tt.blocked, tt.want)
			}
		})
	}
}

// Only the first few orders of a reason are named; the count is complete.
func TestNamedWaitsNamesTheFirstFew(t *testing.T) {
	var listed activities.ListImportCandidatesResult
	var taken []int
	for i := range 12 {
		listed.Candidates = append(listed.Candidates, activities.ImportCandidate{OrderNumber: fmt.Sprintf("EC%02d", i), Unmapped: true})
		taken = append(taken, i)
	}
	_, blocked, got := namedWaits(listed, taken)
	if blocked != 12 || len(got) != 1 || got[0].Count != 12 || len(got[0].Orders) != activities.MaxNamedOrders || got[0].Orders[0] != "EC00" {
		t.Errorf("blocked %d, waits %+v; want 12 counted, the first %d named", blocked, got, activities.MaxNamedOrders)
	}
}
