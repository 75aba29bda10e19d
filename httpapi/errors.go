package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// StatusError is a non-2xx answer from an API. Its text names the API, the
// request (method and path, never the query or any credential) and what the
// API said.
type StatusError struct {
	API        string // "ecforce" or "LOGILESS"
	Method     string
	Path       string
	StatusCode int
	// Code and Message are the API's own error code and text when the body
	// carried them (ecforce "AOR2001", LOGILESS "invalid_grant", ...).
	Code    string
	Message string
	// FieldErrors are per-field validation messages (LOGILESS 400 bodies).
	FieldErrors map[string]string
	// RetryAfter is the wait the API asked for, if any.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s %s: HTTP %d", e.API, e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if len(e.FieldErrors) > 0 {
		msg += " " + formatFieldErrors(e.FieldErrors)
	}
	return msg
}

// Retryable reports whether sending the same request later may succeed:
// 429, 408 and 5xx are; other 4xx (bad input, auth, locked) are not.
func (e *StatusError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests ||
		e.StatusCode == http.StatusRequestTimeout ||
		e.StatusCode >= 500
}

// IsStatus reports whether err is a StatusError with the given status code.
func IsStatus(err error, status int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.StatusCode == status
}

// Rejected reports whether the API refused the request's content (HTTP 400
// or 422): sending the same request again fails the same way, but a
// smaller or corrected one may pass. It is the one test for "the API
// rejected this request" in the connector.
func Rejected(err error) bool {
	return IsStatus(err, http.StatusBadRequest) || IsStatus(err, http.StatusUnprocessableEntity)
}

// MayHaveApplied reports whether a failed write may have been applied all
// the same: a 5xx or 408 answer, or no answer at all. A 429 or another 4xx
// is a refusal before anything was done; a cancelled context is not a
// failure of the write.
func MayHaveApplied(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.StatusCode >= 500 || se.StatusCode == http.StatusRequestTimeout
	}
	return Retryable(err)
}

// Retryable reports whether err is worth retrying: a retryable StatusError,
// or a transport failure (timeout, refused or dropped connection). Context
// cancellation by the caller is not.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Retryable()
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	var ue *url.Error
	var oe *net.OpError
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) ||
		errors.As(err, &ue) || errors.As(err, &oe) || errors.Is(err, ErrMalformedResponse)
}

// ErrMalformedResponse marks a 2xx answer whose body could not be decoded.
// It is retryable: proxies and overloaded servers truncate bodies.
var ErrMalformedResponse = errors.New("malformed response body")

// TransportError is a request that got no answer: it timed out, the
// connection was refused, reset or closed. It is a net.Error, so
// [Retryable] treats it as transient, and it unwraps to its cause. Its text
// names the API and the request but never the URL (a query may carry
// secrets) and has every known secret removed.
type TransportError struct {
	API    string
	Method string
	Path   string
	// What is "request timed out", "connection refused", "connection
	// reset", "connection closed before an answer arrived" or "request
	// failed".
	What string
	// Err is the cause without its url.Error wrapper.
	Err error

	detail  string // the cause's text, redacted
	timeout bool
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s %s: %s: %s", e.API, e.Method, e.Path, e.What, e.detail)
}
func (e *TransportError) Unwrap() error   { return e.Err }
func (e *TransportError) Timeout() bool   { return e.timeout }
func (e *TransportError) Temporary() bool { return true }

// newTransportError classifies err; redact scrubs its text.
func newTransportError(api, method, path string, err error, redact func(string) string) *TransportError {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err // url.Error's text includes the full URL
	}
	timeout := errors.Is(inner, context.DeadlineExceeded)
	var te interface{ Timeout() bool }
	if errors.As(inner, &te) && te.Timeout() {
		timeout = true
	}
	what := "request failed"
	switch {
	case timeout:
		what = "request timed out"
	case errors.Is(inner, syscall.ECONNREFUSED):
		what = "connection refused"
	case errors.Is(inner, syscall.ECONNRESET):
		what = "connection reset"
	case errors.Is(inner, io.EOF) || errors.Is(inner, io.ErrUnexpectedEOF):
		what = "connection closed before an answer arrived"
	}
	detail := redact(inner.Error())
	if ue != nil {
		detail = Redact(detail, ue.URL)
	}
	return &TransportError{API: api, Method: method, Path: path, What: what, Err: inner, detail: detail, timeout: timeout}
}

// Excerpt shortens a response body for an error message.
func Excerpt(body []byte) string {
	const max = 200
	s := strings.ToValidUTF8(string(body), "?")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func formatFieldErrors(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := "("
	for i, k := range keys {
		if i > 0 {
			out += "; "
		}
		out += k + ": " + fields[k]
	}
	return out + ")"
}
