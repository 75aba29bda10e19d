package ecforce

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/httpapi"
)

// Bad records in a listing page: the page is refused as a malformed answer
// whose error names the order (its ecforce id) and what is wrong with it;
// no order of the page is handed on without its lines or with a wrong
// amount.
func TestListOrdersRefusesBadRecords(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // in the error
	}{
		{"no included member", `{"data":[` + orderJSON(41) + `]}`,
			[]string{"order 41", "order_item 411", "not in included"}},
		{"included null", `{"data":[` + orderJSON(42) + `],"included":null}`,
			[]string{"order 42", "not in included"}},
		{"non-numeric total", `{"data":[{"id":"43","type":"order","attributes":{"number":"N43","total":"abc"}}],"included":[]}`,
			[]string{"order 43", "total"}},
		{"non-numeric quantity", `{"data":[{"id":"44","type":"order","attributes":{"number":"N44"},` +
			`"relationships":{"order_items":{"data":[{"id":"441","type":"order_item"}]}}}],` +
			`"included":[{"id":"441","type":"order_item","attributes":{"variant_sku":"S","quantity":"two"}}]}`,
			[]string{"order 44", "order_item 441", "quantity"}},
		{"non-numeric id", `{"data":[{"id":"x45","type":"order","attributes":{"number":"N45"}}],"included":[]}`,
			[]string{"x45", "no numeric id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := newShop(t, nil)
			shop.answer(http.MethodGet, "/admin/orders", 1, 200, tt.body)
			c, _ := newTestClient(t, shop.url(), nil)
			handed := 0
			err := c.ListOrders(context.Background(), OrderQuery{}, func(orders []Order) error {
				handed += len(orders)
				return nil
			})
			if !errors.Is(err, httpapi.ErrMalformedResponse) {
				t.Fatalf("err = %v, want ErrMalformedResponse", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if handed != 0 {
				t.Errorf("%d orders of the bad page were handed on", handed)
			}
		})
	}
}
