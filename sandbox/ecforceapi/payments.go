package ecforceapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Job records one asynchronous job accepted by the API.
type Job struct {
	ID        int64     `json:"id"`
	JobID     string    `json:"job_id"`
	Kind      string    `json:"kind"` // "payment_status:sales", "shipping", …
	OrderIDs  []int64   `json:"order_ids"`
	CreatedAt time.Time `json:"created_at"`
}

// CaptureCount returns how many capture ("sales") requests the order
// received, including ones for an already captured order.
func (e *Server) CaptureCount(orderID int64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if o, ok := e.ordersByID[orderID]; ok {
		return o.CaptureRequests
	}
	return 0
}

// FailNextCapture makes the next capture of the order end in
// payment_state "sales_failed" instead of "completed".
func (e *Server) FailNextCapture(orderID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failCapture[orderID] = true
}

// SettlePayments completes every in-flight payment job now, regardless of
// SettleDelay.
func (e *Server) SettlePayments() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for id := range e.pending {
		e.ordersByID[id].PaymentSettlesAt = time.Time{}
	}
	e.settleLocked()
}

// settleLocked applies payment jobs whose time has come.
func (e *Server) settleLocked() {
	if len(e.pending) == 0 {
		return
	}
	now := e.rawClock()
	for id := range e.pending {
		o := e.ordersByID[id]
		if o.PaymentSettlesAt.After(now) {
			continue
		}
		at := o.PaymentSettlesAt
		if at.IsZero() {
			at = now
		}
		o.PaymentState = o.PendingPaymentState
		o.PendingPaymentState = ""
		o.PaymentSettlesAt = time.Time{}
		o.UpdatedAt = at.Truncate(time.Second)
		delete(e.pending, id)
	}
}

// paymentActionLocked starts an asynchronous payment job on one order.
// method is "sales", "void", "force_void" or "reauth".
func (e *Server) paymentActionLocked(o *Order, method string) {
	if method == "sales" {
		o.CaptureRequests++
	}
	if o.PendingPaymentState != "" {
		return // a job is already in flight; the real shop would queue a no-op
	}
	target := ""
	switch method {
	case "sales":
		switch o.PaymentState {
		case "authed", "credit_exam_completed", "sales_failed":
			target = "completed"
			if e.failCapture[o.ID] {
				target = "sales_failed"
				delete(e.failCapture, o.ID)
			}
		}
		// completed, cash_on_delivery_authed, paid, …: nothing to capture.
	case "void", "force_void":
		if o.PaymentState != "voided" {
			target = "voided"
		}
	case "reauth":
		switch o.PaymentState {
		case "authed", "voided", "auth_failed", "update_failed":
			target = "authed"
		}
	}
	if target == "" {
		return
	}
	o.PendingPaymentState = target
	o.PaymentSettlesAt = e.rawClock()
	if e.settleDelay > 0 {
		o.PaymentSettlesAt = o.PaymentSettlesAt.Add(e.settleDelay)
	}
	e.pending[o.ID] = true
}

func (e *Server) newJobLocked(kind string, ids []int64) Job {
	e.seq.job++
	j := Job{
		ID: e.seq.job, JobID: fmt.Sprintf("job-%06d", e.seq.job), Kind: kind,
		OrderIDs: ids, CreatedAt: e.clock(),
	}
	e.jobs = append(e.jobs, j)
	return j
}

func (e *Server) handlePaymentBulk(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Method   string            `json:"method"`
		OrderIDs []json.RawMessage `json:"order_ids"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "AOR3001", "パラメータが正しくありません。")
		return
	}
	switch body.Method {
	case "sales", "void", "force_void", "reauth":
	default:
		writeError(w, http.StatusBadRequest, "AOR3005", "methodパラメータが正しくありません。")
		return
	}
	if len(body.OrderIDs) == 0 {
		writeError(w, http.StatusBadRequest, "AOR3001", "order_idsパラメータが正しくありません。")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	var ids []int64
	for _, raw := range body.OrderIDs {
		id, _, ok := recordID(raw)
		if o := e.ordersByID[id]; ok && o != nil {
			e.paymentActionLocked(o, body.Method)
			ids = append(ids, id)
		}
	}
	j := e.newJobLocked("payment_status:"+body.Method, ids)
	httpfake.WriteJSON(w, http.StatusOK, map[string]any{"id": j.ID, "job_id": j.JobID})
}
