package ecforceapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
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
	return e.paymentCount(orderID, func(o *Order) int { return o.CaptureRequests })
}

// CapturesSettled returns how many capture jobs moved the order's
// payment_state to completed.
func (e *Server) CapturesSettled(orderID int64) int {
	return e.paymentCount(orderID, func(o *Order) int { return o.CapturesSettled })
}

// ShipmentReports returns how many shipment reports (出荷報告) a 後払い
// order received.
func (e *Server) ShipmentReports(orderID int64) int {
	return e.paymentCount(orderID, func(o *Order) int { return o.ShipmentReports })
}

// paymentCount reads one payment counter of an order, after settling the
// jobs whose time has come; 0 for an unknown order.
func (e *Server) paymentCount(orderID int64, counter func(*Order) int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	if o, ok := e.ordersByID[orderID]; ok {
		return counter(o)
	}
	return 0
}

// SlowNextCapture makes the next capture job of the order take d instead
// of SettleDelay: a slow job, during which payment_state stays authed and
// further capture requests are no-ops.
func (e *Server) SlowNextCapture(orderID int64, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.slowCapture[orderID] = d
}

// deferredPayment reports whether the order is paid by 後払い (deferred
// payment), by its payment method name.
func deferredPayment(o *Order) bool { return strings.Contains(o.PaymentMethodName, "後払い") }

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
		if o.PendingPaymentState == "completed" && o.PaymentState != "completed" {
			o.CapturesSettled++
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
//
// A capture ("sales") of a 後払い order is its shipment report (our
// inference, ecforce-api.md §4, §5, §10 q3): with a slip and a ship date
// it is recorded and leaves payment_state as it is; without them the job
// ends in shipment_report_failed.
func (e *Server) paymentActionLocked(o *Order, method string) {
	if method == "sales" {
		o.CaptureRequests++
	}
	if o.PendingPaymentState != "" {
		return // a job is already in flight; the real shop would queue a no-op
	}
	target := ""
	delay := e.settleDelay
	switch method {
	case "sales":
		if d, slow := e.slowCapture[o.ID]; slow {
			delay = d
			delete(e.slowCapture, o.ID)
		}
		if deferredPayment(o) {
			switch o.PaymentState {
			case "authed", "credit_exam_completed":
				target = o.PaymentState
				if o.ShippingSlip == "" || o.ShippedAt.IsZero() {
					target = "shipment_report_failed"
				} else {
					o.ShipmentReports++
				}
			}
			break
		}
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
	if delay > 0 {
		o.PaymentSettlesAt = o.PaymentSettlesAt.Add(delay)
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
	if !e.admitBulkLocked(w, "payment_status", "order_ids", len(body.OrderIDs)) {
		return
	}
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
