package sharedstate

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/internal/pgtest"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// Environment of a child worker process (TestChildWorker).
const (
	childLogiless = "SHAREDSTATE_CHILD_LOGILESS" // the sandbox's URL
	childDB       = "SHAREDSTATE_CHILD_DB"       // database URL, or "" for files
	childDir      = "SHAREDSTATE_CHILD_DIR"      // state directory
)

// Three worker processes (this test binary run again) share one store and
// call LOGILESS while the parent expires the access tokens and every
// refresh revokes the previous access token: across processes too no
// refresh token is spent twice and no one is told to authorize again.
func TestThreeProcessesShareTheRotatingToken(t *testing.T) {
	dir := t.TempDir()
	for name, db := range map[string]string{"files": "", "postgres": pgtest.URL(t)} {
		t.Run(name, func(t *testing.T) {
			fake := logilessapi.New(logilessapi.Config{MerchantID: 42, ClientID: "cid", ClientSecret: "secret",
				AccessTokenTTL: 2 * time.Hour, RevokeAccessOnRefresh: true, Logger: slog.New(slog.DiscardHandler)})
			srv := httptest.NewServer(fake)
			defer srv.Close()
			store, err := Open(context.Background(), db, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			issued := fake.IssueTokens()
			if err := store.LogilessTokens("s1").Save(context.Background(), logiless.Token{AccessToken: issued.AccessToken,
				RefreshToken: issued.RefreshToken, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				for {
					select {
					case <-done:
						return
					// Every 1.5 s: a refreshed token lives long enough
					// for its retry even on a loaded 2-core machine
					// (400 ms let one expire between refresh and retry).
					case <-time.After(1500 * time.Millisecond):
						fake.ExpireAccessTokens()
					}
				}
			}()
			var wg sync.WaitGroup
			outs := make([]string, 3)
			errs := make([]error, 3)
			for i := range 3 {
				wg.Go(func() {
					cmd := exec.Command(os.Args[0], "-test.run=^TestChildWorker$", "-test.count=1")
					cmd.Env = append(os.Environ(), childLogiless+"="+srv.URL, childDB+"="+db, childDir+"="+dir)
					out, err := cmd.CombinedOutput()
					outs[i], errs[i] = string(out), err
				})
			}
			wg.Wait()
			close(done)
			for i := range 3 {
				if errs[i] != nil || !strings.Contains(outs[i], "child worker done") {
					t.Errorf("worker process %d: %v\n%s", i+1, errs[i], outs[i])
				}
			}
			if n := fake.RefreshTokenReuses(); n != 0 {
				t.Errorf("refresh tokens reused %d times, want 0", n)
			}
			if _, refreshed := fake.TokenCounts(); refreshed < 2 {
				t.Errorf("%d refreshes; the test needs several to prove anything", refreshed)
			}
		})
	}
}

// TestChildWorker is one worker process of
// TestThreeProcessesShareTheRotatingToken; it does nothing on its own.
func TestChildWorker(t *testing.T) {
	url := os.Getenv(childLogiless)
	if url == "" {
		t.Skip("run by TestThreeProcessesShareTheRotatingToken")
	}
	store, err := Open(context.Background(), os.Getenv(childDB), os.Getenv(childDir))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, err := logiless.New(logiless.Config{Shop: "s1", BaseURL: url + "/api", OAuthBaseURL: url, MerchantID: 42,
		ClientID: "cid", ClientSecret: "secret", Tokens: store.LogilessTokens("s1"),
		Limiter: httpapi.NewLimiter(500, 20), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		if err := listArticles(c); err != nil {
			t.Fatalf("call %d: %v", n+1, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("child worker done")
}
