package ttlcache

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestCache(ttl time.Duration, max int) (*Cache[string, int], *clock) {
	clk := &clock{t: time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)}
	c := New[string, int](ttl, max)
	c.now = clk.now
	return c, clk
}

func TestGetKeepsTakeRemoves(t *testing.T) {
	c, _ := newTestCache(time.Minute, 10)
	c.Put("a", 1)
	for i := 0; i < 2; i++ {
		if v, ok := c.Get("a"); !ok || v != 1 {
			t.Fatalf("Get #%d = %d, %t; want 1, true", i+1, v, ok)
		}
	}
	if v, ok := c.Take("a"); !ok || v != 1 {
		t.Fatalf("Take = %d, %t; want 1, true", v, ok)
	}
	if _, ok := c.Take("a"); ok {
		t.Error("a taken entry was there again")
	}
}

func TestEntriesExpire(t *testing.T) {
	c, clk := newTestCache(time.Minute, 10)
	c.Put("a", 1)
	clk.t = clk.t.Add(time.Minute)
	if _, ok := c.Get("a"); !ok {
		t.Error("an entry exactly ttl old is still fresh")
	}
	clk.t = clk.t.Add(time.Second)
	if _, ok := c.Get("a"); ok {
		t.Error("an expired entry was returned by Get")
	}
	if _, ok := c.Take("a"); ok {
		t.Error("an expired entry was returned by Take")
	}
}

func TestFullCacheDropsExpiredThenOldest(t *testing.T) {
	c, clk := newTestCache(time.Minute, 2)
	c.Put("old", 1)
	clk.t = clk.t.Add(30 * time.Second)
	c.Put("mid", 2)
	clk.t = clk.t.Add(10 * time.Second)
	c.Put("new", 3) // full, nothing expired: the oldest goes
	if _, ok := c.Get("old"); ok {
		t.Error("the oldest entry survived an insert into a full cache")
	}
	if _, ok := c.Get("mid"); !ok {
		t.Error("a younger entry was dropped")
	}
	c.Put("mid", 4) // an update of a held key drops nothing
	if c.Len() != 2 {
		t.Errorf("Len = %d after an update, want 2", c.Len())
	}
	clk.t = clk.t.Add(2 * time.Minute)
	c.Put("x", 5) // both expired: both go
	if c.Len() != 1 {
		t.Errorf("Len = %d, want 1: expired entries are dropped first", c.Len())
	}
}

func TestUnboundedAndNil(t *testing.T) {
	c, _ := newTestCache(time.Minute, 0)
	for i := 0; i < 100; i++ {
		c.Put(string(rune('a'+i%26))+string(rune('a'+i/26)), i)
	}
	if c.Len() != 100 {
		t.Errorf("Len = %d, want 100 without a bound", c.Len())
	}
	var none *Cache[string, int]
	none.Put("a", 1)
	if _, ok := none.Get("a"); ok || none.Len() != 0 {
		t.Error("a nil cache held something")
	}
}

func TestLoadSharesOneCallAndKeepsNoError(t *testing.T) {
	c, clk := newTestCache(time.Minute, 10)
	var calls atomic.Int32
	release := make(chan struct{})
	load := func() (int, error) {
		calls.Add(1)
		<-release
		return 7, nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.Load("k", load); err != nil || v != 7 {
				t.Errorf("Load = %d, %v; want 7", v, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond) // let every goroutine reach Load
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("load called %d times by concurrent Loads, want 1", n)
	}

	clk.t = clk.t.Add(2 * time.Minute) // expired: loaded again
	failing := errors.New("down")
	if _, err := c.Load("k", func() (int, error) { return 0, failing }); !errors.Is(err, failing) {
		t.Fatalf("Load error = %v, want %v", err, failing)
	}
	if v, err := c.Load("k", func() (int, error) { return 8, nil }); err != nil || v != 8 {
		t.Errorf("Load after an error = %d, %v; want a new load giving 8", v, err)
	}
}
