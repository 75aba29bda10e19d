package logiless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/jsonlenient"
)

const (
	// defaultTokenLifetime is used when a token answer omits expires_in;
	// LOGILESS documents 30 days.
	defaultTokenLifetime = 30 * 24 * time.Hour
	// CodeLifetime is how long an authorization code can be exchanged
	// (LOGILESS documents 30 seconds, once).
	CodeLifetime = 30 * time.Second
	// After a failed proactive refresh (while the current access token is
	// still valid) the client waits this long before trying again.
	proactiveRetryHold = time.Minute
	reauthRetryHold    = 5 * time.Minute
)

// Token is a LOGILESS OAuth token pair. Its String, GoString, Format,
// LogValue and MarshalJSON never reveal the tokens themselves.
type Token struct {
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time // zero when unknown
}

func maskSecret(s string) string {
	if s == "" {
		return "(none)"
	}
	return "[REDACTED]"
}

// String describes the token without revealing it.
func (t Token) String() string {
	exp := "unknown"
	if !t.ExpiresAt.IsZero() {
		exp = t.ExpiresAt.Format(time.RFC3339)
	}
	return fmt.Sprintf("logiless.Token{AccessToken: %s, RefreshToken: %s, ExpiresAt: %s}",
		maskSecret(t.AccessToken), maskSecret(t.RefreshToken), exp)
}

// GoString is used by %#v; it hides the tokens too.
func (t Token) GoString() string { return t.String() }

// Format makes every fmt verb print the redacted String.
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// LogValue implements slog.LogValuer with the tokens redacted.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_token", maskSecret(t.AccessToken)),
		slog.String("refresh_token", maskSecret(t.RefreshToken)),
		slog.Time("expires_at", t.ExpiresAt),
	)
}

// MarshalJSON writes the token with its secrets redacted, so a Token that
// ends up in a log line, a workflow payload or an API answer leaks nothing.
// Token stores use their own encoding.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AccessToken  string    `json:"access_token"`
		RefreshToken string    `json:"refresh_token"`
		ExpiresAt    time.Time `json:"expires_at"`
	}{maskSecret(t.AccessToken), maskSecret(t.RefreshToken), t.ExpiresAt})
}

// TokenStore persists the token pair of one shop. Refresh tokens rotate on
// every refresh: Save must be durable before it returns.
type TokenStore interface {
	// Load returns the stored token, or an error wrapping ErrNotAuthorized
	// when none is stored.
	Load(ctx context.Context) (Token, error)
	Save(ctx context.Context, t Token) error
}

// TokenLocker is implemented by stores shared between processes (for
// example a worker and the starter CLI). The client holds the lock across
// "re-read, refresh, save" so that two processes never spend the same
// refresh token.
type TokenLocker interface {
	LockTokens(ctx context.Context) (unlock func(), err error)
}

// AuthorizeURL returns the LOGILESS page where the merchant approves the
// app; LOGILESS then redirects to RedirectURI with ?code=… (and state).
func (c *Client) AuthorizeURL(state string) string {
	q := url.Values{}
	q.Set("client_id", c.clientID)
	q.Set("response_type", "code")
	q.Set("redirect_uri", c.redirectURI)
	if state != "" {
		q.Set("state", state)
	}
	return c.oauthBaseURL + "/oauth/v2/auth?" + q.Encode()
}

// ExchangeCode trades an authorization code (valid for about 30 seconds,
// once) for a token pair and saves it to the token store. A 429 is sent
// again while the code still lives (LOGILESS did not spend it); like every
// call of the client, the token requests wait for the merchant's limiter.
func (c *Client) ExchangeCode(ctx context.Context, code string) (Token, error) {
	const op = "exchange the authorization code"
	if code == "" {
		return Token{}, c.opError(op, fmt.Errorf("%w: the authorization code is empty", ErrInvalidInput))
	}
	if c.redirectURI == "" {
		return Token{}, c.opError(op, fmt.Errorf("%w: RedirectURI is not configured; it must equal the app's registered redirect URI", ErrInvalidInput))
	}
	if err := c.acquireRefresh(ctx); err != nil {
		return Token{}, c.opError(op, err)
	}
	defer c.releaseRefresh()
	unlock, err := c.lockStore(ctx)
	if err != nil {
		return Token{}, c.opError(op, fmt.Errorf("lock the token store: %w", err))
	}
	defer unlock()

	q := url.Values{}
	q.Set("client_id", c.clientID)
	q.Set("client_secret", c.clientSecret)
	q.Set("code", code)
	q.Set("grant_type", "authorization_code")
	q.Set("redirect_uri", c.redirectURI)
	tok, err := c.exchangeWithin(ctx, q, code, c.now().Add(CodeLifetime))
	if err != nil {
		if isInvalidGrant(err) {
			return Token{}, c.opError(op, fmt.Errorf("%w; the code was refused (codes work once, for about 30 s): run `starter logiless-auth --shop %s` again", err, c.shop))
		}
		return Token{}, c.opError(op, err)
	}
	if err := c.store.Save(ctx, tok); err != nil {
		return Token{}, c.opError(op, fmt.Errorf("save the new token: %w; fix the token store and authorize again", err))
	}
	c.setToken(tok, false)
	c.log.InfoContext(ctx, "LOGILESS authorization stored", "expires_at", tok.ExpiresAt)
	return tok, nil
}

// exchangeWithin sends the code exchange, again after each 429 whose wait
// ends before deadline (the code's end of life): a 429 means LOGILESS did
// not look at the code, so it is still unspent. The shared limiter, paused
// by the transport for the 429's wait, spaces the attempts.
func (c *Client) exchangeWithin(ctx context.Context, q url.Values, code string, deadline time.Time) (Token, error) {
	for attempt := 1; ; attempt++ {
		tok, err := c.requestToken(ctx, q, code)
		var se *httpapi.StatusError
		if err == nil || !errors.As(err, &se) || se.StatusCode != http.StatusTooManyRequests {
			return tok, err
		}
		if c.now().Add(se.RetryAfter).After(deadline) {
			return Token{}, fmt.Errorf("%w; LOGILESS asked to wait %s, past the code's %s life, so the code is unused: get a new one with `starter logiless-auth --shop %s` and exchange it at a quieter moment",
				err, se.RetryAfter, CodeLifetime, c.shop)
		}
		c.log.WarnContext(ctx, "LOGILESS rate-limited the code exchange; the code is unspent, trying again", "attempt", attempt, "wait", se.RetryAfter)
	}
}

// accessToken returns the token to send, loading it on first use and
// refreshing it proactively when it expires soon.
func (c *Client) accessToken(ctx context.Context) (Token, error) {
	c.mu.Lock()
	loaded, tok, unsaved, hold := c.loaded, c.tok, c.unsaved, c.proactiveHold
	c.mu.Unlock()
	if !loaded {
		t, err := c.store.Load(ctx)
		if err != nil {
			return Token{}, c.loadError(err)
		}
		c.mu.Lock()
		if !c.loaded {
			c.tok, c.loaded = t, true
		}
		tok = c.tok
		c.mu.Unlock()
	}
	if tok.AccessToken == "" {
		return Token{}, fmt.Errorf("%w (shop %q): the stored token is empty: run `starter logiless-auth --shop %s`",
			ErrNotAuthorized, c.shop, c.shop)
	}
	if unsaved {
		if err := c.saveUnsaved(ctx); err != nil {
			return Token{}, err
		}
	}
	now := c.now()
	if c.fresh(tok, now) || (now.Before(hold) && now.Before(tok.ExpiresAt)) {
		return tok, nil
	}
	nt, err := c.refresh(ctx, tok.AccessToken, false)
	if err == nil {
		return nt, nil
	}
	if ctx.Err() != nil || !now.Before(tok.ExpiresAt) {
		return Token{}, err
	}
	// The current access token still works: keep using it and try again
	// later rather than failing the call.
	wait := proactiveRetryHold
	if errors.Is(err, ErrReauthorizationNeeded) {
		wait = reauthRetryHold
		c.log.ErrorContext(ctx, "LOGILESS refresh token rejected; the access token works until it expires",
			"expires_at", tok.ExpiresAt, "error", err.Error(), "action", "run `starter logiless-auth --shop "+c.shop+"`")
	} else {
		c.log.WarnContext(ctx, "proactive LOGILESS token refresh failed; using the current token",
			"expires_at", tok.ExpiresAt, "error", err.Error())
	}
	c.mu.Lock()
	c.proactiveHold = now.Add(wait)
	c.mu.Unlock()
	return tok, nil
}

// fresh reports whether t needs no proactive refresh at now.
func (c *Client) fresh(t Token, now time.Time) bool {
	if t.AccessToken == "" {
		return false
	}
	// Never refresh sooner than half-way through a token's life, so that
	// short-lived tokens (a sandbox) do not cause a refresh per call.
	before := c.refreshBefore
	c.mu.Lock()
	if c.lifetime > 0 && c.lifetime/2 < before {
		before = c.lifetime / 2
	}
	c.mu.Unlock()
	return t.ExpiresAt.IsZero() || t.ExpiresAt.Sub(now) > before
}

// refresh replaces the access token stale. rejected says LOGILESS refused
// it (401); otherwise it is a proactive refresh. One refresh runs at a time
// in the process, and with a TokenLocker store one at a time across
// processes; a token already refreshed by someone else is adopted instead.
func (c *Client) refresh(ctx context.Context, stale string, rejected bool) (Token, error) {
	const op = "refresh the access token"
	if err := c.acquireRefresh(ctx); err != nil {
		return Token{}, wrapOp(op, err)
	}
	defer c.releaseRefresh()

	// A token other than the one we used is newer: another goroutine,
	// worker or the starter stored it after we read ours. Re-read it rather
	// than refresh, even when it is due for a proactive refresh itself: a
	// second refresh would revoke the token the other one is using. The next
	// call refreshes it if it is still due.
	usable := func(t Token) bool {
		if t.AccessToken == "" || t.AccessToken == stale {
			return false
		}
		return t.ExpiresAt.IsZero() || c.now().Before(t.ExpiresAt)
	}
	c.mu.Lock()
	mem, unsaved := c.tok, c.unsaved
	c.mu.Unlock()
	if usable(mem) && !unsaved {
		return mem, nil // another goroutine refreshed while we waited
	}

	unlock, err := c.lockStore(ctx)
	if err != nil {
		return Token{}, wrapOp(op, fmt.Errorf("lock the token store: %w", err))
	}
	defer unlock()

	var current Token
	if unsaved {
		if err := c.store.Save(ctx, mem); err != nil {
			return Token{}, wrapOp(op, fmt.Errorf("save the previously refreshed token: %w; fix the token store (disk space, permissions)", err))
		}
		c.setToken(mem, false)
		current = mem
	} else {
		if current, err = c.store.Load(ctx); err != nil {
			return Token{}, c.loadError(err)
		}
	}
	if usable(current) {
		c.setToken(current, false)
		c.log.InfoContext(ctx, "adopted a LOGILESS token refreshed by another process", "expires_at", current.ExpiresAt)
		return current, nil
	}
	if current.RefreshToken == "" {
		return Token{}, c.reauthError("no refresh token is stored")
	}

	q := url.Values{}
	q.Set("grant_type", "refresh_token")
	q.Set("refresh_token", current.RefreshToken)
	q.Set("client_id", c.clientID)
	q.Set("client_secret", c.clientSecret)
	nt, err := c.requestToken(ctx, q, current.RefreshToken)
	if err != nil {
		if !isInvalidGrant(err) {
			return Token{}, wrapOp(op, err)
		}
		// Someone without our lock (or a re-authorization) may have
		// rotated the token: look once more before giving up.
		again, lerr := c.store.Load(ctx)
		if lerr == nil && again.AccessToken != "" && again.RefreshToken != current.RefreshToken {
			c.setToken(again, false)
			c.log.InfoContext(ctx, "LOGILESS refresh token was already rotated; adopted the stored token", "expires_at", again.ExpiresAt)
			return again, nil
		}
		var se *httpapi.StatusError
		errors.As(err, &se)
		return Token{}, c.reauthError("LOGILESS rejected the stored refresh token (" + se.Message + ")")
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = current.RefreshToken // not rotated this time
	}
	if err := c.store.Save(ctx, nt); err != nil {
		c.setToken(nt, true)
		return Token{}, wrapOp(op, fmt.Errorf("save the rotated token: %w; kept in memory and saved again on the next call: fix the token store (disk space, permissions)", err))
	}
	c.setToken(nt, false)
	c.log.InfoContext(ctx, "refreshed the LOGILESS access token", "expires_at", nt.ExpiresAt, "after_401", rejected)
	return nt, nil
}

// saveUnsaved retries saving a rotated token whose first save failed.
func (c *Client) saveUnsaved(ctx context.Context) error {
	const op = "save the rotated token"
	if err := c.acquireRefresh(ctx); err != nil {
		return wrapOp(op, err)
	}
	defer c.releaseRefresh()
	c.mu.Lock()
	tok, unsaved := c.tok, c.unsaved
	c.mu.Unlock()
	if !unsaved {
		return nil
	}
	unlock, err := c.lockStore(ctx)
	if err != nil {
		return wrapOp(op, fmt.Errorf("lock the token store: %w", err))
	}
	defer unlock()
	if err := c.store.Save(ctx, tok); err != nil {
		return wrapOp(op, fmt.Errorf("%w; the rotated refresh token is only in memory: fix the token store (disk space, permissions)", err))
	}
	c.setToken(tok, false)
	return nil
}

// errRotatedMeanwhile answers a second 401 when the store already holds a
// newer token: another worker refreshed (revoking ours) between our refresh
// and the retry. It carries no ErrReauthorizationNeeded: the refresh token is
// fine, and the call's retry uses the stored token.
var errRotatedMeanwhile = errors.New("LOGILESS refused the access token (HTTP 401) that another worker had just rotated; the stored token was re-read and the call can be retried")

// adoptNewer re-reads the store after LOGILESS refused used and adopts the
// stored token if it is a different, unexpired one. It reports whether it did.
func (c *Client) adoptNewer(ctx context.Context, used string) bool {
	if err := c.acquireRefresh(ctx); err != nil {
		return false
	}
	defer c.releaseRefresh()
	c.mu.Lock()
	mem, unsaved := c.tok, c.unsaved
	c.mu.Unlock()
	if unsaved {
		return false // ours is the newest; saveUnsaved stores it first
	}
	cur, err := c.store.Load(ctx)
	if err != nil || cur.AccessToken == "" || cur.AccessToken == used {
		return false
	}
	if !cur.ExpiresAt.IsZero() && !c.now().Before(cur.ExpiresAt) {
		return false
	}
	if cur != mem {
		c.setToken(cur, false)
	}
	c.log.InfoContext(ctx, "adopted a LOGILESS token rotated by another process after a 401", "expires_at", cur.ExpiresAt)
	return true
}

func (c *Client) acquireRefresh(ctx context.Context) error {
	select {
	case c.refreshSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for another token refresh: %w", ctx.Err())
	}
}

func (c *Client) releaseRefresh() { <-c.refreshSem }

func (c *Client) lockStore(ctx context.Context) (func(), error) {
	if l, ok := c.store.(TokenLocker); ok {
		return l.LockTokens(ctx)
	}
	return func() {}, nil
}

func (c *Client) setToken(t Token, unsaved bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != t {
		c.prev = c.tok
	}
	c.tok, c.loaded, c.unsaved = t, true, unsaved
	c.proactiveHold = time.Time{}
}

func (c *Client) loadError(err error) error {
	if errors.Is(err, ErrNotAuthorized) {
		return fmt.Errorf("%w: run `starter logiless-auth --shop %s`", err, c.shop)
	}
	return fmt.Errorf("read the LOGILESS token store: %w", err)
}

func (c *Client) reauthError(why string) error {
	return fmt.Errorf("%w for shop %q: %s; run `starter logiless-auth --shop %s`",
		ErrReauthorizationNeeded, c.shop, why, c.shop)
}

func isInvalidGrant(err error) bool {
	var se *httpapi.StatusError
	return errors.As(err, &se) && se.Code == "invalid_grant" &&
		(se.StatusCode == http.StatusBadRequest || se.StatusCode == http.StatusUnauthorized)
}

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	AccessToken  jsonlenient.String `json:"access_token"`
	RefreshToken jsonlenient.String `json:"refresh_token"`
	ExpiresIn    jsonlenient.Int    `json:"expires_in"`
	TokenType    jsonlenient.String `json:"token_type"`
}

// requestToken calls GET {oauth}/oauth2/token with q (which holds secrets:
// the query never reaches an error or a log). sent is the code or refresh
// token being spent, redacted from anything the server echoes.
func (c *Client) requestToken(ctx context.Context, q url.Values, sent string) (Token, error) {
	res, err := c.oauth.Do(ctx, httpapi.Request{Method: http.MethodGet, Path: c.oauthPath + "/oauth2/token",
		Query: q, SignIn: true, Secrets: []string{sent}})
	// When the answer came: the request may have waited seconds for its
	// turn in the budget before it was sent, and a lifetime counted from
	// before that wait would make a new token look expired already.
	issued := c.now()
	if err != nil {
		var se *httpapi.StatusError
		if errors.As(err, &se) && se.Code == "invalid_client" {
			return Token{}, fmt.Errorf("%w; check ClientID and ClientSecret", err)
		}
		return Token{}, err
	}
	var tr tokenResponse
	if err := json.Unmarshal(res.Body, &tr); err != nil || tr.AccessToken == "" {
		why := "no access_token"
		if err != nil {
			why = "not a token JSON object"
		}
		return Token{}, fmt.Errorf("%s GET %s/oauth2/token: %w: %s", apiName, c.oauthPath, httpapi.ErrMalformedResponse, why)
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if tr.ExpiresIn <= 0 {
		life = defaultTokenLifetime
	}
	c.mu.Lock()
	c.lifetime = life
	c.mu.Unlock()
	return Token{
		AccessToken:  string(tr.AccessToken),
		RefreshToken: string(tr.RefreshToken),
		ExpiresAt:    issued.Add(life),
	}, nil
}

// wrapOp adds the operation to err; the public method adds the shop.
func wrapOp(op string, err error) error { return fmt.Errorf("%s: %w", op, err) }
