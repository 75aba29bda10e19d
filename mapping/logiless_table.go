package mapping

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ecforce-logiless/connector/logiless"
)

// tableFromArticleMaps turns a store's article maps into a Table with the
// checks Parse applies to a file: codes present and single-line, one
// article per mapped code, quantities in range, 0 ≤ rate ≤ 100, min not
// above max. A problem names the article map's id and mapped code, to be
// fixed on LOGILESS's 商品対応表 screen. A mapped code listed twice with
// the same article and settings is one row.
func tableFromArticleMaps(store int64, byKey map[string]logiless.ArticleMap) (*Table, error) {
	maps := make([]logiless.ArticleMap, 0, len(byKey))
	for _, m := range byKey {
		maps = append(maps, m)
	}
	slices.SortFunc(maps, func(a, b logiless.ArticleMap) int {
		return cmp.Or(cmp.Compare(a.MappedCode, b.MappedCode), cmp.Compare(a.ID, b.ID))
	})

	var c collector
	rows := make([]Row, 0, len(maps))
	first := map[string]logiless.ArticleMap{}
	for _, m := range maps {
		name := fmt.Sprintf("article map %d (mapped_code %q)", m.ID, m.MappedCode)
		bad := false
		where := func(format string, args ...any) {
			bad = true
			c.add(0, "%s: %s", name, fmt.Sprintf(format, args...))
		}
		checkCode(where, "mapped_code", m.MappedCode)
		checkCode(where, "article code", m.ArticleCode)
		row := Row{SKU: m.MappedCode, ArticleCode: m.ArticleCode, StockSyncOff: !m.AutoSync}
		row.Reserve = quantity(where, "standby_stock_quantity", m.Standby)
		if m.AllocationRate < 0 || m.AllocationRate > 100 {
			where("stock_allocation_rate %d is not between 0 and 100", m.AllocationRate)
		}
		row.AllocationRate = int(min(max(m.AllocationRate, 0), 100))
		if m.Max != nil {
			v := quantity(where, "max_stock_quantity", *m.Max)
			row.Max = &v
		}
		if m.Min != nil {
			v := quantity(where, "min_stock_quantity", *m.Min)
			row.Min = &v
		}
		if row.Max != nil && row.Min != nil && *row.Min > *row.Max {
			where("min_stock_quantity %d is greater than max_stock_quantity %d", *row.Min, *row.Max)
		}
		if prev, dup := first[m.MappedCode]; dup && m.MappedCode != "" {
			if !sameSettings(prev, m) {
				where("mapped_code is also in article map %d, with another article or settings; keep one row per code", prev.ID)
			}
			continue
		}
		first[m.MappedCode] = m
		if !bad {
			rows = append(rows, row)
		}
	}
	if err := c.err(fmt.Sprintf("(LOGILESS store %d)", store)); err != nil {
		return nil, err
	}
	return newTable(rows), nil
}

// quantity checks a stock quantity from LOGILESS and returns it as an int
// (0 after reporting one out of range).
func quantity(where func(string, ...any), field string, v int64) int {
	switch {
	case v < 0:
		where("%s %d is negative", field, v)
	case v > MaxQuantity:
		where("%s %d is too large (at most %d)", field, v, MaxQuantity)
	default:
		return int(v)
	}
	return 0
}
