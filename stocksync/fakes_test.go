package stocksync

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/mapping"
)

var t0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

func ip(v int) *int { return &v }

// rows fills in the 100% allocation rate a mapping file defaults to.
func rows(rs ...mapping.Row) []mapping.Row {
	for i := range rs {
		if rs[i].AllocationRate == 0 {
			rs[i].AllocationRate = 100
		}
	}
	slices.SortFunc(rs, func(a, b mapping.Row) int { return strings.Compare(a.SKU, b.SKU) })
	return rs
}

func table(t *testing.T, rs ...mapping.Row) *mapping.Table {
	t.Helper()
	tbl, err := mapping.NewTable(rows(rs...))
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// singles is n rows S<i> of articles A<i> (i formatted with format), each
// article with free stock free and each SKU at ecforce stock stock.
func singles(n int, format string, free, stock int64) (*fakeLogiless, *fakeEcforce, []mapping.Row) {
	ll, ec := newFakeLogiless(), newFakeEcforce(nil)
	var rs []mapping.Row
	for i := range n {
		num := fmt.Sprintf(format, i)
		ll.set("A"+num, free, t0)
		ec.stock["S"+num] = stock
		rs = append(rs, mapping.Row{SKU: "S" + num, ArticleCode: "A" + num})
	}
	return ll, ec, rows(rs...)
}

func rejection(api string) error {
	return &httpapi.StatusError{API: api, StatusCode: http.StatusBadRequest, Message: "Validation Failed"}
}

// fakeLogiless is LOGILESS's free stock, set articles and changes.
type fakeLogiless struct {
	mu        sync.Mutex
	free      map[string]int64
	updatedAt map[string]time.Time
	sets      map[string][]mapping.Component
	setUpdate map[string]time.Time
	// rejectCodes make a search that contains one of them a rejection.
	rejectCodes map[string]bool
	// tooMany makes the change listing exceed its cap.
	tooMany bool

	searches  [][]string
	setSince  []time.Time
	listSince []time.Time
}

func newFakeLogiless() *fakeLogiless {
	return &fakeLogiless{free: map[string]int64{}, updatedAt: map[string]time.Time{},
		sets: map[string][]mapping.Component{}, setUpdate: map[string]time.Time{}, rejectCodes: map[string]bool{}}
}

func (f *fakeLogiless) set(code string, free int64, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.free[code], f.updatedAt[code] = free, at
}

func (f *fakeLogiless) addSet(code string, at time.Time, comps ...mapping.Component) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets[code], f.setUpdate[code] = comps, at
}

func (f *fakeLogiless) catalog() *SetCatalog {
	f.mu.Lock()
	defer f.mu.Unlock()
	return NewSetCatalog(maps.Clone(f.sets))
}

func (f *fakeLogiless) FreeStock(_ context.Context, codes []string) (map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.searches = append(f.searches, slices.Clone(codes))
	if len(codes) > Batch {
		return nil, fmt.Errorf("fake: %d codes in one search", len(codes))
	}
	for _, c := range codes {
		if f.rejectCodes[c] {
			return nil, rejection("LOGILESS")
		}
	}
	out := map[string]int64{}
	for _, c := range codes {
		if v, ok := f.free[c]; ok {
			out[c] = v
		}
	}
	return out, nil
}

func (f *fakeLogiless) ListSets(_ context.Context, since time.Time, fn func(map[string][]mapping.Component) error) error {
	f.mu.Lock()
	f.setSince = append(f.setSince, since)
	page := map[string][]mapping.Component{}
	for code, comps := range f.sets {
		if !f.setUpdate[code].Before(since) {
			page[code] = comps
		}
	}
	f.mu.Unlock()
	if len(page) == 0 {
		return nil
	}
	return fn(page)
}

func (f *fakeLogiless) ListChanged(_ context.Context, since time.Time, fn func(map[string]int64) error) error {
	f.mu.Lock()
	f.listSince = append(f.listSince, since)
	page := map[string]int64{}
	for c, v := range f.free {
		if !f.updatedAt[c].Before(since) {
			page[c] = v
		}
	}
	tooMany := f.tooMany
	f.mu.Unlock()
	if tooMany {
		return fmt.Errorf("fake: %w", ErrTooManyChanges)
	}
	if len(page) == 0 {
		return nil
	}
	return fn(page)
}

// fakeEcforce is ecforce's stock items at the location.
type fakeEcforce struct {
	mu        sync.Mutex
	stock     map[string]int64
	unlimited map[string]bool
	// refuse makes ecforce refuse single records of a write, with a reason.
	refuse map[string]string
	// ignore makes ecforce leave SKUs out of its answer.
	ignore map[string]bool
	// rejectRequest makes a whole write that contains the SKU a rejection.
	rejectRequest string
	// rejectLookup makes a whole lookup that contains the SKU a rejection.
	rejectLookup string
	// lostAnswerAt makes the n-th write (1-based) apply its records and
	// then fail, as if the answer was lost.
	lostAnswerAt int

	lists  [][]string
	writes [][]Change
	count  map[string]int // accepted writes per SKU
}

func newFakeEcforce(stock map[string]int64) *fakeEcforce {
	if stock == nil {
		stock = map[string]int64{}
	}
	return &fakeEcforce{stock: stock, unlimited: map[string]bool{}, refuse: map[string]string{},
		ignore: map[string]bool{}, count: map[string]int{}}
}

func (f *fakeEcforce) Items(_ context.Context, skus []string) (map[string]Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, slices.Clone(skus))
	if len(skus) == 0 || len(skus) > Batch {
		return nil, fmt.Errorf("fake: lookup of %d SKUs", len(skus))
	}
	if slices.Contains(skus, f.rejectLookup) {
		return nil, rejection("ecforce")
	}
	out := map[string]Item{}
	for _, sku := range skus {
		if v, ok := f.stock[sku]; ok {
			out[sku] = Item{Stock: v, Unlimited: f.unlimited[sku]}
		}
	}
	return out, nil
}

func (f *fakeEcforce) Write(_ context.Context, changes []Change) (WriteResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, slices.Clone(changes))
	if len(changes) > Batch {
		return WriteResult{}, fmt.Errorf("fake: %d changes in one write", len(changes))
	}
	for _, c := range changes {
		if c.SKU == f.rejectRequest {
			return WriteResult{}, rejection("ecforce")
		}
	}
	res := WriteResult{Refused: map[string]string{}}
	for _, c := range changes {
		if why, bad := f.refuse[c.SKU]; bad {
			res.Refused[c.SKU] = why
			continue
		}
		f.stock[c.SKU] = c.To
		f.count[c.SKU]++
		if !f.ignore[c.SKU] {
			res.Written = append(res.Written, c.SKU)
		}
	}
	if len(f.writes) == f.lostAnswerAt {
		return WriteResult{}, &httpapi.StatusError{API: "ecforce", StatusCode: http.StatusBadGateway}
	}
	return res, nil
}

func (f *fakeEcforce) written() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.count {
		n += c
	}
	return n
}

func (f *fakeEcforce) writeSizes() []int {
	var sizes []int
	for _, w := range f.writes {
		sizes = append(sizes, len(w))
	}
	return sizes
}

// engine is a Reconciler over the fakes that records its heartbeats.
type engine struct {
	ll    *fakeLogiless
	ec    *fakeEcforce
	beats []Progress
	rec   *Reconciler
}

func newEngine(ll *fakeLogiless, ec *fakeEcforce) *engine {
	e := &engine{ll: ll, ec: ec}
	e.rec = &Reconciler{Logiless: ll, Ecforce: ec, Location: "default", Sets: ll.catalog(),
		Heartbeat: func(p Progress) { e.beats = append(e.beats, p) }}
	return e
}

func reasons(s Summary) map[string]string {
	out := map[string]string{}
	for _, p := range s.Problems {
		out[p.SKU] = p.Reason
	}
	return out
}
