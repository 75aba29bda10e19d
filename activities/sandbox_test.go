package activities

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// sandboxAPIs is a fresh fake ecforce and fake LOGILESS on httptest
// servers, with real clients talking to them: the activities of a test
// run against the same HTTP semantics as in production.
type sandboxAPIs struct {
	ec *ecforceapi.Server
	ll *logilessapi.Server
	// ecClient and llClient are the clients the test's Shop holds, for
	// setting up state through the API as well.
	ecClient *ecforce.Client
	llClient *logiless.Client

	mu       sync.Mutex
	llURLs   []*url.URL // every LOGILESS API request, as sent
	settings config.Shop
}

// newSandboxAPIs starts both fakes. The clients do not retry (MaxRetries
// -1), so a fault injected for one request reaches the activity as it is.
func newSandboxAPIs(t *testing.T, ecCfg ecforceapi.Config) *sandboxAPIs {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ecCfg.Logger = quiet
	s := &sandboxAPIs{
		ec: ecforceapi.New(ecCfg),
		ll: logilessapi.New(logilessapi.Config{Logger: quiet}),
	}
	ecSrv := httptest.NewServer(s.ec)
	t.Cleanup(ecSrv.Close)
	llSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.llURLs = append(s.llURLs, r.URL)
		s.mu.Unlock()
		s.ll.ServeHTTP(w, r)
	}))
	t.Cleanup(llSrv.Close)

	var err error
	s.ecClient, err = ecforce.New(ecforce.Config{
		Shop: "demo", BaseURL: ecSrv.URL + "/api/v2", APIToken: ecforceapi.DefaultAPIToken,
		Limiter: httpapi.NewLimiter(0, 1), MaxRetries: -1, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok := s.ll.IssueTokens()
	s.llClient, err = logiless.New(logiless.Config{
		Shop: "demo", BaseURL: llSrv.URL + "/api", OAuthBaseURL: llSrv.URL, MerchantID: logilessapi.DefaultMerchantID,
		ClientID: logilessapi.DefaultClientID, ClientSecret: logilessapi.DefaultClientSecret,
		Tokens: &memoryTokens{token: logiless.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
			ExpiresAt: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}},
		Limiter: httpapi.NewLimiter(0, 1), MaxRetries: -1, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// shop is a Shop with settings s whose clients talk to the sandbox.
func (s *sandboxAPIs) shop(settings config.Shop, table *mapping.Table) *Shop {
	return &Shop{Settings: settings, Ecforce: s.ecClient, Logiless: s.llClient, Mapping: fixedTable{table}}
}

// ecCalls and llCalls count the API requests of one endpoint since the
// last resetCounts, e.g. ecCalls("GET /api/v2/admin/orders/{id}").
func (s *sandboxAPIs) ecCalls(endpoint string) int { return s.ec.RequestCounts()[endpoint] }

func (s *sandboxAPIs) llCalls(endpoint string) int {
	return s.ll.RequestCounts()["POST /api/v1/merchant/{id}/"+endpoint] + s.ll.RequestCounts()["GET /api/v1/merchant/{id}/"+endpoint]
}

func (s *sandboxAPIs) resetCounts() {
	s.ec.ResetRequestCounts()
	s.ll.ResetRequestCounts()
	s.mu.Lock()
	s.llURLs = nil
	s.mu.Unlock()
}

// llRequests returns the LOGILESS API requests sent since resetCounts.
func (s *sandboxAPIs) llRequests() []*url.URL {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*url.URL(nil), s.llURLs...)
}

// Endpoints of the sandbox's request counts.
const (
	ecGetOrder       = "GET /api/v2/admin/orders/{id}"
	ecListOrders     = "GET /api/v2/admin/orders" // also FindOrderByNumber
	ecPutOrder       = "PUT /api/v2/admin/orders/{id}"
	ecPutShipping    = "PUT /api/v2/admin/orders/shipping"
	ecRequestSales   = "POST /api/v2/admin/orders/payment_status/bulk_update"
	ecListCarriers   = "GET /api/v2/admin/shipping_carriers"
	llSearch         = "sales_orders/search"
	llCreate         = "sales_orders/new"
	llGetSalesOrder  = "sales_orders/{id}"
	ecShippingPath   = "/api/v2/admin/orders/shipping"
	ecSalesPath      = "/api/v2/admin/orders/payment_status/bulk_update"
	llSalesOrderPath = "/api/v1/merchant/1022/sales_orders"
)

// memoryTokens is a LOGILESS token store in memory.
type memoryTokens struct {
	mu    sync.Mutex
	token logiless.Token
}

func (m *memoryTokens) Load(context.Context) (logiless.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token, nil
}

func (m *memoryTokens) Save(_ context.Context, t logiless.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token = t
	return nil
}

type fixedTable struct{ table *mapping.Table }

func (f fixedTable) Table(context.Context) (*mapping.Table, error) { return f.table, nil }

// appErrType returns the application error type of err and whether it may
// be retried, or "" for no application error.
func appErrType(err error) (string, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return "", false
	}
	return appErr.Type(), !appErr.NonRetryable()
}

// activityEnv is a test environment with the activities of a registered.
func activityEnv(a any) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return env
}

// runActivity runs fn with in and decodes its result.
func runActivity[T any](t *testing.T, env *testsuite.TestActivityEnvironment, fn any, in any) (T, error) {
	t.Helper()
	var out T
	val, err := env.ExecuteActivity(fn, in)
	if err == nil {
		if gerr := val.Get(&out); gerr != nil {
			t.Fatal(gerr)
		}
	}
	return out, err
}
