package logiless

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/httpapi"
)

// A LOGILESS page cut off in the middle (malformed JSON) stops the listing
// with a retryable malformed-answer error that names the page; the pages
// before it were handed on, nothing of the cut page is.
func TestListSalesOrdersCutOffPage(t *testing.T) {
	tests := []struct {
		name      string
		cutPage   int // 1-based
		wantPages []int
	}{
		{"first page cut off", 1, nil},
		{"second page cut off", 2, []int{100}},
		{"last page cut off", 3, []int{100, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c := newTestClient(t, f, newMemStore(f.issue()))
			for i, body := range pagedOrders(250, 100, 100, true, 3) {
				if i+1 == tt.cutPage {
					body = body[:len(body)/2]
				}
				f.answer("GET", "/sales_orders", 1, 200, body)
			}
			var pages []int
			err := c.ListSalesOrders(context.Background(), SalesOrderQuery{}, func(p []SalesOrder) error {
				pages = append(pages, len(p))
				return nil
			})
			if !errors.Is(err, httpapi.ErrMalformedResponse) || !httpapi.Retryable(err) {
				t.Fatalf("err = %v, want a retryable ErrMalformedResponse", err)
			}
			if want := "(page " + string(rune('0'+tt.cutPage)) + ")"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
			if !reflect.DeepEqual(pages, tt.wantPages) {
				t.Errorf("pages handed on = %v, want %v", pages, tt.wantPages)
			}
		})
	}
}
