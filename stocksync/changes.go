package stocksync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"
)

// Batch is the most codes or SKUs one API request carries (LOGILESS
// search, ecforce stock list and bulk update alike).
const Batch = 100

// ChangedInventoryPageCap bounds an incremental read (20,000 changed
// articles at 100 a page); beyond it a full pass is cheaper and is done
// instead.
const ChangedInventoryPageCap = 200

// ErrTooManyChanges: more LOGILESS inventory changed than an incremental
// pass reads; a full pass is cheaper. A ChangeLister returns it (wrapped)
// when its listing reaches ChangedInventoryPageCap.
var ErrTooManyChanges = errors.New("too many LOGILESS inventory changes for an incremental pass")

// TooManyChangesReason says, for people, why a pass became a full one.
func TooManyChangesReason(since time.Time) string {
	return fmt.Sprintf("more than %d LOGILESS articles changed since %s", ChangedInventoryPageCap*Batch, FormatWhen(since))
}

// ChangeLister lists LOGILESS inventory changes.
type ChangeLister interface {
	// ListChanged calls fn with each page of free stock by article code
	// updated at or after since, or fails with ErrTooManyChanges.
	ListChanged(ctx context.Context, since time.Time, fn func(map[string]int64) error) error
}

// Changes keeps each shop's latest incremental read, so that the pages of
// one run share it (a worker that did not make it reads again). The zero
// value is ready.
type Changes struct {
	shops perShop[*changedInventory]
}

type changedInventory struct {
	key  string
	free map[string]int64
}

// Since returns the free stock of the articles changed since since, as read
// once for the run runKey. beat is called after every page read.
func (c *Changes) Since(ctx context.Context, shop, runKey string, since time.Time, l ChangeLister, beat func()) (map[string]int64, error) {
	key := runKey + "@" + since.UTC().Format(time.RFC3339Nano)
	if e, ok := c.shops.get(shop); ok && e.key == key && runKey != "" {
		return e.free, nil
	}
	free := map[string]int64{}
	err := l.ListChanged(ctx, since, func(page map[string]int64) error {
		beat()
		maps.Copy(free, page)
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.shops.put(shop, &changedInventory{key: key, free: free})
	return free, nil
}
