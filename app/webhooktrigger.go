package app

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/discoveries"
	"github.com/ecforce-logiless/connector/webhook"
	"github.com/ecforce-logiless/connector/workflows"
)

// WebhookTrigger is what an ecforce webhook sets off in Temporal
// (webhook.Trigger).
//
// Every webhook signals the shop's order discovery loop discover-now,
// starting the loop if it does not run (signal-with-start of
// DiscoverOrders, discover-orders/<shop>). The loop debounces: one
// discovery runs, at most one more is pending, and the orders the signals
// name are handled first, so a burst of a hundred webhooks costs one or two
// discoveries. Any number of workers may serve webhooks: the loop is the
// one place that debounces.
type WebhookTrigger struct {
	Client client.Client
	// TaskQueue is where the runs it starts go (the worker's).
	TaskQueue string
	Logger    *slog.Logger
}

var _ webhook.Trigger = (*WebhookTrigger)(nil)

// Discover signals the shop's discovery loop.
func (t *WebhookTrigger) Discover(ctx context.Context, shop string, n webhook.Notice) error {
	event := n.Event
	if event == "" {
		event = webhookEvent(n)
	}
	return discoveries.DiscoverNow(ctx, t.Client, t.TaskQueue, workflows.FlowOrderImport, shop,
		workflows.DiscoverNow{Event: event, OrderID: n.Order.ID, OrderNumber: n.Order.Number})
}

// webhookEvent names what a webhook without an event name said.
func webhookEvent(n webhook.Notice) string {
	if n.Cancellation() {
		return webhook.EventOrderCanceled
	}
	return "webhook"
}

// Cancel signals the discovery too, naming the order: a cancelled order
// is never imported, and the discovery's updated orders are where the
// cancellation of an imported one is handled.
func (t *WebhookTrigger) Cancel(ctx context.Context, shop string, n webhook.Notice) error {
	return t.Discover(ctx, shop, n)
}
