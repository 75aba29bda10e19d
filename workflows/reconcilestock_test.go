package workflows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/stocksync"
)

// stockPages fakes ReconcileStockPage over a catalogue of n SKUs "S00".."Snn",
// per pages of size, and records every call.
type stockPages struct {
	mu    sync.Mutex
	skus  []string
	size  int
	calls []activities.ReconcileStockPageInput
	// needFullOnce answers the first incremental call with NeedFull.
	needFullOnce bool
	// problemAt reports a missing-at-location problem for this SKU.
	problemAt string
}

func newStockPages(n, size int) *stockPages {
	p := &stockPages{size: size}
	for i := range n {
		p.skus = append(p.skus, "S"+string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	return p
}

func (p *stockPages) page(_ context.Context, in activities.ReconcileStockPageInput) (activities.ReconcileStockPageResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, in)
	var res activities.ReconcileStockPageResult
	if p.needFullOnce && in.Mode == stocksync.ModeIncremental {
		p.needFullOnce = false
		res.NeedFull, res.NeedFullReason = true, "more than 20000 LOGILESS articles changed"
		return res, nil
	}
	start, _ := slices.BinarySearch(p.skus, in.After)
	if start < len(p.skus) && p.skus[start] == in.After {
		start++
	}
	end := min(start+p.size, len(p.skus))
	for _, sku := range p.skus[start:end] {
		res.Summary.Read++
		if sku == p.problemAt {
			res.Summary.Skipped.MissingAtLocation++
			res.Summary.ProblemCount++
			res.Summary.Problems = append(res.Summary.Problems, stocksync.Problem{SKU: sku, Reason: stocksync.ReasonMissingAtLocation})
			res.RetrySKUs = append(res.RetrySKUs, sku)
			continue
		}
		res.Summary.Changed++
		res.Summary.Changes = append(res.Summary.Changes, stocksync.Change{SKU: sku, To: 1})
		if !in.DryRun {
			res.Summary.Written++
		}
	}
	res.Next, res.Done = in.After, end == len(p.skus)
	if end > start {
		res.Next = p.skus[end-1]
	}
	if in.Mode == stocksync.ModeFull && !res.Done {
		// The next page's free stock, read while this one was written.
		res.Ahead = &stocksync.AheadStock{Codes: "after " + res.Next, Free: []int64{int64(end)}}
	}
	return res, nil
}

type stockEnv struct {
	*testsuite.TestWorkflowEnvironment
	a        *activities.StockSync
	outcomes []string
	records  []activities.RecordStockSyncInput
	plans    []activities.PlanStockSyncInput
	// switchCalls counts the runs of the ShopSwitches step (nil before
	// ShopSwitchesVersion).
	switchCalls *int
}

// stockSwitch is how a test run learns stock_sync.enabled: from the
// ShopSwitches step, or, as runs before ShopSwitchesVersion, from the plan.
type stockSwitch int

const (
	stockOn stockSwitch = iota
	stockOff
	stockBeforeSwitches
)

func newStockEnv(t *testing.T, pages *stockPages, plan *activities.PlanStockSyncResult, sw stockSwitch) *stockEnv {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	e := &stockEnv{TestWorkflowEnvironment: suite.NewTestWorkflowEnvironment(), a: &activities.StockSync{}}
	e.RegisterActivity(e.a)
	e.RegisterWorkflow(ReconcileStock)
	e.SetStartTime(time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC))
	if sw == stockBeforeSwitches {
		beforeShopSwitches(e.TestWorkflowEnvironment)
	} else {
		e.switchCalls = onShopSwitches(e.TestWorkflowEnvironment, activities.ShopSwitchesResult{StockSync: activities.StockSyncSwitches{Enabled: sw == stockOn}})
	}
	if plan != nil {
		e.OnActivity(e.a.PlanStockSync, mock.Anything, mock.Anything).Return(
			func(_ context.Context, in activities.PlanStockSyncInput) (activities.PlanStockSyncResult, error) {
				e.plans = append(e.plans, in)
				return *plan, nil
			}).Once()
	}
	e.OnActivity(e.a.ReconcileStockPage, mock.Anything, mock.Anything).Return(pages.page)
	e.OnActivity(e.a.RecordStockSync, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordStockSyncInput) (activities.RecordStockSyncResult, error) {
			e.records = append(e.records, in)
			return activities.RecordStockSyncResult{Since: in.StartedAt}, nil
		})
	e.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		if sa, ok := args.Get(0).(temporal.SearchAttributes); ok {
			if v, ok := sa.GetKeyword(OutcomeAttribute); ok {
				e.outcomes = append(e.outcomes, v)
			}
		}
	})
	return e
}

func (e *stockEnv) outcome() string {
	if len(e.outcomes) == 0 {
		return ""
	}
	return e.outcomes[len(e.outcomes)-1]
}

func fullPlan() *activities.PlanStockSyncResult {
	return &activities.PlanStockSyncResult{Mode: stocksync.ModeFull, Reason: "no earlier successful run is recorded",
		LocationCode: "default", MappedSKUs: 7, Fingerprint: "fp1"}
}

func stockResult(t *testing.T, e *stockEnv) ReconcileStockResult {
	t.Helper()
	if !e.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res ReconcileStockResult
	if err := e.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestReconcileStock(t *testing.T) {
	incremental := &activities.PlanStockSyncResult{Mode: stocksync.ModeIncremental, Reason: "changed since",
		Since: time.Date(2024, 5, 1, 8, 48, 0, 0, time.UTC), LocationCode: "default", MappedSKUs: 7, Fingerprint: "fp1", RetrySKUs: []string{"Sab"}}
	tests := []struct {
		name        string
		in          ReconcileStockInput
		switches    stockSwitch
		plan        *activities.PlanStockSyncResult
		pages       *stockPages
		wantPages   int
		wantWritten int
		wantMode    string
		wantOutcome string
		wantRecord  bool
		check       func(t *testing.T, res ReconcileStockResult, pages *stockPages, e *stockEnv)
	}{
		{
			name: "full pass walks every page and records the watermark",
			in:   ReconcileStockInput{Shop: "demo"}, plan: fullPlan(), pages: newStockPages(7, 3),
			wantPages: 3, wantWritten: 7, wantMode: stocksync.ModeFull, wantOutcome: OutcomeCompleted, wantRecord: true,
			check: func(t *testing.T, res ReconcileStockResult, pages *stockPages, e *stockEnv) {
				var afters []string
				for _, c := range pages.calls {
					afters = append(afters, c.After)
				}
				if !slices.Equal(afters, []string{"", "Sac", "Saf"}) {
					t.Errorf("cursors = %q", afters)
				}
				rec := e.records[0]
				if rec.Mode != stocksync.ModeFull || rec.Fingerprint != "fp1" || !rec.StartedAt.Equal(res.StartedAt) || len(rec.RetrySKUs) != 0 {
					t.Errorf("record = %+v", rec)
				}
				if pages.calls[0].RunKey == "" || pages.calls[2].RunKey != pages.calls[0].RunKey {
					t.Errorf("run keys %q %q", pages.calls[0].RunKey, pages.calls[2].RunKey)
				}
				// Times people read in the result are JST (+09:00).
				for what, at := range map[string]time.Time{"StartedAt": res.StartedAt, "FinishedAt": res.FinishedAt} {
					if _, offset := at.Zone(); at.IsZero() || offset != 9*60*60 {
						t.Errorf("%s = %v, want a time in JST", what, at)
					}
				}
			},
		},
		{
			name: "incremental pass passes since and the SKUs to retry",
			in:   ReconcileStockInput{Shop: "demo"}, plan: incremental, pages: newStockPages(2, 1000),
			wantPages: 1, wantWritten: 2, wantMode: stocksync.ModeIncremental, wantOutcome: OutcomeCompleted, wantRecord: true,
			check: func(t *testing.T, _ ReconcileStockResult, pages *stockPages, _ *stockEnv) {
				c := pages.calls[0]
				if !c.Since.Equal(incremental.Since) || !slices.Equal(c.RetrySKUs, []string{"Sab"}) {
					t.Errorf("page input = %+v", c)
				}
			},
		},
		{
			name: "too many changes switch to a full pass",
			in:   ReconcileStockInput{Shop: "demo"}, plan: incremental, pages: func() *stockPages { p := newStockPages(4, 1000); p.needFullOnce = true; return p }(),
			wantPages: 1, wantWritten: 4, wantMode: stocksync.ModeFull, wantOutcome: OutcomeCompleted, wantRecord: true,
			check: func(t *testing.T, res ReconcileStockResult, pages *stockPages, e *stockEnv) {
				if len(pages.calls) != 2 || pages.calls[1].Mode != stocksync.ModeFull || pages.calls[1].After != "" || !pages.calls[1].Since.IsZero() {
					t.Errorf("calls = %+v", pages.calls)
				}
				if !strings.Contains(res.ModeReason, "full pass runs instead") || e.records[0].Mode != stocksync.ModeFull {
					t.Errorf("reason %q, record %+v", res.ModeReason, e.records[0])
				}
			},
		},
		{
			name: "problems are reported and retried next time",
			in:   ReconcileStockInput{Shop: "demo"}, plan: fullPlan(), pages: func() *stockPages { p := newStockPages(5, 2); p.problemAt = "Sad"; return p }(),
			wantPages: 3, wantWritten: 4, wantMode: stocksync.ModeFull, wantOutcome: OutcomeCompletedWithProblems, wantRecord: true,
			check: func(t *testing.T, res ReconcileStockResult, _ *stockPages, e *stockEnv) {
				if res.ProblemCount != 1 || res.Problems[0].SKU != "Sad" || res.Skipped.MissingAtLocation != 1 {
					t.Errorf("result = %+v", res)
				}
				if !slices.Equal(e.records[0].RetrySKUs, []string{"Sad"}) {
					t.Errorf("recorded retry SKUs %v", e.records[0].RetrySKUs)
				}
			},
		},
		{
			name: "dry run writes nothing and keeps the watermark",
			in:   ReconcileStockInput{Shop: "demo", DryRun: true}, plan: fullPlan(), pages: newStockPages(3, 1000),
			wantPages: 1, wantWritten: 0, wantMode: stocksync.ModeFull, wantOutcome: OutcomeDryRun,
			check: func(t *testing.T, res ReconcileStockResult, pages *stockPages, _ *stockEnv) {
				if !pages.calls[0].DryRun || !res.DryRun || res.Changed != 3 || len(res.Changes) != 3 {
					t.Errorf("result = %+v", res)
				}
			},
		},
		{
			name: "scheduled run of a disabled shop does nothing",
			in:   ReconcileStockInput{Shop: "demo", Scheduled: true}, switches: stockOff, pages: newStockPages(3, 1000),
			wantOutcome: OutcomeDisabled,
			check: func(t *testing.T, res ReconcileStockResult, pages *stockPages, e *stockEnv) {
				if !res.Disabled || len(pages.calls) != 0 || len(e.plans) != 0 || *e.switchCalls != 1 {
					t.Errorf("result %+v after %d pages, %d plans, %d switch reads", res, len(pages.calls), len(e.plans), *e.switchCalls)
				}
			},
		},
		{
			name: "scheduled run of a disabled shop before the switch step does nothing",
			in:   ReconcileStockInput{Shop: "demo", Scheduled: true}, switches: stockBeforeSwitches,
			plan: &activities.PlanStockSyncResult{Disabled: true}, pages: newStockPages(3, 1000),
			wantOutcome: OutcomeDisabled,
			check: func(t *testing.T, res ReconcileStockResult, pages *stockPages, e *stockEnv) {
				if !res.Disabled || len(pages.calls) != 0 || !e.plans[0].Scheduled {
					t.Errorf("result %+v after %d pages, plan input %+v", res, len(pages.calls), e.plans)
				}
			},
		},
		{
			name: "manual run of a disabled shop runs",
			in:   ReconcileStockInput{Shop: "demo"}, switches: stockOff, plan: fullPlan(), pages: newStockPages(3, 1000),
			wantPages: 1, wantWritten: 3, wantMode: stocksync.ModeFull, wantOutcome: OutcomeCompleted, wantRecord: true,
			check: func(t *testing.T, res ReconcileStockResult, _ *stockPages, e *stockEnv) {
				if res.Disabled || *e.switchCalls != 1 {
					t.Errorf("result %+v after %d switch reads", res, *e.switchCalls)
				}
			},
		},
		{
			name: "scheduled run of an enabled shop plans, the decision already made",
			in:   ReconcileStockInput{Shop: "demo", Scheduled: true}, switches: stockOn, plan: fullPlan(), pages: newStockPages(3, 1000),
			wantPages: 1, wantWritten: 3, wantMode: stocksync.ModeFull, wantOutcome: OutcomeCompleted, wantRecord: true,
			check: func(t *testing.T, _ ReconcileStockResult, _ *stockPages, e *stockEnv) {
				if len(e.plans) != 1 || e.plans[0].Scheduled {
					t.Errorf("plan inputs %+v, want one without the schedule flag", e.plans)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newStockEnv(t, tt.pages, tt.plan, tt.switches)
			e.ExecuteWorkflow(ReconcileStock, tt.in)
			res := stockResult(t, e)
			if res.Pages != tt.wantPages || res.Written != tt.wantWritten || res.Mode != tt.wantMode {
				t.Errorf("pages %d written %d mode %q; want %d, %d, %q", res.Pages, res.Written, res.Mode, tt.wantPages, tt.wantWritten, tt.wantMode)
			}
			if got := e.outcome(); got != tt.wantOutcome {
				t.Errorf("outcome = %q, want %q (all: %v)", got, tt.wantOutcome, e.outcomes)
			}
			if (len(e.records) == 1) != tt.wantRecord || len(e.records) > 1 {
				t.Errorf("%d records, want recorded=%v", len(e.records), tt.wantRecord)
			}
			if tt.check != nil {
				tt.check(t, res, tt.pages, e)
			}
		})
	}
}

// A big catalogue continues as new every PagesPerRun pages, carrying the
// cursor and totals; only the last run records the watermark, with the
// first run's start.
func TestReconcileStockContinuesAsNew(t *testing.T) {
	pages := newStockPages(10, 2) // 5 pages
	in := ReconcileStockInput{Shop: "demo", PagesPerRun: 2}
	plan := fullPlan()
	var runs []*stockEnv
	var startedAt time.Time
	for run := 1; ; run++ {
		if run > 5 {
			t.Fatal("no end after 5 runs")
		}
		e := newStockEnv(t, pages, plan, stockOn)
		plan = nil // only the first run reads the switches and plans
		runs = append(runs, e)
		e.ExecuteWorkflow(ReconcileStock, in)
		if !e.IsWorkflowCompleted() {
			t.Fatalf("run %d did not complete", run)
		}
		err := e.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if err == nil {
			break
		}
		if !errors.As(err, &can) {
			t.Fatalf("run %d: %v", run, err)
		}
		var next ReconcileStockInput
		if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
			t.Fatal(err)
		}
		if next.Progress == nil || next.Progress.Result.Pages != 2*run || next.Shop != "demo" || next.PagesPerRun != 2 {
			t.Fatalf("run %d continues with %+v", run, next)
		}
		if run == 1 {
			startedAt = next.Progress.StartedAt
		}
		if len(runs[run-1].records) != 0 {
			t.Errorf("run %d recorded the watermark before the end", run)
		}
		if reads := *e.switchCalls; (run == 1) != (reads == 1) || reads > 1 {
			t.Errorf("run %d read the switches %d times; only the first run reads them, once", run, reads)
		}
		in = next
	}
	if len(runs) != 3 {
		t.Errorf("%d runs, want 3", len(runs))
	}
	last := runs[len(runs)-1]
	res := stockResult(t, last)
	if res.Pages != 5 || res.Read != 10 || res.Written != 10 || res.Runs != 3 || len(res.Changes) != 10 {
		t.Errorf("final result = %+v", res)
	}
	if len(last.records) != 1 || !last.records[0].StartedAt.Equal(startedAt) || !res.StartedAt.Equal(startedAt) {
		t.Errorf("records %+v, want one with the first run's start %v", last.records, startedAt)
	}
	var afters []string
	for _, c := range pages.calls {
		afters = append(afters, c.After)
	}
	if !slices.Equal(afters, []string{"", "Sab", "Sad", "Saf", "Sah"}) {
		t.Errorf("cursors across runs = %q", afters)
	}
	// Each page gets the free stock the page before read ahead for it,
	// across continue-as-new too.
	for i, c := range pages.calls {
		if i == 0 && c.Ahead != nil || i > 0 && (c.Ahead == nil || c.Ahead.Codes != "after "+c.After) {
			t.Errorf("page %d (after %q) got read ahead %+v", i, c.After, c.Ahead)
		}
	}
	for _, c := range pages.calls[1:] {
		if c.RunKey != pages.calls[0].RunKey {
			t.Errorf("run key changed across continue-as-new: %q vs %q", c.RunKey, pages.calls[0].RunKey)
		}
	}
}

// A page that fails for good fails the run, marks it failed with the
// error's type, and does not move the watermark. (A scheduled run at
// BlockedWaitsVersion stopped by refused credentials ends blocked instead:
// TestScheduledRunWithRefusedCredentialsEndsBlocked.)
func TestReconcileStockFailureKeepsTheWatermark(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	beforeBlockedWaits(env)
	a := &activities.StockSync{}
	env.RegisterActivity(a)
	onShopSwitches(env, activities.ShopSwitchesResult{StockSync: activities.StockSyncSwitches{Enabled: true}})
	env.OnActivity(a.PlanStockSync, mock.Anything, mock.Anything).Return(*fullPlan(), nil)
	env.OnActivity(a.ReconcileStockPage, mock.Anything, mock.Anything).Return(activities.ReconcileStockPageResult{},
		temporal.NewNonRetryableApplicationError("ecforce rejected the credentials", activities.ErrTypeCredentialsRejected, nil))
	var outcome string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(OutcomeAttribute); ok {
			outcome = v
		}
	})
	env.ExecuteWorkflow(ReconcileStock, ReconcileStockInput{Shop: "demo"})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeCredentialsRejected {
		t.Fatalf("workflow error = %v", err)
	}
	if outcome != OutcomeFailed+":"+activities.ErrTypeCredentialsRejected {
		t.Errorf("outcome = %q", outcome)
	}
	env.AssertNotCalled(t, "RecordStockSync", mock.Anything, mock.Anything)
}
