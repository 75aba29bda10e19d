// Package payloadcodec owns the encryption of workflow data: an AES-256-GCM
// payload codec (converter.PayloadCodec) that encrypts every payload the
// connector's workers, starter and codec server write to Temporal, the key
// file it reads its keys from, and the client options that turn it on.
//
// An encrypted payload carries, in its metadata, the encoding
// "binary/encrypted" and the ID of the key that encrypted it; its data is a
// random 12-byte nonce followed by the sealed original payload (metadata and
// data, protobuf-encoded), with the key ID as additional data so a payload
// cannot be relabelled to another key. New payloads are encrypted with the
// first key; every known key decrypts, which is what makes rotation work.
// Payloads that are not encrypted pass through decoding unchanged, so runs
// started before encryption was turned on still read.
package payloadcodec

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/ecforce-logiless/connector/config"
)

// Metadata of an encrypted payload.
const (
	// Encoding is the "encoding" metadata value of an encrypted payload.
	Encoding = "binary/encrypted"
	// MetadataKeyID names the metadata entry holding the key ID.
	MetadataKeyID = "encryption-key-id"
	// MetadataCipher names the metadata entry holding the cipher.
	MetadataCipher = "encryption-cipher"
	// Cipher is the MetadataCipher value of every payload this package writes.
	Cipher = "AES-256-GCM"
)

const nonceSize = 12

// ErrUnknownKey is wrapped by the error of a payload encrypted with a key
// that is not in the key file.
var ErrUnknownKey = errors.New("unknown payload key")

// Codec encrypts payloads with its current key and decrypts them with any
// of its keys.
type Codec struct {
	current Key
	keys    map[string]Key
	ids     []string
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New makes a codec that encrypts with the first key and decrypts with all.
func New(keys ...Key) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("payload codec: no key")
	}
	c := &Codec{current: keys[0], keys: make(map[string]Key, len(keys))}
	for _, k := range keys {
		if k.aead == nil {
			return nil, fmt.Errorf("payload codec: key %q was not made with NewKey", k.ID)
		}
		if _, dup := c.keys[k.ID]; dup {
			return nil, fmt.Errorf("payload codec: key id %s is listed twice; give every key its own id", k.ID)
		}
		c.keys[k.ID] = k
		c.ids = append(c.ids, k.ID)
	}
	return c, nil
}

// FromSettings returns the codec of the process settings: nil (encryption
// off) when CONNECTOR_PAYLOAD_KEYS_FILE is not set, else the codec of that
// key file.
func FromSettings(proc config.Process) (*Codec, error) {
	if proc.PayloadKeysFile == "" {
		return nil, nil
	}
	c, err := LoadKeyFile(proc.PayloadKeysFile)
	if err != nil {
		return nil, fmt.Errorf("CONNECTOR_PAYLOAD_KEYS_FILE: %w", err)
	}
	return c, nil
}

// CurrentKeyID is the ID of the key new payloads are encrypted with.
func (c *Codec) CurrentKeyID() string { return c.current.ID }

// KeyIDs lists the IDs of every key, the current one first.
func (c *Codec) KeyIDs() []string { return slices.Clone(c.ids) }

// Encode encrypts every payload with the current key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("encrypt payload: %w", err)
		}
		sealed := make([]byte, nonceSize, nonceSize+len(plain)+c.current.aead.Overhead())
		if _, err := rand.Read(sealed); err != nil {
			return payloads, fmt.Errorf("encrypt payload: nonce: %w", err)
		}
		sealed = c.current.aead.Seal(sealed, sealed[:nonceSize], plain, []byte(c.current.ID))
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				MetadataKeyID:              []byte(c.current.ID),
				MetadataCipher:             []byte(Cipher),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode decrypts every encrypted payload; others are returned unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		plain, err := c.decrypt(p)
		if err != nil {
			return payloads, err
		}
		out[i] = plain
	}
	return out, nil
}

func (c *Codec) decrypt(p *commonpb.Payload) (*commonpb.Payload, error) {
	md := p.GetMetadata()
	if cipher, ok := md[MetadataCipher]; ok && string(cipher) != Cipher {
		return nil, fmt.Errorf("decrypt payload: cipher %q is not %s; it was written by another codec", cipher, Cipher)
	}
	id := string(md[MetadataKeyID])
	if id == "" {
		return nil, errors.New("decrypt payload: encrypted payload has no " + MetadataKeyID + "; it was written by another codec")
	}
	k, ok := c.keys[id]
	if !ok {
		return nil, fmt.Errorf("decrypt payload: %w %q (known: %s): add that key back to the key file of CONNECTOR_PAYLOAD_KEYS_FILE, below the first line, and restart",
			ErrUnknownKey, printable(id), strings.Join(c.ids, ", "))
	}
	data := p.GetData()
	if len(data) < nonceSize+k.aead.Overhead() {
		return nil, fmt.Errorf("decrypt payload: payload of key %s is truncated (%d bytes)", id, len(data))
	}
	plain, err := k.aead.Open(nil, data[:nonceSize], data[nonceSize:], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("decrypt payload: payload of key %s fails authentication: it was altered, or the key file holds a different key under that id", id)
	}
	var orig commonpb.Payload
	if err := proto.Unmarshal(plain, &orig); err != nil {
		return nil, fmt.Errorf("decrypt payload: payload of key %s: %w", id, err)
	}
	return &orig, nil
}

// printable shortens an ID read from a payload for an error message.
func printable(id string) string {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return strings.ToValidUTF8(id, "?")
}

// DataConverter is the SDK's default data converter with every payload
// passed through c.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter keeps failure messages and stack traces in an encrypted
// payload (the failure's type, which retry policies match, stays readable).
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          c.DataConverter(),
		EncodeCommonAttributes: true,
	})
}

// Configure sets the data and failure converters of Temporal client options
// to encrypt with c. A nil c (encryption off) leaves opts unchanged.
func (c *Codec) Configure(opts *client.Options) {
	if c == nil {
		return
	}
	opts.DataConverter = c.DataConverter()
	opts.FailureConverter = c.FailureConverter()
}

// FailureMessage is the message of a failure read from a history or a
// pending activity. With the failure converter of a codec, the message is
// inside the failure's encrypted attributes, which dc (the data converter
// of that codec) opens; without, or if dc cannot open them, it is the
// failure's own message.
func FailureMessage(dc converter.DataConverter, f *failurepb.Failure) string {
	if f.GetEncodedAttributes() == nil {
		return f.GetMessage()
	}
	var attrs struct {
		Message string `json:"message"`
	}
	if err := dc.FromPayload(f.GetEncodedAttributes(), &attrs); err != nil {
		return f.GetMessage()
	}
	return attrs.Message
}
