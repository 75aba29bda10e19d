package ecforcebatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

var errRefused = errors.New("refused as a whole")

// recorder is a send function that records each request's records and
// answers each record with its double, failing records listed in fail,
// refusing requests larger than refuseOver, and failing every request with
// err when set.
type recorder struct {
	mu         sync.Mutex
	sent       [][]int
	fail       map[int]bool
	refuseOver int
	err        error
}

func (r *recorder) send(_ context.Context, reqs []int) ([]outcome[int], error) {
	r.mu.Lock()
	r.sent = append(r.sent, slices.Clone(reqs))
	r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if r.refuseOver > 0 && len(reqs) > r.refuseOver {
		return nil, errRefused
	}
	outs := make([]outcome[int], len(reqs))
	for i, q := range reqs {
		if r.fail[q] {
			outs[i].err = fmt.Errorf("record %d failed", q)
			continue
		}
		outs[i].res = 2 * q
	}
	return outs, nil
}

func (r *recorder) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, s := range r.sent {
		out = append(out, len(s))
	}
	return out
}

// TestBatcher: concurrent callers share requests of at most size records,
// sent when full or when the window ends; a whole-batch refusal is split in
// halves down to single records; each caller gets its own record's answer
// and one failing record fails only its caller; a request error reaches
// every caller of the batch.
func TestBatcher(t *testing.T) {
	tests := []struct {
		name       string
		size       int
		window     time.Duration
		maxWait    time.Duration
		callers    int
		fail       map[int]bool
		refuseOver int
		err        error
		wantSizes  []int // sorted
		wantErrs   int
	}{
		{name: "one caller waits the window", size: 100, window: 20 * time.Millisecond, callers: 1, wantSizes: []int{1}},
		{name: "quiet window with a cap", size: 100, window: 30 * time.Millisecond, maxWait: time.Second, callers: 40, wantSizes: []int{40}},
		{name: "150 callers, size 100", size: 100, window: time.Second, callers: 150, wantSizes: []int{50, 100}},
		{name: "exactly full", size: 10, window: time.Hour, callers: 30, wantSizes: []int{10, 10, 10}},
		{name: "no window: one each", size: 100, window: 0, callers: 3, wantSizes: []int{1, 1, 1}},
		{name: "size 1", size: 1, window: time.Hour, callers: 4, wantSizes: []int{1, 1, 1, 1}},
		{name: "one record fails alone", size: 100, window: 50 * time.Millisecond, callers: 5, fail: map[int]bool{3: true}, wantSizes: []int{5}, wantErrs: 1},
		{name: "refused whole: halved", size: 100, window: 50 * time.Millisecond, callers: 8, refuseOver: 2, wantSizes: []int{2, 2, 2, 2, 4, 4, 8}},
		{name: "refused down to one", size: 100, window: 50 * time.Millisecond, callers: 3, refuseOver: 1, wantSizes: []int{1, 1, 1, 2, 3}},
		{name: "request error reaches all", size: 100, window: 50 * time.Millisecond, callers: 4, err: errors.New("500"), wantSizes: []int{4}, wantErrs: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{fail: tt.fail, refuseOver: tt.refuseOver, err: tt.err}
			b := &batcher[int, int]{size: tt.size, window: tt.window, maxWait: tt.maxWait, send: r.send, refused: func(err error) bool { return errors.Is(err, errRefused) }}
			var wg sync.WaitGroup
			var mu sync.Mutex
			errs := 0
			for i := range tt.callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := b.do(context.Background(), i)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs++
						return
					}
					if got != 2*i {
						t.Errorf("caller %d got %d, want its own answer %d", i, got, 2*i)
					}
				}()
			}
			wg.Wait()
			sizes := r.sizes()
			slices.Sort(sizes)
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("requests of %v records, want %v", sizes, tt.wantSizes)
			}
			if errs != tt.wantErrs {
				t.Errorf("%d callers failed, want %d", errs, tt.wantErrs)
			}
		})
	}
}

// TestBatcherCallerLeaves: a caller whose context ends before its batch
// leaves is taken out (its record is never sent); the others go on.
func TestBatcherCallerLeaves(t *testing.T) {
	r := &recorder{}
	b := &batcher[int, int]{size: 100, window: 100 * time.Millisecond, send: r.send}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.do(ctx, 7)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("left caller: %v", err)
	}
	if got, err := b.do(context.Background(), 1); err != nil || got != 2 {
		t.Fatalf("next caller: %d %v", got, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sent) != 1 || !slices.Equal(r.sent[0], []int{1}) {
		t.Errorf("sent %v, want only [1]", r.sent)
	}
}

// TestBatcherTrickle: records arriving every 10 ms, closer than the quiet
// window, keep one batch open until maxWait from its first record; a
// window without maxWait sends what came within it of the first record.
func TestBatcherTrickle(t *testing.T) {
	tests := []struct {
		name            string
		window, maxWait time.Duration
		wantMax         int // records in the largest request, at most
		wantMin         int // at least
	}{
		{"quiet window holds the trickle", 150 * time.Millisecond, 3 * time.Second, 30, 30},
		{"cap cuts it", 100 * time.Millisecond, 150 * time.Millisecond, 17, 3},
		{"fixed window", 50 * time.Millisecond, 0, 7, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			b := &batcher[int, int]{size: 100, window: tt.window, maxWait: tt.maxWait, send: r.send}
			var wg sync.WaitGroup
			for i := range 30 {
				wg.Add(1)
				go func() { defer wg.Done(); _, _ = b.do(context.Background(), i) }()
				time.Sleep(10 * time.Millisecond)
			}
			wg.Wait()
			sizes := r.sizes()
			if m := slices.Max(sizes); m > tt.wantMax || m < tt.wantMin {
				t.Errorf("requests of %v records; want the largest between %d and %d", sizes, tt.wantMin, tt.wantMax)
			}
		})
	}
}

// TestBatcherExpect: announced records hold a batch past quiet gaps until
// the last has arrived (then it leaves at once) or maxWait passes; an
// announcement larger than what comes costs maxWait, not more.
func TestBatcherExpect(t *testing.T) {
	tests := []struct {
		name      string
		announce  int
		arrive    int
		gap       time.Duration // between arrivals, longer than the window
		wantSizes []int
		wantUnder time.Duration // the whole run takes less
	}{
		{"all announced arrive", 5, 5, 40 * time.Millisecond, []int{5}, 400 * time.Millisecond},
		{"fewer arrive: a quiet gap ends it", 8, 3, 10 * time.Millisecond, []int{3}, 900 * time.Millisecond},
		{"nothing announced: quiet window", 0, 3, 80 * time.Millisecond, []int{1, 1, 1}, 600 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			b := &batcher[int, int]{size: 100, window: 20 * time.Millisecond, maxWait: 600 * time.Millisecond, send: r.send}
			b.expect(tt.announce, time.Minute)
			start := time.Now()
			var wg sync.WaitGroup
			for i := range tt.arrive {
				wg.Add(1)
				go func() { defer wg.Done(); _, _ = b.do(context.Background(), i) }()
				time.Sleep(tt.gap)
			}
			wg.Wait()
			if took := time.Since(start); took > tt.wantUnder {
				t.Errorf("took %s, want under %s", took, tt.wantUnder)
			}
			if got := r.sizes(); !slices.Equal(got, tt.wantSizes) {
				t.Errorf("requests of %v records, want %v", got, tt.wantSizes)
			}
		})
	}
}

// TestBatcherBeats: a caller waiting for its batch calls its context's
// wait beat every beatEvery (its activity heartbeats); the request itself
// carries no caller's beat.
func TestBatcherBeats(t *testing.T) {
	defer func(d time.Duration) { beatEvery = d }(beatEvery)
	beatEvery = 10 * time.Millisecond
	var mu sync.Mutex
	beats := 0
	ctx := httpapi.WithWaitBeat(context.Background(), func() { mu.Lock(); beats++; mu.Unlock() })
	sendBeats := 0
	b := &batcher[int, int]{size: 100, window: 120 * time.Millisecond, send: func(ctx context.Context, reqs []int) ([]outcome[int], error) {
		mu.Lock()
		before := beats
		mu.Unlock()
		httpapi.BeatNow(ctx)
		mu.Lock()
		sendBeats = beats - before
		mu.Unlock()
		return []outcome[int]{{res: 1}}, nil
	}}
	if _, err := b.do(ctx, 1); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if beats < 5 || sendBeats != 0 {
		t.Errorf("%d beats while waiting 120 ms (want about 12), %d from the request (want 0)", beats, sendBeats)
	}
}
