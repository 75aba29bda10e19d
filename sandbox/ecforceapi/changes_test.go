package ecforceapi

import (
	"fmt"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestCancelOrderAndCompletePayment(t *testing.T) {
	env := newTestServer(t, Config{SettleDelay: -1})
	base := env.url + "/_sandbox"
	res := sandboxtest.Do(t, "POST", base+"/orders", `[
		{"state":"complete","payment_state":"","payment_method_name":"銀行振込","items":[{"sku":"A","price":100}]},
		{"state":"complete","items":[{"sku":"B","price":100}]}]`)
	ids := sandboxtest.AsList(t, res.JSON(t)["ids"])
	paid, canceled := int64(ids[0].(float64)), int64(ids[1].(float64))
	before, _ := env.srv.Order(paid)

	res = sandboxtest.Do(t, "POST", fmt.Sprintf("%s/orders/%d/payment", base, paid), `{}`)
	if res.Status != 200 {
		t.Fatalf("payment: %d %s", res.Status, res.Body)
	}
	if o, _ := env.srv.Order(paid); o.PaymentState != "paid" || o.UpdatedAt.Before(before.UpdatedAt) {
		t.Errorf("after payment: %q %v", o.PaymentState, o.UpdatedAt)
	}
	if res := sandboxtest.Do(t, "POST", fmt.Sprintf("%s/orders/%d/cancel", base, canceled), ``); res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	if o, _ := env.srv.Order(canceled); o.State != "canceled" {
		t.Errorf("after cancel: state %q", o.State)
	}
	if _, err := env.srv.CompletePayment(canceled, "paid"); err == nil {
		t.Error("a canceled order's payment completed")
	}
	if res := sandboxtest.Do(t, "POST", base+"/orders/999999/cancel", ``); res.Status != 404 {
		t.Errorf("unknown order: %d", res.Status)
	}
}
