package httpapi

import (
	"context"
	"time"
)

// waitBeatEvery is how often a request that waits for its budget, or
// sleeps before a retry, calls the wait beat of its context (tests shorten
// it).
var waitBeatEvery = 5 * time.Second

type waitBeatKey struct{}

// WithWaitBeat returns ctx carrying beat, which every request sent with it
// calls as it asks its [Limiter] for a turn (once per attempt) and every 5
// seconds while it waits for it or sleeps before a retry ([Sleep]), on the
// caller's goroutine. Activities heartbeat
// with it: time spent waiting for the API budget keeps a live attempt alive
// however long a backlog is, while a dead worker's attempt is still noticed
// by its heartbeat timeout.
func WithWaitBeat(ctx context.Context, beat func()) context.Context {
	return context.WithValue(ctx, waitBeatKey{}, beat)
}

// beatNow calls ctx's wait beat, if it has one.
func beatNow(ctx context.Context) {
	if beat, ok := ctx.Value(waitBeatKey{}).(func()); ok {
		beat()
	}
}

// waitWithBeats blocks until ch delivers (true) or ctx ends (false),
// calling ctx's wait beat every waitBeatEvery meanwhile.
func waitWithBeats[T any](ctx context.Context, ch <-chan T) bool {
	beat, _ := ctx.Value(waitBeatKey{}).(func())
	var tick <-chan time.Time
	if beat != nil {
		t := time.NewTicker(waitBeatEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ch:
			return true
		case <-ctx.Done():
			return false
		case <-tick:
			beat()
		}
	}
}

// BeatNow calls ctx's wait beat, if it has one: for a caller that waits
// on something other than a request (a batch of requests gathering, say),
// every few seconds.
func BeatNow(ctx context.Context) { beatNow(ctx) }

// inFlight runs f, one exchange in flight, and meanwhile calls ctx's wait
// beat every waitBeatEvery on the caller's goroutine, so that a response
// slower than the heartbeat timeout never times out a live attempt. f must
// end soon after ctx does.
func inFlight[T any](ctx context.Context, f func() T) T {
	beat, ok := ctx.Value(waitBeatKey{}).(func())
	if !ok {
		return f()
	}
	done := make(chan T, 1)
	go func() { done <- f() }()
	t := time.NewTicker(waitBeatEvery)
	defer t.Stop()
	for {
		select {
		case v := <-done:
			return v
		case <-t.C:
			if ctx.Err() == nil {
				beat()
			}
		}
	}
}
