package logiless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

func sampleInput() SalesOrderInput {
	taxTotal := int64(0)
	return SalesOrderInput{
		Code:         "EC-1001",
		Store:        7,
		CustomerCode: "C-9",
		Buyer: Party{Name1: "山田", Name2: "太郎", NameKana1: "ヤマダ", NameKana2: "タロウ", Country: "JP",
			PostCode: "150-0001", Prefecture: "東京都", Address1: "渋谷区神宮前1-2-3", Address2: "𠮷野ビル", Phone: "0312345678", Email: "taro@example.jp"},
		Recipient:                 Party{Name1: "佐藤", Prefecture: "大阪府", Address1: "大阪市北区梅田9-9", Phone: "0600000000"},
		PaymentMethod:             "credit_card_payment",
		DeliveryMethod:            "yamato",
		IncomingPaymentStatus:     "Paid",
		AuthorizationStatus:       "Authorized",
		UsePoint:                  100,
		DeliveryFee:               550,
		Discount:                  200,
		TaxTotal:                  &taxTotal,
		DeliveryPreferredDate:     "2026-12-03",
		DeliveryPreferredTimeZone: "午前中",
		ScheduledShippingDate:     "2026-12-01",
		BuyerComment:              "よろしく",
		OrderedAt:                 time.Date(2026, 11, 30, 15, 4, 5, 0, time.UTC),
		Attrs:                     map[int]string{1: "ecforce", 3: "定期"},
		Tags:                      []string{"ecforce", "初回"},
		Lines: []SalesOrderLineInput{
			{ArticleCode: "SKU-1", ArticleName: "化粧水", Quantity: 2, Price: 1980, TaxIndicator: "TaxIncluded", TaxRate: 10},
			{ArticleCode: "SKU-2", ArticleName: "サンプル", Quantity: 1},
		},
	}
}

func TestSalesOrderInputJSON(t *testing.T) {
	in := sampleInput()
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SalesOrder map[string]any `json:"sales_order"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	so := doc.SalesOrder
	want := map[string]any{
		"code": "EC-1001", "store": 7.0, "customer_code": "C-9",
		"buyer_name1": "山田", "buyer_name2": "太郎", "buyer_name_kana1": "ヤマダ", "buyer_name_kana2": "タロウ",
		"buyer_country": "JP", "buyer_post_code": "150-0001", "buyer_prefecture": "東京都",
		"buyer_address1": "渋谷区神宮前1-2-3", "buyer_address2": "𠮷野ビル", "buyer_phone": "0312345678", "buyer_email": "taro@example.jp",
		"recipient_name1": "佐藤", "recipient_prefecture": "大阪府", "recipient_address1": "大阪市北区梅田9-9", "recipient_phone": "0600000000",
		"payment_method": "credit_card_payment", "delivery_method": "yamato",
		"incoming_payment_status": "Paid", "authorization_status": "Authorized",
		"use_point": 100.0, "delivery_fee": 550.0, "discount": 200.0, "tax_total": 0.0,
		"delivery_preferred_date": "2026-12-03", "delivery_preferred_time_zone": "午前中",
		"scheduled_shipping_date": "2026-12-01", "buyer_comment": "よろしく",
		"ordered_at": "2026-12-01 00:04:05", // 15:04:05 UTC is the next day in JST
		"attr1":      "ecforce", "attr3": "定期",
		"tags": []any{"ecforce", "初回"},
		"lines": []any{
			map[string]any{"article_code": "SKU-1", "article_name": "化粧水", "quantity": 2.0, "price": 1980.0, "tax_indicator": "TaxIncluded", "tax_rate": 10.0},
			map[string]any{"article_code": "SKU-2", "article_name": "サンプル", "quantity": 1.0, "price": 0.0},
		},
	}
	if !reflect.DeepEqual(so, want) {
		for k := range want {
			if !reflect.DeepEqual(so[k], want[k]) {
				t.Errorf("%s = %#v, want %#v", k, so[k], want[k])
			}
		}
		for k := range so {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected key %s = %#v (empty optionals must be omitted)", k, so[k])
			}
		}
	}

	// It survives a round trip (a workflow payload).
	var back SalesOrderInput
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !back.OrderedAt.Equal(in.OrderedAt) {
		t.Errorf("OrderedAt = %v, want %v", back.OrderedAt, in.OrderedAt)
	}
	back.OrderedAt = in.OrderedAt
	if !reflect.DeepEqual(back, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", fmt.Sprint(back.Lines), fmt.Sprint(in.Lines))
	}
}

func TestSalesOrderInputValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*SalesOrderInput)
		want   string
	}{
		{"complete", func(*SalesOrderInput) {}, ""},
		{"no code", func(in *SalesOrderInput) { in.Code = " " }, "code is empty"},
		{"no store", func(in *SalesOrderInput) { in.Store = 0 }, "store"},
		{"no recipient address", func(in *SalesOrderInput) { in.Recipient.Address1 = "" }, "recipient address1"},
		{"no lines", func(in *SalesOrderInput) { in.Lines = nil }, "no lines"},
		{"zero quantity", func(in *SalesOrderInput) { in.Lines[1].Quantity = 0 }, "line 2 (SKU-2): quantity 0"},
		{"bad date", func(in *SalesOrderInput) { in.DeliveryPreferredDate = "2026/12/03" }, "delivery_preferred_date"},
		{"bad attr", func(in *SalesOrderInput) { in.Attrs = map[int]string{11: "x"} }, "attr11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := sampleInput()
			tt.mutate(&in)
			err := in.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalidInput mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "山田") || strings.Contains(err.Error(), "渋谷") {
				t.Error("validation errors must not carry personal data")
			}
		})
	}
}

func TestPersonalDataIsNotPrinted(t *testing.T) {
	in := sampleInput()
	secrets := []string{"山田", "太郎", "渋谷区", "0312345678", "taro@example.jp", "佐藤", "梅田"}
	var logs strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("x", "input", in, "buyer", in.Buyer, "ptr", &in.Recipient)
	logger.Info("y", "input", in)
	out := logs.String()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%q", "%x"} {
		out += fmt.Sprintf(verb, in) + fmt.Sprintf(verb, in.Buyer) + fmt.Sprintf(verb, &in.Recipient) +
			fmt.Sprintf(verb, []Party{in.Buyer}) + fmt.Sprintf(verb, struct{ P Party }{in.Buyer})
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("personal data %q printed in:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "EC-1001") || !strings.Contains(out, "東京都") {
		t.Error("the order code and prefecture should remain visible for debugging")
	}
}

func TestCreateSalesOrderSendsEscapedJSON(t *testing.T) {
	f, c, store := authedClient(t)
	if err := f.AddStore(logilessapi.Store{ID: 7, Name: "ecforce"}); err != nil {
		t.Fatal(err)
	}
	so, err := c.CreateSalesOrder(context.Background(), sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	held, ok := f.SalesOrder("EC-1001")
	if !ok || so.ID != held.ID || so.Code != "EC-1001" || so.StoreID != 7 || so.DocumentStatus != held.DocumentStatus || len(so.Lines) != 2 || so.Lines[0].Quantity != 2 {
		t.Errorf("decoded %+v, the fake holds %+v", so, held)
	}
	if held.Buyer.Name1 != "山田" || held.Buyer.Address2 != "𠮷野ビル" {
		t.Errorf("the fake holds buyer %q %q", held.Buyer.Name1, held.Buyer.Address2)
	}
	var raw []byte
	var header http.Header
	for _, r := range f.requests() {
		if r.Method == "POST" && r.Resource == "/sales_orders/new" {
			raw, header = r.Body, r.Header
		}
	}
	for i, b := range raw {
		if b >= 0x80 {
			t.Fatalf("byte %d of the body is non-ASCII (0x%x): %s", i, b, raw)
		}
	}
	for _, want := range []string{`"buyer_name1":"\u5c71\u7530"`, `\ud842\udfb7`, `"delivery_preferred_time_zone":"\u5348\u524d\u4e2d"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("body lacks %s:\n%s", want, raw)
		}
	}
	var back SalesOrderInput
	if err := json.Unmarshal(raw, &back); err != nil || back.Buyer.Name1 != "山田" || back.Buyer.Address2 != "𠮷野ビル" {
		t.Errorf("escaped body does not decode back: %v %v", err, back.Buyer.Name1 == "山田")
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if header.Get("Authorization") != "Bearer "+store.current().AccessToken {
		t.Error("missing bearer token")
	}

	// An answer in the shapes the fake does not use: strings everywhere,
	// the store as an object, a 201.
	f.answer("POST", "/sales_orders/new", 1, http.StatusCreated, `{"id":"901","code":"EC-1002","document_status":"WaitingForAllocation","store":{"id":"7","name":"ecforce"},"total":"2,910","lines":[{"id":"1","article_code":"SKU-1","quantity":"2","price":"1980"}]}`)
	in := sampleInput()
	in.Code = "EC-1002"
	so, err = c.CreateSalesOrder(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if so.ID != 901 || so.StoreID != 7 || so.Total != 2910 || so.DocumentStatus != "WaitingForAllocation" || len(so.Lines) != 1 || so.Lines[0].Quantity != 2 {
		t.Errorf("decoded %+v", so)
	}
}

func TestCreateSalesOrderRefusesInvalidInput(t *testing.T) {
	f, c, _ := authedClient(t)
	in := sampleInput()
	in.PaymentMethod = ""
	_, err := c.CreateSalesOrder(context.Background(), in)
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "payment_method") || !strings.Contains(err.Error(), "EC-1001") {
		t.Fatalf("err = %v", err)
	}
	if f.count("POST", "/sales_orders/new") != 0 {
		t.Error("an invalid order was sent")
	}
}

func TestDecodeSalesOrderLeniently(t *testing.T) {
	tests := []struct {
		name string
		body string
		want SalesOrder
	}{
		{
			name: "strings everywhere, status fallback, store as object",
			body: `{"id":"7621","code":"A-1","status":"Shipped","delivery_status":"Shipped","allocation_status":"Allocated",
				"waiting_for_confirmation":"1","store":{"id":"3","name":"ec"},"total":"1,000","delivery_tracking_number":123456789012,
				"finished_at":"2026-11-30 18:00:00","updated_at":"2026-11-30 18:05:00",
				"lines":[{"id":"5","article":{"id":9,"code":"SKU-9","name":"セット"},"quantity":"1","price":"500.0","is_parent":1,"status":"Shipped"},
				         {"id":6,"article_code":"SKU-1","article_name":"x","quantity":2,"price":0,"is_child":"1","parent_id":"5"}],
				"outbound_deliveries":[{"id":"11","code":"OD-1","status":"Shipped","delivery_status":"Shipped","delivery_method":"yamato",
				   "delivery_tracking_numbers":["1234-5678-9012", 998877],"finished_at":"2026-11-30 17:59:59","is_combined":false,
				   "sales_order":{"id":"7621","code":"A-1"},"lines":[{"origin":{"id":7621,"code":"A-1"}},{"origin":{"id":7622,"code":"A-2"}},{"origin":{"id":7621,"code":"A-1"}}]}]}`,
			want: SalesOrder{
				ID: 7621, Code: "A-1", DocumentStatus: "Shipped", DeliveryStatus: "Shipped", AllocationStatus: "Allocated",
				WaitingForConfirmation: true, StoreID: 3, StoreName: "ec", Total: 1000, DeliveryTrackingNumber: "123456789012",
				FinishedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 30, 9, 5, 0, 0, time.UTC),
				Lines: []SalesOrderLine{
					{ID: 5, ArticleCode: "SKU-9", ArticleName: "セット", Quantity: 1, Price: 500, IsParent: true, Status: "Shipped"},
					{ID: 6, ArticleCode: "SKU-1", ArticleName: "x", Quantity: 2, IsChild: true, ParentID: 5},
				},
				OutboundDeliveries: []OutboundDelivery{{
					ID: 11, Code: "OD-1", DocumentStatus: "Shipped", DeliveryStatus: "Shipped", DeliveryMethod: "yamato",
					TrackingNumbers: []string{"1234-5678-9012", "998877"}, FinishedAt: time.Date(2026, 11, 30, 8, 59, 59, 0, time.UTC),
					SalesOrder: OrderRef{ID: 7621, Code: "A-1"}, Origins: []OrderRef{{7621, "A-1"}, {7622, "A-2"}},
				}},
			},
		},
		{
			name: "document_status wins over status, store as number, wrapped, null times",
			body: `{"sales_order":{"id":1,"code":"B","document_status":"Cancel","status":"Processing","store":4,"waiting_for_confirmation":0,"finished_at":null,"updated_at":"0000-00-00 00:00:00"}}`,
			want: SalesOrder{ID: 1, Code: "B", DocumentStatus: "Cancel", StoreID: 4},
		},
		{
			name: "store as string, data wrapper",
			body: `{"data":{"id":2,"code":"C","document_status":"Processing","store":"8","updated_at":"2026-01-02T03:04:05+09:00"}}`,
			want: SalesOrder{ID: 2, Code: "C", DocumentStatus: "Processing", StoreID: 8, UpdatedAt: time.Date(2026, 1, 1, 18, 4, 5, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeSalesOrder([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !got.FinishedAt.Equal(tt.want.FinishedAt) || !got.UpdatedAt.Equal(tt.want.UpdatedAt) {
				t.Errorf("times = %v, %v; want %v, %v", got.FinishedAt, got.UpdatedAt, tt.want.FinishedAt, tt.want.UpdatedAt)
			}
			if !got.FinishedAt.IsZero() {
				if _, off := got.FinishedAt.Zone(); off != 9*3600 {
					t.Errorf("FinishedAt zone offset = %d, want JST", off)
				}
			}
			got.FinishedAt, got.UpdatedAt = tt.want.FinishedAt, tt.want.UpdatedAt
			for i := range got.OutboundDeliveries {
				if !got.OutboundDeliveries[i].FinishedAt.Equal(tt.want.OutboundDeliveries[i].FinishedAt) {
					t.Errorf("delivery FinishedAt = %v", got.OutboundDeliveries[i].FinishedAt)
				}
				got.OutboundDeliveries[i].FinishedAt = tt.want.OutboundDeliveries[i].FinishedAt
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSearchSalesOrdersByCodeBatches(t *testing.T) {
	f, c, _ := authedClient(t) // holds A-1
	for _, code := range []string{"C-1", "C-200", "C-1-9"} {
		f.seedOrder(code)
	}
	codes := []string{"C-1", "C-1", ""} // duplicates and blanks are dropped
	for i := 1; i <= 250; i++ {
		codes = append(codes, fmt.Sprintf("C-%d", i))
	}
	got, err := c.SearchSalesOrdersByCode(context.Background(), codes)
	if err != nil {
		t.Fatal(err)
	}
	batches := func() []int { return f.batchSizes("/sales_orders/search", "codes") }
	if b := batches(); !reflect.DeepEqual(b, []int{100, 100, 50}) {
		t.Errorf("batches = %v, want [100 100 50]", b)
	}
	if len(got) != 2 || got[0].Code != "C-1" || got[1].Code != "C-200" {
		t.Errorf("got %+v, want exactly C-1 and C-200", got)
	}
	if empty, err := c.SearchSalesOrdersByCode(context.Background(), nil); err != nil || len(empty) != 0 {
		t.Errorf("no codes: %v, %v", empty, err)
	}
	if len(batches()) != 3 {
		t.Error("searching no codes must not call LOGILESS")
	}
	// An answer holding a partial match too: the client drops it.
	f.answer("POST", "/sales_orders/search", 1, 200, `{"data":[{"id":"200","code":"C-200","document_status":"Processing"},{"id":1,"code":"C-200-9","document_status":"Processing"}]}`)
	got, err = c.SearchSalesOrdersByCode(context.Background(), []string{"C-200"})
	if err != nil || len(got) != 1 || got[0].Code != "C-200" || got[0].ID != 200 {
		t.Errorf("got %+v, %v; want exactly C-200", got, err)
	}
}

func TestGetSalesOrderNotFound(t *testing.T) {
	_, c, _ := authedClient(t) // no order 99
	_, err := c.GetSalesOrder(context.Background(), 99)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "sales order id 99") {
		t.Fatalf("err = %v, want ErrNotFound naming the id", err)
	}
}
