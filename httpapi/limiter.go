package httpapi

import (
	"container/heap"
	"context"
	"math"
	"sync"
	"time"
)

// Limiter paces the requests to one API budget (one LOGILESS merchant, one
// ecforce host) from this process: a token bucket at the configured rate,
// a queue of waiters served by [Priority], and a hold that the API's
// answers set (a 429, X-RateLimit-Remaining: 0) for every caller at once.
//
// Waiting never fails on its own: Wait blocks until a request may go or
// its context ends, however far away that is, so the time spent queueing
// is never counted against a request's own timeout.
type Limiter struct {
	rate  float64 // configured tokens per second; 0 means unlimited
	burst float64

	mu sync.Mutex
	// slack is added to the interval between tokens after 429s (see
	// Throttled); it shrinks again while answers come without one.
	slack     time.Duration
	sinceSlow int // grants since the last 429
	tokens    float64
	last      time.Time // when tokens was last brought up to date
	holdUntil time.Time
	queue     waiters
	seq       uint64
	timer     *time.Timer
	now       func() time.Time

	// shared, when set ([Limiter.Share]), grants every request a slot of
	// the budget all processes share; reserving is true while this process
	// waits for one.
	shared        SharedBudget
	onSharedError func(error)
	reserving     bool
	// offset is how far the shared store's clock is ahead of ours,
	// measured at offsetAt over a round trip of offsetRTT.
	offset    time.Duration
	offsetRTT time.Duration
	offsetAt  time.Time
}

// NewLimiter returns a limiter allowing perSecond requests per second with
// the given burst (at least 1). perSecond <= 0 means unlimited (a hold
// still applies).
func NewLimiter(perSecond float64, burst int) *Limiter {
	if burst < 1 {
		burst = 1
	}
	if perSecond < 0 || math.IsInf(perSecond, 1) || math.IsNaN(perSecond) {
		perSecond = 0
	}
	l := &Limiter{rate: perSecond, burst: float64(burst), tokens: float64(burst), now: time.Now}
	l.last = l.now()
	return l
}

// Adaptive slack: each 429 adds slackStep to the interval between
// requests, up to maxSlack; every slackDecay grants without a 429 take one
// step off again. A server's bucket of burst 1 refuses a request that
// arrives a little early, and arrivals jitter by more under load.
const (
	slackStep  = 10 * time.Millisecond
	maxSlack   = 100 * time.Millisecond
	slackDecay = 200
)

// RefillTime is how long the bucket takes to earn one request: the pause
// after a 429 that names no wait. Zero when unlimited.
func (l *Limiter) RefillTime() time.Duration {
	if l.rate <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.intervalLocked()
}

func (l *Limiter) intervalLocked() time.Duration {
	return time.Duration(float64(time.Second)/l.rate) + l.slack
}

// Throttled tells the limiter that the API refused a request for its rate
// (a 429): the interval between requests grows by a step, so that arrivals
// that jitter stop landing early; it shrinks back while no 429 comes.
func (l *Limiter) Throttled() {
	if l.rate <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refillLocked(l.now())
	l.slack = min(l.slack+slackStep, maxSlack)
	l.sinceSlow = 0
}

// Wait blocks until a request may be sent, served after every waiter of a
// higher priority (the one ctx carries, [WithPriority]) and every earlier
// waiter of the same one, or until ctx ends; it returns ctx's error then.
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	beatNow(ctx)
	l.mu.Lock()
	now := l.now()
	if l.shared == nil && len(l.queue) == 0 && l.takeLocked(now) {
		l.mu.Unlock()
		return nil
	}
	w := &waiter{priority: PriorityOf(ctx), seq: l.seq, ready: make(chan struct{})}
	l.seq++
	heap.Push(&l.queue, w)
	l.dispatchLocked(now)
	l.mu.Unlock()

	if waitWithBeats(ctx, w.ready) {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case w.granted && l.shared != nil:
		// A shared slot that passed unused is lost.
	case w.granted:
		// Granted as the context ended: the request will not be sent, so
		// the next waiter may have its turn.
		l.tokens = math.Min(l.burst, l.tokens+1)
	default:
		heap.Remove(&l.queue, w.index)
	}
	l.dispatchLocked(l.now())
	return ctx.Err()
}

// Hold stops every caller from sending before t. A hold never shortens a
// longer one.
func (l *Limiter) Hold(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !t.After(l.holdUntil) {
		return
	}
	l.holdUntil = t
	if l.shared != nil {
		l.holdShared(t.Sub(l.now()))
	}
	l.dispatchLocked(l.now())
}

// PauseFor stops every caller from sending for d (a 429's wait).
// A shorter pause never cuts a longer one short.
func (l *Limiter) PauseFor(d time.Duration) {
	if d <= 0 {
		return
	}
	l.Hold(l.now().Add(d))
}

// Waiting returns how many callers wait, for tests and metrics.
func (l *Limiter) Waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue)
}

// takeLocked takes one token if a request may go at now.
func (l *Limiter) takeLocked(now time.Time) bool {
	if now.Before(l.holdUntil) {
		return false
	}
	if l.rate <= 0 {
		return true
	}
	l.refillLocked(now)
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	l.decaySlackLocked()
	return true
}

// decaySlackLocked counts a grant towards taking one step of slack off.
func (l *Limiter) decaySlackLocked() {
	if l.slack > 0 {
		if l.sinceSlow++; l.sinceSlow >= slackDecay {
			l.slack = max(0, l.slack-slackStep)
			l.sinceSlow = 0
		}
	}
}

func (l *Limiter) refillLocked(now time.Time) {
	if d := now.Sub(l.last); d > 0 {
		l.tokens = math.Min(l.burst, l.tokens+float64(d)/float64(l.intervalLocked()))
	}
	l.last = now
}

// dispatchLocked grants what may go now, in priority order, and arms the
// timer for the next grant.
func (l *Limiter) dispatchLocked(now time.Time) {
	if l.shared != nil {
		l.reserveLocked()
		return
	}
	for len(l.queue) > 0 && l.takeLocked(now) {
		w := l.popLocked()
		w.granted = true
		close(w.ready)
	}
	if len(l.queue) == 0 {
		if l.timer != nil {
			l.timer.Stop()
		}
		return
	}
	next := l.holdUntil
	if l.rate > 0 {
		if t := now.Add(time.Duration((1 - l.tokens) * float64(l.intervalLocked()))); t.After(next) {
			next = t
		}
	}
	d := max(next.Sub(now), time.Millisecond)
	if l.timer == nil {
		l.timer = time.AfterFunc(d, l.onTimer)
		return
	}
	l.timer.Reset(d)
}

// popLocked takes the waiter of the highest priority off the queue.
func (l *Limiter) popLocked() *waiter {
	return heap.Pop(&l.queue).(*waiter)
}

func (l *Limiter) onTimer() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dispatchLocked(l.now())
}

// waiter is one caller queued in Wait.
type waiter struct {
	priority Priority
	seq      uint64
	ready    chan struct{}
	granted  bool
	index    int
}

// waiters is a heap: highest priority (lowest value) first, then FIFO.
type waiters []*waiter

func (q waiters) Len() int { return len(q) }
func (q waiters) Less(i, j int) bool {
	if q[i].priority != q[j].priority {
		return q[i].priority < q[j].priority
	}
	return q[i].seq < q[j].seq
}
func (q waiters) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *waiters) Push(x any) {
	w := x.(*waiter)
	w.index = len(*q)
	*q = append(*q, w)
}
func (q *waiters) Pop() any {
	old := *q
	n := len(old)
	w := old[n-1]
	old[n-1] = nil
	w.index = -1
	*q = old[:n-1]
	return w
}

// Sleep waits d or until ctx ends, and returns ctx's error in that case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	if !waitWithBeats(ctx, t.C) {
		return ctx.Err()
	}
	return nil
}
