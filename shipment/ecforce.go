package shipment

import (
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
)

// EcforceShipping is the shipping, payment and 対応状況 state of one ecforce
// order as read (no personal data).
type EcforceShipping struct {
	OrderID           int64
	Number            string
	State             string
	PaymentState      string
	PaymentMethodName string
	ShippingSlip      string
	ShippedAt         time.Time
	CarrierID         int64
}

// EcforceShippingOf picks the shipping state out of an ecforce order.
func EcforceShippingOf(o ecforce.Order) EcforceShipping {
	return EcforceShipping{
		OrderID:           o.ID,
		Number:            o.Number,
		State:             o.State,
		PaymentState:      o.PaymentState,
		PaymentMethodName: o.PaymentMethodName,
		ShippingSlip:      o.ShippingSlip,
		ShippedAt:         o.ShippedAt.Time,
		CarrierID:         o.ShippingCarrierID,
	}
}

// StateCanceled is ecforce's 対応状況 キャンセル (ecforce-api.md §6).
const StateCanceled = "canceled"

// Canceled reports whether the order is キャンセル in ecforce: the
// notification then writes nothing to it (no slip, no capture, no
// 対応状況).
func (e EcforceShipping) Canceled() bool { return e.State == StateCanceled }

// HasShipping reports whether ecforce already has this slip and ship date
// (the same calendar day in JST: ecforce's 発送日 is a day to the people who
// read it) and, when carrierID is not 0, this carrier.
func (e EcforceShipping) HasShipping(slip string, shippedAt time.Time, carrierID int64) bool {
	return e.ShippingSlip == slip && !e.ShippedAt.IsZero() && SameJSTDay(e.ShippedAt, shippedAt) &&
		(carrierID == 0 || e.CarrierID == carrierID)
}

// SameJSTDay reports whether a and b fall on the same calendar day in JST.
func SameJSTDay(a, b time.Time) bool {
	ay, am, ad := a.In(ecforce.JST).Date()
	by, bm, bd := b.In(ecforce.JST).Date()
	return ay == by && am == bm && ad == bd
}

// Steps are the optional steps a shop's notification takes after writing
// the shipping: 売上処理 (with_sales) and a 対応状況 (status_after, "" for
// none).
type Steps struct {
	WithSales   bool
	StatusAfter string
}

// Standing is how far ecforce is with a shipped order's notification.
type Standing int

const (
	// Pending: something of the notification is still to be written.
	Pending Standing = iota
	// Complete: ecforce has the shipping and every configured step.
	Complete
	// WaitingForOperator: the shipping is in ecforce but its capture
	// failed; a person must fix the payment first.
	WaitingForOperator
)

// StandingOf tells how far ecforce (current) is with the notification of a
// shipment whose slip is slip, for an order whose payment settles as
// settlement. A shipment report goes with the shipping update, so for it
// the capture is done once the shipping is there (unless the payment
// failed); settlements that need no capture never wait for one.
func StandingOf(current EcforceShipping, slip string, shippedAt time.Time, settlement Settlement, steps Steps) Standing {
	if !current.HasShipping(slip, shippedAt, 0) {
		return Pending
	}
	payment := ClassifyPayment(current.PaymentState, current.PaymentMethodName)
	withSales := steps.WithSales && settlement.Captures()
	captured := payment.Settled() || (settlement == SettleByShipmentReport && payment.Kind != PaymentFailed)
	switch {
	case withSales && payment.Kind == PaymentFailed:
		return WaitingForOperator
	case (!withSales || captured) && (steps.StatusAfter == "" || current.State == steps.StatusAfter):
		return Complete
	}
	return Pending
}
