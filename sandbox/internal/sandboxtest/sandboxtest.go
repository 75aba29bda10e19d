// Package sandboxtest holds what the sandbox's tests share: a settable
// clock, an HTTP helper that reads whole responses, a client that never
// reuses connections (for dropped-connection faults), JSON shape assertions
// and a minimal valid LOGILESS sales order. It is for tests only.
package sandboxtest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// QuietLogger discards everything.
var QuietLogger = slog.New(slog.DiscardHandler)

// Clock is a settable clock for tests. It starts at 2024-05-01 10:00 JST.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at 2024-05-01 10:00 JST.
func NewClock() *Clock {
	return &Clock{t: time.Date(2024, 5, 1, 10, 0, 0, 0, httpfake.JST)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Response is a fully read HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object, failing the test otherwise.
func (r Response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Do sends a request; body may be nil, a string (sent as is) or any value
// (sent as JSON). headers are name, value pairs.
func Do(t *testing.T, method, url string, body any, headers ...string) Response {
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
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// RawClient never reuses connections, so a dropped connection is not
// silently retried by the transport.
var RawClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

// TryGet sends a GET with RawClient and returns the transport error instead
// of failing the test.
func TryGet(url string, headers ...string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := RawClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

// ValidSalesOrder returns a minimal valid LOGILESS sales_order body (store 1,
// one line of article A-1 unless lines are given).
func ValidSalesOrder(code string, lines ...map[string]any) map[string]any {
	if len(lines) == 0 {
		lines = []map[string]any{{"article_code": "A-1", "article_name": "商品A", "quantity": 1, "price": 1000}}
	}
	return map[string]any{
		"code": code, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎",
		"recipient_address1": "東京都渋谷区神宮前1-2-3", "payment_method": "credit_card_payment",
		"delivery_method": "yamato", "store": 1, "lines": lines,
	}
}

// AsMap asserts that v is a JSON object.
func AsMap(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("want a JSON object, got %T: %v", v, v)
	}
	return m
}

// AsList asserts that v is a JSON array.
func AsList(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("want a JSON array, got %T: %v", v, v)
	}
	return l
}
