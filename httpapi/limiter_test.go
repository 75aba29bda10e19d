package httpapi

import (
	"context"
	"strings"
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
