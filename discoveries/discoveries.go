// Package discoveries starts and signals the per-shop discovery loops
// (workflows.DiscoverOrders, workflows.DiscoverShipments) from outside a
// workflow: the worker keeps one running per shop and flow (Ensure,
// KeepRunning), a webhook receiver asks one to discover at once
// (DiscoverNow), and the loops learn from SchedulePauses whether their
// flow's Temporal Schedule is paused.
package discoveries

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/workflows"
)

// startOptions are the options that start a shop's discovery loop of a
// flow: its fixed workflow ID, the shop and flow search attributes and the
// flow's summary. A loop that runs is used as it is; one that ended (say,
// terminated by hand) is started anew.
func startOptions(flow workflows.Flow, taskQueue, shop string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       flow.DiscoveryID(shop),
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:            workflows.RunSummary(flow.Name, shop, "") + " (incremental)",
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ShopAttribute.ValueSet(shop),
			workflows.FlowAttribute.ValueSet(flow.Name),
		),
	}
}

func discoveryFlow(name string) (workflows.Flow, error) {
	f, ok := workflows.FlowNamed(name)
	if !ok || f.Discovery == nil {
		return f, fmt.Errorf("flow %q has no discovery loop (want %s or %s)", name, workflows.FlowOrderImport, workflows.FlowShipmentNotification)
	}
	return f, nil
}

// Ensure starts the shop's discovery loop of the flow unless it runs.
// Idempotent: the fixed workflow ID makes a second start use the running
// loop.
func Ensure(ctx context.Context, c client.Client, taskQueue, flow, shop string) error {
	f, err := discoveryFlow(flow)
	if err != nil {
		return err
	}
	if _, err := c.ExecuteWorkflow(ctx, startOptions(f, taskQueue, shop), f.Discovery.Name, workflows.DiscoveryInput{Shop: shop}); err != nil {
		return fmt.Errorf("start the %s discovery of shop %s: %w", flow, shop, err)
	}
	return nil
}

// DiscoverNow asks the shop's discovery loop of the flow to discover at
// once, starting it if it does not run (signal-with-start). Signals that
// arrive while it discovers cost one more discovery in all.
func DiscoverNow(ctx context.Context, c client.Client, taskQueue, flow, shop string, s workflows.DiscoverNow) error {
	f, err := discoveryFlow(flow)
	if err != nil {
		return err
	}
	if _, err := c.SignalWithStartWorkflow(ctx, f.DiscoveryID(shop), workflows.DiscoverNowSignal, s,
		startOptions(f, taskQueue, shop), f.Discovery.Name, workflows.DiscoveryInput{Shop: shop}); err != nil {
		return fmt.Errorf("signal the %s discovery of shop %s: %w", flow, shop, err)
	}
	return nil
}

// EnsureInterval is how often KeepRunning checks the loops.
const EnsureInterval = 5 * time.Minute

// KeepRunning ensures, at once and then every EnsureInterval until ctx
// ends, the discovery loops of every shop and flow that has one. A loop
// of a flow that is off still runs, idle: it costs no API call and wakes up
// as soon as the flow is switched on. Errors are logged and tried again.
func KeepRunning(ctx context.Context, c client.Client, taskQueue string, shops *config.ShopsFile, logger *slog.Logger) {
	for {
		for _, s := range shops.Shops {
			for _, f := range workflows.Flows {
				if f.Discovery == nil {
					continue
				}
				if err := Ensure(ctx, c, taskQueue, f.Name, s.Code); err != nil && ctx.Err() == nil {
					logger.Warn("could not ensure a discovery loop; trying again later", "shop", s.Code, "flow", f.Name, "error", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(EnsureInterval):
		}
	}
}

// SchedulePauses reads the paused state of Temporal Schedules for the
// loops' DiscoveryGate step.
type SchedulePauses struct {
	Client client.ScheduleClient
}

// SchedulePaused reports whether the schedule is paused; one that does not
// exist is not.
func (p SchedulePauses) SchedulePaused(ctx context.Context, id string) (bool, error) {
	desc, err := p.Client.GetHandle(ctx, id).Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return desc.Schedule.State != nil && desc.Schedule.State.Paused, nil
}
