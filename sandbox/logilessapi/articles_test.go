package logilessapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestArticlesAndMaps(t *testing.T) {
	env := newTestServer(t, Config{})
	res := env.send(t, "POST", "/articles/new", map[string]any{"article": map[string]any{"code": "P-1", "name": "商品1"}})
	if res.Status != 201 || res.JSON(t)["article_type"] != ArticleSingle {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if res := env.send(t, "POST", "/articles/new", map[string]any{"article": map[string]any{"code": "P-1", "name": "dup"}}); res.Status != 400 {
		t.Fatalf("duplicate article: %d", res.Status)
	}
	res = env.send(t, "POST", "/articles/new/multiple", map[string]any{"articles": []map[string]any{
		{"code": "P-2", "name": "商品2"},
		{"code": "S-1", "name": "セット", "article_type": "Assortment", "components": []map[string]any{{"component": "P-1", "quantity": 2}, {"component": "P-2", "quantity": "1"}}},
	}})
	if res.Status != 200 || !strings.HasPrefix(strings.TrimSpace(string(res.Body)), "[") {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	res = env.send(t, "POST", "/articles/new/multiple", map[string]any{"articles": []map[string]any{
		{"code": "P-3", "name": "ok"}, {"code": "S-2", "name": "bad set", "article_type": "Assortment", "components": []map[string]any{{"component": "NOPE", "quantity": 1}}},
	}})
	if res.Status != 400 || sandboxtest.AsMap(t, res.JSON(t)["errors"])["articles[1].components[0].component"] == nil {
		t.Fatalf("bad batch: %d %s", res.Status, res.Body)
	}
	if _, ok := env.srv.Article("P-3"); ok {
		t.Error("a failed batch must create nothing")
	}
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = map[string]any{"code": fmt.Sprint("M-", i), "name": "m"}
	}
	if res := env.send(t, "POST", "/articles/new/multiple", map[string]any{"articles": many}); res.Status != 400 {
		t.Fatalf("101 articles: %d", res.Status)
	}
	res = env.send(t, "GET", "/articles?article_type=Assortment", nil)
	if data := sandboxtest.AsList(t, res.JSON(t)["data"]); len(data) != 1 || len(sandboxtest.AsList(t, sandboxtest.AsMap(t, data[0])["components"])) != 2 {
		t.Fatalf("articles list: %s", res.Body)
	}

	if err := env.srv.SetFreeStock("P-1", 21); err != nil {
		t.Fatal(err)
	}
	ten := 10
	if _, err := env.srv.SeedArticleMap(ArticleMap{MappedCode: "EC-P1", ArticleCode: "P-1", StandbyStockQuantity: 1, StockAllocationRate: 50, MaxStockQuantity: &ten}); err != nil {
		t.Fatal(err)
	}
	res = env.send(t, "GET", "/article_maps?article_code=P-1", nil)
	data := sandboxtest.AsList(t, res.JSON(t)["data"])
	if len(data) != 1 {
		t.Fatalf("%s", res.Body)
	}
	am := sandboxtest.AsMap(t, data[0])
	if am["mapped_code"] != "EC-P1" || am["standby_stock_quantity"] != float64(1) || am["stock_allocation_rate"] != "50" ||
		am["available_stock_quantity"] != float64(10) || sandboxtest.AsMap(t, am["article"])["code"] != "P-1" || sandboxtest.AsMap(t, am["store"])["id"] != float64(1) {
		t.Errorf("article map: %v", am)
	}
}
