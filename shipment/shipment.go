// Package shipment owns the rules of the shipment notification (出荷通知):
// what LOGILESS shipped for a sales order (its parcels, tracking numbers and
// ship date), whether ecforce already has it, how the order's payment
// settles (by its LOGILESS payment_method) and how an ecforce payment
// stands for 売上処理, when a capture request is sent (exactly once, never
// zero), and which active ecforce 配送業者 a LOGILESS delivery method is.
//
// Everything here is pure: no clients, no Temporal, no clock. The
// activities read LOGILESS and ecforce, hand what they read to these rules
// and write what the rules decide, so the rules are table-tested without a
// server and an activity retry decides exactly as its first attempt did.
package shipment

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
)

// Shipment is what LOGILESS shipped for one sales order: every tracking
// number of its outbound deliveries, the finish time of the last parcel and
// the delivery method. It holds no personal data.
type Shipment struct {
	SalesOrderID    int64
	Code            string
	TrackingNumbers []string
	// ShippedAt is the latest finished_at of the order's deliveries (JST).
	ShippedAt      time.Time
	DeliveryMethod string
	Parcels        int
	// PaymentMethod is the LOGILESS payment_method of the sales order; it
	// says how the payment settles (Settlement).
	PaymentMethod string
}

// Settlement is how the order's payment settles, by its LOGILESS
// payment_method.
func (s Shipment) Settlement() Settlement { return SettlementOf(s.PaymentMethod) }

// Slip is the value for ecforce's shipping_slip: every tracking number,
// joined with the shop's separator.
func (s Shipment) Slip(separator string) string {
	return strings.Join(s.TrackingNumbers, separator)
}

// NotShippedError says a sales order is not (fully) shipped, or was
// cancelled, so there is nothing to report to ecforce yet.
type NotShippedError struct {
	Code   string
	ID     int64
	Reason string
}

func (e *NotShippedError) Error() string {
	return fmt.Sprintf("LOGILESS sales order %s (id %d) %s", e.Code, e.ID, e.Reason)
}

// Of returns the shipment of a sales order: every tracking number of its
// shipped outbound deliveries (in delivery order, trimmed, without
// repeats), the latest finish time in JST and the first delivery's method.
// A cancelled order, one not fully shipped (PartlyShipped orders wait) or
// one without any finish time is a *NotShippedError.
func Of(so logiless.SalesOrder) (Shipment, error) {
	s := Shipment{SalesOrderID: so.ID, Code: so.Code, PaymentMethod: so.PaymentMethod}
	notYet := func(format string, args ...any) (Shipment, error) {
		return s, &NotShippedError{Code: so.Code, ID: so.ID, Reason: fmt.Sprintf(format, args...)}
	}
	switch so.DocumentStatus {
	case logiless.DocumentStatusShipped:
	case logiless.DocumentStatusCancel:
		return notYet("is cancelled in LOGILESS; nothing was shipped, so nothing is reported")
	default:
		return notYet("is not fully shipped (document_status %s, delivery_status %s); the next discovery after its last parcel ships notifies it",
			so.DocumentStatus, so.DeliveryStatus)
	}
	deliveries := slices.Clone(so.OutboundDeliveries)
	sort.SliceStable(deliveries, func(i, j int) bool { return deliveries[i].ID < deliveries[j].ID })
	seen := map[string]bool{}
	for _, d := range deliveries {
		if d.DeliveryStatus == logiless.DeliveryStatusCancel || d.DocumentStatus == logiless.DocumentStatusCancel {
			continue
		}
		if d.DeliveryStatus != logiless.DeliveryStatusShipped && d.DocumentStatus != logiless.DocumentStatusShipped {
			return notYet("has outbound delivery %s still %s; it waits until every parcel has shipped", d.Code, firstNonEmpty(d.DeliveryStatus, d.DocumentStatus))
		}
		s.Parcels++
		if s.DeliveryMethod == "" {
			s.DeliveryMethod = d.DeliveryMethod
		}
		if d.FinishedAt.After(s.ShippedAt) {
			s.ShippedAt = d.FinishedAt
		}
		for _, n := range d.TrackingNumbers {
			if n = strings.TrimSpace(n); n != "" && !seen[n] {
				seen[n] = true
				s.TrackingNumbers = append(s.TrackingNumbers, n)
			}
		}
	}
	if len(s.TrackingNumbers) == 0 && strings.TrimSpace(so.DeliveryTrackingNumber) != "" {
		s.TrackingNumbers = []string{strings.TrimSpace(so.DeliveryTrackingNumber)}
	}
	if s.ShippedAt.IsZero() {
		s.ShippedAt = so.FinishedAt
	}
	if s.ShippedAt.IsZero() {
		return notYet("is Shipped but has no finished_at, so there is no ship date to report; check the order in LOGILESS")
	}
	s.ShippedAt = s.ShippedAt.In(ecforce.JST)
	return s, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
