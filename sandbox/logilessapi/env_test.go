package logilessapi

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

// testServer is a fake LOGILESS behind a real socket, on a settable clock,
// with a valid access token.
type testServer struct {
	srv   *Server
	url   string
	base  string // merchant API base
	token string
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
	return &testServer{
		srv: srv, url: hs.URL, base: hs.URL + "/api/v1/merchant/" + strconv.Itoa(srv.MerchantID()),
		token: srv.IssueTokens().AccessToken, clock: clock,
	}
}

func (e *testServer) send(t *testing.T, method, path string, body any) sandboxtest.Response {
	t.Helper()
	return sandboxtest.Do(t, method, e.base+path, body, "Authorization", "Bearer "+e.token)
}

func (e *testServer) article(t *testing.T, a Article, free int) {
	t.Helper()
	if _, err := e.srv.SeedArticle(a); err != nil {
		t.Fatal(err)
	}
	if a.ArticleType == "" || a.ArticleType == ArticleSingle {
		if err := e.srv.SetFreeStock(a.Code, free); err != nil {
			t.Fatal(err)
		}
	}
}
