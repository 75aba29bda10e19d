package logilessapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestOAuth(t *testing.T) {
	env := newTestServer(t, Config{ClientID: "cid", ClientSecret: "secret", RedirectURI: "https://app.example/cb"})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	authorize := func(t *testing.T) string {
		t.Helper()
		res, err := noRedirect.Get(env.url + "/oauth/v2/auth?" + url.Values{
			"client_id": {"cid"}, "response_type": {"code"}, "redirect_uri": {"https://app.example/cb"}, "state": {"xyz"},
		}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc, err := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusFound || err != nil || loc.Host != "app.example" || loc.Query().Get("state") != "xyz" {
			t.Fatalf("authorize: %d Location=%q", res.StatusCode, res.Header.Get("Location"))
		}
		return loc.Query().Get("code")
	}
	token := func(method string, params url.Values) sandboxtest.Response {
		if method == http.MethodGet {
			return sandboxtest.Do(t, "GET", env.url+"/oauth2/token?"+params.Encode(), nil)
		}
		req, _ := http.NewRequest("POST", env.url+"/oauth2/token", strings.NewReader(params.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		hr, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer hr.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := hr.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return sandboxtest.Response{Status: hr.StatusCode, Header: hr.Header, Body: []byte(b.String())}
	}
	exchange := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "client_id": {"cid"}, "client_secret": {"secret"},
			"code": {code}, "redirect_uri": {"https://app.example/cb"}}
	}
	api := func(tok string) sandboxtest.Response {
		return sandboxtest.Do(t, "GET", env.base+"/articles", nil, "Authorization", "Bearer "+tok)
	}

	code := authorize(t)
	res := token(http.MethodGet, exchange(code))
	tr := res.JSON(t)
	if res.Status != 200 || tr["token_type"] != "bearer" || tr["expires_in"] != float64(2592000) || tr["scope"] != "" ||
		tr["access_token"] == "" || tr["refresh_token"] == "" {
		t.Fatalf("exchange: %d %s", res.Status, res.Body)
	}
	access, refresh := tr["access_token"].(string), tr["refresh_token"].(string)
	if got := api(access).Status; got != 200 {
		t.Fatalf("API with fresh token: %d", got)
	}

	t.Run("code is single use", func(t *testing.T) {
		res := token(http.MethodGet, exchange(code))
		if res.Status != 400 || res.JSON(t)["error"] != "invalid_grant" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("code expires after 30s", func(t *testing.T) {
		c := authorize(t)
		env.clock.Advance(31 * time.Second)
		if res := token(http.MethodPost, exchange(c)); res.Status != 400 || !strings.Contains(string(res.Body), "expired") {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("client and redirect must match", func(t *testing.T) {
		p := exchange(env.srv.IssueAuthorizationCode())
		p.Set("client_secret", "wrong")
		if res := token(http.MethodGet, p); res.Status != 401 || res.JSON(t)["error"] != "invalid_client" {
			t.Fatalf("bad secret: %d %s", res.Status, res.Body)
		}
		p = exchange(env.srv.IssueAuthorizationCode())
		p.Set("redirect_uri", "https://evil.example/cb")
		if res := token(http.MethodGet, p); res.Status != 400 || res.JSON(t)["error"] != "invalid_grant" {
			t.Fatalf("bad redirect: %d %s", res.Status, res.Body)
		}
		if res := token(http.MethodGet, url.Values{"grant_type": {"password"}, "client_id": {"cid"}, "client_secret": {"secret"}}); res.Status != 400 {
			t.Fatalf("unsupported grant: %d", res.Status)
		}
	})
	t.Run("refresh rotates and revokes the old refresh token", func(t *testing.T) {
		p := url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {refresh}}
		res := token(http.MethodPost, p)
		m := res.JSON(t)
		if res.Status != 200 || m["refresh_token"] == refresh || m["access_token"] == access {
			t.Fatalf("refresh: %d %s", res.Status, res.Body)
		}
		if res := token(http.MethodGet, p); res.Status != 400 || res.JSON(t)["error"] != "invalid_grant" {
			t.Fatalf("old refresh token reused: %d %s", res.Status, res.Body)
		}
		p.Set("refresh_token", m["refresh_token"].(string))
		if res := token(http.MethodGet, p); res.Status != 200 {
			t.Fatalf("new refresh token: %d %s", res.Status, res.Body)
		}
		if issued, refreshed := env.srv.TokenCounts(); issued != 2 || refreshed != 2 { // env's own token + the exchange
			t.Errorf("TokenCounts = %d, %d", issued, refreshed)
		}
		if n := env.srv.RefreshTokenReuses(); n != 1 {
			t.Errorf("RefreshTokenReuses = %d, want 1 (the old token sent again)", n)
		}
	})
	t.Run("access tokens expire", func(t *testing.T) {
		env.clock.Advance(30*24*time.Hour + time.Second)
		res := api(access)
		if res.Status != 401 || !strings.Contains(string(res.Body), "The access token provided has expired.") || res.JSON(t)["error"] != "invalid_grant" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		fresh := env.srv.IssueTokens().AccessToken
		if api(fresh).Status != 200 {
			t.Fatal("fresh token rejected")
		}
		env.srv.ExpireAccessTokens()
		if got := api(fresh).Status; got != 401 {
			t.Fatalf("after ExpireAccessTokens: %d", got)
		}
	})
	t.Run("bad tokens and merchants", func(t *testing.T) {
		if res := api("unknown"); res.Status != 401 || res.JSON(t)["error"] != "invalid_token" {
			t.Fatalf("unknown token: %d %s", res.Status, res.Body)
		}
		if res := sandboxtest.Do(t, "GET", env.base+"/articles", nil); res.Status != 401 {
			t.Fatalf("no header: %d", res.Status)
		}
		tok := env.srv.IssueTokens().AccessToken
		if res := sandboxtest.Do(t, "GET", env.url+"/api/v1/merchant/9999/articles", nil, "Authorization", "Bearer "+tok); res.Status != 403 {
			t.Fatalf("wrong merchant: %d %s", res.Status, res.Body)
		}
	})
}

// With RevokeAccessOnRefresh a refresh also ends the access token issued
// with the spent refresh token, as a strict server may.
func TestRefreshRevokesAccessToken(t *testing.T) {
	env := newTestServer(t, Config{ClientID: "cid", ClientSecret: "secret", RevokeAccessOnRefresh: true})
	pair := env.srv.IssueTokens()
	api := func(tok string) int {
		return sandboxtest.Do(t, "GET", env.base+"/articles", nil, "Authorization", "Bearer "+tok).Status
	}
	if got := api(pair.AccessToken); got != 200 {
		t.Fatalf("API with the issued token: %d", got)
	}
	res := sandboxtest.Do(t, "GET", env.url+"/oauth2/token?"+url.Values{"grant_type": {"refresh_token"},
		"client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {pair.RefreshToken}}.Encode(), nil)
	if res.Status != 200 {
		t.Fatalf("refresh: %d %s", res.Status, res.Body)
	}
	if got := api(pair.AccessToken); got != 401 {
		t.Errorf("API with the access token of the spent refresh token: %d, want 401", got)
	}
	if got := api(res.JSON(t)["access_token"].(string)); got != 200 {
		t.Errorf("API with the new access token: %d", got)
	}
}
