package salesorder

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
)

func jst(s string) ecforce.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, ecforce.JST)
	if err != nil {
		panic(err)
	}
	return ecforce.Time{Time: t}
}

func testTable(t *testing.T) *mapping.Table {
	t.Helper()
	table, err := mapping.NewTable([]mapping.Row{
		{SKU: "TS-M", ArticleCode: "A-TS-M", AllocationRate: 100},
		{SKU: "SOAP-3", ArticleCode: "SET-SOAP-3", AllocationRate: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	return table
}

var testSettings = Settings{
	StoreID:               12,
	PaymentMethods:        map[string]string{"クレジットカード決済": "credit_card_payment", "代金引換": "cod"},
	DeliveryMethods:       map[string]string{"ヤマト運輸": "yamato"},
	DefaultDeliveryMethod: "",
	MappingFile:           "mappings/demo.csv",
}

func testOrder() ecforce.Order {
	return ecforce.Order{
		ID: 7, Number: "0000000007", State: "complete", PaymentState: "authed",
		PaymentMethodName: "クレジットカード決済", ShippingCarrierName: "ヤマト運輸",
		Email: "buyer@example.com", Remark: "置き配希望",
		Point: 100, DelivFee: 550, Charge: 330, MiscFee: 20, Discount: 200,
		ScheduledToBeShippedAt:   jst("2026-11-28 00:00:00"),
		ScheduledToBeDeliveredAt: jst("2026-11-30 00:00:00"),
		ScheduledDeliveryTime:    "午前中",
		CreatedAt:                jst("2026-11-27 10:11:12"),
		Items: []ecforce.OrderItem{
			{SKU: "TS-M", ProductName: "Tシャツ M", SalesPrice: 2200, Quantity: 2, TaxRate: 10},
			{SKU: "SOAP-3", ProductName: "石けん3個セット", SalesPrice: 1080, Price: 1000, Quantity: 1, TaxRate: 8},
		},
		BillingAddress: &ecforce.Address{Name01: "山田", Name02: "太郎", Kana01: "ヤマダ", Kana02: "タロウ",
			Zip01: "150", Zip02: "0001", PrefectureName: "東京都", Addr01: "渋谷区神宮前", Addr02: "1-2-3", Tel01: "03", Tel02: "1234", Tel03: "5678"},
		ShippingAddress: &ecforce.Address{Name01: "佐藤", Name02: "花子", CompanyName: "佐藤商店",
			Zip01: "530", Zip02: "0001", PrefectureName: "大阪府", Addr01: "大阪市北区梅田", Addr02: "4-5", Addr03: "6F", Tel01: "06", Tel02: "1111", Tel03: "2222"},
	}
}

func TestBuildMapsEveryField(t *testing.T) {
	got, err := Build(testOrder(), testSettings, testTable(t))
	if err != nil {
		t.Fatal(err)
	}
	want := logiless.SalesOrderInput{
		Code:  "0000000007",
		Store: 12,
		Buyer: logiless.Party{Name1: "山田 太郎", NameKana1: "ヤマダ タロウ", Country: "JP", PostCode: "150-0001",
			Prefecture: "東京都", Address1: "渋谷区神宮前", Address2: "1-2-3", Phone: "03-1234-5678", Email: "buyer@example.com"},
		Recipient: logiless.Party{Name1: "佐藤 花子", Name2: "佐藤商店", Country: "JP", PostCode: "530-0001",
			Prefecture: "大阪府", Address1: "大阪市北区梅田", Address2: "4-5", Address3: "6F", Phone: "06-1111-2222"},
		PaymentMethod:             "credit_card_payment",
		DeliveryMethod:            "yamato",
		AuthorizationStatus:       "Authorized",
		UsePoint:                  100,
		DeliveryFee:               550,
		SundryFee:                 350,
		Discount:                  200,
		ScheduledShippingDate:     "2026-11-28",
		DeliveryPreferredDate:     "2026-11-30",
		DeliveryPreferredTimeZone: "午前中",
		BuyerComment:              "置き配希望",
		OrderedAt:                 jst("2026-11-27 10:11:12").Time,
		Lines: []logiless.SalesOrderLineInput{
			{ArticleCode: "A-TS-M", ArticleName: "Tシャツ M", Quantity: 2, Price: 2200, TaxIndicator: "TaxIncluded", TaxRate: 10},
			{ArticleCode: "SET-SOAP-3", ArticleName: "石けん3個セット", Quantity: 1, Price: 1080, TaxIndicator: "TaxIncluded", TaxRate: 8},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Build mismatch\n got: %#v\nwant: %#v", got, want)
	}
}

func TestBuildVariants(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*ecforce.Order)
		check  func(t *testing.T, in logiless.SalesOrderInput)
	}{
		{"no shipping address: recipient is the buyer", func(o *ecforce.Order) { o.ShippingAddress = nil }, func(t *testing.T, in logiless.SalesOrderInput) {
			if in.Recipient.Name1 != "山田 太郎" || in.Recipient.Email != "" {
				t.Errorf("recipient = %+v", in.Recipient)
			}
		}},
		{"no scheduled dates", func(o *ecforce.Order) {
			o.ScheduledToBeShippedAt, o.ScheduledToBeDeliveredAt, o.ScheduledDeliveryTime = ecforce.Time{}, ecforce.Time{}, ""
		}, func(t *testing.T, in logiless.SalesOrderInput) {
			if in.ScheduledShippingDate != "" || in.DeliveryPreferredDate != "" || in.DeliveryPreferredTimeZone != "" {
				t.Errorf("dates = %q %q %q", in.ScheduledShippingDate, in.DeliveryPreferredDate, in.DeliveryPreferredTimeZone)
			}
		}},
		{"captured payment is paid", func(o *ecforce.Order) { o.PaymentState = "completed" }, func(t *testing.T, in logiless.SalesOrderInput) {
			if in.AuthorizationStatus != "Captured" || in.IncomingPaymentStatus != "Paid" {
				t.Errorf("statuses = %q %q", in.AuthorizationStatus, in.IncomingPaymentStatus)
			}
		}},
		{"tax-exempt line", func(o *ecforce.Order) { o.Items[0].TaxRate = 0 }, func(t *testing.T, in logiless.SalesOrderInput) {
			if in.Lines[0].TaxIndicator != "Exempt" || in.Lines[0].TaxRate != 0 {
				t.Errorf("line = %+v", in.Lines[0])
			}
		}},
		{"sales price missing falls back to price", func(o *ecforce.Order) { o.Items[1].SalesPrice = 0 }, func(t *testing.T, in logiless.SalesOrderInput) {
			if in.Lines[1].Price != 1000 {
				t.Errorf("price = %d", in.Lines[1].Price)
			}
		}},
		{"unknown carrier with a default", func(o *ecforce.Order) { o.ShippingCarrierName = "西濃運輸" }, nil},
		{"JST date of a UTC-stored time", func(o *ecforce.Order) {
			o.ScheduledToBeShippedAt = ecforce.Time{Time: time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC)} // 00:30 JST on the 28th
		}, func(t *testing.T, in logiless.SalesOrderInput) {
			if in.ScheduledShippingDate != "2026-11-28" {
				t.Errorf("ScheduledShippingDate = %q, want the JST date", in.ScheduledShippingDate)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder()
			tt.modify(&o)
			s := testSettings
			s.DefaultDeliveryMethod = "sagawa"
			in, err := Build(o, s, testTable(t))
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, in)
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name     string
		modify   func(*ecforce.Order)
		settings func(*Settings)
		check    func(error) bool
		mention  []string
	}{
		{"unmapped SKUs are all named", func(o *ecforce.Order) {
			o.Items = append(o.Items, ecforce.OrderItem{SKU: "NOPE-2", Quantity: 1}, ecforce.OrderItem{SKU: "NOPE-1", Quantity: 1}, ecforce.OrderItem{SKU: "NOPE-1", Quantity: 3})
		}, nil, func(err error) bool {
			var u *UnmappedSKUError
			return errors.As(err, &u) && reflect.DeepEqual(u.SKUs, []string{"NOPE-1", "NOPE-2"})
		}, []string{"0000000007", `"NOPE-1", "NOPE-2"`, "mappings/demo.csv"}},
		{"unknown payment method without default", func(o *ecforce.Order) { o.PaymentMethodName = "後払い" }, nil, func(err error) bool {
			var u *UnmappedMethodError
			return errors.As(err, &u) && u.Name == "後払い"
		}, []string{"後払い", "order_import.payment_methods"}},
		{"unknown carrier without default", func(o *ecforce.Order) { o.ShippingCarrierName = "西濃運輸" }, nil, func(err error) bool {
			var u *UnmappedMethodError
			return errors.As(err, &u)
		}, []string{"西濃運輸", "order_import.delivery_methods"}},
		{"no lines", func(o *ecforce.Order) { o.Items = nil }, nil, isInvalid, []string{"no lines"}},
		{"no address at all", func(o *ecforce.Order) { o.BillingAddress, o.ShippingAddress = nil, nil }, nil, isInvalid, []string{"address"}},
		{"zero quantity", func(o *ecforce.Order) { o.Items[0].Quantity = 0 }, nil, isInvalid, []string{"TS-M", "quantity 0"}},
		{"recipient without street address", func(o *ecforce.Order) { o.ShippingAddress.Addr01 = " " }, nil, isInvalid,
			[]string{"0000000007", "shipping address has no street address (addr01)", "complete the address in ecforce"}},
		{"recipient without name", func(o *ecforce.Order) { o.ShippingAddress.Name01, o.ShippingAddress.Name02 = "", "" }, nil, isInvalid,
			[]string{"0000000007", "shipping address has no name (name01, name02)"}},
		{"buyer without name", func(o *ecforce.Order) { o.BillingAddress.Name01, o.BillingAddress.Name02 = "", "" }, nil, isInvalid,
			[]string{"0000000007", "billing address has no name"}},
		{"billing address only, without street address", func(o *ecforce.Order) { o.ShippingAddress, o.BillingAddress.Addr01 = nil, "" }, nil, isInvalid,
			[]string{"0000000007", "the order has no shipping address", "addr01"}},
		{"all missing fields named at once", func(o *ecforce.Order) {
			o.BillingAddress.Name01, o.BillingAddress.Name02 = "", ""
			o.ShippingAddress.Name01, o.ShippingAddress.Name02, o.ShippingAddress.Addr01 = "", "", ""
		}, nil, isInvalid, []string{"billing address has no name", "shipping address has no name", "shipping address has no street address"}},
		{"code LOGILESS would reject", func(o *ecforce.Order) { o.Number = "受注-1" }, nil, isInvalid, []string{"order code"}},
		{"code too long", func(o *ecforce.Order) { o.Number = strings.Repeat("9", 31) }, nil, isInvalid, []string{"at most 30"}},
		{"prefix and number too long together", func(o *ecforce.Order) { o.Number = strings.Repeat("9", 20) },
			func(s *Settings) { s.Codes.Prefix = "SHOP-B-2024-" }, isInvalid, []string{"order_import.code_prefix", "SHOP-B-2024-9999", "at most 30"}},
		{"several shipping addresses", func(o *ecforce.Order) { o.ShippingAddressIDs = []string{"5", "6"} },
			func(s *Settings) { s.Codes.Prefix = "B-" }, isSeveral(2), []string{"0000000007", "2 shipping addresses", "split it", "B-0000000007"}},
		{"flagged multiple_shipping", func(o *ecforce.Order) { o.MultipleShipping, o.ShippingAddressIDs = true, []string{"5"} },
			nil, isSeveral(0), []string{"複数配送先", "multiple_shipping", "by hand"}},
		{"several destinations fail before an unmapped SKU", func(o *ecforce.Order) {
			o.ShippingAddressIDs = []string{"5", "6", "7"}
			o.Items = append(o.Items, ecforce.OrderItem{SKU: "NOPE", Quantity: 1})
		}, nil, isSeveral(3), []string{"3 shipping addresses"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder()
			tt.modify(&o)
			s := testSettings
			if tt.settings != nil {
				tt.settings(&s)
			}
			_, err := Build(o, s, testTable(t))
			if err == nil || !tt.check(err) {
				t.Fatalf("Build error = %v, not the expected kind", err)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func isInvalid(err error) bool { return errors.Is(err, ErrInvalidOrder) }

func isSeveral(n int) func(error) bool {
	return func(err error) bool {
		var m *MultipleDestinationsError
		return errors.As(err, &m) && m.Destinations == n
	}
}

// A shop with a code prefix sends prefix + 受注番号 as the code; one
// destination listed in shipping_addresses is one destination.
func TestBuildCodeAndOneDestination(t *testing.T) {
	o := testOrder()
	o.ShippingAddressIDs = []string{"5"}
	s := testSettings
	s.Codes.Prefix = "B-"
	got, err := Build(o, s, testTable(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.Code != "B-0000000007" || got.Recipient.Name1 != "佐藤 花子" {
		t.Errorf("code %q, recipient %q", got.Code, got.Recipient.Name1)
	}
}

func TestBuildMatchesProductNumbers(t *testing.T) {
	table, err := mapping.NewTable([]mapping.Row{{SKU: "P-TS", ArticleCode: "A-TS", AllocationRate: 100}})
	if err != nil {
		t.Fatal(err)
	}
	s := testSettings
	s.MatchProductNumber = true
	order := testOrder()
	order.Items = []ecforce.OrderItem{{SKU: "TS-M", ProductNumber: "P-TS", ProductName: "Tシャツ M", SalesPrice: 2200, Quantity: 1, TaxRate: 10}}
	in, err := Build(order, s, table)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Lines) != 1 || in.Lines[0].ArticleCode != "A-TS" {
		t.Errorf("lines = %+v, want the product number's article", in.Lines)
	}
	if !s.MapsEveryLine(order, table) || testSettings.MapsEveryLine(order, table) {
		t.Error("MapsEveryLine must look the product number up only when matching by it")
	}
	// By variant_sku the same table has no row for the line.
	if _, err := Build(order, testSettings, table); err == nil {
		t.Error("a variant_sku lookup found the product number's row")
	}
	order.Items = append(order.Items, ecforce.OrderItem{SKU: "X-1", ProductNumber: "P-X", ProductName: "x", Quantity: 1})
	_, err = Build(order, s, table)
	var u *UnmappedSKUError
	if !errors.As(err, &u) || !reflect.DeepEqual(u.SKUs, []string{"P-X"}) || !strings.Contains(err.Error(), `product number "P-X" not in`) {
		t.Errorf("err = %v, want the unmapped product number named", err)
	}
}
