package ecforce

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/jsonlenient"
)

// Errors callers can test for with errors.Is. Each is returned wrapped in a
// message naming the shop and the request; HTTP failures additionally wrap
// the *httpapi.StatusError.
var (
	// ErrCredentialsRejected: ecforce answered 401 to the API token, to a
	// sign-in, or to a freshly signed-in token. Retrying will not help until
	// an operator updates the credentials.
	ErrCredentialsRejected = errors.New("ecforce rejected the credentials")

	// ErrSignInBudgetExhausted: this client already signed in as often as it
	// may in the last hour (ecforce allows about five sign-ins per hour).
	ErrSignInBudgetExhausted = errors.New("ecforce sign-in budget for the last hour is used up")

	// ErrPageCapReached: a list stopped at its MaxPages before the last
	// page. The pages read were passed to the callback; the window was too
	// large and should be narrowed (or MaxPages raised).
	ErrPageCapReached = errors.New("ecforce list stopped at its page cap")

	// ErrNotFound: the record does not exist (HTTP 404).
	ErrNotFound = errors.New("ecforce record not found")

	// ErrStateNotApplied: ecforce answered a 対応状況 change with the
	// updated order, and its state is not the one asked for (strong
	// parameters dropped the key, or the member may not change it). The
	// answer is the proof; reading the order again would show the same.
	ErrStateNotApplied = errors.New("ecforce kept the order's 対応状況")
)

// errorBody decodes what ecforce says in a non-2xx body. Seen shapes:
// {"errors":[{"code":"AOR2001","message":"…"}]}, and, defensively,
// {"errors":["…"]}, {"errors":{"field":["…"]}}, {"error":"…"}, {"message":"…"}.
// Anything else (plain "Retry later", Cloudflare HTML) becomes an excerpt.
func errorBody(_ int, body []byte) httpapi.ErrorBody {
	code, message, fields := parseErrorBody(body)
	return httpapi.ErrorBody{Code: code, Message: message, Fields: fields}
}

func parseErrorBody(body []byte) (code, message string, fields map[string]string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", "", nil
	}
	var raw struct {
		Errors  json.RawMessage    `json:"errors"`
		Error   json.RawMessage    `json:"error"`
		Message jsonlenient.String `json:"message"`
		Code    jsonlenient.String `json:"code"`
	}
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &raw) != nil {
		return "", httpapi.Excerpt(trimmed), nil
	}
	var objs []struct {
		Code    jsonlenient.String `json:"code"`
		Message jsonlenient.String `json:"message"`
	}
	var strs []string
	var fieldMap map[string]json.RawMessage
	switch {
	case json.Unmarshal(raw.Errors, &objs) == nil && len(objs) > 0:
		msgs := make([]string, 0, len(objs))
		for _, o := range objs {
			if code == "" {
				code = string(o.Code)
			}
			if o.Message != "" {
				msgs = append(msgs, string(o.Message))
			}
		}
		message = strings.Join(msgs, "; ")
	case json.Unmarshal(raw.Errors, &strs) == nil && len(strs) > 0:
		message = strings.Join(strs, "; ")
	case json.Unmarshal(raw.Errors, &fieldMap) == nil && len(fieldMap) > 0:
		fields = make(map[string]string, len(fieldMap))
		for k, v := range fieldMap {
			var list []string
			var one string
			switch {
			case json.Unmarshal(v, &list) == nil:
				fields[k] = strings.Join(list, ", ")
			case json.Unmarshal(v, &one) == nil:
				fields[k] = one
			default:
				fields[k] = httpapi.Excerpt(v)
			}
		}
	}
	if message == "" {
		var s string
		if json.Unmarshal(raw.Error, &s) == nil && s != "" {
			message = s
		} else if raw.Message != "" {
			message = string(raw.Message)
		}
	}
	if code == "" {
		code = string(raw.Code)
	}
	if code == "" && message == "" && len(fields) == 0 {
		message = httpapi.Excerpt(trimmed)
	}
	return code, message, fields
}
