package logilessapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// lockedError is a 423: the document's status forbids the change.
type lockedError struct{ msg string }

func (e *lockedError) Error() string { return e.msg }

// ReverseSalesOrder cancels a sales order like POST sales_orders/{id}/reversal.
// With clearsCode the order is renamed to a 13-digit code starting with
// "21", freeing its code for a new order.
func (l *Server) ReverseSalesOrder(code string, clearsCode bool) (SalesOrder, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("reverse sales order", code)
	if err != nil {
		return SalesOrder{}, err
	}
	if err := l.reverseLocked(o, clearsCode); err != nil {
		return SalesOrder{}, err
	}
	return cloneSalesOrder(o), nil
}

func (l *Server) reverseLocked(o *SalesOrder, clearsCode bool) error {
	if o.DocumentStatus == StatusCancel {
		return &lockedError{"The sales order has already been cancelled."}
	}
	switch o.DeliveryStatus { // the warehouse must move it back first
	case StatusWorking, StatusPartlyShipped, StatusShipped:
		return &lockedError{fmt.Sprintf("The sales order cannot be cancelled while it is %s.", o.DeliveryStatus)}
	}
	for _, d := range o.Deliveries {
		switch d.DeliveryStatus {
		case StatusWorking, StatusShipped:
			return &lockedError{fmt.Sprintf("The sales order cannot be cancelled while its outbound delivery is %s.", d.DeliveryStatus)}
		}
	}
	now := l.clock()
	for i := range o.Lines {
		ln := &o.Lines[i]
		if inv := l.inv[ln.ArticleCode]; inv != nil && !ln.IsParent && ln.ArticleID != 0 {
			switch {
			case ln.AllocatedQuantity > 0:
				inv.allocated -= ln.AllocatedQuantity
			case ln.Status == StatusWaitingForAllocation:
				inv.stockOut -= ln.Quantity
			}
			inv.updatedAt = now
		}
		ln.AllocatedQuantity = 0
		ln.Status = StatusCancel
	}
	for i := range o.Deliveries {
		d := &o.Deliveries[i]
		d.DocumentStatus, d.AllocationStatus, d.DeliveryStatus, d.UpdatedAt = StatusCancel, StatusCancel, StatusCancel, now
	}
	o.DocumentStatus, o.AllocationStatus, o.DeliveryStatus = StatusCancel, StatusCancel, StatusCancel
	o.FinishedAt, o.UpdatedAt = now, now
	if clearsCode {
		l.seq.clearedCode++
		o.OriginalCode = o.Code
		o.Code = fmt.Sprintf("21%011d", o.ID*1000+l.seq.clearedCode%1000)
	}
	l.allocatePendingLocked()
	return nil
}

func (l *Server) handleReversal(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ClearsCode json.RawMessage `json:"clears_code"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"clears_code": msgInvalidValue})
		return
	}
	clears, _, err := httpfake.LooseBool(body.ClearsCode)
	if err != nil {
		l.validationFailed(w, map[string]string{"clears_code": msgInvalidValue})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.orderFromPathLocked(w, r)
	if o == nil {
		return
	}
	o.ReversalRequests++
	if err := l.reverseLocked(o, clears); err != nil {
		var le *lockedError
		if errors.As(err, &le) {
			l.writeError(w, http.StatusLocked, "locked", le.msg)
			return
		}
		l.writeError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	l.writeJSON(w, http.StatusOK, l.renderSalesOrderLocked(o))
}

// SetDeliveryStatus moves the order's unshipped outbound deliveries, and
// the order, to delivery_status status, as the warehouse does: Working
// when it starts picking, WaitingForShipment when it moves an order back
// (出荷作業中を取り消す), Pending to hold it. A cancelled or fully shipped
// order cannot move.
func (l *Server) SetDeliveryStatus(code, status string) error {
	switch status {
	case StatusWaitingForShipment, StatusWorking, StatusPending:
	default:
		return fmt.Errorf("set delivery status of %q: %q is not WaitingForShipment, Working or Pending", code, status)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("set delivery status", code)
	if err != nil {
		return err
	}
	if o.DocumentStatus == StatusCancel || o.DocumentStatus == StatusShipped {
		return fmt.Errorf("set delivery status of %q: the order is %s", code, o.DocumentStatus)
	}
	now := l.clock()
	moved := false
	for i := range o.Deliveries {
		d := &o.Deliveries[i]
		switch d.DeliveryStatus {
		case StatusWaitingForShipment, StatusWorking, StatusPending:
			d.DeliveryStatus, d.UpdatedAt, moved = status, now, true
		}
	}
	if !moved && len(o.Deliveries) > 0 {
		return fmt.Errorf("set delivery status of %q: no delivery is unshipped", code)
	}
	if o.DeliveryStatus != StatusPartlyShipped {
		o.DeliveryStatus = status
	}
	o.UpdatedAt = now
	return nil
}
