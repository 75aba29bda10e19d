package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLimiterPauseBlocksEveryone(t *testing.T) {
	l := NewLimiter(0, 1)
	l.PauseFor(150 * time.Millisecond)
	l.PauseFor(10 * time.Millisecond) // shorter pause must not shorten the first
	start := time.Now()
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 140*time.Millisecond {
		t.Errorf("Wait returned after %v, want >= 150ms", waited)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	l.PauseFor(time.Second)
	if err := l.Wait(ctx); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("Wait under a pause with a short context = %v, want deadline error", err)
	}
}

func TestLimiterRate(t *testing.T) {
	l := NewLimiter(20, 1)
	start := time.Now()
	for i := 0; i < 5; i++ {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// 5 requests at 20/s with burst 1: at least 4 intervals of 50ms.
	if waited := time.Since(start); waited < 190*time.Millisecond {
		t.Errorf("5 requests at 20/s took %v, want >= 200ms", waited)
	}
}

func TestLimiterServesByPriorityThenArrival(t *testing.T) {
	l := NewLimiter(50, 1) // one grant every 20ms
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err) // takes the one token: everyone below queues
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	queuedBefore := 0
	start := func(name string, p Priority) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Wait(WithPriority(context.Background(), p)); err != nil {
				t.Error(err)
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
		}()
		// Let it queue before the next one arrives.
		for want := queuedBefore + 1; l.Waiting() < want; {
			time.Sleep(100 * time.Microsecond)
		}
		queuedBefore++
	}
	for i := 0; i < 3; i++ {
		start(fmt.Sprintf("stock%d", i), PriorityStock)
	}
	start("unset", PriorityUnset)
	start("shipment", PriorityShipment)
	start("import0", PriorityImport)
	start("import1", PriorityImport)
	wg.Wait()
	want := "import0 import1 shipment unset stock0 stock1 stock2"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("grant order = %s, want %s", got, want)
	}
}

func TestLimiterWaitIsBoundOnlyByItsContext(t *testing.T) {
	// At 2 requests/s, the third waiter's turn is a second away; a context
	// ending in 1.5s must not make it fail at once (rate.Limiter's "would
	// exceed context deadline").
	l := NewLimiter(2, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	for i := 0; i < 3; i++ {
		if err := l.Wait(ctx); err != nil {
			t.Fatalf("wait %d failed after %v: %v", i, time.Since(start), err)
		}
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("3 grants at 2/s took %v, want ~1s", waited)
	}
	// A turn beyond the context's end: Wait blocks until the context ends,
	// and leaves the queue.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	l.PauseFor(time.Hour)
	began := time.Now()
	err := l.Wait(ctx2)
	if err == nil || time.Since(began) < 90*time.Millisecond {
		t.Errorf("Wait = %v after %v, want the context's error when it ends", err, time.Since(began))
	}
	if l.Waiting() != 0 {
		t.Errorf("%d waiters left after their contexts ended", l.Waiting())
	}
}

func TestLimiterCancelledWaiterGivesWayToTheNext(t *testing.T) {
	l := NewLimiter(10, 1)
	_ = l.Wait(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() { errs <- l.Wait(WithPriority(ctx, PriorityImport)) }()
	for l.Waiting() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errs; err == nil {
		t.Error("a cancelled wait returned nil")
	}
	start := time.Now()
	if err := l.Wait(WithPriority(context.Background(), PriorityStock)); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 150*time.Millisecond {
		t.Errorf("the next waiter waited %v after a cancellation, want at most one refill (100ms)", waited)
	}
}

func TestLimiterNeverFasterThanItsRate(t *testing.T) {
	l := NewLimiter(40, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var grants []time.Time
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(p Priority) {
			defer wg.Done()
			if err := l.Wait(WithPriority(context.Background(), p)); err != nil {
				t.Error(err)
			}
			mu.Lock()
			grants = append(grants, time.Now())
			mu.Unlock()
		}(Priority(1 + i%4))
	}
	wg.Wait()
	slices.SortFunc(grants, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(grants); i++ {
		// 25ms apart, less a little for the clock reads around the grants.
		if gap := grants[i].Sub(grants[i-1]); gap < 22*time.Millisecond {
			t.Errorf("grants %d and %d only %v apart at 40/s", i-1, i, gap)
		}
	}
}

func TestRefillTime(t *testing.T) {
	if got := NewLimiter(2, 1).RefillTime(); got != 500*time.Millisecond {
		t.Errorf("RefillTime at 2/s = %v, want 500ms", got)
	}
	if got := NewLimiter(0, 1).RefillTime(); got != 0 {
		t.Errorf("RefillTime unlimited = %v, want 0", got)
	}
}

func TestBudgetHold(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 300_000_000, time.UTC)
	reset := func(d time.Duration) string { return fmt.Sprint(now.Add(d).Truncate(time.Second).Unix()) }
	for _, tt := range []struct {
		name      string
		remaining string
		reset     string
		want      time.Time
	}{
		{"budget left", "3", reset(5 * time.Second), time.Time{}},
		{"used up: hold to the start of the reset second", "0", reset(5 * time.Second), now.Add(4 * time.Second).Truncate(time.Second)},
		{"used up within the second", "0", reset(time.Second), time.Time{}},
		{"no reset", "0", "", time.Time{}},
		{"garbage", "0", "soon", time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("X-RateLimit-Remaining", tt.remaining)
			if tt.reset != "" {
				h.Set("X-RateLimit-Reset", tt.reset)
			}
			if got := BudgetHold(h, now); !got.Equal(tt.want) {
				t.Errorf("BudgetHold = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestThrottledAddsSlackThatDecays(t *testing.T) {
	l := NewLimiter(10, 1)
	if got := l.RefillTime(); got != 100*time.Millisecond {
		t.Fatalf("RefillTime = %v, want 100ms", got)
	}
	l.Throttled()
	l.Throttled()
	if got := l.RefillTime(); got != 100*time.Millisecond+2*slackStep {
		t.Errorf("after two 429s RefillTime = %v, want 100ms + 2 steps", got)
	}
	for i := 0; i < 20; i++ {
		l.Throttled()
	}
	if got := l.RefillTime(); got != 100*time.Millisecond+maxSlack {
		t.Errorf("after many 429s RefillTime = %v, want capped at 100ms + %v", got, maxSlack)
	}
	// Grants without a 429 take the slack off again, a step per slackDecay.
	l.mu.Lock()
	for i := 0; i < slackDecay; i++ {
		l.tokens = 1
		l.takeLocked(l.now())
	}
	l.mu.Unlock()
	if got := l.RefillTime(); got != 100*time.Millisecond+maxSlack-slackStep {
		t.Errorf("after %d grants RefillTime = %v, want one step less", slackDecay, got)
	}
}
