package stocksync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/mapping"
)

// timeline records the requests of both APIs in the order they complete,
// and lets a test hold a LOGILESS search until something happened on the
// ecforce side.
type timeline struct {
	mu     sync.Mutex
	events []string // "L <codes…>" when a search completed, "E <skus…>" when a lookup began
	lookup chan struct{}
	once   sync.Once
}

func newTimeline() *timeline { return &timeline{lookup: make(chan struct{})} }

func (tl *timeline) add(e string) {
	tl.mu.Lock()
	tl.events = append(tl.events, e)
	tl.mu.Unlock()
}

func (tl *timeline) snapshot() []string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return slices.Clone(tl.events)
}

// llTimed is fakeLogiless on a timeline. holdSearch (1-based) waits for
// the first ecforce lookup before it answers: a sequential engine, which
// reads all of LOGILESS before ecforce, would never get there. failSearch
// (1-based) fails with a transient error.
type llTimed struct {
	*fakeLogiless
	tl                     *timeline
	holdSearch, failSearch int
	n                      int
	mu                     sync.Mutex
}

func (l *llTimed) FreeStock(ctx context.Context, codes []string) (map[string]int64, error) {
	l.mu.Lock()
	l.n++
	n := l.n
	l.mu.Unlock()
	if n == l.holdSearch {
		select {
		case <-l.tl.lookup:
		case <-time.After(5 * time.Second):
			return nil, errors.New("LOGILESS search held: ecforce was not asked while LOGILESS was read")
		}
	}
	if n == l.failSearch {
		return nil, errors.New("LOGILESS 503")
	}
	got, err := l.fakeLogiless.FreeStock(ctx, codes)
	if err == nil {
		l.tl.add("L " + strings.Join(codes, " "))
	}
	return got, err
}

type ecTimed struct {
	*fakeEcforce
	tl *timeline
	// failWrite (1-based) fails the write with a transient error without
	// applying it.
	failWrite, writes int
	// waitSearches holds every lookup until ll made that many search
	// attempts (at most 5 s), so that the read ahead, which stops when the
	// page is done, gets that far.
	ll           *llTimed
	waitSearches int
}

func (e *ecTimed) Items(ctx context.Context, skus []string) (map[string]Item, error) {
	e.tl.add("E " + strings.Join(skus, " "))
	e.tl.once.Do(func() { close(e.tl.lookup) })
	for deadline := time.Now().Add(5 * time.Second); e.waitSearches > 0 && e.ll.attempts() < e.waitSearches && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	return e.fakeEcforce.Items(ctx, skus)
}

func (l *llTimed) attempts() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// readAhead is what a page's reader hands on for rows when the page takes
// long enough for all of them.
func readAhead(t *testing.T, l FreeStock, rows []mapping.Row, sets *SetCatalog, at time.Time) AheadStock {
	t.Helper()
	f := newFreeReader(l, map[string]int{}, func() {})
	f.read(context.Background(), nil, NeedCodes(rows, sets), at, make(chan struct{}))
	if f.ahead == nil {
		t.Fatal("nothing read ahead")
	}
	return *f.ahead
}

func (e *ecTimed) Write(ctx context.Context, changes []Change) (WriteResult, error) {
	e.writes++
	if e.writes == e.failWrite {
		return WriteResult{}, errors.New("ecforce 502")
	}
	return e.fakeEcforce.Write(ctx, changes)
}

// twoPages is 2×n singles S<i>/A<i> that all differ in ecforce, split in
// a page and the page after it.
func twoPages(n int) (*fakeLogiless, *fakeEcforce, []mapping.Row, []mapping.Row) {
	ll, ec, rs := singles(2*n, "%04d", 7, 0)
	return ll, ec, rs[:n], rs[n:]
}

// codesBefore reports whether every article of skus (S<x> → A<x>) was in a
// LOGILESS search completed before event i.
func codesBefore(events []string, i int, skus []string) bool {
	read := map[string]bool{}
	for _, e := range events[:i] {
		if rest, ok := strings.CutPrefix(e, "L "); ok {
			for _, c := range strings.Fields(rest) {
				read[c] = true
			}
		}
	}
	for _, sku := range skus {
		if !read["A"+strings.TrimPrefix(sku, "S")] {
			return false
		}
	}
	return true
}

// The ordering of the overlap: ecforce work on a chunk starts before
// LOGILESS has read the whole page (a held search only answers once
// ecforce was asked), yet never before that chunk's own codes were read;
// the next page's codes are read after this page's, and handed on.
func TestReconcileOverlapsLogilessAndEcforce(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rows       int
		ahead      bool
		holdSearch int
		wantL      int // searches for this page (and the next one's)
	}{
		{"page of 300, LOGILESS held at its second search", 300, false, 2, 3},
		{"page of 300 with the next page, held at the fourth (the first ahead)", 300, true, 4, 6},
		{"page of 1000 with the next page", 1000, true, 5, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fl, fe, page, next := twoPages(tc.rows)
			tl := newTimeline()
			ll := &llTimed{fakeLogiless: fl, tl: tl, holdSearch: tc.holdSearch}
			ec := &ecTimed{fakeEcforce: fe, tl: tl, ll: ll, waitSearches: tc.wantL}
			var got *AheadStock
			rec := &Reconciler{Logiless: ll, Ecforce: ec, Location: "default"}
			if tc.ahead {
				rec.Ahead, rec.OnAhead = next, func(a AheadStock) { got = &a }
			}
			p, err := rec.Reconcile(context.Background(), page, nil, Progress{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Summary.Written != tc.rows || p.After != page[len(page)-1].SKU {
				t.Errorf("progress %+v, want %d written up to %s", p.Summary, tc.rows, page[len(page)-1].SKU)
			}
			if len(fl.searches) != tc.wantL {
				t.Errorf("%d LOGILESS searches, want %d", len(fl.searches), tc.wantL)
			}
			events := tl.snapshot()
			lookups := 0
			for i, e := range events {
				if rest, ok := strings.CutPrefix(e, "E "); ok {
					lookups++
					if !codesBefore(events, i, strings.Fields(rest)) {
						t.Errorf("ecforce lookup %d began before its codes were read: %v", lookups, events[:i+1])
					}
				}
			}
			if !tc.ahead {
				if got != nil {
					t.Error("OnAhead called without Ahead rows")
				}
				return
			}
			// The ahead searches come after every search of this page.
			for i, s := range fl.searches {
				isAhead := s[0] >= next[0].ArticleCode
				if isAhead != (i >= tc.wantL/2) {
					t.Errorf("search %d (%s…) out of order", i, s[0])
				}
			}
			if got == nil {
				t.Fatal("OnAhead not called")
			}
			// The next page starts with it: no LOGILESS search of its own.
			before := len(fl.searches)
			ec.waitSearches = 0
			rec2 := &Reconciler{Logiless: ll, Ecforce: ec, Location: "default", Prefetched: got}
			p2, err := rec2.Reconcile(context.Background(), next, nil, Progress{})
			if err != nil {
				t.Fatal(err)
			}
			if len(fl.searches) != before || p2.Summary.Written != tc.rows {
				t.Errorf("next page: %d LOGILESS searches (want 0), %d written of %d", len(fl.searches)-before, p2.Summary.Written, tc.rows)
			}
		})
	}
}

// A failed page: a LOGILESS failure on the page's own codes ends it at the
// last chunk whose codes were read (everything up to it written); one on
// the next page's codes only loses the read ahead; an ecforce failure ends
// the page and the read ahead with it.
func TestReconcileOverlapFailures(t *testing.T) {
	for _, tc := range []struct {
		name              string
		failSearch        int
		failWrite         int
		wantErr           string
		wantAfter         string // the committed progress
		wantWritten       int
		wantAhead         int // codes read ahead and handed on
		waitSearches      int
		wantMaxSearches   int
		wantSearchesAfter int // searches of the retry from the committed progress
	}{
		{name: "LOGILESS fails on the page's third search", failSearch: 3, wantErr: "LOGILESS 503",
			wantAfter: "S0199", wantWritten: 200, wantMaxSearches: 3, wantSearchesAfter: 4},
		{name: "LOGILESS fails while reading ahead: what was read is handed on", failSearch: 5, waitSearches: 5,
			wantAfter: "S0299", wantWritten: 300, wantAhead: 100, wantMaxSearches: 4},
		{name: "ecforce fails on the second write", failWrite: 2, wantErr: "ecforce 502",
			wantAfter: "S0099", wantWritten: 100, wantMaxSearches: 6, wantSearchesAfter: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fl, fe, page, next := twoPages(300)
			tl := newTimeline()
			ll := &llTimed{fakeLogiless: fl, tl: tl, failSearch: tc.failSearch}
			ec := &ecTimed{fakeEcforce: fe, tl: tl, failWrite: tc.failWrite, ll: ll, waitSearches: tc.waitSearches}
			var ahead *AheadStock
			rec := &Reconciler{Logiless: ll, Ecforce: ec, Location: "default", Ahead: next, OnAhead: func(a AheadStock) { ahead = &a }}
			p, err := rec.Reconcile(context.Background(), page, nil, Progress{})
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if p.After != tc.wantAfter || p.Summary.Written != tc.wantWritten || fe.written() != tc.wantWritten {
				t.Errorf("committed after %q with %d written (ecforce %d), want after %q with %d",
					p.After, p.Summary.Written, fe.written(), tc.wantAfter, tc.wantWritten)
			}
			if got := aheadLen(ahead); got != tc.wantAhead {
				t.Errorf("%d codes read ahead handed on, want %d", got, tc.wantAhead)
			}
			if len(fl.searches) > tc.wantMaxSearches {
				t.Errorf("%d searches, want at most %d", len(fl.searches), tc.wantMaxSearches)
			}
			if err == nil {
				return
			}
			// The activity's retry resumes from the committed progress:
			// nothing is written twice, every row ends written.
			ll.failSearch, ec.failWrite = 0, 0
			before := len(fl.searches)
			ec.waitSearches = ll.attempts() + tc.wantSearchesAfter
			p2, err := rec.Reconcile(context.Background(), page, nil, p)
			if err != nil {
				t.Fatal(err)
			}
			if p2.Summary.Written != 300 || fe.written() != 300 || aheadLen(ahead) != 300 {
				t.Errorf("retry: %d written (ecforce %d), %d read ahead; want 300 and 300", p2.Summary.Written, fe.written(), aheadLen(ahead))
			}
			for sku, n := range fe.count {
				if n != 1 {
					t.Errorf("%s written %d times", sku, n)
				}
			}
			if got := len(fl.searches) - before; got != tc.wantSearchesAfter {
				t.Errorf("retry made %d searches, want %d (the rest of the page and the next one)", got, tc.wantSearchesAfter)
			}
		})
	}
}

func aheadLen(a *AheadStock) int {
	if a == nil {
		return 0
	}
	return len(a.Free)
}

// The read ahead fills the time the page's ecforce work leaves: when the
// page is done first, it stops and hands on the codes it read, and the
// next page reads only the rest.
func TestReconcileReadAheadStopsWithThePage(t *testing.T) {
	fl, fe, page, next := twoPages(300)
	ll := &slowAhead{fakeLogiless: fl, from: next[0].ArticleCode, delay: 50 * time.Millisecond}
	var ahead *AheadStock
	rec := &Reconciler{Logiless: ll, Ecforce: fe, Location: "default", Ahead: next, OnAhead: func(a AheadStock) { ahead = &a }}
	if _, err := rec.Reconcile(context.Background(), page, nil, Progress{}); err != nil {
		t.Fatal(err)
	}
	if aheadLen(ahead) != 100 || len(fl.searches) != 4 {
		t.Fatalf("%d codes read ahead in %d searches; want the one batch sent before the page was done (100, 4)", aheadLen(ahead), len(fl.searches))
	}
	rec2 := &Reconciler{Logiless: fl, Ecforce: fe, Location: "default", Prefetched: ahead}
	p, err := rec2.Reconcile(context.Background(), next, nil, Progress{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Written != 300 || len(fl.searches) != 6 || fl.searches[4][0] != next[100].ArticleCode {
		t.Errorf("next page: %d written after %d searches (the 5th from %s); want 300 after 6, reading from %s",
			p.Summary.Written, len(fl.searches), fl.searches[4][0], next[100].ArticleCode)
	}
}

// slowAhead answers searches from code from on after delay.
type slowAhead struct {
	*fakeLogiless
	from  string
	delay time.Duration
}

func (l *slowAhead) FreeStock(ctx context.Context, codes []string) (map[string]int64, error) {
	if codes[0] >= l.from {
		time.Sleep(l.delay)
	}
	return l.fakeLogiless.FreeStock(ctx, codes)
}

// Resume after a crash: a page that starts with the stock read ahead for
// it, dies after its first write (the answer lost) and is retried from its
// heartbeat writes every SKU once and asks LOGILESS nothing for its own
// rows; read ahead that is stale or for other codes is not used.
func TestReconcileResumesWithReadAhead(t *testing.T) {
	clock := t0
	for _, tc := range []struct {
		name   string
		mutate func(a *AheadStock, rows []mapping.Row) []mapping.Row
		// this page's own searches over both attempts: the first one's
		// reader may be cancelled before it read all 3, the retry reads
		// from the committed progress (nothing: the lost answer came first)
		minSearches, wantSearches int
	}{
		{name: "fresh read ahead", wantSearches: 0},
		{name: "older than MaxAheadAge", minSearches: 1 + 3, wantSearches: 3 + 3,
			mutate: func(a *AheadStock, rows []mapping.Row) []mapping.Row {
				a.ReadAt = clock.Add(-MaxAheadAge - time.Second)
				return rows
			}},
		{name: "read for another table", minSearches: 1 + 3, wantSearches: 3 + 3,
			mutate: func(_ *AheadStock, rows []mapping.Row) []mapping.Row {
				rows = slices.Clone(rows)
				rows[5].ArticleCode = "A0001"
				return rows
			}},
		{name: "a code LOGILESS refused is read again", minSearches: 1 + 1, wantSearches: 1 + 1,
			mutate: func(a *AheadStock, rows []mapping.Row) []mapping.Row { a.Unread = []int{42}; return rows }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ll, ec, rs := singles(300, "%04d", 9, 1)
			ahead := readAhead(t, ll, rs, nil, clock)
			if len(ahead.Free) != 300 || ahead.ReadAt != clock {
				t.Fatalf("read ahead %d codes at %v", len(ahead.Free), ahead.ReadAt)
			}
			page := rs
			if tc.mutate != nil {
				page = tc.mutate(&ahead, rs)
			}
			ll.searches = nil
			ec.lostAnswerAt = 1
			var beats []Progress
			rec := &Reconciler{Logiless: ll, Ecforce: ec, Location: "default", Prefetched: &ahead,
				Now: func() time.Time { return clock.Add(time.Minute) }, Heartbeat: func(p Progress) { beats = append(beats, p) }}
			p, err := rec.Reconcile(context.Background(), page, nil, Progress{})
			if err == nil {
				t.Fatal("the lost answer did not fail the page")
			}
			if p.After != "" || len(beats) == 0 {
				t.Errorf("committed %q after the lost answer, want nothing", p.After)
			}
			p, err = rec.Reconcile(context.Background(), page, nil, beats[len(beats)-1])
			if err != nil {
				t.Fatal(err)
			}
			if p.Summary.Written+p.Summary.Unchanged != 300 || p.After != page[299].SKU {
				t.Errorf("after the retry: %+v up to %q", p.Summary, p.After)
			}
			for sku, n := range ec.count {
				if n != 1 {
					t.Errorf("%s written %d times", sku, n)
				}
			}
			if n := len(ll.searches); n < tc.minSearches || n > tc.wantSearches {
				t.Errorf("%d LOGILESS searches over both attempts, want %d to %d", n, tc.minSearches, tc.wantSearches)
			}
		})
	}
}

// NeedCodes lists each article once in row order, a set's components in
// its place, and nothing for rows with stock sync off; the read ahead of a
// page with sets and unknown articles gives the page what a search would.
func TestAheadStockMatchesADirectRead(t *testing.T) {
	ll := newFakeLogiless()
	ll.set("A", 5, t0)
	ll.set("B", 8, t0)
	ll.addSet("SET", t0, mapping.Component{ArticleCode: "B", Quantity: 2}, mapping.Component{ArticleCode: "C", Quantity: 1})
	ll.set("C", 3, t0)
	rs := rows(mapping.Row{SKU: "s1", ArticleCode: "B"}, mapping.Row{SKU: "s2", ArticleCode: "SET"},
		mapping.Row{SKU: "s3", ArticleCode: "GHOST"}, mapping.Row{SKU: "s4", ArticleCode: "A", StockSyncOff: true},
		mapping.Row{SKU: "s5", ArticleCode: "A"})
	sets := ll.catalog()
	if got, want := NeedCodes(rs, sets), []string{"B", "C", "GHOST", "A"}; !slices.Equal(got, want) {
		t.Fatalf("NeedCodes = %v, want %v", got, want)
	}
	ahead := readAhead(t, ll, rs, sets, time.Now())
	if !slices.Equal(ahead.Missing, []int{2}) || len(ahead.Unread) != 0 {
		t.Errorf("missing %v, unread %v; want GHOST (2) missing", ahead.Missing, ahead.Unread)
	}
	read := ahead.decode(rs, sets, time.Now())
	if want := map[string]int64{"A": 5, "B": 8, "C": 3}; read == nil || !maps.Equal(read.free, want) || !read.absent["GHOST"] {
		t.Errorf("decoded %+v, want %v and GHOST absent", read, want)
	}
	// Both ways give the same summary.
	direct := func(pre *AheadStock) Summary {
		ec := newFakeEcforce(map[string]int64{"s1": 0, "s2": 0, "s3": 0, "s4": 0, "s5": 0})
		p, err := (&Reconciler{Logiless: ll, Ecforce: ec, Sets: sets, Prefetched: pre}).Reconcile(context.Background(), rs, nil, Progress{})
		if err != nil {
			t.Fatal(err)
		}
		return p.Summary
	}
	if a, b := direct(nil), direct(&ahead); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("with read ahead %+v, without %+v", b, a)
	}
}

// A read ahead handed on through the workflow is decoded without panicking
// whatever its numbers, and never gives a code a value it was not read for.
func FuzzAheadStockDecode(f *testing.F) {
	f.Add(3, 1, -1, 2)
	f.Add(0, 0, 5, 7)
	f.Add(9, -3, 0, 1)
	f.Fuzz(func(t *testing.T, n, missing, unread, shift int) {
		rs := rows(mapping.Row{SKU: "s1", ArticleCode: "A"}, mapping.Row{SKU: "s2", ArticleCode: "B"}, mapping.Row{SKU: "s3", ArticleCode: "C"})
		codes := NeedCodes(rs, nil)
		n = min(max(n, 0), 10)
		a := &AheadStock{Codes: codesKey(codes), Free: make([]int64, n), Missing: []int{missing}, Unread: []int{unread}, ReadAt: t0}
		for i := range a.Free {
			a.Free[i] = int64(i + shift)
		}
		read := a.decode(rs, nil, t0.Add(time.Minute))
		if n > len(codes) || missing < 0 || missing >= n {
			if read != nil && n > len(codes) {
				t.Fatalf("decoded a read ahead of %d values for %d codes", n, len(codes))
			}
			return
		}
		if read == nil {
			t.Fatal("a well-formed read ahead was not decoded")
		}
		for i, c := range codes {
			v, known, covered := read.has(c)
			switch {
			case i >= n || i == unread:
				if covered && !(i == missing && i != unread) {
					t.Errorf("%s (position %d) covered though not read", c, i)
				}
			case i == missing:
				if !covered || known {
					t.Errorf("%s should be absent", c)
				}
			case !known || v != int64(i+shift):
				t.Errorf("%s = %d (known %v), want %d", c, v, known, i+shift)
			}
		}
	})
}
