package payloadcodec

import (
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// FuzzDecode feeds the decoder arbitrary encrypted-looking payloads: it must
// return an error or a payload, never panic, and never accept data that was
// not sealed by one of its keys.
func FuzzDecode(f *testing.F) {
	c := testCodec(f, testKey(f, "k1", 1), testKey(f, "k2", 2))
	plain := jsonPayload(f, order{Number: "ORD-1"})
	good, err := c.Encode([]*commonpb.Payload{plain})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("k1"), good[0].GetData(), []byte(Cipher))
	f.Add([]byte("k2"), []byte{}, []byte(Cipher))
	f.Add([]byte(""), make([]byte, 40), []byte(""))
	f.Add([]byte("unknown\xff"), make([]byte, 28), []byte("x"))
	f.Fuzz(func(t *testing.T, keyID, data, cipher []byte) {
		p := &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(Encoding), MetadataKeyID: keyID, MetadataCipher: cipher},
			Data:     data,
		}
		out, err := c.Decode([]*commonpb.Payload{p})
		if err != nil {
			return
		}
		if len(out) != 1 || out[0] == nil {
			t.Fatalf("Decode returned %v without an error", out)
		}
		// Only a payload sealed with k1 (the seed) may decode, and then to
		// what was sealed.
		if string(keyID) != "k1" || !proto.Equal(out[0], plain) {
			t.Fatalf("forged payload (key %q, %d bytes) decoded to %v", keyID, len(data), out[0])
		}
	})
}
