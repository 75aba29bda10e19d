package sandbox

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

func startTest(t *testing.T) (*Servers, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, StartConfig{Logger: sandboxtest.QuietLogger, Ecforce: ecforceapi.Config{SettleDelay: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Close() })
	return s, cancel
}

func TestStartAndDemoData(t *testing.T) {
	s, _ := startTest(t)
	if !strings.HasPrefix(s.EcforceURL, "http://127.0.0.1:") || !strings.HasPrefix(s.LogilessURL, "http://127.0.0.1:") {
		t.Fatalf("urls %q %q", s.EcforceURL, s.LogilessURL)
	}
	if err := SeedDemo(s.Ecforce, s.Logiless); err != nil {
		t.Fatal(err)
	}
	ec := sandboxtest.Do(t, "GET", s.EcforceURL+"/api/v2/admin/orders.json?q[state_eq]=complete&include=order_items", nil,
		"Authorization", `Token token="`+ecforceapi.DefaultAPIToken+`"`).JSON(t)
	if n := len(sandboxtest.AsList(t, ec["data"])); n != 6 {
		t.Errorf("%d complete demo orders, want 6", n)
	}
	if !strings.Contains(fmt.Sprint(ec["included"]), DemoSetSKU) {
		t.Errorf("demo orders should include the set product")
	}
	tok := s.Logiless.IssueTokens().AccessToken
	inv := sandboxtest.Do(t, "GET", s.LogilessMerchantURL()+"/logical_inventory_summaries?article_type=Assortment", nil, "Authorization", "Bearer "+tok).JSON(t)
	if data := sandboxtest.AsList(t, inv["data"]); len(data) != 1 || sandboxtest.AsMap(t, data[0])["free"] != float64(30) {
		t.Errorf("set stock: %v", inv)
	}
	if maps := s.Logiless.Snapshot().ArticleMaps; len(maps) != 7 {
		t.Errorf("%d article maps, want 7", len(maps))
	}
	if st := s.Ecforce.Snapshot(); len(st.StockItems) != 7 || st.StockItems[0].StockLocationCode != ecforceapi.DefaultStockLocation {
		t.Errorf("stock items: %+v", st.StockItems)
	}
}

func TestServersCloseOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, StartConfig{Logger: sandboxtest.QuietLogger})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := sandboxtest.TryGet(s.EcforceURL + "/_sandbox/state"); err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, _, err := sandboxtest.TryGet(s.EcforceURL + "/_sandbox/state"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server still serving after cancel")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Close() // idempotent
	if _, err := Start(context.Background(), StartConfig{EcforceAddr: "256.0.0.1:1"}); err == nil {
		t.Error("bad address should fail")
	}
}
