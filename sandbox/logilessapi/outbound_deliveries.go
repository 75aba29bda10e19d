package logilessapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// OutboundDelivery is one 出荷伝票 of a sales order.
type OutboundDelivery struct {
	ID                    int64     `json:"id"`
	Code                  string    `json:"code"`
	DocumentStatus        string    `json:"document_status"`
	AllocationStatus      string    `json:"allocation_status"`
	DeliveryStatus        string    `json:"delivery_status"`
	DeliveryMethod        string    `json:"delivery_method"`
	ScheduledShippingDate string    `json:"scheduled_shipping_date,omitempty"`
	TrackingNumbers       []string  `json:"delivery_tracking_numbers"`
	FinishedAt            time.Time `json:"finished_at,omitzero"`
	LineIDs               []int64   `json:"line_ids"`
	Warehouse             int64     `json:"warehouse"`
	Store                 int64     `json:"store"`
	CreatedAt             time.Time `json:"created_at"`
	UpdatedAt             time.Time `json:"updated_at"`
	// shippedBefore is the finish time of the delivery's last shipment
	// before it was moved back to 出荷作業中 (ReturnToWorking): shipping it
	// again finishes later.
	shippedBefore time.Time
}

func (l *Server) newDeliveryLocked(o *SalesOrder, now time.Time) OutboundDelivery {
	l.seq.delivery++
	return OutboundDelivery{
		ID: l.seq.delivery, Code: fmt.Sprintf("OD%08d", l.seq.delivery),
		DocumentStatus: o.DocumentStatus, AllocationStatus: o.AllocationStatus, DeliveryStatus: StatusWaitingForShipment,
		DeliveryMethod: o.DeliveryMethod, ScheduledShippingDate: o.ScheduledShippingDate,
		TrackingNumbers: []string{}, Warehouse: DefaultWarehouseID, Store: o.Store,
		CreatedAt: now, UpdatedAt: now,
	}
}

// deliveryRef is an outbound delivery with the sales order it belongs to.
type deliveryRef struct {
	o *SalesOrder
	d OutboundDelivery
}

func (l *Server) deliveriesLocked() []deliveryRef {
	var out []deliveryRef
	for _, o := range l.orders {
		for _, d := range o.Deliveries {
			out = append(out, deliveryRef{o, d})
		}
	}
	slices.SortFunc(out, func(a, b deliveryRef) int { return int(a.d.ID - b.d.ID) })
	return out
}

func (l *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request) {
	serveList(l, w, r, func(q *listQuery) (func() []deliveryRef, func(deliveryRef) bool) {
		id, hasID := q.integer("id")
		store, hasStore := q.integer("store")
		wh, hasWH := q.integer("warehouse")
		objectCode := q.q.Get("object_code")
		docStatus, delStatus := q.list("document_status"), q.list("delivery_status")
		ordered, finished, updated := q.timeRange("ordered_at"), q.timeRange("finished_at"), q.timeRange("updated_at")
		return l.deliveriesLocked, func(ref deliveryRef) bool {
			d := ref.d
			return !((hasID && d.ID != id) || (hasStore && d.Store != store) || (hasWH && d.Warehouse != wh) ||
				(objectCode != "" && d.Code != objectCode) ||
				!matchList(docStatus, d.DocumentStatus) || !matchList(delStatus, d.DeliveryStatus) ||
				!ordered.match(ref.o.OrderedAt) || !finished.match(d.FinishedAt) || !updated.match(d.UpdatedAt))
		}
	}, func(ref deliveryRef) any { return l.renderDeliveryLocked(ref.o, ref.d) })
}

func (l *Server) handleGetDelivery(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ref := range l.deliveriesLocked() {
		if ref.d.ID == id {
			l.writeJSON(w, http.StatusOK, l.renderDeliveryLocked(ref.o, ref.d))
			return
		}
	}
	l.writeError(w, http.StatusNotFound, "not_found", "The outbound delivery was not found.")
}

// renderDeliveryLocked renders an outbound delivery: flags are true/false
// here, and sales_order.id is a string.
func (l *Server) renderDeliveryLocked(o *SalesOrder, d OutboundDelivery) map[string]any {
	lines := []any{}
	stocks := []any{}
	for _, id := range d.LineIDs {
		for _, ln := range o.Lines {
			if ln.ID != id {
				continue
			}
			lines = append(lines, map[string]any{
				"id": ln.ID, "article": articleRef(l.articleByIDLocked(ln.ArticleID)),
				"quantity": ln.Quantity, "origin": map[string]any{"id": ln.ID, "code": o.Code},
			})
			if d.DeliveryStatus == StatusShipped {
				stocks = append(stocks, map[string]any{
					"article_code": ln.ArticleCode, "quantity": ln.Quantity, "lot_number": nil, "deadline": nil,
				})
			}
		}
	}
	return map[string]any{
		"id":                        d.ID,
		"code":                      d.Code,
		"document_status":           d.DocumentStatus,
		"allocation_status":         d.AllocationStatus,
		"delivery_status":           d.DeliveryStatus,
		"delivery_method":           d.DeliveryMethod,
		"scheduled_shipping_date":   httpfake.NullIfEmpty(d.ScheduledShippingDate),
		"delivery_tracking_numbers": nonNil(d.TrackingNumbers),
		"finished_at":               formatTime(d.FinishedAt),
		"lines":                     lines,
		"shipped_actual_stocks":     stocks,
		"warehouse":                 d.Warehouse,
		"store":                     d.Store,
		"sales_order":               map[string]any{"id": strconv.FormatInt(o.ID, 10), "code": o.Code, "parent_code": nil},
		"is_combined":               false,
		"is_multiple_deliveries":    countActive(o.Deliveries) > 1,
		"created_at":                formatTime(d.CreatedAt),
		"updated_at":                formatTime(d.UpdatedAt),
	}
}

func countActive(ds []OutboundDelivery) int {
	n := 0
	for _, d := range ds {
		if d.DeliveryStatus != StatusCancel {
			n++
		}
	}
	return n
}
