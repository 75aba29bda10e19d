package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ecforce-logiless/connector/config"
)

const testSecret = "hook-SECRET-5e1f0a9b3c7d2e4f6a8b0c1d"

type call struct {
	action, shop string
	order        OrderHint
}

type fakeTrigger struct {
	mu    sync.Mutex
	calls []call
	err   error
}

func (f *fakeTrigger) record(action, shop string, order OrderHint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{action, shop, order})
	return f.err
}

func (f *fakeTrigger) Discover(_ context.Context, shop string, n Notice) error {
	return f.record(ActionDiscover, shop, n.Order)
}

func (f *fakeTrigger) Cancel(_ context.Context, shop string, n Notice) error {
	return f.record(ActionCancel, shop, n.Order)
}

func testShops(t *testing.T) *config.ShopsFile {
	t.Helper()
	y := `shops:
  - code: demo
    ecforce: {base_url: "http://x", api_token: {env: TOKEN}}
    logiless: {merchant_id: 1, store_id: 2, client_id: c, client_secret: {env: SECRET}, redirect_uri: "http://x"}
    location_code: default
    mapping_file: m.csv
    webhooks: {secret: {env: HOOK}}
  - code: quiet
    ecforce: {base_url: "http://y", api_token: {env: TOKEN}}
    logiless: {merchant_id: 9, store_id: 3, client_id: c, client_secret: {env: SECRET}, redirect_uri: "http://x"}
    location_code: default
    mapping_file: m.csv
    order_import: {code_prefix: Q-}
`
	env := map[string]string{"TOKEN": "t", "SECRET": "s", "HOOK": testSecret}
	f, err := config.ParseShops([]byte(y), "", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReceiver(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		err    error
		status int
		want   []call
	}{
		{"order complete", "POST", "/hooks/ecforce/demo/" + testSecret,
			`{"order_id":"10001","order_number":"EC00010001","state":"complete"}`, nil, http.StatusAccepted,
			[]call{{ActionDiscover, "demo", OrderHint{10001, "EC00010001"}}}},
		{"order canceled", "POST", "/hooks/ecforce/demo/" + testSecret,
			`{"event":"order_canceled","order_id":"10002","order_number":"EC00010002","state":"canceled"}`, nil, http.StatusAccepted,
			[]call{{ActionCancel, "demo", OrderHint{10002, "EC00010002"}}}},
		{"cancel naming no order discovers", "POST", "/hooks/ecforce/demo/" + testSecret,
			`{"event":"order_canceled"}`, nil, http.StatusAccepted, []call{{ActionDiscover, "demo", OrderHint{}}}},
		{"unreadable body", "POST", "/hooks/ecforce/demo/" + testSecret, "\x00\x01 not a template", nil, http.StatusAccepted,
			[]call{{ActionDiscover, "demo", OrderHint{}}}},
		{"wrong secret", "POST", "/hooks/ecforce/demo/" + testSecret + "x", `{"order_id":"1"}`, nil, http.StatusUnauthorized, nil},
		{"empty secret", "POST", "/hooks/ecforce/demo/", `{}`, nil, http.StatusNotFound, nil},
		{"unknown shop", "POST", "/hooks/ecforce/nope/" + testSecret, `{}`, nil, http.StatusNotFound, nil},
		{"secret and shop swapped", "POST", "/hooks/ecforce/" + testSecret + "/demo", `{}`, nil, http.StatusNotFound, nil},
		{"shop without webhooks", "POST", "/hooks/ecforce/quiet/" + testSecret, `{}`, nil, http.StatusNotFound, nil},
		{"GET", "GET", "/hooks/ecforce/demo/" + testSecret, ``, nil, http.StatusMethodNotAllowed, nil},
		{"extra segment", "POST", "/hooks/ecforce/demo/" + testSecret + "/x", `{}`, nil, http.StatusNotFound, nil},
		{"trigger fails", "POST", "/hooks/ecforce/demo/" + testSecret, `{}`, errors.New("temporal down"), http.StatusServiceUnavailable,
			[]call{{ActionDiscover, "demo", OrderHint{}}}},
	}
	// What Count gets, by case: shop/result ("" = not counted).
	counted := map[string]string{
		"order complete": "demo/discover", "order canceled": "demo/cancel", "cancel naming no order discovers": "demo/discover",
		"unreadable body": "demo/discover", "wrong secret": "demo/unauthorized", "unknown shop": "/unknown_shop",
		"secret and shop swapped": "/unknown_shop", "shop without webhooks": "quiet/unknown_shop", "trigger fails": "demo/failed",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			var counts []string
			trig := &fakeTrigger{err: tt.err}
			rc := &Receiver{Shops: testShops(t), Trigger: trig, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				Count: func(shop, result string) { counts = append(counts, shop+"/"+result) }}
			rec := httptest.NewRecorder()
			rc.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			if rec.Code != tt.status {
				t.Errorf("status %d; want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			if len(trig.calls) != len(tt.want) || (len(tt.want) > 0 && trig.calls[0] != tt.want[0]) {
				t.Errorf("calls %+v; want %+v", trig.calls, tt.want)
			}
			if want := counted[tt.name]; strings.Join(counts, ",") != want {
				t.Errorf("counted %q; want %q", counts, want)
			}
			// The secret shows nowhere: not in logs, not in the answer.
			for where, text := range map[string]string{"logs": logs.String(), "response": rec.Body.String()} {
				if strings.Contains(text, testSecret[5:20]) {
					t.Errorf("%s show the secret: %s", where, text)
				}
			}
		})
	}
}

// A body larger than the receiver reads is cut, and still triggers.
func TestReceiverLargeBody(t *testing.T) {
	trig := &fakeTrigger{}
	rc := &Receiver{Shops: testShops(t), Trigger: trig, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	body := `{"order_id":"5","pad":"` + strings.Repeat("x", 2*maxBody) + `"}`
	rec := httptest.NewRecorder()
	rc.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/hooks/ecforce/demo/"+testSecret, strings.NewReader(body)))
	if rec.Code != http.StatusAccepted || len(trig.calls) != 1 || !trig.calls[0].order.IsZero() {
		t.Errorf("status %d, calls %+v", rec.Code, trig.calls)
	}
}
