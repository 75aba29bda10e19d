package ecforce

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/httpapi"
)

// TestListOrdersByIDs: OrderQuery.IDs sends q[id_in][] and the sandbox
// answers only those orders; more than 100 ids are refused before sending.
func TestListOrdersByIDs(t *testing.T) {
	shop := newShop(t, nil)
	ids := shop.seedOrders(t, 4)
	c, _ := newTestClient(t, shop.url(), nil)
	var got []int64
	if err := c.ListOrders(context.Background(), OrderQuery{IDs: []int64{ids[3], ids[1]}}, func(page []Order) error {
		for _, o := range page {
			got = append(got, o.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int64{ids[1], ids[3]}) {
		t.Errorf("listed %v, want %v", got, []int64{ids[1], ids[3]})
	}
	if raw := shop.requests()[0].RawQuery; !strings.Contains(raw, fmt.Sprintf("q%%5Bid_in%%5D%%5B%%5D=%d&q%%5Bid_in%%5D%%5B%%5D=%d", ids[3], ids[1])) {
		t.Errorf("raw query %q lacks the repeated q[id_in][]", raw)
	}
	if err := c.ListOrders(context.Background(), OrderQuery{IDs: make([]int64, 101)}, func([]Order) error { return nil }); err == nil {
		t.Error("101 ids: want an error")
	}
}

// TestUpdateOrderStates: one bulk_update carries every record; each
// record's success or failure is in the result, a bad key (AOR3002)
// fails only its own record; invalid input is refused before sending.
func TestUpdateOrderStates(t *testing.T) {
	shop := newShop(t, nil)
	ids := shop.seedOrders(t, 3)
	c, _ := newTestClient(t, shop.url(), nil)
	res, err := c.UpdateOrderStates(context.Background(), []StateUpdate{
		{OrderID: ids[0], State: "shipped"}, {OrderID: ids[1], State: "no_such_state"}, {OrderID: ids[2], State: "shipped"},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := func(i int) string { return fmt.Sprint(ids[i]) }
	if !res.Succeeded(id(0)) || !res.Succeeded(id(2)) || res.Succeeded(id(1)) {
		t.Errorf("result = %+v", res)
	}
	if be, ok := res.ErrorFor(id(1)); !ok || len(be.Details) == 0 || be.Details[0].Code != "AOR3002" {
		t.Errorf("error for the bad key = %+v, %t", be, ok)
	}
	if r := res.For(id(1)); len(r.Success) != 0 || len(r.Failure) != 1 || len(r.Errors) != 1 {
		t.Errorf("For(bad) = %+v", r)
	}
	for i, want := range []string{"shipped", "complete", "shipped"} {
		if o, _ := shop.Order(ids[i]); o.State != want {
			t.Errorf("order %d state %s, want %s", i, o.State, want)
		}
	}
	if n := shop.count("/admin/orders/bulk_update.json"); n != 1 {
		t.Errorf("%d bulk_update requests, want 1", n)
	}
	for _, bad := range [][]StateUpdate{{{OrderID: 0, State: "shipped"}}, {{OrderID: 1, State: " "}}, make([]StateUpdate, 101)} {
		if _, err := c.UpdateOrderStates(context.Background(), bad); err == nil {
			t.Errorf("%d updates starting %+v: want an error", len(bad), bad[0])
		}
	}
	shop.SetMaxBulkRecords(1)
	_, err = c.UpdateOrderStates(context.Background(), []StateUpdate{{OrderID: ids[0], State: "complete"}, {OrderID: ids[1], State: "complete"}})
	if !httpapi.Rejected(err) {
		t.Errorf("over the shop's limit: %v, want a 422 refusal", err)
	}
}

// FuzzBulkResultFor: any body either fails to decode or decodes into a
// result whose per-record parts (For) hold only entries of that record
// and, together, every entry.
func FuzzBulkResultFor(f *testing.F) {
	for _, seed := range []string{
		`{"success":[88112,"88111-120"],"failure":["88111-125"],"errors":[{"id":"88111-125","code":"AOR0000","message":"x","errors":[{"code":"AOR2001","message":"y"}]}]}`,
		`{"success":[],"failure":[],"errors":[]}`,
		`{"success":[{"variant_sku":"A","stock_location_code":"default","stock":"1"}]}`,
		`{"success":null}`, `[]`, `{"errors":[{"id":{"id":3}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeBulkResult(body)
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, s := range append(append([]string(nil), res.Success...), res.Failure...) {
			ids[s] = true
		}
		for _, e := range res.Errors {
			ids[e.ID] = true
		}
		total := 0
		for id := range ids {
			part := res.For(id)
			for _, s := range append(append([]string(nil), part.Success...), part.Failure...) {
				if s != id {
					t.Fatalf("For(%q) holds %q", id, s)
				}
			}
			for _, e := range part.Errors {
				if e.ID != id {
					t.Fatalf("For(%q) holds the error of %q", id, e.ID)
				}
			}
			total += len(part.Success) + len(part.Failure) + len(part.Errors)
		}
		if want := len(res.Success) + len(res.Failure) + len(res.Errors); total != want {
			t.Fatalf("the parts hold %d entries, the result %d", total, want)
		}
	})
}
