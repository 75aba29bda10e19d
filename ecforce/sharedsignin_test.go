package ecforce

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Two workers sharing one token file: a token one of them signed in for is
// reused by the other, and their sign-ins count against one budget.
func TestWorkersShareSignInsAndTheirBudget(t *testing.T) {
	clock := newFakeClock()
	shop, id := shopWithOrder(t, clock)
	path := filepath.Join(t.TempDir(), "state", "ecforce-session.token")
	worker := func() *Client {
		c, _ := newTestClient(t, shop.url(), func(cfg *Config) {
			passwordMode(cfg)
			cfg.Now = clock.Now
			cfg.TokenStore = NewFileTokenStore(path) // a store of its own, as in another process
		})
		return c
	}
	a, b := worker(), worker()
	var wg sync.WaitGroup
	for _, c := range []*Client{a, b, a, b} {
		wg.Go(func() {
			if _, err := c.GetOrder(context.Background(), id); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := shop.signInCount(); n != 1 {
		t.Fatalf("sign-ins = %d, want 1 (the other worker reuses the stored token)", n)
	}

	// Two more sign-ins by a third worker: three of the four in the hour.
	record := NewFileTokenStore(path).(SharedSignIns)
	for range 2 {
		if err := record.RecordSignIn(context.Background(), clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	refuseNext := func() { shop.answer(http.MethodGet, "/admin/orders", 1, 401, "") }
	clock.Advance(time.Minute)
	refuseNext()
	if _, err := a.GetOrder(context.Background(), id); err != nil {
		t.Fatalf("the fourth sign-in: %v", err)
	}
	// b's token was refused too, but a's new one is stored: no sign-in.
	refuseNext()
	if _, err := b.GetOrder(context.Background(), id); err != nil {
		t.Fatalf("b after a signed in: %v", err)
	}
	if n := shop.count(signInPath); n != 2 {
		t.Errorf("sign-in attempts = %d, want 2", n)
	}
	// Refused again: a fifth sign-in in the hour is refused by the budget
	// that all workers share, although b itself signed in never.
	refuseNext()
	if _, err := b.GetOrder(context.Background(), id); !errors.Is(err, ErrSignInBudgetExhausted) {
		t.Fatalf("err = %v, want the shared budget exhausted", err)
	}
	if n := shop.count(signInPath); n != 2 {
		t.Errorf("sign-in attempts = %d, want still 2", n)
	}
}
