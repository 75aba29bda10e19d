package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/schedules"
	"github.com/ecforce-logiless/connector/workflows"
)

// newSchedulesCommand groups the commands on the Temporal Schedules of
// every shop and flow.
func newSchedulesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedules",
		Short: "Manage the Temporal Schedules of every shop and flow",
		Long: `schedules manages the Temporal Schedules that run each shop's flows
(order-import/<shop>, shipment-notification/<shop>, stock-sync/<shop>).
apply makes them what the shops file says; list shows them; the others act on
one schedule now (the next apply restores what the file says).`,
		Example: `  starter schedules apply
  starter schedules list
  starter schedules pause --shop demo --flow order-import
  starter schedules backfill --shop demo --flow order-import --from 2026-11-27T09:00 --to 2026-11-27T12:00`,
		Args: noSubcommand,
		RunE: needSubcommand,
	}
	var prune bool
	apply := &cobra.Command{
		Use:   "apply",
		Short: "Create, update (and with --prune delete) the schedules from the shops file",
		Long: `apply creates or updates one schedule per shop and flow from the shops file and
prints what it changed (created, updated with what differed, unchanged). The
on/off switches of the settings become running or paused schedules. It is
idempotent: run it after every change of the shops file. --prune also deletes
the schedules of shops no longer in the file.`,
		Example: `  starter schedules apply
  starter schedules apply --prune`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSchedulesApply(cmd.Context(), cmd.OutOrStdout(), prune)
		},
	}
	apply.Flags().BoolVar(&prune, "prune", false, "also delete the schedules of shops no longer in the shops file")
	list := &cobra.Command{
		Use:   "list",
		Short: "List every schedule of the shops file: state, interval, next run (JST)",
		Long: `list shows, for every shop and flow of the shops file, whether its schedule is
running or paused, its interval and its next run in JST, or that it is missing.
It reads Temporal only and needs none of the shops' secrets.`,
		Example: `  starter schedules list`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openSession(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer s.close()
			return listSchedules(cmd.Context(), s, cmd.OutOrStdout())
		},
	}
	cmd.AddCommand(apply, list)
	for _, a := range []struct{ name, short, long string }{
		{"pause", "Pause one schedule now", "pause stops one schedule from starting runs until it is unpaused or the next apply restores what the shops file says."},
		{"unpause", "Resume one paused schedule now", "unpause lets one paused schedule start runs again until the next apply restores what the shops file says."},
		{"trigger", "Start one schedule's run now", "trigger starts the schedule's action now (skipped if its previous run still works)."},
		{"delete", "Delete one schedule", "delete removes one schedule; the next apply creates it again if the shop is still in the shops file."},
		{"backfill", "Run the actions of a past period (JST or RFC 3339)", "backfill runs the schedule's actions for a past period, e.g. after an outage; --from and --to are RFC 3339 or 2006-01-02T15:04 in JST."},
	} {
		cmd.AddCommand(newScheduleActionCommand(a.name, a.short, a.long))
	}
	return cmd
}

// newScheduleActionCommand is one of the commands on one schedule.
func newScheduleActionCommand(action, short, long string) *cobra.Command {
	var shopCode, flow, from, to string
	example := fmt.Sprintf("  starter schedules %s --shop demo --flow order-import", action)
	if action == "backfill" {
		example += " --from 2026-11-27T09:00 --to 2026-11-27T12:00\n  starter schedules backfill --shop demo --flow stock-sync --from 2026-11-27T00:00:00Z --to 2026-11-27T03:00:00Z"
	}
	cmd := &cobra.Command{
		Use:     action + " --shop S --flow F",
		Short:   short,
		Long:    long,
		Example: example,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runScheduleAction(cmd.Context(), cmd.OutOrStdout(), action, shopCode, flow, from, to)
		},
	}
	addShopFlag(cmd, &shopCode)
	addFlowFlag(cmd, &flow)
	if action == "backfill" {
		cmd.Flags().StringVar(&from, "from", "", "start, RFC 3339 or 2006-01-02T15:04 (JST) (required)")
		cmd.Flags().StringVar(&to, "to", "", "end, same formats (required)")
		_ = cmd.MarkFlagRequired("from")
		_ = cmd.MarkFlagRequired("to")
	}
	return cmd
}

func runSchedulesApply(ctx context.Context, out io.Writer, prune bool) error {
	s, err := openSession(ctx, true)
	if err != nil {
		return err
	}
	defer s.close()
	changes, err := schedules.Apply(ctx, s.client.ScheduleClient(), schedules.Plan(s.shops, s.proc.TaskQueue), prune)
	for _, c := range changes {
		fmt.Fprintln(out, c)
	}
	return err
}

// runScheduleAction pauses, unpauses, triggers, deletes or backfills one
// schedule.
func runScheduleAction(ctx context.Context, out io.Writer, action, shopCode, flow, from, to string) error {
	if !knownFlow(flow) {
		return usageError{fmt.Sprintf("--flow must be one of %s", strings.Join(flowNames(), ", "))}
	}
	var backfill client.ScheduleBackfill
	if action == "backfill" {
		start, serr := parseCLITime(from)
		end, eerr := parseCLITime(to)
		if serr != nil || eerr != nil || !end.After(start) {
			return usageError{"backfill needs --from and --to (RFC 3339 or 2006-01-02T15:04 JST), --to after --from"}
		}
		backfill = client.ScheduleBackfill{Start: start, End: end, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL}
	}
	s, err := openShopSession(ctx, shopCode)
	if err != nil {
		return err
	}
	defer s.close()
	id := schedules.ScheduleID(flow, shopCode)
	h := s.client.ScheduleClient().GetHandle(ctx, id)
	switch action {
	case "pause":
		err = h.Pause(ctx, client.SchedulePauseOptions{Note: "paused with starter schedules pause"})
	case "unpause":
		err = h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: "unpaused with starter schedules unpause"})
	case "trigger":
		err = h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP})
	case "delete":
		err = h.Delete(ctx)
	case "backfill":
		err = h.Backfill(ctx, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{backfill}})
	default:
		return usageError{fmt.Sprintf("unknown schedules command %q", action)}
	}
	if err != nil {
		return fmt.Errorf("%s schedule %s: %w", action, id, err)
	}
	fmt.Fprintf(out, "%s: %s\n", action, id)
	if action == "pause" || action == "unpause" {
		fmt.Fprintln(out, "note: `starter schedules apply` sets it back to what the shops file says")
	}
	return nil
}

func listSchedules(ctx context.Context, s *session, out io.Writer) error {
	sc := s.client.ScheduleClient()
	fmt.Fprintf(out, "%-36s %-8s %-10s %s\n", "SCHEDULE", "STATE", "INTERVAL", "NEXT RUN")
	for _, d := range schedules.Plan(s.shops, s.proc.TaskQueue) {
		desc, err := sc.GetHandle(ctx, d.ID).Describe(ctx)
		if err != nil {
			fmt.Fprintf(out, "%-36s %-8s %-10s %s\n", d.ID, "missing", d.Every, "run `starter schedules apply`")
			continue
		}
		fmt.Fprintln(out, describeSchedule(d.ID, desc))
	}
	return nil
}

func describeSchedule(id string, desc *client.ScheduleDescription) string {
	state := "running"
	if desc.Schedule.State != nil && desc.Schedule.State.Paused {
		state = "paused"
	}
	every := "-"
	if desc.Schedule.Spec != nil && len(desc.Schedule.Spec.Intervals) > 0 {
		every = desc.Schedule.Spec.Intervals[0].Every.String()
	}
	next := "-"
	if state == "running" && len(desc.Info.NextActionTimes) > 0 {
		next = formatJST(desc.Info.NextActionTimes[0])
	}
	return fmt.Sprintf("%-36s %-8s %-10s %s", id, state, every, next)
}

func knownFlow(name string) bool {
	_, ok := workflows.FlowNamed(name)
	return ok
}

// flowNames are the names of the registry's flows, in its order.
func flowNames() []string {
	names := make([]string, len(workflows.Flows))
	for i, f := range workflows.Flows {
		names[i] = f.Name
	}
	return names
}
