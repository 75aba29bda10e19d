package logilessapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// msgNotWritable answers a PUT field LOGILESS does not let PUT change
// (our inference: the reference lists the writable fields; the real
// server's answer to others is not known, so the fake refuses them rather
// than ignore them, and a client sending one is caught).
const msgNotWritable = "この項目は変更できません。"

// writableScalars are the PUT fields besides the buyer_*/recipient_*
// parties, attr1…attr10 and tags (logiless-api.md §2 "Edit and cancel").
var writableScalars = []string{
	"incoming_payment_status", "authorization_status", "payment_method",
	"delivery_preferred_date", "delivery_preferred_time_zone",
	"use_point", "use_coupon", "delivery_fee", "sundry_fee", "discount",
	"purchasing_times", "merchant_comment",
}

// updateLocked reports why the order's status forbids a PUT (a 423), ""
// when it may change: once the warehouse works on it, it has shipped (in
// part) or it is cancelled (our inference of "a status that forbids the
// change").
func updateLocked(o *SalesOrder) string {
	switch {
	case o.DocumentStatus == StatusCancel || o.DeliveryStatus == StatusCancel:
		return "The sales order has been cancelled."
	case o.DocumentStatus == StatusShipped || o.DeliveryStatus == StatusShipped:
		return "The sales order has been shipped."
	case o.DeliveryStatus == StatusWorking || o.DeliveryStatus == StatusPartlyShipped:
		return fmt.Sprintf("The sales order cannot be changed while it is %s.", o.DeliveryStatus)
	}
	return ""
}

func writableField(key string) bool {
	for _, prefix := range []string{"buyer_", "recipient_"} {
		if name, ok := strings.CutPrefix(key, prefix); ok {
			return slices.Contains(partyFields, name)
		}
	}
	if n, ok := strings.CutPrefix(key, "attr"); ok {
		for i := 1; i <= 10; i++ {
			if n == fmt.Sprint(i) {
				return true
			}
		}
		return false
	}
	return key == "tags" || slices.Contains(writableScalars, key)
}

// UpdateSalesOrder changes the order with the given code like
// PUT sales_orders/{id} with {"sales_order": fields}: only writable fields,
// validated like a create, 423 (*lockedError) once the order is in work,
// shipped or cancelled.
func (l *Server) UpdateSalesOrder(code string, fields map[string]any) (SalesOrder, error) {
	b, err := json.Marshal(fields)
	if err != nil {
		return SalesOrder{}, fmt.Errorf("update sales order %q: %w", code, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return SalesOrder{}, fmt.Errorf("update sales order %q: want a JSON object: %w", code, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("update sales order", code)
	if err != nil {
		return SalesOrder{}, err
	}
	if msg := updateLocked(o); msg != "" {
		return SalesOrder{}, &lockedError{msg}
	}
	if verr := l.applyUpdateLocked(o, raw); verr != nil {
		return SalesOrder{}, verr
	}
	return cloneSalesOrder(o), nil
}

// applyUpdateLocked validates every field of a PUT body, then applies
// them all or none. A change moves updated_at and counts in Updates.
func (l *Server) applyUpdateLocked(o *SalesOrder, raw map[string]json.RawMessage) *ValidationError {
	errs := map[string]string{}
	f := &fieldReader{raw: raw, errs: errs}
	for key := range raw {
		if !writableField(key) {
			errs[key] = msgNotWritable
		}
	}
	next := cloneSalesOrder(o)
	has := func(k string) bool { _, ok := raw[k]; return ok }
	if has("incoming_payment_status") {
		next.IncomingPaymentStatus = f.enum("incoming_payment_status", true, "", []string{"NotPaid", "PartlyPaid", "Paid"})
	}
	if has("authorization_status") {
		next.AuthorizationStatus = f.enum("authorization_status", true, "",
			[]string{"NotRequired", "Unauthorized", "Authorizing", "Authorized", "Captured", "AuthorizationFailure"})
	}
	if has("payment_method") {
		next.PaymentMethod = f.enum("payment_method", true, "", PaymentMethods)
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
	for key, dst := range map[string]*int64{"use_point": &next.UsePoint, "use_coupon": &next.UseCoupon,
		"delivery_fee": &next.DeliveryFee, "sundry_fee": &next.SundryFee, "discount": &next.Discount,
		"purchasing_times": &next.PurchasingTimes} {
		if has(key) {
			if *dst = f.integer(key, true, 0); *dst < 0 {
				f.fail(key, msgNegative)
			}
		}
	}
	for _, p := range []struct {
		prefix   string
		dst      *SalesOrderParty
		required []string
	}{{"buyer", &next.Buyer, []string{"name1"}}, {"recipient", &next.Recipient, []string{"name1", "address1"}}} {
		for _, name := range partyFields {
			key := p.prefix + "_" + name
			if !has(key) {
				continue
			}
			v := f.str(key, slices.Contains(p.required, name))
			*p.dst = setPartyField(*p.dst, name, v)
		}
	}
	for i := 1; i <= 10; i++ {
		key := fmt.Sprintf("attr%d", i)
		if !has(key) {
			continue
		}
		v := f.str(key, false)
		if next.Attrs == nil {
			next.Attrs = map[string]string{}
		}
		if v == "" {
			delete(next.Attrs, key)
		} else {
			next.Attrs[key] = v
		}
	}
	if raw, ok := raw["tags"]; ok {
		next.Tags = nil
		if string(raw) != "null" && json.Unmarshal(raw, &next.Tags) != nil {
			errs["tags"] = msgInvalidValue
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	if changed, _ := json.Marshal(next); string(changed) != string(mustJSON(cloneSalesOrder(o))) {
		next.UpdatedAt = l.clock()
		next.Updates = o.Updates + 1
		*o = next
	}
	return nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func setPartyField(p SalesOrderParty, name, v string) SalesOrderParty {
	switch name {
	case "name1":
		p.Name1 = v
	case "name2":
		p.Name2 = v
	case "name_kana1":
		p.NameKana1 = v
	case "name_kana2":
		p.NameKana2 = v
	case "country":
		p.Country = v
	case "post_code":
		p.PostCode = v
	case "prefecture":
		p.Prefecture = v
	case "address1":
		p.Address1 = v
	case "address2":
		p.Address2 = v
	case "address3":
		p.Address3 = v
	case "phone":
		p.Phone = v
	case "fax":
		p.Fax = v
	case "email":
		p.Email = v
	}
	return p
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
	if !wrapped {
		// A body without the wrapper is silently ignored (logiless-api.md
		// §2, INFERRED): 200 with the order unchanged.
		l.writeJSON(w, http.StatusOK, l.renderSalesOrderLocked(o))
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(inner, &fields); err != nil || fields == nil {
		l.validationFailed(w, map[string]string{"sales_order": msgInvalidValue})
		return
	}
	if msg := updateLocked(o); msg != "" {
		l.writeError(w, http.StatusLocked, "locked", msg)
		return
	}
	if verr := l.applyUpdateLocked(o, fields); verr != nil {
		l.validationFailed(w, verr.Fields)
		return
	}
	l.writeJSON(w, http.StatusOK, l.renderSalesOrderLocked(o))
}
