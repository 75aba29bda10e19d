package mapping

// Component is one component of a LOGILESS set article (セット商品): the
// article code and how many of it one set contains.
type Component struct {
	ArticleCode string
	Quantity    int
}

// SetFree returns the free stock of a set article: the minimum over its
// components of floor(component free ÷ quantity), as LOGILESS computes it
// (6 of A free and a set of 3×A gives 2). A component listed twice counts
// with its quantities added; negative component stock counts as 0.
//
// ok is false, and the stock 0, when the set cannot be computed: no
// components, a quantity of 0 or less (or above MaxQuantity), or a component
// missing from freeByArticle (unknown stock must never be sold).
func SetFree(components []Component, freeByArticle map[string]int) (free int, ok bool) {
	if len(components) == 0 {
		return 0, false
	}
	need := make(map[string]int, len(components))
	order := make([]string, 0, len(components))
	for _, c := range components {
		if c.Quantity <= 0 || c.Quantity > MaxQuantity {
			return 0, false
		}
		if _, seen := need[c.ArticleCode]; !seen {
			order = append(order, c.ArticleCode)
		}
		need[c.ArticleCode] = min(need[c.ArticleCode]+c.Quantity, MaxQuantity+1)
	}
	best := -1
	for _, code := range order {
		have, found := freeByArticle[code]
		if !found {
			return 0, false
		}
		sets := max(have, 0) / need[code]
		if best < 0 || sets < best {
			best = sets
		}
	}
	return best, true
}

// Allocate returns the stock to write to ecforce for this row when the
// row's article has free stock free, applying Min, Reserve,
// AllocationRate and Max in the order given in the package documentation.
// The result is never negative. Out-of-range settings on rows built in code
// are clamped: AllocationRate to 0..100, a negative Reserve to 0.
func (r Row) Allocate(free int) int {
	// 1. 下限: below the floor the shop gets nothing.
	if r.Min != nil && free < *r.Min {
		return 0
	}
	// 2. 予備在庫数. A free stock at or below the reserve leaves nothing,
	// whatever the later steps do (they never raise a value ≤ 0); returning
	// early also keeps free − Reserve from overflowing.
	reserve := max(r.Reserve, 0)
	if free <= reserve {
		return 0
	}
	v := free - reserve
	// 3. 在庫割当率, rounded down. Split v so v × rate cannot overflow.
	rate := min(max(r.AllocationRate, 0), 100)
	v = (v/100)*rate + (v%100)*rate/100
	// 4. 上限.
	if r.Max != nil && v > *r.Max {
		v = *r.Max
	}
	// 5. Never negative.
	return max(v, 0)
}
