package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/httpapi"
)

// The flows share each API budget by priority (httpapi.Priority): every
// activity that calls an API marks its context with its flow's priority on
// entry, in one line, so that its requests queue behind those of the flows
// before it and ahead of those after it.
//
// A request may wait a long time for its turn (a backlog of new orders
// holds every notification and stock page back), so the same line makes
// the activity heartbeat while its requests wait for the budget or sleep
// before a retry (httpapi.WithWaitBeat): a live attempt is never timed out
// by a backlog, while a dead worker's attempt is still noticed by its
// heartbeat timeout. An activity whose heartbeats carry progress beats with
// that progress, never with empty details, which would erase it.

// importPriority marks ctx as order import's: served first.
func importPriority(ctx context.Context) context.Context {
	return beatWhileWaiting(httpapi.WithPriority(ctx, httpapi.PriorityImport), nil)
}

// shipmentPriority marks ctx as shipment notification's: after import.
func shipmentPriority(ctx context.Context) context.Context {
	return beatWhileWaiting(httpapi.WithPriority(ctx, httpapi.PriorityShipment), nil)
}

// capturePriority is shipmentPriority for CaptureSales, whose heartbeats
// carry the requests sent so far: progress gives them as they are now.
func capturePriority(ctx context.Context, progress func() any) context.Context {
	return beatWhileWaiting(httpapi.WithPriority(ctx, httpapi.PriorityShipment), progress)
}

// stockPriority marks ctx as stock sync's: whatever budget is left. Its
// heartbeats carry the page's cursor: progress gives it as it is now.
func stockPriority(ctx context.Context, progress func() any) context.Context {
	return beatWhileWaiting(httpapi.WithPriority(ctx, httpapi.PriorityStock), progress)
}

// beatWhileWaiting heartbeats while ctx's requests wait: with progress()
// as the details when given, else with none.
func beatWhileWaiting(ctx context.Context, progress func() any) context.Context {
	if !activity.IsActivity(ctx) {
		return ctx
	}
	return httpapi.WithWaitBeat(ctx, func() {
		if progress == nil {
			activity.RecordHeartbeat(ctx)
			return
		}
		activity.RecordHeartbeat(ctx, progress())
	})
}
