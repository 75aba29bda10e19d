package ecforceapi

import "fmt"

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
		return Order{}, fmt.Errorf("edit order %d: no such order", id)
	}
	edit(o)
	if len(o.ShippingAddresses) > 0 {
		o.ShippingAddresses[0] = o.ShippingAddress
	}
	o.UpdatedAt = e.clock()
	return cloneOrder(o), nil
}
