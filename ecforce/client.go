package ecforce

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/ecforce-logiless/connector/httpapi"
)

// apiName is the API name in *httpapi.StatusError.
const apiName = "ecforce"

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 3
	// defaultRateLimitWait is assumed when a 429 does not say how long to wait.
	defaultRateLimitWait = 5 * time.Second
	// maxInClientWait is the longest 429 wait the client sits out itself;
	// longer ones are returned so that the caller (a Temporal activity retry
	// policy) waits instead of holding a worker slot.
	maxInClientWait = 30 * time.Second
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
	observer   httpapi.Observer
	shop       string
	http       *resty.Client
	limiter    *httpapi.Limiter
	timeout    time.Duration
	maxRetries int
	log        *slog.Logger
	now        func() time.Time

	apiToken string   // mode A
	session  *session // mode B

	// backoffBase and backoffMax shape the GET retry backoff (0.5s, 1s, 2s …);
	// tests shrink them.
	backoffBase time.Duration
	backoffMax  time.Duration
}

// New validates cfg and returns a client. It does not contact ecforce.
func New(cfg Config) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ecforce shop %q: BaseURL %q is not an absolute http(s) URL; set it to the shop's API root, e.g. https://api.shop.example/api/v2", cfg.Shop, clip(redactURL(base), 80))
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

	c := &Client{
		observer:    cfg.Observer,
		shop:        shop,
		limiter:     cfg.Limiter,
		timeout:     cfg.Timeout,
		maxRetries:  cfg.MaxRetries,
		log:         cfg.Logger,
		now:         cfg.Now,
		apiToken:    cfg.APIToken,
		backoffBase: 500 * time.Millisecond,
		backoffMax:  8 * time.Second,
	}
	if c.limiter == nil {
		c.limiter = httpapi.NewLimiter(1, 1)
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("api", apiName, "shop", shop)
	if c.now == nil {
		c.now = time.Now
	}
	if hasLogin {
		c.session = newSession(cfg.LoginID, cfg.Password, cfg.TokenStore)
	}
	c.http = resty.New().
		SetBaseURL(base).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "ecforce-logiless-connector").
		SetLogger(restyLogger{c.log}).
		SetDisableWarn(true).
		// Authentication is the token header only; a Rails session cookie
		// must not silently stand in for it.
		SetCookieJar(nil).
		SetResponseBodyLimit(maxResponseBytes)
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

// response is what send read from the wire.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do performs c with authentication, rate limiting and in-client retries,
// and returns the body of a 2xx answer.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("ecforce shop %q: %s: encoding the request body: %w", c.shop, cl.op, err)
		}
	}
	retries := 0
	reauthenticated := false
	for {
		token, err := c.token(ctx)
		if err != nil {
			return nil, c.errorf(cl, "%w", err)
		}
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, c.errorf(cl, "waiting for the rate limiter: %w", err)
		}
		started := time.Now()
		res, err := c.send(ctx, cl.method, cl.path, cl.query, token, payload)
		c.log.Debug("ecforce request", "method", cl.method, "path", cl.path, "status", res.status, "duration", time.Since(started))
		if err != nil {
			if ctx.Err() != nil {
				return nil, c.errorf(cl, "%w", ctx.Err())
			}
			// Keep the cause for errors.Is/As, but never a secret in the text.
			err = &transportError{text: c.redact(err.Error(), token), cause: err}
			if cl.method == http.MethodGet && retries < c.maxRetries {
				retries++
				delay := c.backoff(retries)
				c.log.Warn("ecforce request failed; retrying", "method", cl.method, "path", cl.path, "attempt", retries, "delay", delay, "error", err.Error())
				if err := sleep(ctx, delay); err != nil {
					return nil, c.errorf(cl, "%w", err)
				}
				continue
			}
			if cl.method != http.MethodGet {
				return nil, c.errorf(cl, "the request failed before an answer arrived, so the write may or may not have been applied; re-read the records before sending it again: %w", err)
			}
			return nil, c.errorf(cl, "the request failed %d times (network or timeout); ecforce may be down or slow; retry later: %w", retries+1, err)
		}
		if res.status >= 200 && res.status < 300 {
			// Honour X-RateLimit-Remaining: 0 / Retry-After on a success too,
			// so the next caller waits instead of collecting a 429.
			if d := httpapi.RetryDelay(res.status, res.header, c.now()); d > 0 && d <= maxInClientWait {
				c.limiter.PauseFor(d)
			}
			return res.body, nil
		}
		se := c.statusError(cl, res, token)
		switch {
		case res.status == http.StatusUnauthorized:
			if c.session != nil && !reauthenticated {
				reauthenticated = true
				c.session.invalidate(token)
				c.log.Info("ecforce answered 401; signing in again once", "method", cl.method, "path", cl.path)
				continue
			}
			return nil, c.rejected(cl, se, token)

		case res.status == http.StatusTooManyRequests:
			delay := rateLimitDelay(res.header, c.now())
			se.RetryAfter = delay
			c.limiter.PauseFor(delay)
			if delay <= maxInClientWait && retries < c.maxRetries {
				retries++
				c.log.Warn("ecforce rate limit (429); pausing all requests", "method", cl.method, "path", cl.path, "attempt", retries, "delay", delay)
				continue
			}
			return nil, c.errorf(cl, "ecforce is rate limiting (HTTP 429), retry after %s: %w", delay, se)

		case res.status >= 500 && cl.method == http.MethodGet && retries < c.maxRetries:
			retries++
			delay := c.backoff(retries)
			if d := httpapi.RetryDelay(res.status, res.header, c.now()); d > delay && d <= maxInClientWait {
				delay = d
			}
			c.log.Warn("ecforce server error; retrying", "method", cl.method, "path", cl.path, "status", res.status, "attempt", retries, "delay", delay)
			if err := sleep(ctx, delay); err != nil {
				return nil, c.errorf(cl, "%w", err)
			}
			continue

		case res.status >= 500 && cl.method != http.MethodGet:
			return nil, c.errorf(cl, "ecforce failed (HTTP %d), so the write may or may not have been applied; re-read the records before sending it again: %w", res.status, se)

		case res.status >= 500:
			return nil, c.errorf(cl, "ecforce failed %d times in a row; it may be down; retry later: %w", retries+1, se)

		case res.status == http.StatusNotFound:
			return nil, c.errorf(cl, "%w: %w", ErrNotFound, se)
		}
		return nil, c.errorf(cl, "%w", se)
	}
}

// send performs one HTTP exchange bounded by the client's timeout.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, token string, payload []byte) (response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req := c.http.R().SetContext(actx)
	if token != "" {
		req.SetHeader("Authorization", `Token token="`+token+`"`)
	}
	if len(query) > 0 {
		req.SetQueryParamsFromValues(query)
	}
	if payload != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(payload)
	}
	started := c.now()
	resp, err := req.Execute(method, path)
	if c.observer != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode()
		}
		c.observer.ObserveResponse(apiName, status, c.now().Sub(started))
	}
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode(), header: resp.Header(), body: resp.Body()}, nil
}

// statusError builds the StatusError for a non-2xx answer.
func (c *Client) statusError(cl call, res response, token string) *httpapi.StatusError {
	code, message, fields := errorBody(res.body)
	se := &httpapi.StatusError{
		API:        apiName,
		Method:     cl.method,
		Path:       cl.path,
		StatusCode: res.status,
		Code:       c.redact(code, token),
		Message:    c.redact(message, token),
	}
	if len(fields) > 0 {
		se.FieldErrors = make(map[string]string, len(fields))
		for k, v := range fields {
			se.FieldErrors[c.redact(k, token)] = c.redact(v, token)
		}
	}
	return se
}

// errorf wraps an error with the shop and the operation.
func (c *Client) errorf(cl call, format string, args ...any) error {
	return fmt.Errorf("ecforce shop %q: %s: "+format, append([]any{c.shop, cl.op}, args...)...)
}

// rejected builds the error for a 401 that may not be retried.
func (c *Client) rejected(cl call, se *httpapi.StatusError, token string) error {
	if c.session == nil {
		return c.errorf(cl, "%w: the API token was rejected (HTTP 401); it may have been rotated in 設定 > メンバー/権限 > メンバー管理. Update the shop's API token setting (environment variable or token file) and restart the worker: %w", ErrCredentialsRejected, se)
	}
	c.session.reject(token, c.now())
	return c.errorf(cl, "%w: a freshly signed-in token was rejected too (HTTP 401). Check that the API login ID belongs to a member with API access and update the shop's login ID/password settings: %w", ErrCredentialsRejected, se)
}

// redact removes the client's secrets (and the token in use) from s.
func (c *Client) redact(s, token string) string {
	secrets := []string{c.apiToken, token}
	if c.session != nil {
		secrets = append(secrets, c.session.password)
	}
	return redact(s, secrets...)
}

// backoff returns the wait before GET retry n (1-based): base, 2×base, 4×base …, capped.
func (c *Client) backoff(n int) time.Duration {
	d := c.backoffBase
	for i := 1; i < n && d < c.backoffMax; i++ {
		d *= 2
	}
	return min(d, c.backoffMax)
}

// rateLimitDelay is how long to wait after a 429: what the server said, else 5s.
func rateLimitDelay(h http.Header, now time.Time) time.Duration {
	if d := httpapi.RetryDelay(http.StatusTooManyRequests, h, now); d > 0 {
		return d
	}
	return defaultRateLimitWait
}

// sleep waits d or until ctx ends.
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

// transportError keeps the (redacted) text of a failed exchange while still
// letting errors.Is/As see its cause (a *url.Error, a timeout …), so
// httpapi.Retryable classifies it as retryable.
type transportError struct {
	text  string
	cause error
}

func (e *transportError) Error() string { return e.text }
func (e *transportError) Unwrap() error { return e.cause }

// redactURL drops userinfo from a URL string for error messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return s
}

// restyLogger routes resty's own messages to slog at debug level.
type restyLogger struct{ log *slog.Logger }

func (l restyLogger) Errorf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (l restyLogger) Warnf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (l restyLogger) Debugf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
