package e2e

import (
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/shipment"
	"github.com/ecforce-logiless/connector/workflows"
)

// Issue 13 §3: a parcel moved back to 出荷作業中 after its notification and
// shipped again under a new tracking number reaches ecforce again, once,
// without --force; so does each later change, also a number that comes
// back after it was replaced (A, B, A, B), however many discoveries see it.
func TestChangedTrackingNumberIsSentAgainOnce(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{shopYAML: shipmentSettingsYAML(false, false, "")})
	ec, ll := s.sb.Ecforce, s.sb.Logiless
	now := time.Now().In(jst).Truncate(time.Second)
	o := seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 2}, "yamato")
	shipInLogiless(t, s, o.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"438000000501"}, FinishedAt: now.Add(-2 * time.Hour)})

	first := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	awaitShipmentRuns(ctx, t, first.Started...)
	if len(first.Started) != 1 || first.Started[0] != workflows.NotifyShipmentID(s.shop, o.Number) {
		t.Fatalf("first discovery started %v", first.Started)
	}
	checkShipmentInEcforce(t, ec, wantShipment{o, "438000000501", now.Add(-2 * time.Hour), 1, 0, "authed", "complete"})

	// The warehouse takes the parcel back and ships it again.
	if _, err := ll.ReturnToWorking(o.Number); err != nil {
		t.Fatal(err)
	}
	shipInLogiless(t, s, o.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"438000000502"}, FinishedAt: now.Add(-time.Hour)})
	writesBefore := ec.RequestCounts()[shipReqEcShippingPUT]

	second := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	awaitShipmentRuns(ctx, t, second.Started...)
	resend := workflows.NotifyShipmentResendID(s.shop, o.Number, shipment.ResendVersion(shipment.EcforceShipping{ShippingSlip: "438000000501"}, "438000000502", now.Add(-time.Hour)))
	if len(second.Started) != 1 || second.Started[0] != resend {
		t.Fatalf("second discovery started %v, want [%s]", second.Started, resend)
	}
	var res workflows.NotifyShipmentResult
	if err := temporalClient.GetWorkflow(ctx, resend, "").Get(ctx, &res); err != nil || res.Outcome != workflows.OutcomeNotified {
		t.Fatalf("re-send: %+v %v", res, err)
	}
	checkShipmentInEcforce(t, ec, wantShipment{o, "438000000502", now.Add(-time.Hour), 1, 0, "authed", "complete"})

	// Once per change: later discoveries leave it alone.
	third := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(third.Started) != 0 || third.AlreadyInEcforce != 1 {
		t.Errorf("third discovery = %+v, want nothing started, 1 already in ecforce", third)
	}
	if n := ec.RequestCounts()[shipReqEcShippingPUT] - writesBefore; n != 1 {
		t.Errorf("%d shipping writes for the change, want 1", n)
	}

	// A, B, A, B: the old number comes back, then the new one again; each
	// change is sent once more, under its own ID.
	ids := []string{workflows.NotifyShipmentID(s.shop, o.Number), resend}
	for i, change := range []struct {
		slip, was string
		at        time.Time
	}{
		{"438000000501", "438000000502", now.Add(-30 * time.Minute)},
		{"438000000502", "438000000501", now.Add(-10 * time.Minute)},
	} {
		if _, err := ll.ReturnToWorking(o.Number); err != nil {
			t.Fatal(err)
		}
		shipInLogiless(t, s, o.Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{change.slip}, FinishedAt: change.at})
		writesBefore := ec.RequestCounts()[shipReqEcShippingPUT]
		id := workflows.NotifyShipmentResendID(s.shop, o.Number, shipment.ResendVersion(shipment.EcforceShipping{ShippingSlip: change.was}, change.slip, change.at))
		for _, earlier := range ids {
			if id == earlier {
				t.Fatalf("change %d (%s) has the ID of an earlier notification, %s", i+3, change.slip, id)
			}
		}
		// Two discoveries see the change before its run has written: the
		// second finds the same ID taken (or ecforce done) and starts nothing.
		found := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
		again := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
		awaitShipmentRuns(ctx, t, found.Started...)
		if len(found.Started) != 1 || found.Started[0] != id {
			t.Fatalf("change %d (%s): discovery started %v, want [%s]", i+3, change.slip, found.Started, id)
		}
		if len(again.Started) != 0 {
			t.Errorf("change %d (%s): the next discovery started %v as well", i+3, change.slip, again.Started)
		}
		if err := temporalClient.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil || res.Outcome != workflows.OutcomeNotified {
			t.Fatalf("change %d (%s): %+v %v", i+3, change.slip, res, err)
		}
		checkShipmentInEcforce(t, ec, wantShipment{o, change.slip, change.at, 1, 0, "authed", "complete"})
		if later := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{}); len(later.Started) != 0 || later.AlreadyInEcforce != 1 {
			t.Errorf("change %d (%s): a later discovery = %+v, want nothing started, 1 already in ecforce", i+3, change.slip, later)
		}
		if n := ec.RequestCounts()[shipReqEcShippingPUT] - writesBefore; n != 1 {
			t.Errorf("change %d (%s): %d shipping writes, want 1", i+3, change.slip, n)
		}
		ids = append(ids, id)
	}
	s.assertNoSecretsLeaked(ctx, ids...)
	replayAndStoreFiles(ctx, t, map[string]string{"notifyshipments-resend" + editsHistorySuffix: workflows.NotifyShipmentsID(s.shop),
		"notifyshipment-resend" + editsHistorySuffix: resend})
}
