package activities

import (
	"strconv"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
)

// OrderCache keeps the orders a discovery listing returned, in this worker's
// memory only, so the import of each one needs no per-order GET. Orders
// carry personal data, which is why they are held here and not passed
// through workflow histories. A miss (another worker, a restart, an entry
// older than the TTL) costs one GET and nothing else.
type OrderCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	now     func() time.Time
	entries map[string]cachedOrder
}

type cachedOrder struct {
	order    ecforce.Order
	storedAt time.Time
}

// NewOrderCache returns a cache holding at most max orders for ttl each.
func NewOrderCache(ttl time.Duration, max int) *OrderCache {
	return &OrderCache{ttl: ttl, max: max, now: time.Now, entries: map[string]cachedOrder{}}
}

func orderCacheKey(shop string, id int64) string { return shop + "/" + strconv.FormatInt(id, 10) }

// Put stores orders listed for shop.
func (c *OrderCache) Put(shop string, orders []ecforce.Order) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, o := range orders {
		if len(c.entries) >= c.max {
			c.evictLocked(now)
		}
		if len(c.entries) >= c.max {
			break
		}
		c.entries[orderCacheKey(shop, o.ID)] = cachedOrder{order: o, storedAt: now}
	}
}

// Get returns a fresh cached order. It does not remove it: an activity
// retried on the same worker may use it again.
func (c *OrderCache) Get(shop string, id int64) (ecforce.Order, bool) {
	if c == nil || id == 0 {
		return ecforce.Order{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[orderCacheKey(shop, id)]
	if !ok || c.now().Sub(e.storedAt) > c.ttl {
		return ecforce.Order{}, false
	}
	return e.order, true
}

// evictLocked drops expired entries, and if none expired, the oldest one.
func (c *OrderCache) evictLocked(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, e := range c.entries {
		if now.Sub(e.storedAt) > c.ttl {
			delete(c.entries, k)
			continue
		}
		if oldestKey == "" || e.storedAt.Before(oldest) {
			oldestKey, oldest = k, e.storedAt
		}
	}
	if len(c.entries) >= c.max && oldestKey != "" {
		delete(c.entries, oldestKey)
	}
}
