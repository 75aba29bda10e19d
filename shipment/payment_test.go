package shipment

import "testing"

func TestClassifyPayment(t *testing.T) {
	tests := []struct {
		state, method string
		want          PaymentKind
		settled       bool
	}{
		{"authed", "クレジットカード決済", PaymentCapturable, false},
		{"credit_exam_completed", "後払い", PaymentCapturable, false},
		{"completed", "クレジットカード決済", PaymentCaptured, true},
		{"captured", "", PaymentCaptured, true},
		{"cash_on_delivery_authed", "代金引換", PaymentNoCapture, true},
		{"authed", "代金引換", PaymentNoCapture, true},
		{"paid", "銀行振込", PaymentNoCapture, true},
		{"", "", PaymentNoCapture, true},
		{"credit_exam_processing", "後払い", PaymentExamPending, false},
		{"credit_exam_hold", "後払い", PaymentExamPending, false},
		{"sales_failed", "クレジットカード決済", PaymentFailed, false},
		{"auth_failed", "クレジットカード決済", PaymentFailed, false},
		{"voided", "クレジットカード決済", PaymentNotCapturable, false},
		{"something_new", "", PaymentNotCapturable, false},
	}
	for _, tt := range tests {
		got := ClassifyPayment(tt.state, tt.method)
		if got.Kind != tt.want || got.Settled() != tt.settled {
			t.Errorf("ClassifyPayment(%q, %q) = %v (settled %t), want %v (settled %t)", tt.state, tt.method, got.Kind, got.Settled(), tt.want, tt.settled)
		}
		if got.Kind != PaymentCapturable && got.Reason == "" {
			t.Errorf("ClassifyPayment(%q, %q) gives no reason", tt.state, tt.method)
		}
	}
}
