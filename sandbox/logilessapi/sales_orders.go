package logilessapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Status values (LOGILESS enums).
const (
	StatusProcessing           = "Processing"
	StatusWaitingForAllocation = "WaitingForAllocation"
	StatusWaitingForShipment   = "WaitingForShipment"
	StatusWorking              = "Working"
	StatusPartlyShipped        = "PartlyShipped"
	StatusShipped              = "Shipped"
	StatusPending              = "Pending"
	StatusCancel               = "Cancel"
	StatusAllocated            = "Allocated"
	StatusWaitingForTransfer   = "WaitingForTransfer"
)

// PaymentMethods is the subset of LOGILESS payment_method values the fake
// accepts (the real enum has 33 values).
var PaymentMethods = []string{
	"credit_card_payment", "cod", "bank_transfer", "postal_transfer", "cvs_payment",
	"post_payment", "np_atobarai", "gmo_postpay", "kuroneko_postpay", "atone", "paidy",
	"amazon_pay", "rakuten_pay", "paypay", "paypay_credit", "line_pay", "d_payment",
	"au_pay", "merpay", "carrier_payment", "point_payment", "other_payment", "no_payment",
}

// DeliveryMethods is the subset of LOGILESS delivery_method values the fake
// accepts (the real enum has about 60 values).
var DeliveryMethods = []string{
	"yamato", "yamato_compact", "yamato_nekoposu", "yamato_mail", "sagawa", "sagawa_yu_packet",
	"you_pack", "yu_packet", "yu_mail", "click_post", "letter_pack_plus", "letter_pack_light",
	"seino", "fukuyama", "in_store_pickup", "other_delivery",
}

// SalesOrder is one 受注伝票 as the fake stores it (the API renders it with
// LOGILESS's loose typing; Snapshot JSON uses these names).
type SalesOrder struct {
	ID                        int64              `json:"id"`
	Code                      string             `json:"code"`
	OriginalCode              string             `json:"original_code,omitempty"` // before a clears_code reversal
	ObjectCode                string             `json:"object_code"`
	Store                     int64              `json:"store"`
	DocumentStatus            string             `json:"document_status"`
	AllocationStatus          string             `json:"allocation_status"`
	DeliveryStatus            string             `json:"delivery_status"`
	IncomingPaymentStatus     string             `json:"incoming_payment_status"`
	AuthorizationStatus       string             `json:"authorization_status"`
	PaymentMethod             string             `json:"payment_method"`
	DeliveryMethod            string             `json:"delivery_method"`
	Buyer                     SalesOrderParty    `json:"buyer"`
	Recipient                 SalesOrderParty    `json:"recipient"`
	CustomerCode              string             `json:"customer_code,omitempty"`
	DeliveryFee               int64              `json:"delivery_fee"`
	SundryFee                 int64              `json:"sundry_fee"`
	Discount                  int64              `json:"discount"`
	UsePoint                  int64              `json:"use_point"`
	UseCoupon                 int64              `json:"use_coupon"`
	CODTotal                  int64              `json:"cod_total"`
	Subtotal                  int64              `json:"subtotal"`
	TaxTotal                  int64              `json:"tax_total"`
	Total                     int64              `json:"total"`
	TotalQuantity             int                `json:"total_quantity"`
	DeliveryPreferredDate     string             `json:"delivery_preferred_date,omitempty"`
	DeliveryPreferredTimeZone string             `json:"delivery_preferred_time_zone,omitempty"`
	ScheduledShippingDate     string             `json:"scheduled_shipping_date,omitempty"`
	BuyerComment              string             `json:"buyer_comment,omitempty"`
	MerchantComment           string             `json:"merchant_comment,omitempty"`
	PurchasingTimes           int64              `json:"purchasing_times,omitempty"`
	Attrs                     map[string]string  `json:"attrs,omitempty"` // attr1…attr10
	Tags                      []string           `json:"tags,omitempty"`
	WaitingForConfirmation    bool               `json:"waiting_for_confirmation"`
	ConfirmationReasons       []string           `json:"confirmation_reasons,omitempty"`
	ShippingConfirmed         bool               `json:"shipping_confirmed"`
	DeliveryTrackingNumber    string             `json:"delivery_tracking_number,omitempty"`
	OrderedAt                 time.Time          `json:"ordered_at"`
	FinishedAt                time.Time          `json:"finished_at,omitzero"`
	CreatedAt                 time.Time          `json:"created_at"`
	UpdatedAt                 time.Time          `json:"updated_at"`
	Lines                     []SalesOrderLine   `json:"lines"`
	Deliveries                []OutboundDelivery `json:"outbound_deliveries"`
	// Updates counts the PUTs that changed the order; ReversalRequests
	// every reversal request that reached it (applied or refused), so a
	// test can tell "cancelled exactly once".
	Updates          int `json:"updates"`
	ReversalRequests int `json:"reversal_requests"`
}

// SalesOrderParty is the buyer or the recipient of a sales order.
type SalesOrderParty struct {
	Name1      string `json:"name1"`
	Name2      string `json:"name2,omitempty"`
	NameKana1  string `json:"name_kana1,omitempty"`
	NameKana2  string `json:"name_kana2,omitempty"`
	Country    string `json:"country,omitempty"`
	PostCode   string `json:"post_code,omitempty"`
	Prefecture string `json:"prefecture,omitempty"`
	Address1   string `json:"address1,omitempty"`
	Address2   string `json:"address2,omitempty"`
	Address3   string `json:"address3,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Fax        string `json:"fax,omitempty"`
	Email      string `json:"email,omitempty"`
}

// SalesOrderLine is one line. Set articles produce a parent line
// (IsParent) followed by one child line per component (IsChild, ParentID).
type SalesOrderLine struct {
	ID                int64  `json:"id"`
	Code              string `json:"code,omitempty"`
	ArticleID         int64  `json:"article_id,omitempty"` // 0: not in the article master
	ArticleCode       string `json:"article_code"`
	ArticleName       string `json:"article_name"`
	Quantity          int    `json:"quantity"`
	Price             int64  `json:"price"`
	TaxRate           int    `json:"tax_rate"`
	TaxIndicator      string `json:"tax_indicator"`
	Status            string `json:"status"`
	IsParent          bool   `json:"is_parent"`
	IsChild           bool   `json:"is_child"`
	ParentID          int64  `json:"parent_id,omitempty"`
	AllocatedQuantity int    `json:"allocated_quantity"`
	Subtotal          int64  `json:"subtotal"`
	TaxTotal          int64  `json:"tax_total"`
}

// ErrNotFound is returned (wrapped) by Go methods given an unknown code.
var ErrNotFound = errors.New("not found")

// SalesOrder returns the sales order with the given code (current code; a
// clears_code reversal renames it).
func (l *Server) SalesOrder(code string) (SalesOrder, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.orderByCodeLocked(code); o != nil {
		return cloneSalesOrder(o), true
	}
	return SalesOrder{}, false
}

// SalesOrders returns copies of all sales orders, ascending by id.
func (l *Server) SalesOrders() []SalesOrder {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]SalesOrder, 0, len(l.orders))
	for _, o := range l.orders {
		out = append(out, cloneSalesOrder(o))
	}
	return out
}

func (l *Server) orderByCodeLocked(code string) *SalesOrder {
	for _, o := range l.orders {
		if o.Code == code {
			return o
		}
	}
	return nil
}

// orderForLocked returns the order with the given code for a Go method's
// action, or an error wrapping ErrNotFound that names the action and code.
func (l *Server) orderForLocked(action, code string) (*SalesOrder, error) {
	if o := l.orderByCodeLocked(code); o != nil {
		return o, nil
	}
	return nil, fmt.Errorf("%s %q: %w", action, code, ErrNotFound)
}

func cloneSalesOrder(o *SalesOrder) SalesOrder {
	c := *o
	c.Lines = append([]SalesOrderLine(nil), o.Lines...)
	c.Tags = append([]string(nil), o.Tags...)
	c.ConfirmationReasons = append([]string(nil), o.ConfirmationReasons...)
	if o.Attrs != nil {
		c.Attrs = make(map[string]string, len(o.Attrs))
		for k, v := range o.Attrs {
			c.Attrs[k] = v
		}
	}
	c.Deliveries = make([]OutboundDelivery, len(o.Deliveries))
	for i, d := range o.Deliveries {
		d.TrackingNumbers = append([]string(nil), d.TrackingNumbers...)
		d.LineIDs = append([]int64(nil), d.LineIDs...)
		c.Deliveries[i] = d
	}
	return c
}

func (l *Server) handleListSalesOrders(w http.ResponseWriter, r *http.Request) {
	serveList(l, w, r, func(q *listQuery) (func() []*SalesOrder, func(*SalesOrder) bool) {
		id, hasID := q.integer("id")
		store, hasStore := q.integer("store")
		wfc, hasWFC := q.integer("waiting_for_confirmation")
		code, objectCode := q.q.Get("code"), q.q.Get("object_code")
		docStatus, delStatus := q.list("document_status"), q.list("delivery_status")
		allocStatus, payStatus, authStatus := q.list("allocation_status"), q.list("incoming_payment_status"), q.list("authorization_status")
		method := q.q.Get("delivery_method")
		ordered, finished, updated := q.timeRange("ordered_at"), q.timeRange("finished_at"), q.timeRange("updated_at")
		shipDate := q.timeRange("scheduled_shipping_date")
		return func() []*SalesOrder { return l.orders }, func(o *SalesOrder) bool {
			var sched time.Time
			if o.ScheduledShippingDate != "" {
				sched, _ = time.ParseInLocation(dateLayout, o.ScheduledShippingDate, httpfake.JST)
			}
			return !((hasID && o.ID != id) || (hasStore && o.Store != store) ||
				(hasWFC && flag(o.WaitingForConfirmation) != int(wfc)) ||
				(code != "" && !strings.Contains(o.Code, code)) || // partial match, like the real one is suspected to
				(objectCode != "" && o.ObjectCode != objectCode) ||
				(method != "" && o.DeliveryMethod != method) ||
				!matchList(docStatus, o.DocumentStatus) || !matchList(delStatus, o.DeliveryStatus) ||
				!matchList(allocStatus, o.AllocationStatus) || !matchList(payStatus, o.IncomingPaymentStatus) ||
				!matchList(authStatus, o.AuthorizationStatus) ||
				!ordered.match(o.OrderedAt) || !finished.match(o.FinishedAt) || !updated.match(o.UpdatedAt) ||
				!shipDate.match(sched))
		}
	}, l.renderSalesOrderLocked)
}

func (l *Server) handleCreateSalesOrder(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SalesOrder map[string]json.RawMessage `json:"sales_order"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"sales_order": msgInvalidValue})
		return
	}
	if body.SalesOrder == nil {
		l.validationFailed(w, map[string]string{"sales_order": msgBlank})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o, verr := l.createSalesOrderLocked(body.SalesOrder)
	if verr != nil {
		l.validationFailed(w, verr.Fields)
		return
	}
	l.writeJSON(w, http.StatusCreated, l.renderSalesOrderLocked(o))
}

func (l *Server) handleSearchSalesOrders(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Codes []json.RawMessage `json:"codes"`
		IDs   []json.RawMessage `json:"ids"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"codes": msgInvalidValue})
		return
	}
	switch {
	case body.Codes == nil && body.IDs == nil:
		l.validationFailed(w, map[string]string{"codes": "codesまたはidsを指定してください。"})
		return
	case len(body.Codes) > maxSearch:
		l.validationFailed(w, map[string]string{"codes": fmt.Sprintf("%d件以下にしてください。", maxSearch)})
		return
	case len(body.IDs) > maxSearch:
		l.validationFailed(w, map[string]string{"ids": fmt.Sprintf("%d件以下にしてください。", maxSearch)})
		return
	}
	codes, ids := map[string]bool{}, map[int64]bool{}
	for _, raw := range body.Codes {
		if s, ok, _ := httpfake.LooseString(raw); ok {
			codes[s] = true
		}
	}
	for _, raw := range body.IDs {
		if n, ok, _ := httpfake.LooseInt(raw); ok {
			ids[n] = true
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	data := []any{}
	for _, o := range l.orders {
		if codes[o.Code] || ids[o.ID] {
			data = append(data, l.renderSalesOrderLocked(o))
		}
	}
	l.writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (l *Server) orderFromPathLocked(w http.ResponseWriter, r *http.Request) *SalesOrder {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if o := l.ordersByID[id]; err == nil && o != nil {
		return o
	}
	l.writeError(w, http.StatusNotFound, "not_found", "The sales order was not found.")
	return nil
}

func (l *Server) handleGetSalesOrder(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.orderFromPathLocked(w, r); o != nil {
		l.writeJSON(w, http.StatusOK, l.renderSalesOrderLocked(o))
	}
}
