package stocksync

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/mapping"
)

// FreeStock is LOGILESS's logical inventory as the engine reads it.
type FreeStock interface {
	// FreeStock returns the free stock of those of codes (at most Batch)
	// that LOGILESS knows; unknown codes are absent.
	FreeStock(ctx context.Context, codes []string) (map[string]int64, error)
}

// Item is ecforce's stock of one SKU at the shop's location.
type Item struct {
	Stock     int64
	Unlimited bool // ecforce does not count this SKU's stock (在庫無制限)
}

// Location is ecforce's stock at the shop's location code.
type Location interface {
	// Items returns the stock items of skus (at most Batch) at the
	// location; a SKU with no item there is absent.
	Items(ctx context.Context, skus []string) (map[string]Item, error)
	// Write sets, in one request, the stock of each change's SKU to the
	// absolute value To (at most Batch changes).
	Write(ctx context.Context, changes []Change) (WriteResult, error)
}

// WriteResult is ecforce's answer to one write, per SKU. A SKU in neither
// list was not mentioned, which counts as a failure.
type WriteResult struct {
	Written []string          // SKUs ecforce accepted
	Refused map[string]string // SKU → why ecforce refused it
}

// A request that FreeStock, Items or Write refuse as a whole with HTTP 400
// or 422 (an httpapi.StatusError) is split until the refused code or SKU is
// alone; any other error ends the page and is returned.

// Progress is how far a page got: every row up to and including the SKU
// After is done (written, or found in step, skipped or reported) and
// counted in Summary. It is what an activity heartbeats, so that a retry
// resumes after After.
type Progress struct {
	After     string
	Summary   Summary
	RetrySKUs []string // failed or missing at the location: retried next incremental pass
}

// Reconciler brings mapped SKUs in step: LOGILESS free stock, through the
// mapping rows, written to ecforce at one location.
type Reconciler struct {
	Logiless FreeStock
	Ecforce  Location
	// Location is the shop's ecforce location code (for problem details).
	Location string
	// Sets are the merchant's set articles; nil means none.
	Sets *SetCatalog
	// DryRun computes and compares but writes nothing.
	DryRun bool
	// Heartbeat, if set, is told the committed progress after every
	// request and whenever the progress moves (from the reader's goroutine
	// too, one call at a time).
	Heartbeat func(Progress)

	// Ahead are the rows of the next page (full pass): once this page's
	// own codes are read, their LOGILESS free stock is read too while this
	// page is still compared and written in ecforce, and handed to OnAhead
	// if all of it could be asked. Prefetched is that read for this page,
	// from the page before; it is used if it covers the same codes and is
	// at most MaxAheadAge old, else LOGILESS is read again.
	Ahead      []mapping.Row
	OnAhead    func(AheadStock)
	Prefetched *AheadStock
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Reconcile brings rows (sorted by SKU) in step, starting after from.After
// with from's counts: it reads the LOGILESS free stock of the rows' articles
// (set articles from their components) except those in known, applies each
// row's settings (mapping.Row.Allocate, mapping.SetFree), reads the current
// ecforce stock and writes only the SKUs that differ, Batch per request.
// LOGILESS is read on a goroutine of its own, ahead of the ecforce work: a
// chunk's ecforce requests start as soon as its codes are read, and then
// the codes of Ahead are read while the last chunks are written.
//
// It returns the progress at the end, or, with an error, the last progress
// committed (all rows up to its After are written). Writes are absolute and
// made only where the value just read differs, so a retry from the
// committed progress never writes a SKU twice, even when an applied write's
// answer was lost.
func (r *Reconciler) Reconcile(ctx context.Context, rows []mapping.Row, known map[string]int64, from Progress) (Progress, error) {
	pre := r.Prefetched.decode(rows, r.Sets, r.now()) // over the whole page, as it was read
	for len(rows) > 0 && rows[0].SKU <= from.After {
		rows = rows[1:]
	}
	run := &run{r: r, ctx: ctx, prog: from, acc: from.Summary.clone(), retry: append([]string(nil), from.RetrySKUs...)}
	run.prog.Summary, run.prog.RetrySKUs = run.acc.clone(), append([]string(nil), run.retry...)
	err := run.reconcile(rows, known, pre)
	return run.prog, err
}

// run reconciles the rows of one page.
type run struct {
	r   *Reconciler
	ctx context.Context

	beatMu sync.Mutex // held while prog is set or heartbeated
	prog   Progress   // committed: what the heartbeat says
	acc    Summary    // committed plus the rows read since
	retry  []string   // likewise for the retry SKUs
}

// desired is a row whose ecforce stock has been computed.
type desired struct {
	row  mapping.Row
	want int64
}

func (r *run) reconcile(rows []mapping.Row, known map[string]int64, pre *aheadRead) error {
	if len(rows) == 0 && len(r.r.Ahead) == 0 {
		return nil
	}
	// The codes each chunk needs from LOGILESS, in order: a chunk's ecforce
	// work starts once the codes up to its own are read.
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
		if v, ok, covered := pre.has(code); covered {
			if ok {
				free[code] = int(v)
			}
			return
		}
		need = append(need, code)
	}
	var through []int // len(need) once chunk k's codes are added
	for start := 0; start < len(rows); start += Batch {
		for _, code := range NeedCodes(rows[start:min(start+Batch, len(rows))], r.r.Sets) {
			add(code)
		}
		through = append(through, len(need))
	}
	var aheadCodes []string
	if len(r.r.Ahead) > 0 && r.r.OnAhead != nil {
		aheadCodes = NeedCodes(r.r.Ahead, r.r.Sets)
	}
	reader := newFreeReader(r.r.Logiless, free, r.heartbeat)
	rctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	done, consumed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		reader.read(rctx, need, aheadCodes, r.r.now(), consumed)
	}()
	err := r.consume(rows, reader, through)
	close(consumed)
	if err != nil {
		cancel()
	}
	<-done
	if err == nil && reader.ahead != nil {
		r.r.OnAhead(*reader.ahead)
	}
	return err
}

// consume compares and writes rows chunk by chunk as the reader delivers
// their free stock.
func (r *run) consume(rows []mapping.Row, reader *freeReader, through []int) error {
	if len(rows) == 0 {
		return nil
	}
	var pending []Change
	for k, start := 0, 0; start < len(rows); k, start = k+1, start+Batch {
		chunk := rows[start:min(start+Batch, len(rows))]
		if err := reader.wait(r.ctx, through[k]); err != nil {
			return err
		}
		var computed []desired
		reader.mu.Lock()
		for _, row := range chunk {
			r.acc.Read++
			if row.StockSyncOff {
				r.acc.Skipped.AutoSyncOff++ // never read, never written
				continue
			}
			if want, ok := r.compute(row, reader.free, reader.rejected); ok {
				computed = append(computed, desired{row: row, want: want})
			}
		}
		reader.mu.Unlock()
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
				r.acc.problem(Problem{SKU: d.row.SKU, ArticleCode: d.row.ArticleCode, Reason: ReasonMissingAtLocation,
					Detail: fmt.Sprintf("no ecforce stock item for SKU %s at location %q; create it there or fix location_code (retried every run)", d.row.SKU, r.r.Location)})
			case item.Unlimited:
				r.acc.Skipped.Unlimited++
			case item.Stock == d.want:
				r.acc.Unchanged++
			default:
				pending = append(pending, Change{SKU: d.row.SKU, From: item.Stock, To: d.want})
			}
		}
		// Pack writes: flush once a full request is pending, and commit the
		// cursor whenever nothing is left unwritten.
		last := chunk[len(chunk)-1].SKU
		if len(pending) >= Batch {
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
func (r *run) commit(sku string) {
	r.beatMu.Lock()
	defer r.beatMu.Unlock()
	r.prog = Progress{After: sku, Summary: r.acc.clone(), RetrySKUs: append([]string(nil), r.retry...)}
	if r.r.Heartbeat != nil {
		r.r.Heartbeat(r.prog)
	}
}

// heartbeat reports the committed progress; the reader calls it too.
func (r *run) heartbeat() {
	r.beatMu.Lock()
	defer r.beatMu.Unlock()
	if r.r.Heartbeat != nil {
		r.r.Heartbeat(r.prog)
	}
}

func (r *run) retryLater(sku string) {
	if len(r.retry) < MaxRetrySKUs {
		r.retry = append(r.retry, sku)
	}
}

// compute applies the row's settings to its article's free stock; ok is
// false (and the row reported) when the stock is unknown.
func (r *run) compute(row mapping.Row, free map[string]int, rejected map[string]string) (int64, bool) {
	if comps, isSet := r.r.Sets.Components(row.ArticleCode); isSet {
		f, ok := mapping.SetFree(comps, free)
		if !ok {
			r.acc.Skipped.SetNotComputable++
			r.acc.problem(Problem{SKU: row.SKU, ArticleCode: row.ArticleCode, Reason: ReasonSetNotComputable,
				Detail: fmt.Sprintf("set article %s of SKU %s: %s; fix its components in LOGILESS (nothing written)", row.ArticleCode, row.SKU, setTrouble(comps, free, rejected))})
			return 0, false
		}
		return int64(row.Allocate(f)), true
	}
	f, ok := free[row.ArticleCode]
	if !ok {
		r.acc.Skipped.ArticleUnknown++
		detail := fmt.Sprintf("LOGILESS has no stock for article %s of SKU %s; fix the mapping row or register the article (nothing written)", row.ArticleCode, row.SKU)
		if msg, bad := rejected[row.ArticleCode]; bad {
			detail = fmt.Sprintf("LOGILESS refused to look up article %s of SKU %s (%s); fix the mapping row (nothing written)", row.ArticleCode, row.SKU, msg)
		}
		r.acc.problem(Problem{SKU: row.SKU, ArticleCode: row.ArticleCode, Reason: ReasonArticleUnknown, Detail: detail})
		return 0, false
	}
	return int64(row.Allocate(f)), true
}

// setTrouble says why a set's stock cannot be computed.
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
			return fmt.Sprintf("LOGILESS has no stock for component %s", c.ArticleCode)
		}
	}
	return "its stock cannot be computed"
}

// readEcforce reads the current ecforce stock of the rows at the location.
// In the result a nil item means "no stock item at the location"; SKUs
// whose lookup ecforce refused are reported and left out.
func (r *run) readEcforce(rows []desired) (map[string]*Item, error) {
	current := make(map[string]*Item, len(rows))
	if len(rows) == 0 {
		return current, nil
	}
	skus := make([]string, len(rows))
	for i, d := range rows {
		skus[i] = d.row.SKU
		current[d.row.SKU] = nil
	}
	err := splitOnRejection(skus, func(batch []string) error {
		items, err := r.r.Ecforce.Items(r.ctx, batch)
		if err != nil {
			return err
		}
		for sku, it := range items {
			if _, asked := current[sku]; asked {
				current[sku] = &it
			}
		}
		return nil
	}, func(sku string, err error) {
		delete(current, sku)
		r.acc.Failed++
		r.retryLater(sku)
		r.acc.problem(Problem{SKU: sku, Reason: ReasonReadRejected,
			Detail: fmt.Sprintf("ecforce refused to look up SKU %s (%v); check the SKU in the mapping table", sku, err)})
	})
	r.heartbeat()
	return current, err
}

// write sends the changes to ecforce (or, in a dry run, only counts them),
// Batch per request, and tallies ecforce's answer per SKU.
func (r *run) write(changes []Change) error {
	for start := 0; start < len(changes); start += Batch {
		batch := changes[start:min(start+Batch, len(changes))]
		for _, c := range batch {
			r.acc.change(c)
		}
		if r.r.DryRun {
			continue
		}
		err := splitOnRejection(batch, func(b []Change) error {
			res, err := r.r.Ecforce.Write(r.ctx, b)
			if err != nil {
				return err
			}
			r.tally(b, res)
			return nil
		}, func(c Change, err error) {
			r.failed(c, fmt.Sprintf("ecforce refused the request for this SKU: %v", err))
		})
		if err != nil {
			return err
		}
		r.heartbeat()
	}
	return nil
}

// tally reads ecforce's per-SKU answer to a write.
func (r *run) tally(batch []Change, res WriteResult) {
	ok := make(map[string]bool, len(res.Written))
	for _, sku := range res.Written {
		ok[sku] = true
	}
	for _, c := range batch {
		if why, bad := res.Refused[c.SKU]; bad {
			r.failed(c, why)
			continue
		}
		if ok[c.SKU] {
			r.acc.Written++
			continue
		}
		r.failed(c, "ecforce's answer did not mention it")
	}
}

func (r *run) failed(c Change, why string) {
	r.acc.Failed++
	r.retryLater(c.SKU)
	r.acc.problem(Problem{SKU: c.SKU, Reason: ReasonWriteRejected,
		Detail: fmt.Sprintf("ecforce refused stock %d (was %d) for SKU %s at location %q: %s; retried next run", c.To, c.From, c.SKU, r.r.Location, why)})
}
