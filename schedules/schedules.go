// Package schedules turns the shops file into Temporal Schedules, one per
// shop and flow of the registry workflows.Flows, and applies them
// idempotently: create what is missing, update what differs, leave alone
// what matches, and report each change.
//
// The settings screen's on/off switches (受注取込を自動実行, 出荷通知を自動実行,
// stock sync enabled) map to paused or unpaused schedules, so an operator
// sees in the Web UI exactly which periodic syncs run. The scheduled runs
// also read the switch themselves (the flow's On, through the ShopSwitches
// step), so a schedule unpaused by hand does not override a setting that is
// off.
//
// Policies, chosen on purpose:
//   - Overlap SKIP: every flow is a scan that re-reads what it needs; a run
//     that starts while the previous one still works would add nothing, and
//     buffering would only pile up runs behind a slow API.
//   - Catch-up window of one interval (at least a minute): after a Temporal
//     outage one run catches up; older missed runs are dropped because the
//     next scan covers their window anyway.
//   - Jitter of a tenth of the interval (at most 30 s) spreads shops so
//     they do not hit an API in the same second.
package schedules

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/workflows"
)

// Desired is one schedule as the shops file wants it.
type Desired struct {
	ID           string // <flow>/<shop>
	Shop         string
	Flow         string
	WorkflowID   string // the action's workflow ID; Temporal appends the time
	Workflow     any    // the workflow function
	WorkflowType string
	Args         []any
	Every        time.Duration
	Paused       bool
	TaskQueue    string
}

// ScheduleID is the ID of a shop's schedule for a flow.
func ScheduleID(flow, shop string) string { return flow + "/" + shop }

// Plan lists the schedules the shops file wants, one per shop and flow of
// workflows.Flows, sorted by ID.
func Plan(shops *config.ShopsFile, taskQueue string) []Desired {
	var out []Desired
	for _, s := range shops.Shops {
		for _, f := range workflows.Flows {
			out = append(out, Desired{
				ID: ScheduleID(f.Name, s.Code), Shop: s.Code, Flow: f.Name,
				WorkflowID: f.ScheduledID(s.Code), Workflow: f.Scheduled.Func, WorkflowType: f.Scheduled.Name,
				Args:  []any{f.ScheduledInput(s.Code)},
				Every: f.Interval(s), Paused: !f.OnIn(s), TaskQueue: taskQueue,
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Change is what Apply did to one schedule.
type Change struct {
	ID     string
	Action string // "created", "updated", "unchanged", "deleted"
	Detail string // what differed, for "updated"
}

func (c Change) String() string {
	if c.Detail != "" {
		return fmt.Sprintf("%-9s %s (%s)", c.Action, c.ID, c.Detail)
	}
	return fmt.Sprintf("%-9s %s", c.Action, c.ID)
}

func catchupWindow(every time.Duration) time.Duration {
	return max(every, time.Minute)
}

func jitter(every time.Duration) time.Duration {
	return min(every/10, 30*time.Second)
}

func (d Desired) spec() client.ScheduleSpec {
	return client.ScheduleSpec{
		Intervals: []client.ScheduleIntervalSpec{{Every: d.Every}},
		Jitter:    jitter(d.Every),
	}
}

func (d Desired) action() *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:        d.WorkflowID,
		Workflow:  d.Workflow,
		Args:      d.Args,
		TaskQueue: d.TaskQueue,
		// The Web UI shows it on every run the schedule starts.
		StaticSummary: workflows.RunSummary(d.Flow, d.Shop, ""),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ShopAttribute.ValueSet(d.Shop),
			workflows.FlowAttribute.ValueSet(d.Flow),
		),
	}
}

func (d Desired) note() string {
	if d.Paused {
		return "paused by the shops file: the flow's auto-run setting is off"
	}
	return "running as the shops file says"
}

// Apply makes the server's schedules match desired. With prune, schedules
// of this connector (IDs <flow>/<shop> of a known flow) that desired lacks
// are deleted, e.g. of a shop removed from the file.
func Apply(ctx context.Context, sc client.ScheduleClient, desired []Desired, prune bool) ([]Change, error) {
	var changes []Change
	want := map[string]bool{}
	for _, d := range desired {
		want[d.ID] = true
		c, err := applyOne(ctx, sc, d)
		if err != nil {
			return changes, fmt.Errorf("schedule %s: %w", d.ID, err)
		}
		changes = append(changes, c)
	}
	if !prune {
		return changes, nil
	}
	existing, err := ListIDs(ctx, sc)
	if err != nil {
		return changes, err
	}
	for _, id := range existing {
		if want[id] || !isConnectorScheduleID(id) {
			continue
		}
		if err := sc.GetHandle(ctx, id).Delete(ctx); err != nil {
			return changes, fmt.Errorf("delete schedule %s: %w", id, err)
		}
		changes = append(changes, Change{ID: id, Action: "deleted"})
	}
	return changes, nil
}

func applyOne(ctx context.Context, sc client.ScheduleClient, d Desired) (Change, error) {
	h := sc.GetHandle(ctx, d.ID)
	desc, err := h.Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		_, err := sc.Create(ctx, client.ScheduleOptions{
			ID:            d.ID,
			Spec:          d.spec(),
			Action:        d.action(),
			Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
			CatchupWindow: catchupWindow(d.Every),
			Paused:        d.Paused,
			Note:          d.note(),
		})
		if err != nil {
			return Change{}, fmt.Errorf("create: %w", err)
		}
		return Change{ID: d.ID, Action: "created", Detail: d.summary()}, nil
	}
	if err != nil {
		return Change{}, fmt.Errorf("describe: %w", err)
	}
	diff := differences(desc, d)
	if len(diff) == 0 {
		return Change{ID: d.ID, Action: "unchanged"}, nil
	}
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		s := in.Description.Schedule
		spec := d.spec()
		s.Spec = &spec
		s.Action = d.action()
		s.Policy = &client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: catchupWindow(d.Every)}
		s.State = &client.ScheduleState{Paused: d.Paused, Note: d.note()}
		return &client.ScheduleUpdate{Schedule: &s}, nil
	}})
	if err != nil {
		return Change{}, fmt.Errorf("update: %w", err)
	}
	return Change{ID: d.ID, Action: "updated", Detail: strings.Join(diff, ", ")}, nil
}

func (d Desired) summary() string {
	state := "running"
	if d.Paused {
		state = "paused"
	}
	return fmt.Sprintf("every %s, %s", d.Every, state)
}

// differences says how the server's schedule differs from d.
func differences(desc *client.ScheduleDescription, d Desired) []string {
	var diff []string
	s := desc.Schedule
	var every time.Duration
	if s.Spec != nil && len(s.Spec.Intervals) == 1 {
		every = s.Spec.Intervals[0].Every
	}
	if every != d.Every {
		diff = append(diff, fmt.Sprintf("interval %s → %s", every, d.Every))
	}
	if s.State != nil && s.State.Paused != d.Paused {
		diff = append(diff, fmt.Sprintf("paused %t → %t", s.State.Paused, d.Paused))
	}
	if a, ok := s.Action.(*client.ScheduleWorkflowAction); ok {
		if a.TaskQueue != d.TaskQueue {
			diff = append(diff, fmt.Sprintf("task queue %s → %s", a.TaskQueue, d.TaskQueue))
		}
		if name, _ := a.Workflow.(string); name != d.WorkflowType {
			diff = append(diff, fmt.Sprintf("workflow %v → %s", a.Workflow, d.WorkflowType))
		}
		if want := workflows.RunSummary(d.Flow, d.Shop, ""); a.StaticSummary != want {
			diff = append(diff, fmt.Sprintf("summary %q → %q", a.StaticSummary, want))
		}
		if a.ID != d.WorkflowID {
			diff = append(diff, fmt.Sprintf("workflow ID %s → %s", a.ID, d.WorkflowID))
		}
	} else {
		diff = append(diff, "action is not a workflow start")
	}
	if s.Policy != nil && (s.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP || s.Policy.CatchupWindow != catchupWindow(d.Every)) {
		diff = append(diff, "policies")
	}
	return diff
}

// ListIDs returns the IDs of every schedule in the namespace, sorted.
func ListIDs(ctx context.Context, sc client.ScheduleClient) ([]string, error) {
	iter, err := sc.List(ctx, client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	var ids []string
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return nil, fmt.Errorf("list schedules: %w", err)
		}
		ids = append(ids, e.ID)
	}
	sort.Strings(ids)
	return ids, nil
}

func isConnectorScheduleID(id string) bool {
	flow, shop, ok := strings.Cut(id, "/")
	if !ok || shop == "" {
		return false
	}
	_, known := workflows.FlowNamed(flow)
	return known
}
