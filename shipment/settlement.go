package shipment

import "slices"

// Settlement is how an order's payment gets settled, known from the
// LOGILESS payment_method the order was imported with. It decides what the
// notification does about 売上処理 (capture) when the shop runs it with the
// notification (with_sales): docs/shipment-notification.md has the table.
type Settlement string

// The settlements. Their strings are recorded in workflow histories.
const (
	// SettleByPaymentState: a payment_method the connector does not know
	// (or none was read, as in runs recorded before this field): ecforce's
	// payment_state alone decides, as for a card.
	SettleByPaymentState Settlement = ""
	// SettleByCapture: card and wallet payments. 売上処理 turns
	// payment_state from authed into completed.
	SettleByCapture Settlement = "capture"
	// SettleByShipmentReport: 後払い (deferred payment). The shipping update
	// with slip and ship date, sent with with_sale=1, is the shipment
	// report (出荷報告) to the payment company; it may leave payment_state
	// as it is (ecforce-api.md §4, §5, §10 q3).
	SettleByShipmentReport Settlement = "shipment-report"
	// SettleOnDelivery: 代金引換. The carrier collects; nothing to capture.
	SettleOnDelivery Settlement = "cash-on-delivery"
	// SettledBeforeShipping: bank or postal transfer, convenience-store
	// payment: paid before it ships; nothing to capture.
	SettledBeforeShipping Settlement = "paid-before-shipping"
	// SettleNothing: no payment, or points only.
	SettleNothing Settlement = "no-payment"
)

// paymentMethodSettlements sorts every LOGILESS payment_method the
// connector knows (logiless-api.md §2 lists some of the 33; the sandbox
// and config accept these). Which of them are 後払い that need a shipment
// report is our inference from what each service is.
var paymentMethodSettlements = map[string]Settlement{
	"credit_card_payment": SettleByCapture,
	"amazon_pay":          SettleByCapture,
	"rakuten_pay":         SettleByCapture,
	"paypay":              SettleByCapture,
	"paypay_credit":       SettleByCapture,
	"line_pay":            SettleByCapture,
	"d_payment":           SettleByCapture,
	"au_pay":              SettleByCapture,
	"merpay":              SettleByCapture,
	"carrier_payment":     SettleByCapture,
	"paidy":               SettleByCapture,

	"post_payment":     SettleByShipmentReport,
	"np_atobarai":      SettleByShipmentReport,
	"gmo_postpay":      SettleByShipmentReport,
	"gmo_atobarai":     SettleByShipmentReport,
	"kuroneko_postpay": SettleByShipmentReport,
	"atone":            SettleByShipmentReport,

	"cod": SettleOnDelivery,

	"bank_transfer":   SettledBeforeShipping,
	"postal_transfer": SettledBeforeShipping,
	"cvs_payment":     SettledBeforeShipping,

	"no_payment":    SettleNothing,
	"point_payment": SettleNothing,

	"other":         SettleByPaymentState,
	"other_payment": SettleByPaymentState,
}

// SettlementOf sorts a LOGILESS payment_method; one it does not know is
// SettleByPaymentState.
func SettlementOf(paymentMethod string) Settlement {
	return paymentMethodSettlements[paymentMethod]
}

// KnownPaymentMethods lists the payment_method values SettlementOf sorts,
// sorted.
func KnownPaymentMethods() []string {
	methods := make([]string, 0, len(paymentMethodSettlements))
	for m := range paymentMethodSettlements {
		methods = append(methods, m)
	}
	slices.Sort(methods)
	return methods
}

// Captures reports whether the notification asks ecforce for 売上処理 at
// all (with with_sales on): by its own request, or with the shipping
// update for a shipment report.
func (s Settlement) Captures() bool {
	return s == SettleByCapture || s == SettleByPaymentState || s == SettleByShipmentReport
}

// CaptureMovesPaymentState reports whether a capture of this settlement
// shows in payment_state (authed → completed), so that ecforce itself
// tells whether a request applied. A shipment report may not: it is sent
// once, with the shipping update, and never again.
func (s Settlement) CaptureMovesPaymentState() bool {
	return s == SettleByCapture || s == SettleByPaymentState
}

// Reason is the short reason the capture step gives for a settlement it
// does not capture, "" for those it does.
func (s Settlement) Reason() string {
	switch s {
	case SettleOnDelivery:
		return "cash on delivery needs no capture (the carrier collects)"
	case SettledBeforeShipping:
		return "paid before shipping; nothing to capture"
	case SettleNothing:
		return "the order has no payment to capture"
	}
	return ""
}
