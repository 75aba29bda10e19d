package httpapi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A request waiting for its budget gives up its turn when the stop channel
// closes, and the next waiter gets it; a request granted before, or with no
// stop channel, is unaffected.
func TestWaitStop(t *testing.T) {
	for _, tc := range []struct {
		name       string
		hold       time.Duration // the limiter is held this long
		stopAfter  time.Duration // -1: never
		stopBefore bool
		want       error
	}{
		{"stopped while waiting", time.Hour, 20 * time.Millisecond, false, ErrWaitStopped},
		{"stopped before asking", 0, -1, true, ErrWaitStopped},
		{"granted before the stop", 0, 200 * time.Millisecond, false, nil},
		{"no stop", 30 * time.Millisecond, -1, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLimiter(1000, 1)
			if tc.hold > 0 {
				l.Hold(time.Now().Add(tc.hold))
			}
			stop := make(chan struct{})
			if tc.stopBefore {
				close(stop)
			} else if tc.stopAfter >= 0 {
				time.AfterFunc(tc.stopAfter, func() { close(stop) })
			}
			ctx := WithWaitStop(context.Background(), stop)
			if err := limiterWait(ctx, l); !errors.Is(err, tc.want) {
				t.Fatalf("limiterWait = %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				return
			}
			// The turn passed on: nobody is left queued.
			if n := l.Waiting(); n != 0 {
				t.Errorf("%d waiters left", n)
			}
		})
	}
	// A context that ends is still its own error, not a stop.
	l := NewLimiter(1000, 1)
	l.Hold(time.Now().Add(time.Hour))
	ctx, cancel := context.WithTimeout(WithWaitStop(context.Background(), make(chan struct{})), 20*time.Millisecond)
	defer cancel()
	if err := limiterWait(ctx, l); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("limiterWait with an ended context = %v, want its deadline", err)
	}
}
