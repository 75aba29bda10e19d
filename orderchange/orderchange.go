// Package orderchange decides what an ecforce order that changed after its
// import means for its LOGILESS sales order (受注伝票): an order cancelled
// in ecforce (キャンセル) is reversed in LOGILESS while the warehouse has not
// started on it, and is left to a person (CancelTooLate) once it has; a
// payment completed in ecforce after the import (a bank transfer, a
// convenience-store payment) is written to the sales order's payment
// statuses. Everything else needs nothing.
//
// Decide is a pure function of the two orders' states and the shop's
// settings, so it is tested exhaustively without any server, and a run
// that applies a decision decides again from fresh reads before each
// attempt (the change is applied once).
package orderchange

import (
	"fmt"
	"slices"
	"time"

	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/salesorder"
)

// Settings are the shop's choices.
type Settings struct {
	// SyncCancellations is order_import.sync_cancellations: a cancelled
	// ecforce order is cancelled in LOGILESS.
	SyncCancellations bool
}

// Ecforce is what the rules read of the ecforce order.
type Ecforce struct {
	State        string // 対応状況 key; "canceled" is キャンセル
	PaymentState string // 決済状況 key (payment_state)
}

// Logiless is what the rules read of the LOGILESS sales order.
type Logiless struct {
	// Found is false when LOGILESS holds no sales order of the shop under
	// the order's code: it was never imported.
	Found                 bool
	DocumentStatus        string
	DeliveryStatus        string
	IncomingPaymentStatus string
	AuthorizationStatus   string
	// UpdatedAt is LOGILESS's updated_at. The rules here only move a
	// payment status forward and cancel, which no change made in LOGILESS
	// after the import makes wrong, so it is carried for the log only.
	UpdatedAt time.Time
}

// LogilessOf is the rules' view of a sales order.
func LogilessOf(so logiless.SalesOrder) Logiless {
	return Logiless{Found: true, DocumentStatus: so.DocumentStatus, DeliveryStatus: so.DeliveryStatus,
		IncomingPaymentStatus: so.IncomingPaymentStatus, AuthorizationStatus: so.AuthorizationStatus, UpdatedAt: so.UpdatedAt}
}

// Action is what to do with the sales order.
type Action string

// The actions.
const (
	// None: nothing to change (Decision.Reason says why).
	None Action = "none"
	// Reverse: cancel the sales order (POST sales_orders/{id}/reversal).
	Reverse Action = "reverse"
	// CancelTooLate: the order is cancelled in ecforce but the warehouse
	// works on it or has shipped it; nothing is forced, a person stops the
	// parcel and refunds.
	CancelTooLate Action = "cancel-too-late"
	// UpdatePayment: write the payment statuses (PUT sales_orders/{id}).
	UpdatePayment Action = "update-payment"
)

// Decision is what Decide concluded.
type Decision struct {
	Action Action
	// Reason says why, in one line without personal data.
	Reason string
	// IncomingPaymentStatus and AuthorizationStatus are the values an
	// UpdatePayment writes; "" leaves that one as it is.
	IncomingPaymentStatus string
	AuthorizationStatus   string
}

// canceled is ecforce's キャンセル.
const canceled = salesorder.StateCanceled

// Cancelled reports whether LOGILESS has cancelled the order already.
func (l Logiless) Cancelled() bool {
	return l.DocumentStatus == logiless.DocumentStatusCancel || l.DeliveryStatus == logiless.DeliveryStatusCancel
}

// cancellable reports whether LOGILESS still lets the order be reversed:
// its delivery has not started (WaitingForShipment, Pending, or no
// delivery status yet while it waits for allocation) and it has not
// shipped.
func (l Logiless) cancellable() bool {
	if l.DocumentStatus == logiless.DocumentStatusShipped {
		return false
	}
	switch l.DeliveryStatus {
	case logiless.DeliveryStatusWaitingForShipment, logiless.DeliveryStatusPending, "":
		return true
	}
	return false // Working, PartlyShipped, Shipped, or a value the reference does not list
}

// shipped reports whether the whole order has shipped.
func (l Logiless) shipped() bool {
	return l.DocumentStatus == logiless.DocumentStatusShipped || l.DeliveryStatus == logiless.DeliveryStatusShipped
}

// voided reports whether ecforce's payment_state says the payment was
// voided (the customer refunded or never charged).
func voided(paymentState string) bool {
	return paymentState == "voided"
}

// InWork reports whether the warehouse works on the order or has shipped
// it (any part): LOGILESS then refuses changes (423).
func (l Logiless) InWork() bool {
	return !l.Cancelled() && !l.cancellable()
}

// Decide says what the ecforce order's current state asks of its sales
// order.
func Decide(ec Ecforce, ll Logiless, s Settings) Decision {
	switch {
	case !ll.Found:
		return Decision{Action: None, Reason: "LOGILESS holds no sales order of the shop under its code (never imported)"}
	case ll.Cancelled():
		return Decision{Action: None, Reason: "the LOGILESS sales order is cancelled already"}
	case ec.State == canceled && !s.SyncCancellations:
		return Decision{Action: None, Reason: "cancelled in ecforce, but order_import.sync_cancellations is off"}
	case ec.State == canceled && ll.cancellable():
		return Decision{Action: Reverse, Reason: fmt.Sprintf("cancelled in ecforce while LOGILESS delivery_status is %s", orNone(ll.DeliveryStatus))}
	case ec.State == canceled && ll.shipped() && voided(ec.PaymentState):
		return Decision{Action: None, Reason: "cancelled in ecforce after LOGILESS shipped it, and the payment is voided in ecforce: settled by hand"}
	case ec.State == canceled:
		return Decision{Action: CancelTooLate, Reason: fmt.Sprintf(
			"cancelled in ecforce, but LOGILESS delivery_status is %s (document_status %s): the warehouse has started on it",
			orNone(ll.DeliveryStatus), orNone(ll.DocumentStatus))}
	}
	return decidePayment(ec, ll)
}

// decidePayment moves LOGILESS's payment statuses forward to what ecforce
// says, never back: a payment recorded in LOGILESS by a person stays.
func decidePayment(ec Ecforce, ll Logiless) Decision {
	auth, incoming := salesorder.PaymentStatuses(ec.PaymentState)
	d := Decision{Action: UpdatePayment}
	if incoming == logiless.IncomingPaymentPaid && ll.IncomingPaymentStatus != logiless.IncomingPaymentPaid {
		d.IncomingPaymentStatus = incoming
	}
	if auth != "" && authRank(auth) > authRank(ll.AuthorizationStatus) {
		d.AuthorizationStatus = auth
	}
	if d.IncomingPaymentStatus == "" && d.AuthorizationStatus == "" {
		return Decision{Action: None, Reason: fmt.Sprintf("LOGILESS payment statuses (%s, %s) already reflect ecforce payment_state %s",
			orNone(ll.IncomingPaymentStatus), orNone(ll.AuthorizationStatus), orNone(ec.PaymentState))}
	}
	if ll.InWork() {
		return Decision{Action: None, Reason: fmt.Sprintf("ecforce payment_state %s is newer, but LOGILESS delivery_status is %s: it is past payment",
			ec.PaymentState, ll.DeliveryStatus)}
	}
	d.Reason = fmt.Sprintf("ecforce payment_state %s: LOGILESS incoming_payment_status %s → %s, authorization_status %s → %s",
		ec.PaymentState, orNone(ll.IncomingPaymentStatus), orKeep(d.IncomingPaymentStatus),
		orNone(ll.AuthorizationStatus), orKeep(d.AuthorizationStatus))
	return d
}

// authRank orders authorization statuses by how far the payment got;
// NotRequired, AuthorizationFailure and unknown values are 0, so any real
// authorization moves past them.
func authRank(s string) int {
	switch s {
	case logiless.AuthorizationUnauthorized:
		return 1
	case logiless.AuthorizationAuthorizing:
		return 2
	case logiless.AuthorizationAuthorized:
		return 3
	case logiless.AuthorizationCaptured:
		return 4
	}
	return 0
}

// Interesting reports whether a discovery should look an updated ecforce
// order up in LOGILESS (a cheap filter before LOGILESS is asked): it is
// cancelled (and cancellations are synced) or its money is in (PaidStates).
// An authorization that arrives later is applied by a run started for the
// order (Decide handles it), not looked for: every card order carries one.
func Interesting(ec Ecforce, s Settings) bool {
	if ec.State == canceled {
		return s.SyncCancellations
	}
	return slices.Contains(PaidStates, ec.PaymentState)
}

// PaidStates are the ecforce payment_state keys that mean the money is in
// (salesorder.PaymentStatuses gives Paid), for listing the orders whose
// payment may have completed after the import. An authorization that
// arrives later (authed) is applied when a run is started for the order
// (a webhook, an updated-order hook), not listed for.
var PaidStates = []string{"paid", "completed", "captured"}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func orKeep(s string) string {
	if s == "" {
		return "(unchanged)"
	}
	return s
}
