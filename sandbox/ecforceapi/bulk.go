package ecforceapi

import (
	"encoding/json"
	"fmt"
	"net/http"

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

// SetMaxBulkRecords sets the most records one order bulk request may carry
// (0: no limit); see Config.MaxBulkRecords.
func (e *Server) SetMaxBulkRecords(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.maxBulk = n
}

// RefuseRecord makes every later bulk write (orders/shipping,
// orders/bulk_update) answer the order's record as a failure with this
// code and message, the other records of the request applying as usual;
// an empty code stops it.
func (e *Server) RefuseRecord(orderID int64, code, message string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if code == "" {
		delete(e.refuseRecord, orderID)
		return
	}
	e.refuseRecord[orderID] = fieldError{code, message}
}

// BulkRequests returns, per kind ("shipping", "bulk_update",
// "payment_status"), the number of records of each order bulk request
// taken, refused ones included, in order.
func (e *Server) BulkRequests() map[string][]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string][]int, len(e.bulkRequests))
	for k, v := range e.bulkRequests {
		out[k] = append([]int(nil), v...)
	}
	return out
}

// admitBulkLocked records a bulk request of n records and refuses it as a
// whole (422, nothing applied) when it carries more than the limit.
func (e *Server) admitBulkLocked(w http.ResponseWriter, kind, field string, n int) bool {
	e.bulkRequests[kind] = append(e.bulkRequests[kind], n)
	if e.maxBulk > 0 && n > e.maxBulk {
		writeError(w, http.StatusUnprocessableEntity, "AOR3001", fmt.Sprintf("%sパラメータが正しくありません。(%d件は上限%d件を超えています)", field, n, e.maxBulk))
		return false
	}
	return true
}

// refusedLocked reports a record the test asked to refuse, as a failure.
func (e *Server) refusedLocked(res *bulkResult, id int64, shown any) bool {
	fe, ok := e.refuseRecord[id]
	if ok {
		res.fail(shown, "AOR", fe)
	}
	return ok
}
