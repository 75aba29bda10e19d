package httpfake

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit configures a token bucket: RPS tokens per second, Burst tokens of
// capacity (default 1, as strict as LOGILESS's design target of one request
// per second allows). RPS 0 (the zero value) disables limiting.
type RateLimit struct {
	RPS   float64 `json:"rps"`
	Burst int     `json:"burst"`
	// RetryAfter makes refusals carry a Retry-After header. Neither
	// reference confirms one, so by default a 429 has none: a client must
	// pace from the X-RateLimit-* headers (LOGILESS) or its own rate.
	RetryAfter bool `json:"retry_after,omitempty"`
}

// tokenBucket is a classic token bucket on the wall clock (rate limiting is
// about real throughput, so it ignores the servers' configurable Clock).
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rl RateLimit) *tokenBucket {
	if rl.RPS <= 0 {
		return nil
	}
	burst := math.Max(1, float64(rl.Burst))
	return &tokenBucket{rate: rl.RPS, burst: burst, tokens: burst, last: time.Now()}
}

// limitDecision is the outcome of one take.
type limitDecision struct {
	allowed    bool
	limit      int
	remaining  int
	reset      time.Time     // when the bucket is full again (or next token, if refused)
	retryAfter time.Duration // only when refused
}

// take takes a token if there is one; peek only reports the bucket, for an
// answer that does not reach the API (an injected fault, a path outside
// the budget).
func (b *tokenBucket) take() limitDecision { return b.decide(true) }

func (b *tokenBucket) peek() limitDecision { return b.decide(false) }

func (b *tokenBucket) decide(take bool) limitDecision {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	d := limitDecision{limit: int(b.burst)}
	if b.tokens >= 1 {
		if take {
			b.tokens--
		}
		d.allowed = true
		d.remaining = int(b.tokens)
		d.reset = now.Add(time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second)))
		return d
	}
	d.retryAfter = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	d.reset = now.Add(d.retryAfter)
	return d
}

// setHeaders writes X-RateLimit-Limit (the burst), -Remaining (whole
// requests left) and -Reset: the Unix second, rounded up, by which the
// bucket is full again, or, when no request is left, by which the next one
// is allowed (the same second at a burst of 1).
func (d limitDecision) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(d.reset.UnixNano())/1e9)), 10))
}

func (d limitDecision) retryAfterSeconds() string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.retryAfter.Seconds()))))
}
