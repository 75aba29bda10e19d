package logiless

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeSalesOrderFields(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    map[string]string // keys that must be present with these values
		absent  []string
		wantErr string
	}{
		{"strings, null and numbers", `{"id":"7","code":"A","recipient_address1":"東京都","recipient_address2":null,"delivery_fee":"550","discount":0,"created_at":"2026-12-01 10:00:00"}`,
			map[string]string{"recipient_address1": "東京都", "recipient_address2": "", "delivery_fee": "550", "discount": "0"},
			[]string{"recipient_address3", "buyer_comment"}, ""},
		{"wrapped", `{"sales_order":{"id":7,"buyer_comment":"置き配","delivery_preferred_date":"2026-12-05"}}`,
			map[string]string{"buyer_comment": "置き配", "delivery_preferred_date": "2026-12-05"}, nil, ""},
		{"object where text belongs", `{"id":7,"recipient_name1":{"x":1}}`, nil, nil, "recipient_name1"},
		{"bad created_at", `{"id":7,"created_at":"yesterday"}`, nil, nil, "created_at"},
		{"not an object", `[1]`, nil, nil, "cannot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := DecodeSalesOrderFields([]byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got, ok := f.Values[k]; !ok || got != v {
					t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := f.Values[k]; ok {
					t.Errorf("%s present, want absent", k)
				}
			}
			if s := fmt.Sprintf("%v %+v %#v", f, f, f); strings.Contains(s, "東京都") || strings.Contains(s, "置き配") {
				t.Errorf("fmt leaks personal data: %s", s)
			}
		})
	}
}

func FuzzDecodeSalesOrderFields(f *testing.F) {
	f.Add(`{"id":"7","recipient_address1":"東京都","delivery_fee":"550"}`)
	f.Add(`{"sales_order":{"id":7,"lines":[{"id":"1","quantity":"2"}]}}`)
	f.Add(`{"data":{"id":7,"created_at":null}}`)
	f.Fuzz(func(t *testing.T, body string) {
		got, err := DecodeSalesOrderFields([]byte(body))
		if err != nil {
			return
		}
		for _, k := range EditableKeys {
			if v, ok := got.Values[k]; ok && strings.ContainsRune(v, 0xFFFD) && !strings.ContainsRune(body, 0xFFFD) && !strings.Contains(body, `\u`) && strings.ToValidUTF8(body, "") == body {
				t.Errorf("%s decoded to invalid text %q", k, v)
			}
		}
	})
}

func TestEditRequestsThroughTheFake(t *testing.T) {
	f, c, _ := authedClient(t)
	ctx := context.Background()
	so := f.seedOrder("EDIT-1")
	got, err := c.GetSalesOrderFields(ctx, so.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SalesOrder.Code != "EDIT-1" || got.Values["recipient_address1"] != "東京都渋谷区神宮前1-2-3" || got.CreatedAt.IsZero() {
		t.Fatalf("read %v (created %v)", got, got.CreatedAt)
	}
	if _, err := c.GetSalesOrderFields(ctx, 123); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if err := c.ReverseSalesOrderLine(ctx, so.ID, so.Lines[0].ID); err != nil {
		t.Fatal(err)
	}
	if o, _ := f.SalesOrder("EDIT-1"); o.DocumentStatus != DocumentStatusCancel {
		t.Errorf("the only line reversed: order %s, want Cancel", o.DocumentStatus)
	}
	if err := c.ReverseSalesOrderLine(ctx, so.ID, so.Lines[0].ID); !IsLocked(err) {
		t.Errorf("second reversal: %v, want a 423", err)
	}
}
