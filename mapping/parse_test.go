package mapping

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func intp(v int) *int { return &v }

func TestParseColumns(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []Row
	}{
		{
			name: "minimal columns take defaults",
			csv:  "sku,article_code\nA-1,ART-1\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", AllocationRate: 100, Line: 2}},
		},
		{
			name: "all columns, any order, any case",
			csv:  "MIN,Max,Allocation_Rate,RESERVE,Article_Code,SKU\n1,9,50,2,ART-1,A-1\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", Reserve: 2, AllocationRate: 50, Max: intp(9), Min: intp(1), Line: 2}},
		},
		{
			name: "blank optional cells take defaults",
			csv:  "sku,article_code,reserve,allocation_rate,max,min\nA-1,ART-1, , ,,\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", AllocationRate: 100, Line: 2}},
		},
		{
			name: "UTF-8 BOM",
			csv:  "\uFEFFsku,article_code\nA-1,ART-1\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", AllocationRate: 100, Line: 2}},
		},
		{
			name: "CRLF line ends",
			csv:  "sku,article_code,reserve\r\nA-1,ART-1,3\r\nA-2,ART-2,\r\n",
			want: []Row{
				{SKU: "A-1", ArticleCode: "ART-1", Reserve: 3, AllocationRate: 100, Line: 2},
				{SKU: "A-2", ArticleCode: "ART-2", AllocationRate: 100, Line: 3},
			},
		},
		{
			name: "Japanese headers",
			csv:  "商品コード,ロジレス商品コード,予備在庫数,在庫割当率,上限,下限\nA-1,ART-1,1,90,50,2\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", Reserve: 1, AllocationRate: 90, Max: intp(50), Min: intp(2), Line: 2}},
		},
		{
			name: "Japanese article header with full-width brackets, SKU in capitals",
			csv:  "SKU,商品コード（ロジレス）\nA-1,ART-1\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", AllocationRate: 100, Line: 2}},
		},
		{
			name: "lenient numbers",
			csv:  "sku,article_code,reserve,allocation_rate,max,min\nA-1,ART-1, ３ ,１００,\"1,000\",\"１，０００\"\nA-2,ART-2,+4,50.0,1000000000,0\n",
			want: []Row{
				{SKU: "A-1", ArticleCode: "ART-1", Reserve: 3, AllocationRate: 100, Max: intp(1000), Min: intp(1000), Line: 2},
				{SKU: "A-2", ArticleCode: "ART-2", Reserve: 4, AllocationRate: 50, Max: intp(MaxQuantity), Min: intp(0), Line: 3},
			},
		},
		{
			name: "unknown columns ignored, blank lines skipped, rows sorted by sku",
			csv:  "id,sku,name,article_code,updated_at\n\n1,B-2,Bag,ART-B,2024-01-01\n,,,,\n2,A-1,\"Tee, white\",ART-A,2024-01-01\n",
			want: []Row{
				{SKU: "A-1", ArticleCode: "ART-A", AllocationRate: 100, Line: 5},
				{SKU: "B-2", ArticleCode: "ART-B", AllocationRate: 100, Line: 3},
			},
		},
		{
			name: "surrounding spaces trimmed from codes",
			csv:  "sku,article_code\n  A-1 ,\u3000ART-1\u3000\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", AllocationRate: 100, Line: 2}},
		},
		{
			name: "short record: missing optional cells are blank",
			csv:  "sku,article_code,reserve,max\nA-1,ART-1\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", AllocationRate: 100, Line: 2}},
		},
		{
			name: "min equal to max is allowed",
			csv:  "sku,article_code,max,min\nA-1,ART-1,5,5\n",
			want: []Row{{SKU: "A-1", ArticleCode: "ART-1", AllocationRate: 100, Max: intp(5), Min: intp(5), Line: 2}},
		},
		{
			name: "multi-line quoted cell in an ignored column keeps line numbers",
			csv:  "sku,note,article_code\nA-1,\"two\nlines\",ART-1\nA-2,,ART-2\n",
			want: []Row{
				{SKU: "A-1", ArticleCode: "ART-1", AllocationRate: 100, Line: 2},
				{SKU: "A-2", ArticleCode: "ART-2", AllocationRate: 100, Line: 4},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := Parse(strings.NewReader(tt.csv))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := table.Rows(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows:\n got %s\nwant %s", dumpRows(got), dumpRows(tt.want))
			}
			if table.Len() != len(tt.want) {
				t.Errorf("Len = %d, want %d", table.Len(), len(tt.want))
			}
		})
	}
}

func TestParseHeaderOnlyIsEmpty(t *testing.T) {
	for _, csv := range []string{"sku,article_code\n", "\uFEFFsku,article_code", "\n\nsku,article_code\r\n\r\n"} {
		table, err := Parse(strings.NewReader(csv))
		if err != nil {
			t.Fatalf("Parse(%q): %v", csv, err)
		}
		if table.Len() != 0 || len(table.Rows()) != 0 || len(table.ArticleCodes()) != 0 {
			t.Errorf("Parse(%q): want an empty table, got %d rows", csv, table.Len())
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []string // every problem, in order
	}{
		{
			name: "empty file",
			csv:  "",
			want: []string{"no header row: the file is empty (need at least the columns sku and article_code)"},
		},
		{
			name: "missing required columns",
			csv:  "name,reserve\nx,1\n",
			want: []string{
				`line 1: header has no sku column (accepted names: sku, variant_sku, 商品コード)`,
				`line 1: header has no article_code column (accepted names: article_code, ロジレス商品コード, 商品コード(ロジレス))`,
			},
		},
		{
			name: "column given twice",
			csv:  "sku,article_code,商品コード\n",
			want: []string{`line 1: columns 1 ("sku") and 3 ("商品コード") both give sku`},
		},
		{
			name: "Shift_JIS header",
			csv:  "\x8f\xa4\x95\x69\x83\x52\x81\x5b\x83\x68,article_code\n",
			want: []string{"line 1: header is not valid UTF-8 (is the file Shift_JIS? save it as UTF-8)"},
		},
		{
			name: "blank codes",
			csv:  "sku,article_code\nA-1,\n,ART-2\n",
			want: []string{"line 2: blank article_code", "line 3: blank sku"},
		},
		{
			name: "duplicate sku names both lines",
			csv:  "sku,article_code\nA-0,X\nA-1,ART-1\nA-2,ART-2\nA-1,ART-3\n",
			want: []string{`line 5: duplicate sku "A-1" (first on line 3)`},
		},
		{
			name: "duplicate of an invalid row is still reported",
			csv:  "sku,article_code,reserve\nA-1,ART-1,x\nA-1,ART-1,1\n",
			want: []string{`line 2: reserve "x" is not a whole number`, `line 3: duplicate sku "A-1" (first on line 2)`},
		},
		{
			name: "bad numbers",
			csv: "sku,article_code,reserve,allocation_rate,max,min\n" +
				"A-1,ART-1,-1,abc,1.5,\"1,00\"\n" +
				"A-2,ART-2,,101,,\n" +
				"A-3,ART-3,,,3,4\n" +
				"A-4,ART-4,99999999999,,,\n",
			want: []string{
				`line 2: reserve "-1" is negative`,
				`line 2: allocation_rate "abc" is not a whole number`,
				`line 2: max "1.5" is not a whole number (fractions are not allowed)`,
				`line 2: min "1,00" is not a whole number`,
				`line 3: allocation_rate "101" is over 100`,
				`line 4: min 4 is greater than max 3`,
				`line 5: reserve "99999999999" is too large (at most 1000000000)`,
			},
		},
		{
			name: "control characters in codes",
			csv:  "sku,article_code\n\"A\n1\",ART-1\nA-2,\"ART\t2\"\n",
			want: []string{
				`line 2: sku "A\n1" contains a control character (line break or tab)`,
				`line 4: article_code "ART\t2" contains a control character (line break or tab)`,
			},
		},
		{
			name: "non-UTF-8 cell",
			csv:  "sku,article_code\nA-1,\xff\xfe\n",
			want: []string{"line 2: article_code is not valid UTF-8 (is the file Shift_JIS? save it as UTF-8)"},
		},
		{
			name: "malformed CSV is reported and reading goes on",
			csv:  "sku,article_code\nA-1,AR\"T\nA-2,\n",
			want: []string{`line 2: malformed CSV: bare " in non-quoted-field`, "line 3: blank article_code"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := Parse(strings.NewReader(tt.csv))
			if err == nil {
				t.Fatalf("Parse succeeded with %d rows; want problems %q", table.Len(), tt.want)
			}
			if table != nil {
				t.Errorf("Parse returned a table together with an error")
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error %T %v is not a *ValidationError", err, err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseCapsProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("sku,article_code\n")
	for range MaxProblems + 7 {
		b.WriteString("A,\n")
	}
	_, err := Parse(strings.NewReader(b.String()))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	if len(verr.Problems) != MaxProblems {
		t.Errorf("listed %d problems, want %d", len(verr.Problems), MaxProblems)
	}
	// Each line after the first has both a blank article_code and a duplicate sku.
	if want := 2*(MaxProblems+7) - 1 - MaxProblems; verr.Omitted != want {
		t.Errorf("Omitted = %d, want %d", verr.Omitted, want)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "mapping table: 113 problems: line 2: blank article_code; line 3: blank article_code") ||
		!strings.HasSuffix(msg, "; and 63 more") {
		t.Errorf("Error() = %q", msg)
	}
}

func TestValidationErrorMessage(t *testing.T) {
	err := &ValidationError{File: "m.csv", Problems: []Problem{{Line: 4, Message: "blank article_code"}}}
	if got, want := err.Error(), "mapping table m.csv: line 4: blank article_code"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestLoadFile(t *testing.T) {
	table, err := LoadFile(filepath.Join("testdata", "demo.csv"))
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	if table.Len() != 7 {
		t.Errorf("Len = %d, want 7", table.Len())
	}
	row, ok := table.Lookup("GIFT-SET")
	if want := (Row{SKU: "GIFT-SET", ArticleCode: "SET-GIFT", Reserve: 1, AllocationRate: 80, Max: intp(10), Min: intp(3), Line: 7}); !ok || !reflect.DeepEqual(row, want) {
		t.Errorf("Lookup(GIFT-SET) = %s, %v; want %s", dumpRows([]Row{row}), ok, dumpRows([]Row{want}))
	}
	if _, ok := table.Lookup("gift-set"); ok {
		t.Errorf("Lookup must be case-sensitive")
	}
	wantCodes := []string{"A-MUG-BLUE", "A-TEE-WHT-L", "A-TEE-WHT-M", "A-TEE-WHT-S", "SET-GIFT", "SET-SOAP-3"}
	if got := table.ArticleCodes(); !reflect.DeepEqual(got, wantCodes) {
		t.Errorf("ArticleCodes = %q, want %q", got, wantCodes)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("sku,article_code\nA,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadFile(bad)
	var verr *ValidationError
	if !errors.As(err, &verr) || verr.File != bad {
		t.Fatalf("LoadFile(bad) = %v; want a *ValidationError naming the file", err)
	}
	if !strings.Contains(err.Error(), bad+": line 2: blank article_code") {
		t.Errorf("Error() = %q", err)
	}

	_, err = LoadFile(filepath.Join(t.TempDir(), "missing.csv"))
	if !errors.Is(err, os.ErrNotExist) || errors.As(err, &verr) {
		t.Errorf("LoadFile(missing) = %v; want a wrapped not-exist error", err)
	}
}

func TestTableIsImmutable(t *testing.T) {
	table, err := Parse(strings.NewReader("sku,article_code,max\nA,X,5\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := table.Lookup("A")
	*r.Max = 99
	table.Rows()[0].SKU = "changed"
	*table.Rows()[0].Max = 77
	table.ArticleCodes()[0] = "changed"
	again, _ := table.Lookup("A")
	if *again.Max != 5 || table.Rows()[0].SKU != "A" || table.ArticleCodes()[0] != "X" {
		t.Errorf("table changed through returned values: %s %q", dumpRows(table.Rows()), table.ArticleCodes())
	}
}

func TestNilTable(t *testing.T) {
	var table *Table
	if _, ok := table.Lookup("A"); ok || table.Len() != 0 || table.Rows() != nil || table.ArticleCodes() != nil {
		t.Errorf("nil table is not empty")
	}
}

func TestNewTable(t *testing.T) {
	table, err := NewTable([]Row{
		{SKU: "B", ArticleCode: "X", AllocationRate: 100},
		{SKU: "A", ArticleCode: "X", AllocationRate: 50, Max: intp(3)},
	})
	if err != nil {
		t.Fatalf("NewTable: %v", err)
	}
	if got := table.ArticleCodes(); !reflect.DeepEqual(got, []string{"X"}) {
		t.Errorf("ArticleCodes = %q", got)
	}
	if got := table.Rows(); got[0].SKU != "A" || got[1].SKU != "B" {
		t.Errorf("rows not sorted: %s", dumpRows(got))
	}

	_, err = NewTable([]Row{
		{SKU: "A", ArticleCode: "X", AllocationRate: 100},
		{SKU: "A", ArticleCode: "", AllocationRate: 101, Reserve: -1, Max: intp(1), Min: intp(2)},
		{SKU: "C", ArticleCode: "Y", AllocationRate: 100, Line: 9, Max: intp(-1)},
	})
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("NewTable(bad) = %v", err)
	}
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"row 2: blank article_code",
		`row 2: duplicate sku "A" (first on row 1)`,
		"row 2: reserve -1 is negative",
		"row 2: allocation_rate 101 is not between 0 and 100",
		"row 2: min 2 is greater than max 1",
		"line 9: max -1 is negative",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr error
	}{
		{"0", 0, nil},
		{"007", 7, nil},
		{" 12 ", 12, nil},
		{"１２", 12, nil},
		{"+3", 3, nil},
		{"1,000", 1000, nil},
		{"1,234,567", 1234567, nil},
		{"5.0", 5, nil},
		{"5.", 0, errNotWhole},
		{"-0", 0, nil},
		{"1000000000", MaxQuantity, nil},
		{"1000000001", 0, errTooLarge},
		{"00000000000000000001", 1, nil},
		{"-5", 0, errNegative},
		{"−5", 0, errNegative},
		{"－５", 0, errNegative},
		{"-1.5", 0, errNegative},
		{"1.5", 0, errFraction},
		{"abc", 0, errNotWhole},
		{"", 0, errNotWhole},
		{"1,00", 0, errNotWhole},
		{",100", 0, errNotWhole},
		{"1000,000", 0, errNotWhole},
		{"1 000", 0, errNotWhole},
		{"1e3", 0, errNotWhole},
		{"--1", 0, errNotWhole},
	}
	for _, tt := range tests {
		got, err := parseQuantity(tt.in)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("parseQuantity(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	table, err := LoadFile(filepath.Join("testdata", "demo.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, table); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	if !strings.HasPrefix(buf.String(), "sku,article_code,reserve,allocation_rate,max,min\nGIFT-SET,SET-GIFT,1,80,10,3\n") {
		t.Errorf("WriteCSV output:\n%s", buf.String())
	}
	again, err := Parse(&buf)
	if err != nil {
		t.Fatalf("Parse(WriteCSV): %v", err)
	}
	if !sameRows(table.Rows(), again.Rows()) {
		t.Errorf("round trip changed rows:\n%s\n%s", dumpRows(table.Rows()), dumpRows(again.Rows()))
	}
}

// sameRows compares rows ignoring their Line.
func sameRows(a, b []Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.Line, y.Line = 0, 0
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func dumpRows(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("{" + r.SKU + " " + r.ArticleCode)
		b.WriteString(" reserve=" + itoa(&r.Reserve) + " rate=" + itoa(&r.AllocationRate))
		b.WriteString(" max=" + itoa(r.Max) + " min=" + itoa(r.Min) + " line=" + itoa(&r.Line) + "}")
	}
	return b.String()
}

func itoa(v *int) string {
	if v == nil {
		return "nil"
	}
	return optional(v)
}

func TestParseStockSyncColumn(t *testing.T) {
	csv := "sku,article_code,自動在庫連携\nA-1,X,\nA-2,X,off\nA-3,X,０\nA-4,X,有効\nA-5,X,FALSE\n"
	table, err := Parse(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	off := map[string]bool{}
	for _, r := range table.Rows() {
		off[r.SKU] = r.StockSyncOff
	}
	want := map[string]bool{"A-1": false, "A-2": true, "A-3": true, "A-4": false, "A-5": true}
	if !reflect.DeepEqual(off, want) {
		t.Errorf("stock sync off = %v, want %v", off, want)
	}
	_, err = Parse(strings.NewReader("sku,article_code,stock_sync\nA-1,X,maybe\n"))
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 1 || verr.Problems[0].String() != `line 2: stock_sync "maybe" is not on or off (also 1/0, true/false, 有効/無効)` {
		t.Errorf("bad stock_sync: %v", err)
	}
}

func TestWriteCSVWritesStockSyncOnlyWhenARowIsOff(t *testing.T) {
	table, err := NewTable([]Row{{SKU: "A", ArticleCode: "X", AllocationRate: 100}, {SKU: "B", ArticleCode: "Y", AllocationRate: 50, StockSyncOff: true}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, table); err != nil {
		t.Fatal(err)
	}
	if want := "sku,article_code,reserve,allocation_rate,max,min,stock_sync\nA,X,0,100,,,on\nB,Y,0,50,,,off\n"; buf.String() != want {
		t.Errorf("WriteCSV:\n%s\nwant\n%s", buf.String(), want)
	}
	again, err := Parse(&buf)
	if err != nil || !sameRows(again.Rows(), table.Rows()) {
		t.Errorf("round trip: %v\n%s", err, dumpRows(again.Rows()))
	}
}
