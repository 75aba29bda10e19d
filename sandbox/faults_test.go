package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawClient never reuses connections, so a dropped connection is not
// silently retried by the transport.
var rawClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

func tryGet(url string, headers ...string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := rawClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

func TestFaultKinds(t *testing.T) {
	const orders = "/api/v2/admin/orders"
	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, res *http.Response, body []byte, err error, took time.Duration)
	}{
		{"429 with headers", Fault{Method: "GET", PathPrefix: orders, Status: 429,
			Headers: map[string]string{"Retry-After": "3", "X-RateLimit-Remaining": "0"}},
			func(t *testing.T, res *http.Response, body []byte, err error, _ time.Duration) {
				if err != nil || res.StatusCode != 429 || res.Header.Get("Retry-After") != "3" ||
					res.Header.Get("X-RateLimit-Remaining") != "0" || !strings.Contains(string(body), "Retry later") {
					t.Fatalf("%v %v %s", err, res, body)
				}
			}},
		{"500 default body", Fault{PathPrefix: orders, Status: 500},
			func(t *testing.T, res *http.Response, body []byte, err error, _ time.Duration) {
				if err != nil || res.StatusCode != 500 || !strings.Contains(string(body), "AOR9999") {
					t.Fatalf("%v %v %s", err, res, body)
				}
			}},
		{"503 custom body", Fault{PathPrefix: orders, Status: 503, Body: "<html>maintenance</html>"},
			func(t *testing.T, res *http.Response, body []byte, err error, _ time.Duration) {
				if err != nil || res.StatusCode != 503 || string(body) != "<html>maintenance</html>" ||
					!strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
					t.Fatalf("%v %v %s", err, res, body)
				}
			}},
		{"delay", Fault{PathPrefix: orders, Delay: 150 * time.Millisecond},
			func(t *testing.T, res *http.Response, _ []byte, err error, took time.Duration) {
				if err != nil || res.StatusCode != 200 || took < 150*time.Millisecond {
					t.Fatalf("%v %v took %v", err, res, took)
				}
			}},
		{"drop connection", Fault{PathPrefix: orders, Drop: true},
			func(t *testing.T, res *http.Response, _ []byte, err error, _ time.Duration) {
				if err == nil {
					t.Fatalf("want a transport error, got %v", res.Status)
				}
			}},
		{"malformed body", Fault{PathPrefix: orders, Malformed: true},
			func(t *testing.T, res *http.Response, body []byte, err error, _ time.Duration) {
				var v any
				if err != nil || res.StatusCode != 200 || len(body) == 0 || json.Unmarshal(body, &v) == nil {
					t.Fatalf("want 200 with truncated JSON: %v %q", err, body)
				}
			}},
		{".json path matches", Fault{PathPrefix: orders + ".json", Status: 502},
			func(t *testing.T, res *http.Response, _ []byte, err error, _ time.Duration) {
				if err != nil || res.StatusCode != 502 {
					t.Fatalf("%v %v", err, res)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEcEnv(t, EcforceConfig{})
			env.ec.InjectFault(Fault{Method: "POST", PathPrefix: orders, Status: 500}) // never matches a GET
			env.ec.InjectFault(tt.fault)
			start := time.Now()
			res, body, err := tryGet(env.url+orders+".json", env.auth()...)
			tt.check(t, res, body, err, time.Since(start))
			if res, _, err := tryGet(env.url+orders, env.auth()...); err != nil || res.StatusCode != 200 {
				t.Fatalf("next request should be normal: %v %v", err, res)
			}
			if got := env.ec.RequestCounts()["GET "+orders]; got != 2 {
				t.Errorf("faulted requests are counted too: got %d, want 2", got)
			}
			if n := len(env.ec.Faults()); n != 1 {
				t.Errorf("%d faults left, want only the non-matching one", n)
			}
		})
	}
}

func TestFaultTimesAndClearing(t *testing.T) {
	env := newLLEnv(t, LogilessConfig{})
	env.ll.InjectFault(Fault{PathPrefix: "/api/v1/merchant/", Status: 500, Times: 2})
	for i, want := range []int{500, 500, 200} {
		if res := env.send(t, "GET", "/articles", nil); res.status != want {
			t.Fatalf("request %d: %d, want %d", i, res.status, want)
		}
	}
	// forever, until cleared; injected over HTTP with the JSON shape
	if res := do(t, "POST", env.url+"/_sandbox/faults", `{"method":"GET","path_prefix":"/api/","times":-1,"status":503,"delay_ms":1}`); res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	for i := 0; i < 3; i++ {
		res := env.send(t, "GET", "/articles", nil)
		if res.status != 503 || res.json(t)["error"] != "service_unavailable" {
			t.Fatalf("%d %s", res.status, res.body)
		}
	}
	if res := do(t, "GET", env.url+"/_sandbox/state", nil); res.status != 200 {
		t.Fatalf("control endpoints are never faulted: %d", res.status)
	}
	var listed []Fault
	if err := json.Unmarshal(do(t, "GET", env.url+"/_sandbox/faults", nil).body, &listed); err != nil || len(listed) != 1 || listed[0].Delay != time.Millisecond {
		t.Fatalf("GET /_sandbox/faults: %v %+v", err, listed)
	}
	if res := do(t, "DELETE", env.url+"/_sandbox/faults", nil); res.status != 204 {
		t.Fatal(res.status)
	}
	if res := env.send(t, "GET", "/articles", nil); res.status != 200 {
		t.Fatalf("after clearing: %d", res.status)
	}
	counts := env.ll.RequestCounts()
	if counts["GET /api/v1/merchant/{id}/articles"] != 7 {
		t.Errorf("counts %v", counts)
	}
	for k := range counts {
		if strings.Contains(k, "_sandbox") {
			t.Errorf("control endpoint counted: %s", k)
		}
	}
}

func TestFaultAfterApply(t *testing.T) {
	t.Run("ecforce stock write happens, answer is 500", func(t *testing.T) {
		env := newEcEnv(t, EcforceConfig{})
		if _, err := env.ec.SeedStockItem("S-1", "", 1); err != nil {
			t.Fatal(err)
		}
		env.ec.InjectFault(Fault{Method: "PUT", PathPrefix: "/api/v2/admin/stock_items", AfterApply: true})
		body := map[string]any{"stock_items": []map[string]any{{"variant_sku": "S-1", "stock_location_code": "default", "stock": 9}}}
		res := env.send(t, "PUT", "/api/v2/admin/stock_items.json", body)
		if res.status != 500 || !strings.Contains(string(res.body), "AOR9999") {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if si, _ := env.ec.StockItem("S-1", ""); si.Stock != 9 || env.ec.StockWriteCount("S-1") != 1 {
			t.Fatalf("write should have happened once: %+v", si)
		}
	})
	t.Run("LOGILESS order is created; a retry hits the duplicate code", func(t *testing.T) {
		env := newLLEnv(t, LogilessConfig{})
		env.ll.InjectFault(Fault{Method: "POST", PathPrefix: "/api/v1/merchant/1022/sales_orders/new", AfterApply: true, Status: 502})
		body := map[string]any{"sales_order": validOrder("AFTER-1")}
		if res := env.send(t, "POST", "/sales_orders/new", body); res.status != 502 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if _, ok := env.ll.SalesOrder("AFTER-1"); !ok {
			t.Fatal("order should exist despite the 502")
		}
		res := env.send(t, "POST", "/sales_orders/new", body)
		if res.status != 400 || asMap(t, res.json(t)["errors"])["code"] != msgDuplicateCode {
			t.Fatalf("retry: %d %s", res.status, res.body)
		}
		if n := len(env.ll.SalesOrders()); n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
	})
	t.Run("apply then drop", func(t *testing.T) {
		env := newEcEnv(t, EcforceConfig{})
		o := env.seed(t, OrderSeed{})
		env.ec.InjectFault(Fault{PathPrefix: "/api/v2/admin/orders/", AfterApply: true, Drop: true})
		req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v2/admin/orders/%d", env.url, o.ID), strings.NewReader(`{"order":{"state":"linked"}}`))
		req.Header.Set("Authorization", env.auth()[1])
		req.Header.Set("Content-Type", "application/json")
		if res, err := rawClient.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("want a transport error, got %s", res.Status)
		}
		if got, _ := env.ec.Order(o.ID); got.State != "linked" {
			t.Fatalf("state %q, want the write applied", got.State)
		}
	})
}
