package sharedstate

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/internal/pgtest"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/stocksync"
)

// stores returns each kind of store, opened twice on the same state as two
// workers would.
func stores(t *testing.T) map[string]func() Store {
	dir := t.TempDir()
	url := pgtest.URL(t)
	return map[string]func() Store{
		"files": func() Store { return NewFiles(dir) },
		"postgres": func() Store {
			s, err := Open(context.Background(), url, "")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			return s
		},
	}
}

func TestStoresKeepWhatTheySave(t *testing.T) {
	ctx := context.Background()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			a, b := open(), open()
			if _, err := a.LogilessTokens("s1").Load(ctx); !errors.Is(err, logiless.ErrNotAuthorized) {
				t.Errorf("Load before any Save: %v, want ErrNotAuthorized", err)
			}
			if _, ok := a.LogilessTokenSavedAt(ctx, "s1"); ok {
				t.Error("LogilessTokenSavedAt reports a token before any Save")
			}
			tok := logiless.Token{AccessToken: "AT-1", RefreshToken: "RT-1", ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Second).UTC()}
			if err := a.LogilessTokens("s1").Save(ctx, tok); err != nil {
				t.Fatal(err)
			}
			got, err := b.LogilessTokens("s1").Load(ctx)
			if err != nil || got.AccessToken != "AT-1" || got.RefreshToken != "RT-1" || !got.ExpiresAt.Equal(tok.ExpiresAt) {
				t.Errorf("the other worker loads %v, %v", got, err)
			}
			if at, ok := b.LogilessTokenSavedAt(ctx, "s1"); !ok || time.Since(at) > time.Minute {
				t.Errorf("LogilessTokenSavedAt = %v, %v", at, ok)
			}
			if _, err := b.LogilessTokens("s2").Load(ctx); !errors.Is(err, logiless.ErrNotAuthorized) {
				t.Errorf("another shop: %v, want ErrNotAuthorized", err)
			}

			if v, err := a.EcforceToken("s1").LoadToken(ctx); v != "" || err != nil {
				t.Errorf("ecforce token before save: %q, %v", v, err)
			}
			if err := a.EcforceToken("s1").SaveToken(ctx, "EC-1"); err != nil {
				t.Fatal(err)
			}
			if v, err := b.EcforceToken("s1").LoadToken(ctx); v != "EC-1" || err != nil {
				t.Errorf("ecforce token: %q, %v", v, err)
			}

			if _, ok, err := a.StockStates().Load("s1"); ok || err != nil {
				t.Errorf("stock state before save: %v, %v", ok, err)
			}
			since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			if err := a.StockStates().Save(stocksync.State{Shop: "s1", Since: since, RetrySKUs: []string{"SKU-1"}}); err != nil {
				t.Fatal(err)
			}
			st, ok, err := b.StockStates().Load("s1")
			if !ok || err != nil || !st.Since.Equal(since) || len(st.RetrySKUs) != 1 {
				t.Errorf("stock state: %+v, %v, %v", st, ok, err)
			}
		})
	}
}

// The token lock excludes another worker until it is released.
func TestTokenLockExcludesOtherWorkers(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			a := open().LogilessTokens("s1").(logiless.TokenLocker)
			b := open().LogilessTokens("s1").(logiless.TokenLocker)
			unlock, err := a.LockTokens(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if u, err := b.LockTokens(ctx); err == nil {
				u()
				t.Fatal("a second worker took the lock while the first held it")
			}
			unlock()
			u, err := b.LockTokens(context.Background())
			if err != nil {
				t.Fatalf("after unlock: %v", err)
			}
			u()
		})
	}
}

// Three workers (separate store instances and clients) call LOGILESS at
// once while their tokens expire and every refresh revokes the old access
// token: nobody spends a refresh token twice and nobody is told to
// authorize again.
func TestThreeWorkersShareTheRotatingToken(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			fake := logilessapi.New(logilessapi.Config{MerchantID: 42, ClientID: "cid", ClientSecret: "secret",
				AccessTokenTTL: 2 * time.Hour, RevokeAccessOnRefresh: true, Logger: slog.New(slog.DiscardHandler)})
			srv := httptest.NewServer(fake)
			defer srv.Close()
			issued := fake.IssueTokens()
			first := open()
			// Due for a proactive refresh (an hour left, refreshed 72 h ahead).
			if err := first.LogilessTokens("s1").Save(context.Background(), logiless.Token{AccessToken: issued.AccessToken,
				RefreshToken: issued.RefreshToken, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			var clients []*logiless.Client
			for range 3 {
				c, err := logiless.New(logiless.Config{Shop: "s1", BaseURL: srv.URL + "/api", OAuthBaseURL: srv.URL,
					MerchantID: 42, ClientID: "cid", ClientSecret: "secret", Tokens: open().LogilessTokens("s1"),
					Limiter: httpapi.NewLimiter(500, 20), Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				clients = append(clients, c)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failures []string
			for round := range 4 {
				if round > 0 {
					fake.ExpireAccessTokens() // every worker's next call is a 401
				}
				for _, c := range clients {
					for range 4 {
						wg.Go(func() {
							err := listArticles(c)
							if err != nil {
								mu.Lock()
								failures = append(failures, err.Error())
								mu.Unlock()
							}
						})
					}
				}
				wg.Wait()
			}
			for _, f := range failures {
				t.Errorf("call failed: %s", f)
			}
			if n := fake.RefreshTokenReuses(); n != 0 {
				t.Errorf("refresh tokens reused %d times, want 0", n)
			}
			if _, refreshed := fake.TokenCounts(); refreshed == 0 {
				t.Error("no refresh happened; the test proves nothing")
			}
		})
	}
}

// listArticles is one API call, retried as an activity would be when the
// client says the token was rotated meanwhile (never a reauthorization).
func listArticles(c *logiless.Client) error {
	var err error
	for range 3 {
		err = c.ListArticles(context.Background(), logiless.ArticleQuery{}, func([]logiless.Article) error { return nil })
		if err == nil || errors.Is(err, logiless.ErrReauthorizationNeeded) || !strings.Contains(err.Error(), "rotated") {
			return err
		}
	}
	return err
}

// docs/operations.md names every table the schema creates.
func TestSchemaIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range Tables {
		if !strings.Contains(schema, "CREATE TABLE IF NOT EXISTS "+table+" (") {
			t.Errorf("table %s is not in the schema", table)
		}
		if !strings.Contains(string(doc), "`"+table+"`") {
			t.Errorf("docs/operations.md does not describe table %s", table)
		}
	}
	if n := strings.Count(schema, "CREATE TABLE"); n != len(Tables) {
		t.Errorf("the schema creates %d tables, Tables lists %d", n, len(Tables))
	}
}

// Both stores share every worker's sign-ins and the sign-in lock.
func TestStoresShareSignIns(t *testing.T) {
	ctx := context.Background()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			a := open().EcforceToken("s1").(ecforce.SharedSignIns)
			b := open().EcforceToken("s1").(ecforce.SharedSignIns)
			now := time.Now().Truncate(time.Millisecond)
			for _, at := range []time.Time{now.Add(-2 * time.Hour), now.Add(-30 * time.Minute), now} {
				if err := a.RecordSignIn(ctx, at); err != nil {
					t.Fatal(err)
				}
			}
			got, err := b.SignInsSince(ctx, now.Add(-time.Hour))
			if err != nil || len(got) != 2 {
				t.Errorf("the other worker sees %v, %v; want the 2 sign-ins of the last hour", got, err)
			}
			unlock, err := a.LockSignIn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The holder can still read and save through its store.
			if err := open().EcforceToken("s2").SaveToken(ctx, "other-shop"); err != nil {
				t.Fatal(err)
			}
			short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			if u, err := b.LockSignIn(short); err == nil {
				u()
				t.Fatal("a second worker took the sign-in lock while the first held it")
			}
			unlock()
		})
	}
}
