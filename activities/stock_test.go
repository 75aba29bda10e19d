package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
)

// --- fakes -------------------------------------------------------------------

// stockLogiless is LOGILESS's article master and logical inventory.
type stockLogiless struct {
	LogilessAPI // methods the stock sync does not use panic

	mu        sync.Mutex
	free      map[string]int64
	updatedAt map[string]time.Time
	sets      map[string][]logiless.Component
	setUpdate map[string]time.Time
	// rejectCodes make a search that contains them answer 400.
	rejectCodes map[string]bool
	// capReached makes the changed-inventory listing hit its page cap.
	capReached bool

	searches     [][]string
	listings     []logiless.InventoryQuery
	articleLists []logiless.ArticleQuery
}

func newStockLogiless() *stockLogiless {
	return &stockLogiless{free: map[string]int64{}, updatedAt: map[string]time.Time{},
		sets: map[string][]logiless.Component{}, setUpdate: map[string]time.Time{}, rejectCodes: map[string]bool{}}
}

func (f *stockLogiless) set(code string, free int64, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.free[code], f.updatedAt[code] = free, at
}

func (f *stockLogiless) addSet(code string, at time.Time, comps ...logiless.Component) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets[code], f.setUpdate[code] = comps, at
}

func (f *stockLogiless) SearchLogicalInventory(_ context.Context, codes []string) ([]logiless.InventorySummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.searches = append(f.searches, append([]string(nil), codes...))
	if len(codes) > 100 {
		return nil, fmt.Errorf("fake: %d codes in one search", len(codes))
	}
	for _, c := range codes {
		if f.rejectCodes[c] {
			return nil, &httpapi.StatusError{API: "LOGILESS", Method: "POST", Path: "/logical_inventory_summaries/search", StatusCode: http.StatusBadRequest, Message: "Validation Failed"}
		}
	}
	var out []logiless.InventorySummary
	for _, c := range codes {
		if v, ok := f.free[c]; ok {
			out = append(out, logiless.InventorySummary{ArticleCode: c, Free: v, UpdatedAt: f.updatedAt[c]})
		}
	}
	return out, nil
}

func (f *stockLogiless) ListLogicalInventory(_ context.Context, q logiless.InventoryQuery, fn func([]logiless.InventorySummary) error) error {
	f.mu.Lock()
	f.listings = append(f.listings, q)
	var page []logiless.InventorySummary
	for c, v := range f.free {
		if !f.updatedAt[c].Before(q.UpdatedFrom) {
			page = append(page, logiless.InventorySummary{ArticleCode: c, Free: v, UpdatedAt: f.updatedAt[c]})
		}
	}
	capReached := f.capReached
	f.mu.Unlock()
	sort.Slice(page, func(i, j int) bool { return page[i].ArticleCode < page[j].ArticleCode })
	if capReached {
		return fmt.Errorf("fake: %w", logiless.ErrPageCapReached)
	}
	if len(page) == 0 {
		return nil
	}
	return fn(page)
}

func (f *stockLogiless) ListArticles(_ context.Context, q logiless.ArticleQuery, fn func([]logiless.Article) error) error {
	f.mu.Lock()
	f.articleLists = append(f.articleLists, q)
	var page []logiless.Article
	for code, comps := range f.sets {
		if q.ArticleType == logiless.ArticleTypeAssortment && !f.setUpdate[code].Before(q.UpdatedFrom) {
			page = append(page, logiless.Article{Code: code, ArticleType: logiless.ArticleTypeAssortment, Components: comps})
		}
	}
	f.mu.Unlock()
	if len(page) == 0 {
		return nil
	}
	return fn(page)
}

// stockEcforce is ecforce's stock items at one location.
type stockEcforce struct {
	EcforceAPI

	mu        sync.Mutex
	location  string
	stock     map[string]int64
	unlimited map[string]bool
	// recordErrors fail single records of a bulk update (ASI2002-like).
	recordErrors map[string]string
	// rejectRequest makes a whole update that contains the SKU answer 400.
	rejectRequest string
	// lostAnswerAt makes the n-th update request (1-based) apply its
	// records and then answer 502, as if the answer was lost.
	lostAnswerAt int

	lists   [][]string
	updates [][]ecforce.StockUpdate
	writes  map[string]int // accepted writes per SKU
}

func newStockEcforce(stock map[string]int64) *stockEcforce {
	return &stockEcforce{location: "default", stock: stock, unlimited: map[string]bool{},
		recordErrors: map[string]string{}, writes: map[string]int{}}
}

func (f *stockEcforce) ListStockItems(_ context.Context, q ecforce.StockItemQuery, fn func([]ecforce.StockItem) error) error {
	f.mu.Lock()
	f.lists = append(f.lists, append([]string(nil), q.SKUs...))
	if len(q.SKUs) == 0 || len(q.SKUs) > 100 || q.LocationCode != f.location {
		f.mu.Unlock()
		return fmt.Errorf("fake: list with %d SKUs at %q", len(q.SKUs), q.LocationCode)
	}
	var items []ecforce.StockItem
	for _, sku := range q.SKUs {
		if v, ok := f.stock[sku]; ok {
			items = append(items, ecforce.StockItem{SKU: sku, LocationCode: f.location, Stock: v, Unlimited: f.unlimited[sku]})
		}
	}
	f.mu.Unlock()
	if len(items) == 0 {
		return nil
	}
	return fn(items)
}

func (f *stockEcforce) UpdateStockItems(_ context.Context, updates []ecforce.StockUpdate) (ecforce.BulkResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, append([]ecforce.StockUpdate(nil), updates...))
	if len(updates) > 100 {
		return ecforce.BulkResult{}, fmt.Errorf("fake: %d updates in one request", len(updates))
	}
	for _, u := range updates {
		if u.SKU == f.rejectRequest {
			return ecforce.BulkResult{}, &httpapi.StatusError{API: "ecforce", Method: "PUT", Path: "/admin/stock_items.json", StatusCode: 400, Code: "ASI3001", Message: "stock_itemsパラメータが正しくありません。"}
		}
	}
	var res ecforce.BulkResult
	for _, u := range updates {
		_, exists := f.stock[u.SKU]
		msg, bad := f.recordErrors[u.SKU]
		if !exists && !bad {
			bad, msg = true, "stock_locationに在庫が見つかりません。"
		}
		if bad || u.LocationCode != f.location {
			res.Failure = append(res.Failure, u.SKU)
			res.Errors = append(res.Errors, ecforce.BulkError{ID: u.SKU, Code: "ASI0000", Details: []ecforce.ErrorDetail{{Code: "ASI2002", Message: msg}}})
			continue
		}
		f.stock[u.SKU] = u.Stock
		f.writes[u.SKU]++
		res.Success = append(res.Success, u.SKU)
	}
	if len(f.updates) == f.lostAnswerAt {
		return ecforce.BulkResult{}, &httpapi.StatusError{API: "ecforce", Method: "PUT", Path: "/admin/stock_items.json", StatusCode: 502}
	}
	return res, nil
}

func (f *stockEcforce) written() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.writes {
		n += c
	}
	return n
}

// stockTable serves a fixed mapping table.
type stockTable struct{ t *mapping.Table }

func (s stockTable) Table(context.Context) (*mapping.Table, error) { return s.t, nil }

func ip(v int) *int { return &v }

func mustTable(t *testing.T, rows ...mapping.Row) *mapping.Table {
	t.Helper()
	for i := range rows {
		if rows[i].AllocationRate == 0 {
			rows[i].AllocationRate = 100
		}
	}
	tbl, err := mapping.NewTable(rows)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

type stockFixture struct {
	t   *testing.T
	ll  *stockLogiless
	ec  *stockEcforce
	a   *StockSync
	dir string
}

func newStockFixture(t *testing.T, tbl *mapping.Table, ec *stockEcforce, ll *stockLogiless) *stockFixture {
	t.Helper()
	shop := &Shop{
		Settings: config.Shop{Code: "demo", LocationCode: "default",
			StockSync: config.StockSyncSettings{Enabled: true, Interval: 10 * time.Minute, FullEvery: 24 * time.Hour}},
		Ecforce: ec, Logiless: ll, Mapping: stockTable{tbl},
	}
	dir := t.TempDir()
	return &stockFixture{t: t, ll: ll, ec: ec, dir: dir,
		a: NewStockSync(NewShopDirectory(shop), NewStockStateStore(dir), nil)}
}

func (f *stockFixture) env() *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(f.a)
	return env
}

func (f *stockFixture) page(in ReconcileStockPageInput) (ReconcileStockPageResult, error) {
	f.t.Helper()
	return f.pageIn(f.env(), in)
}

func (f *stockFixture) pageIn(env *testsuite.TestActivityEnvironment, in ReconcileStockPageInput) (ReconcileStockPageResult, error) {
	f.t.Helper()
	if in.Shop == "" {
		in.Shop = "demo"
	}
	var res ReconcileStockPageResult
	val, err := env.ExecuteActivity(f.a.ReconcileStockPage, in)
	if err != nil {
		return res, err
	}
	return res, val.Get(&res)
}

// sync runs pages until done, like the workflow.
func (f *stockFixture) sync(in ReconcileStockPageInput) StockSummary {
	f.t.Helper()
	var total StockSummary
	for i := 0; ; i++ {
		res, err := f.page(in)
		if err != nil {
			f.t.Fatalf("page %d: %v", i, err)
		}
		total.Add(res.Summary)
		if res.Done {
			return total
		}
		if res.Next <= in.After {
			f.t.Fatalf("page %d: cursor did not move (%q after %q)", i, res.Next, in.After)
		}
		in.After = res.Next
	}
}

func reasons(s StockSummary) map[string]string {
	out := map[string]string{}
	for _, p := range s.Problems {
		out[p.SKU] = p.Reason
	}
	return out
}

var t0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

// --- ReconcileStockPage ------------------------------------------------------

// The full pass computes every kind of row, writes only what differs and
// reports every SKU it could not bring in step, by SKU.
func TestReconcileStockFullPass(t *testing.T) {
	ll := newStockLogiless()
	ll.set("A", 10, t0)
	ll.set("B", 10, t0)
	ll.set("C", 2, t0)
	ll.set("M", 4, t0)
	ll.set("U", 9, t0)
	ll.addSet("SET", t0, logiless.Component{ArticleCode: "A", Quantity: 3}, logiless.Component{ArticleCode: "C", Quantity: 1})
	ll.addSet("BADSET", t0, logiless.Component{ArticleCode: "GHOST", Quantity: 1})
	tbl := mustTable(t,
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
	ec := newStockEcforce(map[string]int64{"sku-a": 7, "sku-a-half": 5, "sku-b": 9, "sku-c-min": 2, "sku-set": 0,
		"sku-unknown": 3, "sku-badset": 4, "sku-unlimited": 1})
	ec.unlimited["sku-unlimited"] = true
	f := newStockFixture(t, tbl, ec, ll)

	res, err := f.page(ReconcileStockPageInput{Mode: StockModeFull, RunKey: "run-1"})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	want := StockSummary{Read: 9, Unchanged: 1, Changed: 4, Written: 4,
		Skipped: StockSkips{ArticleUnknown: 1, SetNotComputable: 1, MissingAtLocation: 1, Unlimited: 1}, ProblemCount: 3}
	if s.Read != want.Read || s.Unchanged != want.Unchanged || s.Changed != want.Changed || s.Written != want.Written ||
		s.Failed != 0 || s.Skipped != want.Skipped || s.ProblemCount != want.ProblemCount {
		t.Errorf("summary = %+v\nwant      %+v", s, want)
	}
	for sku, v := range map[string]int64{"sku-a": 10, "sku-a-half": 5, "sku-b": 5, "sku-c-min": 0, "sku-set": 2, "sku-unknown": 3, "sku-badset": 4, "sku-unlimited": 1} {
		if got := ec.stock[sku]; got != v {
			t.Errorf("ecforce stock of %s = %d, want %d", sku, got, v)
		}
	}
	if got := reasons(s); got["sku-missing"] != StockReasonMissingAtLocation || got["sku-unknown"] != StockReasonArticleUnknown || got["sku-badset"] != StockReasonSetNotComputable {
		t.Errorf("problems = %v", s.Problems)
	}
	for _, p := range s.Problems {
		if p.Detail == "" || !strings.Contains(p.Detail, p.SKU) && !strings.Contains(p.Detail, p.ArticleCode) {
			t.Errorf("problem %+v does not say what and where", p)
		}
	}
	if len(ec.updates) != 1 || len(ec.updates[0]) != 4 {
		t.Errorf("updates = %v, want one request with the 4 changed SKUs", ec.updates)
	}
	if !slices.Equal(res.RetrySKUs, []string{"sku-missing"}) {
		t.Errorf("retry SKUs = %v, want [sku-missing]", res.RetrySKUs)
	}
	if !res.Done || res.Next != "sku-unlimited" {
		t.Errorf("done %v next %q", res.Done, res.Next)
	}
	// The components were read, never the set codes themselves.
	for _, batch := range ll.searches {
		if slices.Contains(batch, "SET") || slices.Contains(batch, "BADSET") {
			t.Errorf("searched a set code: %v", batch)
		}
	}

	// A second run with no stock change writes nothing.
	updates := len(ec.updates)
	again, err := f.page(ReconcileStockPageInput{Mode: StockModeFull, RunKey: "run-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ec.updates) != updates || again.Summary.Written != 0 || again.Summary.Changed != 0 || again.Summary.Unchanged != 5 {
		t.Errorf("second run: %d new update requests, summary %+v", len(ec.updates)-updates, again.Summary)
	}
}

// Requests carry at most 100 codes or SKUs, and writes are packed: 1% of
// 1,000 SKUs changed is one write request.
func TestReconcileStockBatches(t *testing.T) {
	for _, tc := range []struct {
		name         string
		rows         int
		changed      func(i int) bool
		wantUpdates  []int
		wantSearches int
		wantLists    int
	}{
		{"all 250 changed", 250, func(int) bool { return true }, []int{100, 100, 50}, 3, 3},
		{"1% of 1000 changed", 1000, func(i int) bool { return i%100 == 7 }, []int{10}, 10, 10},
		{"nothing changed", 300, func(int) bool { return false }, nil, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ll := newStockLogiless()
			stock := map[string]int64{}
			var rows []mapping.Row
			for i := range tc.rows {
				code := fmt.Sprintf("ART-%05d", i)
				ll.set(code, int64(i%50), t0)
				rows = append(rows, mapping.Row{SKU: fmt.Sprintf("SKU-%05d", i), ArticleCode: code})
				stock[rows[i].SKU] = int64(i % 50)
				if tc.changed(i) {
					stock[rows[i].SKU]++
				}
			}
			ec := newStockEcforce(stock)
			f := newStockFixture(t, mustTable(t, rows...), ec, ll)
			s := f.sync(ReconcileStockPageInput{Mode: StockModeFull, RunKey: "r"})
			var sizes []int
			for _, u := range ec.updates {
				sizes = append(sizes, len(u))
			}
			if !slices.Equal(sizes, tc.wantUpdates) {
				t.Errorf("update request sizes = %v, want %v", sizes, tc.wantUpdates)
			}
			if len(ll.searches) != tc.wantSearches || len(ec.lists) != tc.wantLists {
				t.Errorf("%d searches and %d stock lists, want %d and %d", len(ll.searches), len(ec.lists), tc.wantSearches, tc.wantLists)
			}
			if s.Read != tc.rows || s.Written != s.Changed || s.Unchanged+s.Changed != tc.rows {
				t.Errorf("summary = %+v", s)
			}
		})
	}
}

// Pages follow the cursor; every row is handled exactly once.
func TestReconcileStockPagesFollowTheCursor(t *testing.T) {
	ll := newStockLogiless()
	stock := map[string]int64{}
	var rows []mapping.Row
	for i := range 7 {
		code := fmt.Sprintf("A%d", i)
		ll.set(code, 5, t0)
		rows = append(rows, mapping.Row{SKU: fmt.Sprintf("S%d", i), ArticleCode: code})
		stock[rows[i].SKU] = 1
	}
	ec := newStockEcforce(stock)
	f := newStockFixture(t, mustTable(t, rows...), ec, ll)
	f.a.PageSize = 3
	var cursors []string
	in := ReconcileStockPageInput{Mode: StockModeFull, RunKey: "r"}
	for {
		res, err := f.page(in)
		if err != nil {
			t.Fatal(err)
		}
		cursors = append(cursors, res.Next)
		if res.Done {
			break
		}
		in.After = res.Next
	}
	if !slices.Equal(cursors, []string{"S2", "S5", "S6"}) {
		t.Errorf("cursors = %v", cursors)
	}
	for sku, n := range ec.writes {
		if n != 1 {
			t.Errorf("%s written %d times", sku, n)
		}
	}
	if len(ec.writes) != 7 {
		t.Errorf("%d SKUs written, want 7", len(ec.writes))
	}
	if len(ll.articleLists) != 1 {
		t.Errorf("set articles listed %d times in one run, want once", len(ll.articleLists))
	}
}

// A SKU ecforce refuses is reported by SKU; the others are written.
func TestReconcileStockPerRecordFailure(t *testing.T) {
	ll := newStockLogiless()
	stock := map[string]int64{}
	var rows []mapping.Row
	for i := range 5 {
		code := fmt.Sprintf("A%d", i)
		ll.set(code, 8, t0)
		rows = append(rows, mapping.Row{SKU: fmt.Sprintf("S%d", i), ArticleCode: code})
		stock[rows[i].SKU] = 0
	}
	ec := newStockEcforce(stock)
	ec.recordErrors["S2"] = "stockパラメータが正しくありません。"
	f := newStockFixture(t, mustTable(t, rows...), ec, ll)
	res, err := f.page(ReconcileStockPageInput{Mode: StockModeFull, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.Changed != 5 || s.Written != 4 || s.Failed != 1 || ec.stock["S2"] != 0 || ec.written() != 4 {
		t.Errorf("summary %+v, S2 stock %d, writes %d", s, ec.stock["S2"], ec.written())
	}
	if len(s.Problems) != 1 || s.Problems[0].SKU != "S2" || s.Problems[0].Reason != StockReasonWriteRejected ||
		!strings.Contains(s.Problems[0].Detail, "ASI2002") || !strings.Contains(s.Problems[0].Detail, "stockパラメータ") {
		t.Errorf("problems = %+v", s.Problems)
	}
	if !slices.Equal(res.RetrySKUs, []string{"S2"}) {
		t.Errorf("retry = %v", res.RetrySKUs)
	}
}

// A request refused as a whole (400) is split until the bad SKU is alone.
func TestReconcileStockIsolatesARejectedSKU(t *testing.T) {
	ll := newStockLogiless()
	stock := map[string]int64{}
	var rows []mapping.Row
	for i := range 8 {
		code := fmt.Sprintf("A%d", i)
		ll.set(code, 3, t0)
		rows = append(rows, mapping.Row{SKU: fmt.Sprintf("S%d", i), ArticleCode: code})
		stock[rows[i].SKU] = 0
	}
	ll.rejectCodes["A6"] = true
	ec := newStockEcforce(stock)
	ec.rejectRequest = "S3"
	f := newStockFixture(t, mustTable(t, rows...), ec, ll)
	res, err := f.page(ReconcileStockPageInput{Mode: StockModeFull, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	// S6's article is refused by LOGILESS: skipped; S3 refused by ecforce: failed.
	if s.Written != 6 || s.Failed != 1 || s.Skipped.ArticleUnknown != 1 {
		t.Errorf("summary = %+v", s)
	}
	if got := reasons(s); got["S3"] != StockReasonWriteRejected || got["S6"] != StockReasonArticleUnknown {
		t.Errorf("problems = %+v", s.Problems)
	}
	if len(ec.updates) > 1+2*3+1 {
		t.Errorf("%d update requests to isolate one SKU of 7", len(ec.updates))
	}
}

// A failure mid-page is retried from the heartbeat cursor: nothing written
// twice, nothing lost, counts complete.
func TestReconcileStockResumesFromTheHeartbeat(t *testing.T) {
	ll := newStockLogiless()
	stock := map[string]int64{}
	var rows []mapping.Row
	for i := range 250 {
		code := fmt.Sprintf("A%03d", i)
		ll.set(code, 4, t0)
		rows = append(rows, mapping.Row{SKU: fmt.Sprintf("S%03d", i), ArticleCode: code})
		stock[rows[i].SKU] = 1
	}
	ec := newStockEcforce(stock)
	f := newStockFixture(t, mustTable(t, rows...), ec, ll)

	// The second write request (S100–S199) is applied but its answer is
	// lost (502).
	ec.lostAnswerAt = 2
	env := f.env()
	var last converter.EncodedValues
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) { last = d })
	_, err := f.pageIn(env, ReconcileStockPageInput{Mode: StockModeFull, RunKey: "r"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NonRetryable() || appErr.Type() != ErrTypeTransient {
		t.Fatalf("first attempt error = %v, want a retryable %s error", err, ErrTypeTransient)
	}
	var hb stockPageProgress
	if last == nil || last.Get(&hb) != nil {
		t.Fatal("no heartbeat recorded")
	}
	if hb.After != "S099" || hb.Summary.Written != 100 || hb.Summary.Read != 100 {
		t.Fatalf("heartbeat = cursor %q, summary %+v; want S099 with the first 100 written", hb.After, hb.Summary)
	}

	// The retry (attempt 2) resumes from the heartbeat.
	retry := f.env()
	retry.SetHeartbeatDetails(hb)
	res, err := f.pageIn(retry, ReconcileStockPageInput{Mode: StockModeFull, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	// 100 written before the failure, 100 found already written (the lost
	// answer), 50 written by the retry.
	if s := res.Summary; s.Read != 250 || s.Written != 150 || s.Unchanged != 100 {
		t.Errorf("summary after resume = %+v, want 250 read, 150 written, 100 unchanged", res.Summary)
	}
	for sku, v := range ec.stock {
		if v != 4 {
			t.Errorf("%s = %d after the retry", sku, v)
		}
	}
	for sku, n := range ec.writes {
		if n > 1 {
			t.Errorf("%s written %d times: the retry did not re-read before writing", sku, n)
		}
	}
}

// A dry run reports the diff and writes nothing.
func TestReconcileStockDryRun(t *testing.T) {
	ll := newStockLogiless()
	ll.set("A", 6, t0)
	ll.set("B", 2, t0)
	ec := newStockEcforce(map[string]int64{"SA": 1, "SB": 2})
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "SA", ArticleCode: "A"}, mapping.Row{SKU: "SB", ArticleCode: "B"}), ec, ll)
	res, err := f.page(ReconcileStockPageInput{Mode: StockModeFull, DryRun: true, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ec.updates) != 0 || res.Summary.Written != 0 || res.Summary.Changed != 1 {
		t.Errorf("dry run: %d updates, summary %+v", len(ec.updates), res.Summary)
	}
	if !slices.Equal(res.Summary.Changes, []StockChange{{SKU: "SA", From: 1, To: 6}}) {
		t.Errorf("changes = %+v", res.Summary.Changes)
	}
}

// The incremental pass looks only at rows whose article changed, rows of
// sets with a changed component, and the SKUs to retry.
func TestReconcileStockIncremental(t *testing.T) {
	since := t0.Add(time.Hour)
	ll := newStockLogiless()
	ll.set("A", 9, t0)
	ll.set("B", 4, since.Add(time.Minute)) // changed
	ll.set("C", 5, since.Add(time.Minute)) // changed, component of SET
	ll.set("D", 7, t0)
	ll.set("R", 3, t0)
	ll.addSet("SET", t0, logiless.Component{ArticleCode: "A", Quantity: 2}, logiless.Component{ArticleCode: "C", Quantity: 1})
	tbl := mustTable(t,
		mapping.Row{SKU: "sa", ArticleCode: "A"},
		mapping.Row{SKU: "sb", ArticleCode: "B"},
		mapping.Row{SKU: "sb2", ArticleCode: "B", Reserve: 1},
		mapping.Row{SKU: "sd", ArticleCode: "D"},
		mapping.Row{SKU: "sr", ArticleCode: "R"},
		mapping.Row{SKU: "sset", ArticleCode: "SET"},
	)
	ec := newStockEcforce(map[string]int64{"sa": 0, "sb": 0, "sb2": 0, "sd": 0, "sr": 0, "sset": 0})
	f := newStockFixture(t, tbl, ec, ll)
	res, err := f.page(ReconcileStockPageInput{Mode: StockModeIncremental, Since: since, RetrySKUs: []string{"sr", "gone"}, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	looked := slices.Concat(ec.lists...)
	sort.Strings(looked)
	if !slices.Equal(looked, []string{"sb", "sb2", "sr", "sset"}) {
		t.Errorf("looked at %v, want the changed, the set with a changed component and the retried SKU", looked)
	}
	if got := map[string]int64{"sb": ec.stock["sb"], "sb2": ec.stock["sb2"], "sr": ec.stock["sr"], "sset": ec.stock["sset"], "sa": ec.stock["sa"]}; got["sb"] != 4 ||
		got["sb2"] != 3 || got["sr"] != 3 || got["sset"] != 4 || got["sa"] != 0 {
		t.Errorf("stock after the incremental pass = %v", got)
	}
	// B and C came with the listing; only A (SET's other component) and R
	// (retried) were searched.
	searched := slices.Concat(ll.searches...)
	sort.Strings(searched)
	if !slices.Equal(searched, []string{"A", "R"}) {
		t.Errorf("searched %v, want [A R]", searched)
	}
	if len(ll.listings) != 1 || !ll.listings[0].UpdatedFrom.Equal(since) {
		t.Errorf("inventory listings = %+v", ll.listings)
	}
	if res.Summary.Written != 4 || !res.Done {
		t.Errorf("result = %+v", res)
	}

	// Too many changes: ask for a full pass, do nothing.
	ll.capReached = true
	updates := len(ec.updates)
	res, err = f.page(ReconcileStockPageInput{Mode: StockModeIncremental, Since: since, RunKey: "r2"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.NeedFull || res.NeedFullReason == "" || len(ec.updates) != updates {
		t.Errorf("page cap: %+v", res)
	}
}

// Set articles are listed once per run; later runs ask only for sets
// updated since, a full pass lists them all again.
func TestReconcileStockSetCatalogCaching(t *testing.T) {
	ll := newStockLogiless()
	ll.set("A", 4, t0)
	ll.addSet("SET", t0, logiless.Component{ArticleCode: "A", Quantity: 2})
	ec := newStockEcforce(map[string]int64{"s": 0, "set": 0})
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"}, mapping.Row{SKU: "set", ArticleCode: "SET"}), ec, ll)
	f.a.PageSize = 1
	f.sync(ReconcileStockPageInput{Mode: StockModeFull, RunKey: "r1"})
	if len(ll.articleLists) != 1 || !ll.articleLists[0].UpdatedFrom.IsZero() {
		t.Fatalf("first run listed sets %v, want once in full", ll.articleLists)
	}
	if ec.stock["set"] != 2 {
		t.Errorf("set stock = %d, want 2", ec.stock["set"])
	}
	// A new set quantity arrives; the next incremental run refreshes.
	ll.addSet("SET", time.Now().Add(time.Hour), logiless.Component{ArticleCode: "A", Quantity: 4})
	f.sync(ReconcileStockPageInput{Mode: StockModeIncremental, Since: t0, RetrySKUs: []string{"set"}, RunKey: "r2"})
	if len(ll.articleLists) != 2 || ll.articleLists[1].UpdatedFrom.IsZero() {
		t.Errorf("incremental run listed sets %v, want one refresh of updated sets", ll.articleLists)
	}
	if ec.stock["set"] != 1 {
		t.Errorf("set stock after the set changed = %d, want 1", ec.stock["set"])
	}
	f.sync(ReconcileStockPageInput{Mode: StockModeFull, RunKey: "r3"})
	if len(ll.articleLists) != 3 || !ll.articleLists[2].UpdatedFrom.IsZero() {
		t.Errorf("full run listed sets %v, want a full listing", ll.articleLists)
	}
}

// --- PlanStockSync and RecordStockSync ---------------------------------------

func TestPlanStockSync(t *testing.T) {
	tbl := mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"})
	fp := newStockIndex(tbl).fingerprint
	now := t0.Add(48 * time.Hour)
	fresh := StockSyncState{Shop: "demo", Since: now.Add(-10 * time.Minute), LastFullAt: now.Add(-time.Hour), MappingFingerprint: fp, RetrySKUs: []string{"x"}}
	tests := []struct {
		name      string
		state     *StockSyncState
		raw       string // state file content instead of state
		in        PlanStockSyncInput
		disabled  bool
		wantMode  string
		wantSince time.Time
		reason    string
	}{
		{name: "first run", wantMode: StockModeFull, reason: "no earlier successful run"},
		{name: "incremental after a recent run", state: &fresh, wantMode: StockModeIncremental, wantSince: fresh.Since.Add(-DefaultStockSinceOverlap), reason: "1 SKUs that failed"},
		{name: "--full", state: &fresh, in: PlanStockSyncInput{Full: true}, wantMode: StockModeFull, reason: "requested"},
		{name: "full pass due", state: &StockSyncState{Shop: "demo", Since: fresh.Since, LastFullAt: now.Add(-25 * time.Hour), MappingFingerprint: fp}, wantMode: StockModeFull, reason: "older than stock_sync.full_every 24h"},
		{name: "mapping changed", state: &StockSyncState{Shop: "demo", Since: fresh.Since, LastFullAt: fresh.LastFullAt, MappingFingerprint: "other"}, wantMode: StockModeFull, reason: "mapping table changed"},
		{name: "unreadable state", raw: "{not json", wantMode: StockModeFull, reason: "no earlier successful run"},
		{name: "scheduled while disabled", in: PlanStockSyncInput{Scheduled: true}, disabled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newStockFixture(t, tbl, newStockEcforce(nil), newStockLogiless())
			if tt.disabled {
				shop, _ := f.a.Shops.Shop("demo")
				shop.Settings.StockSync.Enabled = false
			}
			if tt.state != nil {
				if err := f.a.State.Save(*tt.state); err != nil {
					t.Fatal(err)
				}
			}
			if tt.raw != "" {
				_ = os.MkdirAll(filepath.Join(f.dir, "demo"), 0o700)
				if err := os.WriteFile(f.a.State.Path("demo"), []byte(tt.raw), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			in := tt.in
			in.Shop, in.Now = "demo", now
			val, err := f.env().ExecuteActivity(f.a.PlanStockSync, in)
			if err != nil {
				t.Fatal(err)
			}
			var res PlanStockSyncResult
			if err := val.Get(&res); err != nil {
				t.Fatal(err)
			}
			if res.Disabled != tt.disabled {
				t.Fatalf("disabled = %v, want %v", res.Disabled, tt.disabled)
			}
			if tt.disabled {
				return
			}
			if res.Mode != tt.wantMode || !res.Since.Equal(tt.wantSince) || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("plan = %s since %v (%q); want %s since %v containing %q", res.Mode, res.Since, res.Reason, tt.wantMode, tt.wantSince, tt.reason)
			}
			if res.Fingerprint != fp || res.MappedSKUs != 1 || res.LocationCode != "default" {
				t.Errorf("plan = %+v", res)
			}
		})
	}
}

func TestPlanStockSyncWithoutLocationFailsClearly(t *testing.T) {
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"}), newStockEcforce(nil), newStockLogiless())
	shop, _ := f.a.Shops.Shop("demo")
	shop.Settings.LocationCode = ""
	_, err := f.env().ExecuteActivity(f.a.PlanStockSync, PlanStockSyncInput{Shop: "demo", Now: t0})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeStockLocationMissing || !appErr.NonRetryable() || !strings.Contains(err.Error(), "location_code") {
		t.Fatalf("err = %v", err)
	}
}

func TestRecordStockSync(t *testing.T) {
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"}), newStockEcforce(nil), newStockLogiless())
	record := func(in RecordStockSyncInput) RecordStockSyncResult {
		t.Helper()
		in.Shop = "demo"
		val, err := f.env().ExecuteActivity(f.a.RecordStockSync, in)
		if err != nil {
			t.Fatal(err)
		}
		var res RecordStockSyncResult
		if err := val.Get(&res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	full := record(RecordStockSyncInput{Mode: StockModeFull, StartedAt: t0, Fingerprint: "f1", RetrySKUs: []string{"a"}})
	if !full.Since.Equal(t0) || !full.LastFullAt.Equal(t0) {
		t.Errorf("after a full pass: %+v", full)
	}
	inc := record(RecordStockSyncInput{Mode: StockModeIncremental, StartedAt: t0.Add(10 * time.Minute), Fingerprint: "f1"})
	if !inc.Since.Equal(t0.Add(10*time.Minute)) || !inc.LastFullAt.Equal(t0) {
		t.Errorf("after an incremental pass: %+v", inc)
	}
	// An older run finishing late never moves the watermark back.
	late := record(RecordStockSyncInput{Mode: StockModeIncremental, StartedAt: t0.Add(5 * time.Minute), Fingerprint: "f1"})
	if !late.Since.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("watermark moved back to %v", late.Since)
	}
	st, ok, err := f.a.State.Load("demo")
	if err != nil || !ok || st.MappingFingerprint != "f1" || len(st.RetrySKUs) != 0 {
		t.Errorf("stored state = %+v, %v, %v", st, ok, err)
	}
	entries, _ := os.ReadDir(filepath.Join(f.dir, "demo"))
	if len(entries) != 1 {
		t.Errorf("state directory holds %d files, want only stock-sync.json (no temporary files left)", len(entries))
	}
}

// --- helpers -----------------------------------------------------------------

func TestSplitOnRejection(t *testing.T) {
	bad := map[int]bool{3: true, 6: true}
	var calls int
	var rejected []int
	err := splitOnRejection([]int{0, 1, 2, 3, 4, 5, 6, 7}, func(b []int) error {
		calls++
		for _, v := range b {
			if bad[v] {
				return &httpapi.StatusError{StatusCode: http.StatusUnprocessableEntity}
			}
		}
		return nil
	}, func(v int, _ error) { rejected = append(rejected, v) })
	if err != nil || !slices.Equal(rejected, []int{3, 6}) {
		t.Errorf("rejected %v, err %v", rejected, err)
	}
	if calls > 15 {
		t.Errorf("%d calls", calls)
	}
	// Anything but a rejection is returned as it is.
	outage := &httpapi.StatusError{StatusCode: http.StatusServiceUnavailable}
	if err := splitOnRejection([]int{1, 2}, func([]int) error { return outage }, func(int, error) { t.Error("rejected on a 503") }); !errors.Is(err, outage) {
		t.Errorf("err = %v", err)
	}
}

func TestStockSummaryAddIsBounded(t *testing.T) {
	var total StockSummary
	for range 3 {
		var page StockSummary
		for i := range MaxStockChanges {
			page.change(StockChange{SKU: fmt.Sprint(i), To: 1})
			page.problem(StockProblem{SKU: fmt.Sprint(i)})
		}
		page.Written = MaxStockChanges
		total.Add(page)
	}
	if total.Changed != 3*MaxStockChanges || total.Written != 3*MaxStockChanges || total.ProblemCount != 3*MaxStockChanges {
		t.Errorf("counts = %+v", total)
	}
	if len(total.Changes) != MaxStockChanges || len(total.Problems) != MaxStockProblems {
		t.Errorf("lists hold %d changes and %d problems", len(total.Changes), len(total.Problems))
	}
}
