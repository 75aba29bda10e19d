package ecforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
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

// SharedSignIns is implemented by token stores that several worker
// processes share. The session then holds LockSignIn across "re-read the
// stored token, sign in, save", so that one worker signs in and the others
// reuse its token, and counts every worker's sign-ins against the hourly
// budget.
type SharedSignIns interface {
	// LockSignIn takes the shop's sign-in lock, waiting until it is free or
	// ctx ends.
	LockSignIn(ctx context.Context) (unlock func(), err error)
	// SignInsSince returns the sign-in attempts recorded at or after since.
	SignInsSince(ctx context.Context, since time.Time) ([]time.Time, error)
	// RecordSignIn records a sign-in attempt (made while holding the lock).
	RecordSignIn(ctx context.Context, at time.Time) error
}

// apiToken is auth mode A: the member's API token, sent as is. A 401 is
// final unless the token's secret changed since the request was sent (it
// was rotated in メンバー管理 and in the {file: …} secret): then the request
// is sent once more with the new token.
type apiToken struct {
	initial string
	current func() string // nil: the token never changes

	mu   sync.Mutex
	seen []string // every token used, for redaction (a handful at most)
}

func newAPIToken(initial string, current func() string) *apiToken {
	return &apiToken{initial: initial, current: current, seen: []string{initial}}
}

// now returns the token to send: the secret's current value, if usable.
func (t *apiToken) now() string {
	tok := t.initial
	if t.current != nil {
		if v := strings.TrimSpace(t.current()); v != "" && !strings.ContainsAny(v, "\"\r\n") {
			tok = v
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !slices.Contains(t.seen, tok) {
		t.seen = append(t.seen, tok)
	}
	return tok
}

func (t *apiToken) Authorize(_ context.Context, h http.Header) (string, error) {
	tok := t.now()
	h.Set("Authorization", tokenHeader(tok))
	return tok, nil
}

func (t *apiToken) Unauthorized(_ context.Context, u httpapi.Unauthorized) (bool, error) {
	if !u.Retried && t.now() != u.Credential {
		return true, nil // the secret changed meanwhile: try the new token
	}
	return false, fmt.Errorf("%w: API token refused (HTTP 401), perhaps rotated in メンバー管理; update the shop's api_token secret (a {file: …} secret is picked up without restart, an {env: …} one needs a worker restart): %w", ErrCredentialsRejected, u.Err)
}

func (t *apiToken) Secrets() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.seen)
}

func tokenHeader(token string) string { return `Token token="` + token + `"` }

// session is auth mode B: a token obtained by signing in with the login ID
// and password, cached in memory and in the optional TokenStore. A 401
// makes it sign in again once; a second 401 stops sign-ins for a while.
type session struct {
	loginID  string
	password string // the password of the last sign-in (or the initial one)
	// currentPassword, if set, returns the password secret as it is now.
	currentPassword func() string
	store           TokenStore
	tr              *httpapi.Transport // sends the sign-in; set once by New
	log             *slog.Logger
	now             func() time.Time

	// sem makes sign-in single-flight: whoever holds it loads or signs in,
	// the others wait (honouring their context) and reuse the result.
	sem chan struct{}

	mu       sync.Mutex
	token    string      // current token; "" when none
	rejected string      // last token ecforce rejected; never reused from the store
	signIns  []time.Time // sign-in attempts in the current window
	coolOff  time.Time   // no sign-in before this (after a rejection) …
	// … unless the password changed since: the refused one is kept here.
	coolOffPassword string
}

func newSession(loginID, password string, store TokenStore, log *slog.Logger, now func() time.Time) *session {
	return &session{loginID: loginID, password: password, store: store, log: log, now: now, sem: make(chan struct{}, 1)}
}

func (s *session) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// Authorize sends the cached, stored or freshly signed-in token.
func (s *session) Authorize(ctx context.Context, h http.Header) (string, error) {
	tok, err := s.obtain(ctx)
	if err != nil {
		return "", err
	}
	h.Set("Authorization", tokenHeader(tok))
	return tok, nil
}

// Unauthorized signs in again after the first 401 of a request; after the
// second it gives up and stops signing in for rejectionCooldown.
func (s *session) Unauthorized(_ context.Context, u httpapi.Unauthorized) (bool, error) {
	if !u.Retried {
		s.invalidate(u.Credential)
		return true, nil
	}
	s.reject(u.Credential, s.now())
	return false, fmt.Errorf("%w: a fresh sign-in token was refused too (HTTP 401); check the login ID's API access and update the shop's login ID/password: %w", ErrCredentialsRejected, u.Err)
}

func (s *session) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []string{s.password, s.coolOffPassword, s.token}
}

// passwordNow returns the password to sign in with: the secret's current
// value if it can be read, else the last one used.
func (s *session) passwordNow() string {
	if s.currentPassword != nil {
		if v := strings.TrimSpace(s.currentPassword()); v != "" {
			return v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.password
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
	s.coolOffPassword = s.password
}

// obtain returns the cached, stored or freshly signed-in token.
func (s *session) obtain(ctx context.Context) (string, error) {
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
	if shared, ok := s.store.(SharedSignIns); ok {
		unlock, err := shared.LockSignIn(ctx)
		if err != nil {
			return "", signInErr("%w", err)
		}
		defer unlock()
	}
	if s.store != nil {
		stored, err := s.store.LoadToken(ctx)
		switch {
		case err != nil:
			s.log.Warn("could not read the stored ecforce token; signing in instead", "error", s.tr.Redact(err.Error(), stored))
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
	return s.signIn(ctx)
}

// signIn exchanges the login ID and password for a token. The caller holds s.sem.
func (s *session) signIn(ctx context.Context) (string, error) {
	now := s.now()
	password := s.passwordNow()

	s.mu.Lock()
	coolOff := s.coolOff
	if password != s.coolOffPassword {
		// The password secret changed since it was refused: one new
		// sign-in is allowed at once (the budget below still holds).
		coolOff = time.Time{}
	}
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
	shared, _ := s.store.(SharedSignIns)
	if shared != nil {
		// Every worker's sign-ins count; this process's own are the floor
		// when the shared record cannot be read.
		all, err := shared.SignInsSince(ctx, now.Add(-signInWindow))
		if err != nil {
			s.log.Warn("could not read the shared ecforce sign-in record; counting this worker's only", "error", s.tr.Redact(err.Error()))
		} else if len(all) > used {
			used = len(all)
			if used >= signInBudget {
				nextAllowed = slices.MinFunc(all, func(a, b time.Time) int { return a.Compare(b) }).Add(signInWindow)
			}
		}
	}

	if now.Before(coolOff) {
		return "", signInErr("%w: credentials refused recently, no sign-in before %s (about 5 per hour allowed); update the shop's login ID/password",
			ErrCredentialsRejected, coolOff.In(JST).Format("15:04:05 MST"))
	}
	if used >= signInBudget {
		return "", signInErr("%w: %d in the last hour (ecforce allows about 5 sign-ins per hour), next at %s; check for another tool signing in as this member, or set a TokenStore",
			ErrSignInBudgetExhausted, used, nextAllowed.In(JST).Format("15:04:05 MST"))
	}

	payload, err := json.Marshal(map[string]any{"admin": map[string]string{"email": s.loginID, "password": password}})
	if err != nil {
		return "", signInErr("encoding the sign-in request: %w", err)
	}
	// Count the attempt before making it: even a failed sign-in counts
	// against ecforce's limit. Sign-ins are serialised by s.sem.
	s.mu.Lock()
	s.signIns = append(s.signIns, now)
	s.password = password
	s.mu.Unlock()
	if shared != nil {
		if err := shared.RecordSignIn(ctx, now); err != nil {
			s.log.Warn("could not record the ecforce sign-in for the other workers", "error", s.tr.Redact(err.Error()))
		}
	}
	s.log.Info("signing in to ecforce", "sign_ins_last_hour", used+1)
	res, err := s.tr.Do(ctx, httpapi.Request{Method: http.MethodPost, Path: signInPath, Body: payload, SignIn: true})
	var se *httpapi.StatusError
	switch {
	case err == nil:
	case !errors.As(err, &se):
		return "", signInErr("%w", err)
	case se.StatusCode == http.StatusUnauthorized:
		s.mu.Lock()
		s.coolOff = now.Add(rejectionCooldown)
		s.coolOffPassword = password
		s.mu.Unlock()
		return "", signInErr("%w: ecforce refused the API login ID/password (HTTP 401): update the shop's login ID/password: %w", ErrCredentialsRejected, err)
	case se.StatusCode == http.StatusTooManyRequests:
		return "", signInErr("rate limited (HTTP 429), retry after %s: %w", se.RetryAfter, err)
	default:
		return "", signInErr("%w", err)
	}
	token, err := signInToken(res.Body)
	if err != nil {
		return "", signInErr("%w: %s", httpapi.ErrMalformedResponse, s.tr.Redact(err.Error()))
	}
	s.mu.Lock()
	s.token = token
	s.mu.Unlock()
	if s.store != nil {
		if err := s.store.SaveToken(ctx, token); err != nil {
			s.log.Warn("could not store the ecforce token; the next restart will have to sign in again", "error", s.tr.Redact(err.Error(), token))
		}
	}
	s.log.Info("signed in to ecforce")
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
