package logilessapi

import (
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestSetExpansionAndAllocation(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "LAV", Name: "ラベンダー"}, 10)
	env.article(t, Article{Code: "CIT", Name: "シトラス"}, 4)
	env.article(t, Article{Code: "SET", Name: "セット", ArticleType: ArticleAssortment,
		Components: []ArticleComponent{{Component: "LAV", Quantity: 2}, {Component: "CIT", Quantity: 1}}}, 0)
	if free, _ := env.srv.FreeStock("SET"); free != 4 { // min(10/2, 4/1)
		t.Fatalf("set free %d, want 4", free)
	}
	o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("SET-ORDER", map[string]any{"article_code": "SET", "article_name": "セット", "quantity": 2, "price": 2000}))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Lines) != 3 || !o.Lines[0].IsParent || !o.Lines[1].IsChild || o.Lines[1].ParentID != o.Lines[0].ID ||
		o.Lines[1].ArticleCode != "LAV" || o.Lines[1].Quantity != 4 || o.Lines[2].Quantity != 2 {
		t.Fatalf("set expansion: %+v", o.Lines)
	}
	if o.DocumentStatus != StatusWaitingForShipment || o.AllocationStatus != StatusAllocated {
		t.Errorf("statuses %s / %s", o.DocumentStatus, o.AllocationStatus)
	}
	for code, want := range map[string]int{"LAV": 6, "CIT": 2, "SET": 2} {
		if free, _ := env.srv.FreeStock(code); free != want {
			t.Errorf("free %s = %d, want %d", code, free, want)
		}
	}
	res := env.send(t, "GET", "/logical_inventory_summaries?article_type=Assortment", nil)
	data := sandboxtest.AsList(t, res.JSON(t)["data"])
	if len(data) != 1 || sandboxtest.AsMap(t, data[0])["free"] != float64(2) {
		t.Errorf("Assortment summaries: %s", res.Body)
	}
	res = env.send(t, "POST", "/logical_inventory_summaries/search", map[string]any{"article_codes": []string{"LAV", "SET"}})
	if n := len(sandboxtest.AsList(t, res.JSON(t)["data"])); n != 2 {
		t.Errorf("search summaries: %s", res.Body)
	}

	t.Run("unknown article waits for confirmation", func(t *testing.T) {
		o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("UNKNOWN-1", map[string]any{"article_code": "NOPE", "article_name": "?", "quantity": 1}))
		if err != nil {
			t.Fatal(err)
		}
		if !o.WaitingForConfirmation || o.DocumentStatus == StatusWaitingForShipment {
			t.Errorf("%+v", o)
		}
	})
	t.Run("mapped code resolves through the article map", func(t *testing.T) {
		if _, err := env.srv.SeedArticleMap(ArticleMap{MappedCode: "EC-LAV", ArticleCode: "LAV"}); err != nil {
			t.Fatal(err)
		}
		o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("MAPPED-1", map[string]any{"article_code": "EC-LAV", "article_name": "ラベンダー", "quantity": 1}))
		if err != nil || o.WaitingForConfirmation || o.Lines[0].ArticleCode != "LAV" {
			t.Fatalf("%v %+v", err, o)
		}
	})
	t.Run("insufficient stock waits, then allocates when stock arrives", func(t *testing.T) {
		o, err := env.srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("BIG-1", map[string]any{"article_code": "CIT", "article_name": "シトラス", "quantity": 5}))
		if err != nil {
			t.Fatal(err)
		}
		if o.DocumentStatus != StatusWaitingForAllocation {
			t.Fatalf("status %s", o.DocumentStatus)
		}
		if s := env.srv.Snapshot(); s.Inventory[1].StockOut != 5 {
			t.Errorf("stock_out %+v", s.Inventory[1])
		}
		if err := env.srv.SetFreeStock("CIT", 7); err != nil {
			t.Fatal(err)
		}
		o, _ = env.srv.SalesOrder("BIG-1")
		if free, _ := env.srv.FreeStock("CIT"); o.DocumentStatus != StatusWaitingForShipment || free != 2 {
			t.Errorf("after restock: %s free=%d", o.DocumentStatus, free)
		}
	})
}
