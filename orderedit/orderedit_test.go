package orderedit

import (
	"reflect"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/logiless"
)

var created = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func imported() logiless.SalesOrderInput {
	return logiless.SalesOrderInput{
		Code: "EC1", Store: 1, PaymentMethod: "credit_card_payment", DeliveryMethod: "yamato",
		Buyer:       logiless.Party{Name1: "山田 太郎", Country: "JP", Address1: "東京都渋谷区1-1", Email: "t@example.jp"},
		Recipient:   logiless.Party{Name1: "山田 花子", Country: "JP", Address1: "東京都渋谷区1-1"},
		DeliveryFee: 550, BuyerComment: "置き配希望",
		Lines: []logiless.SalesOrderLineInput{{ArticleCode: "A", ArticleName: "a", Quantity: 2, Price: 1000}, {ArticleCode: "B", ArticleName: "b", Quantity: 1, Price: 500}},
	}
}

// held is the sales order LOGILESS holds for want, as the import left it.
func held(want logiless.SalesOrderInput) logiless.SalesOrderFields {
	so := logiless.SalesOrder{ID: 7, Code: want.Code, DocumentStatus: "WaitingForShipment", DeliveryStatus: "WaitingForShipment", UpdatedAt: created}
	for i, l := range want.Lines {
		so.Lines = append(so.Lines, logiless.SalesOrderLine{ID: int64(100 + i), ArticleCode: l.ArticleCode, Quantity: l.Quantity, Price: l.Price, Status: "Allocated"})
	}
	return logiless.SalesOrderFields{SalesOrder: so, CreatedAt: created, Values: Values(want)}
}

func TestDiff(t *testing.T) {
	later := created.Add(time.Hour)
	tests := []struct {
		name      string
		edit      func(*logiless.SalesOrderInput)
		logiless  func(*logiless.SalesOrderFields)
		lastWrite time.Time
		keys      []string
		reverse   []int64
		problems  []Problem
		closed    bool
		recipient bool // the PUT sends the recipient
	}{
		{name: "nothing changed"},
		{name: "nothing changed although LOGILESS moved updated_at", logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.UpdatedAt = later }},
		{name: "address edit", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Address1 = "大阪府大阪市1-1" },
			keys: []string{"recipient_address1"}, recipient: true},
		{name: "delivery date and time", edit: func(w *logiless.SalesOrderInput) {
			w.DeliveryPreferredDate, w.DeliveryPreferredTimeZone = "2026-12-05", "午前中"
		},
			keys: []string{"delivery_preferred_date", "delivery_preferred_time_zone"}},
		{name: "after our own last write", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Phone = "0312345678" },
			logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.UpdatedAt = later }, lastWrite: later,
			keys: []string{"recipient_phone"}, recipient: true},
		{name: "changed in LOGILESS after the import", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Address1 = "x" },
			logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.UpdatedAt = later },
			problems: []Problem{{"recipient_address1", ReasonChangedInLogiless}}},
		{name: "changed in LOGILESS after our last write", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Address1 = "x" },
			logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.UpdatedAt = later.Add(time.Minute) }, lastWrite: later,
			problems: []Problem{{"recipient_address1", ReasonChangedInLogiless}}},
		{name: "LOGILESS's allocation a second after the import is part of it", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Address1 = "x" },
			logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.UpdatedAt = created.Add(time.Second) },
			keys:     []string{"recipient_address1"}, recipient: true},
		{name: "no created_at and no write known", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Address1 = "x" },
			logiless: func(f *logiless.SalesOrderFields) { f.CreatedAt = time.Time{} },
			problems: []Problem{{"recipient_address1", ReasonChangedInLogiless}}},
		{name: "in work", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Address1 = "x" },
			logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.DeliveryStatus = "Working" },
			problems: []Problem{{"recipient_address1", ReasonInWork}}},
		{name: "shipped", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Address1 = "x" },
			logiless: func(f *logiless.SalesOrderFields) {
				f.SalesOrder.DeliveryStatus, f.SalesOrder.DocumentStatus = "Shipped", "Shipped"
			},
			problems: []Problem{{"recipient_address1", ReasonInWork}}, closed: true},
		{name: "remark is not writable, the address is sent", edit: func(w *logiless.SalesOrderInput) {
			w.BuyerComment, w.Recipient.Address2 = "不在時は宅配ボックス", "2F"
		},
			keys: []string{"recipient_address2"}, recipient: true, problems: []Problem{{"buyer_comment", ReasonNotWritable}}},
		{name: "carrier is not writable", edit: func(w *logiless.SalesOrderInput) { w.DeliveryMethod = "sagawa" },
			problems: []Problem{{"delivery_method", ReasonNotWritable}}},
		{name: "amounts as strings and numbers", logiless: func(f *logiless.SalesOrderFields) { f.Values["discount"] = "" }},
		{name: "delivery fee edit", edit: func(w *logiless.SalesOrderInput) { w.DeliveryFee = 0 }, keys: []string{"delivery_fee"}},
		{name: "unknown fields are not compared", edit: func(w *logiless.SalesOrderInput) { w.Recipient.Address1 = "x" },
			logiless: func(f *logiless.SalesOrderFields) { delete(f.Values, "recipient_address1") }},
		{name: "line removed", edit: func(w *logiless.SalesOrderInput) { w.Lines = w.Lines[:1] }, reverse: []int64{101}},
		{name: "line added", edit: func(w *logiless.SalesOrderInput) {
			w.Lines = append(w.Lines, logiless.SalesOrderLineInput{ArticleCode: "C", Quantity: 1})
		}, problems: []Problem{{"line C", ReasonLineAdded}}},
		{name: "quantity up", edit: func(w *logiless.SalesOrderInput) { w.Lines[0].Quantity = 3 }, problems: []Problem{{"line A", ReasonLineAdded}}},
		{name: "quantity down, no whole line makes it", edit: func(w *logiless.SalesOrderInput) { w.Lines[0].Quantity = 1 },
			problems: []Problem{{"line A", ReasonLineDecreased}}},
		{name: "quantity down by exactly one of two lines", edit: func(w *logiless.SalesOrderInput) { w.Lines = w.Lines[1:] },
			logiless: func(f *logiless.SalesOrderFields) {
				f.SalesOrder.Lines = append(f.SalesOrder.Lines, logiless.SalesOrderLine{ID: 102, ArticleCode: "B", Quantity: 2, Price: 500})
				f.SalesOrder.Lines[0].Quantity = 2
			}, reverse: []int64{102, 100}},
		{name: "a removal waits while another line is added", edit: func(w *logiless.SalesOrderInput) {
			w.Lines = []logiless.SalesOrderLineInput{w.Lines[0], {ArticleCode: "C", Quantity: 1}}
		}, problems: []Problem{{"line C", ReasonLineAdded}}},
		{name: "price changed", edit: func(w *logiless.SalesOrderInput) { w.Lines[1].Price = 450 }, problems: []Problem{{"line B", ReasonLineChanged}}},
		{name: "cancelled and component lines are left out", logiless: func(f *logiless.SalesOrderFields) {
			f.SalesOrder.Lines = append(f.SalesOrder.Lines, logiless.SalesOrderLine{ID: 103, ArticleCode: "X", Quantity: 1, Status: "Cancel"},
				logiless.SalesOrderLine{ID: 104, ArticleCode: "A-PART", Quantity: 4, IsChild: true, ParentID: 100})
		}},
		{name: "line removed in work", edit: func(w *logiless.SalesOrderInput) { w.Lines = w.Lines[:1] },
			logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.DeliveryStatus = "Working" },
			problems: []Problem{{"line B", ReasonInWork}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := held(imported())
			want := imported()
			if tc.edit != nil {
				tc.edit(&want)
			}
			if tc.logiless != nil {
				tc.logiless(&cur)
			}
			p := Diff(want, cur, tc.lastWrite)
			if !reflect.DeepEqual(p.UpdateKeys, tc.keys) || !reflect.DeepEqual(p.Reverse, tc.reverse) ||
				!reflect.DeepEqual(p.Problems, tc.problems) || p.Closed != tc.closed {
				t.Fatalf("plan keys %v reverse %v problems %v closed %v;\nwant keys %v reverse %v problems %v closed %v",
					p.UpdateKeys, p.Reverse, p.Problems, p.Closed, tc.keys, tc.reverse, tc.problems, tc.closed)
			}
			if (p.Update.Recipient != nil) != tc.recipient {
				t.Errorf("PUT sends the recipient: %v, want %v", p.Update.Recipient != nil, tc.recipient)
			}
			if len(tc.keys) > 0 {
				if err := p.Update.Validate(); err != nil {
					t.Errorf("the PUT does not validate: %v", err)
				}
			}
			if p.Empty() != (len(tc.keys)+len(tc.reverse)+len(tc.problems) == 0) {
				t.Errorf("Empty() = %v", p.Empty())
			}
		})
	}
}

func TestExactCover(t *testing.T) {
	lines := []logiless.SalesOrderLine{{ID: 1, Quantity: 1}, {ID: 2, Quantity: 2}, {ID: 3, Quantity: 1}}
	for qty, want := range map[int64][]int64{1: {3}, 2: {2}, 3: {2, 3}, 4: {1, 2, 3}, 5: nil} {
		got, ok := exactCover(lines, qty)
		if ok != (want != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("cover %d: %v %v, want %v", qty, got, ok, want)
		}
	}
}

func TestPending(t *testing.T) {
	later := created.Add(time.Hour)
	tests := []struct {
		name     string
		edit     func(*logiless.SalesOrderInput)
		logiless func(*logiless.SalesOrderFields)
		want     bool
	}{
		{name: "LOGILESS holds what the import sent", want: false},
		{name: "recipient edited in ecforce", edit: func(in *logiless.SalesOrderInput) { in.Recipient.Address1 = "大阪府大阪市1-1" }, want: true},
		{name: "a line removed in ecforce", edit: func(in *logiless.SalesOrderInput) { in.Lines = in.Lines[:1] }, want: true},
		{name: "shipped: nothing to do", edit: func(in *logiless.SalesOrderInput) { in.Recipient.Address1 = "大阪府大阪市1-1" },
			logiless: func(f *logiless.SalesOrderFields) {
				f.SalesOrder.DocumentStatus, f.SalesOrder.DeliveryStatus = "Shipped", "Shipped"
			}, want: false},
		{name: "changed in LOGILESS only, no difference", logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.UpdatedAt = later }, want: false},
		{name: "changed in LOGILESS and edited in ecforce: the pass decides", edit: func(in *logiless.SalesOrderInput) { in.DeliveryPreferredDate = "2026-12-24" },
			logiless: func(f *logiless.SalesOrderFields) { f.SalesOrder.UpdatedAt = later }, want: true},
		{name: "fields unknown", logiless: func(f *logiless.SalesOrderFields) { f.Values = nil }, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := held(imported())
			want := imported()
			if tc.edit != nil {
				tc.edit(&want)
			}
			if tc.logiless != nil {
				tc.logiless(&cur)
			}
			if got := Pending(want, cur); got != tc.want {
				t.Errorf("Pending = %t, want %t", got, tc.want)
			}
		})
	}
}
