package ecforceapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

// testServer is a fake ecforce behind a real socket, on a settable clock.
type testServer struct {
	srv   *Server
	url   string
	clock *sandboxtest.Clock
}

func newTestServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	clock := sandboxtest.NewClock()
	if cfg.Clock == nil {
		cfg.Clock = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = sandboxtest.QuietLogger
	}
	srv := New(cfg)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testServer{srv: srv, url: hs.URL, clock: clock}
}

func (e *testServer) auth() []string {
	return []string{"Authorization", `Token token="` + e.srv.APIToken() + `"`}
}

func (e *testServer) get(t *testing.T, path string) sandboxtest.Response {
	t.Helper()
	return sandboxtest.Do(t, http.MethodGet, e.url+path, nil, e.auth()...)
}

func (e *testServer) send(t *testing.T, method, path string, body any) sandboxtest.Response {
	t.Helper()
	return sandboxtest.Do(t, method, e.url+path, body, e.auth()...)
}

func (e *testServer) seed(t *testing.T, s OrderSeed) Order {
	t.Helper()
	if len(s.Items) == 0 {
		s.Items = []OrderItemSeed{{SKU: "SKU-1", Price: 1000, Quantity: 1}}
	}
	o, err := e.srv.SeedOrder(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
