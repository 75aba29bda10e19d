package config

import (
	"path/filepath"
	"strings"
	"time"
)

// Defaults applied by ApplyDefaults to settings left out of the shops file.
const (
	DefaultRequestsPerSecond   = 1.0
	DefaultLogilessBaseURL     = "https://app2.logiless.com/api"
	DefaultLogilessOAuthURL    = "https://app2.logiless.com"
	DefaultImportState         = "complete"
	DefaultLookback            = 7 * 24 * time.Hour
	DefaultInterval            = 10 * time.Minute
	DefaultDiscoveryInterval   = time.Minute
	DefaultSweepInterval       = time.Hour
	DefaultFullEvery           = 24 * time.Hour
	DefaultTrackingNumberSep   = ","
	DefaultShipmentLookback    = 24 * time.Hour
	DefaultMappingRefresh      = 5 * time.Minute
	DefaultMappingFullRefresh  = 6 * time.Hour
	maxMappingRefresh          = time.Hour
	maxMappingFullRefresh      = 7 * 24 * time.Hour
	DefaultCaptureGrace        = 2 * time.Minute
	minCaptureGrace            = time.Second
	maxCaptureGrace            = 10 * time.Minute
	DefaultBatchSize           = 100
	maxBatchSize               = 100
	maxShipmentLookback        = 30 * 24 * time.Hour
	maxShopsFileSize           = 4 << 20
	minLookback, maxLookback   = time.Hour, 180 * 24 * time.Hour
	minInterval                = time.Minute
	maxRequestsPerSecond       = 100
	maxCodeLength              = 32
	maxStatusKeyLength         = 64
	maxTrackingSeparatorLength = 8
)

// ShopsFile is the content of the shops file: one entry per ecforce shop.
type ShopsFile struct {
	// Path is the file the settings were loaded from ("" for ParseShops).
	Path string `yaml:"-" json:"-"`
	// Shops are in file order.
	Shops []Shop `yaml:"shops"`
}

// Shop returns the shop with the given code.
func (f *ShopsFile) Shop(code string) (*Shop, bool) {
	if f == nil {
		return nil, false
	}
	for i := range f.Shops {
		if f.Shops[i].Code == code {
			return &f.Shops[i], true
		}
	}
	return nil, false
}

// Codes returns the shop codes in file order.
func (f *ShopsFile) Codes() []string {
	if f == nil {
		return nil
	}
	codes := make([]string, len(f.Shops))
	for i, s := range f.Shops {
		codes[i] = s.Code
	}
	return codes
}

// Shop holds one ecforce shop's settings: the mirror of LOGILESS's
// "ecforce API連携" settings screen, plus what the connector needs besides.
type Shop struct {
	// Code identifies the shop in workflow IDs, schedules and search
	// attributes: 1–32 of a-z, 0-9 and "-", starting with a letter or digit.
	Code string `yaml:"code"`
	// Name is for people; it defaults to Code.
	Name string `yaml:"name"`
	// Ecforce is how to reach the shop's ecforce admin API.
	Ecforce EcforceSettings `yaml:"ecforce"`
	// Logiless is how to reach LOGILESS and which store the shop is there.
	Logiless LogilessSettings `yaml:"logiless"`
	// LocationCode is the ecforce stock location (ロケーションコード) whose
	// stock the connector writes, normally the default location's code.
	LocationCode string `yaml:"location_code"`
	// OrderImport configures 受注取込 (ecforce → LOGILESS).
	OrderImport OrderImportSettings `yaml:"order_import"`
	// ShipmentNotification configures 出荷通知 (LOGILESS → ecforce).
	ShipmentNotification ShipmentSettings `yaml:"shipment_notification"`
	// StockSync configures 在庫連動 (LOGILESS → ecforce).
	StockSync StockSyncSettings `yaml:"stock_sync"`
	// MappingSource is where the product mapping table (商品対応表) comes
	// from: csv (the default) reads MappingFile; logiless reads the article
	// maps of the shop's LOGILESS store (GET article_maps).
	MappingSource MappingSource `yaml:"mapping_source"`
	// MappingFile is the product mapping table (商品対応表) CSV read by order
	// import and stock sync when MappingSource is csv; LoadShops makes a
	// relative path absolute against the shops file's directory.
	MappingFile string `yaml:"mapping_file"`
	// MappingMatch is the ecforce code a mapping row's code (the CSV's sku,
	// LOGILESS's mapped_code) stands for: variant_sku (the default) or
	// product_number (商品コード).
	MappingMatch MappingMatch `yaml:"mapping_match"`
	// MappingRefresh is how often the LOGILESS table is read again
	// (mapping_source logiless only).
	MappingRefresh MappingRefreshSettings `yaml:"mapping_refresh"`
	// Webhooks configures the shop's ecforce webhooks (see WebhookSettings).
	Webhooks WebhookSettings `yaml:"webhooks"`
}

// EcforceAuth is how the connector signs in to ecforce.
type EcforceAuth string

// The ecforce authentication modes.
const (
	// AuthToken uses the API member's API認証トークン.
	AuthToken EcforceAuth = "token"
	// AuthPassword signs in with the API member's login ID and password
	// (管理画面のログイン情報), as LOGILESS does; ecforce allows about five
	// sign-ins an hour, so the token obtained is cached.
	AuthPassword EcforceAuth = "password"
)

// EcforceSettings is how to reach one shop's ecforce admin API.
type EcforceSettings struct {
	// BaseURL is the APIエンドポイント, up to and including /api/v2
	// (e.g. https://shop.example.com/api/v2).
	BaseURL string `yaml:"base_url"`
	// Auth is token (the default) or password.
	Auth EcforceAuth `yaml:"auth"`
	// APIToken is the API認証トークン; required when Auth is token.
	APIToken SecretRef `yaml:"api_token"`
	// LoginID is the admin login ID (an e-mail address); required when Auth
	// is password. It is not a secret.
	LoginID string `yaml:"login_id"`
	// Password is the admin password; required when Auth is password.
	Password SecretRef `yaml:"password"`
	// RequestsPerSecond limits this process's calls to the shop's API
	// (default 1; ecforce publishes no limit but answers bursts with 429).
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// OrderStates lists the shop's own 対応状況 keys (設定 > 受注/定期受注 >
	// 対応状況管理) that the settings may name besides the standard ones
	// (StandardOrderStates). ecforce's API cannot list a shop's 対応状況, so
	// this is how a misspelt key is rejected when the settings load rather
	// than when the first order reaches it.
	OrderStates []string `yaml:"order_states"`
}

// StandardOrderStates are the 対応状況 keys every ecforce shop has, as far
// as public sources show: complete (注文確定) and canceled (キャンセル) are
// confirmed; new (新規受付) and shipped (発送済み) are our reading. A shop
// whose keys differ lists them in ecforce.order_states.
var StandardOrderStates = []string{"new", "complete", "shipped", "canceled"}

// LogilessSettings is how to reach LOGILESS for one shop.
type LogilessSettings struct {
	// BaseURL is the API root (default https://app2.logiless.com/api).
	BaseURL string `yaml:"base_url"`
	// OAuthBaseURL is the OAuth server root (default
	// https://app2.logiless.com).
	OAuthBaseURL string `yaml:"oauth_base_url"`
	// MerchantID is the LOGILESS merchant (組織) id.
	MerchantID int64 `yaml:"merchant_id"`
	// StoreID is the LOGILESS store (店舗) of this ecforce shop.
	StoreID int64 `yaml:"store_id"`
	// ClientID is the OAuth client id of the connector's LOGILESS app.
	ClientID string `yaml:"client_id"`
	// ClientSecret is the OAuth client secret.
	ClientSecret SecretRef `yaml:"client_secret"`
	// RedirectURI is the redirect URI registered for the app.
	RedirectURI string `yaml:"redirect_uri"`
	// RequestsPerSecond limits calls to LOGILESS (default 1, its design
	// target per merchant).
	RequestsPerSecond float64 `yaml:"requests_per_second"`
}

// OrderImportSettings configures 受注取込, ecforce orders becoming LOGILESS
// sales orders.
type OrderImportSettings struct {
	// AutoRun is 受注取込を自動実行: import on a schedule.
	AutoRun bool `yaml:"auto_run"`
	// OnlyDueTodayOrEarlier is 受注を発送予定日の当日以降に取り込む: when on,
	// an order whose 発送予定日 is tomorrow or later (in JST) waits for its
	// day before it is imported.
	OnlyDueTodayOrEarlier bool `yaml:"only_due_today_or_earlier"`
	// States are the ecforce 対応状況 keys of the orders to import
	// (default [complete], 注文確定).
	States []string `yaml:"states"`
	// Lookback is how far back an import looks for orders (default 168h;
	// from 1h to 4320h, 180 days).
	Lookback time.Duration `yaml:"lookback"`
	// Interval is the time between two incremental discoveries of the
	// shop's DiscoverOrders loop (default 1m, at least 1m).
	Interval time.Duration `yaml:"interval"`
	// SweepInterval is the schedule interval of the full discovery of the
	// look-back window that heals what the incremental one missed
	// (default 1h or Interval if longer; at least Interval).
	SweepInterval time.Duration `yaml:"sweep_interval"`
	// ImportedState is the 対応状況 key set on the ecforce order once it is
	// imported; "" leaves the status alone.
	ImportedState string `yaml:"imported_state"`
	// CodePrefix is put before the 受注番号 to make the LOGILESS 受注コード
	// ("" = the code is the 受注番号). Shops on one LOGILESS merchant need
	// one each, none the start of another: LOGILESS codes are unique per
	// merchant, ecforce numbers per shop. An order imported before the
	// prefix was set is still recognised under its bare number.
	CodePrefix string `yaml:"code_prefix"`
	// PaymentMethods maps ecforce payment_method_name to the LOGILESS
	// payment_method.
	PaymentMethods map[string]string `yaml:"payment_methods"`
	// DefaultPaymentMethod is used for names not in PaymentMethods; ""
	// fails such an order with an error naming the payment method.
	DefaultPaymentMethod string `yaml:"default_payment_method"`
	// DeliveryMethods maps ecforce shipping_carrier_name to the LOGILESS
	// delivery_method.
	DeliveryMethods map[string]string `yaml:"delivery_methods"`
	// DefaultDeliveryMethod is used for names not in DeliveryMethods; ""
	// fails such an order with an error naming the carrier.
	DefaultDeliveryMethod string `yaml:"default_delivery_method"`
	// SyncCancellations (default on; read it with CancellationsSynced)
	// cancels the LOGILESS sales order of an imported order that becomes
	// キャンセル (canceled) in ecforce, while the warehouse has not started
	// on it; once it has, the order waits as blocked:CancelTooLate.
	SyncCancellations *bool `yaml:"sync_cancellations"`
	// CancelClearsCode sends clears_code with that cancellation
	// (同じ受注コードで新規受注の作成を許可): LOGILESS renames the cancelled
	// sales order to a generated code starting with "21", so the 受注コード
	// is free for a new order, for shops that re-use order numbers.
	CancelClearsCode bool `yaml:"cancel_clears_code"`
}

// CancellationsSynced is order_import.sync_cancellations, on unless the
// shops file turns it off.
func (o OrderImportSettings) CancellationsSynced() bool {
	return o.SyncCancellations == nil || *o.SyncCancellations
}

// ShipmentSettings configures 出荷通知, shipped LOGILESS orders reported
// back to ecforce.
type ShipmentSettings struct {
	// AutoRun is 出荷通知を自動実行: notify on a schedule.
	AutoRun bool `yaml:"auto_run"`
	// WithSales is 出荷通知の実行時に、同時に売上処理を実行する: also run
	// sales processing (capture) on ecforce.
	WithSales bool `yaml:"with_sales"`
	// StatusAfter is 対応状況を変更: the 対応状況 key set after the
	// notification; "" leaves the status alone.
	StatusAfter string `yaml:"status_after"`
	// Interval is the time between two incremental discoveries of the
	// shop's DiscoverShipments loop (default 1m, at least 1m).
	Interval time.Duration `yaml:"interval"`
	// SweepInterval is the schedule interval of the full discovery of the
	// look-back window (default 1h, or Interval when longer; at least Interval).
	SweepInterval time.Duration `yaml:"sweep_interval"`
	// Lookback is how far back a discovery looks for LOGILESS orders that
	// became Shipped (by their updated_at; default 24h, from 1h to 720h and
	// at least twice Interval). Windows overlap on purpose: a shipment is
	// reported once whatever the overlap, and a worker that was down for
	// less than Lookback misses nothing.
	Lookback time.Duration `yaml:"lookback"`
	// TrackingNumberSeparator joins several tracking numbers in ecforce's
	// shipping_slip (default ",").
	TrackingNumberSeparator string `yaml:"tracking_number_separator"`
	// Carriers maps a LOGILESS delivery_method to the ecforce
	// shipping_carrier_id to set; unmapped methods are looked up at run time.
	Carriers map[string]int64 `yaml:"carriers"`
	// CaptureGrace is how long a 売上処理 request that may have applied (a
	// 5xx, a lost answer, a worker killed after recording it) is given to
	// show in payment_state before it is sent again; no two requests for
	// one order are ever sent within it (default 2m, from 1s to 10m).
	CaptureGrace time.Duration `yaml:"capture_grace"`
	// BatchSize is the most orders one ecforce call of the notifications
	// carries: the notifications of the shop that are ready at the same
	// time share one order list (q[id_in][]), one shipping update, one
	// 売上処理 request and one 対応状況 bulk_update of up to this many
	// records (default 100, from 1 to 100; 1 sends one call per order).
	BatchSize int `yaml:"batch_size"`
	// SeparateCapture sends the 売上処理 of a card or wallet order as its
	// own request (payment_status bulk_update) after the shipping update.
	// Off (the default), it goes with the shipping update that writes the
	// slip (with_sale=1, ecforce-api.md §5 option A), one call fewer per
	// batch; a notification whose slip ecforce already has still sends its
	// own request.
	SeparateCapture bool `yaml:"separate_capture"`
}

// StockSyncSettings configures 在庫連動, LOGILESS free stock written to
// ecforce.
type StockSyncSettings struct {
	// Enabled turns the scheduled stock sync on.
	Enabled bool `yaml:"enabled"`
	// Interval is the schedule interval of incremental passes (default 10m,
	// at least 1m).
	Interval time.Duration `yaml:"interval"`
	// FullEvery is how often a full pass re-checks every mapped SKU
	// (default 24h, at least Interval).
	FullEvery time.Duration `yaml:"full_every"`
}

// ApplyDefaults fills in every setting left empty. LoadShops calls it;
// call it before Validate on a Shop built in code.
func (s *Shop) ApplyDefaults() {
	if s.Name == "" {
		s.Name = s.Code
	}
	e := &s.Ecforce
	if e.Auth == "" {
		e.Auth = AuthToken
	}
	e.BaseURL = strings.TrimRight(strings.TrimSpace(e.BaseURL), "/")
	if e.RequestsPerSecond == 0 {
		e.RequestsPerSecond = DefaultRequestsPerSecond
	}
	l := &s.Logiless
	if l.BaseURL == "" {
		l.BaseURL = DefaultLogilessBaseURL
	}
	l.BaseURL = strings.TrimRight(strings.TrimSpace(l.BaseURL), "/")
	if l.OAuthBaseURL == "" {
		l.OAuthBaseURL = DefaultLogilessOAuthURL
	}
	l.OAuthBaseURL = strings.TrimRight(strings.TrimSpace(l.OAuthBaseURL), "/")
	if l.RequestsPerSecond == 0 {
		l.RequestsPerSecond = DefaultRequestsPerSecond
	}
	o := &s.OrderImport
	if len(o.States) == 0 {
		o.States = []string{DefaultImportState}
	}
	if o.Lookback == 0 {
		o.Lookback = DefaultLookback
	}
	if o.Interval == 0 {
		o.Interval = DefaultDiscoveryInterval
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = max(DefaultSweepInterval, o.Interval) // a shops file with a long interval stays valid
	}
	n := &s.ShipmentNotification
	if n.Interval == 0 {
		n.Interval = DefaultDiscoveryInterval
	}
	if n.SweepInterval == 0 {
		n.SweepInterval = max(DefaultSweepInterval, n.Interval)
	}
	if n.TrackingNumberSeparator == "" {
		n.TrackingNumberSeparator = DefaultTrackingNumberSep
	}
	if n.Lookback == 0 {
		n.Lookback = DefaultShipmentLookback
	}
	if s.MappingSource == "" {
		s.MappingSource = MappingFromCSV
	}
	if s.MappingMatch == "" {
		s.MappingMatch = MatchVariantSKU
	}
	if s.MappingRefresh.Interval == 0 {
		s.MappingRefresh.Interval = DefaultMappingRefresh
	}
	if s.MappingRefresh.FullEvery == 0 {
		s.MappingRefresh.FullEvery = DefaultMappingFullRefresh
	}
	if n.CaptureGrace == 0 {
		n.CaptureGrace = DefaultCaptureGrace
	}
	if n.BatchSize == 0 {
		n.BatchSize = DefaultBatchSize
	}
	st := &s.StockSync
	if st.Interval == 0 {
		st.Interval = DefaultInterval
	}
	if st.FullEvery == 0 {
		st.FullEvery = DefaultFullEvery
	}
}

// resolvePaths makes the mapping file and secret file paths absolute
// against dir (when dir is not empty).
func (s *Shop) resolvePaths(dir string) {
	abs := func(p string) string {
		if p == "" || dir == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	s.MappingFile = abs(s.MappingFile)
	s.Ecforce.APIToken.File = abs(s.Ecforce.APIToken.File)
	s.Ecforce.Password.File = abs(s.Ecforce.Password.File)
	s.Logiless.ClientSecret.File = abs(s.Logiless.ClientSecret.File)
	s.Webhooks.Secret.File = abs(s.Webhooks.Secret.File)
}

// resolveSecrets reads the secrets the shop's settings use, storing them in
// their SecretRefs, and reports those that cannot be read. Unused
// references (a password while auth is token) are not read.
func (s *Shop) resolveSecrets(label string, env func(string) (string, bool), probs *problems) {
	resolve := func(path string, ref *SecretRef) {
		if !ref.IsSet() || ref.check() != "" {
			return // Validate reports it
		}
		v, err := ref.Resolve(env)
		if err != nil {
			probs.add("%s: %s: %v", label, path, err)
			return
		}
		ref.value = v
		if ref.File != "" {
			ref.live = newLiveFile(ref.File, v)
		}
	}
	switch s.Ecforce.Auth {
	case AuthToken:
		resolve("ecforce.api_token", &s.Ecforce.APIToken)
	case AuthPassword:
		resolve("ecforce.password", &s.Ecforce.Password)
	}
	resolve("logiless.client_secret", &s.Logiless.ClientSecret)
	resolve("webhooks.secret", &s.Webhooks.Secret)
	if v := s.Webhooks.Secret.Secret(); !v.IsZero() {
		if msg := checkWebhookSecret(v); msg != "" {
			probs.add("%s: webhooks.secret: %s", label, msg)
		}
	}
}
