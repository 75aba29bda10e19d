package ecforceapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestFaultKinds(t *testing.T) {
	const orders = "/api/v2/admin/orders"
	tests := []struct {
		name  string
		fault httpfake.Fault
		check func(t *testing.T, res *http.Response, body []byte, err error, took time.Duration)
	}{
		{"429 with headers", httpfake.Fault{Method: "GET", PathPrefix: orders, Status: 429,
			Headers: map[string]string{"Retry-After": "3", "X-RateLimit-Remaining": "0"}},
			func(t *testing.T, res *http.Response, body []byte, err error, _ time.Duration) {
				if err != nil || res.StatusCode != 429 || res.Header.Get("Retry-After") != "3" ||
					res.Header.Get("X-RateLimit-Remaining") != "0" || !strings.Contains(string(body), "Retry later") {
					t.Fatalf("%v %v %s", err, res, body)
				}
			}},
		{"500 default body", httpfake.Fault{PathPrefix: orders, Status: 500},
			func(t *testing.T, res *http.Response, body []byte, err error, _ time.Duration) {
				if err != nil || res.StatusCode != 500 || !strings.Contains(string(body), "AOR9999") {
					t.Fatalf("%v %v %s", err, res, body)
				}
			}},
		{"503 custom body", httpfake.Fault{PathPrefix: orders, Status: 503, Body: "<html>maintenance</html>"},
			func(t *testing.T, res *http.Response, body []byte, err error, _ time.Duration) {
				if err != nil || res.StatusCode != 503 || string(body) != "<html>maintenance</html>" ||
					!strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
					t.Fatalf("%v %v %s", err, res, body)
				}
			}},
		{"delay", httpfake.Fault{PathPrefix: orders, Delay: 150 * time.Millisecond},
			func(t *testing.T, res *http.Response, _ []byte, err error, took time.Duration) {
				if err != nil || res.StatusCode != 200 || took < 150*time.Millisecond {
					t.Fatalf("%v %v took %v", err, res, took)
				}
			}},
		{"drop connection", httpfake.Fault{PathPrefix: orders, Drop: true},
			func(t *testing.T, res *http.Response, _ []byte, err error, _ time.Duration) {
				if err == nil {
					t.Fatalf("want a transport error, got %v", res.Status)
				}
			}},
		{"malformed body", httpfake.Fault{PathPrefix: orders, Malformed: true},
			func(t *testing.T, res *http.Response, body []byte, err error, _ time.Duration) {
				var v any
				if err != nil || res.StatusCode != 200 || len(body) == 0 || json.Unmarshal(body, &v) == nil {
					t.Fatalf("want 200 with truncated JSON: %v %q", err, body)
				}
			}},
		{".json path matches", httpfake.Fault{PathPrefix: orders + ".json", Status: 502},
			func(t *testing.T, res *http.Response, _ []byte, err error, _ time.Duration) {
				if err != nil || res.StatusCode != 502 {
					t.Fatalf("%v %v", err, res)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestServer(t, Config{})
			env.srv.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: orders, Status: 500}) // never matches a GET
			env.srv.InjectFault(tt.fault)
			start := time.Now()
			res, body, err := sandboxtest.TryGet(env.url+orders+".json", env.auth()...)
			tt.check(t, res, body, err, time.Since(start))
			if res, _, err := sandboxtest.TryGet(env.url+orders, env.auth()...); err != nil || res.StatusCode != 200 {
				t.Fatalf("next request should be normal: %v %v", err, res)
			}
			if got := env.srv.RequestCounts()["GET "+orders]; got != 2 {
				t.Errorf("faulted requests are counted too: got %d, want 2", got)
			}
			if n := len(env.srv.Faults()); n != 1 {
				t.Errorf("%d faults left, want only the non-matching one", n)
			}
		})
	}
}

func TestFaultAfterApply(t *testing.T) {
	t.Run("ecforce stock write happens, answer is 500", func(t *testing.T) {
		env := newTestServer(t, Config{})
		if _, err := env.srv.SeedStockItem("S-1", "", 1); err != nil {
			t.Fatal(err)
		}
		env.srv.InjectFault(httpfake.Fault{Method: "PUT", PathPrefix: "/api/v2/admin/stock_items", AfterApply: true})
		body := map[string]any{"stock_items": []map[string]any{{"variant_sku": "S-1", "stock_location_code": "default", "stock": 9}}}
		res := env.send(t, "PUT", "/api/v2/admin/stock_items.json", body)
		if res.Status != 500 || !strings.Contains(string(res.Body), "AOR9999") {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if si, _ := env.srv.StockItem("S-1", ""); si.Stock != 9 || env.srv.StockWriteCount("S-1") != 1 {
			t.Fatalf("write should have happened once: %+v", si)
		}
	})
	t.Run("apply then drop", func(t *testing.T) {
		env := newTestServer(t, Config{})
		o := env.seed(t, OrderSeed{})
		env.srv.InjectFault(httpfake.Fault{PathPrefix: "/api/v2/admin/orders/", AfterApply: true, Drop: true})
		req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v2/admin/orders/%d", env.url, o.ID), strings.NewReader(`{"order":{"state":"linked"}}`))
		req.Header.Set("Authorization", env.auth()[1])
		req.Header.Set("Content-Type", "application/json")
		if res, err := sandboxtest.RawClient.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("want a transport error, got %s", res.Status)
		}
		if got, _ := env.srv.Order(o.ID); got.State != "linked" {
			t.Fatalf("state %q, want the write applied", got.State)
		}
	})
}

func TestRateLimit(t *testing.T) {
	// The lenient option: Retry-After on refusals.
	env := newTestServer(t, Config{RateLimit: httpfake.RateLimit{RPS: 0.5, Burst: 1, RetryAfter: true}})
	env.get(t, "/api/v2/admin/orders")
	if res := env.get(t, "/api/v2/admin/orders"); res.Status != 429 || !strings.Contains(string(res.Body), "Retry later") || res.Header.Get("Retry-After") == "" {
		t.Errorf("ecforce limit: %d %v %s", res.Status, res.Header, res.Body)
	}
}

func TestStrictRateLimitIsPlainTextWithoutRetryAfter(t *testing.T) {
	// Reference §8: a 429 is plain "Retry later"; Retry-After is not
	// confirmed, so the strict default sends none (and no X-RateLimit-*,
	// which ecforce is not known to send). Burst defaults to 1.
	env := newTestServer(t, Config{RateLimit: httpfake.RateLimit{RPS: 0.5}})
	if res := env.get(t, "/api/v2/admin/orders"); res.Status != 200 {
		t.Fatalf("first request: %d", res.Status)
	}
	res := env.get(t, "/api/v2/admin/orders")
	if res.Status != 429 || string(res.Body) != "Retry later\n" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("second request: %d %v %q, want 429 text/plain Retry later", res.Status, res.Header, res.Body)
	}
	for _, h := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if v := res.Header.Get(h); v != "" {
			t.Errorf("429 carries %s: %q", h, v)
		}
	}
}
