package payloadcodec

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/ecforce-logiless/connector/config"
)

// KeySize is the length of every key in bytes (AES-256).
const KeySize = 32

var keyIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Key is one AES-256 key and the ID written beside every payload it
// encrypts. Its bytes never leave the package.
type Key struct {
	ID   string
	aead cipher.AEAD
}

// NewKey makes a key from its ID and its 32 bytes.
func NewKey(id string, key []byte) (Key, error) {
	if !keyIDRE.MatchString(id) {
		return Key{}, fmt.Errorf("key id %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	if len(key) != KeySize {
		return Key{}, fmt.Errorf("key %s: is %d bytes, want %d (generate one with `openssl rand -base64 32`)", id, len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return Key{}, fmt.Errorf("key %s: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, fmt.Errorf("key %s: %w", id, err)
	}
	return Key{ID: id, aead: aead}, nil
}

// LoadKeyFile reads the key file at path: one key a line, `<id> <base64 of
// 32 bytes>`, blank lines and lines starting with # ignored. The first key
// encrypts new payloads; every key decrypts. Errors name the file, the line
// and the key ID, never key material.
func LoadKeyFile(path string) (*Codec, error) {
	secret, err := config.SecretRef{File: path}.Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("payload key file: %w", err)
	}
	keys, err := ParseKeys(secret.Reveal())
	if err != nil {
		return nil, fmt.Errorf("payload key file %s: %w", path, err)
	}
	return New(keys...)
}

// ParseKeys reads keys in the key file's format (see LoadKeyFile).
func ParseKeys(text string) ([]Key, error) {
	var keys []Key
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want `<key id> <base64 key>`, got %d fields", i+1, len(fields))
		}
		raw, err := decodeBase64(fields[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: key %s is not base64", i+1, fields[0])
		}
		k, err := NewKey(fields[0], raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("holds no key; add a line `<key id> <base64 key>`")
	}
	return keys, nil
}

// decodeBase64 accepts standard or URL-safe base64, padded or not.
func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}
