package httpapi

import "context"

// Priority ranks the callers waiting for one API budget: a [Limiter] grants
// the next request to the waiter of the highest priority, and among equals
// to the one that has waited longest. The flows share each LOGILESS
// merchant's budget in this order, so a stock full pass never delays a new
// order by more than the requests already granted.
type Priority int

const (
	// PriorityImport is order import: a new order waits for nothing else.
	PriorityImport Priority = 1
	// PriorityShipment is shipment notification.
	PriorityShipment Priority = 2
	// PriorityUnset is a request whose context names no priority (the
	// starter, tests): after the flows that serve customers, before stock.
	PriorityUnset Priority = 3
	// PriorityStock is stock sync, which fills whatever budget is left.
	PriorityStock Priority = 4
)

type priorityKey struct{}

// WithPriority returns ctx carrying p, which every request sent with it
// waits for its limiter at. Each activity sets its flow's priority on entry.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf returns the priority ctx carries, or PriorityUnset.
func PriorityOf(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok {
		return p
	}
	return PriorityUnset
}

// String names a priority in logs.
func (p Priority) String() string {
	switch p {
	case PriorityImport:
		return "import"
	case PriorityShipment:
		return "shipment"
	case PriorityStock:
		return "stock"
	}
	return "unset"
}
