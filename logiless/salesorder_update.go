package logiless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

// Payment statuses a sales order carries (incoming_payment_status and
// authorization_status).
const (
	IncomingPaymentNotPaid    = "NotPaid"
	IncomingPaymentPartlyPaid = "PartlyPaid"
	IncomingPaymentPaid       = "Paid"

	AuthorizationNotRequired  = "NotRequired"
	AuthorizationUnauthorized = "Unauthorized"
	AuthorizationAuthorizing  = "Authorizing"
	AuthorizationAuthorized   = "Authorized"
	AuthorizationCaptured     = "Captured"
	AuthorizationFailure      = "AuthorizationFailure"
)

// SalesOrderUpdate is a change to an existing sales order
// (PUT sales_orders/{id}). It holds only the fields LOGILESS lets PUT
// change; a nil field is left as it is. Buyer and Recipient, when set, are
// sent whole (every field, empty ones as ""), so a removed address line is
// cleared. Lines, the code, the store and buyer_comment cannot be changed
// by PUT at all. fmt and log/slog show only which fields it sets.
type SalesOrderUpdate struct {
	IncomingPaymentStatus *string // NotPaid, PartlyPaid, Paid
	AuthorizationStatus   *string // NotRequired, Unauthorized, Authorizing, Authorized, Captured, AuthorizationFailure
	PaymentMethod         *string

	Buyer     *Party
	Recipient *Party

	DeliveryPreferredDate     *string // Y-m-d, "" clears it
	DeliveryPreferredTimeZone *string

	UsePoint    *int64
	UseCoupon   *int64
	DeliveryFee *int64
	SundryFee   *int64
	Discount    *int64

	PurchasingTimes *int64
	MerchantComment *string
	// Attrs sets attr1…attr10, keyed by number.
	Attrs map[int]string
	// Tags, when not nil, replaces the order's tags.
	Tags []string
}

// Fields lists the LOGILESS field names the update sends, sorted (buyer_*
// and recipient_* stand for the whole party).
func (u SalesOrderUpdate) Fields() []string {
	body := u.fields()
	out := make([]string, 0, len(body))
	seen := map[string]bool{}
	for k := range body {
		switch {
		case strings.HasPrefix(k, "buyer_"):
			k = "buyer_*"
		case strings.HasPrefix(k, "recipient_"):
			k = "recipient_*"
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// String describes the update without personal data.
func (u SalesOrderUpdate) String() string {
	return fmt.Sprintf("logiless.SalesOrderUpdate{Fields: [%s]}", strings.Join(u.Fields(), " "))
}

// GoString hides personal data from %#v.
func (u SalesOrderUpdate) GoString() string { return u.String() }

// Format makes every fmt verb print the redacted String.
func (u SalesOrderUpdate) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, u.String()) }

// LogValue implements slog.LogValuer without personal data.
func (u SalesOrderUpdate) LogValue() slog.Value {
	return slog.GroupValue(slog.String("fields", strings.Join(u.Fields(), ",")))
}

func (u SalesOrderUpdate) fields() map[string]any {
	m := map[string]any{}
	str := func(k string, v *string) {
		if v != nil {
			m[k] = *v
		}
	}
	num := func(k string, v *int64) {
		if v != nil {
			m[k] = *v
		}
	}
	party := func(prefix string, p *Party) {
		if p == nil {
			return
		}
		names := []string{"name1", "name2", "name_kana1", "name_kana2", "country", "post_code",
			"prefecture", "address1", "address2", "address3", "phone", "email"}
		values := []string{p.Name1, p.Name2, p.NameKana1, p.NameKana2, p.Country, p.PostCode,
			p.Prefecture, p.Address1, p.Address2, p.Address3, p.Phone, p.Email}
		for i, n := range names {
			m[prefix+n] = values[i]
		}
	}
	str("incoming_payment_status", u.IncomingPaymentStatus)
	str("authorization_status", u.AuthorizationStatus)
	str("payment_method", u.PaymentMethod)
	party("buyer_", u.Buyer)
	party("recipient_", u.Recipient)
	str("delivery_preferred_date", u.DeliveryPreferredDate)
	str("delivery_preferred_time_zone", u.DeliveryPreferredTimeZone)
	num("use_point", u.UsePoint)
	num("use_coupon", u.UseCoupon)
	num("delivery_fee", u.DeliveryFee)
	num("sundry_fee", u.SundryFee)
	num("discount", u.Discount)
	num("purchasing_times", u.PurchasingTimes)
	str("merchant_comment", u.MerchantComment)
	for n, v := range u.Attrs {
		m[fmt.Sprintf("attr%d", n)] = v
	}
	if u.Tags != nil {
		m["tags"] = u.Tags
	}
	return m
}

// Validate reports an update that sends nothing or something malformed,
// as an error wrapping ErrInvalidInput.
func (u SalesOrderUpdate) Validate() error {
	var problems []string
	if len(u.fields()) == 0 {
		problems = append(problems, "it changes no field")
	}
	if d := u.DeliveryPreferredDate; d != nil && *d != "" {
		if _, err := time.Parse(dateLayout, *d); err != nil || !datePattern.MatchString(*d) {
			problems = append(problems, fmt.Sprintf("delivery_preferred_date %q is not a Y-m-d date", *d))
		}
	}
	for n := range u.Attrs {
		if n < 1 || n > 10 {
			problems = append(problems, fmt.Sprintf("attr%d does not exist (attr1…attr10)", n))
		}
	}
	if u.Recipient != nil && (u.Recipient.Name1 == "" || u.Recipient.Address1 == "") {
		problems = append(problems, "a recipient needs name1 and address1")
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("%w: sales order update: %s", ErrInvalidInput, strings.Join(problems, "; "))
	}
	return nil
}

// MarshalJSON writes the PUT body, always inside the "sales_order" wrapper
// (LOGILESS silently ignores a body without it).
func (u SalesOrderUpdate) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"sales_order": u.fields()})
}

// UpdateSalesOrder changes a sales order (PUT sales_orders/{id}) and
// returns it as LOGILESS answered. It is not resent after a transport
// failure or a 5xx: the caller re-reads the order and decides again. A
// status that forbids the change (the order is being shipped, shipped or
// cancelled) is a 423, reported by IsLocked.
func (c *Client) UpdateSalesOrder(ctx context.Context, id int64, u SalesOrderUpdate) (SalesOrder, error) {
	op := fmt.Sprintf("update sales order id %d (%s)", id, strings.Join(u.Fields(), ", "))
	if err := u.Validate(); err != nil {
		return SalesOrder{}, c.opError(op, err)
	}
	path := "/sales_orders/" + itoa(id)
	body, err := c.do(ctx, request{method: http.MethodPut, path: path, body: u})
	if err != nil {
		return SalesOrder{}, c.opError(op, err)
	}
	so, err := decodeSalesOrder(body)
	if err != nil {
		return SalesOrder{}, c.opError(op, fmt.Errorf("%w; the update was probably applied: read the order again",
			c.malformed(http.MethodPut, path, body, err)))
	}
	c.log.InfoContext(ctx, "updated LOGILESS sales order", "id", id, "fields", strings.Join(u.Fields(), ","))
	return so, nil
}

// ReverseSalesOrder cancels a sales order (POST sales_orders/{id}/reversal):
// LOGILESS sets it and its lines and outbound deliveries to Cancel and
// returns their allocated stock to free. With clearsCode
// (同じ受注コードで新規受注の作成を許可) the cancelled order is renamed to a
// generated 13-digit code starting with "21", so the original code can be
// registered again. It is not resent after a transport failure or a 5xx:
// the caller re-reads the order (by id; the code may have changed) before
// trying again. While the order is being shipped or has shipped LOGILESS
// answers 423 (IsLocked).
func (c *Client) ReverseSalesOrder(ctx context.Context, id int64, clearsCode bool) (SalesOrder, error) {
	op := fmt.Sprintf("reverse (cancel) sales order id %d", id)
	path := "/sales_orders/" + itoa(id) + "/reversal"
	body, err := c.do(ctx, request{method: http.MethodPost, path: path, body: map[string]bool{"clears_code": clearsCode}})
	if err != nil {
		return SalesOrder{}, c.opError(op, err)
	}
	so, err := decodeSalesOrder(body)
	if err != nil {
		return SalesOrder{}, c.opError(op, fmt.Errorf("%w; the order was probably cancelled: read it again",
			c.malformed(http.MethodPost, path, body, err)))
	}
	c.log.InfoContext(ctx, "reversed LOGILESS sales order", "id", id, "code", so.Code, "clears_code", clearsCode)
	return so, nil
}

// IsLocked reports whether err is LOGILESS's 423: the order's status does
// not allow the change.
func IsLocked(err error) bool {
	var se *httpapi.StatusError
	return errors.As(err, &se) && se.API == apiName && se.StatusCode == http.StatusLocked
}
