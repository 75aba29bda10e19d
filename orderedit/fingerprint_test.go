package orderedit

import (
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/logiless"
)

func TestFingerprint(t *testing.T) {
	base := Fingerprint(imported())
	if len(base) != 33 || !strings.HasPrefix(base, "s") {
		t.Fatalf("Fingerprint = %q, want s and 32 hex digits", base)
	}
	if again := Fingerprint(imported()); again != base {
		t.Fatalf("the same order gave %q and %q", base, again)
	}
	tests := []struct {
		name string
		edit func(*logiless.SalesOrderInput)
	}{
		{"recipient address", func(in *logiless.SalesOrderInput) { in.Recipient.Address1 = "大阪府大阪市1-1" }},
		{"delivery date", func(in *logiless.SalesOrderInput) { in.DeliveryPreferredDate = "2026-12-24" }},
		{"payment completed", func(in *logiless.SalesOrderInput) { in.IncomingPaymentStatus = "Paid" }},
		{"line quantity", func(in *logiless.SalesOrderInput) { in.Lines[0].Quantity = 1 }},
		{"line removed", func(in *logiless.SalesOrderInput) { in.Lines = in.Lines[:1] }},
		{"remark", func(in *logiless.SalesOrderInput) { in.BuyerComment = "" }},
		{"attribute", func(in *logiless.SalesOrderInput) { in.Attrs = map[int]string{1: "x"} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := imported()
			tc.edit(&in)
			if got := Fingerprint(in); got == base || got == "" {
				t.Errorf("Fingerprint after the edit = %q, want another than %q", got, base)
			}
		})
	}
	for _, v := range []string{"山田", "東京都", "t@example.jp", "EC1"} {
		if strings.Contains(base, v) {
			t.Errorf("Fingerprint %q shows %q", base, v)
		}
	}
}
