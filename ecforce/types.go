package ecforce

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// Order is an ecforce 受注 with its lines and addresses. Amounts are yen.
// It prints and logs (fmt %v, slog) as a summary without personal data.
type Order struct {
	ID                int64  // 受注ID: the numeric id used in API paths
	Number            string // 受注番号: the number shown to shop staff and customers
	State             string // 対応状況 key, e.g. "complete" (注文確定) or a shop-defined key
	HumanState        string // 対応状況 label
	PaymentState      string // 決済状況 key, e.g. "authed", "completed"
	PaymentHumanState string // 決済状況 label
	PaymentMethodName string // 決済方法 name
	Email             string // customer e-mail (personal data)
	Remark            string // customer note (備考)

	Subtotal     int64 // 小計
	Discount     int64 // 値引き
	Point        int64 // ポイント利用額
	DelivFee     int64 // 送料
	Charge       int64 // 手数料
	MiscFee      int64 // その他手数料
	Tax          int64 // 消費税
	Total        int64 // 合計
	PaymentTotal int64 // 支払合計

	ScheduledToBeShippedAt   Time   // 発送予定日
	ScheduledToBeDeliveredAt Time   // お届け予定日
	ScheduledDeliveryTime    string // お届け時間帯 label
	ShippedAt                Time   // 発送日 (zero until shipped)
	CreatedAt                Time
	UpdatedAt                Time

	ShippingCarrierID   int64  // 配送業者 id (see ListShippingCarriers)
	ShippingCarrierName string // 配送業者 name
	ShippingSlip        string // 配送伝票番号 (tracking number)

	// MultipleShipping is ecforce's multiple_shipping flag: the order has
	// several destinations (複数配送先).
	MultipleShipping bool
	// ShippingAddressIDs are the ids of the order's shipping_addresses
	// relationship, distinct and in the order ecforce gave them (nil when
	// the relationship was absent). More than one means several
	// destinations.
	ShippingAddressIDs []string

	Items           []OrderItem
	ShippingAddress *Address // nil when the order has none or it was not included
	BillingAddress  *Address // nil when the order has none or it was not included
}

// String returns a summary without personal data.
func (o Order) String() string {
	return fmt.Sprintf("order{id=%d number=%s state=%s payment=%s items=%d}",
		o.ID, o.Number, o.State, o.PaymentState, len(o.Items))
}

// GoString masks %#v like String.
func (o Order) GoString() string { return o.String() }

// LogValue implements slog.LogValuer with the same personal-data-free summary.
func (o Order) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("id", o.ID),
		slog.String("number", o.Number),
		slog.String("state", o.State),
		slog.String("payment_state", o.PaymentState),
		slog.Int("items", len(o.Items)),
	)
}

// OrderItem is one order line (受注明細).
type OrderItem struct {
	ID            int64
	VariantID     int64
	SKU           string // variant_sku: the SKU the 商品対応表 maps
	ProductNumber string // 商品コード
	ProductName   string
	SalesPrice    int64 // unit price charged
	Price         int64 // line price as ecforce reports it
	Quantity      int64
	TaxRate       int // 0, 8 or 10 (%)
}

// Address is a shipping or billing address. It is personal data: String,
// GoString and LogValue show only the prefecture.
type Address struct {
	Name01         string // 姓
	Name02         string // 名
	Kana01         string // セイ
	Kana02         string // メイ
	CompanyName    string
	Zip01          string // first 3 digits of the postal code
	Zip02          string // last 4 digits
	PrefectureID   int    // 1–47 (JIS X 0401)
	PrefectureName string
	Addr01         string // 市区町村 + 町名
	Addr02         string // 番地・建物
	Addr03         string
	Tel01          string
	Tel02          string
	Tel03          string
}

// FullName returns 姓 and 名 separated by a space.
func (a Address) FullName() string { return joinNonEmpty(" ", a.Name01, a.Name02) }

// FullKana returns セイ and メイ separated by a space.
func (a Address) FullKana() string { return joinNonEmpty(" ", a.Kana01, a.Kana02) }

// Zip returns the postal code as "123-4567" (as given when it is not seven digits).
func (a Address) Zip() string {
	digits := onlyDigits(a.Zip01 + a.Zip02)
	if len(digits) == 7 {
		return digits[:3] + "-" + digits[3:]
	}
	return joinNonEmpty("-", strings.TrimSpace(a.Zip01), strings.TrimSpace(a.Zip02))
}

// Tel returns the phone number as "03-1234-5678".
func (a Address) Tel() string {
	return joinNonEmpty("-", strings.TrimSpace(a.Tel01), strings.TrimSpace(a.Tel02), strings.TrimSpace(a.Tel03))
}

// String returns a masked summary such as "address{pref=東京都}".
func (a Address) String() string {
	pref := a.PrefectureName
	if pref == "" && a.PrefectureID != 0 {
		pref = strconv.Itoa(a.PrefectureID)
	}
	return "address{pref=" + pref + "}"
}

// GoString masks %#v like String.
func (a Address) GoString() string { return a.String() }

// LogValue implements slog.LogValuer: only the prefecture is logged.
func (a Address) LogValue() slog.Value { return slog.StringValue(a.String()) }

// ShippingCarrier is a 配送業者 configured in the shop.
type ShippingCarrier struct {
	ID      int64
	Name    string
	State   string // "active" or "inactive"
	Default bool
}

// StockItem is the stock of one SKU at one location.
type StockItem struct {
	ID           int64
	SKU          string // variant_sku
	LocationCode string // stock_location_code (ロケーションコード)
	Stock        int64
	Unlimited    bool // stock_unlimited: the shop does not count this SKU's stock
}

// --- wire shapes -----------------------------------------------------------

type orderAttributes struct {
	ID                       jsonlenient.Int    `json:"id"`
	Number                   jsonlenient.String `json:"number"`
	State                    jsonlenient.String `json:"state"`
	HumanState               jsonlenient.String `json:"human_state"`
	PaymentState             jsonlenient.String `json:"payment_state"`
	PaymentHumanState        jsonlenient.String `json:"payment_human_state"`
	PaymentMethodName        jsonlenient.String `json:"payment_method_name"`
	Email                    jsonlenient.String `json:"email"`
	Remark                   jsonlenient.String `json:"remark"`
	Subtotal                 jsonlenient.Int    `json:"subtotal"`
	Discount                 jsonlenient.Int    `json:"discount"`
	Point                    jsonlenient.Int    `json:"point"`
	DelivFee                 jsonlenient.Int    `json:"deliv_fee"`
	Charge                   jsonlenient.Int    `json:"charge"`
	MiscFee                  jsonlenient.Int    `json:"misc_fee"`
	Tax                      jsonlenient.Int    `json:"tax"`
	Total                    jsonlenient.Int    `json:"total"`
	PaymentTotal             jsonlenient.Int    `json:"payment_total"`
	ScheduledToBeShippedAt   Time               `json:"scheduled_to_be_shipped_at"`
	ScheduledToBeDeliveredAt Time               `json:"scheduled_to_be_delivered_at"`
	ScheduledDeliveryTime    jsonlenient.String `json:"scheduled_delivery_time"`
	ShippedAt                Time               `json:"shipped_at"`
	CreatedAt                Time               `json:"created_at"`
	UpdatedAt                Time               `json:"updated_at"`
	ShippingCarrierID        jsonlenient.Int    `json:"shipping_carrier_id"`
	ShippingCarrierName      jsonlenient.String `json:"shipping_carrier_name"`
	ShippingSlip             jsonlenient.String `json:"shipping_slip"`
	MultipleShipping         jsonlenient.Bool   `json:"multiple_shipping"`
}

type orderItemAttributes struct {
	ID            jsonlenient.Int    `json:"id"`
	VariantID     jsonlenient.Int    `json:"variant_id"`
	VariantSKU    jsonlenient.String `json:"variant_sku"`
	ProductNumber jsonlenient.String `json:"product_number"`
	ProductName   jsonlenient.String `json:"product_name"`
	SalesPrice    jsonlenient.Int    `json:"sales_price"`
	Price         jsonlenient.Int    `json:"price"`
	Quantity      jsonlenient.Int    `json:"quantity"`
	TaxRate       jsonlenient.Int    `json:"tax_rate"`
}

type addressAttributes struct {
	Name01         jsonlenient.String `json:"name01"`
	Name02         jsonlenient.String `json:"name02"`
	Kana01         jsonlenient.String `json:"kana01"`
	Kana02         jsonlenient.String `json:"kana02"`
	CompanyName    jsonlenient.String `json:"company_name"`
	Zip01          jsonlenient.String `json:"zip01"`
	Zip02          jsonlenient.String `json:"zip02"`
	PrefectureID   jsonlenient.Int    `json:"prefecture_id"`
	PrefectureName jsonlenient.String `json:"prefecture_name"`
	Addr01         jsonlenient.String `json:"addr01"`
	Addr02         jsonlenient.String `json:"addr02"`
	Addr03         jsonlenient.String `json:"addr03"`
	Tel01          jsonlenient.String `json:"tel01"`
	Tel02          jsonlenient.String `json:"tel02"`
	Tel03          jsonlenient.String `json:"tel03"`
}

type shippingCarrierAttributes struct {
	ID      jsonlenient.Int    `json:"id"`
	Name    jsonlenient.String `json:"name"`
	State   jsonlenient.String `json:"state"`
	Default jsonlenient.Bool   `json:"default"`
}

type stockItemAttributes struct {
	ID                jsonlenient.Int    `json:"id"`
	VariantSKU        jsonlenient.String `json:"variant_sku"`
	StockLocationCode jsonlenient.String `json:"stock_location_code"`
	Stock             jsonlenient.Int    `json:"stock"`
	StockUnlimited    jsonlenient.Bool   `json:"stock_unlimited"`
}

// resourceID returns the resource's numeric id: the JSON:API id when it is a
// number, else attributes.id. Zero means neither was usable.
func resourceID(r *resource, attrID jsonlenient.Int) int64 {
	if id, err := strconv.ParseInt(strings.TrimSpace(string(r.ID)), 10, 64); err == nil && id > 0 {
		return id
	}
	return int64(attrID)
}

// decodeOrder builds an Order from its resource, resolving order_items,
// shipping_address and billing_address against the document's included
// resources. A referenced resource missing from included is an error: an
// order with lines silently missing must never be imported.
func decodeOrder(doc *document, r *resource) (Order, error) {
	o, err := decodeOrderAttributes(r)
	if err != nil {
		return Order{}, err
	}
	if refs, ok := r.rel("order_items"); ok {
		for _, ref := range refs {
			inc, found := doc.find(ref, "order_item")
			if !found {
				return Order{}, fmt.Errorf("order %d references order_item %s, which is not in included", o.ID, clip(string(ref.ID), 20))
			}
			item, err := decodeOrderItem(inc)
			if err != nil {
				return Order{}, fmt.Errorf("order %d: %w", o.ID, err)
			}
			o.Items = append(o.Items, item)
		}
	}
	if o.ShippingAddress, err = decodeAddressRel(doc, r, "shipping_address"); err != nil {
		return Order{}, fmt.Errorf("order %d: %w", o.ID, err)
	}
	if o.BillingAddress, err = decodeAddressRel(doc, r, "billing_address"); err != nil {
		return Order{}, fmt.Errorf("order %d: %w", o.ID, err)
	}
	o.ShippingAddressIDs = relationIDs(r, "shipping_addresses")
	return o, nil
}

// decodeOrderAttributes builds an Order from its own attributes, without
// lines or addresses.
func decodeOrderAttributes(r *resource) (Order, error) {
	var a orderAttributes
	if err := r.decodeAttributes(&a); err != nil {
		return Order{}, fmt.Errorf("order %s attributes: %w", clip(string(r.ID), 20), err)
	}
	o := Order{
		ID:                       resourceID(r, a.ID),
		Number:                   string(a.Number),
		State:                    string(a.State),
		HumanState:               string(a.HumanState),
		PaymentState:             string(a.PaymentState),
		PaymentHumanState:        string(a.PaymentHumanState),
		PaymentMethodName:        string(a.PaymentMethodName),
		Email:                    string(a.Email),
		Remark:                   string(a.Remark),
		Subtotal:                 int64(a.Subtotal),
		Discount:                 int64(a.Discount),
		Point:                    int64(a.Point),
		DelivFee:                 int64(a.DelivFee),
		Charge:                   int64(a.Charge),
		MiscFee:                  int64(a.MiscFee),
		Tax:                      int64(a.Tax),
		Total:                    int64(a.Total),
		PaymentTotal:             int64(a.PaymentTotal),
		ScheduledToBeShippedAt:   a.ScheduledToBeShippedAt,
		ScheduledToBeDeliveredAt: a.ScheduledToBeDeliveredAt,
		ScheduledDeliveryTime:    string(a.ScheduledDeliveryTime),
		ShippedAt:                a.ShippedAt,
		CreatedAt:                a.CreatedAt,
		UpdatedAt:                a.UpdatedAt,
		ShippingCarrierID:        int64(a.ShippingCarrierID),
		ShippingCarrierName:      string(a.ShippingCarrierName),
		ShippingSlip:             string(a.ShippingSlip),
		MultipleShipping:         bool(a.MultipleShipping),
	}
	if o.ID <= 0 {
		return Order{}, fmt.Errorf("order resource %q has no numeric id", clip(string(r.ID), 20))
	}
	return o, nil
}

func decodeOrderItem(r *resource) (OrderItem, error) {
	var a orderItemAttributes
	if err := r.decodeAttributes(&a); err != nil {
		return OrderItem{}, fmt.Errorf("order_item %s attributes: %w", clip(string(r.ID), 20), err)
	}
	return OrderItem{
		ID:            resourceID(r, a.ID),
		VariantID:     int64(a.VariantID),
		SKU:           string(a.VariantSKU),
		ProductNumber: string(a.ProductNumber),
		ProductName:   string(a.ProductName),
		SalesPrice:    int64(a.SalesPrice),
		Price:         int64(a.Price),
		Quantity:      int64(a.Quantity),
		TaxRate:       int(a.TaxRate),
	}, nil
}

// decodeAddressRel resolves a to-one address relationship; nil when absent or null.
// relationIDs returns the distinct ids a relationship links to, nil when
// the resource has no such relationship. Only the ids are read: the
// addresses themselves are personal data the connector does not need.
func relationIDs(r *resource, name string) []string {
	refs, ok := r.rel(name)
	if !ok {
		return nil
	}
	ids := make([]string, 0, len(refs))
	seen := make(map[string]bool, len(refs))
	for _, ref := range refs {
		id := strings.TrimSpace(string(ref.ID))
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

func decodeAddressRel(doc *document, r *resource, name string) (*Address, error) {
	refs, ok := r.rel(name)
	if !ok || len(refs) == 0 {
		return nil, nil
	}
	inc, found := doc.find(refs[0], "address")
	if !found {
		return nil, fmt.Errorf("%s %s is not in included", name, clip(string(refs[0].ID), 20))
	}
	var a addressAttributes
	if err := inc.decodeAttributes(&a); err != nil {
		// The error may quote a value; keep it short and do not name the field contents.
		return nil, fmt.Errorf("%s attributes could not be decoded: %w", name, err)
	}
	return &Address{
		Name01:         string(a.Name01),
		Name02:         string(a.Name02),
		Kana01:         string(a.Kana01),
		Kana02:         string(a.Kana02),
		CompanyName:    string(a.CompanyName),
		Zip01:          string(a.Zip01),
		Zip02:          string(a.Zip02),
		PrefectureID:   int(a.PrefectureID),
		PrefectureName: string(a.PrefectureName),
		Addr01:         string(a.Addr01),
		Addr02:         string(a.Addr02),
		Addr03:         string(a.Addr03),
		Tel01:          string(a.Tel01),
		Tel02:          string(a.Tel02),
		Tel03:          string(a.Tel03),
	}, nil
}

func decodeShippingCarrier(r *resource) (ShippingCarrier, error) {
	var a shippingCarrierAttributes
	if err := r.decodeAttributes(&a); err != nil {
		return ShippingCarrier{}, fmt.Errorf("shipping_carrier %s attributes: %w", clip(string(r.ID), 20), err)
	}
	return ShippingCarrier{ID: resourceID(r, a.ID), Name: string(a.Name), State: string(a.State), Default: bool(a.Default)}, nil
}

func decodeStockItem(r *resource) (StockItem, error) {
	var a stockItemAttributes
	if err := r.decodeAttributes(&a); err != nil {
		return StockItem{}, fmt.Errorf("stock_item %s attributes: %w", clip(string(r.ID), 20), err)
	}
	return StockItem{
		ID:           resourceID(r, a.ID),
		SKU:          string(a.VariantSKU),
		LocationCode: string(a.StockLocationCode),
		Stock:        int64(a.Stock),
		Unlimited:    bool(a.StockUnlimited),
	}, nil
}

func joinNonEmpty(sep string, parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９': // full-width digits
			b.WriteRune('0' + (r - '０'))
		}
	}
	return b.String()
}
