package httpfake

import (
	"fmt"
	"strings"
	"time"
)

// JST is Japan Standard Time, the zone of both APIs. A fixed zone, so the
// sandbox needs no tzdata.
var JST = time.FixedZone("JST", 9*60*60)

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

// ParseJST parses a request time: RFC 3339, or one of the usual date and
// date-time layouts ("2006-01-02 15:04:05", "2006/01/02", …) in JST.
func ParseJST(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range requestTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, JST); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q (want YYYY-MM-DD HH:MM:SS or YYYY-MM-DD, JST)", s)
}

// FormatJST renders t in JST with layout, or returns nil (JSON null) for the
// zero time.
func FormatJST(t time.Time, layout string) any {
	if t.IsZero() {
		return nil
	}
	return t.In(JST).Format(layout)
}

// SecondClock wraps a clock (nil: time.Now) so that its readings have the
// one-second precision both APIs render timestamps with, so a timestamp read
// back from a response and used as an inclusive filter bound matches its own
// record.
func SecondClock(c func() time.Time) func() time.Time {
	if c == nil {
		c = time.Now
	}
	return func() time.Time { return c().Truncate(time.Second) }
}
