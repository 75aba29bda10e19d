package activities

import (
	"fmt"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
)

// The shipment notification of a shop with a code_prefix maps each
// LOGILESS code back to the 受注番号 (shopCodes, the one home both flows
// use): discovery names the candidates by 受注番号, and a manual run by
// 受注番号 finds the prefixed sales order, or the bare one imported before
// the prefix was set.
func TestShipmentMapsCodesBackToOrderNumbers(t *testing.T) {
	f := newShipmentFixture(t, ecforceapi.Config{}, func(s *config.Shop) { s.OrderImport.CodePrefix = "B-" })
	f.order(t, ecforceapi.OrderSeed{Number: "EC1", State: "complete"})
	f.order(t, ecforceapi.OrderSeed{Number: "EC2", State: "complete"})
	ids := map[string]int64{
		"B-EC1": f.shipped(t, "B-EC1", 1, "yamato", parcel{jstAt(1, 15), []string{"111"}}),
		"EC2":   f.shipped(t, "EC2", 1, "yamato", parcel{jstAt(1, 15), []string{"222"}}), // imported before the prefix
	}
	res, err := runActivity[ListShipmentCandidatesResult](t, activityEnv(f.a), f.a.ListShipmentCandidates,
		ListShipmentCandidatesInput{Shop: "demo", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range res.Candidates {
		got[c.OrderNumber] = c.SalesOrderID
	}
	if want := map[string]int64{"EC1": ids["B-EC1"], "EC2": ids["EC2"]}; fmt.Sprint(got) != fmt.Sprint(want) || res.NotInEcforce != 0 {
		t.Fatalf("candidates %v (not in ecforce %d), want %v", got, res.NotInEcforce, want)
	}
	for number, code := range map[string]string{"EC1": "B-EC1", "EC2": "EC2"} {
		for _, soID := range []int64{0, ids[code]} {
			prep, err := runActivity[PrepareShipmentResult](t, activityEnv(f.a), f.a.PrepareShipment,
				PrepareShipmentInput{Shop: "demo", OrderNumber: number, SalesOrderID: soID})
			if err != nil {
				t.Fatalf("prepare %s (sales order id %d): %v", number, soID, err)
			}
			if prep.OrderID != f.ids[number] || prep.SalesOrderID != ids[code] {
				t.Errorf("prepare %s: ecforce order %d, sales order %d; want %d, %d", number, prep.OrderID, prep.SalesOrderID, f.ids[number], ids[code])
			}
		}
	}
}
