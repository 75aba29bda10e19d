package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// shipBulk seeds n card orders shipped in LOGILESS an hour ago, each with
// its own tracking number, and returns them.
func shipBulk(t *testing.T, s *stack, n int, prefix string) []ecforceapi.Order {
	t.Helper()
	now := time.Now().In(jst).Truncate(time.Second)
	orders := make([]ecforceapi.Order, n)
	for i := range orders {
		orders[i] = seedShippedOrder(t, s, ecforceapi.OrderSeed{ShippingCarrierID: 1}, "yamato")
		shipInLogiless(t, s, orders[i].Number, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{fmt.Sprintf("%s%04d", prefix, i)}, FinishedAt: now.Add(-time.Hour)})
	}
	return orders
}

// ecforceCalls sums the ecforce requests between two counts, without the
// sign-ins and the carrier list (read at most hourly, outside the target).
func ecforceCalls(after, before map[string]int) int {
	n := 0
	for k, v := range after {
		if !strings.Contains(k, "sign_in") && !strings.Contains(k, "shipping_carriers") {
			n += v - before[k]
		}
	}
	return n
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// TestShipmentBulk150: 150 card orders shipped together, with 売上処理
// and a 対応状況 change on, at the default batch_size (100): one
// discovery starts 150 NotifyShipment runs, each completes as notified;
// every order's slip goes out once (the shipping requests carry 150
// records in all), is captured once and set to shipped once; ecforce sees
// at most 0.1 calls per notification, from the discovery's lookups to the
// last status write.
func TestShipmentBulk150(t *testing.T) {
	const n = 150
	ctx := testContext(t, 6*time.Minute)
	s := newStack(t, stackOptions{shopYAML: bulkShipmentSettingsYAML(false, true, "shipped")})
	ec := s.sb.Ecforce
	orders := shipBulk(t, s, n, "BK")
	before := ec.RequestCounts()

	first := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(first.Started) != n {
		t.Fatalf("discovery started %d runs, want %d: %+v", len(first.Started), n, first)
	}
	awaitShipmentRuns(ctx, t, first.Started...)
	after := ec.RequestCounts()

	for i, o := range orders {
		var res workflows.NotifyShipmentResult
		if err := temporalClient.GetWorkflow(ctx, workflows.NotifyShipmentID(s.shop, o.Number), "").Get(ctx, &res); err != nil {
			t.Errorf("notification of %s: %v", o.Number, err)
			continue
		}
		if res.Outcome != workflows.OutcomeNotified || !res.ShippingWritten || !res.Captured || res.StateSet != "shipped" {
			t.Errorf("notification of %s = %+v", o.Number, res)
		}
		got, _ := ec.Order(o.ID)
		if got.ShippingSlip != fmt.Sprintf("BK%04d", i) || got.State != "shipped" || got.PaymentState != "completed" ||
			ec.CaptureCount(o.ID) != 1 || ec.CapturesSettled(o.ID) != 1 {
			t.Errorf("order %s: slip %q state %s payment %s, %d capture requests, %d settled; want one of each",
				o.Number, got.ShippingSlip, got.State, got.PaymentState, ec.CaptureCount(o.ID), ec.CapturesSettled(o.ID))
		}
	}
	bulk := ec.BulkRequests()
	calls := ecforceCalls(after, before)
	t.Logf("ecforce calls for %d notifications: %d (%.3f each): %v; records per request: shipping %v, bulk_update %v, payment_status %v",
		n, calls, float64(calls)/n, after, bulk["shipping"], bulk["bulk_update"], bulk["payment_status"])
	if sum(bulk["shipping"]) != n || sum(bulk["bulk_update"]) != n {
		t.Errorf("shipping requests carried %d records, state requests %d; want %d each (every order once)", sum(bulk["shipping"]), sum(bulk["bulk_update"]), n)
	}
	if per := float64(calls) / n; per > 0.1 {
		t.Errorf("%.3f ecforce calls per notification, want at most 0.1", per)
	}
	second := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(second.Started) != 0 || second.AlreadyInEcforce != n {
		t.Errorf("second discovery = %+v; want all %d already in ecforce", second, n)
	}
	s.assertNoSecretsLeaked(ctx, first.Started[:5]...)
	replayRuns(ctx, t, nil, first.Started[:3]...)
}

// TestShipmentBulkRefusals: a record ecforce rejects inside a bulk answer
// fails only its own order's run, with EcforceShippingRejected naming the
// order, while the others complete; a batch the shop refuses as a whole
// (over its limit of 4 records) is split in halves until it passes, and
// every other order is written once.
func TestShipmentBulkRefusals(t *testing.T) {
	const n = 10
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{shopYAML: bulkShipmentSettingsYAML(false, false, "shipped")})
	ec := s.sb.Ecforce
	orders := shipBulk(t, s, n, "RF")
	bad := orders[3]
	ec.RefuseRecord(bad.ID, "AOR3001", "shipping_slipパラメータが正しくありません。")
	ec.SetMaxBulkRecords(4)

	first := s.discoverShipments(ctx, workflows.NotifyShipmentsInput{})
	if len(first.Started) != n {
		t.Fatalf("discovery started %d runs, want %d", len(first.Started), n)
	}
	awaitShipmentRuns(ctx, t, first.Started...)

	for _, o := range orders {
		var res workflows.NotifyShipmentResult
		err := temporalClient.GetWorkflow(ctx, workflows.NotifyShipmentID(s.shop, o.Number), "").Get(ctx, &res)
		got, _ := ec.Order(o.ID)
		if o.ID == bad.ID {
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeShippingRejected || !strings.Contains(err.Error(), bad.Number) {
				t.Errorf("rejected order's run: %v; want %s naming %s", err, activities.ErrTypeShippingRejected, bad.Number)
			}
			if got.ShippingSlip != "" || got.State == "shipped" {
				t.Errorf("rejected order written: slip %q state %s", got.ShippingSlip, got.State)
			}
			continue
		}
		if err != nil || res.Outcome != workflows.OutcomeNotified || res.StateSet != "shipped" {
			t.Errorf("notification of %s = %+v, %v", o.Number, res, err)
		}
		if got.ShippingSlip == "" || got.State != "shipped" {
			t.Errorf("order %s: slip %q state %s", o.Number, got.ShippingSlip, got.State)
		}
	}
	bulk := ec.BulkRequests()
	t.Logf("records per request: shipping %v, bulk_update %v", bulk["shipping"], bulk["bulk_update"])
	refused := func(sizes []int) (over, applied int) {
		for _, k := range sizes {
			if k > 4 {
				over++
			} else {
				applied += k
			}
		}
		return over, applied
	}
	// Accepted requests carry every record once (the rejected one too: it
	// is refused inside an accepted request, once, as its step is not
	// retried); at least one request was over the limit and split.
	if over, applied := refused(bulk["shipping"]); applied != n || over == 0 {
		t.Errorf("shipping requests %v: %d records in accepted requests, %d refused requests; want %d and at least one", bulk["shipping"], applied, over, n)
	}
	if _, applied := refused(bulk["bulk_update"]); applied != n-1 {
		t.Errorf("state requests %v: %d records in accepted requests, want %d", bulk["bulk_update"], applied, n-1)
	}
}
