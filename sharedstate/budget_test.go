package sharedstate

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

// Workers reserving slots of one budget at once, through stores opened
// separately, get slots one interval apart; a hold moves the next slot
// behind it; another budget is independent.
func TestBudgetSlotsAreSharedByEveryWorker(t *testing.T) {
	ctx := context.Background()
	const interval = 50 * time.Millisecond
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			var budgets []httpapi.SharedBudget
			for range 3 {
				budgets = append(budgets, open().Budget("logiless https://x/api merchant 1"))
			}
			var mu sync.Mutex
			var slots []time.Time
			var wg sync.WaitGroup
			for _, b := range budgets {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						slot, _, err := b.Reserve(ctx, interval)
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						slots = append(slots, slot)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			slices.SortFunc(slots, func(a, b time.Time) int { return a.Compare(b) })
			for i := 1; i < len(slots); i++ {
				if gap := slots[i].Sub(slots[i-1]); gap < interval {
					t.Errorf("slots %d and %d are %s apart, want %s", i-1, i, gap, interval)
				}
			}
			if span := slots[len(slots)-1].Sub(slots[0]); span < 14*interval {
				t.Errorf("15 slots span %s, want about %s", span, 14*interval)
			}

			if err := budgets[1].Hold(ctx, 300*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			if err := budgets[0].Hold(ctx, 10*time.Millisecond); err != nil { // never shortens
				t.Fatal(err)
			}
			slot, now, err := budgets[2].Reserve(ctx, interval)
			if wait := slot.Sub(now); err != nil || wait < 250*time.Millisecond {
				t.Errorf("slot after a 300ms hold in %s (%v), want about 300ms", wait, err)
			}
			slot, now, err = open().Budget("ecforce https://y/api/v2").Reserve(ctx, interval)
			if err != nil || !slot.Equal(now) {
				t.Errorf("first slot of another budget at %s, now %s (%v), want now", slot, now, err)
			}
		})
	}
}
