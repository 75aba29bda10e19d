package httpfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// maxRequestBody caps what a fake reads of a request body.
const maxRequestBody = 8 << 20

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := MarshalJSON(v)
	if err != nil {
		http.Error(w, "sandbox: cannot encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	WriteRawJSON(w, status, b)
}

// MarshalJSON is json.Marshal without HTML escaping of <, > and &, and with
// a trailing newline.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteRawJSON writes an encoded JSON body with the given status.
func WriteRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ReadJSON decodes the request body into v. An empty body decodes as {}.
func ReadJSON(r *http.Request, v any) error {
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

// NullIfEmpty renders an empty string as JSON null.
func NullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var errNotInteger = errors.New("not an integer")

// LooseInt decodes a JSON number or numeric string ("12", " 12 ") into an
// integer. Fractions, booleans, objects and arrays are rejected; null and
// absent values report ok=false with a nil error.
func LooseInt(raw json.RawMessage) (v int64, ok bool, err error) {
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

// LooseString decodes a JSON string or number into a string. Null and absent
// values report ok=false.
func LooseString(raw json.RawMessage) (s string, ok bool, err error) {
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

// LooseBool decodes true/false, 0/1 or "0"/"1"/"true"/"false".
func LooseBool(raw json.RawMessage) (v bool, ok bool, err error) {
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
