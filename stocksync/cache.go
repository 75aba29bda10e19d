package stocksync

import "sync"

// perShop holds one value per shop code in this worker's memory: the latest
// of what a cache keeps, replaced when its key changes. The zero value is
// ready. It is what Indexes, SetCatalogs and Changes share; each keeps one
// entry per shop, so memory is bounded by the shops file.
type perShop[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

func (p *perShop[V]) get(shop string) (V, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.m[shop]
	return v, ok
}

func (p *perShop[V]) put(shop string, v V) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]V{}
	}
	p.m[shop] = v
}
