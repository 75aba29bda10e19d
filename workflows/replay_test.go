package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
)

// TestReplayRecordedHistories replays, with today's code and every workflow
// of the registry Flows, the histories recorded from real runs on a
// Temporal dev server: testdata/*.json (see e2e/replayhistory_test.go and
// e2e TestShipmentNotificationEndToEnd) and testdata/stock/*.json, stock
// syncs with their continued runs (e2e TestStockSyncEndToEnd). Refresh them
// with UPDATE_REPLAY_HISTORIES=1; histories of earlier versions stay beside
// the new ones and keep replaying.
// A failure means a change to workflow code would break runs that are in
// flight when it is deployed: version the change with workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	var files []string
	for _, pattern := range []string{"testdata/*.json", "testdata/stock/*.json"} {
		found, err := filepath.Glob(pattern)
		if err != nil || len(found) == 0 {
			t.Fatalf("no recorded histories match %s (err %v)", pattern, err)
		}
		files = append(files, found...)
	}
	replayer := worker.NewWorkflowReplayer()
	RegisterWorkflows(replayer)
	for _, f := range files {
		t.Run(filepath.ToSlash(f), func(t *testing.T) {
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
