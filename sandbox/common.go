package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// jst is Japan Standard Time. A fixed zone, so the sandbox needs no tzdata.
var jst = time.FixedZone("JST", 9*60*60)

const (
	ecTimeLayout   = "2006/01/02 15:04:05" // ecforce responses
	llTimeLayout   = "2006-01-02 15:04:05" // LOGILESS responses and filters
	dateLayout     = "2006-01-02"
	maxRequestBody = 8 << 20
)

// requestTimeLayouts are the time formats accepted in request bodies and
// filters, all interpreted in JST unless they carry an offset.
var requestTimeLayouts = []string{
	"2006-01-02 15:04:05",
	"2006/01/02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006/01/02 15:04",
	"2006-01-02",
	"2006/01/02",
}

// parseJST parses a request time: RFC 3339, or one of requestTimeLayouts in JST.
func parseJST(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range requestTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, jst); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q (want YYYY-MM-DD HH:MM:SS or YYYY-MM-DD, JST)", s)
}

// ecTime formats t the way ecforce does ("2019/06/08 05:47:17", JST), or
// returns nil (JSON null) for the zero time.
func ecTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(jst).Format(ecTimeLayout)
}

// llTime formats t the way LOGILESS does ("2019-06-08 05:47:17", JST), or
// returns nil for the zero time.
func llTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(jst).Format(llTimeLayout)
}

// newSecret returns a random hex string of n bytes of entropy.
func newSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("sandbox: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshalJSON(v)
	if err != nil {
		http.Error(w, "sandbox: cannot encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeRawJSON(w, status, b)
}

// marshalJSON is json.Marshal without HTML escaping of <, > and &, and with
// a trailing newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// escapeNonASCII rewrites a JSON document so that every non-ASCII character
// is a \uNNNN escape (surrogate pairs above the BMP), like PHP's json_encode
// does by default. Only string contents can hold non-ASCII in valid JSON, so
// a byte-level rewrite is safe.
func escapeNonASCII(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r < utf8.RuneSelf:
			out.WriteByte(b[0])
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		b = b[size:]
	}
	return out.Bytes()
}

// readJSON decodes the request body into v. An empty body decodes as {}.
func readJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	return nil
}

var errNotInteger = errors.New("not an integer")

// looseInt decodes a JSON number or numeric string ("12", " 12 ") into an
// integer. Fractions, booleans, objects and arrays are rejected; null and
// absent values report ok=false with a nil error.
func looseInt(raw json.RawMessage) (v int64, ok bool, err error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, false, nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, false, errNotInteger
		}
		s = strings.TrimSpace(str)
		if s == "" {
			return 0, false, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
		return 0, false, errNotInteger
	}
	return int64(f), true, nil
}

// looseString decodes a JSON string or number into a string. Null and absent
// values report ok=false.
func looseString(raw json.RawMessage) (s string, ok bool, err error) {
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "" || t == "null":
		return "", false, nil
	case strings.HasPrefix(t, `"`):
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	case strings.HasPrefix(t, "{"), strings.HasPrefix(t, "["), t == "true", t == "false":
		return "", false, errors.New("not a string")
	default:
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", false, err
		}
		return n.String(), true, nil
	}
}

// looseBool decodes true/false, 0/1 or "0"/"1"/"true"/"false".
func looseBool(raw json.RawMessage) (v bool, ok bool, err error) {
	t := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	switch strings.ToLower(t) {
	case "", "null":
		return false, false, nil
	case "true", "1":
		return true, true, nil
	case "false", "0":
		return false, true, nil
	}
	return false, false, errors.New("not a boolean")
}

// loggerOr returns l, or slog.Default when l is nil.
func loggerOr(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

// clockOr returns c, or time.Now when c is nil.
func clockOr(c func() time.Time) func() time.Time {
	if c != nil {
		return c
	}
	return time.Now
}

// secondClock wraps a clock so that stored timestamps have one-second
// precision, like the APIs render them (so a timestamp read back from a
// response and used as an inclusive filter bound matches its own record).
func secondClock(c func() time.Time) func() time.Time {
	return func() time.Time { return c().Truncate(time.Second) }
}

// cloneSlice copies a slice (nil stays nil).
func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}
