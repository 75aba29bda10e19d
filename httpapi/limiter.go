package httpapi

import (
	"context"
	"sync"
	"time"

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
		if err := Sleep(ctx, wait); err != nil {
			return err
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

// Sleep waits d or until ctx ends, and returns ctx's error in that case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
