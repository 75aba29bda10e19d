package logiless

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// Document statuses of sales orders and outbound deliveries.
const (
	DocumentStatusProcessing           = "Processing"
	DocumentStatusWaitingForPayment    = "WaitingForPayment"
	DocumentStatusWaitingForAllocation = "WaitingForAllocation"
	DocumentStatusWaitingForShipment   = "WaitingForShipment"
	DocumentStatusShipped              = "Shipped"
	DocumentStatusCancel               = "Cancel"
)

// Delivery statuses of sales orders.
const (
	DeliveryStatusWaitingForShipment = "WaitingForShipment"
	DeliveryStatusWorking            = "Working"
	DeliveryStatusPartlyShipped      = "PartlyShipped"
	DeliveryStatusShipped            = "Shipped"
	DeliveryStatusPending            = "Pending"
	DeliveryStatusCancel             = "Cancel"
)

// maxBatch is the most ids or codes a LOGILESS search takes, and the
// largest page size.
const maxBatch = 100

// SalesOrder is a LOGILESS sales order (受注伝票) as read back. Times are
// in JST (UTC+09:00); zero when LOGILESS sent none.
type SalesOrder struct {
	ID                     int64
	Code                   string
	DocumentStatus         string
	DeliveryStatus         string
	AllocationStatus       string
	WaitingForConfirmation bool // 確認待ち
	StoreID                int64
	StoreName              string
	Total                  int64
	// PaymentMethod is the LOGILESS payment_method enum the order was
	// registered with (credit_card_payment, cod, np_atobarai, …).
	PaymentMethod string
	// IncomingPaymentStatus is NotPaid, PartlyPaid or Paid ("" when
	// LOGILESS sent none); AuthorizationStatus is NotRequired,
	// Unauthorized, Authorizing, Authorized, Captured or
	// AuthorizationFailure.
	IncomingPaymentStatus string
	AuthorizationStatus   string
	// DeliveryTrackingNumber is one of the tracking numbers; collect all of
	// them from OutboundDeliveries.
	DeliveryTrackingNumber string
	FinishedAt             time.Time
	UpdatedAt              time.Time
	Lines                  []SalesOrderLine
	OutboundDeliveries     []OutboundDelivery
}

// SalesOrderLine is a line of a SalesOrder.
type SalesOrderLine struct {
	ID          int64
	ArticleCode string
	ArticleName string
	Quantity    int64
	Price       int64
	IsParent    bool // a set (Assortment) line whose components follow as children
	IsChild     bool
	ParentID    int64
	Status      string // WaitingForTransfer, WaitingForAllocation, Allocated, Shipped, Cancel
}

// OutboundDelivery is a LOGILESS outbound delivery (出荷伝票).
type OutboundDelivery struct {
	ID                    int64
	Code                  string // 出荷管理番号
	DocumentStatus        string
	DeliveryStatus        string
	DeliveryMethod        string
	ScheduledShippingDate string   // Y-m-d
	TrackingNumbers       []string // 送り状番号
	FinishedAt            time.Time
	// SalesOrder is the order the delivery belongs to (for combined
	// shipping, the host order); Origins lists every order whose lines it
	// ships, in first-seen order.
	SalesOrder OrderRef
	Origins    []OrderRef
}

// OrderRef names a sales order.
type OrderRef struct {
	ID   int64
	Code string
}

type wireSalesOrderLine struct {
	ID          jsonlenient.Int    `json:"id"`
	ArticleCode jsonlenient.String `json:"article_code"`
	ArticleName jsonlenient.String `json:"article_name"`
	Article     *wireRef           `json:"article"`
	Quantity    jsonlenient.Int    `json:"quantity"`
	Price       jsonlenient.Int    `json:"price"`
	IsParent    jsonlenient.Bool   `json:"is_parent"`
	IsChild     jsonlenient.Bool   `json:"is_child"`
	ParentID    jsonlenient.Int    `json:"parent_id"`
	Status      jsonlenient.String `json:"status"`
}

type wireDeliveryLine struct {
	Origin *wireRef `json:"origin"`
}

type wireOutboundDelivery struct {
	ID                    jsonlenient.Int    `json:"id"`
	Code                  jsonlenient.String `json:"code"`
	DocumentStatus        jsonlenient.String `json:"document_status"`
	Status                jsonlenient.String `json:"status"`
	DeliveryStatus        jsonlenient.String `json:"delivery_status"`
	DeliveryMethod        jsonlenient.String `json:"delivery_method"`
	ScheduledShippingDate jsonlenient.String `json:"scheduled_shipping_date"`
	TrackingNumbers       wireStrings        `json:"delivery_tracking_numbers"`
	TrackingNumber        jsonlenient.String `json:"delivery_tracking_number"`
	FinishedAt            wireTime           `json:"finished_at"`
	SalesOrder            *wireRef           `json:"sales_order"`
	Lines                 []wireDeliveryLine `json:"lines"`
}

type wireSalesOrder struct {
	ID                     jsonlenient.Int        `json:"id"`
	Code                   jsonlenient.String     `json:"code"`
	DocumentStatus         jsonlenient.String     `json:"document_status"`
	Status                 jsonlenient.String     `json:"status"`
	DeliveryStatus         jsonlenient.String     `json:"delivery_status"`
	AllocationStatus       jsonlenient.String     `json:"allocation_status"`
	WaitingForConfirmation jsonlenient.Bool       `json:"waiting_for_confirmation"`
	Store                  wireRef                `json:"store"`
	Total                  jsonlenient.Int        `json:"total"`
	PaymentMethod          jsonlenient.String     `json:"payment_method"`
	IncomingPaymentStatus  jsonlenient.String     `json:"incoming_payment_status"`
	AuthorizationStatus    jsonlenient.String     `json:"authorization_status"`
	DeliveryTrackingNumber jsonlenient.String     `json:"delivery_tracking_number"`
	FinishedAt             wireTime               `json:"finished_at"`
	UpdatedAt              wireTime               `json:"updated_at"`
	Lines                  []wireSalesOrderLine   `json:"lines"`
	OutboundDeliveries     []wireOutboundDelivery `json:"outbound_deliveries"`
}

func (w wireOutboundDelivery) toOutboundDelivery() OutboundDelivery {
	od := OutboundDelivery{
		ID:                    int64(w.ID),
		Code:                  string(w.Code),
		DocumentStatus:        first(string(w.DocumentStatus), string(w.Status)),
		DeliveryStatus:        string(w.DeliveryStatus),
		DeliveryMethod:        string(w.DeliveryMethod),
		ScheduledShippingDate: string(w.ScheduledShippingDate),
		TrackingNumbers:       []string(w.TrackingNumbers),
		FinishedAt:            time.Time(w.FinishedAt),
	}
	if len(od.TrackingNumbers) == 0 && w.TrackingNumber != "" {
		od.TrackingNumbers = []string{string(w.TrackingNumber)}
	}
	if w.SalesOrder != nil {
		od.SalesOrder = OrderRef{ID: w.SalesOrder.ID, Code: w.SalesOrder.Code}
	}
	seen := map[OrderRef]bool{}
	for _, l := range w.Lines {
		if l.Origin == nil {
			continue
		}
		ref := OrderRef{ID: l.Origin.ID, Code: l.Origin.Code}
		if ref != (OrderRef{}) && !seen[ref] {
			seen[ref] = true
			od.Origins = append(od.Origins, ref)
		}
	}
	return od
}

func (w wireSalesOrder) toSalesOrder() SalesOrder {
	so := SalesOrder{
		ID:                     int64(w.ID),
		Code:                   string(w.Code),
		DocumentStatus:         first(string(w.DocumentStatus), string(w.Status)),
		DeliveryStatus:         string(w.DeliveryStatus),
		AllocationStatus:       string(w.AllocationStatus),
		WaitingForConfirmation: bool(w.WaitingForConfirmation),
		StoreID:                w.Store.ID,
		StoreName:              w.Store.Name,
		Total:                  int64(w.Total),
		PaymentMethod:          string(w.PaymentMethod),
		IncomingPaymentStatus:  string(w.IncomingPaymentStatus),
		AuthorizationStatus:    string(w.AuthorizationStatus),
		DeliveryTrackingNumber: string(w.DeliveryTrackingNumber),
		FinishedAt:             time.Time(w.FinishedAt),
		UpdatedAt:              time.Time(w.UpdatedAt),
	}
	for _, l := range w.Lines {
		line := SalesOrderLine{
			ID:          int64(l.ID),
			ArticleCode: string(l.ArticleCode),
			ArticleName: string(l.ArticleName),
			Quantity:    int64(l.Quantity),
			Price:       int64(l.Price),
			IsParent:    bool(l.IsParent),
			IsChild:     bool(l.IsChild),
			ParentID:    int64(l.ParentID),
			Status:      string(l.Status),
		}
		if l.Article != nil {
			line.ArticleCode = first(line.ArticleCode, l.Article.Code)
			line.ArticleName = first(line.ArticleName, l.Article.Name)
		}
		so.Lines = append(so.Lines, line)
	}
	for _, od := range w.OutboundDeliveries {
		so.OutboundDeliveries = append(so.OutboundDeliveries, od.toOutboundDelivery())
	}
	return so
}

// decodeSalesOrder reads one sales order answer (bare or wrapped in
// "sales_order" or "data").
func decodeSalesOrder(body []byte) (SalesOrder, error) {
	w, err := decodeOne[wireSalesOrder](body, "sales_order")
	if err != nil {
		return SalesOrder{}, err
	}
	return w.toSalesOrder(), nil
}

// CreateSalesOrder registers a new sales order (POST sales_orders/new).
// It is never resent: after a transport failure or a 5xx the order may or
// may not exist, so the caller looks the code up (SearchSalesOrdersByCode)
// before trying again. A 400 naming the code is reported by
// IsDuplicateCode.
func (c *Client) CreateSalesOrder(ctx context.Context, in SalesOrderInput) (SalesOrder, error) {
	op := fmt.Sprintf("create sales order %q", in.Code)
	if err := in.Validate(); err != nil {
		return SalesOrder{}, c.opError(op, err)
	}
	body, err := c.do(ctx, request{method: http.MethodPost, path: "/sales_orders/new", body: in})
	if err != nil {
		return SalesOrder{}, c.opError(op, err)
	}
	so, err := decodeSalesOrder(body)
	if err != nil {
		return SalesOrder{}, c.opError(op, fmt.Errorf("%w; the order was probably created: look it up by code",
			c.malformed(http.MethodPost, "/sales_orders/new", body, err)))
	}
	c.log.InfoContext(ctx, "created LOGILESS sales order", "code", so.Code, "id", so.ID)
	return so, nil
}

// GetSalesOrder reads one sales order by its LOGILESS id. A 404 wraps
// ErrNotFound.
func (c *Client) GetSalesOrder(ctx context.Context, id int64) (SalesOrder, error) {
	op := fmt.Sprintf("get sales order id %d", id)
	body, err := c.do(ctx, request{method: http.MethodGet, path: "/sales_orders/" + itoa(id), readOnly: true})
	if err != nil {
		return SalesOrder{}, c.opError(op, err)
	}
	so, err := decodeSalesOrder(body)
	if err != nil {
		return SalesOrder{}, c.opError(op, c.malformed(http.MethodGet, "/sales_orders/"+itoa(id), body, err))
	}
	return so, nil
}

// SearchSalesOrdersByCode finds the sales orders with exactly these codes
// (POST sales_orders/search), 100 codes per request. Codes not found are
// simply absent from the result.
func (c *Client) SearchSalesOrdersByCode(ctx context.Context, codes []string) ([]SalesOrder, error) {
	found, err := c.SearchSalesOrderFieldsByCode(ctx, codes)
	out := make([]SalesOrder, len(found))
	for i, f := range found {
		out[i] = f.SalesOrder
	}
	return out, err
}

func uniqueNonEmpty(values []string) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// SalesOrderQuery filters ListSalesOrders. Zero fields do not filter.
// Time bounds are sent as Y-m-d H:i:s in JST.
type SalesOrderQuery struct {
	DocumentStatuses []string
	DeliveryStatuses []string
	Store            int64
	UpdatedFrom      time.Time
	UpdatedTo        time.Time
	FinishedFrom     time.Time
	FinishedTo       time.Time
	// Code filters by order code; LOGILESS may match partially, so the
	// client keeps only exact matches.
	Code     string
	Limit    int // page size, default and maximum 100
	MaxPages int // default 100; more pages end in ErrPageCapReached
}

// ListSalesOrders pages through GET sales_orders and calls fn with each
// non-empty page. It stops at the end of the data, on fn's error (returned
// as is), or after MaxPages with an error wrapping ErrPageCapReached.
func (c *Client) ListSalesOrders(ctx context.Context, q SalesOrderQuery, fn func([]SalesOrder) error) error {
	v := url.Values{}
	setList(v, "document_status", q.DocumentStatuses)
	setList(v, "delivery_status", q.DeliveryStatuses)
	setID(v, "store", q.Store)
	setTime(v, "updated_at_from", q.UpdatedFrom)
	setTime(v, "updated_at_to", q.UpdatedTo)
	setTime(v, "finished_at_from", q.FinishedFrom)
	setTime(v, "finished_at_to", q.FinishedTo)
	if q.Code != "" {
		v.Set("code", q.Code)
	}
	return listPages(ctx, c, "list sales orders", "/sales_orders", v, q.Limit, q.MaxPages,
		func(items []wireSalesOrder) error {
			page := make([]SalesOrder, 0, len(items))
			for _, w := range items {
				so := w.toSalesOrder()
				if q.Code != "" && so.Code != q.Code {
					continue
				}
				page = append(page, so)
			}
			if len(page) == 0 {
				return nil
			}
			return fn(page)
		})
}

// OutboundDeliveryQuery filters ListOutboundDeliveries.
type OutboundDeliveryQuery struct {
	DocumentStatuses []string
	Store            int64
	FinishedFrom     time.Time
	FinishedTo       time.Time
	Limit            int // default and maximum 100
	MaxPages         int // default 100
}

// ListOutboundDeliveries pages through GET outbound_deliveries, like
// ListSalesOrders.
func (c *Client) ListOutboundDeliveries(ctx context.Context, q OutboundDeliveryQuery, fn func([]OutboundDelivery) error) error {
	v := url.Values{}
	setList(v, "document_status", q.DocumentStatuses)
	setID(v, "store", q.Store)
	setTime(v, "finished_at_from", q.FinishedFrom)
	setTime(v, "finished_at_to", q.FinishedTo)
	return listPages(ctx, c, "list outbound deliveries", "/outbound_deliveries", v, q.Limit, q.MaxPages,
		func(items []wireOutboundDelivery) error {
			page := make([]OutboundDelivery, 0, len(items))
			for _, w := range items {
				page = append(page, w.toOutboundDelivery())
			}
			return fn(page)
		})
}

func setList(v url.Values, key string, values []string) {
	if vals := uniqueNonEmpty(values); len(vals) > 0 {
		v.Set(key, strings.Join(vals, ","))
	}
}

func setID(v url.Values, key string, id int64) {
	if id != 0 {
		v.Set(key, itoa(id))
	}
}

func setTime(v url.Values, key string, t time.Time) {
	if !t.IsZero() {
		v.Set(key, formatTime(t))
	}
}
