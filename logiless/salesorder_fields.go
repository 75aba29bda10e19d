package logiless

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// EditableKeys are the sales order fields an edit of the ecforce order
// can touch, as LOGILESS names them in its answers: the buyer and the
// recipient, the delivery preference, the payment method and amounts (all
// writable by PUT), and buyer_comment and delivery_method (create-only).
// SalesOrderFields.Values holds those LOGILESS sent.
var EditableKeys = func() []string {
	var keys []string
	for _, side := range []string{"buyer_", "recipient_"} {
		for _, f := range []string{"name1", "name2", "name_kana1", "name_kana2", "country", "post_code",
			"prefecture", "address1", "address2", "address3", "phone", "email"} {
			keys = append(keys, side+f)
		}
	}
	return append(keys, "delivery_preferred_date", "delivery_preferred_time_zone", "payment_method",
		"use_point", "use_coupon", "delivery_fee", "sundry_fee", "discount", "buyer_comment", "delivery_method")
}()

// SalesOrderFields is a sales order as read for an edit: its statuses,
// lines and times (SalesOrder), when it was created, and the EditableKeys
// LOGILESS sent, as text (null is "", numbers in decimal). A key LOGILESS
// left out is absent from Values: its value is unknown, not empty. It holds
// personal data: fmt and log/slog show only its id, code and which keys
// it has.
type SalesOrderFields struct {
	SalesOrder SalesOrder
	CreatedAt  time.Time
	Values     map[string]string
}

// String describes the order without personal data.
func (f SalesOrderFields) String() string {
	keys := make([]string, 0, len(f.Values))
	for k := range f.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("logiless.SalesOrderFields{ID: %d, Code: %q, Keys: %v, personal data redacted}", f.SalesOrder.ID, f.SalesOrder.Code, keys)
}

// GoString hides personal data from %#v.
func (f SalesOrderFields) GoString() string { return f.String() }

// Format makes every fmt verb print the redacted String.
func (f SalesOrderFields) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, f.String()) }

// LogValue implements slog.LogValuer without personal data.
func (f SalesOrderFields) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("id", f.SalesOrder.ID), slog.String("code", f.SalesOrder.Code), slog.Int("keys", len(f.Values)))
}

// DecodeSalesOrderFields reads one sales order object (bare, or wrapped in
// "sales_order" or "data") with its editable fields.
func DecodeSalesOrderFields(body []byte) (SalesOrderFields, error) {
	w, err := decodeOne[wireSalesOrder](body, "sales_order")
	if err != nil {
		return SalesOrderFields{}, err
	}
	raw, err := decodeOne[map[string]json.RawMessage](body, "sales_order")
	if err != nil {
		return SalesOrderFields{}, err
	}
	out := SalesOrderFields{SalesOrder: w.toSalesOrder(), Values: map[string]string{}}
	if c, ok := raw["created_at"]; ok {
		var t wireTime
		if err := json.Unmarshal(c, &t); err != nil {
			return SalesOrderFields{}, fmt.Errorf("created_at: %w", err)
		}
		out.CreatedAt = time.Time(t)
	}
	for _, k := range EditableKeys {
		v, ok := raw[k]
		if !ok {
			continue
		}
		if t := bytes.TrimSpace(v); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			return SalesOrderFields{}, fmt.Errorf("%s: want a string or number, got %c…", k, t[0])
		}
		var s jsonlenient.String
		if err := json.Unmarshal(v, &s); err != nil {
			return SalesOrderFields{}, fmt.Errorf("%s: %w", k, err)
		}
		out.Values[k] = string(s)
	}
	return out, nil
}

// GetSalesOrderFields reads one sales order with its editable fields,
// through the documented POST sales_orders/search by id. An id LOGILESS
// does not know wraps ErrNotFound.
func (c *Client) GetSalesOrderFields(ctx context.Context, id int64) (SalesOrderFields, error) {
	op := fmt.Sprintf("read sales order id %d", id)
	found, err := c.searchSalesOrderFields(ctx, op, map[string][]int64{"ids": {id}}, false)
	if err != nil {
		return SalesOrderFields{}, err
	}
	for _, f := range found {
		if f.SalesOrder.ID == id {
			return f, nil
		}
	}
	return SalesOrderFields{}, c.opError(op, fmt.Errorf("%w: LOGILESS has no sales order with id %d", ErrNotFound, id))
}

// SearchSalesOrderFieldsByCode is SearchSalesOrdersByCode with each
// order's editable fields (SalesOrderFields), for comparing it with the
// ecforce order without another read: the same documented POST
// sales_orders/search, the same answer. An order whose fields do not
// decode (a key that is not a string or number) comes with Values nil:
// unknown, unlike an empty map.
func (c *Client) SearchSalesOrderFieldsByCode(ctx context.Context, codes []string) ([]SalesOrderFields, error) {
	want := uniqueNonEmpty(codes)
	var out []SalesOrderFields
	for start := 0; start < len(want); start += maxBatch {
		batch := want[start:min(start+maxBatch, len(want))]
		op := fmt.Sprintf("search sales orders by %d codes (%s…)", len(batch), batch[0])
		found, err := c.searchSalesOrderFields(ctx, op, map[string][]string{"codes": batch}, true)
		if err != nil {
			return nil, err
		}
		inBatch := make(map[string]bool, len(batch))
		for _, code := range batch {
			inBatch[code] = true
		}
		for _, f := range found {
			if inBatch[f.SalesOrder.Code] {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// searchSalesOrderFields sends one POST sales_orders/search with body and
// decodes every sales order of the answer with its fields. With
// fieldsMayFail, an order whose fields do not decode still counts, with
// Values nil (its fields unknown); otherwise the answer is malformed.
func (c *Client) searchSalesOrderFields(ctx context.Context, op string, body any, fieldsMayFail bool) ([]SalesOrderFields, error) {
	const path = "/sales_orders/search"
	answer, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body, readOnly: true})
	if err != nil {
		return nil, c.opError(op, err)
	}
	items, err := decodeList[json.RawMessage](answer)
	if err != nil {
		return nil, c.opError(op, c.malformed(http.MethodPost, path, answer, err))
	}
	out := make([]SalesOrderFields, 0, len(items))
	for _, item := range items {
		f, err := DecodeSalesOrderFields(item)
		if err != nil && fieldsMayFail {
			var w wireSalesOrder
			if w, err = decodeOne[wireSalesOrder](item, "sales_order"); err == nil {
				f = SalesOrderFields{SalesOrder: w.toSalesOrder()}
			}
		}
		if err != nil {
			return nil, c.opError(op, c.malformed(http.MethodPost, path, answer, err))
		}
		out = append(out, f)
	}
	return out, nil
}

// ReverseSalesOrderLine cancels one line of a sales order
// (POST sales_orders/{id}/sales_order_lines/{line_id}/reversal): LOGILESS
// returns its allocated stock to free; cancelling the last remaining line
// cancels the order. It is not resent after a transport failure or a 5xx:
// the caller re-reads the order and decides again. LOGILESS answers 423
// (IsLocked) once the warehouse works on the order.
func (c *Client) ReverseSalesOrderLine(ctx context.Context, orderID, lineID int64) error {
	op := fmt.Sprintf("reverse line %d of sales order id %d", lineID, orderID)
	path := "/sales_orders/" + itoa(orderID) + "/sales_order_lines/" + itoa(lineID) + "/reversal"
	if _, err := c.do(ctx, request{method: http.MethodPost, path: path}); err != nil {
		return c.opError(op, err)
	}
	c.log.InfoContext(ctx, "reversed LOGILESS sales order line", "id", orderID, "line", lineID)
	return nil
}
