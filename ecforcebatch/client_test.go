package ecforcebatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
)

// shop is the sandbox ecforce with a real client and the batching layer
// over it.
type shop struct {
	ec     *ecforceapi.Server
	client *ecforce.Client
	b      *Client
	ids    []int64
	sent   map[string][]int
	mu     sync.Mutex
}

func newShop(t *testing.T, orders, size int) *shop {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &shop{ec: ecforceapi.New(ecforceapi.Config{Logger: quiet, SettleDelay: time.Millisecond}), sent: map[string][]int{}}
	srv := httptest.NewServer(s.ec)
	t.Cleanup(srv.Close)
	var err error
	s.client, err = ecforce.New(ecforce.Config{Shop: "demo", BaseURL: srv.URL + "/api/v2", APIToken: ecforceapi.DefaultAPIToken,
		Limiter: httpapi.NewLimiter(0, 1), MaxRetries: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for range orders {
		o, err := s.ec.SeedOrder(ecforceapi.OrderSeed{Items: []ecforceapi.OrderItemSeed{{SKU: "A", Price: 1000, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		s.ids = append(s.ids, o.ID)
	}
	s.b = New(s.client, Options{Shop: "demo", Size: size, Window: 200 * time.Millisecond, MaxWait: 3 * time.Second, Logger: quiet, Sent: func(kind string, n int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sent[kind] = append(s.sent[kind], n)
	}})
	return s
}

func (s *shop) sizes(kind string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.sent[kind])
	slices.Sort(out)
	return out
}

// each runs fn for every order at once and returns the errors by order.
func (s *shop) each(fn func(i int, id int64) error) map[int64]error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := map[int64]error{}
	for i, id := range s.ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(i, id); err != nil {
				mu.Lock()
				errs[id] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// TestClientReads: 150 concurrent reads are two list calls (q[id_in][]),
// each caller gets its own order; a missing order is ErrNotFound.
func TestClientReads(t *testing.T) {
	s := newShop(t, 150, 100)
	s.ec.ResetRequestCounts()
	errs := s.each(func(_ int, id int64) error {
		o, err := s.b.GetOrder(context.Background(), id)
		if err == nil && o.ID != id {
			return fmt.Errorf("asked for %d, got %d", id, o.ID)
		}
		return err
	})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if n := s.ec.RequestCounts()["GET /api/v2/admin/orders"]; n != 2 || !slices.Equal(s.sizes("read"), []int{50, 100}) {
		t.Errorf("%d list calls of %v records, want 2 of [50 100]", n, s.sizes("read"))
	}
	if _, err := s.b.GetOrder(context.Background(), 999999); !errors.Is(err, ecforce.ErrNotFound) {
		t.Errorf("missing order: %v, want ErrNotFound", err)
	}
}

// ignoringAPI answers every order list as if ransack had dropped
// q[id_in][] (every order of the shop).
type ignoringAPI struct {
	API
	all []ecforce.Order
}

func (a ignoringAPI) ListOrders(_ context.Context, _ ecforce.OrderQuery, fn func([]ecforce.Order) error) error {
	return fn(a.all)
}

// TestClientReadsFallBack: a list that ignores q[id_in][] is noticed (an
// order not asked for) and each order is read with its own GET.
func TestClientReadsFallBack(t *testing.T) {
	s := newShop(t, 3, 100)
	var all []ecforce.Order
	for _, id := range s.ids {
		all = append(all, ecforce.Order{ID: id})
	}
	b := New(ignoringAPI{API: s.client, all: all}, Options{Window: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	s.ec.ResetRequestCounts()
	o, err := b.GetOrder(context.Background(), s.ids[1])
	if err != nil || o.ID != s.ids[1] || o.Number == "" {
		t.Fatalf("read %+v %v; want the order read by GET", o, err)
	}
	if n := s.ec.RequestCounts()["GET /api/v2/admin/orders/{id}"]; n != 1 {
		t.Errorf("%d GETs, want 1 (counts %v)", n, s.ec.RequestCounts())
	}
}

// TestClientWrites: concurrent shipping updates, capture requests and
// 対応状況 changes of 150 orders go out in requests of at most 100
// records; a record ecforce rejects fails only its caller, with its own
// reasons; a batch the shop refuses as a whole (over its limit) is split
// until it passes, and everything applies once.
func TestClientWrites(t *testing.T) {
	s := newShop(t, 150, 100)
	s.ec.SetMaxBulkRecords(40)
	bad := s.ids[17]
	s.ec.RefuseRecord(bad, "AOR3001", "shipping_slipパラメータが正しくありません。")
	s.ec.ResetRequestCounts()
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, ecforce.JST)
	errs := s.each(func(i int, id int64) error {
		res, err := s.b.UpdateShipping(context.Background(), []ecforce.ShippingUpdate{{OrderID: id, ShippingSlip: fmt.Sprint("S-", i), ShippedAt: at}}, false)
		if err != nil {
			return err
		}
		key := strconv.FormatInt(id, 10)
		if be, failed := res.ErrorFor(key); failed {
			return errors.New(be.Error())
		}
		if !res.Succeeded(key) || len(res.Success) != 1 {
			return fmt.Errorf("result %+v", res)
		}
		return nil
	})
	if len(errs) != 1 || errs[bad] == nil {
		t.Fatalf("errors %v; want only order %d's", errs, bad)
	}
	// 150 → 100 (refused) + 50 (refused) → 50+50 (refused) → 25s.
	if got := s.sizes("shipping"); len(got) < 6 || got[len(got)-1] != 100 {
		t.Errorf("shipping requests of %v records", got)
	}
	for i, id := range s.ids {
		o, _ := s.ec.Order(id)
		if want := fmt.Sprint("S-", i); id != bad && o.ShippingSlip != want {
			t.Errorf("order %d slip %q, want %q", id, o.ShippingSlip, want)
		}
	}

	s.ec.SetMaxBulkRecords(0)
	if errs := s.each(func(_ int, id int64) error { _, err := s.b.RequestSales(context.Background(), []int64{id}); return err }); len(errs) != 0 {
		t.Fatalf("capture errors %v", errs)
	}
	if got := s.sizes("sales"); !slices.Equal(got, []int{50, 100}) {
		t.Errorf("capture requests of %v records, want [50 100]", got)
	}
	s.ec.SettlePayments()
	errs = s.each(func(_ int, id int64) error {
		o, err := s.b.UpdateOrderState(context.Background(), id, "shipped")
		if err == nil && (o.ID != id || o.State != "shipped") {
			return fmt.Errorf("answered %+v", o)
		}
		return err
	})
	if len(errs) != 1 || !errors.Is(errs[bad], ecforce.ErrStateNotApplied) {
		t.Fatalf("state errors %v; want only order %d's, ErrStateNotApplied", errs, bad)
	}
	for _, id := range s.ids {
		o, _ := s.ec.Order(id)
		if o.CaptureRequests != 1 || o.CapturesSettled != 1 || (id != bad && o.State != "shipped") {
			t.Errorf("order %d: %d capture requests, %d settled, state %s", id, o.CaptureRequests, o.CapturesSettled, o.State)
		}
	}
	if got := s.ec.RequestCounts(); got["PUT /api/v2/admin/orders/bulk_update"] != 2 || got["POST /api/v2/admin/orders/payment_status/bulk_update"] != 2 {
		t.Errorf("requests %v", got)
	}
}
