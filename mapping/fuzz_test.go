package mapping

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that a failure is always a
// *ValidationError listing at least one problem, and that a table it accepts
// survives WriteCSV and Parse unchanged.
func FuzzParse(f *testing.F) {
	demo, err := os.ReadFile(filepath.Join("testdata", "demo.csv"))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(demo),
		"",
		"sku,article_code\n",
		"\uFEFFsku,article_code\r\nA-1,ART-1\r\n",
		"商品コード,ロジレス商品コード,予備在庫数,在庫割当率,上限,下限\nA,B,１,５０,\"1,000\",2\n",
		"sku,article_code,reserve\nA,B,-1\nA,C,x\n",
		"sku,note,article_code\n\"A\",\"x\ny\",B\n",
		"sku,article_code\nA,\"B\"\"\"\n",
		"sku,article_code\nA,AR\"T\n\"unterminated",
		"sku,article_code,自動在庫連携\nA,B,無効\nC,D,\nE,F,ON\nG,H,maybe\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := Parse(bytes.NewReader(data))
		if err != nil {
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error is %T, not *ValidationError: %v", err, err)
			}
			if len(verr.Problems) == 0 {
				t.Fatalf("ValidationError without problems")
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, table); err != nil {
			t.Fatalf("WriteCSV: %v", err)
		}
		again, err := Parse(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("written table does not parse: %v\n%s", err, buf.String())
		}
		if !sameRows(table.Rows(), again.Rows()) {
			t.Fatalf("round trip changed rows:\n%s\n%s", dumpRows(table.Rows()), dumpRows(again.Rows()))
		}
		for _, r := range table.Rows() {
			if r.AllocationRate < 0 || r.AllocationRate > 100 || r.Reserve < 0 ||
				(r.Max != nil && r.Min != nil && *r.Min > *r.Max) {
				t.Fatalf("accepted an invalid row: %s", dumpRows([]Row{r}))
			}
		}
	})
}

// FuzzParseQuantity checks that an accepted number is in range and that
// its canonical form reads back the same, and that the parser never panics.
func FuzzParseQuantity(f *testing.F) {
	for _, seed := range []string{"0", "1,000", "１２", "-1", "1.5", "5.0", " 7 ", "+3", "1000000001", "abc"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseQuantity(s)
		if err != nil {
			if v != 0 {
				t.Fatalf("parseQuantity(%q) = %d with error %v", s, v, err)
			}
			return
		}
		if v < 0 || v > MaxQuantity {
			t.Fatalf("parseQuantity(%q) = %d: out of range", s, v)
		}
		if back, err := parseQuantity(strconv.Itoa(v)); err != nil || back != v {
			t.Fatalf("canonical form of %d reads back as %d, %v", v, back, err)
		}
		if strings.TrimSpace(s) == "" {
			t.Fatalf("blank %q accepted", s)
		}
	})
}
