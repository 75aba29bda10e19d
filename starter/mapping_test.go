package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// logilessShop is shop demo with readable secrets, on a sandbox LOGILESS,
// authorized (its token file written where the worker keeps it).
type logilessShop struct {
	ll  *logilessapi.Server
	dir string
}

const logilessShopYAML = `shops:
  - code: demo
    ecforce:
      base_url: https://shop.example.com/api/v2
      api_token: {env: STARTER_TEST_TOKEN}
    logiless:
      base_url: {{LL}}/api
      oauth_base_url: {{LL}}
      merchant_id: 1022
      store_id: 1
      client_id: sandbox-client
      client_secret: {env: STARTER_TEST_LL_SECRET}
      redirect_uri: http://127.0.0.1:18080/oauth/callback
    location_code: default
`

// setupLogilessShop starts the sandbox and writes the shops file, with
// extra appended to the shop (mapping_source: logiless when extra is "").
func setupLogilessShop(t *testing.T, extra string, authorize bool) logilessShop {
	t.Helper()
	ll := logilessapi.New(logilessapi.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(ll)
	t.Cleanup(srv.Close)
	dir := setupSettings(t)
	if extra == "" {
		extra = "    mapping_source: logiless\n"
	}
	writeTestFile(t, filepath.Join(dir, "shops.yaml"), strings.ReplaceAll(logilessShopYAML, "{{LL}}", srv.URL)+extra)
	t.Setenv("STARTER_TEST_TOKEN", "ec-token")
	t.Setenv("STARTER_TEST_LL_SECRET", logilessapi.DefaultClientSecret)
	if authorize {
		tr := ll.IssueTokens()
		store := logiless.NewFileTokenStore(app.LogilessTokenFile(filepath.Join(dir, "state"), "demo"))
		if err := store.Save(context.Background(), logiless.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken,
			ExpiresAt: time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	return logilessShop{ll: ll, dir: dir}
}

func (s logilessShop) seed(t *testing.T) {
	t.Helper()
	for _, code := range []string{"A", "B"} {
		if _, err := s.ll.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			t.Fatal(err)
		}
	}
	five := 5
	for _, m := range []logilessapi.ArticleMap{
		{MappedCode: "EC-A", ArticleCode: "A", StockAllocationRate: 50, MaxStockQuantity: &five},
		{MappedCode: "EC-B", ArticleCode: "B", StandbyStockQuantity: 2, InventorySyncDisabled: true},
	} {
		if _, err := s.ll.SeedArticleMap(m); err != nil {
			t.Fatal(err)
		}
	}
}

const exportedCSV = "sku,article_code,reserve,allocation_rate,max,min,stock_sync\nEC-A,A,0,50,5,,on\nEC-B,B,2,100,,,off\n"

func TestMappingExport(t *testing.T) {
	s := setupLogilessShop(t, "", true)
	s.seed(t)

	code, out, errOut := runStarter(t, "mapping", "export", "--shop", "demo")
	if code != exitOK || out != exportedCSV {
		t.Fatalf("exit %d, stdout:\n%s\nwant\n%s\nstderr %s", code, out, exportedCSV, errOut)
	}
	if want := "the LOGILESS 商品対応表 of store 1: 2 rows, 2 distinct articles, 1 with 自動在庫連携 off\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}

	file := filepath.Join(s.dir, "exported.csv")
	code, out, errOut = runStarter(t, "mapping", "export", "--shop", "demo", "-o", file)
	if code != exitOK || !strings.Contains(out, "written to "+file) || errOut != "" {
		t.Fatalf("--output: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got, err := os.ReadFile(file); err != nil || string(got) != exportedCSV {
		t.Errorf("file = %q, %v", got, err)
	}
	// The connector reads what export writes.
	if code, out, _ := runStarter(t, "mapping", "validate", file); code != exitOK || !strings.Contains(out, "2 rows, 2 distinct LOGILESS articles") {
		t.Errorf("validate of the export: exit %d, %s", code, out)
	}
	if n := s.ll.RequestCounts()["GET /api/v1/merchant/{id}/article_maps"]; n != 2 {
		t.Errorf("article_maps requests = %d, want one per export", n)
	}
}

func TestMappingExportRefusesATableTheConnectorCannotUse(t *testing.T) {
	s := setupLogilessShop(t, "", true)
	s.ll.InjectFault(httpfake.Fault{Method: http.MethodGet, PathPrefix: "/api/v1/merchant/1022/article_maps", Status: 200, Body: `{"data":[
		{"id":1,"mapped_code":"EC-A","article":{"code":"A"},"stock_allocation_rate":"50"},
		{"id":2,"mapped_code":"EC-A","article":{"code":"B"},"stock_allocation_rate":"50"},
		{"id":3,"mapped_code":"EC-C","article":{"code":"C"},"stock_allocation_rate":"150"}],"current_page":1,"limit":100,"total_count":3}`})
	code, out, errOut := runStarter(t, "mapping", "export", "--shop", "demo")
	if code != exitFailed || !strings.Contains(out, `article map 2 (mapped_code "EC-A"): mapped_code is also in article map 1`) ||
		!strings.Contains(out, "stock_allocation_rate 150 is not between 0 and 100") ||
		errOut != "starter: the LOGILESS 商品対応表 of store 1 is not valid: 2 problems, listed above\n" {
		t.Errorf("exit %d, stdout:\n%s\nstderr %q", code, out, errOut)
	}
}

func TestMappingValidateShop(t *testing.T) {
	t.Run("logiless source, every article known", func(t *testing.T) {
		s := setupLogilessShop(t, "", true)
		s.seed(t)
		code, out, errOut := runStarter(t, "mapping", "validate", "--shop", "demo")
		if code != exitOK || errOut != "" || !strings.Contains(out, "shop demo: the LOGILESS 商品対応表 of store 1: 2 rows, 2 distinct LOGILESS articles (matched with the ecforce variant_sku)") ||
			!strings.Contains(out, "1 rows have 自動在庫連携 off") || !strings.Contains(out, "every article exists in LOGILESS") {
			t.Errorf("exit %d, stdout:\n%s\nstderr %q", code, out, errOut)
		}
	})
	t.Run("logiless source, a row points at an unknown article", func(t *testing.T) {
		s := setupLogilessShop(t, "", true)
		s.seed(t)
		if _, err := s.ll.SeedArticle(logilessapi.Article{Code: "SET-A", Name: "set", ArticleType: logilessapi.ArticleAssortment,
			Components: []logilessapi.ArticleComponent{{Component: "A", Quantity: 2}}}); err != nil {
			t.Fatal(err)
		}
		s.ll.InjectFault(httpfake.Fault{Method: http.MethodGet, PathPrefix: "/api/v1/merchant/1022/article_maps", Status: 200, Body: `{"data":[
			{"id":1,"mapped_code":"EC-A","article":{"code":"A"},"stock_allocation_rate":"100","is_automatic_inventory_sync_enables":1},
			{"id":2,"mapped_code":"EC-S","article":{"code":"SET-A"},"stock_allocation_rate":"100","is_automatic_inventory_sync_enables":1},
			{"id":3,"mapped_code":"EC-G","article":{"code":"GHOST"},"stock_allocation_rate":"100","is_automatic_inventory_sync_enables":1}],"current_page":1,"limit":100,"total_count":3}`})
		code, out, errOut := runStarter(t, "mapping", "validate", "--shop", "demo")
		if code != exitFailed || !strings.Contains(out, "EC-G → GHOST: LOGILESS has no such article") || strings.Contains(out, "EC-S →") ||
			errOut != "starter: 1 rows of shop demo point at articles LOGILESS does not have (listed above); fix them in the LOGILESS 商品対応表 of store 1\n" {
			t.Errorf("exit %d, stdout:\n%s\nstderr %q", code, out, errOut)
		}
	})
	t.Run("csv source", func(t *testing.T) {
		s := setupLogilessShop(t, "    mapping_file: live.csv\n", true)
		s.seed(t)
		writeTestFile(t, filepath.Join(s.dir, "live.csv"), "sku,article_code\nEC-A,A\nEC-X,NOPE\n")
		code, out, errOut := runStarter(t, "mapping", "validate", "--shop", "demo")
		if code != exitFailed || !strings.Contains(out, "live.csv: 2 rows") || !strings.Contains(out, "EC-X → NOPE: LOGILESS has no such article") ||
			!strings.Contains(errOut, "1 rows of shop demo point at articles") {
			t.Errorf("exit %d, stdout:\n%s\nstderr %q", code, out, errOut)
		}
		writeTestFile(t, filepath.Join(s.dir, "live.csv"), "sku,article_code\nEC-A,A\nEC-A,B\n")
		code, out, errOut = runStarter(t, "mapping", "validate", "--shop", "demo")
		if code != exitFailed || !strings.Contains(out, `line 3: duplicate sku "EC-A"`) || !strings.Contains(errOut, "live.csv is not valid: 1 problems, listed above with their lines") {
			t.Errorf("invalid file: exit %d, stdout:\n%s\nstderr %q", code, out, errOut)
		}
	})
	t.Run("not authorized", func(t *testing.T) {
		setupLogilessShop(t, "", false)
		code, _, errOut := runStarter(t, "mapping", "validate", "--shop", "demo")
		if code != exitFailed || !strings.Contains(errOut, "starter logiless-auth --shop demo") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
}

func TestMappingUsageErrors(t *testing.T) {
	setupLogilessShop(t, "", true)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"mapping", "validate", "a.csv", "--shop", "demo"}, `takes FILE or --shop, not both (got "a.csv" and --shop demo)`},
		{[]string{"mapping", "export"}, `required flag(s) "shop" not set`},
		{[]string{"mapping", "export", "--shop", "demo", "extra"}, `takes no arguments, got "extra"`},
		{[]string{"mapping", "export", "--shop", "nosuch"}, `shop "nosuch" is not in`},
	} {
		code, out, errOut := runStarter(t, tt.args...)
		if code == exitOK || out != "" || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// A 429 on the code exchange means LOGILESS did not spend the code: it is
// sent again after the wait, within the code's life.
func TestLogilessAuthCodeRetries429(t *testing.T) {
	s := setupLogilessShop(t, "", false)
	s.ll.InjectFault(httpfake.Fault{PathPrefix: "/oauth2/token", Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "1"}})
	code, out, errOut := runStarter(t, "logiless-auth", "--shop", "demo", "--code", s.ll.IssueAuthorizationCode())
	if code != exitOK || !strings.Contains(out, "shop demo is authorized at LOGILESS") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := s.ll.RequestCounts()["GET /oauth2/token"]; n != 2 {
		t.Errorf("token requests = %d, want 2 (the 429, then the exchange)", n)
	}
	if _, err := os.Stat(app.LogilessTokenFile(filepath.Join(s.dir, "state"), "demo")); err != nil {
		t.Errorf("no token file: %v", err)
	}
}
