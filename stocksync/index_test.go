package stocksync

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ecforce-logiless/connector/mapping"
)

func skus(rs []mapping.Row) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.SKU
	}
	return out
}

// Pages follow the cursor; every row is in exactly one page.
func TestIndexFullPagesFollowTheCursor(t *testing.T) {
	var rs []mapping.Row
	for i := range 7 {
		rs = append(rs, mapping.Row{SKU: fmt.Sprintf("S%d", i), ArticleCode: fmt.Sprintf("A%d", i)})
	}
	x := NewIndex(table(t, rs...))
	var cursors, seen []string
	after := ""
	for {
		page, more := x.FullPage(after, 3)
		seen = append(seen, skus(page)...)
		after = page[len(page)-1].SKU
		cursors = append(cursors, after)
		if !more {
			break
		}
	}
	if !slices.Equal(cursors, []string{"S2", "S5", "S6"}) {
		t.Errorf("cursors = %v", cursors)
	}
	if !slices.Equal(seen, []string{"S0", "S1", "S2", "S3", "S4", "S5", "S6"}) {
		t.Errorf("rows = %v", seen)
	}
	if page, more := x.FullPage("S6", 3); len(page) != 0 || more {
		t.Errorf("after the last row: %v, more %v", skus(page), more)
	}
	if x.Len() != 7 {
		t.Errorf("len = %d", x.Len())
	}
}

// The incremental pass looks only at rows whose article changed, rows of
// sets with a changed component, and the SKUs to retry.
func TestIndexChangedPage(t *testing.T) {
	x := NewIndex(table(t,
		mapping.Row{SKU: "sa", ArticleCode: "A"},
		mapping.Row{SKU: "sb", ArticleCode: "B"},
		mapping.Row{SKU: "sb2", ArticleCode: "B", Reserve: 1},
		mapping.Row{SKU: "sd", ArticleCode: "D"},
		mapping.Row{SKU: "sr", ArticleCode: "R"},
		mapping.Row{SKU: "sset", ArticleCode: "SET"},
	))
	sets := NewSetCatalog(map[string][]mapping.Component{"SET": {{ArticleCode: "A", Quantity: 2}, {ArticleCode: "C", Quantity: 1}}})
	changed := map[string]int64{"B": 4, "C": 5}
	retry := []string{"sr", "gone"}
	page, more := x.ChangedPage(changed, sets, retry, "", 10)
	if !slices.Equal(skus(page), []string{"sb", "sb2", "sr", "sset"}) || more {
		t.Errorf("affected = %v (more %v), want the changed, the set with a changed component and the retried SKU", skus(page), more)
	}
	page, more = x.ChangedPage(changed, sets, retry, "", 2)
	if !slices.Equal(skus(page), []string{"sb", "sb2"}) || !more {
		t.Errorf("first page of 2 = %v (more %v)", skus(page), more)
	}
	page, more = x.ChangedPage(changed, sets, retry, "sb2", 2)
	if !slices.Equal(skus(page), []string{"sr", "sset"}) || more {
		t.Errorf("second page of 2 = %v (more %v)", skus(page), more)
	}
	if page, _ := x.ChangedPage(nil, nil, nil, "", 10); len(page) != 0 {
		t.Errorf("nothing changed: %v", skus(page))
	}
}

func TestIndexFingerprint(t *testing.T) {
	a := mapping.Row{SKU: "s", ArticleCode: "A"}
	fp := NewIndex(table(t, a)).Fingerprint()
	// The fingerprint of a table without off rows is the one it had before
	// rows could be off: no full pass follows an upgrade.
	if want := "3709ff031554"; fp != want {
		t.Errorf("fingerprint %s", fp)
	}
	if again := NewIndex(table(t, a)).Fingerprint(); again != fp || len(fp) != 12 {
		t.Errorf("same rows: %q and %q", fp, again)
	}
	for _, r := range []mapping.Row{
		{SKU: "s", ArticleCode: "B"}, {SKU: "t", ArticleCode: "A"}, {SKU: "s", ArticleCode: "A", Reserve: 1},
		{SKU: "s", ArticleCode: "A", AllocationRate: 50}, {SKU: "s", ArticleCode: "A", Max: ip(3)}, {SKU: "s", ArticleCode: "A", Min: ip(3)},
		{SKU: "s", ArticleCode: "A", StockSyncOff: true},
	} {
		if other := NewIndex(table(t, r)).Fingerprint(); other == fp {
			t.Errorf("row %+v has the fingerprint of %+v", r, a)
		}
	}
}

// An index is rebuilt only when the shop's table changes.
func TestIndexesKeepOnePerTable(t *testing.T) {
	var c Indexes
	t1 := table(t, mapping.Row{SKU: "s", ArticleCode: "A"})
	x := c.For("demo", t1)
	if c.For("demo", t1) != x {
		t.Error("same table: index rebuilt")
	}
	if other := c.For("other", t1); other == x {
		t.Error("another shop shares the index")
	}
	t2 := table(t, mapping.Row{SKU: "s", ArticleCode: "B"})
	if y := c.For("demo", t2); y == x || y.Fingerprint() == x.Fingerprint() {
		t.Error("new table: index not rebuilt")
	}
}
