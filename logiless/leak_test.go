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

	"github.com/ecforce-logiless/connector/internal/logbuffer"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// assertNoSecrets fails when text holds the client secret or any token or
// code that crossed the wire (or the printed token's marks).
func assertNoSecrets(t *testing.T, f *testLogiless, where, text string) {
	t.Helper()
	marks := []string{"access-secret", "refresh-secret", testClientSecret, url.QueryEscape(testClientSecret)}
	if f != nil {
		marks = append(marks, f.secrets()...)
	}
	for _, s := range marks {
		if strings.Contains(text, s) {
			t.Errorf("%s leaks %q:\n%s", where, s, text)
		}
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	// echoQuery answers the token endpoint by quoting what the client sent:
	// the refresh token (or code) and the client secret.
	echoQuery := func(f *testLogiless, status int, spent string) {
		q := url.Values{"client_id": {testClientID}, "client_secret": {testClientSecret}, "refresh_token": {spent}, "code": {spent}}
		desc, _ := json.Marshal("bad request /oauth2/token?" + q.Encode() + " " + spent + " " + testClientSecret)
		f.tokenFault(httpfake.Fault{Times: -1, Status: status, Body: `{"error":"invalid_request","error_description":` + string(desc) + `}`})
	}
	var code string
	tests := []struct {
		name  string
		setup func(f *testLogiless, c *Client, tok Token)
		call  func(c *Client) error
	}{
		{"refresh: dropped connection", func(f *testLogiless, c *Client, tok Token) {
			f.tokenFault(httpfake.Fault{Times: -1, Drop: true})
			f.ExpireAccessTokens()
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: timeout", func(f *testLogiless, c *Client, tok Token) {
			f.tokenFault(httpfake.Fault{Times: -1, Delay: time.Second})
			f.ExpireAccessTokens()
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: server echoes the query (JSON)", func(f *testLogiless, c *Client, tok Token) {
			echoQuery(f, 400, tok.RefreshToken)
			f.ExpireAccessTokens()
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: server echoes the query (HTML)", func(f *testLogiless, c *Client, tok Token) {
			f.tokenFault(httpfake.Fault{Times: -1, Status: 500, Body: "<pre>refresh_token=" + tok.RefreshToken + "&client_secret=" + url.QueryEscape(testClientSecret) + "</pre>"})
			f.ExpireAccessTokens()
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: invalid_grant", func(f *testLogiless, c *Client, tok Token) {
			f.ExpireRefreshTokens()
			f.ExpireAccessTokens()
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"refresh: success then API echoes the bearer token", func(f *testLogiless, c *Client, tok Token) {
			f.ExpireAccessTokens()
			f.echo = func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "Bearer "+tok.AccessToken {
					f.Server.ServeHTTP(w, r) // the expired token: 401
					return
				}
				w.WriteHeader(500)
				fmt.Fprintf(w, "upstream said: %s", r.Header.Get("Authorization"))
			}
		}, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"API 400 echoes the token in a field", func(f *testLogiless, c *Client, tok Token) {
			f.echo = func(w http.ResponseWriter, r *http.Request) {
				msg, _ := json.Marshal(r.Header.Get("Authorization"))
				writeJSON(w, 400, `{"code":400,"message":"Validation Failed","errors":{"code":`+string(msg)+`}}`)
			}
		}, func(c *Client) error {
			_, err := c.CreateSalesOrder(context.Background(), sampleInput())
			return err
		}},
		{"exchange: server echoes the query", func(f *testLogiless, c *Client, tok Token) {
			code = f.IssueAuthorizationCode()
			echoQuery(f, 400, code)
		}, func(c *Client) error {
			_, err := c.ExchangeCode(context.Background(), code)
			return err
		}},
		{"exchange: dropped connection", func(f *testLogiless, c *Client, tok Token) {
			code = f.IssueAuthorizationCode()
			f.tokenFault(httpfake.Fault{Times: -1, Drop: true})
		}, func(c *Client) error {
			_, err := c.ExchangeCode(context.Background(), code)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logbuffer.Buffer
			f := newFake(t)
			f.seedOrder("A-1")
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
			assertNoSecrets(t, f, "error", err.Error())
			assertNoSecrets(t, f, "error %+v", fmt.Sprintf("%+v", err))
			assertNoSecrets(t, f, "logs", logs.String())
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
	var logs logbuffer.Buffer
	c := &Config{}
	withLogs(&logs)(c)
	c.Logger.Info("token", "tok", tok)
	out.WriteString(logs.String())
	assertNoSecrets(t, nil, "formatted token", out.String())
	if !strings.Contains(out.String(), "REDACTED") {
		t.Error("the redaction should be visible")
	}
}

func TestSuccessfulFlowsLogNoSecrets(t *testing.T) {
	var logs logbuffer.Buffer
	f := newFake(t)
	f.seedOrder("A-1")
	store := newMemStore(Token{})
	c := newTestClient(t, f, store, withLogs(&logs))
	if _, err := c.ExchangeCode(context.Background(), f.IssueAuthorizationCode()); err != nil {
		t.Fatal(err)
	}
	f.ExpireAccessTokens()
	if err := getOrder(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if f.refreshes() != 1 || !strings.Contains(logs.String(), "refreshed the LOGILESS access token") {
		t.Fatalf("expected one logged refresh; logs:\n%s", logs.String())
	}
	assertNoSecrets(t, f, "logs", logs.String())
}
