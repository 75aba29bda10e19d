package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults used when EcforceConfig leaves a credential empty.
const (
	DefaultEcforceAPIToken      = "sandbox-ecforce-token"
	DefaultEcforceAdminEmail    = "api@example.com"
	DefaultEcforceAdminPassword = "sandbox-password"
	// DefaultStockLocation is the code of ecforce's initial stock location.
	DefaultStockLocation = "default"
)

// EcforceConfig configures a fake ecforce shop.
type EcforceConfig struct {
	// APIToken is the static admin "API 認証トークン"
	// (default DefaultEcforceAPIToken).
	APIToken string
	// AdminEmail and AdminPassword are the credentials accepted by
	// POST /api/v2/admins/sign_in (defaults DefaultEcforceAdminEmail,
	// DefaultEcforceAdminPassword).
	AdminEmail    string
	AdminPassword string
	// RateLimit throttles /api/ requests (zero value: unlimited). Refusals
	// are 429 "Retry later" with a Retry-After header.
	RateLimit RateLimit
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
}

// EcforceOrder is one order (受注) as the fake stores it. Snapshot JSON uses
// the snake_case names below; the API renders it as a JSON:API resource.
type EcforceOrder struct {
	ID                       int64              `json:"id"`
	Number                   string             `json:"number"`
	State                    string             `json:"state"`
	PaymentState             string             `json:"payment_state"`
	PaymentMethodName        string             `json:"payment_method_name"`
	Email                    string             `json:"email"`
	CustomerID               int64              `json:"customer_id"`
	Subtotal                 int64              `json:"subtotal"`
	Discount                 int64              `json:"discount"`
	Point                    int64              `json:"point"`
	DelivFee                 int64              `json:"deliv_fee"`
	Charge                   int64              `json:"charge"`
	MiscFee                  int64              `json:"misc_fee"`
	Tax                      int64              `json:"tax"`
	Total                    int64              `json:"total"`
	PaymentTotal             int64              `json:"payment_total"`
	ScheduledToBeShippedAt   time.Time          `json:"scheduled_to_be_shipped_at,omitzero"`
	ScheduledToBeDeliveredAt time.Time          `json:"scheduled_to_be_delivered_at,omitzero"`
	ScheduledDeliveryTime    string             `json:"scheduled_delivery_time,omitempty"`
	ShippingCarrierID        int64              `json:"shipping_carrier_id,omitempty"`
	ShippingSlip             string             `json:"shipping_slip,omitempty"`
	ShippedAt                time.Time          `json:"shipped_at,omitzero"`
	Remark                   string             `json:"remark,omitempty"`
	Memo01                   string             `json:"memo01,omitempty"`
	Memo02                   string             `json:"memo02,omitempty"`
	StockLocationID          int64              `json:"stock_location_id"`
	CreatedAt                time.Time          `json:"created_at"`
	UpdatedAt                time.Time          `json:"updated_at"`
	Items                    []EcforceOrderItem `json:"items"`
	ShippingAddress          EcforceAddress     `json:"shipping_address"`
	BillingAddress           EcforceAddress     `json:"billing_address"`

	// CaptureRequests counts every "sales" request (bulk payment_status or
	// shipping with_sale=1) received for the order, whatever its state.
	// Tests assert it never exceeds 1.
	CaptureRequests int `json:"capture_requests"`
	// PendingPaymentState is the payment_state an in-flight job will set at
	// PaymentSettlesAt.
	PendingPaymentState string    `json:"pending_payment_state,omitempty"`
	PaymentSettlesAt    time.Time `json:"payment_settles_at,omitzero"`
}

// EcforceOrderItem is one order line (order_item).
type EcforceOrderItem struct {
	ID            int64  `json:"id"`
	VariantID     int64  `json:"variant_id"`
	VariantSKU    string `json:"variant_sku"`
	ProductNumber string `json:"product_number"`
	ProductName   string `json:"product_name"`
	Price         int64  `json:"price"` // unit price, tax included
	Quantity      int    `json:"quantity"`
	TaxRate       int    `json:"tax_rate"`
}

// EcforceAddress is a shipping or billing address.
type EcforceAddress struct {
	ID             int64  `json:"id"`
	Name01         string `json:"name01"`
	Name02         string `json:"name02"`
	Kana01         string `json:"kana01"`
	Kana02         string `json:"kana02"`
	CompanyName    string `json:"company_name"`
	Zip01          string `json:"zip01"`
	Zip02          string `json:"zip02"`
	PrefectureID   int    `json:"prefecture_id"`
	PrefectureName string `json:"prefecture_name"`
	Addr01         string `json:"addr01"`
	Addr02         string `json:"addr02"`
	Addr03         string `json:"addr03"`
	Tel01          string `json:"tel01"`
	Tel02          string `json:"tel02"`
	Tel03          string `json:"tel03"`
}

// OrderState is one 対応状況: a machine key and its label.
type OrderState struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// ShippingCarrier is one 配送業者.
type ShippingCarrier struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
}

// EcforceStockItem is the stock of one SKU at one stock location.
type EcforceStockItem struct {
	ID                int64     `json:"id"`
	VariantSKU        string    `json:"variant_sku"`
	VariantID         int64     `json:"variant_id"`
	ProductNumber     string    `json:"product_number"`
	StockLocationID   int64     `json:"stock_location_id"`
	StockLocationCode string    `json:"stock_location_code"`
	StockLocationName string    `json:"stock_location_name"`
	Stock             int       `json:"stock"`
	Writes            int       `json:"writes"` // successful PUT /stock_items records
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// EcforceJob records one asynchronous job accepted by the API.
type EcforceJob struct {
	ID        int64     `json:"id"`
	JobID     string    `json:"job_id"`
	Kind      string    `json:"kind"` // "payment_status:sales", "shipping", …
	OrderIDs  []int64   `json:"order_ids"`
	CreatedAt time.Time `json:"created_at"`
}

// EcforceState is the whole fake shop, as returned by Snapshot and
// GET /_sandbox/state. Credentials are never included.
type EcforceState struct {
	Orders           []EcforceOrder     `json:"orders"`
	StockItems       []EcforceStockItem `json:"stock_items"`
	States           []OrderState       `json:"states"`
	ShippingCarriers []ShippingCarrier  `json:"shipping_carriers"`
	Jobs             []EcforceJob       `json:"jobs"`
	SignIns          int                `json:"sign_ins"`
	Faults           []Fault            `json:"faults"`
	RequestCounts    map[string]int     `json:"request_counts"`
}

// OrderSeed describes an order to create with SeedOrder or
// POST /_sandbox/orders. Only Items is required.
type OrderSeed struct {
	Number                   string          `json:"number"`              // default: generated, 10 chars
	State                    string          `json:"state"`               // default "complete"
	PaymentState             string          `json:"payment_state"`       // default "authed"
	PaymentMethodName        string          `json:"payment_method_name"` // default "クレジットカード決済"
	Email                    string          `json:"email"`
	CustomerID               int64           `json:"customer_id"`
	ScheduledToBeShippedAt   time.Time       `json:"scheduled_to_be_shipped_at"`
	ScheduledToBeDeliveredAt time.Time       `json:"scheduled_to_be_delivered_at"`
	ScheduledDeliveryTime    string          `json:"scheduled_delivery_time"`
	ShippingCarrierID        int64           `json:"shipping_carrier_id"`
	DelivFee                 int64           `json:"deliv_fee"`
	Charge                   int64           `json:"charge"`
	Discount                 int64           `json:"discount"`
	Point                    int64           `json:"point"`
	Remark                   string          `json:"remark"`
	CreatedAt                time.Time       `json:"created_at"` // default Clock()
	Items                    []OrderItemSeed `json:"items"`
	ShippingAddress          *EcforceAddress `json:"shipping_address"` // default: a Tokyo address
	BillingAddress           *EcforceAddress `json:"billing_address"`  // default: the shipping address
}

// OrderItemSeed is one line of an OrderSeed.
type OrderItemSeed struct {
	SKU           string `json:"sku"`
	Name          string `json:"name"`           // default: the SKU
	ProductNumber string `json:"product_number"` // default: the SKU
	Price         int64  `json:"price"`
	Quantity      int    `json:"quantity"` // default 1
	TaxRate       int    `json:"tax_rate"` // default 10
}

// UnmarshalJSON accepts the seed's times as "YYYY-MM-DD HH:MM:SS",
// "YYYY-MM-DD" (JST) or RFC 3339.
func (s *OrderSeed) UnmarshalJSON(b []byte) error {
	type plain OrderSeed
	var w struct {
		plain
		ScheduledToBeShippedAt   string `json:"scheduled_to_be_shipped_at"`
		ScheduledToBeDeliveredAt string `json:"scheduled_to_be_delivered_at"`
		CreatedAt                string `json:"created_at"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = OrderSeed(w.plain)
	for _, f := range []struct {
		name string
		in   string
		out  *time.Time
	}{
		{"scheduled_to_be_shipped_at", w.ScheduledToBeShippedAt, &s.ScheduledToBeShippedAt},
		{"scheduled_to_be_delivered_at", w.ScheduledToBeDeliveredAt, &s.ScheduledToBeDeliveredAt},
		{"created_at", w.CreatedAt, &s.CreatedAt},
	} {
		if f.in == "" {
			continue
		}
		t, err := parseJST(f.in)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		*f.out = t
	}
	return nil
}

// Ecforce is a fake ecforce shop. It implements http.Handler; all methods
// are safe for concurrent use.
type Ecforce struct {
	door        *frontDoor
	cfg         EcforceConfig
	clock       func() time.Time // second precision, for timestamps
	rawClock    func() time.Time // for payment settlement
	logger      *slog.Logger
	settleDelay time.Duration

	mu             sync.Mutex
	apiToken       string
	sessions       map[string]bool
	signInAttempts []time.Time
	signIns        int
	orders         []*EcforceOrder // ascending id
	ordersByID     map[int64]*EcforceOrder
	states         []OrderState
	carriers       []ShippingCarrier
	variants       map[string]int64 // sku → variant id
	locations      []stockLocation
	stockItems     []*EcforceStockItem            // ascending id
	stockBySKU     map[string][]*EcforceStockItem // sku → its items at every location (fast lookups with 100k SKUs)
	failCapture    map[int64]bool
	pending        map[int64]bool
	jobs           []EcforceJob
	seq            struct{ order, item, address, variant, stockItem, job, customer int64 }
}

type stockLocation struct {
	id         int64
	code, name string
}

// NewEcforce returns a fake ecforce shop with the default 対応状況 (new,
// complete, shipped, canceled and the custom wmswait, linked, delivered),
// three shipping carriers (1 ヤマト運輸, 2 佐川急便, 3 日本郵便) and the
// stock location "default", and no orders.
func NewEcforce(cfg EcforceConfig) *Ecforce {
	if cfg.APIToken == "" {
		cfg.APIToken = DefaultEcforceAPIToken
	}
	if cfg.AdminEmail == "" {
		cfg.AdminEmail = DefaultEcforceAdminEmail
	}
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = DefaultEcforceAdminPassword
	}
	if cfg.SignInsPerHour <= 0 {
		cfg.SignInsPerHour = 5
	}
	e := &Ecforce{
		cfg:         cfg,
		clock:       secondClock(clockOr(cfg.Clock)),
		rawClock:    clockOr(cfg.Clock),
		logger:      loggerOr(cfg.Logger),
		settleDelay: cfg.SettleDelay,
		apiToken:    cfg.APIToken,
		sessions:    map[string]bool{},
	}
	if e.settleDelay == 0 {
		e.settleDelay = 2 * time.Second
	}
	e.resetDataLocked()
	e.door = &frontDoor{
		name:      "ecforce",
		logger:    e.logger,
		stripJSON: true,
		faultBody: ecFaultBody,
		limit:     ecLimit,
		limited:   func(p string) bool { return strings.HasPrefix(p, "/api/") },
		counts:    map[string]int{},
		limiter:   newTokenBucket(cfg.RateLimit),
	}
	e.door.control, e.door.api = e.controlMux(), e.apiMux()
	return e
}

// ServeHTTP implements http.Handler.
func (e *Ecforce) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.door.ServeHTTP(w, r) }

func (e *Ecforce) resetDataLocked() {
	e.orders = nil
	e.ordersByID = map[int64]*EcforceOrder{}
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
	e.stockBySKU = map[string][]*EcforceStockItem{}
	e.failCapture = map[int64]bool{}
	e.pending = map[int64]bool{}
	e.jobs = nil
	e.signInAttempts = nil
	e.signIns = 0
	e.seq.order, e.seq.item, e.seq.address, e.seq.variant = 10000, 50000, 20000, 3000
	e.seq.stockItem, e.seq.job, e.seq.customer = 7000, 0, 800
}

// Reset deletes all orders, stock items, jobs, custom states and carriers,
// request counts and faults, and clears the sign-in window. Credentials stay
// as they are: issued session tokens and a rotated API token remain valid.
func (e *Ecforce) Reset() {
	e.mu.Lock()
	e.resetDataLocked()
	e.mu.Unlock()
	e.door.resetTraffic()
}

// APIToken returns the static API token currently accepted.
func (e *Ecforce) APIToken() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.apiToken
}

// RotateAPIToken replaces the static API token with a new random one, which
// it returns; the old one is rejected from now on (401 ASS1001). Tokens
// issued by sign-in are not affected.
func (e *Ecforce) RotateAPIToken() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.apiToken = "rotated-" + newSecret(12)
	e.logger.Info("sandbox ecforce: API token rotated")
	return e.apiToken
}

// SignInCount returns how many successful sign-ins (tokens issued) happened.
// Attempts, including rejected ones, are in RequestCounts under
// "POST /api/v2/admins/sign_in".
func (e *Ecforce) SignInCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.signIns
}

func (e *Ecforce) tokenValid(tok string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if subtle.ConstantTimeCompare([]byte(tok), []byte(e.apiToken)) == 1 {
		return true
	}
	return e.sessions[tok]
}

// AddOrderState adds (or relabels) a 対応状況.
func (e *Ecforce) AddOrderState(key, label string) error {
	if !stateKeyRE.MatchString(key) {
		return fmt.Errorf("state key %q: want lowercase letters, digits and underscores", key)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.states {
		if e.states[i].Key == key {
			e.states[i].Label = label
			return nil
		}
	}
	e.states = append(e.states, OrderState{Key: key, Label: label})
	return nil
}

var stateKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// AddShippingCarrier adds (or renames) a shipping carrier.
func (e *Ecforce) AddShippingCarrier(c ShippingCarrier) error {
	if c.ID <= 0 || c.Name == "" {
		return errors.New("shipping carrier needs a positive id and a name")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.carriers {
		if e.carriers[i].ID == c.ID {
			e.carriers[i] = c
			return nil
		}
	}
	e.carriers = append(e.carriers, c)
	slices.SortFunc(e.carriers, func(a, b ShippingCarrier) int { return int(a.ID - b.ID) })
	return nil
}

func (e *Ecforce) stateLabelLocked(key string) (string, bool) {
	for _, s := range e.states {
		if s.Key == key {
			return s.Label, true
		}
	}
	return "", false
}

func (e *Ecforce) carrierLocked(id int64) (ShippingCarrier, bool) {
	for _, c := range e.carriers {
		if c.ID == id {
			return c, true
		}
	}
	return ShippingCarrier{}, false
}

func (e *Ecforce) variantIDLocked(sku string) int64 {
	if id, ok := e.variants[sku]; ok {
		return id
	}
	e.seq.variant++
	e.variants[sku] = e.seq.variant
	return e.seq.variant
}

// SeedOrder creates an order. Unset fields get defaults (see OrderSeed);
// totals are computed from the items (prices are tax-included).
func (e *Ecforce) SeedOrder(seed OrderSeed) (EcforceOrder, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, err := e.seedOrderLocked(seed)
	if err != nil {
		return EcforceOrder{}, err
	}
	return cloneOrder(o), nil
}

func (e *Ecforce) seedOrderLocked(seed OrderSeed) (*EcforceOrder, error) {
	now := e.clock()
	if len(seed.Items) == 0 {
		return nil, errors.New("order seed: at least one item is required")
	}
	if seed.State == "" {
		seed.State = "complete"
	}
	if _, ok := e.stateLabelLocked(seed.State); !ok {
		return nil, fmt.Errorf("order seed: unknown state %q (add it with AddOrderState)", seed.State)
	}
	if seed.PaymentState == "" {
		seed.PaymentState = "authed"
	}
	if seed.PaymentMethodName == "" {
		seed.PaymentMethodName = defaultPaymentMethodName(seed.PaymentState)
	}
	if seed.ShippingCarrierID != 0 {
		if _, ok := e.carrierLocked(seed.ShippingCarrierID); !ok {
			return nil, fmt.Errorf("order seed: unknown shipping_carrier_id %d", seed.ShippingCarrierID)
		}
	}
	e.seq.order++
	id := e.seq.order
	if seed.Number == "" {
		seed.Number = fmt.Sprintf("EC%08d", id)
	}
	for _, o := range e.orders {
		if o.Number == seed.Number {
			e.seq.order--
			return nil, fmt.Errorf("order seed: number %q already exists (order %d)", seed.Number, o.ID)
		}
	}
	created := seed.CreatedAt
	if created.IsZero() {
		created = now
	}
	if seed.CustomerID == 0 {
		e.seq.customer++
		seed.CustomerID = e.seq.customer
	}
	if seed.Email == "" {
		seed.Email = fmt.Sprintf("customer%d@example.com", seed.CustomerID)
	}
	o := &EcforceOrder{
		ID:                       id,
		Number:                   seed.Number,
		State:                    seed.State,
		PaymentState:             seed.PaymentState,
		PaymentMethodName:        seed.PaymentMethodName,
		Email:                    seed.Email,
		CustomerID:               seed.CustomerID,
		Discount:                 seed.Discount,
		Point:                    seed.Point,
		DelivFee:                 seed.DelivFee,
		Charge:                   seed.Charge,
		ScheduledToBeShippedAt:   seed.ScheduledToBeShippedAt,
		ScheduledToBeDeliveredAt: seed.ScheduledToBeDeliveredAt,
		ScheduledDeliveryTime:    seed.ScheduledDeliveryTime,
		ShippingCarrierID:        seed.ShippingCarrierID,
		Remark:                   seed.Remark,
		StockLocationID:          1,
		CreatedAt:                created,
		UpdatedAt:                created,
	}
	for i, it := range seed.Items {
		if it.SKU == "" {
			return nil, fmt.Errorf("order seed: item %d has no sku", i)
		}
		if it.Quantity == 0 {
			it.Quantity = 1
		}
		if it.Quantity < 0 || it.Price < 0 {
			return nil, fmt.Errorf("order seed: item %d (%s): negative price or quantity", i, it.SKU)
		}
		if it.TaxRate == 0 {
			it.TaxRate = 10
		}
		if it.Name == "" {
			it.Name = it.SKU
		}
		if it.ProductNumber == "" {
			it.ProductNumber = it.SKU
		}
		e.seq.item++
		o.Items = append(o.Items, EcforceOrderItem{
			ID: e.seq.item, VariantID: e.variantIDLocked(it.SKU), VariantSKU: it.SKU,
			ProductNumber: it.ProductNumber, ProductName: it.Name,
			Price: it.Price, Quantity: it.Quantity, TaxRate: it.TaxRate,
		})
		line := it.Price * int64(it.Quantity)
		o.Subtotal += line
		o.Tax += line * int64(it.TaxRate) / int64(100+it.TaxRate)
	}
	o.Total = o.Subtotal - o.Discount - o.Point + o.DelivFee + o.Charge + o.MiscFee
	o.PaymentTotal = o.Total
	ship := defaultAddress()
	if seed.ShippingAddress != nil {
		ship = *seed.ShippingAddress
	}
	bill := ship
	if seed.BillingAddress != nil {
		bill = *seed.BillingAddress
	}
	o.ShippingAddress = e.normalizeAddressLocked(ship)
	o.BillingAddress = e.normalizeAddressLocked(bill)
	e.orders = append(e.orders, o)
	e.ordersByID[o.ID] = o
	return o, nil
}

func defaultPaymentMethodName(paymentState string) string {
	switch paymentState {
	case "cash_on_delivery_authed":
		return "代金引換"
	case "credit_exam_processing", "credit_exam_completed", "credit_exam_hold", "credit_exam_failed":
		return "後払い"
	case "paid":
		return "銀行振込"
	}
	return "クレジットカード決済"
}

func defaultAddress() EcforceAddress {
	return EcforceAddress{
		Name01: "山田", Name02: "太郎", Kana01: "ヤマダ", Kana02: "タロウ",
		Zip01: "150", Zip02: "0001", PrefectureID: 13,
		Addr01: "渋谷区神宮前", Addr02: "1-2-3", Addr03: "サンドボックスビル 4F",
		Tel01: "03", Tel02: "1234", Tel03: "5678",
	}
}

func (e *Ecforce) normalizeAddressLocked(a EcforceAddress) EcforceAddress {
	e.seq.address++
	a.ID = e.seq.address
	if a.PrefectureID == 0 && a.PrefectureName != "" {
		if i := slices.Index(prefectures, a.PrefectureName); i >= 0 {
			a.PrefectureID = i + 1
		}
	}
	if a.PrefectureName == "" && a.PrefectureID >= 1 && a.PrefectureID <= len(prefectures) {
		a.PrefectureName = prefectures[a.PrefectureID-1]
	}
	return a
}

// prefectures lists the 47 prefectures by JIS code (index+1).
var prefectures = []string{
	"北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
	"埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
	"岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
	"鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
	"佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
}

func cloneOrder(o *EcforceOrder) EcforceOrder {
	c := *o
	c.Items = cloneSlice(o.Items)
	return c
}

// Order returns a copy of the order with the given numeric id.
func (e *Ecforce) Order(id int64) (EcforceOrder, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	o, ok := e.ordersByID[id]
	if !ok {
		return EcforceOrder{}, false
	}
	return cloneOrder(o), true
}

// OrderByNumber returns a copy of the order with the given 受注番号.
func (e *Ecforce) OrderByNumber(number string) (EcforceOrder, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	for _, o := range e.orders {
		if o.Number == number {
			return cloneOrder(o), true
		}
	}
	return EcforceOrder{}, false
}

// Orders returns copies of all orders, ascending by id.
func (e *Ecforce) Orders() []EcforceOrder {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	out := make([]EcforceOrder, 0, len(e.orders))
	for _, o := range e.orders {
		out = append(out, cloneOrder(o))
	}
	return out
}

// CaptureCount returns how many capture ("sales") requests the order
// received, including ones for an already captured order.
func (e *Ecforce) CaptureCount(orderID int64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if o, ok := e.ordersByID[orderID]; ok {
		return o.CaptureRequests
	}
	return 0
}

// FailNextCapture makes the next capture of the order end in
// payment_state "sales_failed" instead of "completed".
func (e *Ecforce) FailNextCapture(orderID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failCapture[orderID] = true
}

// SettlePayments completes every in-flight payment job now, regardless of
// SettleDelay.
func (e *Ecforce) SettlePayments() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for id := range e.pending {
		e.ordersByID[id].PaymentSettlesAt = time.Time{}
	}
	e.settleLocked()
}

// settleLocked applies payment jobs whose time has come.
func (e *Ecforce) settleLocked() {
	if len(e.pending) == 0 {
		return
	}
	now := e.rawClock()
	for id := range e.pending {
		o := e.ordersByID[id]
		if o.PaymentSettlesAt.After(now) {
			continue
		}
		at := o.PaymentSettlesAt
		if at.IsZero() {
			at = now
		}
		o.PaymentState = o.PendingPaymentState
		o.PendingPaymentState = ""
		o.PaymentSettlesAt = time.Time{}
		o.UpdatedAt = at.Truncate(time.Second)
		delete(e.pending, id)
	}
}

// paymentActionLocked starts an asynchronous payment job on one order.
// method is "sales", "void", "force_void" or "reauth".
func (e *Ecforce) paymentActionLocked(o *EcforceOrder, method string) {
	if method == "sales" {
		o.CaptureRequests++
	}
	if o.PendingPaymentState != "" {
		return // a job is already in flight; the real shop would queue a no-op
	}
	target := ""
	switch method {
	case "sales":
		switch o.PaymentState {
		case "authed", "credit_exam_completed", "sales_failed":
			target = "completed"
			if e.failCapture[o.ID] {
				target = "sales_failed"
				delete(e.failCapture, o.ID)
			}
		}
		// completed, cash_on_delivery_authed, paid, …: nothing to capture.
	case "void", "force_void":
		if o.PaymentState != "voided" {
			target = "voided"
		}
	case "reauth":
		switch o.PaymentState {
		case "authed", "voided", "auth_failed", "update_failed":
			target = "authed"
		}
	}
	if target == "" {
		return
	}
	o.PendingPaymentState = target
	o.PaymentSettlesAt = e.rawClock()
	if e.settleDelay > 0 {
		o.PaymentSettlesAt = o.PaymentSettlesAt.Add(e.settleDelay)
	}
	e.pending[o.ID] = true
}

func (e *Ecforce) newJobLocked(kind string, ids []int64) EcforceJob {
	e.seq.job++
	j := EcforceJob{
		ID: e.seq.job, JobID: fmt.Sprintf("job-%06d", e.seq.job), Kind: kind,
		OrderIDs: ids, CreatedAt: e.clock(),
	}
	e.jobs = append(e.jobs, j)
	return j
}

func (e *Ecforce) locationLocked(code string) (stockLocation, bool) {
	for _, l := range e.locations {
		if l.code == code {
			return l, true
		}
	}
	return stockLocation{}, false
}

// SeedStockItem creates or overwrites the stock of sku at the location code
// ("" means "default"; unknown codes create a new location). Seeding is not
// counted as a write.
func (e *Ecforce) SeedStockItem(sku, locationCode string, stock int) (EcforceStockItem, error) {
	if sku == "" {
		return EcforceStockItem{}, errors.New("stock item seed: sku is required")
	}
	if stock < 0 {
		return EcforceStockItem{}, fmt.Errorf("stock item seed %s: negative stock %d", sku, stock)
	}
	if locationCode == "" {
		locationCode = DefaultStockLocation
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock()
	loc, ok := e.locationLocked(locationCode)
	if !ok {
		loc = stockLocation{id: int64(len(e.locations) + 1), code: locationCode, name: locationCode}
		e.locations = append(e.locations, loc)
	}
	if si := e.stockItemLocked(sku, locationCode); si != nil {
		si.Stock = stock
		si.UpdatedAt = now
		return *si, nil
	}
	e.seq.stockItem++
	si := &EcforceStockItem{
		ID: e.seq.stockItem, VariantSKU: sku, VariantID: e.variantIDLocked(sku), ProductNumber: sku,
		StockLocationID: loc.id, StockLocationCode: loc.code, StockLocationName: loc.name,
		Stock: stock, CreatedAt: now, UpdatedAt: now,
	}
	e.stockItems = append(e.stockItems, si)
	e.stockBySKU[sku] = append(e.stockBySKU[sku], si)
	return *si, nil
}

func (e *Ecforce) stockItemLocked(sku, location string) *EcforceStockItem {
	for _, si := range e.stockBySKU[sku] {
		if si.StockLocationCode == location {
			return si
		}
	}
	return nil
}

// StockItem returns the stock item of sku at location ("" = "default").
func (e *Ecforce) StockItem(sku, location string) (EcforceStockItem, bool) {
	if location == "" {
		location = DefaultStockLocation
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if si := e.stockItemLocked(sku, location); si != nil {
		return *si, true
	}
	return EcforceStockItem{}, false
}

// StockWriteCount returns how many successful stock writes (records of
// PUT /api/v2/admin/stock_items) the SKU received, over all locations.
func (e *Ecforce) StockWriteCount(sku string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, si := range e.stockBySKU[sku] {
		n += si.Writes
	}
	return n
}

// Snapshot returns a deep copy of the whole shop.
func (e *Ecforce) Snapshot() EcforceState {
	e.mu.Lock()
	e.settleLocked()
	st := EcforceState{
		Orders:           make([]EcforceOrder, 0, len(e.orders)),
		StockItems:       make([]EcforceStockItem, 0, len(e.stockItems)),
		States:           cloneSlice(e.states),
		ShippingCarriers: cloneSlice(e.carriers),
		Jobs:             make([]EcforceJob, 0, len(e.jobs)),
		SignIns:          e.signIns,
	}
	for _, o := range e.orders {
		st.Orders = append(st.Orders, cloneOrder(o))
	}
	for _, si := range e.stockItems {
		st.StockItems = append(st.StockItems, *si)
	}
	for _, j := range e.jobs {
		j.OrderIDs = cloneSlice(j.OrderIDs)
		st.Jobs = append(st.Jobs, j)
	}
	e.mu.Unlock()
	st.Faults = e.door.pendingFaults()
	st.RequestCounts = e.door.requestCounts()
	return st
}

// RequestCounts returns API request counts per endpoint key, e.g.
// "GET /api/v2/admin/orders" or "PUT /api/v2/admin/orders/{id}" (".json"
// suffixes are folded in; control endpoints are not counted).
func (e *Ecforce) RequestCounts() map[string]int { return e.door.requestCounts() }

// ResetRequestCounts zeroes the request counters.
func (e *Ecforce) ResetRequestCounts() { e.door.resetRequestCounts() }

// InjectFault queues a fault for the next matching API requests.
func (e *Ecforce) InjectFault(f Fault) { e.door.injectFault(f) }

// Faults returns the faults still queued.
func (e *Ecforce) Faults() []Fault { return e.door.pendingFaults() }

// ClearFaults removes every queued fault.
func (e *Ecforce) ClearFaults() { e.door.clearFaults() }

// SetRateLimit replaces the rate limit (RPS 0 disables it).
func (e *Ecforce) SetRateLimit(rl RateLimit) { e.door.setRateLimit(rl) }
