package shipment

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
)

func jstAt(day, hour int) time.Time { return time.Date(2024, 5, day, hour, 0, 0, 0, ecforce.JST) }

func shippedOrder(id int64, code string, deliveries ...logiless.OutboundDelivery) logiless.SalesOrder {
	return logiless.SalesOrder{ID: id, Code: code, StoreID: 1, DocumentStatus: logiless.DocumentStatusShipped,
		DeliveryStatus: logiless.DeliveryStatusShipped, OutboundDeliveries: deliveries}
}

func shippedParcel(id int64, method string, finished time.Time, numbers ...string) logiless.OutboundDelivery {
	return logiless.OutboundDelivery{ID: id, Code: "OD" + strconv.FormatInt(id, 10), DocumentStatus: logiless.DocumentStatusShipped,
		DeliveryStatus: logiless.DeliveryStatusShipped, DeliveryMethod: method, FinishedAt: finished, TrackingNumbers: numbers}
}

func TestOf(t *testing.T) {
	tests := []struct {
		name        string
		so          logiless.SalesOrder
		wantNumbers []string
		wantAt      time.Time
		wantMethod  string
		wantParcels int
		wantErr     string
	}{
		{
			name:        "one parcel",
			so:          shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15), "438000000001")),
			wantNumbers: []string{"438000000001"}, wantAt: jstAt(1, 15), wantMethod: "yamato", wantParcels: 1,
		},
		{
			name: "split shipment: every number, latest finish, in delivery order",
			so: shippedOrder(1, "EC1", shippedParcel(11, "sagawa", jstAt(2, 9), "B-2"),
				shippedParcel(10, "yamato", jstAt(1, 15), "A-1", " A-1b "), shippedParcel(12, "yamato", jstAt(1, 18), "A-1")),
			wantNumbers: []string{"A-1", "A-1b", "B-2"}, wantAt: jstAt(2, 9), wantMethod: "yamato", wantParcels: 3,
		},
		{
			name: "cancelled parcels are ignored",
			so: shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15), "A-1"),
				logiless.OutboundDelivery{ID: 11, DeliveryStatus: logiless.DeliveryStatusCancel, TrackingNumbers: []string{"X"}}),
			wantNumbers: []string{"A-1"}, wantAt: jstAt(1, 15), wantMethod: "yamato", wantParcels: 1,
		},
		{
			name: "falls back to the order's tracking number and finish time",
			so: func() logiless.SalesOrder {
				so := shippedOrder(1, "EC1")
				so.DeliveryTrackingNumber, so.FinishedAt = "999", jstAt(3, 10)
				return so
			}(),
			wantNumbers: []string{"999"}, wantAt: jstAt(3, 10),
		},
		{
			name: "a finish time in UTC is reported in JST",
			so:   shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15).UTC(), "A-1")),
			// same instant; the location is checked for every case below
			wantNumbers: []string{"A-1"}, wantAt: jstAt(1, 15), wantMethod: "yamato", wantParcels: 1,
		},
		{
			name: "partly shipped waits",
			so: func() logiless.SalesOrder {
				so := shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15), "A-1"))
				so.DocumentStatus, so.DeliveryStatus = logiless.DocumentStatusWaitingForShipment, logiless.DeliveryStatusPartlyShipped
				return so
			}(),
			wantErr: "PartlyShipped",
		},
		{
			name: "a parcel still in work waits",
			so: shippedOrder(1, "EC1", shippedParcel(10, "yamato", jstAt(1, 15), "A-1"),
				logiless.OutboundDelivery{ID: 11, Code: "OD11", DeliveryStatus: logiless.DeliveryStatusWorking}),
			wantErr: "OD11 still Working",
		},
		{
			name: "cancelled order",
			so: func() logiless.SalesOrder {
				so := shippedOrder(1, "EC1")
				so.DocumentStatus = logiless.DocumentStatusCancel
				return so
			}(),
			wantErr: "cancelled",
		},
		{
			name:    "no finish time anywhere",
			so:      shippedOrder(1, "EC1", shippedParcel(10, "yamato", time.Time{}, "A-1")),
			wantErr: "no finished_at",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Of(tt.so)
			if tt.wantErr != "" {
				var notShipped *NotShippedError
				if !errors.As(err, &notShipped) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "EC1") {
					t.Fatalf("error = %v, want a *NotShippedError naming EC1 and containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.TrackingNumbers, tt.wantNumbers) || !got.ShippedAt.Equal(tt.wantAt) ||
				got.DeliveryMethod != tt.wantMethod || got.Parcels != tt.wantParcels {
				t.Errorf("shipment = %+v", got)
			}
			if got.ShippedAt.Location() != ecforce.JST {
				t.Errorf("ShippedAt is in %v, want JST", got.ShippedAt.Location())
			}
		})
	}
}

func TestSlip(t *testing.T) {
	s := Shipment{TrackingNumbers: []string{"1", "2"}}
	if got := s.Slip(" / "); got != "1 / 2" {
		t.Errorf("Slip = %q", got)
	}
	if got := (Shipment{}).Slip(","); got != "" {
		t.Errorf("Slip of no numbers = %q, want empty", got)
	}
}

func TestHasShipping(t *testing.T) {
	have := EcforceShipping{ShippingSlip: "111,222", ShippedAt: jstAt(1, 9), CarrierID: 1}
	tests := []struct {
		name    string
		have    EcforceShipping
		slip    string
		at      time.Time
		carrier int64
		want    bool
	}{
		{"same slip, same JST day, any carrier", have, "111,222", jstAt(1, 15), 0, true},
		{"same slip, day and carrier", have, "111,222", jstAt(1, 15), 1, true},
		{"another carrier", have, "111,222", jstAt(1, 15), 2, false},
		{"another slip", have, "111", jstAt(1, 15), 0, false},
		{"another day", have, "111,222", jstAt(2, 9), 0, false},
		// 2024-05-01 23:30 UTC is 2024-05-02 08:30 JST
		{"the day is the JST day", EcforceShipping{ShippingSlip: "1", ShippedAt: jstAt(2, 8)}, "1", time.Date(2024, 5, 1, 23, 30, 0, 0, time.UTC), 0, true},
		{"no ship date in ecforce", EcforceShipping{ShippingSlip: "1"}, "1", jstAt(1, 9), 0, false},
	}
	for _, tt := range tests {
		if got := tt.have.HasShipping(tt.slip, tt.at, tt.carrier); got != tt.want {
			t.Errorf("%s: HasShipping = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func TestStandingOf(t *testing.T) {
	at := jstAt(1, 15)
	shipped := func(state, payment string) EcforceShipping {
		return EcforceShipping{State: state, PaymentState: payment, ShippingSlip: "111", ShippedAt: at}
	}
	all := Steps{WithSales: true, StatusAfter: "shipped"}
	tests := []struct {
		name       string
		current    EcforceShipping
		settlement Settlement
		steps      Steps
		want       Standing
	}{
		{"no shipping in ecforce yet", EcforceShipping{State: "complete", PaymentState: "authed"}, SettleByPaymentState, all, Pending},
		{"everything done", shipped("shipped", "completed"), SettleByPaymentState, all, Complete},
		{"capture failed: waits for an operator", shipped("complete", "sales_failed"), SettleByPaymentState, all, WaitingForOperator},
		{"captured but the state is not set yet", shipped("complete", "completed"), SettleByPaymentState, all, Pending},
		{"shipping only", shipped("complete", "authed"), SettleByPaymentState, Steps{}, Complete},
		{"a failed capture does not matter without with_sales", shipped("complete", "sales_failed"), SettleByPaymentState, Steps{}, Complete},
		{"capture still to do", shipped("shipped", "authed"), SettleByPaymentState, all, Pending},
		{"cash on delivery needs no capture", shipped("shipped", "cash_on_delivery_authed"), SettleByPaymentState, all, Complete},
		{"後払い: the shipment report went with the shipping", shipped("shipped", "credit_exam_completed"), SettleByShipmentReport, all, Complete},
		{"後払い: the status is still to set", shipped("complete", "credit_exam_completed"), SettleByShipmentReport, all, Pending},
		{"後払い: a failed shipment report waits for an operator", shipped("complete", "shipment_report_failed"), SettleByShipmentReport, all, WaitingForOperator},
		{"card: still to capture", shipped("shipped", "authed"), SettleByCapture, all, Pending},
		{"a bank transfer needs no capture whatever payment_state says", shipped("shipped", "authed"), SettledBeforeShipping, all, Complete},
		{"cash on delivery by LOGILESS method", shipped("shipped", "authed"), SettleOnDelivery, all, Complete},
		{"no payment", shipped("shipped", "authed"), SettleNothing, all, Complete},
	}
	for _, tt := range tests {
		if got := StandingOf(tt.current, "111", at, tt.settlement, tt.steps); got != tt.want {
			t.Errorf("%s: StandingOf = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEcforceShippingOf(t *testing.T) {
	o := ecforce.Order{ID: 7, Number: "EC7", State: "complete", PaymentState: "authed", PaymentMethodName: "クレジットカード決済",
		ShippingSlip: "1", ShippedAt: ecforce.Time{Time: jstAt(1, 9)}, ShippingCarrierID: 2,
		ShippingAddress: &ecforce.Address{Name01: "山田"}}
	want := EcforceShipping{OrderID: 7, Number: "EC7", State: "complete", PaymentState: "authed", PaymentMethodName: "クレジットカード決済",
		ShippingSlip: "1", ShippedAt: jstAt(1, 9), CarrierID: 2}
	if got := EcforceShippingOf(o); got != want {
		t.Errorf("EcforceShippingOf = %+v, want %+v", got, want)
	}
}
