package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeEnv is an environment holding only vars.
func fakeEnv(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

var demoEnv = fakeEnv(map[string]string{
	"DEMO_ECFORCE_TOKEN":            "tok-demo-123",
	"OUTLET_ECFORCE_PASSWORD":       "pw-outlet-456",
	"OUTLET_LOGILESS_CLIENT_SECRET": "cs-outlet-789",
})

func TestLoadShopsDemoFile(t *testing.T) {
	path := filepath.Join("testdata", "shops.yaml")
	f, err := LoadShops(path, demoEnv)
	if err != nil {
		t.Fatalf("LoadShops: %v", err)
	}
	if f.Path != path {
		t.Errorf("Path = %q", f.Path)
	}
	if got := f.Codes(); !reflect.DeepEqual(got, []string{"demo", "outlet"}) {
		t.Fatalf("Codes = %q", got)
	}
	dir, _ := filepath.Abs("testdata")

	demo, ok := f.Shop("demo")
	if !ok {
		t.Fatal("no shop demo")
	}
	wantDemo := Shop{
		Code: "demo",
		Name: "Demo shop",
		Ecforce: EcforceSettings{
			BaseURL:           "http://127.0.0.1:18081/api/v2",
			Auth:              AuthToken,
			APIToken:          SecretRef{Env: "DEMO_ECFORCE_TOKEN"},
			RequestsPerSecond: 2,
		},
		Logiless: LogilessSettings{
			BaseURL:           "http://127.0.0.1:18082/api",
			OAuthBaseURL:      "http://127.0.0.1:18082",
			MerchantID:        1022,
			StoreID:           12,
			ClientID:          "demo-client",
			ClientSecret:      SecretRef{File: filepath.Join(dir, "secrets", "logiless_client_secret")},
			RedirectURI:       "http://127.0.0.1:18080/oauth/callback",
			RequestsPerSecond: 1,
		},
		LocationCode: "default",
		OrderImport: OrderImportSettings{
			AutoRun:       true,
			States:        []string{"complete"},
			Lookback:      168 * time.Hour,
			Interval:      10 * time.Minute,
			SweepInterval: time.Hour,
			PaymentMethods: map[string]string{
				"クレジットカード決済": "credit_card_payment", "代金引換": "cod", "銀行振込": "bank_transfer", "NP後払い": "np_atobarai",
			},
			DefaultPaymentMethod:  "credit_card_payment",
			DeliveryMethods:       map[string]string{"ヤマト運輸": "yamato", "佐川急便": "sagawa", "日本郵便": "yu_packet"},
			DefaultDeliveryMethod: "yamato",
		},
		ShipmentNotification: ShipmentSettings{
			AutoRun:                 true,
			Interval:                10 * time.Minute,
			SweepInterval:           time.Hour,
			Lookback:                24 * time.Hour,
			TrackingNumberSeparator: ",",
			Carriers:                map[string]int64{"yamato": 1, "sagawa": 2},
			CaptureGrace:            2 * time.Minute,
			BatchSize:               100,
		},
		StockSync:      StockSyncSettings{Enabled: true, Interval: 10 * time.Minute, FullEvery: 24 * time.Hour},
		MappingSource:  MappingFromCSV,
		MappingFile:    filepath.Join(dir, "mappings", "demo.csv"),
		MappingMatch:   MatchVariantSKU,
		MappingRefresh: MappingRefreshSettings{Interval: 5 * time.Minute, FullEvery: 6 * time.Hour},
	}
	if got := stripSecrets(*demo); !reflect.DeepEqual(got, wantDemo) {
		t.Errorf("demo shop =\n%#v\nwant\n%#v", got, wantDemo)
	}
	if got := demo.Ecforce.APIToken.Secret().Reveal(); got != "tok-demo-123" {
		t.Errorf("api_token resolved to %q", got)
	}
	if got := demo.Logiless.ClientSecret.Secret().Reveal(); got != "demo-logiless-client-secret" {
		t.Errorf("client_secret (file, newline trimmed) resolved to %q", got)
	}

	outlet, _ := f.Shop("outlet")
	if outlet.Ecforce.Auth != AuthPassword || outlet.Ecforce.LoginID != "api@example.com" ||
		outlet.Ecforce.Password.Secret().Reveal() != "pw-outlet-456" ||
		outlet.Logiless.ClientSecret.Secret().Reveal() != "cs-outlet-789" {
		t.Errorf("outlet credentials not loaded: %+v", outlet.Ecforce)
	}
	if !outlet.Ecforce.APIToken.Secret().IsZero() {
		t.Errorf("unused api_token resolved")
	}
	if _, ok := f.Shop("nope"); ok {
		t.Errorf("Shop(nope) found")
	}
}

// stripSecrets drops resolved secret values so shops compare with ==.
func stripSecrets(s Shop) Shop {
	s.Ecforce.APIToken.value = Secret{}
	s.Ecforce.Password.value = Secret{}
	s.Logiless.ClientSecret.value = Secret{}
	s.Ecforce.APIToken.live, s.Ecforce.Password.live, s.Logiless.ClientSecret.live = nil, nil, nil
	return s
}

func TestDefaults(t *testing.T) {
	f, err := ParseShops([]byte(baseYAML), "/etc/connector", baseEnv)
	if err != nil {
		t.Fatalf("ParseShops: %v", err)
	}
	s := f.Shops[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", s.Name, "demo"},
		{"ecforce.base_url trailing slash trimmed", s.Ecforce.BaseURL, "https://shop.example.com/api/v2"},
		{"ecforce.auth", s.Ecforce.Auth, AuthToken},
		{"ecforce.requests_per_second", s.Ecforce.RequestsPerSecond, 1.0},
		{"logiless.base_url", s.Logiless.BaseURL, "https://app2.logiless.com/api"},
		{"logiless.oauth_base_url", s.Logiless.OAuthBaseURL, "https://app2.logiless.com"},
		{"logiless.requests_per_second", s.Logiless.RequestsPerSecond, 1.0},
		{"order_import.auto_run", s.OrderImport.AutoRun, false},
		{"order_import.only_due_today_or_earlier", s.OrderImport.OnlyDueTodayOrEarlier, false},
		{"order_import.states", s.OrderImport.States, []string{"complete"}},
		{"order_import.lookback", s.OrderImport.Lookback, 7 * 24 * time.Hour},
		{"order_import.interval", s.OrderImport.Interval, time.Minute},
		{"order_import.sweep_interval", s.OrderImport.SweepInterval, time.Hour},
		{"order_import.imported_state", s.OrderImport.ImportedState, ""},
		{"order_import.default_payment_method", s.OrderImport.DefaultPaymentMethod, ""},
		{"order_import.sync_cancellations", s.OrderImport.CancellationsSynced(), true},
		{"order_import.cancel_clears_code", s.OrderImport.CancelClearsCode, false},
		{"shipment_notification.auto_run", s.ShipmentNotification.AutoRun, false},
		{"shipment_notification.with_sales", s.ShipmentNotification.WithSales, false},
		{"shipment_notification.interval", s.ShipmentNotification.Interval, time.Minute},
		{"shipment_notification.sweep_interval", s.ShipmentNotification.SweepInterval, time.Hour},
		{"shipment_notification.tracking_number_separator", s.ShipmentNotification.TrackingNumberSeparator, ","},
		{"shipment_notification.lookback", s.ShipmentNotification.Lookback, 24 * time.Hour},
		{"shipment_notification.capture_grace", s.ShipmentNotification.CaptureGrace, 2 * time.Minute},
		{"shipment_notification.batch_size", s.ShipmentNotification.BatchSize, 100},
		{"stock_sync.enabled", s.StockSync.Enabled, false},
		{"stock_sync.interval", s.StockSync.Interval, 10 * time.Minute},
		{"stock_sync.full_every", s.StockSync.FullEvery, 24 * time.Hour},
		{"mapping_file resolved against dir", s.MappingFile, "/etc/connector/map.csv"},
		{"mapping_source", s.MappingSource, MappingFromCSV},
		{"mapping_match", s.MappingMatch, MatchVariantSKU},
		{"mapping_refresh.interval", s.MappingRefresh.Interval, 5 * time.Minute},
		{"mapping_refresh.full_every", s.MappingRefresh.FullEvery, 6 * time.Hour},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestPathResolution(t *testing.T) {
	tests := []struct {
		name, mapping, dir, want string
	}{
		{"relative against dir", "mappings/demo.csv", "/srv/conn", "/srv/conn/mappings/demo.csv"},
		{"parent directory", "../shared/map.csv", "/srv/conn", "/srv/shared/map.csv"},
		{"absolute kept", "/data/map.csv", "/srv/conn", "/data/map.csv"},
		{"no dir keeps it relative", "mappings/demo.csv", "", "mappings/demo.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := strings.Replace(baseYAML, "mapping_file: map.csv", "mapping_file: "+tt.mapping, 1)
			f, err := ParseShops([]byte(y), tt.dir, baseEnv)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Shops[0].MappingFile; got != tt.want {
				t.Errorf("MappingFile = %q, want %q", got, tt.want)
			}
		})
	}

	// LoadShops resolves against the file's own directory, wherever the
	// process runs from.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "conf", "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "secrets", "cs"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(baseYAML, "client_secret: {env: SECRET}", "client_secret: {file: secrets/cs}", 1)
	if err := os.WriteFile(filepath.Join(dir, "conf", "shops.yaml"), []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	f, err := LoadShops(filepath.Join("conf", "shops.yaml"), baseEnv)
	if err != nil {
		t.Fatalf("LoadShops: %v", err)
	}
	s := f.Shops[0]
	if want := filepath.Join(dir, "conf", "map.csv"); s.MappingFile != want {
		t.Errorf("MappingFile = %q, want %q", s.MappingFile, want)
	}
	if want := filepath.Join(dir, "conf", "secrets", "cs"); s.Logiless.ClientSecret.File != want || s.Logiless.ClientSecret.Secret().Reveal() != "s3cret" {
		t.Errorf("client_secret = %v (%q)", s.Logiless.ClientSecret, s.Logiless.ClientSecret.Secret().Reveal())
	}
}

// baseYAML is a minimal valid shops file; tests edit it.
const baseYAML = `shops:
  - code: demo
    ecforce:
      base_url: https://shop.example.com/api/v2/
      api_token: {env: TOKEN}
    logiless:
      merchant_id: 1
      store_id: 2
      client_id: cid
      client_secret: {env: SECRET}
      redirect_uri: https://example.com/cb
    location_code: default
    mapping_file: map.csv
`

var baseEnv = fakeEnv(map[string]string{"TOKEN": "tok-XYZZY", "SECRET": "sec-PLUGH", "PASSWORD": "pw-FROTZ"})

// edit applies old→new replacements to baseYAML, failing if one is missing.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	y := baseYAML
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(y, pairs[i]) {
			t.Fatalf("baseYAML has no %q", pairs[i])
		}
		y = strings.Replace(y, pairs[i], pairs[i+1], 1)
	}
	return y
}

// withPrefix is baseYAML with order_import.code_prefix set.
func withPrefix(t *testing.T, prefix string) string {
	t.Helper()
	return edit(t, "    mapping_file: map.csv\n", "    order_import: {code_prefix: "+prefix+"}\n    mapping_file: map.csv\n")
}

// neighbour is a second shop "outlet" on baseYAML's LOGILESS merchant, in
// store 3, with the given code_prefix ("" for none) and logiless.base_url
// ("" for the default).
func neighbour(prefix, baseURL string) string {
	logiless := "logiless: {merchant_id: 1, store_id: 3, client_id: c, client_secret: {env: SECRET}, redirect_uri: \"http://x\"}"
	if baseURL != "" {
		logiless = strings.Replace(logiless, "{merchant_id", "{base_url: \""+baseURL+"\", merchant_id", 1)
	}
	y := "\n  - code: outlet\n    ecforce: {base_url: \"http://x\", api_token: {env: TOKEN}}\n    " + logiless + "\n    location_code: default\n"
	if prefix != "" {
		y += "    order_import: {code_prefix: " + prefix + "}\n"
	}
	return y + "    mapping_file: m.csv\n"
}

// Shops on one LOGILESS merchant load when each has its own prefix, none
// the start of another; shops on different merchants need none.
func TestSharedMerchantPrefixes(t *testing.T) {
	for name, y := range map[string]func(t *testing.T) string{
		"own prefixes":        func(t *testing.T) string { return withPrefix(t, "A-") + neighbour("B-", "") },
		"different merchants": func(t *testing.T) string { return baseYAML + neighbour("", "https://other.example/api") },
	} {
		t.Run(name, func(t *testing.T) {
			f, err := ParseShops([]byte(y(t)), "", baseEnv)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Shops) != 2 {
				t.Fatalf("%d shops", len(f.Shops))
			}
		})
	}
}

func TestShopsValidationErrors(t *testing.T) {
	second := `
  - code: demo
    ecforce: {base_url: "http://x", api_token: {env: TOKEN}}
    logiless: {merchant_id: 1, store_id: 2, client_id: c, client_secret: {env: SECRET}, redirect_uri: "http://x"}
    location_code: default
    mapping_file: m.csv
`
	tests := []struct {
		name  string
		yaml  func(t *testing.T) string
		env   func(string) (string, bool)
		wants []string
	}{
		{
			name:  "empty file",
			yaml:  func(*testing.T) string { return "" },
			wants: []string{"the file is empty; list the shops under shops:"},
		},
		{
			name:  "no shops",
			yaml:  func(*testing.T) string { return "shops: []\n" },
			wants: []string{"no shops: list at least one shop under shops:"},
		},
		{
			name:  "syntax error",
			yaml:  func(*testing.T) string { return "shops:\n  - code: [\n" },
			wants: []string{"yaml: line 2: did not find expected node content"},
		},
		{
			name:  "two documents",
			yaml:  func(*testing.T) string { return baseYAML + "---\nshops: []\n" },
			wants: []string{"the file holds more than one YAML document; list every shop under one shops:"},
		},
		{
			name: "unknown fields and wrong types name the shop and line",
			yaml: func(t *testing.T) string {
				return "extra: 1\n" + edit(t, "    location_code: default\n", "    location_code: default\n    locaton: x\n", "merchant_id: 1", "merchant_id: one", "      api_token: {env: TOKEN}\n", "      api_token: {env: TOKEN}\n      token: {env: T}\n")
			},
			wants: []string{
				"line 1: unknown setting extra in the top level (only shops: is allowed)",
				`shop "demo": line 7: unknown setting token in ecforce`,
				"shop \"demo\": line 9: cannot unmarshal !!str `one` into int64",
				`shop "demo": line 15: unknown setting locaton in a shop`,
				`shop "demo": logiless.merchant_id: required (the LOGILESS merchant id, a positive number)`,
			},
		},
		{
			name: "bad code",
			yaml: func(t *testing.T) string { return edit(t, "code: demo", "code: Demo_Shop") },
			wants: []string{
				`shop "Demo_Shop": code: "Demo_Shop" must be 1–32 of a-z, 0-9 and -, starting with a letter or digit`,
			},
		},
		{
			name: "missing code is named by position",
			yaml: func(t *testing.T) string { return edit(t, "  - code: demo\n    ecforce:", "  - ecforce:") },
			wants: []string{
				"shop #1: code: required (1–32 of a-z, 0-9 and -, used in workflow IDs)",
			},
		},
		{
			name: "duplicate code and shared LOGILESS store",
			yaml: func(*testing.T) string { return baseYAML + second },
			wants: []string{
				`shop "demo": code: used by shop #1 too; codes must be unique`,
				`shop "demo": logiless.store_id: store 2 of merchant 1 is already used by shop "demo"; each ecforce shop needs its own LOGILESS store`,
			},
		},
		{
			name: "shops on one merchant without prefixes could collide",
			yaml: func(*testing.T) string { return baseYAML + neighbour("", "") },
			wants: []string{
				`shop "outlet": order_import.code_prefix: shop "demo" and shop "outlet" are on LOGILESS merchant 1 and their 受注コード could collide: neither has an order_import.code_prefix; give each shop its own prefix, none the start of another (e.g. A- and B-)`,
			},
		},
		{
			name: "a prefix on only one shop of a merchant is not enough",
			yaml: func(t *testing.T) string { return withPrefix(t, "A-") + neighbour("", "") },
			wants: []string{
				`shop "outlet": order_import.code_prefix: shop "demo" and shop "outlet" are on LOGILESS merchant 1 and their 受注コード could collide: one of them has no order_import.code_prefix; give each shop its own prefix, none the start of another (e.g. A- and B-)`,
			},
		},
		{
			name: "one prefix the start of another collides",
			yaml: func(t *testing.T) string { return withPrefix(t, "A") + neighbour("AB", "") },
			wants: []string{
				`shop "outlet": order_import.code_prefix: shop "demo" and shop "outlet" are on LOGILESS merchant 1 and their 受注コード could collide: code_prefix "A" and "AB" start alike (one is the start of the other); give each shop its own prefix, none the start of another (e.g. A- and B-)`,
			},
		},
		{
			name: "bad prefixes and a cancelled import state",
			yaml: func(t *testing.T) string {
				return edit(t, "    mapping_file: map.csv\n", "    order_import: {code_prefix: \"店舗A_\", states: [complete, canceled]}\n    mapping_file: map.csv\n")
			},
			wants: []string{
				`shop "demo": order_import.states[1]: canceled (キャンセル) cannot be imported; a cancelled order is never imported`,
				`shop "demo": order_import.code_prefix: "店舗A_" may hold only half-width letters, digits and - (the characters of a LOGILESS 受注コード)`,
			},
		},
		{
			name: "a prefix too long for a 30-character code",
			yaml: func(t *testing.T) string { return withPrefix(t, "ABCDEFGHIJ-ABCDEFGHIJ") },
			wants: []string{
				`shop "demo": order_import.code_prefix: "ABCDEFGHIJ-ABCDEFGHIJ" is longer than 20 characters (the LOGILESS 受注コード, prefix and 受注番号, is at most 30)`,
			},
		},
		{
			name: "URLs",
			yaml: func(t *testing.T) string {
				return edit(t,
					"base_url: https://shop.example.com/api/v2/", "base_url: ftp://x",
					"redirect_uri: https://example.com/cb", "redirect_uri: example.com/cb",
					"    logiless:\n", "    logiless:\n      base_url: https://user:hunter2@app2.logiless.com/api\n      oauth_base_url: https://app2.logiless.com/?x=1\n",
				)
			},
			wants: []string{
				`shop "demo": ecforce.base_url: "ftp://x" is not an http(s) URL`,
				`shop "demo": logiless.base_url: must not contain a user name or password (put secrets in {env: NAME} or {file: PATH} settings)`,
				`shop "demo": logiless.oauth_base_url: "https://app2.logiless.com/?x=1" must not have a query or fragment`,
				`shop "demo": logiless.redirect_uri: "example.com/cb" is not an http(s) URL (write the scheme too, e.g. https://example.com/cb)`,
			},
		},
		{
			name: "required settings",
			yaml: func(*testing.T) string { return "shops:\n  - code: bare\n    ecforce: {}\n" },
			wants: []string{
				`shop "bare": ecforce.base_url: required (the shop's ecforce API endpoint, e.g. https://shop.example.com/api/v2)`,
				`shop "bare": ecforce.api_token: required when auth is token; use {env: NAME} or {file: PATH}`,
				`shop "bare": logiless.merchant_id: required (the LOGILESS merchant id, a positive number)`,
				`shop "bare": logiless.store_id: required (the LOGILESS store (店舗) of this shop, a positive number)`,
				`shop "bare": logiless.client_id: required (the OAuth client id of the LOGILESS app)`,
				`shop "bare": logiless.client_secret: required; use {env: NAME} or {file: PATH}`,
				`shop "bare": logiless.redirect_uri: required (the redirect URI registered for the LOGILESS app)`,
				`shop "bare": location_code: required (the ecforce ロケーションコード, usually that of the default location)`,
				`shop "bare": mapping_file: required (the 商品対応表 CSV used by order import and stock sync)`,
			},
		},
		{
			name: "password auth needs login_id and password",
			yaml: func(t *testing.T) string { return edit(t, "api_token: {env: TOKEN}", "auth: password") },
			wants: []string{
				`shop "demo": ecforce.login_id: required when auth is password (the API member's login ID)`,
				`shop "demo": ecforce.password: required when auth is password; use {env: NAME} or {file: PATH}`,
			},
		},
		{
			name:  "unknown auth",
			yaml:  func(t *testing.T) string { return edit(t, "api_token: {env: TOKEN}", "auth: oauth") },
			wants: []string{`shop "demo": ecforce.auth: "oauth" is not one of token, password`},
		},
		{
			name: "numbers out of range",
			yaml: func(t *testing.T) string {
				return edit(t,
					"api_token: {env: TOKEN}", "api_token: {env: TOKEN}\n      requests_per_second: -1",
					"merchant_id: 1", "merchant_id: -5\n      requests_per_second: 1000",
					"location_code: default", "location_code: de fault",
				)
			},
			wants: []string{
				`shop "demo": ecforce.requests_per_second: -1 is not between 0 and 100 (requests per second; fractions like 0.5 are allowed)`,
				`shop "demo": logiless.merchant_id: -5 is not a positive number`,
				`shop "demo": logiless.requests_per_second: 1000 is not between 0 and 100 (requests per second; fractions like 0.5 are allowed)`,
				`shop "demo": location_code: "de fault" must not contain spaces`,
			},
		},
		{
			name: "order import",
			yaml: func(t *testing.T) string {
				return baseYAML + `    order_import:
      states: [complete, Complete, complete]
      lookback: 30m
      interval: 30s
      imported_state: "取込済"
      payment_methods: {"代金引換": cash, " ": cod}
      default_payment_method: card
      delivery_methods: {"ヤマト運輸": kuroneko}
      default_delivery_method: ups
`
			},
			wants: []string{
				`shop "demo": order_import.states[1]: "Complete" is not an ecforce 対応状況 key (lower-case letters, digits and _, e.g. complete)`,
				`shop "demo": order_import.states[2]: "complete" is listed twice`,
				`shop "demo": order_import.lookback: 30m0s is not between 1h and 4320h (180 days)`,
				`shop "demo": order_import.interval: 30s is shorter than 1m`,
				`shop "demo": order_import.imported_state: "取込済" is not an ecforce 対応状況 key (lower-case letters, digits and _, e.g. complete)`,
				`shop "demo": order_import.payment_methods[" "]: the ecforce name must not be blank`,
				`shop "demo": order_import.payment_methods["代金引換"]: "cash" is not a LOGILESS payment_method (one of ` + strings.Join(PaymentMethods(), ", ") + `)`,
				`shop "demo": order_import.default_payment_method: "card" is not a LOGILESS payment_method (one of ` + strings.Join(PaymentMethods(), ", ") + `)`,
				`shop "demo": order_import.delivery_methods["ヤマト運輸"]: "kuroneko" is not a LOGILESS delivery_method (one of ` + strings.Join(DeliveryMethods(), ", ") + `)`,
				`shop "demo": order_import.default_delivery_method: "ups" is not a LOGILESS delivery_method (one of ` + strings.Join(DeliveryMethods(), ", ") + `)`,
			},
		},
		{
			name: "sweep shorter than the interval",
			yaml: func(*testing.T) string {
				return baseYAML + "    order_import: {interval: 10m, sweep_interval: 5m}\n    shipment_notification: {interval: 2m, sweep_interval: 1m}\n"
			},
			wants: []string{
				`shop "demo": order_import.sweep_interval: 5m0s is shorter than order_import.interval 10m0s`,
				`shop "demo": shipment_notification.sweep_interval: 1m0s is shorter than shipment_notification.interval 2m0s`,
			},
		},
		{
			name:  "lookback too long",
			yaml:  func(*testing.T) string { return baseYAML + "    order_import: {lookback: 4321h}\n" },
			wants: []string{`shop "demo": order_import.lookback: 4321h0m0s is not between 1h and 4320h (180 days)`},
		},
		{
			name:  "shipment lookback too long",
			yaml:  func(*testing.T) string { return baseYAML + "    shipment_notification: {lookback: 721h}\n" },
			wants: []string{`shop "demo": shipment_notification.lookback: 721h0m0s is not between 1h and 720h (30 days)`},
		},
		{
			name: "shipment lookback shorter than two intervals",
			yaml: func(*testing.T) string {
				return baseYAML + "    shipment_notification: {interval: 1h, lookback: 90m}\n"
			},
			wants: []string{`shop "demo": shipment_notification.lookback: 1h30m0s is shorter than twice shipment_notification.interval 1h0m0s; a missed run would lose shipments`},
		},
		{
			name: "shipment notification and stock sync",
			yaml: func(*testing.T) string {
				return baseYAML + `    shipment_notification:
      status_after: "shipped!"
      interval: 1s
      lookback: 30m
      tracking_number_separator: "----------"
      carriers: {fedex: 3, yamato: 0}
      capture_grace: 2h
      batch_size: 101
    stock_sync:
      interval: 2h
      full_every: 1h
`
			},
			wants: []string{
				`shop "demo": shipment_notification.interval: 1s is shorter than 1m`,
				`shop "demo": shipment_notification.lookback: 30m0s is not between 1h and 720h (30 days)`,
				`shop "demo": shipment_notification.status_after: "shipped!" is not an ecforce 対応状況 key (lower-case letters, digits and _, e.g. complete)`,
				`shop "demo": shipment_notification.tracking_number_separator: "----------" is longer than 8 bytes`,
				`shop "demo": shipment_notification.carriers["fedex"]: "fedex" is not a LOGILESS delivery_method (one of ` + strings.Join(DeliveryMethods(), ", ") + `)`,
				`shop "demo": shipment_notification.carriers["yamato"]: 0 is not an ecforce shipping_carrier_id (a positive number)`,
				`shop "demo": shipment_notification.capture_grace: 2h0m0s is not between 1s and 10m`,
				`shop "demo": shipment_notification.batch_size: 101 is not between 1 and 100 (ecforce serves at most 100 orders a page)`,
				`shop "demo": stock_sync.full_every: 1h0m0s is shorter than stock_sync.interval 2h0m0s`,
			},
		},
		{
			name: "mapping source, match and refresh",
			yaml: func(t *testing.T) string {
				return edit(t, "    mapping_file: map.csv\n", `    mapping_file: map.csv
    mapping_source: logiless
    mapping_match: sku
    mapping_refresh: {interval: 2h, full_every: 1h, every: 1m}
`)
			},
			wants: []string{
				`shop "demo": line 16: unknown setting every in mapping_refresh`,
				`shop "demo": mapping_file: not read when mapping_source is logiless (the table comes from the LOGILESS store); remove it, or set mapping_source: csv`,
				`shop "demo": mapping_match: "sku" is not one of variant_sku, product_number`,
				`shop "demo": mapping_refresh.interval: 2h0m0s is not between 1m and 1h`,
				`shop "demo": mapping_refresh.full_every: 1h0m0s is shorter than mapping_refresh.interval 2h0m0s`,
			},
		},
		{
			name: "mapping source unknown, product numbers with stock sync, a week-long full refresh",
			yaml: func(t *testing.T) string {
				return edit(t, "    mapping_file: map.csv\n", `    mapping_file: map.csv
    mapping_source: sheet
    mapping_match: product_number
    mapping_refresh: {full_every: 200h}
    stock_sync: {enabled: true}
`)
			},
			wants: []string{
				`shop "demo": mapping_source: "sheet" is not one of csv, logiless`,
				`shop "demo": mapping_match: product_number cannot drive the stock sync (ecforce stock is written per variant_sku); set stock_sync.enabled: false or map variant SKUs`,
				`shop "demo": mapping_refresh.full_every: 200h0m0s is longer than 168h (7 days): rows deleted in LOGILESS would stay that long`,
			},
		},
		{
			name: "secret references",
			yaml: func(t *testing.T) string {
				return edit(t,
					"api_token: {env: TOKEN}", "api_token: {env: TOKEN, file: /x}\n      password: {env: \"bad name\"}",
					"client_secret: {env: SECRET}", "client_secret: {vault: x}",
				)
			},
			wants: []string{
				`shop "demo": ecforce.api_token: set either env or file, not both`,
				`shop "demo": ecforce.password: env: "bad name" is not an environment variable name`,
				`shop "demo": logiless.client_secret: a secret reference takes only the keys env and file; use {env: NAME} or {file: PATH}`,
			},
		},
		{
			name: "unresolvable secrets name the variable or file",
			yaml: func(t *testing.T) string {
				return edit(t, "client_secret: {env: SECRET}", "client_secret: {file: /nonexistent/secret}")
			},
			env: fakeEnv(map[string]string{"TOKEN": "  "}),
			wants: []string{
				`shop "demo": ecforce.api_token: environment variable TOKEN is empty`,
				`shop "demo": logiless.client_secret: secret file: open /nonexistent/secret: no such file or directory`,
			},
		},
		{
			name:  "missing environment variable",
			yaml:  func(*testing.T) string { return baseYAML },
			env:   fakeEnv(map[string]string{"SECRET": "x"}),
			wants: []string{`shop "demo": ecforce.api_token: environment variable TOKEN is not set`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == nil {
				env = baseEnv
			}
			f, err := ParseShops([]byte(tt.yaml(t)), "/srv", env)
			if err == nil {
				t.Fatalf("ParseShops succeeded (%d shops); want %q", len(f.Shops), tt.wants)
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error %T %v is not a *ValidationError", err, err)
			}
			if !reflect.DeepEqual(verr.Problems, tt.wants) {
				t.Errorf("problems:\n got %q\nwant %q", verr.Problems, tt.wants)
			}
		})
	}
}

func TestLiteralSecretsRejected(t *testing.T) {
	const literal = "tok-LITERAL-9f8e7d"
	for _, field := range []struct{ old, new, path string }{
		{"api_token: {env: TOKEN}", "api_token: " + literal, "ecforce.api_token"},
		{"api_token: {env: TOKEN}", "api_token: \"" + literal + "\"", "ecforce.api_token"},
		{"api_token: {env: TOKEN}", "api_token: {env: TOKEN}\n      password: " + literal, "ecforce.password"},
		{"client_secret: {env: SECRET}", "client_secret: " + literal, "logiless.client_secret"},
		{"client_secret: {env: SECRET}", "client_secret: [" + literal + "]", "logiless.client_secret"},
		{"client_secret: {env: SECRET}", "client_secret: {" + literal + "}", "logiless.client_secret"},
		{"client_secret: {env: SECRET}", "client_secret: {" + literal + ": x}", "logiless.client_secret"},
	} {
		// The subtest is named by the path only: t.TempDir embeds the name.
		t.Run(field.path, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "shops.yaml")
			if err := os.WriteFile(path, []byte(edit(t, field.old, field.new)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadShops(path, baseEnv)
			if err == nil {
				t.Fatal("literal secret accepted")
			}
			msg := err.Error()
			if strings.Contains(msg, literal) {
				t.Errorf("error shows the secret: %s", msg)
			}
			if !strings.Contains(msg, `shop "demo": `+field.path+": ") || !strings.Contains(msg, "use {env: NAME} or {file: PATH}") {
				t.Errorf("error does not name the shop, field and the fix: %s", msg)
			}
			if !strings.HasPrefix(msg, "shops file "+path+": ") {
				t.Errorf("error does not name the file: %s", msg)
			}
		})
	}
}

func TestLoadShopsMissingFile(t *testing.T) {
	_, err := LoadShops(filepath.Join(t.TempDir(), "nope.yaml"), baseEnv)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadShops(missing) = %v", err)
	}
}

func TestShopValidate(t *testing.T) {
	s := Shop{Code: "x"}
	s.ApplyDefaults()
	err := s.Validate()
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 9 || !strings.HasPrefix(err.Error(), "invalid settings: 9 problems: shop \"x\": ecforce.base_url: required") {
		t.Errorf("Validate() = %v", err)
	}

	f, err := ParseShops([]byte(baseYAML), "", baseEnv)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Shops[0].Validate(); err != nil {
		t.Errorf("Validate on a loaded shop: %v", err)
	}
	// Validate expects defaults: a shop built in code without them fails.
	raw := f.Shops[0]
	raw.OrderImport.Interval = 0
	if err := raw.Validate(); err == nil || !strings.Contains(err.Error(), "order_import.interval: 0s is shorter than 1m") {
		t.Errorf("Validate without defaults = %v", err)
	}
}

func TestStatusKeysMustBeKnown(t *testing.T) {
	env := func(string) (string, bool) { return "secret-value", true }
	dir := t.TempDir()
	write := func(extra string) error {
		y := `shops:
  - code: demo
    ecforce:
      base_url: https://shop.example/api/v2
      api_token: {env: T}
` + extra + `    logiless:
      merchant_id: 1
      store_id: 1
      client_id: c
      client_secret: {env: S}
      redirect_uri: https://example.com/cb
    location_code: default
    order_import:
      states: [complete, wmswait]
      imported_state: linked
    shipment_notification:
      status_after: shiped
    mapping_file: m.csv
`
		path := dir + "/shops.yaml"
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadShops(path, env)
		return err
	}
	err := write("")
	for _, want := range []string{
		`order_import.states[1]: "wmswait" is not a standard 対応状況 key`,
		`order_import.imported_state: "linked" is not a standard 対応状況 key`,
		`shipment_notification.status_after: "shiped" is not a standard 対応状況 key`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %s", err, want)
		}
	}
	// Declaring the shop's own keys accepts them; the typo stays an error.
	err = write("      order_states: [wmswait, linked]\n")
	if err == nil || strings.Contains(err.Error(), "wmswait") || strings.Contains(err.Error(), `"linked"`) || !strings.Contains(err.Error(), `"shiped"`) {
		t.Errorf("with order_states declared: %v; want only the typo shiped rejected", err)
	}
}

func TestCancellationSettings(t *testing.T) {
	for _, tc := range []struct {
		yaml        string
		sync, clear bool
	}{
		{"    order_import:\n      sync_cancellations: false\n", false, false},
		{"    order_import:\n      sync_cancellations: true\n      cancel_clears_code: true\n", true, true},
		{"    order_import:\n      cancel_clears_code: true\n", true, true},
	} {
		f, err := ParseShops([]byte(edit(t, "    mapping_file: map.csv\n", "    mapping_file: map.csv\n"+tc.yaml)), "/etc/connector", baseEnv)
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		if o := f.Shops[0].OrderImport; o.CancellationsSynced() != tc.sync || o.CancelClearsCode != tc.clear {
			t.Errorf("%q: sync %v, clears code %v", tc.yaml, o.CancellationsSynced(), o.CancelClearsCode)
		}
	}
	if _, err := ParseShops([]byte(edit(t, "    mapping_file: map.csv\n", "    mapping_file: map.csv\n    order_import:\n      sync_cancellations: sometimes\n")), "/etc/connector", baseEnv); err == nil {
		t.Error("sync_cancellations: sometimes was accepted")
	}
}

// A shops file with an interval longer than the default sweep stays valid:
// the sweep is then as long as the interval.
func TestDefaultSweepIsAtLeastTheInterval(t *testing.T) {
	s := Shop{OrderImport: OrderImportSettings{Interval: 2 * time.Hour}}
	s.ApplyDefaults()
	if s.OrderImport.SweepInterval != 2*time.Hour || s.ShipmentNotification.SweepInterval != time.Hour {
		t.Errorf("sweep intervals = %s, %s; want 2h (the interval) and 1h", s.OrderImport.SweepInterval, s.ShipmentNotification.SweepInterval)
	}
}
