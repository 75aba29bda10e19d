package httpapi

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// A request waiting for its budget, or sleeping before a retry, beats; one
// that does not wait, or whose context carries no beat, does not.
func TestWaitBeats(t *testing.T) {
	defer func(d time.Duration) { waitBeatEvery = d }(waitBeatEvery)
	waitBeatEvery = 20 * time.Millisecond

	tests := []struct {
		name      string
		wait      func(ctx context.Context) error
		withBeat  bool
		wantBeats bool
	}{
		{"limiter wait of 300 ms", func(ctx context.Context) error {
			l := NewLimiter(1000, 1)
			l.Hold(time.Now().Add(300 * time.Millisecond))
			return l.Wait(ctx)
		}, true, true},
		{"sleep of 300 ms", func(ctx context.Context) error { return Sleep(ctx, 300*time.Millisecond) }, true, true},
		{"no wait: one beat for the attempt", func(ctx context.Context) error { return NewLimiter(1000, 1).Wait(ctx) }, true, false},
		{"no beat in the context", func(ctx context.Context) error { return Sleep(ctx, 100*time.Millisecond) }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var beats atomic.Int32
			ctx := context.Background()
			if tt.withBeat {
				ctx = WithWaitBeat(ctx, func() { beats.Add(1) })
			}
			if err := tt.wait(ctx); err != nil {
				t.Fatal(err)
			}
			got := beats.Load()
			switch {
			case !tt.withBeat && got != 0:
				t.Errorf("%d beats without a beat in the context", got)
			case tt.withBeat && tt.wantBeats && got < 5:
				t.Errorf("%d beats during a 300 ms wait at one per 20 ms; want at least 5", got)
			case tt.withBeat && !tt.wantBeats && got != 1:
				t.Errorf("%d beats for a request that did not wait; want the one of its attempt", got)
			}
		})
	}
}

// A wait that ends with its context stops beating and leaves the queue.
func TestWaitBeatsStopWithTheContext(t *testing.T) {
	defer func(d time.Duration) { waitBeatEvery = d }(waitBeatEvery)
	waitBeatEvery = 10 * time.Millisecond
	l := NewLimiter(1000, 1)
	l.Hold(time.Now().Add(time.Hour))
	var beats atomic.Int32
	ctx, cancel := context.WithTimeout(WithWaitBeat(context.Background(), func() { beats.Add(1) }), 100*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); err == nil {
		t.Fatal("Wait returned nil with the budget held for an hour")
	}
	n := beats.Load()
	time.Sleep(50 * time.Millisecond)
	if n == 0 || beats.Load() != n || l.Waiting() != 0 {
		t.Errorf("beats %d then %d, %d waiting; want beats during the wait only and an empty queue", n, beats.Load(), l.Waiting())
	}
}

// A slow answer beats while it is in flight, so a response slower than the
// heartbeat timeout never times out a live attempt.
func TestWaitBeatsWhileInFlight(t *testing.T) {
	defer func(d time.Duration) { waitBeatEvery = d }(waitBeatEvery)
	waitBeatEvery = 20 * time.Millisecond
	var beats atomic.Int32
	ctx := WithWaitBeat(context.Background(), func() { beats.Add(1) })
	got := inFlight(ctx, func() int { time.Sleep(300 * time.Millisecond); return 7 })
	if got != 7 || beats.Load() < 5 {
		t.Errorf("inFlight = %d with %d beats over 300 ms; want 7 and at least 5 beats", got, beats.Load())
	}
	if got := inFlight(context.Background(), func() int { return 8 }); got != 8 {
		t.Errorf("inFlight without a beat = %d", got)
	}
}
