package ecforceapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestAuthIsStrict(t *testing.T) {
	env := newTestServer(t, Config{APIToken: "tok-123"})
	tests := []struct {
		name   string
		header string
		path   string
		want   int
	}{
		{"no header", "", "/api/v2/admin/orders", 401},
		{"bearer is rejected", "Bearer tok-123", "/api/v2/admin/orders", 401},
		{"quotes are required", "Token token=tok-123", "/api/v2/admin/orders", 401},
		{"wrong token", `Token token="nope"`, "/api/v2/admin/orders", 401},
		{"lowercase scheme", `token token="tok-123"`, "/api/v2/admin/orders", 401},
		{"valid", `Token token="tok-123"`, "/api/v2/admin/orders", 200},
		{"valid with .json", `Token token="tok-123"`, "/api/v2/admin/orders.json", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.header != "" {
				h = []string{"Authorization", tt.header}
			}
			res := sandboxtest.Do(t, "GET", env.url+tt.path, nil, h...)
			if res.Status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.want, res.Body)
			}
			if tt.want == 401 && !strings.Contains(string(res.Body), `"code":"ASS1001"`) {
				t.Errorf("401 body lacks ASS1001: %s", res.Body)
			}
		})
	}
}

func TestRotateToken(t *testing.T) {
	env := newTestServer(t, Config{})
	old := env.auth()
	res := sandboxtest.Do(t, "POST", env.url+"/_sandbox/rotate_token", nil)
	newTok := res.JSON(t)["api_token"].(string)
	if newTok == "" || newTok == DefaultAPIToken {
		t.Fatalf("rotate_token returned %q", newTok)
	}
	if got := sandboxtest.Do(t, "GET", env.url+"/api/v2/admin/orders", nil, old...).Status; got != 401 {
		t.Errorf("old token: status %d, want 401", got)
	}
	if got := sandboxtest.Do(t, "GET", env.url+"/api/v2/admin/orders", nil, "Authorization", `Token token="`+newTok+`"`).Status; got != 200 {
		t.Errorf("new token: status %d, want 200", got)
	}
}

func TestSignIn(t *testing.T) {
	env := newTestServer(t, Config{AdminEmail: "a@example.com", AdminPassword: "pw"})
	signIn := func(body any) sandboxtest.Response {
		return sandboxtest.Do(t, "POST", env.url+"/api/v2/admins/sign_in.json", body)
	}
	res := signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "pw"}})
	if res.Status != 200 {
		t.Fatalf("JSON sign-in: %d %s", res.Status, res.Body)
	}
	m := res.JSON(t)
	tok, _ := m["authentication_token"].(string)
	if tok == "" || m["email"] != "a@example.com" || m["id"] != float64(1) {
		t.Fatalf("sign-in body: %s", res.Body)
	}
	if got := sandboxtest.Do(t, "GET", env.url+"/api/v2/admin/orders", nil, "Authorization", `Token token="`+tok+`"`).Status; got != 200 {
		t.Fatalf("session token rejected: %d", got)
	}

	// form encoding works too
	req, _ := http.NewRequest("POST", env.url+"/api/v2/admins/sign_in",
		strings.NewReader(url.Values{"admin[email]": {"a@example.com"}, "admin[password]": {"pw"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hr.Body.Close()
	if hr.StatusCode != 200 {
		t.Fatalf("form sign-in: %d", hr.StatusCode)
	}
	if res := signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "bad"}}); res.Status != 401 {
		t.Fatalf("bad password: %d", res.Status)
	}
	if got := env.srv.SignInCount(); got != 2 {
		t.Errorf("SignInCount = %d, want 2 (successful ones)", got)
	}
	// 3 attempts so far; 2 more allowed, the 6th within the hour is throttled
	for i := 0; i < 2; i++ {
		if res := signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "pw"}}); res.Status != 200 {
			t.Fatalf("attempt %d: %d", 4+i, res.Status)
		}
	}
	res = signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "pw"}})
	if res.Status != 429 || !strings.Contains(string(res.Body), "Retry later") {
		t.Fatalf("6th sign-in: %d %q, want 429 Retry later", res.Status, res.Body)
	}
	env.clock.Advance(time.Hour)
	if res := signIn(map[string]any{"admin": map[string]string{"email": "a@example.com", "password": "pw"}}); res.Status != 200 {
		t.Fatalf("after an hour: %d", res.Status)
	}
	if got := env.srv.RequestCounts()["POST /api/v2/admins/sign_in"]; got != 7 {
		t.Errorf("sign-in request count %d, want 7", got)
	}

	// sign_out revokes the session token
	h := []string{"Authorization", `Token token="` + tok + `"`}
	if res := sandboxtest.Do(t, "GET", env.url+"/api/v2/admins/sign_out.json", nil, h...); res.Status != 204 {
		t.Fatalf("sign_out: %d %s", res.Status, res.Body)
	}
	if got := sandboxtest.Do(t, "GET", env.url+"/api/v2/admin/orders", nil, h...).Status; got != 401 {
		t.Errorf("revoked token: status %d, want 401", got)
	}
}
