package logiless

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

// Distinctive secrets: the leak tests look for them in errors and logs.
const (
	testShop         = "shop-a"
	testMerchant     = 42
	testClientID     = "client-id-1"
	testClientSecret = "CS-zq81-very-secret-client-value"
	testRedirect     = "http://localhost:8080/callback"
	goodCode         = "AUTHCODE-77x-secret"
)

// fakeLogiless is an httptest LOGILESS: OAuth with rotating, revoked-on-use
// refresh tokens and an API under /api/v1/merchant/42 whose resources the
// test registers with handle.
type fakeLogiless struct {
	t   *testing.T
	srv *httptest.Server

	mu            sync.Mutex
	serial        int
	expiresIn     int
	access        map[string]bool // valid access tokens
	refresh       map[string]bool // unspent refresh tokens
	presented     map[string]int  // refresh token → times presented
	tokenCalls    int
	refreshCalls  int
	handlers      map[string]http.HandlerFunc
	calls         map[string]int // "METHOD /resource" → count
	tokenHook     func(w http.ResponseWriter, r *http.Request) bool
	beforeRefresh func()
}

func newFake(t *testing.T) *fakeLogiless {
	t.Helper()
	f := &fakeLogiless{
		t:         t,
		expiresIn: 2592000,
		access:    map[string]bool{},
		refresh:   map[string]bool{},
		presented: map[string]int{},
		handlers:  map[string]http.HandlerFunc{},
		calls:     map[string]int{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// issue mints a token pair the server accepts.
func (f *fakeLogiless) issue() Token {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issueLocked()
}

func (f *fakeLogiless) issueLocked() Token {
	f.serial++
	tok := Token{
		AccessToken:  fmt.Sprintf("AT-%d-q7w8e9-access-secret", f.serial),
		RefreshToken: fmt.Sprintf("RT-%d-z1x2c3-refresh-secret", f.serial),
		ExpiresAt:    time.Now().Add(time.Duration(f.expiresIn) * time.Second),
	}
	f.access[tok.AccessToken] = true
	f.refresh[tok.RefreshToken] = true
	return tok
}

func (f *fakeLogiless) handle(method, resource string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[method+" "+resource] = h
}

func (f *fakeLogiless) count(method, resource string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method+" "+resource]
}

func (f *fakeLogiless) refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshCalls
}

func (f *fakeLogiless) revokeAccess(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.access, tok)
}

func (f *fakeLogiless) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth2/token" {
		f.serveToken(w, r)
		return
	}
	prefix := fmt.Sprintf("/api/v1/merchant/%d", testMerchant)
	resource, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	valid := f.access[token]
	key := r.Method + " " + resource
	f.calls[key]++
	h := f.handlers[key]
	f.mu.Unlock()
	if !valid {
		writeJSON(w, http.StatusUnauthorized, `{"error":"invalid_grant","error_description":"The access token provided has expired."}`)
		return
	}
	if h == nil {
		writeJSON(w, http.StatusNotFound, `{"error":"not_found","error_description":"no such resource"}`)
		return
	}
	h(w, r)
}

func (f *fakeLogiless) serveToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenCalls++
	hook := f.tokenHook
	f.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	q := r.URL.Query()
	if q.Get("client_id") != testClientID || q.Get("client_secret") != testClientSecret {
		writeJSON(w, http.StatusUnauthorized, `{"error":"invalid_client","error_description":"bad client"}`)
		return
	}
	switch q.Get("grant_type") {
	case "authorization_code":
		if q.Get("code") != goodCode || q.Get("redirect_uri") != testRedirect {
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_grant","error_description":"Invalid authorization code"}`)
			return
		}
		f.writeToken(w, f.issue())
	case "refresh_token":
		if f.beforeRefresh != nil {
			f.beforeRefresh()
		}
		rt := q.Get("refresh_token")
		f.mu.Lock()
		f.refreshCalls++
		f.presented[rt]++
		if !f.refresh[rt] {
			f.mu.Unlock()
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_grant","error_description":"Invalid refresh token"}`)
			return
		}
		delete(f.refresh, rt)
		tok := f.issueLocked()
		f.mu.Unlock()
		f.writeToken(w, tok)
	default:
		writeJSON(w, http.StatusBadRequest, `{"error":"unsupported_grant_type","error_description":"?"}`)
	}
}

func (f *fakeLogiless) writeToken(w http.ResponseWriter, tok Token) {
	f.mu.Lock()
	exp := f.expiresIn
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","expires_in":%d,"refresh_token":%q,"scope":""}`,
		tok.AccessToken, exp, tok.RefreshToken))
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// memStore is an in-memory TokenStore.
type memStore struct {
	mu      sync.Mutex
	tok     Token
	has     bool
	saves   int
	saveErr error
}

func newMemStore(tok Token) *memStore {
	return &memStore{tok: tok, has: tok.AccessToken != ""}
}

func (s *memStore) Load(context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.has {
		return Token{}, fmt.Errorf("memory store: %w", ErrNotAuthorized)
	}
	return s.tok, nil
}

func (s *memStore) Save(_ context.Context, t Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saveErr != nil {
		return s.saveErr
	}
	s.tok, s.has = t, true
	s.saves++
	return nil
}

func (s *memStore) current() Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok
}

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type clientOpt func(*Config)

func withLogs(buf *syncBuffer) clientOpt {
	return func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

// newTestClient returns a client of f with no pacing and millisecond
// backoffs.
func newTestClient(t *testing.T, f *fakeLogiless, store TokenStore, opts ...clientOpt) *Client {
	t.Helper()
	cfg := Config{
		Shop:         testShop,
		BaseURL:      f.srv.URL + "/api",
		OAuthBaseURL: f.srv.URL,
		MerchantID:   testMerchant,
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		RedirectURI:  testRedirect,
		Tokens:       store,
		Limiter:      httpapi.NewLimiter(0, 1),
		Timeout:      5 * time.Second,
		Backoff:      httpapi.Backoff{Base: time.Millisecond, Max: time.Millisecond},
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// authedClient returns a fake, a client with a valid token, and its store.
func authedClient(t *testing.T, opts ...clientOpt) (*fakeLogiless, *Client, *memStore) {
	t.Helper()
	f := newFake(t)
	store := newMemStore(f.issue())
	return f, newTestClient(t, f, store, opts...), store
}

func jsonHandler(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) }
}

// sequence answers successive requests with the given handlers, repeating
// the last one.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
