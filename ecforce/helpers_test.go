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

	"github.com/ecforce-logiless/connector/internal/logbuffer"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// The client's tests run against the sandbox's fake ecforce, behind a
// recorder that keeps what the client sent. Answers the fake never gives
// on its own (odd but valid JSON shapes, broken bodies, 5xx, hung
// requests) are injected as sandbox faults.

// Distinctive secrets: tests assert they never appear in errors or logs.
const (
	testToken    = "tok-SECRET-7f3a9c2e"
	testPassword = "pw-SECRET-91b2d4"
	testLoginID  = "api@shop.example"
)

// fakeClock is an injectable Now, shared by the client and the sandbox.
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

// recorded is one request the shop received.
type recorded struct {
	Method, Path, RawQuery, Auth, Accept, ContentType string
	Body                                              []byte
}

// testShop is a sandbox ecforce shop on an httptest server. Its API token
// is testToken; its sign-in accepts testLoginID and testPassword.
type testShop struct {
	*ecforceapi.Server
	srv *httptest.Server

	mu   sync.Mutex
	reqs []recorded
}

const apiRoot = "/api/v2"

func newShop(t *testing.T, clock *fakeClock) *testShop {
	t.Helper()
	cfg := ecforceapi.Config{
		APIToken: testToken, AdminEmail: testLoginID, AdminPassword: testPassword,
		SettleDelay: time.Millisecond,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if clock != nil {
		cfg.Clock = clock.Now
	}
	s := &testShop{Server: ecforceapi.New(cfg)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !strings.HasPrefix(r.URL.Path, "/_sandbox") {
			s.mu.Lock()
			s.reqs = append(s.reqs, recorded{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, apiRoot), RawQuery: r.URL.RawQuery,
				Auth: r.Header.Get("Authorization"), Accept: r.Header.Get("Accept"), ContentType: r.Header.Get("Content-Type"), Body: body})
			s.mu.Unlock()
		}
		s.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *testShop) url() string { return s.srv.URL + apiRoot }

func (s *testShop) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

// count returns how many requests hit path (relative to the API root).
func (s *testShop) count(path string) int {
	n := 0
	for _, r := range s.requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// signInCount is how many sign-ins were attempted, successful or not.
func (s *testShop) signInCount() int { return s.count(signInPath) }

// tokens returns every credential the client sent, for leak checks.
func (s *testShop) tokens() []string {
	var out []string
	for _, r := range s.requests() {
		if tok, ok := strings.CutPrefix(r.Auth, `Token token="`); ok {
			out = append(out, strings.TrimSuffix(tok, `"`))
		}
	}
	return out
}

// answer makes the next times requests to method path (relative to the
// API root) get status and body instead of the real answer (times < 0:
// until cleared).
func (s *testShop) answer(method, path string, times, status int, body string) {
	s.InjectFault(httpfake.Fault{Method: method, PathPrefix: apiRoot + path, Times: times, Status: status, Body: body})
}

// seedOrders creates n complete orders with one line each and returns
// their ids in order.
func (s *testShop) seedOrders(t *testing.T, n int) []int64 {
	t.Helper()
	ids := make([]int64, 0, n)
	for i := range n {
		o, err := s.SeedOrder(ecforceapi.OrderSeed{Items: []ecforceapi.OrderItemSeed{{SKU: fmt.Sprintf("SKU-%d", i), Price: 1000, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	return ids
}

// newTestClient builds a fast client: unlimited limiter, 1ms backoff.
func newTestClient(t *testing.T, baseURL string, mutate func(*Config)) (*Client, *logbuffer.Buffer) {
	t.Helper()
	logs := &logbuffer.Buffer{}
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

// assertNoSecrets fails when any secret, or any token the shop saw, appears in s.
func assertNoSecrets(t *testing.T, shop *testShop, where, s string) {
	t.Helper()
	secrets := []string{testToken, testPassword, "SECRET"}
	if shop != nil {
		secrets = append(secrets, shop.tokens()...)
	}
	for _, secret := range secrets {
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

func singleOrder(id int) string {
	return `{"data":` + orderJSON(id) + `,"included":[` + strings.Join(orderIncludedJSON(id), ",") + `]}`
}
