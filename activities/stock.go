package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/stocksync"
)

// StockSync holds the stock sync's activities: LOGILESS free stock, through
// the mapping table, written to ecforce at the shop's location code. The
// rules are in package stocksync; these activities read the shop, call them
// and write through the adapters in stockapi.go.
type StockSync struct {
	Shops *ShopDirectory
	State StockStates
	// PageSize is the number of mapping rows per ReconcileStockPage call;
	// 0 means stocksync.DefaultPageSize.
	PageSize int
	// SinceOverlap is subtracted from the watermark of incremental passes;
	// 0 means stocksync.DefaultSinceOverlap.
	SinceOverlap time.Duration
	Logger       *slog.Logger

	// What the pages of one run share in this worker's memory.
	indexes  stocksync.Indexes
	catalogs stocksync.SetCatalogs
	changes  stocksync.Changes
}

// NewStockSync returns the stock sync activities of the shops in dir,
// keeping their watermarks in state.
func NewStockSync(dir *ShopDirectory, state StockStates, logger *slog.Logger) *StockSync {
	return &StockSync{Shops: dir, State: state, Logger: logger}
}

// --- PlanStockSync ---------------------------------------------------------

// PlanStockSyncInput asks how a shop's stock sync should run now.
type PlanStockSyncInput struct {
	Shop string
	// Scheduled is true when the shop's Temporal Schedule started the run;
	// a shop whose stock_sync.enabled is off then does nothing.
	//
	// Deprecated: set only by runs from before workflows.ShopSwitchesChangeID;
	// newer runs decide with the ShopSwitches step and leave it false.
	Scheduled bool
	// Full asks for a full pass whatever the state says (--full).
	Full bool
	// Now is the workflow's time, so the decision is recorded in history.
	Now time.Time
}

// PlanStockSyncResult is the plan of one run.
type PlanStockSyncResult struct {
	// Disabled: a scheduled run of a shop whose stock sync is off, or any
	// run of a shop whose table is keyed by product_number.
	//
	// Deprecated: see PlanStockSyncInput.Scheduled.
	Disabled bool
	Mode     string // stocksync.ModeFull or stocksync.ModeIncremental
	Reason   string // why this mode, for people
	// Since is where an incremental pass starts reading LOGILESS changes
	// (the last successful run's start minus the overlap).
	Since        time.Time
	LocationCode string
	MappedSKUs   int
	// Fingerprint identifies the mapping table; RecordStockSync stores it.
	Fingerprint string
	// RetrySKUs failed in the last run; an incremental pass retries them.
	RetrySKUs []string
}

// PlanStockSync decides between a full and an incremental pass
// (stocksync.MakePlan) from the shop's settings, mapping table and state.
//
// Idempotent: it only reads (the shop's settings, mapping table and state
// file).
func (a *StockSync) PlanStockSync(ctx context.Context, in PlanStockSyncInput) (PlanStockSyncResult, error) {
	var res PlanStockSyncResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	settings := shop.Settings.StockSync
	// A table keyed by product_number names no ecforce stock item (stock is
	// written per variant_sku): such a shop never syncs, even by hand.
	if (in.Scheduled && !settings.Enabled) || shop.Settings.MappingMatch == config.MatchProductNumber {
		res.Disabled = true
		return res, nil
	}
	if err := locationSet(shop); err != nil {
		return res, err
	}
	res.LocationCode = shop.Settings.LocationCode
	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(fmt.Sprintf("plan the stock sync of shop %s", in.Shop), err)
	}
	idx := a.indexes.For(in.Shop, table)
	res.MappedSKUs, res.Fingerprint = idx.Len(), idx.Fingerprint()

	st, ok, err := a.State.Load(in.Shop)
	if err != nil {
		a.logger().Warn("stock sync state unreadable; doing a full pass", "shop", in.Shop, "err", err)
		ok = false
	}
	plan := stocksync.MakePlan(stocksync.PlanInput{Last: st, HasLast: ok, Now: in.Now, Full: in.Full,
		FullEvery: settings.FullEvery, Fingerprint: idx.Fingerprint(), Overlap: a.SinceOverlap})
	res.Mode, res.Reason, res.Since, res.RetrySKUs = plan.Mode, plan.Reason, ecforce.InJST(plan.Since), plan.RetrySKUs
	return res, nil
}

// locationSet fails when the shop has no ecforce location to write to.
func locationSet(shop *Shop) error {
	if shop.Settings.LocationCode != "" {
		return nil
	}
	return nonRetryable(ErrTypeStockLocationMissing, fmt.Errorf(
		"stock sync of shop %s: location_code is empty; set the ecforce ロケーションコード in the shops file",
		shop.Settings.Code))
}

// --- ReconcileStockPage ----------------------------------------------------

// ReconcileStockPageInput asks for one page of a stock sync: the next
// PageSize mapping rows (full) or affected rows (incremental) after After.
type ReconcileStockPageInput struct {
	Shop string
	Mode string // stocksync.ModeFull or stocksync.ModeIncremental
	// Since (incremental) reads LOGILESS inventory updated from then.
	Since time.Time
	// After is the cursor: the last SKU of the previous page ("" = start).
	After string
	// RetrySKUs (incremental) are looked at even if their stock did not
	// change.
	RetrySKUs []string
	// DryRun computes and compares but writes nothing.
	DryRun bool
	// RunKey identifies the sync (the same across continue-as-new), so
	// that the pages of one sync share the worker's caches.
	RunKey string
	// Ahead (full) is this page's LOGILESS free stock, read by the page
	// before while it wrote ecforce (its result's Ahead); nil, stale or
	// read for other codes, the page reads LOGILESS itself.
	Ahead *stocksync.AheadStock `json:",omitempty"`
}

// ReconcileStockPageResult is what one page did.
type ReconcileStockPageResult struct {
	Summary stocksync.Summary
	// RetrySKUs failed or are missing at the location; the next
	// incremental pass retries them.
	RetrySKUs []string
	// Next is the cursor for the next page; Done is true after the last.
	Next string
	Done bool
	// NeedFull (incremental): so much changed that a full pass is cheaper;
	// nothing was done.
	NeedFull       bool
	NeedFullReason string
	// Ahead (full) is the next page's LOGILESS free stock, read while this
	// page was compared and written in ecforce; the workflow hands it to
	// the next page (one number per article, about 5 KiB per page).
	Ahead *stocksync.AheadStock `json:",omitempty"`
}

// ReconcileStockPage brings one page of mapped SKUs in step
// (stocksync.Reconciler): LOGILESS free stock through each row's settings,
// compared with the ecforce stock at the location, and only the SKUs that
// differ written, 100 per bulk request. A SKU ecforce refuses is reported by
// SKU and never stops the others. In a full pass it reads the next page's
// LOGILESS free stock while it writes ecforce, and starts from the stock the
// page before read for it (Ahead), so that the two APIs work at once. The heartbeat carries the committed
// stocksync.Progress.
//
// Idempotent: ecforce stock is written as absolute values, and only where
// the value just read differs; a retry resumes after the heartbeat cursor
// (everything up to it is written) and reads ecforce again before writing,
// so a write that was applied but whose answer was lost is not repeated.
func (a *StockSync) ReconcileStockPage(ctx context.Context, in ReconcileStockPageInput) (ReconcileStockPageResult, error) {
	// Every heartbeat carries the committed progress, so that a retry
	// resumes from it whatever the attempt was doing when it died (until
	// the heartbeat details are read below, it is the empty cursor, which
	// a retry ignores).
	// LOGILESS is read on a goroutine of its own (stocksync.Reconciler), so
	// the committed progress is shared under a lock.
	var mu sync.Mutex
	var committed stocksync.Progress
	current := func() any { mu.Lock(); defer mu.Unlock(); return committed }
	ctx = stockPriority(ctx, current)
	var res ReconcileStockPageResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	what := fmt.Sprintf("reconcile stock of shop %s after SKU %q", in.Shop, in.After)
	if err := locationSet(shop); err != nil {
		return res, err
	}
	if in.Mode != stocksync.ModeFull && in.Mode != stocksync.ModeIncremental {
		return res, nonRetryable(ErrTypeInvalidStockMode, fmt.Errorf("%s: unknown mode %q, want full or incremental", what, in.Mode))
	}
	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(what, err)
	}
	idx := a.indexes.For(in.Shop, table)
	from := stocksync.Progress{After: in.After}
	if activity.HasHeartbeatDetails(ctx) {
		var hb stocksync.Progress
		if err := activity.GetHeartbeatDetails(ctx, &hb); err == nil && hb.After >= in.After {
			from = hb
			a.logger().Info("resuming stock page after heartbeat", "shop", in.Shop, "after", hb.After)
		}
	}
	mu.Lock()
	committed = from
	mu.Unlock()
	beat := func() { activity.RecordHeartbeat(ctx, current()) }

	ll := logilessStock{api: shop.Logiless}
	sets, err := a.catalogs.For(ctx, in.Shop, in.RunKey, in.Mode == stocksync.ModeFull, ll, beat)
	if err != nil {
		return res, classify(what, err)
	}
	var page, ahead []mapping.Row
	var known map[string]int64
	more := false
	if in.Mode == stocksync.ModeFull {
		page, more = idx.FullPage(in.After, a.pageSize())
		if more && len(page) > 0 {
			ahead, _ = idx.FullPage(page[len(page)-1].SKU, a.pageSize())
		}
	} else {
		changed, err := a.changes.Since(ctx, in.Shop, in.RunKey, in.Since, ll, beat)
		if errors.Is(err, stocksync.ErrTooManyChanges) {
			res.NeedFull, res.NeedFullReason = true, stocksync.TooManyChangesReason(in.Since)
			return res, nil
		}
		if err != nil {
			return res, classify(what, err)
		}
		page, more = idx.ChangedPage(changed, sets, in.RetrySKUs, in.After, a.pageSize())
		known = changed
	}

	rec := &stocksync.Reconciler{
		Logiless: ll,
		Ecforce:  ecforceStock{api: shop.Ecforce, location: shop.Settings.LocationCode},
		Location: shop.Settings.LocationCode,
		Sets:     sets,
		DryRun:   in.DryRun,
		Heartbeat: func(p stocksync.Progress) {
			mu.Lock()
			committed = p
			mu.Unlock()
			activity.RecordHeartbeat(ctx, p)
		},
		Ahead:      ahead,
		OnAhead:    func(a stocksync.AheadStock) { res.Ahead = &a },
		Prefetched: in.Ahead,
	}
	prog, err := rec.Reconcile(ctx, page, known, from)
	if err != nil {
		return res, classify(what, err)
	}
	res.Summary, res.RetrySKUs = prog.Summary, prog.RetrySKUs
	res.Next, res.Done = in.After, !more
	if len(page) > 0 {
		res.Next = page[len(page)-1].SKU
	}
	s := res.Summary
	if !in.DryRun {
		metrics := activity.GetMetricsHandler(ctx).WithTags(map[string]string{"shop": in.Shop})
		metrics.Counter("connector_stock_writes").Inc(int64(s.Written))
		metrics.Counter("connector_stock_write_failures").Inc(int64(s.Failed))
	}
	a.logger().Info("reconciled stock page", "shop", in.Shop, "mode", in.Mode, "dry_run", in.DryRun,
		"rows", s.Read, "unchanged", s.Unchanged, "changed", s.Changed, "written", s.Written,
		"failed", s.Failed, "skipped", s.Skipped.Total(), "next", res.Next, "done", res.Done)
	return res, nil
}

// --- RecordStockSync -------------------------------------------------------

// RecordStockSyncInput records a successful run.
type RecordStockSyncInput struct {
	Shop        string
	Mode        string
	StartedAt   time.Time // the run's start: the next watermark
	Fingerprint string    // of the mapping table the run planned with
	RetrySKUs   []string
}

// RecordStockSyncResult is the state now stored.
type RecordStockSyncResult struct {
	Since      time.Time
	LastFullAt time.Time
}

// RecordStockSync stores the run's start as the shop's watermark (and, for
// a full pass, as the last full pass), the mapping table's fingerprint and
// the SKUs to retry (stocksync.NextState). Only successful, non-dry runs
// are recorded.
//
// Idempotent: the same input writes the same file, and a watermark never
// moves backwards (a slower, older run finishing last keeps the newer one).
func (a *StockSync) RecordStockSync(ctx context.Context, in RecordStockSyncInput) (RecordStockSyncResult, error) {
	old, _, err := a.State.Load(in.Shop)
	if err != nil {
		a.logger().Warn("replacing an unreadable stock sync state", "shop", in.Shop, "err", err)
	}
	st := stocksync.NextState(old, stocksync.FinishedRun{Shop: in.Shop, Mode: in.Mode, StartedAt: in.StartedAt,
		Fingerprint: in.Fingerprint, RetrySKUs: in.RetrySKUs}, time.Now())
	if err := a.State.Save(st); err != nil {
		return RecordStockSyncResult{}, classify(fmt.Sprintf("record the stock sync of shop %s", in.Shop), err)
	}
	return RecordStockSyncResult{Since: ecforce.InJST(st.Since), LastFullAt: ecforce.InJST(st.LastFullAt)}, nil
}

func (a *StockSync) pageSize() int {
	if a.PageSize > 0 {
		return a.PageSize
	}
	return stocksync.DefaultPageSize
}

func (a *StockSync) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}
