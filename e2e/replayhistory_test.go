package e2e

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ecforce-logiless/connector/workflows"
)

// TestRecordedHistoriesReplay replays, with today's workflow code, the
// histories of real runs that this package's e2e tests just produced, and
// (with UPDATE_REPLAY_HISTORIES=1) stores them under workflows/testdata so
// that workflows' replay test keeps checking later changes against them.
func TestRecordedHistoriesReplay(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		return strings.Replace(y, `imported_state: ""`, `imported_state: "linked"`, 1)
	}})
	if err := s.sb.Ecforce.AddOrderState("linked", "連携済"); err != nil {
		t.Fatal(err)
	}
	o := seedImportScenario(t, s)
	res := s.discover(ctx)
	if len(res.Started) == 0 {
		t.Fatalf("discovery started nothing: %+v", res)
	}
	if got, _ := s.sb.Ecforce.Order(o.multiLine.ID); got.State != "linked" {
		t.Errorf("imported order state = %q, want linked", got.State)
	}
	first := fetchHistory(ctx, t, workflows.ImportOrdersID(s.shop))
	// The unmapped order waits blocked; the mapping is fixed and the next
	// discovery wakes it, and it completes (at BlockedWaitsVersion).
	unmappedID := workflows.ImportOrderID(s.shop, o.unmapped.Number)
	waitBlocked(ctx, t, unmappedID, "UnmappedSKU")
	writeFile(t, s.dir+"/mapping.csv", testMapping+"GIFT-WRAP,MUG-BLU,0,100,,\n")
	if woke := s.discover(ctx); woke.AlreadyHandled != 1 {
		t.Errorf("discovery after the fix = %+v; want the blocked import woken", woke)
	}
	if err := temporalClient.GetWorkflow(ctx, unmappedID, "").Get(ctx, nil); err != nil {
		t.Fatalf("the woken import: %v", err)
	}
	histories := map[string]*historypb.History{
		"importorders.json":         first,
		"importorders-wake.json":    fetchHistory(ctx, t, workflows.ImportOrdersID(s.shop)),
		"importorder.json":          fetchHistory(ctx, t, workflows.ImportOrderID(s.shop, o.multiLine.Number)),
		"importorder-unmapped.json": fetchHistory(ctx, t, unmappedID),
	}
	replayer := worker.NewWorkflowReplayer()
	workflows.RegisterWorkflows(replayer)
	for name, h := range histories {
		if err := replayer.ReplayWorkflowHistory(nil, h); err != nil {
			t.Errorf("replay %s: %v", name, err)
		}
		storeReplayHistory(t, name, h)
	}
}

// replayHistoryVersion is the latest workflow.GetVersion change of the
// workflows, the version today's code records. Histories are stored as
// <name>.<version>.json, so those recorded at earlier versions stay beside
// the new ones and keep replaying; set it to the change ID of every new
// versioned change.
const replayHistoryVersion = workflows.BlockedWaitsChangeID

// versionedHistoryName is the file name of a history recorded now, for a
// base name like "importorder.json".
func versionedHistoryName(name string) string {
	return strings.TrimSuffix(name, ".json") + "." + replayHistoryVersion + ".json"
}

// storeReplayHistory writes h to workflows/testdata/<name>.<version>.json
// when UPDATE_REPLAY_HISTORIES is set.
func storeReplayHistory(t *testing.T, name string, h *historypb.History) {
	t.Helper()
	storeReplayHistoryFile(t, versionedHistoryName(name), h)
}

// storeReplayHistoryFile writes h to workflows/testdata/<file> when
// UPDATE_REPLAY_HISTORIES is set.
func storeReplayHistoryFile(t *testing.T, file string, h *historypb.History) {
	t.Helper()
	if os.Getenv("UPDATE_REPLAY_HISTORIES") == "" {
		return
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	_, self, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(self), "..", "workflows", "testdata", file)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func fetchHistory(ctx context.Context, t *testing.T, workflowID string) *historypb.History {
	t.Helper()
	return fetchRunHistory(ctx, t, workflowID, "")
}
