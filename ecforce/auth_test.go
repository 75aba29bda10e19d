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
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

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
			assertNoSecrets(t, nil, "New error", err.Error())
		})
	}
}

func TestConfigPrintsWithoutSecrets(t *testing.T) {
	cfg := Config{Shop: "s", BaseURL: "https://x/api/v2", APIToken: testToken, LoginID: testLoginID, Password: testPassword}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assertNoSecrets(t, nil, "Config "+format, fmt.Sprintf(format, cfg))
	}
}

// shopWithOrder returns a sandbox shop holding one order, and its id.
func shopWithOrder(t *testing.T, clock *fakeClock) (*testShop, int64) {
	t.Helper()
	shop := newShop(t, clock)
	return shop, shop.seedOrders(t, 1)[0]
}

func orderPath(id int64) string { return fmt.Sprintf("/admin/orders/%d.json", id) }

func TestAuthHeaders(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*Config)
		signIns   int
		checkBody bool
	}{
		{"api token", nil, 0, false},
		{"login id and password", passwordMode, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop, id := shopWithOrder(t, nil)
			store := &memStore{}
			c, _ := newTestClient(t, shop.url()+"/", func(cfg *Config) { // trailing slash tolerated
				if tt.mutate != nil {
					tt.mutate(cfg)
					cfg.TokenStore = store
				}
			})
			if _, err := c.GetOrder(context.Background(), id); err != nil {
				t.Fatalf("GetOrder: %v", err)
			}
			if got := shop.signInCount(); got != tt.signIns {
				t.Errorf("sign-ins = %d, want %d", got, tt.signIns)
			}
			wantAuth := `Token token="` + testToken + `"`
			if tt.mutate != nil {
				wantAuth = `Token token="` + store.get() + `"`
				if store.get() == "" || store.get() == testToken {
					t.Errorf("the signed-in token was not stored")
				}
			}
			for _, r := range shop.requests() {
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
				if r.Path != orderPath(id) {
					t.Errorf("path = %q", r.Path)
				}
				if r.Auth != wantAuth {
					t.Errorf("Authorization = %q, want %q", r.Auth, wantAuth)
				}
			}
		})
	}
}

func TestSignInOnceForConcurrentCalls(t *testing.T) {
	shop, id := shopWithOrder(t, nil)
	// Let every caller pile up behind the sign-in.
	shop.InjectFault(httpfake.Fault{Method: http.MethodPost, PathPrefix: apiRoot + signInPath, Delay: 50 * time.Millisecond})
	store := &memStore{}
	c, _ := newTestClient(t, shop.url(), func(cfg *Config) { passwordMode(cfg); cfg.TokenStore = store })
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.GetOrder(context.Background(), id)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GetOrder: %v", err)
		}
	}
	if n := shop.signInCount(); n != 1 {
		t.Errorf("sign-ins = %d, want 1", n)
	}
	if tokens := shop.tokens(); store.saves != 1 || len(tokens) != 20 || tokens[0] != store.get() {
		t.Errorf("store token saved %d times (used by the calls: %v), want once", store.saves, len(tokens) == 20 && tokens[0] == store.get())
	}
}

func TestTokenFromStoreIsReusedWithoutSignIn(t *testing.T) {
	shop, id := shopWithOrder(t, nil)
	// The shop's static token stands in for a token signed in earlier.
	store := &memStore{token: testToken}
	c, _ := newTestClient(t, shop.url(), func(cfg *Config) { passwordMode(cfg); cfg.TokenStore = store })
	for range 3 {
		if _, err := c.GetOrder(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if n := shop.signInCount(); n != 0 {
		t.Errorf("sign-ins = %d, want 0", n)
	}
	if store.loads != 1 {
		t.Errorf("store loaded %d times, want 1 (then cached in memory)", store.loads)
	}
	for _, r := range shop.requests() {
		if r.Auth != `Token token="`+testToken+`"` {
			t.Errorf("Authorization = %q", r.Auth)
		}
	}
}

func TestUnauthorizedSignsInAgainOnce(t *testing.T) {
	shop, id := shopWithOrder(t, nil)
	store := &memStore{token: "stale-SECRET-token"} // the shop does not know it: 401
	c, logs := newTestClient(t, shop.url(), func(cfg *Config) { passwordMode(cfg); cfg.TokenStore = store })
	o, err := c.GetOrder(context.Background(), id)
	if err != nil {
		t.Fatalf("GetOrder: %v", err)
	}
	if o.ID != id {
		t.Errorf("order id = %d", o.ID)
	}
	if n := shop.signInCount(); n != 1 {
		t.Errorf("sign-ins = %d, want 1", n)
	}
	if n := shop.count(orderPath(id)); n != 2 {
		t.Errorf("order requests = %d, want 2 (401, then retry)", n)
	}
	if got := store.get(); got == "stale-SECRET-token" || got == "" {
		t.Error("the new token was not saved to the store")
	}
	assertNoSecrets(t, shop, "logs", logs.String())
}

func TestUnauthorizedTwiceIsCredentialsRejectedWithoutLoop(t *testing.T) {
	clock := newFakeClock()
	shop, id := shopWithOrder(t, clock)
	shop.answer(http.MethodGet, "/admin/orders", -1, 401, "") // even a fresh token is refused
	c, logs := newTestClient(t, shop.url(), func(cfg *Config) { passwordMode(cfg); cfg.Now = clock.Now })
	_, err := c.GetOrder(context.Background(), id)
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
	if n := shop.signInCount(); n != 2 {
		t.Errorf("sign-ins = %d, want 2 (initial + one re-sign-in)", n)
	}
	// Further calls fail fast without signing in again.
	for range 3 {
		if _, err := c.GetOrder(context.Background(), id); !errors.Is(err, ErrCredentialsRejected) {
			t.Fatalf("later call err = %v, want ErrCredentialsRejected", err)
		}
	}
	if n := shop.signInCount(); n != 2 {
		t.Errorf("sign-ins after more calls = %d, want still 2", n)
	}
	assertNoSecrets(t, shop, "error", err.Error())
	assertNoSecrets(t, shop, "logs", logs.String())
}

func TestSignInRejected(t *testing.T) {
	clock := newFakeClock()
	shop, id := shopWithOrder(t, clock)
	shop.answer(http.MethodPost, signInPath, 1, 401, `{"errors":[{"code":"ASS1001","message":"メールアドレスまたはパスワードが違います。"}]}`)
	c, _ := newTestClient(t, shop.url(), func(cfg *Config) { passwordMode(cfg); cfg.Now = clock.Now })
	_, err := c.GetOrder(context.Background(), id)
	if !errors.Is(err, ErrCredentialsRejected) || !strings.Contains(err.Error(), "login ID/password") {
		t.Fatalf("err = %v, want ErrCredentialsRejected naming the login ID/password", err)
	}
	var se *httpapi.StatusError
	if !errors.As(err, &se) || se.StatusCode != 401 || se.Path != signInPath {
		t.Errorf("StatusError = %+v", se)
	}
	if _, err := c.GetOrder(context.Background(), id); !errors.Is(err, ErrCredentialsRejected) {
		t.Fatalf("second call err = %v", err)
	}
	if n := shop.signInCount(); n != 1 {
		t.Errorf("sign-ins = %d, want 1 (cool-off after a rejection)", n)
	}
	clock.Advance(rejectionCooldown + time.Second)
	if _, err := c.GetOrder(context.Background(), id); err != nil {
		t.Fatalf("after the cool-off: %v", err)
	}
}

func TestTokenModeUnauthorized(t *testing.T) {
	tests := []struct {
		name  string
		setup func(shop *testShop)
	}{
		{"token rotated in the shop", func(shop *testShop) { shop.RotateAPIToken() }},
		// A hostile server echoing the credential must not leak it either.
		{"answer echoes the token", func(shop *testShop) {
			shop.answer(http.MethodGet, "/admin/orders", -1, 401, `{"errors":[{"code":"ASS1001","message":"bad token `+testToken+`"}]}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop, id := shopWithOrder(t, nil)
			tt.setup(shop)
			c, logs := newTestClient(t, shop.url(), nil)
			_, err := c.GetOrder(context.Background(), id)
			if !errors.Is(err, ErrCredentialsRejected) {
				t.Fatalf("err = %v, want ErrCredentialsRejected", err)
			}
			for _, want := range []string{"API token", "メンバー管理", `"test-shop"`} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if n := len(shop.requests()); n != 1 {
				t.Errorf("requests = %d, want 1 (no retry in token mode)", n)
			}
			assertNoSecrets(t, shop, "error", err.Error())
			assertNoSecrets(t, shop, "logs", logs.String())
		})
	}
}

func TestSignInBudget(t *testing.T) {
	// Every token is refused after one request, so each call needs a sign-in.
	clock := newFakeClock()
	shop, id := shopWithOrder(t, clock)
	c, _ := newTestClient(t, shop.url(), func(cfg *Config) { passwordMode(cfg); cfg.Now = clock.Now })
	refuseNext := func() { shop.answer(http.MethodGet, "/admin/orders", 1, 401, "") }
	for i := range signInBudget {
		if i > 0 {
			refuseNext()
		}
		if _, err := c.GetOrder(context.Background(), id); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		clock.Advance(time.Minute)
	}
	refuseNext()
	_, err := c.GetOrder(context.Background(), id)
	if !errors.Is(err, ErrSignInBudgetExhausted) || !strings.Contains(err.Error(), "5 sign-ins per hour") {
		t.Fatalf("err = %v, want ErrSignInBudgetExhausted explaining the 5/hour limit", err)
	}
	if n := shop.signInCount(); n != signInBudget {
		t.Errorf("sign-ins = %d, want %d", n, signInBudget)
	}
	clock.Advance(time.Hour)
	if _, err := c.GetOrder(context.Background(), id); err != nil {
		t.Fatalf("after an hour: %v", err)
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	// Worst case: the shop puts the credentials the client sent into its
	// error answers.
	echoToken := `Token token='` + testToken + `'`
	echoLogin := testLoginID + ` ` + testPassword
	scenarios := []struct {
		name   string
		mutate func(*Config)
		setup  func(shop *testShop)
	}{
		{"token mode 500 echo", nil, func(shop *testShop) {
			shop.answer("", "/admin/", -1, 500, `{"errors":[{"code":"AOR9999","message":"`+echoToken+`"}]}`)
		}},
		{"password mode 500 echo", passwordMode, func(shop *testShop) {
			shop.answer("", "/admin/", -1, 500, `{"errors":[{"code":"AOR9999","message":"`+echoLogin+`"}]}`)
		}},
		{"sign-in 422 echo", passwordMode, func(shop *testShop) {
			shop.answer(http.MethodPost, signInPath, -1, 422, `{"errors":[{"code":"ASS3001","message":"{'admin':{'email':'`+testLoginID+`','password':'`+testPassword+`'}}"}]}`)
		}},
		{"sign-in html", passwordMode, func(shop *testShop) {
			shop.answer(http.MethodPost, signInPath, -1, 403, "<html>"+testPassword+"</html>")
		}},
		{"sign-in malformed", passwordMode, func(shop *testShop) {
			shop.answer(http.MethodPost, signInPath, -1, 200, `{"authentication_token":"signed-SECRET-55aa01`)
		}},
		{"password mode 401 loop", passwordMode, func(shop *testShop) {
			shop.answer("", "/admin/", -1, 401, `{"errors":[{"message":"`+echoLogin+`"}]}`)
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			shop, id := shopWithOrder(t, nil)
			sc.setup(shop)
			c, logs := newTestClient(t, shop.url(), func(cfg *Config) {
				cfg.MaxRetries = 1
				if sc.mutate != nil {
					sc.mutate(cfg)
				}
			})
			_, err := c.GetOrder(context.Background(), id)
			if err == nil {
				t.Fatal("want an error")
			}
			_, err2 := c.UpdateShipping(context.Background(), []ShippingUpdate{{OrderID: id, ShippingSlip: "1"}}, false)
			for _, e := range []error{err, err2} {
				if e != nil {
					assertNoSecrets(t, shop, "error", e.Error())
					assertNoSecrets(t, shop, "error %+v", fmt.Sprintf("%+v", e))
				}
			}
			assertNoSecrets(t, shop, "logs", logs.String())
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
	for _, tok := range []string{"first-token", "signed-SECRET-55aa01"} {
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
	shop, id := shopWithOrder(t, nil)
	c, logs := newTestClient(t, shop.url(), func(cfg *Config) { passwordMode(cfg); cfg.TokenStore = brokenStore{} })
	for range 2 {
		if _, err := c.GetOrder(context.Background(), id); err != nil {
			t.Fatalf("GetOrder: %v", err)
		}
	}
	if n := shop.signInCount(); n != 1 {
		t.Errorf("sign-ins = %d, want 1 (token kept in memory)", n)
	}
	if !strings.Contains(logs.String(), "could not store the ecforce token") {
		t.Errorf("the failed save was not logged: %s", logs)
	}
	assertNoSecrets(t, shop, "logs", logs.String())
}
