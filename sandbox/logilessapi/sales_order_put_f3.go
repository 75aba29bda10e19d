package logilessapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Stand-in for helper F1's PUT sales_orders/{id} (branch cancel), removed
// when that lands. PUT takes only the fields the reference lists as
// writable; any other key inside "sales_order" is a 400 naming it; a body
// without the wrapper is silently ignored (200, unchanged), as the
// reference reports; 423 once the warehouse works on the order (the
// payment statuses, merchant_comment, attrs and tags excepted), or it is
// shipped or cancelled (our inference). updated_at moves on a change.

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
