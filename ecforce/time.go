package ecforce

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// JST is Japan Standard Time as a fixed +09:00 zone (Japan has no daylight
// saving), so no tzdata is needed. Every Time this package returns is in it.
var JST = time.FixedZone("JST", 9*60*60)

// InJST is t in JST, the zone of every time the connector shows people
// (results, logs, the starter). The zero time stays zero as it is, so it
// still reads as "none" (0001-01-01T00:00:00Z) wherever it is encoded.
func InJST(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(JST)
}

// filterLayout is how request filter values (ransack q[...]) are written.
const filterLayout = "2006-01-02 15:04:05"

// Time is a timestamp from ecforce, always in JST. ecforce writes wall-clock
// JST without an offset ("2019/06/08 05:47:17"); Time also accepts
// "2019-06-08 05:47:17", "2019-06-08" and RFC 3339. null and "" decode to the
// zero Time. It encodes as RFC 3339 (null when zero), which it decodes again.
type Time struct{ time.Time }

// layouts without an offset are read as JST wall-clock time.
var wallLayouts = []string{
	"2006/01/02 15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006/01/02 15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02",
}

// layouts with an offset (RFC 3339 is tried first, separately).
var offsetLayouts = []string{
	"2006-01-02 15:04:05 -0700", // Rails Time#to_s
	"2006/01/02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
}

// ParseTime reads one ecforce time value. Values without an offset are JST;
// values with one are converted to JST. "" is the zero Time.
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return Time{t.In(JST)}, nil
	}
	for _, layout := range offsetLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{t.In(JST)}, nil
		}
	}
	for _, layout := range wallLayouts {
		if t, err := time.ParseInLocation(layout, s, JST); err == nil {
			return Time{t}, nil
		}
	}
	return Time{}, fmt.Errorf("ecforce: unrecognised time %q (expected a form like 2019/06/08 05:47:17 or RFC 3339)", clip(s, 40))
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(data []byte) error {
	s := strings.TrimSpace(string(data))
	if s == "null" || s == "" {
		*t = Time{}
		return nil
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return fmt.Errorf("ecforce: a time must be a JSON string, got %s", clip(s, 40))
	}
	var str string
	if err := json.Unmarshal(data, &str); err != nil {
		return fmt.Errorf("ecforce: time: %w", err)
	}
	parsed, err := ParseTime(str)
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}

// MarshalJSON implements json.Marshaler: RFC 3339 in JST, or null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.In(JST).Format(time.RFC3339Nano) + `"`), nil
}

// formatFilter writes t the way ecforce filters expect: "YYYY-MM-DD HH:MM:SS" in JST.
func formatFilter(t time.Time) string { return t.In(JST).Format(filterLayout) }

// clip shortens s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
