package logiless

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/ecforce-logiless/connector/httpapi"
)

var (
	// ErrNotAuthorized means no LOGILESS token is stored for the shop yet:
	// run `starter logiless-auth --shop <code>`.
	ErrNotAuthorized = errors.New("LOGILESS is not authorized for this shop")
	// ErrReauthorizationNeeded means LOGILESS rejected the stored refresh
	// token (expired, revoked or already spent) and no newer token is
	// stored. It is not retryable: run `starter logiless-auth --shop <code>`.
	ErrReauthorizationNeeded = errors.New("LOGILESS authorization must be renewed")
	// ErrPageCapReached means a listing stopped at its MaxPages although
	// LOGILESS had more; the pages read were delivered. Narrow the query
	// (for example a shorter time window) or raise MaxPages.
	ErrPageCapReached = errors.New("LOGILESS listing stopped at its page cap")
	// ErrNotFound means LOGILESS answered 404 for the record.
	ErrNotFound = errors.New("not found in LOGILESS")
	// ErrInvalidInput means the client refused to send a request because
	// the data misses something LOGILESS requires. Not retryable.
	ErrInvalidInput = errors.New("invalid input for LOGILESS")
)

// IsDuplicateCode reports whether err is LOGILESS refusing a new sales
// order because of its code: a 400 whose field errors name `code`. The
// exact message is undocumented, so callers should confirm by searching
// the code (SearchSalesOrdersByCode).
func IsDuplicateCode(err error) bool {
	var se *httpapi.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
		return false
	}
	for k := range se.FieldErrors {
		if k == "code" || k == "sales_order.code" {
			return true
		}
	}
	return false
}

// parseErrorBody reads a LOGILESS error answer. 400s look like
// {"code":400,"message":"Validation Failed","errors":{"field":"msg"}},
// everything else like {"error":"type","error_description":"detail"};
// a body that is neither becomes an excerpt in Message.
func parseErrorBody(status int, body []byte) *httpapi.StatusError {
	se := &httpapi.StatusError{API: apiName, StatusCode: status}
	trimmed := bytes.TrimSpace(body)
	var doc map[string]json.RawMessage
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &doc) != nil {
		if len(trimmed) > 0 {
			se.Message = httpapi.Excerpt(trimmed)
		} else {
			se.Message = http.StatusText(status)
		}
		return se
	}
	if raw, ok := doc["error"]; ok {
		se.Code = scalarOrExcerpt(raw)
	}
	for _, key := range []string{"error_description", "message", "error_message"} {
		if raw, ok := doc[key]; ok {
			if msg := scalarOrExcerpt(raw); msg != "" {
				se.Message = msg
				break
			}
		}
	}
	if se.Code == "" {
		// A numeric "code" that just repeats the status adds nothing.
		if raw, ok := doc["code"]; ok {
			if c := scalarOrExcerpt(raw); c != "" && c != strconv.Itoa(status) {
				se.Code = c
			}
		}
	}
	if raw, ok := doc["errors"]; ok {
		fields := map[string]string{}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			flattenFieldErrors(fields, "", v)
		}
		if len(fields) > 0 {
			se.FieldErrors = fields
		}
	}
	if se.Code == "" && se.Message == "" && len(se.FieldErrors) == 0 {
		se.Message = httpapi.Excerpt(trimmed)
	}
	return se
}

// scalarOrExcerpt turns a JSON value into display text.
func scalarOrExcerpt(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64, bool:
		return strings.TrimSpace(string(raw))
	}
	return httpapi.Excerpt(bytes.TrimSpace(raw))
}

// flattenFieldErrors turns LOGILESS's "errors" value into field → message:
// nested objects and arrays become dotted keys (lines.0.quantity), a list
// of messages for one field is joined with "; ".
func flattenFieldErrors(out map[string]string, prefix string, v any) {
	add := func(key, msg string) {
		if key == "" {
			key = "request"
		}
		if prev, ok := out[key]; ok && prev != "" {
			out[key] = prev + "; " + msg
			return
		}
		out[key] = msg
	}
	join := func(key string) string {
		if prefix == "" {
			return key
		}
		return prefix + "." + key
	}
	switch t := v.(type) {
	case nil:
	case string:
		add(prefix, t)
	case float64:
		add(prefix, strconv.FormatFloat(t, 'f', -1, 64))
	case bool:
		add(prefix, strconv.FormatBool(t))
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flattenFieldErrors(out, join(k), t[k])
		}
	case []any:
		for i, item := range t {
			switch item.(type) {
			case map[string]any, []any:
				flattenFieldErrors(out, join(strconv.Itoa(i)), item)
			default:
				flattenFieldErrors(out, prefix, item)
			}
		}
	}
}
