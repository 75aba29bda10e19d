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

// bulkError is the error entry of one failed record.
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

// bulkOrderLocked finds the order a bulk record's "id" names; shown is the
// id as the result echoes it. An unknown or unparsable id is recorded as a
// failure (AOR2001) and gives a nil order.
func (e *Server) bulkOrderLocked(res *bulkResult, rec map[string]json.RawMessage) (o *Order, id int64, shown any) {
	id, shown, ok := recordID(rec["id"])
	if o = e.ordersByID[id]; !ok || o == nil {
		res.fail(shown, "AOR", fieldError{"AOR2001", msgOrderNotFound})
		return nil, id, shown
	}
	return o, id, shown
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
