package webhook

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Notice
	}{
		{"our template", `{"event":"order_complete","order_id":"10001","order_number":"EC00010001","state":"complete"}`,
			Notice{Event: "order_complete", Order: OrderHint{10001, "EC00010001"}, State: "complete"}},
		{"numbers as numbers", `{"order_id":10001,"order_number":"EC00010001"}`, Notice{Order: OrderHint{10001, "EC00010001"}}},
		{"nested order", `{"order":{"id":"42","number":"A000000042","state":"canceled"}}`,
			Notice{Order: OrderHint{42, "A000000042"}, State: "canceled"}},
		{"payment template", `{"payment":{"order":{"id":7,"number":"P000000007"}}}`, Notice{Order: OrderHint{7, "P000000007"}}},
		{"flat wins over nested", `{"order_id":"1","order":{"id":"2","number":"N2"}}`, Notice{Order: OrderHint{1, "N2"}}},
		{"unrendered placeholders", `{"order_id":"{{ order.id }}","order_number":"{{ order.number }}"}`, Notice{}},
		{"number with a slash", `{"order_number":"EC1/../x"}`, Notice{}},
		{"negative or zero id", `{"order_id":"-3"}`, Notice{}},
		{"zero id", `{"order_id":0}`, Notice{}},
		{"id too long", `{"order_id":"1234567890123456789"}`, Notice{}},
		{"float id", `{"order_id":1.5}`, Notice{}},
		{"bad event", `{"event":"Order Canceled!"}`, Notice{}},
		{"with BOM and spaces", "\ufeff  {\"order_id\":\"5\"}\n", Notice{Order: OrderHint{ID: 5}}},
		{"form", `event=order_canceled&order_id=9&order_number=EC00000009`,
			Notice{Event: "order_canceled", Order: OrderHint{9, "EC00000009"}}},
		{"form brackets", `order%5Bid%5D=9&order%5Bnumber%5D=EC00000009&order%5Bstate%5D=complete`,
			Notice{Order: OrderHint{9, "EC00000009"}, State: "complete"}},
		{"not JSON", `{"order_id": 1`, Notice{}},
		{"empty", ``, Notice{}},
		{"plain text", `注文が確定しました`, Notice{}},
		{"JSON array", `[{"order_id":"1"}]`, Notice{}},
		{"order not an object", `{"order":"EC1"}`, Notice{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse([]byte(tt.body)); got != tt.want {
				t.Errorf("Parse(%q) = %+v; want %+v", tt.body, got, tt.want)
			}
		})
	}
}

func TestNoticeCancellation(t *testing.T) {
	for _, tt := range []struct {
		n    Notice
		want bool
	}{
		{Notice{Event: EventOrderCanceled}, true},
		{Notice{State: StateCanceled}, true},
		{Notice{Event: "order_complete", State: "complete"}, false},
		{Notice{}, false},
	} {
		if got := tt.n.Cancellation(); got != tt.want {
			t.Errorf("%+v.Cancellation() = %t", tt.n, got)
		}
	}
}

// FuzzParse: any body is read without panicking, and what it yields is safe
// to put in a workflow ID and a log line.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"event":"order_complete","order_id":"10001","order_number":"EC00010001","state":"complete"}`,
		`{"order":{"id":1,"number":"x"}}`, `{"payment":{"order":{"id":"2"}}}`,
		`order_id=1&order_number=EC1`, `order%5Bid%5D=3`, `{{ order.id }}`, "\xef\xbb\xbf{}", `{"order_id":1e3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n := Parse(body)
		if n.Order.ID < 0 {
			t.Errorf("negative id %d", n.Order.ID)
		}
		for _, s := range []string{n.Order.Number, n.Event, n.State} {
			if len(s) > 64 || !utf8.ValidString(s) || strings.ContainsAny(s, "/ \t\n{}%") {
				t.Errorf("unsafe value %q", s)
			}
		}
		if n.Order.Number != "" && !orderNumberRE.MatchString(n.Order.Number) {
			t.Errorf("order number %q", n.Order.Number)
		}
		if n != Parse(body) {
			t.Error("not deterministic")
		}
	})
}
