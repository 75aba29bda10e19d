package sandbox

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults used when LogilessConfig leaves a field empty.
const (
	DefaultLogilessMerchantID   = 1022
	DefaultLogilessClientID     = "sandbox-client"
	DefaultLogilessClientSecret = "sandbox-secret"
	DefaultLogilessRedirectURI  = "http://127.0.0.1:18080/oauth/callback"
	// DefaultLogilessStoreID is the store (店舗) seeded in every fake
	// merchant: a generic (汎用) store standing for the ecforce shop.
	DefaultLogilessStoreID = 1
	// DefaultLogilessWarehouseID is the single warehouse of the fake.
	DefaultLogilessWarehouseID = 1
)

// LogilessConfig configures a fake LOGILESS merchant.
type LogilessConfig struct {
	// MerchantID is the only merchant served under /api/v1/merchant/{id}/
	// (default DefaultLogilessMerchantID); other ids get 403.
	MerchantID int
	// ClientID, ClientSecret and RedirectURI describe the one registered
	// OAuth application (defaults DefaultLogilessClientID, …).
	ClientID     string
	ClientSecret string
	RedirectURI  string
	// AccessTokenTTL and RefreshTokenTTL default to 30 days.
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// AuthorizationCodeTTL defaults to 30 seconds.
	AuthorizationCodeTTL time.Duration
	// RateLimit is the per-merchant token bucket for /api/ requests (zero
	// value: unlimited; production targets about RPS 1). When set, every API
	// response carries X-RateLimit-Limit/-Remaining/-Reset.
	RateLimit RateLimit
	// Clock is the time source for timestamps and token/code expiry
	// (default time.Now).
	Clock func() time.Time
	// PlainUTF8 makes API responses carry raw UTF-8. By default non-ASCII is
	// written as \uNNNN escapes, as PHP's json_encode does.
	PlainUTF8 bool
	// Logger receives request logs at debug level (default slog.Default()).
	Logger *slog.Logger
}

// LogilessArticle is one article (商品) of the master.
type LogilessArticle struct {
	ID                 int64              `json:"id"`
	Code               string             `json:"code"`
	Name               string             `json:"name"`
	ArticleType        string             `json:"article_type"` // "Single" (default) or "Assortment"
	IdentificationCode string             `json:"identification_code,omitempty"`
	ModelNumber        string             `json:"model_number,omitempty"`
	Price              int64              `json:"price,omitempty"`
	Components         []ArticleComponent `json:"components,omitempty"` // Assortment only
	CreatedAt          time.Time          `json:"created_at"`
	UpdatedAt          time.Time          `json:"updated_at"`
}

// ArticleComponent is one component of a set (Assortment) article.
type ArticleComponent struct {
	Component string `json:"component"` // article code of a Single article
	Quantity  int    `json:"quantity"`
}

// Article types.
const (
	ArticleSingle     = "Single"
	ArticleAssortment = "Assortment"
)

// InventorySummary is the logical inventory of one article at the single
// warehouse, as reported by logical_inventory_summaries.
type InventorySummary struct {
	ArticleCode string    `json:"article_code"`
	ArticleType string    `json:"article_type"`
	Available   int       `json:"available"` // 保管中
	Allocated   int       `json:"allocated"` // 引当済み
	StockOut    int       `json:"stock_out"` // 引当待ち
	Free        int       `json:"free"`      // フリー在庫
	Shipped     int       `json:"shipped"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type inventory struct {
	available, allocated, stockOut, shipped int
	updatedAt                               time.Time
}

// LogilessStore is a store (店舗) of the merchant.
type LogilessStore struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ArticleMap is one row of the 商品対応表 (read-only through the API).
type ArticleMap struct {
	ID                    int64     `json:"id"`
	Store                 int64     `json:"store"`       // default DefaultLogilessStoreID
	MappedCode            string    `json:"mapped_code"` // the store's product code (ecforce SKU)
	ArticleCode           string    `json:"article_code"`
	StandbyStockQuantity  int       `json:"standby_stock_quantity"` // 予備在庫数
	StockAllocationRate   int       `json:"stock_allocation_rate"`  // 在庫割当率 %, 0 means 100
	MaxStockQuantity      *int      `json:"max_stock_quantity"`
	MinStockQuantity      *int      `json:"min_stock_quantity"`
	InventorySyncDisabled bool      `json:"inventory_sync_disabled"`
	UpdatedAt             time.Time `json:"updated_at"`
}

// SalesOrder is one 受注伝票 as the fake stores it (the API renders it with
// LOGILESS's loose typing; Snapshot JSON uses these names).
type SalesOrder struct {
	ID                        int64              `json:"id"`
	Code                      string             `json:"code"`
	OriginalCode              string             `json:"original_code,omitempty"` // before a clears_code reversal
	ObjectCode                string             `json:"object_code"`
	Store                     int64              `json:"store"`
	DocumentStatus            string             `json:"document_status"`
	AllocationStatus          string             `json:"allocation_status"`
	DeliveryStatus            string             `json:"delivery_status"`
	IncomingPaymentStatus     string             `json:"incoming_payment_status"`
	AuthorizationStatus       string             `json:"authorization_status"`
	PaymentMethod             string             `json:"payment_method"`
	DeliveryMethod            string             `json:"delivery_method"`
	Buyer                     SalesOrderParty    `json:"buyer"`
	Recipient                 SalesOrderParty    `json:"recipient"`
	CustomerCode              string             `json:"customer_code,omitempty"`
	DeliveryFee               int64              `json:"delivery_fee"`
	SundryFee                 int64              `json:"sundry_fee"`
	Discount                  int64              `json:"discount"`
	UsePoint                  int64              `json:"use_point"`
	UseCoupon                 int64              `json:"use_coupon"`
	CODTotal                  int64              `json:"cod_total"`
	Subtotal                  int64              `json:"subtotal"`
	TaxTotal                  int64              `json:"tax_total"`
	Total                     int64              `json:"total"`
	TotalQuantity             int                `json:"total_quantity"`
	DeliveryPreferredDate     string             `json:"delivery_preferred_date,omitempty"`
	DeliveryPreferredTimeZone string             `json:"delivery_preferred_time_zone,omitempty"`
	ScheduledShippingDate     string             `json:"scheduled_shipping_date,omitempty"`
	BuyerComment              string             `json:"buyer_comment,omitempty"`
	MerchantComment           string             `json:"merchant_comment,omitempty"`
	Attrs                     map[string]string  `json:"attrs,omitempty"` // attr1…attr10
	Tags                      []string           `json:"tags,omitempty"`
	WaitingForConfirmation    bool               `json:"waiting_for_confirmation"`
	ConfirmationReasons       []string           `json:"confirmation_reasons,omitempty"`
	ShippingConfirmed         bool               `json:"shipping_confirmed"`
	DeliveryTrackingNumber    string             `json:"delivery_tracking_number,omitempty"`
	OrderedAt                 time.Time          `json:"ordered_at"`
	FinishedAt                time.Time          `json:"finished_at,omitzero"`
	CreatedAt                 time.Time          `json:"created_at"`
	UpdatedAt                 time.Time          `json:"updated_at"`
	Lines                     []SalesOrderLine   `json:"lines"`
	Deliveries                []OutboundDelivery `json:"outbound_deliveries"`
}

// SalesOrderParty is the buyer or the recipient of a sales order.
type SalesOrderParty struct {
	Name1      string `json:"name1"`
	Name2      string `json:"name2,omitempty"`
	NameKana1  string `json:"name_kana1,omitempty"`
	NameKana2  string `json:"name_kana2,omitempty"`
	Country    string `json:"country,omitempty"`
	PostCode   string `json:"post_code,omitempty"`
	Prefecture string `json:"prefecture,omitempty"`
	Address1   string `json:"address1,omitempty"`
	Address2   string `json:"address2,omitempty"`
	Address3   string `json:"address3,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Fax        string `json:"fax,omitempty"`
	Email      string `json:"email,omitempty"`
}

// SalesOrderLine is one line. Set articles produce a parent line
// (IsParent) followed by one child line per component (IsChild, ParentID).
type SalesOrderLine struct {
	ID                int64  `json:"id"`
	Code              string `json:"code,omitempty"`
	ArticleID         int64  `json:"article_id,omitempty"` // 0: not in the article master
	ArticleCode       string `json:"article_code"`
	ArticleName       string `json:"article_name"`
	Quantity          int    `json:"quantity"`
	Price             int64  `json:"price"`
	TaxRate           int    `json:"tax_rate"`
	TaxIndicator      string `json:"tax_indicator"`
	Status            string `json:"status"`
	IsParent          bool   `json:"is_parent"`
	IsChild           bool   `json:"is_child"`
	ParentID          int64  `json:"parent_id,omitempty"`
	AllocatedQuantity int    `json:"allocated_quantity"`
	Subtotal          int64  `json:"subtotal"`
	TaxTotal          int64  `json:"tax_total"`
}

// OutboundDelivery is one 出荷伝票 of a sales order.
type OutboundDelivery struct {
	ID                    int64     `json:"id"`
	Code                  string    `json:"code"`
	DocumentStatus        string    `json:"document_status"`
	AllocationStatus      string    `json:"allocation_status"`
	DeliveryStatus        string    `json:"delivery_status"`
	DeliveryMethod        string    `json:"delivery_method"`
	ScheduledShippingDate string    `json:"scheduled_shipping_date,omitempty"`
	TrackingNumbers       []string  `json:"delivery_tracking_numbers"`
	FinishedAt            time.Time `json:"finished_at,omitzero"`
	LineIDs               []int64   `json:"line_ids"`
	Warehouse             int64     `json:"warehouse"`
	Store                 int64     `json:"store"`
	CreatedAt             time.Time `json:"created_at"`
	UpdatedAt             time.Time `json:"updated_at"`
}

// LogilessState is the whole fake merchant, as returned by Snapshot and
// GET /_sandbox/state. Tokens and secrets are never included.
type LogilessState struct {
	MerchantID    int                `json:"merchant_id"`
	Stores        []LogilessStore    `json:"stores"`
	Articles      []LogilessArticle  `json:"articles"`
	Inventory     []InventorySummary `json:"inventory"`
	ArticleMaps   []ArticleMap       `json:"article_maps"`
	SalesOrders   []SalesOrder       `json:"sales_orders"`
	TokensIssued  int                `json:"tokens_issued"`  // authorization_code grants
	Refreshes     int                `json:"refreshes"`      // refresh_token grants
	ActiveTokens  int                `json:"active_tokens"`  // unexpired access tokens
	Faults        []Fault            `json:"faults"`         // still queued
	RequestCounts map[string]int     `json:"request_counts"` // per endpoint key
}

// Logiless is a fake LOGILESS merchant. It implements http.Handler; all
// methods are safe for concurrent use.
type Logiless struct {
	door   *frontDoor
	cfg    LogilessConfig
	clock  func() time.Time
	logger *slog.Logger

	mu          sync.Mutex
	codes       map[string]oauthCode
	access      map[string]time.Time // token → expiry
	refresh     map[string]time.Time // token → expiry
	issued      int
	refreshes   int
	stores      []LogilessStore
	articles    []*LogilessArticle
	byCode      map[string]*LogilessArticle // article code → article, so lookups stay O(1) with 100k articles
	inv         map[string]*inventory       // article code → stock (Single only)
	maps        []*ArticleMap
	orders      []*SalesOrder // ascending id
	ordersByID  map[int64]*SalesOrder
	seq         struct{ article, order, line, delivery, articleMap, clearedCode int64 }
	trackingSeq int64
}

type oauthCode struct {
	expires     time.Time
	redirectURI string
}

// NewLogiless returns a fake LOGILESS merchant with one store
// (DefaultLogilessStoreID, "ecforce") and one warehouse, and no articles.
func NewLogiless(cfg LogilessConfig) *Logiless {
	if cfg.MerchantID == 0 {
		cfg.MerchantID = DefaultLogilessMerchantID
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultLogilessClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultLogilessClientSecret
	}
	if cfg.RedirectURI == "" {
		cfg.RedirectURI = DefaultLogilessRedirectURI
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = 30 * 24 * time.Hour
	}
	if cfg.RefreshTokenTTL <= 0 {
		cfg.RefreshTokenTTL = 30 * 24 * time.Hour
	}
	if cfg.AuthorizationCodeTTL <= 0 {
		cfg.AuthorizationCodeTTL = 30 * time.Second
	}
	l := &Logiless{
		cfg:     cfg,
		clock:   secondClock(clockOr(cfg.Clock)),
		logger:  loggerOr(cfg.Logger),
		codes:   map[string]oauthCode{},
		access:  map[string]time.Time{},
		refresh: map[string]time.Time{},
	}
	l.resetDataLocked()
	l.door = &frontDoor{
		name:      "logiless",
		logger:    l.logger,
		faultBody: llFaultBody,
		limit:     llLimit,
		limited:   func(p string) bool { return strings.HasPrefix(p, "/api/") },
		counts:    map[string]int{},
		limiter:   newTokenBucket(cfg.RateLimit),
	}
	l.door.control, l.door.api = l.controlMux(), l.apiMux()
	return l
}

// ServeHTTP implements http.Handler.
func (l *Logiless) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.door.ServeHTTP(w, r) }

// MerchantID returns the merchant id served by this fake.
func (l *Logiless) MerchantID() int { return l.cfg.MerchantID }

func (l *Logiless) resetDataLocked() {
	l.stores = []LogilessStore{{ID: DefaultLogilessStoreID, Name: "ecforce"}}
	l.articles = nil
	l.byCode = map[string]*LogilessArticle{}
	l.inv = map[string]*inventory{}
	l.maps = nil
	l.orders = nil
	l.ordersByID = map[int64]*SalesOrder{}
	l.seq.article, l.seq.order, l.seq.line, l.seq.delivery = 100, 7600, 90000, 3000
	l.seq.articleMap, l.seq.clearedCode = 500, 0
	l.trackingSeq = 0
}

// Reset deletes all articles, stock, article maps, sales orders, extra
// stores, request counts and faults. OAuth codes and tokens stay valid.
func (l *Logiless) Reset() {
	l.mu.Lock()
	l.resetDataLocked()
	l.mu.Unlock()
	l.door.resetTraffic()
}

// --- OAuth -------------------------------------------------------------------

// TokenResponse is the body of a successful /oauth2/token call.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// IssueAuthorizationCode returns a fresh single-use authorization code for
// the configured client and redirect URI, as if the user had approved the
// app. It lives AuthorizationCodeTTL (30 s).
func (l *Logiless) IssueAuthorizationCode() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.newCodeLocked(l.cfg.RedirectURI)
}

func (l *Logiless) newCodeLocked(redirectURI string) string {
	code := newSecret(16)
	l.codes[code] = oauthCode{expires: l.clock().Add(l.cfg.AuthorizationCodeTTL), redirectURI: redirectURI}
	return code
}

// IssueTokens mints an access/refresh token pair directly, skipping the
// authorization-code dance (it counts as an issued token).
func (l *Logiless) IssueTokens() TokenResponse {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.issued++
	return l.newTokensLocked()
}

func (l *Logiless) newTokensLocked() TokenResponse {
	now := l.clock()
	t := TokenResponse{
		AccessToken:  newSecret(20),
		TokenType:    "bearer",
		ExpiresIn:    int64(l.cfg.AccessTokenTTL / time.Second),
		RefreshToken: newSecret(20),
		Scope:        "",
	}
	l.access[t.AccessToken] = now.Add(l.cfg.AccessTokenTTL)
	l.refresh[t.RefreshToken] = now.Add(l.cfg.RefreshTokenTTL)
	return t
}

// ExpireAccessTokens makes every access token issued so far expired (API
// calls with them get 401 invalid_grant "The access token provided has
// expired."). Refresh tokens keep working.
func (l *Logiless) ExpireAccessTokens() {
	l.mu.Lock()
	defer l.mu.Unlock()
	past := l.clock().Add(-time.Second)
	for k := range l.access {
		l.access[k] = past
	}
}

// ExpireRefreshTokens makes every refresh token issued so far expired, so
// the next refresh fails with 400 invalid_grant (the user must re-authorize).
func (l *Logiless) ExpireRefreshTokens() {
	l.mu.Lock()
	defer l.mu.Unlock()
	past := l.clock().Add(-time.Second)
	for k := range l.refresh {
		l.refresh[k] = past
	}
}

// TokenCounts returns how many token pairs were issued by the
// authorization_code grant (and IssueTokens) and by the refresh_token grant.
func (l *Logiless) TokenCounts() (issued, refreshed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.issued, l.refreshes
}

// --- Seeding -------------------------------------------------------------------

// AddStore adds (or renames) a store.
func (l *Logiless) AddStore(s LogilessStore) error {
	if s.ID <= 0 || s.Name == "" {
		return errors.New("store needs a positive id and a name")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.stores {
		if l.stores[i].ID == s.ID {
			l.stores[i] = s
			return nil
		}
	}
	l.stores = append(l.stores, s)
	slices.SortFunc(l.stores, func(a, b LogilessStore) int { return int(a.ID - b.ID) })
	return nil
}

func (l *Logiless) storeLocked(id int64) (LogilessStore, bool) {
	for _, s := range l.stores {
		if s.ID == id {
			return s, true
		}
	}
	return LogilessStore{}, false
}

// SeedArticle adds an article to the master, with the same validation as
// POST articles/new (unique code, Assortment components must be existing
// Single articles). Single articles start with zero stock.
func (l *Logiless) SeedArticle(a LogilessArticle) (LogilessArticle, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if errs := l.validateArticleLocked(a, nil); len(errs) > 0 {
		return LogilessArticle{}, &ValidationError{Fields: errs}
	}
	return cloneArticle(l.addArticleLocked(a)), nil
}

func cloneArticle(a *LogilessArticle) LogilessArticle {
	c := *a
	c.Components = cloneSlice(a.Components)
	return c
}

func (l *Logiless) articleLocked(code string) *LogilessArticle {
	return l.byCode[code]
}

// Article returns the article with the given code.
func (l *Logiless) Article(code string) (LogilessArticle, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.articleLocked(code); a != nil {
		return cloneArticle(a), true
	}
	return LogilessArticle{}, false
}

// SetFreeStock sets the free (フリー) stock of a Single article: 保管中 becomes
// allocated + free. Orders waiting for allocation are then allocated, in
// order, while stock lasts (so free may end lower than requested).
func (l *Logiless) SetFreeStock(articleCode string, free int) error {
	if free < 0 {
		return fmt.Errorf("set free stock of %s: negative free %d", articleCode, free)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.articleLocked(articleCode)
	if a == nil {
		return fmt.Errorf("set free stock: article %q does not exist (seed it first)", articleCode)
	}
	if a.ArticleType != ArticleSingle {
		return fmt.Errorf("set free stock: article %q is a set (%s); set the stock of its components", articleCode, a.ArticleType)
	}
	inv := l.inv[articleCode]
	inv.available = inv.allocated + free
	inv.updatedAt = l.clock()
	l.allocatePendingLocked()
	return nil
}

// FreeStock returns the free stock of an article; for a set it is the
// minimum over components of floor(component free ÷ quantity).
func (l *Logiless) FreeStock(articleCode string) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.articleLocked(articleCode)
	if a == nil {
		return 0, false
	}
	return l.summaryLocked(a).Free, true
}

// SeedArticleMap adds a 商品対応表 row. Store 0 means DefaultLogilessStoreID;
// StockAllocationRate 0 means 100.
func (l *Logiless) SeedArticleMap(m ArticleMap) (ArticleMap, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m.Store == 0 {
		m.Store = DefaultLogilessStoreID
	}
	if m.StockAllocationRate == 0 {
		m.StockAllocationRate = 100
	}
	switch {
	case m.MappedCode == "":
		return ArticleMap{}, errors.New("article map: mapped_code is required")
	case l.articleLocked(m.ArticleCode) == nil:
		return ArticleMap{}, fmt.Errorf("article map %s: article %q does not exist", m.MappedCode, m.ArticleCode)
	case m.StockAllocationRate < 0 || m.StockAllocationRate > 100:
		return ArticleMap{}, fmt.Errorf("article map %s: stock_allocation_rate %d not in 0..100", m.MappedCode, m.StockAllocationRate)
	case m.MinStockQuantity != nil && m.MaxStockQuantity != nil && *m.MinStockQuantity >= *m.MaxStockQuantity:
		return ArticleMap{}, fmt.Errorf("article map %s: min must be smaller than max", m.MappedCode)
	}
	if _, ok := l.storeLocked(m.Store); !ok {
		return ArticleMap{}, fmt.Errorf("article map %s: store %d does not exist", m.MappedCode, m.Store)
	}
	for _, x := range l.maps {
		if x.Store == m.Store && x.MappedCode == m.MappedCode {
			return ArticleMap{}, fmt.Errorf("article map: store %d already maps %q", m.Store, m.MappedCode)
		}
	}
	l.seq.articleMap++
	m.ID = l.seq.articleMap
	m.UpdatedAt = l.clock()
	l.maps = append(l.maps, &m)
	return m, nil
}

// SalesOrder returns the sales order with the given code (current code; a
// clears_code reversal renames it).
func (l *Logiless) SalesOrder(code string) (SalesOrder, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.orderByCodeLocked(code); o != nil {
		return cloneSalesOrder(o), true
	}
	return SalesOrder{}, false
}

// SalesOrders returns copies of all sales orders, ascending by id.
func (l *Logiless) SalesOrders() []SalesOrder {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]SalesOrder, 0, len(l.orders))
	for _, o := range l.orders {
		out = append(out, cloneSalesOrder(o))
	}
	return out
}

func (l *Logiless) orderByCodeLocked(code string) *SalesOrder {
	for _, o := range l.orders {
		if o.Code == code {
			return o
		}
	}
	return nil
}

func cloneSalesOrder(o *SalesOrder) SalesOrder {
	c := *o
	c.Lines = cloneSlice(o.Lines)
	c.Tags = cloneSlice(o.Tags)
	c.ConfirmationReasons = cloneSlice(o.ConfirmationReasons)
	if o.Attrs != nil {
		c.Attrs = make(map[string]string, len(o.Attrs))
		for k, v := range o.Attrs {
			c.Attrs[k] = v
		}
	}
	c.Deliveries = make([]OutboundDelivery, len(o.Deliveries))
	for i, d := range o.Deliveries {
		d.TrackingNumbers = cloneSlice(d.TrackingNumbers)
		d.LineIDs = cloneSlice(d.LineIDs)
		c.Deliveries[i] = d
	}
	return c
}

// Snapshot returns a deep copy of the whole merchant.
func (l *Logiless) Snapshot() LogilessState {
	l.mu.Lock()
	now := l.clock()
	st := LogilessState{
		MerchantID:  l.cfg.MerchantID,
		Stores:      cloneSlice(l.stores),
		Articles:    make([]LogilessArticle, 0, len(l.articles)),
		Inventory:   make([]InventorySummary, 0, len(l.articles)),
		ArticleMaps: make([]ArticleMap, 0, len(l.maps)),
		SalesOrders: make([]SalesOrder, 0, len(l.orders)),
		Refreshes:   l.refreshes,
	}
	st.TokensIssued = l.issued
	for _, exp := range l.access {
		if exp.After(now) {
			st.ActiveTokens++
		}
	}
	for _, a := range l.articles {
		st.Articles = append(st.Articles, cloneArticle(a))
		st.Inventory = append(st.Inventory, l.summaryLocked(a))
	}
	for _, m := range l.maps {
		st.ArticleMaps = append(st.ArticleMaps, *m)
	}
	for _, o := range l.orders {
		st.SalesOrders = append(st.SalesOrders, cloneSalesOrder(o))
	}
	l.mu.Unlock()
	st.Faults = l.door.pendingFaults()
	st.RequestCounts = l.door.requestCounts()
	return st
}

// RequestCounts returns API request counts per endpoint key, e.g.
// "POST /api/v1/merchant/{id}/sales_orders/new" or "GET /oauth2/token"
// (control endpoints are not counted).
func (l *Logiless) RequestCounts() map[string]int { return l.door.requestCounts() }

// ResetRequestCounts zeroes the request counters.
func (l *Logiless) ResetRequestCounts() { l.door.resetRequestCounts() }

// InjectFault queues a fault for the next matching requests.
func (l *Logiless) InjectFault(f Fault) { l.door.injectFault(f) }

// Faults returns the faults still queued.
func (l *Logiless) Faults() []Fault { return l.door.pendingFaults() }

// ClearFaults removes every queued fault.
func (l *Logiless) ClearFaults() { l.door.clearFaults() }

// SetRateLimit replaces the per-merchant rate limit (RPS 0 disables it).
func (l *Logiless) SetRateLimit(rl RateLimit) { l.door.setRateLimit(rl) }
