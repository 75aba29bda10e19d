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

// The client's tests run against the sandbox's fake LOGILESS (OAuth with
// rotating refresh tokens, the merchant API), behind a recorder that keeps
// what the client sent. Answers the fake never gives on its own (odd but
// valid JSON shapes, broken bodies, 5xx, hung or dropped requests) are
// injected as sandbox faults.

const (
	testShop         = "shop-a"
	testMerchant     = 42
	testClientID     = "client-id-1"
	testClientSecret = "CS-zq81-very-secret-client-value"
	testRedirect     = "http://localhost:8080/callback"
)

// recorded is one request the fake received. Resource is the path below
// /api/v1/merchant/42 for API calls, the whole path otherwise.
type recorded struct {
	Method, Resource string
	Query            url.Values
	Header           http.Header
	Body             []byte
}

// testLogiless is a sandbox LOGILESS merchant on an httptest server.
type testLogiless struct {
	*logilessapi.Server
	t   *testing.T
	srv *httptest.Server

	mu   sync.Mutex
	reqs []recorded
	// onAPI, when set, sees every merchant API request before the fake.
	onAPI func(r *http.Request)
	// echo, when set, answers merchant API requests itself: the leak tests
	// need a server that quotes the request's credentials back, which the
	// sandbox never does.
	echo http.HandlerFunc
}

const merchantPrefix = "/api/v1/merchant/42"

func newFake(t *testing.T, mutate ...func(*logilessapi.Config)) *testLogiless {
	t.Helper()
	cfg := logilessapi.Config{
		MerchantID: testMerchant, ClientID: testClientID, ClientSecret: testClientSecret, RedirectURI: testRedirect,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	f := &testLogiless{Server: logilessapi.New(cfg), t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *testLogiless) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox") {
		f.Server.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	resource, isAPI := strings.CutPrefix(r.URL.Path, merchantPrefix)
	if !isAPI {
		resource = r.URL.Path
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{Method: r.Method, Resource: resource, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	onAPI, echo := f.onAPI, f.echo
	f.mu.Unlock()
	if isAPI && onAPI != nil {
		onAPI(r)
	}
	if isAPI && echo != nil {
		echo(w, r)
		return
	}
	f.Server.ServeHTTP(w, r)
}

func (f *testLogiless) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// count returns how many requests hit method resource.
func (f *testLogiless) count(method, resource string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Method == method && r.Resource == resource {
			n++
		}
	}
	return n
}

// tokenRequests returns the token endpoint requests of grant type grant.
func (f *testLogiless) tokenRequests(grant string) []recorded {
	var out []recorded
	for _, r := range f.requests() {
		if r.Resource == "/oauth2/token" && r.Query.Get("grant_type") == grant {
			out = append(out, r)
		}
	}
	return out
}

// batchSizes returns, for each request to resource, the length of the list
// field of its JSON body.
func (f *testLogiless) batchSizes(resource, field string) []int {
	f.t.Helper()
	var out []int
	for _, r := range f.requests() {
		if r.Resource != resource {
			continue
		}
		var body map[string][]string
		if err := json.Unmarshal(r.Body, &body); err != nil {
			f.t.Fatalf("request body %s: %v", r.Body, err)
		}
		out = append(out, len(body[field]))
	}
	return out
}

// refreshes counts refresh attempts, successful or not.
func (f *testLogiless) refreshes() int { return len(f.tokenRequests("refresh_token")) }

// presented counts the refresh attempts that spent rt.
func (f *testLogiless) presented(rt string) int {
	n := 0
	for _, r := range f.tokenRequests("refresh_token") {
		if r.Query.Get("refresh_token") == rt {
			n++
		}
	}
	return n
}

// secrets returns every credential that crossed the wire, for leak checks.
func (f *testLogiless) secrets() []string {
	out := []string{testClientSecret, url.QueryEscape(testClientSecret)}
	for _, r := range f.requests() {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
			out = append(out, tok)
		}
		for _, k := range []string{"code", "refresh_token", "client_secret"} {
			if v := r.Query.Get(k); len(v) >= 4 {
				out = append(out, v)
			}
		}
	}
	return out
}

// issue mints a token pair the fake accepts.
func (f *testLogiless) issue() Token {
	tr := f.IssueTokens()
	return Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, ExpiresAt: time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)}
}

// answer makes the next times requests to method resource (below the
// merchant) get status and body instead of the real answer (times < 0:
// until cleared; method "" matches any).
func (f *testLogiless) answer(method, resource string, times, status int, body string) {
	f.InjectFault(httpfake.Fault{Method: method, PathPrefix: merchantPrefix + resource, Times: times, Status: status, Body: body})
}

// tokenFault applies fault to the token endpoint.
func (f *testLogiless) tokenFault(fault httpfake.Fault) {
	fault.PathPrefix = "/oauth2/token"
	f.InjectFault(fault)
}

// seedOrder creates a sales order in store 1 and returns it.
func (f *testLogiless) seedOrder(code string) logilessapi.SalesOrder {
	f.t.Helper()
	so, err := f.SeedSalesOrder(map[string]any{
		"code": code, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎", "recipient_address1": "東京都渋谷区神宮前1-2-3",
		"payment_method": "credit_card_payment", "delivery_method": "yamato", "store": 1,
		"lines": []map[string]any{{"article_code": "SKU-1", "article_name": "化粧水", "quantity": 1, "price": 1980}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return so
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

type clientOpt func(*Config)

func withLogs(buf *logbuffer.Buffer) clientOpt {
	return func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

// newTestClient returns a client of f with no pacing and millisecond
// backoffs.
func newTestClient(t *testing.T, f *testLogiless, store TokenStore, opts ...clientOpt) *Client {
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

// orderID is the id of the first sales order a fake creates: the one
// authedClient seeds and getOrder reads.
const orderID = 7601

var orderPath = fmt.Sprintf("/sales_orders/%d", orderID)

func getOrder(ctx context.Context, c *Client) error {
	_, err := c.GetSalesOrder(ctx, orderID)
	return err
}

// authedClient returns a fake holding sales order A-1 (orderID), a client
// with a valid token, and its store.
func authedClient(t *testing.T, opts ...clientOpt) (*testLogiless, *Client, *memStore) {
	t.Helper()
	f := newFake(t)
	if so := f.seedOrder("A-1"); so.ID != orderID {
		t.Fatalf("the first sales order has id %d, want %d", so.ID, orderID)
	}
	store := newMemStore(f.issue())
	return f, newTestClient(t, f, store, opts...), store
}
