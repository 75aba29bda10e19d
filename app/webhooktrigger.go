package app

import (
	"context"
	"fmt"
	"log/slog"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/schedules"
	"github.com/ecforce-logiless/connector/webhook"
	"github.com/ecforce-logiless/connector/workflows"
)

// WebhookTrigger is what an ecforce webhook sets off in Temporal
// (webhook.Trigger): the shop's order discovery, now.
//
// It triggers the shop's order-import Schedule with the overlap policy
// BUFFER_ONE: a discovery starts at once when none runs, and while one
// runs at most one more is kept pending, so a burst of a hundred webhooks
// costs one or two discoveries. Any number of workers may serve webhooks:
// the Schedule is the one place that debounces. The discovery reads every
// order from the API, so a cancellation (order_canceled) is a discovery
// too: a cancelled order is never imported.
type WebhookTrigger struct {
	Client client.Client
	Logger *slog.Logger
}

var _ webhook.Trigger = (*WebhookTrigger)(nil)

// Discover triggers the shop's discovery.
func (t *WebhookTrigger) Discover(ctx context.Context, shop string, _ webhook.Notice) error {
	id := schedules.ScheduleID(workflows.FlowOrderImport, shop)
	err := t.Client.ScheduleClient().GetHandle(ctx, id).Trigger(ctx, client.ScheduleTriggerOptions{
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE,
	})
	if err != nil {
		return fmt.Errorf("trigger schedule %s of shop %s: %w (run `starter schedules` if it is missing)", id, shop, err)
	}
	return nil
}

// Cancel triggers the shop's discovery, which leaves the cancelled order
// alone.
func (t *WebhookTrigger) Cancel(ctx context.Context, shop string, n webhook.Notice) error {
	return t.Discover(ctx, shop, n)
}
