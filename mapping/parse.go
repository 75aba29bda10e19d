package mapping

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Column names as written by WriteCSV; Parse also accepts the aliases in
// headerAliases.
const (
	colSKU            = "sku"
	colArticleCode    = "article_code"
	colReserve        = "reserve"
	colAllocationRate = "allocation_rate"
	colMax            = "max"
	colMin            = "min"
	colStockSync      = "stock_sync"
)

var columnOrder = []string{colSKU, colArticleCode, colReserve, colAllocationRate, colMax, colMin}

// headerAliases maps a normalised header cell (see normalizeHeader) to the
// column it names. Full-width letters and brackets are normalised first, so
// "商品コード（ロジレス）" matches "商品コード(ロジレス)".
var headerAliases = map[string]string{
	"sku":                                 colSKU,
	"variant_sku":                         colSKU,
	"商品コード":                               colSKU,
	"article_code":                        colArticleCode,
	"ロジレス商品コード":                           colArticleCode,
	"商品コード(ロジレス)":                         colArticleCode,
	"reserve":                             colReserve,
	"standby_stock_quantity":              colReserve,
	"予備在庫数":                               colReserve,
	"allocation_rate":                     colAllocationRate,
	"stock_allocation_rate":               colAllocationRate,
	"在庫割当率":                               colAllocationRate,
	"max":                                 colMax,
	"max_stock_quantity":                  colMax,
	"上限":                                  colMax,
	"min":                                 colMin,
	"min_stock_quantity":                  colMin,
	"下限":                                  colMin,
	"stock_sync":                          colStockSync,
	"is_automatic_inventory_sync_enables": colStockSync,
	"自動在庫連携":                              colStockSync,
}

// LoadFile reads and validates the mapping table in the file at path. A
// *ValidationError it returns carries the path in File.
func LoadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open mapping table: %w", err)
	}
	defer f.Close()
	t, err := Parse(f)
	if err != nil {
		var verr *ValidationError
		if errors.As(err, &verr) {
			verr.File = path
			return nil, verr
		}
		return nil, fmt.Errorf("mapping table %s: %w", path, err)
	}
	return t, nil
}

// Parse reads a mapping table in CSV: UTF-8 with or without a BOM, LF or
// CRLF line ends, a header row, then one row per ecforce SKU.
//
// Columns are found by header name, case-insensitively and in any order:
// sku and article_code are required; reserve, allocation_rate, max, min and
// stock_sync are optional, and a blank cell takes the default (0, 100, no
// cap, no floor, on). stock_sync off (also 0, false, 無効) keeps the stock
// sync from writing the row's SKU. Unknown columns are ignored and fully blank lines skipped.
// Numbers may carry surrounding spaces, full-width digits and thousands
// separators ("1,000" in a quoted cell).
//
// Every problem in the file is reported, as a *ValidationError; an I/O
// failure is returned as a wrapped error instead.
func Parse(r io.Reader) (*Table, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1

	var (
		c      collector
		header map[string]int // column → index
		rows   []Row
		first  = make(map[string]int) // sku → line
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var perr *csv.ParseError
			if !errors.As(err, &perr) {
				return nil, fmt.Errorf("read mapping table: %w", err)
			}
			c.add(perr.StartLine, "malformed CSV: %v", perr.Err)
			if header == nil {
				// Without a header nothing after it can be read.
				return nil, c.err("")
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if blankRecord(rec) {
			continue
		}
		if header == nil {
			header = readHeader(&c, line, rec)
			if header == nil {
				return nil, c.err("")
			}
			continue
		}
		row, ok := readRow(&c, line, rec, header)
		if row.SKU != "" {
			if prev, dup := first[row.SKU]; dup {
				c.add(line, "duplicate sku %q (first on line %d)", row.SKU, prev)
				continue
			}
			first[row.SKU] = line
		}
		if ok {
			rows = append(rows, row)
		}
	}
	if header == nil {
		c.add(0, "no header row: the file is empty (need at least the columns %s and %s)", colSKU, colArticleCode)
	}
	if err := c.err(""); err != nil {
		return nil, err
	}
	return newTable(rows), nil
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// readHeader maps the header cells to columns. It returns nil after adding
// problems if a required column is missing or a column appears twice.
func readHeader(c *collector, line int, rec []string) map[string]int {
	cols := make(map[string]int)
	ok := true
	for i, cell := range rec {
		if !utf8.ValidString(cell) {
			c.add(line, "header is not valid UTF-8 (is the file Shift_JIS? save it as UTF-8)")
			return nil
		}
		col, known := headerAliases[normalizeHeader(cell)]
		if !known {
			continue // LOGILESS exports carry many more columns
		}
		if prev, dup := cols[col]; dup {
			c.add(line, "columns %d (%q) and %d (%q) both give %s", prev+1, strings.TrimSpace(rec[prev]), i+1, strings.TrimSpace(cell), col)
			ok = false
			continue
		}
		cols[col] = i
	}
	for _, req := range []string{colSKU, colArticleCode} {
		if _, found := cols[req]; !found {
			c.add(line, "header has no %s column (accepted names: %s)", req, strings.Join(aliasesOf(req), ", "))
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return cols
}

// aliasesOf lists the header names accepted for col, canonical name first.
func aliasesOf(col string) []string {
	var aliases []string
	for name, c := range headerAliases {
		if c == col && name != col {
			aliases = append(aliases, name)
		}
	}
	sort.Strings(aliases)
	return append([]string{col}, aliases...)
}

// normalizeHeader folds width and case and turns spaces and hyphens into
// underscores: " Article-Code " → "article_code".
func normalizeHeader(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(foldWidth(s), "\uFEFF"))
	s = strings.ToLower(s)
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// foldWidth turns full-width ASCII (Ａ, ０, （, ，, －) and the ideographic
// space into their half-width forms.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '\u3000':
			return ' '
		case r == '−': // U+2212 MINUS SIGN, common in Japanese spreadsheets
			return '-'
		}
		return r
	}, s)
}

// readRow reads one data record. It reports the record's problems and
// returns ok=false if there were any.
func readRow(c *collector, line int, rec []string, cols map[string]int) (Row, bool) {
	cell := func(col string) string {
		i, ok := cols[col]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	before := len(c.problems) + c.omitted
	where := func(format string, args ...any) { c.add(line, format, args...) }

	row := Row{Line: line, SKU: cell(colSKU), ArticleCode: cell(colArticleCode), AllocationRate: DefaultAllocationRate}
	checkCode(where, colSKU, row.SKU)
	checkCode(where, colArticleCode, row.ArticleCode)

	if v, ok := numberCell(where, colReserve, cell(colReserve)); ok && v != nil {
		row.Reserve = *v
	}
	if v, ok := numberCell(where, colAllocationRate, cell(colAllocationRate)); ok && v != nil {
		if *v > 100 {
			where("%s %q is over 100", colAllocationRate, cell(colAllocationRate))
		} else {
			row.AllocationRate = *v
		}
	}
	var okMax, okMin bool
	row.Max, okMax = numberCell(where, colMax, cell(colMax))
	row.Min, okMin = numberCell(where, colMin, cell(colMin))
	if okMax && okMin && row.Max != nil && row.Min != nil && *row.Min > *row.Max {
		where("min %d is greater than max %d", *row.Min, *row.Max)
	}
	if raw := cell(colStockSync); raw != "" {
		on, ok := stockSyncValues[strings.ToLower(foldWidth(raw))]
		if !ok {
			where("%s %q is not on or off (also 1/0, true/false, 有効/無効)", colStockSync, raw)
		}
		row.StockSyncOff = ok && !on
	}
	return row, len(c.problems)+c.omitted == before
}

// stockSyncValues are the words a stock_sync cell may hold (lower-cased,
// width-folded); a blank cell is on.
var stockSyncValues = map[string]bool{
	"on": true, "1": true, "true": true, "yes": true, "有効": true,
	"off": false, "0": false, "false": false, "no": false, "無効": false,
}

// checkCode reports a blank, non-UTF-8 or multi-line code.
func checkCode(where func(string, ...any), field, v string) {
	switch {
	case v == "":
		where("blank %s", field)
	case !utf8.ValidString(v):
		where("%s is not valid UTF-8 (is the file Shift_JIS? save it as UTF-8)", field)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		where("%s %q contains a control character (line break or tab)", field, v)
	}
}

// numberCell parses an optional whole-number cell. It returns nil for a
// blank cell and ok=false after reporting a bad one.
func numberCell(where func(string, ...any), field, raw string) (*int, bool) {
	if raw == "" {
		return nil, true
	}
	v, err := parseQuantity(raw)
	if err != nil {
		where("%s %q %v", field, raw, err)
		return nil, false
	}
	return &v, true
}

// Reasons a quantity is rejected; the cell's column and value precede them.
var (
	errNotWhole = errors.New("is not a whole number")
	errFraction = errors.New("is not a whole number (fractions are not allowed)")
	errNegative = errors.New("is negative")
	errTooLarge = fmt.Errorf("is too large (at most %d)", MaxQuantity)
)

// parseQuantity reads a non-negative whole number leniently: surrounding
// spaces, full-width digits, a leading '+', correctly grouped thousands
// separators ("1,000") and a zero fraction ("5.0") are accepted.
func parseQuantity(raw string) (int, error) {
	s := strings.TrimSpace(foldWidth(raw))
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && (frac == "" || !allDigits(frac)) {
		return 0, errNotWhole
	}
	digits, ok := ungroup(intPart)
	if !ok {
		return 0, errNotWhole
	}
	if hasFrac && strings.Trim(frac, "0") != "" {
		if neg {
			return 0, errNegative
		}
		return 0, errFraction
	}
	digits = strings.TrimLeft(digits, "0")
	if neg && digits != "" {
		return 0, errNegative
	}
	if len(digits) > len("1000000000") {
		return 0, errTooLarge
	}
	v := 0
	for _, d := range digits {
		v = v*10 + int(d-'0')
	}
	if v > MaxQuantity {
		return 0, errTooLarge
	}
	return v, nil
}

// ungroup removes thousands separators, insisting on groups of three:
// "1,234,567" → "1234567"; "12,34" is refused.
func ungroup(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if !strings.Contains(s, ",") {
		return s, allDigits(s)
	}
	groups := strings.Split(s, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 || !allDigits(groups[0]) {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !allDigits(g) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
