package mapping

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// WriteCSV writes t in the canonical form Parse reads: UTF-8 without BOM, LF
// line ends, the English header, rows sorted by SKU, every number written
// out (blank only for a missing max or min).
func WriteCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columnOrder); err != nil {
		return fmt.Errorf("write mapping header: %w", err)
	}
	for _, r := range t.Rows() {
		rec := []string{
			r.SKU,
			r.ArticleCode,
			strconv.Itoa(r.Reserve),
			strconv.Itoa(r.AllocationRate),
			optional(r.Max),
			optional(r.Min),
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write mapping row for sku %q: %w", r.SKU, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write mapping table: %w", err)
	}
	return nil
}

func optional(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}
