package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/discoveries"
	"github.com/ecforce-logiless/connector/webhook"
	"github.com/ecforce-logiless/connector/workflows"
)

// WebhookTrigger is what an ecforce webhook sets off in Temporal
// (webhook.Trigger).
//
// A new order (or a body it cannot read) signals the shop's order
// discovery loop discover-now, starting the loop if it does not run
// (signal-with-start of DiscoverOrders, discover-orders/<shop>). The loop
// debounces: one discovery runs, at most one more is pending, and the
// orders the signals name are handled first, so a burst of a hundred
// webhooks costs one or two discoveries. Any number of workers may serve
// webhooks: the loop is the one place that debounces.
//
// A cancellation naming the order's 受注番号 starts the order's ChangeOrder
// run (order-change/<shop>/<受注番号>), or wakes it when it runs (blocked),
// so the LOGILESS order is cancelled at once; one naming only the order id
// asks the discovery, whose order-change step finds it.
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

// Cancel starts, or wakes, the order's ChangeOrder run.
func (t *WebhookTrigger) Cancel(ctx context.Context, shop string, n webhook.Notice) error {
	if n.Order.Number == "" {
		return t.Discover(ctx, shop, n)
	}
	run := workflows.OrderChangeStart(shop, n.Order.Number, n.Order.ID)
	_, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: run.ID, TaskQueue: t.TaskQueue, WorkflowIDReusePolicy: run.ReusePolicy,
		TypedSearchAttributes: run.SearchAttributes, StaticSummary: run.Summary,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, run.Workflow, run.Input)
	var running *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &running) {
		err = t.Client.SignalWorkflow(ctx, run.ID, "", workflows.WakeSignal, workflows.WakeInput{Reason: "ecforce webhook " + webhook.EventOrderCanceled})
	}
	if err != nil {
		return fmt.Errorf("start the cancellation of order %s of shop %s: %w", n.Order.Number, shop, err)
	}
	return nil
}
