package activities

import (
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/ttlcache"
)

// OrderCache keeps the orders a discovery listing returned, in this worker's
// memory only, so the import of each one needs no per-order GET. Orders
// carry personal data, which is why they are held here and not passed
// through workflow histories. A miss (another worker, a restart, an entry
// older than the TTL) costs one GET and nothing else.
type OrderCache struct {
	orders *ttlcache.Cache[orderKey, ecforce.Order]
}

type orderKey struct {
	shop string
	id   int64
}

// NewOrderCache returns a cache holding at most max orders for ttl each.
func NewOrderCache(ttl time.Duration, max int) *OrderCache {
	return &OrderCache{orders: ttlcache.New[orderKey, ecforce.Order](ttl, max)}
}

// Put stores orders listed for shop.
func (c *OrderCache) Put(shop string, orders []ecforce.Order) {
	if c == nil {
		return
	}
	for _, o := range orders {
		c.orders.Put(orderKey{shop, o.ID}, o)
	}
}

// GetRead returns a fresh cached order and when it was listed. It does not
// remove it: an activity retried on the same worker may use it again.
func (c *OrderCache) GetRead(shop string, id int64) (ecforce.Order, time.Time, bool) {
	if c == nil || id == 0 {
		return ecforce.Order{}, time.Time{}, false
	}
	return c.orders.GetStored(orderKey{shop, id})
}
