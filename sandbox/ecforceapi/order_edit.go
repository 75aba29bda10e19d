package ecforceapi

import (
	"encoding/json"
	"fmt"
)

// EditOrder changes an order as a shop's staff would on ecforce's order
// screen (the recipient's address, the delivery date and time, the
// customer's remark, the lines): edit gets the stored order, and
// updated_at moves so that a discovery of updated orders sees it. Line ids
// and prices are the caller's; the totals are not recomputed.
func (e *Server) EditOrder(id int64, edit func(*Order)) (Order, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	o, ok := e.ordersByID[id]
	if !ok {
		return Order{}, fmt.Errorf("edit order %d: %w", id, ErrNotFound)
	}
	edit(o)
	if len(o.ShippingAddresses) > 0 {
		o.ShippingAddresses[0] = o.ShippingAddress
	}
	o.UpdatedAt = e.clock()
	return cloneOrder(o), nil
}

// EditOrderJSON is EditOrder with the changes as JSON in the snapshot's
// names (PATCH /_sandbox/orders/{id}): keys given replace their values,
// an address merges field by field, "items" replaces every line, e.g.
// {"shipping_address":{"addr01":"大阪府大阪市北区1-1"},"remark":"置き配"}.
func (e *Server) EditOrderJSON(id int64, changes json.RawMessage) (Order, error) {
	var probe Order
	if err := json.Unmarshal(changes, &probe); err != nil {
		return Order{}, fmt.Errorf("edit order %d: %w", id, err)
	}
	return e.EditOrder(id, func(o *Order) { _ = json.Unmarshal(changes, o) })
}
