package mapping

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// WriteCSV writes t in the canonical form Parse reads: UTF-8 without BOM, LF
// line ends, the English header, rows sorted by SKU, every number written
// out (blank only for a missing max or min). The stock_sync column (on or
// off) is written only when some row's stock sync is off, so a table
// without such rows keeps the six columns.
func WriteCSV(w io.Writer, t *Table) error {
	rows := t.Rows()
	header := columnOrder
	withSync := slices.ContainsFunc(rows, func(r Row) bool { return r.StockSyncOff })
	if withSync {
		header = append(slices.Clip(columnOrder), colStockSync)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write mapping header: %w", err)
	}
	for _, r := range rows {
		rec := []string{
			r.SKU,
			r.ArticleCode,
			strconv.Itoa(r.Reserve),
			strconv.Itoa(r.AllocationRate),
			optional(r.Max),
			optional(r.Min),
		}
		if withSync {
			rec = append(rec, map[bool]string{false: "on", true: "off"}[r.StockSyncOff])
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
