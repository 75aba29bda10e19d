package logilessapi

import (
	"bytes"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// writeJSON writes a LOGILESS response body (non-ASCII escaped unless PlainUTF8).
func (l *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := httpfake.MarshalJSON(v)
	if err != nil {
		http.Error(w, "sandbox: cannot encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if !l.cfg.PlainUTF8 {
		b = escapeNonASCII(b)
	}
	httpfake.WriteRawJSON(w, status, b)
}

// writeError writes {"error","error_description"}.
func (l *Server) writeError(w http.ResponseWriter, status int, code, desc string) {
	l.writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// validationFailed writes the 400 Validation Failed body.
func (l *Server) validationFailed(w http.ResponseWriter, fields map[string]string) {
	l.writeJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": "Validation Failed", "errors": fields})
}

// faultBody is LOGILESS's usual body for a status, for injected faults and
// rate-limit refusals: {"error","error_description"} with rate_limit_exceeded,
// invalid_token, service_unavailable or server_error.
func faultBody(status int) (string, []byte) {
	code, desc := "error", http.StatusText(status)
	switch {
	case status == http.StatusTooManyRequests:
		code, desc = "rate_limit_exceeded", "API rate limit exceeded. Please retry later."
	case status == http.StatusUnauthorized:
		code, desc = "invalid_token", "The access token provided is invalid."
	case status == http.StatusServiceUnavailable:
		code = "service_unavailable"
	case status >= 500:
		code = "server_error"
	}
	b, _ := httpfake.MarshalJSON(map[string]string{"error": code, "error_description": desc})
	return "application/json; charset=utf-8", b
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

// formatTime formats t the way LOGILESS does ("2019-06-08 05:47:17", JST), or
// returns nil for the zero time.
func formatTime(t time.Time) any { return httpfake.FormatJST(t, timeLayout) }

// formatDate formats the date of t ("2019-06-08", JST), or returns nil for
// the zero time.
func formatDate(t time.Time) any { return httpfake.FormatJST(t, dateLayout) }

// How LOGILESS renders times and dates; list filters and request bodies use
// the same layouts.
const (
	timeLayout = "2006-01-02 15:04:05"
	dateLayout = "2006-01-02"
)

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
