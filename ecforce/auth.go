package ecforce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

const (
	// signInBudget is how many sign-ins one client makes per rolling hour.
	// ecforce allows about five; one is left for people and other tools.
	signInBudget = 4
	signInWindow = time.Hour
	// rejectionCooldown is how long the client stops signing in after
	// ecforce rejected the credentials, so that a bad password cannot
	// burn the hourly sign-in allowance.
	rejectionCooldown = 15 * time.Minute
	signInPath        = "/admins/sign_in.json"
)

// TokenStore persists the token obtained by signing in, so that a restart
// does not spend one of the few sign-ins ecforce allows per hour.
// LoadToken returns "" with a nil error when nothing is stored.
type TokenStore interface {
	LoadToken(ctx context.Context) (string, error)
	SaveToken(ctx context.Context, token string) error
}

// session is the state of auth mode B (login ID + password).
type session struct {
	loginID  string
	password string
	store    TokenStore

	// sem makes sign-in single-flight: whoever holds it loads or signs in,
	// the others wait (honouring their context) and reuse the result.
	sem chan struct{}

	mu       sync.Mutex
	token    string      // current token; "" when none
	rejected string      // last token ecforce rejected; never reused from the store
	signIns  []time.Time // sign-in attempts in the current window
	coolOff  time.Time   // no sign-in before this (after a rejection)
}

func newSession(loginID, password string, store TokenStore) *session {
	return &session{loginID: loginID, password: password, store: store, sem: make(chan struct{}, 1)}
}

func (s *session) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// invalidate forgets used if it is still the current token (a 401 with it).
// Concurrent callers that saw the same 401 thus cause one sign-in, not many.
func (s *session) invalidate(used string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if used != "" && s.token == used {
		s.token = ""
		s.rejected = used
	}
}

// reject records that even a fresh token was refused: forget it and stop
// signing in for a while.
func (s *session) reject(used string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if used != "" && s.token == used {
		s.token = ""
	}
	if used != "" {
		s.rejected = used
	}
	s.coolOff = now.Add(rejectionCooldown)
}

// token returns the token to send: the static API token, or the cached,
// stored or freshly signed-in session token.
func (c *Client) token(ctx context.Context) (string, error) {
	if c.session == nil {
		return c.apiToken, nil
	}
	s := c.session
	if tok := s.current(); tok != "" {
		return tok, nil
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for another caller's sign-in: %w", ctx.Err())
	}
	defer func() { <-s.sem }()
	if tok := s.current(); tok != "" {
		return tok, nil // another caller signed in while we waited
	}
	if s.store != nil {
		stored, err := s.store.LoadToken(ctx)
		switch {
		case err != nil:
			c.log.Warn("could not read the stored ecforce token; signing in instead", "error", c.redact(err.Error(), stored))
		case stored != "":
			s.mu.Lock()
			usable := stored != s.rejected
			if usable {
				s.token = stored
			}
			s.mu.Unlock()
			if usable {
				return stored, nil
			}
		}
	}
	return c.signIn(ctx)
}

// signIn exchanges the login ID and password for a token. The caller holds s.sem.
func (c *Client) signIn(ctx context.Context) (string, error) {
	s := c.session
	now := c.now()

	s.mu.Lock()
	coolOff := s.coolOff
	kept := s.signIns[:0]
	for _, t := range s.signIns {
		if now.Sub(t) < signInWindow {
			kept = append(kept, t)
		}
	}
	s.signIns = kept
	used := len(kept)
	var nextAllowed time.Time
	if used >= signInBudget {
		nextAllowed = kept[0].Add(signInWindow)
	}
	s.mu.Unlock()

	if now.Before(coolOff) {
		return "", fmt.Errorf("sign in: %w: ecforce recently rejected these credentials (a sign-in or a freshly signed-in token), so the client will not sign in again before %s (protecting the limit of about 5 sign-ins per hour); update the shop's ecforce login ID/password settings",
			ErrCredentialsRejected, coolOff.In(JST).Format("15:04:05 MST"))
	}
	if used >= signInBudget {
		return "", fmt.Errorf("sign in: %w: already signed in %d times in the last hour and ecforce allows about 5 sign-ins per hour; the next sign-in is possible at %s. Repeated sign-ins mean tokens keep being rejected: check whether another tool signs in with the same member (which revokes tokens) or configure a TokenStore",
			ErrSignInBudgetExhausted, used, nextAllowed.In(JST).Format("15:04:05 MST"))
	}

	cl := call{op: "sign in", method: http.MethodPost, path: signInPath}
	payload, err := json.Marshal(map[string]any{"admin": map[string]string{"email": s.loginID, "password": s.password}})
	if err != nil {
		return "", signInErr("encoding the sign-in request: %w", err)
	}
	if err := c.limiter.Wait(ctx); err != nil {
		return "", signInErr("waiting for the rate limiter: %w", err)
	}
	// Count the attempt before making it: even a failed sign-in counts
	// against ecforce's limit. Sign-ins are serialised by s.sem.
	s.mu.Lock()
	s.signIns = append(s.signIns, now)
	s.mu.Unlock()
	c.log.Info("signing in to ecforce", "sign_ins_last_hour", used+1)
	res, err := c.send(ctx, cl.method, cl.path, nil, "", payload)
	if err != nil {
		if ctx.Err() != nil {
			return "", signInErr("%w", ctx.Err())
		}
		return "", signInErr("the sign-in request failed: %w", &transportError{text: c.redact(err.Error(), ""), cause: err})
	}
	if res.status < 200 || res.status > 299 {
		se := c.statusError(cl, res, "")
		switch res.status {
		case http.StatusUnauthorized:
			s.mu.Lock()
			s.coolOff = now.Add(rejectionCooldown)
			s.mu.Unlock()
			return "", signInErr("%w: ecforce rejected the API login ID/password (HTTP 401); update the shop's ecforce login ID/password settings: %w", ErrCredentialsRejected, se)
		case http.StatusTooManyRequests:
			se.RetryAfter = rateLimitDelay(res.header, c.now())
			c.limiter.PauseFor(se.RetryAfter)
			return "", signInErr("ecforce is rate limiting sign-ins (HTTP 429), retry after %s: %w", se.RetryAfter, se)
		}
		return "", signInErr("%w", se)
	}
	token, err := signInToken(res.body)
	if err != nil {
		return "", signInErr("%w: %s", httpapi.ErrMalformedResponse, c.redact(err.Error(), ""))
	}
	s.mu.Lock()
	s.token = token
	s.mu.Unlock()
	if s.store != nil {
		if err := s.store.SaveToken(ctx, token); err != nil {
			c.log.Warn("could not store the ecforce token; the next restart will have to sign in again", "error", c.redact(err.Error(), token))
		}
	}
	c.log.Info("signed in to ecforce")
	return token, nil
}

// signInErr formats a sign-in failure; do() adds the shop and the operation.
func signInErr(format string, args ...any) error {
	return fmt.Errorf("sign in: "+format, args...)
}

// signInToken reads authentication_token from a sign-in answer, either at the
// top level ({"id":1,"email":…,"authentication_token":…}) or JSON:API-wrapped.
func signInToken(body []byte) (string, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return "", fmt.Errorf("the sign-in answer is not a JSON object")
	}
	var raw struct {
		Token string `json:"authentication_token"`
		Data  *struct {
			Token      string `json:"authentication_token"`
			Attributes struct {
				Token string `json:"authentication_token"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return "", fmt.Errorf("the sign-in answer could not be decoded (%s)", jsonErrorKind(err))
	}
	tok := raw.Token
	if tok == "" && raw.Data != nil {
		tok = raw.Data.Token
		if tok == "" {
			tok = raw.Data.Attributes.Token
		}
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", fmt.Errorf("the sign-in answer has no authentication_token")
	}
	if strings.ContainsAny(tok, "\"\r\n") {
		return "", fmt.Errorf("the sign-in answer's authentication_token contains a quote or line break")
	}
	return tok, nil
}

// jsonErrorKind describes a JSON error without quoting the input (which could
// contain a token).
func jsonErrorKind(err error) string {
	switch err.(type) {
	case *json.SyntaxError:
		return "invalid JSON"
	case *json.UnmarshalTypeError:
		return "unexpected value type"
	}
	return "invalid JSON"
}
