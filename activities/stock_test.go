package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/stocksync"
)

// The stock sync activities against the sandbox: the real clients over
// HTTP, the fake ecforce and LOGILESS behind them. The rules of the engine
// are table-tested in package stocksync; these tests check what the APIs
// see and answer.

// Request count keys of the sandbox.
const (
	getStockItems   = "GET /api/v2/admin/stock_items"
	putStockItems   = "PUT /api/v2/admin/stock_items"
	searchInventory = "POST /api/v1/merchant/{id}/logical_inventory_summaries/search"
	listInventory   = "GET /api/v1/merchant/{id}/logical_inventory_summaries"
	listArticles    = "GET /api/v1/merchant/{id}/articles"
)

// tapped is one API request as a tap saw it.
type tapped struct {
	method, path string
	query        url.Values
	body         []byte
}

// tap sits in front of a sandbox: it records the requests the clients send
// and lets a test change one before the sandbox sees it, as an API that
// validates more strictly than the sandbox would.
type tap struct {
	next   http.Handler
	mu     sync.Mutex
	seen   []tapped
	change func(r *http.Request, body []byte) []byte // returns the body to pass on
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	t.mu.Lock()
	t.seen = append(t.seen, tapped{method: r.Method, path: strings.TrimSuffix(r.URL.Path, ".json"), query: r.URL.Query(), body: body})
	change := t.change
	t.mu.Unlock()
	if change != nil && strings.HasPrefix(r.URL.Path, "/api/") {
		body = change(r, body)
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	t.next.ServeHTTP(w, r)
}

// requests returns the requests whose path ends with suffix.
func (t *tap) requests(method, suffix string) []tapped {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []tapped
	for _, s := range t.seen {
		if s.method == method && strings.HasSuffix(s.path, suffix) {
			out = append(out, s)
		}
	}
	return out
}

func (t *tap) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen = nil
}

// stockBody is the body of PUT stock_items and of an inventory search.
type stockBody struct {
	StockItems []struct {
		SKU   string `json:"variant_sku"`
		Stock int64  `json:"stock"`
	} `json:"stock_items"`
	ArticleCodes []string `json:"article_codes"`
}

func decodeBody(t *testing.T, b []byte) stockBody {
	t.Helper()
	var sb stockBody
	if err := json.Unmarshal(b, &sb); err != nil {
		t.Fatalf("request body %s: %v", b, err)
	}
	return sb
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

// stockFixture is shop "demo" with its stock sync activities, its ecforce
// and LOGILESS served by the sandbox.
type stockFixture struct {
	t      *testing.T
	ec     *ecforceapi.Server
	ll     *logilessapi.Server
	ecTap  *tap
	llTap  *tap
	a      *StockSync
	shop   *Shop
	dir    string
	merged map[string]int // request counts before the last reset
}

// newStockFixture starts the sandbox; llClock (nil: the wall clock) stamps
// LOGILESS's stock changes.
func newStockFixture(t *testing.T, tbl *mapping.Table, llClock func() time.Time) *stockFixture {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	f := &stockFixture{t: t, dir: t.TempDir(),
		ec: ecforceapi.New(ecforceapi.Config{Logger: quiet}),
		ll: logilessapi.New(logilessapi.Config{Clock: llClock, Logger: quiet})}
	f.ecTap, f.llTap = &tap{next: f.ec}, &tap{next: f.ll}
	ecSrv, llSrv := httptest.NewServer(f.ecTap), httptest.NewServer(f.llTap)
	t.Cleanup(ecSrv.Close)
	t.Cleanup(llSrv.Close)

	ec, err := ecforce.New(ecforce.Config{Shop: "demo", BaseURL: ecSrv.URL + "/api/v2", APIToken: ecforceapi.DefaultAPIToken,
		Limiter: httpapi.NewLimiter(0, 1), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ll, err := logiless.New(logiless.Config{Shop: "demo", BaseURL: llSrv.URL + "/api", OAuthBaseURL: llSrv.URL,
		MerchantID: int64(f.ll.MerchantID()), ClientID: logilessapi.DefaultClientID, ClientSecret: logilessapi.DefaultClientSecret,
		RedirectURI: logilessapi.DefaultRedirectURI, Tokens: logiless.NewFileTokenStore(filepath.Join(f.dir, "tokens.json")),
		Limiter: httpapi.NewLimiter(0, 1), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ll.ExchangeCode(context.Background(), f.ll.IssueAuthorizationCode()); err != nil {
		t.Fatal(err)
	}
	f.llTap.reset()
	f.ll.ResetRequestCounts()
	f.shop = &Shop{
		Settings: config.Shop{Code: "demo", LocationCode: ecforceapi.DefaultStockLocation,
			StockSync: config.StockSyncSettings{Enabled: true, Interval: 10 * time.Minute, FullEvery: 24 * time.Hour}},
		Ecforce: ec, Logiless: ll, Mapping: stockTable{tbl},
	}
	f.a = NewStockSync(NewShopDirectory(f.shop), NewStockStateStore(filepath.Join(f.dir, "state")), quiet)
	return f
}

// newSinglesFixture is newStockFixture with n rows S<i> of articles A<i>
// (i formatted with format), each article with free stock free in LOGILESS
// and each SKU at stock stock in ecforce. It returns the SKUs too.
func newSinglesFixture(t *testing.T, n int, format string, free, stock int) (*stockFixture, []string) {
	t.Helper()
	var rows []mapping.Row
	var skus []string
	for i := range n {
		num := fmt.Sprintf(format, i)
		rows = append(rows, mapping.Row{SKU: "S" + num, ArticleCode: "A" + num})
		skus = append(skus, "S"+num)
	}
	f := newStockFixture(t, mustTable(t, rows...), nil)
	for _, r := range rows {
		f.single(r.ArticleCode, free)
		f.items(map[string]int{r.SKU: stock})
	}
	return f, skus
}

// single seeds a LOGILESS article with its free stock.
func (f *stockFixture) single(code string, free int) {
	f.t.Helper()
	if _, err := f.ll.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
		f.t.Fatal(err)
	}
	if err := f.ll.SetFreeStock(code, free); err != nil {
		f.t.Fatal(err)
	}
}

// set seeds a LOGILESS set article.
func (f *stockFixture) set(code string, comps ...logilessapi.ArticleComponent) {
	f.t.Helper()
	if _, err := f.ll.SeedArticle(logilessapi.Article{Code: code, Name: code, ArticleType: logilessapi.ArticleAssortment, Components: comps}); err != nil {
		f.t.Fatal(err)
	}
}

// items seeds ecforce stock items at the shop's location.
func (f *stockFixture) items(stock map[string]int) {
	f.t.Helper()
	for sku, v := range stock {
		if _, err := f.ec.SeedStockItem(sku, ecforceapi.DefaultStockLocation, v); err != nil {
			f.t.Fatal(err)
		}
	}
}

// stock is the ecforce stock of sku at the location (-1: no item).
func (f *stockFixture) stock(sku string) int {
	it, ok := f.ec.StockItem(sku, ecforceapi.DefaultStockLocation)
	if !ok {
		return -1
	}
	return it.Stock
}

// count is the number of requests to an endpoint, on either sandbox.
func (f *stockFixture) count(key string) int {
	return f.ec.RequestCounts()[key] + f.ll.RequestCounts()[key]
}

// written is how many stock writes ecforce accepted per SKU.
func (f *stockFixture) written(skus ...string) map[string]int {
	out := map[string]int{}
	for _, sku := range skus {
		if n := f.ec.StockWriteCount(sku); n > 0 {
			out[sku] = n
		}
	}
	return out
}

// searched is every article code LOGILESS was asked for, sorted.
func (f *stockFixture) searched() []string {
	var codes []string
	for _, r := range f.llTap.requests(http.MethodPost, "/logical_inventory_summaries/search") {
		codes = append(codes, decodeBody(f.t, r.body).ArticleCodes...)
	}
	sort.Strings(codes)
	return codes
}

// looked is every SKU whose ecforce stock was read, sorted.
func (f *stockFixture) looked() []string {
	var skus []string
	for _, r := range f.ecTap.requests(http.MethodGet, "/admin/stock_items") {
		skus = append(skus, r.query["q[variant_sku_in][]"]...)
	}
	sort.Strings(skus)
	return skus
}

// writeSizes is the number of SKUs in each PUT stock_items.
func (f *stockFixture) writeSizes() []int {
	var sizes []int
	for _, r := range f.ecTap.requests(http.MethodPut, "/admin/stock_items") {
		sizes = append(sizes, len(decodeBody(f.t, r.body).StockItems))
	}
	return sizes
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
func (f *stockFixture) sync(in ReconcileStockPageInput) stocksync.Summary {
	f.t.Helper()
	var total stocksync.Summary
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

func reasons(s stocksync.Summary) map[string]string {
	out := map[string]string{}
	for _, p := range s.Problems {
		out[p.SKU] = p.Reason
	}
	return out
}

var t0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

// --- ReconcileStockPage ------------------------------------------------------

// A full pass computes every kind of row, writes only what differs in one
// request and reports every SKU it could not bring in step, by SKU.
func TestReconcileStockFullPass(t *testing.T) {
	tbl := mustTable(t,
		mapping.Row{SKU: "sku-a", ArticleCode: "A"},                          // 10
		mapping.Row{SKU: "sku-a-half", ArticleCode: "A", AllocationRate: 50}, // 5, unchanged
		mapping.Row{SKU: "sku-b", ArticleCode: "B", Reserve: 3, Max: ip(5)},  // 5
		mapping.Row{SKU: "sku-c-min", ArticleCode: "C", Min: ip(3)},          // 0: free 2 below min 3
		mapping.Row{SKU: "sku-set", ArticleCode: "SET"},                      // min(10/3, 2/1) = 2
		mapping.Row{SKU: "sku-missing", ArticleCode: "M"},                    // its stock item is at another location
		mapping.Row{SKU: "sku-unknown", ArticleCode: "NOPE"},                 // LOGILESS does not know it
	)
	f := newStockFixture(t, tbl, nil)
	f.single("A", 10)
	f.single("B", 10)
	f.single("C", 2)
	f.single("M", 4)
	f.set("SET", logilessapi.ArticleComponent{Component: "A", Quantity: 3}, logilessapi.ArticleComponent{Component: "C", Quantity: 1})
	f.items(map[string]int{"sku-a": 7, "sku-a-half": 5, "sku-b": 9, "sku-c-min": 2, "sku-set": 0, "sku-unknown": 3})
	if _, err := f.ec.SeedStockItem("sku-missing", "warehouse2", 1); err != nil {
		t.Fatal(err)
	}

	res, err := f.page(ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "run-1"})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	want := stocksync.Summary{Read: 7, Unchanged: 1, Changed: 4, Written: 4,
		Skipped: stocksync.Skips{ArticleUnknown: 1, MissingAtLocation: 1}, ProblemCount: 2}
	if s.Read != want.Read || s.Unchanged != want.Unchanged || s.Changed != want.Changed || s.Written != want.Written ||
		s.Failed != 0 || s.Skipped != want.Skipped || s.ProblemCount != want.ProblemCount {
		t.Errorf("summary = %+v\nwant      %+v", s, want)
	}
	for sku, v := range map[string]int{"sku-a": 10, "sku-a-half": 5, "sku-b": 5, "sku-c-min": 0, "sku-set": 2, "sku-unknown": 3, "sku-missing": -1} {
		if got := f.stock(sku); got != v {
			t.Errorf("ecforce stock of %s = %d, want %d", sku, got, v)
		}
	}
	if got := reasons(s); got["sku-missing"] != stocksync.ReasonMissingAtLocation || got["sku-unknown"] != stocksync.ReasonArticleUnknown {
		t.Errorf("problems = %v", s.Problems)
	}
	for _, p := range s.Problems {
		if p.Detail == "" || !strings.Contains(p.Detail, p.SKU) {
			t.Errorf("problem %+v does not say what and where", p)
		}
	}
	if got := f.writeSizes(); !slices.Equal(got, []int{4}) {
		t.Errorf("stock writes = %v, want one request with the 4 changed SKUs", got)
	}
	if !slices.Equal(res.RetrySKUs, []string{"sku-missing"}) {
		t.Errorf("retry SKUs = %v, want [sku-missing]", res.RetrySKUs)
	}
	if !res.Done || res.Next != "sku-unknown" {
		t.Errorf("done %v next %q", res.Done, res.Next)
	}
	// The components were read, never the set code itself.
	if got := f.searched(); !slices.Equal(got, []string{"A", "B", "C", "M", "NOPE"}) {
		t.Errorf("searched %v", got)
	}

	// A second run with no stock change writes nothing.
	again, err := f.page(ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "run-2"})
	if err != nil {
		t.Fatal(err)
	}
	if f.count(putStockItems) != 1 || again.Summary.Written != 0 || again.Summary.Changed != 0 || again.Summary.Unchanged != 5 {
		t.Errorf("second run: %d update requests in all, summary %+v", f.count(putStockItems), again.Summary)
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
			var rows []mapping.Row
			for i := range tc.rows {
				rows = append(rows, mapping.Row{SKU: fmt.Sprintf("SKU-%05d", i), ArticleCode: fmt.Sprintf("ART-%05d", i)})
			}
			f := newStockFixture(t, mustTable(t, rows...), nil)
			stock := map[string]int{}
			for i, r := range rows {
				f.single(r.ArticleCode, i%50)
				stock[r.SKU] = i % 50
				if tc.changed(i) {
					stock[r.SKU]++
				}
			}
			f.items(stock)
			s := f.sync(ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "r"})
			if got := f.writeSizes(); !slices.Equal(got, tc.wantUpdates) {
				t.Errorf("update request sizes = %v, want %v", got, tc.wantUpdates)
			}
			if f.count(searchInventory) != tc.wantSearches || f.count(getStockItems) != tc.wantLists {
				t.Errorf("%d searches and %d stock lists, want %d and %d", f.count(searchInventory), f.count(getStockItems), tc.wantSearches, tc.wantLists)
			}
			if s.Read != tc.rows || s.Written != s.Changed || s.Unchanged+s.Changed != tc.rows {
				t.Errorf("summary = %+v", s)
			}
		})
	}
}

// Pages follow the cursor; every row is handled exactly once.
func TestReconcileStockPagesFollowTheCursor(t *testing.T) {
	f, skus := newSinglesFixture(t, 7, "%d", 5, 1)
	f.a.PageSize = 3
	var cursors []string
	in := ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "r"}
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
	writes := f.written(skus...)
	for sku, n := range writes {
		if n != 1 {
			t.Errorf("%s written %d times", sku, n)
		}
	}
	if len(writes) != 7 {
		t.Errorf("%d SKUs written, want 7", len(writes))
	}
	if n := f.count(listArticles); n != 1 {
		t.Errorf("set articles listed %d times in one run, want once", n)
	}
}

// A SKU ecforce refuses is reported by SKU with ecforce's reason; the
// others are written.
func TestReconcileStockPerRecordFailure(t *testing.T) {
	f, skus := newSinglesFixture(t, 5, "%d", 8, 0)
	// ecforce finds S2's value invalid (the sandbox sees a negative one).
	f.ecTap.change = func(r *http.Request, body []byte) []byte {
		if r.Method != http.MethodPut {
			return body
		}
		return bytes.Replace(body, []byte(`"variant_sku":"S2","stock_location_code":"default","stock":8`), []byte(`"variant_sku":"S2","stock_location_code":"default","stock":-1`), 1)
	}
	res, err := f.page(ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	total := 0
	for _, n := range f.written(skus...) {
		total += n
	}
	if s.Changed != 5 || s.Written != 4 || s.Failed != 1 || f.stock("S2") != 0 || total != 4 {
		t.Errorf("summary %+v, S2 stock %d, writes %d", s, f.stock("S2"), total)
	}
	if len(s.Problems) != 1 || s.Problems[0].SKU != "S2" || s.Problems[0].Reason != stocksync.ReasonWriteRejected ||
		!strings.Contains(s.Problems[0].Detail, "ASI3002") || !strings.Contains(s.Problems[0].Detail, "stockパラメータ") {
		t.Errorf("problems = %+v", s.Problems)
	}
	if !slices.Equal(res.RetrySKUs, []string{"S2"}) {
		t.Errorf("retry = %v", res.RetrySKUs)
	}
}

// A request refused as a whole (400) is split until the bad code or SKU is
// alone.
func TestReconcileStockIsolatesARejectedSKU(t *testing.T) {
	f, _ := newSinglesFixture(t, 8, "%d", 3, 0)
	// LOGILESS refuses every search for A6, ecforce every write of S3: the
	// sandbox is handed a body it cannot read, and answers 400.
	refuse := func(what string) func(*http.Request, []byte) []byte {
		return func(r *http.Request, body []byte) []byte {
			if (r.Method == http.MethodPost || r.Method == http.MethodPut) && bytes.Contains(body, []byte(what)) {
				return []byte("{")
			}
			return body
		}
	}
	f.llTap.change, f.ecTap.change = refuse(`"A6"`), refuse(`"S3"`)
	res, err := f.page(ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	// S6's article is refused by LOGILESS: skipped; S3 refused by ecforce: failed.
	if s.Written != 6 || s.Failed != 1 || s.Skipped.ArticleUnknown != 1 {
		t.Errorf("summary = %+v", s)
	}
	if got := reasons(s); got["S3"] != stocksync.ReasonWriteRejected || got["S6"] != stocksync.ReasonArticleUnknown {
		t.Errorf("problems = %+v", s.Problems)
	}
	if n := f.count(putStockItems); n > 1+2*3+1 {
		t.Errorf("%d update requests to isolate one SKU of 7", n)
	}
	if f.stock("S3") != 0 || f.stock("S6") != 0 || f.stock("S7") != 3 {
		t.Errorf("stock S3 %d, S6 %d, S7 %d", f.stock("S3"), f.stock("S6"), f.stock("S7"))
	}
}

// A failure mid-page is retried from the heartbeat cursor: nothing written
// twice, nothing lost, counts complete.
func TestReconcileStockResumesFromTheHeartbeat(t *testing.T) {
	f, skus := newSinglesFixture(t, 250, "%03d", 4, 1)

	// The second write request (S100–S199) is applied but its answer is
	// lost (502).
	puts := 0
	f.ecTap.change = func(r *http.Request, body []byte) []byte {
		if r.Method == http.MethodPut {
			if puts++; puts == 2 {
				f.ec.InjectFault(httpfake.Fault{Method: http.MethodPut, PathPrefix: "/api/v2/admin/stock_items", AfterApply: true, Status: http.StatusBadGateway})
			}
		}
		return body
	}
	env := f.env()
	var last converter.EncodedValues
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) { last = d })
	_, err := f.pageIn(env, ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "r"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NonRetryable() || appErr.Type() != ErrTypeTransient {
		t.Fatalf("first attempt error = %v, want a retryable %s error", err, ErrTypeTransient)
	}
	var hb stocksync.Progress
	if last == nil || last.Get(&hb) != nil {
		t.Fatal("no heartbeat recorded")
	}
	if hb.After != "S099" || hb.Summary.Written != 100 || hb.Summary.Read != 100 {
		t.Fatalf("heartbeat = cursor %q, summary %+v; want S099 with the first 100 written", hb.After, hb.Summary)
	}

	// The retry (attempt 2) resumes from the heartbeat.
	retry := f.env()
	retry.SetHeartbeatDetails(hb)
	res, err := f.pageIn(retry, ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	// 100 written before the failure, 100 found already written (the lost
	// answer), 50 written by the retry.
	if s := res.Summary; s.Read != 250 || s.Written != 150 || s.Unchanged != 100 {
		t.Errorf("summary after resume = %+v, want 250 read, 150 written, 100 unchanged", res.Summary)
	}
	for _, sku := range skus {
		if v := f.stock(sku); v != 4 {
			t.Errorf("%s = %d after the retry", sku, v)
		}
	}
	for sku, n := range f.written(skus...) {
		if n > 1 {
			t.Errorf("%s written %d times: the retry did not re-read before writing", sku, n)
		}
	}
}

// A dry run reports the diff and writes nothing.
func TestReconcileStockDryRun(t *testing.T) {
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "SA", ArticleCode: "A"}, mapping.Row{SKU: "SB", ArticleCode: "B"}), nil)
	f.single("A", 6)
	f.single("B", 2)
	f.items(map[string]int{"SA": 1, "SB": 2})
	res, err := f.page(ReconcileStockPageInput{Mode: stocksync.ModeFull, DryRun: true, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if f.count(putStockItems) != 0 || res.Summary.Written != 0 || res.Summary.Changed != 1 || f.stock("SA") != 1 {
		t.Errorf("dry run: %d updates, summary %+v", f.count(putStockItems), res.Summary)
	}
	if !slices.Equal(res.Summary.Changes, []stocksync.Change{{SKU: "SA", From: 1, To: 6}}) {
		t.Errorf("changes = %+v", res.Summary.Changes)
	}
}

// The incremental pass looks only at rows whose article changed, rows of
// sets with a changed component, and the SKUs to retry.
func TestReconcileStockIncremental(t *testing.T) {
	since := t0.Add(time.Hour)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tbl := mustTable(t,
		mapping.Row{SKU: "sa", ArticleCode: "A"},
		mapping.Row{SKU: "sb", ArticleCode: "B"},
		mapping.Row{SKU: "sb2", ArticleCode: "B", Reserve: 1},
		mapping.Row{SKU: "sd", ArticleCode: "D"},
		mapping.Row{SKU: "sr", ArticleCode: "R"},
		mapping.Row{SKU: "sset", ArticleCode: "SET"},
	)
	f := newStockFixture(t, tbl, clock)
	f.single("A", 9)
	f.single("B", 1)
	f.single("C", 1)
	f.single("D", 7)
	f.single("R", 3)
	f.set("SET", logilessapi.ArticleComponent{Component: "A", Quantity: 2}, logilessapi.ArticleComponent{Component: "C", Quantity: 1})
	mu.Lock()
	now = since.Add(time.Minute)
	mu.Unlock()
	if err := f.ll.SetFreeStock("B", 4); err != nil { // changed
		t.Fatal(err)
	}
	if err := f.ll.SetFreeStock("C", 5); err != nil { // changed, component of SET
		t.Fatal(err)
	}
	f.items(map[string]int{"sa": 0, "sb": 0, "sb2": 0, "sd": 0, "sr": 0, "sset": 0})

	res, err := f.page(ReconcileStockPageInput{Mode: stocksync.ModeIncremental, Since: since, RetrySKUs: []string{"sr", "gone"}, RunKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if looked := f.looked(); !slices.Equal(looked, []string{"sb", "sb2", "sr", "sset"}) {
		t.Errorf("looked at %v, want the changed, the set with a changed component and the retried SKU", looked)
	}
	if got := map[string]int{"sb": f.stock("sb"), "sb2": f.stock("sb2"), "sr": f.stock("sr"), "sset": f.stock("sset"), "sa": f.stock("sa")}; got["sb"] != 4 ||
		got["sb2"] != 3 || got["sr"] != 3 || got["sset"] != 4 || got["sa"] != 0 {
		t.Errorf("stock after the incremental pass = %v", got)
	}
	// B and C came with the listing; only A (SET's other component) and R
	// (retried) were searched.
	if searched := f.searched(); !slices.Equal(searched, []string{"A", "R"}) {
		t.Errorf("searched %v, want [A R]", searched)
	}
	listings := f.llTap.requests(http.MethodGet, "/logical_inventory_summaries")
	if len(listings) != 1 || listings[0].query.Get("updated_at_from") != since.In(ecforce.JST).Format("2006-01-02 15:04:05") {
		t.Errorf("inventory listings = %+v", listings)
	}
	if res.Summary.Written != 4 || !res.Done {
		t.Errorf("result = %+v", res)
	}
}

// So many changes that a full pass is cheaper: the page asks for one and
// does nothing.
func TestReconcileStockIncrementalNeedsAFullPass(t *testing.T) {
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A00000"}), nil)
	n := stocksync.ChangedInventoryPageCap*stocksync.Batch + 1
	for i := range n {
		f.single(fmt.Sprintf("A%05d", i), 1)
	}
	f.items(map[string]int{"s": 0})
	res, err := f.page(ReconcileStockPageInput{Mode: stocksync.ModeIncremental, Since: time.Now().Add(-time.Hour), RunKey: "r2"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.NeedFull || !strings.Contains(res.NeedFullReason, "more than 20000") || f.count(putStockItems)+f.count(getStockItems) != 0 {
		t.Errorf("page cap: %+v", res)
	}
}

// Set articles are listed once per run; later runs ask only for sets
// updated since, a full pass lists them all again.
func TestReconcileStockSetCatalogCaching(t *testing.T) {
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"}, mapping.Row{SKU: "set", ArticleCode: "SET"},
		mapping.Row{SKU: "set2", ArticleCode: "SET2"}), nil)
	f.single("A", 4)
	f.set("SET", logilessapi.ArticleComponent{Component: "A", Quantity: 2})
	f.items(map[string]int{"s": 0, "set": 0, "set2": 0})
	f.a.PageSize = 1
	listings := func() []tapped { return f.llTap.requests(http.MethodGet, "/articles") }
	f.sync(ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "r1"})
	if l := listings(); len(l) != 1 || l[0].query.Has("updated_at_from") {
		t.Fatalf("first run listed sets %v, want once in full", l)
	}
	if f.stock("set") != 2 {
		t.Errorf("set stock = %d, want 2", f.stock("set"))
	}
	// A new set arrives (SET2 was unknown so far); the next incremental run
	// refreshes.
	f.set("SET2", logilessapi.ArticleComponent{Component: "A", Quantity: 4})
	f.sync(ReconcileStockPageInput{Mode: stocksync.ModeIncremental, Since: t0, RetrySKUs: []string{"set2"}, RunKey: "r2"})
	if l := listings(); len(l) != 2 || !l[1].query.Has("updated_at_from") {
		t.Errorf("incremental run listed sets %v, want one refresh of updated sets", l)
	}
	if f.stock("set2") != 1 {
		t.Errorf("stock of the new set = %d, want 1", f.stock("set2"))
	}
	f.sync(ReconcileStockPageInput{Mode: stocksync.ModeFull, RunKey: "r3"})
	if l := listings(); len(l) != 3 || l[2].query.Has("updated_at_from") {
		t.Errorf("full run listed sets %v, want a full listing", l)
	}
}

// An unknown pass mode is a bug, reported as such before any request.
func TestReconcileStockUnknownMode(t *testing.T) {
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"}), nil)
	_, err := f.page(ReconcileStockPageInput{Mode: "sideways"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeInvalidStockMode || !appErr.NonRetryable() || f.count(listArticles) != 0 {
		t.Fatalf("err = %v", err)
	}
}

// --- PlanStockSync and RecordStockSync ---------------------------------------

// The choice of the pass is stocksync.MakePlan's (table-tested there); this
// checks what the activity reads: the shop's switches, its table and the
// state file.
func TestPlanStockSync(t *testing.T) {
	tbl := mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"})
	fp := stocksync.NewIndex(tbl).Fingerprint()
	now := t0.Add(48 * time.Hour)
	fresh := stocksync.State{Shop: "demo", Since: now.Add(-10 * time.Minute), LastFullAt: now.Add(-time.Hour), MappingFingerprint: fp, RetrySKUs: []string{"x"}}
	tests := []struct {
		name      string
		state     *stocksync.State
		raw       string // state file content instead of state
		in        PlanStockSyncInput
		disabled  bool
		overlap   time.Duration
		wantMode  string
		wantSince time.Time
		reason    string
	}{
		{name: "first run", wantMode: stocksync.ModeFull, reason: "no earlier successful run"},
		{name: "incremental after a recent run", state: &fresh, wantMode: stocksync.ModeIncremental, wantSince: fresh.Since.Add(-stocksync.DefaultSinceOverlap), reason: "1 SKUs that failed"},
		{name: "the worker's overlap", state: &fresh, overlap: 5 * time.Minute, wantMode: stocksync.ModeIncremental, wantSince: fresh.Since.Add(-5 * time.Minute), reason: "minus 5m0s"},
		{name: "--full", state: &fresh, in: PlanStockSyncInput{Full: true}, wantMode: stocksync.ModeFull, reason: "requested"},
		{name: "full pass due", state: &stocksync.State{Shop: "demo", Since: fresh.Since, LastFullAt: now.Add(-25 * time.Hour), MappingFingerprint: fp}, wantMode: stocksync.ModeFull, reason: "older than stock_sync.full_every 24h"},
		{name: "mapping changed", state: &stocksync.State{Shop: "demo", Since: fresh.Since, LastFullAt: fresh.LastFullAt, MappingFingerprint: "other"}, wantMode: stocksync.ModeFull, reason: "mapping table changed"},
		{name: "unreadable state", raw: "{not json", wantMode: stocksync.ModeFull, reason: "no earlier successful run"},
		{name: "scheduled while disabled", in: PlanStockSyncInput{Scheduled: true}, disabled: true},
		{name: "manual while disabled", in: PlanStockSyncInput{Scheduled: false}, disabled: false, wantMode: stocksync.ModeFull, reason: "no earlier successful run"},
		{name: "manual, table keyed by product_number", in: PlanStockSyncInput{Scheduled: false}, disabled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			shop := &Shop{Settings: config.Shop{Code: "demo", LocationCode: "default",
				StockSync: config.StockSyncSettings{Enabled: !strings.Contains(tt.name, "disabled"), Interval: 10 * time.Minute, FullEvery: 24 * time.Hour}},
				Mapping: stockTable{tbl}}
			if strings.Contains(tt.name, "product_number") {
				shop.Settings.MappingMatch = config.MatchProductNumber
			}
			a := NewStockSync(NewShopDirectory(shop), NewStockStateStore(dir), slog.New(slog.DiscardHandler))
			a.SinceOverlap = tt.overlap
			if tt.state != nil {
				if err := a.State.Save(*tt.state); err != nil {
					t.Fatal(err)
				}
			}
			if tt.raw != "" {
				_ = os.MkdirAll(filepath.Join(dir, "demo"), 0o700)
				if err := os.WriteFile(NewStockStateStore(dir).Path("demo"), []byte(tt.raw), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			in := tt.in
			in.Shop, in.Now = "demo", now
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			env.RegisterActivity(a)
			val, err := env.ExecuteActivity(a.PlanStockSync, in)
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
			if tt.state == &fresh && tt.wantMode == stocksync.ModeIncremental && !slices.Equal(res.RetrySKUs, []string{"x"}) {
				t.Errorf("retry SKUs = %v", res.RetrySKUs)
			}
		})
	}
}

func TestPlanStockSyncWithoutLocationFailsClearly(t *testing.T) {
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"}), nil)
	f.shop.Settings.LocationCode = ""
	for _, run := range []func(*testsuite.TestActivityEnvironment) error{
		func(env *testsuite.TestActivityEnvironment) error {
			_, err := env.ExecuteActivity(f.a.PlanStockSync, PlanStockSyncInput{Shop: "demo", Now: t0})
			return err
		},
		func(env *testsuite.TestActivityEnvironment) error {
			_, err := env.ExecuteActivity(f.a.ReconcileStockPage, ReconcileStockPageInput{Shop: "demo", Mode: stocksync.ModeFull})
			return err
		},
	} {
		err := run(f.env())
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != ErrTypeStockLocationMissing || !appErr.NonRetryable() ||
			!strings.Contains(err.Error(), "location_code") || !strings.Contains(err.Error(), "shop demo") {
			t.Fatalf("err = %v", err)
		}
	}
}

func TestRecordStockSync(t *testing.T) {
	f := newStockFixture(t, mustTable(t, mapping.Row{SKU: "s", ArticleCode: "A"}), nil)
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
	full := record(RecordStockSyncInput{Mode: stocksync.ModeFull, StartedAt: t0, Fingerprint: "f1", RetrySKUs: []string{"a"}})
	if !full.Since.Equal(t0) || !full.LastFullAt.Equal(t0) {
		t.Errorf("after a full pass: %+v", full)
	}
	inc := record(RecordStockSyncInput{Mode: stocksync.ModeIncremental, StartedAt: t0.Add(10 * time.Minute), Fingerprint: "f1"})
	if !inc.Since.Equal(t0.Add(10*time.Minute)) || !inc.LastFullAt.Equal(t0) {
		t.Errorf("after an incremental pass: %+v", inc)
	}
	// An older run finishing late never moves the watermark back.
	late := record(RecordStockSyncInput{Mode: stocksync.ModeIncremental, StartedAt: t0.Add(5 * time.Minute), Fingerprint: "f1"})
	if !late.Since.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("watermark moved back to %v", late.Since)
	}
	st, ok, err := f.a.State.Load("demo")
	if err != nil || !ok || st.MappingFingerprint != "f1" || len(st.RetrySKUs) != 0 || st.Shop != "demo" || st.SavedAt.IsZero() {
		t.Errorf("stored state = %+v, %v, %v", st, ok, err)
	}
	entries, _ := os.ReadDir(filepath.Join(f.dir, "state", "demo"))
	if len(entries) != 1 {
		t.Errorf("state directory holds %d files, want only stock-sync.json (no temporary files left)", len(entries))
	}
	// An unreadable state is replaced, not merged.
	if err := os.WriteFile(f.a.State.(*StockStateStore).Path("demo"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if again := record(RecordStockSyncInput{Mode: stocksync.ModeIncremental, StartedAt: t0, Fingerprint: "f2"}); !again.Since.Equal(t0) || !again.LastFullAt.IsZero() {
		t.Errorf("after an unreadable state: %+v", again)
	}
}
