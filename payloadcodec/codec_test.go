package payloadcodec

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/ecforce-logiless/connector/config"
)

// testKey is a deterministic key for tests: 32 bytes of b.
func testKey(t testing.TB, id string, b byte) Key {
	t.Helper()
	k, err := NewKey(id, bytes.Repeat([]byte{b}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testCodec(t testing.TB, keys ...Key) *Codec {
	t.Helper()
	c, err := New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jsonPayload(t testing.TB, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type order struct {
	Shop   string
	Number string
	Note   string
}

func TestRoundTripAndMetadata(t *testing.T) {
	c := testCodec(t, testKey(t, "2026-12", 1))
	in := []*commonpb.Payload{jsonPayload(t, order{"demo-shop", "ORD-0001", "置き配希望"}), jsonPayload(t, nil), jsonPayload(t, []byte{0, 1, 2})}
	enc, err := c.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) != len(in) {
		t.Fatalf("Encode returned %d payloads for %d", len(enc), len(in))
	}
	for i, p := range enc {
		md := p.GetMetadata()
		if string(md[converter.MetadataEncoding]) != Encoding || string(md[MetadataKeyID]) != "2026-12" || string(md[MetadataCipher]) != Cipher || len(md) != 3 {
			t.Errorf("payload %d metadata = %q", i, md)
		}
		for _, plain := range []string{"demo-shop", "ORD-0001", "置き配希望", "json/plain"} {
			if bytes.Contains(p.GetData(), []byte(plain)) {
				t.Errorf("payload %d holds %q in plain text", i, plain)
			}
		}
	}
	dec, err := c.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if !proto.Equal(dec[i], in[i]) {
			t.Errorf("payload %d: decoded %v, want %v", i, dec[i], in[i])
		}
	}
	// Two encryptions of one payload differ (a fresh nonce each time).
	again, _ := c.Encode(in[:1])
	if bytes.Equal(again[0].GetData(), enc[0].GetData()) {
		t.Error("the same payload encrypted twice gave the same bytes")
	}
}

func TestDataConverterRoundTrip(t *testing.T) {
	c := testCodec(t, testKey(t, "k1", 1))
	dc := c.DataConverter()
	p, err := dc.ToPayload(order{"demo", "ORD-7", "x"})
	if err != nil {
		t.Fatal(err)
	}
	if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
		t.Fatalf("data converter wrote encoding %q", p.GetMetadata()[converter.MetadataEncoding])
	}
	var got order
	if err := dc.FromPayload(p, &got); err != nil || got != (order{"demo", "ORD-7", "x"}) {
		t.Fatalf("FromPayload = %+v, %v", got, err)
	}
	// Unencrypted payloads (runs from before encryption was on) still read.
	var old order
	if err := dc.FromPayload(jsonPayload(t, order{Number: "OLD-1"}), &old); err != nil || old.Number != "OLD-1" {
		t.Fatalf("unencrypted payload: %+v, %v", old, err)
	}
}

func TestFailureMessagesAreEncrypted(t *testing.T) {
	c := testCodec(t, testKey(t, "k1", 1))
	fc := c.FailureConverter()
	f := fc.ErrorToFailure(temporal.NewNonRetryableApplicationError("order ORD-9 of shop demo: SKU GIFT-WRAP is not mapped", "UnmappedSKU", nil))
	raw, _ := proto.Marshal(f)
	if bytes.Contains(raw, []byte("ORD-9")) || bytes.Contains(raw, []byte("GIFT-WRAP")) {
		t.Error("the failure proto holds the message in plain text")
	}
	if f.GetApplicationFailureInfo().GetType() != "UnmappedSKU" {
		t.Errorf("failure type = %q; it must stay readable for retry policies", f.GetApplicationFailureInfo().GetType())
	}
	if got := FailureMessage(c.DataConverter(), f); got != "order ORD-9 of shop demo: SKU GIFT-WRAP is not mapped" {
		t.Errorf("FailureMessage with the codec = %q", got)
	}
	if got := FailureMessage(converter.GetDefaultDataConverter(), f); got == "" || strings.Contains(got, "ORD-9") {
		t.Errorf("FailureMessage without the codec = %q, want the placeholder", got)
	}
	plain := temporal.GetDefaultFailureConverter().ErrorToFailure(errors.New("plain message"))
	if got := FailureMessage(c.DataConverter(), plain); got != "plain message" {
		t.Errorf("FailureMessage of an unencrypted failure = %q", got)
	}
	err := fc.FailureToError(f)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !strings.Contains(appErr.Error(), "GIFT-WRAP is not mapped") || appErr.Type() != "UnmappedSKU" {
		t.Errorf("decoded failure = %v", err)
	}
}

func TestRotation(t *testing.T) {
	old := testKey(t, "2026-06", 1)
	next := testKey(t, "2026-12", 2)
	before := testCodec(t, old)
	written, err := before.Encode([]*commonpb.Payload{jsonPayload(t, "written with the old key")})
	if err != nil {
		t.Fatal(err)
	}
	// Rotated: the new key first, the old one kept to read old payloads.
	after := testCodec(t, next, old)
	if after.CurrentKeyID() != "2026-12" || strings.Join(after.KeyIDs(), ",") != "2026-12,2026-06" {
		t.Errorf("current %s, keys %v", after.CurrentKeyID(), after.KeyIDs())
	}
	dec, err := after.Decode(written)
	if err != nil {
		t.Fatalf("the rotated codec does not read a payload of the old key: %v", err)
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(dec[0], &s); err != nil || s != "written with the old key" {
		t.Errorf("decoded %q, %v", s, err)
	}
	fresh, _ := after.Encode([]*commonpb.Payload{jsonPayload(t, "new")})
	if id := string(fresh[0].GetMetadata()[MetadataKeyID]); id != "2026-12" {
		t.Errorf("new payloads encrypted with key %q, want 2026-12", id)
	}
	// A worker not yet given the new key names it in its error.
	if _, err := before.Decode(fresh); err == nil || !strings.Contains(err.Error(), `"2026-12"`) {
		t.Errorf("old codec on a new payload: %v", err)
	}
}

func TestUnknownKeyID(t *testing.T) {
	enc, _ := testCodec(t, testKey(t, "retired", 1)).Encode([]*commonpb.Payload{jsonPayload(t, "x")})
	_, err := testCodec(t, testKey(t, "current", 2), testKey(t, "previous", 3)).Decode(enc)
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	want := `decrypt payload: unknown payload key "retired" (known: current, previous): add that key back to the key file of CONNECTOR_PAYLOAD_KEYS_FILE, below the first line, and restart`
	if err.Error() != want {
		t.Errorf("error =\n%s\nwant\n%s", err, want)
	}
}

func TestTamperedPayloadsFail(t *testing.T) {
	k1 := testKey(t, "k1", 1)
	c := testCodec(t, k1, testKey(t, "k2", 2))
	encode := func() *commonpb.Payload {
		enc, err := c.Encode([]*commonpb.Payload{jsonPayload(t, order{Number: "ORD-1"})})
		if err != nil {
			t.Fatal(err)
		}
		return enc[0]
	}
	tests := []struct {
		name   string
		tamper func(p *commonpb.Payload)
		want   string
	}{
		{"flipped ciphertext bit", func(p *commonpb.Payload) { p.Data[len(p.Data)/2] ^= 1 }, "payload of key k1 fails authentication"},
		{"flipped nonce bit", func(p *commonpb.Payload) { p.Data[0] ^= 0x80 }, "fails authentication"},
		{"cut tag", func(p *commonpb.Payload) { p.Data = p.Data[:len(p.Data)-1] }, "fails authentication"},
		{"truncated", func(p *commonpb.Payload) { p.Data = p.Data[:nonceSize] }, "payload of key k1 is truncated (12 bytes)"},
		{"relabelled to another known key", func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("k2") }, "payload of key k2 fails authentication"},
		{"no key id", func(p *commonpb.Payload) { delete(p.Metadata, MetadataKeyID) }, "has no encryption-key-id"},
		{"other cipher", func(p *commonpb.Payload) { p.Metadata[MetadataCipher] = []byte("ChaCha20") }, `cipher "ChaCha20" is not AES-256-GCM`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := encode()
			tt.tamper(p)
			_, err := c.Decode([]*commonpb.Payload{p})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode = %v, want an error with %q", err, tt.want)
			}
		})
	}
	// The same key bytes under another ID do not open it either: the ID is
	// authenticated.
	p := encode()
	p.Metadata[MetadataKeyID] = []byte("alias")
	if _, err := testCodec(t, testKey(t, "alias", 1)).Decode([]*commonpb.Payload{p}); err == nil {
		t.Error("a payload relabelled to a key with the same bytes decoded")
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(); err == nil {
		t.Error("New() without keys succeeded")
	}
	if _, err := New(testKey(t, "a", 1), testKey(t, "a", 2)); err == nil || !strings.Contains(err.Error(), "key id a is listed twice") {
		t.Errorf("duplicate ids: %v", err)
	}
	if _, err := New(Key{ID: "zero"}); err == nil {
		t.Error("a zero Key was accepted")
	}
	for _, id := range []string{"", "-a", "has space", "ü", strings.Repeat("x", 65)} {
		if _, err := NewKey(id, make([]byte, KeySize)); err == nil {
			t.Errorf("NewKey(%q) accepted", id)
		}
	}
	if _, err := NewKey("short", make([]byte, 16)); err == nil || !strings.Contains(err.Error(), "is 16 bytes, want 32") {
		t.Errorf("16-byte key: %v", err)
	}
}

func TestParseKeys(t *testing.T) {
	k1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, KeySize))
	k2 := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, KeySize))
	keys, err := ParseKeys("# current first\n\n  2026-12 " + k1 + "  \n2026-06\t" + k2 + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != "2026-12" || keys[1].ID != "2026-06" {
		t.Errorf("keys = %v", keys)
	}
	secretLike := "c2VjcmV0LWtleS1tYXRlcmlhbA"
	for text, want := range map[string]string{
		"":                             "holds no key",
		"# only a comment\n":           "holds no key",
		"k1\n":                         "line 1: want `<key id> <base64 key>`, got 1 fields",
		"k1 " + k1 + " extra\n":        "line 1: want `<key id> <base64 key>`, got 3 fields",
		"k1 " + k1 + "\nk2 !!notb64!!": "line 2: key k2 is not base64",
		"k1 " + secretLike:             "line 1: key k1: is 19 bytes, want 32",
		"bad/id " + k1:                 `line 1: key id "bad/id"`,
	} {
		_, err := ParseKeys(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKeys(%q) = %v, want %q", text, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), k1) || strings.Contains(err.Error(), secretLike)) {
			t.Errorf("error shows key material: %v", err)
		}
	}
}

func TestFromSettings(t *testing.T) {
	c, err := FromSettings(config.Process{})
	if err != nil || c != nil {
		t.Fatalf("without a key file: %v, %v; want encryption off", c, err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "payload-keys")
	if err := os.WriteFile(path, []byte("k1 "+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, KeySize))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = FromSettings(config.Process{PayloadKeysFile: path})
	if err != nil || c.CurrentKeyID() != "k1" {
		t.Fatalf("FromSettings = %v, %v", c, err)
	}
	_, err = FromSettings(config.Process{PayloadKeysFile: filepath.Join(dir, "missing")})
	if err == nil || !strings.HasPrefix(err.Error(), "CONNECTOR_PAYLOAD_KEYS_FILE: payload key file: ") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("k1 short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = FromSettings(config.Process{PayloadKeysFile: path}); err == nil || !strings.Contains(err.Error(), path+": line 1") {
		t.Errorf("bad file: %v", err)
	}
}

func TestConfigureNilLeavesOptions(t *testing.T) {
	var c *Codec
	var opts client.Options
	c.Configure(&opts)
	if opts.DataConverter != nil || opts.FailureConverter != nil {
		t.Error("a nil codec set converters")
	}
	testCodec(t, testKey(t, "k", 1)).Configure(&opts)
	if opts.DataConverter == nil || opts.FailureConverter == nil {
		t.Error("Configure did not set the converters")
	}
}
