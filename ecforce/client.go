package ecforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

// apiName is the API name in *httpapi.StatusError.
const apiName = "ecforce"

const (
	// rateLimitWait is assumed when a 429 does not say how long to wait.
	rateLimitWait = 5 * time.Second
	// maxPer is the largest page size ecforce serves.
	maxPer = 100
	// maxBulk is the most records one bulk write may carry.
	maxBulk = 100
	// defaultMaxPages caps every list so that a too-wide window fails loudly.
	defaultMaxPages = 100
	// maxResponseBytes bounds one response body (a page of 100 orders with
	// lines and addresses is around a megabyte).
	maxResponseBytes = 64 << 20
)

// Config configures a Client. Exactly one of APIToken or LoginID+Password
// must be set.
type Config struct {
	// Observer, if set, is told about every HTTP exchange (for metrics).
	Observer httpapi.Observer
	// Shop is the shop code; it is used only to name the shop in errors and
	// logs. Defaults to the BaseURL host.
	Shop string
	// BaseURL is the API root including /api/v2, e.g.
	// https://api.shop.example/api/v2 (many shops get a dedicated API host).
	// A trailing slash is tolerated.
	BaseURL string
	// APIToken is auth mode A: a member's static API 認証トークン.
	APIToken string
	// LoginID and Password are auth mode B: exchanged at admins/sign_in for a
	// token that is cached and reused.
	LoginID  string
	Password string
	// CurrentAPIToken and CurrentPassword, if set, return the credential as
	// it is now (a {file: …} secret re-read when its file changes). After a
	// 401 the client retries once with a changed credential, and signs in
	// again after a refused password only once it changed. nil means the
	// credential never changes while the process runs.
	CurrentAPIToken func() string
	CurrentPassword func() string
	// TokenStore optionally persists the signed-in token across restarts
	// (mode B only). Sign-in is limited to about five per hour.
	TokenStore TokenStore
	// Limiter paces all requests to this ecforce API; share one per shop
	// API host. nil means httpapi.NewLimiter(1, 1).
	Limiter *httpapi.Limiter
	// Timeout bounds each HTTP request; default 30s.
	Timeout time.Duration
	// MaxRetries is how often one call is retried in the client: 429 for
	// every method, 5xx and transport errors for GETs only. 0 means the
	// default 3; a negative value disables retries.
	MaxRetries int
	// Backoff shapes the waits between GET retries; zero means
	// httpapi.DefaultBackoff (0.5s, 1s, 2s … 8s).
	Backoff httpapi.Backoff
	// Logger receives retry and sign-in events. nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// String describes the config without its secrets.
func (c Config) String() string {
	mode := "none"
	switch {
	case c.APIToken != "":
		mode = "api-token"
	case c.LoginID != "" || c.Password != "":
		mode = "login-id+password"
	}
	return fmt.Sprintf("ecforce.Config{Shop:%q BaseURL:%q Auth:%s}", c.Shop, c.BaseURL, mode)
}

// GoString masks %#v like String.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without the secrets.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Client talks to one shop's ecforce admin API. It is safe for concurrent use.
type Client struct {
	shop string
	tr   *httpapi.Transport
	log  *slog.Logger
	now  func() time.Time
}

// New validates cfg and returns a client. It does not contact ecforce.
func New(cfg Config) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ecforce shop %q: BaseURL %q is not an absolute http(s) URL; set the shop's API root (https://…/api/v2)", cfg.Shop, clip(redactURL(base), 80))
	}
	if u.User != nil {
		return nil, fmt.Errorf("ecforce shop %q: BaseURL must not contain credentials; set APIToken or LoginID/Password instead", cfg.Shop)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("ecforce shop %q: BaseURL %q must not have a query or fragment", cfg.Shop, clip(redactURL(base), 80))
	}
	shop := cfg.Shop
	if shop == "" {
		shop = u.Host
	}
	hasToken := cfg.APIToken != ""
	hasLogin := cfg.LoginID != "" || cfg.Password != ""
	switch {
	case hasToken && hasLogin:
		return nil, fmt.Errorf("ecforce shop %q: both an API token and a login ID/password are set; configure exactly one", shop)
	case !hasToken && !hasLogin:
		return nil, fmt.Errorf("ecforce shop %q: no credentials; set an API token, or an API login ID and password", shop)
	case hasLogin && (cfg.LoginID == "" || cfg.Password == ""):
		return nil, fmt.Errorf("ecforce shop %q: sign-in needs both the login ID and the password; one of them is empty", shop)
	case hasToken && strings.ContainsAny(cfg.APIToken, "\"\r\n"):
		return nil, fmt.Errorf("ecforce shop %q: the API token contains a quote or line break; copy it again from メンバー管理", shop)
	}

	c := &Client{shop: shop, log: cfg.Logger, now: cfg.Now}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("api", apiName, "shop", shop)
	if c.now == nil {
		c.now = time.Now
	}
	limiter := cfg.Limiter
	if limiter == nil {
		limiter = httpapi.NewLimiter(1, 1)
	}
	var auth httpapi.Authorizer = newAPIToken(cfg.APIToken, cfg.CurrentAPIToken)
	var sess *session
	if hasLogin {
		sess = newSession(cfg.LoginID, cfg.Password, cfg.TokenStore, c.log, c.now)
		sess.currentPassword = cfg.CurrentPassword
		auth = sess
	}
	c.tr = httpapi.New(httpapi.Config{
		API:              apiName,
		BaseURL:          base,
		Authorizer:       auth,
		Limiter:          limiter,
		Observer:         cfg.Observer,
		Logger:           c.log,
		Timeout:          cfg.Timeout,
		MaxRetries:       cfg.MaxRetries,
		Backoff:          cfg.Backoff,
		RateLimitWait:    rateLimitWait,
		MaxResponseBytes: maxResponseBytes,
		DecodeError:      errorBody,
		Now:              c.now,
	})
	if sess != nil {
		sess.tr = c.tr
	}
	return c, nil
}

// Shop returns the shop name used in errors and logs.
func (c *Client) Shop() string { return c.shop }

// call is one logical API request.
type call struct {
	op     string // what is being done, for errors: "list orders (page 3)"
	method string
	path   string // relative to BaseURL, e.g. "/admin/orders.json"
	query  url.Values
	body   any // marshalled to JSON when non-nil
}

// do sends cl through the transport and returns the body of the 2xx
// answer. Errors name the shop and the operation; a 404 to cl wraps
// ErrNotFound.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, c.errorf(cl, "encoding the request body: %w", err)
		}
	}
	res, err := c.tr.Do(ctx, httpapi.Request{Method: cl.method, Path: cl.path, Query: cl.query, Body: payload})
	if err != nil {
		var se *httpapi.StatusError
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound && se.Path == cl.path {
			return nil, c.errorf(cl, "%w: %w", ErrNotFound, err)
		}
		return nil, c.errorf(cl, "%w", err)
	}
	return res.Body, nil
}

// errorf wraps an error with the shop and the operation.
func (c *Client) errorf(cl call, format string, args ...any) error {
	return fmt.Errorf("ecforce shop %q: %s: "+format, append([]any{c.shop, cl.op}, args...)...)
}

// redactURL drops userinfo from a URL string for error messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return s
}
