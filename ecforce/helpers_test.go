package ecforce

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

// Distinctive secrets: tests assert they never appear in errors or logs.
const (
	testToken    = "tok-SECRET-7f3a9c2e"
	testPassword = "pw-SECRET-91b2d4"
	testLoginID  = "api@shop.example"
	signedToken  = "signed-SECRET-55aa01"
)

// syncBuffer is a goroutine-safe log sink.
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

// fakeClock is an injectable Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, JST)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// memStore is an in-memory TokenStore.
type memStore struct {
	mu    sync.Mutex
	token string
	loads int
	saves int
}

func (m *memStore) LoadToken(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	return m.token, nil
}

func (m *memStore) SaveToken(_ context.Context, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves++
	m.token = token
	return nil
}

func (m *memStore) get() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token
}

// recorded is one request the fake server saw.
type recorded struct {
	Method, Path, RawQuery, Auth, Accept, ContentType string
	Body                                              []byte
}

// fakeServer is an httptest server that records requests and delegates to
// handle; it answers sign-ins itself unless signIn is replaced.
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex
	reqs     []recorded
	signIns  int
	handle   func(w http.ResponseWriter, r *http.Request, body []byte)
	signIn   func(w http.ResponseWriter, r *http.Request, body []byte)
	basePath string
}

func newFakeServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, body []byte)) *fakeServer {
	t.Helper()
	f := &fakeServer{handle: handle, basePath: "/api/v2"}
	f.signIn = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 200, fmt.Sprintf(`{"id":1,"email":%q,"authentication_token":%q}`, testLoginID, signedToken))
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path := strings.TrimPrefix(r.URL.Path, f.basePath)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{Method: r.Method, Path: path, RawQuery: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), Accept: r.Header.Get("Accept"), ContentType: r.Header.Get("Content-Type"), Body: body})
		isSignIn := path == "/admins/sign_in.json"
		if isSignIn {
			f.signIns++
		}
		signIn, handle := f.signIn, f.handle
		f.mu.Unlock()
		if isSignIn {
			signIn(w, r, body)
			return
		}
		handle(w, r, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// count returns how many requests hit path (sign-ins excluded unless asked).
func (f *fakeServer) count(path string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func (f *fakeServer) signInCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.signIns
}

func (f *fakeServer) url() string { return f.URL + f.basePath }

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// newTestClient builds a fast client: unlimited limiter, 1ms backoff.
func newTestClient(t *testing.T, baseURL string, mutate func(*Config)) (*Client, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := Config{
		Shop:     "test-shop",
		BaseURL:  baseURL,
		APIToken: testToken,
		Limiter:  httpapi.NewLimiter(0, 1),
		Timeout:  2 * time.Second,
		Backoff:  httpapi.Backoff{Base: time.Millisecond, Max: 4 * time.Millisecond},
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, logs
}

// passwordMode switches a test config to login ID + password.
func passwordMode(cfg *Config) {
	cfg.APIToken = ""
	cfg.LoginID = testLoginID
	cfg.Password = testPassword
}

// orderJSON renders a minimal order resource with one line and addresses.
func orderJSON(id int) string {
	return fmt.Sprintf(`{"id":"%d","type":"order","attributes":{"id":%d,"number":"N%07d","state":"complete","total":"1,100","scheduled_to_be_shipped_at":"2026/05/01 00:00:00"},
"relationships":{"order_items":{"data":[{"id":"%d1","type":"order_item"}]},"shipping_address":{"data":{"id":"%d2","type":"address"}},"billing_address":{"data":null}}}`,
		id, id, id, id, id)
}

func orderIncludedJSON(id int) []string {
	return []string{
		fmt.Sprintf(`{"id":"%d1","type":"order_item","attributes":{"variant_sku":"SKU-%d","quantity":1,"sales_price":1000}}`, id, id),
		fmt.Sprintf(`{"id":"%d2","type":"address","attributes":{"name01":"山田","prefecture_name":"東京都"}}`, id),
	}
}

// ordersPage renders a list document for the given order ids and meta JSON.
func ordersPage(ids []int, meta string) string {
	data := make([]string, 0, len(ids))
	var inc []string
	for _, id := range ids {
		data = append(data, orderJSON(id))
		inc = append(inc, orderIncludedJSON(id)...)
	}
	doc := `{"data":[` + strings.Join(data, ",") + `],"included":[` + strings.Join(inc, ",") + `]`
	if meta != "" {
		doc += `,"meta":` + meta
	}
	return doc + `}`
}

func singleOrder(id int) string {
	return `{"data":` + orderJSON(id) + `,"included":[` + strings.Join(orderIncludedJSON(id), ",") + `]}`
}

// assertNoSecrets fails when any secret appears in s.
func assertNoSecrets(t *testing.T, where, s string) {
	t.Helper()
	for _, secret := range []string{testToken, testPassword, signedToken, "SECRET"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains the secret %q:\n%s", where, secret, s)
		}
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("request body %s: %v", b, err)
	}
}
