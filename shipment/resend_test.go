package shipment

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
)

var (
	resendWithTime = regexp.MustCompile(`^t[0-9a-f]{12}-[0-9]{14}$`)
	resendSlipOnly = regexp.MustCompile(`^t[0-9a-f]{12}$`)
)

func TestResendVersion(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 15, 7, 0, ecforce.JST)
	tests := []struct {
		name, have, now string
		shippedAt       time.Time
		want            *regexp.Regexp // nil: not a re-send
	}{
		{"first notification", "", "438000000001", at, nil},
		{"ecforce has it already", "438000000001", "438000000001", at, nil},
		{"ecforce has it, spaces aside", " 438000000001", "438000000001 ", at, nil},
		{"LOGILESS has none (not shipped)", "438000000001", "", at, nil},
		{"shipped again under a new number", "438000000001", "438000000002", at, resendWithTime},
		{"a parcel added", "438000000001", "438000000001,438000000003", at, resendWithTime},
		{"no finish time: the slip alone", "438000000001", "438000000002", time.Time{}, resendSlipOnly},
		{"no finish time, first notification", "", "438000000002", time.Time{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := ResendVersion(EcforceShipping{ShippingSlip: tc.have}, tc.now, tc.shippedAt)
			if (v != "") != (tc.want != nil) {
				t.Fatalf("version %q, resend want %v", v, tc.want != nil)
			}
			if tc.want != nil && !tc.want.MatchString(v) {
				t.Errorf("version %q does not match %s", v, tc.want)
			}
		})
	}
	a := ResendVersion(EcforceShipping{ShippingSlip: "1"}, "2", at)
	if b := ResendVersion(EcforceShipping{ShippingSlip: "3"}, "2", at); a != b {
		t.Errorf("the version depends on the new slip and ship time only: %q vs %q", a, b)
	}
	if got, want := a, ResendVersion(EcforceShipping{ShippingSlip: "1"}, "2", time.Time{})+"-20261202101507"; got != want {
		t.Errorf("version %q, want the slip-only version and the JST ship time: %q", got, want)
	}
}

// The same shipment, however it is read (any discovery, the sweep, another
// worker, a retry; its time in another zone or with a fraction of a second),
// always has the same version.
func TestResendVersionSameShipmentSameVersion(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 15, 7, 0, ecforce.JST)
	want := ResendVersion(EcforceShipping{ShippingSlip: "A"}, "B", at)
	tests := []struct {
		name      string
		have, now string
		shippedAt time.Time
	}{
		{"read again", "A", "B", at},
		{"read in UTC", "A", "B", at.UTC()},
		{"with a fraction of a second", "A", "B", at.Add(400 * time.Millisecond)},
		{"spaces around the slip", "A", " B ", at},
		{"ecforce holds another old slip", "C", "B", at},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ResendVersion(EcforceShipping{ShippingSlip: tc.have}, tc.now, tc.shippedAt); got != want {
				t.Errorf("version %q, want %q", got, want)
			}
		})
	}
	if other := ResendVersion(EcforceShipping{ShippingSlip: "A"}, "B", at.Add(time.Second)); other == want {
		t.Errorf("a shipment a second later has the same version %q", other)
	}
}

// resendCycle plays a parcel shipped, moved back and shipped again under
// each slip in turn, as the discoveries see it: the first shipment is a
// first notification, and each later one is read by several discoveries
// before and after ecforce has it. It returns the workflow versions that
// would start a run, in order (one per change is right).
func resendCycle(t *testing.T, shipments []logiless.SalesOrder) []string {
	t.Helper()
	var ecforceSlip string
	started := map[string]bool{}
	var runs []string
	for i, so := range shipments {
		s, err := Of(so)
		if err != nil {
			t.Fatalf("shipment %d: %v", i, err)
		}
		slip := s.Slip(",")
		for read := 0; read < 3; read++ { // three discoveries before the write
			v := ResendVersion(EcforceShipping{ShippingSlip: ecforceSlip}, slip, s.ShippedAt)
			if ecforceSlip != "" && v == "" {
				t.Fatalf("shipment %d (%s): no version although ecforce has %s", i, slip, ecforceSlip)
			}
			if started[v] {
				continue // the ID is taken: nothing starts
			}
			started[v] = true
			runs = append(runs, v)
		}
		ecforceSlip = slip // the run wrote it
		if v := ResendVersion(EcforceShipping{ShippingSlip: ecforceSlip}, slip, s.ShippedAt); v != "" {
			t.Fatalf("shipment %d: ecforce has %s and still a version %q", i, slip, v)
		}
	}
	return runs
}

func TestResendVersionCycle(t *testing.T) {
	day := func(hour int) time.Time { return time.Date(2026, 12, 2, hour, 0, 0, 0, ecforce.JST) }
	byParcel := func(hour int, numbers ...string) logiless.SalesOrder {
		return shippedOrder(1, "EC1", shippedParcel(10, "yamato", day(hour), numbers...))
	}
	byOrder := func(hour int, number string) logiless.SalesOrder { // no finished_at on the parcel
		so := shippedOrder(1, "EC1", shippedParcel(10, "yamato", time.Time{}, number))
		so.FinishedAt = day(hour)
		return so
	}
	tests := []struct {
		name      string
		shipments []logiless.SalesOrder
		want      int // runs started, the first notification included
	}{
		{"A, B", []logiless.SalesOrder{byParcel(9, "A"), byParcel(10, "B")}, 2},
		{"A, B, A, B", []logiless.SalesOrder{byParcel(9, "A"), byParcel(10, "B"), byParcel(11, "A"), byParcel(12, "B")}, 4},
		{"A, B, A, B, A", []logiless.SalesOrder{byParcel(9, "A"), byParcel(10, "B"), byParcel(11, "A"), byParcel(12, "B"), byParcel(13, "A")}, 5},
		{"A, B, A, B by the order's finished_at", []logiless.SalesOrder{byOrder(9, "A"), byOrder(10, "B"), byOrder(11, "A"), byOrder(12, "B")}, 4},
		{"one parcel of two shipped again, twice", []logiless.SalesOrder{
			shippedOrder(1, "EC1", shippedParcel(10, "yamato", day(9), "A"), shippedParcel(11, "yamato", day(9), "X")),
			shippedOrder(1, "EC1", shippedParcel(10, "yamato", day(10), "B"), shippedParcel(11, "yamato", day(9), "X")),
			shippedOrder(1, "EC1", shippedParcel(10, "yamato", day(11), "A"), shippedParcel(11, "yamato", day(9), "X")),
			shippedOrder(1, "EC1", shippedParcel(10, "yamato", day(12), "B"), shippedParcel(11, "yamato", day(9), "X")),
		}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs := resendCycle(t, tc.shipments)
			if len(runs) != tc.want {
				t.Fatalf("runs %q, want %d (one per change)", runs, tc.want)
			}
			if runs[0] != "" {
				t.Errorf("the first notification has version %q, want none", runs[0])
			}
			for _, v := range runs[1:] {
				if !resendWithTime.MatchString(v) {
					t.Errorf("version %q is not t + 12 hex digits - ship time", v)
				}
			}
		})
	}
}

// Without a finish time the version is the slip alone (as before it had
// one): a number that comes back is not sent again by itself.
func TestResendVersionWithoutFinishTime(t *testing.T) {
	b1 := ResendVersion(EcforceShipping{ShippingSlip: "A"}, "B", time.Time{})
	b2 := ResendVersion(EcforceShipping{ShippingSlip: "A"}, "B", time.Time{})
	if b1 == "" || b1 != b2 {
		t.Fatalf("versions %q and %q, want one slip-only version", b1, b2)
	}
	if timed := ResendVersion(EcforceShipping{ShippingSlip: "A"}, "B", time.Date(2026, 12, 2, 9, 0, 0, 0, ecforce.JST)); !strings.HasPrefix(timed, b1+"-") {
		t.Errorf("version with a ship time %q does not extend the slip-only %q", timed, b1)
	}
	// Of refuses a Shipped order without any finished_at, so discovery
	// never computes a version for one.
	if _, err := Of(shippedOrder(1, "EC1", shippedParcel(10, "yamato", time.Time{}, "B"))); err == nil {
		t.Error("Of accepted a shipment without a finish time")
	}
}
