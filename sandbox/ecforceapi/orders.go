package ecforceapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Order is one order (受注) as the fake stores it. Snapshot JSON uses
// the snake_case names below; the API renders it as a JSON:API resource.
type Order struct {
	ID                       int64       `json:"id"`
	Number                   string      `json:"number"`
	State                    string      `json:"state"`
	PaymentState             string      `json:"payment_state"`
	PaymentMethodName        string      `json:"payment_method_name"`
	Email                    string      `json:"email"`
	CustomerID               int64       `json:"customer_id"`
	Subtotal                 int64       `json:"subtotal"`
	Discount                 int64       `json:"discount"`
	Point                    int64       `json:"point"`
	DelivFee                 int64       `json:"deliv_fee"`
	Charge                   int64       `json:"charge"`
	MiscFee                  int64       `json:"misc_fee"`
	Tax                      int64       `json:"tax"`
	Total                    int64       `json:"total"`
	PaymentTotal             int64       `json:"payment_total"`
	ScheduledToBeShippedAt   time.Time   `json:"scheduled_to_be_shipped_at,omitzero"`
	ScheduledToBeDeliveredAt time.Time   `json:"scheduled_to_be_delivered_at,omitzero"`
	ScheduledDeliveryTime    string      `json:"scheduled_delivery_time,omitempty"`
	ShippingCarrierID        int64       `json:"shipping_carrier_id,omitempty"`
	ShippingSlip             string      `json:"shipping_slip,omitempty"`
	ShippedAt                time.Time   `json:"shipped_at,omitzero"`
	Remark                   string      `json:"remark,omitempty"`
	Memo01                   string      `json:"memo01,omitempty"`
	Memo02                   string      `json:"memo02,omitempty"`
	StockLocationID          int64       `json:"stock_location_id"`
	CreatedAt                time.Time   `json:"created_at"`
	UpdatedAt                time.Time   `json:"updated_at"`
	Items                    []OrderItem `json:"items"`
	ShippingAddress          Address     `json:"shipping_address"`
	BillingAddress           Address     `json:"billing_address"`
	// ShippingAddresses are every destination of an order with several
	// (複数配送先), the first being ShippingAddress; empty for an order with
	// one. MultipleShipping is ecforce's multiple_shipping flag.
	ShippingAddresses []Address `json:"shipping_addresses,omitempty"`
	MultipleShipping  bool      `json:"multiple_shipping,omitempty"`

	// CaptureRequests counts every "sales" request (bulk payment_status or
	// shipping with_sale=1) that reached the shop for the order, whatever
	// its state (one answered 500 or refused before it applied is not
	// counted; one that was a no-op is).
	CaptureRequests int `json:"capture_requests"`
	// CapturesSettled counts the capture jobs that moved payment_state to
	// completed; "captured exactly once" is CapturesSettled == 1.
	CapturesSettled int `json:"captures_settled"`
	// ShipmentReports counts the shipment reports (出荷報告) of a 後払い
	// order: capture requests made while it had a slip and a ship date.
	ShipmentReports int `json:"shipment_reports"`
	// PendingPaymentState is the payment_state an in-flight job will set at
	// PaymentSettlesAt.
	PendingPaymentState string    `json:"pending_payment_state,omitempty"`
	PaymentSettlesAt    time.Time `json:"payment_settles_at,omitzero"`
}

// OrderItem is one order line (order_item).
type OrderItem struct {
	ID            int64  `json:"id"`
	VariantID     int64  `json:"variant_id"`
	VariantSKU    string `json:"variant_sku"`
	ProductNumber string `json:"product_number"`
	ProductName   string `json:"product_name"`
	Price         int64  `json:"price"` // unit price, tax included
	Quantity      int    `json:"quantity"`
	TaxRate       int    `json:"tax_rate"`
}

func cloneOrder(o *Order) Order {
	c := *o
	c.Items = append([]OrderItem(nil), o.Items...)
	c.ShippingAddresses = append([]Address(nil), o.ShippingAddresses...)
	return c
}

// destinations are the order's shipping addresses: ShippingAddresses, or
// the one ShippingAddress.
func (o *Order) destinations() []Address {
	if len(o.ShippingAddresses) > 0 {
		return o.ShippingAddresses
	}
	return []Address{o.ShippingAddress}
}

// hasDestination reports whether id is one of the order's shipping
// addresses.
func (o *Order) hasDestination(id int64) bool {
	for _, a := range o.destinations() {
		if a.ID == id {
			return true
		}
	}
	return false
}

// Order returns a copy of the order with the given numeric id.
func (e *Server) Order(id int64) (Order, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	o, ok := e.ordersByID[id]
	if !ok {
		return Order{}, false
	}
	return cloneOrder(o), true
}

// OrderByNumber returns a copy of the order with the given 受注番号.
func (e *Server) OrderByNumber(number string) (Order, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	for _, o := range e.orders {
		if o.Number == number {
			return cloneOrder(o), true
		}
	}
	return Order{}, false
}

// Orders returns copies of all orders, ascending by id.
func (e *Server) Orders() []Order {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	out := make([]Order, 0, len(e.orders))
	for _, o := range e.orders {
		out = append(out, cloneOrder(o))
	}
	return out
}

var orderFields = ransackFields[*Order]{
	"id":                           func(o *Order) fieldValue { return intVal(o.ID) },
	"number":                       func(o *Order) fieldValue { return strVal(o.Number) },
	"state":                        func(o *Order) fieldValue { return strVal(o.State) },
	"payment_state":                func(o *Order) fieldValue { return strVal(o.PaymentState) },
	"email":                        func(o *Order) fieldValue { return strVal(o.Email) },
	"customer_id":                  func(o *Order) fieldValue { return intVal(o.CustomerID) },
	"total":                        func(o *Order) fieldValue { return intVal(o.Total) },
	"shipping_carrier_id":          func(o *Order) fieldValue { return intVal(o.ShippingCarrierID) },
	"shipping_slip":                func(o *Order) fieldValue { return strVal(o.ShippingSlip) },
	"stock_location_id":            func(o *Order) fieldValue { return intVal(o.StockLocationID) },
	"scheduled_to_be_shipped_at":   func(o *Order) fieldValue { return timeVal(o.ScheduledToBeShippedAt) },
	"scheduled_to_be_delivered_at": func(o *Order) fieldValue { return timeVal(o.ScheduledToBeDeliveredAt) },
	"shipped_at":                   func(o *Order) fieldValue { return timeVal(o.ShippedAt) },
	"created_at":                   func(o *Order) fieldValue { return timeVal(o.CreatedAt) },
	"updated_at":                   func(o *Order) fieldValue { return timeVal(o.UpdatedAt) },
}

func (e *Server) handleListOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	inc := parseIncludes(q)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	e.dropIgnoredFiltersLocked(q)
	orders := applyRansack(append([]*Order(nil), e.orders...), q, orderFields)
	applySort(orders, q.Get("sort"), orderFields, func(o *Order) int64 { return o.ID })
	doc, page := listPage(r, orders, e.orderResourceLocked)
	if len(inc) > 0 {
		doc["included"] = orderIncludedLocked(page, inc)
	}
	httpfake.WriteJSON(w, http.StatusOK, doc)
}

func (e *Server) lookupOrderLocked(w http.ResponseWriter, r *http.Request) *Order {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if o, ok := e.ordersByID[id]; err == nil && ok {
		return o
	}
	writeError(w, http.StatusNotFound, "AOR2001", msgOrderNotFound)
	return nil
}

func (e *Server) handleGetOrder(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	if o := e.lookupOrderLocked(w, r); o != nil {
		httpfake.WriteJSON(w, http.StatusOK, e.orderDocLocked(r, o))
	}
}

// applyOrderAttrsLocked applies the permitted keys of an order update body;
// unpermitted keys are silently dropped (Rails strong parameters). It
// validates everything before changing anything.
func (e *Server) applyOrderAttrsLocked(o *Order, attrs map[string]json.RawMessage) *fieldError {
	next := *o
	for key, raw := range attrs {
		switch key {
		case "state":
			s, _, err := httpfake.LooseString(raw)
			if _, ok := e.stateLabelLocked(s); err != nil || !ok {
				return &errBadState
			}
			next.State = s
		case "shipping_carrier_id":
			id, ok, err := httpfake.LooseInt(raw)
			if err != nil {
				return &errBadCarrier
			}
			if ok {
				if !e.usableCarrierLocked(id) {
					return &errBadCarrier
				}
			}
			next.ShippingCarrierID = id
		case "remark", "memo01", "memo02", "scheduled_delivery_time":
			s, _, err := httpfake.LooseString(raw)
			if err != nil {
				return &fieldError{"AOR3001", key + "パラメータが正しくありません。"}
			}
			switch key {
			case "remark":
				next.Remark = s
			case "memo01":
				next.Memo01 = s
			case "memo02":
				next.Memo02 = s
			default:
				next.ScheduledDeliveryTime = s
			}
		case "scheduled_to_be_shipped_at", "scheduled_to_be_delivered_at":
			s, ok, err := httpfake.LooseString(raw)
			var t time.Time
			if err == nil && ok && s != "" {
				t, err = httpfake.ParseJST(s)
			}
			if err != nil {
				return &fieldError{"AOR3001", key + "パラメータが正しくありません。"}
			}
			if key == "scheduled_to_be_shipped_at" {
				next.ScheduledToBeShippedAt = t
			} else {
				next.ScheduledToBeDeliveredAt = t
			}
		}
	}
	changed := next.State != o.State || next.ShippingCarrierID != o.ShippingCarrierID ||
		next.Remark != o.Remark || next.Memo01 != o.Memo01 || next.Memo02 != o.Memo02 ||
		next.ScheduledDeliveryTime != o.ScheduledDeliveryTime ||
		!next.ScheduledToBeShippedAt.Equal(o.ScheduledToBeShippedAt) ||
		!next.ScheduledToBeDeliveredAt.Equal(o.ScheduledToBeDeliveredAt)
	if changed {
		next.UpdatedAt = e.clock()
		*o = next
	}
	return nil
}

func (e *Server) handleUpdateOrder(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Order map[string]json.RawMessage `json:"order"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil || body.Order == nil {
		writeError(w, http.StatusBadRequest, "AOR3001", "orderパラメータが正しくありません。")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	o := e.lookupOrderLocked(w, r)
	if o == nil {
		return
	}
	if fe := e.applyOrderAttrsLocked(o, body.Order); fe != nil {
		writeError(w, http.StatusUnprocessableEntity, fe.Code, fe.Message)
		return
	}
	httpfake.WriteJSON(w, http.StatusOK, e.orderDocLocked(r, o))
}

func (e *Server) handleBulkUpdateOrders(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Orders []map[string]json.RawMessage `json:"orders"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil || body.Orders == nil {
		writeError(w, http.StatusBadRequest, "AOR3001", "ordersパラメータが正しくありません。")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.admitBulkLocked(w, "bulk_update", "orders", len(body.Orders)) {
		return
	}
	e.settleLocked()
	res := newBulkResult()
	for _, rec := range body.Orders {
		o, id, shown := e.bulkOrderLocked(res, rec)
		if o == nil || e.refusedLocked(res, id, shown) {
			continue
		}
		delete(rec, "id")
		if fe := e.applyOrderAttrsLocked(o, rec); fe != nil {
			res.fail(shown, "AOR", *fe)
			continue
		}
		res.Success = append(res.Success, id)
	}
	httpfake.WriteJSON(w, http.StatusOK, res)
}
