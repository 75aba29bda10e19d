package logiless

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// secretMarks are substrings of every secret the fake hands out or the
// client holds; none may appear in an error or a log line.
var secretMarks = []string{"access-secret", "refresh-secret", testClientSecret, url.QueryEscape(testClientSecret), "AUTHCODE-77x"}

func assertNoSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range secretMarks {
		if strings.Contains(text, s) {
			t.Errorf("%s leaks %q:\n%s", where, s, text)
		}
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	echoQuery := func(status int) func(w http.ResponseWriter, r *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			desc, _ := json.Marshal("bad request " + r.URL.String() + " " + r.URL.RawQuery)
			writeJSON(w, status, `{"error":"invalid_request","error_description":`+string(desc)+`}`)
			return true
		}
	}
	tests := []struct {
		name  string
		setup func(f *fakeLogiless, c *Client, tok Token)
		call  func(c *Client) error
	}{
		{"refresh: dropped connection", func(f *fakeLogiless, c *Client, tok Token) {
			f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
				conn, _, _ := w.(http.Hijacker).Hijack()
				_ = conn.Close()
				return true
			}
			f.revokeAccess(tok.AccessToken)
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: timeout", func(f *fakeLogiless, c *Client, tok Token) {
			f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
				select {
				case <-r.Context().Done():
				case <-time.After(time.Second):
				}
				return true
			}
			f.revokeAccess(tok.AccessToken)
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: server echoes the query (JSON)", func(f *fakeLogiless, c *Client, tok Token) {
			f.tokenHook = echoQuery(400)
			f.revokeAccess(tok.AccessToken)
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: server echoes the query (HTML)", func(f *fakeLogiless, c *Client, tok Token) {
			f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
				w.WriteHeader(500)
				fmt.Fprintf(w, "<pre>%s</pre>", r.URL.RawQuery)
				return true
			}
			f.revokeAccess(tok.AccessToken)
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: invalid_grant", func(f *fakeLogiless, c *Client, tok Token) {
			f.mu.Lock()
			delete(f.refresh, tok.RefreshToken)
			f.mu.Unlock()
			f.revokeAccess(tok.AccessToken)
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: success then API echoes the bearer token", func(f *fakeLogiless, c *Client, tok Token) {
			f.revokeAccess(tok.AccessToken)
			f.handle("GET", "/sales_orders/1", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(500)
				fmt.Fprintf(w, "upstream said: %s", r.Header.Get("Authorization"))
			})
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"API 400 echoes the token in a field", func(f *fakeLogiless, c *Client, tok Token) {
			f.handle("POST", "/sales_orders/new", func(w http.ResponseWriter, r *http.Request) {
				msg, _ := json.Marshal(r.Header.Get("Authorization"))
				writeJSON(w, 400, `{"code":400,"message":"Validation Failed","errors":{"code":`+string(msg)+`}}`)
			})
		}, func(c *Client) error {
			_, err := c.CreateSalesOrder(context.Background(), sampleInput())
			return err
		}},
		{"exchange: server echoes the query", func(f *fakeLogiless, c *Client, tok Token) {
			f.tokenHook = echoQuery(400)
		}, func(c *Client) error {
			_, err := c.ExchangeCode(context.Background(), goodCode)
			return err
		}},
		{"exchange: dropped connection", func(f *fakeLogiless, c *Client, tok Token) {
			f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
				conn, _, _ := w.(http.Hijacker).Hijack()
				_ = conn.Close()
				return true
			}
		}, func(c *Client) error {
			_, err := c.ExchangeCode(context.Background(), goodCode)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			f := newFake(t)
			tok := f.issue()
			store := newMemStore(tok)
			c := newTestClient(t, f, store, withLogs(&logs), func(cfg *Config) {
				cfg.MaxRetries = 1
				if tt.name == "refresh: timeout" {
					cfg.Timeout = 30 * time.Millisecond
				}
			})
			tt.setup(f, c, tok)
			err := tt.call(c)
			if err == nil {
				t.Fatal("the scenario should fail")
			}
			t.Logf("error: %v", err)
			assertNoSecrets(t, "error", err.Error())
			assertNoSecrets(t, "error %+v", fmt.Sprintf("%+v", err))
			assertNoSecrets(t, "logs", logs.String())
		})
	}
}

func TestTokenIsNeverPrinted(t *testing.T) {
	tok := Token{AccessToken: "AT-1-print-access-secret", RefreshToken: "RT-1-print-refresh-secret", ExpiresAt: time.Now()}
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out.WriteString(fmt.Sprintf(verb, tok))
		out.WriteString(fmt.Sprintf(verb, &tok))
		out.WriteString(fmt.Sprintf(verb, struct{ T Token }{tok}))
	}
	b, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(b)
	var logs syncBuffer
	c := &Config{}
	withLogs(&logs)(c)
	c.Logger.Info("token", "tok", tok)
	out.WriteString(logs.String())
	assertNoSecrets(t, "formatted token", out.String())
	if !strings.Contains(out.String(), "REDACTED") {
		t.Error("the redaction should be visible")
	}
}

func TestSuccessfulFlowsLogNoSecrets(t *testing.T) {
	var logs syncBuffer
	f := newFake(t)
	f.handle("GET", "/sales_orders/1", jsonHandler(200, orderBody))
	store := newMemStore(Token{})
	c := newTestClient(t, f, store, withLogs(&logs))
	if _, err := c.ExchangeCode(context.Background(), goodCode); err != nil {
		t.Fatal(err)
	}
	f.revokeAccess(store.current().AccessToken)
	if err := getOrder(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if f.refreshes() != 1 || !strings.Contains(logs.String(), "refreshed the LOGILESS access token") {
		t.Fatalf("expected one logged refresh; logs:\n%s", logs.String())
	}
	assertNoSecrets(t, "logs", logs.String())
}
