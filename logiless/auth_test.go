package logiless

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/internal/logbuffer"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

func TestAuthorizeURL(t *testing.T) {
	f := newFake(t)
	c := newTestClient(t, f, newMemStore(Token{}))
	u, err := url.Parse(c.AuthorizeURL("st-1"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/oauth/v2/auth" {
		t.Errorf("path = %q", u.Path)
	}
	q := u.Query()
	for k, want := range map[string]string{"client_id": testClientID, "response_type": "code", "redirect_uri": testRedirect, "state": "st-1"} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if strings.Contains(u.String(), testClientSecret) {
		t.Error("the authorize URL must not carry the client secret")
	}
}

func TestExchangeCode(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		wantErr string
	}{
		{"good code is saved and used", "good", ""},
		{"rejected code", "stale-code", "starter logiless-auth --shop shop-a"},
		{"empty code", "", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.seedOrder("A-1")
			store := newMemStore(Token{})
			c := newTestClient(t, f, store)
			code := tt.code
			if code == "good" {
				code = f.IssueAuthorizationCode()
			}

			if err := getOrder(context.Background(), c); !errors.Is(err, ErrNotAuthorized) ||
				!strings.Contains(err.Error(), "starter logiless-auth --shop shop-a") {
				t.Fatalf("before authorization: err = %v, want ErrNotAuthorized with the starter hint", err)
			}
			tok, err := c.ExchangeCode(context.Background(), code)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				if store.saves != 0 {
					t.Error("a failed exchange must save nothing")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := store.current(); got != tok || got.RefreshToken == "" {
				t.Fatalf("store holds %v, want %v", got, tok)
			}
			if time.Until(tok.ExpiresAt) < 29*24*time.Hour {
				t.Errorf("ExpiresAt = %v, want ~30 days ahead", tok.ExpiresAt)
			}
			if err := getOrder(context.Background(), c); err != nil {
				t.Fatalf("call after exchange: %v", err)
			}
		})
	}
}

func TestProactiveRefresh(t *testing.T) {
	tests := []struct {
		name        string
		expiresIn   time.Duration
		wantRefresh int
	}{
		{"far from expiry: no refresh", 10 * 24 * time.Hour, 0},
		{"within RefreshBefore: refresh first", time.Hour, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.seedOrder("A-1")
			tok := f.issue()
			tok.ExpiresAt = time.Now().Add(tt.expiresIn)
			store := newMemStore(tok)
			c := newTestClient(t, f, store)
			for range 3 {
				if err := getOrder(context.Background(), c); err != nil {
					t.Fatal(err)
				}
			}
			if got := f.refreshes(); got != tt.wantRefresh {
				t.Errorf("refreshes = %d, want %d", got, tt.wantRefresh)
			}
			if tt.wantRefresh > 0 && store.current().AccessToken == tok.AccessToken {
				t.Error("the refreshed token was not saved")
			}
		})
	}
}

func TestShortLivedTokensDoNotRefreshEveryCall(t *testing.T) {
	// One hour, far below RefreshBefore (72h).
	f := newFake(t, func(cfg *logilessapi.Config) { cfg.AccessTokenTTL = time.Hour })
	f.seedOrder("A-1")
	store := newMemStore(f.issue())
	c := newTestClient(t, f, store)
	for range 5 {
		if err := getOrder(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.refreshes(); got != 1 {
		t.Errorf("refreshes = %d, want 1 (then the known lifetime bounds the threshold)", got)
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	t.Run("401 then success", func(t *testing.T) {
		f, c, _ := authedClient(t)
		f.ExpireAccessTokens()
		if err := getOrder(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if f.refreshes() != 1 || f.count("GET", orderPath) != 2 {
			t.Errorf("refreshes = %d, requests = %d; want 1 and 2", f.refreshes(), f.count("GET", orderPath))
		}
	})
	t.Run("401 after the refresh too", func(t *testing.T) {
		f, c, _ := authedClient(t)
		f.answer("GET", orderPath, -1, 401, `{"error":"invalid_token","error_description":"nope"}`)
		err := getOrder(context.Background(), c)
		if !errors.Is(err, ErrReauthorizationNeeded) || !httpapi.IsStatus(err, 401) || httpapi.Retryable(err) {
			t.Fatalf("err = %v; want a non-retryable 401 wrapping ErrReauthorizationNeeded", err)
		}
		if f.refreshes() != 1 || f.count("GET", orderPath) != 2 {
			t.Errorf("refreshes = %d, requests = %d; want exactly 1 and 2 (never loop)", f.refreshes(), f.count("GET", orderPath))
		}
	})
}

func TestRotatedTokenIsSavedBeforeUse(t *testing.T) {
	f := newFake(t, func(cfg *logilessapi.Config) { cfg.AccessTokenTTL = 2 * time.Hour })
	f.seedOrder("A-1")
	store := newMemStore(Token{})
	var mu sync.Mutex
	var unsavedUse bool
	f.onAPI = func(r *http.Request) {
		mu.Lock()
		if r.Header.Get("Authorization") != "Bearer "+store.current().AccessToken {
			unsavedUse = true
		}
		mu.Unlock()
	}
	first := f.issue()
	first.ExpiresAt = time.Now().Add(-time.Minute) // expired: no fallback to it
	store.tok, store.has = first, true

	// Refresh 1: the save fails, so the new token must not be used.
	store.saveErr = errors.New("disk full")
	c := newTestClient(t, f, store)
	err := getOrder(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "token store") {
		t.Fatalf("err = %v, want the save failure explained", err)
	}
	if f.count("GET", orderPath) != 0 {
		t.Fatal("a token that could not be saved was used")
	}
	// The store recovers: the kept token is saved, not refreshed again.
	store.mu.Lock()
	store.saveErr = nil
	store.mu.Unlock()
	if err := getOrder(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if f.refreshes() != 1 {
		t.Errorf("refreshes = %d, want 1 (the rotated token was kept in memory)", f.refreshes())
	}
	// Refresh 2 must spend the rotated refresh token, not the first one.
	c.mu.Lock()
	c.tok.ExpiresAt = time.Now().Add(time.Minute)
	c.mu.Unlock()
	store.mu.Lock()
	store.tok.ExpiresAt = time.Now().Add(time.Minute)
	store.mu.Unlock()
	if err := getOrder(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if n := f.presented(first.RefreshToken); n != 1 {
		t.Errorf("the first refresh token was presented %d times, want 1", n)
	}
	if f.refreshes() != 2 {
		t.Errorf("refreshes = %d, want 2", f.refreshes())
	}
	if unsavedUse {
		t.Error("a request used an access token that was not in the store")
	}
}

// racyStore returns a stale token for the first n loads, then the fresh
// one: another process rotated the token without our lock.
type racyStore struct {
	memStore
	stale Token
	n     int
	loads int
}

func (s *racyStore) Load(ctx context.Context) (Token, error) {
	s.mu.Lock()
	s.loads++
	stale := s.loads <= s.n
	s.mu.Unlock()
	if stale {
		return s.stale, nil
	}
	return s.memStore.Load(ctx)
}

func TestInvalidGrant(t *testing.T) {
	t.Run("adopts a token another process rotated", func(t *testing.T) {
		f := newFake(t)
		f.seedOrder("A-1")
		old := f.issue()
		old.ExpiresAt = time.Now().Add(time.Hour)
		// The other process spends the old refresh token.
		f.ExpireRefreshTokens()
		rotated := f.issue()
		store := &racyStore{memStore: *newMemStore(rotated), stale: old, n: 2}
		c := newTestClient(t, f, store)
		if err := getOrder(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if f.refreshes() != 1 {
			t.Errorf("refreshes = %d, want 1", f.refreshes())
		}
		if c.tok.AccessToken != rotated.AccessToken {
			t.Error("the client did not adopt the rotated token")
		}
	})
	t.Run("otherwise reauthorization is needed", func(t *testing.T) {
		f := newFake(t)
		f.seedOrder("A-1")
		dead := Token{AccessToken: "AT-dead-access-secret", RefreshToken: "RT-dead-refresh-secret", ExpiresAt: time.Now().Add(-time.Minute)}
		store := newMemStore(dead)
		c := newTestClient(t, f, store)
		for range 2 {
			err := getOrder(context.Background(), c)
			if !errors.Is(err, ErrReauthorizationNeeded) || httpapi.Retryable(err) {
				t.Fatalf("err = %v, want non-retryable ErrReauthorizationNeeded", err)
			}
			if !strings.Contains(err.Error(), "starter logiless-auth --shop shop-a") || !strings.Contains(err.Error(), `"shop-a"`) {
				t.Errorf("err = %v, want the shop and the command", err)
			}
		}
		if f.count("GET", orderPath) != 0 {
			t.Error("an expired token must not be sent")
		}
	})
	t.Run("a still valid access token keeps working", func(t *testing.T) {
		f := newFake(t)
		f.seedOrder("A-1")
		tok := f.issue()
		tok.ExpiresAt = time.Now().Add(time.Hour)
		f.ExpireRefreshTokens()
		var logs logbuffer.Buffer
		c := newTestClient(t, f, newMemStore(tok), withLogs(&logs))
		for range 3 {
			if err := getOrder(context.Background(), c); err != nil {
				t.Fatal(err)
			}
		}
		if f.refreshes() != 1 {
			t.Errorf("refreshes = %d, want 1 (then hold off)", f.refreshes())
		}
		if !strings.Contains(logs.String(), "starter logiless-auth --shop shop-a") {
			t.Error("the operator was not told to re-authorize")
		}
	})
}

func TestConcurrentCallsRefreshOnce(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *testLogiless, tok *Token)
	}{
		{"proactive", func(f *testLogiless, tok *Token) { tok.ExpiresAt = time.Now().Add(time.Hour) }},
		{"after 401", func(f *testLogiless, tok *Token) { f.ExpireAccessTokens() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.seedOrder("A-1")
			f.tokenFault(httpfake.Fault{Times: -1, Delay: 20 * time.Millisecond}) // widen the race
			tok := f.issue()
			tt.setup(f, &tok)
			c := newTestClient(t, f, newMemStore(tok))
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for range 20 {
				wg.Go(func() { errs <- getOrder(context.Background(), c) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			if got := f.refreshes(); got != 1 {
				t.Errorf("refreshes = %d, want 1", got)
			}
		})
	}
}

func TestTwoProcessesShareTheTokenFile(t *testing.T) {
	f := newFake(t)
	f.seedOrder("A-1")
	f.tokenFault(httpfake.Fault{Times: -1, Delay: 20 * time.Millisecond})
	path := t.TempDir() + "/tokens/shop-a.json"
	tok := f.issue()
	tok.ExpiresAt = time.Now().Add(time.Hour) // both must refresh proactively
	if err := NewFileTokenStore(path).Save(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	// Two "processes": separate stores (separate lock file descriptors)
	// and clients, each starting from the same stored token.
	worker := newTestClient(t, f, NewFileTokenStore(path))
	starter := newTestClient(t, f, NewFileTokenStore(path))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		c := worker
		if i%2 == 1 {
			c = starter
		}
		wg.Go(func() { errs <- getOrder(context.Background(), c) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, r := range f.tokenRequests("refresh_token") {
		if rt := r.Query.Get("refresh_token"); f.presented(rt) > 1 {
			t.Errorf("refresh token %s… was spent %d times", rt[:4], f.presented(rt))
		}
	}
	if n := f.refreshes(); n != 1 {
		t.Errorf("refreshes = %d, want 1 (the second process adopts the first one's token)", n)
	}
}

func TestExchangeCodeRetries429WithinTheCodesLife(t *testing.T) {
	f := newFake(t)
	store := newMemStore(Token{})
	c := newTestClient(t, f, store)
	code := f.IssueAuthorizationCode()
	f.tokenFault(httpfake.Fault{Times: 2, Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "1"}})
	start := time.Now()
	tok, err := c.ExchangeCode(context.Background(), code)
	if err != nil {
		t.Fatalf("exchange after two 429s: %v", err)
	}
	if n := len(f.tokenRequests("authorization_code")); n != 3 {
		t.Errorf("token requests = %d, want 3 (two 429s, then the exchange)", n)
	}
	if waited := time.Since(start); waited < 1500*time.Millisecond {
		t.Errorf("the retries came after %s; they must wait for the 429's Retry-After (1 s each)", waited)
	}
	if store.current() != tok {
		t.Error("the token of the retried exchange was not saved")
	}
}

func TestExchangeCodeGivesUpWhenThe429OutlivesTheCode(t *testing.T) {
	f := newFake(t)
	store := newMemStore(Token{})
	c := newTestClient(t, f, store)
	code := f.IssueAuthorizationCode()
	f.tokenFault(httpfake.Fault{Times: 1, Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "45"}})
	_, err := c.ExchangeCode(context.Background(), code)
	if err == nil || !strings.Contains(err.Error(), "code is unused") || !strings.Contains(err.Error(), "starter logiless-auth --shop shop-a") {
		t.Fatalf("err = %v, want the code declared unused with the hint to get a new one", err)
	}
	if n := len(f.tokenRequests("authorization_code")); n != 1 {
		t.Errorf("token requests = %d, want 1: a wait past the code's life is not sat out", n)
	}
	if store.saves != 0 {
		t.Error("a failed exchange must save nothing")
	}
}

func TestTokenRequestsWaitForTheMerchantLimiter(t *testing.T) {
	f := newFake(t)
	f.seedOrder("A-1")
	store := newMemStore(Token{})
	lim := httpapi.NewLimiter(4, 1) // one request per 250 ms
	c := newTestClient(t, f, store, func(cfg *Config) { cfg.Limiter = lim })
	start := time.Now()
	if _, err := c.ExchangeCode(context.Background(), f.IssueAuthorizationCode()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := getOrder(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	// Three requests through a 4/s bucket of burst 1: at least 500 ms, which
	// holds only if the token request took its turn too.
	if waited := time.Since(start); waited < 450*time.Millisecond {
		t.Errorf("token exchange plus two calls took %s; the token request did not wait for the limiter", waited)
	}
}
