package stocksync

import (
	"context"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
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

// read reads need, then aheadCodes (stamped with readAt) until stop
// closes: the page's consumer closes it once it is done, so the read ahead
// fills exactly the time the page's ecforce work leaves to LOGILESS. A
// request still waiting for its budget then gives its turn up unsent
// (httpapi.WithWaitStop); one sent is finished and kept. A failure on need
// ends the read (wait returns it); a failure ahead only ends the read
// ahead, since the next page reads what is missing itself.
func (f *freeReader) read(ctx context.Context, need, aheadCodes []string, readAt time.Time, stop <-chan struct{}) {
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
	if len(aheadCodes) == 0 {
		return
	}
	actx := httpapi.WithWaitStop(ctx, stop)
	pos := make(map[string]int, len(aheadCodes))
	for i, c := range aheadCodes {
		pos[c] = i
	}
	free := make([]int64, len(aheadCodes))
	found := make([]bool, len(aheadCodes))
	unread := map[int]bool{}
	read := 0 // aheadCodes[:read] are read
	for read < len(aheadCodes) {
		select {
		case <-stop:
		case <-ctx.Done():
		default:
			end := min(read+Batch, len(aheadCodes))
			err := splitOnRejection(aheadCodes[read:end], func(codes []string) error {
				got, err := f.l.FreeStock(actx, codes)
				if err != nil {
					return err
				}
				for code, v := range got {
					if i, ok := pos[code]; ok {
						free[i], found[i] = v, true
					}
				}
				return nil
			}, func(code string, _ error) { unread[pos[code]] = true })
			if err == nil {
				read = end
				f.beat()
				continue
			}
		}
		break
	}
	if read == 0 {
		return
	}
	a := &AheadStock{Codes: codesKey(aheadCodes), Free: free[:read], ReadAt: readAt}
	for i := range read {
		switch {
		case unread[i]:
			a.Unread = append(a.Unread, i)
		case !found[i]:
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
