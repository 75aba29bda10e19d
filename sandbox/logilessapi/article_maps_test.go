package logilessapi

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func TestArticleMapsListEditAndDelete(t *testing.T) {
	env := newTestServer(t, Config{})
	env.article(t, Article{Code: "A", Name: "A"}, 10)
	env.article(t, Article{Code: "B", Name: "B"}, 10)
	five := 5
	a, err := env.srv.SeedArticleMap(ArticleMap{MappedCode: "EC-A", ArticleCode: "A", StockAllocationRate: 40, MaxStockQuantity: &five})
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.srv.SeedArticleMap(ArticleMap{MappedCode: "EC-B", ArticleCode: "B", InventorySyncDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.SeedArticleMap(ArticleMap{MappedCode: "EC-A", ArticleCode: "B"}); err == nil {
		t.Error("a second row for the same mapped_code of a store was accepted")
	}

	list := func(query string) []map[string]any {
		t.Helper()
		res := env.send(t, "GET", "/article_maps?"+query, nil)
		if res.Status != 200 {
			t.Fatalf("GET article_maps?%s: %d %s", query, res.Status, res.Body)
		}
		var rows []map[string]any
		for _, d := range sandboxtest.AsList(t, res.JSON(t)["data"]) {
			rows = append(rows, sandboxtest.AsMap(t, d))
		}
		return rows
	}
	rows := list("store=1")
	if len(rows) != 2 {
		t.Fatalf("rows = %v", rows)
	}
	// The rate is a string; flags are 0/1; unset optional quantities are
	// left out of the answer.
	if r := rows[0]; r["stock_allocation_rate"] != "40" || r["max_stock_quantity"] != float64(5) || r["is_automatic_inventory_sync_enables"] != float64(1) {
		t.Errorf("row A = %v", r)
	}
	if _, has := rows[0]["min_stock_quantity"]; has {
		t.Errorf("an unset min_stock_quantity is sent: %v", rows[0])
	}
	if r := rows[1]; r["stock_allocation_rate"] != "100" || r["is_automatic_inventory_sync_enables"] != float64(0) {
		t.Errorf("row B = %v", r)
	}
	if rows := list("is_automatic_inventory_sync_enables=0"); len(rows) != 1 || rows[0]["mapped_code"] != "EC-B" {
		t.Errorf("sync off filter = %v", rows)
	}
	if rows := list("article_code=A"); len(rows) != 1 || rows[0]["mapped_code"] != "EC-A" {
		t.Errorf("article_code filter = %v", rows)
	}
	if res := env.send(t, "GET", "/article_maps?has_error=yes", nil); res.Status != 400 {
		t.Errorf("has_error=yes: %d, want 400", res.Status)
	}

	// An edit moves updated_at; updated_at_from then finds only it.
	env.clock.Advance(time.Hour)
	since := url.QueryEscape(env.clock.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01-02 15:04:05"))
	res := sandboxtest.Do(t, "PUT", env.url+"/_sandbox/article_maps/"+strconv.FormatInt(b.ID, 10), `{"inventory_sync_disabled":false,"standby_stock_quantity":2}`)
	if res.Status != 200 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	if rows := list("updated_at_from=" + since); len(rows) != 1 || rows[0]["mapped_code"] != "EC-B" ||
		rows[0]["standby_stock_quantity"] != float64(2) || rows[0]["is_automatic_inventory_sync_enables"] != float64(1) {
		t.Errorf("changed since the edit = %v", rows)
	}
	if res := sandboxtest.Do(t, "PUT", env.url+"/_sandbox/article_maps/"+strconv.FormatInt(b.ID, 10), `{"stock_allocation_rate":150}`); res.Status != 400 {
		t.Errorf("an invalid edit: %d, want 400", res.Status)
	}
	if res := sandboxtest.Do(t, "DELETE", env.url+"/_sandbox/article_maps/"+strconv.FormatInt(a.ID, 10), nil); res.Status != 204 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := sandboxtest.Do(t, "DELETE", env.url+"/_sandbox/article_maps/"+strconv.FormatInt(a.ID, 10), nil); res.Status != 404 {
		t.Errorf("second delete: %d, want 404", res.Status)
	}
	if rows := list(""); len(rows) != 1 || rows[0]["mapped_code"] != "EC-B" {
		t.Errorf("after the delete = %v", rows)
	}
}
