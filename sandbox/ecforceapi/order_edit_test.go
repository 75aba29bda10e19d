package ecforceapi

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestEditOrderJSON(t *testing.T) {
	e := New(Config{})
	o, err := e.SeedOrder(OrderSeed{Items: []OrderItemSeed{{SKU: "A", Price: 100, Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.EditOrderJSON(o.ID, json.RawMessage(`{"shipping_address":{"addr01":"大阪府大阪市北区1-1"},"remark":"置き配"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.ShippingAddress.Addr01 != "大阪府大阪市北区1-1" || got.ShippingAddress.Name01 != o.ShippingAddress.Name01 ||
		got.Remark != "置き配" || len(got.Items) != 1 || got.UpdatedAt.Before(o.UpdatedAt) {
		t.Errorf("edited order %+v", got.ShippingAddress)
	}
	if _, err := e.EditOrderJSON(o.ID, json.RawMessage(`{"remark":1}`)); err == nil {
		t.Error("a remark that is a number was accepted")
	}
	if _, err := e.EditOrderJSON(999, json.RawMessage(`{}`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
}
