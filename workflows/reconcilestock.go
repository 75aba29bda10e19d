package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/stocksync"
)

// DefaultStockPagesPerRun is how many pages one run of ReconcileStock
// handles before it continues as new: with 1,000 mapping rows per page, a
// run covers 20,000 SKUs in about 130 history events, and a 100,000-SKU
// catalogue takes five runs.
const DefaultStockPagesPerRun = 20

// ReconcileStockInput starts a shop's stock sync.
type ReconcileStockInput struct {
	Shop string
	// Scheduled is set by the shop's Temporal Schedule; a scheduled run of
	// a shop whose stock_sync.enabled is off does nothing (see stockSyncOn).
	Scheduled bool
	// Full asks for a full pass over every mapped SKU (--full).
	Full bool
	// DryRun computes and compares but writes nothing and does not move the
	// watermark (--dry-run).
	DryRun bool
	// PagesPerRun overrides DefaultStockPagesPerRun (tests).
	PagesPerRun int
	// Progress is the state carried into a continued run; callers leave it
	// nil.
	Progress *ReconcileStockProgress `json:",omitempty"`
}

// ReconcileStockProgress is what a run hands to the run it continues as.
// It is bounded: the plan and the result lists are capped.
type ReconcileStockProgress struct {
	Plan      activities.PlanStockSyncResult
	RunKey    string
	StartedAt time.Time
	Cursor    string
	RetrySKUs []string
	// Ahead is the next page's LOGILESS free stock, read by the last page
	// (bounded by one page: one number per article).
	Ahead  *stocksync.AheadStock `json:",omitempty"`
	Result ReconcileStockResult
}

// ReconcileStockResult is the summary of a stock sync, shown as the
// workflow's result in the Web UI and printed by the starter. Its times are
// in JST (RFC 3339 with +09:00; runs recorded before that show UTC).
type ReconcileStockResult struct {
	Shop       string
	Mode       string // stocksync.ModeFull or StockModeIncremental
	ModeReason string
	// Since is where an incremental pass started reading LOGILESS changes.
	Since      time.Time `json:",omitzero"`
	DryRun     bool
	Disabled   bool
	Location   string
	MappedSKUs int
	stocksync.Summary
	// RetryTruncated: more SKUs failed than the next incremental pass
	// retries; the rest wait for the next full pass.
	RetryTruncated bool
	Pages          int
	Runs           int // workflow runs, counting continue-as-new
	// MaxHistoryEvents is the longest history of one run of this sync.
	MaxHistoryEvents int
	StartedAt        time.Time
	FinishedAt       time.Time `json:",omitzero"`
}

// ReconcileStock is one stock sync (在庫連動) of a shop: LOGILESS free stock,
// through the mapping table, written to ecforce at the shop's location
// code. It reads the shop's switches (a scheduled run of a shop whose
// stock_sync.enabled is off ends there), plans a full or an incremental
// pass, walks the mapping table (or the SKUs whose stock changed) page by
// page, and records the run's start as the watermark of the next
// incremental pass.
//
// The two APIs work at once: each page of a full pass reads the next page's
// LOGILESS free stock while it compares and writes ecforce, and hands it on
// to that page (through the workflow, one number per article, so any worker
// can run the next page).
//
// History stays small for any catalogue: every page is one activity that
// returns only counts, bounded lists and that one page of numbers, and the workflow continues as new
// every PagesPerRun pages, carrying its cursor and running totals.
func ReconcileStock(ctx workflow.Context, in ReconcileStockInput) (ReconcileStockResult, error) {
	if err := markRunning(ctx, in.Shop, FlowStockSync); err != nil {
		return ReconcileStockResult{Shop: in.Shop}, err
	}
	var a *activities.StockSync
	info := workflow.GetInfo(ctx)

	p := in.Progress
	if p == nil {
		now := ecforce.InJST(workflow.Now(ctx))
		disabled := ReconcileStockResult{Shop: in.Shop, Disabled: true, StartedAt: now, FinishedAt: now}
		off, planScheduled, err := scheduledRunOff(ctx, in.Shop, in.Scheduled, stockSyncOn)
		if err != nil {
			return ReconcileStockResult{Shop: in.Shop, StartedAt: now}, fail(ctx, err)
		}
		if off {
			return disabled, nil
		}
		var plan activities.PlanStockSyncResult
		err = workflow.ExecuteActivity(step(ctx, workerStateOptions, stepPlanStockSync), a.PlanStockSync,
			activities.PlanStockSyncInput{Shop: in.Shop, Scheduled: planScheduled, Full: in.Full, Now: now},
		).Get(ctx, &plan)
		if err != nil {
			return ReconcileStockResult{Shop: in.Shop, StartedAt: now}, fail(ctx, err)
		}
		if plan.Disabled { // only runs recorded before ShopSwitchesVersion
			_ = setOutcome(ctx, OutcomeDisabled)
			return disabled, nil
		}
		p = &ReconcileStockProgress{
			Plan:      plan,
			RunKey:    info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID,
			StartedAt: now,
			Result: ReconcileStockResult{
				Shop: in.Shop, Mode: plan.Mode, ModeReason: plan.Reason, Since: plan.Since, DryRun: in.DryRun,
				Location: plan.LocationCode, MappedSKUs: plan.MappedSKUs, StartedAt: now,
			},
		}
	}
	p.Result.Runs++
	perRun := in.PagesPerRun
	if perRun <= 0 {
		perRun = DefaultStockPagesPerRun
	}

	for pages := 0; ; {
		var page activities.ReconcileStockPageResult
		err := workflow.ExecuteActivity(step(ctx, stockPageOptions, stockPageSummary(p)), a.ReconcileStockPage, activities.ReconcileStockPageInput{
			Shop:      in.Shop,
			Mode:      p.Plan.Mode,
			Since:     p.Plan.Since,
			After:     p.Cursor,
			RetrySKUs: p.Plan.RetrySKUs,
			DryRun:    in.DryRun,
			RunKey:    p.RunKey,
			Ahead:     p.Ahead,
		}).Get(ctx, &page)
		if err != nil {
			return p.Result, fail(ctx, err)
		}
		if page.NeedFull {
			// Too much changed for an incremental pass: do a full one.
			p.Plan.Mode, p.Plan.Since, p.Plan.RetrySKUs = stocksync.ModeFull, time.Time{}, nil
			p.Result.Mode, p.Result.Since = stocksync.ModeFull, time.Time{}
			p.Result.ModeReason = page.NeedFullReason + ", so a full pass runs instead"
			p.Cursor, p.Ahead = "", nil
			continue
		}
		pages++
		p.Result.Pages++
		p.Result.Summary.Add(page.Summary)
		for _, sku := range page.RetrySKUs {
			if len(p.RetrySKUs) >= stocksync.MaxRetrySKUs {
				p.Result.RetryTruncated = true
				break
			}
			p.RetrySKUs = append(p.RetrySKUs, sku)
		}
		p.Cursor, p.Ahead = page.Next, page.Ahead
		p.Result.MaxHistoryEvents = max(p.Result.MaxHistoryEvents, workflow.GetInfo(ctx).GetCurrentHistoryLength())
		workflow.SetCurrentDetails(ctx, progressDetails(p))
		if page.Done {
			break
		}
		if pages >= perRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			next := in
			next.Progress = p
			return ReconcileStockResult{}, workflow.NewContinueAsNewError(ctx, ReconcileStock, next)
		}
	}

	if !in.DryRun {
		var rec activities.RecordStockSyncResult
		err := workflow.ExecuteActivity(step(ctx, workerStateOptions, stepRecordStockSync), a.RecordStockSync,
			activities.RecordStockSyncInput{
				Shop: in.Shop, Mode: p.Plan.Mode, StartedAt: p.StartedAt,
				Fingerprint: p.Plan.Fingerprint, RetrySKUs: p.RetrySKUs,
			}).Get(ctx, &rec)
		if err != nil {
			return p.Result, fail(ctx, err)
		}
	}
	p.Result.FinishedAt = ecforce.InJST(workflow.Now(ctx))
	p.Result.MaxHistoryEvents = max(p.Result.MaxHistoryEvents, workflow.GetInfo(ctx).GetCurrentHistoryLength())
	outcome := OutcomeCompleted
	switch {
	case in.DryRun:
		outcome = OutcomeDryRun
	case p.Result.ProblemCount > 0:
		outcome = OutcomeCompletedWithProblems
	}
	if err := setOutcome(ctx, outcome); err != nil {
		return p.Result, err
	}
	workflow.GetLogger(ctx).Info("stock sync finished", "shop", in.Shop, "mode", p.Result.Mode, "dry_run", in.DryRun,
		"read", p.Result.Read, "changed", p.Result.Changed, "written", p.Result.Written, "failed", p.Result.Failed,
		"skipped", p.Result.Skipped.Total())
	return p.Result, nil
}

// progressDetails is the run's current details in the Web UI.
func progressDetails(p *ReconcileStockProgress) string {
	r := p.Result
	done := fmt.Sprintf("page %d", r.Pages)
	if total := stockPagesTotal(p); total > 0 {
		done = fmt.Sprintf("page %d of %d", r.Pages, max(total, r.Pages))
	}
	return fmt.Sprintf("%s pass: %s done, %d SKUs read, %d changed, %d written, %d failed, %d skipped; last SKU %q",
		r.Mode, done, r.Read, r.Changed, r.Written, r.Failed, r.Skipped.Total(), p.Cursor)
}

// stockSyncOn is the stock sync's on switch, stock_sync.enabled: off pauses
// the shop's schedule and makes a scheduled run do nothing.
func stockSyncOn(sw activities.ShopSwitchesResult) bool { return sw.StockSync.Enabled }
