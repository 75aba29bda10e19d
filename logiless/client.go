package logiless

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

const (
	apiName = "LOGILESS"

	// DefaultBaseURL is the LOGILESS API root; resource paths are
	// {BaseURL}/v1/merchant/{merchant id}/...
	DefaultBaseURL = "https://app2.logiless.com/api"
	// DefaultOAuthBaseURL is where the OAuth endpoints live:
	// {OAuthBaseURL}/oauth/v2/auth and {OAuthBaseURL}/oauth2/token.
	DefaultOAuthBaseURL = "https://app2.logiless.com"

	defaultRefreshBefore = 72 * time.Hour

	// default429Wait is the pause after a 429 that names no reset time.
	default429Wait = 2 * time.Second
	// maxResponseBytes bounds the body the client will read.
	maxResponseBytes = 32 << 20
)

// jst is the zone of every LOGILESS timestamp ("Y-m-d H:i:s", no offset).
var jst = time.FixedZone("JST", 9*60*60)

// Config configures a Client. MerchantID, ClientID, ClientSecret and Tokens
// are required; the rest have defaults.
type Config struct {
	// Observer, if set, is told about every HTTP exchange (for metrics).
	Observer httpapi.Observer
	// Shop is the connector's shop code. It is used in messages and logs
	// only (for example in the `starter logiless-auth --shop <code>` hint).
	Shop string
	// BaseURL is the API root; default DefaultBaseURL.
	BaseURL string
	// OAuthBaseURL is the OAuth root; default DefaultOAuthBaseURL.
	OAuthBaseURL string
	// MerchantID is the numeric LOGILESS merchant id.
	MerchantID int64
	// ClientID and ClientSecret identify the registered LOGILESS app.
	ClientID     string
	ClientSecret string
	// RedirectURI is the registered redirect URI; needed only by
	// AuthorizeURL and ExchangeCode.
	RedirectURI string
	// Tokens holds the current token pair. Refresh tokens rotate on every
	// refresh, so the store must persist what the client saves.
	Tokens TokenStore
	// Limiter paces every request to LOGILESS, token requests included.
	// Share one per merchant across clients; nil means
	// httpapi.NewLimiter(1, 1).
	Limiter *httpapi.Limiter
	// Timeout bounds each HTTP attempt; default 30s.
	Timeout time.Duration
	// MaxRetries bounds the retries of one call (429s, and 5xx/transport
	// failures of reads); 0 means the default 3, a negative value none.
	MaxRetries int
	// Backoff shapes the waits between retries of reads; zero means 0.5s,
	// 1s, 2s … 8s, each plus up to half again at random.
	Backoff httpapi.Backoff
	// RefreshBefore makes the client refresh proactively when the access
	// token expires within this; default 72h.
	RefreshBefore time.Duration
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Client talks to the LOGILESS API for one merchant. It is safe for
// concurrent use.
type Client struct {
	observer      httpapi.Observer
	shop          string
	merchantID    int64
	clientID      string
	clientSecret  string
	redirectURI   string
	basePath      string // path part of BaseURL, e.g. "/api"
	oauthBaseURL  string
	oauthPath     string
	store         TokenStore
	limiter       *httpapi.Limiter
	refreshBefore time.Duration
	log           *slog.Logger
	now           func() time.Time
	// api sends the merchant API's requests, authorized; oauth sends the
	// token requests, each exactly once. Both wait for limiter: a token
	// request counts against the merchant's budget like any other call.
	api   *httpapi.Transport
	oauth *httpapi.Transport

	// refreshSem is the in-process single flight of token refreshes.
	refreshSem chan struct{}

	mu            sync.Mutex
	tok           Token
	prev          Token // the pair tok replaced, still redacted from errors
	loaded        bool
	unsaved       bool          // tok was refreshed but could not be saved yet
	proactiveHold time.Time     // no proactive refresh before this (after a failure)
	lifetime      time.Duration // lifetime of the last token LOGILESS issued
}

// New checks cfg and returns a Client. It does not contact LOGILESS or read
// the token store.
func New(cfg Config) (*Client, error) {
	var problems []string
	if cfg.MerchantID <= 0 {
		problems = append(problems, "MerchantID must be the positive numeric LOGILESS merchant id")
	}
	if cfg.ClientID == "" {
		problems = append(problems, "ClientID is empty")
	}
	if cfg.ClientSecret == "" {
		problems = append(problems, "ClientSecret is empty")
	}
	if cfg.Tokens == nil {
		problems = append(problems, "Tokens (the token store) is nil")
	}
	base, basePath, err := normalizeBaseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		problems = append(problems, "BaseURL "+err.Error())
	}
	oauth, oauthPath, err := normalizeBaseURL(cfg.OAuthBaseURL, DefaultOAuthBaseURL)
	if err != nil {
		problems = append(problems, "OAuthBaseURL "+err.Error())
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("logiless: invalid config for shop %q: %s", cfg.Shop, strings.Join(problems, "; "))
	}

	c := &Client{
		shop:          cfg.Shop,
		merchantID:    cfg.MerchantID,
		clientID:      cfg.ClientID,
		clientSecret:  cfg.ClientSecret,
		redirectURI:   cfg.RedirectURI,
		basePath:      basePath,
		oauthBaseURL:  oauth,
		oauthPath:     oauthPath,
		store:         cfg.Tokens,
		limiter:       cfg.Limiter,
		refreshBefore: cfg.RefreshBefore,
		log:           cfg.Logger,
		now:           cfg.Now,
		refreshSem:    make(chan struct{}, 1),
	}
	if c.limiter == nil {
		c.limiter = httpapi.NewLimiter(1, 1)
	}
	if c.refreshBefore <= 0 {
		c.refreshBefore = defaultRefreshBefore
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With(slog.String("api", apiName), slog.String("shop", cfg.Shop))
	if c.now == nil {
		c.now = time.Now
	}
	backoff := cfg.Backoff
	if backoff == (httpapi.Backoff{}) {
		backoff = httpapi.Backoff{Base: 500 * time.Millisecond, Max: 8 * time.Second, Jitter: 0.5}
	}
	common := httpapi.Config{
		API:              apiName,
		Authorizer:       bearer{c},
		Observer:         cfg.Observer,
		Logger:           c.log,
		Timeout:          cfg.Timeout,
		MaxRetries:       cfg.MaxRetries,
		Backoff:          backoff,
		RateLimitWait:    default429Wait,
		MaxResponseBytes: maxResponseBytes,
		DecodeError:      decodeError,
		Now:              c.now,
	}
	api := common
	api.BaseURL = strings.TrimSuffix(base, basePath)
	api.Limiter = c.limiter
	c.api = httpapi.New(api)
	oauthCfg := common
	oauthCfg.BaseURL = strings.TrimSuffix(oauth, oauthPath)
	oauthCfg.Limiter = c.limiter
	c.oauth = httpapi.New(oauthCfg)
	return c, nil
}

func normalizeBaseURL(raw, def string) (full, path string, err error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return "", "", fmt.Errorf("%q is not an http(s) URL without a query", raw)
	}
	full = strings.TrimRight(raw, "/")
	return full, strings.TrimRight(u.Path, "/"), nil
}

// bearer is the Client's authentication strategy for the transport: the
// OAuth access token as a Bearer header, refreshed once after a 401.
type bearer struct{ c *Client }

func (b bearer) Authorize(ctx context.Context, h http.Header) (string, error) {
	tok, err := b.c.accessToken(ctx)
	if err != nil {
		return "", err
	}
	h.Set("Authorization", "Bearer "+tok.AccessToken)
	return tok.AccessToken, nil
}

func (b bearer) Unauthorized(ctx context.Context, u httpapi.Unauthorized) (bool, error) {
	c := b.c
	if u.Retried {
		if c.adoptNewer(ctx, u.Credential) {
			return false, fmt.Errorf("logiless shop %q: %w", c.shop, errRotatedMeanwhile)
		}
		return false, fmt.Errorf("%w; %w for shop %q: LOGILESS refused the refreshed token too: run `starter logiless-auth --shop %s`",
			u.Err, ErrReauthorizationNeeded, c.shop, c.shop)
	}
	if _, err := c.refresh(ctx, u.Credential, true); err != nil {
		return false, err
	}
	return true, nil
}

// Secrets are the client secret and the current and previous token pairs.
func (b bearer) Secrets() []string {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return []string{c.clientSecret, c.tok.AccessToken, c.tok.RefreshToken, c.prev.AccessToken, c.prev.RefreshToken}
}

// request is one API call under /v1/merchant/{id}.
type request struct {
	method string
	path   string // e.g. "/sales_orders/new"
	query  url.Values
	body   any // encoded with non-ASCII escaped; nil for no body
	// readOnly marks calls that are safe to resend after a 5xx or a
	// transport failure: GETs and the search POSTs.
	readOnly bool
}

// resourcePath is what follows BaseURL's host for r, e.g.
// /api/v1/merchant/42/sales_orders/new.
func (c *Client) resourcePath(path string) string {
	return fmt.Sprintf("%s/v1/merchant/%d%s", c.basePath, c.merchantID, path)
}

// do sends r through the transport and returns the body of the 2xx answer.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = marshalASCII(r.body); err != nil {
			return nil, fmt.Errorf("encode the request body: %w", err)
		}
	}
	path := c.resourcePath(r.path)
	res, err := c.api.Do(ctx, httpapi.Request{Method: r.method, Path: path, Query: r.query, Body: payload, Idempotent: r.readOnly})
	if err != nil {
		return nil, c.explain(err, path)
	}
	return res.Body, nil
}

// explain adds what a final answer to the request at path means.
func (c *Client) explain(err error, path string) error {
	var se *httpapi.StatusError
	if !errors.As(err, &se) || se.Path != path {
		return err
	}
	switch se.StatusCode {
	case http.StatusBadRequest:
		return fmt.Errorf("%w; fix the data named above", err)
	case http.StatusForbidden:
		return fmt.Errorf("%w; the app may not do this for merchant %d: check MerchantID and the app's authorization in LOGILESS", err, c.merchantID)
	case http.StatusNotFound:
		return fmt.Errorf("%w (%w)", err, ErrNotFound)
	case http.StatusLocked:
		return fmt.Errorf("%w; its status does not allow this change (being shipped, shipped or cancelled): check it in LOGILESS", err)
	}
	return err
}

// decodeError adapts parseErrorBody to the transport.
func decodeError(status int, body []byte) httpapi.ErrorBody {
	se := parseErrorBody(status, body)
	return httpapi.ErrorBody{Code: se.Code, Message: se.Message, Fields: se.FieldErrors}
}

// opError wraps err with the client's shop and the operation.
func (c *Client) opError(op string, err error) error {
	return fmt.Errorf("logiless shop %q: %s: %w", c.shop, op, err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
