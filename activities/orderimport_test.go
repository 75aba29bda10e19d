package activities

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
)

// importEcforce is an in-memory EcforceAPI for the order import; methods
// the import does not use are left to the embedded nil interface.
type importEcforce struct {
	EcforceAPI
	mu      sync.Mutex
	orders  []ecforce.Order
	queries []ecforce.OrderQuery
	calls   map[string]int
}

func (f *importEcforce) count(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[name]++
}

func (f *importEcforce) ListOrders(_ context.Context, q ecforce.OrderQuery, fn func([]ecforce.Order) error) error {
	f.count("ListOrders")
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	return fn(f.orders)
}

func (f *importEcforce) GetOrder(_ context.Context, id int64) (ecforce.Order, error) {
	f.count("GetOrder")
	for _, o := range f.orders {
		if o.ID == id {
			return o, nil
		}
	}
	return ecforce.Order{}, fmt.Errorf("order %d: %w", id, ecforce.ErrNotFound)
}

func (f *importEcforce) FindOrderByNumber(_ context.Context, number string) (ecforce.Order, bool, error) {
	f.count("FindOrderByNumber")
	for _, o := range f.orders {
		if o.Number == number {
			return o, true, nil
		}
	}
	return ecforce.Order{}, false, nil
}

func (f *importEcforce) UpdateOrderState(_ context.Context, id int64, state string) (ecforce.Order, error) {
	f.count("UpdateOrderState")
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.orders {
		if f.orders[i].ID == id {
			f.orders[i].State = state
			return f.orders[i], nil
		}
	}
	return ecforce.Order{}, ecforce.ErrNotFound
}

// importLogiless is an in-memory LogilessAPI holding sales orders by code.
type importLogiless struct {
	LogilessAPI
	mu        sync.Mutex
	existing  map[string]logiless.SalesOrder
	createErr error // returned by CreateSalesOrder instead of creating
	calls     map[string]int
}

func (f *importLogiless) CreateSalesOrder(_ context.Context, in logiless.SalesOrderInput) (logiless.SalesOrder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["CreateSalesOrder"]++
	if f.createErr != nil {
		return logiless.SalesOrder{}, f.createErr
	}
	so := logiless.SalesOrder{ID: int64(7000 + len(f.existing)), Code: in.Code}
	f.existing[in.Code] = so
	return so, nil
}

func (f *importLogiless) SearchSalesOrdersByCode(_ context.Context, codes []string) ([]logiless.SalesOrder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["SearchSalesOrdersByCode"]++
	var out []logiless.SalesOrder
	for _, c := range codes {
		if so, ok := f.existing[c]; ok {
			out = append(out, so)
		}
	}
	return out, nil
}

type fixedTable struct{ table *mapping.Table }

func (f fixedTable) Table(context.Context) (*mapping.Table, error) { return f.table, nil }

func jstDay(offset int) ecforce.Time {
	y, m, d := time.Now().In(ecforce.JST).Date()
	return ecforce.Time{Time: time.Date(y, m, d+offset, 10, 0, 0, 0, ecforce.JST)}
}

func importOrder(id int64, sku string, shipDay *int) ecforce.Order {
	o := ecforce.Order{
		ID: id, Number: fmt.Sprintf("EC%08d", id), State: "complete", PaymentMethodName: "クレジットカード決済",
		Items:           []ecforce.OrderItem{{SKU: sku, ProductName: sku, SalesPrice: 1000, Quantity: 1, TaxRate: 10}},
		ShippingAddress: &ecforce.Address{Name01: "山田", Name02: "太郎", Zip01: "150", Zip02: "0001", PrefectureName: "東京都", Addr01: "渋谷区"},
	}
	if shipDay != nil {
		o.ScheduledToBeShippedAt = jstDay(*shipDay)
	}
	return o
}

func newImportFixture(t *testing.T, orders []ecforce.Order, edit func(*config.Shop)) (*OrderImport, *importEcforce, *importLogiless) {
	t.Helper()
	table, err := mapping.NewTable([]mapping.Row{{SKU: "A", ArticleCode: "ART-A", AllocationRate: 100}})
	if err != nil {
		t.Fatal(err)
	}
	s := config.Shop{Code: "demo", Logiless: config.LogilessSettings{StoreID: 1}}
	s.OrderImport = config.OrderImportSettings{AutoRun: true, States: []string{"complete"}, Lookback: 168 * time.Hour,
		DefaultPaymentMethod: "credit_card_payment", DefaultDeliveryMethod: "yamato"}
	if edit != nil {
		edit(&s)
	}
	ec := &importEcforce{orders: orders, calls: map[string]int{}}
	ll := &importLogiless{existing: map[string]logiless.SalesOrder{}, calls: map[string]int{}}
	a := &OrderImport{
		Shops: NewShopDirectory(&Shop{Settings: s, Ecforce: ec, Logiless: ll, Mapping: fixedTable{table}}),
		Cache: NewOrderCache(time.Minute, 100),
	}
	return a, ec, ll
}

func runImportActivity[T any](t *testing.T, a *OrderImport, fn any, in any) (T, error) {
	t.Helper()
	env := importActivityEnv(a)
	var out T
	val, err := env.ExecuteActivity(fn, in)
	if err == nil {
		if gerr := val.Get(&out); gerr != nil {
			t.Fatal(gerr)
		}
	}
	return out, err
}

func intp(v int) *int { return &v }

func TestListImportCandidates(t *testing.T) {
	orders := []ecforce.Order{
		importOrder(1, "A", intp(0)),  // due today
		importOrder(2, "A", intp(1)),  // due tomorrow: waits with the filter on
		importOrder(3, "A", nil),      // no scheduled date: imported
		importOrder(4, "NOPE", nil),   // unmapped SKU
		importOrder(5, "A", intp(-3)), // already in LOGILESS
	}
	tests := []struct {
		name          string
		edit          func(*config.Shop)
		scheduled     bool
		wantNumbers   []string
		wantNotYetDue int
		wantPresent   int
		wantQueries   int
		wantDisabled  bool
	}{
		{name: "ship-date filter on", edit: func(s *config.Shop) { s.OrderImport.OnlyDueTodayOrEarlier = true },
			wantNumbers: []string{"EC00000001", "EC00000003", "EC00000004"}, wantNotYetDue: 1, wantPresent: 1, wantQueries: 2},
		{name: "ship-date filter off",
			wantNumbers: []string{"EC00000001", "EC00000002", "EC00000003", "EC00000004"}, wantPresent: 1, wantQueries: 1},
		{name: "an already imported order still needs its imported state", edit: func(s *config.Shop) { s.OrderImport.ImportedState = "linked" },
			wantNumbers: []string{"EC00000001", "EC00000002", "EC00000003", "EC00000004", "EC00000005"}, wantQueries: 1},
		{name: "scheduled run with auto-run off", edit: func(s *config.Shop) { s.OrderImport.AutoRun = false }, scheduled: true,
			wantDisabled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ec, ll := newImportFixture(t, orders, tt.edit)
			ll.existing["EC00000005"] = logiless.SalesOrder{ID: 9, Code: "EC00000005"}
			res, err := runImportActivity[ListImportCandidatesResult](t, a, a.ListImportCandidates,
				ListImportCandidatesInput{Shop: "demo", Now: time.Now(), Scheduled: tt.scheduled})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range res.Candidates {
				got = append(got, c.OrderNumber)
				if c.Unmapped != (c.OrderNumber == "EC00000004") {
					t.Errorf("%s: Unmapped = %t", c.OrderNumber, c.Unmapped)
				}
				if want := map[bool]string{true: LookupFound, false: LookupNotFound}[c.OrderNumber == "EC00000005"]; c.CodeLookup != want {
					t.Errorf("%s: CodeLookup = %q, want %q", c.OrderNumber, c.CodeLookup, want)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantNumbers) || res.NotYetDue != tt.wantNotYetDue ||
				res.AlreadyInLogiless != tt.wantPresent || res.Disabled != tt.wantDisabled || len(ec.queries) != tt.wantQueries {
				t.Errorf("candidates %v, not yet due %d, present %d, disabled %t, %d queries", got, res.NotYetDue,
					res.AlreadyInLogiless, res.Disabled, len(ec.queries))
			}
			if tt.wantQueries == 2 && ec.queries[1].ScheduledToShipBefore.IsZero() {
				t.Error("the second query must select orders falling due by their 発送予定日")
			}
			if !tt.wantDisabled && ll.calls["SearchSalesOrdersByCode"] != 1 {
				t.Errorf("%d LOGILESS searches, want 1 for the whole page", ll.calls["SearchSalesOrdersByCode"])
			}
		})
	}
}

func TestCreateSalesOrder(t *testing.T) {
	duplicate := fmt.Errorf("create: %w", &httpapi.StatusError{API: "LOGILESS", Method: "POST", Path: "/x", StatusCode: 400,
		Message: "Validation Failed", FieldErrors: map[string]string{"code": "この受注コードは既に使用されています"}})
	tests := []struct {
		name         string
		in           CreateSalesOrderInput
		cached       bool
		existing     bool
		createErr    error
		wantCreated  bool
		wantErrType  string
		wantSearches int
		wantCreates  int
		wantEcforce  string // the ecforce read it needs, "" for none
	}{
		{name: "discovery saw the code missing: create straight away", cached: true,
			in: CreateSalesOrderInput{OrderID: 1, OrderNumber: "EC00000001", CodeLookup: LookupNotFound}, wantCreated: true, wantCreates: 1},
		{name: "discovery saw the code: search, count as done", cached: true, existing: true,
			in: CreateSalesOrderInput{OrderID: 1, OrderNumber: "EC00000001", CodeLookup: LookupFound}, wantSearches: 1},
		{name: "manual import by number: search first, then create",
			in: CreateSalesOrderInput{OrderNumber: "EC00000001"}, wantCreated: true, wantSearches: 1, wantCreates: 1, wantEcforce: "FindOrderByNumber"},
		{name: "cache miss with an id reads the order", in: CreateSalesOrderInput{OrderID: 1, OrderNumber: "EC00000001", CodeLookup: LookupNotFound},
			wantCreated: true, wantCreates: 1, wantEcforce: "GetOrder"},
		{name: "duplicate code on create is confirmed by a search", cached: true, createErr: duplicate, existing: true,
			in: CreateSalesOrderInput{OrderID: 1, OrderNumber: "EC00000001", CodeLookup: LookupNotFound}, wantSearches: 1, wantCreates: 1},
		{name: "a 400 on code that the search cannot confirm is rejected", cached: true, createErr: duplicate,
			in:          CreateSalesOrderInput{OrderID: 1, OrderNumber: "EC00000001", CodeLookup: LookupNotFound},
			wantErrType: ErrTypeLogilessRejected, wantSearches: 1, wantCreates: 1},
		{name: "unknown order number", in: CreateSalesOrderInput{OrderNumber: "EC99999999"},
			wantErrType: ErrTypeOrderNotFound, wantEcforce: "FindOrderByNumber"},
		{name: "unmapped SKU creates nothing", cached: true, in: CreateSalesOrderInput{OrderID: 4, OrderNumber: "EC00000004", CodeLookup: LookupNotFound},
			wantErrType: ErrTypeUnmappedSKU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orders := []ecforce.Order{importOrder(1, "A", nil), importOrder(4, "NOPE", nil)}
			a, ec, ll := newImportFixture(t, orders, nil)
			if tt.cached {
				a.Cache.Put("demo", orders)
			}
			if tt.existing {
				ll.existing["EC00000001"] = logiless.SalesOrder{ID: 42, Code: "EC00000001"}
			}
			ll.createErr = tt.createErr
			tt.in.Shop = "demo"
			res, err := runImportActivity[CreateSalesOrderResult](t, a, a.CreateSalesOrder, tt.in)
			if tt.wantErrType != "" {
				if typ, retryable := appErrType(err); typ != tt.wantErrType || retryable {
					t.Fatalf("error = %v; want non-retryable %s", err, tt.wantErrType)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res.Created != tt.wantCreated || res.SalesOrderID == 0 {
				t.Errorf("result = %+v; want created %t with a sales order id", res, tt.wantCreated)
			}
			if ll.calls["SearchSalesOrdersByCode"] != tt.wantSearches || ll.calls["CreateSalesOrder"] != tt.wantCreates {
				t.Errorf("%d searches and %d creates; want %d and %d", ll.calls["SearchSalesOrdersByCode"], ll.calls["CreateSalesOrder"], tt.wantSearches, tt.wantCreates)
			}
			reads := ec.calls["GetOrder"] + ec.calls["FindOrderByNumber"]
			if (tt.wantEcforce == "" && reads != 0) || (tt.wantEcforce != "" && ec.calls[tt.wantEcforce] != 1) {
				t.Errorf("ecforce reads %v; want %q only", ec.calls, tt.wantEcforce)
			}
		})
	}
}

func TestMarkOrderImported(t *testing.T) {
	tests := []struct {
		name        string
		stateNow    string
		wantChanged bool
		wantWrites  int
	}{
		{"complete order gets the imported state", "complete", true, 1},
		{"already in the state", "linked", false, 0},
		{"a cancellation is never overwritten", "canceled", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := importOrder(1, "A", nil)
			o.State = tt.stateNow
			a, ec, _ := newImportFixture(t, []ecforce.Order{o}, func(s *config.Shop) { s.OrderImport.ImportedState = "linked" })
			res, err := runImportActivity[MarkOrderImportedResult](t, a, a.MarkOrderImported, MarkOrderImportedInput{
				Shop: "demo", OrderID: 1, OrderNumber: o.Number, State: "linked", StateWhenRead: tt.stateNow,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed != tt.wantChanged || ec.calls["UpdateOrderState"] != tt.wantWrites || (!res.Changed && res.SkippedBecause == "") {
				t.Errorf("result %+v with %d writes; want changed %t with %d writes", res, ec.calls["UpdateOrderState"], tt.wantChanged, tt.wantWrites)
			}
		})
	}
}

func importActivityEnv(a *OrderImport) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return env
}
