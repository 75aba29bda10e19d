package httpapi

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// memBudget is a SharedBudget in memory, as the stores keep it.
type memBudget struct {
	mu        sync.Mutex
	next      time.Time
	holdUntil time.Time
	fail      bool
	holds     []time.Duration
	slots     []time.Time // handed out, on the limiters' clock
}

func (b *memBudget) Reserve(_ context.Context, interval time.Duration) (time.Time, time.Time, error) {
	// The store's clock runs an hour ahead of the limiters', read before
	// its lock as the stores do.
	now := time.Now().Add(time.Hour)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail {
		return time.Time{}, time.Time{}, errors.New("store down")
	}
	slot := now
	if b.next.After(slot) {
		slot = b.next
	}
	if b.holdUntil.After(slot) {
		slot = b.holdUntil
	}
	b.next = slot.Add(interval)
	b.slots = append(b.slots, slot.Add(-time.Hour))
	return slot, now, nil
}

func (b *memBudget) Hold(_ context.Context, d time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.holds = append(b.holds, d)
	if t := time.Now().Add(time.Hour + d); t.After(b.holdUntil) {
		b.holdUntil = t
	}
	return nil
}

// Three processes' limiters on one shared budget send at its rate
// together, not three times it.
func TestSharedBudgetHoldsAcrossLimiters(t *testing.T) {
	b := &memBudget{}
	const perLimiter = 6
	var mu sync.Mutex
	var grants []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for range 3 {
		l := NewLimiter(20, 1) // 50 ms apart
		l.Share(b, nil)
		for range perLimiter {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := l.Wait(context.Background()); err != nil {
					t.Error(err)
				}
				mu.Lock()
				grants = append(grants, time.Now())
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	slices.SortFunc(grants, func(a, b time.Time) int { return a.Compare(b) })
	if took := grants[len(grants)-1].Sub(start); took < 17*50*time.Millisecond {
		t.Errorf("18 grants at 20/s over three limiters took %s, want >= 850ms", took)
	}
	// No grant before its slot (grants are seen when the waiter's
	// goroutine runs, so later, never earlier); slots one interval apart.
	b.mu.Lock()
	slots := slices.Clone(b.slots)
	b.mu.Unlock()
	slices.SortFunc(slots, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-1]); gap < 50*time.Millisecond {
			t.Errorf("slots %d and %d are %s apart, want 50ms", i-1, i, gap)
		}
	}
	for i, g := range grants {
		if g.Before(slots[i]) {
			t.Errorf("grant %d at %s came before its slot at %s", i, g.Format("15:04:05.000"), slots[i].Format("15:04:05.000"))
		}
	}
}

// Within one process the shared slots still go by priority.
func TestSharedBudgetKeepsPriority(t *testing.T) {
	b := &memBudget{}
	l := NewLimiter(20, 1) // 50 ms apart
	l.Share(b, nil)
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []Priority
	var wg sync.WaitGroup
	for i, p := range []Priority{PriorityStock, PriorityStock, PriorityShipment, PriorityImport} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Wait(WithPriority(context.Background(), p)); err != nil {
				t.Error(err)
			}
			mu.Lock()
			order = append(order, p)
			mu.Unlock()
		}()
		for l.Waiting() < i+1 {
			time.Sleep(100 * time.Microsecond)
		}
	}
	wg.Wait()
	// The first stock waiter may already hold the slot being reserved.
	if !slices.Equal(order[1:], []Priority{PriorityImport, PriorityShipment, PriorityStock}) && !slices.Equal(order, []Priority{PriorityImport, PriorityShipment, PriorityStock, PriorityStock}) {
		t.Errorf("grant order %v, want import, shipment, then stock", order)
	}
}

// A pause one process sees (a 429) holds the others; a store that fails
// leaves each process pacing itself.
func TestSharedBudgetHoldAndFailure(t *testing.T) {
	b := &memBudget{}
	a, other := NewLimiter(100, 1), NewLimiter(100, 1)
	a.Share(b, nil)
	var failures int
	var fmu sync.Mutex
	other.Share(b, func(error) { fmu.Lock(); failures++; fmu.Unlock() })
	a.PauseFor(200 * time.Millisecond)
	deadline := time.Now().Add(time.Second)
	for {
		b.mu.Lock()
		n := len(b.holds)
		b.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := other.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("the other process waited %s after a 200ms hold, want about 200ms", waited)
	}

	b.mu.Lock()
	b.fail = true
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for range 3 {
		if err := other.Wait(ctx); err != nil {
			t.Fatalf("Wait with the store down: %v", err)
		}
	}
	fmu.Lock()
	defer fmu.Unlock()
	if failures == 0 {
		t.Error("store failures were not reported")
	}
}

// A waiter whose context ends while the slot is reserved leaves; the
// next one gets the next slot.
func TestSharedBudgetCancelledWaiter(t *testing.T) {
	b := &memBudget{}
	l := NewLimiter(10, 1) // 100 ms apart
	l.Share(b, nil)
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); err == nil {
		t.Fatal("Wait with a 20ms context before a 100ms slot succeeded")
	}
	if n := l.Waiting(); n != 0 {
		t.Errorf("%d waiters left", n)
	}
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}
