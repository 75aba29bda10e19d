package logilessapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// TokenResponse is the body of a successful /oauth2/token call.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

type oauthCode struct {
	expires     time.Time
	redirectURI string
}

// IssueAuthorizationCode returns a fresh single-use authorization code for
// the configured client and redirect URI, as if the user had approved the
// app. It lives AuthorizationCodeTTL (30 s).
func (l *Server) IssueAuthorizationCode() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.newCodeLocked(l.cfg.RedirectURI)
}

func (l *Server) newCodeLocked(redirectURI string) string {
	code := httpfake.NewToken(16)
	l.codes[code] = oauthCode{expires: l.clock().Add(l.cfg.AuthorizationCodeTTL), redirectURI: redirectURI}
	return code
}

// IssueTokens mints an access/refresh token pair directly, skipping the
// authorization-code dance (it counts as an issued token).
func (l *Server) IssueTokens() TokenResponse {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.issued++
	return l.newTokensLocked()
}

func (l *Server) newTokensLocked() TokenResponse {
	now := l.clock()
	t := TokenResponse{
		AccessToken:  httpfake.NewToken(20),
		TokenType:    "bearer",
		ExpiresIn:    int64(l.cfg.AccessTokenTTL / time.Second),
		RefreshToken: httpfake.NewToken(20),
		Scope:        "",
	}
	l.access[t.AccessToken] = now.Add(l.cfg.AccessTokenTTL)
	l.refresh[t.RefreshToken] = now.Add(l.cfg.RefreshTokenTTL)
	l.pairOf[t.RefreshToken] = t.AccessToken
	return t
}

// ExpireAccessTokens makes every access token issued so far expired (API
// calls with them get 401 invalid_grant "The access token provided has
// expired."). Refresh tokens keep working.
func (l *Server) ExpireAccessTokens() { l.expireAll(l.access) }

// ExpireRefreshTokens makes every refresh token issued so far expired, so
// the next refresh fails with 400 invalid_grant (the user must re-authorize).
func (l *Server) ExpireRefreshTokens() { l.expireAll(l.refresh) }

// expireAll makes every token in tokens (token → expiry) expired.
func (l *Server) expireAll(tokens map[string]time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	past := l.clock().Add(-time.Second)
	for k := range tokens {
		tokens[k] = past
	}
}

// TokenCounts returns how many token pairs were issued by the
// authorization_code grant (and IssueTokens) and by the refresh_token grant.
func (l *Server) TokenCounts() (issued, refreshed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.issued, l.refreshes
}

// RefreshTokenReuses returns how many refresh_token grants presented a
// refresh token that had already been exchanged (and so was revoked): each
// one is a client that lost a rotation, the mistake a shared token store
// must prevent.
func (l *Server) RefreshTokenReuses() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reuses
}

func (l *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != l.cfg.ClientID {
		l.writeError(w, http.StatusBadRequest, "invalid_client", "The client credentials are invalid")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		redirect = l.cfg.RedirectURI
	}
	if redirect != l.cfg.RedirectURI {
		l.writeError(w, http.StatusBadRequest, "redirect_uri_mismatch", "The redirect URI must match the one registered for the client")
		return
	}
	target, err := url.Parse(redirect)
	if err != nil {
		l.writeError(w, http.StatusBadRequest, "invalid_request", "The redirect URI is not a valid URL")
		return
	}
	back := target.Query()
	if s := q.Get("state"); s != "" {
		back.Set("state", s)
	}
	if q.Get("response_type") != "code" {
		back.Set("error", "unsupported_response_type")
	} else {
		l.mu.Lock()
		back.Set("code", l.newCodeLocked(redirect))
		l.mu.Unlock()
	}
	target.RawQuery = back.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func tokenParams(r *http.Request) url.Values {
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body map[string]json.RawMessage
		v := r.URL.Query()
		if httpfake.ReadJSON(r, &body) == nil {
			for k, raw := range body {
				if s, ok, _ := httpfake.LooseString(raw); ok {
					v.Set(k, s)
				}
			}
		}
		return v
	}
	_ = r.ParseForm()
	return r.Form
}

func (l *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	p := tokenParams(r)
	w.Header().Set("Cache-Control", "no-store")
	grant := p.Get("grant_type")
	switch grant {
	case "authorization_code", "refresh_token":
	case "":
		l.writeError(w, http.StatusBadRequest, "invalid_request", "Invalid grant_type parameter or parameter missing")
		return
	default:
		l.writeError(w, http.StatusBadRequest, "unsupported_grant_type", "Grant type not supported: "+grant)
		return
	}
	if p.Get("client_id") != l.cfg.ClientID || p.Get("client_secret") != l.cfg.ClientSecret {
		l.writeError(w, http.StatusUnauthorized, "invalid_client", "The client credentials are invalid")
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	if grant == "authorization_code" {
		code := p.Get("code")
		if code == "" {
			l.writeError(w, http.StatusBadRequest, "invalid_request", "Missing parameter. \"code\" is required")
			return
		}
		c, ok := l.codes[code]
		delete(l.codes, code) // single use, whatever happens next
		switch {
		case !ok:
			l.writeError(w, http.StatusBadRequest, "invalid_grant", "Code doesn't exist or is invalid for the client")
			return
		case !now.Before(c.expires):
			l.writeError(w, http.StatusBadRequest, "invalid_grant", "The authorization code has expired")
			return
		case p.Get("redirect_uri") != c.redirectURI:
			l.writeError(w, http.StatusBadRequest, "invalid_grant", "The redirect URI is missing or do not match")
			return
		}
		l.issued++
		l.writeJSON(w, http.StatusOK, l.newTokensLocked())
		return
	}
	rt := p.Get("refresh_token")
	exp, ok := l.refresh[rt]
	switch {
	case rt == "":
		l.writeError(w, http.StatusBadRequest, "invalid_request", "No \"refresh_token\" parameter found")
		return
	case !ok:
		if l.spent[rt] {
			l.reuses++
		}
		l.writeError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
		return
	case !now.Before(exp):
		delete(l.refresh, rt)
		l.writeError(w, http.StatusBadRequest, "invalid_grant", "Refresh token has expired")
		return
	}
	delete(l.refresh, rt) // rotation: the old refresh token is revoked
	l.spent[rt] = true
	if l.cfg.RevokeAccessOnRefresh {
		delete(l.access, l.pairOf[rt])
	}
	delete(l.pairOf, rt)
	l.refreshes++
	l.writeJSON(w, http.StatusOK, l.newTokensLocked())
}

// api wraps a merchant API handler with bearer auth and the merchant check.
func (l *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="Service"`)
			l.writeError(w, http.StatusUnauthorized, "invalid_request", "OAuth2 authentication required")
			return
		}
		l.mu.Lock()
		exp, ok := l.access[strings.TrimSpace(tok)]
		now := l.clock()
		l.mu.Unlock()
		switch {
		case !ok:
			w.Header().Set("WWW-Authenticate", `Bearer realm="Service", error="invalid_token"`)
			l.writeError(w, http.StatusUnauthorized, "invalid_token", "The access token provided is invalid.")
			return
		case !now.Before(exp):
			w.Header().Set("WWW-Authenticate", `Bearer realm="Service", error="invalid_grant"`)
			l.writeError(w, http.StatusUnauthorized, "invalid_grant", "The access token provided has expired.")
			return
		}
		mid, err := strconv.Atoi(r.PathValue("merchant_id"))
		if err != nil {
			l.writeError(w, http.StatusNotFound, "not_found", "Merchant not found.")
			return
		}
		if mid != l.cfg.MerchantID {
			l.writeError(w, http.StatusForbidden, "access_denied", "You are not allowed to access this merchant.")
			return
		}
		h(w, r)
	}
}
