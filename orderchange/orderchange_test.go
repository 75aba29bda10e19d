package orderchange

import (
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	on, off := Settings{SyncCancellations: true}, Settings{}
	so := func(doc, del, incoming, auth string) Logiless {
		return Logiless{Found: true, DocumentStatus: doc, DeliveryStatus: del, IncomingPaymentStatus: incoming, AuthorizationStatus: auth}
	}
	open := so("WaitingForShipment", "WaitingForShipment", "NotPaid", "NotRequired")
	tests := []struct {
		name     string
		ec       Ecforce
		ll       Logiless
		s        Settings
		want     Action
		incoming string
		auth     string
		reason   string
	}{
		{"never imported, cancelled", Ecforce{State: "canceled"}, Logiless{}, on, None, "", "", "never imported"},
		{"never imported, paid", Ecforce{State: "complete", PaymentState: "paid"}, Logiless{}, on, None, "", "", "never imported"},
		{"cancel waiting for shipment", Ecforce{State: "canceled"}, open, on, Reverse, "", "", "WaitingForShipment"},
		{"cancel pending", Ecforce{State: "canceled"}, so("WaitingForShipment", "Pending", "", ""), on, Reverse, "", "", "Pending"},
		{"cancel waiting for allocation", Ecforce{State: "canceled"}, so("WaitingForAllocation", "", "", ""), on, Reverse, "", "", "(none)"},
		{"cancel working", Ecforce{State: "canceled"}, so("WaitingForShipment", "Working", "", ""), on, CancelTooLate, "", "", "Working"},
		{"cancel partly shipped", Ecforce{State: "canceled"}, so("WaitingForShipment", "PartlyShipped", "", ""), on, CancelTooLate, "", "", "PartlyShipped"},
		{"cancel shipped", Ecforce{State: "canceled"}, so("Shipped", "Shipped", "", ""), on, CancelTooLate, "", "", "Shipped"},
		{"cancel shipped document only", Ecforce{State: "canceled"}, so("Shipped", "", "", ""), on, CancelTooLate, "", "", "document_status Shipped"},
		{"cancel unknown delivery status", Ecforce{State: "canceled"}, so("WaitingForShipment", "Loading", "", ""), on, CancelTooLate, "", "", "Loading"},
		{"cancel shipped, voided", Ecforce{State: "canceled", PaymentState: "voided"}, so("Shipped", "Shipped", "", ""), on, None, "", "", "voided"},
		{"cancel partly shipped, voided", Ecforce{State: "canceled", PaymentState: "voided"}, so("WaitingForShipment", "PartlyShipped", "", ""), on, CancelTooLate, "", "", "PartlyShipped"},
		{"cancel already cancelled", Ecforce{State: "canceled"}, so("Cancel", "Cancel", "", ""), on, None, "", "", "cancelled already"},
		{"cancel, delivery cancelled only", Ecforce{State: "canceled"}, so("WaitingForShipment", "Cancel", "", ""), on, None, "", "", "cancelled already"},
		{"cancel, sync off", Ecforce{State: "canceled"}, open, off, None, "", "", "sync_cancellations is off"},
		{"cancel, sync off, working", Ecforce{State: "canceled"}, so("WaitingForShipment", "Working", "", ""), off, None, "", "", "sync_cancellations"},
		{"paid later", Ecforce{State: "complete", PaymentState: "paid"}, open, on, UpdatePayment, "Paid", "", "NotPaid → Paid"},
		{"paid later, no status in LOGILESS", Ecforce{State: "linked", PaymentState: "paid"}, so("WaitingForShipment", "WaitingForShipment", "", ""), on, UpdatePayment, "Paid", "", "→ Paid"},
		{"paid later, pending", Ecforce{State: "complete", PaymentState: "paid"}, so("WaitingForShipment", "Pending", "NotPaid", ""), on, UpdatePayment, "Paid", "", "Paid"},
		{"captured later", Ecforce{State: "complete", PaymentState: "completed"}, so("WaitingForShipment", "WaitingForShipment", "NotPaid", "Authorized"), on, UpdatePayment, "Paid", "Captured", "Captured"},
		{"authorized later", Ecforce{State: "complete", PaymentState: "authed"}, so("WaitingForShipment", "WaitingForShipment", "NotPaid", "Unauthorized"), on, UpdatePayment, "", "Authorized", "Authorized"},
		{"authorized, LOGILESS not required", Ecforce{State: "complete", PaymentState: "authed"}, open, on, UpdatePayment, "", "Authorized", "Authorized"},
		{"already paid", Ecforce{State: "complete", PaymentState: "paid"}, so("WaitingForShipment", "WaitingForShipment", "Paid", ""), on, None, "", "", "already reflect"},
		{"captured in LOGILESS, authed in ecforce", Ecforce{State: "complete", PaymentState: "authed"}, so("WaitingForShipment", "WaitingForShipment", "Paid", "Captured"), on, None, "", "", "already reflect"},
		{"paid but working", Ecforce{State: "complete", PaymentState: "paid"}, so("WaitingForShipment", "Working", "NotPaid", ""), on, None, "", "", "past payment"},
		{"paid but shipped", Ecforce{State: "shipped", PaymentState: "completed"}, so("Shipped", "Shipped", "NotPaid", "Authorized"), on, None, "", "", "past payment"},
		{"paid, cancelled in LOGILESS", Ecforce{State: "complete", PaymentState: "paid"}, so("Cancel", "Cancel", "NotPaid", ""), on, None, "", "", "cancelled already"},
		{"unpaid", Ecforce{State: "complete", PaymentState: ""}, open, on, None, "", "", "already reflect"},
		{"voided", Ecforce{State: "complete", PaymentState: "voided"}, open, on, None, "", "", "already reflect"},
		{"cancelled and paid", Ecforce{State: "canceled", PaymentState: "paid"}, open, on, Reverse, "", "", ""},
		{"cancelled and paid, sync off", Ecforce{State: "canceled", PaymentState: "paid"}, open, off, None, "", "", "sync_cancellations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.ec, tc.ll, tc.s)
			if d.Action != tc.want || d.IncomingPaymentStatus != tc.incoming || d.AuthorizationStatus != tc.auth {
				t.Errorf("Decide = %+v, want %s (incoming %q, authorization %q)", d, tc.want, tc.incoming, tc.auth)
			}
			if d.Reason == "" || !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("reason %q, want it to mention %q", d.Reason, tc.reason)
			}
		})
	}
}

func TestInteresting(t *testing.T) {
	on := Settings{SyncCancellations: true}
	for _, tc := range []struct {
		ec   Ecforce
		s    Settings
		want bool
	}{
		{Ecforce{State: "canceled"}, on, true},
		{Ecforce{State: "canceled"}, Settings{}, false},
		{Ecforce{State: "complete", PaymentState: "paid"}, Settings{}, true},
		{Ecforce{State: "complete", PaymentState: "authed"}, on, false}, // every card order: not looked for
		{Ecforce{State: "shipped", PaymentState: "completed"}, on, true},
		{Ecforce{State: "complete", PaymentState: ""}, on, false},
		{Ecforce{State: "complete", PaymentState: "credit_exam_processing"}, on, false},
	} {
		if got := Interesting(tc.ec, tc.s); got != tc.want {
			t.Errorf("Interesting(%+v, %+v) = %v", tc.ec, tc.s, got)
		}
	}
}

func TestPaidStatesGivePaid(t *testing.T) {
	for _, st := range PaidStates {
		if !Interesting(Ecforce{State: "complete", PaymentState: st}, Settings{}) {
			t.Errorf("%s is listed as paid but carries nothing", st)
		}
		d := Decide(Ecforce{State: "complete", PaymentState: st},
			Logiless{Found: true, DeliveryStatus: "WaitingForShipment", IncomingPaymentStatus: "NotPaid"}, Settings{})
		if d.IncomingPaymentStatus != "Paid" {
			t.Errorf("%s: %+v, want Paid", st, d)
		}
	}
}

// FuzzDecide checks the rules' promises on any input: a reversal only for
// a cancelled order LOGILESS can still cancel, never a write for an order
// not imported, cancelled or in work, and always a reason.
func FuzzDecide(f *testing.F) {
	f.Add("canceled", "", "WaitingForShipment", "WaitingForShipment", "NotPaid", "", true, true)
	f.Add("complete", "paid", "WaitingForShipment", "Working", "NotPaid", "Authorized", true, false)
	f.Add("canceled", "voided", "Shipped", "Shipped", "", "", true, true)
	f.Fuzz(func(t *testing.T, state, payment, doc, del, incoming, auth string, found, sync bool) {
		ll := Logiless{Found: found, DocumentStatus: doc, DeliveryStatus: del, IncomingPaymentStatus: incoming, AuthorizationStatus: auth}
		d := Decide(Ecforce{State: state, PaymentState: payment}, ll, Settings{SyncCancellations: sync})
		if d.Reason == "" {
			t.Fatal("no reason")
		}
		if d.Action != None && (!found || ll.Cancelled()) {
			t.Fatalf("%s for an order not imported or cancelled already", d.Action)
		}
		switch d.Action {
		case Reverse:
			if state != "canceled" || !sync || !ll.cancellable() {
				t.Fatalf("reverse of %+v (state %q, sync %v)", ll, state, sync)
			}
		case CancelTooLate:
			if state != "canceled" || !sync || ll.cancellable() {
				t.Fatalf("too late for %+v", ll)
			}
		case UpdatePayment:
			if ll.InWork() || state == "canceled" || (d.IncomingPaymentStatus == "" && d.AuthorizationStatus == "") {
				t.Fatalf("payment update %+v for %+v", d, ll)
			}
			if d.IncomingPaymentStatus != "" && d.IncomingPaymentStatus != "Paid" {
				t.Fatalf("incoming %q", d.IncomingPaymentStatus)
			}
		}
	})
}
