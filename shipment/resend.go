package shipment

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
)

// resendTimeLayout is the ship time in a re-send's version: JST to the
// second, the precision of LOGILESS's Y-m-d H:i:s.
const resendTimeLayout = "20060102150405"

// ResendVersion tells whether a shipment is a re-send: ecforce already
// has a slip (配送伝票番号) for the order, and it is not slip, LOGILESS's
// tracking numbers now (a parcel moved back to 出荷作業中 and shipped again
// under new numbers). It returns "" for a first notification, or when
// ecforce has this slip already, and otherwise the version of this change,
// so that the notification of each change gets its own workflow ID and
// runs once:
//
//	t<12 hex digits of the SHA-256 of slip>-<shippedAt, JST, yyyymmddhhmmss>
//
// shippedAt is Shipment.ShippedAt, the latest finished_at of the order's
// parcels (the order's own finished_at when they carry none). It is what
// tells two shipments under the same numbers apart: a parcel shipped again
// finishes again (our inference from logiless-api.md §3, which the sandbox
// follows), so a number that comes back after it was replaced (A, B, A, B)
// is a new version each time, while the same shipment read by any
// discovery, the hourly sweep, another worker or a retried activity gives
// the same slip and the same finish time, hence the same version. The
// slip ecforce holds is left out on purpose: people and our own partly
// done runs change it, so it is not stable for one shipment.
//
// When shippedAt is zero (no finish time at all) the version falls back to
// the slip alone, "t" and the 12 hex digits: a number that comes back is
// then not sent again (starter notify-shipment --force does).
//
// Upgrades: runs recorded by older workers carry the slip-only version, so
// the same change now has another ID. None of them makes it go out twice:
//   - a completed run wrote its slip (or found it there), and while ecforce
//     holds LOGILESS's slip this returns "", so nothing starts again;
//   - a failed run would have run again anyway (the discovery's reuse
//     policy allows a duplicate of a failed run);
//   - a run blocked under the old ID reads ecforce again when woken and
//     skips the slip the new run wrote, and each run's first write checks
//     what ecforce had moments before; both writing would take a discovery
//     of the new worker within the seconds between an old run's read and
//     its write.
//
// One effect remains: a slip a person changed by hand in ecforce after a
// re-send completed under an older worker is written over once more,
// exactly as a first notification's slip changed by hand always is.
func ResendVersion(current EcforceShipping, slip string, shippedAt time.Time) string {
	have, now := strings.TrimSpace(current.ShippingSlip), strings.TrimSpace(slip)
	if have == "" || now == "" || have == now {
		return ""
	}
	sum := sha256.Sum256([]byte(now))
	v := "t" + hex.EncodeToString(sum[:6])
	if shippedAt.IsZero() {
		return v
	}
	return v + "-" + shippedAt.In(ecforce.JST).Format(resendTimeLayout)
}
