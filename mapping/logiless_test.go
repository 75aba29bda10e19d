package mapping

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/logiless"
)

// fakeMaps is a store's 商品対応表 as ListArticleMaps serves it: filtered
// by store and updated_at_from (inclusive), in pages of limit rows.
type fakeMaps struct {
	mu      sync.Mutex
	rows    []logiless.ArticleMap
	queries []logiless.ArticleMapQuery
	fail    error
	block   chan struct{} // when set, a listing waits for it to close
	limit   int
}

func (f *fakeMaps) ListArticleMaps(ctx context.Context, q logiless.ArticleMapQuery, fn func([]logiless.ArticleMap) error) error {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	block, fail := f.block, f.fail
	var hits []logiless.ArticleMap
	for _, m := range f.rows {
		if (q.Store == 0 || m.StoreID == q.Store || m.StoreID == 0) && (q.UpdatedFrom.IsZero() || !m.UpdatedAt.Before(q.UpdatedFrom)) {
			hits = append(hits, m)
		}
	}
	limit := f.limit
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		return fail
	}
	if limit <= 0 {
		limit = 100
	}
	for start := 0; start < len(hits); start += limit {
		if err := fn(hits[start:min(start+limit, len(hits))]); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeMaps) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeMaps) asked() []logiless.ArticleMapQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]logiless.ArticleMapQuery(nil), f.queries...)
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func i64(v int64) *int64 { return &v }

func newTestLogilessSource(f *fakeMaps, clock *fakeClock) *LogilessSource {
	return NewLogilessSource(LogilessSourceConfig{
		Store: 3, Lister: f, Now: clock.Now,
		Interval: 5 * time.Minute, FullEvery: 6 * time.Hour, Overlap: 10 * time.Minute, Wait: time.Minute,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

func rowOf(t *testing.T, table *Table, sku string) Row {
	t.Helper()
	r, ok := table.Lookup(sku)
	if !ok {
		t.Fatalf("SKU %s is not in the table (rows %s)", sku, dumpRows(table.Rows()))
	}
	return r
}

func TestLogilessSourceRows(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := &fakeMaps{rows: []logiless.ArticleMap{
		{ID: 1, StoreID: 3, MappedCode: "EC-A", ArticleCode: "A", Standby: 2, AllocationRate: 50, Max: i64(10), Min: i64(1), AutoSync: true},
		// Optional fields missing: no reserve, rate 100, no max or min, and
		// no 自動在庫連携 flag (which counts as off).
		{ID: 2, StoreID: 3, MappedCode: "EC-B", ArticleCode: "B", AllocationRate: 100},
		{ID: 3, MappedCode: "EC-C", ArticleCode: "C", AllocationRate: 100, AutoSync: true}, // no store sent: the filter's
		{ID: 4, StoreID: 9, MappedCode: "EC-X", ArticleCode: "X", AllocationRate: 100, AutoSync: true},
	}}
	src := newTestLogilessSource(f, clock)
	table, err := src.Table(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rowOf(t, table, "EC-A"); got.ArticleCode != "A" || got.Reserve != 2 || got.AllocationRate != 50 || *got.Max != 10 || *got.Min != 1 || got.StockSyncOff {
		t.Errorf("EC-A = %s", dumpRows([]Row{got}))
	}
	if got := rowOf(t, table, "EC-B"); got.Reserve != 0 || got.AllocationRate != 100 || got.Max != nil || got.Min != nil || !got.StockSyncOff {
		t.Errorf("EC-B = %s, stock sync off %v", dumpRows([]Row{got}), got.StockSyncOff)
	}
	rowOf(t, table, "EC-C")
	if _, ok := table.Lookup("EC-X"); ok {
		t.Error("a row of another store made it into the table")
	}
	if q := f.asked(); len(q) != 1 || q[0].Store != 3 || !q[0].UpdatedFrom.IsZero() {
		t.Errorf("queries = %+v, want one full read of store 3", q)
	}
	if got := src.Describe(); got != "the LOGILESS 商品対応表 of store 3" {
		t.Errorf("Describe = %q", got)
	}
}

func TestLogilessSourceIncrementalAndFullRefresh(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: start}
	f := &fakeMaps{rows: []logiless.ArticleMap{
		{ID: 1, StoreID: 3, MappedCode: "EC-A", ArticleCode: "A", AllocationRate: 100, AutoSync: true, UpdatedAt: start.Add(-48 * time.Hour)},
		{ID: 2, StoreID: 3, MappedCode: "EC-B", ArticleCode: "B", AllocationRate: 100, AutoSync: true, UpdatedAt: start.Add(-48 * time.Hour)},
	}}
	src := newTestLogilessSource(f, clock)
	first, err := src.Table(ctx)
	if err != nil || first.Len() != 2 {
		t.Fatalf("first = %v, %v", first, err)
	}

	// Within the interval the cache answers, however often it is asked.
	clock.Advance(4 * time.Minute)
	for range 50 {
		if again, err := src.Table(ctx); err != nil || again != first {
			t.Fatalf("within the interval: %v, %v", again, err)
		}
	}
	if n := len(f.asked()); n != 1 {
		t.Fatalf("%d reads within the interval, want 1", n)
	}

	// After it, only what changed since the last read (less the overlap)
	// is read; nothing changed, so the very same table comes back.
	clock.Advance(2 * time.Minute)
	same, err := src.Table(ctx)
	if err != nil || same != first {
		t.Fatalf("unchanged refresh gave another table: %v", err)
	}
	q := f.asked()
	if len(q) != 2 || !q[1].UpdatedFrom.Equal(start.Add(-10*time.Minute)) || q[1].Store != 3 {
		t.Fatalf("incremental query = %+v, want updated_from %s", q[len(q)-1], start.Add(-10*time.Minute))
	}

	// A changed row is read and merged; a deleted one is not seen yet.
	f.set(func() {
		f.rows[0].AllocationRate, f.rows[0].AutoSync, f.rows[0].UpdatedAt = 30, false, clock.Now()
		f.rows = f.rows[:1] // EC-B deleted in LOGILESS
		f.rows = append(f.rows, logiless.ArticleMap{ID: 3, StoreID: 3, MappedCode: "EC-C", ArticleCode: "C", AllocationRate: 100, AutoSync: true, UpdatedAt: clock.Now()})
	})
	clock.Advance(6 * time.Minute)
	changed, err := src.Table(ctx)
	if err != nil || changed == first {
		t.Fatalf("changed rows gave the same table: %v", err)
	}
	if a := rowOf(t, changed, "EC-A"); a.AllocationRate != 30 || !a.StockSyncOff {
		t.Errorf("EC-A after the edit = %s, off %v", dumpRows([]Row{a}), a.StockSyncOff)
	}
	rowOf(t, changed, "EC-C")
	rowOf(t, changed, "EC-B") // only a full read sees a deletion

	// The periodic full read drops the deleted row.
	clock.Advance(6 * time.Hour)
	full, err := src.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := full.Lookup("EC-B"); ok || full.Len() != 2 {
		t.Errorf("after the full read: %s", dumpRows(full.Rows()))
	}
	if last := f.asked(); !last[len(last)-1].UpdatedFrom.IsZero() {
		t.Errorf("the refresh after FullEvery was incremental: %+v", last[len(last)-1])
	}
}

func TestLogilessSourceFailures(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	down := errors.New("LOGILESS GET article_maps: 503")
	f := &fakeMaps{fail: down}
	src := newTestLogilessSource(f, clock)
	if _, err := src.Table(ctx); !errors.Is(err, down) || !strings.Contains(err.Error(), "商品対応表 of store 3") {
		t.Fatalf("first read failing: err = %v, want the client's error", err)
	}
	// Without a table every call tries again (the activity's retry paces it).
	f.set(func() {
		f.fail = nil
		f.rows = []logiless.ArticleMap{{ID: 1, MappedCode: "EC-A", ArticleCode: "A", AllocationRate: 100, AutoSync: true}}
	})
	table, err := src.Table(ctx)
	if err != nil || table.Len() != 1 {
		t.Fatalf("after recovery: %v, %v", table, err)
	}
	// A failing refresh keeps the last table, for up to FullEvery, and is
	// not tried again before the interval.
	f.set(func() { f.fail = down })
	clock.Advance(5 * time.Minute)
	if got, err := src.Table(ctx); err != nil || got != table {
		t.Fatalf("refresh failing: %v, %v; want the last table", got, err)
	}
	reads := len(f.asked())
	clock.Advance(time.Minute)
	if _, err := src.Table(ctx); err != nil || len(f.asked()) != reads {
		t.Errorf("tried again %d times within the interval after a failure (err %v)", len(f.asked())-reads, err)
	}
	clock.Advance(6 * time.Hour)
	if _, err := src.Table(ctx); !errors.Is(err, down) {
		t.Errorf("after FullEvery of failures: err = %v, want the failure", err)
	}
}

func TestLogilessSourceInvalidRows(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := &fakeMaps{rows: []logiless.ArticleMap{
		{ID: 1, MappedCode: "EC-A", ArticleCode: "A", AllocationRate: 100},
		{ID: 2, MappedCode: "EC-A", ArticleCode: "A", AllocationRate: 100}, // the same row twice: one row
		{ID: 3, MappedCode: "EC-B", ArticleCode: "B", AllocationRate: 100},
		{ID: 4, MappedCode: "EC-B", ArticleCode: "OTHER", AllocationRate: 100},
		{ID: 5, MappedCode: "EC-C", ArticleCode: "", AllocationRate: 120, Standby: -1},
		{ID: 6, MappedCode: "EC-D", ArticleCode: "D", AllocationRate: 100, Max: i64(2), Min: i64(3)},
	}}
	src := newTestLogilessSource(f, clock)
	_, err := src.Table(ctx)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	want := []string{
		`article map 4 (mapped_code "EC-B"): mapped_code is also in article map 3, with another article or settings; keep one row per code`,
		`article map 5 (mapped_code "EC-C"): blank article code`,
		`article map 5 (mapped_code "EC-C"): standby_stock_quantity -1 is negative`,
		`article map 5 (mapped_code "EC-C"): stock_allocation_rate 120 is not between 0 and 100`,
		`article map 6 (mapped_code "EC-D"): min_stock_quantity 3 is greater than max_stock_quantity 2`,
	}
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(verr.Error(), "mapping table (LOGILESS store 3): 5 problems") {
		t.Errorf("Error() = %s", verr.Error())
	}
	// Fixed in LOGILESS by deleting the bad rows, which no updated_at
	// tells of: while the table is invalid every refresh is a full read,
	// so the next one (an interval later, not full_every) sees the fix.
	f.set(func() { f.rows = f.rows[:3] })
	clock.Advance(6 * time.Minute)
	table, err := src.Table(ctx)
	if err != nil || table.Len() != 2 {
		t.Fatalf("after the fix: %v, %v", table, err)
	}
	if q := f.asked(); len(q) != 2 || !q[1].UpdatedFrom.IsZero() {
		t.Errorf("queries = %+v; want the refresh of an invalid table to read every row", q)
	}
}

func TestLogilessSourceOneRefreshAtATime(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	block := make(chan struct{})
	f := &fakeMaps{block: block, rows: []logiless.ArticleMap{{ID: 1, MappedCode: "EC-A", ArticleCode: "A", AllocationRate: 100}}}
	src := newTestLogilessSource(f, clock)

	// A caller whose deadline ends during the first read gets its context's
	// error; the read goes on and the callers after it share it.
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := src.Table(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			table, err := src.Table(context.Background())
			if err == nil && table.Len() != 1 {
				err = errors.New("wrong table")
			}
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(block)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(f.asked()); n != 1 {
		t.Errorf("%d reads for 21 callers, want 1", n)
	}

	// A caller with a table waits at most Wait for a slow refresh, then
	// takes the table it has.
	src.cfg.Wait = 30 * time.Millisecond
	old, _ := src.Table(context.Background())
	f.set(func() { f.block = make(chan struct{}) })
	clock.Advance(10 * time.Minute)
	began := time.Now()
	got, err := src.Table(context.Background())
	if err != nil || got != old || time.Since(began) > 5*time.Second {
		t.Errorf("slow refresh: %v, %v after %s; want the old table after about Wait", got, err, time.Since(began))
	}
	f.set(func() { close(f.block) })
}
