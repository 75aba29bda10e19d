package activities

import (
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
)

func TestListShipmentChanges(t *testing.T) {
	f := newShipmentFixture(t, ecforceapi.Config{}, func(s *config.Shop) { s.ShipmentNotification.SweepInterval = time.Hour })
	f.order(t, ecforceapi.OrderSeed{Number: "ONE", State: "complete", PaymentState: "authed"})
	f.order(t, ecforceapi.OrderSeed{Number: "TWO", State: "complete", PaymentState: "authed"})
	f.shipped(t, "ONE", 1, "yamato", parcel{time.Now(), []string{"111"}})
	env := activityEnv(f.a)
	run := func(last ListShipmentChangesResult, now time.Time) ListShipmentChangesResult {
		t.Helper()
		res, err := runActivity[ListShipmentChangesResult](t, env, f.a.ListShipmentChanges,
			ListShipmentChangesInput{Shop: "demo", Now: now, Watermark: last.Watermark, Recent: last.Recent})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	now := time.Now()
	first := run(ListShipmentChangesResult{}, now)
	if len(first.Candidates) != 1 || first.Candidates[0].OrderNumber != "ONE" || first.Watermark.IsZero() {
		t.Fatalf("first run: candidates %+v watermark %s, want ONE", first.Candidates, first.Watermark)
	}
	settled := run(first, now.Add(3*time.Minute))
	f.resetCounts()
	empty := run(settled, now.Add(4*time.Minute))
	if len(empty.Candidates) != 0 {
		t.Errorf("empty run: candidates %+v", empty.Candidates)
	}
	if ll, ec := f.llCalls("sales_orders"), f.ecCalls(ecListOrders); ll != 1 || ec != 0 {
		t.Errorf("empty run: %d LOGILESS and %d ecforce calls, want 1 and 0", ll, ec)
	}
	time.Sleep(1100 * time.Millisecond) // a later second of LOGILESS's clock than the watermark
	f.shipped(t, "TWO", 1, "yamato", parcel{time.Now(), []string{"222"}})
	next := run(empty, now.Add(5*time.Minute))
	if len(next.Candidates) != 1 || next.Candidates[0].OrderNumber != "TWO" {
		t.Errorf("after TWO shipped: candidates %+v, want TWO", next.Candidates)
	}
}
