package logilessapi

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// ShipOptions says how ShipSalesOrder ships an order.
type ShipOptions struct {
	// Split, when larger than the order's current number of outbound
	// deliveries, first splits the unshipped part into more deliveries
	// (is_multiple_deliveries=1).
	Split int `json:"split,omitempty"`
	// Deliveries ships the next unshipped deliveries, one entry each, in
	// order; more entries than unshipped deliveries split the order. Empty
	// ships every remaining delivery with a generated tracking number.
	Deliveries []DeliveryShipment `json:"deliveries,omitempty"`
}

// DeliveryShipment is the result of shipping one outbound delivery.
type DeliveryShipment struct {
	// TrackingNumbers are the 送り状番号; empty generates one.
	TrackingNumbers []string `json:"tracking_numbers,omitempty"`
	// FinishedAt is the ship time; zero means Clock(). JSON accepts
	// "Y-m-d H:i:s" (JST) or RFC 3339.
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// UnmarshalJSON accepts finished_at as "Y-m-d H:i:s" (JST) or RFC 3339.
func (d *DeliveryShipment) UnmarshalJSON(b []byte) error {
	var w struct {
		TrackingNumbers []string `json:"tracking_numbers"`
		FinishedAt      string   `json:"finished_at"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	d.TrackingNumbers = w.TrackingNumbers
	d.FinishedAt = time.Time{}
	if w.FinishedAt != "" {
		t, err := httpfake.ParseJST(w.FinishedAt)
		if err != nil {
			return fmt.Errorf("finished_at: %w", err)
		}
		d.FinishedAt = t
	}
	return nil
}

// ShipSalesOrder ships a sales order, as the warehouse would: the chosen
// outbound deliveries become Shipped with their tracking numbers and
// finished_at (for a delivery moved back by ReturnToWorking, later than
// its earlier one: an earlier explicit time is refused); the order is PartlyShipped until every delivery has shipped,
// then document_status and delivery_status become Shipped, finished_at is
// set and delivery_tracking_number is the first tracking number. Allocated
// stock is consumed (available and allocated drop). Unallocated orders may
// be shipped too; they consume no stock.
func (l *Server) ShipSalesOrder(code string, opts ShipOptions) (SalesOrder, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("ship sales order", code)
	if err != nil {
		return SalesOrder{}, err
	}
	if o.DocumentStatus == StatusCancel {
		return SalesOrder{}, fmt.Errorf("ship sales order %q: it is cancelled", code)
	}
	now := l.clock()
	var shipped, unshipped []int // indexes into o.Deliveries
	for i, d := range o.Deliveries {
		switch d.DeliveryStatus {
		case StatusCancel:
		case StatusShipped:
			shipped = append(shipped, i)
		default:
			unshipped = append(unshipped, i)
		}
	}
	if len(unshipped) == 0 {
		return SalesOrder{}, fmt.Errorf("ship sales order %q: every delivery has already shipped", code)
	}
	want := len(opts.Deliveries)
	if want == 0 {
		want = max(len(unshipped), opts.Split-len(shipped))
	}
	for n := 0; n < min(len(opts.Deliveries), len(unshipped)); n++ {
		// Deliveries a split adds come after these, so unshipped[n] is
		// the one entry n ships.
		d, at := o.Deliveries[unshipped[n]], opts.Deliveries[n].FinishedAt
		if !at.IsZero() && !d.shippedBefore.IsZero() && !at.After(d.shippedBefore) {
			return SalesOrder{}, fmt.Errorf("ship sales order %q: delivery %s was shipped at %s before it was moved back; shipping it again finishes later, not at %s",
				code, d.Code, formatTime(d.shippedBefore), formatTime(at))
		}
	}
	if target := max(opts.Split-len(shipped), want); target > len(unshipped) {
		l.splitLocked(o, unshipped, target, now)
		unshipped = unshipped[:0]
		for i, d := range o.Deliveries {
			if d.DeliveryStatus != StatusCancel && d.DeliveryStatus != StatusShipped {
				unshipped = append(unshipped, i)
			}
		}
	}
	for n := 0; n < want; n++ {
		var spec DeliveryShipment
		if n < len(opts.Deliveries) {
			spec = opts.Deliveries[n]
		}
		l.shipDeliveryLocked(o, &o.Deliveries[unshipped[n]], spec, now)
	}
	l.refreshOrderDeliveryLocked(o, now)
	return cloneSalesOrder(o), nil
}

// splitLocked replaces the unshipped deliveries (indexes) by n deliveries
// sharing their lines round-robin; the first keep their ids.
func (l *Server) splitLocked(o *SalesOrder, unshipped []int, n int, now time.Time) {
	var lineIDs []int64
	for _, i := range unshipped {
		lineIDs = append(lineIDs, o.Deliveries[i].LineIDs...)
	}
	proto := o.Deliveries[unshipped[0]]
	for len(unshipped) < n {
		d := l.newDeliveryLocked(o, now)
		d.DocumentStatus, d.AllocationStatus, d.DeliveryStatus = proto.DocumentStatus, proto.AllocationStatus, proto.DeliveryStatus
		o.Deliveries = append(o.Deliveries, d)
		unshipped = append(unshipped, len(o.Deliveries)-1)
	}
	for _, i := range unshipped {
		o.Deliveries[i].LineIDs = nil
		o.Deliveries[i].UpdatedAt = now
	}
	for k, id := range lineIDs {
		d := &o.Deliveries[unshipped[k%n]]
		d.LineIDs = append(d.LineIDs, id)
	}
	for _, i := range unshipped { // more parcels than lines: a parcel of the first line
		if len(o.Deliveries[i].LineIDs) == 0 && len(lineIDs) > 0 {
			o.Deliveries[i].LineIDs = []int64{lineIDs[0]}
		}
	}
}

func (l *Server) nextTrackingNumberLocked() string {
	l.trackingSeq++
	return fmt.Sprintf("4%011d", 38000000000+l.trackingSeq)
}

func (l *Server) shipDeliveryLocked(o *SalesOrder, d *OutboundDelivery, spec DeliveryShipment, now time.Time) {
	d.TrackingNumbers = append([]string(nil), spec.TrackingNumbers...)
	if len(d.TrackingNumbers) == 0 {
		d.TrackingNumbers = []string{l.nextTrackingNumberLocked()}
	}
	d.FinishedAt = spec.FinishedAt
	if d.FinishedAt.IsZero() {
		d.FinishedAt = now
		if !now.After(d.shippedBefore) { // shipped again within the second it came back
			d.FinishedAt = d.shippedBefore.Add(time.Second)
		}
	}
	d.DocumentStatus, d.DeliveryStatus, d.UpdatedAt = StatusShipped, StatusShipped, now
	for _, id := range d.LineIDs {
		for i := range o.Lines {
			if o.Lines[i].ID == id {
				l.shipLineLocked(&o.Lines[i], now)
			}
		}
	}
}

func (l *Server) shipLineLocked(ln *SalesOrderLine, now time.Time) {
	if ln.Status == StatusShipped || ln.Status == StatusCancel || ln.IsParent {
		return
	}
	if inv := l.inv[ln.ArticleCode]; inv != nil && ln.ArticleID != 0 {
		switch {
		case ln.AllocatedQuantity > 0:
			inv.allocated -= ln.AllocatedQuantity
			inv.available -= ln.AllocatedQuantity
			inv.shipped += ln.AllocatedQuantity
		case ln.Status == StatusWaitingForAllocation:
			inv.stockOut -= ln.Quantity
		}
		inv.updatedAt = now
	}
	ln.AllocatedQuantity = 0
	ln.Status = StatusShipped
}

// refreshOrderDeliveryLocked derives the order's delivery fields from its
// deliveries.
func (l *Server) refreshOrderDeliveryLocked(o *SalesOrder, now time.Time) {
	active, shipped := 0, 0
	var finished time.Time
	o.DeliveryTrackingNumber = ""
	for _, d := range o.Deliveries {
		if d.DeliveryStatus == StatusCancel {
			continue
		}
		active++
		if d.DeliveryStatus == StatusShipped {
			shipped++
			if d.FinishedAt.After(finished) {
				finished = d.FinishedAt
			}
			if o.DeliveryTrackingNumber == "" && len(d.TrackingNumbers) > 0 {
				o.DeliveryTrackingNumber = d.TrackingNumbers[0]
			}
		}
	}
	o.UpdatedAt = now
	switch {
	case shipped == 0:
	case shipped < active:
		o.DeliveryStatus = StatusPartlyShipped
	default:
		for i := range o.Lines { // lines no delivery carried ship with the last one
			l.shipLineLocked(&o.Lines[i], now)
		}
		o.DocumentStatus, o.DeliveryStatus, o.FinishedAt = StatusShipped, StatusShipped, finished
	}
	for i := range o.Lines { // parents follow their children
		if !o.Lines[i].IsParent {
			continue
		}
		all := true
		for _, c := range o.Lines {
			if c.ParentID == o.Lines[i].ID && c.Status != StatusShipped {
				all = false
			}
		}
		if all {
			o.Lines[i].Status = StatusShipped
		}
	}
}

// MarkDeliveryWorking moves the order's first unshipped delivery to
// 出荷作業中 (delivery_status Working), as the warehouse does when it starts
// picking. Reversal is then refused with 423.
func (l *Server) MarkDeliveryWorking(code string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, err := l.orderForLocked("mark working", code)
	if err != nil {
		return err
	}
	now := l.clock()
	for i := range o.Deliveries {
		d := &o.Deliveries[i]
		if d.DeliveryStatus == StatusWaitingForShipment {
			d.DeliveryStatus, d.UpdatedAt = StatusWorking, now
			o.DeliveryStatus, o.UpdatedAt = StatusWorking, now
			return nil
		}
	}
	return fmt.Errorf("mark working %q: no delivery is waiting for shipment", code)
}
