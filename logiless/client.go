package logiless

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

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

	defaultTimeout       = 30 * time.Second
	defaultMaxRetries    = 3
	defaultRefreshBefore = 72 * time.Hour

	// default429Wait is the pause after a 429 that names no reset time.
	default429Wait = 2 * time.Second
	// maxRetryWait is the longest 429 wait the client sits out itself;
	// longer waits are returned to the caller with RetryAfter set.
	maxRetryWait = 30 * time.Second
	// maxPause caps how long one answer may pause the shared limiter, so a
	// reset header in the wrong unit cannot stall the process for years.
	maxPause = 5 * time.Minute
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
	// Limiter paces requests to LOGILESS. Share one per merchant across
	// clients; nil means httpapi.NewLimiter(1, 1).
	Limiter *httpapi.Limiter
	// Timeout bounds each HTTP attempt; default 30s.
	Timeout time.Duration
	// MaxRetries bounds the retries of one call (429s, and 5xx/transport
	// failures of reads); 0 means the default 3, a negative value none.
	MaxRetries int
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
	baseURL       string // no trailing slash
	basePath      string // path part of baseURL, for error messages
	oauthBaseURL  string
	oauthPath     string
	store         TokenStore
	limiter       *httpapi.Limiter
	maxRetries    int
	refreshBefore time.Duration
	log           *slog.Logger
	now           func() time.Time
	http          *resty.Client

	// backoff returns the wait before retry n (0-based) of a 5xx or a
	// transport failure; tests shorten it.
	backoff func(n int) time.Duration

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
		observer:      cfg.Observer,
		shop:          cfg.Shop,
		merchantID:    cfg.MerchantID,
		clientID:      cfg.ClientID,
		clientSecret:  cfg.ClientSecret,
		redirectURI:   cfg.RedirectURI,
		baseURL:       base,
		basePath:      basePath,
		oauthBaseURL:  oauth,
		oauthPath:     oauthPath,
		store:         cfg.Tokens,
		limiter:       cfg.Limiter,
		maxRetries:    cfg.MaxRetries,
		refreshBefore: cfg.RefreshBefore,
		log:           cfg.Logger,
		now:           cfg.Now,
		backoff:       defaultBackoff,
		refreshSem:    make(chan struct{}, 1),
	}
	if c.limiter == nil {
		c.limiter = httpapi.NewLimiter(1, 1)
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
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
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	c.http = resty.New().
		SetTimeout(timeout).
		SetLogger(discardLogger{}).
		SetDisableWarn(true).
		SetResponseBodyLimit(maxResponseBytes).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "ecforce-logiless-connector")
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

func defaultBackoff(n int) time.Duration {
	d := 500 * time.Millisecond << min(n, 4) // 0.5s, 1s, 2s, 4s, 8s
	return d + rand.N(d/2+1)
}

// discardLogger keeps resty quiet: its messages may carry request URLs,
// and the token endpoint's URL holds secrets.
type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}

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

// do sends r with authorization, rate limiting, refresh-on-401 and retries,
// and returns the body of the 2xx answer.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = marshalASCII(r.body); err != nil {
			return nil, fmt.Errorf("encode the request body: %w", err)
		}
	}
	resource := fmt.Sprintf("/v1/merchant/%d%s", c.merchantID, r.path)
	target := c.baseURL + resource
	errPath := c.basePath + resource

	tok, err := c.accessToken(ctx)
	if err != nil {
		return nil, err
	}
	refreshed := false
	retries := 0
	for {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("%s %s %s: waiting for the rate limiter: %w", apiName, r.method, errPath, err)
		}
		start := time.Now()
		resp, err := c.send(ctx, r.method, target, r.query, payload, tok.AccessToken)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("%s %s %s: %w", apiName, r.method, errPath, ctxErr)
			}
			terr := c.transportError(r.method, errPath, err)
			if r.readOnly && retries < c.maxRetries {
				wait := c.backoff(retries)
				retries++
				c.log.WarnContext(ctx, "LOGILESS request failed; retrying",
					"method", r.method, "path", errPath, "error", terr.Error(), "retry", retries, "wait", wait)
				if err := sleep(ctx, wait); err != nil {
					return nil, fmt.Errorf("%s %s %s: gave up waiting to retry: %w (last failure: %v)", apiName, r.method, errPath, err, terr)
				}
				continue
			}
			if !r.readOnly {
				return nil, fmt.Errorf("%w; the request may or may not have been processed: look the record up before sending it again", terr)
			}
			return nil, fmt.Errorf("%w (after %d retries)", terr, retries)
		}
		status := resp.StatusCode()
		c.log.DebugContext(ctx, "LOGILESS request", "method", r.method, "path", errPath,
			"status", status, "duration", time.Since(start))
		body := resp.Body()
		if status >= 200 && status < 300 {
			if d := httpapi.RetryDelay(status, resp.Header(), c.now()); d > 0 {
				c.limiter.PauseFor(min(d, maxPause))
				c.log.DebugContext(ctx, "LOGILESS rate-limit budget used up; pausing", "pause", d)
			}
			return body, nil
		}
		se := c.statusError(r.method, errPath, status, body, resp.Header())
		switch {
		case status == http.StatusUnauthorized && !refreshed:
			refreshed = true
			c.log.InfoContext(ctx, "LOGILESS rejected the access token; refreshing once", "path", errPath)
			if tok, err = c.refresh(ctx, tok.AccessToken, true); err != nil {
				return nil, err
			}
			continue
		case status == http.StatusTooManyRequests:
			c.limiter.PauseFor(min(se.RetryAfter, maxPause))
			if se.RetryAfter <= maxRetryWait && retries < c.maxRetries {
				retries++
				c.log.WarnContext(ctx, "LOGILESS rate limit hit; waiting",
					"method", r.method, "path", errPath, "wait", se.RetryAfter, "retry", retries)
				continue
			}
		case status >= 500 && r.readOnly && retries < c.maxRetries:
			wait := se.RetryAfter
			if wait <= 0 || wait > maxRetryWait {
				wait = c.backoff(retries)
			}
			retries++
			c.log.WarnContext(ctx, "LOGILESS server error; retrying",
				"method", r.method, "path", errPath, "status", status, "retry", retries, "wait", wait)
			if err := sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("%s %s %s: gave up waiting to retry: %w (last answer: %v)", apiName, r.method, errPath, err, se)
			}
			continue
		}
		return nil, c.explain(se, r.readOnly)
	}
}

// send performs one HTTP exchange. token may be empty (token endpoint).
func (c *Client) send(ctx context.Context, method, target string, query url.Values, payload []byte, token string) (*resty.Response, error) {
	req := c.http.R().SetContext(ctx)
	if token != "" {
		req.SetHeader("Authorization", "Bearer "+token)
	}
	if len(query) > 0 {
		req.SetQueryParamsFromValues(query)
	}
	if payload != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(payload)
	}
	started := c.now()
	resp, err := req.Execute(method, target)
	if c.observer != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode()
		}
		c.observer.ObserveResponse("LOGILESS", status, c.now().Sub(started))
	}
	return resp, err
}

// explain adds to a final StatusError what it means and what to do.
func (c *Client) explain(se *httpapi.StatusError, readOnly bool) error {
	switch {
	case se.StatusCode == http.StatusBadRequest:
		return fmt.Errorf("%w; LOGILESS rejected the request: fix the data named above", se)
	case se.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w; %w for shop %q: LOGILESS still refused the refreshed token: run `starter logiless-auth --shop %s`",
			se, ErrReauthorizationNeeded, c.shop, c.shop)
	case se.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w; the app is not allowed this request for merchant %d: check MerchantID and the app's authorization in LOGILESS",
			se, c.merchantID)
	case se.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w (%w)", se, ErrNotFound)
	case se.StatusCode == http.StatusLocked:
		return fmt.Errorf("%w; the document's current status does not allow this change (e.g. it is being shipped, shipped or cancelled): check it in LOGILESS", se)
	case se.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%w; LOGILESS is rate-limiting merchant %d: retry after %s", se, c.merchantID, se.RetryAfter)
	case se.StatusCode >= 500 && !readOnly:
		return fmt.Errorf("%w; the request may or may not have been processed: look the record up before sending it again", se)
	case se.StatusCode >= 500:
		return fmt.Errorf("%w; LOGILESS kept failing: retry later", se)
	}
	return se
}

// statusError builds the StatusError for a non-2xx answer, with secrets
// scrubbed from whatever the body said.
func (c *Client) statusError(method, path string, status int, body []byte, h http.Header) *httpapi.StatusError {
	se := parseErrorBody(status, body)
	se.API, se.Method, se.Path = apiName, method, path
	se.Code = c.redact(se.Code)
	se.Message = c.redact(se.Message)
	for k, v := range se.FieldErrors {
		se.FieldErrors[k] = c.redact(v)
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		se.RetryAfter = httpapi.RetryDelay(status, h, c.now())
		if status == http.StatusTooManyRequests && se.RetryAfter <= 0 {
			se.RetryAfter = default429Wait
		}
	}
	return se
}

// redact removes every secret the client knows from s.
func (c *Client) redact(s string) string {
	if s == "" {
		return s
	}
	c.mu.Lock()
	secrets := []string{c.clientSecret, c.tok.AccessToken, c.tok.RefreshToken, c.prev.AccessToken, c.prev.RefreshToken}
	c.mu.Unlock()
	return redactAll(s, secrets...)
}

func redactAll(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[REDACTED]")
			if esc := url.QueryEscape(v); esc != v {
				s = strings.ReplaceAll(s, esc, "[REDACTED]")
			}
		}
	}
	return s
}

// transportError is a failure to get any answer. It implements net.Error so
// httpapi.Retryable treats it as transient; its text never holds the URL
// (the token endpoint's query carries secrets).
type transportError struct {
	msg     string
	err     error
	timeout bool
}

func (e *transportError) Error() string   { return e.msg }
func (e *transportError) Unwrap() error   { return e.err }
func (e *transportError) Timeout() bool   { return e.timeout }
func (e *transportError) Temporary() bool { return true }

func (c *Client) transportError(method, path string, err error) *transportError {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err // url.Error's text includes the full URL
	}
	timeout := errors.Is(inner, context.DeadlineExceeded)
	var te interface{ Timeout() bool }
	if errors.As(inner, &te) && te.Timeout() {
		timeout = true
	}
	what := "request failed"
	switch {
	case timeout:
		what = "request timed out"
	case errors.Is(inner, io.EOF) || errors.Is(inner, io.ErrUnexpectedEOF):
		what = "connection closed before an answer arrived"
	}
	text := c.redact(inner.Error())
	if ue != nil {
		text = redactAll(text, ue.URL)
	}
	return &transportError{
		msg:     fmt.Sprintf("%s %s %s: %s: %s", apiName, method, path, what, text),
		err:     inner,
		timeout: timeout,
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// opError wraps err with the client's shop and the operation.
func (c *Client) opError(op string, err error) error {
	return fmt.Errorf("logiless shop %q: %s: %w", c.shop, op, err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
