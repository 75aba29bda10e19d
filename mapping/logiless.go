package mapping

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/logiless"
)

// Defaults of LogilessSourceConfig.
const (
	DefaultRefreshInterval = 5 * time.Minute
	DefaultFullRefresh     = 6 * time.Hour
	DefaultRefreshOverlap  = 10 * time.Minute
	DefaultRefreshWait     = 10 * time.Second
	refreshTimeout         = 10 * time.Minute
)

// ArticleMapLister reads a store's 商品対応表 from LOGILESS (the
// logiless.Client does).
type ArticleMapLister interface {
	ListArticleMaps(ctx context.Context, q logiless.ArticleMapQuery, fn func([]logiless.ArticleMap) error) error
}

// LogilessSourceConfig configures a LogilessSource.
type LogilessSourceConfig struct {
	// Store is the LOGILESS store whose article maps are the table.
	Store  int64
	Lister ArticleMapLister
	// Interval is the least time between two refreshes (default 5m). A
	// refresh happens only when the table is asked for, never more than
	// once per Interval however many orders ask.
	Interval time.Duration
	// FullEvery is how often a refresh reads every row rather than the
	// rows changed since the last one (default 6h). Only a full read sees
	// rows deleted in LOGILESS. It is also how long an older table is
	// served while refreshes fail.
	FullEvery time.Duration
	// Overlap is how far before the start of the last refresh an
	// incremental one reads (default 10m), so that a clock difference or a
	// change in the same second is not missed.
	Overlap time.Duration
	// Wait is how long a caller that holds an older table waits for a
	// refresh before it takes the older table (default 10s); a caller with
	// no table waits until the first refresh ends or its context does.
	Wait   time.Duration
	Logger *slog.Logger
	Now    func() time.Time
}

// LogilessSource hands out a store's 商品対応表 kept in LOGILESS (GET
// article_maps) as a Table: mapped_code is the SKU, and the row's
// reserve, rate, max, min and 自動在庫連携 come along. It is safe for
// concurrent use.
//
// The rows are cached in the worker. A refresh runs when the table is
// asked for and the last one ended Interval ago or more: it reads the
// rows updated since the previous refresh started (less Overlap), one
// request per 100 changed rows, or every row (one request per 100 rows)
// when the last full read is FullEvery old. A refresh runs in the
// background, one at a time, with its own deadline, so that a caller's
// short timeout never cuts it off.
//
// As with FileSource, rows that do not make a valid table give a
// *ValidationError instead of a table, until LOGILESS's rows are fixed;
// meanwhile every refresh reads every row, so that a fix made by deleting
// a row is seen at the next one.
type LogilessSource struct {
	cfg LogilessSourceConfig

	mu       sync.Mutex
	rows     map[string]logiless.ArticleMap // by rowKey
	loaded   bool                           // a refresh succeeded once
	table    *Table
	verr     error
	lastOK   time.Time     // start of the last successful refresh
	lastFull time.Time     // start of the last successful full refresh
	lastTry  time.Time     // end of the last refresh, successful or not
	lastErr  error         // of the last refresh; nil after a success
	running  chan struct{} // closed when the refresh in flight ends
}

// NewLogilessSource returns a source of the store's article maps. Nothing
// is read until the first call to Table.
func NewLogilessSource(cfg LogilessSourceConfig) *LogilessSource {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultRefreshInterval
	}
	if cfg.FullEvery <= 0 {
		cfg.FullEvery = DefaultFullRefresh
	}
	if cfg.Overlap <= 0 {
		cfg.Overlap = DefaultRefreshOverlap
	}
	if cfg.Wait <= 0 {
		cfg.Wait = DefaultRefreshWait
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &LogilessSource{cfg: cfg, rows: map[string]logiless.ArticleMap{}}
}

// Describe names the table in messages: "the LOGILESS 商品対応表 of store 3".
func (s *LogilessSource) Describe() string {
	return fmt.Sprintf("the LOGILESS 商品対応表 of store %d", s.cfg.Store)
}

// Table returns the current table, refreshing it first when the last
// refresh ended Interval ago or more (see LogilessSource). While
// refreshes fail, the last table is served for up to FullEvery after the
// last success; then, and before any success, the failure is returned
// (wrapping the client's error, so callers classify it as usual).
func (s *LogilessSource) Table(ctx context.Context) (*Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.loaded && s.cfg.Now().Sub(s.lastTry) < s.cfg.Interval {
		defer s.mu.Unlock()
		return s.current()
	}
	done := s.running
	if done == nil {
		done = make(chan struct{})
		s.running = done
		go s.refresh(context.WithoutCancel(ctx), done)
	}
	loaded := s.loaded
	s.mu.Unlock()

	var timeout <-chan time.Time
	if loaded {
		timer := time.NewTimer(s.cfg.Wait)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-done:
	case <-timeout:
	case <-ctx.Done():
		if !loaded {
			return nil, fmt.Errorf("read %s: %w", s.Describe(), ctx.Err())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current()
}

// current is what Table hands out now; s.mu is held.
func (s *LogilessSource) current() (*Table, error) {
	switch {
	case !s.loaded && s.lastErr != nil:
		return nil, fmt.Errorf("read %s: %w", s.Describe(), s.lastErr)
	case !s.loaded:
		return nil, fmt.Errorf("read %s: the first read has not finished yet; retry", s.Describe())
	case s.lastErr != nil && s.cfg.Now().Sub(s.lastOK) >= s.cfg.FullEvery:
		return nil, fmt.Errorf("read %s: not read since %s: %w", s.Describe(), s.lastOK.Format(time.RFC3339), s.lastErr)
	}
	return s.table, s.verr
}

// refresh reads the rows (all, or those changed since the last refresh),
// merges them and rebuilds the table when a mapping or a setting changed;
// it closes done at the end.
func (s *LogilessSource) refresh(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()

	s.mu.Lock()
	start := s.cfg.Now()
	// While the rows make no valid table, every read is full: the fix may
	// be a deleted row, which only a full read sees.
	full := !s.loaded || s.verr != nil || start.Sub(s.lastFull) >= s.cfg.FullEvery
	q := logiless.ArticleMapQuery{Store: s.cfg.Store}
	if !full {
		q.UpdatedFrom = s.lastOK.Add(-s.cfg.Overlap)
	}
	s.mu.Unlock()

	var got []logiless.ArticleMap
	pages, foreign := 0, 0
	err := s.cfg.Lister.ListArticleMaps(ctx, q, func(page []logiless.ArticleMap) error {
		pages++
		for _, m := range page {
			if m.StoreID != 0 && m.StoreID != s.cfg.Store {
				foreign++ // never take another store's rows, whatever the filter did
				continue
			}
			got = append(got, m)
		}
		return nil
	})

	s.mu.Lock()
	defer func() {
		s.lastTry = s.cfg.Now()
		s.running = nil
		close(done)
		s.mu.Unlock()
	}()
	kind := map[bool]string{true: "full", false: "incremental"}[full]
	log := s.cfg.Logger.With("store", s.cfg.Store, "refresh", kind)
	if err != nil {
		s.lastErr = err
		log.Warn("could not refresh the LOGILESS 商品対応表", "error", err.Error(), "serving_rows_read_at", s.lastOK)
		return
	}
	rows := s.rows
	changed := false
	if full {
		rows = make(map[string]logiless.ArticleMap, len(got))
		changed = !s.loaded
	} else if len(got) > 0 {
		rows = make(map[string]logiless.ArticleMap, len(s.rows)+len(got))
		for k, v := range s.rows {
			rows[k] = v
		}
	}
	for _, m := range got {
		old, had := s.rows[rowKey(m)]
		if !had || !sameSettings(old, m) {
			changed = true
		}
		rows[rowKey(m)] = m
	}
	if full && len(rows) != len(s.rows) {
		changed = true
	}
	s.rows, s.loaded, s.lastOK, s.lastErr = rows, true, start, nil
	if full {
		s.lastFull = start
	}
	if changed {
		s.table, s.verr = tableFromArticleMaps(s.cfg.Store, rows)
	}
	log.Info("refreshed the LOGILESS 商品対応表", "pages", max(pages, 1), "rows_read", len(got), "rows", len(rows),
		"changed", changed, "other_store_rows_ignored", foreign, "valid", s.verr == nil, "took", s.cfg.Now().Sub(start))
}

// rowKey identifies a row across refreshes: its id, or its mapped code
// when LOGILESS sent no id.
func rowKey(m logiless.ArticleMap) string {
	if m.ID != 0 {
		return fmt.Sprintf("id %d", m.ID)
	}
	return "code " + m.MappedCode
}

// sameSettings reports whether a and b map the same code to the same
// article with the same stock settings (the fields a Table holds).
func sameSettings(a, b logiless.ArticleMap) bool {
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.MappedCode == b.MappedCode && a.ArticleCode == b.ArticleCode && a.Standby == b.Standby &&
		a.AllocationRate == b.AllocationRate && eq(a.Max, b.Max) && eq(a.Min, b.Min) && a.AutoSync == b.AutoSync
}
