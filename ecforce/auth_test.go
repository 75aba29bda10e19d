package ecforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

func okOrder(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 200, singleOrder(7)) }

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"token mode", Config{BaseURL: "https://api.shop.example/api/v2/", APIToken: testToken}, ""},
		{"password mode", Config{BaseURL: "http://127.0.0.1:1/api/v2", LoginID: "a", Password: testPassword}, ""},
		{"both modes", Config{BaseURL: "https://x/api/v2", APIToken: testToken, LoginID: "a", Password: testPassword}, "exactly one"},
		{"no credentials", Config{BaseURL: "https://x/api/v2"}, "no credentials"},
		{"password without login", Config{BaseURL: "https://x/api/v2", Password: testPassword}, "both the login ID and the password"},
		{"relative url", Config{BaseURL: "api/v2", APIToken: testToken}, "not an absolute"},
		{"ftp url", Config{BaseURL: "ftp://x/api/v2", APIToken: testToken}, "not an absolute"},
		{"userinfo in url", Config{BaseURL: "https://u:" + testPassword + "@x/api/v2", APIToken: testToken}, "must not contain credentials"},
		{"quote in token", Config{BaseURL: "https://x/api/v2", APIToken: `a"b`}, "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if c.Shop() == "" {
					t.Error("Shop() is empty; want the host as default")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want it to mention %q", err, tt.wantErr)
			}
			assertNoSecrets(t, "New error", err.Error())
		})
	}
}

func TestConfigPrintsWithoutSecrets(t *testing.T) {
	cfg := Config{Shop: "s", BaseURL: "https://x/api/v2", APIToken: testToken, LoginID: testLoginID, Password: testPassword}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assertNoSecrets(t, "Config "+format, fmt.Sprintf(format, cfg))
	}
}

func TestAuthHeaders(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*Config)
		wantAuth  string
		signIns   int
		checkBody bool
	}{
		{"api token", nil, `Token token="` + testToken + `"`, 0, false},
		{"login id and password", passwordMode, `Token token="` + signedToken + `"`, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, okOrder)
			c, _ := newTestClient(t, srv.url()+"/", tt.mutate) // trailing slash tolerated
			if _, err := c.GetOrder(context.Background(), 7); err != nil {
				t.Fatalf("GetOrder: %v", err)
			}
			if got := srv.signInCount(); got != tt.signIns {
				t.Errorf("sign-ins = %d, want %d", got, tt.signIns)
			}
			for _, r := range srv.requests() {
				if r.Accept != "application/json" {
					t.Errorf("%s %s Accept = %q", r.Method, r.Path, r.Accept)
				}
				if r.Path == signInPath {
					if r.Auth != "" {
						t.Errorf("sign-in sent Authorization %q", r.Auth)
					}
					if r.ContentType != "application/json" || r.Method != http.MethodPost {
						t.Errorf("sign-in %s Content-Type %q", r.Method, r.ContentType)
					}
					var body struct {
						Admin struct{ Email, Password string } `json:"admin"`
					}
					mustJSON(t, r.Body, &body)
					if body.Admin.Email != testLoginID || body.Admin.Password != testPassword {
						t.Errorf("sign-in body = %s", r.Body)
					}
					continue
				}
				if r.Path != "/admin/orders/7.json" {
					t.Errorf("path = %q", r.Path)
				}
				if r.Auth != tt.wantAuth {
					t.Errorf("Authorization = %q, want %q", r.Auth, tt.wantAuth)
				}
			}
		})
	}
}

func TestSignInOnceForConcurrentCalls(t *testing.T) {
	srv := newFakeServer(t, okOrder)
	srv.signIn = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		time.Sleep(50 * time.Millisecond) // let every caller pile up behind the sign-in
		writeJSON(w, 200, `{"authentication_token":"`+signedToken+`"}`)
	}
	store := &memStore{}
	c, _ := newTestClient(t, srv.url(), func(cfg *Config) { passwordMode(cfg); cfg.TokenStore = store })
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetOrder(context.Background(), 7)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GetOrder: %v", err)
		}
	}
	if n := srv.signInCount(); n != 1 {
		t.Errorf("sign-ins = %d, want 1", n)
	}
	if store.get() != signedToken || store.saves != 1 {
		t.Errorf("store token saved %d times (token matches: %v), want once", store.saves, store.get() == signedToken)
	}
}

func TestTokenFromStoreIsReusedWithoutSignIn(t *testing.T) {
	srv := newFakeServer(t, okOrder)
	store := &memStore{token: "stored-SECRET-token"}
	c, _ := newTestClient(t, srv.url(), func(cfg *Config) { passwordMode(cfg); cfg.TokenStore = store })
	for range 3 {
		if _, err := c.GetOrder(context.Background(), 7); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.signInCount(); n != 0 {
		t.Errorf("sign-ins = %d, want 0", n)
	}
	if store.loads != 1 {
		t.Errorf("store loaded %d times, want 1 (then cached in memory)", store.loads)
	}
	for _, r := range srv.requests() {
		if r.Auth != `Token token="stored-SECRET-token"` {
			t.Errorf("Authorization = %q", r.Auth)
		}
	}
}

func TestUnauthorizedSignsInAgainOnce(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Header.Get("Authorization") != `Token token="`+signedToken+`"` {
			writeJSON(w, 401, `{"errors":[{"code":"ASS1001","message":"認証に失敗しました。"}]}`)
			return
		}
		writeJSON(w, 200, singleOrder(7))
	})
	store := &memStore{token: "stale-SECRET-token"}
	c, logs := newTestClient(t, srv.url(), func(cfg *Config) { passwordMode(cfg); cfg.TokenStore = store })
	o, err := c.GetOrder(context.Background(), 7)
	if err != nil {
		t.Fatalf("GetOrder: %v", err)
	}
	if o.ID != 7 {
		t.Errorf("order id = %d", o.ID)
	}
	if n := srv.signInCount(); n != 1 {
		t.Errorf("sign-ins = %d, want 1", n)
	}
	if n := srv.count("/admin/orders/7.json"); n != 2 {
		t.Errorf("order requests = %d, want 2 (401, then retry)", n)
	}
	if store.get() != signedToken {
		t.Error("the new token was not saved to the store")
	}
	assertNoSecrets(t, "logs", logs.String())
}

func TestUnauthorizedTwiceIsCredentialsRejectedWithoutLoop(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 401, `{"errors":[{"code":"ASS1001","message":"認証に失敗しました。"}]}`)
	})
	clock := newFakeClock()
	c, logs := newTestClient(t, srv.url(), func(cfg *Config) { passwordMode(cfg); cfg.Now = clock.Now })
	_, err := c.GetOrder(context.Background(), 7)
	if !errors.Is(err, ErrCredentialsRejected) {
		t.Fatalf("err = %v, want ErrCredentialsRejected", err)
	}
	if httpapi.Retryable(err) {
		t.Error("a credentials rejection must not be retryable")
	}
	for _, want := range []string{`"test-shop"`, "login ID/password", "HTTP 401"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if n := srv.signInCount(); n != 2 {
		t.Errorf("sign-ins = %d, want 2 (initial + one re-sign-in)", n)
	}
	// Further calls fail fast without signing in again.
	for range 3 {
		if _, err := c.GetOrder(context.Background(), 7); !errors.Is(err, ErrCredentialsRejected) {
			t.Fatalf("later call err = %v, want ErrCredentialsRejected", err)
		}
	}
	if n := srv.signInCount(); n != 2 {
		t.Errorf("sign-ins after more calls = %d, want still 2", n)
	}
	assertNoSecrets(t, "error", err.Error())
	assertNoSecrets(t, "logs", logs.String())
}

func TestSignInRejected(t *testing.T) {
	srv := newFakeServer(t, okOrder)
	srv.signIn = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 401, `{"errors":[{"code":"ASS1001","message":"メールアドレスまたはパスワードが違います。"}]}`)
	}
	clock := newFakeClock()
	c, _ := newTestClient(t, srv.url(), func(cfg *Config) { passwordMode(cfg); cfg.Now = clock.Now })
	_, err := c.GetOrder(context.Background(), 7)
	if !errors.Is(err, ErrCredentialsRejected) || !strings.Contains(err.Error(), "login ID/password") {
		t.Fatalf("err = %v, want ErrCredentialsRejected naming the login ID/password", err)
	}
	var se *httpapi.StatusError
	if !errors.As(err, &se) || se.StatusCode != 401 || se.Path != signInPath {
		t.Errorf("StatusError = %+v", se)
	}
	if _, err := c.GetOrder(context.Background(), 7); !errors.Is(err, ErrCredentialsRejected) {
		t.Fatalf("second call err = %v", err)
	}
	if n := srv.signInCount(); n != 1 {
		t.Errorf("sign-ins = %d, want 1 (cool-off after a rejection)", n)
	}
	clock.Advance(rejectionCooldown + time.Second)
	srv.mu.Lock()
	srv.signIn = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 200, `{"authentication_token":"`+signedToken+`"}`)
	}
	srv.mu.Unlock()
	if _, err := c.GetOrder(context.Background(), 7); err != nil {
		t.Fatalf("after the cool-off: %v", err)
	}
}

func TestTokenModeUnauthorized(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		// A hostile server echoing the credential must not leak it either.
		writeJSON(w, 401, fmt.Sprintf(`{"errors":[{"code":"ASS1001","message":"bad token %s"}]}`, r.Header.Get("Authorization")[len(`Token token="`):len(`Token token="`)+len(testToken)]))
	})
	c, logs := newTestClient(t, srv.url(), nil)
	_, err := c.GetOrder(context.Background(), 7)
	if !errors.Is(err, ErrCredentialsRejected) {
		t.Fatalf("err = %v, want ErrCredentialsRejected", err)
	}
	for _, want := range []string{"API token", "メンバー管理", `"test-shop"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (no retry in token mode)", n)
	}
	assertNoSecrets(t, "error", err.Error())
	assertNoSecrets(t, "logs", logs.String())
}

func TestSignInBudget(t *testing.T) {
	// Every token is good for one request only, so each call needs a sign-in.
	var mu sync.Mutex
	issued, used := 0, map[string]bool{}
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		mu.Lock()
		defer mu.Unlock()
		auth := r.Header.Get("Authorization")
		if used[auth] || !strings.Contains(auth, "one-time-") {
			writeJSON(w, 401, `{"errors":[{"code":"ASS1001","message":"認証に失敗しました。"}]}`)
			return
		}
		used[auth] = true
		writeJSON(w, 200, singleOrder(7))
	})
	srv.signIn = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		mu.Lock()
		issued++
		n := issued
		mu.Unlock()
		writeJSON(w, 200, fmt.Sprintf(`{"authentication_token":"one-time-%d"}`, n))
	}
	clock := newFakeClock()
	c, _ := newTestClient(t, srv.url(), func(cfg *Config) { passwordMode(cfg); cfg.Now = clock.Now })
	for i := range signInBudget {
		if _, err := c.GetOrder(context.Background(), 7); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		clock.Advance(time.Minute)
	}
	_, err := c.GetOrder(context.Background(), 7)
	if !errors.Is(err, ErrSignInBudgetExhausted) || !strings.Contains(err.Error(), "5 sign-ins per hour") {
		t.Fatalf("err = %v, want ErrSignInBudgetExhausted explaining the 5/hour limit", err)
	}
	if n := srv.signInCount(); n != signInBudget {
		t.Errorf("sign-ins = %d, want %d", n, signInBudget)
	}
	clock.Advance(time.Hour)
	if _, err := c.GetOrder(context.Background(), 7); err != nil {
		t.Fatalf("after an hour: %v", err)
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	echoSecrets := func(w http.ResponseWriter, r *http.Request, body []byte) {
		// Worst case: the server puts the credential and the request body into its error.
		msg := strings.ReplaceAll(r.Header.Get("Authorization")+" "+string(body), `"`, `'`)
		writeJSON(w, 500, `{"errors":[{"code":"AOR9999","message":"`+msg+`"}]}`)
	}
	scenarios := []struct {
		name   string
		mutate func(*Config)
		handle func(w http.ResponseWriter, r *http.Request, body []byte)
		signIn func(w http.ResponseWriter, r *http.Request, body []byte)
	}{
		{"token mode 500 echo", nil, echoSecrets, nil},
		{"password mode 500 echo", passwordMode, echoSecrets, nil},
		{"sign-in 422 echo", passwordMode, okOrder, func(w http.ResponseWriter, _ *http.Request, body []byte) {
			writeJSON(w, 422, `{"errors":[{"code":"ASS3001","message":"`+strings.ReplaceAll(string(body), `"`, `'`)+`"}]}`)
		}},
		{"sign-in html", passwordMode, okOrder, func(w http.ResponseWriter, _ *http.Request, body []byte) {
			w.WriteHeader(403)
			_, _ = w.Write([]byte("<html>" + string(body) + "</html>"))
		}},
		{"sign-in malformed", passwordMode, okOrder, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			writeJSON(w, 200, `{"authentication_token":"`+signedToken)
		}},
		{"password mode 401 loop", passwordMode, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			writeJSON(w, 401, `{"errors":[{"message":"`+strings.ReplaceAll(r.Header.Get("Authorization"), `"`, `'`)+`"}]}`)
		}, nil},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			srv := newFakeServer(t, sc.handle)
			if sc.signIn != nil {
				srv.signIn = sc.signIn
			}
			c, logs := newTestClient(t, srv.url(), func(cfg *Config) {
				cfg.MaxRetries = 1
				if sc.mutate != nil {
					sc.mutate(cfg)
				}
			})
			_, err := c.GetOrder(context.Background(), 7)
			if err == nil {
				t.Fatal("want an error")
			}
			_, err2 := c.UpdateShipping(context.Background(), []ShippingUpdate{{OrderID: 7, ShippingSlip: "1"}}, false)
			for _, e := range []error{err, err2} {
				if e != nil {
					assertNoSecrets(t, "error", e.Error())
					assertNoSecrets(t, "error %+v", fmt.Sprintf("%+v", e))
				}
			}
			assertNoSecrets(t, "logs", logs.String())
		})
	}
}

func TestFileTokenStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "ecforce")
	path := filepath.Join(dir, "shop.token")
	store := NewFileTokenStore(path)
	ctx := context.Background()
	if tok, err := store.LoadToken(ctx); err != nil || tok != "" {
		t.Fatalf("missing file: LoadToken = %q, %v; want empty, nil", tok, err)
	}
	for _, tok := range []string{"first-token", signedToken} {
		if err := store.SaveToken(ctx, tok); err != nil {
			t.Fatalf("SaveToken: %v", err)
		}
		got, err := store.LoadToken(ctx)
		if err != nil || got != tok {
			t.Fatalf("LoadToken = %q, %v; want %q", got, err, tok)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %o, want 600", perm)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		t.Errorf("dir mode = %o, want 700", perm)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the token file (no temp files left)", len(entries))
	}
}

// brokenStore fails every load and save.
type brokenStore struct{}

func (brokenStore) LoadToken(context.Context) (string, error) {
	return "", errors.New("disk on fire")
}
func (brokenStore) SaveToken(context.Context, string) error { return errors.New("disk on fire") }

func TestBrokenTokenStoreDoesNotBlockCalls(t *testing.T) {
	srv := newFakeServer(t, okOrder)
	c, logs := newTestClient(t, srv.url(), func(cfg *Config) { passwordMode(cfg); cfg.TokenStore = brokenStore{} })
	for range 2 {
		if _, err := c.GetOrder(context.Background(), 7); err != nil {
			t.Fatalf("GetOrder: %v", err)
		}
	}
	if n := srv.signInCount(); n != 1 {
		t.Errorf("sign-ins = %d, want 1 (token kept in memory)", n)
	}
	if !strings.Contains(logs.String(), "could not store the ecforce token") {
		t.Errorf("the failed save was not logged: %s", logs)
	}
	assertNoSecrets(t, "logs", logs.String())
}
