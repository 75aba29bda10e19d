package stocksync

import (
	"context"
	"sync"
	"time"
)

// freeReader reads LOGILESS free stock, Batch codes per request, in the
// order a page needs them, while the page's ecforce work goes on (the two
// APIs have budgets of their own, so a page costs the longer of its two
// request streams, not their sum); then it reads the codes of the next
// page (AheadStock), so that the next page's ecforce work can start at once.
//
// It is bounded by the two pages: it never reads further ahead.
type freeReader struct {
	l    FreeStock
	beat func()

	mu       sync.Mutex
	free     map[string]int // by the page's consumer under mu
	rejected map[string]string
	through  int   // need[:through] are read
	err      error // the read of the page's codes failed
	moved    chan struct{}
	ahead    *AheadStock // the next page's codes, when all were asked
}

func newFreeReader(l FreeStock, free map[string]int, beat func()) *freeReader {
	return &freeReader{l: l, beat: beat, free: free, rejected: map[string]string{}, moved: make(chan struct{})}
}

// signal wakes every waiter; callers hold mu.
func (f *freeReader) signal() {
	close(f.moved)
	f.moved = make(chan struct{})
}

// read reads need, then aheadCodes (stamped with readAt). A failure on
// need ends the read (wait returns it); a failure ahead only leaves no
// AheadStock, since the next page reads its codes itself.
func (f *freeReader) read(ctx context.Context, need, aheadCodes []string, readAt time.Time) {
	for start := 0; start < len(need); start += Batch {
		end := min(start+Batch, len(need))
		err := splitOnRejection(need[start:end], func(codes []string) error {
			found, err := f.l.FreeStock(ctx, codes)
			if err != nil {
				return err
			}
			f.mu.Lock()
			for code, v := range found {
				f.free[code] = int(v)
			}
			f.mu.Unlock()
			return nil
		}, func(code string, err error) {
			f.mu.Lock()
			f.rejected[code] = err.Error()
			f.mu.Unlock()
		})
		f.mu.Lock()
		if err != nil {
			f.err = err
		} else {
			f.through = end
		}
		f.signal()
		f.mu.Unlock()
		if err != nil {
			return
		}
		f.beat()
	}
	if len(aheadCodes) == 0 || ctx.Err() != nil {
		return
	}
	pos := make(map[string]int, len(aheadCodes))
	for i, c := range aheadCodes {
		pos[c] = i
	}
	a := &AheadStock{Codes: codesKey(aheadCodes), Free: make([]int64, len(aheadCodes)), ReadAt: readAt}
	found := make([]bool, len(aheadCodes))
	for start := 0; start < len(aheadCodes); start += Batch {
		err := splitOnRejection(aheadCodes[start:min(start+Batch, len(aheadCodes))], func(codes []string) error {
			got, err := f.l.FreeStock(ctx, codes)
			for code, v := range got {
				if i, ok := pos[code]; ok {
					a.Free[i], found[i] = v, true
				}
			}
			return err
		}, func(code string, _ error) { a.Unread = append(a.Unread, pos[code]) })
		if err != nil {
			return
		}
		f.beat()
	}
	unread := map[int]bool{}
	for _, i := range a.Unread {
		unread[i] = true
	}
	for i := range aheadCodes {
		if !found[i] && !unread[i] {
			a.Missing = append(a.Missing, i)
		}
	}
	f.mu.Lock()
	f.ahead = a
	f.mu.Unlock()
}

// wait returns once need[:n] are read, or with the error that stopped the
// read, or ctx's.
func (f *freeReader) wait(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		through, err, moved := f.through, f.err, f.moved
		f.mu.Unlock()
		switch {
		case through >= n:
			return nil
		case err != nil:
			return err
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
