package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/internal/logbuffer"
)

// These tests run the transport against hand-written httptest servers on
// purpose: they need answers no fake API gives (a 429 on demand, a hung or
// dropped connection, a server echoing credentials back).

// seen is one request the test server received.
type seen struct {
	Method, Path, RawQuery, Auth, ContentType, Cookie string
	Body                                              []byte
}

// server records requests and answers the n-th (1-based) with handle.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []seen
	handle func(w http.ResponseWriter, r *http.Request, n int)
}

func newServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	s := &server{handle: handle}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Cookie: r.Header.Get("Cookie"), Body: body})
		n := len(s.reqs)
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.handle(w, r, n)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func (s *server) count() int { return len(s.requests()) }

// failFirst answers the first n requests with fail and the rest with ok.
func failFirst(n int, fail, ok http.HandlerFunc) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, i int) {
		if i <= n {
			fail(w, r)
			return
		}
		ok(w, r)
	}
}

func always(h http.HandlerFunc) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, _ int) { h(w, r) }
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

var ok200 = answer(200, `{"ok":true}`)

// hang answers only when the client gives up (or after two seconds).
func hang(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(2 * time.Second):
	}
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// fakeAuth hands out "tok-SECRET-<n>" tokens and, unless refuse is set,
// asks for one more attempt after a 401 with a new token.
type fakeAuth struct {
	mu           sync.Mutex
	serial       int
	token        string
	unauthorized []Unauthorized
	refuse       bool  // answer a 401 with retry=false
	failWith     error // Authorize fails with this
	alwaysRetry  bool  // answer retry=true even on the second 401
}

func newFakeAuth() *fakeAuth { return &fakeAuth{serial: 1, token: "tok-SECRET-1"} }

func (a *fakeAuth) Authorize(_ context.Context, h http.Header) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failWith != nil {
		return "", a.failWith
	}
	h.Set("Authorization", "Bearer "+a.token)
	return a.token, nil
}

func (a *fakeAuth) Unauthorized(_ context.Context, u Unauthorized) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.unauthorized = append(a.unauthorized, u)
	if a.refuse {
		return false, fmt.Errorf("credentials refused: %w", u.Err)
	}
	if u.Retried && !a.alwaysRetry {
		return false, fmt.Errorf("refused twice: %w", u.Err)
	}
	a.serial++
	a.token = fmt.Sprintf("tok-SECRET-%d", a.serial)
	return true, nil
}

func (a *fakeAuth) Secrets() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return []string{"client-SECRET-value", a.token}
}

func (a *fakeAuth) calls() []Unauthorized {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Unauthorized(nil), a.unauthorized...)
}

// newTransport returns a fast transport to s: unpaced, millisecond backoff,
// debug logs into the returned buffer.
func newTransport(t *testing.T, s *server, mutate func(*Config)) (*Transport, *logbuffer.Buffer) {
	t.Helper()
	logs := &logbuffer.Buffer{}
	cfg := Config{
		API:     "TestAPI",
		BaseURL: s.URL + "/api",
		Limiter: NewLimiter(0, 1),
		Timeout: 2 * time.Second,
		Backoff: Backoff{Base: time.Millisecond, Max: 4 * time.Millisecond},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return New(cfg), logs
}

func get(path string) Request { return Request{Method: http.MethodGet, Path: path} }

func put(path string) Request {
	return Request{Method: http.MethodPut, Path: path, Body: []byte(`{"stock":1}`)}
}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	if strings.Contains(text, "SECRET") {
		t.Errorf("%s leaks a secret:\n%s", where, text)
	}
}

func newTestLogger(w *logbuffer.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
