package config

import (
	"os"
	"testing"
)

func TestLoadWorkerTuning(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    WorkerTuning
		wantErr string
	}{
		{"defaults", nil, WorkerTuning{MaxConcurrentActivities: DefaultMaxConcurrentActivities, WorkflowCacheSize: DefaultWorkflowCacheSize}, ""},
		{"overrides", map[string]string{"CONNECTOR_MAX_CONCURRENT_ACTIVITIES": "50", "CONNECTOR_WORKFLOW_CACHE_SIZE": "500"},
			WorkerTuning{MaxConcurrentActivities: 50, WorkflowCacheSize: 500}, ""},
		{"zero and too many", map[string]string{"CONNECTOR_MAX_CONCURRENT_ACTIVITIES": "0", "CONNECTOR_WORKFLOW_CACHE_SIZE": "1000000"}, WorkerTuning{},
			"environment: 2 problems: CONNECTOR_MAX_CONCURRENT_ACTIVITIES: 0 is not between 1 and 10000; CONNECTOR_WORKFLOW_CACHE_SIZE: 1000000 is not between 1 and 100000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"CONNECTOR_MAX_CONCURRENT_ACTIVITIES", "CONNECTOR_WORKFLOW_CACHE_SIZE"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			got, err := LoadWorkerTuning()
			if errString(err) != tc.wantErr || got != tc.want {
				t.Errorf("LoadWorkerTuning() = %+v, %q; want %+v, %q", got, errString(err), tc.want, tc.wantErr)
			}
		})
	}
}
