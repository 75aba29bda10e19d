package httpfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestEndpointKey(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v2/admin/orders":                     "GET /api/v2/admin/orders",
		"/api/v2/admin/orders/10001":               "GET /api/v2/admin/orders/{id}",
		"/api/v1/merchant/1022/sales_orders/7601":  "GET /api/v1/merchant/{id}/sales_orders/{id}",
		"/api/v1/merchant/1022/articles/new":       "GET /api/v1/merchant/{id}/articles/new",
		"/api/v2/admin/orders/EC00010001":          "GET /api/v2/admin/orders/EC00010001",
		"/api/v1/merchant/1022/sales_orders/-1/x/": "GET /api/v1/merchant/{id}/sales_orders/-1/x/",
	} {
		if got := endpointKey("GET", path); got != want {
			t.Errorf("endpointKey(%q) = %q, want %q", path, got, want)
		}
	}
}

// newTestDoor serves a front door whose API answers 200 "ok" to everything.
func newTestDoor(t *testing.T, cfg DoorConfig) (*FrontDoor, string) {
	t.Helper()
	cfg.Name = "test"
	cfg.FaultBody = func(status int) (string, []byte) {
		return "text/plain; charset=utf-8", []byte("usual " + http.StatusText(status))
	}
	cfg.API = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok "+r.URL.Path) })
	cfg.State = func() any { return map[string]string{"state": "here"} }
	cfg.Reset = func() {}
	d := NewFrontDoor(cfg)
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return d, srv.URL
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestFrontDoorCountsFaultsAndStripsJSON(t *testing.T) {
	d, url := newTestDoor(t, DoorConfig{StripJSON: true})
	d.InjectFault(Fault{PathPrefix: "/api/x", Status: 503, Times: 2})
	for i, want := range []int{503, 503, 200} {
		status, _, body := get(t, url+"/api/x.json")
		if status != want {
			t.Fatalf("request %d: %d %s, want %d", i, status, body, want)
		}
		if want == 503 && body != "usual Service Unavailable" {
			t.Errorf("fault without a body should use the API's usual body, got %q", body)
		}
		if want == 200 && body != "ok /api/x" {
			t.Errorf(".json not stripped: %q", body)
		}
	}
	get(t, url+"/_sandbox/state")
	if c := d.RequestCounts(); len(c) != 1 || c["GET /api/x"] != 3 {
		t.Errorf("counts %v, want only GET /api/x = 3", c)
	}
	d.InjectFault(Fault{Status: 500})
	d.ResetTraffic()
	if len(d.RequestCounts()) != 0 || len(d.Faults()) != 0 {
		t.Errorf("ResetTraffic left %v / %v", d.RequestCounts(), d.Faults())
	}
}

func TestFrontDoorRateLimitsAPIPathsOnly(t *testing.T) {
	d, url := newTestDoor(t, DoorConfig{RateLimit: RateLimit{RPS: 0.1, Burst: 1, RetryAfter: true}, RateLimitHeaders: true})
	if status, h, _ := get(t, url+"/api/x"); status != 200 || h.Get("X-RateLimit-Limit") != "1" || h.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("first request: %d %v", status, h)
	}
	status, h, body := get(t, url+"/api/x")
	if status != 429 || h.Get("Retry-After") == "" || body != "usual Too Many Requests" || h.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("second request: %d %v %q", status, h, body)
	}
	// Outside the limited paths: never refused, yet told the budget.
	if status, h, _ := get(t, url+"/oauth2/token"); status != 200 || h.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("paths outside /api/ are not limited but carry the headers: %d %v", status, h)
	}
	d.SetRateLimit(RateLimit{})
	if status, _, _ := get(t, url+"/api/x"); status != 200 {
		t.Errorf("after disabling: %d", status)
	}
}

func TestControlIndexListsSharedThenOwnEndpoints(t *testing.T) {
	_, url := newTestDoor(t, DoorConfig{Control: func(m *ControlMux) {
		m.HandleFunc("POST /_sandbox/things", func(w http.ResponseWriter, r *http.Request) {
			var names []string
			if ForEachInBody(w, r, func(s struct{ Name string }) error { names = append(names, s.Name); return nil }) {
				WriteJSON(w, http.StatusCreated, names)
			}
		})
	}})
	_, _, body := get(t, url+"/_sandbox/")
	var idx struct {
		Server    string   `json:"server"`
		Endpoints []string `json:"endpoints"`
	}
	if err := json.Unmarshal([]byte(body), &idx); err != nil {
		t.Fatal(err)
	}
	want := "GET /_sandbox/state,GET /_sandbox/requests,DELETE /_sandbox/requests,GET /_sandbox/faults," +
		"POST /_sandbox/faults,GET /_sandbox/fault_counts,GET /_sandbox/budget,DELETE /_sandbox/faults,POST /_sandbox/rate_limit,POST /_sandbox/reset,POST /_sandbox/things"
	if idx.Server != "test" || strings.Join(idx.Endpoints, ",") != want {
		t.Errorf("index %+v", idx)
	}
	res, err := http.Post(url+"/_sandbox/things", "application/json", strings.NewReader(`[{"Name":"a"},{"Name":"b"}]`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 || strings.TrimSpace(string(b)) != `["a","b"]` {
		t.Errorf("own endpoint: %d %s", res.StatusCode, b)
	}
	if status, _, body := get(t, url+"/_sandbox/nope"); status != 404 || !strings.Contains(body, "GET /_sandbox/ lists them") {
		t.Errorf("unknown control endpoint: %d %s", status, body)
	}
}

// A fault with a probability hits about that share of the matching
// requests and is counted by kind; the budget figures count admitted and
// refused requests.
func TestFrontDoorRandomFaultsAndBudget(t *testing.T) {
	d, url := newTestDoor(t, DoorConfig{RateLimit: RateLimit{RPS: 1000, Burst: 1000}})
	d.InjectFault(Fault{PathPrefix: "/api/", Status: 503, Times: -1, Probability: 0.3})
	failed := 0
	for range 400 {
		if status, _, _ := get(t, url+"/api/y"); status == 503 {
			failed++
		}
	}
	if failed < 80 || failed > 160 {
		t.Errorf("%d of 400 requests faulted at probability 0.3, want about 120", failed)
	}
	if got := d.FaultCounts()["status 503"]; got != failed {
		t.Errorf("FaultCounts = %v, want status 503: %d", d.FaultCounts(), failed)
	}
	if b := d.Budget(); b.Admitted != 400-failed || b.Refused != 0 || b.Rate() <= 0 {
		t.Errorf("Budget = %+v, want %d admitted, none refused", b, 400-failed)
	}
	d.ClearFaults()
	d.SetRateLimit(RateLimit{RPS: 1, Burst: 1})
	get(t, url+"/api/y")
	if status, _, _ := get(t, url+"/api/y"); status != http.StatusTooManyRequests {
		t.Fatalf("second request at 1/s = %d, want 429", status)
	}
	if b := d.Budget(); b.Refused != 1 {
		t.Errorf("Budget = %+v, want 1 refused", b)
	}
	d.ResetRequestCounts()
	d.SetRateLimit(RateLimit{RPS: 20, Burst: 1})
	for i := range 6 {
		if i == 3 {
			time.Sleep(300 * time.Millisecond) // idle: not counted
		}
		time.Sleep(60 * time.Millisecond)
		get(t, url+"/api/y")
	}
	if b := d.Budget(); b.BusyGaps != 4 || b.BusyRate < 12 || b.BusyRate > 17 {
		t.Errorf("Budget = %+v, want 4 busy gaps at about 16/s", b)
	}
	var counts map[string]int
	_, _, body := get(t, url+"/_sandbox/fault_counts")
	if err := json.Unmarshal([]byte(body), &counts); err != nil || counts["status 503"] != failed {
		t.Errorf("GET /_sandbox/fault_counts = %s", body)
	}
}
