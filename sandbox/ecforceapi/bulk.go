package ecforceapi

import (
	"encoding/json"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// bulkResult is the {"success","failure","errors"} body of bulk endpoints.
type bulkResult struct {
	Success []any       `json:"success"`
	Failure []any       `json:"failure"`
	Errors  []bulkError `json:"errors"`
}

type bulkError struct {
	ID      any          `json:"id"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors"`
}

func newBulkResult() *bulkResult {
	return &bulkResult{Success: []any{}, Failure: []any{}, Errors: []bulkError{}}
}

func (b *bulkResult) fail(id any, prefix string, errs ...fieldError) {
	b.Failure = append(b.Failure, id)
	b.Errors = append(b.Errors, bulkError{ID: id, Code: prefix + "0000", Message: msgBulkWrapper, Errors: errs})
}

// recordID renders a record id for a bulk result: the parsed number, or the
// raw value when it is not a number.
func recordID(raw json.RawMessage) (int64, any, bool) {
	id, ok, err := httpfake.LooseInt(raw)
	if err != nil || !ok {
		s, _, _ := httpfake.LooseString(raw)
		return 0, s, false
	}
	return id, id, true
}

// rawValue turns a raw JSON value back into a Go value for echoing.
func rawValue(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	return v
}
