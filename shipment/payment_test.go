package shipment

import (
	"os"
	"strings"
	"testing"
)

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

func TestSettlementOf(t *testing.T) {
	tests := []struct {
		method       string
		want         Settlement
		captures     bool
		movesPayment bool
	}{
		{"credit_card_payment", SettleByCapture, true, true},
		{"amazon_pay", SettleByCapture, true, true},
		{"paypay_credit", SettleByCapture, true, true},
		{"np_atobarai", SettleByShipmentReport, true, false},
		{"post_payment", SettleByShipmentReport, true, false},
		{"cod", SettleOnDelivery, false, false},
		{"bank_transfer", SettledBeforeShipping, false, false},
		{"cvs_payment", SettledBeforeShipping, false, false},
		{"no_payment", SettleNothing, false, false},
		{"other", SettleByPaymentState, true, true},
		{"", SettleByPaymentState, true, true},
		{"something_new", SettleByPaymentState, true, true},
	}
	for _, tt := range tests {
		got := SettlementOf(tt.method)
		if got != tt.want || got.Captures() != tt.captures || got.CaptureMovesPaymentState() != tt.movesPayment {
			t.Errorf("SettlementOf(%q) = %q (captures %t, moves payment_state %t), want %q (%t, %t)",
				tt.method, got, got.Captures(), got.CaptureMovesPaymentState(), tt.want, tt.captures, tt.movesPayment)
		}
		if !got.Captures() && got.Reason() == "" {
			t.Errorf("SettlementOf(%q) captures nothing but gives no reason", tt.method)
		}
	}
}

// The payment table of docs/shipment-notification.md names every
// payment_method SettlementOf knows, in the row of its settlement.
func TestPaymentTableInTheDocs(t *testing.T) {
	b, err := os.ReadFile("../docs/shipment-notification.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // method → its table row
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " | ")
		for _, m := range strings.Split(first, ", ") {
			rows[strings.Trim(m, "`")] = line
		}
	}
	for _, m := range KnownPaymentMethods() {
		row, ok := rows[m]
		switch s := SettlementOf(m); {
		case !ok:
			t.Errorf("payment_method %s is not in the docs' payment table", m)
		case s != SettleByPaymentState && !strings.Contains(row, "(`"+string(s)+"`)"):
			t.Errorf("payment_method %s settles by %q, but its docs row says otherwise: %s", m, s, row)
		}
	}
}
