package activities

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// importFixture is the order import of shop "demo" against the sandbox.
type importFixture struct {
	*sandboxAPIs
	a *OrderImport
	// ids are the sandbox's ids of the seeded orders, by number.
	ids map[string]int64
}

func jstDay(offset int) time.Time {
	y, m, d := time.Now().In(ecforce.JST).Date()
	return time.Date(y, m, d+offset, 10, 0, 0, 0, ecforce.JST)
}

// importSeed is an ecforce order EC<n> of one line of sku, due in shipDay
// days (nil: no 発送予定日).
func importSeed(n int, sku string, shipDay *int) ecforceapi.OrderSeed {
	o := ecforceapi.OrderSeed{Number: fmt.Sprintf("EC%08d", n), State: "complete", PaymentMethodName: "クレジットカード決済",
		Items: []ecforceapi.OrderItemSeed{{SKU: sku, Price: 1000, Quantity: 1, TaxRate: 10}}}
	if shipDay != nil {
		o.ScheduledToBeShippedAt = jstDay(*shipDay)
	}
	return o
}

func newImportFixture(t *testing.T, seeds []ecforceapi.OrderSeed, edit func(*config.Shop)) *importFixture {
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
	f := &importFixture{sandboxAPIs: newSandboxAPIs(t, ecforceapi.Config{}), ids: map[string]int64{}}
	if _, err := f.ll.SeedArticle(logilessapi.Article{Code: "ART-A", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	for _, seed := range seeds {
		o, err := f.ec.SeedOrder(seed)
		if err != nil {
			t.Fatal(err)
		}
		f.ids[o.Number] = o.ID
	}
	f.a = &OrderImport{Shops: NewShopDirectory(f.shop(s, table)), Cache: NewOrderCache(time.Minute, 100)}
	return f
}

// inLogiless seeds a LOGILESS sales order with this code.
func (f *importFixture) inLogiless(t *testing.T, code string) {
	t.Helper()
	if _, err := f.ll.SeedSalesOrder(map[string]any{"code": code, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎",
		"recipient_address1": "東京都渋谷区", "payment_method": "credit_card_payment", "delivery_method": "yamato", "store": 1,
		"lines": []map[string]any{{"article_code": "ART-A", "article_name": "A", "quantity": 1, "price": 1000}}}); err != nil {
		t.Fatal(err)
	}
}

func intp(v int) *int { return &v }

func TestListImportCandidates(t *testing.T) {
	old := importSeed(6, "A", intp(0)) // created long ago, due today: found by its 発送予定日 only
	old.CreatedAt = time.Now().Add(-30 * 24 * time.Hour)
	seeds := []ecforceapi.OrderSeed{
		importSeed(1, "A", intp(0)),  // due today
		importSeed(2, "A", intp(1)),  // due tomorrow: waits with the filter on
		importSeed(3, "A", nil),      // no scheduled date: imported
		importSeed(4, "NOPE", nil),   // unmapped SKU
		importSeed(5, "A", intp(-3)), // already in LOGILESS
		old,
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
			wantNumbers: []string{"EC00000001", "EC00000003", "EC00000004", "EC00000006"}, wantNotYetDue: 1, wantPresent: 1, wantQueries: 2},
		{name: "ship-date filter off",
			wantNumbers: []string{"EC00000001", "EC00000002", "EC00000003", "EC00000004"}, wantPresent: 1, wantQueries: 1},
		{name: "an already imported order still needs its imported state", edit: func(s *config.Shop) { s.OrderImport.ImportedState = "linked" },
			wantNumbers: []string{"EC00000001", "EC00000002", "EC00000003", "EC00000004", "EC00000005"}, wantQueries: 1},
		{name: "scheduled run with auto-run off", edit: func(s *config.Shop) { s.OrderImport.AutoRun = false }, scheduled: true,
			wantDisabled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newImportFixture(t, seeds, tt.edit)
			f.inLogiless(t, "EC00000005")
			f.resetCounts()
			res, err := runActivity[ListImportCandidatesResult](t, activityEnv(f.a), f.a.ListImportCandidates,
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
				if c.OrderID != f.ids[c.OrderNumber] {
					t.Errorf("%s: OrderID = %d, want %d", c.OrderNumber, c.OrderID, f.ids[c.OrderNumber])
				}
			}
			queries := f.ecCalls(ecListOrders)
			if fmt.Sprint(got) != fmt.Sprint(tt.wantNumbers) || res.NotYetDue != tt.wantNotYetDue ||
				res.AlreadyInLogiless != tt.wantPresent || res.Disabled != tt.wantDisabled || queries != tt.wantQueries {
				t.Errorf("candidates %v, not yet due %d, present %d, disabled %t, %d queries", got, res.NotYetDue,
					res.AlreadyInLogiless, res.Disabled, queries)
			}
			if n := f.llCalls(llSearch); !tt.wantDisabled && n != 1 {
				t.Errorf("%d LOGILESS searches, want 1 for the whole page", n)
			}
			// What waits is named, not only counted.
			wantDue := []NotYetDueOrder(nil)
			if tt.wantNotYetDue == 1 {
				wantDue = []NotYetDueOrder{{OrderNumber: "EC00000002", Due: time.Now().In(ecforce.JST).AddDate(0, 0, 1).Format(time.DateOnly)}}
			}
			wantPresent := []string(nil)
			if tt.wantPresent == 1 {
				wantPresent = []string{"EC00000005"}
			}
			if !reflect.DeepEqual(res.NotYetDueOrders, wantDue) || !reflect.DeepEqual(res.AlreadyInLogilessOrders, wantPresent) {
				t.Errorf("named not yet due %+v, already in LOGILESS %v; want %+v, %v", res.NotYetDueOrders, res.AlreadyInLogilessOrders, wantDue, wantPresent)
			}
			if tt.wantDisabled && len(f.ec.RequestCounts())+len(f.ll.RequestCounts()) != 0 {
				t.Errorf("a switched-off shop called the APIs: %v %v", f.ec.RequestCounts(), f.ll.RequestCounts())
			}
		})
	}
}

func TestCreateSalesOrder(t *testing.T) {
	// What LOGILESS answers to a code it already has; here without having
	// it, so the search that follows cannot confirm the duplicate.
	unconfirmedDuplicate := httpfake.Fault{Method: "POST", PathPrefix: llSalesOrderPath + "/new", Status: 400,
		Body: `{"code":400,"message":"Validation Failed","errors":{"code":"この受注コードは既に使用されています"}}`}
	tests := []struct {
		name         string
		in           CreateSalesOrderInput
		byID         bool // in.OrderID is the seeded order's id
		cached       bool
		existing     bool
		fault        *httpfake.Fault
		wantCreated  bool
		wantErrType  string
		wantSearches int
		wantCreates  int
		wantEcforce  string // the ecforce read it needs, "" for none
	}{
		{name: "discovery saw the code missing: create straight away", cached: true, byID: true,
			in: CreateSalesOrderInput{OrderNumber: "EC00000001", CodeLookup: LookupNotFound}, wantCreated: true, wantCreates: 1},
		{name: "discovery saw the code: search, count as done", cached: true, existing: true, byID: true,
			in: CreateSalesOrderInput{OrderNumber: "EC00000001", CodeLookup: LookupFound}, wantSearches: 1},
		{name: "manual import by number: search first, then create",
			in: CreateSalesOrderInput{OrderNumber: "EC00000001"}, wantCreated: true, wantSearches: 1, wantCreates: 1, wantEcforce: ecListOrders},
		{name: "cache miss with an id reads the order", byID: true, in: CreateSalesOrderInput{OrderNumber: "EC00000001", CodeLookup: LookupNotFound},
			wantCreated: true, wantCreates: 1, wantEcforce: ecGetOrder},
		{name: "duplicate code on create is confirmed by a search", cached: true, existing: true, byID: true,
			in: CreateSalesOrderInput{OrderNumber: "EC00000001", CodeLookup: LookupNotFound}, wantSearches: 1, wantCreates: 1},
		{name: "a 400 on code that the search cannot confirm is rejected", cached: true, byID: true, fault: &unconfirmedDuplicate,
			in:          CreateSalesOrderInput{OrderNumber: "EC00000001", CodeLookup: LookupNotFound},
			wantErrType: ErrTypeLogilessRejected, wantSearches: 1, wantCreates: 1},
		{name: "unknown order number", in: CreateSalesOrderInput{OrderNumber: "EC99999999"},
			wantErrType: ErrTypeOrderNotFound, wantEcforce: ecListOrders},
		{name: "unmapped SKU creates nothing", cached: true, byID: true, in: CreateSalesOrderInput{OrderNumber: "EC00000004", CodeLookup: LookupNotFound},
			wantErrType: ErrTypeUnmappedSKU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newImportFixture(t, []ecforceapi.OrderSeed{importSeed(1, "A", nil), importSeed(4, "NOPE", nil)}, nil)
			if tt.cached {
				var orders []ecforce.Order
				for _, id := range f.ids {
					o, err := f.ecClient.GetOrder(t.Context(), id)
					if err != nil {
						t.Fatal(err)
					}
					orders = append(orders, o)
				}
				f.a.Cache.Put("demo", orders)
			}
			if tt.existing {
				f.inLogiless(t, "EC00000001")
			}
			if tt.fault != nil {
				f.ll.InjectFault(*tt.fault)
			}
			if tt.byID {
				tt.in.OrderID = f.ids[tt.in.OrderNumber]
			}
			tt.in.Shop = "demo"
			f.resetCounts()
			res, err := runActivity[CreateSalesOrderResult](t, activityEnv(f.a), f.a.CreateSalesOrder, tt.in)
			if tt.wantErrType != "" {
				if typ, retryable := appErrType(err); typ != tt.wantErrType || retryable {
					t.Fatalf("error = %v; want non-retryable %s", err, tt.wantErrType)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res.Created != tt.wantCreated || res.SalesOrderID == 0 {
				t.Errorf("result = %+v; want created %t with a sales order id", res, tt.wantCreated)
			}
			if s, c := f.llCalls(llSearch), f.llCalls(llCreate); s != tt.wantSearches || c != tt.wantCreates {
				t.Errorf("%d searches and %d creates; want %d and %d", s, c, tt.wantSearches, tt.wantCreates)
			}
			reads := f.ecCalls(ecGetOrder) + f.ecCalls(ecListOrders)
			if (tt.wantEcforce == "" && reads != 0) || (tt.wantEcforce != "" && (reads != 1 || f.ecCalls(tt.wantEcforce) != 1)) {
				t.Errorf("ecforce reads %v; want %q only", f.ec.RequestCounts(), tt.wantEcforce)
			}
			if tt.wantErrType == "" {
				if so, ok := f.ll.SalesOrder("EC00000001"); !ok || so.ID != res.SalesOrderID {
					t.Errorf("LOGILESS holds %+v (found %t); want the sales order of the result", so.ID, ok)
				}
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
			seed := importSeed(1, "A", nil)
			seed.State = tt.stateNow
			f := newImportFixture(t, []ecforceapi.OrderSeed{seed}, func(s *config.Shop) { s.OrderImport.ImportedState = "linked" })
			f.resetCounts()
			res, err := runActivity[MarkOrderImportedResult](t, activityEnv(f.a), f.a.MarkOrderImported, MarkOrderImportedInput{
				Shop: "demo", OrderID: f.ids[seed.Number], OrderNumber: seed.Number, State: "linked", StateWhenRead: tt.stateNow, ReadAt: time.Now(),
			})
			if err != nil {
				t.Fatal(err)
			}
			writes := f.ecCalls(ecPutOrder)
			if res.Changed != tt.wantChanged || writes != tt.wantWrites || (!res.Changed && res.SkippedBecause == "") {
				t.Errorf("result %+v with %d writes; want changed %t with %d writes", res, writes, tt.wantChanged, tt.wantWrites)
			}
			want := map[bool]string{true: "linked", false: tt.stateNow}[tt.wantChanged]
			if o, _ := f.ec.Order(f.ids[seed.Number]); o.State != want {
				t.Errorf("ecforce has state %q, want %q", o.State, want)
			}
		})
	}
}

// inStore seeds a LOGILESS sales order with this code in store.
func (f *importFixture) inStore(t *testing.T, code string, store int64) {
	t.Helper()
	if err := f.ll.AddStore(logilessapi.Store{ID: store, Name: fmt.Sprintf("store %d", store)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ll.SeedSalesOrder(map[string]any{"code": code, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎",
		"recipient_address1": "東京都渋谷区", "payment_method": "credit_card_payment", "delivery_method": "yamato", "store": store,
		"lines": []map[string]any{{"article_code": "ART-A", "article_name": "A", "quantity": 1, "price": 1000}}}); err != nil {
		t.Fatal(err)
	}
}

// Orders already in LOGILESS are dropped before the cap, so however many
// there are, the new ones are candidates; a run that reaches its cap says
// where the discovery continues, and the continued run starts there.
func TestListImportCandidatesContinuesAfterItsCap(t *testing.T) {
	var seeds []ecforceapi.OrderSeed
	for n := 1; n <= 12; n++ {
		seeds = append(seeds, importSeed(n, "A", nil))
	}
	f := newImportFixture(t, seeds, nil)
	for n := 1; n <= 12; n++ {
		if n != 4 && n != 9 && n != 11 {
			f.inLogiless(t, fmt.Sprintf("EC%08d", n))
		}
	}
	f.a.MaxCandidates = 2
	list := func(after int64) ListImportCandidatesResult {
		t.Helper()
		res, err := runActivity[ListImportCandidatesResult](t, activityEnv(f.a), f.a.ListImportCandidates,
			ListImportCandidatesInput{Shop: "demo", Now: time.Now(), AfterOrderID: after})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	numbers := func(res ListImportCandidatesResult) (out []string) {
		for _, c := range res.Candidates {
			out = append(out, c.OrderNumber)
		}
		return out
	}
	first := list(0)
	if got := numbers(first); fmt.Sprint(got) != "[EC00000004 EC00000009]" || !first.Truncated ||
		first.NextAfterOrderID != f.ids["EC00000009"] || first.AlreadyInLogiless != 7 {
		t.Fatalf("first run: candidates %v, %+v; want the two oldest new orders, 7 in LOGILESS, continuing after EC00000009", got, first)
	}
	f.resetCounts()
	second := list(first.NextAfterOrderID)
	if got := numbers(second); fmt.Sprint(got) != "[EC00000011]" || second.Truncated || second.NextAfterOrderID != 0 || second.Listed != 3 {
		t.Fatalf("continued run: candidates %v, %+v; want EC00000011 and the end", got, second)
	}
	if n := f.llCalls(llSearch); n != 1 {
		t.Errorf("the continued run made %d LOGILESS searches, want 1 (only the orders after the cursor)", n)
	}

	// A lookup cap stops the same way, after the orders it looked at.
	f.a.MaxCandidates, f.a.MaxLookups = 0, 5
	capped := list(0)
	if got := numbers(capped); fmt.Sprint(got) != "[EC00000004]" || capped.NextAfterOrderID != f.ids["EC00000005"] || !capped.Truncated {
		t.Errorf("lookup-capped run: candidates %v, %+v; want EC00000004, continuing after EC00000005", got, capped)
	}
}

// A code another store holds is not "already in LOGILESS": the order stays
// a candidate, marked to run once. With a prefix, another store's order
// under the bare number is no obstacle, and the shop's own under it (from
// before the prefix) is recognised.
func TestListImportCandidatesChecksTheStore(t *testing.T) {
	seeds := []ecforceapi.OrderSeed{importSeed(1, "A", nil), importSeed(2, "A", nil), importSeed(3, "A", nil)}
	for _, tt := range []struct {
		name, prefix string
		seed         func(f *importFixture)
		want         string // candidates as number:lookup[:taken]
		wantPresent  int
	}{
		{"no prefix: another store holds EC1", "", func(f *importFixture) { f.inStore(t, "EC00000001", 2); f.inStore(t, "EC00000002", 1) },
			"[EC00000001:found:taken EC00000003:not-found]", 1},
		{"prefix: bare codes of another store and of ours", "B-", func(f *importFixture) {
			f.inStore(t, "EC00000001", 2)
			f.inStore(t, "EC00000002", 1)
			f.inStore(t, "B-EC00000003", 2)
		}, "[EC00000001:not-found EC00000003:found:taken]", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newImportFixture(t, seeds, func(s *config.Shop) { s.OrderImport.CodePrefix = tt.prefix })
			tt.seed(f)
			res, err := runActivity[ListImportCandidatesResult](t, activityEnv(f.a), f.a.ListImportCandidates,
				ListImportCandidatesInput{Shop: "demo", Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range res.Candidates {
				s := c.OrderNumber + ":" + c.CodeLookup
				if c.CodeTaken {
					s += ":taken"
				}
				if c.RunsOnce() != c.CodeTaken {
					t.Errorf("%s: RunsOnce = %t", c.OrderNumber, c.RunsOnce())
				}
				got = append(got, s)
			}
			if fmt.Sprint(got) != tt.want || res.AlreadyInLogiless != tt.wantPresent || res.CodeTaken != 1 {
				t.Errorf("candidates %v, %d present, %d taken; want %s, %d present, 1 taken", got, res.AlreadyInLogiless, res.CodeTaken, tt.want, tt.wantPresent)
			}
		})
	}
}

// The create step: a code of another store fails OrderCodeTaken naming it
// and its shop; an order outside the filters, cancelled or with several
// destinations is refused before anything is created; a prefix makes the
// code, and the bare code of the shop's store counts as done.
func TestCreateSalesOrderGuards(t *testing.T) {
	tests := []struct {
		name        string
		seed        ecforceapi.OrderSeed
		prefix      string
		inStore     map[string]int64
		ignore      bool
		wantErrType string
		wantMention []string
		wantCode    string // the created (or found) code
		wantCreated bool
	}{
		{name: "another store holds the code", seed: importSeed(1, "A", nil), inStore: map[string]int64{"EC00000001": 2},
			wantErrType: ErrTypeOrderCodeTaken, wantMention: []string{"EC00000001", "store 2", `shop "main"`, "store 1", "code_prefix", "docs/errors.md#ordercodetaken"}},
		{name: "a prefix makes the code", seed: importSeed(1, "A", nil), prefix: "B-", inStore: map[string]int64{"EC00000001": 2},
			wantCode: "B-EC00000001", wantCreated: true},
		{name: "imported before the prefix", seed: importSeed(1, "A", nil), prefix: "B-", inStore: map[string]int64{"EC00000001": 1},
			wantCode: "EC00000001"},
		{name: "state outside the filters", seed: func() ecforceapi.OrderSeed { s := importSeed(1, "A", nil); s.State = "new"; return s }(),
			wantErrType: ErrTypeOutsideImportFilters, wantMention: []string{`"new"`, "order_import.states", "--ignore-filters"}},
		{name: "--ignore-filters imports it", seed: func() ecforceapi.OrderSeed { s := importSeed(1, "A", nil); s.State = "new"; return s }(),
			ignore: true, wantCode: "EC00000001", wantCreated: true},
		{name: "not yet due", seed: importSeed(1, "A", intp(2)),
			wantErrType: ErrTypeOutsideImportFilters, wantMention: []string{"発送予定日", "only_due_today_or_earlier"}},
		{name: "cancelled, even with --ignore-filters", seed: func() ecforceapi.OrderSeed { s := importSeed(1, "A", nil); s.State = "canceled"; return s }(),
			ignore: true, wantErrType: ErrTypeOutsideImportFilters, wantMention: []string{"never imported"}},
		{name: "several destinations", seed: func() ecforceapi.OrderSeed {
			s := importSeed(1, "A", nil)
			s.ShippingAddresses = []ecforceapi.Address{{Name01: "山田", Addr01: "渋谷区"}, {Name01: "佐藤", Addr01: "港区"}}
			return s
		}(), wantErrType: ErrTypeMultipleDestinations, wantMention: []string{"2 shipping addresses", "split it", "docs/errors.md#multipledestinations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newImportFixture(t, []ecforceapi.OrderSeed{tt.seed}, func(s *config.Shop) {
				s.OrderImport.CodePrefix = tt.prefix
				s.OrderImport.OnlyDueTodayOrEarlier = true
				s.Logiless.MerchantID = 1022
			})
			main := f.shop(config.Shop{Code: "main", Logiless: config.LogilessSettings{MerchantID: 1022, StoreID: 2}}, nil)
			f.a.Shops = NewShopDirectory(mustShop(t, f.a.Shops, "demo"), main)
			for code, store := range tt.inStore {
				f.inStore(t, code, store)
			}
			f.resetCounts()
			res, err := runActivity[CreateSalesOrderResult](t, activityEnv(f.a), f.a.CreateSalesOrder, CreateSalesOrderInput{
				Shop: "demo", OrderNumber: tt.seed.Number, IgnoreFilters: tt.ignore})
			creates := f.llCalls(llCreate)
			if tt.wantErrType != "" {
				if typ, retry := appErrType(err); typ != tt.wantErrType || retry {
					t.Fatalf("error = %v, want non-retryable %s", err, tt.wantErrType)
				}
				for _, m := range tt.wantMention {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("%q does not mention %q", err, m)
					}
				}
				if creates != 0 || f.ecCalls(ecPutOrder) != 0 {
					t.Errorf("%d creates and %d ecforce writes; want none", creates, f.ecCalls(ecPutOrder))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.SalesOrderCode != tt.wantCode || res.Created != tt.wantCreated || creates != map[bool]int{true: 1, false: 0}[tt.wantCreated] {
				t.Errorf("result %+v with %d creates; want code %s, created %t", res, creates, tt.wantCode, tt.wantCreated)
			}
			if so, ok := f.ll.SalesOrder(tt.wantCode); !ok || so.Store != 1 {
				t.Errorf("LOGILESS has %s in store %d (found %t), want store 1", tt.wantCode, so.Store, ok)
			}
		})
	}
}

func mustShop(t *testing.T, d *ShopDirectory, code string) *Shop {
	t.Helper()
	s, err := d.Shop(code)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A 対応状況 write is verified from the PUT's own answer: an answer that
// kept the old state fails at once, non-retryable, with no read after it.
func TestOrderStateVerifiedFromTheAnswer(t *testing.T) {
	seed := importSeed(1, "A", nil)
	f := newImportFixture(t, []ecforceapi.OrderSeed{seed}, func(s *config.Shop) { s.OrderImport.ImportedState = "linked" })
	id := f.ids[seed.Number]
	f.ec.InjectFault(httpfake.Fault{Method: "PUT", PathPrefix: fmt.Sprintf("/api/v2/admin/orders/%d", id), Status: 200,
		Body: fmt.Sprintf(`{"data":{"id":"%d","type":"order","attributes":{"id":%d,"number":%q,"state":"complete"}}}`, id, id, seed.Number)})
	f.resetCounts()
	_, err := runActivity[MarkOrderImportedResult](t, activityEnv(f.a), f.a.MarkOrderImported, MarkOrderImportedInput{
		Shop: "demo", OrderID: id, OrderNumber: seed.Number, State: "linked", StateWhenRead: "complete", ReadAt: time.Now(),
	})
	if typ, retry := appErrType(err); typ != ErrTypeStateChangeNotApplied || retry || !strings.Contains(err.Error(), "order_import.imported_state") {
		t.Fatalf("error = %v, want non-retryable %s naming the setting", err, ErrTypeStateChangeNotApplied)
	}
	if puts, gets := f.ecCalls(ecPutOrder), f.ecCalls(ecGetOrder)+f.ecCalls(ecListOrders); puts != 1 || gets != 0 {
		t.Errorf("%d writes and %d reads; want 1 write and no read", puts, gets)
	}
}

// With mapping_match: product_number the lines are looked up by their
// 商品コード, in discovery and in the import.
func TestOrderImportMatchesProductNumbers(t *testing.T) {
	byNumber := importSeed(1, "V-1", nil)
	byNumber.Items[0].ProductNumber = "A" // the table's code
	bySKU := importSeed(2, "A", nil)
	bySKU.Items[0].ProductNumber = "P-2"
	f := newImportFixture(t, []ecforceapi.OrderSeed{byNumber, bySKU}, func(s *config.Shop) { s.MappingMatch = config.MatchProductNumber })
	list, err := runActivity[ListImportCandidatesResult](t, activityEnv(f.a), f.a.ListImportCandidates, ListImportCandidatesInput{Shop: "demo", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	unmapped := map[string]bool{}
	for _, c := range list.Candidates {
		unmapped[c.OrderNumber] = c.Unmapped
	}
	if len(unmapped) != 2 || unmapped["EC00000001"] || !unmapped["EC00000002"] {
		t.Fatalf("candidates unmapped = %v; want EC00000001 mapped by its product number, EC00000002 not", unmapped)
	}
	if _, err := runActivity[CreateSalesOrderResult](t, activityEnv(f.a), f.a.CreateSalesOrder,
		CreateSalesOrderInput{Shop: "demo", OrderNumber: "EC00000001"}); err != nil {
		t.Fatal(err)
	}
	if so, ok := f.ll.SalesOrder("EC00000001"); !ok || len(so.Lines) != 1 || so.Lines[0].ArticleCode != "ART-A" {
		t.Errorf("sales order = %+v (found %t); want one line of ART-A", so.Lines, ok)
	}
	_, err = runActivity[CreateSalesOrderResult](t, activityEnv(f.a), f.a.CreateSalesOrder, CreateSalesOrderInput{Shop: "demo", OrderNumber: "EC00000002"})
	if typ, _ := appErrType(err); typ != ErrTypeUnmappedSKU || !strings.Contains(err.Error(), `product number "P-2"`) {
		t.Errorf("err = %v; want UnmappedSKU naming the product number", err)
	}
}
