package stocksync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/mapping"
)

// Outcomes of one row in TestReconcileRules.
const (
	written   = "written"
	unchanged = "unchanged"
	unlimited = "unlimited"
	dryChange = "changed (dry run)"
)

// Every rule of one mapped SKU: the stock computed from LOGILESS, the
// comparison with ecforce, and each reason to skip or report it.
func TestReconcileRules(t *testing.T) {
	comp := func(code string, qty int) mapping.Component {
		return mapping.Component{ArticleCode: code, Quantity: qty}
	}
	tests := []struct {
		name     string
		row      mapping.Row
		free     map[string]int64
		sets     map[string][]mapping.Component
		ecforce  *int64 // nil: no stock item at the location
		setup    func(ll *fakeLogiless, ec *fakeEcforce)
		dryRun   bool
		want     string // written, unchanged, unlimited, dryChange or a Reason*
		wantTo   int64  // ecforce stock afterwards
		detail   string // in the problem's Detail
		retry    bool
		failed   bool
		problems int
	}{
		{name: "single, whole free stock", row: mapping.Row{ArticleCode: "A"}, free: map[string]int64{"A": 10}, ecforce: i64(7), want: written, wantTo: 10},
		{name: "allocation rate rounds down", row: mapping.Row{ArticleCode: "A", AllocationRate: 50}, free: map[string]int64{"A": 11}, ecforce: i64(0), want: written, wantTo: 5},
		{name: "already in step", row: mapping.Row{ArticleCode: "A", AllocationRate: 50}, free: map[string]int64{"A": 10}, ecforce: i64(5), want: unchanged, wantTo: 5},
		{name: "reserve then max", row: mapping.Row{ArticleCode: "B", Reserve: 3, Max: ip(5)}, free: map[string]int64{"B": 10}, ecforce: i64(9), want: written, wantTo: 5},
		{name: "below min writes zero", row: mapping.Row{ArticleCode: "C", Min: ip(3)}, free: map[string]int64{"C": 2}, ecforce: i64(2), want: written, wantTo: 0},
		{name: "negative free writes zero", row: mapping.Row{ArticleCode: "C"}, free: map[string]int64{"C": -4}, ecforce: i64(1), want: written, wantTo: 0},
		{name: "set: min over components of free ÷ quantity", row: mapping.Row{ArticleCode: "SET"}, free: map[string]int64{"A": 10, "C": 2},
			sets: map[string][]mapping.Component{"SET": {comp("A", 3), comp("C", 1)}}, ecforce: i64(0), want: written, wantTo: 2},
		{name: "set: a component listed twice adds up", row: mapping.Row{ArticleCode: "SET"}, free: map[string]int64{"A": 10},
			sets: map[string][]mapping.Component{"SET": {comp("A", 1), comp("A", 2)}}, ecforce: i64(0), want: written, wantTo: 3},
		{name: "set: settings apply to the set's stock", row: mapping.Row{ArticleCode: "SET", Reserve: 1}, free: map[string]int64{"A": 10},
			sets: map[string][]mapping.Component{"SET": {comp("A", 2)}}, ecforce: i64(0), want: written, wantTo: 4},
		{name: "no stock item at the location", row: mapping.Row{ArticleCode: "M"}, free: map[string]int64{"M": 4},
			want: ReasonMissingAtLocation, detail: `at location "default"`, retry: true, problems: 1},
		{name: "article unknown to LOGILESS", row: mapping.Row{ArticleCode: "NOPE"}, ecforce: i64(3),
			want: ReasonArticleUnknown, wantTo: 3, detail: "article NOPE", problems: 1},
		{name: "article LOGILESS refuses to look up", row: mapping.Row{ArticleCode: "BAD"}, free: map[string]int64{"BAD": 5}, ecforce: i64(3),
			setup: func(ll *fakeLogiless, _ *fakeEcforce) { ll.rejectCodes["BAD"] = true },
			want:  ReasonArticleUnknown, wantTo: 3, detail: "refused to look up article BAD", problems: 1},
		{name: "set with an unknown component", row: mapping.Row{ArticleCode: "BADSET"}, sets: map[string][]mapping.Component{"BADSET": {comp("GHOST", 1)}},
			ecforce: i64(4), want: ReasonSetNotComputable, wantTo: 4, detail: "no stock for component GHOST", problems: 1},
		{name: "set with a component LOGILESS refuses", row: mapping.Row{ArticleCode: "SET"}, free: map[string]int64{"BAD": 5},
			sets:    map[string][]mapping.Component{"SET": {comp("BAD", 1)}},
			setup:   func(ll *fakeLogiless, _ *fakeEcforce) { ll.rejectCodes["BAD"] = true },
			ecforce: i64(4), want: ReasonSetNotComputable, wantTo: 4, detail: "refused to look up component BAD", problems: 1},
		{name: "set with an invalid quantity", row: mapping.Row{ArticleCode: "SET"}, free: map[string]int64{"A": 5},
			sets: map[string][]mapping.Component{"SET": {comp("A", 0)}}, ecforce: i64(4), want: ReasonSetNotComputable, wantTo: 4, detail: "invalid quantity 0", problems: 1},
		{name: "set without components", row: mapping.Row{ArticleCode: "SET"}, sets: map[string][]mapping.Component{"SET": {}},
			ecforce: i64(4), want: ReasonSetNotComputable, wantTo: 4, detail: "no components", problems: 1},
		{name: "ecforce does not count the SKU", row: mapping.Row{ArticleCode: "U"}, free: map[string]int64{"U": 9}, ecforce: i64(1),
			setup: func(_ *fakeLogiless, ec *fakeEcforce) { ec.unlimited["s"] = true }, want: unlimited, wantTo: 1},
		{name: "ecforce refuses to look the SKU up", row: mapping.Row{ArticleCode: "A"}, free: map[string]int64{"A": 9}, ecforce: i64(1),
			setup: func(_ *fakeLogiless, ec *fakeEcforce) { ec.rejectLookup = "s" },
			want:  ReasonReadRejected, wantTo: 1, detail: "refused to look up SKU s", retry: true, failed: true, problems: 1},
		{name: "ecforce refuses the record", row: mapping.Row{ArticleCode: "A"}, free: map[string]int64{"A": 8}, ecforce: i64(0),
			setup: func(_ *fakeLogiless, ec *fakeEcforce) {
				ec.refuse["s"] = "ASI2002 stockパラメータが正しくありません。"
			},
			want: ReasonWriteRejected, wantTo: 0, detail: `stock 8 (was 0) for SKU s at location "default": ASI2002 stockパラメータ`, retry: true, failed: true, problems: 1},
		{name: "ecforce refuses the request", row: mapping.Row{ArticleCode: "A"}, free: map[string]int64{"A": 8}, ecforce: i64(0),
			setup: func(_ *fakeLogiless, ec *fakeEcforce) { ec.rejectRequest = "s" },
			want:  ReasonWriteRejected, wantTo: 0, detail: "refused the request for this SKU", retry: true, failed: true, problems: 1},
		{name: "ecforce's answer leaves the SKU out", row: mapping.Row{ArticleCode: "A"}, free: map[string]int64{"A": 8}, ecforce: i64(0),
			setup: func(_ *fakeLogiless, ec *fakeEcforce) { ec.ignore["s"] = true },
			want:  ReasonWriteRejected, wantTo: 8, detail: "did not mention it", retry: true, failed: true, problems: 1},
		{name: "dry run", row: mapping.Row{ArticleCode: "A"}, free: map[string]int64{"A": 6}, ecforce: i64(1), dryRun: true, want: dryChange, wantTo: 1},
		{name: "自動在庫連携 off: counted, never read nor written", row: mapping.Row{ArticleCode: "A", StockSyncOff: true}, free: map[string]int64{"A": 10},
			ecforce: i64(7), want: ReasonAutoSyncOff, wantTo: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ll := newFakeLogiless()
			for code, v := range tt.free {
				ll.set(code, v, t0)
			}
			for code, comps := range tt.sets {
				ll.addSet(code, t0, comps...)
			}
			ec := newFakeEcforce(nil)
			if tt.ecforce != nil {
				ec.stock["s"] = *tt.ecforce
			}
			if tt.setup != nil {
				tt.setup(ll, ec)
			}
			e := newEngine(ll, ec)
			e.rec.DryRun = tt.dryRun
			row := tt.row
			row.SKU = "s"
			p, err := e.rec.Reconcile(context.Background(), rows(row), nil, Progress{})
			if err != nil {
				t.Fatal(err)
			}
			s := p.Summary
			var got string
			switch {
			case len(s.Problems) > 0:
				got = s.Problems[0].Reason
			case s.Written == 1:
				got = written
			case s.Unchanged == 1:
				got = unchanged
			case s.Skipped.Unlimited == 1:
				got = unlimited
			case s.Skipped.AutoSyncOff == 1 && s.Skipped.Total() == 1:
				got = ReasonAutoSyncOff
			case s.Changed == 1 && tt.dryRun:
				got = dryChange
			}
			if got != tt.want {
				t.Errorf("outcome %q, want %q (summary %+v)", got, tt.want, s)
			}
			if v, ok := ec.stock["s"]; (ok || tt.ecforce != nil) && v != tt.wantTo {
				t.Errorf("ecforce stock %d, want %d", v, tt.wantTo)
			}
			if s.Read != 1 || s.ProblemCount != tt.problems || len(s.Problems) != tt.problems || (s.Failed == 1) != tt.failed {
				t.Errorf("summary %+v: want 1 read, %d problems, failed %v", s, tt.problems, tt.failed)
			}
			if tt.detail != "" && !strings.Contains(s.Problems[0].Detail, tt.detail) {
				t.Errorf("detail %q does not say %q", s.Problems[0].Detail, tt.detail)
			}
			for _, pr := range s.Problems {
				if !strings.Contains(pr.Detail, pr.SKU) {
					t.Errorf("problem %+v does not name its SKU", pr)
				}
			}
			if want := tt.retry; slices.Equal(p.RetrySKUs, []string{"s"}) != want {
				t.Errorf("retry SKUs %v, want retried %v", p.RetrySKUs, want)
			}
			if changed := s.Changed == 1; changed != (tt.want == written || tt.want == dryChange || tt.want == ReasonWriteRejected) {
				t.Errorf("changed = %v (summary %+v)", changed, s)
			}
			if tt.want == dryChange && (len(ec.writes) != 0 || !slices.Equal(s.Changes, []Change{{SKU: "s", From: 1, To: 6}})) {
				t.Errorf("dry run: %d writes, changes %+v", len(ec.writes), s.Changes)
			}
			if p.After != "s" {
				t.Errorf("progress after %q, want s", p.After)
			}
			if tt.want == ReasonAutoSyncOff && (len(ll.searches) != 0 || len(ec.lists) != 0 || len(ec.writes) != 0) {
				t.Errorf("a row with 自動在庫連携 off cost %d LOGILESS searches, %d ecforce lookups and %d writes; want none",
					len(ll.searches), len(ec.lists), len(ec.writes))
			}
		})
	}
}

func i64(v int64) *int64 { return &v }

// A page computes every kind of row, writes only what differs in one
// request and reports every SKU it could not bring in step, by SKU.
func TestReconcileFullPage(t *testing.T) {
	ll := newFakeLogiless()
	ll.set("A", 10, t0)
	ll.set("B", 10, t0)
	ll.set("C", 2, t0)
	ll.set("M", 4, t0)
	ll.set("U", 9, t0)
	ll.addSet("SET", t0, mapping.Component{ArticleCode: "A", Quantity: 3}, mapping.Component{ArticleCode: "C", Quantity: 1})
	ll.addSet("BADSET", t0, mapping.Component{ArticleCode: "GHOST", Quantity: 1})
	rs := rows(
		mapping.Row{SKU: "sku-a", ArticleCode: "A"},                          // 10
		mapping.Row{SKU: "sku-a-half", ArticleCode: "A", AllocationRate: 50}, // 5, unchanged
		mapping.Row{SKU: "sku-b", ArticleCode: "B", Reserve: 3, Max: ip(5)},  // 5
		mapping.Row{SKU: "sku-c-min", ArticleCode: "C", Min: ip(3)},          // 0: free 2 below min 3
		mapping.Row{SKU: "sku-set", ArticleCode: "SET"},                      // min(10/3, 2/1) = 2
		mapping.Row{SKU: "sku-missing", ArticleCode: "M"},                    // no stock item at the location
		mapping.Row{SKU: "sku-unknown", ArticleCode: "NOPE"},                 // LOGILESS does not know it
		mapping.Row{SKU: "sku-badset", ArticleCode: "BADSET"},                // component unknown
		mapping.Row{SKU: "sku-unlimited", ArticleCode: "U"},                  // ecforce does not count it
	)
	ec := newFakeEcforce(map[string]int64{"sku-a": 7, "sku-a-half": 5, "sku-b": 9, "sku-c-min": 2, "sku-set": 0,
		"sku-unknown": 3, "sku-badset": 4, "sku-unlimited": 1})
	ec.unlimited["sku-unlimited"] = true
	e := newEngine(ll, ec)

	p, err := e.rec.Reconcile(context.Background(), rs, nil, Progress{})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Summary
	want := Summary{Read: 9, Unchanged: 1, Changed: 4, Written: 4,
		Skipped: Skips{ArticleUnknown: 1, SetNotComputable: 1, MissingAtLocation: 1, Unlimited: 1}, ProblemCount: 3}
	if s.Read != want.Read || s.Unchanged != want.Unchanged || s.Changed != want.Changed || s.Written != want.Written ||
		s.Failed != 0 || s.Skipped != want.Skipped || s.ProblemCount != want.ProblemCount {
		t.Errorf("summary = %+v\nwant      %+v", s, want)
	}
	for sku, v := range map[string]int64{"sku-a": 10, "sku-a-half": 5, "sku-b": 5, "sku-c-min": 0, "sku-set": 2, "sku-unknown": 3, "sku-badset": 4, "sku-unlimited": 1} {
		if got := ec.stock[sku]; got != v {
			t.Errorf("ecforce stock of %s = %d, want %d", sku, got, v)
		}
	}
	if got := reasons(s); got["sku-missing"] != ReasonMissingAtLocation || got["sku-unknown"] != ReasonArticleUnknown || got["sku-badset"] != ReasonSetNotComputable {
		t.Errorf("problems = %v", s.Problems)
	}
	for _, pr := range s.Problems {
		if pr.Detail == "" || !strings.Contains(pr.Detail, pr.SKU) && !strings.Contains(pr.Detail, pr.ArticleCode) {
			t.Errorf("problem %+v does not say what and where", pr)
		}
	}
	if !slices.Equal(ec.writeSizes(), []int{4}) {
		t.Errorf("writes = %v, want one request with the 4 changed SKUs", ec.writes)
	}
	if !slices.Equal(p.RetrySKUs, []string{"sku-missing"}) {
		t.Errorf("retry SKUs = %v, want [sku-missing]", p.RetrySKUs)
	}
	if p.After != "sku-unlimited" {
		t.Errorf("progress after %q, want the last SKU", p.After)
	}
	// The components were read, never the set codes themselves.
	for _, batch := range ll.searches {
		if slices.Contains(batch, "SET") || slices.Contains(batch, "BADSET") {
			t.Errorf("searched a set code: %v", batch)
		}
	}

	// A second pass with no stock change writes nothing.
	again, err := e.rec.Reconcile(context.Background(), rs, nil, Progress{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ec.writes) != 1 || again.Summary.Written != 0 || again.Summary.Changed != 0 || again.Summary.Unchanged != 5 {
		t.Errorf("second pass: %d new writes, summary %+v", len(ec.writes)-1, again.Summary)
	}
}

// Requests carry at most 100 codes or SKUs, and writes are packed: 1% of
// 1,000 SKUs changed is one write request.
func TestReconcileBatches(t *testing.T) {
	for _, tc := range []struct {
		name         string
		rows         int
		changed      func(i int) bool
		wantWrites   []int
		wantSearches int
		wantLists    int
	}{
		{"all 250 changed", 250, func(int) bool { return true }, []int{100, 100, 50}, 3, 3},
		{"1% of 1000 changed", 1000, func(i int) bool { return i%100 == 7 }, []int{10}, 10, 10},
		{"nothing changed", 300, func(int) bool { return false }, nil, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ll := newFakeLogiless()
			stock := map[string]int64{}
			var rs []mapping.Row
			for i := range tc.rows {
				code := fmt.Sprintf("ART-%05d", i)
				ll.set(code, int64(i%50), t0)
				rs = append(rs, mapping.Row{SKU: fmt.Sprintf("SKU-%05d", i), ArticleCode: code})
				stock[rs[i].SKU] = int64(i % 50)
				if tc.changed(i) {
					stock[rs[i].SKU]++
				}
			}
			ec := newFakeEcforce(stock)
			p, err := newEngine(ll, ec).rec.Reconcile(context.Background(), rows(rs...), nil, Progress{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ec.writeSizes(); !slices.Equal(got, tc.wantWrites) {
				t.Errorf("write request sizes = %v, want %v", got, tc.wantWrites)
			}
			if len(ll.searches) != tc.wantSearches || len(ec.lists) != tc.wantLists {
				t.Errorf("%d searches and %d stock lists, want %d and %d", len(ll.searches), len(ec.lists), tc.wantSearches, tc.wantLists)
			}
			if s := p.Summary; s.Read != tc.rows || s.Written != s.Changed || s.Unchanged+s.Changed != tc.rows {
				t.Errorf("summary = %+v", s)
			}
		})
	}
}

// A request refused as a whole is split until the bad code or SKU is alone.
func TestReconcileIsolatesARejectedSKU(t *testing.T) {
	ll, ec, rs := singles(8, "%d", 3, 0)
	ll.rejectCodes["A6"] = true
	ec.rejectRequest = "S3"
	p, err := newEngine(ll, ec).rec.Reconcile(context.Background(), rs, nil, Progress{})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Summary
	// S6's article is refused by LOGILESS: skipped; S3 refused by ecforce: failed.
	if s.Written != 6 || s.Failed != 1 || s.Skipped.ArticleUnknown != 1 {
		t.Errorf("summary = %+v", s)
	}
	if got := reasons(s); got["S3"] != ReasonWriteRejected || got["S6"] != ReasonArticleUnknown {
		t.Errorf("problems = %+v", s.Problems)
	}
	if len(ec.writes) > 1+2*3+1 {
		t.Errorf("%d write requests to isolate one SKU of 7", len(ec.writes))
	}
}

// An error that is not a rejection ends the page with the progress
// committed so far; resuming from it writes nothing twice, loses nothing
// and completes the counts.
func TestReconcileResumesAfterALostAnswer(t *testing.T) {
	ll, ec, rs := singles(250, "%03d", 4, 1)
	// The second write (S100–S199) is applied but its answer is lost.
	ec.lostAnswerAt = 2
	e := newEngine(ll, ec)
	p, err := e.rec.Reconcile(context.Background(), rs, nil, Progress{})
	var se *httpapi.StatusError
	if !errors.As(err, &se) || se.StatusCode != 502 {
		t.Fatalf("err = %v, want the lost answer's 502", err)
	}
	if p.After != "S099" || p.Summary.Written != 100 || p.Summary.Read != 100 {
		t.Fatalf("progress = cursor %q, summary %+v; want S099 with the first 100 written", p.After, p.Summary)
	}
	if last := e.beats[len(e.beats)-1]; last.After != p.After || last.Summary.Written != p.Summary.Written {
		t.Errorf("last heartbeat %q %+v, want the committed progress", last.After, last.Summary)
	}

	done, err := e.rec.Reconcile(context.Background(), rs, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	// 100 written before the failure, 100 found already written (the lost
	// answer), 50 written by the retry.
	if s := done.Summary; s.Read != 250 || s.Written != 150 || s.Unchanged != 100 || done.After != "S249" {
		t.Errorf("after resume: cursor %q, summary %+v; want 250 read, 150 written, 100 unchanged", done.After, s)
	}
	for sku, v := range ec.stock {
		if v != 4 {
			t.Errorf("%s = %d after the retry", sku, v)
		}
	}
	for sku, n := range ec.count {
		if n > 1 {
			t.Errorf("%s written %d times: the retry did not re-read before writing", sku, n)
		}
	}
}

// Free stock already read (an incremental pass's listing) is not searched
// again; set components that were not listed are.
func TestReconcileUsesKnownFreeStock(t *testing.T) {
	ll := newFakeLogiless()
	ll.set("A", 9, t0)
	ll.set("R", 3, t0)
	ll.addSet("SET", t0, mapping.Component{ArticleCode: "A", Quantity: 2}, mapping.Component{ArticleCode: "C", Quantity: 1})
	known := map[string]int64{"B": 4, "C": 5}
	ec := newFakeEcforce(map[string]int64{"sb": 0, "sb2": 0, "sr": 0, "sset": 0})
	rs := rows(
		mapping.Row{SKU: "sb", ArticleCode: "B"},
		mapping.Row{SKU: "sb2", ArticleCode: "B", Reserve: 1},
		mapping.Row{SKU: "sr", ArticleCode: "R"},
		mapping.Row{SKU: "sset", ArticleCode: "SET"},
	)
	p, err := newEngine(ll, ec).rec.Reconcile(context.Background(), rs, known, Progress{})
	if err != nil {
		t.Fatal(err)
	}
	searched := slices.Concat(ll.searches...)
	sort.Strings(searched)
	if !slices.Equal(searched, []string{"A", "R"}) {
		t.Errorf("searched %v, want [A R]", searched)
	}
	if ec.stock["sb"] != 4 || ec.stock["sb2"] != 3 || ec.stock["sr"] != 3 || ec.stock["sset"] != 4 || p.Summary.Written != 4 {
		t.Errorf("stock = %v, summary %+v", ec.stock, p.Summary)
	}
}

// A page resumed after its last row does nothing and keeps its counts.
func TestReconcileResumedAtTheEnd(t *testing.T) {
	ll := newFakeLogiless()
	ec := newFakeEcforce(nil)
	from := Progress{After: "z", Summary: Summary{Read: 3, Written: 2}, RetrySKUs: []string{"x"}}
	p, err := newEngine(ll, ec).rec.Reconcile(context.Background(), rows(mapping.Row{SKU: "a", ArticleCode: "A"}), nil, from)
	if err != nil {
		t.Fatal(err)
	}
	if p.After != "z" || p.Summary.Read != 3 || p.Summary.Written != 2 || !slices.Equal(p.RetrySKUs, []string{"x"}) || len(ll.searches)+len(ec.lists) != 0 {
		t.Errorf("progress %+v after %d requests", p, len(ll.searches)+len(ec.lists))
	}
}
