package logilessapi

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestFaultTimesAndClearing(t *testing.T) {
	env := newTestServer(t, Config{})
	env.srv.InjectFault(httpfake.Fault{PathPrefix: "/api/v1/merchant/", Status: 500, Times: 2})
	for i, want := range []int{500, 500, 200} {
		if res := env.send(t, "GET", "/articles", nil); res.Status != want {
			t.Fatalf("request %d: %d, want %d", i, res.Status, want)
		}
	}
	// forever, until cleared; injected over HTTP with the JSON shape
	if res := sandboxtest.Do(t, "POST", env.url+"/_sandbox/faults", `{"method":"GET","path_prefix":"/api/","times":-1,"status":503,"delay_ms":1}`); res.Status != 201 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	for i := 0; i < 3; i++ {
		res := env.send(t, "GET", "/articles", nil)
		if res.Status != 503 || res.JSON(t)["error"] != "service_unavailable" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	}
	if res := sandboxtest.Do(t, "GET", env.url+"/_sandbox/state", nil); res.Status != 200 {
		t.Fatalf("control endpoints are never faulted: %d", res.Status)
	}
	var listed []httpfake.Fault
	if err := json.Unmarshal(sandboxtest.Do(t, "GET", env.url+"/_sandbox/faults", nil).Body, &listed); err != nil || len(listed) != 1 || listed[0].Delay != time.Millisecond {
		t.Fatalf("GET /_sandbox/faults: %v %+v", err, listed)
	}
	if res := sandboxtest.Do(t, "DELETE", env.url+"/_sandbox/faults", nil); res.Status != 204 {
		t.Fatal(res.Status)
	}
	if res := env.send(t, "GET", "/articles", nil); res.Status != 200 {
		t.Fatalf("after clearing: %d", res.Status)
	}
	counts := env.srv.RequestCounts()
	if counts["GET /api/v1/merchant/{id}/articles"] != 7 {
		t.Errorf("counts %v", counts)
	}
	for k := range counts {
		if strings.Contains(k, "_sandbox") {
			t.Errorf("control endpoint counted: %s", k)
		}
	}
}

func TestRateLimitHeaders(t *testing.T) {
	// The lenient options: a burst of 2 and Retry-After on refusals.
	env := newTestServer(t, Config{RateLimit: httpfake.RateLimit{RPS: 0.5, Burst: 2, RetryAfter: true}})
	for i := 0; i < 2; i++ {
		res := env.send(t, "GET", "/articles", nil)
		if res.Status != 200 || res.Header.Get("X-RateLimit-Limit") != "2" || res.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(1-i) {
			t.Fatalf("request %d: %d %v", i, res.Status, res.Header)
		}
	}
	res := env.send(t, "GET", "/articles", nil)
	if res.Status != 429 || res.JSON(t)["error"] != "rate_limit_exceeded" || res.Header.Get("X-RateLimit-Remaining") != "0" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("3rd: %d %v %s", res.Status, res.Header, res.Body)
	}
	reset, err := strconv.ParseInt(res.Header.Get("X-RateLimit-Reset"), 10, 64)
	if now := time.Now().Unix(); err != nil || reset < now || reset > now+3 {
		t.Errorf("X-RateLimit-Reset %q not a near-future unix time", res.Header.Get("X-RateLimit-Reset"))
	}
	// OAuth and control endpoints are not limited
	if r := sandboxtest.Do(t, "GET", env.url+"/_sandbox/state", nil); r.Status != 200 {
		t.Errorf("control endpoint limited: %d", r.Status)
	}
	env.srv.SetRateLimit(httpfake.RateLimit{})
	if res := env.send(t, "GET", "/articles", nil); res.Status != 200 || res.Header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("after disabling: %d %v", res.Status, res.Header)
	}
}

func TestFaultAfterApply(t *testing.T) {
	t.Run("LOGILESS order is created; a retry hits the duplicate code", func(t *testing.T) {
		env := newTestServer(t, Config{})
		env.srv.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: "/api/v1/merchant/1022/sales_orders/new", AfterApply: true, Status: 502})
		body := map[string]any{"sales_order": sandboxtest.ValidSalesOrder("AFTER-1")}
		if res := env.send(t, "POST", "/sales_orders/new", body); res.Status != 502 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if _, ok := env.srv.SalesOrder("AFTER-1"); !ok {
			t.Fatal("order should exist despite the 502")
		}
		res := env.send(t, "POST", "/sales_orders/new", body)
		if res.Status != 400 || sandboxtest.AsMap(t, res.JSON(t)["errors"])["code"] != msgDuplicateCode {
			t.Fatalf("retry: %d %s", res.Status, res.Body)
		}
		if n := len(env.srv.SalesOrders()); n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
	})
}

func TestStrictRateLimit(t *testing.T) {
	// The strict default: burst 1, one budget for the API and /oauth2/token,
	// X-RateLimit-* on every response, a 429 without Retry-After.
	env := newTestServer(t, Config{RateLimit: httpfake.RateLimit{RPS: 0.2}})
	hasHeaders := func(what string, res sandboxtest.Response, remaining string) {
		t.Helper()
		if res.Header.Get("X-RateLimit-Limit") != "1" || res.Header.Get("X-RateLimit-Remaining") != remaining {
			t.Errorf("%s: %d, X-RateLimit-Limit %q Remaining %q, want 1 and %s", what, res.Status,
				res.Header.Get("X-RateLimit-Limit"), res.Header.Get("X-RateLimit-Remaining"), remaining)
		}
		reset, err := strconv.ParseInt(res.Header.Get("X-RateLimit-Reset"), 10, 64)
		if now := time.Now().Unix(); err != nil || reset < now || reset > now+6 {
			t.Errorf("%s: X-RateLimit-Reset %q not a near-future unix time", what, res.Header.Get("X-RateLimit-Reset"))
		}
	}
	res := env.send(t, "GET", "/articles", nil)
	if res.Status != 200 {
		t.Fatalf("first request: %d", res.Status)
	}
	hasHeaders("allowed", res, "0")

	res = env.send(t, "GET", "/articles", nil)
	if res.Status != 429 || res.JSON(t)["error"] != "rate_limit_exceeded" || res.Header.Get("Retry-After") != "" {
		t.Fatalf("second request: %d %v %s, want 429 rate_limit_exceeded without Retry-After", res.Status, res.Header, res.Body)
	}
	hasHeaders("refused", res, "0")

	// A token request takes from the same budget.
	tok := sandboxtest.Do(t, "GET", env.url+"/oauth2/token?grant_type=refresh_token&refresh_token=x&client_id="+DefaultClientID+"&client_secret="+DefaultClientSecret, nil)
	if tok.Status != 429 || tok.Header.Get("Retry-After") != "" {
		t.Errorf("/oauth2/token with the budget used up: %d %v, want 429 without Retry-After", tok.Status, tok.Header)
	}
	hasHeaders("token refused", tok, "0")

	// An injected fault answers without the API, yet tells the budget.
	env.srv.InjectFault(httpfake.Fault{PathPrefix: "/api/", Status: 503})
	hasHeaders("fault", env.send(t, "GET", "/articles", nil), "0")
}
