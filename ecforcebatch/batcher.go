package ecforcebatch

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

// beatEvery is how often a caller waiting for its batch calls its
// context's wait beat (httpapi.WithWaitBeat).
var beatEvery = 5 * time.Second

// outcome is the answer for one record of a batch.
type outcome[Res any] struct {
	res Res
	err error
}

// batcher collects records from concurrent callers and sends them together.
// send answers one outcome per record, in the order given, or an error for
// the whole request; refused tells a whole-batch refusal that applied
// nothing (the batch is then split in halves).
type batcher[Req, Res any] struct {
	size int
	// window is the quiet time after the latest record that sends the
	// batch; maxWait, if longer, caps the time from its first record (0:
	// the window counts from the first record only).
	window  time.Duration
	maxWait time.Duration
	send    func(ctx context.Context, reqs []Req) ([]outcome[Res], error)
	refused func(error) bool
	// flushed, if set, is told the size of every request sent.
	flushed func(n int)

	mu      sync.Mutex
	pending []*waiter[Req, Res]
	// awaited counts records announced (expectLocked) and not yet arrived;
	// until expectUntil, a batch waits for them (up to maxWait) instead of
	// leaving after a quiet window.
	awaited     int
	expectUntil time.Time
	expectLife  time.Duration // how long an announcement lasts after its latest record
	first       time.Time     // when the first pending record arrived
	timer       *time.Timer
	gen         int // counts timers set and batches taken: a stale timer does nothing
}

// waiter is one caller's record on its way.
type waiter[Req, Res any] struct {
	ctx  context.Context
	req  Req
	out  outcome[Res]
	done chan struct{}
}

// do queues req and waits for its answer. A caller whose context ends
// before its batch left is taken out of it (nothing was sent for it); one
// whose batch is on its way gets the context's error, which must be
// treated as "may have applied".
func (b *batcher[Req, Res]) do(ctx context.Context, req Req) (Res, error) {
	w := &waiter[Req, Res]{ctx: ctx, req: req, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, w)
	announced := b.expecting()
	if b.awaited > 0 {
		b.awaited--
		if announced { // the announcement lives while its records come
			b.expectUntil = time.Now().Add(b.expectLife)
		}
	}
	switch {
	case len(b.pending) >= b.size || b.window <= 0 || (announced && b.awaited == 0):
		batch := b.takeLocked()
		b.mu.Unlock()
		go b.run(batch)
	default:
		b.armLocked()
		b.mu.Unlock()
	}
	// The caller's activity heartbeats while it waits (its context's
	// wait beat), as it would while its own request waited for the budget.
	beat := time.NewTicker(beatEvery)
	defer beat.Stop()
wait:
	for {
		select {
		case <-w.done:
			return w.out.res, w.out.err
		case <-beat.C:
			httpapi.BeatNow(ctx)
		case <-ctx.Done():
			break wait
		}
	}
	b.mu.Lock()
	for i, p := range b.pending {
		if p == w {
			b.pending = append(b.pending[:i], b.pending[i+1:]...)
			b.mu.Unlock()
			var zero Res
			return zero, fmt.Errorf("left the batch before it was sent: %w", ctx.Err())
		}
	}
	b.mu.Unlock()
	var zero Res
	return zero, fmt.Errorf("stopped waiting for a batched request already sent (it may have applied): %w", ctx.Err())
}

// expecting reports whether announced records are still to come.
func (b *batcher[Req, Res]) expecting() bool {
	return b.awaited > 0 && time.Now().Before(b.expectUntil)
}

// expectLocked announces n records to come within d, in place of any
// earlier announcement (a shop has one discovery at a time; one that
// announced runs already under way must not hold batches for ever): a
// batch waits for them while they keep coming and leaves as soon as the
// last has arrived.
func (b *batcher[Req, Res]) expectLocked(n int, d time.Duration) {
	b.awaited = n
	b.expectLife = d
	b.expectUntil = time.Now().Add(d)
}

func (b *batcher[Req, Res]) expect(n int, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expectLocked(n, d)
}

// armLocked (re)sets the timer that sends the pending batch: window after
// the latest record, but never later than maxWait after the first; while
// announced records are to come, maxWait after the first.
func (b *batcher[Req, Res]) armLocked() {
	now := time.Now()
	if len(b.pending) == 1 {
		b.first = now
	}
	due := now.Add(b.window)
	if b.expecting() && b.maxWait > b.window {
		// Announced records are to come: wait for them while they keep
		// coming (a longer quiet gap), up to a longer cap.
		due = now.Add(expectQuiet * b.window)
		if last := b.first.Add(expectCap * b.maxWait); due.After(last) {
			due = last
		}
		b.timerDue(due)
		return
	}
	if b.maxWait <= b.window {
		due = b.first.Add(b.window)
	} else if last := b.first.Add(b.maxWait); due.After(last) {
		due = last
	}
	if b.timer != nil && len(b.pending) > 1 && b.maxWait <= b.window {
		return // the first record's timer stands
	}
	b.timerDue(due)
}

// timerDue replaces the batch's timer with one that fires at due.
func (b *batcher[Req, Res]) timerDue(due time.Time) {
	if b.timer != nil {
		b.timer.Stop()
	}
	b.gen++ // a replaced timer that already fired finds itself stale
	gen := b.gen
	b.timer = time.AfterFunc(time.Until(due), func() { b.flushTimer(gen) })
}

// While announced records are to come, a batch leaves after a quiet gap
// of expectQuiet windows, or expectCap × maxWait after its first record.
const (
	expectQuiet = 5
	expectCap   = 6
)

// takeLocked removes and returns the pending batch.
func (b *batcher[Req, Res]) takeLocked() []*waiter[Req, Res] {
	batch := b.pending
	b.pending = nil
	b.gen++
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	return batch
}

func (b *batcher[Req, Res]) flushTimer(gen int) {
	b.mu.Lock()
	if gen != b.gen || len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	batch := b.takeLocked()
	b.mu.Unlock()
	b.run(batch)
}

// run sends a batch and answers every waiter. The request carries the
// values (not the deadline or cancellation) of the first caller's context:
// a batch once sent is not abandoned because one caller stopped waiting.
func (b *batcher[Req, Res]) run(batch []*waiter[Req, Res]) {
	if len(batch) == 0 {
		return
	}
	// The callers beat for themselves while they wait (do): the request
	// must not beat for the first caller's activity, which may be gone.
	ctx := httpapi.WithWaitBeat(context.WithoutCancel(batch[0].ctx), func() {})
	b.sendSplitting(ctx, batch)
	for _, w := range batch {
		close(w.done)
	}
}

// sendSplitting sends batch; a whole-batch refusal of more than one record
// is split in halves, each sent on its own (one after the other, so the
// split never adds a burst).
func (b *batcher[Req, Res]) sendSplitting(ctx context.Context, batch []*waiter[Req, Res]) {
	reqs := make([]Req, len(batch))
	for i, w := range batch {
		reqs[i] = w.req
	}
	if b.flushed != nil {
		b.flushed(len(reqs))
	}
	outs, err := b.send(ctx, reqs)
	if err != nil && len(batch) > 1 && b.refused != nil && b.refused(err) {
		half := len(batch) / 2
		b.sendSplitting(ctx, batch[:half])
		b.sendSplitting(ctx, batch[half:])
		return
	}
	for i, w := range batch {
		switch {
		case err != nil:
			w.out.err = err
		case i < len(outs):
			w.out = outs[i]
		default:
			w.out.err = fmt.Errorf("the bulk answer has no result for record %d of %d", i+1, len(batch))
		}
	}
}
