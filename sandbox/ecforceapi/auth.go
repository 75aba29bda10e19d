package ecforceapi

import (
	"crypto/subtle"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// APIToken returns the static API token currently accepted.
func (e *Server) APIToken() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.apiToken
}

// RotateAPIToken replaces the static API token with a new random one, which
// it returns; the old one is rejected from now on (401 ASS1001). Tokens
// issued by sign-in are not affected.
func (e *Server) RotateAPIToken() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.apiToken = "rotated-" + httpfake.NewToken(12)
	e.logger.Info("sandbox ecforce: API token rotated")
	return e.apiToken
}

// SignInCount returns how many successful sign-ins (tokens issued) happened.
// Attempts, including rejected ones, are in RequestCounts under
// "POST /api/v2/admins/sign_in".
func (e *Server) SignInCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.signIns
}

func (e *Server) tokenValid(tok string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if subtle.ConstantTimeCompare([]byte(tok), []byte(e.apiToken)) == 1 {
		return true
	}
	return e.sessions[tok]
}

// tokenHeaderRE is the only accepted Authorization shape: Token token="…".
var tokenHeaderRE = regexp.MustCompile(`^Token token="([^"]+)"$`)

func (e *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := tokenHeaderRE.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil || !e.tokenValid(m[1]) {
			writeError(w, http.StatusUnauthorized, "ASS1001", msgAuthFailed)
			return
		}
		h(w, r)
	}
}

func (e *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	var email, password string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct {
			Admin struct {
				Email    string `json:"email"`
				Password string `json:"password"`
			} `json:"admin"`
		}
		if err := httpfake.ReadJSON(r, &body); err != nil {
			writeError(w, http.StatusBadRequest, "ASS3001", "adminパラメータが正しくありません。")
			return
		}
		email, password = body.Admin.Email, body.Admin.Password
	} else {
		if err := r.ParseForm(); err != nil {
			writeError(w, http.StatusBadRequest, "ASS3001", "adminパラメータが正しくありません。")
			return
		}
		email, password = r.PostForm.Get("admin[email]"), r.PostForm.Get("admin[password]")
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock()
	recent := e.signInAttempts[:0]
	for _, t := range e.signInAttempts {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	e.signInAttempts = recent
	if len(recent) >= e.cfg.SignInsPerHour {
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Hour.Seconds()-now.Sub(recent[0]).Seconds())+1))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Retry later\n"))
		e.logger.Warn("sandbox ecforce: sign-in throttled", "attempts_last_hour", len(recent))
		return
	}
	e.signInAttempts = append(e.signInAttempts, now)
	if email != e.cfg.AdminEmail || password != e.cfg.AdminPassword {
		writeError(w, http.StatusUnauthorized, "ASS1002", "メールアドレスまたはパスワードが違います。")
		return
	}
	tok := httpfake.NewToken(16)
	e.sessions[tok] = true
	e.signIns++
	httpfake.WriteJSON(w, http.StatusOK, map[string]any{"id": 1, "email": e.cfg.AdminEmail, "authentication_token": tok})
}

func (e *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	m := tokenHeaderRE.FindStringSubmatch(r.Header.Get("Authorization"))
	e.mu.Lock()
	delete(e.sessions, m[1]) // the static API token is not a session and stays valid
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
