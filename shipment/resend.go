package shipment

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// ResendVersion tells whether a shipment is a re-send: ecforce already
// has a slip (配送伝票番号) for the order, and it is not slip, LOGILESS's
// tracking numbers now (a parcel moved back to 出荷作業中 and shipped again
// under new numbers). It returns "" for a first notification, or when
// ecforce has this slip already, and otherwise a short version of slip
// ("t" and 12 hex digits of its SHA-256), so that the notification of each
// change gets its own workflow ID and runs once. A number that returns
// after it was replaced (A, B, A, B) is not sent the fourth time; a person
// can with starter notify-shipment --force.
func ResendVersion(current EcforceShipping, slip string) string {
	have, now := strings.TrimSpace(current.ShippingSlip), strings.TrimSpace(slip)
	if have == "" || now == "" || have == now {
		return ""
	}
	sum := sha256.Sum256([]byte(now))
	return "t" + hex.EncodeToString(sum[:6])
}
