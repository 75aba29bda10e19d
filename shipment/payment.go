package shipment

import "strings"

// PaymentKind sorts an ecforce payment by what 売上処理 (capture) can do
// with it.
type PaymentKind int

const (
	PaymentUnknown       PaymentKind = iota
	PaymentCaptured                  // completed: 売上完了
	PaymentNoCapture                 // cash on delivery, prepaid, no payment
	PaymentCapturable                // authed: 仮売上
	PaymentExamPending               // deferred payment still in credit check (与信審査)
	PaymentFailed                    // a failure only a person can resolve
	PaymentNotCapturable             // voided and the like
)

// Payment is an ecforce payment as 売上処理 sees it, with a short reason
// for the kinds that skip or stop the capture.
type Payment struct {
	Kind   PaymentKind
	Reason string
}

// Settled reports whether nothing is left to capture.
func (p Payment) Settled() bool { return p.Kind == PaymentCaptured || p.Kind == PaymentNoCapture }

// ClassifyPayment sorts an ecforce payment_state (ecforce-api.md §3.3);
// methodName catches cash on delivery whatever its state says.
func ClassifyPayment(state, methodName string) Payment {
	switch state {
	case "completed", "captured":
		return Payment{PaymentCaptured, "already captured (payment_state " + state + ")"}
	case "cash_on_delivery_authed":
		return Payment{PaymentNoCapture, "cash on delivery needs no capture"}
	case "paid":
		return Payment{PaymentNoCapture, "paid in advance; nothing to capture"}
	case "":
		return Payment{PaymentNoCapture, "the order has no payment to capture"}
	}
	if strings.Contains(methodName, "代金引換") {
		return Payment{PaymentNoCapture, "cash on delivery needs no capture"}
	}
	switch state {
	case "authed", "credit_exam_completed":
		return Payment{PaymentCapturable, ""}
	case "credit_exam_processing", "credit_exam_hold":
		return Payment{PaymentExamPending, "the deferred payment's credit check (与信審査) is still running"}
	case "sales_failed", "auth_failed", "update_failed", "registration_failed", "shipment_report_failed",
		"void_failed", "failed", "credit_exam_failed":
		return Payment{PaymentFailed, "payment_state is " + state}
	}
	return Payment{PaymentNotCapturable, "payment_state is " + state}
}
