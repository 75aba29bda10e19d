package stocksync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"

	"github.com/ecforce-logiless/connector/mapping"
)

// DefaultPageSize is how many mapping rows one page of a sync handles
// (about 10 LOGILESS and 10–20 ecforce requests).
const DefaultPageSize = 1000

// Index is a mapping table prepared for stock sync: rows sorted by SKU, rows
// by article, and a fingerprint of the table.
type Index struct {
	table       *mapping.Table
	rows        []mapping.Row // sorted by SKU
	byArticle   map[string][]int
	fingerprint string
}

// NewIndex indexes t.
func NewIndex(t *mapping.Table) *Index {
	x := &Index{table: t, rows: t.Rows(), byArticle: map[string][]int{}} // Rows are sorted by SKU
	h := sha256.New()
	for i, r := range x.rows {
		x.byArticle[r.ArticleCode] = append(x.byArticle[r.ArticleCode], i)
		fmt.Fprintf(h, "%s\x1f%s\x1f%d\x1f%d\x1f%s\x1f%s", r.SKU, r.ArticleCode, r.Reserve, r.AllocationRate, optInt(r.Max), optInt(r.Min))
		// Only an off row adds a field, so that tables without one keep
		// their fingerprint (and no full pass follows an upgrade); turning
		// a row back on changes it, and the full pass that follows writes
		// the row.
		if r.StockSyncOff {
			fmt.Fprint(h, "\x1foff")
		}
		fmt.Fprint(h, "\n")
	}
	// 48 bits tell one table from the next; the fingerprint only decides
	// whether the next run is a full pass.
	x.fingerprint = hex.EncodeToString(h.Sum(nil))[:12]
	return x
}

func optInt(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}

// Len is the number of mapped SKUs.
func (x *Index) Len() int { return len(x.rows) }

// Fingerprint identifies the table's rows and settings.
func (x *Index) Fingerprint() string { return x.fingerprint }

// FullPage returns the next size rows (of every row) after the SKU after
// ("" = from the start), and whether more follow.
func (x *Index) FullPage(after string, size int) (rows []mapping.Row, more bool) {
	start := x.after(after)
	end := min(start+size, len(x.rows))
	return x.rows[start:end], end < len(x.rows)
}

// ChangedPage is FullPage over the rows an incremental pass must look at:
// rows of an article in changed, rows of a set article with a component in
// changed, and the rows of the SKUs in retry.
func (x *Index) ChangedPage(changed map[string]int64, sets *SetCatalog, retry []string, after string, size int) (rows []mapping.Row, more bool) {
	affected := x.affected(changed, sets, retry)
	start := sort.Search(len(affected), func(i int) bool { return x.rows[affected[i]].SKU > after })
	end := min(start+size, len(affected))
	for _, i := range affected[start:end] {
		rows = append(rows, x.rows[i])
	}
	return rows, end < len(affected)
}

// after returns the index of the first row whose SKU sorts after sku.
func (x *Index) after(sku string) int {
	return sort.Search(len(x.rows), func(i int) bool { return x.rows[i].SKU > sku })
}

// affected returns, sorted, the indexes of the rows an incremental pass must
// look at.
func (x *Index) affected(changed map[string]int64, sets *SetCatalog, retry []string) []int {
	hit := map[int]bool{}
	for code := range changed {
		for _, i := range x.byArticle[code] {
			hit[i] = true
		}
		for _, set := range sets.containing[code] {
			for _, i := range x.byArticle[set] {
				hit[i] = true
			}
		}
	}
	for _, sku := range retry {
		if i := sort.Search(len(x.rows), func(i int) bool { return x.rows[i].SKU >= sku }); i < len(x.rows) && x.rows[i].SKU == sku {
			hit[i] = true
		}
	}
	out := make([]int, 0, len(hit))
	for i := range hit {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// Indexes keeps each shop's Index while its mapping table stays the same
// (the same *mapping.Table, as a mapping.Source returns until the file
// changes). The zero value is ready.
type Indexes struct {
	shops perShop[*Index]
}

// For returns the Index of shop's table t, building it when t is new.
func (c *Indexes) For(shop string, t *mapping.Table) *Index {
	if x, ok := c.shops.get(shop); ok && x.table == t {
		return x
	}
	x := NewIndex(t)
	c.shops.put(shop, x)
	return x
}
