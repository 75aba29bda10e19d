package logilessapi

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Defaults used when Config leaves a field empty.
const (
	DefaultMerchantID   = 1022
	DefaultClientID     = "sandbox-client"
	DefaultClientSecret = "sandbox-secret"
	DefaultRedirectURI  = "http://127.0.0.1:18080/oauth/callback"
	// DefaultStoreID is the store (店舗) seeded in every fake
	// merchant: a generic (汎用) store standing for the ecforce shop.
	DefaultStoreID = 1
	// DefaultWarehouseID is the single warehouse of the fake.
	DefaultWarehouseID = 1
)

// Config configures a fake LOGILESS merchant.
type Config struct {
	// MerchantID is the only merchant served under /api/v1/merchant/{id}/
	// (default DefaultMerchantID); other ids get 403.
	MerchantID int
	// ClientID, ClientSecret and RedirectURI describe the one registered
	// OAuth application (defaults DefaultClientID, …).
	ClientID     string
	ClientSecret string
	RedirectURI  string
	// AccessTokenTTL and RefreshTokenTTL default to 30 days.
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// AuthorizationCodeTTL defaults to 30 seconds.
	AuthorizationCodeTTL time.Duration
	// RevokeAccessOnRefresh makes a refresh also revoke the access token
	// issued with the spent refresh token (API calls with it get 401
	// invalid_token), as a strict OAuth server may. Off by default.
	RevokeAccessOnRefresh bool
	// RateLimit is the per-merchant token bucket for /api/ and
	// /oauth2/token requests (zero value: unlimited; production targets
	// about RPS 1, burst 1 by default). When set, every response carries
	// X-RateLimit-Limit/-Remaining/-Reset, and a refusal is a 429
	// rate_limit_exceeded without Retry-After (RetryAfter adds one).
	RateLimit httpfake.RateLimit
	// Clock is the time source for timestamps and token/code expiry
	// (default time.Now).
	Clock func() time.Time
	// PlainUTF8 makes API responses carry raw UTF-8. By default non-ASCII is
	// written as \uNNNN escapes, as PHP's json_encode does.
	PlainUTF8 bool
	// Logger receives request logs at debug level (default slog.Default()).
	Logger *slog.Logger
}

// Server is a fake LOGILESS merchant. It implements http.Handler through
// its embedded front door, whose methods (RequestCounts, InjectFault,
// SetRateLimit, …) are the merchant's traffic controls; all methods are safe
// for concurrent use.
type Server struct {
	*httpfake.FrontDoor
	cfg    Config
	clock  func() time.Time
	logger *slog.Logger

	mu          sync.Mutex
	codes       map[string]oauthCode
	access      map[string]time.Time // token → expiry
	refresh     map[string]time.Time // token → expiry
	pairOf      map[string]string    // refresh token → access token issued with it
	spent       map[string]bool      // refresh tokens already exchanged (rotated away)
	issued      int
	refreshes   int
	reuses      int // refresh grants with an already spent refresh token
	stores      []Store
	articles    []*Article
	byCode      map[string]*Article   // article code → article, so lookups stay O(1) with 100k articles
	inv         map[string]*inventory // article code → stock (Single only)
	maps        []*ArticleMap
	orders      []*SalesOrder // ascending id
	ordersByID  map[int64]*SalesOrder
	seq         struct{ article, order, line, delivery, articleMap, clearedCode int64 }
	trackingSeq int64
}

// New returns a fake LOGILESS merchant with one store
// (DefaultStoreID, "ecforce") and one warehouse, and no articles.
func New(cfg Config) *Server {
	if cfg.MerchantID == 0 {
		cfg.MerchantID = DefaultMerchantID
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	if cfg.RedirectURI == "" {
		cfg.RedirectURI = DefaultRedirectURI
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Server{
		cfg:     cfg,
		clock:   httpfake.SecondClock(cfg.Clock),
		logger:  cfg.Logger,
		codes:   map[string]oauthCode{},
		access:  map[string]time.Time{},
		refresh: map[string]time.Time{},
		pairOf:  map[string]string{},
		spent:   map[string]bool{},
	}
	l.resetDataLocked()
	l.FrontDoor = httpfake.NewFrontDoor(httpfake.DoorConfig{
		Name:             "logiless",
		Logger:           l.logger,
		FaultBody:        faultBody,
		RateLimitHeaders: true,
		// One budget per merchant, token requests included (issue 10).
		LimitedPaths: []string{"/api/", "/oauth2/token"},
		RateLimit:    cfg.RateLimit,
		API:          l.apiMux(),
		Control:      l.controlEndpoints,
		State:        func() any { return l.Snapshot() },
		Reset:        l.Reset,
	})
	return l
}

// MerchantID returns the merchant id served by this fake.
func (l *Server) MerchantID() int { return l.cfg.MerchantID }

func (l *Server) resetDataLocked() {
	l.stores = []Store{{ID: DefaultStoreID, Name: "ecforce"}}
	l.articles = nil
	l.byCode = map[string]*Article{}
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
func (l *Server) Reset() {
	l.mu.Lock()
	l.resetDataLocked()
	l.mu.Unlock()
	l.ResetTraffic()
}

// Snapshot is the whole fake merchant, as returned by Server.Snapshot and
// GET /_sandbox/state. Tokens and secrets are never included.
type Snapshot struct {
	MerchantID   int                `json:"merchant_id"`
	Stores       []Store            `json:"stores"`
	Articles     []Article          `json:"articles"`
	Inventory    []InventorySummary `json:"inventory"`
	ArticleMaps  []ArticleMap       `json:"article_maps"`
	SalesOrders  []SalesOrder       `json:"sales_orders"`
	TokensIssued int                `json:"tokens_issued"` // authorization_code grants
	Refreshes    int                `json:"refreshes"`     // refresh_token grants
	// RefreshReuses counts refresh grants with an already spent token.
	RefreshReuses int              `json:"refresh_token_reuses"`
	ActiveTokens  int              `json:"active_tokens"`  // unexpired access tokens
	Faults        []httpfake.Fault `json:"faults"`         // still queued
	RequestCounts map[string]int   `json:"request_counts"` // per endpoint key
}

// Snapshot returns a deep copy of the whole merchant.
func (l *Server) Snapshot() Snapshot {
	l.mu.Lock()
	now := l.clock()
	st := Snapshot{
		MerchantID:    l.cfg.MerchantID,
		Stores:        append([]Store(nil), l.stores...),
		Articles:      make([]Article, 0, len(l.articles)),
		Inventory:     make([]InventorySummary, 0, len(l.articles)),
		ArticleMaps:   make([]ArticleMap, 0, len(l.maps)),
		SalesOrders:   make([]SalesOrder, 0, len(l.orders)),
		Refreshes:     l.refreshes,
		RefreshReuses: l.reuses,
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
	st.Faults = l.Faults()
	st.RequestCounts = l.RequestCounts()
	return st
}

func (l *Server) apiMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /oauth/v2/auth", l.handleAuthorize)
	m.HandleFunc("GET /oauth2/token", l.handleToken)
	m.HandleFunc("POST /oauth2/token", l.handleToken)
	const p = "/api/v1/merchant/{merchant_id}/"
	m.HandleFunc("GET "+p+"sales_orders", l.api(l.handleListSalesOrders))
	m.HandleFunc("POST "+p+"sales_orders", l.api(func(w http.ResponseWriter, r *http.Request) {
		l.writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Use POST sales_orders/new to create a sales order.")
	}))
	m.HandleFunc("POST "+p+"sales_orders/new", l.api(l.handleCreateSalesOrder))
	m.HandleFunc("POST "+p+"sales_orders/search", l.api(l.handleSearchSalesOrders))
	m.HandleFunc("GET "+p+"sales_orders/{id}", l.api(l.handleGetSalesOrder))
	m.HandleFunc("PUT "+p+"sales_orders/{id}", l.api(l.handleUpdateSalesOrder))
	m.HandleFunc("POST "+p+"sales_orders/{id}/reversal", l.api(l.handleReversal))
	m.HandleFunc("POST "+p+"sales_orders/{id}/sales_order_lines/{line_id}/reversal", l.api(l.handleReverseLine))
	m.HandleFunc("GET "+p+"outbound_deliveries", l.api(l.handleListDeliveries))
	m.HandleFunc("GET "+p+"outbound_deliveries/{id}", l.api(l.handleGetDelivery))
	m.HandleFunc("GET "+p+"articles", l.api(l.handleListArticles))
	m.HandleFunc("POST "+p+"articles/new", l.api(l.handleCreateArticle))
	m.HandleFunc("POST "+p+"articles/new/multiple", l.api(l.handleCreateArticles))
	m.HandleFunc("GET "+p+"article_maps", l.api(l.handleListArticleMaps))
	m.HandleFunc("GET "+p+"logical_inventory_summaries", l.api(l.handleListInventory))
	m.HandleFunc("POST "+p+"logical_inventory_summaries/search", l.api(l.handleSearchInventory))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		l.writeError(w, http.StatusNotFound, "not_found", "No route found for \""+r.Method+" "+r.URL.Path+"\"")
	})
	return m
}
