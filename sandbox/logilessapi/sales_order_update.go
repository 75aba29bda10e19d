package logilessapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Edits of an existing sales order: PUT sales_orders/{id} and the line
// reversal POST sales_orders/{id}/sales_order_lines/{line_id}/reversal
// (logiless-api.md §2 "Edit and cancel"), as strictly as the reference
// allows.
//
// PUT takes only the fields the reference lists as writable; any other key
// inside "sales_order" (buyer_comment, delivery_method, lines,
// scheduled_shipping_date, code, …) is a 400 Validation Failed naming it.
// A body without the "sales_order" wrapper is silently ignored (200, the
// order unchanged), as the reference reports. Our inference where the
// reference is open: once the warehouse works on the order (delivery_status
// Working or PartlyShipped) or it is Shipped or cancelled, a change of the
// buyer, the recipient, the delivery preference, the amounts or the payment
// method is a 423; the payment and authorization statuses, merchant_comment,
// attr1-10 and tags stay writable until the order is Shipped or cancelled.
// updated_at moves whenever a value actually changes.

// writableParty are the buyer_* and recipient_* suffixes PUT accepts.
var writableParty = partyFields

// statusOnlyFields stay writable while the order is in work.
var statusOnlyFields = []string{"incoming_payment_status", "authorization_status", "merchant_comment", "tags",
	"attr1", "attr2", "attr3", "attr4", "attr5", "attr6", "attr7", "attr8", "attr9", "attr10"}

// writableFields is every key PUT sales_orders/{id} accepts.
var writableFields = func() []string {
	out := append([]string{}, statusOnlyFields...)
	for _, p := range []string{"buyer_", "recipient_"} {
		for _, f := range writableParty {
			out = append(out, p+f)
		}
	}
	return append(out, "delivery_preferred_date", "delivery_preferred_time_zone",
		"use_point", "use_coupon", "delivery_fee", "sundry_fee", "discount", "payment_method", "purchasing_times")
}()

const msgNotWritable = "このフィールドは変更できません。"

// UpdateSalesOrder applies fields (the "sales_order" object of a PUT) to
// the order with the given code as PUT sales_orders/{id} would, status
// rules included. Validation failures are *ValidationError; a status that
// forbids the change is a 423 error (see lockedError).
func (l *Server) UpdateSalesOrder(code string, fields map[string]any) (SalesOrder, error) {
	raw, err := rawObject(fields)
	if err != nil {
		return SalesOrder{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("update sales order", code)
	if err != nil {
		return SalesOrder{}, err
	}
	if err := l.updateLocked(o, raw, true); err != nil {
		return SalesOrder{}, err
	}
	return cloneSalesOrder(o), nil
}

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
	if err := l.updateLocked(o, raw, false); err != nil {
		return SalesOrder{}, err
	}
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

// updateLocked validates every key before changing anything.
func (l *Server) updateLocked(o *SalesOrder, raw map[string]json.RawMessage, lock bool) error {
	errs := map[string]string{}
	for k := range raw {
		if !slices.Contains(writableFields, k) {
			errs[k] = msgNotWritable
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	f := &fieldReader{raw: raw, errs: errs}
	next := cloneSalesOrder(o)
	has := func(k string) bool { _, ok := raw[k]; return ok }
	for _, side := range []struct {
		prefix string
		p      *SalesOrderParty
	}{{"buyer", &next.Buyer}, {"recipient", &next.Recipient}} {
		dst := map[string]*string{"name1": &side.p.Name1, "name2": &side.p.Name2, "name_kana1": &side.p.NameKana1,
			"name_kana2": &side.p.NameKana2, "country": &side.p.Country, "post_code": &side.p.PostCode,
			"prefecture": &side.p.Prefecture, "address1": &side.p.Address1, "address2": &side.p.Address2,
			"address3": &side.p.Address3, "phone": &side.p.Phone, "fax": &side.p.Fax, "email": &side.p.Email}
		for name, ptr := range dst {
			k := side.prefix + "_" + name
			if !has(k) {
				continue
			}
			required := name == "name1" || (side.prefix == "recipient" && name == "address1")
			*ptr = f.str(k, required)
		}
	}
	if has("delivery_preferred_date") {
		next.DeliveryPreferredDate = f.date("delivery_preferred_date")
	}
	if has("delivery_preferred_time_zone") {
		next.DeliveryPreferredTimeZone = f.str("delivery_preferred_time_zone", false)
	}
	if has("merchant_comment") {
		next.MerchantComment = f.str("merchant_comment", false)
	}
	if has("payment_method") {
		next.PaymentMethod = f.enum("payment_method", true, "", PaymentMethods)
	}
	if has("incoming_payment_status") {
		next.IncomingPaymentStatus = f.enum("incoming_payment_status", true, "", []string{"NotPaid", "PartlyPaid", "Paid"})
	}
	if has("authorization_status") {
		next.AuthorizationStatus = f.enum("authorization_status", true, "",
			[]string{"NotRequired", "Unauthorized", "Authorizing", "Authorized", "Captured", "AuthorizationFailure"})
	}
	for k, dst := range map[string]*int64{"use_point": &next.UsePoint, "use_coupon": &next.UseCoupon,
		"delivery_fee": &next.DeliveryFee, "sundry_fee": &next.SundryFee, "discount": &next.Discount} {
		if has(k) {
			*dst = f.integer(k, true, 0)
			if *dst < 0 {
				f.fail(k, msgNegative)
			}
		}
	}
	if has("purchasing_times") {
		if n := f.integer("purchasing_times", false, 0); n < 0 {
			f.fail("purchasing_times", msgNegative)
		}
	}
	for i := 1; i <= 10; i++ {
		k := fmt.Sprintf("attr%d", i)
		if !has(k) {
			continue
		}
		v := f.str(k, false)
		if next.Attrs == nil {
			next.Attrs = map[string]string{}
		}
		if v == "" {
			delete(next.Attrs, k)
		} else {
			next.Attrs[k] = v
		}
	}
	if has("tags") {
		next.Tags = nil
		if string(raw["tags"]) != "null" {
			if err := json.Unmarshal(raw["tags"], &next.Tags); err != nil {
				f.fail("tags", msgInvalidValue)
			}
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	if lock {
		if err := editLock(o, raw); err != nil {
			return err
		}
	}
	before, _ := json.Marshal(cloneSalesOrder(o))
	after, _ := json.Marshal(next)
	if string(before) == string(after) {
		return nil
	}
	now := l.clock()
	next.Total = next.Subtotal + exclusiveTax(next) + next.DeliveryFee + next.SundryFee - next.Discount - next.UsePoint - next.UseCoupon
	next.UpdatedAt = now
	*o = next
	return nil
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

// editLock is the 423 of a change the order's status forbids.
func editLock(o *SalesOrder, raw map[string]json.RawMessage) error {
	switch o.DeliveryStatus {
	case StatusShipped, StatusCancel:
		return &lockedError{fmt.Sprintf("The sales order cannot be changed: its delivery status is %s.", o.DeliveryStatus)}
	case StatusWorking, StatusPartlyShipped:
		for k := range raw {
			if !slices.Contains(statusOnlyFields, k) {
				return &lockedError{fmt.Sprintf("The sales order cannot be changed while its delivery status is %s (%s).", o.DeliveryStatus, k)}
			}
		}
	}
	return nil
}

func (l *Server) handleUpdateSalesOrder(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	if err := httpfake.ReadJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"sales_order": msgInvalidValue})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.orderFromPathLocked(w, r)
	if o == nil {
		return
	}
	inner, wrapped := body["sales_order"]
	if !wrapped { // silently ignored, as the reference reports of the real API
		l.writeJSON(w, http.StatusOK, l.renderSalesOrderLocked(o))
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(inner, &fields); err != nil || fields == nil {
		l.validationFailed(w, map[string]string{"sales_order": msgInvalidValue})
		return
	}
	if err := l.updateLocked(o, fields, true); err != nil {
		l.writeEditError(w, err)
		return
	}
	l.writeJSON(w, http.StatusOK, l.renderSalesOrderLocked(o))
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
// ShipSalesOrder (a new tracking number).
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
