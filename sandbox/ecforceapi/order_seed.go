package ecforceapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

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
	ShippingAddress          *Address        `json:"shipping_address"` // default: a Tokyo address
	BillingAddress           *Address        `json:"billing_address"`  // default: the shipping address
	// ShippingAddresses, when given, are every destination of an order
	// with several (複数配送先): the first becomes the shipping address.
	ShippingAddresses []Address `json:"shipping_addresses"`
	// MultipleShipping sets ecforce's multiple_shipping flag; it is set
	// anyway when ShippingAddresses has more than one address.
	MultipleShipping bool `json:"multiple_shipping"`
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
		t, err := httpfake.ParseJST(f.in)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		*f.out = t
	}
	return nil
}

// SeedOrder creates an order. Unset fields get defaults (see OrderSeed);
// totals are computed from the items (prices are tax-included).
func (e *Server) SeedOrder(seed OrderSeed) (Order, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, err := e.seedOrderLocked(seed)
	if err != nil {
		return Order{}, err
	}
	return cloneOrder(o), nil
}

func (e *Server) seedOrderLocked(seed OrderSeed) (*Order, error) {
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
	o := &Order{
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
		o.Items = append(o.Items, OrderItem{
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
	if len(seed.ShippingAddresses) > 0 {
		ship = seed.ShippingAddresses[0]
	}
	bill := ship
	if seed.BillingAddress != nil {
		bill = *seed.BillingAddress
	}
	o.ShippingAddress = e.normalizeAddressLocked(ship)
	o.BillingAddress = e.normalizeAddressLocked(bill)
	o.MultipleShipping = seed.MultipleShipping || len(seed.ShippingAddresses) > 1
	if len(seed.ShippingAddresses) > 1 {
		o.ShippingAddresses = []Address{o.ShippingAddress}
		for _, a := range seed.ShippingAddresses[1:] {
			o.ShippingAddresses = append(o.ShippingAddresses, e.normalizeAddressLocked(a))
		}
	}
	e.orders = append(e.orders, o)
	e.ordersByID[o.ID] = o
	e.webhookEventsLocked(true, "", o)
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

func defaultAddress() Address {
	return Address{
		Name01: "山田", Name02: "太郎", Kana01: "ヤマダ", Kana02: "タロウ",
		Zip01: "150", Zip02: "0001", PrefectureID: 13,
		Addr01: "渋谷区神宮前", Addr02: "1-2-3", Addr03: "サンドボックスビル 4F",
		Tel01: "03", Tel02: "1234", Tel03: "5678",
	}
}
