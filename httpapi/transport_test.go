package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/internal/logbuffer"
)

func TestRequestIsSentAsAsked(t *testing.T) {
	s := newServer(t, always(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_session", Value: "rails"})
		ok200(w, r)
	}))
	tr, _ := newTransport(t, s, func(c *Config) { c.Authorizer = newFakeAuth() })
	req := Request{Method: http.MethodPost, Path: "/admin/things.json", Query: map[string][]string{"q[id_eq]": {"7"}}, Body: []byte(`{"a":1}`)}
	for range 2 {
		res, err := tr.Do(context.Background(), req)
		if err != nil || res.Status != 200 || string(res.Body) != `{"ok":true}` {
			t.Fatalf("Do = %+v, %v", res, err)
		}
	}
	for _, r := range s.requests() {
		if r.Path != "/api/admin/things.json" || r.RawQuery != "q%5Bid_eq%5D=7" || string(r.Body) != `{"a":1}` ||
			r.ContentType != "application/json" || r.Auth != "Bearer tok-SECRET-1" {
			t.Errorf("request = %+v", r)
		}
		if r.Cookie != "" {
			t.Errorf("a cookie was sent back (%q); authentication must be the Authorizer's header only", r.Cookie)
		}
	}
}

func TestRateLimitedThenSuccess(t *testing.T) {
	t.Parallel() // the Retry-After wait is one real second
	for _, req := range []Request{get("/orders/7.json"), put("/stock_items.json")} {
		t.Run(req.Method, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, failFirst(1, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(429)
				_, _ = w.Write([]byte("Retry later\n"))
			}, ok200))
			tr, logs := newTransport(t, s, nil)
			start := time.Now()
			if _, err := tr.Do(context.Background(), req); err != nil {
				t.Fatalf("Do: %v", err)
			}
			if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
				t.Errorf("retried after %v, want it to wait out Retry-After (1s)", elapsed)
			}
			if n := s.count(); n != 2 {
				t.Errorf("requests = %d, want 2", n)
			}
			if !strings.Contains(logs.String(), "429") {
				t.Errorf("the 429 was not logged: %s", logs)
			}
		})
	}
}

func TestLongRateLimitIsReturnedAndPausesEveryone(t *testing.T) {
	t.Run("Retry-After on a GET", func(t *testing.T) {
		s := newServer(t, always(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(429)
			_, _ = w.Write([]byte("Retry later"))
		}))
		limiter := NewLimiter(0, 1)
		tr, _ := newTransport(t, s, func(c *Config) { c.Limiter = limiter })
		_, err := tr.Do(context.Background(), get("/orders/7.json"))
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter != 120*time.Second || se.Message != "Retry later" {
			t.Fatalf("err = %v (%+v), want a 429 StatusError with RetryAfter 2m", err, se)
		}
		if !Retryable(err) || !strings.Contains(err.Error(), "retry after") {
			t.Errorf("err = %v, want retryable and saying when", err)
		}
		if n := s.count(); n != 1 {
			t.Errorf("requests = %d, want 1 (a long wait is not sat out in the client)", n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := limiter.Wait(ctx); err == nil {
			t.Error("the shared limiter was not paused after the 429")
		}
	})
	t.Run("X-RateLimit-Reset on a write", func(t *testing.T) {
		s := newServer(t, always(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(time.Now().Add(120*time.Second).Unix()))
			answer(429, `{"error":"too_many_requests","error_description":"slow down"}`)(w, r)
		}))
		tr, _ := newTransport(t, s, nil)
		_, err := tr.Do(context.Background(), Request{Method: http.MethodPost, Path: "/sales_orders/new", Body: []byte(`{}`)})
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter < 100*time.Second || se.RetryAfter > 121*time.Second {
			t.Fatalf("err = %v, want a 429 StatusError with RetryAfter ~120s", err)
		}
		if !Retryable(err) || !strings.Contains(err.Error(), "retry after") {
			t.Errorf("err = %v, want retryable and saying when", err)
		}
		if s.count() != 1 {
			t.Error("a long 429 must not be waited out in the client")
		}
	})
}

func TestShortRateLimitResetPausesThenSucceeds(t *testing.T) {
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	// The transport's clock says the reset is 300ms away.
	clock := func() time.Time { return reset.Add(-300 * time.Millisecond) }
	s := newServer(t, failFirst(1, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "1")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", fmt.Sprint(reset.Unix()))
		answer(429, `{"error":"too_many_requests"}`)(w, r)
	}, ok200))
	tr, _ := newTransport(t, s, func(c *Config) { c.Now = clock })
	start := time.Now()
	if _, err := tr.Do(context.Background(), get("/sales_orders/1")); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("retried after %v, want the limiter paused ~300ms", waited)
	}
	if s.count() != 2 {
		t.Errorf("requests = %d, want 2", s.count())
	}
}

func TestRateLimitWithoutWaitUsesTheDefault(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  time.Duration
		want time.Duration
	}{{"default", 0, 5 * time.Second}, {"configured", 2 * time.Second, 2 * time.Second}} {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, always(answer(429, `{}`)))
			tr, _ := newTransport(t, s, func(c *Config) { c.RateLimitWait = tt.set; c.MaxRetries = -1 })
			_, err := tr.Do(context.Background(), get("/x"))
			var se *StatusError
			if !errors.As(err, &se) || se.RetryAfter != tt.want {
				t.Errorf("err = %v, RetryAfter = %v; want %v", err, se.RetryAfter, tt.want)
			}
		})
	}
}

func TestSuccessWithNoBudgetLeftPausesTheNextRequest(t *testing.T) {
	// Reset names a whole second, and the budget may be back at any moment
	// of the second before it: the hold ends at Reset-1s, 200ms away here.
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	clock := func() time.Time { return reset.Add(-1200 * time.Millisecond) }
	s := newServer(t, always(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		ok200(w, r)
	}))
	limiter := NewLimiter(0, 1)
	tr, _ := newTransport(t, s, func(c *Config) { c.Now = clock; c.Limiter = limiter })
	if _, err := tr.Do(context.Background(), get("/x")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := limiter.Wait(ctx); err == nil {
		t.Error("X-RateLimit-Remaining: 0 did not pause the shared limiter")
	}
	start := time.Now()
	if _, err := tr.Do(context.Background(), get("/x")); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("second request waited %v, want ~200ms", waited)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := DefaultBackoff.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	jittered := Backoff{Base: 500 * time.Millisecond, Max: 8 * time.Second, Jitter: 0.5}
	for i, w := range want {
		for range 20 {
			if got := jittered.Delay(i + 1); got < w || got > w+w/2 {
				t.Fatalf("jittered Delay(%d) = %v, want within [%v, %v]", i+1, got, w, w+w/2)
			}
		}
	}
}

func TestServerErrors(t *testing.T) {
	fail500 := answer(500, `{"errors":[{"code":"AOR9999","message":"内部エラー"}]}`)
	search := Request{Method: http.MethodPost, Path: "/sales_orders/search", Body: []byte(`{"codes":["A-1"]}`), Idempotent: true}
	tests := []struct {
		name         string
		failures     int
		maxRetries   int
		req          Request
		wantRequests int
		wantErr      string
	}{
		{"GET retried until success", 2, 3, get("/orders/7.json"), 3, ""},
		{"GET gives up after MaxRetries", 10, 2, get("/orders/7.json"), 3, "AOR9999"},
		{"GET without retries", 10, -1, get("/orders/7.json"), 1, "AOR9999"},
		{"GET gives up after the default 3 retries", 10, 0, get("/orders/7.json"), 4, "retry later"},
		{"idempotent POST retried until success", 2, 0, search, 3, ""},
		{"idempotent POST gives up", 10, 0, search, 4, "AOR9999"},
		{"PUT not retried", 1, 3, put("/orders/shipping.json"), 1, "may or may not have been applied"},
		{"POST not retried", 1, 3, Request{Method: http.MethodPost, Path: "/sales_orders/new", Body: []byte(`{}`)}, 1, "look the record up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, failFirst(tt.failures, fail500, ok200))
			tr, _ := newTransport(t, s, func(c *Config) { c.MaxRetries = tt.maxRetries })
			_, err := tr.Do(context.Background(), tt.req)
			if n := s.count(); n != tt.wantRequests {
				t.Errorf("requests = %d, want %d", n, tt.wantRequests)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != 500 || !Retryable(err) {
				t.Errorf("want a retryable 500 StatusError, got %v", err)
			}
		})
	}
}

func TestServerRetryAfterIsHonoured(t *testing.T) {
	s := newServer(t, failFirst(1, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		answer(503, `{}`)(w, r)
	}, ok200))
	tr, _ := newTransport(t, s, nil)
	start := time.Now()
	if _, err := tr.Do(context.Background(), get("/x")); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("retried after %v, want the 503's Retry-After (1s) when longer than the backoff", waited)
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name         string
		req          Request
		wantRequests int
		wantText     string
	}{
		{"GET retried", get("/orders/7.json"), 3, "timed out"},
		{"PUT not retried", put("/orders/shipping.json"), 1, "may or may not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, always(hang))
			tr, _ := newTransport(t, s, func(c *Config) { c.Timeout = 30 * time.Millisecond; c.MaxRetries = 2 })
			start := time.Now()
			_, err := tr.Do(context.Background(), tt.req)
			if err == nil {
				t.Fatal("want a timeout error")
			}
			if time.Since(start) > time.Second {
				t.Errorf("took %v; the per-request timeout was not applied", time.Since(start))
			}
			if !errors.Is(err, context.DeadlineExceeded) || !Retryable(err) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %v, want a retryable deadline error saying %q", err, tt.wantText)
			}
			var te *TransportError
			if !errors.As(err, &te) || !te.Timeout() || te.What != "request timed out" {
				t.Errorf("err = %v, want a TransportError that timed out", err)
			}
			if n := s.count(); n != tt.wantRequests {
				t.Errorf("requests = %d, want %d", n, tt.wantRequests)
			}
		})
	}
}

func TestDroppedConnection(t *testing.T) {
	t.Run("GET is retried", func(t *testing.T) {
		s := newServer(t, failFirst(1, func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0)
				_ = conn.Close()
			}
		}, ok200))
		tr, _ := newTransport(t, s, nil)
		if _, err := tr.Do(context.Background(), get("/orders/7.json")); err != nil {
			t.Fatalf("GET after a dropped connection: %v", err)
		}
		if n := s.count(); n != 2 {
			t.Errorf("requests = %d, want 2", n)
		}
	})
	t.Run("a write is not resent", func(t *testing.T) {
		s := newServer(t, always(drop))
		tr, _ := newTransport(t, s, nil)
		_, err := tr.Do(context.Background(), Request{Method: http.MethodPost, Path: "/sales_orders/new", Body: []byte(`{}`)})
		if err == nil || !Retryable(err) || !MayHaveApplied(err) || !strings.Contains(err.Error(), "may or may not") {
			t.Fatalf("err = %v", err)
		}
		if n := s.count(); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	s := newServer(t, always(ok200))
	s.Close() // nothing listens on the port any more
	tr, _ := newTransport(t, s, func(c *Config) { c.MaxRetries = -1 })
	_, err := tr.Do(context.Background(), get("/x"))
	var te *TransportError
	if !errors.As(err, &te) || te.What != "connection refused" || te.Timeout() {
		t.Fatalf("err = %v, want a refused connection", err)
	}
	var ne net.Error
	if !Retryable(err) || !errors.As(err, &ne) {
		t.Errorf("a refused connection must be a retryable net.Error: %v", err)
	}
	if strings.Contains(err.Error(), s.URL) {
		t.Errorf("the error names the URL: %v", err)
	}
}

func TestContextCancellation(t *testing.T) {
	t.Run("during a request", func(t *testing.T) {
		s := newServer(t, always(hang))
		tr, _ := newTransport(t, s, func(c *Config) { c.Timeout = 5 * time.Second })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		start := time.Now()
		_, err := tr.Do(ctx, get("/orders/7.json"))
		if !errors.Is(err, context.Canceled) || Retryable(err) {
			t.Fatalf("err = %v, want context.Canceled, not retryable", err)
		}
		if time.Since(start) > time.Second {
			t.Errorf("returned after %v", time.Since(start))
		}
		if n := s.count(); n != 1 {
			t.Errorf("requests = %d, want 1 (no retry after cancellation)", n)
		}
	})
	t.Run("while paused by the limiter", func(t *testing.T) {
		s := newServer(t, always(ok200))
		limiter := NewLimiter(0, 1)
		limiter.PauseFor(time.Hour)
		tr, _ := newTransport(t, s, func(c *Config) { c.Limiter = limiter })
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := tr.Do(ctx, get("/x")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if s.count() != 0 {
			t.Error("a request was sent through a paused limiter")
		}
	})
	t.Run("while waiting to retry", func(t *testing.T) {
		s := newServer(t, always(answer(503, `{}`)))
		tr, _ := newTransport(t, s, func(c *Config) { c.Backoff = Backoff{Base: time.Hour, Max: time.Hour} })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := tr.Do(ctx, get("/x"))
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "HTTP 503") {
			t.Fatalf("err = %v, want the deadline and the last failure", err)
		}
	})
}

func TestUnauthorized(t *testing.T) {
	refuseStale := func(auth *fakeAuth) func(http.ResponseWriter, *http.Request, int) {
		return always(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "Bearer tok-SECRET-1" {
				answer(401, `{"error":"invalid_token"}`)(w, r)
				return
			}
			ok200(w, r)
		})
	}
	t.Run("once, then the new credential works", func(t *testing.T) {
		auth := newFakeAuth()
		s := newServer(t, refuseStale(auth))
		tr, _ := newTransport(t, s, func(c *Config) { c.Authorizer = auth })
		if _, err := tr.Do(context.Background(), get("/x")); err != nil {
			t.Fatal(err)
		}
		calls := auth.calls()
		if len(calls) != 1 || calls[0].Retried || calls[0].Credential != "tok-SECRET-1" || calls[0].Err.StatusCode != 401 {
			t.Errorf("Unauthorized calls = %+v", calls)
		}
		if s.count() != 2 {
			t.Errorf("requests = %d, want 2", s.count())
		}
	})
	for _, always401 := range []bool{false, true} {
		t.Run(fmt.Sprintf("twice is final (Authorizer keeps asking: %v)", always401), func(t *testing.T) {
			auth := newFakeAuth()
			auth.alwaysRetry = always401
			s := newServer(t, always(answer(401, `{"error":"invalid_token"}`)))
			tr, _ := newTransport(t, s, func(c *Config) { c.Authorizer = auth })
			_, err := tr.Do(context.Background(), get("/x"))
			if !IsStatus(err, 401) || Retryable(err) {
				t.Fatalf("err = %v, want a non-retryable 401", err)
			}
			if calls := auth.calls(); len(calls) != 2 || calls[0].Retried || !calls[1].Retried {
				t.Errorf("Unauthorized calls = %+v, want a first and a retried one", calls)
			}
			if s.count() != 2 {
				t.Errorf("requests = %d, want exactly 2 (never loop)", s.count())
			}
		})
	}
	t.Run("an Authorizer that gives up at once", func(t *testing.T) {
		auth := newFakeAuth()
		auth.refuse = true
		s := newServer(t, always(answer(401, `{}`)))
		tr, _ := newTransport(t, s, func(c *Config) { c.Authorizer = auth })
		_, err := tr.Do(context.Background(), get("/x"))
		if err == nil || !strings.Contains(err.Error(), "credentials refused") || !IsStatus(err, 401) {
			t.Fatalf("err = %v, want the Authorizer's error wrapping the 401", err)
		}
		if s.count() != 1 {
			t.Errorf("requests = %d, want 1", s.count())
		}
	})
	t.Run("Authorize fails: nothing is sent", func(t *testing.T) {
		auth := newFakeAuth()
		auth.failWith = errors.New("not authorized yet")
		s := newServer(t, always(ok200))
		tr, _ := newTransport(t, s, func(c *Config) { c.Authorizer = auth })
		if _, err := tr.Do(context.Background(), get("/x")); err == nil || err.Error() != "not authorized yet" {
			t.Fatalf("err = %v, want the Authorizer's error as it is", err)
		}
		if s.count() != 0 {
			t.Error("a request was sent without credentials")
		}
	})
}

func TestSignInRequests(t *testing.T) {
	for _, status := range []int{401, 429, 500} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			auth := newFakeAuth()
			s := newServer(t, always(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "1")
				answer(status, `{}`)(w, r)
			}))
			limiter := NewLimiter(0, 1)
			tr, _ := newTransport(t, s, func(c *Config) { c.Authorizer = auth; c.Limiter = limiter })
			_, err := tr.Do(context.Background(), Request{Method: http.MethodPost, Path: "/admins/sign_in.json", Body: []byte(`{}`), SignIn: true})
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != status || err != error(se) {
				t.Fatalf("err = %v, want the bare StatusError (no advice)", err)
			}
			if s.count() != 1 {
				t.Errorf("requests = %d, want exactly 1", s.count())
			}
			if r := s.requests()[0]; r.Auth != "" {
				t.Errorf("a sign-in carried Authorization %q", r.Auth)
			}
			if len(auth.calls()) != 0 {
				t.Error("the Authorizer was told about a sign-in's 401")
			}
			if status == 429 {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				if limiter.Wait(ctx) == nil {
					t.Error("a sign-in's 429 did not pause the limiter")
				}
			}
		})
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			// Worst case: the server quotes the credential, the query and
			// the body back.
			msg := strings.NewReplacer(`"`, `'`, "\n", " ").Replace(r.Header.Get("Authorization") + " " + r.URL.RawQuery + " " + readBody(r))
			answer(status, `{"error":"`+msg+`","message":"`+msg+`"}`)(w, r)
		}
	}
	decode := func(_ int, body []byte) ErrorBody {
		return ErrorBody{Code: "E", Message: Excerpt(body), Fields: map[string]string{Excerpt(body): Excerpt(body)}}
	}
	withSecrets := Request{Method: http.MethodGet, Path: "/oauth2/token", Query: map[string][]string{"code": {"code-SECRET-77"}, "client_secret": {"client-SECRET-value"}},
		SignIn: true, Secrets: []string{"code-SECRET-77"}}
	tests := []struct {
		name   string
		handle http.HandlerFunc
		req    Request
		echoes bool
	}{
		{"500 echo on a read", echo(500), get("/x"), true},
		{"400 echo on a write", echo(400), Request{Method: http.MethodPost, Path: "/x", Body: []byte(`{"password":"pw-SECRET-1"}`), Secrets: []string{"pw-SECRET-1"}}, true},
		{"401 echo", echo(401), get("/x"), true},
		{"token request echo", echo(400), withSecrets, true},
		{"token request html echo", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprintf(w, "<pre>%s</pre>", r.URL.RawQuery)
		}, withSecrets, true},
		{"token request dropped", drop, withSecrets, false},
		{"token request timeout", hang, withSecrets, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, always(tt.handle))
			tr, logs := newTransport(t, s, func(c *Config) {
				c.Authorizer = newFakeAuth()
				c.MaxRetries = 1
				c.Timeout = 50 * time.Millisecond
				c.DecodeError = decode
			})
			_, err := tr.Do(context.Background(), tt.req)
			if err == nil {
				t.Fatal("want an error")
			}
			assertNoSecret(t, "error", err.Error())
			assertNoSecret(t, "error %+v", fmt.Sprintf("%+v", err))
			assertNoSecret(t, "logs", logs.String())
			if tt.echoes && !strings.Contains(err.Error(), "[REDACTED]") {
				t.Errorf("the redaction should be visible: %v", err)
			}
		})
	}
}

func readBody(r *http.Request) string {
	b := make([]byte, 1024)
	n, _ := r.Body.Read(b)
	return string(b[:n])
}

func TestRestyLoggerDropsQueriesAndSecrets(t *testing.T) {
	var logs logbuffer.Buffer
	tr, _ := newTransport(t, newServer(t, always(ok200)), func(c *Config) { c.Authorizer = newFakeAuth() })
	l := restyLogger{log: newTestLogger(&logs), redact: func(s string) string { return tr.redact(s, "", nil) }}
	l.Errorf("GET %s failed", "https://x.example/oauth2/token?refresh_token=rt-SECRET-1&client_secret=abc")
	l.Warnf("token tok-SECRET-1 used")
	l.Debugf("client client-SECRET-value")
	assertNoSecret(t, "resty logs", logs.String())
	if !strings.Contains(logs.String(), "query removed") {
		t.Errorf("logs = %s", logs.String())
	}
}

func TestObserverSeesEveryExchange(t *testing.T) {
	var obs recordingObserver
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			drop(w, r)
		case 2:
			answer(503, `{}`)(w, r)
		default:
			ok200(w, r)
		}
	})
	tr, _ := newTransport(t, s, func(c *Config) { c.Observer = &obs })
	if _, err := tr.Do(context.Background(), get("/x")); err != nil {
		t.Fatal(err)
	}
	want := []string{"TestAPI error", "TestAPI 5xx", "TestAPI 2xx"}
	if got := obs.get(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("observed %v, want %v", got, want)
	}
}

type recordingObserver struct {
	mu  sync.Mutex
	got []string
}

func (o *recordingObserver) ObserveResponse(api string, status int, elapsed time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, api+" "+StatusClass(status))
}

func (o *recordingObserver) get() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.got...)
}

func TestResponseBodyLimit(t *testing.T) {
	s := newServer(t, always(answer(200, `{"data":"`+strings.Repeat("x", 2048)+`"}`)))
	tr, _ := newTransport(t, s, func(c *Config) { c.MaxResponseBytes = 1024; c.MaxRetries = -1 })
	if _, err := tr.Do(context.Background(), get("/x")); err == nil {
		t.Fatal("a body over MaxResponseBytes was accepted")
	}
}

func TestQuiet429PausesForTheRefillTime(t *testing.T) {
	// ecforce's 429 says nothing ("Retry later", no Retry-After): the
	// budget pauses for one request's worth at the configured rate (here
	// 100ms at 10/s), not seconds, and the request is sent again.
	s := newServer(t, failFirst(1, answer(429, "Retry later"), ok200))
	limiter := NewLimiter(10, 1)
	tr, _ := newTransport(t, s, func(c *Config) { c.Limiter = limiter })
	start := time.Now()
	if _, err := tr.Do(context.Background(), get("/x")); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 90*time.Millisecond || waited > time.Second {
		t.Errorf("retried after %v, want the refill time (100ms)", waited)
	}
	if s.count() != 2 {
		t.Errorf("requests = %d, want 2", s.count())
	}
}

func TestRepeatedQuiet429sBackOffUpToRateLimitWait(t *testing.T) {
	s := newServer(t, always(answer(429, "Retry later")))
	tr, _ := newTransport(t, s, func(c *Config) {
		c.Limiter = NewLimiter(20, 1) // 50ms refill
		c.RateLimitWait = 150 * time.Millisecond
		c.MaxRetries = 3
	})
	_, err := tr.Do(context.Background(), get("/x"))
	var se *StatusError
	// Pauses 50, 100, 150 (capped), and the fourth answer's would be 150.
	if !errors.As(err, &se) || se.RetryAfter != 150*time.Millisecond {
		t.Fatalf("err = %v, want a 429 whose wait is capped at RateLimitWait", err)
	}
	if s.count() != 4 {
		t.Errorf("requests = %d, want 4", s.count())
	}
}
