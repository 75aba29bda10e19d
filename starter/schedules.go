package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/schedules"
	"github.com/ecforce-logiless/connector/workflows"
)

// runSchedules manages the Temporal Schedules of every shop and flow.
func runSchedules(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError{"usage: starter schedules apply [--prune] | list | pause|unpause|trigger|delete --shop S --flow F | backfill --shop S --flow F --from T --to T"}
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("schedules "+sub, flag.ContinueOnError)
	prune := fs.Bool("prune", false, "apply: also delete the schedules of shops no longer in the shops file")
	shopCode := fs.String("shop", "", "shop code")
	flow := fs.String("flow", "", "flow: "+flowNames())
	from := fs.String("from", "", "backfill: start, RFC 3339 or 2006-01-02T15:04 (JST)")
	to := fs.String("to", "", "backfill: end, same formats")
	if err := fs.Parse(rest); err != nil {
		return usageError{err.Error()}
	}
	s, err := openSession(ctx, true)
	if err != nil {
		return err
	}
	defer s.close()
	sc := s.client.ScheduleClient()

	switch sub {
	case "apply":
		changes, err := schedules.Apply(ctx, sc, schedules.Plan(s.shops, s.proc.TaskQueue), *prune)
		for _, c := range changes {
			fmt.Fprintln(out, c)
		}
		return err
	case "list":
		return listSchedules(ctx, s, out)
	}

	if _, err := s.shop(*shopCode); err != nil {
		return err
	}
	if !knownFlow(*flow) {
		return usageError{fmt.Sprintf("--flow must be one of %s", flowNames())}
	}
	id := schedules.ScheduleID(*flow, *shopCode)
	h := sc.GetHandle(ctx, id)
	switch sub {
	case "pause":
		err = h.Pause(ctx, client.SchedulePauseOptions{Note: "paused with starter schedules pause"})
	case "unpause":
		err = h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: "unpaused with starter schedules unpause"})
	case "trigger":
		err = h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP})
	case "delete":
		err = h.Delete(ctx)
	case "backfill":
		start, serr := parseCLITime(*from)
		end, eerr := parseCLITime(*to)
		if serr != nil || eerr != nil || !end.After(start) {
			return usageError{"backfill needs --from and --to (RFC 3339 or 2006-01-02T15:04 JST), --to after --from"}
		}
		err = h.Backfill(ctx, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{{
			Start: start, End: end, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL,
		}}})
	default:
		return usageError{fmt.Sprintf("unknown schedules command %q", sub)}
	}
	if err != nil {
		return fmt.Errorf("%s schedule %s: %w", sub, id, err)
	}
	fmt.Fprintf(out, "%s: %s\n", sub, id)
	if sub == "pause" || sub == "unpause" {
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
		next = desc.Info.NextActionTimes[0].In(jst).Format("2006-01-02 15:04:05 JST")
	}
	return fmt.Sprintf("%-36s %-8s %-10s %s", id, state, every, next)
}

var jst = time.FixedZone("JST", 9*60*60)

func parseCLITime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04", s, jst)
}

func knownFlow(name string) bool {
	_, ok := workflows.FlowNamed(name)
	return ok
}

func flowNames() string {
	names := make([]string, len(workflows.Flows))
	for i, f := range workflows.Flows {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
