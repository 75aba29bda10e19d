package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/schedules"
	"github.com/ecforce-logiless/connector/workflows"
)

func TestSchedulesApplyIsIdempotentAndFollowsSettings(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{})
	o := seedImportScenario(t, s)
	sc := temporalClient.ScheduleClient()
	load := func() *config.ShopsFile {
		shops, err := config.LoadShops(filepath.Join(s.dir, "shops.yaml"), func(string) (string, bool) { return "x", true })
		if err != nil {
			t.Fatal(err)
		}
		return shops
	}
	t.Cleanup(func() {
		for _, d := range schedules.Plan(load(), s.taskQueue) {
			_ = sc.GetHandle(ctx, d.ID).Delete(ctx)
		}
	})

	first, err := schedules.Apply(ctx, sc, schedules.Plan(load(), s.taskQueue), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(workflows.Flows) || first[0].Action != "created" {
		t.Fatalf("first apply = %v; want one created schedule per flow", first)
	}
	again, err := schedules.Apply(ctx, sc, schedules.Plan(load(), s.taskQueue), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range again {
		if c.Action != "unchanged" {
			t.Errorf("second apply changed %v; want nothing changed", c)
		}
	}

	// Switching 受注取込を自動実行 off pauses the schedule; the interval follows
	// too (the schedule runs the sweep: sweep_interval).
	yaml := strings.Replace(shopsYAML(s.sb, s.shop), "auto_run: true", "auto_run: false", 1)
	yaml = strings.Replace(yaml, "lookback: 168h", "lookback: 168h\n      sweep_interval: 2h", 1)
	writeFile(t, filepath.Join(s.dir, "shops.yaml"), yaml)
	changed, err := schedules.Apply(ctx, sc, schedules.Plan(load(), s.taskQueue), false)
	if err != nil {
		t.Fatal(err)
	}
	id := schedules.ScheduleID(workflows.FlowOrderImport, s.shop)
	var importChange schedules.Change
	for _, c := range changed {
		if c.ID == id {
			importChange = c
		}
	}
	if importChange.Action != "updated" || !strings.Contains(importChange.Detail, "paused false → true") || !strings.Contains(importChange.Detail, "interval 1h0m0s → 2h0m0s") {
		t.Errorf("apply after the settings change = %+v", importChange)
	}
	desc, err := sc.GetHandle(ctx, id).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !desc.Schedule.State.Paused {
		t.Error("order import schedule is not paused although auto_run is off")
	}

	// A scheduled run with auto-run switched back on imports the orders.
	writeFile(t, filepath.Join(s.dir, "shops.yaml"), shopsYAML(s.sb, s.shop))
	if _, err := schedules.Apply(ctx, sc, schedules.Plan(load(), s.taskQueue), false); err != nil {
		t.Fatal(err)
	}
	if err := sc.GetHandle(ctx, id).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := s.sb.Logiless.SalesOrder(o.multiLine.Number); ok {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, ok := s.sb.Logiless.SalesOrder(o.multiLine.Number); !ok {
		t.Fatal("the triggered scheduled discovery did not import the order")
	}
}
