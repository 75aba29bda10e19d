package httpapi

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

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

// Backoff shapes the waits between retries of a failed safe request:
// Base, 2×Base, 4×Base … capped at Max, each plus a random share of up to
// Jitter (0.5 = up to half again) so that many callers do not retry in step.
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Jitter float64
}

// DefaultBackoff is 0.5s, 1s, 2s, 4s, 8s, 8s … without jitter.
var DefaultBackoff = Backoff{Base: 500 * time.Millisecond, Max: 8 * time.Second}

// Delay returns the wait before retry n (1-based).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if b.Jitter > 0 && d > 0 {
		d += rand.N(time.Duration(float64(d)*b.Jitter) + 1)
	}
	return d
}

// BudgetHold reads X-RateLimit-Remaining and X-RateLimit-Reset (LOGILESS
// sends them on every response) and returns the time before which no
// request of the same budget should be sent: zero unless the answer says
// the budget is used up (Remaining 0 with a Reset in the future).
//
// Reset has one-second resolution and names the second by which the
// budget is back, so the budget may return at any moment of the second
// before it: the hold ends at Reset − 1s, and the limiter's own pace (never
// faster than the configured rate) does the rest. A hold until Reset itself
// would idle up to a second after every request at a burst of 1.
func BudgetHold(h http.Header, now time.Time) time.Time {
	if h.Get("X-RateLimit-Remaining") != "0" {
		return time.Time{}
	}
	unix, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return time.Time{}
	}
	until := time.Unix(unix, 0).Add(-time.Second)
	if !until.After(now) {
		return time.Time{}
	}
	return until
}
