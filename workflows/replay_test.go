package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
)

// TestReplayRecordedHistories replays histories recorded from real runs on
// a Temporal dev server (see e2e/replayhistory_test.go; refresh them with
// UPDATE_REPLAY_HISTORIES=1 go test ./e2e -run TestRecordedHistoriesReplay).
// A failure means a change to workflow code would break runs that are in
// flight when it is deployed: version the change with workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories in testdata (err %v)", err)
	}
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflow(ImportOrders)
	replayer.RegisterWorkflow(ImportOrder)
	replayer.RegisterWorkflow(NotifyShipments)
	replayer.RegisterWorkflow(NotifyShipment)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
