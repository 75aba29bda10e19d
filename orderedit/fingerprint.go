package orderedit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/ecforce-logiless/connector/logiless"
)

// Fingerprint is a short digest of the sales order the import sent (its
// LOGILESS create body), so that a later listing can tell the connector's
// own write of the 対応状況 (order_import.imported_state, which moves the
// ecforce order's updated_at) from an edit: the same ecforce order builds
// the same body, an edit builds another. It holds no value of the order
// (16 bytes of SHA-256 over the whole body: code, amounts, lines and
// addresses together), so it may go through workflow histories. "" when the
// body cannot be encoded.
func Fingerprint(sent logiless.SalesOrderInput) string {
	body, err := json.Marshal(sent)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(body)
	return "s" + hex.EncodeToString(sum[:16])
}
