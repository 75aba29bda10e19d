//go:build unix

package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

// Lock takes an exclusive flock(2) on path, polling so that ctx can
// end the wait. flock locks belong to the open file, so two opens in one
// process exclude each other just as two processes do.
func Lock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the lock file %s: %w", path, err)
	}
	wait := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("lock the lock file %s: %w", path, err)
		}
		if err := httpapi.Sleep(ctx, wait); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("waiting for the lock %s (held by another process): %w", path, err)
		}
		wait = min(wait*2, 50*time.Millisecond)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
