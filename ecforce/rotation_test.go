package ecforce

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// secretFile stands for a {file: …} secret that an operator rewrites.
type secretFile struct {
	mu    sync.Mutex
	value string
	reads int
}

func (f *secretFile) current() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.value
}

func (f *secretFile) set(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value = v
}

// An API token rotated in the shop is refused (once, no loop) until the
// secret holds the new one; then calls succeed without a restart.
func TestRotatedAPITokenIsPickedUpWithoutRestart(t *testing.T) {
	shop, id := shopWithOrder(t, nil)
	secret := &secretFile{value: testToken}
	c, logs := newTestClient(t, shop.url(), func(cfg *Config) { cfg.CurrentAPIToken = secret.current })
	if _, err := c.GetOrder(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	rotated := shop.RotateAPIToken()
	before := len(shop.requests())
	if _, err := c.GetOrder(context.Background(), id); !errors.Is(err, ErrCredentialsRejected) {
		t.Fatalf("with the old token in the secret: %v, want ErrCredentialsRejected", err)
	}
	if n := len(shop.requests()) - before; n != 1 {
		t.Errorf("%d requests with the unchanged, refused token; want 1 (no retry loop)", n)
	}
	secret.set(rotated)
	if _, err := c.GetOrder(context.Background(), id); err != nil {
		t.Fatalf("after the secret was updated: %v", err)
	}
	assertNoSecrets(t, shop, "logs", logs.String())
}

// A token that changes between sending and the 401 is retried once with
// the new value.
func TestAPITokenChangedDuringARequestIsRetried(t *testing.T) {
	shop, id := shopWithOrder(t, nil)
	rotated := shop.RotateAPIToken()
	calls := 0
	var mu sync.Mutex
	current := func() string {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return testToken // read for the first attempt
		}
		return rotated // the secret was replaced meanwhile
	}
	c, _ := newTestClient(t, shop.url(), func(cfg *Config) { cfg.CurrentAPIToken = current })
	if _, err := c.GetOrder(context.Background(), id); err != nil {
		t.Fatalf("err = %v, want success after one retry with the new token", err)
	}
	if n := len(shop.requests()); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

// After a refused password the client signs in again only once the
// password secret changed, not before the cool-off otherwise.
func TestChangedPasswordEndsTheCoolOff(t *testing.T) {
	clock := newFakeClock()
	shop, id := shopWithOrder(t, clock)
	secret := &secretFile{value: "wrong-password"}
	c, _ := newTestClient(t, shop.url(), func(cfg *Config) {
		passwordMode(cfg)
		cfg.Password = "wrong-password"
		cfg.CurrentPassword = secret.current
		cfg.Now = clock.Now
	})
	for range 3 {
		if _, err := c.GetOrder(context.Background(), id); !errors.Is(err, ErrCredentialsRejected) {
			t.Fatalf("with the wrong password: %v, want ErrCredentialsRejected", err)
		}
	}
	if n := shop.count(signInPath); n != 1 {
		t.Errorf("sign-in attempts with an unchanged refused password = %d, want 1", n)
	}
	secret.set(testPassword)
	if _, err := c.GetOrder(context.Background(), id); err != nil {
		t.Fatalf("after the password secret was fixed: %v", err)
	}
	if n := shop.count(signInPath); n != 2 {
		t.Errorf("sign-in attempts = %d, want 2", n)
	}
}
