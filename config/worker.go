package config

import (
	"fmt"

	"github.com/kelseyhightower/envconfig"
)

// Defaults of WorkerTuning, chosen with BenchmarkWorkerRSS (BENCHMARKS.md,
// "Worker memory"): 10,000 ImportOrder runs waiting on a LOGILESS budget of
// 1 request/s keep the worker process under 200 MB.
const (
	// DefaultMaxConcurrentActivities bounds the activities one worker runs
	// at once. Each API budget serves its waiting requests in turn, so an
	// activity waits at most about this many requests: 200 s at 1
	// request/s, well inside the 15-minute StartToClose of an order step
	// (the SDK's default of 1,000 would exceed it behind a backlog and time
	// out attempts). Activities beyond it wait on the server, which holds
	// them at no cost to the worker.
	DefaultMaxConcurrentActivities = 200
	// DefaultWorkflowCacheSize is how many workflow runs the worker keeps
	// in memory between their tasks (the SDK's sticky cache; its default is
	// 10,000). A run not in it is replayed from its history when it moves
	// again, which costs the worker CPU, not correctness.
	DefaultWorkflowCacheSize = 2000
)

// WorkerTuning is how much one worker process takes on at once, read from
// CONNECTOR_* environment variables beside Process (kept apart from it so
// that the starter, which runs no worker, ignores them).
type WorkerTuning struct {
	// MaxConcurrentActivities is worker.Options.MaxConcurrentActivityExecutionSize.
	MaxConcurrentActivities int `envconfig:"CONNECTOR_MAX_CONCURRENT_ACTIVITIES" default:"200" desc:"activities one worker runs at once"`
	// WorkflowCacheSize is the worker's sticky workflow cache
	// (worker.SetStickyWorkflowCacheSize).
	WorkflowCacheSize int `envconfig:"CONNECTOR_WORKFLOW_CACHE_SIZE" default:"2000" desc:"workflow runs one worker keeps in memory"`
}

// LoadWorkerTuning reads the worker's tuning from the environment and
// validates it, naming the variable of a bad value.
func LoadWorkerTuning() (WorkerTuning, error) {
	var w WorkerTuning
	if err := envconfig.Process("", &w); err != nil {
		return WorkerTuning{}, fmt.Errorf("read %s_* environment variables: %w", EnvPrefix, err)
	}
	var probs problems
	if w.MaxConcurrentActivities < 1 || w.MaxConcurrentActivities > 10_000 {
		probs.add("CONNECTOR_MAX_CONCURRENT_ACTIVITIES: %d is not between 1 and 10000", w.MaxConcurrentActivities)
	}
	if w.WorkflowCacheSize < 1 || w.WorkflowCacheSize > 100_000 {
		probs.add("CONNECTOR_WORKFLOW_CACHE_SIZE: %d is not between 1 and 100000", w.WorkflowCacheSize)
	}
	if err := probs.err("environment"); err != nil {
		return WorkerTuning{}, err
	}
	return w, nil
}
