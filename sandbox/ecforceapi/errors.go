package ecforceapi

import (
	"fmt"
	"net/http"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// writeError writes an ecforce error body {"errors":[{"code","message"}]}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	httpfake.WriteJSON(w, status, map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

const (
	msgAuthFailed    = "認証に失敗しました。"
	msgOrderNotFound = "orderが見つかりません。"
	msgBulkWrapper   = "エラーが発生しました。"
)

// fieldError is a per-record error code/message.
type fieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var (
	errBadState   = fieldError{"AOR3002", "stateパラメータが正しくありません。"}
	errBadCarrier = fieldError{"AOR3003", "shipping_carrier_idパラメータが正しくありません。"}
)

// faultBody is ecforce's usual body for a status, for injected faults and
// rate-limit refusals: 429 "Retry later" as plain text, 401 ASS1001, 5xx
// AOR9999, anything else A0000 with the status text.
func faultBody(status int) (string, []byte) {
	switch {
	case status == http.StatusTooManyRequests:
		return "text/plain; charset=utf-8", []byte("Retry later\n")
	case status == http.StatusUnauthorized:
		return "application/json; charset=utf-8", []byte(`{"errors":[{"code":"ASS1001","message":"` + msgAuthFailed + `"}]}`)
	case status >= 500:
		return "application/json; charset=utf-8", []byte(`{"errors":[{"code":"AOR9999","message":"システムエラーが発生しました。"}]}`)
	}
	return "application/json; charset=utf-8", []byte(fmt.Sprintf(`{"errors":[{"code":"A0000","message":"%s"}]}`, http.StatusText(status)))
}
