package activities

import (
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/shipment"
)

// A parcel shipped under A, B, A, B (moved back to 出荷作業中 in between):
// both discoveries (the sweep's full listing and the incremental one) give
// each change the same version, read as often as they like, and every
// change a version of its own.
func TestShipmentCandidatesResendVersionPerChange(t *testing.T) {
	f := newShipmentFixture(t, ecforceapi.Config{}, nil)
	f.order(t, ecforceapi.OrderSeed{Number: "CYCLE", State: "complete", PaymentState: "authed"})
	now := time.Now().In(ecforce.JST).Truncate(time.Second)
	first := now.Add(-5 * time.Hour)
	f.shipped(t, "CYCLE", 1, "yamato", parcel{first, []string{"A"}})
	f.withShipping(t, "CYCLE", "A", first, 0) // the first notification

	env := activityEnv(f.a)
	seen := map[string]int{}
	held := "A"
	for i, change := range []struct {
		slip string
		at   time.Time
	}{
		{"B", now.Add(-4 * time.Hour)}, {"A", now.Add(-3 * time.Hour)}, {"B", now.Add(-2 * time.Hour)}, {"A", now.Add(-time.Hour)},
	} {
		if _, err := f.ll.ReturnToWorking("CYCLE"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ll.ShipSalesOrder("CYCLE", logilessapi.ShipOptions{Deliveries: []logilessapi.DeliveryShipment{{TrackingNumbers: []string{change.slip}, FinishedAt: change.at}}}); err != nil {
			t.Fatal(err)
		}
		want := shipment.ResendVersion(shipment.EcforceShipping{ShippingSlip: held}, change.slip, change.at)
		if want == "" {
			t.Fatalf("change %d: no version", i+1)
		}
		for read := 0; read < 2; read++ { // a retry, another worker
			full, err := runActivity[ListShipmentCandidatesResult](t, env, f.a.ListShipmentCandidates, ListShipmentCandidatesInput{Shop: "demo", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			incremental, err := runActivity[ListShipmentChangesResult](t, env, f.a.ListShipmentChanges, ListShipmentChangesInput{Shop: "demo", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for name, c := range map[string][]ShipmentCandidate{"sweep": full.Candidates, "incremental": incremental.Candidates} {
				if len(c) != 1 || c[0].OrderNumber != "CYCLE" || c[0].Resend != want {
					t.Errorf("change %d (%s), read %d, %s: candidates %+v, want CYCLE with version %q", i+1, change.slip, read+1, name, c, want)
				}
			}
		}
		if j, ok := seen[want]; ok {
			t.Errorf("change %d (%s) has the version of change %d: %q", i+1, change.slip, j, want)
		}
		seen[want] = i + 1
		f.withShipping(t, "CYCLE", change.slip, change.at, 0) // its notification
		held = change.slip
	}
}
