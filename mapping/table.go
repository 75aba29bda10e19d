package mapping

import (
	"fmt"
	"sort"
)

// DefaultAllocationRate is the 在庫割当率 of a row whose allocation_rate cell
// is blank: the whole free stock may be sold.
const DefaultAllocationRate = 100

// MaxQuantity is the largest stock quantity a mapping cell may hold. It keeps
// the stock arithmetic far from integer overflow.
const MaxQuantity = 1_000_000_000

// Row is one line of the product mapping table.
//
// The zero Row has AllocationRate 0 and so allocates no stock; rows built in
// code should set AllocationRate (usually DefaultAllocationRate).
type Row struct {
	// SKU is the ecforce variant SKU (variant_sku).
	SKU string
	// ArticleCode is the LOGILESS article code; it may be a set article.
	ArticleCode string
	// Reserve is the 予備在庫数 (standby stock) held back from the shop.
	Reserve int
	// AllocationRate is the 在庫割当率, a percentage from 0 to 100.
	AllocationRate int
	// Max is the 上限 (cap on the stock sent); nil means no cap.
	Max *int
	// Min is the 下限: below this free stock the shop gets 0; nil means none.
	Min *int
	// StockSyncOff is set when the row's 自動在庫連携 (automatic stock sync)
	// is off: order import still maps the SKU, the stock sync never writes
	// its stock. The zero Row syncs.
	StockSyncOff bool
	// Line is the CSV line the row came from (0 if built in code).
	Line int
}

// clone returns a copy of r that shares no memory with it.
func (r Row) clone() Row {
	if r.Max != nil {
		v := *r.Max
		r.Max = &v
	}
	if r.Min != nil {
		v := *r.Min
		r.Min = &v
	}
	return r
}

// Table is a validated product mapping table. It is immutable and safe for
// concurrent use; the nil *Table is an empty table.
type Table struct {
	bySKU    map[string]Row
	rows     []Row // sorted by SKU
	articles []string
}

// newTable builds a Table from rows already checked for problems.
func newTable(rows []Row) *Table {
	t := &Table{bySKU: make(map[string]Row, len(rows))}
	seen := make(map[string]bool)
	for _, r := range rows {
		t.bySKU[r.SKU] = r
		t.rows = append(t.rows, r)
		if !seen[r.ArticleCode] {
			seen[r.ArticleCode] = true
			t.articles = append(t.articles, r.ArticleCode)
		}
	}
	sort.Slice(t.rows, func(i, j int) bool { return t.rows[i].SKU < t.rows[j].SKU })
	sort.Strings(t.articles)
	return t
}

// NewTable builds a table from rows made in code (tests, fixtures), with the
// same checks Parse applies: SKU and ArticleCode present and single-line,
// SKUs unique, quantities not negative, AllocationRate within 0..100 and Min
// not above Max. Problems name the row's Line, or its position when Line is 0.
func NewTable(rows []Row) (*Table, error) {
	var c collector
	first := make(map[string]string) // sku → where it first appeared
	for i, r := range rows {
		line := r.Line
		place := fmt.Sprintf("line %d", line)
		if line <= 0 {
			place = fmt.Sprintf("row %d", i+1)
		}
		where := func(format string, args ...any) {
			if line > 0 {
				c.add(line, format, args...)
				return
			}
			c.add(0, "%s: %s", place, fmt.Sprintf(format, args...))
		}
		checkCode(where, "sku", r.SKU)
		checkCode(where, "article_code", r.ArticleCode)
		if prev, dup := first[r.SKU]; dup && r.SKU != "" {
			where("duplicate sku %q (first on %s)", r.SKU, prev)
		} else if !dup {
			first[r.SKU] = place
		}
		checkQuantity(where, "reserve", &r.Reserve)
		if r.AllocationRate < 0 || r.AllocationRate > 100 {
			where("allocation_rate %d is not between 0 and 100", r.AllocationRate)
		}
		checkQuantity(where, "max", r.Max)
		checkQuantity(where, "min", r.Min)
		if r.Max != nil && r.Min != nil && *r.Min > *r.Max {
			where("min %d is greater than max %d", *r.Min, *r.Max)
		}
	}
	if err := c.err(""); err != nil {
		return nil, err
	}
	cloned := make([]Row, len(rows))
	for i, r := range rows {
		cloned[i] = r.clone()
	}
	return newTable(cloned), nil
}

func checkQuantity(where func(string, ...any), field string, v *int) {
	if v == nil {
		return
	}
	if *v < 0 {
		where("%s %d is negative", field, *v)
	} else if *v > MaxQuantity {
		where("%s %d is too large (at most %d)", field, *v, MaxQuantity)
	}
}

// Lookup returns the row for an ecforce SKU. SKUs match exactly (case and
// width matter).
func (t *Table) Lookup(sku string) (Row, bool) {
	if t == nil {
		return Row{}, false
	}
	r, ok := t.bySKU[sku]
	if !ok {
		return Row{}, false
	}
	return r.clone(), true
}

// Len returns the number of rows; 0 for a header-only file.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.rows)
}

// Rows returns a copy of every row, sorted by SKU.
func (t *Table) Rows() []Row {
	if t == nil {
		return nil
	}
	out := make([]Row, len(t.rows))
	for i, r := range t.rows {
		out[i] = r.clone()
	}
	return out
}

// ArticleCodes returns the distinct LOGILESS article codes the table uses,
// sorted: the articles whose stock a stock sync must read.
func (t *Table) ArticleCodes() []string {
	if t == nil {
		return nil
	}
	return append([]string(nil), t.articles...)
}
