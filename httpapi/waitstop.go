package httpapi

import (
	"context"
	"errors"
)

// ErrWaitStopped: the request gave up its turn in the budget because the
// stop channel of its context ([WithWaitStop]) closed; nothing was sent.
var ErrWaitStopped = errors.New("stopped waiting for the rate limiter; nothing was sent")

type waitStopKey struct{}

// WithWaitStop returns ctx whose requests stop waiting for their budget
// when stop closes: a request not yet granted returns [ErrWaitStopped]
// without being sent (its turn passes to the next waiter), while a request
// already sent is finished as usual. A caller that reads ahead uses it to
// give up, once nobody needs them, the reads it has not sent yet without
// losing one it has (the API would have counted it).
func WithWaitStop(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, waitStopKey{}, stop)
}

// limiterWait is l.Wait that also gives up when ctx's stop channel closes.
func limiterWait(ctx context.Context, l *Limiter) error {
	stop, _ := ctx.Value(waitStopKey{}).(<-chan struct{})
	if stop == nil {
		return l.Wait(ctx)
	}
	select {
	case <-stop:
		return ErrWaitStopped
	default:
	}
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-stop:
			cancel(ErrWaitStopped)
		case <-wctx.Done():
		}
	}()
	err := l.Wait(wctx)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(wctx), ErrWaitStopped) {
		return ErrWaitStopped
	}
	return err
}
