package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
)

// Stock sync (在庫連動) modes.
const (
	// StockModeFull looks at every row of the mapping table.
	StockModeFull = "full"
	// StockModeIncremental looks only at rows whose LOGILESS stock changed
	// since the last successful run (and at the SKUs that failed then).
	StockModeIncremental = "incremental"
)

// Why a mapped SKU was not brought in step: StockProblem.Reason.
const (
	// StockReasonArticleUnknown: LOGILESS returned no stock for the row's
	// article. Nothing is written: an unknown stock is never sold, and a
	// zero is not written on an absence either.
	StockReasonArticleUnknown = "article-unknown"
	// StockReasonSetNotComputable: a set article with an unknown component
	// or an invalid component quantity.
	StockReasonSetNotComputable = "set-not-computable"
	// StockReasonMissingAtLocation: ecforce has no stock item for the SKU
	// at the shop's location code.
	StockReasonMissingAtLocation = "missing-at-location"
	// StockReasonWriteRejected: ecforce refused the write of this SKU.
	StockReasonWriteRejected = "write-rejected"
	// StockReasonReadRejected: ecforce refused to look this SKU up.
	StockReasonReadRejected = "read-rejected"
)

// Bounds that keep every activity result, heartbeat and workflow input small
// whatever the size of the catalog.
const (
	// MaxStockProblems is how many problems a summary lists (all count).
	MaxStockProblems = 100
	// MaxStockChanges is how many changed SKUs a summary lists (all count).
	MaxStockChanges = 500
	// MaxStockRetrySKUs is how many failed SKUs the next incremental pass
	// retries; the rest wait for the next full pass.
	MaxStockRetrySKUs = 1000
	// DefaultStockPageSize is how many mapping rows one ReconcileStockPage
	// call handles (about 10 LOGILESS and 10–20 ecforce requests).
	DefaultStockPageSize = 1000
	// DefaultStockSinceOverlap is subtracted from the watermark before an
	// incremental read, so that a clock difference between the worker and
	// LOGILESS cannot hide a change. Re-reading a few minutes is harmless:
	// unchanged SKUs are not written.
	DefaultStockSinceOverlap = 2 * time.Minute

	// stockBatch is the most codes or SKUs one API request carries
	// (LOGILESS search, ecforce stock list and bulk update alike).
	stockBatch = 100
	// maxChangedInventoryPages bounds an incremental read (20,000 changed
	// articles); beyond it a full pass is cheaper and is done instead.
	maxChangedInventoryPages = 200
	// maxSetCatalogPages bounds the set article listing (100,000 sets).
	maxSetCatalogPages = 1000
)

// StockSync holds the stock sync's activities: LOGILESS free stock, through
// the mapping table, written to ecforce at the shop's location code.
type StockSync struct {
	Shops *ShopDirectory
	State *StockStateStore
	// PageSize is the number of mapping rows per ReconcileStockPage call;
	// 0 means DefaultStockPageSize.
	PageSize int
	// SinceOverlap is subtracted from the watermark of incremental passes;
	// 0 means DefaultStockSinceOverlap.
	SinceOverlap time.Duration
	Logger       *slog.Logger

	mu       sync.Mutex
	indexes  map[string]*stockIndex       // by shop: the mapping table, indexed
	catalogs map[string]*setCatalogEntry  // by shop: LOGILESS set articles
	changes  map[string]*changedInventory // by shop: the latest incremental read
}

// NewStockSync returns the stock sync activities of the shops in dir,
// keeping their watermarks in state.
func NewStockSync(dir *ShopDirectory, state *StockStateStore, logger *slog.Logger) *StockSync {
	return &StockSync{Shops: dir, State: state, Logger: logger}
}

// --- summaries -------------------------------------------------------------

// StockSkips counts mapped SKUs left alone, by reason.
type StockSkips struct {
	ArticleUnknown    int // LOGILESS has no stock for the article
	SetNotComputable  int // a set article whose components cannot be read
	MissingAtLocation int // no ecforce stock item at the location code
	Unlimited         int // ecforce does not count this SKU's stock (在庫無制限)
}

// Total is the number of skipped SKUs.
func (k StockSkips) Total() int {
	return k.ArticleUnknown + k.SetNotComputable + k.MissingAtLocation + k.Unlimited
}

// StockProblem is one SKU an operator should look at.
type StockProblem struct {
	SKU         string
	ArticleCode string
	Reason      string // a StockReason* value
	Detail      string // what happened and what to do
}

// StockChange is one SKU whose ecforce stock differed from what LOGILESS
// allows: written, or in a dry run, to be written.
type StockChange struct {
	SKU  string
	From int64 // ecforce stock before
	To   int64 // computed from LOGILESS
}

// StockSummary is what a stock sync (or one page of it) did. Counts are
// complete; Problems and Changes list the first MaxStockProblems and
// MaxStockChanges entries.
//
// Read = Unchanged + Changed + Skipped.Total() + the SKUs whose ecforce
// lookup was refused (counted in Failed); Changed = Written + the refused
// writes (also in Failed); in a dry run nothing is Written.
type StockSummary struct {
	Read      int // mapping rows looked at
	Unchanged int // ecforce already had the value
	Changed   int // ecforce differed
	Written   int // writes ecforce accepted
	Failed    int // SKUs ecforce refused (write or lookup)
	Skipped   StockSkips
	// Problems are SKUs an operator should look at (failed, missing at the
	// location, unknown article, uncomputable set).
	Problems     []StockProblem
	ProblemCount int
	Changes      []StockChange
}

// Add adds o's counts to s and appends o's lists up to their bounds.
func (s *StockSummary) Add(o StockSummary) {
	s.Read += o.Read
	s.Unchanged += o.Unchanged
	s.Changed += o.Changed
	s.Written += o.Written
	s.Failed += o.Failed
	s.Skipped.ArticleUnknown += o.Skipped.ArticleUnknown
	s.Skipped.SetNotComputable += o.Skipped.SetNotComputable
	s.Skipped.MissingAtLocation += o.Skipped.MissingAtLocation
	s.Skipped.Unlimited += o.Skipped.Unlimited
	s.ProblemCount += o.ProblemCount
	for _, p := range o.Problems {
		if len(s.Problems) >= MaxStockProblems {
			break
		}
		s.Problems = append(s.Problems, p)
	}
	for _, c := range o.Changes {
		if len(s.Changes) >= MaxStockChanges {
			break
		}
		s.Changes = append(s.Changes, c)
	}
}

func (s *StockSummary) problem(p StockProblem) {
	s.ProblemCount++
	if len(s.Problems) < MaxStockProblems {
		s.Problems = append(s.Problems, p)
	}
}

func (s *StockSummary) change(c StockChange) {
	s.Changed++
	if len(s.Changes) < MaxStockChanges {
		s.Changes = append(s.Changes, c)
	}
}

func (s StockSummary) clone() StockSummary {
	s.Problems = append([]StockProblem(nil), s.Problems...)
	s.Changes = append([]StockChange(nil), s.Changes...)
	return s
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
	// Disabled: a scheduled run of a shop whose stock sync is off.
	//
	// Deprecated: see PlanStockSyncInput.Scheduled.
	Disabled bool
	Mode     string // StockModeFull or StockModeIncremental
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

// PlanStockSync decides between a full and an incremental pass: full when
// asked, when no successful run is recorded, when the last full pass is
// older than stock_sync.full_every, or when the mapping table changed;
// incremental otherwise.
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
	if in.Scheduled && !settings.Enabled {
		res.Disabled = true
		return res, nil
	}
	what := fmt.Sprintf("plan the stock sync of shop %s", in.Shop)
	res.LocationCode = shop.Settings.LocationCode
	if res.LocationCode == "" {
		return res, nonRetryable(ErrTypeStockLocationMissing, fmt.Errorf("%s: location_code is empty; set the ecforce ロケーションコード in the shops file", what))
	}
	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(what, err)
	}
	idx := a.index(in.Shop, table)
	res.MappedSKUs, res.Fingerprint = len(idx.rows), idx.fingerprint

	st, ok, err := a.State.Load(in.Shop)
	if err != nil {
		a.logger().Warn("stock sync state unreadable; doing a full pass", "shop", in.Shop, "err", err)
		ok = false
	}
	res.Mode = StockModeFull
	switch {
	case in.Full:
		res.Reason = "full pass requested"
	case !ok || st.Since.IsZero():
		res.Reason = "no earlier successful run is recorded"
	case st.LastFullAt.IsZero() || in.Now.Sub(st.LastFullAt) >= settings.FullEvery:
		res.Reason = fmt.Sprintf("the last full pass (%s) is older than stock_sync.full_every %s",
			formatWhen(st.LastFullAt), settings.FullEvery)
	case st.MappingFingerprint != idx.fingerprint:
		res.Reason = "the mapping table changed since the last run"
	default:
		res.Mode = StockModeIncremental
		res.Since = st.Since.Add(-a.sinceOverlap())
		res.Reason = fmt.Sprintf("LOGILESS stock changed since %s (the last run's start minus %s)",
			formatWhen(st.Since), a.sinceOverlap())
		if len(st.RetrySKUs) > 0 {
			res.RetrySKUs = append([]string(nil), st.RetrySKUs[:min(len(st.RetrySKUs), MaxStockRetrySKUs)]...)
			res.Reason += fmt.Sprintf(", and %d SKUs that failed then", len(res.RetrySKUs))
		}
	}
	return res, nil
}

func formatWhen(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(ecforce.JST).Format("2006-01-02 15:04:05 MST")
}

// --- ReconcileStockPage ----------------------------------------------------

// ReconcileStockPageInput asks for one page of a stock sync: the next
// PageSize mapping rows (full) or affected rows (incremental) after After.
type ReconcileStockPageInput struct {
	Shop string
	Mode string // StockModeFull or StockModeIncremental
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
}

// ReconcileStockPageResult is what one page did.
type ReconcileStockPageResult struct {
	Summary StockSummary
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
}

// stockPageProgress is the heartbeat of ReconcileStockPage: everything up
// to and including SKU After is written, and Summary counts it. A retry
// resumes after After.
type stockPageProgress struct {
	After     string
	Summary   StockSummary
	RetrySKUs []string
}

// ReconcileStockPage brings one page of mapped SKUs in step: it reads the
// LOGILESS free stock of their articles (set articles from their
// components), applies each row's reserve, allocation rate, max and min,
// reads the current ecforce stock at the location and writes only the SKUs
// that differ, 100 per bulk request. A SKU that ecforce refuses is reported
// by SKU and never stops the others; a request ecforce refuses as a whole
// (400/422) is split until the refused SKU is isolated.
//
// Idempotent: ecforce stock is written as absolute values, and only where
// the value just read differs; a retry resumes after the heartbeat cursor
// (everything up to it is written) and reads ecforce again before writing,
// so a write that was applied but whose answer was lost is not repeated.
func (a *StockSync) ReconcileStockPage(ctx context.Context, in ReconcileStockPageInput) (ReconcileStockPageResult, error) {
	var res ReconcileStockPageResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	what := fmt.Sprintf("reconcile stock of shop %s (%s pass, after SKU %q)", in.Shop, in.Mode, in.After)
	if shop.Settings.LocationCode == "" {
		return res, nonRetryable(ErrTypeStockLocationMissing, fmt.Errorf("%s: location_code is empty; set the ecforce ロケーションコード in the shops file", what))
	}
	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(what, err)
	}
	idx := a.index(in.Shop, table)
	prog := stockPageProgress{After: in.After}
	if activity.HasHeartbeatDetails(ctx) {
		var hb stockPageProgress
		if err := activity.GetHeartbeatDetails(ctx, &hb); err == nil && hb.After >= in.After {
			prog = hb
			a.logger().Info("resuming stock page after heartbeat", "shop", in.Shop, "after", hb.After)
		}
	}

	// Every heartbeat carries the committed progress, so that a retry
	// resumes from it whatever the attempt was doing when it died.
	beat := func() { activity.RecordHeartbeat(ctx, prog) }
	cat, err := a.setCatalog(ctx, shop, in.RunKey, in.Mode == StockModeFull, beat)
	if err != nil {
		return res, classify(what, err)
	}
	var page []mapping.Row
	var known map[string]int64
	more := false
	switch in.Mode {
	case StockModeFull:
		start := idx.after(in.After)
		end := min(start+a.pageSize(), len(idx.rows))
		page, more = idx.rows[start:end], end < len(idx.rows)
	case StockModeIncremental:
		changed, err := a.changedSince(ctx, shop, in.RunKey, in.Since, beat)
		if errors.Is(err, errTooManyChanges) {
			res.NeedFull = true
			res.NeedFullReason = fmt.Sprintf("more than %d LOGILESS articles changed since %s", maxChangedInventoryPages*stockBatch, formatWhen(in.Since))
			return res, nil
		}
		if err != nil {
			return res, classify(what, err)
		}
		affected := idx.affected(changed, cat, in.RetrySKUs)
		start := sort.Search(len(affected), func(i int) bool { return idx.rows[affected[i]].SKU > in.After })
		end := min(start+a.pageSize(), len(affected))
		for _, i := range affected[start:end] {
			page = append(page, idx.rows[i])
		}
		more = end < len(affected)
		known = changed
	default:
		return res, nonRetryable(ErrTypeInvalidStockMode, fmt.Errorf("%s: unknown mode %q (want %s or %s)", what, in.Mode, StockModeFull, StockModeIncremental))
	}

	// A retry resumes after the heartbeat cursor, within the same page.
	rows := page
	for len(rows) > 0 && rows[0].SKU <= prog.After {
		rows = rows[1:]
	}
	r := &stockRun{a: a, ctx: ctx, shop: shop, location: shop.Settings.LocationCode, cat: cat, dryRun: in.DryRun, prog: prog}
	r.acc = prog.Summary.clone()
	r.retry = append([]string(nil), prog.RetrySKUs...)
	if err := r.reconcile(rows, known); err != nil {
		return res, classify(what, err)
	}
	res.Summary, res.RetrySKUs = r.prog.Summary, r.prog.RetrySKUs
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

// stockRun reconciles the rows of one page.
type stockRun struct {
	a        *StockSync
	ctx      context.Context
	shop     *Shop
	location string
	cat      *setCatalog
	dryRun   bool

	prog  stockPageProgress // committed: what the heartbeat says
	acc   StockSummary      // committed plus the rows read since
	retry []string          // likewise for the retry SKUs
}

// desired is a row whose ecforce stock has been computed.
type desired struct {
	row  mapping.Row
	want int64
}

// reconcile handles rows in SKU order. known holds free stock already read
// (an incremental pass's listing).
func (r *stockRun) reconcile(rows []mapping.Row, known map[string]int64) error {
	if len(rows) == 0 {
		return nil
	}
	free, rejected, err := r.readFree(rows, known)
	if err != nil {
		return err
	}
	var pending []StockChange
	for start := 0; start < len(rows); start += stockBatch {
		chunk := rows[start:min(start+stockBatch, len(rows))]
		var computed []desired
		for _, row := range chunk {
			r.acc.Read++
			if want, ok := r.compute(row, free, rejected); ok {
				computed = append(computed, desired{row: row, want: want})
			}
		}
		current, err := r.readEcforce(computed)
		if err != nil {
			return err
		}
		for _, d := range computed {
			item, ok := current[d.row.SKU]
			switch {
			case !ok:
				continue // lookup refused, already reported
			case item == nil:
				r.acc.Skipped.MissingAtLocation++
				r.retryLater(d.row.SKU)
				r.acc.problem(StockProblem{SKU: d.row.SKU, ArticleCode: d.row.ArticleCode, Reason: StockReasonMissingAtLocation,
					Detail: fmt.Sprintf("ecforce has no stock item for SKU %s at location %q: create it there (or fix location_code, or remove the row from the mapping table); it is retried on every run until then", d.row.SKU, r.location)})
			case item.Unlimited:
				r.acc.Skipped.Unlimited++
			case item.Stock == d.want:
				r.acc.Unchanged++
			default:
				pending = append(pending, StockChange{SKU: d.row.SKU, From: item.Stock, To: d.want})
			}
		}
		// Pack writes: flush once a full request is pending, and commit the
		// cursor whenever nothing is left unwritten.
		last := chunk[len(chunk)-1].SKU
		if len(pending) >= stockBatch {
			if err := r.write(pending); err != nil {
				return err
			}
			pending = pending[:0]
		}
		if len(pending) == 0 {
			r.commit(last)
		}
	}
	if err := r.write(pending); err != nil {
		return err
	}
	r.commit(rows[len(rows)-1].SKU)
	return nil
}

// commit records that every row up to sku is done and heartbeats it.
func (r *stockRun) commit(sku string) {
	r.prog = stockPageProgress{After: sku, Summary: r.acc.clone(), RetrySKUs: append([]string(nil), r.retry...)}
	activity.RecordHeartbeat(r.ctx, r.prog)
}

// heartbeat reports liveness without moving the cursor.
func (r *stockRun) heartbeat() { activity.RecordHeartbeat(r.ctx, r.prog) }

func (r *stockRun) retryLater(sku string) {
	if len(r.retry) < MaxStockRetrySKUs {
		r.retry = append(r.retry, sku)
	}
}

// readFree reads the LOGILESS free stock of every article the rows need
// (set articles: their components), 100 codes per request, except those in
// known. Codes LOGILESS refuses alone are returned in rejected.
func (r *stockRun) readFree(rows []mapping.Row, known map[string]int64) (map[string]int, map[string]string, error) {
	free := map[string]int{}
	var need []string
	seen := map[string]bool{}
	add := func(code string) {
		if seen[code] {
			return
		}
		seen[code] = true
		if v, ok := known[code]; ok {
			free[code] = int(v)
			return
		}
		need = append(need, code)
	}
	for _, row := range rows {
		if comps, ok := r.cat.sets[row.ArticleCode]; ok {
			for _, c := range comps {
				add(c.ArticleCode)
			}
			continue
		}
		add(row.ArticleCode)
	}
	rejected := map[string]string{}
	for start := 0; start < len(need); start += stockBatch {
		batch := need[start:min(start+stockBatch, len(need))]
		err := splitOnRejection(batch, func(codes []string) error {
			found, err := r.shop.Logiless.SearchLogicalInventory(r.ctx, codes)
			if err != nil {
				return err
			}
			for _, s := range found {
				free[s.ArticleCode] = int(s.Free)
			}
			return nil
		}, func(code string, err error) { rejected[code] = err.Error() })
		if err != nil {
			return nil, nil, err
		}
		r.heartbeat()
	}
	return free, rejected, nil
}

// compute applies the row's settings to its article's free stock; ok is
// false (and the row reported) when the stock is unknown.
func (r *stockRun) compute(row mapping.Row, free map[string]int, rejected map[string]string) (int64, bool) {
	if comps, isSet := r.cat.sets[row.ArticleCode]; isSet {
		f, ok := mapping.SetFree(comps, free)
		if !ok {
			r.acc.Skipped.SetNotComputable++
			r.acc.problem(StockProblem{SKU: row.SKU, ArticleCode: row.ArticleCode, Reason: StockReasonSetNotComputable,
				Detail: fmt.Sprintf("set article %s: %s; nothing was written — fix the set's components in LOGILESS's article master", row.ArticleCode, setTrouble(comps, free, rejected))})
			return 0, false
		}
		return int64(row.Allocate(f)), true
	}
	f, ok := free[row.ArticleCode]
	if !ok {
		r.acc.Skipped.ArticleUnknown++
		detail := fmt.Sprintf("LOGILESS returned no stock for article %s: fix the article_code of SKU %s in the mapping table or register the article in LOGILESS; nothing was written", row.ArticleCode, row.SKU)
		if msg, bad := rejected[row.ArticleCode]; bad {
			detail = fmt.Sprintf("LOGILESS refused to look up article %s (%s): fix the article_code of SKU %s in the mapping table; nothing was written", row.ArticleCode, msg, row.SKU)
		}
		r.acc.problem(StockProblem{SKU: row.SKU, ArticleCode: row.ArticleCode, Reason: StockReasonArticleUnknown, Detail: detail})
		return 0, false
	}
	return int64(row.Allocate(f)), true
}

func setTrouble(comps []mapping.Component, free map[string]int, rejected map[string]string) string {
	if len(comps) == 0 {
		return "it has no components"
	}
	for _, c := range comps {
		if c.Quantity <= 0 || c.Quantity > mapping.MaxQuantity {
			return fmt.Sprintf("component %s has the invalid quantity %d", c.ArticleCode, c.Quantity)
		}
		if _, ok := free[c.ArticleCode]; !ok {
			if msg, bad := rejected[c.ArticleCode]; bad {
				return fmt.Sprintf("LOGILESS refused to look up component %s (%s)", c.ArticleCode, msg)
			}
			return fmt.Sprintf("LOGILESS returned no stock for component %s", c.ArticleCode)
		}
	}
	return "its stock cannot be computed"
}

// readEcforce reads the current ecforce stock of the rows at the location.
// In the result a nil item means "no stock item at the location"; SKUs
// whose lookup ecforce refused are reported and left out.
func (r *stockRun) readEcforce(rows []desired) (map[string]*ecforce.StockItem, error) {
	current := make(map[string]*ecforce.StockItem, len(rows))
	if len(rows) == 0 {
		return current, nil
	}
	skus := make([]string, len(rows))
	for i, d := range rows {
		skus[i] = d.row.SKU
		current[d.row.SKU] = nil
	}
	err := splitOnRejection(skus, func(batch []string) error {
		return r.shop.Ecforce.ListStockItems(r.ctx, ecforce.StockItemQuery{LocationCode: r.location, SKUs: batch, MaxPages: 2},
			func(items []ecforce.StockItem) error {
				for i := range items {
					it := items[i]
					if _, asked := current[it.SKU]; asked && (it.LocationCode == r.location || it.LocationCode == "") {
						current[it.SKU] = &it
					}
				}
				return nil
			})
	}, func(sku string, err error) {
		delete(current, sku)
		r.acc.Failed++
		r.retryLater(sku)
		r.acc.problem(StockProblem{SKU: sku, Reason: StockReasonReadRejected,
			Detail: fmt.Sprintf("ecforce refused to look up the stock of SKU %s: %v; check the SKU in the mapping table", sku, err)})
	})
	r.heartbeat()
	return current, err
}

// write sends the changes to ecforce (or, in a dry run, only counts them),
// 100 per bulk request, and tallies ecforce's answer per SKU.
func (r *stockRun) write(changes []StockChange) error {
	for start := 0; start < len(changes); start += stockBatch {
		batch := changes[start:min(start+stockBatch, len(changes))]
		for _, c := range batch {
			r.acc.change(c)
		}
		if r.dryRun {
			continue
		}
		err := splitOnRejection(batch, func(b []StockChange) error {
			updates := make([]ecforce.StockUpdate, len(b))
			for i, c := range b {
				updates[i] = ecforce.StockUpdate{SKU: c.SKU, LocationCode: r.location, Stock: c.To}
			}
			res, err := r.shop.Ecforce.UpdateStockItems(r.ctx, updates)
			if err != nil {
				return err
			}
			r.tally(b, res)
			return nil
		}, func(c StockChange, err error) {
			r.failed(c, fmt.Sprintf("ecforce refused the request for this SKU: %v", err))
		})
		if err != nil {
			return err
		}
		r.heartbeat()
	}
	return nil
}

// tally reads ecforce's per-record answer to a bulk stock update.
func (r *stockRun) tally(batch []StockChange, res ecforce.BulkResult) {
	ok := make(map[string]bool, len(res.Success))
	for _, id := range res.Success {
		ok[id] = true
	}
	failed := make(map[string]bool, len(res.Failure))
	for _, id := range res.Failure {
		failed[id] = true
	}
	for _, c := range batch {
		if e, bad := res.ErrorFor(c.SKU); bad {
			r.failed(c, e.Error())
			continue
		}
		switch {
		case failed[c.SKU]:
			r.failed(c, "ecforce listed it as failed without a reason")
		case ok[c.SKU]:
			r.acc.Written++
		default:
			r.failed(c, "ecforce's answer did not mention it")
		}
	}
}

func (r *stockRun) failed(c StockChange, why string) {
	r.acc.Failed++
	r.retryLater(c.SKU)
	r.acc.problem(StockProblem{SKU: c.SKU, Reason: StockReasonWriteRejected,
		Detail: fmt.Sprintf("writing stock %d (was %d) at location %q failed: %s; the other SKUs were written, this one is retried on the next run", c.To, c.From, r.location, why)})
}

// splitOnRejection calls fn with items; when the API refuses the request as
// a whole as invalid (400 or 422), it tries each half, down to single items,
// and hands the items refused alone to rejected. One bad SKU or code thus
// costs a few extra requests instead of stopping the others. Other errors
// are returned as they are.
func splitOnRejection[T any](items []T, fn func([]T) error, rejected func(T, error)) error {
	if len(items) == 0 {
		return nil
	}
	err := fn(items)
	if err == nil || !isRejection(err) {
		return err
	}
	if len(items) == 1 {
		rejected(items[0], err)
		return nil
	}
	mid := len(items) / 2
	if err := splitOnRejection(items[:mid], fn, rejected); err != nil {
		return err
	}
	return splitOnRejection(items[mid:], fn, rejected)
}

func isRejection(err error) bool {
	var se *httpapi.StatusError
	return errors.As(err, &se) && (se.StatusCode == http.StatusBadRequest || se.StatusCode == http.StatusUnprocessableEntity)
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
// the SKUs to retry. Only successful, non-dry runs are recorded.
//
// Idempotent: the same input writes the same file, and a watermark never
// moves backwards (a slower, older run finishing last keeps the newer one).
func (a *StockSync) RecordStockSync(ctx context.Context, in RecordStockSyncInput) (RecordStockSyncResult, error) {
	old, _, err := a.State.Load(in.Shop)
	if err != nil {
		a.logger().Warn("replacing an unreadable stock sync state", "shop", in.Shop, "err", err)
	}
	st := StockSyncState{
		Shop:               in.Shop,
		Since:              laterOf(old.Since, in.StartedAt),
		LastFullAt:         old.LastFullAt,
		MappingFingerprint: in.Fingerprint,
		RetrySKUs:          in.RetrySKUs,
		SavedAt:            time.Now(),
	}
	if in.Mode == StockModeFull {
		st.LastFullAt = laterOf(old.LastFullAt, in.StartedAt)
	}
	if err := a.State.Save(st); err != nil {
		return RecordStockSyncResult{}, classify(fmt.Sprintf("record the stock sync of shop %s", in.Shop), err)
	}
	return RecordStockSyncResult{Since: st.Since, LastFullAt: st.LastFullAt}, nil
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// --- caches ----------------------------------------------------------------

// stockIndex is a mapping table prepared for stock sync: rows by SKU, rows
// by article, and a fingerprint. It is rebuilt when the table changes.
type stockIndex struct {
	table       *mapping.Table
	rows        []mapping.Row // sorted by SKU
	byArticle   map[string][]int
	fingerprint string
}

func (a *StockSync) index(shop string, t *mapping.Table) *stockIndex {
	a.mu.Lock()
	defer a.mu.Unlock()
	if x, ok := a.indexes[shop]; ok && x.table == t {
		return x
	}
	x := newStockIndex(t)
	if a.indexes == nil {
		a.indexes = map[string]*stockIndex{}
	}
	a.indexes[shop] = x
	return x
}

func newStockIndex(t *mapping.Table) *stockIndex {
	x := &stockIndex{table: t, rows: t.Rows(), byArticle: map[string][]int{}}
	h := sha256.New()
	for i, r := range x.rows {
		x.byArticle[r.ArticleCode] = append(x.byArticle[r.ArticleCode], i)
		fmt.Fprintf(h, "%s\x1f%s\x1f%d\x1f%d\x1f%s\x1f%s\n", r.SKU, r.ArticleCode, r.Reserve, r.AllocationRate, optInt(r.Max), optInt(r.Min))
	}
	// 48 bits tell one table from the next; the fingerprint only decides
	// whether the next run is a full pass.
	x.fingerprint = hex.EncodeToString(h.Sum(nil))[:12]
	return x
}

func optInt(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}

// after returns the index of the first row whose SKU sorts after sku.
func (x *stockIndex) after(sku string) int {
	return sort.Search(len(x.rows), func(i int) bool { return x.rows[i].SKU > sku })
}

// affected returns, sorted, the indexes of the rows an incremental pass
// must look at: rows of a changed article, rows of a set article with a
// changed component, and the rows of the SKUs to retry.
func (x *stockIndex) affected(changed map[string]int64, cat *setCatalog, retry []string) []int {
	hit := map[int]bool{}
	for code := range changed {
		for _, i := range x.byArticle[code] {
			hit[i] = true
		}
		for _, set := range cat.containing[code] {
			for _, i := range x.byArticle[set] {
				hit[i] = true
			}
		}
	}
	for _, sku := range retry {
		if i := sort.Search(len(x.rows), func(i int) bool { return x.rows[i].SKU >= sku }); i < len(x.rows) && x.rows[i].SKU == sku {
			hit[i] = true
		}
	}
	out := make([]int, 0, len(hit))
	for i := range hit {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// setCatalog is the merchant's set (Assortment) articles.
type setCatalog struct {
	sets       map[string][]mapping.Component // set code → components
	containing map[string][]string            // component code → set codes
}

func newSetCatalog(sets map[string][]mapping.Component) *setCatalog {
	c := &setCatalog{sets: sets, containing: map[string][]string{}}
	for set, comps := range sets {
		for _, comp := range comps {
			c.containing[comp.ArticleCode] = append(c.containing[comp.ArticleCode], set)
		}
	}
	return c
}

type setCatalogEntry struct {
	cat        *setCatalog
	fullKey    string    // the run that last listed every set
	refreshKey string    // the run that last refreshed the entry
	listedAt   time.Time // when that listing started (wall clock)
}

// setCatalog returns the shop's set articles. A run's first page lists
// them: every set for a full pass or an empty cache, otherwise only those
// updated since the last listing (usually one request); later pages of the
// same run reuse the listing.
func (a *StockSync) setCatalog(ctx context.Context, shop *Shop, runKey string, full bool, beat func()) (*setCatalog, error) {
	code := shop.Settings.Code
	a.mu.Lock()
	e := a.catalogs[code]
	a.mu.Unlock()
	if e != nil && e.refreshKey == runKey && runKey != "" && (!full || e.fullKey == runKey) {
		return e.cat, nil
	}
	started := time.Now()
	var since time.Time
	if e != nil && !full {
		since = e.listedAt.Add(-DefaultStockSinceOverlap)
	}
	sets := map[string][]mapping.Component{}
	if since.IsZero() {
		e = nil
	} else {
		for k, v := range e.cat.sets {
			sets[k] = v
		}
	}
	err := shop.Logiless.ListArticles(ctx, logiless.ArticleQuery{ArticleType: logiless.ArticleTypeAssortment, UpdatedFrom: since, MaxPages: maxSetCatalogPages},
		func(page []logiless.Article) error {
			beat()
			for _, art := range page {
				if art.ArticleType != logiless.ArticleTypeAssortment {
					continue
				}
				comps := make([]mapping.Component, 0, len(art.Components))
				for _, c := range art.Components {
					comps = append(comps, mapping.Component{ArticleCode: c.ArticleCode, Quantity: int(min(max(c.Quantity, -1), int64(mapping.MaxQuantity)+1))})
				}
				sets[art.Code] = comps
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	ne := &setCatalogEntry{cat: newSetCatalog(sets), refreshKey: runKey, listedAt: started}
	if full || e == nil {
		ne.fullKey = runKey
	} else {
		ne.fullKey = e.fullKey
	}
	a.mu.Lock()
	if a.catalogs == nil {
		a.catalogs = map[string]*setCatalogEntry{}
	}
	a.catalogs[code] = ne
	a.mu.Unlock()
	return ne.cat, nil
}

// changedInventory is one incremental read: free stock by article code.
type changedInventory struct {
	key  string
	free map[string]int64
}

var errTooManyChanges = errors.New("too many LOGILESS inventory changes for an incremental pass")

// changedSince reads the LOGILESS inventory updated since since. The pages
// of one run share the read (a worker that did not make it reads again).
func (a *StockSync) changedSince(ctx context.Context, shop *Shop, runKey string, since time.Time, beat func()) (map[string]int64, error) {
	code := shop.Settings.Code
	key := runKey + "@" + since.UTC().Format(time.RFC3339Nano)
	a.mu.Lock()
	if c := a.changes[code]; c != nil && c.key == key && runKey != "" {
		a.mu.Unlock()
		return c.free, nil
	}
	a.mu.Unlock()
	free := map[string]int64{}
	err := shop.Logiless.ListLogicalInventory(ctx, logiless.InventoryQuery{UpdatedFrom: since, MaxPages: maxChangedInventoryPages},
		func(page []logiless.InventorySummary) error {
			beat()
			for _, s := range page {
				free[s.ArticleCode] = s.Free
			}
			return nil
		})
	if errors.Is(err, logiless.ErrPageCapReached) {
		return nil, errTooManyChanges
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.changes == nil {
		a.changes = map[string]*changedInventory{}
	}
	a.changes[code] = &changedInventory{key: key, free: free}
	a.mu.Unlock()
	return free, nil
}

func (a *StockSync) pageSize() int {
	if a.PageSize > 0 {
		return a.PageSize
	}
	return DefaultStockPageSize
}

func (a *StockSync) sinceOverlap() time.Duration {
	if a.SinceOverlap > 0 {
		return a.SinceOverlap
	}
	return DefaultStockSinceOverlap
}

func (a *StockSync) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}
