package shipment

import (
	"regexp"
	"testing"
)

func TestResendVersion(t *testing.T) {
	tests := []struct {
		name, have, now string
		resend          bool
	}{
		{"first notification", "", "438000000001", false},
		{"ecforce has it already", "438000000001", "438000000001", false},
		{"ecforce has it, spaces aside", " 438000000001", "438000000001 ", false},
		{"LOGILESS has none (not shipped)", "438000000001", "", false},
		{"shipped again under a new number", "438000000001", "438000000002", true},
		{"a parcel added", "438000000001", "438000000001,438000000003", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := ResendVersion(EcforceShipping{ShippingSlip: tc.have}, tc.now)
			if (v != "") != tc.resend {
				t.Fatalf("version %q, resend want %v", v, tc.resend)
			}
			if tc.resend && !regexp.MustCompile(`^t[0-9a-f]{12}$`).MatchString(v) {
				t.Errorf("version %q is not t + 12 hex digits", v)
			}
		})
	}
	a := ResendVersion(EcforceShipping{ShippingSlip: "1"}, "2")
	if b := ResendVersion(EcforceShipping{ShippingSlip: "3"}, "2"); a != b {
		t.Errorf("the version depends on the new slip only: %q vs %q", a, b)
	}
}
