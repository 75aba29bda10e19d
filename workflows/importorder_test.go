package workflows

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

func newImportEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *activities.OrderImport) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(ImportOrder)
	env.RegisterWorkflow(ChangeOrder)
	env.OnWorkflow(ChangeOrder, mock.Anything, mock.Anything).Return(ChangeOrderResult{}, nil).Maybe()
	return env, a
}

// TestImportOrder covers imported_state empty and set. Runs at
// ShopSwitchesVersion take it from the ShopSwitches step and ignore what
// CreateSalesOrder's result still carries; older runs take it from that
// result, as they did.
func TestImportOrder(t *testing.T) {
	tests := []struct {
		name          string
		importedState string
		created       activities.CreateSalesOrderResult
		marked        *activities.MarkOrderImportedResult
		wantOutcome   string
		wantStateSet  string
		wantSkipped   string
		wantCancel    bool // the order's ChangeOrder run is started
	}{
		{
			name:        "creates the sales order, no imported state configured",
			created:     activities.CreateSalesOrderResult{OrderID: 7, SalesOrderID: 70, SalesOrderCode: "0000000007", Created: true, Lines: 2},
			wantOutcome: OutcomeImported,
		},
		{
			name:        "code already in LOGILESS counts as done",
			created:     activities.CreateSalesOrderResult{OrderID: 7, SalesOrderID: 70, SalesOrderCode: "0000000007", Created: false, Lines: 2},
			wantOutcome: OutcomeAlreadyPresent,
		},
		{
			name:          "sets the imported state afterwards",
			importedState: "linked",
			created:       activities.CreateSalesOrderResult{OrderID: 7, SalesOrderID: 70, Created: true, OrderState: "complete"},
			marked:        &activities.MarkOrderImportedResult{Changed: true},
			wantOutcome:   OutcomeImported,
			wantStateSet:  "linked",
		},
		{
			name:          "a cancelled order's state is left alone",
			importedState: "linked",
			created:       activities.CreateSalesOrderResult{OrderID: 7, SalesOrderID: 70, Created: true, OrderState: "canceled"},
			marked:        &activities.MarkOrderImportedResult{SkippedBecause: "order is now in state \"canceled\"", Canceled: true},
			wantOutcome:   OutcomeImported,
			wantSkipped:   "order is now in state \"canceled\"",
			wantCancel:    true,
		},
		{
			name:          "cancelled since its read, found by the state write",
			importedState: "linked",
			created:       activities.CreateSalesOrderResult{OrderID: 7, SalesOrderID: 70, Created: true, OrderState: "complete"},
			marked:        &activities.MarkOrderImportedResult{SkippedBecause: "order is now in state \"canceled\"", Canceled: true},
			wantOutcome:   OutcomeImported,
			wantSkipped:   "order is now in state \"canceled\"",
			wantCancel:    true,
		},
		{
			name:        "in LOGILESS already and cancelled, no imported state",
			created:     activities.CreateSalesOrderResult{OrderID: 7, SalesOrderID: 70, Created: false, OrderState: "canceled"},
			wantOutcome: OutcomeAlreadyPresent,
			wantCancel:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			versions(t, func(t *testing.T, old bool) {
				env, a := newImportEnv(t)
				created := tt.created
				if old {
					beforeShopSwitches(env)
					created.ThenSetState = tt.importedState
				} else {
					onShopSwitches(env, activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{ImportedState: tt.importedState}})
					// The side field is ignored at ShopSwitchesVersion.
					created.ThenSetState = "stale-" + tt.importedState
				}
				in := ImportOrderInput{Shop: "demo", OrderNumber: "0000000007", OrderID: 7, CodeLookup: activities.LookupNotFound}
				env.OnActivity(a.CreateSalesOrder, mock.Anything, activities.CreateSalesOrderInput{
					Shop: "demo", OrderNumber: "0000000007", OrderID: 7, CodeLookup: activities.LookupNotFound,
				}).Return(created, nil).Once()
				if tt.marked != nil {
					env.OnActivity(a.MarkOrderImported, mock.Anything, activities.MarkOrderImportedInput{
						Shop: "demo", OrderID: 7, OrderNumber: "0000000007", State: tt.importedState, StateWhenRead: tt.created.OrderState,
					}).Return(*tt.marked, nil).Once()
				}
				env.ExecuteWorkflow(ImportOrder, in)
				if !env.IsWorkflowCompleted() {
					t.Fatal("workflow did not complete")
				}
				if err := env.GetWorkflowError(); err != nil {
					t.Fatalf("workflow error: %v", err)
				}
				var res ImportOrderResult
				if err := env.GetWorkflowResult(&res); err != nil {
					t.Fatal(err)
				}
				if res.Outcome != tt.wantOutcome || res.StateSet != tt.wantStateSet || res.StateSkipped != tt.wantSkipped {
					t.Errorf("result = %+v; want outcome %q, state set %q, skipped %q", res, tt.wantOutcome, tt.wantStateSet, tt.wantSkipped)
				}
				if want := map[bool]string{true: "order-change/demo/0000000007"}[tt.wantCancel]; res.CancelStarted != want {
					t.Errorf("CancelStarted = %q, want %q", res.CancelStarted, want)
				}
				if res.SalesOrderID != tt.created.SalesOrderID {
					t.Errorf("SalesOrderID = %d, want %d", res.SalesOrderID, tt.created.SalesOrderID)
				}
				if tt.marked == nil {
					env.AssertNotCalled(t, "MarkOrderImported", mock.Anything, mock.Anything)
				}
				env.AssertExpectations(t)
			})
		})
	}
}

// A run recorded before BlockedWaitsVersion fails on an unmapped SKU (runs
// since wait: TestImportOrderBlockedUntilWoken).
func TestImportOrderUnmappedSKUFailsWithoutRetryOrStateChange(t *testing.T) {
	env, a := newImportEnv(t)
	beforeBlockedWaits(env)
	onShopSwitches(env, activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{ImportedState: "linked"}})
	calls := 0
	env.OnActivity(a.CreateSalesOrder, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.CreateSalesOrderInput) (activities.CreateSalesOrderResult, error) {
			calls++
			return activities.CreateSalesOrderResult{}, temporal.NewNonRetryableApplicationError(
				`import order 0000000009 of shop demo: order 0000000009: SKU "NOPE-1" not in the product mapping table`,
				activities.ErrTypeUnmappedSKU, nil)
		})
	env.ExecuteWorkflow(ImportOrder, ImportOrderInput{Shop: "demo", OrderNumber: "0000000009", OrderID: 9})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeUnmappedSKU {
		t.Fatalf("workflow error = %v, want an %s application error", err, activities.ErrTypeUnmappedSKU)
	}
	// The run's own failure is the cause, not "activity error": the Web UI
	// shows its message first. The activity's failure stays below it.
	const msg = `import order 0000000009 of shop demo: order 0000000009: SKU "NOPE-1" not in the product mapping table`
	var actErr *temporal.ActivityError
	if appErr.Message() != msg || !appErr.NonRetryable() || !errors.As(err, &actErr) {
		t.Errorf("run failure %q (non-retryable %t, activity error below: %t); want the cause's message, non-retryable, the activity's failure as its cause",
			appErr.Message(), appErr.NonRetryable(), actErr != nil)
	}
	if details := currentDetails(t, env); details != "failed:"+activities.ErrTypeUnmappedSKU+" — "+msg {
		t.Errorf("current details %q; want the outcome and the cause", details)
	}
	if calls != 1 {
		t.Errorf("CreateSalesOrder ran %d times, want 1 (non-retryable)", calls)
	}
	env.AssertNotCalled(t, "MarkOrderImported", mock.Anything, mock.Anything)
}

// currentDetails is what the Web UI shows as the run's current details.
func currentDetails(t *testing.T, env *testsuite.TestWorkflowEnvironment) string {
	t.Helper()
	v, err := env.QueryWorkflow("__temporal_workflow_metadata")
	if err != nil {
		t.Fatalf("query the run's metadata: %v", err)
	}
	var md sdkpb.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		t.Fatalf("decode the run's metadata: %v", err)
	}
	return md.GetCurrentDetails()
}

func TestImportOrderRetriesTransientErrors(t *testing.T) {
	env, a := newImportEnv(t)
	onShopSwitches(env, activities.ShopSwitchesResult{})
	calls := 0
	env.OnActivity(a.CreateSalesOrder, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.CreateSalesOrderInput) (activities.CreateSalesOrderResult, error) {
			calls++
			if calls < 3 {
				return activities.CreateSalesOrderResult{}, temporal.NewApplicationError("LOGILESS 503", activities.ErrTypeTransient)
			}
			return activities.CreateSalesOrderResult{SalesOrderID: 1, Created: true}, nil
		})
	env.ExecuteWorkflow(ImportOrder, ImportOrderInput{Shop: "demo", OrderNumber: "0000000001", OrderID: 1})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if calls != 3 {
		t.Errorf("CreateSalesOrder ran %d times, want 3", calls)
	}
}

func TestImportOrderIDs(t *testing.T) {
	id := ImportOrderID("demo", "0000012345")
	if id != "import-order/demo/0000012345" {
		t.Fatalf("ImportOrderID = %q", id)
	}
	shop, number, err := ParseImportOrderID(id)
	if err != nil || shop != "demo" || number != "0000012345" {
		t.Fatalf("ParseImportOrderID(%q) = %q, %q, %v", id, shop, number, err)
	}
	for _, bad := range []string{"", "import-order/", "import-order/demo", "import-order//1", "notify-shipment/demo/1", "import-order/demo/1/2"} {
		if _, _, err := ParseImportOrderID(bad); err == nil {
			t.Errorf("ParseImportOrderID(%q) accepted a malformed ID", bad)
		}
	}
}

// An order LOGILESS holds on 確認待ち gets its own outcome at
// WaitingConfirmationVersion, whether created now or found; runs recorded
// before it keep imported. IgnoreFilters reaches the create step.
func TestImportOrderWaitingForConfirmation(t *testing.T) {
	for _, tt := range []struct {
		name    string
		old     bool
		created bool
		want    string
	}{
		{"created on 確認待ち", false, true, OutcomeImportedWaitingConfirmation},
		{"found on 確認待ち", false, false, OutcomeImportedWaitingConfirmation},
		{"recorded before the change", true, true, OutcomeImported},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env, a := newImportEnv(t)
			onShopSwitches(env, activities.ShopSwitchesResult{})
			if tt.old {
				env.OnGetVersion(WaitingConfirmationChangeID, workflow.DefaultVersion, WaitingConfirmationVersion).Return(workflow.DefaultVersion)
			}
			outcomes := recordOutcomes(env)
			env.OnActivity(a.CreateSalesOrder, mock.Anything, activities.CreateSalesOrderInput{
				Shop: "demo", OrderNumber: "0000000007", IgnoreFilters: true,
			}).Return(activities.CreateSalesOrderResult{OrderID: 7, SalesOrderID: 70, Created: tt.created, WaitingForConfirmation: true}, nil).Once()
			env.ExecuteWorkflow(ImportOrder, ImportOrderInput{Shop: "demo", OrderNumber: "0000000007", IgnoreFilters: true})
			var res ImportOrderResult
			if err := env.GetWorkflowResult(&res); err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tt.want || outcomes.last() != tt.want || !res.WaitingForConfirmation {
				t.Errorf("outcome %q (attribute %q), waiting %t; want %q", res.Outcome, outcomes.last(), res.WaitingForConfirmation, tt.want)
			}
			env.AssertExpectations(t)
		})
	}
}
