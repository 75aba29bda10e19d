package activities

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/shipment"
)

// shipmentFixture is the shipment notification of shop "demo" (store 1)
// against the sandbox.
type shipmentFixture struct {
	*sandboxAPIs
	a *ShipmentNotification
	// ids are the ecforce ids of the seeded orders, by number.
	ids map[string]int64
}

func newShipmentFixture(t *testing.T, ecCfg ecforceapi.Config, edit func(*config.Shop)) *shipmentFixture {
	t.Helper()
	s := config.Shop{Code: "demo", Logiless: config.LogilessSettings{StoreID: 1}}
	s.OrderImport.DeliveryMethods = map[string]string{"佐川急便": "sagawa"}
	s.ShipmentNotification = config.ShipmentSettings{AutoRun: true, Lookback: 24 * time.Hour, Interval: 10 * time.Minute, TrackingNumberSeparator: ",",
		CaptureGrace: testCaptureGrace}
	if edit != nil {
		edit(&s)
	}
	if ecCfg.SettleDelay == 0 {
		ecCfg.SettleDelay = 30 * time.Millisecond
	}
	f := &shipmentFixture{sandboxAPIs: newSandboxAPIs(t, ecCfg), ids: map[string]int64{}}
	if _, err := f.ll.SeedArticle(logilessapi.Article{Code: "ART-A", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	f.a = &ShipmentNotification{
		Shops: NewShopDirectory(f.shop(s, nil)), Cache: NewShipmentCache(time.Minute, 100),
		CapturePoll: time.Millisecond, CapturePollMax: 5 * time.Millisecond, CaptureSettleTimeout: 5 * time.Second,
	}
	return f
}

// testCaptureGrace is the fixture shop's capture_grace: longer than the
// sandbox's 30 ms capture job, short enough for tests.
const testCaptureGrace = 400 * time.Millisecond

func jstAt(day, hour int) time.Time { return time.Date(2024, 5, day, hour, 0, 0, 0, ecforce.JST) }

// order seeds an ecforce order and returns its id.
func (f *shipmentFixture) order(t *testing.T, seed ecforceapi.OrderSeed) int64 {
	t.Helper()
	if len(seed.Items) == 0 {
		seed.Items = []ecforceapi.OrderItemSeed{{SKU: "A", Price: 1000}}
	}
	o, err := f.ec.SeedOrder(seed)
	if err != nil {
		t.Fatal(err)
	}
	f.ids[o.Number] = o.ID
	return o.ID
}

// withShipping writes slip, ship date and carrier to an ecforce order
// through the API, as an earlier notification would have.
func (f *shipmentFixture) withShipping(t *testing.T, number, slip string, at time.Time, carrier int64) {
	t.Helper()
	res, err := f.ecClient.UpdateShipping(t.Context(), []ecforce.ShippingUpdate{{OrderID: f.ids[number], ShippingSlip: slip, ShippedAt: at, ShippingCarrierID: carrier}}, false)
	if err != nil || len(res.Failure) > 0 {
		t.Fatalf("set up the shipping of %s: %v %+v", number, err, res)
	}
}

// parcel is one shipped outbound delivery.
type parcel struct {
	at      time.Time
	numbers []string
}

// shipped seeds a LOGILESS sales order of store with this code and
// delivery method and ships it in these parcels; it returns its id.
func (f *shipmentFixture) shipped(t *testing.T, code string, store int, method string, parcels ...parcel) int64 {
	t.Helper()
	if _, err := f.ll.SeedSalesOrder(map[string]any{"code": code, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎",
		"recipient_address1": "東京都渋谷区", "payment_method": "credit_card_payment", "delivery_method": method, "store": store,
		"lines": []map[string]any{{"article_code": "ART-A", "article_name": "A", "quantity": 1, "price": 1000}}}); err != nil {
		t.Fatal(err)
	}
	var opts logilessapi.ShipOptions
	for _, p := range parcels {
		opts.Deliveries = append(opts.Deliveries, logilessapi.DeliveryShipment{TrackingNumbers: p.numbers, FinishedAt: p.at})
	}
	so, err := f.ll.ShipSalesOrder(code, opts)
	if err != nil {
		t.Fatal(err)
	}
	return so.ID
}

// --- discovery ---------------------------------------------------------------

func TestListShipmentCandidates(t *testing.T) {
	f := newShipmentFixture(t, ecforceapi.Config{}, func(s *config.Shop) {
		s.ShipmentNotification.WithSales, s.ShipmentNotification.StatusAfter = true, "shipped"
	})
	f.order(t, ecforceapi.OrderSeed{Number: "NEW", State: "complete", PaymentState: "authed"})
	f.order(t, ecforceapi.OrderSeed{Number: "DONE", State: "shipped", PaymentState: "completed"})
	f.order(t, ecforceapi.OrderSeed{Number: "FAILED", State: "complete", PaymentState: "sales_failed"})
	f.order(t, ecforceapi.OrderSeed{Number: "NOSTATE", State: "complete", PaymentState: "completed"})
	for _, n := range []string{"DONE", "FAILED", "NOSTATE"} {
		f.withShipping(t, n, map[string]string{"DONE": "222", "FAILED": "333", "NOSTATE": "444"}[n], jstAt(1, 15), 0)
	}
	if err := f.ll.AddStore(logilessapi.Store{ID: 2, Name: "楽天市場店"}); err != nil {
		t.Fatal(err)
	}
	salesOrderIDs := map[string]int64{}
	for i, code := range []string{"NEW", "DONE", "FAILED", "NOSTATE", "HANDMADE"} {
		number := strings.Repeat(strconv.Itoa(i+1), 3) // 111, 222, …
		salesOrderIDs[code] = f.shipped(t, code, 1, "yamato", parcel{jstAt(1, 15), []string{number}})
	}
	f.shipped(t, "OTHERSTORE", 2, "yamato", parcel{jstAt(1, 15), []string{"666"}})
	f.resetCounts()

	env := activityEnv(f.a)
	now := jstAt(2, 12)
	res, err := runActivity[ListShipmentCandidatesResult](t, env, f.a.ListShipmentCandidates, ListShipmentCandidatesInput{Shop: "demo", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []ShipmentCandidate{{OrderNumber: "NEW", SalesOrderID: salesOrderIDs["NEW"]}, {OrderNumber: "NOSTATE", SalesOrderID: salesOrderIDs["NOSTATE"]}}
	if !slices.Equal(res.Candidates, want) {
		t.Errorf("candidates = %+v, want %+v", res.Candidates, want)
	}
	if res.Listed != 5 || res.AlreadyInEcforce != 1 || res.WaitingForOperator != 1 || res.NotInEcforce != 1 {
		t.Errorf("counts = %+v; want 5 listed (other store dropped), 1 already in ecforce, 1 waiting, 1 not in ecforce", res)
	}
	from := now.Add(-24 * time.Hour)
	var listings int
	for _, u := range f.llRequests() {
		if !strings.HasSuffix(u.Path, "/sales_orders") {
			continue
		}
		listings++
		q := u.Query()
		if q.Get("document_status") != "Shipped" || q.Get("store") != "1" || q.Get("updated_at_from") != from.Format(time.DateTime) {
			t.Errorf("LOGILESS query = %v; want Shipped orders of store 1 updated since %s", q, from.Format(time.DateTime))
		}
	}
	if listings != 1 || !res.From.Equal(from) {
		t.Errorf("%d LOGILESS listings from %s; want 1 from %s", listings, res.From, from)
	}
	if n := f.ecCalls(ecListOrders); n != 1 {
		t.Errorf("%d ecforce lookups, want 1 (100 numbers per call)", n)
	}

	// The notification that follows reads nothing again: the discovery
	// cached both sides.
	f.resetCounts()
	prep, err := runActivity[PrepareShipmentResult](t, env, f.a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: "NEW", SalesOrderID: salesOrderIDs["NEW"]})
	if err != nil {
		t.Fatal(err)
	}
	if prep.OrderID != f.ids["NEW"] || prep.ShippingSlip != "111" || prep.CarrierID != 1 || !prep.WithSales || prep.StatusAfter != "shipped" {
		t.Errorf("prepared = %+v", prep)
	}
	if n := f.llCalls(llGetSalesOrder) + f.llCalls(llSearch) + f.ecCalls(ecGetOrder) + f.ecCalls(ecListOrders); n != 0 {
		t.Errorf("prepare read again: LOGILESS %v, ecforce %v", f.ll.RequestCounts(), f.ec.RequestCounts())
	}
}

func TestListShipmentCandidatesScheduledButSwitchedOff(t *testing.T) {
	f := newShipmentFixture(t, ecforceapi.Config{}, func(s *config.Shop) { s.ShipmentNotification.AutoRun = false })
	f.shipped(t, "EC1", 1, "yamato", parcel{jstAt(1, 15), []string{"111"}})
	f.resetCounts()
	res, err := runActivity[ListShipmentCandidatesResult](t, activityEnv(f.a), f.a.ListShipmentCandidates,
		ListShipmentCandidatesInput{Shop: "demo", Now: jstAt(2, 12), Scheduled: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Disabled || len(f.ll.RequestCounts()) != 0 {
		t.Errorf("result = %+v, LOGILESS calls %v; want disabled without a call", res, f.ll.RequestCounts())
	}
}

// --- prepare: carriers ---------------------------------------------------------

// The rule itself, with every way to match (and no delivery method at
// all), is table-tested in package shipment; this is its wiring.
func TestPrepareShipmentResolvesTheCarrier(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		carriers map[string]int64
		inactive bool // the shop has an inactive carrier 4 西濃運輸
		want     int64
		wantErr  string
	}{
		{name: "shops file mapping wins", method: "yamato", carriers: map[string]int64{"yamato": 3}, want: 3},
		{name: "order import's carrier name for the method", method: "sagawa", want: 2},
		{name: "carrier name matching the method", method: "yu_packet", want: 3},
		{name: "unknown carrier fails naming the method", method: "seino", wantErr: `delivery method "seino" matches no ecforce 配送業者`},
		{name: "a match that is inactive is never sent", method: "seino", inactive: true, wantErr: `matches only inactive ecforce 配送業者 (4 西濃運輸 (inactive))`},
		{name: "a configured carrier the shop does not have fails before writing", method: "yamato", carriers: map[string]int64{"yamato": 9},
			wantErr: `maps delivery method "yamato" to shipping_carrier_id 9, which the shop does not have`},
		{name: "a configured inactive carrier fails before writing", method: "seino", carriers: map[string]int64{"seino": 4}, inactive: true,
			wantErr: `to ecforce 配送業者 4 西濃運輸 (inactive), which is inactive`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newShipmentFixture(t, ecforceapi.Config{}, func(s *config.Shop) { s.ShipmentNotification.Carriers = tt.carriers })
			if tt.inactive {
				if err := f.ec.AddShippingCarrier(ecforceapi.ShippingCarrier{ID: 4, Name: "西濃運輸", State: ecforceapi.CarrierInactive}); err != nil {
					t.Fatal(err)
				}
			}
			f.order(t, ecforceapi.OrderSeed{Number: "EC1", State: "complete", PaymentState: "authed"})
			id := f.shipped(t, "EC1", 1, tt.method, parcel{jstAt(1, 15), []string{"111"}})
			f.resetCounts()
			prep, err := runActivity[PrepareShipmentResult](t, activityEnv(f.a), f.a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: "EC1", SalesOrderID: id})
			if tt.wantErr != "" {
				if typ, retry := appErrType(err); typ != ErrTypeUnmappedCarrier || retry || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want non-retryable %s containing %q", err, ErrTypeUnmappedCarrier, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if prep.CarrierID != tt.want {
				t.Errorf("carrier = %d, want %d", prep.CarrierID, tt.want)
			}
			if prep.PaymentMethod != "credit_card_payment" || prep.Settlement != shipment.SettleByCapture {
				t.Errorf("payment = %q settling by %q, want credit_card_payment by capture", prep.PaymentMethod, prep.Settlement)
			}
			if f.llCalls(llGetSalesOrder) != 1 || f.ecCalls(ecListOrders) != 1 {
				t.Errorf("reads: LOGILESS %v, ecforce %v; want one each without a cache", f.ll.RequestCounts(), f.ec.RequestCounts())
			}
		})
	}
}

func TestPrepareShipmentByNumberAndCarrierListCaching(t *testing.T) {
	f := newShipmentFixture(t, ecforceapi.Config{}, nil)
	f.order(t, ecforceapi.OrderSeed{Number: "EC1"})
	f.order(t, ecforceapi.OrderSeed{Number: "EC2"})
	f.shipped(t, "EC1", 1, "yu_packet", parcel{jstAt(1, 15), []string{"111"}})
	f.shipped(t, "EC2", 1, "yu_packet", parcel{jstAt(1, 16), []string{"222"}})
	f.resetCounts()
	env := activityEnv(f.a)
	for _, n := range []string{"EC1", "EC2"} {
		if _, err := env.ExecuteActivity(f.a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: n}); err != nil {
			t.Fatal(err)
		}
	}
	if f.llCalls(llSearch) != 2 || f.ecCalls(ecListCarriers) != 1 {
		t.Errorf("LOGILESS %v, ecforce %v; want a search by code each and one carrier list", f.ll.RequestCounts(), f.ec.RequestCounts())
	}
	_, err := env.ExecuteActivity(f.a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: "NOPE"})
	if typ, retry := appErrType(err); typ != ErrTypeOrderNotFound || retry {
		t.Errorf("unknown code: error %v, want non-retryable %s", err, ErrTypeOrderNotFound)
	}
}

func TestPrepareShipmentOfAnOrderNotFullyShipped(t *testing.T) {
	f := newShipmentFixture(t, ecforceapi.Config{}, nil)
	f.order(t, ecforceapi.OrderSeed{Number: "EC1"})
	if _, err := f.ll.SeedSalesOrder(map[string]any{"code": "EC1", "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎",
		"recipient_address1": "東京都渋谷区", "payment_method": "credit_card_payment", "delivery_method": "yamato", "store": 1,
		"lines": []map[string]any{{"article_code": "ART-A", "article_name": "A", "quantity": 1, "price": 1000}}}); err != nil {
		t.Fatal(err)
	}
	// two parcels, one shipped: PartlyShipped
	if _, err := f.ll.ShipSalesOrder("EC1", logilessapi.ShipOptions{Split: 2, Deliveries: []logilessapi.DeliveryShipment{{TrackingNumbers: []string{"111"}}}}); err != nil {
		t.Fatal(err)
	}
	_, err := activityEnv(f.a).ExecuteActivity(f.a.PrepareShipment, PrepareShipmentInput{Shop: "demo", OrderNumber: "EC1"})
	if typ, retry := appErrType(err); typ != ErrTypeNotShipped || retry || !strings.Contains(err.Error(), "PartlyShipped") {
		t.Errorf("error = %v, want non-retryable %s naming PartlyShipped", err, ErrTypeNotShipped)
	}
}
