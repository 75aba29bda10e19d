// Package jsonlenient decodes the loosely typed numbers and strings that the
// ecforce and LOGILESS APIs send: the same field arrives as 7621, "7621",
// "7,621", 7621.0 or null depending on the endpoint and the record.
//
// The types decode leniently and encode canonically (numbers as JSON numbers),
// so a value read from one API can be written to the other unchanged.
package jsonlenient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Int is an integer that may arrive as a JSON number, a numeric string
// (with optional thousands separators or surrounding spaces), a whole-valued
// float, or null/"" (which decode to zero).
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (i *Int) UnmarshalJSON(data []byte) error {
	v, err := ParseInt(data)
	if err != nil {
		return err
	}
	*i = Int(v)
	return nil
}

// MarshalJSON implements json.Marshaler: always a JSON number.
func (i Int) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(i), 10), nil
}

// String returns the decimal form.
func (i Int) String() string { return strconv.FormatInt(int64(i), 10) }

// ParseInt parses one raw JSON value leniently into an int64.
func ParseInt(data []byte) (int64, error) {
	s, isNull, err := scalarText(data)
	if err != nil {
		return 0, err
	}
	if isNull || s == "" {
		return 0, nil
	}
	clean := strings.ReplaceAll(s, ",", "")
	if n, err := strconv.ParseInt(clean, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("jsonlenient: %q is not a number", truncate(s))
	}
	if f != math.Trunc(f) {
		return 0, fmt.Errorf("jsonlenient: %q is not a whole number", truncate(s))
	}
	if f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, fmt.Errorf("jsonlenient: %q is out of range", truncate(s))
	}
	return int64(f), nil
}

// String is a string that may arrive as a JSON string, a number (ids are
// sent both ways) or null (decodes to "").
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(data []byte) error {
	text, isNull, err := scalarText(data)
	if err != nil {
		return err
	}
	if isNull {
		*s = ""
		return nil
	}
	*s = String(text)
	return nil
}

// Bool is a flag sent as true/false, 0/1, "0"/"1", "true"/"false" or null.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bool) UnmarshalJSON(data []byte) error {
	text, isNull, err := scalarText(data)
	if err != nil {
		return err
	}
	switch strings.ToLower(text) {
	case "", "0", "false":
		*b = false
	case "1", "true":
		*b = true
	default:
		if isNull {
			*b = false
			return nil
		}
		return fmt.Errorf("jsonlenient: %q is not a boolean", truncate(text))
	}
	return nil
}

// MarshalJSON implements json.Marshaler: always true or false.
func (b Bool) MarshalJSON() ([]byte, error) { return strconv.AppendBool(nil, bool(b)), nil }

// scalarText returns the text of a JSON scalar: the unquoted string, the
// number or boolean literal as written, or isNull for null. Objects and
// arrays are errors.
func scalarText(data []byte) (text string, isNull bool, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "", true, nil
	}
	switch data[0] {
	case 'n':
		if string(data) == "null" {
			return "", true, nil
		}
	case '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return "", false, fmt.Errorf("jsonlenient: %w", err)
		}
		return strings.TrimSpace(s), false, nil
	case '{', '[':
		return "", false, fmt.Errorf("jsonlenient: expected a scalar, got %s", kind(data[0]))
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err == nil {
		return n.String(), false, nil
	}
	if string(data) == "true" || string(data) == "false" {
		return string(data), false, nil
	}
	return "", false, fmt.Errorf("jsonlenient: invalid value %q", truncate(string(data)))
}

func kind(b byte) string {
	if b == '{' {
		return "an object"
	}
	return "an array"
}

func truncate(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
