package activities

import (
	"context"

	"github.com/ecforce-logiless/connector/httpapi"
)

// The flows share each API budget by priority (httpapi.Priority): every
// activity that calls an API marks its context with its flow's priority on
// entry, in one line, so that its requests queue behind those of the flows
// before it and ahead of those after it.

// importPriority marks ctx as order import's: served first.
func importPriority(ctx context.Context) context.Context {
	return httpapi.WithPriority(ctx, httpapi.PriorityImport)
}

// shipmentPriority marks ctx as shipment notification's: after import.
func shipmentPriority(ctx context.Context) context.Context {
	return httpapi.WithPriority(ctx, httpapi.PriorityShipment)
}

// stockPriority marks ctx as stock sync's: whatever budget is left.
func stockPriority(ctx context.Context) context.Context {
	return httpapi.WithPriority(ctx, httpapi.PriorityStock)
}
