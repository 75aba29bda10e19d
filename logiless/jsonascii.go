package logiless

import (
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

// marshalASCII encodes v as JSON with every non-ASCII character written as
// a \uNNNN escape (a surrogate pair above U+FFFF), as the LOGILESS docs ask
// for Japanese text. encoding/json emits non-ASCII bytes only inside string
// literals, and always as valid UTF-8, so escaping them there is safe.
func marshalASCII(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return escapeNonASCII(raw), nil
}

func escapeNonASCII(raw []byte) []byte {
	ascii := true
	for _, b := range raw {
		if b >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return raw
	}
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(raw)+len(raw)/2)
	appendU := func(r rune) {
		out = append(out, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	for i := 0; i < len(raw); {
		b := raw[i]
		if b < utf8.RuneSelf {
			out = append(out, b)
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		i += size
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			appendU(hi)
			appendU(lo)
			continue
		}
		appendU(r) // includes U+FFFD for (impossible) invalid bytes
	}
	return out
}
