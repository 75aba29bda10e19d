package ecforce

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

// failThen answers the first n requests with fail and the rest with ok.
func failThen(n int32, fail, ok func(w http.ResponseWriter)) func(http.ResponseWriter, *http.Request, []byte) {
	var seen atomic.Int32
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if seen.Add(1) <= n {
			fail(w)
			return
		}
		ok(w)
	}
}

func TestRateLimitedThenSuccess(t *testing.T) {
	t.Parallel() // the Retry-After wait is one real second
	tests := []struct {
		name string
		call func(c *Client) error
		ok   string
	}{
		{"GET", func(c *Client) error { _, err := c.GetOrder(context.Background(), 7); return err }, singleOrder(7)},
		{"PUT", func(c *Client) error {
			_, err := c.UpdateStockItems(context.Background(), []StockUpdate{{SKU: "S", LocationCode: "default", Stock: 1}})
			return err
		}, `{"success":["S"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeServer(t, failThen(1, func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(429)
				_, _ = w.Write([]byte("Retry later\n"))
			}, func(w http.ResponseWriter) { writeJSON(w, 200, tt.ok) }))
			limiter := httpapi.NewLimiter(0, 1)
			c, logs := newTestClient(t, srv.url(), func(cfg *Config) { cfg.Limiter = limiter })
			start := time.Now()
			if err := tt.call(c); err != nil {
				t.Fatalf("call: %v", err)
			}
			if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
				t.Errorf("retried after %v, want it to wait out Retry-After (1s)", elapsed)
			}
			if n := len(srv.requests()); n != 2 {
				t.Errorf("requests = %d, want 2", n)
			}
			if !strings.Contains(logs.String(), "429") {
				t.Errorf("the 429 was not logged: %s", logs)
			}
		})
	}
}

func TestRateLimitPausesSharedLimiter(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(429)
		_, _ = w.Write([]byte("Retry later"))
	})
	limiter := httpapi.NewLimiter(0, 1)
	c, _ := newTestClient(t, srv.url(), func(cfg *Config) { cfg.Limiter = limiter })
	_, err := c.GetOrder(context.Background(), 7)
	var se *httpapi.StatusError
	if !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter != 120*time.Second || se.Message != "Retry later" {
		t.Fatalf("err = %v (%+v), want a 429 StatusError with RetryAfter 2m", err, se)
	}
	if !httpapi.Retryable(err) {
		t.Error("a 429 must be retryable by the caller")
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (a long wait is not sat out in the client)", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := limiter.Wait(ctx); err == nil {
		t.Error("the shared limiter was not paused after the 429")
	}
}

func TestRateLimitDelay(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	if d := rateLimitDelay(http.Header{}, now); d != defaultRateLimitWait {
		t.Errorf("no header: %v, want %v", d, defaultRateLimitWait)
	}
	h := http.Header{}
	h.Set("Retry-After", "7")
	if d := rateLimitDelay(h, now); d != 7*time.Second {
		t.Errorf("Retry-After 7: %v", d)
	}
}

func TestBackoff(t *testing.T) {
	c := &Client{backoffBase: 500 * time.Millisecond, backoffMax: 8 * time.Second}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := c.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestServerErrors(t *testing.T) {
	fail500 := func(w http.ResponseWriter) {
		writeJSON(w, 500, `{"errors":[{"code":"AOR9999","message":"内部エラー"}]}`)
	}
	tests := []struct {
		name         string
		failures     int32
		maxRetries   int
		call         func(c *Client) error
		wantRequests int
		wantErr      string
	}{
		{"GET retried until success", 2, 3, getOrder7, 3, ""},
		{"GET gives up after MaxRetries", 10, 2, getOrder7, 3, "AOR9999"},
		{"GET without retries", 10, -1, getOrder7, 1, "AOR9999"},
		{"PUT not retried", 1, 3, putShipping, 1, "may or may not have been applied"},
		{"POST not retried", 1, 3, func(c *Client) error {
			_, err := c.RequestSales(context.Background(), []int64{7})
			return err
		}, 1, "may or may not have been applied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, failThen(tt.failures, fail500, func(w http.ResponseWriter) { writeJSON(w, 200, singleOrder(7)) }))
			c, _ := newTestClient(t, srv.url(), func(cfg *Config) { cfg.MaxRetries = tt.maxRetries })
			err := tt.call(c)
			if n := len(srv.requests()); n != tt.wantRequests {
				t.Errorf("requests = %d, want %d", n, tt.wantRequests)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			var se *httpapi.StatusError
			if !errors.As(err, &se) || se.StatusCode != 500 || !httpapi.Retryable(err) {
				t.Errorf("want a retryable 500 StatusError, got %v", err)
			}
		})
	}
}

func getOrder7(c *Client) error { _, err := c.GetOrder(context.Background(), 7); return err }

func putShipping(c *Client) error {
	_, err := c.UpdateShipping(context.Background(), []ShippingUpdate{{OrderID: 7, ShippingSlip: "1"}}, false)
	return err
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name         string
		call         func(c *Client) error
		wantRequests int
	}{
		{"GET retried", getOrder7, 3},
		{"PUT not retried", putShipping, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
			})
			c, _ := newTestClient(t, srv.url(), func(cfg *Config) { cfg.Timeout = 30 * time.Millisecond; cfg.MaxRetries = 2 })
			start := time.Now()
			err := tt.call(c)
			if err == nil {
				t.Fatal("want a timeout error")
			}
			if time.Since(start) > time.Second {
				t.Errorf("took %v; the per-request timeout was not applied", time.Since(start))
			}
			if !errors.Is(err, context.DeadlineExceeded) || !httpapi.Retryable(err) {
				t.Errorf("err = %v, want a retryable deadline error", err)
			}
			if n := len(srv.requests()); n != tt.wantRequests {
				t.Errorf("requests = %d, want %d", n, tt.wantRequests)
			}
		})
	}
}

func TestDroppedConnectionRetriedForGET(t *testing.T) {
	var seen atomic.Int32
	srv := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if seen.Add(1) == 1 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0)
				_ = conn.Close()
			}
			return
		}
		writeJSON(w, 200, singleOrder(7))
	})
	c, _ := newTestClient(t, srv.url(), nil)
	if err := getOrder7(c); err != nil {
		t.Fatalf("GetOrder after a dropped connection: %v", err)
	}
	if n := seen.Load(); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

func TestContextCancellation(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		<-r.Context().Done()
	})
	c, _ := newTestClient(t, srv.url(), func(cfg *Config) { cfg.Timeout = 5 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.GetOrder(ctx, 7)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if httpapi.Retryable(err) {
		t.Error("cancellation must not be retryable")
	}
	if time.Since(start) > time.Second {
		t.Errorf("returned after %v", time.Since(start))
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (no retry after cancellation)", n)
	}
}

func TestErrorBody(t *testing.T) {
	tests := []struct {
		name                string
		body                string
		wantCode, wantMsg   string
		wantField, wantFval string
	}{
		{"ecforce errors", `{"errors":[{"code":"AOR2001","message":"orderが見つかりません。"},{"code":"AOR3002","message":"x"}]}`, "AOR2001", "orderが見つかりません。; x", "", ""},
		{"strings", `{"errors":["a","b"]}`, "", "a; b", "", ""},
		{"field map", `{"errors":{"state":["is invalid"]}}`, "", "", "state", "is invalid"},
		{"error string", `{"error":"You need to sign in"}`, "", "You need to sign in", "", ""},
		{"plain text", "Retry later\n", "", "Retry later", "", ""},
		{"html", "<html><body>blocked</body></html>", "", "<html><body>blocked</body></html>", "", ""},
		{"unknown json", `{"foo":1}`, "", `{"foo":1}`, "", ""},
		{"empty", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg, fields := errorBody([]byte(tt.body))
			if code != tt.wantCode || msg != tt.wantMsg {
				t.Errorf("errorBody = %q, %q; want %q, %q", code, msg, tt.wantCode, tt.wantMsg)
			}
			if tt.wantField != "" && fields[tt.wantField] != tt.wantFval {
				t.Errorf("fields = %v", fields)
			}
		})
	}
}

func TestRateLimitHeadersOnSuccessPauseLimiter(t *testing.T) {
	clock := newFakeClock()
	srv := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(clock.Now().Add(2*time.Second).Unix(), 10))
		writeJSON(w, 200, singleOrder(7))
	})
	limiter := httpapi.NewLimiter(0, 1)
	c, _ := newTestClient(t, srv.url(), func(cfg *Config) { cfg.Limiter = limiter; cfg.Now = clock.Now })
	if err := getOrder7(c); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := limiter.Wait(ctx); err == nil {
		t.Error("X-RateLimit-Remaining: 0 did not pause the shared limiter")
	}
}
