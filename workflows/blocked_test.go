package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// beforeBlockedWaits runs env's workflow as a run recorded before
// BlockedWaitsVersion: a blocking error fails it.
func beforeBlockedWaits(env *testsuite.TestWorkflowEnvironment) {
	env.OnGetVersion(BlockedWaitsChangeID, workflow.DefaultVersion, BlockedWaitsVersion).Return(workflow.DefaultVersion)
}

const unmappedMsg = `import order 0000000009 of shop demo: order 0000000009: SKU "NOPE-1" not in the product mapping table; add it (runbook: docs/errors.md#unmappedsku)`

// An unmapped SKU blocks the import: the run stays open with outcome
// blocked:UnmappedSKU and details that name the SKU and how it resumes; a
// wake tries again, and once the mapping is fixed the same run completes.
func TestImportOrderBlockedUntilWoken(t *testing.T) {
	env, a := newImportEnv(t)
	onShopSwitches(env, activities.ShopSwitchesResult{OrderImport: activities.OrderImportSwitches{ImportedState: "linked"}})
	outcomes := recordOutcomes(env)
	calls := 0
	env.OnActivity(a.CreateSalesOrder, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.CreateSalesOrderInput) (activities.CreateSalesOrderResult, error) {
			calls++
			if calls <= 2 {
				return activities.CreateSalesOrderResult{}, temporal.NewNonRetryableApplicationError(unmappedMsg, activities.ErrTypeUnmappedSKU, nil)
			}
			return activities.CreateSalesOrderResult{OrderID: 9, SalesOrderID: 90, Created: true, OrderState: "complete"}, nil
		})
	env.OnActivity(a.MarkOrderImported, mock.Anything, mock.Anything).Return(activities.MarkOrderImportedResult{Changed: true}, nil).Once()

	var details []string
	// While blocked: the details say why; a first wake (mapping not fixed
	// yet) blocks again; a second one finds it fixed.
	env.RegisterDelayedCallback(func() {
		details = append(details, currentDetails(t, env))
		env.SignalWorkflow(WakeSignal, WakeInput{Reason: "discovery"})
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		details = append(details, currentDetails(t, env))
		env.SignalWorkflow(WakeSignal, WakeInput{Reason: "mapping file changed"})
		env.SignalWorkflow(WakeSignal, WakeInput{Reason: "starter wake"}) // taken with the one before
	}, 2*time.Hour)
	env.ExecuteWorkflow(ImportOrder, ImportOrderInput{Shop: "demo", OrderNumber: "0000000009", OrderID: 9})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res ImportOrderResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != OutcomeImported || res.StateSet != "linked" || calls != 3 {
		t.Errorf("result %+v after %d create attempts; want imported, linked, 3 attempts", res, calls)
	}
	want := []string{OutcomeRunning, "blocked:UnmappedSKU", OutcomeRunning, "blocked:UnmappedSKU", OutcomeRunning, OutcomeImported}
	if strings.Join(*outcomes, " ") != strings.Join(want, " ") {
		t.Errorf("outcomes %v, want %v", *outcomes, want)
	}
	if len(details) != 2 {
		t.Fatalf("details seen %d times, want 2", len(details))
	}
	for _, d := range details {
		for _, part := range []string{"blocked:UnmappedSKU since ", " JST — ", `SKU "NOPE-1"`, "starter wake --shop demo --order 0000000009", "mapping file"} {
			if !strings.Contains(d, part) {
				t.Errorf("blocked details %q lack %q", d, part)
			}
		}
	}
}

// An error no person can fix by changing data fails the run as before.
func TestImportOrderNonBlockingErrorStillFails(t *testing.T) {
	env, a := newImportEnv(t)
	onShopSwitches(env, activities.ShopSwitchesResult{})
	outcomes := recordOutcomes(env)
	env.OnActivity(a.CreateSalesOrder, mock.Anything, mock.Anything).Return(activities.CreateSalesOrderResult{},
		temporal.NewNonRetryableApplicationError("ecforce has no order 0000000009", activities.ErrTypeOrderNotFound, nil)).Once()
	env.ExecuteWorkflow(ImportOrder, ImportOrderInput{Shop: "demo", OrderNumber: "0000000009", OrderID: 9})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeOrderNotFound {
		t.Fatalf("workflow error = %v, want %s", err, activities.ErrTypeOrderNotFound)
	}
	if got := outcomes.last(); got != "failed:"+activities.ErrTypeOrderNotFound {
		t.Errorf("outcome %q, want failed:%s", got, activities.ErrTypeOrderNotFound)
	}
}

// A run woken many times continues as new with its own input, so its
// history stays bounded; the continued run starts over.
func TestBlockedRunContinuesAsNewAfterManyWakes(t *testing.T) {
	env, a := newImportEnv(t)
	onShopSwitches(env, activities.ShopSwitchesResult{})
	env.OnActivity(a.CreateSalesOrder, mock.Anything, mock.Anything).Return(activities.CreateSalesOrderResult{},
		temporal.NewNonRetryableApplicationError(unmappedMsg, activities.ErrTypeUnmappedSKU, nil))
	for i := 1; i <= maxWakesPerRun; i++ {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(WakeSignal, WakeInput{Reason: "discovery"}) }, time.Duration(i)*time.Hour)
	}
	in := ImportOrderInput{Shop: "demo", OrderNumber: "0000000009", OrderID: 9}
	env.ExecuteWorkflow(ImportOrder, in)
	var asNew *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &asNew) {
		t.Fatalf("workflow error = %v, want continue-as-new", err)
	}
	if asNew.WorkflowType.Name != ImportOrderWorkflowName {
		t.Errorf("continues as %q, want %q", asNew.WorkflowType.Name, ImportOrderWorkflowName)
	}
}

// Every type the docs call blocking is, and the ones that must fail do.
func TestBlockingErrorTypes(t *testing.T) {
	for _, tt := range []struct {
		errType string
		want    bool
	}{
		{activities.ErrTypeUnmappedSKU, true},
		{activities.ErrTypeUnmappedCarrier, true},
		{activities.ErrTypeOrderCodeTaken, true},
		{activities.ErrTypeMultipleDestinations, true},
		{activities.ErrTypeCaptureFailed, true},
		{activities.ErrTypeCredentialsRejected, true},
		{activities.ErrTypeReauthorization, true},
		{activities.ErrTypeStateChangeNotApplied, true},
		{activities.ErrTypeCaptureUnconfirmed, false},
		{activities.ErrTypeOrderNotFound, false},
		{activities.ErrTypeUnknownShop, false},
		{activities.ErrTypeOutsideImportFilters, false},
		{activities.ErrTypeTransient, false},
		{"", false},
	} {
		if got := activities.IsBlocking(tt.errType); got != tt.want {
			t.Errorf("IsBlocking(%q) = %t, want %t", tt.errType, got, tt.want)
		}
	}
}

// A discovery wakes every run whose ID it found taken, except those whose
// cause it still sees; a run that has closed (the signal fails) is fine.
func TestDiscoveryWakesTakenRuns(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	runs := []orderRun{
		{id: ImportOrderID("demo", "EC1")},
		{id: ImportOrderID("demo", "EC2"), rejectAfterFailure: true}, // still unmapped
		{id: ImportOrderID("demo", "EC3")},                           // completed long ago
	}
	wf := func(ctx workflow.Context) error {
		wakeTaken(ctx, runs, []int{0, 1, 2})
		return nil
	}
	env.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "wakeTest"})
	signaled := map[string]bool{}
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", WakeSignal, mock.Anything).Return(
		func(_, id, _, _ string, arg interface{}) error {
			signaled[id] = true
			if id == runs[2].id {
				return errors.New("workflow execution already completed")
			}
			return nil
		})
	env.ExecuteWorkflow("wakeTest")
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if !signaled[runs[0].id] || signaled[runs[1].id] || !signaled[runs[2].id] {
		t.Errorf("signaled %v; want EC1 and EC3, not EC2", signaled)
	}
}

// A scheduled stock sync stopped by refused credentials completes with
// blocked:<type> and details naming the shop and the credential, leaving no
// failed run; a manual one still fails, so the starter's --wait says so.
func TestScheduledRunWithRefusedCredentialsEndsBlocked(t *testing.T) {
	for _, scheduled := range []bool{true, false} {
		t.Run(map[bool]string{true: "scheduled", false: "manual"}[scheduled], func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			// The test environment drops start options' search attributes:
			// the run sets the one a Schedule sets, then runs the sync.
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in ReconcileStockInput) (ReconcileStockResult, error) {
				if in.Scheduled {
					//nolint:staticcheck // the attribute Temporal's Schedules set
					if err := workflow.UpsertSearchAttributes(ctx, map[string]interface{}{scheduledByAttribute: "reconcile-stock/demo"}); err != nil {
						return ReconcileStockResult{}, err
					}
				}
				return ReconcileStock(ctx, in)
			}, workflow.RegisterOptions{Name: "scheduledStock"})
			a := &activities.StockSync{}
			env.RegisterActivity(a)
			onShopSwitches(env, activities.ShopSwitchesResult{StockSync: activities.StockSyncSwitches{Enabled: true}})
			env.OnActivity(a.PlanStockSync, mock.Anything, mock.Anything).Return(*fullPlan(), nil)
			env.OnActivity(a.ReconcileStockPage, mock.Anything, mock.Anything).Return(activities.ReconcileStockPageResult{},
				temporal.NewNonRetryableApplicationError("ecforce rejected the credentials", activities.ErrTypeCredentialsRejected, nil))
			outcomes := recordOutcomes(env)
			env.ExecuteWorkflow("scheduledStock", ReconcileStockInput{Shop: "demo", Scheduled: scheduled})
			err := env.GetWorkflowError()
			if !scheduled {
				if err == nil || outcomes.last() != "failed:"+activities.ErrTypeCredentialsRejected {
					t.Fatalf("manual run: error %v, outcome %q; want it failed", err, outcomes.last())
				}
				return
			}
			if err != nil {
				t.Fatalf("workflow error: %v", err)
			}
			if got := outcomes.last(); got != "blocked:"+activities.ErrTypeCredentialsRejected {
				t.Errorf("outcome %q, want blocked:%s", got, activities.ErrTypeCredentialsRejected)
			}
			d := currentDetails(t, env)
			// A scheduled run's details start with its start in JST (its ID
			// carries Temporal's UTC time).
			if !strings.HasPrefix(d, "scheduled run of ") || !strings.Contains(d, " JST: blocked:") || strings.Contains(d, "UTC") {
				t.Errorf("scheduled run's details %q; want them to start with its JST start time", d)
			}
			for _, part := range []string{"shop demo", "ecforce API token", "ecforce rejected the credentials"} {
				if !strings.Contains(d, part) {
					t.Errorf("details %q lack %q", d, part)
				}
			}
			env.AssertNotCalled(t, "RecordStockSync", mock.Anything, mock.Anything)
		})
	}
}
