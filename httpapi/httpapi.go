// Package httpapi holds what the ecforce and LOGILESS clients share about
// talking to a rate-limited HTTP API: one limiter per API that every caller
// waits on (and that a 429 pauses for everyone), the reading of Retry-After
// and X-RateLimit-* headers, and StatusError, the error both clients return
// for a non-2xx answer, classified retryable or not.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// Limiter paces the requests to one API from this process. It is a token
// bucket plus a pause: after a 429 every caller waits until the API's reset
// time, instead of each one discovering the limit on its own.
type Limiter struct {
	bucket *rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
	now         func() time.Time
}

// NewLimiter returns a limiter allowing perSecond requests per second with
// the given burst. perSecond <= 0 means unlimited.
func NewLimiter(perSecond float64, burst int) *Limiter {
	if burst < 1 {
		burst = 1
	}
	limit := rate.Limit(perSecond)
	if perSecond <= 0 {
		limit = rate.Inf
	}
	return &Limiter{bucket: rate.NewLimiter(limit, burst), now: time.Now}
}

// Wait blocks until a request may be sent or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		wait := l.pausedUntil.Sub(l.now())
		l.mu.Unlock()
		if wait <= 0 {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return l.bucket.Wait(ctx)
}

// PauseFor stops every caller from sending for d (a 429's Retry-After).
// A shorter pause never cuts a longer one short.
func (l *Limiter) PauseFor(d time.Duration) {
	if d <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	until := l.now().Add(d)
	if until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
}

// RetryDelay reads how long the server asked us to wait: Retry-After (delta
// seconds or an HTTP date), else X-RateLimit-Reset (Unix seconds) when the
// remaining count is zero or the status is 429. Zero means "not said".
func RetryDelay(status int, h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
			return 0
		}
	}
	if status == http.StatusTooManyRequests || h.Get("X-RateLimit-Remaining") == "0" {
		if v := h.Get("X-RateLimit-Reset"); v != "" {
			if unix, err := strconv.ParseInt(v, 10, 64); err == nil {
				if d := time.Unix(unix, 0).Sub(now); d > 0 {
					return d
				}
			}
		}
	}
	return 0
}

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

// Observer is told about every HTTP exchange a client makes, for metrics.
// status is 0 when no answer came (timeout, dropped connection).
type Observer interface {
	ObserveResponse(api string, status int, elapsed time.Duration)
}

// StatusClass groups a status for a low-cardinality metric label: "2xx",
// "3xx", "4xx", "429", "5xx", or "error" when no answer came.
func StatusClass(status int) string {
	switch {
	case status == 0:
		return "error"
	case status == http.StatusTooManyRequests:
		return "429"
	case status >= 500:
		return "5xx"
	case status >= 400:
		return "4xx"
	case status >= 300:
		return "3xx"
	}
	return "2xx"
}
