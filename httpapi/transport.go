package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

const (
	// MaxInClientWait is the longest wait (a 429's reset, a 5xx's
	// Retry-After) a Transport sits out itself; a longer one is returned
	// with StatusError.RetryAfter set, so that the caller's retry policy (a
	// Temporal activity's) waits instead of holding a worker slot.
	MaxInClientWait = 30 * time.Second
	// MaxPause caps how long one answer may pause the shared limiter, so a
	// reset header in the wrong unit cannot stall the process for years.
	MaxPause = 5 * time.Minute

	defaultTimeout          = 30 * time.Second
	defaultMaxRetries       = 3
	defaultRateLimitWait    = 5 * time.Second
	defaultMaxResponseBytes = 64 << 20
)

// Config configures a Transport.
type Config struct {
	// API names the API in errors, logs and metrics: "ecforce", "LOGILESS".
	API string
	// BaseURL is prefixed to every Request.Path, e.g.
	// https://api.shop.example/api/v2 or https://app2.logiless.com.
	BaseURL string
	// Authorizer sets the credentials of every request but sign-ins; nil
	// means none.
	Authorizer Authorizer
	// Limiter paces the requests; share one per API account. nil means
	// unpaced.
	Limiter *Limiter
	// Observer, if set, is told about every exchange.
	Observer Observer
	// Logger receives retry, 401 and per-request debug events; nil means
	// slog.Default().
	Logger *slog.Logger
	// Timeout bounds each attempt from the moment the limiter grants it
	// (the wait for the limiter is bounded only by the caller's context);
	// default 30s.
	Timeout time.Duration
	// MaxRetries is how often one request is sent again in the client: a
	// 429 whatever the method, a 5xx or a lost answer only when the request
	// is safe (a GET or flagged Idempotent). 0 means 3; negative, none.
	MaxRetries int
	// Backoff shapes the waits between retries of safe requests; zero
	// means DefaultBackoff.
	Backoff Backoff
	// RateLimitWait caps the pause after a 429 that names no wait. Such a
	// 429 pauses the budget for the limiter's refill time (one request's
	// worth at the configured rate), doubled for each further 429 of the
	// same request, up to RateLimitWait; without a paced limiter the pause
	// is RateLimitWait. Default 5s.
	RateLimitWait time.Duration
	// MaxResponseBytes bounds one response body; default 64 MiB.
	MaxResponseBytes int
	// DecodeError reads the API's error body into StatusError fields; nil
	// means the body's excerpt becomes the message.
	DecodeError func(status int, body []byte) ErrorBody
	// Now is the clock for reading reset headers; nil means time.Now.
	Now func() time.Time
}

// ErrorBody is what an API said in a non-2xx body.
type ErrorBody struct {
	Code    string
	Message string
	Fields  map[string]string
}

// Request is one logical API call.
type Request struct {
	Method string
	// Path is appended to Config.BaseURL and shown in errors and logs.
	Path string
	// Query is sent but never shown.
	Query url.Values
	// Body is sent as application/json when non-nil.
	Body []byte
	// Idempotent marks a request other than a GET that is safe to send
	// again after a 5xx or a lost answer (a search sent as POST).
	Idempotent bool
	// SignIn marks a request that obtains credentials (a sign-in, an OAuth
	// token request): it skips the Authorizer, is sent exactly once (not
	// even a 429 is retried: every attempt counts against the API's
	// sign-in allowance) and its errors come back without advice.
	SignIn bool
	// Secrets are what this request carries besides the Authorizer's
	// secrets (an authorization code, a refresh token in the query).
	Secrets []string
}

// safe reports whether r may be sent again after a 5xx or a lost answer.
func (r Request) safe() bool {
	return !r.SignIn && (r.Method == http.MethodGet || r.Idempotent)
}

// Response is a 2xx answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Transport sends the requests of one API client. It is safe for
// concurrent use.
type Transport struct {
	api         string
	auth        Authorizer
	limiter     *Limiter
	observer    Observer
	log         *slog.Logger
	timeout     time.Duration
	maxRetries  int
	backoff     Backoff
	defaultWait time.Duration
	decodeError func(int, []byte) ErrorBody
	now         func() time.Time
	http        *resty.Client
}

// New returns a Transport for cfg. It does not contact the API.
func New(cfg Config) *Transport {
	t := &Transport{
		api:         cfg.API,
		auth:        cfg.Authorizer,
		limiter:     cfg.Limiter,
		observer:    cfg.Observer,
		log:         cfg.Logger,
		timeout:     cfg.Timeout,
		maxRetries:  cfg.MaxRetries,
		backoff:     cfg.Backoff,
		defaultWait: cfg.RateLimitWait,
		decodeError: cfg.DecodeError,
		now:         cfg.Now,
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	if t.timeout <= 0 {
		t.timeout = defaultTimeout
	}
	switch {
	case t.maxRetries == 0:
		t.maxRetries = defaultMaxRetries
	case t.maxRetries < 0:
		t.maxRetries = 0
	}
	if t.backoff == (Backoff{}) {
		t.backoff = DefaultBackoff
	}
	if t.defaultWait <= 0 {
		t.defaultWait = defaultRateLimitWait
	}
	if t.decodeError == nil {
		t.decodeError = func(_ int, body []byte) ErrorBody { return ErrorBody{Message: Excerpt(body)} }
	}
	if t.now == nil {
		t.now = time.Now
	}
	limit := cfg.MaxResponseBytes
	if limit <= 0 {
		limit = defaultMaxResponseBytes
	}
	t.http = resty.New().
		SetBaseURL(strings.TrimRight(cfg.BaseURL, "/")).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "ecforce-logiless-connector").
		SetLogger(restyLogger{log: t.log, redact: func(s string) string { return t.redact(s, "", nil) }}).
		SetDisableWarn(true).
		// Authentication is the Authorizer's header only; a session cookie
		// must not silently stand in for it.
		SetCookieJar(nil).
		SetResponseBodyLimit(limit)
	return t
}

// Do sends req, with credentials, pacing and in-client retries, and returns
// the 2xx answer. Any other outcome is an error: a *StatusError, a
// *TransportError, the context's error or the Authorizer's, wrapped with
// advice when the request is a write whose answer was lost ("may or may
// not have been applied") or was refused for the rate limit.
func (t *Transport) Do(ctx context.Context, req Request) (Response, error) {
	retries := 0
	rateLimited := 0 // 429s of this request so far
	reauthorized := false
	for {
		header := http.Header{}
		credential := ""
		if t.auth != nil && !req.SignIn {
			var err error
			if credential, err = t.auth.Authorize(ctx, header); err != nil {
				return Response{}, err
			}
		}
		if t.limiter != nil {
			// Blocks until granted or ctx ends: queueing for the budget
			// never fails an attempt by itself, and the attempt's timeout
			// (in send) starts only now.
			if err := limiterWait(ctx, t.limiter); err != nil {
				return Response{}, fmt.Errorf("%s: waiting for the rate limiter: %w", t.describe(req), err)
			}
		}
		res, err := t.send(ctx, req, header)
		if err == nil {
			t.observeBudget(ctx, res)
		}
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return Response{}, fmt.Errorf("%s: %w", t.describe(req), ctxErr)
			}
			terr := newTransportError(t.api, req.Method, req.Path, err, func(s string) string { return t.redact(s, credential, req.Secrets) })
			if req.safe() && retries < t.maxRetries {
				retries++
				wait := t.backoff.Delay(retries)
				t.log.WarnContext(ctx, t.api+" request failed; retrying", "method", req.Method, "path", req.Path,
					"error", terr.Error(), "retry", retries, "wait", wait)
				if err := t.sleep(ctx, req, wait, terr); err != nil {
					return Response{}, err
				}
				continue
			}
			return Response{}, t.giveUp(req, terr, retries)
		}
		if res.Status >= 200 && res.Status < 300 {
			return res, nil
		}
		se := t.statusError(req, res, credential, rateLimited)
		switch {
		case res.Status == http.StatusUnauthorized && t.auth != nil && !req.SignIn:
			retry, err := t.auth.Unauthorized(ctx, Unauthorized{Credential: credential, Err: se, Retried: reauthorized})
			if err != nil {
				return Response{}, err
			}
			if retry && !reauthorized {
				reauthorized = true
				t.log.InfoContext(ctx, t.api+" answered 401; authorizing again once", "method", req.Method, "path", req.Path)
				continue
			}
			return Response{}, se

		case res.Status == http.StatusTooManyRequests:
			rateLimited++
			if t.limiter != nil {
				t.limiter.Throttled()
			}
			t.pause(se.RetryAfter)
			if !req.SignIn && se.RetryAfter <= MaxInClientWait && retries < t.maxRetries {
				retries++
				// The paused limiter makes the next attempt wait.
				t.log.WarnContext(ctx, t.api+" rate limit (HTTP 429); pausing every request", "method", req.Method,
					"path", req.Path, "wait", se.RetryAfter, "retry", retries)
				continue
			}

		case res.Status >= 500 && req.safe() && retries < t.maxRetries:
			retries++
			wait := t.backoff.Delay(retries)
			if se.RetryAfter > wait && se.RetryAfter <= MaxInClientWait {
				wait = se.RetryAfter
			}
			t.log.WarnContext(ctx, t.api+" server error; retrying", "method", req.Method, "path", req.Path,
				"status", res.Status, "retry", retries, "wait", wait)
			if err := t.sleep(ctx, req, wait, se); err != nil {
				return Response{}, err
			}
			continue
		}
		return Response{}, t.giveUp(req, se, retries)
	}
}

// send performs one exchange bounded by the attempt timeout.
func (t *Transport) send(ctx context.Context, req Request, header http.Header) (Response, error) {
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	r := t.http.R().SetContext(actx)
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if len(req.Query) > 0 {
		r.SetQueryParamsFromValues(req.Query)
	}
	if req.Body != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(req.Body)
	}
	started := time.Now()
	type result struct {
		resp *resty.Response
		err  error
	}
	res := inFlight(ctx, func() result {
		resp, err := r.Execute(req.Method, req.Path)
		return result{resp, err}
	})
	resp, err := res.resp, res.err
	elapsed := time.Since(started)
	status := 0
	if err == nil {
		status = resp.StatusCode()
	}
	if t.observer != nil {
		t.observer.ObserveResponse(t.api, status, elapsed)
	}
	t.log.DebugContext(ctx, t.api+" request", "method", req.Method, "path", req.Path, "status", status, "duration", elapsed)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode(), Header: resp.Header(), Body: resp.Body()}, nil
}

// observeBudget keeps the shared limiter in step with what the API says
// about its budget on any answer: Retry-After on a success, and
// X-RateLimit-Remaining 0 with its Reset ([BudgetHold]).
func (t *Transport) observeBudget(ctx context.Context, res Response) {
	if t.limiter == nil {
		return
	}
	now := t.now()
	if res.Status < 300 && res.Header.Get("Retry-After") != "" {
		if d := RetryDelay(res.Status, http.Header{"Retry-After": res.Header.Values("Retry-After")}, now); d > 0 {
			t.pause(d)
		}
	}
	if until := BudgetHold(res.Header, now); !until.IsZero() {
		// As a duration: the transport's clock reads the headers, the
		// limiter runs on its own.
		t.pause(until.Sub(now))
		t.log.DebugContext(ctx, t.api+" rate-limit budget used up; holding every request", "until", until)
	}
}

// quietWait is the pause after a 429 that names no wait: the limiter's
// refill time, doubled for each earlier 429 of the same request, at most
// the configured RateLimitWait (which is also the pause without a paced
// limiter).
func (t *Transport) quietWait(earlier429s int) time.Duration {
	if t.limiter == nil || t.limiter.RefillTime() <= 0 {
		return t.defaultWait
	}
	d := t.limiter.RefillTime()
	for i := 0; i < earlier429s && d < t.defaultWait; i++ {
		d *= 2
	}
	return min(d, t.defaultWait)
}

// statusError builds the redacted StatusError for a non-2xx answer;
// earlier429s counts the 429s this request already had.
func (t *Transport) statusError(req Request, res Response, credential string, earlier429s int) *StatusError {
	eb := t.decodeError(res.Status, res.Body)
	red := func(s string) string { return t.redact(s, credential, req.Secrets) }
	se := &StatusError{
		API:        t.api,
		Method:     req.Method,
		Path:       req.Path,
		StatusCode: res.Status,
		Code:       red(eb.Code),
		Message:    red(eb.Message),
	}
	if len(eb.Fields) > 0 {
		se.FieldErrors = make(map[string]string, len(eb.Fields))
		for k, v := range eb.Fields {
			se.FieldErrors[red(k)] = red(v)
		}
	}
	if res.Status == http.StatusTooManyRequests || res.Status >= 500 {
		se.RetryAfter = RetryDelay(res.Status, res.Header, t.now())
		if res.Status == http.StatusTooManyRequests && se.RetryAfter <= 0 {
			se.RetryAfter = t.quietWait(earlier429s)
		}
	}
	return se
}

// giveUp adds to the final error what it means for the caller.
func (t *Transport) giveUp(req Request, err error, retries int) error {
	if req.SignIn {
		return err
	}
	var se *StatusError
	isStatus := errors.As(err, &se)
	switch {
	case isStatus && se.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%w; rate limited: retry after %s", err, se.RetryAfter)
	case isStatus && se.StatusCode < 500:
		return err
	case !req.safe():
		return fmt.Errorf("%w; the write may or may not have been applied: look the record up before sending it again", err)
	}
	return fmt.Errorf("%w; failed %d times: retry later", err, retries+1)
}

// sleep waits before a retry; an ending context is reported with the last
// failure.
func (t *Transport) sleep(ctx context.Context, req Request, d time.Duration, last error) error {
	if err := Sleep(ctx, d); err != nil {
		return fmt.Errorf("%s: gave up waiting to retry: %w (last failure: %v)", t.describe(req), err, last)
	}
	return nil
}

func (t *Transport) pause(d time.Duration) {
	if t.limiter != nil {
		t.limiter.PauseFor(min(d, MaxPause))
	}
}

// describe names a request in errors: API, method and path, never the query.
func (t *Transport) describe(req Request) string {
	return t.api + " " + req.Method + " " + req.Path
}

// redact removes the Authorizer's secrets, the credential in use and the
// request's own secrets from s.
func (t *Transport) redact(s, credential string, extra []string) string {
	if s == "" {
		return s
	}
	secrets := append([]string{credential}, extra...)
	if t.auth != nil {
		secrets = append(secrets, t.auth.Secrets()...)
	}
	return Redact(s, secrets...)
}

// Redact removes every secret the Transport's Authorizer names from s, for
// a client's own log lines.
func (t *Transport) Redact(s string, more ...string) string { return t.redact(s, "", more) }
