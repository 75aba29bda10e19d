package httpapi

import (
	"context"
	"time"
)

// SharedBudget is the part of one API budget that every process of a
// deployment shares (sharedstate keeps it in PostgreSQL or in a file of
// the state directory): the next free request slot and a hold. A
// [Limiter] given one with [Limiter.Share] asks it for a slot before every
// grant, so N workers together send at the budget's rate, not N times it.
type SharedBudget interface {
	// Reserve takes the budget's next free slot, the later of the slot
	// after the last one taken (interval after it), the end of the hold and
	// now, and returns it and the store's clock when it took it (both on
	// the store's clock, which may differ from this process's).
	Reserve(ctx context.Context, interval time.Duration) (slot, now time.Time, err error)
	// Hold makes every process wait d from now before its next slot (a
	// 429's wait, X-RateLimit-Remaining 0). A shorter hold never cuts a
	// longer one short.
	Hold(ctx context.Context, d time.Duration) error
}

// sharedTimeout bounds one Reserve or Hold.
const sharedTimeout = 10 * time.Second

// SharedSlack is added to the interval between two slots of a shared
// budget: a slot's holder sends a little after its slot (waking up,
// handing the grant to the waiter, on a busy machine tens of
// milliseconds), and the next holder, in another process, may not be late
// at all. A server's bucket of burst 1 refuses a request that comes even a
// little early.
const SharedSlack = 20 * time.Millisecond

// Share makes l take every grant from b as well: the process's waiters
// still queue in l by priority, one of them at a time asks b for the next
// slot of the whole deployment, and the highest-priority waiter at that
// moment gets it. Holds (429s, a used-up budget) are passed on to b, so a
// 429 one worker meets pauses the others too. onError, if set, is told
// when b fails; the limiter then paces this process alone until b answers
// again. Call Share before the first Wait.
func (l *Limiter) Share(b SharedBudget, onError func(error)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate <= 0 {
		return // an unlimited budget has nothing to share
	}
	l.shared = b
	l.onSharedError = onError
}

// reserveLocked starts the one reservation of the shared budget this
// process has outstanding, unless it has one.
func (l *Limiter) reserveLocked() {
	if l.reserving || len(l.queue) == 0 {
		return
	}
	l.reserving = true
	interval := l.intervalLocked() + SharedSlack
	go l.reserve(interval)
}

// reserve takes a slot of the shared budget and grants it, when it comes,
// to the waiter of the highest priority.
func (l *Limiter) reserve(interval time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	sent := time.Now()
	slot, storeNow, err := l.shared.Reserve(ctx, interval)
	cancel()
	var wait time.Duration
	if err != nil {
		if l.onSharedError != nil {
			l.onSharedError(err)
		}
		wait = interval // this process alone, at the budget's rate
	} else {
		wait = time.Until(slot.Add(-l.clockOffset(sent, time.Now(), storeNow)))
	}
	for {
		l.mu.Lock()
		if hold := l.holdUntil.Sub(l.now()); hold > wait {
			wait = hold
		}
		l.mu.Unlock()
		if wait <= 0 {
			break
		}
		time.Sleep(wait)
		wait = 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reserving = false
	if len(l.queue) > 0 {
		w := l.popLocked()
		l.decaySlackLocked()
		w.granted = true
		close(w.ready)
	}
	// A slot nobody took is lost; the budget is used by the others.
	l.reserveLocked()
}

// offsetMaxAge is how long the clock offset of one exchange with the
// store is trusted over later ones with a longer round trip.
const offsetMaxAge = 30 * time.Second

// clockOffset returns how far the store's clock is ahead of this
// process's, from a reservation sent at sent, answered at received, that
// the store took at storeNow. The store read its clock somewhere between
// the two; taking the latest moment, received, makes a slot come late by
// at most the round trip, never early (a request early by a few
// milliseconds meets a 429 at burst 1). The exchange of the shortest round
// trip of the last half minute is used, so that an answer delayed on its
// way back (a busy machine) does not make every slot of this process late.
func (l *Limiter) clockOffset(sent, received, storeNow time.Time) time.Duration {
	rtt := received.Sub(sent)
	offset := storeNow.Sub(received)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.offsetAt.IsZero() || rtt <= l.offsetRTT || received.Sub(l.offsetAt) > offsetMaxAge {
		l.offset, l.offsetRTT, l.offsetAt = offset, rtt, received
	}
	return l.offset
}

// holdShared passes a hold of d on to the shared budget.
func (l *Limiter) holdShared(d time.Duration) {
	b, onError := l.shared, l.onSharedError
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
		defer cancel()
		if err := b.Hold(ctx, d); err != nil && onError != nil {
			onError(err)
		}
	}()
}
