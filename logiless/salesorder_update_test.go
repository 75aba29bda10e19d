package logiless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

func ptr[T any](v T) *T { return &v }

func TestSalesOrderUpdateBody(t *testing.T) {
	u := SalesOrderUpdate{
		IncomingPaymentStatus: ptr(IncomingPaymentPaid),
		Recipient:             &Party{Name1: "山田", Address1: "渋谷区"},
		Attrs:                 map[int]string{3: "x"},
	}
	raw, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	so := body["sales_order"]
	if so["incoming_payment_status"] != "Paid" || so["recipient_name1"] != "山田" || so["recipient_address3"] != "" || so["attr3"] != "x" {
		t.Errorf("body %s", raw)
	}
	if _, ok := so["authorization_status"]; ok {
		t.Errorf("an unset field was sent: %s", raw)
	}
	if got := fmt.Sprint(u); strings.Contains(got, "山田") || !strings.Contains(got, "recipient_*") {
		t.Errorf("String() = %s", got)
	}
	for _, bad := range []SalesOrderUpdate{{}, {DeliveryPreferredDate: ptr("2026/12/01")}, {Attrs: map[int]string{11: "x"}},
		{Recipient: &Party{Name1: "x"}}} {
		if err := bad.Validate(); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%v: Validate() = %v", bad, err)
		}
	}
}

func TestUpdateAndReverseSalesOrder(t *testing.T) {
	f, c, _ := authedClient(t)
	held := f.seedOrder("UPD-1")
	ctx := context.Background()
	so, err := c.UpdateSalesOrder(ctx, held.ID, SalesOrderUpdate{IncomingPaymentStatus: ptr(IncomingPaymentPaid)})
	if err != nil || so.IncomingPaymentStatus != IncomingPaymentPaid {
		t.Fatalf("update: %+v %v", so, err)
	}
	if _, err := c.UpdateSalesOrder(ctx, held.ID, SalesOrderUpdate{}); !errors.Is(err, ErrInvalidInput) || f.count("PUT", fmt.Sprintf("/sales_orders/%d", held.ID)) != 1 {
		t.Errorf("empty update: %v", err)
	}
	if err := f.SetDeliveryStatus("UPD-1", logilessapi.StatusWorking); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReverseSalesOrder(ctx, held.ID, false); !IsLocked(err) || !strings.Contains(err.Error(), fmt.Sprint(held.ID)) {
		t.Fatalf("reverse while Working: %v, want 423", err)
	}
	if _, err := c.UpdateSalesOrder(ctx, held.ID, SalesOrderUpdate{MerchantComment: ptr("x")}); !IsLocked(err) {
		t.Errorf("update while Working: %v, want 423", err)
	}
	if err := f.SetDeliveryStatus("UPD-1", logilessapi.StatusWaitingForShipment); err != nil {
		t.Fatal(err)
	}
	so, err = c.ReverseSalesOrder(ctx, held.ID, true)
	if err != nil || so.DocumentStatus != DocumentStatusCancel || so.DeliveryStatus != DeliveryStatusCancel || so.Code == "UPD-1" {
		t.Fatalf("reverse: %+v %v", so, err)
	}
	if _, err := c.GetSalesOrder(ctx, held.ID); err != nil {
		t.Error(err)
	}
}
