// Package salesorder turns an ecforce order into the LOGILESS sales order
// (受注伝票) that represents it: lines mapped through the product mapping
// table (商品対応表), buyer and recipient from the order's addresses, payment
// and delivery methods through the shop's configured maps, amounts, the
// scheduled shipping date (発送予定日) and the preferred delivery date and
// time. It also owns the import's other rules: which orders are imported
// (Filters: 対応状況, 発送予定日, never a cancelled one), how a 受注番号
// becomes a LOGILESS 受注コード and back (CodeScheme, shared with the
// shipment notification) and when a code found in LOGILESS is the shop's
// (CodeScheme.Claim).
//
// Build is a pure function: the same order, settings and table always give
// the same sales order, so it is tested exhaustively without any server and
// an activity retry rebuilds exactly what the first attempt sent.
package salesorder

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
)

// Settings are the per-shop choices Build needs.
type Settings struct {
	StoreID               int64             // LOGILESS store (店舗) of the shop
	PaymentMethods        map[string]string // ecforce payment_method_name → LOGILESS payment_method
	DefaultPaymentMethod  string            // "" = unknown names fail the order
	DeliveryMethods       map[string]string // ecforce shipping_carrier_name → LOGILESS delivery_method
	DefaultDeliveryMethod string            // "" = unknown names fail the order
	MappingFile           string            // named in errors so the operator knows what to edit
	// Codes turns the 受注番号 into the LOGILESS 受注コード
	// (order_import.code_prefix).
	Codes CodeScheme
	// MatchProductNumber looks lines up in the table by their ecforce
	// product_number (商品コード) instead of their variant_sku.
	MatchProductNumber bool
}

// MappingKey is the code of item that the product mapping table is keyed
// by: its variant_sku, or its product_number with MatchProductNumber.
func (s Settings) MappingKey(item ecforce.OrderItem) string {
	if s.MatchProductNumber {
		return item.ProductNumber
	}
	return item.SKU
}

// MapsEveryLine reports whether every line of order has a row in table.
func (s Settings) MapsEveryLine(order ecforce.Order, table *mapping.Table) bool {
	for _, item := range order.Items {
		if _, ok := table.Lookup(s.MappingKey(item)); !ok {
			return false
		}
	}
	return true
}

// UnmappedSKUError says which SKUs of an order have no row in the product
// mapping table. Nothing is created for such an order.
type UnmappedSKUError struct {
	OrderNumber string
	SKUs        []string // sorted, distinct; product numbers with ByProductNumber
	MappingFile string
	// ByProductNumber says the table is keyed by product_number, so SKUs
	// holds the lines' product numbers.
	ByProductNumber bool
}

func (e *UnmappedSKUError) Error() string {
	quoted := make([]string, len(e.SKUs))
	for i, s := range e.SKUs {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	where := "the product mapping table"
	if e.MappingFile != "" {
		where += " (" + e.MappingFile + ")"
	}
	what := "SKU"
	if e.ByProductNumber {
		what = "product number"
	}
	return fmt.Sprintf("order %s: %s %s not in %s; add a row mapping each to a LOGILESS article code, "+
		"and the waiting import resumes by itself", e.OrderNumber, what, strings.Join(quoted, ", "), where)
}

// UnmappedMethodError says an order's payment or delivery method has no
// LOGILESS counterpart in the shop's settings and there is no default.
type UnmappedMethodError struct {
	OrderNumber string
	Kind        string // "payment method" or "delivery method"
	Name        string // the ecforce name
	Setting     string // the settings field to edit
}

func (e *UnmappedMethodError) Error() string {
	return fmt.Sprintf("order %s: ecforce %s %q has no LOGILESS counterpart; add it to %s in the shops file (or set a default)",
		e.OrderNumber, e.Kind, e.Name, e.Setting)
}

// MultipleDestinationsError says an order ships to several destinations
// (複数配送先). ecforce says nothing of which line goes to which
// destination, so one sales order to one address would ship everything to
// the wrong place: nothing is created.
type MultipleDestinationsError struct {
	OrderNumber string
	// Destinations is the number of distinct shipping_addresses (0 when
	// only the multiple_shipping flag says so).
	Destinations int
	Code         string // the LOGILESS code the import would use
}

func (e *MultipleDestinationsError) Error() string {
	how := "ecforce flags it multiple_shipping"
	if e.Destinations > 1 {
		how = fmt.Sprintf("it has %d shipping addresses", e.Destinations)
	}
	return fmt.Sprintf("order %s ships to several destinations (複数配送先: %s); nothing was created: split it in ecforce "+
		"into one order per destination, or enter it in LOGILESS by hand, one sales order per destination and one of them under code %s",
		e.OrderNumber, how, e.Code)
}

// SeveralDestinations reports whether the order ships to more than one
// destination: ecforce flags it multiple_shipping, or it has more than
// one shipping_addresses.
func SeveralDestinations(o ecforce.Order) bool {
	return o.MultipleShipping || len(o.ShippingAddressIDs) > 1
}

// ErrInvalidOrder marks an order that cannot become a sales order whatever
// the settings (no lines, no address, an address without the name or
// street address LOGILESS requires, a code LOGILESS would reject).
var ErrInvalidOrder = errors.New("order cannot be imported")

// codePattern is LOGILESS's rule for 受注コード: half-width letters, digits
// and hyphens, at most 30 characters.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,30}$`)

// Build returns the sales order for order. Errors are *UnmappedSKUError,
// *UnmappedMethodError, *MultipleDestinationsError or wrap
// ErrInvalidOrder; none is worth retrying until someone changes the order,
// the table or the settings.
func Build(order ecforce.Order, s Settings, table *mapping.Table) (logiless.SalesOrderInput, error) {
	var in logiless.SalesOrderInput
	code := s.Codes.Code(order.Number)
	if !codePattern.MatchString(code) {
		what := "its number"
		if s.Codes.Prefix != "" {
			what = "order_import.code_prefix followed by its number"
		}
		return in, fmt.Errorf("order %q: %w: %s, %q, is not a valid LOGILESS order code (letters, digits, hyphens, at most 30)",
			order.Number, ErrInvalidOrder, what, code)
	}
	if SeveralDestinations(order) {
		n := len(order.ShippingAddressIDs)
		if n < 2 {
			n = 0
		}
		return in, &MultipleDestinationsError{OrderNumber: order.Number, Destinations: n, Code: code}
	}
	if len(order.Items) == 0 {
		return in, fmt.Errorf("order %s: %w: it has no lines", order.Number, ErrInvalidOrder)
	}
	billing, shipping := order.BillingAddress, order.ShippingAddress
	if shipping == nil {
		shipping = billing
	}
	if billing == nil {
		billing = shipping
	}
	if shipping == nil {
		return in, fmt.Errorf("order %s: %w: it has no shipping or billing address", order.Number, ErrInvalidOrder)
	}

	if err := checkAddresses(order, billing, shipping); err != nil {
		return in, err
	}

	lines, err := buildLines(order, table, s)
	if err != nil {
		return in, err
	}
	payment, err := lookupMethod(order.Number, "payment method", order.PaymentMethodName, s.PaymentMethods, s.DefaultPaymentMethod, "order_import.payment_methods")
	if err != nil {
		return in, err
	}
	delivery, err := lookupMethod(order.Number, "shipping carrier", order.ShippingCarrierName, s.DeliveryMethods, s.DefaultDeliveryMethod, "order_import.delivery_methods")
	if err != nil {
		return in, err
	}

	in = logiless.SalesOrderInput{
		Code:           code,
		Store:          s.StoreID,
		Buyer:          party(billing, order.Email),
		Recipient:      party(shipping, ""),
		PaymentMethod:  payment,
		DeliveryMethod: delivery,
		UsePoint:       order.Point,
		DeliveryFee:    order.DelivFee,
		SundryFee:      order.Charge + order.MiscFee,
		Discount:       order.Discount,
		BuyerComment:   order.Remark,
		Lines:          lines,
	}
	in.AuthorizationStatus, in.IncomingPaymentStatus = PaymentStatuses(order.PaymentState)
	if !order.ScheduledToBeShippedAt.IsZero() {
		in.ScheduledShippingDate = order.ScheduledToBeShippedAt.In(ecforce.JST).Format("2006-01-02")
	}
	if !order.ScheduledToBeDeliveredAt.IsZero() {
		in.DeliveryPreferredDate = order.ScheduledToBeDeliveredAt.In(ecforce.JST).Format("2006-01-02")
	}
	in.DeliveryPreferredTimeZone = strings.TrimSpace(order.ScheduledDeliveryTime)
	if !order.CreatedAt.IsZero() {
		in.OrderedAt = order.CreatedAt.Time
	}
	if err := in.Validate(); err != nil {
		// Sending would only earn a 400; retrying would not help either.
		return logiless.SalesOrderInput{}, fmt.Errorf("order %s: %w: %w", order.Number, ErrInvalidOrder, err)
	}
	return in, nil
}

// checkAddresses names the address fields LOGILESS requires that the
// order lacks: a name for the buyer (注文者) and a name and street address
// (addr01) for the recipient (送付先), who is the buyer when the order has
// no shipping address.
func checkAddresses(order ecforce.Order, billing, shipping *ecforce.Address) error {
	var missing []string
	if billing.FullName() == "" {
		missing = append(missing, "the billing address has no name (name01, name02)")
	}
	which := "shipping address"
	if order.ShippingAddress == nil {
		which = "billing address (the order has no shipping address)"
	}
	if shipping.FullName() == "" && shipping != billing {
		missing = append(missing, "the "+which+" has no name (name01, name02)")
	}
	if strings.TrimSpace(shipping.Addr01) == "" {
		missing = append(missing, "the "+which+" has no street address (addr01)")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("order %s: %w: %s; complete the address in ecforce, then the next import run imports it",
		order.Number, ErrInvalidOrder, strings.Join(missing, "; "))
}

func buildLines(order ecforce.Order, table *mapping.Table, s Settings) ([]logiless.SalesOrderLineInput, error) {
	lines := make([]logiless.SalesOrderLineInput, 0, len(order.Items))
	unmapped := map[string]bool{}
	for i, item := range order.Items {
		if item.Quantity <= 0 {
			return nil, fmt.Errorf("order %s line %d (SKU %q): %w: quantity %d", order.Number, i+1, item.SKU, ErrInvalidOrder, item.Quantity)
		}
		row, ok := table.Lookup(s.MappingKey(item))
		if !ok {
			unmapped[s.MappingKey(item)] = true
			continue
		}
		price := item.SalesPrice
		if price == 0 {
			price = item.Price
		}
		line := logiless.SalesOrderLineInput{
			ArticleCode:  row.ArticleCode,
			ArticleName:  item.ProductName,
			Quantity:     item.Quantity,
			Price:        price,
			TaxIndicator: "TaxIncluded",
			TaxRate:      item.TaxRate,
		}
		if line.ArticleName == "" {
			line.ArticleName = item.SKU
		}
		if item.TaxRate == 0 {
			line.TaxIndicator = "Exempt"
		}
		lines = append(lines, line)
	}
	if len(unmapped) > 0 {
		skus := make([]string, 0, len(unmapped))
		for sku := range unmapped {
			skus = append(skus, sku)
		}
		sort.Strings(skus)
		return nil, &UnmappedSKUError{OrderNumber: order.Number, SKUs: skus, MappingFile: s.MappingFile, ByProductNumber: s.MatchProductNumber}
	}
	return lines, nil
}

func lookupMethod(orderNumber, kind, name string, table map[string]string, fallback, setting string) (string, error) {
	if v, ok := table[strings.TrimSpace(name)]; ok && v != "" {
		return v, nil
	}
	if fallback != "" {
		return fallback, nil
	}
	return "", &UnmappedMethodError{OrderNumber: orderNumber, Kind: kind, Name: name, Setting: setting}
}

// party fills a LOGILESS buyer or recipient. The full name goes into name1
// and the company into name2, the way LOGILESS's own order screens show a
// 会社名 under the person (our reading; the API docs do not say).
func party(a *ecforce.Address, email string) logiless.Party {
	return logiless.Party{
		Name1:      a.FullName(),
		Name2:      strings.TrimSpace(a.CompanyName),
		NameKana1:  a.FullKana(),
		Country:    "JP",
		PostCode:   a.Zip(),
		Prefecture: a.PrefectureName,
		Address1:   strings.TrimSpace(a.Addr01),
		Address2:   strings.TrimSpace(a.Addr02),
		Address3:   strings.TrimSpace(a.Addr03),
		Phone:      a.Tel(),
		Email:      email,
	}
}

// PaymentStatuses carries what ecforce knows about the payment (its
// payment_state) over to LOGILESS, so a captured or paid order is not held
// waiting for payment: the authorization_status and
// incoming_payment_status to send, "" for one ecforce says nothing about.
// The import sends them with the new order; a payment completed later is
// sent by the order change run (package orderchange).
func PaymentStatuses(paymentState string) (authorization, incoming string) {
	switch paymentState {
	case "authed":
		return "Authorized", ""
	case "completed", "captured":
		return "Captured", "Paid"
	case "paid":
		return "", "Paid"
	}
	return "", ""
}
