package salesorder

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/logiless"
)

func TestCodeScheme(t *testing.T) {
	tests := []struct {
		prefix, number, code string
		lookup               []string
		back                 map[string]string // LOGILESS code → 受注番号
	}{
		{"", "EC00000001", "EC00000001", []string{"EC00000001"}, map[string]string{"EC00000001": "EC00000001", "B-EC1": "B-EC1"}},
		{"B-", "EC00000001", "B-EC00000001", []string{"B-EC00000001", "EC00000001"},
			// a bare code is an order imported before the prefix was set
			map[string]string{"B-EC00000001": "EC00000001", "EC00000001": "EC00000001", "B-": "B-"}},
	}
	for _, tt := range tests {
		c := CodeScheme{Prefix: tt.prefix}
		if got := c.Code(tt.number); got != tt.code {
			t.Errorf("prefix %q: Code(%s) = %q, want %q", tt.prefix, tt.number, got, tt.code)
		}
		if got := c.LookupCodes(tt.number); !reflect.DeepEqual(got, tt.lookup) {
			t.Errorf("prefix %q: LookupCodes = %v, want %v", tt.prefix, got, tt.lookup)
		}
		for code, number := range tt.back {
			if got := c.Number(code); got != number {
				t.Errorf("prefix %q: Number(%s) = %q, want %q", tt.prefix, code, got, number)
			}
		}
	}
}

// A code found in LOGILESS is the shop's order only when its store is the
// shop's; the bare number under a prefix only for certain.
func TestClaim(t *testing.T) {
	so := func(id int64, code string, store int64) logiless.SalesOrder {
		return logiless.SalesOrder{ID: id, Code: code, StoreID: store}
	}
	const ours, other = 1, 2
	tests := []struct {
		name   string
		prefix string
		found  []logiless.SalesOrder
		want   ClaimStatus
		wantID int64
	}{
		{"nothing found", "", nil, CodeFree, 0},
		{"our store", "", []logiless.SalesOrder{so(10, "EC1", ours)}, CodeOurs, 10},
		{"another store's order with our number", "", []logiless.SalesOrder{so(10, "EC1", other)}, CodeTaken, 10},
		{"store not said: counted ours, as always", "", []logiless.SalesOrder{so(10, "EC1", 0)}, CodeOurs, 10},
		{"partial matches do not count", "", []logiless.SalesOrder{so(10, "EC10", ours), so(11, "XEC1", other)}, CodeFree, 0},
		{"ours wins over a stray duplicate", "", []logiless.SalesOrder{so(10, "EC1", other), so(11, "EC1", ours)}, CodeOurs, 11},
		{"prefixed code of our store", "B-", []logiless.SalesOrder{so(10, "B-EC1", ours)}, CodeOurs, 10},
		{"bare code of our store: imported before the prefix", "B-", []logiless.SalesOrder{so(10, "EC1", ours)}, CodeOurs, 10},
		{"bare code of another store: free under the prefix", "B-", []logiless.SalesOrder{so(10, "EC1", other)}, CodeFree, 0},
		{"bare code, store not said: not ours for certain", "B-", []logiless.SalesOrder{so(10, "EC1", 0)}, CodeFree, 0},
		{"prefixed code of another store", "B-", []logiless.SalesOrder{so(10, "B-EC1", other), so(11, "EC1", other)}, CodeTaken, 10},
		{"old bare order wins over another store's prefixed code", "B-", []logiless.SalesOrder{so(10, "B-EC1", other), so(11, "EC1", ours)}, CodeOurs, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CodeScheme{Prefix: tt.prefix}.Claim("EC1", ours, tt.found)
			if got.Status != tt.want || got.SalesOrder.ID != tt.wantID {
				t.Errorf("Claim = %v (sales order %d), want %v (%d)", got.Status, got.SalesOrder.ID, tt.want, tt.wantID)
			}
		})
	}
}

func TestCodeTakenErrorNamesBothShopsAndTheFix(t *testing.T) {
	err := &CodeTakenError{OrderNumber: "EC1", Code: "EC1", Store: 3, OtherStore: 2, OtherStoreName: "本店", OtherShop: "main"}
	for _, want := range []string{"EC1", "store 2 (本店)", `shop "main"`, "store 3", "order_import.code_prefix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
}
