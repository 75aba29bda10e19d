package stocksync

import (
	"context"
	"maps"
	"time"

	"github.com/ecforce-logiless/connector/mapping"
)

// SetCatalogPageCap bounds the listing of set articles (100,000 sets at 100
// a page).
const SetCatalogPageCap = 1000

// SetCatalog is the merchant's set (Assortment) articles.
type SetCatalog struct {
	sets       map[string][]mapping.Component // set code → components
	containing map[string][]string            // component code → set codes
}

// NewSetCatalog indexes sets (set code → components).
func NewSetCatalog(sets map[string][]mapping.Component) *SetCatalog {
	c := &SetCatalog{sets: sets, containing: map[string][]string{}}
	for set, comps := range sets {
		for _, comp := range comps {
			c.containing[comp.ArticleCode] = append(c.containing[comp.ArticleCode], set)
		}
	}
	return c
}

// Components returns the components of a set article; isSet is false for
// any other code.
func (c *SetCatalog) Components(code string) (comps []mapping.Component, isSet bool) {
	if c == nil {
		return nil, false
	}
	comps, isSet = c.sets[code]
	return comps, isSet
}

// SetLister lists LOGILESS set articles.
type SetLister interface {
	// ListSets calls fn with each page of set articles (set code →
	// components) updated at or after since; a zero since lists every set.
	ListSets(ctx context.Context, since time.Time, fn func(map[string][]mapping.Component) error) error
}

// SetCatalogs keeps each shop's set articles between the pages and runs of
// its stock sync. The zero value is ready.
type SetCatalogs struct {
	shops perShop[*setCatalogEntry]
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
}

type setCatalogEntry struct {
	cat        *SetCatalog
	fullKey    string    // the run that last listed every set
	refreshKey string    // the run that last refreshed the entry
	listedAt   time.Time // when that listing started (wall clock)
}

// For returns shop's set articles for the run runKey. A run's first page
// lists them: every set for a full pass or an empty cache, otherwise only
// those updated since the last listing (usually one request); later pages of
// the same run reuse the listing. beat is called after every page read.
func (c *SetCatalogs) For(ctx context.Context, shop, runKey string, full bool, l SetLister, beat func()) (*SetCatalog, error) {
	e, _ := c.shops.get(shop)
	if e != nil && e.refreshKey == runKey && runKey != "" && (!full || e.fullKey == runKey) {
		return e.cat, nil
	}
	started := c.now()
	var since time.Time
	if e != nil && !full {
		since = e.listedAt.Add(-DefaultSinceOverlap)
	}
	sets := map[string][]mapping.Component{}
	if since.IsZero() {
		e = nil
	} else {
		maps.Copy(sets, e.cat.sets)
	}
	err := l.ListSets(ctx, since, func(page map[string][]mapping.Component) error {
		beat()
		maps.Copy(sets, page)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ne := &setCatalogEntry{cat: NewSetCatalog(sets), refreshKey: runKey, listedAt: started, fullKey: runKey}
	if e != nil {
		ne.fullKey = e.fullKey
	}
	c.shops.put(shop, ne)
	return ne.cat, nil
}

func (c *SetCatalogs) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
