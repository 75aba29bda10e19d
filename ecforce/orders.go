package ecforce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// orderIncludes are the relationships every order read asks for, so one
// request returns the lines and addresses of a whole page of orders.
// shipping_addresses is what tells an order with several destinations
// (複数配送先) apart.
const orderIncludes = "order_items,shipping_address,shipping_addresses,billing_address"

// OrderQuery filters ListOrders. Zero fields do not filter.
type OrderQuery struct {
	// States keeps orders whose 対応状況 key is one of these (q[state_in][]).
	States []string
	// PaymentStates keeps orders whose 決済状況 key is one of these
	// (q[payment_state_in][]).
	PaymentStates []string
	// CreatedFrom keeps orders created at or after it (q[created_at_gteq]).
	CreatedFrom time.Time
	// CreatedBefore keeps orders created before it (q[created_at_lt]).
	CreatedBefore time.Time
	// UpdatedFrom keeps orders updated at or after it (q[updated_at_gteq]).
	UpdatedFrom time.Time
	// ScheduledToShipFrom keeps orders whose 発送予定日 is at or after it
	// (q[scheduled_to_be_shipped_at_gteq]).
	ScheduledToShipFrom time.Time
	// ScheduledToShipBefore keeps orders whose 発送予定日 is before it
	// (q[scheduled_to_be_shipped_at_lt]); e.g. tomorrow 00:00 JST for
	// "scheduled to ship today or earlier".
	ScheduledToShipBefore time.Time
	// IDFrom keeps orders whose numeric id is at least it (q[id_gteq]);
	// a listing that continues where an earlier one stopped.
	IDFrom int64
	// Numbers keeps orders with these 受注番号 (q[number_in][]); at most 100.
	Numbers []string
	// IDs keeps orders with these numeric 受注ID (q[id_in][], ransack,
	// ecforce-api.md §2, §10); at most 100. ransack drops a filter it does
	// not know and answers every order: callers check the ids they get.
	IDs []int64
	// ByUpdatedAt sorts by updated_at, then id (sort=updated_at,id), for an
	// incremental listing from UpdatedFrom; the default sort is by id.
	ByUpdatedAt bool
	// Per is the page size; default and maximum 100.
	Per int
	// MaxPages caps the pages read; default 100. Reaching it returns
	// ErrPageCapReached after the pages read were handed to the callback.
	MaxPages int
}

func (q OrderQuery) values() url.Values {
	v := url.Values{}
	v.Set("include", orderIncludes)
	v.Set("sort", "id") // ascending id: stable while new orders arrive
	if q.ByUpdatedAt {
		v.Set("sort", "updated_at,id")
	}
	for _, id := range q.IDs {
		v.Add("q[id_in][]", strconv.FormatInt(id, 10))
	}
	for _, s := range q.States {
		v.Add("q[state_in][]", s)
	}
	for _, s := range q.PaymentStates {
		v.Add("q[payment_state_in][]", s)
	}
	for _, n := range q.Numbers {
		v.Add("q[number_in][]", n)
	}
	setTime := func(key string, t time.Time) {
		if !t.IsZero() {
			v.Set(key, formatFilter(t))
		}
	}
	if q.IDFrom > 0 {
		v.Set("q[id_gteq]", strconv.FormatInt(q.IDFrom, 10))
	}
	setTime("q[created_at_gteq]", q.CreatedFrom)
	setTime("q[created_at_lt]", q.CreatedBefore)
	setTime("q[updated_at_gteq]", q.UpdatedFrom)
	setTime("q[scheduled_to_be_shipped_at_gteq]", q.ScheduledToShipFrom)
	setTime("q[scheduled_to_be_shipped_at_lt]", q.ScheduledToShipBefore)
	return v
}

// ListOrders calls fn with each page of orders matching q, in ascending id
// order, with their lines and addresses. An error from fn stops the listing
// and is returned as is. If the listing stops at q.MaxPages, the error wraps
// ErrPageCapReached.
func (c *Client) ListOrders(ctx context.Context, q OrderQuery, fn func([]Order) error) error {
	if len(q.Numbers) > maxBulk || len(q.IDs) > maxBulk {
		return fmt.Errorf("ecforce shop %q: list orders: %d order numbers and %d ids given, at most %d per call; split the list", c.shop, len(q.Numbers), len(q.IDs), maxBulk)
	}
	l := listing{what: "list orders", path: "/admin/orders.json", query: q.values(), per: q.Per, maxPages: q.MaxPages}
	return c.paginate(ctx, l, func(doc *document) error {
		orders, err := decodeOrders(doc)
		if err != nil {
			return c.malformed(call{op: l.what, method: http.MethodGet, path: l.path}, err)
		}
		if len(orders) == 0 {
			return nil
		}
		return fn(orders)
	})
}

func decodeOrders(doc *document) ([]Order, error) {
	orders := make([]Order, 0, len(doc.data))
	for i := range doc.data {
		o, err := decodeOrder(doc, &doc.data[i])
		if err != nil {
			return nil, err
		}
		orders = append(orders, o)
	}
	return orders, nil
}

// GetOrder reads one order by its numeric 受注ID, with lines and addresses.
// A missing order is an error wrapping ErrNotFound.
func (c *Client) GetOrder(ctx context.Context, id int64) (Order, error) {
	cl := call{
		op:     fmt.Sprintf("get order %d", id),
		method: http.MethodGet,
		path:   "/admin/orders/" + strconv.FormatInt(id, 10) + ".json",
		query:  url.Values{"include": {orderIncludes}},
	}
	if id <= 0 {
		return Order{}, c.errorf(cl, "invalid order id %d", id)
	}
	body, err := c.do(ctx, cl)
	if err != nil {
		return Order{}, err
	}
	return c.decodeSingleOrder(cl, body, id, true)
}

// decodeSingleOrder decodes a one-order document. With withRelations it
// resolves the lines and addresses (which must then be included); without,
// it reads the order's own attributes only.
func (c *Client) decodeSingleOrder(cl call, body []byte, id int64, withRelations bool) (Order, error) {
	doc, err := decodeDocument(body)
	if err != nil {
		return Order{}, c.malformed(cl, err)
	}
	if len(doc.data) == 0 {
		return Order{}, c.errorf(cl, "%w: ecforce answered without an order", ErrNotFound)
	}
	decode := decodeOrder
	if !withRelations {
		decode = func(_ *document, r *resource) (Order, error) { return decodeOrderAttributes(r) }
	}
	o, err := decode(doc, &doc.data[0])
	if err != nil {
		return Order{}, c.malformed(cl, err)
	}
	if o.ID != id {
		return Order{}, c.malformed(cl, fmt.Errorf("asked for order %d, got order %d", id, o.ID))
	}
	return o, nil
}

// FindOrderByNumber looks an order up by its 受注番号. found is false when
// no order has exactly that number. If ecforce answers with orders of other
// numbers (the filter was ignored), that is an error rather than "not found".
func (c *Client) FindOrderByNumber(ctx context.Context, number string) (order Order, found bool, err error) {
	number = strings.TrimSpace(number)
	cl := call{op: fmt.Sprintf("find order number %s", number), method: http.MethodGet, path: "/admin/orders.json"}
	if number == "" {
		return Order{}, false, c.errorf(cl, "empty order number")
	}
	cl.query = url.Values{
		"include":      {orderIncludes},
		"q[number_eq]": {number},
		"sort":         {"id"},
		"page":         {"1"},
		"per":          {"10"},
	}
	body, err := c.do(ctx, cl)
	if err != nil {
		return Order{}, false, err
	}
	doc, err := decodeDocument(body)
	if err != nil {
		return Order{}, false, c.malformed(cl, err)
	}
	orders, err := decodeOrders(doc)
	if err != nil {
		return Order{}, false, c.malformed(cl, err)
	}
	var matches []Order
	for _, o := range orders {
		if o.Number == number {
			matches = append(matches, o)
		}
	}
	switch {
	case len(matches) == 1:
		return matches[0], true, nil
	case len(matches) > 1:
		return Order{}, false, c.errorf(cl, "%d orders have this number; check them in the ecforce admin", len(matches))
	case len(orders) > 0:
		return Order{}, false, c.errorf(cl, "ecforce ignored the q[number_eq] filter (it returned other orders); the order cannot be looked up safely")
	}
	return Order{}, false, nil
}

// UpdateOrderState sets an order's 対応状況 key and returns the order as
// ecforce answered (without lines and addresses): PUT /admin/orders/:id
// answers with the updated order document, so that answer is the proof of
// the write and no read follows. ecforce silently drops parameters it does
// not accept, so a returned state other than the one asked for is an error
// wrapping ErrStateNotApplied (with the order as answered).
func (c *Client) UpdateOrderState(ctx context.Context, id int64, state string) (Order, error) {
	cl := call{
		op:     fmt.Sprintf("set order %d state to %q", id, state),
		method: http.MethodPut,
		path:   "/admin/orders/" + strconv.FormatInt(id, 10) + ".json",
		body:   map[string]any{"order": map[string]string{"state": state}},
	}
	if id <= 0 || strings.TrimSpace(state) == "" {
		return Order{}, c.errorf(cl, "an order id and a non-empty state key are required")
	}
	body, err := c.do(ctx, cl)
	if err != nil {
		return Order{}, err
	}
	// The answer references the lines and addresses without including them.
	o, err := c.decodeSingleOrder(cl, body, id, false)
	if err != nil {
		return Order{}, err
	}
	if o.State != state {
		return o, c.errorf(cl, "%w: it answered with state %q instead of %q", ErrStateNotApplied, o.State, state)
	}
	return o, nil
}

// StateUpdate is one record of a 対応状況 bulk write.
type StateUpdate struct {
	OrderID int64
	State   string // the 対応状況 key
}

// UpdateOrderStates sets the 対応状況 of up to 100 orders in one
// PUT /admin/orders/bulk_update (ecforce-api.md §3.6, §6). Per-record
// failures (an unknown key: AOR3002) are in the BulkResult, not the error.
// Not retried on 5xx or network errors: re-read the orders and decide.
func (c *Client) UpdateOrderStates(ctx context.Context, updates []StateUpdate) (BulkResult, error) {
	cl := call{op: fmt.Sprintf("set the state of %d orders", len(updates)), method: http.MethodPut, path: "/admin/orders/bulk_update.json"}
	if len(updates) == 0 {
		return BulkResult{}, nil
	}
	if len(updates) > maxBulk {
		return BulkResult{}, c.errorf(cl, "at most %d orders per call; split the batch", maxBulk)
	}
	type record struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	orders := make([]record, 0, len(updates))
	for _, u := range updates {
		if u.OrderID <= 0 || strings.TrimSpace(u.State) == "" {
			return BulkResult{}, c.errorf(cl, "order id %d with state %q: an order id and a non-empty state key are required", u.OrderID, u.State)
		}
		orders = append(orders, record{ID: u.OrderID, State: u.State})
	}
	cl.body = map[string]any{"orders": orders, "check_duplicate_link_numbers": 0}
	return c.doBulk(ctx, cl)
}

// ShippingUpdate is the shipping result for one order (発送結果).
type ShippingUpdate struct {
	// OrderID is the numeric 受注ID.
	OrderID int64
	// ShippingAddressID is needed only for orders with several destinations.
	ShippingAddressID int64
	// ShippingSlip is the tracking number (配送伝票番号); empty is not sent.
	ShippingSlip string
	// ShippingCarrierID is the 配送業者 id; 0 is not sent.
	ShippingCarrierID int64
	// ShippedAt is the ship date (発送日); zero is not sent.
	ShippedAt time.Time
}

type shippingOrderJSON struct {
	ID                int64  `json:"id"`
	ShippingSlip      string `json:"shipping_slip,omitempty"`
	ShippingCarrierID int64  `json:"shipping_carrier_id,omitempty"`
	ShippedAt         string `json:"shipped_at,omitempty"`
	ShippingAddressID int64  `json:"shipping_address_id,omitempty"`
}

// UpdateShipping writes shipping results (at most 100 per call) like the
// 出荷CSVインポート: tracking number, ship date and carrier, overwriting
// existing values; withSale also performs 売上処理. It does not change the
// 対応状況. Per-record failures are in the BulkResult, not the error.
//
// The write is not retried on 5xx or network errors (it may have been
// applied): re-read the orders and decide.
func (c *Client) UpdateShipping(ctx context.Context, updates []ShippingUpdate, withSale bool) (BulkResult, error) {
	cl := call{op: fmt.Sprintf("update shipping of %d orders", len(updates)), method: http.MethodPut, path: "/admin/orders/shipping.json"}
	if len(updates) == 0 {
		return BulkResult{}, nil
	}
	if len(updates) > maxBulk {
		return BulkResult{}, c.errorf(cl, "at most %d orders per call; split the batch", maxBulk)
	}
	orders := make([]shippingOrderJSON, 0, len(updates))
	for _, u := range updates {
		if u.OrderID <= 0 {
			return BulkResult{}, c.errorf(cl, "invalid order id %d", u.OrderID)
		}
		o := shippingOrderJSON{
			ID:                u.OrderID,
			ShippingSlip:      strings.TrimSpace(u.ShippingSlip),
			ShippingCarrierID: u.ShippingCarrierID,
			ShippingAddressID: u.ShippingAddressID,
		}
		if !u.ShippedAt.IsZero() {
			o.ShippedAt = formatFilter(u.ShippedAt)
		}
		orders = append(orders, o)
	}
	cl.body = map[string]any{"orders": orders, "with_sale": boolInt(withSale), "with_async": 0}
	return c.doBulk(ctx, cl)
}

// RequestSales asks ecforce to perform 売上処理 (capture) for the orders, at
// most 100 per call, and returns the id of the asynchronous job. Poll the
// orders' PaymentState to see the outcome. Not retried on 5xx or network
// errors: re-read the orders' payment state and decide.
func (c *Client) RequestSales(ctx context.Context, orderIDs []int64) (string, error) {
	cl := call{op: fmt.Sprintf("request sales processing for %d orders", len(orderIDs)), method: http.MethodPost, path: "/admin/orders/payment_status/bulk_update.json"}
	if len(orderIDs) == 0 {
		return "", c.errorf(cl, "no order ids given")
	}
	if len(orderIDs) > maxBulk {
		return "", c.errorf(cl, "at most %d orders per call; split the batch", maxBulk)
	}
	cl.body = map[string]any{"method": "sales", "order_ids": orderIDs}
	body, err := c.do(ctx, cl)
	if err != nil {
		return "", err
	}
	job, err := decodeJobID(body)
	if err != nil {
		return "", c.malformed(cl, err)
	}
	return job, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// decodeJobID reads {"id":12,"job_id":"1234"}: the job id, else the id.
func decodeJobID(body []byte) (string, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return "", fmt.Errorf("the body is not a JSON object")
	}
	var raw struct {
		ID    jsonlenient.String `json:"id"`
		JobID jsonlenient.String `json:"job_id"`
	}
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return "", err
	}
	switch {
	case raw.JobID != "":
		return string(raw.JobID), nil
	case raw.ID != "":
		return string(raw.ID), nil
	}
	return "", fmt.Errorf("the answer has neither job_id nor id")
}
