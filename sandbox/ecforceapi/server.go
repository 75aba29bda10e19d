package ecforceapi

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Defaults used when Config leaves a credential empty.
const (
	DefaultAPIToken      = "sandbox-ecforce-token"
	DefaultAdminEmail    = "api@example.com"
	DefaultAdminPassword = "sandbox-password"
	// DefaultStockLocation is the code of ecforce's initial stock location.
	DefaultStockLocation = "default"
)

// Config configures a fake ecforce shop.
type Config struct {
	// APIToken is the static admin "API 認証トークン"
	// (default DefaultAPIToken).
	APIToken string
	// AdminEmail and AdminPassword are the credentials accepted by
	// POST /api/v2/admins/sign_in (defaults DefaultAdminEmail,
	// DefaultAdminPassword).
	AdminEmail    string
	AdminPassword string
	// RateLimit throttles /api/ requests (zero value: unlimited; burst 1
	// by default). Refusals are 429 with the plain-text body "Retry later"
	// and no Retry-After (RetryAfter adds one), as the reference describes.
	RateLimit httpfake.RateLimit
	// SignInsPerHour caps sign-in attempts per server (default 5, like the
	// real shop; the sixth within an hour gets 429 "Retry later").
	SignInsPerHour int
	// Clock is the time source for timestamps, the sign-in window and
	// payment settlement (default time.Now).
	Clock func() time.Time
	// SettleDelay is how long an asynchronous payment job (capture, void,
	// reauth) takes before payment_state changes (default 2s; negative:
	// settles at the next read). Settlement is evaluated lazily against
	// Clock, so tests with a fake clock simply advance it.
	SettleDelay time.Duration
	// Logger receives request logs at debug level (default slog.Default()).
	Logger *slog.Logger
	// MaxBulkRecords, if positive, is the most records one order bulk
	// request may carry (orders/shipping, orders/bulk_update,
	// payment_status/bulk_update order_ids); a larger one is refused as a
	// whole with 422 AOR3001 and nothing applied. The reference names no
	// limit (ecforce-api.md §10 q2); this is how a strict shop would say
	// "too many" (our inference). SetMaxBulkRecords changes it.
	MaxBulkRecords int
}

// Server is a fake ecforce shop. It implements http.Handler through its
// embedded front door, whose methods (RequestCounts, InjectFault,
// SetRateLimit, …) are the shop's traffic controls; all methods are safe for
// concurrent use.
type Server struct {
	*httpfake.FrontDoor
	cfg         Config
	clock       func() time.Time // second precision, for timestamps
	rawClock    func() time.Time // for payment settlement
	logger      *slog.Logger
	settleDelay time.Duration

	mu             sync.Mutex
	apiToken       string
	sessions       map[string]bool
	signInAttempts []time.Time
	signIns        int
	orders         []*Order // ascending id
	ordersByID     map[int64]*Order
	states         []OrderState
	carriers       []ShippingCarrier
	variants       map[string]int64 // sku → variant id
	locations      []stockLocation
	stockItems     []*StockItem            // ascending id
	stockBySKU     map[string][]*StockItem // sku → its items at every location (fast lookups with 100k SKUs)
	failCapture    map[int64]bool
	slowCapture    map[int64]time.Duration // the next capture job's duration, by order
	pending        map[int64]bool
	refuseRecord   map[int64]fieldError // per-record failures of bulk writes, by order
	maxBulk        int
	bulkRequests   map[string][]int // records of each order bulk request, by endpoint kind
	ignoredFilters map[string]bool  // q[...] attribute_predicate names the order listing drops, like ransack
	jobs           []Job
	seq            struct{ order, item, address, variant, stockItem, job, customer int64 }
}

// New returns a fake ecforce shop with the default 対応状況 (new,
// complete, shipped, canceled and the custom wmswait, linked, delivered),
// three shipping carriers (1 ヤマト運輸, 2 佐川急便, 3 日本郵便) and the
// stock location "default", and no orders.
func New(cfg Config) *Server {
	if cfg.APIToken == "" {
		cfg.APIToken = DefaultAPIToken
	}
	if cfg.AdminEmail == "" {
		cfg.AdminEmail = DefaultAdminEmail
	}
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = DefaultAdminPassword
	}
	if cfg.SignInsPerHour <= 0 {
		cfg.SignInsPerHour = 5
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := &Server{
		cfg:         cfg,
		clock:       httpfake.SecondClock(cfg.Clock),
		rawClock:    cfg.Clock,
		logger:      cfg.Logger,
		settleDelay: cfg.SettleDelay,
		apiToken:    cfg.APIToken,
		sessions:    map[string]bool{},
	}
	if e.settleDelay == 0 {
		e.settleDelay = 2 * time.Second
	}
	e.resetDataLocked()
	e.maxBulk = cfg.MaxBulkRecords
	e.FrontDoor = httpfake.NewFrontDoor(httpfake.DoorConfig{
		Name:      "ecforce",
		Logger:    e.logger,
		StripJSON: true,
		FaultBody: faultBody,
		RateLimit: cfg.RateLimit,
		API:       e.apiMux(),
		Control:   e.controlEndpoints,
		State:     func() any { return e.Snapshot() },
		Reset:     e.Reset,
	})
	return e
}

// Now returns the shop's clock reading, at the one-second precision of its
// stored timestamps.
func (e *Server) Now() time.Time { return e.clock() }

func (e *Server) resetDataLocked() {
	e.orders = nil
	e.ordersByID = map[int64]*Order{}
	e.states = []OrderState{
		{"new", "新規受付"},
		{"complete", "注文確定"},
		{"shipped", "出荷済み"},
		{"canceled", "キャンセル"},
		{"wmswait", "倉庫連携待ち"},
		{"linked", "連携済"},
		{"delivered", "発送済"},
	}
	e.carriers = []ShippingCarrier{
		{ID: 1, Name: "ヤマト運輸", Default: true},
		{ID: 2, Name: "佐川急便"},
		{ID: 3, Name: "日本郵便"},
	}
	e.variants = map[string]int64{}
	e.locations = []stockLocation{{id: 1, code: DefaultStockLocation, name: "デフォルト"}}
	e.stockItems = nil
	e.stockBySKU = map[string][]*StockItem{}
	e.failCapture = map[int64]bool{}
	e.slowCapture = map[int64]time.Duration{}
	e.pending = map[int64]bool{}
	e.refuseRecord = map[int64]fieldError{}
	e.bulkRequests = map[string][]int{}
	e.jobs = nil
	e.signInAttempts = nil
	e.signIns = 0
	e.seq.order, e.seq.item, e.seq.address, e.seq.variant = 10000, 50000, 20000, 3000
	e.seq.stockItem, e.seq.job, e.seq.customer = 7000, 0, 800
}

// Reset deletes all orders, stock items, jobs, custom states and carriers,
// request counts and faults, and clears the sign-in window. Credentials stay
// as they are: issued session tokens and a rotated API token remain valid.
func (e *Server) Reset() {
	e.mu.Lock()
	e.resetDataLocked()
	e.mu.Unlock()
	e.ResetTraffic()
}

func (e *Server) variantIDLocked(sku string) int64 {
	if id, ok := e.variants[sku]; ok {
		return id
	}
	e.seq.variant++
	e.variants[sku] = e.seq.variant
	return e.seq.variant
}

// Snapshot is the whole fake shop, as returned by Server.Snapshot and
// GET /_sandbox/state. Credentials are never included.
type Snapshot struct {
	Orders           []Order           `json:"orders"`
	StockItems       []StockItem       `json:"stock_items"`
	States           []OrderState      `json:"states"`
	ShippingCarriers []ShippingCarrier `json:"shipping_carriers"`
	Jobs             []Job             `json:"jobs"`
	SignIns          int               `json:"sign_ins"`
	Faults           []httpfake.Fault  `json:"faults"`
	RequestCounts    map[string]int    `json:"request_counts"`
}

// Snapshot returns a deep copy of the whole shop.
func (e *Server) Snapshot() Snapshot {
	e.mu.Lock()
	e.settleLocked()
	st := Snapshot{
		Orders:           make([]Order, 0, len(e.orders)),
		StockItems:       make([]StockItem, 0, len(e.stockItems)),
		States:           append([]OrderState(nil), e.states...),
		ShippingCarriers: append([]ShippingCarrier(nil), e.carriers...),
		Jobs:             make([]Job, 0, len(e.jobs)),
		SignIns:          e.signIns,
	}
	for _, o := range e.orders {
		st.Orders = append(st.Orders, cloneOrder(o))
	}
	for _, si := range e.stockItems {
		st.StockItems = append(st.StockItems, *si)
	}
	for _, j := range e.jobs {
		j.OrderIDs = append([]int64(nil), j.OrderIDs...)
		st.Jobs = append(st.Jobs, j)
	}
	e.mu.Unlock()
	st.Faults = e.Faults()
	st.RequestCounts = e.RequestCounts()
	return st
}

func (e *Server) apiMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /api/v2/admins/sign_in", e.handleSignIn)
	m.HandleFunc("GET /api/v2/admins/sign_out", e.authed(e.handleSignOut))
	m.HandleFunc("DELETE /api/v2/admins/sign_out", e.authed(e.handleSignOut))
	m.HandleFunc("GET /api/v2/admin/orders", e.authed(e.handleListOrders))
	m.HandleFunc("GET /api/v2/admin/orders/{id}", e.authed(e.handleGetOrder))
	m.HandleFunc("PUT /api/v2/admin/orders/{id}", e.authed(e.handleUpdateOrder))
	m.HandleFunc("PATCH /api/v2/admin/orders/{id}", e.authed(e.handleUpdateOrder))
	m.HandleFunc("PUT /api/v2/admin/orders/bulk_update", e.authed(e.handleBulkUpdateOrders))
	m.HandleFunc("PUT /api/v2/admin/orders/shipping", e.authed(e.handleShipping))
	m.HandleFunc("POST /api/v2/admin/orders/shipping", e.authed(e.handleShipping))
	m.HandleFunc("POST /api/v2/admin/orders/payment_status/bulk_update", e.authed(e.handlePaymentBulk))
	m.HandleFunc("GET /api/v2/admin/shipping_carriers", e.authed(e.handleListCarriers))
	m.HandleFunc("GET /api/v2/admin/shipping_carriers/{id}", e.authed(e.handleGetCarrier))
	m.HandleFunc("GET /api/v2/admin/stock_items", e.authed(e.handleListStockItems))
	m.HandleFunc("PUT /api/v2/admin/stock_items", e.authed(e.handleUpdateStockItems))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "A0404", "ページが見つかりません。")
	})
	return m
}
