package ecforce

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/internal/logbuffer"
)

func TestTypesMatch(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"order_item", "order_item", true},
		{"order_item", "order_items", true},
		{"order_item", "order-item", true},
		{"order_item", "OrderItem", true},
		{"order_items", "orderItems", true},
		{"address", "addresses", true},
		{"address", "shipping_address", true},
		{"shipping_addresses", "address", true},
		{"billing_address", "Address", true},
		{"delivery", "deliveries", true},
		{"", "anything", true},
		{"order_item", "address", false},
		{"shipping_address", "billing_address", false},
		{"order", "order_item", false},
		{"stock_item", "order_item", false},
	}
	for _, tt := range tests {
		if got := typesMatch(tt.a, tt.b); got != tt.want {
			t.Errorf("typesMatch(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestDecodeDocument(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantN      int
		wantSingle bool
		wantPages  int64
		wantErr    bool
	}{
		{"array", `{"data":[{"id":"1","type":"order"},{"id":2,"type":"order"}],"meta":{"total_pages":"3"}}`, 2, false, 3, false},
		{"object", `{"data":{"id":"1","type":"order"}}`, 1, true, 0, false},
		{"null", `{"data":null}`, 0, false, 0, false},
		{"empty array with links", `{"data":[],"links":{"next":null}}`, 0, false, 0, false},
		{"meta null", `{"data":[],"meta":null}`, 0, false, 0, false},
		{"no data", `{"errors":[]}`, 0, false, 0, true},
		{"data scalar", `{"data":1}`, 0, false, 0, true},
		{"not an object", `[{"data":[]}]`, 0, false, 0, true},
		{"empty", ``, 0, false, 0, true},
		{"id object", `{"data":{"id":{"x":1}}}`, 0, false, 0, true},
		{"bad included", `{"data":[],"included":{"id":"1"}}`, 0, false, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := decodeDocument([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(doc.data) != tt.wantN || doc.single != tt.wantSingle || int64(doc.meta.TotalPages) != tt.wantPages {
				t.Errorf("doc = %d resources single=%v pages=%d", len(doc.data), doc.single, doc.meta.TotalPages)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2019, 6, 8, 5, 47, 17, 0, JST)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2019/06/08 05:47:17", want, false},
		{"2019-06-08 05:47:17", want, false},
		{" 2019-06-08T05:47:17 ", want, false},
		{"2019-06-07T20:47:17Z", want, false},
		{"2019-06-08T05:47:17+09:00", want, false},
		{"2019-06-08T05:47:17.000+09:00", want, false},
		{"2019-06-08 05:47:17 +0900", want, false},
		{"2019-06-08", time.Date(2019, 6, 8, 0, 0, 0, 0, JST), false},
		{"2019/06/08", time.Date(2019, 6, 8, 0, 0, 0, 0, JST), false},
		{"", time.Time{}, false},
		{"2019-13-01", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"0000-00-00 00:00:00", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseTime(%q) err = %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if !got.IsZero() && got.Location() != JST {
			t.Errorf("ParseTime(%q) location = %v, want JST", tt.in, got.Location())
		}
	}
}

func TestTimeJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{`"2019/06/08 05:47:17"`, time.Date(2019, 6, 8, 5, 47, 17, 0, JST), false},
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false},
		{`1559940437`, time.Time{}, true},
		{`"garbage"`, time.Time{}, true},
	}
	for _, tt := range tests {
		var got Time
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v", tt.in, got, err)
			continue
		}
		// Encoding and decoding again gives the same instant (workflow payloads).
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(got.Time) {
			t.Errorf("round trip %s → %s → %v, %v", tt.in, b, back, err)
		}
	}
	if got := formatFilter(time.Date(2024, 4, 30, 15, 0, 0, 0, time.UTC)); got != "2024-05-01 00:00:00" {
		t.Errorf("formatFilter = %q", got)
	}
}

func TestAddressNeverPrintsPersonalData(t *testing.T) {
	a := Address{Name01: "山田", Name02: "太郎", Kana01: "ヤマダ", Zip01: "150", Zip02: "0001", PrefectureID: 13,
		PrefectureName: "東京都", Addr01: "渋谷区神宮前", Addr02: "1-2-3", Tel01: "03", Tel02: "1234", Tel03: "5678"}
	o := Order{ID: 1, Number: "N1", Email: "taro@example.jp", Remark: "置き配", ShippingAddress: &a, BillingAddress: &a}
	var logs logbuffer.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("x", "addr", a, "ptr", &a, "order", o)
	outputs := []string{logs.String()}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		outputs = append(outputs, fmt.Sprintf(format, a), fmt.Sprintf(format, &a), fmt.Sprintf(format, o), fmt.Sprintf(format, []Address{a}))
	}
	for _, out := range outputs {
		for _, personal := range []string{"山田", "太郎", "ヤマダ", "渋谷", "1234", "0001", "taro@", "置き配"} {
			if strings.Contains(out, personal) {
				t.Errorf("output leaks %q: %s", personal, out)
			}
		}
	}
	if a.String() != "address{pref=東京都}" {
		t.Errorf("String() = %q", a.String())
	}
	helpers := []struct{ got, want string }{
		{a.FullName(), "山田 太郎"},
		{a.Zip(), "150-0001"},
		{Address{Zip01: "１５００００１"}.Zip(), "150-0001"},
		{Address{Zip01: "150"}.Zip(), "150"},
		{a.Tel(), "03-1234-5678"},
		{Address{Tel01: "09012345678"}.Tel(), "09012345678"},
		{Address{Name02: "太郎"}.FullName(), "太郎"},
	}
	for _, h := range helpers {
		if h.got != h.want {
			t.Errorf("helper = %q, want %q", h.got, h.want)
		}
	}
}

func TestDecodeBulkResult(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		success []string
		failure []string
		errIDs  []string
		wantErr bool
	}{
		{"numbers and compound ids", `{"success":[88112,"88111-120"],"failure":["88111-125"],"errors":[{"id":"88111-125","code":"AOR0000"}]}`,
			[]string{"88112", "88111-120"}, []string{"88111-125"}, []string{"88111-125"}, false},
		{"numeric error id", `{"success":[],"failure":[5],"errors":[{"id":5,"code":"AOR0000","errors":[]}]}`, nil, []string{"5"}, []string{"5"}, false},
		{"stock objects", `{"success":[{"variant_sku":"A","stock":"1"}],"failure":[{"variant_sku":"B","stock":2}]}`, []string{"A"}, []string{"B"}, nil, false},
		{"empty object", `{}`, nil, nil, nil, false},
		{"object without id", `{"success":[{"stock":1}]}`, nil, nil, nil, true},
		{"not json", `OK`, nil, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := decodeBulkResult([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			var errIDs []string
			for _, e := range res.Errors {
				errIDs = append(errIDs, e.ID)
			}
			if fmt.Sprint(res.Success) != fmt.Sprint(tt.success) || fmt.Sprint(res.Failure) != fmt.Sprint(tt.failure) || fmt.Sprint(errIDs) != fmt.Sprint(tt.errIDs) {
				t.Errorf("result = %+v", res)
			}
		})
	}
}

func FuzzDecodeDocument(f *testing.F) {
	seeds := []string{
		singleOrder(7),
		ordersPage([]int{1, 2}, `{"total_pages":2}`),
		`{"data":null}`,
		`{"data":[{"id":1,"type":"order","relationships":{"order_items":{"data":{"id":1}}}}],"included":[{"id":1,"type":"order-items"}]}`,
		`{"data":{"id":"1","relationships":{"shipping_address":{"data":[]},"billing_address":null}}}`,
		`{"data":{"id":"x","attributes":null}}`,
		`{"data":[],"meta":{"per":"1e3","total_pages":-1}}`,
		`{`, `[]`, `null`, ``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := decodeDocument(body)
		if err != nil {
			return
		}
		// Decoding resources must never panic, whatever the document holds.
		for i := range doc.data {
			_, _ = decodeOrder(doc, &doc.data[i])
			_, _ = decodeStockItem(&doc.data[i])
			_, _ = decodeShippingCarrier(&doc.data[i])
		}
		_, _ = decodeBulkResult(body)
		_, _, _ = parseErrorBody(body)
		_, _ = signInToken(body)
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2019/06/08 05:47:17", "2019-06-08", "2019-06-07T20:47:17Z", "2019-06-08 05:47:17 +0900",
		"9999-12-31T23:59:59-23:59", "", "0000-01-01", "2019/6/8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			if len(err.Error()) > 200 {
				t.Fatalf("error text too long (%d bytes): %q", len(err.Error()), err)
			}
			return
		}
		if tm.IsZero() {
			return
		}
		if tm.Location() != JST {
			t.Fatalf("ParseTime(%q) location = %v", s, tm.Location())
		}
		if y := tm.Year(); y < 0 || y > 9999 {
			return // not representable in RFC 3339
		}
		// The JSON encoding must decode to the same instant.
		b, err := json.Marshal(tm)
		if err != nil {
			t.Fatalf("marshal %v: %v", tm, err)
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tm.Time) {
			t.Fatalf("ParseTime(%q) = %v; round trip via %s gives %v, %v", s, tm, b, back, err)
		}
	})
}
