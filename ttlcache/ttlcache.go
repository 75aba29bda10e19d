// Package ttlcache owns the connector's one in-memory cache: a bounded map
// whose entries expire after a fixed time. The activities use it to hand
// what a discovery listing read to the per-order steps that follow on the
// same worker; a miss costs one read and nothing else, so nothing depends
// on an entry being there.
package ttlcache

import (
	"sync"
	"time"
)

// Cache holds at most max entries, each for ttl. It is safe for concurrent
// use; a nil *Cache holds nothing.
type Cache[K comparable, V any] struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	now     func() time.Time
	entries map[K]entry[V]
	loading map[K]*sync.Mutex // keys a Load is reading
}

type entry[V any] struct {
	value    V
	storedAt time.Time
}

// New returns a cache holding at most max entries (max <= 0: no bound) for
// ttl each.
func New[K comparable, V any](ttl time.Duration, max int) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, max: max, now: time.Now, entries: map[K]entry[V]{}, loading: map[K]*sync.Mutex{}}
}

// Put stores v under k. A full cache first drops its expired entries, then,
// if none expired, its oldest one.
func (c *Cache[K, V]) Put(k K, v V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if _, exists := c.entries[k]; !exists && c.max > 0 && len(c.entries) >= c.max {
		c.evictLocked(now)
	}
	c.entries[k] = entry[V]{value: v, storedAt: now}
}

// Get returns a fresh entry and keeps it (a retry on the same worker may
// use it again).
func (c *Cache[K, V]) Get(k K) (V, bool) {
	v, _, ok := c.lookUp(k, false)
	return v, ok
}

// GetStored is Get that also says when the entry was stored.
func (c *Cache[K, V]) GetStored(k K) (V, time.Time, bool) {
	return c.lookUp(k, false)
}

// Take returns a fresh entry and removes it, for what may be used once.
func (c *Cache[K, V]) Take(k K) (V, bool) {
	v, _, ok := c.lookUp(k, true)
	return v, ok
}

func (c *Cache[K, V]) lookUp(k K, remove bool) (V, time.Time, bool) {
	var zero V
	if c == nil {
		return zero, time.Time{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if remove {
		delete(c.entries, k)
	}
	if !ok || c.now().Sub(e.storedAt) > c.ttl {
		return zero, time.Time{}, false
	}
	return e.value, e.storedAt, true
}

// Load returns the fresh entry of k, or else stores and returns what load
// gives. Concurrent Loads of one key share one call of load; an error is
// returned and not stored, so the next Load calls load again.
func (c *Cache[K, V]) Load(k K, load func() (V, error)) (V, error) {
	if c == nil {
		return load()
	}
	if v, ok := c.Get(k); ok {
		return v, nil
	}
	c.mu.Lock()
	l, ok := c.loading[k]
	if !ok {
		l = &sync.Mutex{}
		c.loading[k] = l
	}
	c.mu.Unlock()

	l.Lock()
	defer l.Unlock()
	if v, ok := c.Get(k); ok {
		return v, nil
	}
	v, err := load()
	if err == nil {
		c.Put(k, v) // before the key leaves loading, so no later Load misses it
	}
	c.mu.Lock()
	delete(c.loading, k)
	c.mu.Unlock()
	return v, err
}

// Len returns how many entries are held, expired ones included.
func (c *Cache[K, V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// evictLocked drops expired entries, and if none expired, the oldest one.
func (c *Cache[K, V]) evictLocked(now time.Time) {
	var oldestKey K
	var oldest time.Time
	found := false
	for k, e := range c.entries {
		if now.Sub(e.storedAt) > c.ttl {
			delete(c.entries, k)
			continue
		}
		if !found || e.storedAt.Before(oldest) {
			oldestKey, oldest, found = k, e.storedAt, true
		}
	}
	if found && len(c.entries) >= c.max {
		delete(c.entries, oldestKey)
	}
}
