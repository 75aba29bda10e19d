//go:build !unix

package filelock

import (
	"context"
	"sync"
)

// Without flock(2) the lock only excludes refreshes within this process;
// the connector is deployed on Linux.
var processLocks sync.Map // path → chan struct{}

// Lock takes the lock on path, waiting until it is free or ctx ends.
func Lock(ctx context.Context, path string) (func(), error) {
	v, _ := processLocks.LoadOrStore(path, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
