package httpfake

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit configures a token bucket: RPS tokens per second, Burst tokens of
// capacity. RPS 0 (the zero value) disables limiting.
type RateLimit struct {
	RPS   float64 `json:"rps"`
	Burst int     `json:"burst"`
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
	burst := float64(rl.Burst)
	if burst < 1 {
		burst = math.Max(1, math.Ceil(rl.RPS))
	}
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

func (b *tokenBucket) take() limitDecision {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	d := limitDecision{limit: int(b.burst)}
	if b.tokens >= 1 {
		b.tokens--
		d.allowed = true
		d.remaining = int(b.tokens)
		d.reset = now.Add(time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second)))
		return d
	}
	d.retryAfter = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	d.reset = now.Add(d.retryAfter)
	return d
}

func (d limitDecision) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(d.reset.UnixNano())/1e9)), 10))
}

func (d limitDecision) retryAfterSeconds() string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.retryAfter.Seconds()))))
}
