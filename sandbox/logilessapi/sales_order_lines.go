package logilessapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Changes to an existing sales order besides PUT: the line reversal
// POST sales_orders/{id}/sales_order_lines/{line_id}/reversal
// (logiless-api.md §2 "Edit and cancel"), a person's edit on LOGILESS's
// screen and a shipped order moved back to 出荷作業中 (§3), the last two
// for tests and the demo through the control API. Each moves updated_at.

// EditInLogiless changes the order as a person would on LOGILESS's screen:
// the same fields and validation as PUT, but no status lock (the screen
// lets an operator correct an order in work). updated_at moves, so the
// connector sees the change.
func (l *Server) EditInLogiless(code string, fields map[string]any) (SalesOrder, error) {
	raw, err := rawObject(fields)
	if err != nil {
		return SalesOrder{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("edit sales order", code)
	if err != nil {
		return SalesOrder{}, err
	}
	updates := o.Updates // counts the API's PUTs only
	if verr := l.applyUpdateLocked(o, raw); verr != nil {
		return SalesOrder{}, verr
	}
	o.Updates = updates
	return cloneSalesOrder(o), nil
}

func rawObject(v any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("want a JSON object: %w", err)
	}
	return raw, nil
}

// exclusiveTax is the tax the lines add on top of their prices.
func exclusiveTax(o SalesOrder) int64 {
	var t int64
	for _, ln := range o.Lines {
		if ln.TaxIndicator == "TaxExcluded" && !ln.IsChild && ln.Status != StatusCancel {
			t += ln.TaxTotal
		}
	}
	return t
}

func (l *Server) writeEditError(w http.ResponseWriter, err error) {
	var le *lockedError
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		l.validationFailed(w, ve.Fields)
	case errors.As(err, &le):
		l.writeError(w, http.StatusLocked, "locked", le.msg)
	default:
		l.writeError(w, http.StatusInternalServerError, "server_error", err.Error())
	}
}

// ReverseSalesOrderLine cancels one line like POST
// sales_orders/{id}/sales_order_lines/{line_id}/reversal: refused (423)
// once the warehouse works on the order, for a line already cancelled or
// shipped, and for a component (副明細行) of a set, whose parent line is
// reversed instead (our inference). A parent takes its components with
// it; its stock returns to free; the last remaining line cancels the whole
// order (reference: HC faq/4726).
func (l *Server) ReverseSalesOrderLine(code string, lineID int64) (SalesOrderLine, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("reverse sales order line", code)
	if err != nil {
		return SalesOrderLine{}, err
	}
	return l.reverseLineLocked(o, lineID)
}

func (l *Server) reverseLineLocked(o *SalesOrder, lineID int64) (SalesOrderLine, error) {
	idx := slices.IndexFunc(o.Lines, func(ln SalesOrderLine) bool { return ln.ID == lineID })
	if idx < 0 {
		return SalesOrderLine{}, fmt.Errorf("line %d of sales order %q: %w", lineID, o.Code, ErrNotFound)
	}
	switch o.DeliveryStatus {
	case StatusWorking, StatusPartlyShipped, StatusShipped, StatusCancel:
		return SalesOrderLine{}, &lockedError{fmt.Sprintf("The line cannot be cancelled while the order's delivery status is %s.", o.DeliveryStatus)}
	}
	ln := o.Lines[idx]
	switch {
	case ln.Status == StatusCancel || ln.Status == StatusShipped:
		return SalesOrderLine{}, &lockedError{fmt.Sprintf("The line is already %s.", ln.Status)}
	case ln.IsChild:
		return SalesOrderLine{}, &lockedError{"A component line of a set cannot be cancelled; cancel its parent line."}
	}
	remaining := 0
	for _, other := range o.Lines {
		if !other.IsChild && other.Status != StatusCancel && other.ID != lineID {
			remaining++
		}
	}
	if remaining == 0 {
		if err := l.reverseLocked(o, false); err != nil {
			return SalesOrderLine{}, err
		}
		return o.Lines[idx], nil
	}
	now := l.clock()
	for i := range o.Lines {
		c := &o.Lines[i]
		if c.ID != lineID && c.ParentID != lineID {
			continue
		}
		if inv := l.inv[c.ArticleCode]; inv != nil && !c.IsParent && c.ArticleID != 0 {
			switch {
			case c.AllocatedQuantity > 0:
				inv.allocated -= c.AllocatedQuantity
			case c.Status == StatusWaitingForAllocation:
				inv.stockOut -= c.Quantity
			}
			inv.updatedAt = now
		}
		c.AllocatedQuantity = 0
		c.Status = StatusCancel
		if !c.IsChild {
			o.Subtotal -= c.Subtotal
			o.TaxTotal -= c.TaxTotal
			o.TotalQuantity -= c.Quantity
		}
		for j := range o.Deliveries {
			d := &o.Deliveries[j]
			d.LineIDs = slices.DeleteFunc(d.LineIDs, func(id int64) bool { return id == c.ID })
			d.UpdatedAt = now
		}
	}
	o.Total = o.Subtotal + exclusiveTax(*o) + o.DeliveryFee + o.SundryFee - o.Discount - o.UsePoint - o.UseCoupon
	o.UpdatedAt = now
	l.allocatePendingLocked()
	return o.Lines[idx], nil
}

func (l *Server) handleReverseLine(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.orderFromPathLocked(w, r)
	if o == nil {
		return
	}
	lineID, err := strconv.ParseInt(r.PathValue("line_id"), 10, 64)
	if err != nil {
		l.writeError(w, http.StatusNotFound, "not_found", "The sales order line was not found.")
		return
	}
	ln, err := l.reverseLineLocked(o, lineID)
	if errors.Is(err, ErrNotFound) {
		l.writeError(w, http.StatusNotFound, "not_found", "The sales order line was not found.")
		return
	}
	if err != nil {
		l.writeEditError(w, err)
		return
	}
	l.writeJSON(w, http.StatusOK, map[string]any{
		"id": strconv.FormatInt(ln.ID, 10), "status": ln.Status, "article_code": ln.ArticleCode,
		"article_name": ln.ArticleName, "quantity": ln.Quantity, "price": ln.Price,
		"is_parent": flag(ln.IsParent), "is_child": flag(ln.IsChild), "is_partial_cancel": 0,
	})
}

// ReturnToWorking moves a shipped order back to 出荷作業中 (Working), as
// a warehouse may in exceptional cases (reference §3): its shipped
// deliveries lose their tracking numbers and ship date, its lines hold
// their stock again, and updated_at moves. Ship it again with
// ShipSalesOrder (a new tracking number and a new finished_at, later than
// the one it loses: our inference, docs/shipment-notification.md).
func (l *Server) ReturnToWorking(code string) (SalesOrder, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("return to working", code)
	if err != nil {
		return SalesOrder{}, err
	}
	if o.DeliveryStatus != StatusShipped && o.DeliveryStatus != StatusPartlyShipped {
		return SalesOrder{}, fmt.Errorf("return to working %q: it is %s, not shipped", code, o.DeliveryStatus)
	}
	now := l.clock()
	for i := range o.Deliveries {
		d := &o.Deliveries[i]
		if d.DeliveryStatus == StatusShipped {
			d.DocumentStatus, d.DeliveryStatus = StatusWaitingForShipment, StatusWorking
			d.shippedBefore = d.FinishedAt
			d.TrackingNumbers, d.FinishedAt, d.UpdatedAt = nil, time.Time{}, now
		}
	}
	for i := range o.Lines {
		ln := &o.Lines[i]
		if ln.Status != StatusShipped {
			continue
		}
		ln.Status = StatusAllocated
		if inv := l.inv[ln.ArticleCode]; inv != nil && !ln.IsParent && ln.ArticleID != 0 {
			inv.available += ln.Quantity
			inv.allocated += ln.Quantity
			inv.shipped -= ln.Quantity
			inv.updatedAt = now
			ln.AllocatedQuantity = ln.Quantity
		}
	}
	o.DocumentStatus, o.DeliveryStatus, o.DeliveryTrackingNumber = StatusWaitingForShipment, StatusWorking, ""
	o.FinishedAt, o.UpdatedAt = time.Time{}, now
	return cloneSalesOrder(o), nil
}
