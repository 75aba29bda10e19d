package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var quietLogger = slog.New(slog.DiscardHandler)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 5, 1, 10, 0, 0, 0, jst)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request; body may be nil, a string (sent as is) or any value
// (sent as JSON).
func do(t *testing.T, method, url string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// ecEnv is a fake ecforce behind a real socket.
type ecEnv struct {
	ec    *Ecforce
	url   string
	clock *fakeClock
}

func newEcEnv(t *testing.T, cfg EcforceConfig) *ecEnv {
	t.Helper()
	clock := newFakeClock()
	if cfg.Clock == nil {
		cfg.Clock = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger
	}
	ec := NewEcforce(cfg)
	srv := httptest.NewServer(ec)
	t.Cleanup(srv.Close)
	return &ecEnv{ec: ec, url: srv.URL, clock: clock}
}

func (e *ecEnv) auth() []string {
	return []string{"Authorization", `Token token="` + e.ec.APIToken() + `"`}
}

func (e *ecEnv) get(t *testing.T, path string) response {
	t.Helper()
	return do(t, http.MethodGet, e.url+path, nil, e.auth()...)
}

func (e *ecEnv) send(t *testing.T, method, path string, body any) response {
	t.Helper()
	return do(t, method, e.url+path, body, e.auth()...)
}

func (e *ecEnv) seed(t *testing.T, s OrderSeed) EcforceOrder {
	t.Helper()
	if len(s.Items) == 0 {
		s.Items = []OrderItemSeed{{SKU: "SKU-1", Price: 1000, Quantity: 1}}
	}
	o, err := e.ec.SeedOrder(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// llEnv is a fake LOGILESS behind a real socket, with a valid token.
type llEnv struct {
	ll    *Logiless
	url   string
	base  string // merchant API base
	token string
	clock *fakeClock
}

func newLLEnv(t *testing.T, cfg LogilessConfig) *llEnv {
	t.Helper()
	clock := newFakeClock()
	if cfg.Clock == nil {
		cfg.Clock = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger
	}
	ll := NewLogiless(cfg)
	srv := httptest.NewServer(ll)
	t.Cleanup(srv.Close)
	return &llEnv{
		ll: ll, url: srv.URL, base: srv.URL + "/api/v1/merchant/" + itoa(ll.MerchantID()),
		token: ll.IssueTokens().AccessToken, clock: clock,
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func (e *llEnv) send(t *testing.T, method, path string, body any) response {
	t.Helper()
	return do(t, method, e.base+path, body, "Authorization", "Bearer "+e.token)
}

func (e *llEnv) article(t *testing.T, a LogilessArticle, free int) {
	t.Helper()
	if _, err := e.ll.SeedArticle(a); err != nil {
		t.Fatal(err)
	}
	if a.ArticleType == "" || a.ArticleType == ArticleSingle {
		if err := e.ll.SetFreeStock(a.Code, free); err != nil {
			t.Fatal(err)
		}
	}
}

// validOrder returns a minimal valid sales_order body.
func validOrder(code string, lines ...map[string]any) map[string]any {
	if len(lines) == 0 {
		lines = []map[string]any{{"article_code": "A-1", "article_name": "商品A", "quantity": 1, "price": 1000}}
	}
	return map[string]any{
		"code": code, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎",
		"recipient_address1": "東京都渋谷区神宮前1-2-3", "payment_method": "credit_card_payment",
		"delivery_method": "yamato", "store": 1, "lines": lines,
	}
}

func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("want a JSON object, got %T: %v", v, v)
	}
	return m
}

func asList(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("want a JSON array, got %T: %v", v, v)
	}
	return l
}
