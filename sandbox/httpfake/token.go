package httpfake

import (
	"crypto/rand"
	"encoding/hex"
)

// NewToken returns a random hex string of n bytes of entropy, for the
// credentials the fakes mint (session tokens, OAuth codes and tokens).
func NewToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("sandbox: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}
